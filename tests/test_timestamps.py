"""The timestamp rules (p2psocial/timestamps.py) and every function that turns a
timestamp into text, for any integer: none may raise (finding 5 of issue 12)."""

from __future__ import annotations

import datetime
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from p2psocial import timestamps
from p2psocial.cli import render
from p2psocial.entry import MAX_TIME
from p2psocial.timestamps import CLOCK_AHEAD_MS, SHOWN_MAX, clock_ahead, placed, shown

NOW = 1_790_000_000_000  # 2026-09-21

# every integer a store column, a header or a bug could hold, and the edges
ANY_MS = st.integers(-(2**63), 2**64) | st.sampled_from(
    [0, -1, MAX_TIME, MAX_TIME - 1, SHOWN_MAX, SHOWN_MAX + 1, 253_402_300_799_999,
     253_402_300_800_000, 2**63 - 1, -(2**63)])


def test_a_claim_past_its_arrival_is_placed_at_the_arrival() -> None:
    assert placed(MAX_TIME, NOW) == NOW
    assert placed(NOW + 1, NOW) == NOW  # no allowance: a fast clock sorts by arrival
    assert placed(NOW, NOW) == NOW
    assert placed(NOW - 86_400_000, NOW) == NOW - 86_400_000  # an old log keeps its time
    assert placed(0, NOW) == 0


def test_the_clock_ahead_mark_starts_past_ten_minutes() -> None:
    assert not clock_ahead(NOW, NOW)
    assert not clock_ahead(NOW + CLOCK_AHEAD_MS, NOW)
    assert clock_ahead(NOW + CLOCK_AHEAD_MS + 1, NOW)
    assert clock_ahead(MAX_TIME, NOW)
    assert not clock_ahead(NOW - 5, NOW)


@settings(max_examples=300, deadline=None)
@given(ANY_MS, ANY_MS)
def test_placed_is_never_after_the_arrival_nor_the_claim(signed: int, arrived: int) -> None:
    at = placed(signed, arrived)
    assert at <= arrived and at <= signed and at in (signed, arrived)


@settings(max_examples=300, deadline=None)
@given(ANY_MS)
def test_any_integer_formats_with_the_platform_time_functions(ms: int) -> None:
    assert timestamps.SHOWN_MIN <= shown(ms) <= SHOWN_MAX
    seconds = timestamps.shown_seconds(ms)
    time.localtime(seconds)
    time.strftime("%c", time.localtime(seconds))
    datetime.datetime.fromtimestamp(seconds)
    datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


@settings(max_examples=300, deadline=None)
@given(ANY_MS)
def test_the_command_line_shows_any_integer(ms: int) -> None:
    assert render.iso(ms).endswith("Z")
    assert render.local_time(ms)


def test_times_in_range_are_shown_as_they_are() -> None:
    assert render.iso(NOW) == "2026-09-21T14:13:20.000Z"
    assert render.iso(MAX_TIME) == "2999-12-31T23:59:59.999Z"  # the most a view shows
    assert render.iso(-5) == "1970-01-01T00:00:00.000Z"
