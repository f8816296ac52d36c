"""What a relay gives away and what asking costs (net/relay_quota.py): the rules
alone, then a real relay on 127.0.0.1 with devices of one account, floods of
circuits from fresh identities on other loopback addresses, and services whose
relay charges strangers for refusals but never friends."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest
import trio
from libp2p.abc import IMuxedConn, IMuxedStream
from libp2p.connection_types import ConnectionType
from libp2p.network.connection.raw_connection import RawConnection
from libp2p.peer.id import ID
from rawpeer import RESERVE, connect_to, connected, handshake_over, hop, open_protocol

from p2psocial.home import Home
from p2psocial.net import relay
from p2psocial.net.host import Host, open_host, peer_id_from_device_id
from p2psocial.net.relay_quota import (
    ACCOUNT_FULL,
    SLOTS_FULL,
    SOURCE_FULL,
    STRANGERS_FULL,
    SUBNET_FULL,
    TARGET_FULL,
    Circuit,
    Quota,
    RelayLimits,
)
from p2psocial.node import Node
from tests.netkit import ECHO, device, echo, round_trip, run, service

OK = relay.StatusCode.OK
LIMIT = relay.StatusCode.RESOURCE_LIMIT_EXCEEDED
DENIED = relay.StatusCode.PERMISSION_DENIED


def seed(n: int) -> bytes:
    return n.to_bytes(32, "big")


# --- the rules (no I/O) ----------------------------------------------------------------


def test_one_account_holds_at_most_two_slots() -> None:
    quota = Quota(RelayLimits(max_reservations=4))
    for peer in ("a1", "a2"):
        assert quota.slot_refused(peer, b"A") is None
        quota.hold(peer, b"A")
    assert quota.slot_refused("a3", b"A") == ACCOUNT_FULL
    assert quota.slot_refused("a1", b"A") is None  # a renewal
    quota.hold("b1", b"B")
    quota.hold("c1", b"C")
    assert quota.slot_refused("d1", b"D") == SLOTS_FULL
    quota.release("a1")
    assert quota.slot_refused("a3", b"A") is None


def test_strangers_have_their_own_smaller_budgets() -> None:
    quota = Quota(RelayLimits(max_circuits=6, max_circuits_per_peer=4,
                              max_circuits_per_source=2, max_circuits_per_subnet=3,
                              max_stranger_circuits=4))
    quota.open("s1", "10.0.0.0/24", "t1", True, 0)
    quota.open("s1", "10.0.0.0/24", "t2", True, 1)
    assert quota.circuit_refused("s1", "10.0.0.0/24", "t3", True) == SOURCE_FULL
    quota.open("s2", "10.0.0.0/24", "t3", True, 3)
    assert quota.circuit_refused("s3", "10.0.0.0/24", "t3", True) == SUBNET_FULL
    # a friend is held only to the totals, whatever its subnet
    assert quota.circuit_refused("f1", "10.0.0.0/24", "t3", False) is None
    quota.open("s4", "10.0.1.0/24", "t4", True, 5)
    # four strangers: the next from a subnet holding fewer makes room, the youngest
    # circuit of the subnet that holds the most goes
    verdict = quota.circuit_refused("s5", "10.0.2.0/24", "t4", True)
    assert isinstance(verdict, Circuit) and verdict.source == "s2"
    quota.close(verdict)
    quota.open("s5", "10.0.2.0/24", "t4", True, 6)
    quota.open("f1", "10.0.0.0/24", "t3", False, 7)
    quota.open("f2", "10.0.0.0/24", "t3", False, 8)
    # 10.0.0.0/24 holds 2 stranger circuits, the others 1 each: a stranger from a
    # subnet holding as many as the largest waits; friends fill the rest
    assert quota.circuit_refused("s6", "10.0.0.0/24", "t4", True) == STRANGERS_FULL
    assert quota.circuit_refused("f3", "10.0.5.0/24", "t4", False) is not None
    assert quota.circuits == 6


def test_a_device_full_of_strangers_makes_room_for_a_friend() -> None:
    quota = Quota(RelayLimits(max_circuits_per_peer=2))
    quota.open("s1", "10.0.0.0/24", "t", True, 0)
    quota.open("s2", "10.0.1.0/24", "t", True, 1)
    assert quota.circuit_refused("s3", "10.0.0.0/24", "t", True) == TARGET_FULL
    made_room = quota.circuit_refused("f", "10.0.0.0/24", "t", False)
    assert isinstance(made_room, Circuit)
    assert made_room.source == "s2"  # subnets tie: the youngest of their circuits goes
    quota.close(made_room)
    quota.open("f", "10.0.0.0/24", "t", False, 3)
    assert quota.circuits == 2 and quota.in_circuits() == {"s1", "f", "t"}
    assert quota.circuit_refused("g", "10.0.0.0/24", "t", False).source == "s1"
    quota.close(quota.open_circuits()[0])
    quota.open("g", "10.0.0.0/24", "t", False, 5)
    assert quota.circuit_refused("h", "10.0.0.0/24", "t", False) == TARGET_FULL


def test_refusals_are_free_up_to_a_burst_then_charged() -> None:
    quota = Quota(RelayLimits(refusal_burst=3, refusal_every=60.0))
    assert [quota.refused("x", 0.0) for _ in range(5)] == [False, False, False, True, True]
    assert not quota.refused("y", 0.0)  # everyone has a bucket of their own
    assert not quota.refused("x", 60.0)  # one more after a minute
    assert quota.refused("x", 61.0)
    # honest backoff (1 s doubling to 5 min) never runs dry
    honest, at, delay = Quota(RelayLimits()), 0.0, 1.0
    for _ in range(40):
        assert not honest.refused("h", at)
        at, delay = at + delay * 0.5, min(300.0, delay * 2)


# --- a real relay ------------------------------------------------------------------------


@asynccontextmanager
async def hosts(*seeds: int, port: int | None = None) -> AsyncIterator[list[Host]]:
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(open_host(seed(n), port=port)) for n in seeds]


async def reserve_status(host: Host, r: Host) -> int:
    try:
        await host.reserve(r.peer_id, r.listen_addrs)
    except relay.RelayRefused as refused:
        return refused.status
    return OK


def test_one_account_cannot_take_every_slot() -> None:
    async def scenario() -> None:
        async with open_host(seed(1)) as r, hosts(*range(10, 16)) as devices:
            accounts = {d.peer_id: b"one account" for d in devices[:5]}
            accounts[devices[5].peer_id] = b"another"

            async def account_of(peer: ID) -> bytes | None:
                return accounts.get(peer)

            r.offer_relay(RelayLimits(), may_reserve=account_of)
            statuses = [await reserve_status(d, r) for d in devices[:5]]
            assert statuses == [OK, OK, LIMIT, LIMIT, LIMIT]
            assert await reserve_status(devices[5], r) == OK

    run(scenario)


def port_of(host: Host) -> int:
    return int(str(host.listen_addrs[0]).rsplit("/", 1)[1])


async def hold_circuit(conn: IMuxedConn, target: ID, held: list[IMuxedConn]) -> int:
    """Ask the relay for a circuit to ``target`` over ``conn`` and, if it opens, do
    Noise and yamux with the target over it and keep it (as an attacker would: a
    circuit whose handshake never comes ends after the target's deadline)."""
    answer, stream = await hop(conn, connect_to(target))
    if answer.status != OK:
        await stream.reset()
        return int(answer.status)
    muxed = await handshake_over(circuit_raw(stream, target), seed(999), target)
    held.append(muxed)
    return OK


def circuit_raw(stream: IMuxedStream, target: ID) -> RawConnection:
    return RawConnection(stream, initiator=True,  # type: ignore[arg-type]
                         connection_type=ConnectionType.RELAYED)


@asynccontextmanager
async def flood(r: Host, targets: Sequence[Host], sources: Sequence[str]
                ) -> AsyncIterator[list[int]]:
    """Fresh identities, one per address in ``sources``, each asking ``r`` for as many
    circuits to ``targets`` as it gives; yields the statuses it got."""
    statuses: list[int] = []
    held: list[IMuxedConn] = []
    async with AsyncExitStack() as stack:
        for n, source in enumerate(sources):
            conn = await stack.enter_async_context(
                connected(source, "127.0.0.1", port_of(r), seed(5000 + n), r.peer_id))
            for k in range(2):
                target = targets[(n + k) % len(targets)]
                statuses.append(await hold_circuit(conn, target.peer_id, held))
        yield statuses


@asynccontextmanager
async def relay_with_targets(friends: Callable[[ID], bool]
                             ) -> AsyncIterator[tuple[Host, relay.RelayServer, list[Host]]]:
    async def is_friend(peer: ID) -> bool:
        return friends(peer)

    async with open_host(seed(1)) as r, hosts(*range(20, 24)) as targets:
        server = r.offer_relay(RelayLimits(), is_friend=is_friend)
        for target in targets:
            target.set_handler(ECHO, echo)
            await target.reserve(r.peer_id, r.listen_addrs)
        yield r, server, targets


def circuit(r: Host, b: Host) -> list[str]:
    return [relay.circuit_addr(str(r.listen_addrs[0]), r.peer_id)]


def test_strangers_cannot_take_the_circuits_friends_need() -> None:
    async def scenario() -> None:
        async with open_host(seed(9)) as friend, \
                relay_with_targets(lambda peer: peer == friend.peer_id) as (r, server, targets):
            sources = [f"127.1.{n}.{h}" for n in range(10) for h in range(1, 5)]  # 10 /24s
            async with flood(r, targets, sources) as statuses:
                assert statuses.count(OK) >= server.limits.max_stranger_circuits
                assert server.circuits == server.limits.max_stranger_circuits  # held now
                for target in targets:  # the relay's friend reaches every device
                    assert await round_trip(friend, target, circuit(r, target), b"hi") == b"hi"

    run(scenario, timeout=60)


def test_a_stranger_from_another_subnet_still_gets_a_circuit_in_a_flood() -> None:
    async def scenario() -> None:
        async with open_host(seed(9)) as stranger, \
                relay_with_targets(lambda peer: False) as (r, server, targets):
            sources = [f"127.1.{n}.{h}" for n in range(2) for h in range(1, 9)]  # two /24s
            async with flood(r, targets, sources) as statuses:
                assert statuses.count(OK) >= server.limits.max_stranger_circuits
                assert server.circuits <= server.limits.max_stranger_circuits
                target = targets[0]
                assert await round_trip(stranger, target, circuit(r, target), b"hi") == b"hi"

    run(scenario, timeout=60)


# --- services: who is charged for refusals -------------------------------------------------


def test_a_stranger_that_keeps_asking_for_a_slot_is_banned(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "r"), "Rita") as rita:
            async with service(rita) as sr:
                rita_id = peer_id_from_device_id(device(rita))
                async with open_host(seed(77), port=None) as stranger:
                    statuses = []
                    for _ in range(20):
                        try:
                            statuses.append(await reserve_status(
                                stranger, _HostAt(rita_id, sr.listen_addrs)))
                        except Exception:
                            break
                    assert statuses[:8] == [DENIED] * 8  # free
                    await sr.wait_until(lambda: sr.peer(stranger.device_id) is not None
                                        and sr.peer(stranger.device_id).banned_until)
                    snap = sr.peer(stranger.device_id)
                    assert snap is not None and snap.standing < -50

    run(scenario)


def test_a_peer_that_hangs_up_on_the_relay_leaves_no_traceback(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "r"), "Rita") as rita:
            async with service(rita) as sr:
                rita_id = peer_id_from_device_id(device(rita))
                port = int(sr.listen_addrs[0].rsplit("/", 1)[1])
                async with connected("127.1.0.1", "127.0.0.1", port, seed(78),
                                     rita_id) as conn:
                    for n in range(12):
                        stream = await open_protocol(conn, relay.HOP_PROTOCOL)
                        await relay._write_message(stream, RESERVE)  # type: ignore[arg-type]
                        if n % 2:
                            await trio.sleep(0.01)
                        await stream.reset()  # gone before (or while) it is answered
                    answer, stream = await hop(conn, RESERVE)  # still served
                    assert answer.status == DENIED

    with caplog.at_level(logging.INFO):
        run(scenario)
    assert not [r for r in caplog.records if r.name.startswith("p2psocial")
                and (r.exc_info or "failed" in r.getMessage())]


class _HostAt:
    """Where a relay is, as ``reserve_status`` needs it (a relay that is a service)."""

    def __init__(self, peer_id: ID, addrs: Sequence[str]) -> None:
        from p2psocial.net.host import Multiaddr

        self.peer_id = peer_id
        self.listen_addrs = [Multiaddr(a) for a in addrs]


def test_a_friend_refused_for_lack_of_room_is_never_charged(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "r"), "Rita") as rita, \
                Node.init(Home(tmp_path / "a"), "Ann") as ann, \
                Node.init(Home(tmp_path / "b"), "Ben") as ben:
            await rita.posts.follow(ann.account_id)
            await rita.posts.follow(ben.account_id)
            async with service(rita, relay_limits=RelayLimits(max_reservations=1)) as sr:
                server = sr.relay_server
                assert server is not None
                for node in (ann, ben):
                    await node.replication.add_peer(device(rita), sr.listen_addrs, "invite")
                async with service(ann, port=None) as sa:  # holds the one slot
                    await sa.wait_until(lambda: any(map(relay.is_circuit, sa.listen_addrs)))
                    async with service(ben, port=None):  # asks again and again, with backoff
                        while server.refused["a slot: " + SLOTS_FULL] < 12:  # noqa: ASYNC110
                            await trio.sleep(0.05)
                        snap = sr.peer(device(ben))
                        assert snap is not None and snap.banned_until is None
                        assert snap.standing >= 0 and device(ben) in sr.connected()

    run(scenario, timeout=60)


def test_devices_of_one_account_hold_at_most_two_slots_at_a_service(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "r"), "Rita") as rita, \
                Node.init(Home(tmp_path / "a1"), "Ann") as first:
            assert first.identity is not None
            root = first.identity.require_root().root_seed
            with Node.restore(Home(tmp_path / "a2"), root, "Ann") as second, \
                    Node.restore(Home(tmp_path / "a3"), root, "Ann") as third:
                await rita.posts.follow(first.account_id)
                async with service(rita) as sr:
                    server = sr.relay_server
                    assert server is not None
                    devices = (first, second, third)
                    async with AsyncExitStack() as stack:
                        for node in devices:
                            await node.replication.add_peer(device(rita), sr.listen_addrs, "invite")
                            await stack.enter_async_context(service(node, port=None))
                        while server.refused["a slot: " + ACCOUNT_FULL] < 3:  # noqa: ASYNC110
                            await trio.sleep(0.05)
                        held = {device_id(p) for p in server.active()}
                        assert len(held) == 2 and held <= {device(n) for n in devices}

    run(scenario, timeout=60)


def device_id(peer: ID) -> bytes:
    from p2psocial.net.host import device_id_from_peer_id

    return device_id_from_peer_id(peer)

