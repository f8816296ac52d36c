"""Connection exhaustion (issue 12, finding 3) against a real ``p2psocial serve``:
while attackers hold sockets or connections, the honest writer and reader keep
delivering through the victim and a new honest peer can still connect."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import trio
from arena import Arena, AttackStats, arena
from attacks_connections import (
    FEW_SUBNETS,
    MANY_SUBNETS,
    ONE_ADDRESS,
    TWO_SUBNETS,
    AskForSlots,
    FillCircuits,
    FreshIdentities,
    NeverHandshake,
)
from libp2p.peer.id import ID
from netkit import device, run, service

from p2psocial.home import Home
from p2psocial.net import relay
from p2psocial.net.connmgr import CONN_LIMITS
from p2psocial.net.host import DialFailed, Multiaddr, open_host
from p2psocial.net.relay_quota import RelayLimits
from p2psocial.node import Node
from tests.waitkit import eventually

NEW_PEER_WITHIN = 10.0  # seconds for a new honest peer to get a connection (at once, here)
ATTEMPT_EVERY = 3.0  # seconds before it starts another attempt beside a slow one


async def new_peer_connects(place: Arena, seed: int) -> float:
    """Seconds a new honest peer (a fresh device on 127.0.0.1) takes to connect to the
    victim (``connects_within``)."""
    return await connects_within(seed, place.victim.peer_id, place.victim.multiaddrs)


async def connects_within(seed: int, peer_id: ID, addrs: Sequence[Multiaddr]) -> float:
    """Seconds a new honest peer (a fresh device on 127.0.0.1) takes to connect to
    ``peer_id`` at ``addrs``. It starts a new attempt 0.1 s after one is refused, and
    also beside one that is still going after ``ATTEMPT_EVERY``, without giving that one up: an
    attempt may wait ``host.DIAL_TIMEOUT`` (10 s, all of ``NEW_PEER_WITHIN``) for a SYN
    that the victim's full accept queue dropped (seen once in a full run), while
    another one, cut off after 3 s, never finished its handshake on a loaded CI
    machine. The first to connect wins."""
    started = time.perf_counter()
    async with open_host(bytes([seed]) * 32, port=None) as host:
        with trio.fail_after(NEW_PEER_WITHIN):
            async with trio.open_nursery() as attempts:
                async def attempt(refused: trio.Event) -> None:
                    try:
                        await host.connect(peer_id, addrs)
                    except DialFailed:
                        refused.set()
                        return
                    attempts.cancel_scope.cancel()

                while True:
                    refused = trio.Event()
                    attempts.start_soon(attempt, refused)
                    with trio.move_on_after(ATTEMPT_EVERY):
                        await refused.wait()
                        await trio.sleep(0.1)
        return time.perf_counter() - started


async def in_full_swing(attack: NeverHandshake) -> None:
    """Until the victim is at its limit: it has closed many of the attack's sockets
    (which the attack opens again at once)."""
    await eventually(lambda: attack.closed >= 100, "the victim closing 100 sockets",
                     every=0.05)  # the attack has no event to wait on


def never_handshake(tmp_path: Path, attack: NeverHandshake) -> None:
    async def scenario() -> None:
        async with arena(tmp_path) as place, trio.open_nursery() as nursery:
            stats = AttackStats()
            nursery.start_soon(attack, place, stats)
            await in_full_swing(attack)
            for seed in (201, 202, 203):
                assert await new_peer_connects(place, seed) < NEW_PEER_WITHIN
                assert await place.delivery() < 5
            assert place.victim.alive()
            nursery.cancel_scope.cancel()

    run(scenario, timeout=60)


def test_sockets_from_one_address_that_never_handshake_leave_room_for_others(
        tmp_path: Path) -> None:
    # one address nobody else uses holds as many sockets as it can get
    never_handshake(tmp_path, NeverHandshake(ONE_ADDRESS, 300))


def test_sockets_from_many_subnets_that_never_handshake_leave_room_for_others(
        tmp_path: Path) -> None:
    # 300 sockets over 40 /24s: more than the victim lets handshake at once
    never_handshake(tmp_path, NeverHandshake(MANY_SUBNETS, 300))


def test_connections_from_fresh_identities_are_trimmed_and_honest_peers_kept(
        tmp_path: Path) -> None:
    # 110 handshaken connections, each a new identity, half of them holding a sync
    # session that asks for the writer's log: more than the victim keeps (64), more
    # than the grace of new connections covers (96)
    idle = FreshIdentities(FEW_SUBNETS, 55, refresh=False)
    syncing = FreshIdentities(FEW_SUBNETS[1::2], 55, sync=True, refresh=False)

    async def scenario() -> None:
        async with arena(tmp_path) as place, trio.open_nursery() as nursery:
            stats = AttackStats()
            nursery.start_soon(idle, place, stats)
            nursery.start_soon(syncing, place, stats)
            await eventually(lambda: idle.opened + syncing.opened >= 110, every=0.05)
            # trimmed back within the high watermark (the writer and reader hold 2 of
            # them): a pass trims to the low watermark, but when it runs before the last
            # attackers are in (seen: at 101 of 110), those stay, and fewer than ``high``
            # connections are not trimmed again. 5 s alone here, 20+ s when loaded.
            with trio.fail_after(45):
                await eventually(lambda: idle.open_now + syncing.open_now
                                 <= CONN_LIMITS.high - 2, every=0.05)
            assert idle.closed + syncing.closed >= 110 - (CONN_LIMITS.high - 2)
            for net in (place.writer_net, place.reader_net):  # honest peers were kept
                assert place.victim.device in net.connected()
            assert await place.delivery() < 5
            assert place.victim.alive()
            nursery.cancel_scope.cancel()

    run(scenario, timeout=90)


def test_a_new_peer_joins_and_syncs_while_fresh_identities_keep_coming(
        tmp_path: Path) -> None:
    attack = FreshIdentities(FEW_SUBNETS, 120, sync=True)  # replaced when closed

    async def scenario() -> None:
        async with arena(tmp_path) as place, trio.open_nursery() as nursery:
            stats = AttackStats()
            nursery.start_soon(attack, place, stats)
            await eventually(lambda: attack.opened >= 120, every=0.05)
            with Node.init(Home(tmp_path / "newcomer"), "Newcomer") as newcomer:
                await newcomer.posts.follow(place.writer.account_id)
                async with service(newcomer) as net:
                    await net.connect(place.victim.device, place.victim.addrs)
                    post = await place.writer.posts.post("for the newcomer too")
                    with trio.fail_after(30):  # 2-4 s here; before the fixes, 19 s
                        await until_stored(newcomer, post.id)
                    assert place.victim.device in net.connected()
            assert await place.delivery() < 5
            assert device(place.writer) != place.victim.device
            nursery.cancel_scope.cancel()

    run(scenario, timeout=60)


async def until_stored(node: Node, entry_id: bytes) -> None:
    from netkit import holds, until

    await until(node, lambda: holds(node, entry_id))


def test_strangers_that_keep_asking_for_relay_slots_are_cut_off(tmp_path: Path) -> None:
    attack = AskForSlots(TWO_SUBNETS[:4])
    free = RelayLimits().refusal_burst

    async def scenario() -> None:
        async with arena(tmp_path) as place, trio.open_nursery() as nursery:
            nursery.start_soon(attack, place, AttackStats())
            with trio.fail_after(20):
                await eventually(lambda: attack.cut_off >= 8, every=0.05)
            # the free refusals, then two charged ones (-30 each): banned, hung up on
            assert all(asked <= free + 2 for asked in attack.answers), attack.answers
            assert await place.delivery() < 5
            nursery.cancel_scope.cancel()

    run(scenario, timeout=60)


def test_circuits_from_fresh_identities_leave_room_through_the_relay(tmp_path: Path) -> None:
    attack = FillCircuits(TWO_SUBNETS)
    limits = RelayLimits()

    async def scenario() -> None:
        async with arena(tmp_path) as place, trio.open_nursery() as nursery:
            nursery.start_soon(attack, place, AttackStats())
            await attack.ready.wait()
            # the device behind holds all the circuits it may, all of them attackers'
            await eventually(lambda: attack.held >= limits.max_circuits_per_peer, every=0.05)
            assert attack.target is not None
            circuit = [Multiaddr(attack.circuit_addr)]
            # a stranger to the relay from another subnet still reaches the device: at
            # once here; on a loaded CI machine one attempt's upgrade at the device
            # behind outlasted its 4 s deadline, so it tries again, as a dialer does
            assert await connects_within(211, attack.target, circuit) < NEW_PEER_WITHIN
            # the relay granted the attack more circuits than it holds at once: it
            # ended some and the attack opened them again (slow on a loaded machine)
            with trio.fail_after(30):
                await eventually(lambda: attack.statuses[relay.StatusCode.OK]
                                 > limits.max_circuits_per_peer, every=0.05)
            assert await place.delivery() < 5
            nursery.cancel_scope.cancel()

    run(scenario, timeout=60)
