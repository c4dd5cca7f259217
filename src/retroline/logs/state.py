"""Keep the template miner's state in the library, so that files and runs share template ids.

The library stores plain data (`TemplateMiner.export` plus first and last seen), never
pickles; `load_miner` continues from it and `store_miner` writes a run's templates back in
one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from retroline.logs.run import TemplateStats
from retroline.logs.templates import MinerConfig, TemplateMiner

if TYPE_CHECKING:
    from retroline.store import Library

__all__ = ["load_miner", "store_miner"]


def load_miner(library: Library, config: MinerConfig | None = None) -> TemplateMiner:
    """A miner that starts from the templates stored in the library (empty if none are)."""
    return TemplateMiner.load(library.log_templates(), config)


def store_miner(library: Library, miner: TemplateMiner, stats: Sequence[TemplateStats]) -> int:
    """Save every template of ``miner``, with when the run saw each, in one transaction."""
    seen = {s.id: s for s in stats}
    items = []
    for item in miner.export():
        run = seen.get(item["id"])
        item["first_seen"] = run.first if run is not None else None
        item["last_seen"] = run.last if run is not None else None
        items.append(item)
    return library.save_log_templates(items)
