"""Trio in guest mode on Qt's loop (ui/loop.py): results come back on the GUI thread,
errors reach on_error, stop() cancels everything and returns, a real node answers.
The ``trio_host`` fixture (conftest.py) is a started TrioHost, stopped afterwards."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import trio
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from p2psocial.errors import UserError
from p2psocial.events import EntryAdded
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.ui.loop import State, TrioHost, one_line

WAIT = 10_000  # ms: generous, the conditions below normally hold within milliseconds


class Recorder:
    """Collects callbacks with the thread they ran on."""

    def __init__(self, app: QApplication) -> None:
        self.app = app
        self.results: list[Any] = []
        self.errors: list[Exception] = []
        self.on_gui_thread: list[bool] = []

    def result(self, value: Any) -> None:
        self.on_gui_thread.append(QThread.currentThread() == self.app.thread())
        self.results.append(value)

    def error(self, exc: Exception) -> None:
        self.on_gui_thread.append(QThread.currentThread() == self.app.thread())
        self.errors.append(exc)


def test_a_result_arrives_on_the_gui_thread(qtbot: QtBot, qapp: QApplication,
                                            trio_host: TrioHost) -> None:
    gui = threading.get_ident()

    async def answer(x: int) -> tuple[int, bool]:
        await trio.lowlevel.checkpoint()
        return x * 2, threading.get_ident() == gui  # Trio tasks run on the GUI thread too

    rec = Recorder(qapp)
    call = trio_host.call(answer, 21, on_result=rec.result, on_error=rec.error)
    assert rec.results == []  # never from inside call()
    qtbot.waitUntil(lambda: rec.results != [], timeout=WAIT)
    assert rec.results == [(42, True)] and rec.errors == []
    assert rec.on_gui_thread == [True]
    assert call.finished and not call.cancelled


def test_an_error_reaches_on_error_and_the_run_goes_on(qtbot: QtBot, qapp: QApplication,
                                                       trio_host: TrioHost) -> None:
    async def fail(message: str) -> None:
        await trio.lowlevel.checkpoint()
        raise UserError(message)

    rec = Recorder(qapp)
    trio_host.call(fail, "that account is blocked", on_result=rec.result, on_error=rec.error)
    qtbot.waitUntil(lambda: rec.errors != [], timeout=WAIT)
    assert [str(e) for e in rec.errors] == ["that account is blocked"]
    assert rec.results == [] and rec.on_gui_thread == [True]
    assert trio_host.running

    async def seven() -> int:
        return 7

    trio_host.call(seven, on_result=rec.result)
    qtbot.waitUntil(lambda: rec.results == [7], timeout=WAIT)


def test_an_error_without_on_error_is_one_line_on_failed(qtbot: QtBot, trio_host: TrioHost) -> None:
    async def broken() -> None:
        raise ValueError("first line\nsecond line")

    with qtbot.waitSignal(trio_host.failed, timeout=WAIT) as signal:
        trio_host.call(broken)
    assert signal.args == ["ValueError: first line"]
    assert trio_host.running


def test_a_failing_callback_is_reported_not_raised(qtbot: QtBot, trio_host: TrioHost) -> None:
    async def one() -> int:
        return 1

    def bad_callback(value: int) -> None:
        raise KeyError(value)

    with qtbot.waitSignal(trio_host.failed, timeout=WAIT) as signal:
        trio_host.call(one, on_result=bad_callback)
    assert signal.args == ["KeyError: 1"]


def test_trio_timers_work_in_guest_mode(qtbot: QtBot, qapp: QApplication,
                                        trio_host: TrioHost) -> None:
    async def timed() -> tuple[float, bool]:
        start = trio.current_time()
        await trio.sleep(0.05)
        with trio.move_on_after(0.05) as scope:
            await trio.sleep_forever()
        return trio.current_time() - start, scope.cancelled_caught

    rec = Recorder(qapp)
    trio_host.call(timed, on_result=rec.result, on_error=rec.error)
    qtbot.waitUntil(lambda: rec.results != [], timeout=WAIT)
    elapsed, timed_out = rec.results[0]
    assert elapsed >= 0.1 and timed_out


def test_worker_threads_work_in_guest_mode(qtbot: QtBot, qapp: QApplication,
                                           trio_host: TrioHost) -> None:
    gui = threading.get_ident()

    async def elsewhere() -> bool:
        return await trio.to_thread.run_sync(lambda: threading.get_ident() != gui)

    rec = Recorder(qapp)
    trio_host.call(elsewhere, on_result=rec.result, on_error=rec.error)
    qtbot.waitUntil(lambda: rec.results != [], timeout=WAIT)
    assert rec.results == [True]


def test_stop_cancels_long_running_tasks_and_returns(qtbot: QtBot, qapp: QApplication) -> None:
    seen: list[str] = []

    async def main() -> None:
        seen.append("main started")
        try:
            await trio.sleep_forever()
        finally:
            seen.append("main cleaned up")

    async def forever() -> None:
        seen.append("call started")
        try:
            await trio.sleep_forever()
        finally:
            seen.append("call cleaned up")

    rec = Recorder(qapp)
    host = TrioHost()
    host.start(main)
    host.call(forever, on_result=rec.result, on_error=rec.error)
    qtbot.waitUntil(lambda: "call started" in seen and "main started" in seen, timeout=WAIT)
    with qtbot.waitSignal(host.finished, timeout=WAIT):
        assert host.stop()
    assert host.state is State.DONE and not host.running
    assert {"main cleaned up", "call cleaned up"} <= set(seen)
    assert host.error is None
    qapp.processEvents()
    assert rec.results == [] and rec.errors == []  # a cancelled call reports nothing
    with pytest.raises(RuntimeError, match="done"):
        host.call(forever)
    assert host.stop()  # twice is fine


def test_stop_right_after_start_and_without_start(qtbot: QtBot) -> None:
    host = TrioHost()
    host.start()
    assert host.stop() and host.state is State.DONE
    never = TrioHost()
    assert never.stop()
    with pytest.raises(RuntimeError):
        never.start()


def test_a_cancelled_call_reports_nothing(qtbot: QtBot, qapp: QApplication,
                                          trio_host: TrioHost) -> None:
    seen: list[str] = []

    async def slow() -> int:
        try:
            await trio.sleep_forever()
        finally:
            seen.append("cancelled")
        return 1  # pragma: no cover

    rec = Recorder(qapp)
    call = trio_host.call(slow, on_result=rec.result, on_error=rec.error)
    qtbot.waitUntil(lambda: call._scope is not None, timeout=WAIT)
    call.cancel()
    qtbot.waitUntil(lambda: seen == ["cancelled"], timeout=WAIT)
    before = trio_host.call(slow, on_result=rec.result, on_error=rec.error)
    before.cancel()  # before its task even started
    qapp.processEvents()
    assert rec.results == [] and rec.errors == [] and trio_host.running


def test_a_crash_of_the_run_is_reported(qtbot: QtBot) -> None:
    async def main() -> None:
        await trio.lowlevel.checkpoint()
        raise RuntimeError("the network fell over")

    host = TrioHost()
    crashes: list[str] = []
    host.crashed.connect(crashes.append)
    with qtbot.waitSignal(host.finished, timeout=WAIT):
        host.start(main)
    assert crashes == ["RuntimeError: the network fell over"]
    assert isinstance(host.error, BaseExceptionGroup)
    assert host.state is State.DONE and host.stop()


def test_one_line() -> None:
    assert one_line(UserError("no such post")) == "No such post"  # shown as a sentence
    assert one_line(UserError("p2ps1abc is not an id")) == "p2ps1abc is not an id"
    assert one_line(OSError()) == "OSError"
    assert one_line(ExceptionGroup("g", [ValueError("inner")])) == "ValueError: inner"


def test_a_real_node_through_the_bridge(qtbot: QtBot, qapp: QApplication, trio_host: TrioHost,
                                        tmp_path: Path) -> None:
    node = Node.init(Home(tmp_path / "home"), "Zoë")
    try:
        events: list[EntryAdded] = []
        ticks: list[int] = []
        timer = QTimer()
        timer.setInterval(1)
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start()

        async def listen() -> None:
            async for event in node.subscribe():
                if isinstance(event, EntryAdded):
                    events.append(event)

        trio_host.call(listen)
        rec = Recorder(qapp)

        def posted(entry: Any) -> None:
            rec.result(entry)
            trio_host.call(node.feeds.home_timeline, 10, on_result=rec.result, on_error=rec.error)

        trio_host.call(node.posts.post, "hello from the window #qt", on_result=posted,
                       on_error=rec.error)
        qtbot.waitUntil(lambda: len(rec.results) == 2, timeout=WAIT)
        entry, page = rec.results
        assert rec.errors == [] and rec.on_gui_thread == [True, True]
        assert [p.text for p in page.items] == ["hello from the window #qt"]
        assert page.items[0].id == entry.id and page.items[0].author_name == "Zoë"
        qtbot.waitUntil(lambda: len(events) == 1, timeout=WAIT)
        assert events[0].id == entry.id
        qtbot.waitUntil(lambda: len(ticks) >= 3, timeout=WAIT)  # Qt kept running too
        timer.stop()

        trio_host.call(node.posts.post, "", on_result=rec.result, on_error=rec.error)
        qtbot.waitUntil(lambda: rec.errors != [], timeout=WAIT)
        assert isinstance(rec.errors[0], UserError) and one_line(rec.errors[0])
    finally:
        assert trio_host.stop()
        node.close()
