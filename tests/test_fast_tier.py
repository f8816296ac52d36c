"""The fast tier's list of slow tests (``SLOW`` in tests/conftest.py) names tests that
exist: a renamed or removed test must not leave a stale line, nor a new slow test hide
behind an old name."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import SLOW

TESTS = Path(__file__).parent


def test_every_slow_name_is_a_test_module_or_a_test_in_one() -> None:
    stale = []
    for name in SLOW:
        module, _, test = name.partition("::")
        path = TESTS / module
        if not path.is_file() or (test and not re.search(
                rf"^def {re.escape(test)}\(", path.read_text(), re.MULTILINE)):
            stale.append(name)
    assert stale == []


def test_every_reason_says_why() -> None:
    assert all(len(reason) > 10 for reason in SLOW.values())
