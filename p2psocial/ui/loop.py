"""Trio in guest mode on Qt's event loop: the one bridge between widgets and the node.

Theory of operation
-------------------

Why guest mode. The node is async on Trio (and libp2p needs Trio); widgets must be
touched from the GUI thread only. Running Trio in a second thread would make every
result cross threads and every shared object need a lock. In guest mode
(``trio.lowlevel.start_guest_run``) Trio runs *on* the GUI thread, as a series of
short callbacks that Qt's event loop runs between its own events: Trio task code and
widget code never run at the same time, so neither needs a lock. Only Trio's wait for
I/O and timers (epoll with a timeout) happens in a helper thread; when it returns,
Trio asks for its next step through ``run_sync_soon_threadsafe``, which here emits a
signal with a queued connection to a QObject living in the GUI thread. Qt's
cross-thread signal delivery is thread-safe, so this is the only hand-off between
threads, and Trio's own. Slow synchronous work still goes to worker threads through
``trio.to_thread`` (the node does that for SQLite), never onto the GUI thread.

How results come back. ``TrioHost.call(fn, *args, on_result=, on_error=)`` asks Trio
(through its ``TrioToken``, the thread-safe and context-safe way in) to start ``fn``
as a task in the host's root nursery. When the task ends, its value or exception is
posted back through the same queued signal, so ``on_result`` / ``on_error`` run on the
GUI thread *outside* Trio's step: a callback may open a dialog, start other calls or
stop the host. An ``Exception`` from a call goes to ``on_error`` (or, without one, is
logged and announced by the ``failed`` signal as one line); it never ends the run.
After ``Call.cancel()`` or ``stop()`` no callback of a call runs, even if its result
was already on its way.

How shutdown works. ``stop()`` cancels the root nursery's cancel scope, which cancels
the main task and every call, and then runs a local ``QEventLoop`` until Trio's
``done_callback`` has fired, so Trio's last steps (and the node's clean-up in
``finally`` blocks) run while the caller waits. It works after
``QApplication.exec()`` has returned, which is where the app calls it. If the run
ends on its own with an exception (the main task crashed), the traceback is logged,
``crashed`` carries one line for the window, and ``finished`` fires as always.

This module is the only place in ``ui/`` that imports Trio (tests/test_layers.py).
"""

from __future__ import annotations

import contextlib
import enum
import functools
import logging
import signal
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import trio
from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal, Slot

from ..errors import UserError, sentence

if TYPE_CHECKING:
    from outcome import Outcome  # trio's own dependency: the type of a run's end

log = logging.getLogger(__name__)

AsyncFn = Callable[..., Awaitable[Any]]
ResultFn = Callable[[Any], object]
ErrorFn = Callable[[Exception], object]
T = TypeVar("T")


def one_line(exc: BaseException) -> str:
    """What a person is shown for ``exc``: one line, never a traceback."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    if isinstance(exc, UserError):
        text = str(exc)
    else:
        detail = str(exc).strip()
        text = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return sentence(text.splitlines()[0]) if text else "Unknown error"


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a worker thread, awaited: for slow blocking work that a call
    needs (Argon2id key derivation, writing a new home), kept off the GUI thread."""
    return await trio.to_thread.run_sync(fn, *args)


class State(enum.Enum):
    NEW = "new"
    RUNNING = "running"
    STOPPING = "stopping"
    DONE = "done"


class Call:
    """One async call started by ``TrioHost.call``; ``cancel()`` stops it quietly."""

    def __init__(self, host: TrioHost) -> None:
        self._host = host
        self._scope: trio.CancelScope | None = None
        self.cancelled = False
        self.finished = False

    def cancel(self) -> None:
        """Cancel the call; no callback of it runs from now on. Safe at any time."""
        if self.cancelled:
            return
        self.cancelled = True
        if self._scope is not None and not self.finished:
            self._host._in_trio(self._scope.cancel)


class TrioHost(QObject):
    """Runs one Trio run in guest mode on the Qt event loop of the GUI thread.

    Create it after the QApplication, ``start()`` it once, ``call()`` async functions
    through it, ``stop()`` it before the application ends.
    """

    finished = Signal()
    """The Trio run has ended (stopped, returned or crashed)."""
    crashed = Signal(str)
    """The Trio run ended with an unexpected exception: one line for the window."""
    failed = Signal(str)
    """A call without ``on_error`` raised: one line for the window."""
    interrupted = Signal()
    """The Trio run ended with KeyboardInterrupt (Ctrl-C in the terminal)."""
    terminated = Signal()
    """The process was asked to end (SIGTERM: a logout, a service manager); the run
    goes on, for the window to close as it would by its own hand."""

    _wake = Signal(object)  # carries a callable into the GUI thread (queued)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._wake.connect(self._run_posted, Qt.ConnectionType.QueuedConnection)
        self.state = State.NEW
        self.error: BaseException | None = None  # how the run ended, once DONE
        self._token: trio.lowlevel.TrioToken | None = None
        self._nursery: trio.Nursery | None = None
        self._pending: list[Callable[[], object]] = []

    # --- life cycle ---------------------------------------------------------------

    def start(self, main: AsyncFn | None = None, *args: Any) -> None:
        """Start the Trio run; ``main(*args)``, if given, runs as its first task.

        ``main`` is where long-lived work lives (the node, the network). Its return
        does not end the run; its exception does (``crashed``).
        """
        if self.state is not State.NEW:
            raise RuntimeError("a TrioHost starts only once")
        self.state = State.RUNNING
        trio.lowlevel.start_guest_run(
            self._root, main, args,
            run_sync_soon_threadsafe=self._post,
            done_callback=self._done,
        )

    def stop(self, timeout: float = 10.0) -> bool:
        """Cancel everything and wait, running Qt events, until the run has ended.

        Returns False if it had not ended after ``timeout`` seconds (a task that
        shields itself from cancellation); the run is then left behind.
        """
        if self.state is State.NEW:
            self.state = State.DONE
            return True
        if self.state is State.RUNNING:
            self.state = State.STOPPING
            self._pending.clear()
            self._in_trio(self._cancel_root)
        if self.state is State.DONE:
            return True
        loop = QEventLoop()
        self.finished.connect(loop.quit)
        QTimer.singleShot(int(timeout * 1000), loop.quit)
        loop.exec()
        self.finished.disconnect(loop.quit)
        if self.state is not State.DONE:
            log.warning("the Trio run did not end within %.1f s of stop()", timeout)
            return False
        return True

    @property
    def running(self) -> bool:
        return self.state is State.RUNNING

    # --- calls --------------------------------------------------------------------

    def call(self, fn: AsyncFn, *args: Any, on_result: ResultFn | None = None,
             on_error: ErrorFn | None = None) -> Call:
        """Run ``await fn(*args)`` as a Trio task; its outcome comes back on this thread.

        ``on_result(value)`` or ``on_error(exception)`` runs later from Qt's event
        loop, never from inside this method, and not at all once the call is
        cancelled or the host stopping.
        """
        if self.state is not State.RUNNING:
            raise RuntimeError(f"the Trio host is {self.state.value}, not running")
        handle = Call(self)
        spawn = functools.partial(self._spawn, handle, fn, args, on_result, on_error)
        self._in_trio(spawn)
        return handle

    def _spawn(self, handle: Call, fn: AsyncFn, args: tuple[Any, ...],
               on_result: ResultFn | None, on_error: ErrorFn | None) -> None:
        # runs inside Trio (through the token): start_soon needs Trio's context
        if handle.cancelled or self._nursery is None:
            return
        self._nursery.start_soon(self._run_call, handle, fn, args, on_result, on_error,
                                 name=getattr(fn, "__qualname__", repr(fn)))

    async def _run_call(self, handle: Call, fn: AsyncFn, args: tuple[Any, ...],
                        on_result: ResultFn | None, on_error: ErrorFn | None) -> None:
        with trio.CancelScope() as scope:
            handle._scope = scope
            if handle.cancelled:
                scope.cancel()
            try:
                value = await fn(*args)
            except Exception as exc:
                handle.finished = True
                self._post(functools.partial(self._deliver_error, handle, on_error, exc))
                return
            handle.finished = True
            if on_result is not None:
                self._post(functools.partial(self._deliver, handle, on_result, value))

    def _deliver(self, handle: Call, on_result: ResultFn, value: Any) -> None:
        if not handle.cancelled and self.state is State.RUNNING:
            self._callback(on_result, value)

    def _deliver_error(self, handle: Call, on_error: ErrorFn | None, exc: Exception) -> None:
        if handle.cancelled or self.state is not State.RUNNING:
            return
        if on_error is None:
            log.error("a call failed", exc_info=exc)
            self.failed.emit(one_line(exc))
        else:
            log.debug("a call failed", exc_info=exc)
            self._callback(on_error, exc)

    def _callback(self, fn: Callable[[Any], object], arg: Any) -> None:
        try:
            fn(arg)
        except Exception as exc:
            log.exception("a callback of a call failed")
            self.failed.emit(one_line(exc))

    # --- inside Trio ----------------------------------------------------------------

    async def _root(self, main: AsyncFn | None, args: tuple[Any, ...]) -> None:
        self._token = trio.lowlevel.current_trio_token()
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                if self.state is not State.RUNNING:  # stop() came before this step
                    nursery.cancel_scope.cancel()
                nursery.start_soon(self._watch_terminate)
                if main is not None:
                    nursery.start_soon(main, *args)
                pending, self._pending = self._pending, []
                for fn in pending:
                    fn()
                await trio.sleep_forever()
        finally:
            self._nursery = None

    async def _watch_terminate(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signals reach the main thread only (tests may run a host elsewhere)
        with trio.open_signal_receiver(signal.SIGTERM) as signals:
            async for _ in signals:
                self._post(self.terminated.emit)

    def _cancel_root(self) -> None:
        if self._nursery is not None:
            self._nursery.cancel_scope.cancel()

    def _in_trio(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` inside Trio's context soon (before the root opened: when it does)."""
        if self._token is None or self._nursery is None:
            self._pending.append(fn)
            return
        with contextlib.suppress(trio.RunFinishedError):  # ending: nothing left to do
            self._token.run_sync_soon(fn)

    # --- the hand-off to Qt -----------------------------------------------------------

    def _post(self, fn: Callable[[], object]) -> None:
        """Trio's run_sync_soon_threadsafe: run ``fn`` on the GUI thread, soon."""
        self._wake.emit(fn)

    @Slot(object)
    def _run_posted(self, fn: Callable[[], object]) -> None:
        fn()

    def _done(self, result: Outcome[None]) -> None:
        self.state = State.DONE
        self._token = None
        self._pending.clear()
        try:
            result.unwrap()
        except BaseException as error:  # the run's end, reported here, never raised
            self.error = error
            if _only(error, KeyboardInterrupt):
                self._post(self.interrupted.emit)
            elif not _only(error, trio.Cancelled):
                log.error("the Trio run crashed", exc_info=error)
                self._post(functools.partial(self.crashed.emit, one_line(error)))
        self._post(self.finished.emit)


def _only(exc: BaseException, kind: type[BaseException]) -> bool:
    """``exc`` is a ``kind``, or a group (nested or not) holding only ``kind``s."""
    if isinstance(exc, BaseExceptionGroup):
        return all(_only(e, kind) for e in exc.exceptions)
    return isinstance(exc, kind)
