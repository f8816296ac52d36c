"""Linking a device over real libp2p hosts on 127.0.0.1 (net/link.py): a good code
links; a wrong, reused or expired code, or an unreachable issuer, is one clear
line and grants nothing. The granter is a fake that hands out a fixed grant."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest
import trio
import trio.testing
from netkit import Pipe, run, seed

from p2psocial import codec, crypto, link_code, linking
from p2psocial.errors import InvalidContent
from p2psocial.link_code import LinkCode
from p2psocial.linking import Granted
from p2psocial.net import link
from p2psocial.net.framing import read_frame, write_frame
from p2psocial.net.host import Host, open_host, peer_id_from_device_id
from p2psocial.net.link import LinkFailed, LinkServer
from p2psocial.net.streams import BROKEN

ACCOUNT = b"A" * 32
NOW = 1_765_000_000_000
GRANT = Granted(cert_wire=(ACCOUNT, b"d" * 32, b"e" * 32, NOW, b"s" * 64),
                sealed_keys=b"sealed" * 10, profile_name="Alice")


@dataclass
class FakeGranter:
    """Grants every admitted device the same ``GRANT``; remembers whom it granted.
    ``hold``: when set, a grant waits for it (``called`` says one began)."""

    granted: list[tuple[bytes, str]] = field(default_factory=list)
    fail: str | None = None
    hold: trio.Event | None = None
    called: trio.Event = field(default_factory=trio.Event)

    async def grant(self, joiner_device: bytes, name: str) -> Granted:
        self.called.set()
        if self.hold is not None:
            await self.hold.wait()
        if self.fail is not None:
            raise InvalidContent(self.fail)
        self.granted.append((joiner_device, name))
        return GRANT


@dataclass
class Clock:
    now: int = NOW

    def __call__(self) -> int:
        return self.now


@dataclass
class Issuer:
    host: Host
    server: LinkServer
    granter: FakeGranter
    clock: Clock

    def offer(self) -> LinkCode:
        return self.server.open_offer(ACCOUNT, [str(a) for a in self.host.listen_addrs])


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


Scenario = Callable[[Issuer, Host, Host], Awaitable[None]]


def scenario(test: Scenario) -> None:
    """An issuer serving links, and two new devices with hosts of their own."""
    async def main() -> None:
        async with open_host(seed(1)) as issuer, open_host(seed(2)) as laptop, \
                open_host(seed(3)) as phone:
            granter, clock = FakeGranter(), Clock()
            server = link.serve(issuer, granter, clock)
            await test(Issuer(issuer, server, granter, clock), laptop, phone)

    run(main, timeout=30)


def test_a_good_code_links_once() -> None:
    async def test(issuer: Issuer, laptop: Host, phone: Host) -> None:
        code = issuer.offer()
        assert link_code.decode(link_code.encode(code), issuer.clock.now) == code
        assert await link.join(laptop, code, "laptop") == GRANT
        assert issuer.granter.granted == [(laptop.device_id, "laptop")]
        with pytest.raises(LinkFailed, match=r"^the other device refused: that link code was "
                                             r"used already: make a new one$"):
            await link.join(phone, code, "phone")
        with pytest.raises(LinkFailed, match="used already"):
            await link.join(laptop, code, "laptop")
        assert issuer.granter.granted == [(laptop.device_id, "laptop")]

    scenario(test)


def test_a_wrong_secret_grants_nothing_and_does_not_spoil_the_code() -> None:
    async def test(issuer: Issuer, laptop: Host, phone: Host) -> None:
        code = issuer.offer()
        wrong = LinkCode(code.device, code.account, code.addrs, bytes(16), code.expires_ms)
        for _ in range(5):
            with pytest.raises(LinkFailed, match="refused: that link code is not the one"):
                await link.join(phone, wrong, "phone")
        assert issuer.granter.granted == []
        assert not issuer.granter.called.is_set()
        assert await link.join(laptop, code, "laptop") == GRANT  # the right one still links

    scenario(test)


def test_an_expired_code_grants_nothing() -> None:
    async def test(issuer: Issuer, laptop: Host, phone: Host) -> None:
        code = issuer.offer()
        issuer.clock.now = code.expires_ms
        with pytest.raises(LinkFailed, match="refused: that link code expired: make a new one"):
            await link.join(laptop, code, "laptop")
        assert issuer.granter.granted == []

    scenario(test)


def test_without_an_offer_or_after_it_closed_nothing_links() -> None:
    async def test(issuer: Issuer, laptop: Host, phone: Host) -> None:
        secret = bytes(range(16))
        made = link_code.make(issuer.host.device_id, ACCOUNT,
                              [str(a) for a in issuer.host.listen_addrs], secret, NOW + 1)
        with pytest.raises(LinkFailed, match="has no link code open"):
            await link.join(laptop, made, "laptop")
        code = issuer.offer()
        issuer.server.close_offer()
        with pytest.raises(LinkFailed, match="has no link code open"):
            await link.join(laptop, code, "laptop")
        assert issuer.granter.granted == []

    scenario(test)


def test_the_granter_s_refusal_reaches_the_joiner() -> None:
    async def test(issuer: Issuer, laptop: Host, phone: Host) -> None:
        issuer.granter.fail = "this account has too many devices"
        with pytest.raises(LinkFailed, match=r"refused: this account has too many devices$"):
            await link.join(laptop, issuer.offer(), "laptop")

    scenario(test)


def test_one_link_at_a_time() -> None:
    async def test(issuer: Issuer, laptop: Host, phone: Host) -> None:
        issuer.granter.hold = trio.Event()
        code = issuer.offer()
        results: list[Granted] = []

        async def first() -> None:
            results.append(await link.join(laptop, code, "laptop"))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(first)
            await issuer.granter.called.wait()
            with pytest.raises(LinkFailed, match="another device is linking"):
                await link.join(phone, code, "phone")
            issuer.granter.hold.set()
        assert results == [GRANT]
        assert issuer.granter.granted == [(laptop.device_id, "laptop")]

    scenario(test)


def test_a_malformed_hello_resets_the_stream_and_spends_nothing() -> None:
    async def test(issuer: Issuer, laptop: Host, phone: Host) -> None:
        code = issuer.offer()
        for junk in (b"\xc1", codec.encode(("hello", bytes(31), "x")), b"x" * 600):
            stream = await phone.open_stream(issuer.host.peer_id, issuer.host.listen_addrs,
                                             link.PROTOCOL_ID)
            await write_frame(stream, junk)
            try:
                answer = await read_frame(stream, linking.GRANTED_MAX)
            except BROKEN:  # the reset, as an error or (yamux) as the end of the stream
                answer = None
            assert answer is None
            await stream.reset()
        assert issuer.server.offer is not None and issuer.server.offer.failures == 0
        assert await link.join(laptop, code, "laptop") == GRANT

    scenario(test)


def test_an_unreachable_issuer_is_one_line() -> None:
    async def test(issuer: Issuer, laptop: Host, phone: Host) -> None:
        code = issuer.offer()
        away = LinkCode(code.device, code.account, (f"/ip4/127.0.0.1/tcp/{closed_port()}",),
                        code.secret, code.expires_ms)
        with pytest.raises(LinkFailed, match=r"^cannot reach the other device"):
            await link.join(laptop, away, "laptop")
        with pytest.raises(LinkFailed, match="this device's own"):
            await link.join(issuer.host, code, "me")
        with pytest.raises(LinkFailed, match="1 to 64 characters"):
            await link.join(laptop, code, "")
        assert issuer.granter.granted == []

    scenario(test)


# --- the issuer's side over an in-memory stream, on a virtual clock -----------------


class FromPeer(Pipe):
    """An in-memory stream end that says which peer is at the other end, as a libp2p
    stream does (``stream.muxed_conn.peer_id``)."""

    def __init__(self, stream: trio.StapledStream, device: bytes) -> None:
        super().__init__(stream)
        self.muxed_conn = type("Conn", (), {"peer_id": peer_id_from_device_id(device)})()


def test_in_memory_a_silent_joiner_holds_up_nobody_and_is_cut_off() -> None:
    issuer_device = crypto.signing_keypair(seed(1))[0]
    joiner = crypto.signing_keypair(seed(2))[0]
    silent = crypto.signing_keypair(seed(3))[0]

    async def main() -> None:
        granter = FakeGranter()
        server = LinkServer(issuer_device, granter, Clock())
        code = server.open_offer(ACCOUNT, ["/ip4/192.168.1.2/tcp/4001"])
        quiet_ours, quiet_theirs = trio.testing.memory_stream_pair()
        start = trio.current_time()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(server.handle, FromPeer(quiet_ours, silent))  # says nothing
            await trio.testing.wait_all_tasks_blocked()
            ours, theirs = trio.testing.memory_stream_pair()  # meanwhile the laptop links
            hello = linking.Hello(linking.prove(code.secret, issuer_device, joiner), "laptop")
            await write_frame(Pipe(theirs), hello.encode())
            await server.handle(FromPeer(ours, joiner))
            assert trio.current_time() == start  # at once, not after the silent one
            frame = await read_frame(Pipe(theirs), linking.GRANTED_MAX)
            assert frame is not None and linking.read_answer(frame) == GRANT
        assert trio.current_time() - start == pytest.approx(link.HELLO_TIMEOUT)
        assert await read_frame(Pipe(quiet_theirs), linking.GRANTED_MAX) is None  # reset
        assert granter.granted == [(joiner, "laptop")]

    run(main, clock=trio.testing.MockClock(autojump_threshold=0))


def test_in_memory_silent_joiners_past_the_bound_make_room_for_an_honest_one() -> None:
    issuer_device = crypto.signing_keypair(seed(1))[0]
    joiner = crypto.signing_keypair(seed(2))[0]

    async def main() -> None:
        granter = FakeGranter()
        server = LinkServer(issuer_device, granter, Clock())
        code = server.open_offer(ACCOUNT, ["/ip4/192.168.1.2/tcp/4001"])
        silent = []
        async with trio.open_nursery() as nursery:
            for n in range(link.MAX_HELLOS + 4):  # more than may wait: the oldest go
                ours, theirs = trio.testing.memory_stream_pair()
                silent.append(theirs)
                nursery.start_soon(server.handle,
                                   FromPeer(ours, crypto.signing_keypair(seed(10 + n))[0]))
            await trio.testing.wait_all_tasks_blocked()
            assert len(server._waiting) == link.MAX_HELLOS
            ours, theirs = trio.testing.memory_stream_pair()
            hello = linking.Hello(linking.prove(code.secret, issuer_device, joiner), "laptop")
            await write_frame(Pipe(theirs), hello.encode())
            await server.handle(FromPeer(ours, joiner))
            frame = await read_frame(Pipe(theirs), linking.GRANTED_MAX)
            assert frame is not None and linking.read_answer(frame) == GRANT
            nursery.cancel_scope.cancel()
        assert granter.granted == [(joiner, "laptop")]

    run(main, clock=trio.testing.MockClock(autojump_threshold=0))
