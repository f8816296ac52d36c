"""Circuit relay v2 over real hosts and real nodes on 127.0.0.1.

R relays; B does not listen at all (or listens where A is never told) and holds a
slot at R; A reaches B through R's circuit address. Every scenario waits for
conditions under ``trio.fail_after``, never for time.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from libp2p.peer.id import ID

from p2psocial import invite
from p2psocial.home import Home
from p2psocial.net import relay
from p2psocial.net.framing import read_frame, write_frame
from p2psocial.net.host import DialFailed, open_host, peer_id_from_device_id
from p2psocial.net.service import reachable_from_outside
from p2psocial.node import Node
from tests.netkit import ECHO, device, echo, round_trip, run, seed, service
from tests.waitkit import eventually

CAP = 8 << 20
# --- addresses (pure) -----------------------------------------------------------------


RELAY_ID = "12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH5"
TARGET_ID = "12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq"


def test_circuit_addresses_parse_with_or_without_the_target() -> None:
    relay_id, target = ID.from_base58(RELAY_ID), ID.from_base58(TARGET_ID)
    addr = relay.circuit_addr("/ip4/192.0.2.7/tcp/4001", relay_id)
    assert addr == f"/ip4/192.0.2.7/tcp/4001/p2p/{RELAY_ID}/p2p-circuit"
    assert relay.is_circuit(addr) and not relay.is_circuit("/ip4/192.0.2.7/tcp/4001")
    assert relay.parse_circuit(addr) == ("/ip4/192.0.2.7/tcp/4001", relay_id)
    assert relay.parse_circuit(f"{addr}/p2p/{TARGET_ID}", target)[1] == relay_id
    for bad in (f"{addr}/p2p/{RELAY_ID}",  # names another device than the target
                "/ip4/192.0.2.7/tcp/4001/p2p-circuit",  # no relay id
                f"/p2p/{RELAY_ID}/p2p-circuit",  # no relay address
                f"{addr}/p2p/{RELAY_ID}/p2p-circuit",  # a relay behind a relay
                "/ip4/192.0.2.7/tcp/4001/p2p/notanid/p2p-circuit"):
        with pytest.raises(ValueError):
            relay.parse_circuit(bad, target)


def test_an_invite_carries_circuit_addresses() -> None:
    ip6 = "/ip6/2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/tcp/65535"
    addrs = ["/ip4/10.0.0.2/tcp/4001", relay.circuit_addr(ip6, ID.from_base58(RELAY_ID)),
             relay.circuit_addr("/ip4/203.0.113.250/tcp/65535", ID.from_base58(RELAY_ID))]
    code = invite.make(bytes(32), bytes([1]) * 32, addrs)
    assert invite.decode(invite.encode(code)).addrs == tuple(addrs)
    # a circuit to another device, or a relay behind a relay, is not an address of ours
    assert invite.make(bytes(32), bytes(32), [f"{addrs[1]}/p2p/{TARGET_ID}",
                                             f"{addrs[1]}/p2p/{RELAY_ID}/p2p-circuit",
                                             addrs[0]]).addrs == (addrs[0],)


# --- hosts ------------------------------------------------------------------------------


def test_a_host_that_does_not_listen_is_reached_through_a_relay() -> None:
    async def scenario() -> None:
        async with open_host(seed(1)) as r, open_host(seed(2), port=None) as b, \
                open_host(seed(3)) as a:
            assert b.listen_addrs == [] and b.circuit_addrs() == []
            server = r.offer_relay(relay.RelayLimits())
            b.set_handler(ECHO, echo)
            held = await b.reserve(r.peer_id, r.listen_addrs)
            assert held.expire > 0 and server.active() == [b.peer_id]
            addrs = b.circuit_addrs()
            assert addrs == [f"{r.listen_addrs[0]}/p2p/{r.peer_id}/p2p-circuit"]
            # A knows only the circuit address (as from an invite)
            assert await round_trip(a, b, addrs, b"hello") == b"hello"
            big = random.Random(1).randbytes(300_000)
            assert await round_trip(a, b, addrs, big) == big
            assert a.is_connected(b.peer_id) and server.circuits == 1
            # B can open streams to A over the same relayed connection
            a.set_handler(ECHO, echo)
            stream = await b.open_stream(a.peer_id, [], ECHO)
            await write_frame(stream, b"back")
            assert await read_frame(stream, CAP) == b"back"
            await stream.close()
            await a.disconnect(b.peer_id)
            await eventually(lambda: not server.circuits)  # the relay sees the circuit end

    run(scenario)


def test_the_relay_refuses_whom_its_policy_refuses_and_unreserved_targets() -> None:
    async def scenario() -> None:
        async with open_host(seed(1)) as r, open_host(seed(2), port=None) as b, \
                open_host(seed(3)) as a, open_host(seed(4), port=None) as c:

            async def only_b(peer: ID) -> bytes | None:
                return b"b's account" if peer == b.peer_id else None

            r.offer_relay(relay.RelayLimits(), may_reserve=only_b)
            with pytest.raises(relay.RelayRefused) as refused:
                await c.reserve(r.peer_id, r.listen_addrs)
            assert refused.value.status == relay.StatusCode.PERMISSION_DENIED
            assert c.circuit_addrs() == []
            # C holds no slot: nobody reaches it through R
            c_addr = relay.circuit_addr(str(r.listen_addrs[0]), r.peer_id)
            with pytest.raises(DialFailed, match="NO_RESERVATION"):
                await a.connect(c.peer_id, [relay.Multiaddr(c_addr)])
            # a host that offers no relay refuses a reservation too
            with pytest.raises(relay.CircuitFailed):
                await b.reserve(a.peer_id, a.listen_addrs)

    run(scenario)


def test_a_circuit_over_its_data_limit_is_reset_and_can_be_redialed() -> None:
    async def scenario() -> None:
        async with open_host(seed(1)) as r, open_host(seed(2), port=None) as b, \
                open_host(seed(3)) as a:
            server = r.offer_relay(relay.RelayLimits(circuit_bytes=200_000))
            b.set_handler(ECHO, echo)
            await b.reserve(r.peer_id, r.listen_addrs)
            addrs = b.circuit_addrs()
            assert await round_trip(a, b, addrs, b"small") == b"small"
            with pytest.raises(Exception):  # noqa: B017 - a reset reads as EOF or an error
                reply = await round_trip(a, b, addrs, bytes(300_000))
                assert reply is not None
            await eventually(lambda: not a.is_connected(b.peer_id) and not server.circuits)
            assert await round_trip(a, b, addrs, b"again") == b"again"

    run(scenario)


# --- services: the policy, and sync sessions through a relay -------------------------


def test_who_holds_relay_slots_by_default() -> None:
    assert not reachable_from_outside([])  # does not listen
    assert not reachable_from_outside(["/ip4/192.168.1.5/tcp/4001", "/ip4/127.0.0.1/tcp/4001"])
    assert not reachable_from_outside(["/ip4/10.1.2.3/tcp/1", "/ip4/169.254.1.1/tcp/1",
                                       "/ip4/100.64.0.9/tcp/1"])  # CGNAT
    assert reachable_from_outside(["/ip4/192.168.1.5/tcp/1", "/ip4/93.184.216.34/tcp/1"])
    assert reachable_from_outside(["/ip4/127.0.0.1/tcp/4001"])  # this machine alone: no relay
    # a global IPv6 address alone proves nothing: home routers firewall inbound IPv6
    assert not reachable_from_outside(["/ip6/2a01:4f8::1/tcp/4001"])


async def stored(node: Node, entry_id: bytes) -> None:
    """Return once ``node`` holds the entry, re-checking whenever it stores one."""
    events = node.subscribe()
    with events:
        while await node._run(node.store.get_entry, entry_id) is None:
            await events.receive()


def test_friends_replicate_through_a_relay_when_one_cannot_be_dialed(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "r"), "Rita") as rita, \
                Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await rita.posts.follow(bob.account_id)  # Rita's box replicates Bob: it relays for him
            await alice.posts.follow(bob.account_id)
            await bob.posts.follow(alice.account_id)
            early = await bob.posts.post("before anyone connected")
            async with service(rita) as sr:
                await bob.replication.add_peer(device(rita), sr.listen_addrs, "invite")
                async with service(bob, port=None) as sb:  # no listener: dials out only
                    await sb.wait_until(lambda: any(map(relay.is_circuit, sb.listen_addrs)))
                    assert sb.listen_addrs == [
                        relay.circuit_addr(sr.listen_addrs[0], sr._host.peer_id)]  # type: ignore
                    # Bob's invite carries the circuit address; Alice joins with it
                    code = invite.decode(invite.encode(invite.make(
                        device(bob), bob.account_id, sb.listen_addrs)))
                    await alice.replication.add_peer(code.device, code.addrs, "invite")
                    async with service(alice) as sa:
                        await stored(alice, early.id)
                        await sa.wait_until(lambda: device(bob) in sa.connected())
                        await sb.wait_until(lambda: device(alice) in sb.connected())
                        to_bob = await alice.posts.post("hi bob, through rita")
                        await stored(bob, to_bob.id)
                        to_alice = await bob.posts.post("hi alice")
                        await stored(alice, to_alice.id)
                        assert device(alice) not in sr.connected()  # Rita only carries bytes
                        record = await alice.replication.peer(device(bob))
                        assert record is not None and record.addrs == code.addrs
            for node in (alice, bob):
                assert await node.feeds.verify(full=True) == []

    run(scenario, timeout=30)


def test_a_relay_refuses_a_slot_to_an_account_it_does_not_replicate(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "r"), "Rita") as rita, \
                Node.init(Home(tmp_path / "c"), "Carol") as carol:
            assert carol.identity is not None
            await carol.posts.follow(rita.account_id)  # Carol wants Rita; Rita not Carol
            async with service(rita) as sr:
                rita_id = peer_id_from_device_id(device(rita))
                async with open_host(carol.identity.device.seed, port=None) as host:
                    with pytest.raises(relay.RelayRefused) as refused:
                        await host.reserve(rita_id, [relay.Multiaddr(sr.listen_addrs[0])])
                    assert refused.value.status == relay.StatusCode.PERMISSION_DENIED
                await rita.posts.follow(carol.account_id)  # now she is a friend: still no log held
                await carol.replication.add_peer(device(rita), sr.listen_addrs, "invite")
                async with service(carol, port=None) as sc:  # syncs, then holds a slot
                    await sc.wait_until(lambda: any(map(relay.is_circuit, sc.listen_addrs)))

    run(scenario)
