"""The adversarial tier: each attack of issue 12 as a test against real processes on
127.0.0.1, with an honest peer served at the same time. Every test in this folder is
marked ``adversarial`` (``make test`` runs them; ``make test-adversarial`` runs only
them; ``make test-fast`` leaves them out)."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.adversarial)
