"""Have we seen this before? Past incidents ranked by the evidence they share, each with
its reasons, and whether the incident's service and log patterns recur.

An incident is reduced to *items* of a few kinds (`KINDS`): the masked log templates that
changed at its onset, error strings from its lines (numbers and ids masked), the hosts and
host families it names, the packages that changed, the metric series that changed, and the
content words of its title, summary, root cause and symptoms. Two incidents are as similar
as the items they share weigh: each shared item counts its kind's weight times its inverse
document frequency in the library (an item every incident has says nothing; one only two
share says much), and the sum is divided by the geometric mean of the two incidents' own
weights, so that a long document does not match everything. Every match lists the shared
items with the weight each brought: the reasons are the score, not a story beside it.

Recurrence (`recurrence`) looks at the incident's service (its most named host family) and
its strongest log templates: new when no earlier incident of the library has them, rare
for one or two, frequent for three or more, with the dates of the earlier ones.

Pure functions over model objects: the library is read by the caller.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from retroline.analysis.durations import impact_start
from retroline.analysis.facets import host_stem
from retroline.logs.many_hosts import host_value
from retroline.model import EVIDENCE_EVENTS, EventKind, Incident

__all__ = [
    "KINDS",
    "Match",
    "Reason",
    "Recurrence",
    "SeenBefore",
    "items",
    "profiled",
    "recurrence",
    "seen_before",
    "similar",
]

#: The kinds of evidence two incidents may share, and how much one shared item of each
#: weighs before its rarity: a log template or an error string names the failure itself;
#: a package or a metric that changed names the suspect; a host, where it happened; a
#: word, what people called it.
KINDS: Mapping[str, float] = {
    "template": 3.0,
    "error": 2.5,
    "package": 2.0,
    "metric": 1.5,
    "host": 1.5,
    "service": 1.0,
    "word": 1.0,
}
#: Reasons a report shows per match, the heaviest first (a match holds them all).
REASONS = 8
#: At most so many earlier incidents listed for a recurring item.
EARLIER = 5

_WORD = re.compile(r"[a-z][a-z0-9'-]{2,}")
# Words that say nothing of what failed: grammar, the vocabulary of every postmortem, time.
_STOP = frozenset(
    """
    about above after again against all also and any are around because been before being
    below between both but can could did does doing down during each few for from further
    had has have having her here hers him his how into its itself just more most nor not now
    off once only other our ours out over own same she should some such than that the their
    theirs them then there these they this those through too under until very was were what
    when where which while who whom why will with would you your yours one two three four
    five first second last next new old via per may might must shall use used using get got
    make made many much well back still yet ago day days hour hours minute minutes week
    weeks month months year years time times today yesterday morning evening night monday
    tuesday wednesday thursday friday saturday sunday january february march april june july
    august september october november december utc gmt cet cest est pst edt pdt incident
    incidents issue issues problem problems outage postmortem summary impact timeline root
    cause causes caused action actions item items follow team teams user users customer
    customers service services system systems status update updated updates started start
    began begin ended end resolved resolve resolution fixed fix mitigated investigating
    investigation identified monitoring every stop stopped recent recently later earlier
    soon quickly able need needed want wanted know known found find happen happened think
    thought look looked like seem seemed take took taken give given going come came work
    worked working help helped note noted include included including however although though
    since within without another others several number thing things part parts case cases
    point way ways lot lots
    fully term terms either neither whether
    """.split()  # noqa: SIM905
)
_NUMBERISH = re.compile(r"\b(?:0x[0-9a-f]+|[0-9a-f]{8,}|\d+(?:[.:,]\d+)*)\b", re.IGNORECASE)
_ERROR = re.compile(
    r"\b(?:error|exception|failed|failure|fatal|refused|denied|timed out|timeout|"
    r"unreachable|not found|cannot|can't|unable|panic|killed|oom|crash\w*)\b[^.;\n]{0,60}",
    re.IGNORECASE,
)
# Findings that report evidence (what the hosts held), not checks on the story.
_EVIDENCE_FINDINGS = frozenset({"package-drift", "not-restarted", "sockets", "many-hosts"})
_PACKAGES = re.compile(r"^Packages \w+(?: on [^:]+)?: (?P<list>.+)$")


@dataclass(frozen=True)
class Reason:
    """One item two incidents share, and the weight it brought to their score."""

    kind: str
    value: str
    weight: float

    def to_json(self) -> dict[str, object]:
        """The reason as JSON: ``{"kind", "value", "weight"}``."""
        return {"kind": self.kind, "value": self.value, "weight": round(self.weight, 3)}


@dataclass(frozen=True)
class Match:
    """A past incident like the one asked about: its id, title, date, score (0 to 1) and
    the reasons, heaviest first."""

    id: str
    title: str
    date: dt.date | None
    score: float
    reasons: list[Reason] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """The match as ``retroline similar --json`` prints it."""
        return {
            "id": self.id,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "score": round(self.score, 4),
            "reasons": [r.to_json() for r in self.reasons],
        }


@dataclass(frozen=True)
class Recurrence:
    """How often an item of the incident was seen before in the library: ``frequency`` is
    new (never), rare (once or twice) or frequent (three times or more); ``earlier`` the
    ids and dates of the earlier incidents, latest first (at most `EARLIER`)."""

    kind: str
    value: str
    frequency: str
    count: int
    earlier: list[tuple[str, dt.date | None]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """The recurrence as JSON."""
        return {
            "kind": self.kind,
            "value": self.value,
            "frequency": self.frequency,
            "count": self.count,
            "earlier": [{"id": i, "date": d.isoformat() if d else None} for i, d in self.earlier],
        }


def _masked(text: str) -> str:
    """Text with its numbers and ids masked, lower case, spaces squeezed."""
    return " ".join(_NUMBERISH.sub("<n>", text.lower()).split())


def _stem(word: str) -> str:
    """A light stem, enough to join plurals and tenses: "certificates" and "certificate"."""
    for suffix in ("ies", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    # "release" and "released" alike: a final e goes.
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


_STOP_STEMS = frozenset(_stem(w) for w in _STOP if len(w) >= 4)


def _words(text: str) -> list[str]:
    found = []
    for word in _WORD.findall(text.lower().replace("_", "-")):
        if word in _STOP or "'" in word or len(word) < 4:
            continue
        if (stem := _stem(word)) not in _STOP_STEMS:
            found.append(stem)
    return found


def _hosts(text: str) -> list[str]:
    found = []
    for token in text.split():
        host = host_value(token)
        if host is not None and not host[0].isdigit():  # names, not addresses
            found.append(host.lower())
    return found


def items(incident: Incident) -> dict[str, Counter[str]]:
    """The items of each kind (`KINDS`) an incident holds, with how often it names each."""
    found: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    found["template"].update(_masked(c.template) for c in incident.log_changes if c.template)
    # What people wrote: the words come from these only (the sentences Retroline writes
    # for log, metric and package events, and its findings, would match every incident).
    written = [incident.title, incident.summary or ""]
    written += [e.text for e in incident.events if e.kind not in EVIDENCE_EVENTS]
    written += [s.text for s in incident.sections]
    evidence = [c.example for c in incident.log_changes]
    evidence += [f.message for f in incident.findings if f.code in _EVIDENCE_FINDINGS]
    for text in written + evidence:
        found["error"].update(
            e for m in _ERROR.finditer(text) if (e := _masked(m.group(0)).strip(" ,:"))
        )
        found["host"].update(_hosts(text))
    for text in written:
        found["word"].update(_words(text))
    for change in incident.log_changes:
        found["host"].update(h.lower() for h in change.hosts)
    for host, n in list(found["host"].items()):
        stem = host_stem(host)
        if len(stem) >= 3:
            found["service"][stem] += n
    for event in incident.events:
        if event.kind is EventKind.CHANGE and (m := _PACKAGES.match(event.text)):
            found["package"].update(
                part.strip().split(" ")[0].lstrip("+- ").lower()
                for part in m["list"].split(",")
                if part.strip()
            )
    for finding in incident.findings:
        if finding.code == "package-drift":
            found["package"].update(row[0].lower() for row in finding.rows[1:] if row)
    found["metric"].update(c.series.split("{")[0].lower() for c in incident.metric_changes)
    return found


Profile = dict[str, Counter[str]]


def _frequencies(profiles: Iterable[Profile]) -> tuple[Counter[tuple[str, str]], int]:
    """How many incidents hold each (kind, item), and how many incidents there are."""
    df: Counter[tuple[str, str]] = Counter()
    n = 0
    for profile in profiles:
        n += 1
        df.update((kind, value) for kind, values in profile.items() for value in values)
    return df, n


def _idf(df: int, n: int) -> float:
    """Inverse document frequency: rare items weigh more; an item in most incidents ~0."""
    return max(0.0, math.log((n + 1) / (df + 0.5)))


def _vector(profile: Profile, df: Counter[tuple[str, str]], n: int) -> dict[tuple[str, str], float]:
    """An incident's weights: its kind's weight, how often it names the item (damped: the
    tenth mention adds little), and the item's rarity."""
    return {
        (kind, value): KINDS[kind] * (1 + math.log(count)) * _idf(df[(kind, value)], n)
        for kind, values in profile.items()
        for value, count in values.items()
    }


def profiled(library: Sequence[Incident]) -> list[tuple[Incident, Profile]]:
    """Each incident of ``library`` with its items, read once for `similar` and
    `recurrence` alike."""
    return [(incident, items(incident)) for incident in library]


def similar(
    incident: Incident,
    library: Sequence[Incident],
    *,
    limit: int = 5,
    least: float = 0.02,
    profiles: Sequence[tuple[Incident, Profile]] | None = None,
) -> list[Match]:
    """The past incidents of ``library`` most like ``incident`` (itself left out, by id),
    best first: the cosine of their weighted items, each shared item's part of it a reason
    (the reasons' weights sum to the score); those scoring under ``least`` are left out.
    ``profiles``: `profiled` (library), when the caller has it already."""
    profiles = profiled(library) if profiles is None else profiles
    mine = items(incident)
    stored = incident.id is not None and any(other.id == incident.id for other in library)
    df, n = _frequencies([p for _, p in profiles] + ([] if stored else [mine]))
    query = _vector(mine, df, n)
    norm = math.sqrt(sum(w * w for w in query.values()))
    found = []
    for other, profile in profiles:
        if incident.id is not None and other.id == incident.id:
            continue
        theirs = _vector(profile, df, n)
        scale = norm * math.sqrt(sum(w * w for w in theirs.values()))
        if scale <= 0:
            continue
        reasons = [
            Reason(kind, value, weight * theirs[(kind, value)] / scale)
            for (kind, value), weight in query.items()
            if (kind, value) in theirs and weight > 0
        ]
        score = sum(r.weight for r in reasons)
        if not reasons or score < least:
            continue
        reasons.sort(key=lambda r: (-r.weight, r.kind, r.value))
        found.append(Match(other.id or "", other.title, _date(other), score, reasons))
    found.sort(key=lambda m: (-m.score, m.id))
    return found[:limit]


def _date(incident: Incident) -> dt.date | None:
    """When an incident happened: its impact's start, else its first timed event of the
    story that is not evidence, else its document's date (a package installed weeks before
    is not when it happened)."""
    start = impact_start(incident).at
    if start is not None:
        return start.date()
    times = [
        e.at
        for e in incident.events
        if e.at is not None and e.kind not in EVIDENCE_EVENTS and e.kind is not EventKind.CHANGE
    ]
    return min(times).date() if times else incident.document_date


def recurrence(
    incident: Incident,
    library: Sequence[Incident],
    templates: int = 3,
    *,
    profiles: Sequence[tuple[Incident, Profile]] | None = None,
) -> list[Recurrence]:
    """Whether the incident's service (its most named host family) and its ``templates``
    strongest log templates were seen in earlier incidents of ``library``: new, rare or
    frequent, with the earlier ones' dates. ``profiles``: `profiled` (library), when the
    caller has it already."""
    when = _date(incident)
    profiles = [
        (i, p)
        for i, p in (profiled(library) if profiles is None else profiles)
        if i.id != incident.id and (when is None or (d := _date(i)) is None or d <= when)
    ]
    mine = items(incident)
    asked: list[tuple[str, str]] = []
    # The service as its hosts name it (the item the library holds), else its most named
    # host family.
    hosts = Counter(host_stem(h) for c in incident.log_changes for h in c.hosts)
    service = next((s for s, _ in hosts.most_common() if len(s) >= 3), None)
    if service is None and mine["service"]:
        service = mine["service"].most_common(1)[0][0]
    if service:
        asked.append(("service", service))
    strongest = sorted(incident.log_changes, key=lambda c: -c.score)[:templates]
    asked += [("template", _masked(c.template)) for c in strongest if c.template]
    found = []
    for kind, value in asked:
        seen = [i for i, p in profiles if value in p.get(kind, set())]
        seen.sort(key=lambda i: _date(i) or dt.date.min, reverse=True)
        count = len(seen)
        frequency = "new" if count == 0 else "rare" if count <= 2 else "frequent"
        found.append(
            Recurrence(
                kind, value, frequency, count, [(i.id or "", _date(i)) for i in seen[:EARLIER]]
            )
        )
    return found


@dataclass(frozen=True)
class SeenBefore:
    """What the library says of an incident: the past incidents most like it, and how often
    its service and strongest log patterns were seen before."""

    matches: list[Match] = field(default_factory=list)
    recurrences: list[Recurrence] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """The section as JSON."""
        return {
            "similar": [m.to_json() for m in self.matches],
            "recurrence": [r.to_json() for r in self.recurrences],
        }


def seen_before(incident: Incident, library: Sequence[Incident], limit: int = 5) -> SeenBefore:
    """The "Seen before" of ``incident`` against the other incidents of ``library`` (each
    read for its items once)."""
    profiles = profiled(library)
    return SeenBefore(
        similar(incident, library, limit=limit, profiles=profiles),
        recurrence(incident, library, profiles=profiles),
    )
