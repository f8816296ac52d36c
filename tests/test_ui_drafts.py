"""Drafts and settings are written off the GUI thread (ui/drafts.py, settings.JsonFile,
AppContext.write_soon), and what was typed just before the window closed is on disk
after it closed (Backend.flush)."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from p2psocial import settings as settings_module
from p2psocial.settings import Drafts, load_settings
from p2psocial.ui.composer import Composer
from p2psocial.ui.context import AppContext
from p2psocial.ui.loop import TrioHost
from tests.uikit import WAIT, make_backend


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, threading.Thread]]:
    """Every JSON file written from now on, with the thread that wrote it."""
    seen: list[tuple[str, threading.Thread]] = []
    real = settings_module.write_json

    def recording(path: Path, value: object) -> None:
        real(path, value)
        seen.append((path.name, threading.current_thread()))  # once it is on disk

    monkeypatch.setattr(settings_module, "write_json", recording)
    return seen


def test_a_draft_is_written_in_a_worker_thread(qtbot: QtBot, app_ctx: AppContext,
                                               writes: list[Any]) -> None:
    widget = Composer(app_ctx)
    qtbot.addWidget(widget)
    qtbot.keyClicks(widget.text_edit, "typed fast")
    qtbot.waitUntil(lambda: any(name == "drafts.json" for name, _ in writes), timeout=WAIT)
    assert Drafts(app_ctx.backend.home_dir).get("post").text == "typed fast"
    assert all(thread is not threading.main_thread() for _, thread in writes), writes
    assert len(writes) == 1  # every key typed, one write: the edits coalesce
    widget.stop()


def test_settings_are_written_in_a_worker_thread(qtbot: QtBot, app_ctx: AppContext,
                                                 writes: list[Any]) -> None:
    app_ctx.update_settings(replace(app_ctx.settings, notify=False))
    assert not app_ctx.settings.notify  # held at once
    qtbot.waitUntil(lambda: writes != [], timeout=WAIT)
    assert writes[0][0] == "settings.json" and writes[0][1] is not threading.main_thread()
    assert load_settings(app_ctx.backend.home_dir).notify is False


def test_what_was_typed_survives_closing_right_after(qtbot: QtBot, trio_host: TrioHost,
                                                     tmp_path: Path) -> None:
    """The window closes in the app's order (pages stop, the host stops, the back end
    closes) before any worker wrote: the back end writes what is left."""
    home = tmp_path / "home"
    backend = make_backend(home)
    ctx = AppContext(trio_host, backend)
    widget = Composer(ctx)
    qtbot.addWidget(widget)
    qtbot.keyClicks(widget.text_edit, "the last words")
    ctx.update_settings(replace(ctx.settings, theme="dark"))
    widget.stop()
    assert trio_host.stop()
    backend.close()
    assert Drafts(home).get("post").text == "the last words"
    assert load_settings(home).theme == "dark"
