"""The background blob fetcher (net/blob_fetcher.py): the plan alone, its Trio loop over
fakes on a mock clock, and pictures store-and-forwarded between real services on
127.0.0.1 while their author is offline."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pytest
import trio
import trio.testing
from netkit import device, holds, run, service, until
from PIL import Image

from p2psocial.events import EntryAdded, Event
from p2psocial.home import Home
from p2psocial.net.blob_fetcher import BlobFetcher, FetchPlan, Job, fetch_once
from p2psocial.net.blobs import BlobMissing, BlobUnavailable
from p2psocial.net.service import sync_once
from p2psocial.node import Node

pytestmark = pytest.mark.usefixtures("quiet_libp2p")  # see tests/conftest.py

A, B, C, D = (bytes([n]) * 32 for n in range(1, 5))
P, Q, R = b"peer-p", b"peer-q", b"peer-r"

# --- the plan -----------------------------------------------------------------------


def test_best_first_and_never_more_than_the_concurrency() -> None:
    plan = FetchPlan(concurrency=2, backoff=(10.0,))
    plan.set_wanted([A, B, C])
    assert plan.start(0.0, [P, Q]) == [Job(A, (P, Q)), Job(B, (P, Q))]
    assert plan.start(0.0, [P, Q]) == []  # two run already
    plan.finished(A)
    assert plan.start(0.0, [P, Q]) == [Job(C, (P, Q))]
    assert plan.wanted() == [B, C]


def test_no_peer_no_job() -> None:
    plan = FetchPlan()
    plan.set_wanted([A])
    assert plan.start(0.0, []) == []
    assert plan.start(0.0, [P]) == [Job(A, (P,))]


def test_a_blob_nobody_gave_waits_its_backoff_but_a_new_peer_is_asked_at_once() -> None:
    plan = FetchPlan(backoff=(10.0, 100.0))
    plan.set_wanted([A])
    assert plan.start(0.0, [P]) == [Job(A, (P,))]
    plan.failed(A, [P], now=1.0)
    assert plan.start(2.0, [P]) == []  # P said no; nobody else to ask
    assert plan.next_due(2.0) == 11.0
    assert plan.start(2.0, [P, Q]) == [Job(A, (Q,))]  # Q connected: asked now
    plan.failed(A, [Q], now=3.0)
    assert plan.next_due(3.0) == 103.0  # the second failure waits longer
    plan.peer_connected(P)  # P came back: it may have fetched it meanwhile
    assert plan.start(4.0, [P, Q]) == [Job(A, (P,))]
    plan.failed(A, [P], now=5.0)
    assert plan.start(6.0, [P, Q]) == []
    assert plan.start(105.0, [P, Q]) == [Job(A, (P, Q))]  # backoff over: everyone again


def test_the_wanted_list_moves_but_running_fetches_stay() -> None:
    plan = FetchPlan(backoff=(10.0,))
    plan.set_wanted([A, B])
    assert [j.hash for j in plan.start(0.0, [P])] == [A, B]
    plan.failed(B, [P], 1.0)
    plan.set_wanted([C, B])  # A left (held, deleted...) while its fetch runs
    assert plan.wanted() == [C, B, A]
    assert plan.start(2.0, [P]) == [Job(C, (P,))]  # B keeps its backoff
    plan.failed(A, [P], 3.0)
    plan.set_wanted([C, B])
    assert plan.wanted() == [C, B]
    with pytest.raises(ValueError):
        FetchPlan(concurrency=0)


# --- the loop, over fakes on a mock clock -----------------------------------------


class FakeNet:
    """Peers that hold some blobs; ``fetch`` asks them in turn like fetch_from_any."""

    def __init__(self) -> None:
        self.connected: list[bytes] = []
        self.holds: dict[bytes, set[bytes]] = {}
        self.wanted: list[bytes] = []
        self.asked: list[tuple[bytes, bytes]] = []
        self.send, self.events = trio.open_memory_channel[Event](100)

    async def want(self, limit: int) -> list[bytes]:
        return self.wanted[:limit]

    async def fetch(self, digest: bytes, peers: Sequence[bytes]) -> bytes:
        failures: list[tuple[object, Exception]] = []
        for peer in peers:
            self.asked.append((digest, peer))
            if digest in self.holds.get(peer, set()):
                self.wanted.remove(digest)
                return b"data"
            failures.append((peer, BlobMissing("no")))
        raise BlobUnavailable("none", failures)


def test_the_loop_fetches_retries_on_connect_and_after_backoff() -> None:
    async def scenario() -> None:
        net = FakeNet()
        fetcher = BlobFetcher(wanted=net.want, fetch=net.fetch, connected=lambda: net.connected,
                              subscribe=lambda: net.events, plan=FetchPlan(backoff=(60.0,)))
        async with trio.open_nursery() as nursery:
            await nursery.start(fetcher.run)
            net.wanted = [A]
            net.connected = [P]
            fetcher.peer_connected(P)
            await trio.testing.wait_all_tasks_blocked()
            # nothing read yet in the first turn: an entry that references it comes
            await net.send.send(EntryAdded(b"e", b"d", b"a", 2, 1, 0, False))
            await trio.sleep(2)
            assert net.asked == [(A, P)] and fetcher.fetched == 0
            # Q connects, and holds it: asked at once, not after the backoff
            net.holds[Q] = {A}
            net.connected = [P, Q]
            fetcher.peer_connected(Q)
            await trio.sleep(0.1)
            assert net.asked[-1] == (A, Q) and fetcher.fetched == 1
            # a blob nobody has: asked again when its backoff ends, and then found
            net.wanted = [B]
            fetcher.refresh()
            await trio.sleep(2)
            assert [a for a in net.asked if a[0] == B] == [(B, P), (B, Q)]
            net.holds[P] = {B}
            await trio.sleep(30)
            assert fetcher.fetched == 1
            await trio.sleep(40)
            assert fetcher.fetched == 2 and net.asked[-1] == (B, P)
            nursery.cancel_scope.cancel()

    trio.run(scenario, clock=trio.testing.MockClock(autojump_threshold=0.01))


def test_one_pass_asks_each_peer_once_about_each_blob() -> None:
    async def scenario() -> None:
        net = FakeNet()
        net.wanted = [A, B, C]
        net.holds = {P: {A}, Q: {B}}
        got = await fetch_once(list(net.wanted), net.fetch, [P, Q], concurrency=2)
        assert got == 2 and net.wanted == [C]
        assert sorted(net.asked) == sorted([(A, P), (B, P), (B, Q), (C, P), (C, Q)])

    trio.run(scenario)


# --- real services on 127.0.0.1 ---------------------------------------------------


def picture(colour: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, format="PNG")
    return buf.getvalue()


async def has_blob(node: Node, digest: bytes) -> bool:
    return await node.replication.blob(digest) is not None


def test_a_picture_reaches_a_reader_through_a_friend_while_its_author_is_offline(
        tmp_path: Path) -> None:
    """F follows A and fetches A's picture in the background; A goes away; R follows
    F, so A is two hops from R: R gets the post and the picture from F alone."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as a, \
                Node.init(Home(tmp_path / "f"), "Friend") as f, \
                Node.init(Home(tmp_path / "r"), "Reader") as r:
            await f.posts.follow(a.account_id)
            await r.posts.follow(f.account_id)
            await a.posts.set_profile(avatar_data=picture("blue"))
            posted = await a.posts.post("a picture", images_data=[picture("red")])
            blob = (await a.feeds.post_view(posted.id)).attachments[0].blob
            avatar = (await a.feeds.profile(a.account_id)).avatar
            assert avatar is not None
            async with service(f) as sf:
                async with service(a) as sa:
                    await sa.connect(device(f), sf.listen_addrs)
                    await until(f, lambda: has_blob(f, blob))
                    await until(f, lambda: has_blob(f, avatar))
                await sf.wait_until(lambda: not sf.connected())
                async with service(r) as sr:
                    await sr.connect(device(f), sf.listen_addrs)
                    await until(r, lambda: holds(r, posted.id))
                    await until(r, lambda: has_blob(r, blob))
                    await until(r, lambda: has_blob(r, avatar))
                    assert await r.replication.blob(blob) == await a.replication.blob(blob)
                    fetcher = sr.blob_fetcher
                    assert fetcher is not None and fetcher.fetched == 2
                    peer = sf.peer(device(r))
                    assert peer is not None and peer.standing == 0  # asking is no offence

    run(scenario, timeout=60)


def test_a_missing_picture_is_fetched_when_a_peer_that_has_it_connects(
        tmp_path: Path) -> None:
    """R holds A's post (from F, which lacks the picture); when A connects, R asks it."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as a, \
                Node.init(Home(tmp_path / "f"), "Friend") as f, \
                Node.init(Home(tmp_path / "r"), "Reader") as r:
            await r.posts.follow(a.account_id)
            await f.posts.follow(a.account_id)
            posted = await a.posts.post("a picture", images_data=[picture("green")])
            blob = (await a.feeds.post_view(posted.id)).attachments[0].blob
            # the post, not the blob
            await f.replication.ingest(await a.replication.log_entries(device(a), 0, 100))
            async with service(f, fetch_blobs=False) as sf, service(r) as sr:
                await sr.connect(device(f), sf.listen_addrs)
                await until(r, lambda: holds(r, posted.id))
                fetcher = sr.blob_fetcher
                assert fetcher is not None
                # F was asked in vain; no waiting for the backoff after that
                await fetcher.wait_until(lambda: blob in fetcher.plan.wanted()
                                         and not fetcher.plan.busy)
                peer = sr.peer(device(f))
                assert peer is not None and peer.standing == 0  # "missing" is no offence
                async with service(a) as sa:
                    await sa.connect(device(r), sr.listen_addrs)
                    await until(r, lambda: has_blob(r, blob))

    run(scenario, timeout=60)


def test_sync_once_brings_the_pictures_too(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as a, \
                Node.init(Home(tmp_path / "r"), "Reader") as r:
            await r.posts.follow(a.account_id)
            posted = await a.posts.post("a picture", images_data=[picture("green")])
            blob = (await a.feeds.post_view(posted.id)).attachments[0].blob
            async with service(a) as sa:
                await r.replication.add_peer(device(a), sa.listen_addrs, "invite")
                results = await sync_once(r.replication, per_peer=20)
            assert [x.ok for x in results] == [True]
            assert await holds(r, posted.id) and await has_blob(r, blob)

    run(scenario, timeout=60)
