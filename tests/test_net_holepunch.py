"""Hole punching (holepunch.py, puncher.py): the DCUtR exchange without I/O, then real
hosts and real services on 127.0.0.x that meet through a relay and go direct.

Loopback has no NAT: a punch there proves the exchange, the dials from the listen
port, the roles on the direct connection and the move of the session; that it goes
through NAT is tests/test_reach_punch.py's job (namespaces).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import trio
from libp2p.relay.circuit_v2.pb.dcutr_pb2 import HolePunch
from multiaddr import Multiaddr
from netkit import device, run, seed, service

from p2psocial.home import Home
from p2psocial.net import holepunch, relay
from p2psocial.net.holepunch import (
    MAX_ADDRS,
    Connect,
    Initiator,
    Punch,
    PunchBudget,
    PunchLimits,
    PunchProtocolError,
    Responder,
    Sync,
    Target,
)
from p2psocial.net.host import Host, open_host
from p2psocial.net.puncher import HolePuncher
from p2psocial.net.service import NetworkService
from p2psocial.node import Node
from tests.waitkit import eventually

A_ADDRS = ("/ip4/198.51.100.7/tcp/4001", "/ip4/10.0.0.2/tcp/4001")
B_ADDRS = ("/ip4/203.0.113.9/tcp/4002",)


# --- messages and addresses (pure) ---------------------------------------------------


def test_messages_round_trip_and_match_the_spec_numbers() -> None:
    assert holepunch.decode(holepunch.encode(Connect(A_ADDRS))) == Connect(A_ADDRS)
    assert holepunch.decode(holepunch.encode(Sync())) == Sync()
    raw = HolePunch.FromString(holepunch.encode(Sync()))
    assert raw.type == 300 and HolePunch.FromString(
        holepunch.encode(Connect(()))).type == 100  # DCUtR.md: CONNECT 100, SYNC 300


def test_a_peer_message_that_is_not_dcutr_is_its_fault() -> None:
    for bad in (b"\xff\xff", b"\x08\x07", b"", b"\x00" * 5000):  # junk, type 7, none
        with pytest.raises(PunchProtocolError):
            holepunch.decode(bad)
    many = HolePunch(type=HolePunch.CONNECT, ObsAddrs=[
        Multiaddr(f"/ip4/192.0.2.{i}/tcp/1").to_bytes() for i in range(50)] + [b"junk"])
    got = holepunch.decode(many.SerializeToString())
    assert isinstance(got, Connect) and len(got.addrs) == MAX_ADDRS  # capped


def test_dial_targets_are_tcp_addresses_other_than_the_relay() -> None:
    targets = holepunch.dial_targets([
        "/ip4/198.51.100.7/tcp/4001", "/ip4/198.51.100.7/tcp/4001",  # a duplicate
        "/ip4/203.0.113.1/tcp/4001",  # the relay itself
        "/ip4/198.51.100.7/udp/4001/quic-v1", "/dns4/example.org/tcp/1",
        "/ip4/0.0.0.0/tcp/1", "/ip4/198.51.100.7/tcp/0", "/ip4/224.0.0.1/tcp/1",
        "/ip4/203.0.113.1/tcp/1/p2p/QmRelay/p2p-circuit",
        "/ip6/2001:db8::7/tcp/4001/p2p/12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq",
    ], avoid=["203.0.113.1"])
    assert targets == [Target("198.51.100.7", 4001), Target("2001:db8::7", 4001)]


def test_we_tell_observed_ips_with_our_listen_port_then_our_own_addresses() -> None:
    ours = holepunch.our_addrs(["198.51.100.7", "2001:db8::7", "bad"],
                               ["/ip4/10.0.0.2/tcp/4001", "/ip6/fd00::2/tcp/4003"])
    assert ours == ["/ip4/198.51.100.7/tcp/4001", "/ip6/2001:db8::7/tcp/4003",
                    "/ip4/10.0.0.2/tcp/4001", "/ip6/fd00::2/tcp/4003"]


# --- the exchange, over a fake relay and a fake network -------------------------------


def exchange(dial_works: Callable[[int, Punch, Punch], bool], attempts: int = 3
             ) -> tuple[int, list[tuple[Punch, Punch]]]:
    """B and A through an in-memory relay that takes 40 ms each way; ``dial_works(n,
    b's punch, a's punch)`` says whether attempt n's dials meet. Returns the attempts
    made and every pair of punches."""
    b, a = Initiator(B_ADDRS, attempts=attempts), Responder(A_ADDRS)
    now, punches = 0.0, []
    while b.may_retry():
        connect = b.connect(now)
        now += 0.04
        answer = a.received(connect)
        assert isinstance(answer, bytes)
        now += 0.04
        sync, b_punch = b.answered(answer, now)
        now += 0.04
        a_punch = a.received(sync)
        assert isinstance(a_punch, Punch)
        punches.append((b_punch, a_punch))
        if dial_works(b.started, b_punch, a_punch):
            break
    return b.started, punches


def test_the_exchange_times_b_half_a_round_trip_after_a() -> None:
    made, punches = exchange(lambda n, b, a: True)
    (b_punch, a_punch), = punches
    assert made == 1
    assert b_punch.targets == (Target("198.51.100.7", 4001), Target("10.0.0.2", 4001))
    assert a_punch.targets == (Target("203.0.113.9", 4002),)
    assert a_punch.delay == 0.0 and b_punch.delay == pytest.approx(0.04)  # RTT 80 ms


def test_a_failed_punch_is_tried_three_times_in_all_then_given_up() -> None:
    made, punches = exchange(lambda n, b, a: n == 3)
    assert made == 3 and len(punches) == 3
    made, _ = exchange(lambda n, b, a: False)
    assert made == 3


def test_a_responder_refuses_an_exchange_out_of_order_or_past_three() -> None:
    a = Responder(A_ADDRS)
    with pytest.raises(PunchProtocolError):
        a.received(holepunch.encode(Sync()))  # SYNC before CONNECT
    a.received(holepunch.encode(Connect(B_ADDRS)))
    with pytest.raises(PunchProtocolError):
        a.received(holepunch.encode(Connect(B_ADDRS)))  # CONNECT again, no SYNC
    a = Responder(A_ADDRS)
    for _ in range(3):
        a.received(holepunch.encode(Connect(B_ADDRS)))
        a.received(holepunch.encode(Sync()))
    with pytest.raises(PunchProtocolError):
        a.received(holepunch.encode(Connect(B_ADDRS)))  # a fourth attempt
    b = Initiator(B_ADDRS)
    with pytest.raises(PunchProtocolError):
        b.answered(holepunch.encode(Connect(A_ADDRS)), 0.0)  # an answer to nothing
    b.connect(0.0)
    with pytest.raises(PunchProtocolError):
        b.answered(holepunch.encode(Sync()), 0.1)


def test_a_slow_relay_does_not_delay_b_past_two_seconds() -> None:
    b = Initiator(B_ADDRS)
    b.connect(0.0)
    _, punch = b.answered(holepunch.encode(Connect(A_ADDRS)), 30.0)
    assert punch.delay == holepunch.MAX_SYNC_DELAY


def test_the_budget_bounds_attempts_per_peer_per_hour_and_punches_at_once() -> None:
    budget = PunchBudget(PunchLimits(per_peer_per_hour=6, concurrent=2))
    assert all(budget.attempt(b"p", float(t)) for t in range(6))
    assert not budget.attempt(b"p", 10.0) and not budget.may_start(b"p", 10.0)
    assert budget.may_start(b"q", 10.0)  # another peer has its own hour
    assert budget.may_start(b"p", 3600.5) and budget.attempt(b"p", 3600.5)  # the first expired
    budget.running = 2
    assert not budget.may_start(b"q", 3601.0)
    assert len(budget._recent) == 1  # peers whose hour is over are forgotten


# --- real hosts on loopback ------------------------------------------------------------


def direct_only(host: Host, other: Host) -> bool:
    links = [link for link in host.connections() if link.peer == other.device_id]
    return bool(links) and all(link.punched and link.relay is None for link in links)


def test_two_hosts_behind_a_relay_punch_and_drop_the_relayed_connection() -> None:
    async def scenario() -> None:
        async with open_host(seed(1)) as r, open_host(seed(2), ip="127.0.0.2") as b, \
                open_host(seed(3), ip="127.0.0.3") as a, trio.open_nursery() as nursery:
            server = r.offer_relay(relay.RelayLimits())
            to_a = await nursery.start(HolePuncher(a).run)
            to_b = await nursery.start(HolePuncher(b).run)
            await b.reserve(r.peer_id, r.listen_addrs)
            await a.connect(b.peer_id, [Multiaddr(x) for x in b.circuit_addrs()])
            assert not to_a.consider(b.peer_id)  # A dialed through the relay: B drives
            assert to_b.consider(a.peer_id)
            assert not to_b.consider(a.peer_id)  # one punch per peer at a time
            await eventually(lambda: direct_only(a, b) and direct_only(b, a))
            await eventually(lambda: not server.circuits)  # the relay carries nothing more
            assert [p.attempt for p in to_b.done] == [1] and to_b.failed == 0
            assert not to_b.consider(a.peer_id)  # direct already
            nursery.cancel_scope.cancel()

    run(scenario)


def test_a_punch_that_cannot_connect_keeps_the_relayed_connection() -> None:
    """Both sides name addresses where nobody listens: three windows in vain, then the
    relayed connection goes on, and the attempts count against the peer's hour: a
    second punch is allowed, not a third."""
    nowhere = ["/ip4/127.0.0.9/tcp/9"]
    quick = PunchLimits(window=0.3, redial_every=0.05)

    async def scenario() -> None:
        async with open_host(seed(1)) as r, open_host(seed(2), ip="127.0.0.2") as b, \
                open_host(seed(3), ip="127.0.0.3") as a, trio.open_nursery() as nursery:
            r.offer_relay(relay.RelayLimits())
            await nursery.start(HolePuncher(a, limits=quick, own_addrs=lambda: nowhere).run)
            to_b = await nursery.start(HolePuncher(b, limits=quick,
                                                   own_addrs=lambda: nowhere).run)
            await b.reserve(r.peer_id, r.listen_addrs)
            await a.connect(b.peer_id, [Multiaddr(x) for x in b.circuit_addrs()])
            assert to_b.consider(a.peer_id)
            await eventually(lambda: to_b.failed == 1)
            assert to_b.done == [] and not to_b.budget.running
            links = [link for link in a.connections() if link.peer == b.device_id]
            assert [link.relay for link in links] == [str(r.peer_id)]
            assert len(to_b.budget._recent[a.peer_id.to_bytes()]) == 3
            assert to_b.consider(a.peer_id)  # a second punch: the hour holds 6 exchanges
            await eventually(lambda: to_b.failed == 2)
            assert not to_b.consider(a.peer_id)  # a third must wait for the hour
            nursery.cancel_scope.cancel()

    run(scenario)


def test_a_peer_that_breaks_the_exchange_is_reported_and_cut_off() -> None:
    async def scenario() -> None:
        async with open_host(seed(1)) as r, open_host(seed(2), ip="127.0.0.2") as b, \
                open_host(seed(3), ip="127.0.0.3") as a, trio.open_nursery() as nursery:
            r.offer_relay(relay.RelayLimits())
            reported: list[str] = []

            async def bad_peer(peer: object, reason: str) -> None:
                assert peer == b.peer_id
                reported.append(reason)

            await nursery.start(HolePuncher(a, on_bad_peer=bad_peer).run)
            await b.reserve(r.peer_id, r.listen_addrs)
            await a.connect(b.peer_id, [Multiaddr(x) for x in b.circuit_addrs()])
            stream = await b.open_stream(a.peer_id, [], holepunch.PROTOCOL)
            sync = holepunch.encode(Sync())
            await stream.write(bytes([len(sync)]) + sync)  # SYNC before CONNECT
            await eventually(lambda: bool(reported))
            assert reported == ["hole punching: SYNC before CONNECT"]
            nursery.cancel_scope.cancel()

    run(scenario)


def test_dcutr_is_refused_over_a_direct_connection() -> None:
    async def scenario() -> None:
        async with open_host(seed(2), ip="127.0.0.2") as b, \
                open_host(seed(3), ip="127.0.0.3") as a, trio.open_nursery() as nursery:
            await nursery.start(HolePuncher(a).run)
            stream = await b.open_stream(a.peer_id, a.listen_addrs, holepunch.PROTOCOL)
            try:  # a CONNECT with no address: the stream is reset, never answered
                await stream.write(b"\x02\x08\x64")
                answer = await stream.read(10)
            except Exception:
                answer = b""
            assert answer == b""
            nursery.cancel_scope.cancel()

    run(scenario)


# --- the service: the session moves to the punched connection --------------------------


async def stored(node: Node, entry_id: bytes) -> None:
    events = node.subscribe()
    with events:
        while await node._run(node.store.get_entry, entry_id) is None:
            await events.receive()


async def stopped_on_demand(make: Callable[[], NetworkService], stop: trio.Event, *,
                            task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
    """Run a service until ``stop`` is set (a friend's box someone switches off)."""
    async with make() as running:
        task_status.started(running)
        await stop.wait()


def test_friends_met_through_a_relay_keep_syncing_once_it_is_gone(tmp_path: Path) -> None:
    """Bob holds a slot at Rita's box; Alice knows only his circuit address. Their
    relayed connection is punched, the session moves to the direct one, and after
    Rita's box stops, a new post still arrives."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "r"), "Rita") as rita, \
                Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await rita.posts.follow(bob.account_id)
            await alice.posts.follow(bob.account_id)
            await bob.posts.follow(alice.account_id)
            rita_off = trio.Event()
            async with service(bob, ip="127.0.0.2", reserve=True) as sb, \
                    trio.open_nursery() as nursery:
                sr = await nursery.start(stopped_on_demand, lambda: service(rita), rita_off)
                await sb.connect(device(rita), sr.listen_addrs, source="invite")
                await sb.wait_until(lambda: any(map(relay.is_circuit, sb.listen_addrs)))
                circuit = [a for a in sb.listen_addrs if relay.is_circuit(a)]
                await alice.replication.add_peer(device(bob), circuit, "invite")
                async with service(alice, ip="127.0.0.3") as sa:
                    assert sa._host is not None and sb._host is not None
                    ha, hb = sa._host, sb._host
                    await sa.wait_until(lambda: device(bob) in sa.connected()
                                        and direct_only(ha, hb))
                    await sb.wait_until(lambda: device(alice) in sb.connected())
                    assert sb.puncher is not None and len(sb.puncher.done) == 1
                    first = await bob.posts.post("over the punched connection")
                    await stored(alice, first.id)
                    carried = sr.relay_server.carried
                    assert direct_only(ha, hb) and direct_only(hb, ha)
                    rita_off.set()  # Rita's box stops
                    await eventually(lambda: sr._host is None)
                    assert sr.relay_server.carried == carried  # nothing relayed since
                    second = await bob.posts.post("with Rita's box off")
                    await stored(alice, second.id)
                    assert direct_only(ha, hb)

    run(scenario, timeout=40)
