"""Whether to hold relay slots at friends, from where we stand, and following it.

    wants_slots(state, own_reachable=False, holding=True)   # -> True: keep them

Why. A node that nobody can dial holds slots at up to two friends' relays
(relay.py ``keep_slots``), so that friends elsewhere reach it through a circuit. A
node others can dial does not need them, and each slot costs the friend a share of
its relay and puts a circuit address (naming that friend) in our invites and address
records. At start the only evidence is our own addresses (``own_reachable``: service.py
``reachable_from_outside``, a global IPv4 address); once our reachability is known
(reachability.py), it decides:

* confirmed (a friend's dial-back) public or port-mapped: no slots (dropped if held);
* behind NAT, confirmed or seen by peers outside our LAN: slots;
* a guess of public or port-mapped nobody tried yet (a fresh mapping, peers that see
  our own address): no news, we keep what we do (``holding``). So a home whose
  router's address changes does not take slots for the few seconds until a friend
  confirms the new mapping;
* nothing more than our own addresses (unknown, or none we could be reached at, or
  none at all): as at start, from those addresses. So a mapping lost (the state falls
  back to our own, private, addresses) takes slots again at once.

``wants_slots`` is pure; ``follow`` is the task that starts and stops ``keep_slots``
as the answer changes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import trio

from .reachability import Basis, Reach, Reachability

log = logging.getLogger(__name__)


def wants_slots(state: Reachability, *, own_reachable: bool, holding: bool) -> bool:
    """Whether a node in ``state`` should hold relay slots (see the module docstring):
    ``own_reachable``: its own addresses say others can dial it; ``holding``: whether it
    holds (or seeks) slots now."""
    if state.confirmed:
        return not state.accepts_incoming
    if state.basis is Basis.OBSERVED and state.state is Reach.BEHIND_NAT:
        return True
    if state.basis in (Basis.MAPPING, Basis.OBSERVED):
        return holding
    return not own_reachable


async def follow(keep: Callable[[], Awaitable[None]], drop: Callable[[], None],
                 wanted: Callable[[bool], bool],
                 changed: Callable[[], Awaitable[None]]) -> None:
    """Run ``keep()`` (relay.keep_slots: it holds slots until cancelled) while
    ``wanted(holding)`` says so; when it stops saying so, cancel it and ``drop()`` the
    slots held. Looked at again after every ``changed()``."""
    holding = False
    async with trio.open_nursery() as nursery:
        scope: trio.CancelScope | None = None
        while True:
            want = wanted(holding)
            if want and scope is None:
                log.info("relay slots: holding them at friends (as far as we know, "
                         "nobody can dial us)")
                scope = await nursery.start(_run, keep)
            elif not want and scope is not None:
                log.info("relay slots: given up (a friend reached us: others can dial us)")
                scope.cancel()
                scope = None
                drop()
            holding = want
            await changed()


async def _run(keep: Callable[[], Awaitable[None]], *,
               task_status: Any = trio.TASK_STATUS_IGNORED,
               ) -> None:
    with trio.CancelScope() as scope:
        task_status.started(scope)
        await keep()
