"""Two real nodes replicate over real libp2p hosts on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

import pytest
import trio
from netkit import run

from p2psocial.entry import Entry
from p2psocial.events import EntryAdded
from p2psocial.home import Home
from p2psocial.net.host import open_host
from p2psocial.net.messages import PROTOCOL_ID, VERSION
from p2psocial.net.sync import PeerMisbehaved, SyncStats, run_sync
from p2psocial.node import Node
from p2psocial.store.views import IngestResult

pytestmark = pytest.mark.usefixtures("quiet_libp2p")  # see tests/conftest.py


@asynccontextmanager
async def linked(server: Node, client: Node, serve: Callable[[object], Awaitable[None]],
                 ) -> AsyncIterator[Callable[[], Awaitable[object]]]:
    """Hosts for both nodes on 127.0.0.1; ``serve`` answers every sync stream the client
    opens; yields the function that opens one."""
    assert server.identity and client.identity
    async with open_host(server.identity.device.seed) as hs, \
            open_host(client.identity.device.seed) as hc:
        hs.set_handler(PROTOCOL_ID, serve)
        yield partial(hc.open_stream, hs.peer_id, hs.listen_addrs, PROTOCOL_ID)


async def wait_for(node_events: trio.MemoryReceiveChannel, entry_id: bytes) -> None:
    async for event in node_events:
        if isinstance(event, EntryAdded) and event.id == entry_id:
            return


def test_two_nodes_replicate_both_ways_then_live(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            first = await alice.posts.post("hello from alice #p2p")
            await bob.posts.post("hello from bob")
            await alice.posts.follow(bob.account_id)
            await bob.posts.follow(alice.account_id)
            alice_sees = alice.subscribe()
            bob_sees = bob.subscribe()
            async with linked(alice, bob, partial(run_sync, alice.replication)) as open_stream, \
                    trio.open_nursery() as nursery:
                nursery.start_soon(run_sync, bob.replication, await open_stream())
                # initial sync: each gets the other's log
                await wait_for(bob_sees, first.id)
                bob_last = await bob.posts.post("live from bob")  # pushed while the session is open
                await wait_for(alice_sees, bob_last.id)
                alice_last = await alice.posts.post("live from alice")
                await wait_for(bob_sees, alice_last.id)
                nursery.cancel_scope.cancel()
            assert [p.text for p in (await bob.feeds.home_timeline()).items][:2] == [
                "live from alice", "live from bob"]
            assert (await bob.feeds.search("p2p")).items[0].id == first.id
            for node in (alice, bob):
                assert await node.feeds.verify(full=True) == []
                assert len(await node.replication.logs()) == 2

    run(scenario)


def test_sync_once_and_nothing_twice(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            for i in range(30):
                await alice.posts.post(f"post {i}")
            await bob.posts.follow(alice.account_id)
            results: list[SyncStats] = []

            async def serve(stream: object) -> None:
                results.append(await run_sync(alice.replication, stream))

            async with linked(alice, bob, serve) as open_stream:
                for _ in range(2):  # the second session has nothing left to send
                    results.append(await run_sync(bob.replication, await open_stream(), once=True))
            received = [r.received for r in results if r.received]
            assert received == [32]  # alice's certificate, profile and 30 posts, once
            assert len((await bob.feeds.account_posts(alice.account_id, limit=100)).items) == 30

    run(scenario)


def test_frames_that_queue_up_are_stored_in_one_transaction(tmp_path: Path) -> None:
    """While a batch is being stored, the next frames wait in the ingester's queue and
    go into the next transaction together; everything is stored before a once
    session returns."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            for i in range(200):
                await alice.posts.post(f"post {i}")
            await bob.posts.follow(alice.account_id)
            batches: list[int] = []
            ingest = bob.replication.ingest

            async def slow_ingest(entries: Sequence[Entry]) -> IngestResult:
                batches.append(len(entries))
                await trio.sleep(0.2)  # a slow disk: the sender gets ahead of us
                return await ingest(entries)

            bob.replication.ingest = slow_ingest  # type: ignore[method-assign]
            serve = partial(run_sync, alice.replication, batch=20)
            async with linked(alice, bob, serve) as open_stream:
                stats = await run_sync(bob.replication, await open_stream(), once=True)
            assert stats.received == 202 and sum(batches) == 202
            assert max(batches) > 20, batches  # frames of 20 entries, stored together
            assert len((await bob.feeds.account_posts(alice.account_id, limit=300)).items) == 200

    run(scenario)


def test_live_pushes_survive_a_lagging_event_subscription(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await bob.posts.follow(alice.account_id)
            await alice.posts.follow(bob.account_id)
            posts = [await alice.posts.post(f"post {i}") for i in range(20)]
            bob_sees = bob.subscribe(100)
            alice_sees = alice.subscribe(100)

            serve = partial(run_sync, alice.replication, event_buffer=3)
            async with linked(alice, bob, serve) as open_stream, trio.open_nursery() as nursery:
                nursery.start_soon(partial(run_sync, bob.replication, await open_stream(),
                                           event_buffer=3))
                # alice's 23 entries arrive at bob in one batch: bob's follower lags
                await wait_for(bob_sees, posts[-1].id)
                burst = [await bob.posts.post(f"burst {i}") for i in range(10)]
                await wait_for(alice_sees, burst[-1].id)  # bob still pushes live
                nursery.cancel_scope.cancel()
            assert len((await alice.feeds.account_posts(bob.account_id, limit=100)).items) == 10

    run(scenario)


def test_a_peer_sending_garbage_is_cut_off(tmp_path: Path) -> None:
    from p2psocial.net.framing import write_frame
    from p2psocial.net.messages import Hello, encode

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "m"), "Mallory") as mallory:
            outcome: list[BaseException] = []
            cut_off = trio.Event()

            async def serve(stream: object) -> None:
                try:
                    await run_sync(alice.replication, stream)
                except PeerMisbehaved as exc:
                    outcome.append(exc)
                    cut_off.set()

            async with linked(alice, mallory, serve) as open_stream:
                stream = await open_stream()
                await write_frame(stream, encode(Hello(VERSION)))
                # a well-formed "entries" frame whose one entry is not a header
                await write_frame(stream, b"\x92\xa7entries\x91\x92\xc4\x03abc\xc0")
                await cut_off.wait()
            assert "not msgpack" in str(outcome[0])
            # nothing of mallory's
            assert (await alice.replication.logs())[0][1] == alice.account_id

    run(scenario)
