"""The one spelling of UTC instants."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from retroline.instants import iso_utc, iso_utc_or_none
from tests.conftest import modules_spelling


def test_instants_are_written_in_utc_with_a_z() -> None:
    berlin = dt.datetime(2031, 4, 1, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert iso_utc(berlin) == "2031-04-01T10:00:00Z"
    assert iso_utc(dt.datetime(2031, 4, 1, 10, 0, 0, 250000, tzinfo=dt.UTC)) == (
        "2031-04-01T10:00:00.250000Z"
    )
    # the library's naive values are UTC by contract
    assert iso_utc(dt.datetime(2031, 4, 1, 10, 0)) == "2031-04-01T10:00:00Z"
    assert iso_utc_or_none(None) is None


def test_no_other_module_spells_instants_its_own_way() -> None:
    assert modules_spelling(r'isoformat\(\)\.replace\("\+00:00"|strftime\("%Y-%m-%dT') == []
