"""What an event means for the incident, from its words: detection, mitigation, resolution...

The durations of a postmortem (impact to detection, detection to mitigation...) need these
kinds; teams rarely label entries, so they are read from the verbs people use. The first
kind whose words match wins, in the order below: "restarted and confirmed fixed" is a
resolution, "restarted" alone a mitigation.
"""

from __future__ import annotations

import re

from retroline.model import EventKind

_RULES: list[tuple[EventKind, re.Pattern[str]]] = [
    (
        EventKind.ENGAGEMENT,
        re.compile(
            r"\b(start(s|ed)? (to )?investigat\w*|investigat(es|ing|ion starts)|acknowledg\w*"
            r"|join(s|ed)|engag(e|es|ed)|escalat\w*|incident (channel|call|bridge)|war room"
            r"|troubleshoot\w*|begins? (to )?look\w*|takes? (over|ownership))",
        ),
    ),
    (
        EventKind.COMMUNICATION,
        re.compile(
            r"\b(updat\w* (the )?(\w+ )?ticket|status ?page|announc\w*|e-?mail(ed|s)? (to )?(customers|users))\b"
        ),
    ),
    (
        EventKind.RESOLUTION,
        re.compile(
            r"\b(resolved|fixed|solved|restored|recovered|back to normal|back online|all clear"
            r"|fully operational|returned to (normal|service|read-write)|back to (normal|read-write|baseline)|working again|works again|running again|incident (is )?(over|closed|resolved)"
            r"|everything is fine|service is back|errors? (stop|stopped|ceased)|closed the incident)",
        ),
    ),
    (
        EventKind.MITIGATION,
        re.compile(
            r"\b(restart(s|ed|ing)?|reboot(s|ed|ing)?|roll(ed|s|ing)?[ -]?back|revert(s|ed|ing)?"
            r"|fail(ed|s)? ?over|workaround|mitigat\w*|disabl(e|es|ed|ing)|re-?deploy\w*"
            r"|scal(e|ed|es|ing) (up|out)|drain(s|ed|ing)?|recreat\w*|hotfix|patch(ed|es)?)\b",
        ),
    ),
    (
        EventKind.DETECTION,
        re.compile(
            r"\b(alert(s|ed)?|pag(e|ed|es)\b|notified|notic(e|es|ed)|detect(s|ed)?"
            r"|reports?|reported|discover(s|ed)|ticket (opened|created|filed|raised)"
            r"|customers? (report|complain)\w*|spotted|flagged)\b",
        ),
    ),
    (
        EventKind.IMPACT_START,
        re.compile(
            r"\b(crash(ed|es)?|outage (began|begins|started|starts)|went down|goes down"
            r"|unavailable|unreachable|fail(ed|s|ing)|errors? (start|began|begin|spike)\w*"
            r"|degrad\w*|stopped|stops|down\b|exhaust\w*|ran out|full\b"
            r"|(first|initial)\b[^.;]{0,40}\b(errors?|failures?|timeouts?|5\d\ds?)\b)",
        ),
    ),
    (
        EventKind.CHANGE,
        re.compile(
            r"\b(deploy(ed|s|ment)?|rolled out|roll(s|ing)? out|releas(e|ed|es)|upgrad\w*"
            r"|updat(e|ed|es)|merged|config(uration)? change|migrat\w*|maintenance)\b",
        ),
    ),
    (
        EventKind.COMMUNICATION,
        re.compile(
            r"\b(status ?page|announc\w*|communicat\w*|tweet\w*|notif(y|ies) (customers|users))\b"
        ),
    ),
]


def classify_event(text: str) -> EventKind:
    """The kind of event ``text`` describes (``OTHER`` when its words say nothing we know).

    >>> classify_event("Eva restarts the database through the GUI")
    <EventKind.MITIGATION: 'mitigation'>
    """
    lowered = text.lower()
    for kind, pattern in _RULES:
        if pattern.search(lowered):
            return kind
    return EventKind.OTHER
