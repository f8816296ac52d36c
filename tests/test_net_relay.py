"""Circuit relay v2 over real hosts and real nodes on 127.0.0.1.

R relays; B does not listen at all (or listens where A is never told) and holds a
slot at R; A reaches B through R's circuit address. Every scenario waits for
conditions under ``trio.fail_after``, never for time.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable

import pytest
import trio
from libp2p.peer.id import ID

from p2psocial import invite
from p2psocial.net import relay
from p2psocial.net.addressbook import Backoff
from p2psocial.net.framing import read_frame, write_frame
from p2psocial.net.host import DialFailed, Host, open_host

ECHO = "/p2psocial/test-echo/1.0.0"
CAP = 8 << 20
FAST = Backoff(base=0.05, cap=0.5)


def run(scenario: Callable[[], Awaitable[None]], timeout: float = 20) -> None:
    async def bounded() -> None:
        with trio.fail_after(timeout):
            await scenario()

    trio.run(bounded)


def seed(n: int) -> bytes:
    return bytes([n]) * 32


async def echo(stream: object) -> None:
    while (frame := await read_frame(stream, CAP)) is not None:  # type: ignore[arg-type]
        await write_frame(stream, frame)  # type: ignore[arg-type]


async def until(condition: Callable[[], bool]) -> None:
    """Poll: connections and circuits end inside libp2p's tasks, with no event to wait on."""
    while not condition():  # noqa: ASYNC110
        await trio.sleep(0.01)


async def round_trip(a: Host, b: Host, addrs: list[str], payload: bytes) -> bytes | None:
    from p2psocial.net.host import Multiaddr

    stream = await a.open_stream(b.peer_id, [Multiaddr(x) for x in addrs], ECHO)
    await write_frame(stream, payload)
    reply = await read_frame(stream, CAP)
    await stream.close()
    return reply


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
            await until(lambda: not server.circuits)  # the relay sees the circuit end

    run(scenario)


def test_the_relay_refuses_whom_its_policy_refuses_and_unreserved_targets() -> None:
    async def scenario() -> None:
        async with open_host(seed(1)) as r, open_host(seed(2), port=None) as b, \
                open_host(seed(3)) as a, open_host(seed(4), port=None) as c:

            async def only_b(peer: ID) -> bool:
                return peer == b.peer_id

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
            await until(lambda: not a.is_connected(b.peer_id) and not server.circuits)
            assert await round_trip(a, b, addrs, b"again") == b"again"

    run(scenario)
