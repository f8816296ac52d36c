"""Whether to hold relay slots at friends, from where we stand, and following it.

    wants_slots(state, own_reachable=False, holding=True)   # -> True: keep them

Why. A node that nobody can dial holds slots at up to two friends' relays
(``keep_slots``), so that friends elsewhere reach it through a circuit. A
node others can dial does not need them, and each slot costs the friend a share of
its relay and puts a circuit address (naming that friend) in our invites and address
records. At start the only evidence is our own addresses (``own_reachable``: advertised.py
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

``wants_slots`` is pure; ``keep_slots`` holds the slots (renewing them, asking
another friend when one refuses); ``follow`` is the task that starts and stops
``keep_slots`` as the answer changes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import trio
from libp2p.abc import IHost
from libp2p.peer.id import ID
from multiaddr import Multiaddr

from .host import Host
from .reachability import Basis, Reach, Reachability
from .relay import CIRCUIT, connected_to

log = logging.getLogger(__name__)

SLOTS = 2  # relays a node that cannot be dialed holds slots at


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
    """Run ``keep()`` (``keep_slots``: it holds slots until cancelled) while
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


# --- holding slots (for a node nobody can dial) ------------------------------------


Candidates = Callable[[], Sequence[tuple[ID, Sequence[Multiaddr]]]]


async def keep_slots(host: Host, candidates: Candidates, changed: Callable[[], Awaitable[None]],
                     notify: Callable[[], None], retry_after: Callable[[int], float], *,
                     slots: int = SLOTS, clock: Callable[[], float] = time.time) -> None:
    """Hold slots at up to ``slots`` of the peers ``candidates()`` lists (connected
    peers, with the addresses we know them at), renewing each before it expires.

    Only peers we are connected to directly are asked (relays do not relay over
    relayed connections). A peer that refuses (its policy, its limits, or it offers
    no relay) is asked
    again after ``retry_after(failures in a row)`` seconds. ``notify()`` is called
    whenever our circuit addresses change; between passes we wait for ``changed()``
    (a new peer connected...) or the next retry or renewal, whichever comes first.
    """
    failures: dict[ID, int] = {}
    next_try: dict[ID, float] = {}  # trio time
    while True:
        live = {held.relay: held for held in host.reservations()
                if held.expire > clock() and connected_to(host.libp2p_host, held.relay)}
        for lost in host.reservations():
            if lost.relay not in live:
                host.forget_reservation(lost.relay)
                notify()
        peers = [(p, a) for p, a in candidates() if directly_connected(host.libp2p_host, p)]
        for peer, addrs in peers:
            held = live.get(peer)
            if held is None and (len(live) >= slots
                                 or next_try.get(peer, 0.0) > trio.current_time()):
                continue
            if held is not None and held.renew_at > clock():
                continue
            try:
                live[peer] = await host.reserve(peer, addrs)
            except Exception as exc:  # RelayRefused, CircuitFailed, a broken connection
                failures[peer] = failures.get(peer, 0) + 1
                next_try[peer] = trio.current_time() + retry_after(failures[peer])
                log.info("no relay slot at %s (%d tries): %s", peer, failures[peer], exc)
                continue
            failures.pop(peer, None)
            next_try.pop(peer, None)
            if held is None:
                notify()
        now = trio.current_time()
        wakes = [held.renew_at - clock() for held in live.values()]
        if len(live) < slots:  # a refusal's retry, for peers still connected
            wakes += [next_try[p] - now for p, _ in peers
                      if p not in live and next_try.get(p, 0.0) > now]
        with trio.move_on_after(max(0.0, min(wakes, default=float("inf")))):
            await changed()


def directly_connected(host: IHost, peer: ID) -> bool:
    """A live connection to ``peer`` that is not itself relayed."""
    return any(not c.is_closed and not any(CIRCUIT in str(a) for a in c.get_transport_addresses())
               for c in host.get_network().get_connections(peer))
