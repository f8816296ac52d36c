"""Waiting in tests, written once: a bounded Trio run, and polling with a deadline.

    run(scenario, timeout=30)                    # trio.run, failing instead of hanging
    doc = poll(lambda: peers(home), "Bob connected", until=lambda d: d["peers"])
    await eventually(lambda: device in host.connected(), "the session", every=0.01)

Wait for an event where there is one (tests/netkit.py ``until`` re-checks on each of a
node's events). Poll only for state that announces nothing: another process's files or
store, or connections that close inside libp2p's tasks. A poll that gives up says what
it waited for; ``last=True`` returns the last value seen instead, for tests that assert
on it themselves.
"""

from __future__ import annotations

import inspect
import subprocess
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import trio

T = TypeVar("T")


def run(test: Callable[[], Awaitable[None]], timeout: float = 30, **kwargs: object) -> None:
    """``trio.run(test)``, failing after ``timeout`` seconds instead of hanging."""
    async def bounded() -> None:
        with trio.fail_after(timeout):
            await test()

    trio.run(bounded, **kwargs)  # type: ignore[arg-type]


def poll(check: Callable[[], T], what: str, *, until: Callable[[T], object] = bool,
         within: float = 30.0, every: float = 0.1, last: bool = False,
         alive: subprocess.Popen[Any] | None = None,
         explain: Callable[[], str] | None = None) -> T:
    """The first value of ``check()`` for which ``until(value)`` holds, asking every
    ``every`` s for ``within`` s. Past that: the last value if ``last``, else a failure
    that names ``what`` (and adds ``explain()``). With ``alive``, a process that exits
    first fails at once, with its stderr."""
    deadline = time.monotonic() + within
    while True:
        value = check()
        if until(value):
            return value
        if alive is not None and alive.poll() is not None:
            raise AssertionError(f"exited while waiting for {what}: {alive.communicate()[1]}")
        if time.monotonic() > deadline:
            if last:
                return value
            extra = f"\n{explain()}" if explain is not None else ""
            raise AssertionError(f"not within {within} s: {what}{extra}")
        time.sleep(every)


async def eventually(check: Callable[[], Any], what: str = "the condition", *,
                     until: Callable[[Any], object] = bool, within: float | None = None,
                     every: float = 0.02) -> Any:
    """``poll`` inside Trio: ``check`` may be a plain or an async function; the first
    value for which ``until(value)`` holds, else a failure naming ``what`` after
    ``within`` s, or (by default) just before the test's own bound (``run``'s timeout,
    or an enclosing ``trio.fail_after``) would cancel it."""
    deadline = (trio.current_effective_deadline() - every if within is None
                else trio.current_time() + within)
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if until(value):
            return value
        if trio.current_time() > deadline:
            bound = "the test's bound" if within is None else f"{within} s"
            raise AssertionError(f"not within {bound}: {what}")
        await trio.sleep(every)
