"""How well `retroline similar` finds related past incidents: precision at 1 and 3.

The incidents: the 25 real postmortems of ../shared/realworld and the 5 seeds of
../shared/seeds (each read with `retroline.extract`), and the 4 example bundles of
examples/ (each investigated, logs, metrics and host state included): 34 in one library.

The labels, written here by hand from each document's title and first lines, before any
score was looked at: two incidents are related when they concern the same service or
platform (a team's hubs on Kubernetes; a package registry; a mailing-list service), or the
same incident in two revisions, or the same cause and failure mode (a service left on old
code after an upgrade; a watchdog host out of sockets rebooting every machine; a process
whose memory grows until the host swaps). `GROUPS` lists them; an incident in no group has
no related incident and is only a distractor.

For each incident of a group, every other incident is ranked with `similar` against the
whole library; P@1 is the share of queries whose first match is related, P@3 the related
incidents among the first three over as many as could be there (three, or fewer when the
query has fewer related ones), and hit@3 the share of queries with a related incident in
the first three. Reported on all queries and on two parts: the seeds and examples (whose
evidence the kinds and weights of `analysis/similar.py` were written with in mind) and the
real postmortems (whose documents were not read while building; their printed reasons were
seen once, and words that every postmortem uses were added to the stop list then). Not a
test: run it by hand.

    .venv/bin/python benchmarks/similar_pairs.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import retroline
from retroline.analysis.similar import similar
from retroline.model import Incident

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

#: Related incidents, by file stem (documents) or folder name (examples).
GROUPS: dict[str, list[str]] = {
    "hubs on kubernetes": [
        "2018-04-18-cull-flood",
        "2022-06-02-pod-limit",
        "2020-10-28-memory-overload",
        "2025-05-12-earthscope-resource-provisioning-issue",
        "2025-07-21-openscapes-hub-pods-dying",
    ],
    "package registry": [
        "npm-blog-2019-11-registry-degradation",
        "npm-status-2014-09-25-replication",
    ],
    "mailing lists": ["apache-infra-2022-07-12-email-interruption", "wikitech-20150519-Mailman"],
    "upgrade left on old code": [
        "perfsonar-rca-rendered",
        "perfsonar-rca-twiki-r1.5",
        "datastore-upgrade",
    ],
    "watchdog host out of sockets": ["hangcheck-tcp-sockets-blog", "watchdog-reboots"],
    "memory grows until swap": ["hiveeyes-kotori-mqtt", "relay-memory-leak"],
}
REAL = {name for name in GROUPS["hubs on kubernetes"]} | {
    *GROUPS["package registry"],
    *GROUPS["mailing lists"],
}
EXAMPLE_ZONES = {"checkout-outage": {"payments-db.syslog": "Europe/Berlin"}}


def library(work: Path) -> list[Incident]:
    """Every incident of the measure, with its name as id."""
    found = []
    for folder in ("realworld/docs", "seeds"):
        for path in sorted((SHARED / folder).glob("*.txt")):
            incident = retroline.extract(path)
            found.append(incident.model_copy(update={"id": path.stem}))
    for example in sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir()):
        result = retroline.investigate(
            [example],
            library=work / f"{example.name}.db",
            zones=EXAMPLE_ZONES.get(example.name, {}),
            good="store-test1" if example.name == "datastore-upgrade" else None,
        )
        found.append(result.incident.model_copy(update={"id": example.name}))
    return found


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        incidents = library(Path(tmp))
    names = {i.id for i in incidents}
    related = {name: set(group) - {name} for group in GROUPS.values() for name in group}
    missing = sorted(set(related) - names)
    if missing:
        print(f"missing incidents: {missing}", file=sys.stderr)
        return 1
    by_part: dict[str, list[tuple[float, float, float]]] = {
        "all": [],
        "seeds+examples": [],
        "realworld": [],
    }
    print(f"{len(incidents)} incidents, {len(related)} queries with a related incident\n")
    for incident in incidents:
        if incident.id not in related:
            continue
        matches = similar(incident, incidents, limit=3, least=0.0)
        ids = [m.id for m in matches]
        good = related[incident.id or ""]
        p1 = 1.0 if ids[:1] and ids[0] in good else 0.0
        p3 = sum(1 for i in ids[:3] if i in good) / min(3, len(good)) if good else 0.0
        hit3 = 1.0 if any(i in good for i in ids[:3]) else 0.0
        part = "realworld" if incident.id in REAL else "seeds+examples"
        for key in ("all", part):
            by_part[key].append((p1, p3, hit3))
        top = matches[0] if matches else None
        why = ", ".join(f"{r.kind}:{r.value}" for r in top.reasons[:3]) if top else ""
        print(f"{incident.id:55.55} P@1 {p1:.0f}  -> {ids}  [{why}]")
    print("\npart              queries   P@1    P@3   hit@3")
    for part, rows in by_part.items():
        n = len(rows)
        p1, p3, hit = (sum(r[k] for r in rows) / n for k in range(3))
        print(f"{part:16} {n:8d}  {p1:.3f}  {p3:.3f}  {hit:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
