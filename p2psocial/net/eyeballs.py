"""Happy Eyeballs (RFC 8305): try several ways to one peer in parallel, staggered.

    winner = await first_to_connect([Attempt("/ip6/…", dial_a), Attempt("/ip4/…", dial_b),
                                     Attempt("…/p2p-circuit", dial_c, late=True)])

Attempts start in the order given: the next one ``stagger`` seconds after the
previous one started, or at once when a running one fails. ``late`` attempts
(circuits) start only once every other attempt has failed, or ``late_delay`` after
the first one started. The first attempt to return wins; the others are cancelled
(an attempt closes what it opened when cancelled). If none succeeds, ``AllFailed``
lists every attempt's reason.

This module knows nothing of libp2p: an attempt is any async function. Attempts
that could both succeed must make sure only one of them keeps a connection (host.py
lets one at a time finish, under a lock, and a finisher that finds the peer already
connected steps back).
"""

from __future__ import annotations

import math
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import trio

from .dial_order import CIRCUIT_DELAY, STAGGER


@dataclass(frozen=True, slots=True)
class Attempt:
    label: str  # what the errors call it: the address
    run: Callable[[], Awaitable[None]]
    late: bool = False


class AllFailed(Exception):
    """Every attempt failed; ``reasons`` has one "label: why" per attempt, in order."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


async def first_to_connect(attempts: Sequence[Attempt], *, stagger: float = STAGGER,
                           late_delay: float = CIRCUIT_DELAY) -> Attempt:
    """Run ``attempts`` as the module docstring says; the one that succeeded."""
    if not attempts:
        raise AllFailed([])
    early = [i for i, a in enumerate(attempts) if not a.late]
    late = [i for i, a in enumerate(attempts) if a.late]
    reasons: dict[int, str] = {}
    won: list[Attempt] = []
    # one token per failure: a failure starts the next attempt without waiting
    failures_in, failures = trio.open_memory_channel[int](math.inf)

    async def one(index: int, attempt: Attempt, nursery: trio.Nursery) -> None:
        try:
            await attempt.run()
        except Exception as exc:
            reasons[index] = f"{attempt.label}: {describe(exc)}"
            failures_in.send_nowait(index)
            return
        if not won:
            won.append(attempt)
            nursery.cancel_scope.cancel()

    async def start_all(group: list[int], nursery: trio.Nursery) -> None:
        for n, index in enumerate(group):
            nursery.start_soon(one, index, attempts[index], nursery)
            if n + 1 < len(group):
                with trio.move_on_after(stagger):
                    await failures.receive()

    async with trio.open_nursery() as nursery:
        begun = trio.current_time()
        await start_all(early, nursery)
        if late:
            with trio.move_on_at(begun + late_delay):
                while sum(1 for i in reasons if not attempts[i].late) < len(early):
                    await failures.receive()
            await start_all(late, nursery)
    if won:
        return won[0]
    raise AllFailed([reasons.get(i, f"{a.label}: cancelled") for i, a in enumerate(attempts)])


def describe(exc: BaseException) -> str:
    """One line for why an attempt failed. The system's word when there is one deep
    inside ("Connection refused", "No route to host": libp2p wraps it in "Failed to
    open TCP stream to <address>: all attempts ... failed", Trio in an exception
    group); else the exception's text with its cause's, or its type."""
    system = _system_error(exc, depth=0)
    if system is not None:
        return system
    text = str(exc)
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause) and str(cause) not in text:
        text = f"{text}: {cause}" if text else str(cause)
    return text or type(exc).__name__


def _system_error(exc: BaseException, depth: int) -> str | None:
    if depth > 8:
        return None
    if isinstance(exc, OSError) and exc.errno:
        return os.strerror(exc.errno)
    inner: list[BaseException] = list(getattr(exc, "exceptions", ()))
    inner += [e for e in (exc.__cause__, exc.__context__) if e is not None]
    for e in inner:
        found = _system_error(e, depth + 1)
        if found is not None:
            return found
    return None
