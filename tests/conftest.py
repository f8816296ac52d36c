"""Shared test set-up. Qt must be offscreen before any QApplication exists."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def trio_host(qapp: Any) -> Iterator[Any]:
    """A started ``ui.loop.TrioHost`` (Trio in guest mode on Qt), stopped afterwards."""
    from p2psocial.ui.loop import TrioHost

    host = TrioHost()
    host.start()
    yield host
    assert host.stop()


@pytest.fixture
def app_ctx(trio_host: Any, tmp_path: Any) -> Iterator[Any]:
    """An ``AppContext`` over a new home called Alice (tests/uikit.py), network off."""
    from tests.uikit import app_context

    yield from app_context(trio_host, tmp_path / "alice")
