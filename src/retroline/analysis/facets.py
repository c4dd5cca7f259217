"""Facets of an incident: the service it is about, the type of its cause, its failure mode.

Incidents carry no service or cause field; people write them into titles, summaries, root
cause sections, host names and log lines. These functions read them back out with general
rules only (word lists and the shapes of names), never the name of a particular document,
site, system or person, so that incidents can be grouped (``retroline stats --by``) and
compared ("similar incidents"). Each returns None when the words do not make it clear:
a wrong facet groups an incident with strangers, a missing one only leaves it ungrouped.

Where the words come from, and how much each place weighs (`passages`): the title 3, the
summary and impact sections 2, every other section and timeline entry 1. Action items,
lessons and references are left out: they say what to do next, not what happened.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from retroline.logs.many_hosts import host_value
from retroline.model import EVIDENCE_EVENTS, Incident, SectionKind

__all__ = [
    "CAUSES",
    "COMPONENT_KINDS",
    "FAILURE_MODES",
    "Facets",
    "Passage",
    "cause_of",
    "facets",
    "failure_mode_of",
    "host_stem",
    "passages",
    "service_of",
    "service_scores",
]


@dataclass(frozen=True)
class Passage:
    """A piece of an incident's text, with how much what it says counts."""

    text: str
    weight: float
    kind: str  # "title", a SectionKind value, "event" or "hypothesis"


_SECTION_WEIGHTS = {SectionKind.SUMMARY: 2.0, SectionKind.IMPACT: 2.0}
_LEFT_OUT = {SectionKind.ACTION_ITEMS, SectionKind.LESSONS, SectionKind.REFERENCES}


def passages(incident: Incident) -> list[Passage]:
    """The incident's own words, weighted: title 3, summary and impact 2, the rest 1.

    The summary field stands in for the summary sections when there are none, and the
    timeline section for the timeline entries when there are none: both say the same thing
    twice otherwise. Lines Retroline wrote about evidence (log and metric events) are not
    the incident's words and are left out; `service_scores` reads the evidence itself.
    """
    found = [Passage(incident.title, 3.0, "title")]
    sections = [s for s in incident.sections if s.kind not in _LEFT_OUT and s.text.strip()]
    if incident.summary and not any(s.kind is SectionKind.SUMMARY for s in sections):
        found.append(Passage(incident.summary, 2.0, SectionKind.SUMMARY.value))
    written = [e for e in incident.events if e.kind not in EVIDENCE_EVENTS]
    for section in sections:
        if section.kind is SectionKind.TIMELINE and written:
            continue
        weight = _SECTION_WEIGHTS.get(section.kind, 1.0)
        found.append(Passage(section.text, weight, section.kind.value))
    found += [Passage(e.text, 1.0, "event") for e in written]
    found += [Passage(h.text, 1.0, "hypothesis") for h in incident.hypotheses]
    return found


# --- The service --------------------------------------------------------------------------

#: Kinds of component a text names with a common word, and the words for each. They are
#: candidates too, at half weight (`KIND_WEIGHT`): "DNS" or "the registry" is the answer
#: when no more specific name is given, but "payments-api" beats "api" named as often.
COMPONENT_KINDS: dict[str, str] = {
    "dns": r"dns|name ?servers?|resolvers?",
    "database": r"databases?|db",
    "email": r"e-?mails?|mail|mail ?servers?|smtp",
    "website": r"web ?sites?|web ?pages?|home ?page",
    "api": r"apis?",
    "registry": r"registry|registries",
    "hub": r"hubs?",
    "cdn": r"cdns?",
    "vpn": r"vpns?",
    "ldap": r"ldap|directory service",
    "storage": r"storage|nfs|nas|file ?servers?|file ?systems?",
    "network": r"networks?|internet|wi-?fi|wireless|lan",
    "build": r"builds?|ci|build ?pipelines?",
    "authentication": r"auth|authentication|log ?in|sign-?in|sso",
    "load balancer": r"load ?balancers?",
    "queue": r"queues?|message ?brokers?|message ?bus",
    "cache": r"caches?",
    "proxy": r"prox(?:y|ies)|reverse ?prox(?:y|ies)",
    "mirror": r"mirrors?|mirror ?lists?",
    "search": r"search",
    "monitoring": r"monitoring|alerting|dashboards?",
    "backup": r"backups?",
    "firewall": r"firewalls?",
    "datastore": r"data ?stores?|archives?",
    "repository": r"repositor(?:y|ies)|repos?",
}
KIND_WEIGHT = 0.5
_KIND_WORDS = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(f"(?P<k{i}>{p})" for i, p in enumerate(COMPONENT_KINDS.values()))
    + r")(?![\w-])",
    re.I,
)
_KIND_NAMES = list(COMPONENT_KINDS)


def _kind(match: re.Match[str]) -> str:
    """The component kind whose words ``match`` (of `_KIND_WORDS`) found."""
    group = next(name for name, value in match.groupdict().items() if value is not None)
    return _KIND_NAMES[int(group[1:])]


# The nouns that follow the name of a component ("payments service", "Boskos instance"):
# the word before them is a candidate name.
_COMPONENT_NOUNS = (
    r"services?|servers?|clusters?|databases?|db|apis?|hubs?|web ?sites?|sites?|daemons?"
    r"|brokers?|registry|instances?|apps?|applications?|repositor(?:y|ies)|repos?|mirrors?"
    r"|gateways?|backends?|frontends?|archives?|data ?stores?|stores?|queues?|caches?"
    r"|prox(?:y|ies)|platforms?|pipelines?|controllers?|plugins?|sdks?|libraries|library"
)
# Nouns after which the word before is a name only when it is written as one ("Boskos
# outage", "WER nodes", "flutter.dev outage"; not "several outages", "available nodes").
_WEAK_NOUNS = (
    r"nodes?|pods?|hosts?|machines?|vms?|containers?|workers?"
    r"|outages?|failures?|downtime|interruptions?|breakages?|degradations?|disruptions?"
    r"|crash(?:es)?|floods?|errors|incidents?|issues?|problems?|bugs?"
)
_BEFORE_NOUN = r"(?<![\w.@/'-])([A-Za-z][\w.-]*[A-Za-z0-9])\s+"
_NAMED = re.compile(_BEFORE_NOUN + r"(?:" + _COMPONENT_NOUNS + r")(?![\w-])", re.I)
_NAMED_WEAK = re.compile(_BEFORE_NOUN + r"(?:" + _WEAK_NOUNS + r")(?![\w-])", re.I)
# A lower-case word with the ending of an adjective, an adverb or a verb form describes the
# noun ("available nodes", "central broker", "restarting pods"); it does not name it.
_DESCRIBING = re.compile(r"(?:ed|ing|ly|able|ible|al|ic|ous|ive|ful|less|ent|ant)$")
# Words that stand before those nouns without naming anything: determiners, adjectives,
# environments, resources and symptoms. Words ending in -ed ("affected") are left out too.
_NOT_NAMES = frozenset(
    """
    a an the this that these those our their its his her your my all any each every some
    and or nor but so yet of to in on at by for from with without into onto over under up
    down out off about above below via per as than then if when while after before since
    until during between across through against within around is was were be been being are
    am has have had do does did can could will would should may might must shall it we they
    he she you i me us them who which what where why how also only just even more most less
    very too not both either neither such own still again once here there now later soon
    start stop restart reboot run launch make allow create delete remove add restore scale
    kill check use need get set see keep move open close fix install monitor deploy list
    incident incidents outage outages issue issues minutes hours seconds days weeks state
    no one two three four several multiple many few other another same such whole entire
    new old main primary secondary internal external public private central local remote
    global shared single separate different similar major minor partial total complete full
    widespread recurring repeated brief short long large small big critical severe serious
    known unknown previous recent first second last next initial final current underlying
    production prod staging stage test testing dev development live backup standby hot cold
    memory cpu disk disks performance connection connections connectivity capacity resource
    resources quota load traffic request requests user users customer customers client clients
    data config configuration error errors timeout timeouts latency version update upgrade
    maintenance security power system systems service services server servers application
    applications node nodes host hosts machine machines instance instances cluster clusters
    platform infrastructure infra network-wide site-wide company-wide part parts kind type
    running failing existing remaining following missing working incoming outgoing upcoming
    ongoing hanging crashing serving pending corresponding
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday today yesterday tonight night
    utf iso sha md http https tls ssl ip ipv tcp udp cve rfc sev pr inc chg
    """.split()  # noqa: SIM905
)
# Hyphenated names read as components when a part says what they are ("payments-db",
# "meterstore-publisher") or a part is a number (a host: "pay-eu-1"); other hyphenated
# words are English ("follow-up", "read-only", "long-term").
_PARTS = frozenset(
    """
    api db svc service server srv web app worker proxy gateway gw cache queue lb node cluster
    store backend frontend fe be ui bot daemon agent sdk cli hub publisher consumer producer
    scheduler controller manager collector exporter runner relay indexer router balancer
    mirror registry broker mq
    """.split()  # noqa: SIM905
)
_HYPHENATED = re.compile(r"(?<![\w.@/-])([A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)+)(?![\w-])")
# A site or host written as a dotted name: "wire.com", "db01.example.org".
_DOTTED = re.compile(
    r"(?<![\w.@/-])([A-Za-z][A-Za-z0-9-]*)(?:\.[A-Za-z0-9-]+)*"
    r"\.(?:com|org|net|io|dev|edu|gov|app|cloud|info|ch|de|uk|fr|nl|eu|jp|ca|au|se|fi|dk"
    r"|pl|cz|ru|cn|br|nz|ie)(?![\w-]|\.\w)",
)
# A machine named after a word that says it is one: "on store0", "host web-01".
_HOST_CONTEXT = re.compile(
    r"\b(?:on|at|host|hosts|server|servers|node|nodes|machine|machines|vm|box)\s+"
    r"([A-Za-z][\w.-]*\d[\w.-]*)",
    re.I,
)
_UNIT = re.compile(r"(?<![\w.@/-])([A-Za-z][\w.-]*?)(?:@[\w.-]*)?\.(?:service|socket|timer)\b")
# A process name is short: bounded, so that a long run of name characters is not scanned
# again from each of its characters.
_PROCESS = re.compile(r"(?<![\w-])([A-Za-z(][\w./:()-]{0,100}?)\[\d+\]:")
_SERIES_HOST = re.compile(r"\b(?:host|hostname|instance|node)=\"([^\"]+)\"")

#: At most so many mentions of one name count in one passage: a pasted log names its host
#: on every line, and that is one thing said, not fifty.
MENTIONS_PER_PASSAGE = 3
#: What the evidence (log hosts, processes, metric labels) adds to a name, at most.
EVIDENCE_CAP = 4.0
#: The score a name needs, and its lead over the next (one mention in the body), to be
#: the incident's service: a title names it once (3).
MIN_SERVICE_SCORE = 3.0
MIN_SERVICE_LEAD = 1.0


def host_stem(name: str) -> str:
    """The family of a host or process name: lower case, first label, numbers off the end.

    >>> [host_stem(h) for h in ("psds0", "web-01", "pay-eu-1", "DB01.example.org")]
    ['psds', 'web', 'pay-eu', 'db']
    """
    first = name.strip().lower().split(".")[0]
    # rstrip, not a pattern anchored at the end: that would be tried from every digit.
    return first.rstrip("0123456789._-") or first


def _name(word: str) -> str | None:
    """A candidate as it is compared: its stem, or its kind when it is a kind's word;
    None for words that name nothing."""
    stem = host_stem(word)
    if len(stem) < 2 or not stem[0].isalpha() or stem in _NOT_NAMES or stem.endswith("ed"):
        return None
    kind = _KIND_WORDS.fullmatch(stem)
    return _kind(kind) if kind is not None else stem


def _written_as_name(word: str, text: str, at: int) -> bool:
    """Whether a word (at ``at`` in ``text``) is written the way names are: a digit, a dot,
    a hyphen, all capitals, or a capital where a sentence does not begin with it and that
    ends unlike an adjective ("Boskos", not "Available" starting a title)."""
    if any(c.isdigit() or c in ".-_" for c in word) or (word.isupper() and len(word) > 1):
        return True
    if not word[0].isupper():
        return False
    before = text[:at].rstrip(" \t")
    starts = not before.strip() or before[-1] in ".!?:\n"
    return not (starts and _DESCRIBING.search(word.lower()))


def _names_in(text: str) -> set[str]:
    """The names a text writes in the shapes components have."""
    found: set[str] = set()
    for match in _NAMED.finditer(text):
        word = match.group(1)
        if _written_as_name(word, text, match.start()) or not _DESCRIBING.search(word.lower()):
            found.add(word)
    found.update(
        m.group(1)
        for m in _NAMED_WEAK.finditer(text)
        if _written_as_name(m.group(1), text, m.start())
    )
    for match in _HYPHENATED.finditer(text):
        word = match.group(1)
        parts = re.split(r"[-_]", word.lower())
        if any(p in _PARTS for p in parts[1:]) or (
            parts[-1].isdigit() and word == word.lower()  # "pay-eu-1", not "CHG-2291"
        ):
            found.add(word)
    found.update(m.group(1) for m in _DOTTED.finditer(text) if m.group(1).lower() != "www")
    found.update(m.group(1) for m in _HOST_CONTEXT.finditer(text) if host_value(m.group(1)))
    found.update(m.group(1) for m in _UNIT.finditer(text))
    return {n for word in found if (n := _name(word)) is not None}


def _evidence(incident: Incident) -> Counter[str]:
    """Names the evidence gives: the hosts of log changes, the processes of their example
    lines (``relayd[2911]:``), systemd units, and the host labels of metric series; one
    count per change that names it."""
    found: Counter[str] = Counter()
    for change in incident.log_changes:
        words = list(change.hosts)
        words += [
            m.group(1).strip("()").rpartition("/")[2] for m in _PROCESS.finditer(change.example)
        ]
        words += [m.group(1) for m in _UNIT.finditer(change.example)]
        found.update({n for word in words if (n := _name(word)) is not None})
    for metric in incident.metric_changes:
        words = [m.group(1).split(":")[0] for m in _SERIES_HOST.finditer(metric.series)]
        found.update({n for word in words if (n := _name(word)) is not None})
    return found


def _mentions(name: str) -> re.Pattern[str]:
    """How a name is found in text: whole, maybe with a number after it (``store0``)."""
    if name in COMPONENT_KINDS:
        body = COMPONENT_KINDS[name]
    else:
        body = re.escape(name).replace(r"\ ", r"\s+")
    return re.compile(rf"(?<![\w-])(?:{body})(?:[-_]?\d+)?(?![\w-])", re.I)


def service_scores(incident: Incident) -> list[tuple[str, float]]:
    """Every candidate service of the incident with its score, the highest first.

    A candidate is a name written in a shape components have, in any passage: the word
    before a component or failure noun ("payments service", "Boskos outage"), a hyphenated
    name with a component part or a number ("payments-api", "pay-eu-1"), a dotted site or
    host name ("wire.com"), a machine after "on", "host" or "server" ("on store0"), a
    systemd unit; and the words of the `COMPONENT_KINDS` ("DNS", "the registry"). From the
    evidence: the hosts of the log changes, their processes and the host labels of metric
    series. Names are compared by `host_stem`, so ``store0`` and ``store1`` are one.

    Its score is how often it is named: each mention counts its passage's weight (at most
    `MENTIONS_PER_PASSAGE` per passage), plus one per log or metric change naming it (at
    most `EVIDENCE_CAP`); a component kind scores half (`KIND_WEIGHT`).
    """
    texts = passages(incident)
    evidence = _evidence(incident)
    names = set(evidence)
    for passage in texts:
        names |= _names_in(passage.text)
        names.update(_kind(m) for m in _KIND_WORDS.finditer(passage.text))
    scores: dict[str, float] = {}
    for name in names:
        pattern = _mentions(name)
        score = sum(
            min(len(pattern.findall(p.text)), MENTIONS_PER_PASSAGE) * p.weight for p in texts
        )
        score += min(float(evidence[name]), EVIDENCE_CAP)
        if name in COMPONENT_KINDS:
            score *= KIND_WEIGHT
        if score > 0:
            scores[name] = score
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def service_of(incident: Incident) -> str | None:
    """The service or component the incident is about, in lower case, or None.

    The most named candidate of `service_scores` (host names by their stem: ``psds0`` is
    ``psds``, ``web-01`` is ``web``; a common word for a component kind, such as "DNS",
    ranks at half its score). It must be named enough, `MIN_SERVICE_SCORE` (in the title,
    or three times in the body), and lead the next by `MIN_SERVICE_LEAD` (one more
    mention); a tie is not clear, and gives None.
    """
    ranked = service_scores(incident)
    if not ranked:
        return None
    name, score = ranked[0]
    named = score / KIND_WEIGHT if name in COMPONENT_KINDS else score
    if named < MIN_SERVICE_SCORE:
        return None
    if len(ranked) > 1 and score - ranked[1][1] < MIN_SERVICE_LEAD:
        return None
    return name


# --- The cause ----------------------------------------------------------------------------


def _family(*words: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(words) + r")\b", re.I)


#: The cause types, each with the words that say it. When two types score the same, the
#: first listed wins: the narrow types (a certificate, an attack, a broken disk) explain an
#: incident more precisely than the broad ones (a change was deployed, something ran out,
#: there was a bug), whose words also turn up in the story of almost any incident.
# fmt: off
CAUSES: dict[str, re.Pattern[str]] = {
    # Something with a date ran out: a certificate, a domain, a licence, a token.
    "certificate/expiry": _family(
        r"certificates?", r"certs?", r"expir(?:ed|es|y|ation|ing)", r"x\.?509", r"ca bundles?",
        r"ocsp", r"(?:ssl|tls) handshakes?", r"renew(?:al|ed)?",
    ),
    # Someone did it on purpose.
    "security": _family(
        r"attack(?:s|ed|ers?)?", r"d?dos", r"denial[- ]of[- ]service", r"malicious",
        r"compromis(?:e|ed)", r"breach(?:ed)?", r"exploit(?:s|ed)?", r"vulnerabilit(?:y|ies)",
        r"intrusion", r"brute[- ]force", r"abus(?:e|ive)", r"spam", r"botnets?",
        r"unauthori[sz]ed access", r"credential stuffing", r"ransomware", r"phishing",
        r"(?:aggressive(?:ly)?|abusive) (?:bots?|crawl\w*|scrap\w*)",
    ),
    # A physical part broke, or the room it stands in lost power or cooling.
    "hardware": _family(
        r"hardware", r"(?:disk|drive|ssd|raid|controller|psu|fan|nic|dimm) failures?",
        r"(?:failed|failing|broken|faulty|dead) (?:hard )?(?:disks?|drives?|ssds?|nics?|psus?|fans?|dimms?|memory modules?)",
        r"power (?:outage|failure|supply|loss|cut)s?", r"psus?", r"ups", r"dimms?", r"ecc",
        r"motherboards?", r"overheat\w*", r"cooling", r"(?:fib(?:er|re)|cable) cuts?", r"firmware",
        r"bad sectors?", r"raid",
    ),
    # A person did something they did not mean to, or skipped a step.
    "human error": _family(
        r"human error", r"mistak(?:e|es|en|enly)", r"accidental(?:ly)?", r"inadvertent(?:ly)?",
        r"unintentional(?:ly)?", r"typos?", r"fat[- ]finger\w*", r"operator error", r"by hand",
        r"manual(?:ly)? (?:step|error|change|edit)s?",
        r"wrong (?:host|server|environment|command|cluster|database|branch|file)",
        r"meant for (?:the )?(?:staging|test\w*|dev\w*)", r"forg(?:ot|otten)", r"overlooked",
    ),
    # A setting had the wrong value: the code was right, its configuration was not.
    "config": _family(
        r"mis-?configur\w*", r"config(?:uration)?s?", r"settings?", r"parameters?", r"overrides?",
        r"(?:limit|quota|timeout|threshold)s? (?:was |were )?(?:set|too (?:low|high|short|long))",
        r"wrong values?", r"default values?", r"environment variables?", r"sysctl",
        r"rate[- ]limit\w*", r"yaml",
    ),
    # Something we rely on but do not run failed: a provider, an upstream, a library.
    "dependency": _family(
        r"upstream", r"third[- ]part(?:y|ies)", r"providers?", r"vendors?", r"suppliers?",
        r"dependenc(?:y|ies)", r"external (?:service|api|provider|dependency)s?", r"saas",
        r"(?:data|hosting) host", r"open-ended version",
        r"(?:package|library) (?:version|update|release)s?",
    ),
    # Packets did not get where they were going.
    "network": _family(
        r"network(?:ing)?", r"dns", r"routing", r"routes?", r"routers?", r"bgp", r"packet loss",
        r"(?:network )?partitions?", r"connectivity", r"firewalls?", r"switch(?:es)?",
        r"link (?:down|failure|flap\w*)", r"mtu", r"vlans?", r"load ?balancers?", r"peer(?:s|ing)?",
        r"isps?", r"gateways?", r"mx records?", r"access points?",
    ),
    # A change was made: a deploy, a release, an upgrade, maintenance.
    "deploy/change": _family(
        r"deploy(?:s|ed|ing|ment|ments)?", r"releas(?:e|es|ed)", r"roll(?:ed)?[- ]?outs?",
        r"upgrad(?:e|es|ed|ing)", r"migrat(?:e|ed|ion|ions)", r"maintenance(?: window)?",
        r"new version", r"code change", r"commits?", r"merged?", r"pull requests?",
        r"patch(?:ed|es)?", r"change (?:window|request)s?",
    ),
    # Something ran out (memory, disk, connections, CPU, a quota), or more came than fits.
    "capacity/resource exhaustion": _family(
        r"out of memory", r"oom(?:[- ]?kill\w*)?",
        r"memory (?:leak|pressure|exhaustion|usage|problem)s?",
        r"(?:disk|filesystem|partition|volume)s? (?:was |were )?(?:full|filled)", r"no space left",
        r"exhaust(?:ed|ion)", r"r[au]n out", r"ran dry", r"capacity", r"overload(?:ed|s)?",
        r"saturat(?:ed|ion|e)", r"(?:traffic|load) spikes?",
        r"(?:too many|max(?:imum)?) (?:connections|open files|file descriptors|processes|requests|pods|sockets|orphan\w*)",
        r"connection pool", r"pool (?:size|exhausted)", r"(?:limit|quota)s? (?:reached|exceeded|hit)",
        r"exceed(?:ed|s)? (?:the |our )?(?:limit|quota)s?", r"throttl\w*", r"cpu", r"undersiz\w*",
        r"resource (?:limits?|guarantees?|constraints?|requests?)", r"high load",
        r"leak(?:s|ed|ing)?", r"without a limit", r"no limit", r"backlog",
    ),
    # The code did the wrong thing.
    "software bug": _family(
        r"bugs?", r"buggy", r"regressions?", r"race conditions?", r"deadlocks?", r"crash ?loops?",
        r"null pointer", r"(?:unhandled|uncaught) exceptions?", r"segfault\w*",
        r"segmentation fault", r"panic", r"infinite loop", r"message loop", r"logic error",
        r"off[- ]by[- ]one", r"(?:code|software) (?:defect|error|issue)s?", r"edge cases?",
        r"(?:did|does) not handle", r"too simplistic",
    ),
}

#: The failure modes, each with the words that say it; the first listed wins a tie: data
#: lost outlasts the incident, an outage is the whole service, errors and latency are what
#: users saw of a partial failure, "degradation" the broad word for any of them.
FAILURE_MODES: dict[str, re.Pattern[str]] = {
    "data loss": _family(
        r"data loss",
        r"los[st] (?:of )?(?:\w+ )?(?:data|results|records|messages|metrics|e-?mails|files|measurements|events|writes)",
        r"(?:data|results|records|messages|metrics|e-?mails|files|measurements|events|writes) (?:were |was |are |got )?(?:lost|dropped|discarded|deleted|gone)",
        r"corrupt(?:ed|ion)", r"(?:un|ir)recoverabl[ey]",
        r"(?:gaps?|holes?) in the (?:data|metrics|measurements)",
    ),
    "outage": _family(
        r"outages?", r"(?:went|was|were|is|are|goes|being) down", r"unavailab(?:le|ility)",
        r"unreachable", r"not reachable", r"inaccessible", r"offline", r"downtime",
        r"(?:could|can)(?: ?not|n't) (?:access|reach|connect|log ?in|be reached)",
        r"stopped working", r"not (?:working|usable)", r"nothing (?:was )?usable", r"interruption",
        r"(?:total|complete|full) (?:outage|failure)",
        # Nothing got through: "no summaries reached the broker", "accepted no new results".
        r"no (?:\w+ ){0,3}(?:reached|arrived|got through|(?:was|were) (?:served|delivered|accepted|published))",
        r"(?:accepted|published|delivered|served|sent|processed) no (?:new )?\w+",
    ),
    "errors": _family(
        r"errors?", r"error rates?", r"(?:http )?5\d\d(?:s|es)?", r"5xx", r"exceptions?",
        r"failed requests?", r"requests? (?:failed|failing)", r"(?:failed|failing) with",
        r"rejected", r"unauthori[sz]ed errors?",
    ),
    "latency": _family(
        r"latenc(?:y|ies)", r"slow(?:ness|er|ly|downs?)?", r"response times?", r"delay(?:s|ed)?",
        r"lag(?:ging)?", r"timed? ?out", r"timeouts?", r"took (?:\S+ )?(?:long|minutes|seconds)",
        r"taking (?:\S+ )?(?:long|minutes|>)", r"stuck", r"hang(?:s|ing)?",
    ),
    "degradation": _family(
        r"degrad(?:ed|ation|ing)", r"partial(?:ly)?", r"intermittent(?:ly)?", r"reduced",
        r"impaired", r"periodic", r"sporadic", r"flaky", r"performance (?:problems?|issues?)",
    ),
}
# fmt: on

# What, among the few words before a cue in its clause, says it did not happen ("not
# caused by a deploy", "no data was lost"), and, written after it, that it was looked at and
# dismissed ("the database was ruled out"). Only the nearest words: "no diff of the
# effective configuration" still speaks of the configuration.
_NEGATION = re.compile(
    r"\b(?:not|no|never|without|neither|nor|rather than|instead of|unrelated to)\b|n't\b", re.I
)
# Anywhere in the clause: it is only a guess ("the certificate may have expired").
_GUESS = re.compile(r"\b(?:may|might|maybe|possibly|perhaps|whether|if|suspect\w*|thought)\b")
_NEGATION_WORDS = 3
_DISMISSED = re.compile(
    r"^[^.;:]{0,40}?\b(?:(?:was|were|is|are) (?:not (?:the (?:cause|problem|culprit)|involved|to blame|related|responsible)|fine|healthy)"
    r"|ruled out|looked fine|excluded)\b",
    re.I,
)
_CLAUSE = re.compile(r"[.;!?\n]|,\s*(?:but|however|although)\b", re.I)
_CAUSAL = re.compile(
    r"\b(?:caused by|due to|because|root cause|as a result of|result(?:ed)? (?:of|from)|triggered by|led to|the cause)\b",
    re.I,
)


def _clauses(text: str) -> Iterable[str]:
    start = 0
    for match in _CLAUSE.finditer(text):
        yield text[start : match.start()]
        start = match.end()
    yield text[start:]


def _hits(pattern: re.Pattern[str], text: str) -> Iterable[str]:
    """The clauses of ``text`` in which each match of ``pattern`` stands; not those of
    negated matches, nor clauses that only guess."""
    for clause in _clauses(text):
        if _GUESS.search(clause):
            continue
        for match in pattern.finditer(clause):
            before = " ".join(re.findall(r"[\w']+", clause[: match.start()])[-_NEGATION_WORDS:])
            if _NEGATION.search(before) or _DISMISSED.search(clause[match.end() :]):
                continue
            yield clause


def _tally(
    families: dict[str, re.Pattern[str]], texts: Sequence[Passage], *, causal: bool = False
) -> dict[str, float]:
    """Each family's score over ``texts``: its matches times their passage's weight, twice
    in a clause that speaks of causes when ``causal``."""
    scores = dict.fromkeys(families, 0.0)
    for name, pattern in families.items():
        for passage in texts:
            for clause in _hits(pattern, passage.text):
                scores[name] += passage.weight * (2 if causal and _CAUSAL.search(clause) else 1)
    return scores


#: The score a cause read outside the cause sections, or a failure mode, needs: said once
#: in the title, summary or impact, in a clause about causes, or twice elsewhere.
MIN_SCORE = 2.0


def _best(scores: dict[str, float], least: float = 0.0) -> str | None:
    """The family with the highest score, the first listed on a tie; None when none scored
    more than nothing, or less than ``least``."""
    top = max(scores.values(), default=0.0)
    if top <= 0 or top < least:
        return None
    return next(name for name, score in scores.items() if score == top)


_CAUSE_SECTIONS = {SectionKind.ROOT_CAUSE: 2.0, SectionKind.CONTRIBUTING_FACTORS: 1.0}


def cause_of(incident: Incident) -> str | None:
    """The type of the incident's cause, one of `CAUSES`, or None when no words say it.

    Read first from the root cause sections (weight 2), the contributing factors and the
    hypotheses (1): each match of a type's words counts its weight, and the highest total
    wins, the earlier type of `CAUSES` on a tie. Only when those say nothing: the rest of
    the incident's words (`passages`, timeline entries at half weight), where a match in a
    clause that speaks of causes ("caused by", "due to", "because") counts twice. A match
    in a negated clause ("not a network problem", "the database was ruled out") does not
    count.
    """
    first = [
        Passage(s.text, _CAUSE_SECTIONS[s.kind], s.kind.value)
        for s in incident.sections
        if s.kind in _CAUSE_SECTIONS
    ]
    first += [Passage(h.text, 1.0, "hypothesis") for h in incident.hypotheses]
    found = _best(_tally(CAUSES, first))
    if found is not None:
        return found
    rest = [
        Passage(p.text, 0.5 if p.kind == "event" else 1.0, p.kind)
        for p in passages(incident)
        if p.kind not in {k.value for k in _CAUSE_SECTIONS} and p.kind != "hypothesis"
    ]
    return _best(_tally(CAUSES, rest, causal=True), MIN_SCORE)


def failure_mode_of(incident: Incident) -> str | None:
    """How the incident failed for its users, one of `FAILURE_MODES`, or None.

    Each match of a mode's words in the incident's `passages` counts the passage's weight
    (title 3, summary and impact 2, the rest 1), negated clauses ("no data was lost") not;
    the highest total wins, the earlier mode of `FAILURE_MODES` on a tie.
    """
    return _best(_tally(FAILURE_MODES, passages(incident)), MIN_SCORE)


@dataclass(frozen=True)
class Facets:
    """The three facets of one incident; None where its words do not make one clear."""

    service: str | None
    cause: str | None
    failure_mode: str | None


def facets(incident: Incident) -> Facets:
    """The service, cause type and failure mode of ``incident``."""
    return Facets(service_of(incident), cause_of(incident), failure_mode_of(incident))
