"""Cursors as text (``--before``, and the control requests of a running serve): what is
not a cursor ``to_text`` could have written is refused in one line, never an internal
error. Before: '².1' passed ``str.isdigit`` and failed in ``int``; 5,000 digits
failed Python's conversion limit; 2**64 failed in SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from p2psocial.cli import writes
from p2psocial.control import ControlError
from p2psocial.store.views import Cursor
from tests.clikit import ok, run

BAD = ["².1", "1.²", "٣.1", "1.", ".1", "1", "", "-1.2", "1.-2", " 1.2", "1.2 ", "1.2.3",
       "9" * 5000 + ".1", f"{2**63}.1", f"1.{2**64}", "0x1.2", "1_0.2"]


@pytest.mark.parametrize("text", BAD)
def test_what_is_not_a_cursor_is_refused(text: str) -> None:
    assert Cursor.parse(text) is None
    with pytest.raises(ValueError):
        Cursor.from_text(text)
    with pytest.raises(ControlError):
        writes._lookup("conversation", (b"\x00" * 32, 50, text, False))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=45))
def test_any_text_is_a_cursor_or_none(text: str) -> None:
    cursor = Cursor.parse(text)
    assert cursor is None or Cursor.parse(cursor.to_text()) == cursor


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**63 - 1), st.integers(0, 2**63 - 1))
def test_every_cursor_reads_back(ts: int, rowid: int) -> None:
    assert Cursor.parse(Cursor(ts, rowid).to_text()) == Cursor(ts, rowid)


def test_the_command_line_refuses_them_in_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok(home, "init", "--name", "Cursor")
    for text in ("².1", "9" * 5000 + ".1", f"{2**64}.1"):
        done = run(home, "feed", "--before", text)  # argparse: usage, then the error
        assert done.returncode == 2, done.stderr
        assert "is not a cursor" in done.stderr and "internal error" not in done.stderr.lower()
