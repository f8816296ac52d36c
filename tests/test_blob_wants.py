"""Which blobs a node wants (store/blob_wants.py, migration 14): refs written at
ingest and publish, the order own > followed > other replicated, the budget of the
others, deleted entries and replaced avatars, and the backfill of older stores."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import trio
from helpers import queued, sync
from PIL import Image

from p2psocial import content as c
from p2psocial.blob_refs import BlobRef, blobs_of
from p2psocial.events import BlobAdded
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.store import blob_wants
from p2psocial.store.blob_wants import FOLLOWED, OWN, REPLICATED, Budget
from p2psocial.store.store import BLOB_CAP, Store


def picture(colour: str, side: int = 8) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (side, side), colour).save(buf, format="PNG")
    return buf.getvalue()


def test_blobs_of_names_attachments_and_avatars_once() -> None:
    a, b = bytes(32 * [1]), bytes(32 * [2])
    post = c.Post("x", attachments=(c.Attachment(a, "image/jpeg", 10, 1, 1),
                                    c.Attachment(b, "image/png", 20, 1, 1),
                                    c.Attachment(a, "image/jpeg", 10, 1, 1)))
    assert blobs_of(post) == (BlobRef(a, 10), BlobRef(b, 20))
    assert blobs_of(c.Profile("n", avatar=a)) == (BlobRef(a, None),)
    assert blobs_of(c.Profile("n")) == ()
    assert blobs_of(c.Reaction(a, "👍")) == ()
    assert blob_wants.BLOB_CAP == BLOB_CAP


def test_wanted_in_order_and_never_held_deleted_or_blocked(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "r"), "Reader") as reader, \
                Node.init(Home(tmp_path / "f"), "Friend") as friend, \
                Node.init(Home(tmp_path / "o"), "Other") as other:
            old = await friend.posts.post("older", images_data=[picture("red")])
            new = await friend.posts.post("newer", images_data=[picture("green")])
            await friend.posts.set_profile(avatar_data=picture("blue", 64))
            gone = await other.posts.post("to be deleted", images_data=[picture("white")])
            kept = await other.posts.post("kept", images_data=[picture("black")])
            await friend.posts.follow(other.account_id)  # other is two hops from the reader
            await other.posts.delete(gone.id)
            await reader.posts.follow(friend.account_id)
            mine = await reader.posts.post("mine", images_data=[picture("yellow")])
            await sync(friend, reader)
            await sync(other, reader)

            def hashes(post: object) -> bytes:
                return post.attachments[0].blob  # type: ignore[attr-defined]

            views = {e.id: await friend.feeds.post_view(e.id) for e in (old, new)}
            views.update({kept.id: await other.feeds.post_view(kept.id)})
            avatar = (await reader.feeds.profile(friend.account_id)).avatar
            assert avatar is not None
            wanted = await reader.replication.wanted_blobs()
            # own ones are held; followed: newest first (the avatar, then the posts'
            # pictures), then the other account's surviving picture
            assert [(w.hash, w.tier) for w in wanted] == [
                (avatar, FOLLOWED), (hashes(views[new.id]), FOLLOWED),
                (hashes(views[old.id]), FOLLOWED), (hashes(views[kept.id]), REPLICATED)]
            assert (await reader.feeds.post_view(mine.id)).attachments[0].blob not in {
                w.hash for w in wanted}
            assert wanted[-1].size == views[kept.id].attachments[0].size
            # one arrives: no longer wanted, and announced once
            events = reader.subscribe()
            data = await friend.replication.blob(hashes(views[new.id]))
            assert data is not None
            await reader.replication.put_blob(data)
            await reader.replication.put_blob(data)
            assert queued(events, BlobAdded) == [BlobAdded(hashes(views[new.id]))]
            wanted = await reader.replication.wanted_blobs()
            assert hashes(views[new.id]) not in {w.hash for w in wanted}
            # two hops are not one: at hops=1 the other account is not replicated
            assert {w.tier for w in await reader.replication.wanted_blobs(hops=1)} == {FOLLOWED}
            # a block drops that account's blobs
            await reader.posts.block(other.account_id)
            assert REPLICATED not in {w.tier for w in await reader.replication.wanted_blobs()}

    trio.run(scenario)


def test_own_blobs_are_wanted_on_a_second_device(tmp_path: Path) -> None:
    """Our account's pictures from another device (a restore) are tier 0."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice:
            seed = alice.identity.require_root().root_seed  # type: ignore[union-attr]
            posted = await alice.posts.post("from the laptop", images_data=[picture("red")])
            with Node.restore(Home(tmp_path / "b"), seed, "Alice") as again:
                await sync(alice, again)
                blob = (await alice.feeds.post_view(posted.id)).attachments[0].blob
                wanted = await again.replication.wanted_blobs()
                assert [(w.hash, w.tier) for w in wanted] == [(blob, OWN)]

    trio.run(scenario)


def test_a_newer_avatar_replaces_the_wanted_one(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "r"), "Reader") as reader, \
                Node.init(Home(tmp_path / "f"), "Friend") as friend:
            await reader.posts.follow(friend.account_id)
            await friend.posts.set_profile(avatar_data=picture("red", 64))
            await friend.posts.set_profile(avatar_data=picture("blue", 64))
            await sync(friend, reader)
            avatar = (await reader.feeds.profile(friend.account_id)).avatar
            assert [w.hash for w in await reader.replication.wanted_blobs()] == [avatar]

    trio.run(scenario)


def test_the_budget_bounds_what_other_accounts_make_us_hold(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "r"), "Reader") as reader, \
                Node.init(Home(tmp_path / "f"), "Friend") as friend, \
                Node.init(Home(tmp_path / "o"), "Other") as other, \
                Node.init(Home(tmp_path / "p"), "Plenty") as plenty:
            await reader.posts.follow(friend.account_id)
            await friend.posts.follow(other.account_id)
            await friend.posts.follow(plenty.account_id)
            for n in range(4):
                await plenty.posts.post(f"p{n}", images_data=[picture("red", 8 + n)])
            await other.posts.post("o", images_data=[picture("green")])
            for node in (friend, other, plenty):
                await sync(node, reader)
            every = await reader.replication.wanted_blobs()
            assert len(every) == 5 and {w.tier for w in every} == {REPLICATED}
            size = max(w.size or 0 for w in every)
            # per account: two of plenty's pictures at most; in all: three
            small = Budget(total=3 * size, per_account=2 * size)
            got = await reader.replication.wanted_blobs(budget=small)
            by = [w.account for w in got]
            assert len(got) == 3 and by.count(plenty.account_id) == 2
            assert by.count(other.account_id) == 1
            # what is held counts: after two of plenty's arrive, none more of plenty's
            for w in got:
                if w.account == plenty.account_id:
                    await reader.replication.put_blob(await plenty.replication.blob(w.hash))  # type: ignore[arg-type]
            after = await reader.replication.wanted_blobs(budget=small)
            assert [w.account for w in after] == [other.account_id]
            # followed accounts have no budget
            await reader.posts.follow(plenty.account_id)
            assert len(await reader.replication.wanted_blobs(budget=Budget(0, 0))) == 2

    trio.run(scenario)


def test_a_deleted_post_takes_its_blob_off_the_disk(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice:
            shared = picture("red")
            one = await alice.posts.post("one", images_data=[shared])
            two = await alice.posts.post("two", images_data=[shared])
            blob = (await alice.feeds.post_view(one.id)).attachments[0].blob
            await alice.posts.delete(one.id)
            assert await alice.replication.blob(blob) is not None  # "two" still shows it
            await alice.posts.delete(two.id)
            assert await alice.replication.blob(blob) is None

    trio.run(scenario)


def test_migration_14_backfills_what_older_stores_hold(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "r"), "Reader") as reader, \
                Node.init(Home(tmp_path / "f"), "Friend") as friend:
            await reader.posts.follow(friend.account_id)
            await friend.posts.post("pic", images_data=[picture("red")])
            await friend.posts.set_profile(avatar_data=picture("blue", 64))
            await sync(friend, reader)
            want = [w.hash for w in await reader.replication.wanted_blobs()]
            assert len(want) == 2
        path = tmp_path / "r" / "store.sqlite"
        conn = sqlite3.connect(path)  # as a store of schema 13 would be
        conn.execute("DROP TABLE blob_refs")
        conn.execute("PRAGMA user_version = 13")  # before blob_refs (and private_files)
        conn.commit()
        conn.close()
        with Store(path) as store:
            assert store.conn.execute("SELECT count(*) FROM blob_refs").fetchone()[0] == 2
            assert store.conn.execute(
                "SELECT 1 FROM meta WHERE key = 'blob_refs_backfill'").fetchone() is None
        with Node.open(Home(tmp_path / "r")) as reader:
            assert [w.hash for w in await reader.replication.wanted_blobs()] == want

    trio.run(scenario)
