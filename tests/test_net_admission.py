"""Connections still handshaking (net/admission.py): the rules alone, then a real
host on 127.0.0.1 with raw sockets and handshakes from other loopback addresses."""

from __future__ import annotations

import time

import pytest
import trio
from netkit import run
from rawpeer import connected, tcp_from

from p2psocial.net.admission import (
    UNKNOWN,
    Admission,
    AdmissionLimits,
    Admitted,
    Refused,
    netgroup,
)
from p2psocial.net.host import DialFailed, open_host
from tests.waitkit import eventually

SMALL = AdmissionLimits(per_address=2, per_subnet=3, total=5, rate=1.0, burst=100)


def admitted(verdict: Admitted | Refused) -> Admitted:
    assert isinstance(verdict, Admitted), verdict
    return verdict


def refused(verdict: Admitted | Refused) -> str:
    assert isinstance(verdict, Refused), verdict
    return verdict.reason


# --- the rules (no I/O) ----------------------------------------------------------------


def test_subnets_are_slash_24_and_slash_64_by_default() -> None:
    assert netgroup("192.0.2.77") == "192.0.2.0/24"
    assert netgroup("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert netgroup("::ffff:192.0.2.77") == "192.0.2.0/24"  # IPv4 mapped into IPv6
    assert netgroup("fe80::1%eth0") == "fe80::/64"
    assert netgroup("192.0.2.77", ipv4_prefix=16) == "192.0.0.0/16"
    assert netgroup("2001:db8:1:2::9", ipv6_prefix=48) == "2001:db8:1::/48"
    assert netgroup(None) == netgroup("not an address") == UNKNOWN


def test_one_address_and_one_subnet_hold_a_few_places_each() -> None:
    gate = Admission(SMALL)
    first = admitted(gate.admit("10.0.0.1", 0)).pending
    admitted(gate.admit("10.0.0.1", 0))
    assert refused(gate.admit("10.0.0.1", 0)) == "address"
    admitted(gate.admit("10.0.0.2", 0))  # the same /24, another address
    assert refused(gate.admit("10.0.0.3", 0)) == "subnet"
    admitted(gate.admit("10.0.1.1", 0))  # another /24
    gate.done(first)  # a handshake ended: its place is free again
    gate.done(first)  # twice is harmless
    admitted(gate.admit("10.0.0.1", 0))
    assert len(gate) == 4
    assert gate.refused == {"address": 1, "subnet": 1}


def test_when_every_place_is_taken_the_largest_subnet_makes_room() -> None:
    gate = Admission(SMALL)
    attack = [admitted(gate.admit(f"10.0.{n // 3}.{n % 2 + 1}", float(n))).pending
              for n in range(3)]  # 10.0.0.0/24 holds 3 (two addresses)
    admitted(gate.admit("10.9.0.1", 3))
    admitted(gate.admit("10.9.0.2", 4))  # full: 5 pending
    assert len(gate) == 5
    newcomer = admitted(gate.admit("192.0.2.1", 5))
    assert newcomer.evicted == attack[0]  # the oldest of the largest subnet
    assert len(gate) == 5
    # a newcomer from a subnet as large as the largest one waits instead
    gate2 = Admission(AdmissionLimits(per_address=9, per_subnet=9, total=4, burst=100))
    for n in range(2):
        admitted(gate2.admit(f"10.0.0.{n + 1}", 0))
        admitted(gate2.admit(f"10.0.1.{n + 1}", 0))
    assert refused(gate2.admit("10.0.1.9", 1)) == "full"
    assert admitted(gate2.admit("10.5.0.1", 1)).evicted is not None


def test_every_subnet_may_open_only_so_many_connections_a_second() -> None:
    gate = Admission(AdmissionLimits(per_address=100, per_subnet=100, total=100,
                                     rate=2.0, burst=4))
    for _ in range(4):
        gate.done(admitted(gate.admit("10.0.0.1", 10.0)).pending)
    assert refused(gate.admit("10.0.0.2", 10.0)) == "rate"  # the burst is spent
    admitted(gate.admit("10.0.1.1", 10.0))  # another subnet has its own
    admitted(gate.admit("10.0.0.1", 10.5))  # refilled at 2 a second
    assert refused(gate.admit("10.0.0.1", 10.5)) == "rate"


def test_a_subnet_whose_connections_are_trimmed_comes_back_slower() -> None:
    gate = Admission(AdmissionLimits(per_address=100, per_subnet=100, total=100,
                                     rate=2.0, burst=4, trim_cost=4.0))
    for _ in range(4):
        gate.done(admitted(gate.admit("10.0.0.1", 0.0)).pending)
    for _ in range(3):  # three of them were trimmed: 12 tokens of debt, 4 at most
        gate.penalize("10.0.0.0/24", 0.0)
    assert refused(gate.admit("10.0.0.1", 2.0)) == "rate"  # -4 + 2 s * 2 = 0
    admitted(gate.admit("10.0.0.1", 2.5))
    admitted(gate.admit("10.0.1.1", 0.0))  # other subnets are not concerned


def test_addresses_it_cannot_read_share_one_place_group() -> None:
    gate = Admission(SMALL)
    admitted(gate.admit(None, 0))
    admitted(gate.admit("", 0))
    assert refused(gate.admit(None, 0)) == "address"


# --- a real host ----------------------------------------------------------------------


def port_of(host: object) -> int:
    return int(str(host.listen_addrs[0]).rsplit("/", 1)[1])  # type: ignore[attr-defined]


async def connects(seed: int, host: object, within: float = 5.0) -> None:
    async with open_host(bytes([seed]) * 32, port=None) as peer:
        with trio.fail_after(within):
            await peer.connect(host.peer_id, host.listen_addrs)  # type: ignore[attr-defined]


def test_sockets_that_never_speak_are_hung_up_after_the_deadline() -> None:
    limits = AdmissionLimits(deadline=0.5)

    async def scenario() -> None:
        async with open_host(bytes([1]) * 32, admission=limits) as host:
            stream = await tcp_from("127.1.0.1", "127.0.0.1", port_of(host))
            started = time.perf_counter()
            with trio.fail_after(5):
                try:
                    while await stream.receive_some(4096):
                        pass
                except trio.BrokenResourceError:
                    pass
            assert 0.4 < time.perf_counter() - started < 3
            await eventually(lambda: not len(host.admission))  # given back just after the close
            await stream.aclose()

    run(scenario)


def test_a_full_gate_still_lets_a_peer_from_another_subnet_in() -> None:
    limits = AdmissionLimits(per_address=4, per_subnet=8, total=16, deadline=60)

    async def scenario() -> None:
        async with open_host(bytes([1]) * 32, admission=limits) as host:
            port = port_of(host)
            silent = [await tcp_from(f"127.1.{n // 4}.{n % 4 + 1}", "127.0.0.1", port)
                      for n in range(40)]  # 10 /24s of 4 silent sockets each
            await eventually(lambda: host.admission.evictions >= 10)
            assert len(host.admission) == 16
            await connects(2, host)  # 127.0.0.1: it made room
            await connects(3, host)
            for stream in silent:
                await stream.aclose()

    run(scenario)


def test_a_thousand_handshakes_cut_short_leave_the_door_open() -> None:
    # Each newcomer from another subnet makes room by hanging up the oldest silent
    # socket, i.e. by cancelling its upgrade. libp2p's resource manager counted each
    # cancelled upgrade for good; after ~1,000 it refused every new peer (CI, issue 15).
    limits = AdmissionLimits(per_address=8, per_subnet=8, total=8, rate=1000.0,
                             burst=1000, deadline=60)

    async def scenario() -> None:
        async with open_host(bytes([1]) * 32, admission=limits) as host:
            port = port_of(host)
            held: list[trio.SocketStream] = []
            for n in range(1100):  # round robin over 16 /24s: every one evicts
                held.append(await tcp_from(f"127.1.{n % 16}.1", "127.0.0.1", port))
                if len(held) > 16:  # hung up by now: 8 newer ones made room since
                    await held.pop(0).aclose()
            await eventually(lambda: host.admission.evictions >= 1090)
            await connects(2, host)
            for stream in held:
                await stream.aclose()

    run(scenario, timeout=90)


def test_inbound_connections_that_closed_give_their_place_back() -> None:
    # py-libp2p 0.8.1 keeps the handler of every inbound connection (and its place
    # under the swarm's cap of 250) until the host stops, closed or not: after 250
    # inbound connections in its life a node accepted no more.
    async def scenario() -> None:
        async with open_host(bytes([1]) * 32) as host:
            port = port_of(host)
            for n in range(260):
                async with connected(f"127.1.{n // 8}.{n % 8 + 1}", "127.0.0.1", port,
                                     n.to_bytes(32, "big"), host.peer_id):
                    pass
            with trio.fail_after(10):
                await eventually(lambda: not host.connected_peers())
            await connects(2, host)

    run(scenario, timeout=90)


def test_the_gate_reads_ipv6_addresses_that_libp2p_loses() -> None:
    from libp2p.io.trio import TrioTCPStream

    from p2psocial.net.inbound_gate import _remote_ip

    async def scenario() -> None:
        listener = trio.socket.socket(trio.socket.AF_INET6, trio.socket.SOCK_STREAM)
        await listener.bind(("::1", 0))
        listener.listen()
        client = trio.socket.socket(trio.socket.AF_INET6, trio.socket.SOCK_STREAM)
        await client.connect(listener.getsockname()[:2])
        accepted, _ = await listener.accept()
        stream = TrioTCPStream(trio.SocketStream(accepted))
        # libp2p alone wants a 2-tuple and returns None; net/ipv6_compat.py fixes it
        assert stream.get_remote_address() == ("::1", client.getsockname()[1])
        assert _remote_ip(stream) == "::1"
        for sock in (client, accepted, listener):
            sock.close()

    run(scenario)


def test_a_dial_refused_by_the_gate_is_a_dial_failure() -> None:
    limits = AdmissionLimits(per_address=1, per_subnet=1, total=1, deadline=60)

    async def scenario() -> None:
        async with open_host(bytes([1]) * 32, admission=limits) as host:
            stream = await tcp_from("127.0.0.1", "127.0.0.1", port_of(host))
            await eventually(lambda: len(host.admission) == 1)
            with pytest.raises(DialFailed):
                await connects(2, host)
            await stream.aclose()
            await connects(3, host)  # its place came back

    run(scenario)
