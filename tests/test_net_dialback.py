"""Dial-back over real libp2p hosts on 127.0.0.1 (dialback.py), our reachability as
services see it (standpoint.py), and why py-libp2p's AutoNAT is not used.

127.0.0.0/8 stands for the internet here (``public``), as documentation ranges do in
the namespace tests: otherwise a dial-back on this machine would prove only the LAN.
"""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import trio
from libp2p.peer.id import ID
from netkit import device, run, seed, service

from p2psocial.home import Home
from p2psocial.net import dialback, standpoint
from p2psocial.net.dialback import DialbackRefused, Pending, Quota, Server
from p2psocial.net.host import Host, device_id_from_peer_id, open_host
from p2psocial.net.ip_parse import PUBLIC_RANGES_ENV
from p2psocial.net.paths import Path as ConnPath
from p2psocial.net.reachability import Basis, Reach
from p2psocial.node import Node


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(host: Host, friend: bool = True, **kw: object) -> Server:
    """The dial-back handler on ``host``: everyone is a friend, or nobody is."""
    async def is_friend(_device: bytes) -> bool:
        return friend

    def remote_of(peer: ID) -> tuple[str | None, bool]:
        ips = [link.ip for link in host.connections()
               if link.peer == device_id_from_peer_id(peer)]
        return (ips[0] if ips else None), False

    server = Server(Pending(), device_id_from_peer_id, is_friend, remote_of, **kw)  # type: ignore[arg-type]
    host.set_handler(dialback.PROTOCOL_ID, server.handle)
    return server


Scenario = Callable[[Host, Host, Server, Server], Awaitable[None]]


def pair(scenario: Scenario, **friend_kw: object) -> None:
    """Alice (asks) and her friend Bob (dials back), connected."""
    async def main() -> None:
        async with open_host(seed(1)) as alice, open_host(seed(2)) as bob:
            mine = serve(alice)
            theirs = serve(bob, **friend_kw)
            await alice.connect(bob.peer_id, bob.listen_addrs)
            await scenario(alice, bob, mine, theirs)

    run(main, timeout=30)


def test_a_friend_reaches_us_where_we_listen_and_not_elsewhere() -> None:
    async def scenario(alice: Host, bob: Host, mine: Server, theirs: Server) -> None:
        listening = str(alice.listen_addrs[0])
        nobody = f"/ip4/127.0.0.1/tcp/{closed_port()}"
        other_ip = listening.replace("127.0.0.1", "127.0.0.2")
        results = await dialback.ask(alice, bob.peer_id, [listening, nobody, other_ip],
                                     mine.pending)
        assert results == {listening: True, nobody: False, other_ip: False}
        assert alice.is_connected(bob.peer_id)  # the ask's own connection stays

    pair(scenario)


def test_identify_tells_each_peer_s_view_of_our_address() -> None:
    """observed.py: the raw observation per peer, loopback included (py-libp2p's own
    manager drops loopback and needs four observers)."""
    async def main() -> None:
        async with open_host(seed(1)) as alice, open_host(seed(2)) as bob:
            await alice.connect(bob.peer_id, bob.listen_addrs)
            while bob.peer_id.to_bytes() not in alice.observed_addrs():  # noqa: ASYNC110
                await trio.sleep(0.01)  # identify runs in libp2p's background, no event
            addr, _at = alice.observed_addrs()[bob.peer_id.to_bytes()]
            assert addr.startswith("/ip4/127.0.0.1/tcp/")
            assert addr != str(alice.listen_addrs[0])  # the port our dial came from

    run(main, timeout=20)


def test_a_stranger_is_refused_and_a_friend_is_held_to_the_quota() -> None:
    async def stranger(alice: Host, bob: Host, mine: Server, theirs: Server) -> None:
        with pytest.raises(DialbackRefused, match="friends only"):
            await dialback.ask(alice, bob.peer_id, [str(alice.listen_addrs[0])],
                               mine.pending)
        assert theirs.refused == {"dial-backs are for friends only": 1}

    pair(stranger, friend=False)

    async def greedy(alice: Host, bob: Host, mine: Server, theirs: Server) -> None:
        addr = str(alice.listen_addrs[0])
        assert await dialback.ask(alice, bob.peer_id, [addr], mine.pending) == {addr: True}
        with pytest.raises(DialbackRefused, match="at most 1 dial-backs an hour"):
            await dialback.ask(alice, bob.peer_id, [addr], mine.pending)

    pair(greedy, quota=Quota(per_hour=1))


def test_a_friend_that_says_it_reached_us_without_the_nonce_is_not_believed() -> None:
    async def liar(_peer: ID, _addr: str, _nonce: bytes) -> bool:
        return True

    async def scenario(alice: Host, bob: Host, mine: Server, theirs: Server) -> None:
        addr = f"/ip4/127.0.0.1/tcp/{closed_port()}"
        assert await dialback.ask(alice, bob.peer_id, [addr], mine.pending) == {addr: False}

    pair(scenario, dial=liar)


def test_a_friend_that_hangs_up_or_sends_garbage_is_an_error_not_a_crash() -> None:
    from p2psocial import codec
    from p2psocial.net.dialback import DialbackError
    from p2psocial.net.framing import read_frame, write_frame

    async def main() -> None:
        async with open_host(seed(1)) as alice, open_host(seed(2)) as bob:
            mine = serve(alice)
            await alice.connect(bob.peer_id, bob.listen_addrs)
            addr = [str(alice.listen_addrs[0])]

            async def hang_up(stream: Any) -> None:
                await read_frame(stream, 4096)
                await stream.reset()

            async def garbage(stream: Any) -> None:
                await read_frame(stream, 4096)
                await write_frame(stream, codec.encode(("answer", (("elsewhere", "ok"),))))

            for handler in (hang_up, garbage):
                bob.set_handler(dialback.PROTOCOL_ID, handler)
                with pytest.raises(DialbackError):
                    await dialback.ask(alice, bob.peer_id, addr, mine.pending)
            # and Alice's handler shrugs off garbage from anyone
            stream = await bob.open_stream(alice.peer_id, [], dialback.PROTOCOL_ID)
            await write_frame(stream, b"\xc1 not msgpack")
            assert await read_frame(stream, 4096) is None  # reset, read as the end
            assert alice.is_connected(bob.peer_id)

    run(main, timeout=20)


def test_a_proof_with_a_nonce_we_never_issued_gets_no_ok() -> None:
    async def main() -> None:
        async with open_host(seed(1)) as alice:
            serve(alice)
            assert not await dialback.dial_back(alice.peer_id, str(alice.listen_addrs[0]),
                                                b"z" * 16)

    run(main, timeout=20)


def test_py_libp2p_autonat_answers_ok_for_an_address_where_nobody_listens() -> None:
    """Why dialback.py exists: AutoNAT's server "dials back" with ``host.connect``,
    which returns at once over the connection the request came on."""
    from libp2p.host.autonat.autonat import AutoNATService
    from libp2p.host.autonat.pb.autonat_pb2 import Message
    from multiaddr import Multiaddr

    async def main() -> None:
        async with open_host(seed(1)) as alice, open_host(seed(2)) as bob:
            AutoNATService(bob.libp2p_host, serve=True)
            client = AutoNATService(alice.libp2p_host, serve=False)
            await alice.connect(bob.peer_id, bob.listen_addrs)
            nobody = Multiaddr(f"/ip4/127.0.0.1/tcp/{closed_port()}")
            status, addr = await client.query_server(bob.peer_id, [nobody.to_bytes()])
            assert status == Message.OK and addr == nobody.to_bytes()

    run(main, timeout=20)


# --- services: the loop asks a friend, and paths ----------------------------------------


def test_friends_confirm_each_other_public_and_see_a_direct_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PUBLIC_RANGES_ENV, "127.0.0.0/8")
    monkeypatch.setattr(standpoint, "LOOK_EVERY", 0.2)

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await alice.posts.follow(bob.account_id)
            await bob.posts.follow(alice.account_id)
            async with service(alice) as sa, service(bob) as sb:
                assert sa.reachability().state is Reach.UNKNOWN  # 127.0.0.1 is "public"
                await sa.connect(device(bob), sb.listen_addrs)
                await sa.wait_until(lambda: sa.reachability().confirmed)
                await sb.wait_until(lambda: sb.reachability().confirmed)
                for s in (sa, sb):
                    state = s.reachability()
                    assert (state.state, state.basis) == (Reach.PUBLIC, Basis.DIALBACK)
                    assert state.reachable_at == tuple(s.listen_addrs)
                assert sa.paths() == {device(bob): ConnPath.DIRECT}
                assert sa.why_not(device(bob)) is None
            assert sa.reachability().state is Reach.UNKNOWN  # stopped

    run(scenario, timeout=40)


def test_without_a_public_range_loopback_is_the_lan_and_proves_nothing(
        tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await alice.posts.follow(bob.account_id)
            async with service(alice) as sa, service(bob, port=None) as sb:
                await sb.connect(device(alice), sa.listen_addrs)
                await sb.wait_until(lambda: device(alice) in sb.connected())
                assert sb.paths() == {device(alice): ConnPath.LAN}
                assert sb.reachability().basis is Basis.NOT_LISTENING
                assert sb.reachability().state is Reach.BEHIND_NAT
                assert sa.standpoint is not None and sa.standpoint.tracker.to_confirm(0) == []

    run(scenario, timeout=30)
