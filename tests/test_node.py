"""Node tests: publishing rules, events, keys and passphrases, backups; real files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import nacl.pwhash
import pytest
import trio

from p2psocial import backup
from p2psocial.errors import (
    BadBackup,
    HomeError,
    InvalidContent,
    NotFound,
    PassphraseRequired,
    UserError,
    WrongPassphrase,
)
from p2psocial.events import EntryAdded, Lagged, PostAdded
from p2psocial.home import Home
from p2psocial.node import Node

FAST_KDF = {"opslimit": nacl.pwhash.argon2id.OPSLIMIT_MIN,
            "memlimit": nacl.pwhash.argon2id.MEMLIMIT_MIN}


def test_publishing_rules(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice:
            post = await alice.posts.post("hello #world")
            with pytest.raises(InvalidContent):
                await alice.posts.follow(alice.account_id)
            with pytest.raises(NotFound):
                await alice.posts.post("reply to nothing", reply_to=os.urandom(32))
            with pytest.raises(NotFound):
                await alice.posts.react(os.urandom(32), "👍")
            with pytest.raises(UserError, match="limit is 8,000"):
                await alice.posts.post("x" * 8001)
            with pytest.raises(InvalidContent):
                await alice.posts.post("   ")
            edited = await alice.posts.edit(post.id, "hello edited")
            assert edited.seq == post.seq + 1
            view = await alice.feeds.post_view(post.id)
            assert view.text == "hello edited" and view.edited and view.tags == ("world",)
            await alice.posts.delete(post.id)
            with pytest.raises(UserError, match="deleted"):
                await alice.posts.edit(post.id, "again")
            profile = await alice.feeds.profile(alice.account_id)
            assert profile.name == "Alice" and profile.posts == 0
            await alice.posts.set_profile(bio="likes llamas")
            profile = await alice.feeds.profile(alice.account_id)
            assert profile.name == "Alice" and profile.bio == "likes llamas"
            assert await alice.feeds.verify(full=True) == []

    trio.run(scenario)


def test_events_stream_and_lagging_subscribers(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice:
            events = alice.subscribe()
            slow = alice.subscribe(buffer=3)
            first = await alice.posts.post("one")
            await alice.posts.post("two")
            await alice.posts.post("three")
            got = [await events.receive() for _ in range(6)]  # each: its entry, its post
            assert [type(e) for e in got] == [EntryAdded, PostAdded] * 3
            assert all(e.own for e in got)
            assert got[0].id == first.id and got[0].account == alice.account_id
            assert got[1] == PostAdded(first.id, alice.account_id, got[0].timestamp, True, None)
            slow_got = [await slow.receive() for _ in range(3)]
            assert isinstance(slow_got[-1], Lagged)
            with pytest.raises(trio.EndOfChannel):
                await slow.receive()

    trio.run(scenario)


def test_keys_file_mode_and_passphrase(tmp_path: Path) -> None:
    home = Home(tmp_path / "h")
    Node.init(home, "Alice", "correct horse", **FAST_KDF).close()
    assert stat.S_IMODE(os.stat(home.keys_path).st_mode) == 0o600
    with pytest.raises(PassphraseRequired):
        Node.open(home)
    with pytest.raises(WrongPassphrase):
        Node.open(home, "wrong horse")
    Node.open(home, "correct horse").close()
    # reading needs no passphrase
    with Node.open(home, readonly=True) as reader:
        assert trio.run(reader.feeds.profile, reader.account_id).name == "Alice"


def test_one_writer_per_home(tmp_path: Path) -> None:
    home = Home(tmp_path / "h")
    with Node.init(home, "Alice"):
        with pytest.raises(HomeError, match="in use"):
            Node.open(Home(home.path))
        with Node.open(Home(home.path), readonly=True):
            pass
    Node.open(Home(home.path)).close()


def test_missing_home_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HomeError, match="p2psocial init"):
        Node.open(Home(tmp_path / "nowhere"))
    with pytest.raises(HomeError, match="already holds"):
        Node.init(Home(tmp_path / "x"), "A").close()
        Node.init(Home(tmp_path / "x"), "B")


def test_backup_restores_everything_onto_an_empty_home(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice", "pw", **FAST_KDF) as alice:
            root = await alice.posts.post("first")
            await alice.posts.post("a reply", reply_to=root.id)
            gone = await alice.posts.post("to delete")
            await alice.posts.delete(gone.id)
            await alice.posts.set_profile(bio="bio")
            summary = backup.export_backup(alice, tmp_path / "a.backup")
            account = alice.account_id
            before = [p.text for p in (await alice.feeds.home_timeline()).items]
        assert summary.entries == 7 and summary.size > 0
        with pytest.raises(PassphraseRequired):
            backup.restore_backup(Home(tmp_path / "b"), tmp_path / "a.backup", None)
        with pytest.raises(WrongPassphrase):
            backup.restore_backup(Home(tmp_path / "b"), tmp_path / "a.backup", "nope")
        node, restored = backup.restore_backup(Home(tmp_path / "b"), tmp_path / "a.backup", "pw")
        with node:
            assert restored.entries == 7 and node.account_id == account
            assert [p.text for p in (await node.feeds.home_timeline()).items] == before
            assert len(node.store.devices()) == 2  # a new log: no fork of the old one
            new = await node.posts.post("after restore")
            assert new.seq == 2
            assert await node.feeds.verify(full=True) == []
        with pytest.raises(HomeError, match="already holds"):
            backup.restore_backup(Home(tmp_path / "b"), tmp_path / "a.backup", "pw")

    trio.run(scenario)


def test_damaged_backups_are_refused_and_leave_nothing(tmp_path: Path) -> None:
    with Node.init(Home(tmp_path / "a"), "Alice") as alice:
        trio.run(alice.posts.post, "hello")
        backup.export_backup(alice, tmp_path / "ok.backup")
    data = (tmp_path / "ok.backup").read_bytes()
    cases = {
        "truncated": data[: len(data) // 2],
        "flipped": data[:300] + bytes([data[300] ^ 1]) + data[301:],
        "foreign": b"PK\x03\x04 not ours",
        "empty": b"",
    }
    for name, content in cases.items():
        path = tmp_path / f"{name}.backup"
        path.write_bytes(content)
        target = tmp_path / f"home-{name}"
        with pytest.raises(BadBackup):
            backup.restore_backup(Home(target), path, None)
        assert not target.exists(), name
    with pytest.raises(BadBackup, match="no such file"):
        backup.restore_backup(Home(tmp_path / "z"), tmp_path / "missing.backup", None)


def test_a_refused_post_stores_no_images(tmp_path: Path) -> None:
    import io

    from PIL import Image

    from p2psocial.errors import BadImage, ContentTooLarge

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, format="PNG")
    png = buf.getvalue()

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice:
            with pytest.raises(ContentTooLarge):
                await alice.posts.post("too many", images_data=[png] * 11)
            with pytest.raises(ContentTooLarge):
                await alice.posts.post("x" * 9000, images_data=[png])
            with pytest.raises(BadImage, match="image 2"):
                await alice.posts.post("second is bad", images_data=[png, b"not an image"])
            assert (await alice.feeds.stats())["blobs"] == 0
            ok = await alice.posts.post("", images_data=[png])  # an image alone is a post
            assert (await alice.feeds.post_view(ok.id)).attachments[0].mime == "image/jpeg"

    trio.run(scenario)


def test_replication_policy_two_hops_never_blocked(tmp_path: Path) -> None:
    from helpers import make_entry, make_identity, make_log

    from p2psocial import content as c

    # bob follows carol, carol follows dave, bob follows eve; alice will block eve
    bob, carol, dave, eve = (make_identity(n) for n in (2, 3, 4, 5))
    logs = {ident.account_id: make_log(ident, 1) for ident in (bob, carol, dave, eve)}

    def says(ident: object, value: c.AnyContent) -> None:
        log = logs[ident.account_id]  # type: ignore[attr-defined]
        log.append(make_entry(ident, log[-1], value, log[-1].timestamp + 1))  # type: ignore[arg-type]

    says(bob, c.Follow(carol.account_id))
    says(bob, c.Follow(eve.account_id))
    says(carol, c.Follow(dave.account_id))

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice:
            await alice.replication.ingest([e for log in logs.values() for e in log])
            assert await alice.replication.wanted_accounts() == {alice.account_id}
            await alice.posts.follow(bob.account_id)
            assert await alice.replication.wanted_accounts() == {alice.account_id, bob.account_id,
                                                                 carol.account_id, eve.account_id}
            assert dave.account_id in await alice.replication.wanted_accounts(hops=3)
            assert await alice.replication.wanted_accounts(hops=1) == {alice.account_id,
                                                                       bob.account_id}
            await alice.posts.block(eve.account_id)
            assert eve.account_id not in await alice.replication.wanted_accounts(hops=3)

    trio.run(scenario)
