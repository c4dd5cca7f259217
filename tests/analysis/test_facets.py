"""The service, cause type and failure mode read from an incident's words and evidence."""

from __future__ import annotations

import doctest
import re
from collections.abc import Sequence

import pytest

from retroline.analysis import facets as facets_module
from retroline.analysis.facets import (
    CAUSES,
    FAILURE_MODES,
    Facets,
    cause_of,
    facets,
    failure_mode_of,
    host_stem,
    service_of,
    service_scores,
)
from retroline.model import Event, Hypothesis, Incident, LogChange, Section, SectionKind, Source

SOURCE = Source(path="pm.md", line=1)


def make_incident(
    title: str = "Incident",
    *,
    summary: str | None = None,
    sections: dict[SectionKind, str] | None = None,
    events: Sequence[str] = (),
    logs: Sequence[LogChange] = (),
    hypotheses: Sequence[str] = (),
) -> Incident:
    """A small incident: a title, a summary, sections by kind, timeline entries' words."""
    return Incident(
        title=title,
        summary=summary,
        sections=[
            Section(kind=kind, title=kind.value, text=text)
            for kind, text in (sections or {}).items()
        ],
        events=[Event(text=text, source=SOURCE) for text in events],
        log_changes=list(logs),
        hypotheses=[Hypothesis(text=text) for text in hypotheses],
    )


def log_change(host: str, line: str) -> LogChange:
    return LogChange(
        template_id="t1",
        template="<*>",
        change="appeared",
        score=10.0,
        before=0,
        after=30,
        hosts=[host],
        example=line,
    )


def test_doctests() -> None:
    assert doctest.testmod(facets_module).failed == 0


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("psds0", "psds"),
        ("web-01", "web"),
        ("pay-eu-1", "pay-eu"),
        ("DB01.example.org", "db"),
        ("relay", "relay"),
        ("node_12", "node"),
    ],
)
def test_host_stem(name: str, stem: str) -> None:
    assert host_stem(name) == stem


# --- service -------------------------------------------------------------------------------


def test_service_from_the_hosts_and_processes_of_the_evidence() -> None:
    incident = make_incident(
        "Measurements stopped after the maintenance window",
        summary="The collector on psds0 stopped sending results.",
        logs=[
            log_change("psds0", "Aug 23 10:00:01 psds0 stompclt[2211]: ERROR connection lost"),
            log_change("psds1", "Aug 23 10:00:05 psds1 stompclt[2301]: WARNING queue full"),
        ],
    )
    assert service_of(incident) == "psds"
    scores = dict(service_scores(incident))
    # Two log changes name hosts of the psds family, and the summary one of them (weight 2).
    assert scores["psds"] == 2 + 2
    assert scores["stompclt"] == 2


def test_service_is_the_most_named_component_of_the_title_and_summary() -> None:
    incident = make_incident(
        "Checkout API errors after the payments-db connection pool change",
        summary="About a third of checkout requests failed; the payments service ran out of "
        "connections to payments-db.",
        sections={SectionKind.IMPACT: "31% of checkout attempts failed."},
    )
    scores = dict(service_scores(incident))
    # checkout: title (3), summary (2), impact (2); payments-db: title (3) and summary (2).
    assert scores["checkout"] == 7
    assert scores["payments-db"] == 5
    assert service_of(incident) == "checkout"


def test_a_hyphenated_name_with_a_component_part() -> None:
    incident = make_incident(
        "Latency of payments-api",
        summary="payments-api answered slowly for an hour.",
    )
    assert service_of(incident) == "payments-api"


def test_hosts_named_in_text_by_their_stem() -> None:
    incident = make_incident(
        "Relay stopped publishing",
        events=["relay on relay01 stops publishing", "relay01 restarted"],
    )
    assert service_of(incident) == "relay"


def test_systemd_units() -> None:
    incident = make_incident(
        "Restart loop",
        events=[
            "nginx.service entered failed state",
            "nginx.service restarted by systemd",
            "nginx.service failed again",
        ],
    )
    assert service_of(incident) == "nginx"


def test_a_kind_of_component_when_no_name_is_given() -> None:
    incident = make_incident(
        "DNS resolution failed for internal names",
        summary="Internal DNS answered SERVFAIL for forty minutes.",
    )
    assert service_of(incident) == "dns"


def test_a_specific_name_beats_a_kind_named_as_often() -> None:
    incident = make_incident("Ledger database unavailable", summary="The ledger database was down.")
    scores = dict(service_scores(incident))
    assert scores["ledger"] == 5
    assert scores["database"] == 2.5  # a kind's word counts half
    assert service_of(incident) == "ledger"


def test_a_site_by_its_domain_name() -> None:
    incident = make_incident(
        "Outage of example-shop.com", summary="The shop at example-shop.com was unreachable."
    )
    assert service_of(incident) == "example-shop"


@pytest.mark.parametrize(
    "title",
    [
        "Postmortem",  # nothing named
        "Several outages last week",  # words before a failure noun that name nothing
        "Available nodes ran short",
        "Ticket CHG-2291 follow-up",  # a ticket id and an English compound
        "alpha-api and beta-api down",  # a tie is not clear
    ],
)
def test_no_service_when_nothing_is_clear(title: str) -> None:
    assert service_of(make_incident(title)) is None


def test_a_name_must_lead_the_next_by_a_mention() -> None:
    def told(betas: int) -> Incident:
        return make_incident("alpha-api slow", events=[f"beta-api entry {i}" for i in range(betas)])

    assert dict(service_scores(told(2))) == {"alpha-api": 3, "beta-api": 2}
    assert service_of(told(2)) == "alpha-api"
    assert service_of(told(3)) is None  # 3 and 3: a tie
    assert service_of(told(4)) == "beta-api"


def test_a_pasted_log_counts_a_few_mentions_only() -> None:
    pasted = "\n".join(f"10:0{i} cache-7 timeout" for i in range(9))
    incident = make_incident(
        "Checkout errors",
        sections={SectionKind.ANALYSIS: pasted},
        summary="checkout failed",
    )
    scores = dict(service_scores(incident))
    assert scores["cache"] == 3 * 1 * 0.5  # three mentions at most, a kind at half
    assert service_of(incident) == "checkout"


def test_action_items_and_references_are_not_read() -> None:
    incident = make_incident(
        "Outage",
        sections={
            SectionKind.ACTION_ITEMS: "Move billing-api to billing-api-v2; billing-api alerts",
            SectionKind.REFERENCES: "billing-api runbook",
        },
    )
    assert service_scores(incident) == []
    assert service_of(incident) is None


# --- cause ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("root_cause", "expected"),
    [
        ("The TLS certificate of the load balancer expired at midnight.", "certificate/expiry"),
        ("A DDoS attack from a botnet hit the front page.", "security"),
        ("A failed disk in the RAID array of the database host.", "hardware"),
        ("An operator ran the cleanup against the wrong database by mistake.", "human error"),
        ("A typo in the configuration file set the timeout parameter to 0.", "config"),
        ("The upstream payment provider was down.", "dependency"),
        ("A BGP leak at our ISP dropped routes; packet loss reached 30%.", "network"),
        ("The release of 2.4 was deployed without its migration.", "deploy/change"),
        ("The disk filled up: no space left on device, then out of memory.", "capacity/resource exhaustion"),
        ("A race condition in the scheduler caused a deadlock.", "software bug"),
    ],
)  # fmt: skip
def test_cause_from_the_root_cause_section(root_cause: str, expected: str) -> None:
    incident = make_incident(sections={SectionKind.ROOT_CAUSE: root_cause})
    assert cause_of(incident) == expected


def test_every_cause_type_is_tested() -> None:
    tested = {
        "certificate/expiry", "security", "hardware", "human error", "config", "dependency",
        "network", "deploy/change", "capacity/resource exhaustion", "software bug",
    }  # fmt: skip
    assert set(CAUSES) == tested


def test_root_cause_weighs_more_than_contributing_factors() -> None:
    incident = make_incident(
        sections={
            SectionKind.ROOT_CAUSE: "A memory leak exhausted the heap.",
            SectionKind.CONTRIBUTING_FACTORS: "The deploy pipeline; a rushed release; an upgrade.",
        }
    )
    # capacity: 2 matches x 2 = 4; deploy/change: 3 matches x 1 = 3.
    assert cause_of(incident) == "capacity/resource exhaustion"


def test_a_tie_goes_to_the_narrower_type() -> None:
    incident = make_incident(sections={SectionKind.ROOT_CAUSE: "The deploy hit a bug."})
    assert cause_of(incident) == "deploy/change"  # listed before "software bug"
    assert list(CAUSES).index("deploy/change") < list(CAUSES).index("software bug")


def test_negated_and_dismissed_causes_do_not_count() -> None:
    incident = make_incident(
        sections={
            SectionKind.ROOT_CAUSE: "It was not a network problem. The database was ruled out. "
            "A regression in the parser crashed the workers."
        }
    )
    assert cause_of(incident) == "software bug"
    guessed = make_incident(sections={SectionKind.ROOT_CAUSE: "The certificate may have expired."})
    assert cause_of(guessed) is None


def test_a_hypothesis_counts_with_the_contributing_factors() -> None:
    incident = make_incident(hypotheses=["The firewall dropped the replication traffic"])
    assert cause_of(incident) == "network"


def test_without_cause_sections_the_summary_speaks() -> None:
    incident = make_incident(
        "Site down", summary="The outage was caused by an expired certificate on the proxy."
    )
    assert cause_of(incident) == "certificate/expiry"


def test_a_passing_word_is_not_a_cause() -> None:
    # One timeline entry mentions a deploy (half weight), nothing says it caused anything.
    incident = make_incident("Site down", events=["10:00 deploy of the docs"])
    assert cause_of(incident) is None


def test_unknown_cause() -> None:
    incident = make_incident(sections={SectionKind.ROOT_CAUSE: "Still under investigation."})
    assert cause_of(incident) is None


# --- failure mode --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "summary", "expected"),
    [
        ("Checkout errors", "HTTP 503 for a third of the requests", "errors"),
        ("Site unavailable", "Nobody could log in for two hours", "outage"),
        ("Slow search", "No data was lost; responses took minutes", "latency"),
        ("Metrics gap", "Measurements were lost between 10:00 and 11:00", "data loss"),
        ("Degraded performance", "Some pages loaded, intermittently", "degradation"),
        ("Summary", "We changed the rota", None),
    ],
)
def test_failure_mode(title: str, summary: str, expected: str | None) -> None:
    assert failure_mode_of(make_incident(title, summary=summary)) == expected


def test_every_failure_mode_is_tested() -> None:
    assert set(FAILURE_MODES) == {"data loss", "outage", "errors", "latency", "degradation"}


def test_facets_together() -> None:
    incident = make_incident(
        "payments-api outage",
        summary="payments-api was down for 40 minutes.",
        sections={SectionKind.ROOT_CAUSE: "An expired certificate on payments-api."},
    )
    assert facets(incident) == Facets("payments-api", "certificate/expiry", "outage")


def test_no_rule_names_a_particular_system() -> None:
    """The rules are general: no pattern or word list holds a name of the project's example
    evidence (its hosts, processes, systems)."""
    rules = [p.pattern for p in (*CAUSES.values(), *FAILURE_MODES.values())]
    rules += [
        value.pattern for value in vars(facets_module).values() if isinstance(value, re.Pattern)
    ]
    rules += [" ".join(vars(facets_module)[name]) for name in ("_NOT_NAMES", "_PARTS")]
    rules += list(facets_module.COMPONENT_KINDS.values())
    text = "\n".join(rules).lower()
    for name in ("perfsonar", "psds", "voms", "kotori", "checkout", "meterstore", "hangwatchd"):
        assert name not in text
