"""Relay slots from where we stand (relay_slots.py): the rule, the task that follows it
(Trio's mock clock, fakes), and a service on 127.0.0.1 that takes a slot at its friend's
relay when a dial-back says nobody reaches it and gives it up when one does.

127.0.0.0/8 stands for the internet (``public``), as in test_net_dialback.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trio
import trio.testing
from netkit import device, run, service

from p2psocial.home import Home
from p2psocial.net.ip_parse import PUBLIC_RANGES_ENV
from p2psocial.net.reachability import UNKNOWN, Basis, Reach, Reachability
from p2psocial.net.relay_slots import follow, wants_slots
from p2psocial.node import Node
from tests.helpers import everyone_syncs


def R(state: Reach, basis: Basis) -> Reachability:
    return Reachability(state, basis)


@pytest.mark.parametrize("state, own_reachable, holding, expected", [
    # confirmed by a friend's dial-back: the state decides, whatever else we think
    (R(Reach.PUBLIC, Basis.DIALBACK), False, True, False),
    (R(Reach.PORT_MAPPED, Basis.DIALBACK), False, True, False),
    (R(Reach.BEHIND_NAT, Basis.DIALBACK), True, False, True),
    # peers outside our LAN see another IP than ours: a NAT is in the way
    (R(Reach.BEHIND_NAT, Basis.OBSERVED), True, False, True),
    # untried guesses: keep what we do (a renumbered mapping does not take slots)
    (R(Reach.PORT_MAPPED, Basis.MAPPING), False, False, False),
    (R(Reach.PORT_MAPPED, Basis.MAPPING), False, True, True),
    (R(Reach.PUBLIC, Basis.OBSERVED), False, True, True),
    (R(Reach.PUBLIC, Basis.OBSERVED), True, False, False),
    # nothing but our own addresses: as at start (a mapping lost: slots again)
    (UNKNOWN, True, True, False),
    (UNKNOWN, False, False, True),
    (R(Reach.BEHIND_NAT, Basis.OWN_ADDRESSES), False, False, True),
    (R(Reach.BEHIND_NAT, Basis.OWN_ADDRESSES), True, True, False),  # loopback only
    (R(Reach.BEHIND_NAT, Basis.NOT_LISTENING), False, False, True),
])
def test_whether_to_hold_slots(state: Reachability, own_reachable: bool, holding: bool,
                               expected: bool) -> None:
    assert wants_slots(state, own_reachable=own_reachable, holding=holding) is expected


def test_slots_are_taken_and_given_up_as_the_state_changes() -> None:
    async def main() -> None:
        states = [R(Reach.BEHIND_NAT, Basis.OWN_ADDRESSES)]
        changed = trio.Event()
        keeping: list[float] = []
        dropped: list[float] = []
        stopped: list[float] = []

        async def keep() -> None:
            keeping.append(trio.current_time())
            try:
                await trio.sleep_forever()
            finally:
                stopped.append(trio.current_time())

        async def next_change() -> None:
            await changed.wait()

        def become(state: Reachability) -> None:
            nonlocal changed
            states.append(state)
            changed.set()
            changed = trio.Event()

        def wanted(holding: bool) -> bool:
            return wants_slots(states[-1], own_reachable=False, holding=holding)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(follow, keep, lambda: dropped.append(trio.current_time()),
                               wanted, next_change)
            await trio.sleep(1)
            assert keeping == [0.0] and not dropped  # private addresses only: slots
            become(R(Reach.PORT_MAPPED, Basis.MAPPING))  # a mapping, untried: keep them
            await trio.sleep(1)
            assert keeping == [0.0] and not dropped
            become(R(Reach.PORT_MAPPED, Basis.DIALBACK))  # a friend reached it: drop
            await trio.sleep(1)
            assert dropped == [2.0] and stopped == [2.0]
            become(R(Reach.PORT_MAPPED, Basis.MAPPING))  # the router's address changed
            await trio.sleep(1)
            assert keeping == [0.0]  # no slots for the moment until it is confirmed
            become(R(Reach.BEHIND_NAT, Basis.OWN_ADDRESSES))  # the mapping is lost
            await trio.sleep(1)
            assert keeping == [0.0, 4.0] and dropped == [2.0]
            nursery.cancel_scope.cancel()

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))


def test_a_service_takes_a_slot_when_nobody_reaches_it_and_gives_it_up_when_one_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PUBLIC_RANGES_ENV, "127.0.0.0/8")

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await alice.posts.follow(bob.account_id)
            await bob.posts.follow(alice.account_id)  # so he relays for her
            await everyone_syncs([alice, bob])
            async with service(alice) as sa, service(bob) as sb:
                await sa.connect(device(bob), sb.listen_addrs)
                # Bob's dial-back reaches her: public, confirmed; no slot (none at start:
                # an address of this machine is nothing a relay could help with)
                await sa.wait_until(lambda: sa.reachability().confirmed)
                assert sa.reachability().state is Reach.PUBLIC
                assert sa._host is not None and sa._host.reservations() == []
                # the next dial-back does not get through (a firewall came up, say)
                spot = sa.standpoint
                assert spot is not None
                addr = sa.reachability().reachable_at[0]
                spot.tracker.dialed_back(addr, ok=False, now=trio.current_time())
                spot.look()
                await sa.wait_until(lambda: any("/p2p-circuit" in a for a in sa.listen_addrs))
                assert [h.relay for h in sa._host.reservations()] == [sb._host.peer_id]  # type: ignore[union-attr]
                assert sa.reachability().state is Reach.BEHIND_NAT
                # and the one after does: the slot is given up, the circuit address goes
                spot.tracker.dialed_back(addr, ok=True, now=trio.current_time())
                spot.look()
                await sa.wait_until(lambda: not any("/p2p-circuit" in a
                                                    for a in sa.listen_addrs))
                assert sa._host.reservations() == []

    run(scenario, timeout=40)
