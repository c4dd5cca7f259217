"""Mail whose headers the standard library's parser fails on: the message is still read.

A header the parser raises on is kept as its raw text (a From: with no address gives no
author, a Date: that is no date gives no date); the subject and the body are read as usual.
"""

from __future__ import annotations

import datetime as dt

import pytest

from retroline.documents.dialects import read_mail

BODY = "The relay queue grew from 10:00 to 10:45 UTC."


def _mail(*headers: str) -> str:
    return "\n".join([*headers, "Subject: Re: relay queue backlog", "", BODY, ""])


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("From: undisclosed-recipients:; ops", id="from-empty-group"),
        pytest.param("From: <", id="from-unclosed-angle"),
        pytest.param("From: ops" + "(" * 3000, id="from-deep-comment"),
        pytest.param("Content-Type: text/plain" + "(" * 3000, id="content-type-deep-comment"),
        pytest.param("Content-Transfer-Encoding: " + "(" * 3000, id="encoding-deep-comment"),
        pytest.param("Date: 7 Aug 9 0:6057204445", id="date-huge-number"),
    ],
)
def test_a_header_the_parser_fails_on_leaves_the_rest_of_the_mail_read(header: str) -> None:
    parsed = read_mail(_mail(header))
    assert parsed.title == "relay queue backlog"
    assert [b.text for b in parsed.blocks] == [BODY]
    assert parsed.author is None


def test_a_date_too_large_to_be_one_gives_no_date() -> None:
    parsed = read_mail(_mail("From: Ann Lee <ann@example.com>", "Date: 7 Aug 9 0:6057204445"))
    assert parsed.posted_at is None
    assert parsed.author == "Ann Lee"


def test_a_well_formed_mail_keeps_its_author_and_date() -> None:
    parsed = read_mail(
        _mail("From: Ann Lee <ann@example.com>", "Date: Tue, 7 Oct 2025 09:00:00 +0200")
    )
    assert parsed.author == "Ann Lee"
    assert parsed.posted_at == dt.datetime(2025, 10, 7, 7, 0, tzinfo=dt.UTC)
    assert parsed.writer_zone == "+0200"
    assert [b.text for b in parsed.blocks] == [BODY]


def test_a_header_longer_than_any_real_one_is_kept_as_its_text() -> None:
    """The parser's time grows with the square of a header's length (a 128 KiB one of
    quotes took minutes): past 8,192 characters a header is not parsed, only kept."""
    import email

    from retroline.documents.dialects import _MAIL_POLICY

    value = 'text/plain; name="' + '{"a":' * 2000
    message = email.message_from_string(f"Content-Type: {value}\n\nbody\n", policy=_MAIL_POLICY)
    header = message["Content-Type"]
    assert str(header) == value
    assert not hasattr(header, "params")  # text, not a parsed Content-Type
    parsed = read_mail(_mail("Content-Type: " + value))
    assert parsed.title == "relay queue backlog"
