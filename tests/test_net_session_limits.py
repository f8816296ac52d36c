"""What one peer can make a node's sessions do, over real libp2p hosts on 127.0.0.1:
deadlines for silent and byte-a-second peers, pings that keep honest quiet sessions
alive, a budget on entries asked for again, strangers' sessions capped, their send
budget shared and their address-book rows forgotten (net/sync.py, net/strangers.py).
Short deadlines stand in for the real ones (a minute and 150 s)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import trio
from helpers import make_identity, make_log
from netkit import device, holds, run, service, until

from p2psocial.home import Home
from p2psocial.net import messages as m
from p2psocial.net.framing import read_frame, write_frame
from p2psocial.net.host import Host, Multiaddr, open_host
from p2psocial.net.limits import SendPolicy
from p2psocial.net.opening import explicit
from p2psocial.net.service import NetworkService
from p2psocial.net.sync import Deadlines, SendBudget
from p2psocial.node import Node

pytestmark = pytest.mark.usefixtures("quiet_libp2p")  # see tests/conftest.py

QUICK = Deadlines(opening=1.0, idle=1.5, idle_v1=1.5, ping=0.4)


async def raw_session(host: Host, to: NetworkService, *frames: bytes) -> object:
    assert to._host is not None
    stream = await host.open_stream(to._host.peer_id, [Multiaddr(a) for a in to.listen_addrs],
                                    m.PROTOCOL_ID)
    for frame in frames:
        await write_frame(stream, frame)
    return stream


async def ended(stream: object, within: float) -> bool:
    """Whether the other side ends the stream within ``within`` seconds."""
    with trio.move_on_after(within):
        try:
            while await read_frame(stream, m.MAX_FRAME) is not None:  # type: ignore[arg-type]
                pass
        except Exception:  # a reset
            pass
        return True
    return False


def test_silent_and_byte_a_second_peers_are_cut_off_and_honest_ones_kept(
        tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await bob.posts.follow(alice.account_id)
            async with service(alice, deadlines=QUICK) as sa, \
                    service(bob, deadlines=QUICK) as sb, \
                    open_host(os.urandom(32)) as silent, open_host(os.urandom(32)) as slow, \
                    open_host(os.urandom(32)) as idle:
                await sb.connect(device(alice), sa.listen_addrs)
                mute = await raw_session(silent, sa, m.encode(m.Hello(m.VERSION)))
                drip = await raw_session(slow, sa)
                quiet = await raw_session(idle, sa, m.encode(m.Hello(m.VERSION)), *explicit())

                async def one_byte_a_while() -> None:
                    frame = m.encode(m.Hello(m.VERSION))
                    data = len(frame).to_bytes(4, "big") + frame
                    for byte in data * 100:
                        await drip.write(bytes([byte]))  # type: ignore[attr-defined]
                        await trio.sleep(0.3)

                async with trio.open_nursery() as nursery:
                    nursery.start_soon(one_byte_a_while)
                    assert await ended(mute, 5)  # no opening within 1 s
                    assert await ended(quiet, 5)  # opened, then silent for 1.5 s
                    assert await ended(drip, 5)  # a frame that never finishes
                    nursery.cancel_scope.cancel()
                # Bob's session says nothing for 3 s: its pings keep it alive
                session = sa.sessions.by_device[device(bob)]
                await trio.sleep(3)
                assert sa.sessions.by_device.get(device(bob)) is session
                post = await alice.posts.post("still here")
                await until(bob, lambda: holds(bob, post.id))

    run(scenario)


def test_a_peer_that_asks_for_everything_again_and_again_is_cut_off(tmp_path: Path) -> None:
    friend = make_identity(40)
    big = make_log(make_identity(41), 400)

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice:
            await alice.posts.follow(friend.account_id)
            await alice.posts.follow(make_identity(41).account_id)
            await alice.replication.ingest(make_log(friend, 2))
            await alice.replication.ingest(big)
            async with service(alice) as sa, open_host(friend.device.seed) as hf:
                wants = explicit(wants=[make_identity(41).account_id])
                stream = await raw_session(hf, sa, m.encode(m.Hello(m.VERSION)), *wants)
                need = m.encode(m.Need(((big[0].device, 0),)))
                received = 0

                async def ask_again_and_again() -> None:
                    while True:
                        await write_frame(stream, need)  # type: ignore[arg-type]
                        await trio.sleep(0.05)

                async with trio.open_nursery() as nursery:
                    nursery.start_soon(ask_again_and_again)
                    with trio.fail_after(30):
                        try:
                            while (frame := await read_frame(stream, m.MAX_FRAME)) is not None:  # type: ignore[arg-type]
                                received += len(frame)
                        except Exception:
                            pass
                    nursery.cancel_scope.cancel()
                await sa.wait_until(lambda: sa.peer(friend.device_id) is not None
                                    and sa.peer(friend.device_id).standing < 0)  # type: ignore[union-attr]
                one_log = sum(len(e.raw) + len(e.body or b"") for e in big)
                assert received < one_log * 60  # 8 MiB of resends, not forever

    run(scenario, timeout=60)


def test_strangers_share_one_send_budget_and_leave_no_rows(tmp_path: Path) -> None:
    author = make_identity(42)
    log = make_log(author, 300)
    slow = SendPolicy(rate=20_000, burst=40_000, chunk=16_000)

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice:
            await alice.posts.follow(author.account_id)
            await alice.replication.ingest(log)
            async with service(alice) as sa:
                sa.sessions.stranger_budget = SendBudget(slow)
                received = [0, 0, 0]

                async def stranger(i: int) -> None:
                    async with open_host(os.urandom(32)) as h:
                        stream = await raw_session(h, sa, m.encode(m.Hello(m.VERSION)),
                                                   *explicit(wants=[author.account_id]))
                        with trio.move_on_after(2):
                            while (frame := await read_frame(stream, m.MAX_FRAME)) is not None:  # type: ignore[arg-type]
                                received[i] += len(frame)

                async with trio.open_nursery() as nursery:
                    for i in range(3):
                        nursery.start_soon(stranger, i)
                assert sum(received) <= 40_000 + 2.5 * 20_000 + 3 * 8_000  # + openings
                await trio.sleep(0.5)
                assert [r.device for r in await alice.replication.peers()] == []  # forgotten

    run(scenario)


def test_stranger_sessions_are_capped_and_the_idlest_gives_way(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            async with service(alice, max_stranger_sessions=3) as sa, \
                    service(bob) as sb:
                hosts = []
                async with trio.open_nursery() as nursery:
                    for _ in range(5):
                        h = await nursery.start(_host)
                        hosts.append(h)
                        await raw_session(h, sa, m.encode(m.Hello(m.VERSION)), *explicit())
                    await sa.wait_until(lambda: len(sa.sessions.by_device) >= 3)
                    await trio.sleep(0.5)
                    strangers = [s for s in sa.sessions.by_device.values() if not s.friend]
                    assert len(strangers) <= 3
                    # a new honest stranger still gets in
                    await sb.connect(device(alice), sa.listen_addrs)
                    await sa.wait_until(lambda: device(bob) in sa.sessions.by_device)
                    nursery.cancel_scope.cancel()

    run(scenario)


async def _host(*, task_status: trio.TaskStatus[Host] = trio.TASK_STATUS_IGNORED) -> None:
    async with open_host(os.urandom(32)) as host:
        task_status.started(host)
        await trio.sleep_forever()
