"""The readable takeout (p2psocial/takeout.py, store/takeout_reads.py) on real homes, read
back with Python's plain ``sqlite3``, which knows nothing of p2psocial: what each
table holds, that each JSON file holds the same rows, what is left out (deleted posts,
blocked accounts' messages), that it runs while the home is open for writing, and
that a folder that is not empty is refused and left alone.

The real command line and the ``sqlite3`` program: tests/test_cli_takeout.py.
"""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
import trio
from PIL import Image

from p2psocial.errors import HomeError, UserError
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.takeout import TABLES, write_takeout
from tests.homes import People, alice_bob_carol, carry


def picture(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(out, "PNG")
    return out.getvalue()


def table(db: Path, name: str) -> list[dict]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(f"SELECT * FROM {name} ORDER BY rowid")]
    finally:
        conn.close()


def json_columns(name: str) -> set[str]:
    return {"tags", "mentions", "images", "members", "member_names", "files"} & set(
        TABLES[name].columns)


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> People:
    """Bob posts a picture; Alice posts (a picture, a reply, one deleted), reacts, sets
    an avatar, writes Bob and a group (and reacts there); Bob reacts to her post and
    answers her; Carol, whom Alice blocks, writes her too."""
    p = alice_bob_carol(tmp_path_factory.mktemp("takeout"))

    async def bob_posts() -> None:
        with Node.open(Home(p.b)) as bob:
            await bob.posts.post("Bob's first", images_data=[picture((90, 90, 90))])

    trio.run(bob_posts)
    carry(p.b, p.a)

    async def alice_acts() -> None:
        with Node.open(Home(p.a)) as alice:
            bobs = (await alice.feeds.account_posts(bob_id(alice)))
            first = await alice.posts.post("hello #garden", images_data=[picture((0, 90, 0))],
                                           alt=["green"])
            await alice.posts.post("my reply", reply_to=first.id)
            gone = await alice.posts.post("soon deleted")
            await alice.posts.delete(gone.id)
            await alice.posts.react(bobs.items[0].id, "👍")
            await alice.posts.set_profile(bio="gardener", avatar_data=picture((0, 0, 200)))
            await alice.messages.send([bob_id(alice)], "hi Bob",
                                      images_data=[picture((200, 0, 0))])
            group = await alice.groups.create("Allotment", [bob_id(alice)])
            said = await alice.groups.post(group, "in the allotment")
            await alice.groups.react(group, said.id, "🥕")

    def bob_id(node: Node) -> bytes:
        return next(a for a in node.store.following(node.account_id))

    trio.run(alice_acts)
    carry(p.a, p.b, p.c)

    async def others_act() -> None:
        with Node.open(Home(p.b)) as bob:
            mine = await bob.feeds.account_posts(await _account(bob, p.a))
            hello = next(x for x in mine.items if x.text == "hello #garden")
            await bob.posts.react(hello.id, "🌻")
            await bob.messages.send([await _account(bob, p.a)], "hi Alice")
        with Node.open(Home(p.c)) as carol:
            await carol.messages.send([await _account(carol, p.a)], "from Carol")

    trio.run(others_act)
    carry(p.b, p.a)
    carry(p.c, p.a)

    async def alice_blocks_carol() -> None:
        with Node.open(Home(p.a)) as alice:
            await alice.posts.block(await _account(alice, p.c))

    trio.run(alice_blocks_carol)
    return p


async def _account(node: Node, home: Path) -> bytes:
    with Node.open(Home(home), readonly=True) as other:
        return other.account_id


def test_every_table_reads_without_p2psocial_and_matches_its_json(people: People,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "copy"
    with Node.open(Home(people.a)) as writer:  # the app holds the home meanwhile
        summary = write_takeout(people.a, out)
        alice = writer.account_id.hex()
    db = out / "p2psocial.db"

    posts = table(db, "posts")
    assert [(p["text"], p["is_reply"]) for p in posts] == [("hello #garden", 0),
                                                          ("my reply", 1)]
    assert posts[1]["reply_to"] == posts[0]["id"] == posts[1]["thread_root"]
    assert posts[1]["reply_to_author"] == alice
    assert json.loads(posts[0]["tags"]) == ["garden"]
    assert posts[0]["time"].endswith("Z") and posts[0]["time_ms"] > 1_700_000_000_000

    [post_image] = json.loads(posts[0]["images"])
    avatar = table(db, "profile")[0]["avatar"]
    assert {(r["used_as"], r["file"], r["alt"]) for r in table(db, "images")} == {
        ("post", post_image, "green"), ("avatar", avatar, None)}
    assert [r["mime"] for r in table(db, "images")] == ["image/jpeg", "image/jpeg"]
    assert Image.open(out / post_image).getpixel((16, 16))[1] > 60  # green, as posted
    assert Image.open(out / avatar).getpixel((16, 16))[2] > 150  # blue

    [profile] = table(db, "profile")
    assert (profile["account"], profile["name"], profile["bio"]) == (alice, "Alice",
                                                                    "gardener")
    assert [r["emoji"] for r in table(db, "reactions")] == ["👍"]
    assert [(r["emoji"], r["name"], r["post"]) for r in table(db, "reactions_received")] \
        == [("🌻", "Bob", posts[0]["id"])]

    kinds = sorted((c["kind"], c["name"], sorted(json.loads(c["member_names"])))
                   for c in table(db, "conversations"))  # members: in account id order
    assert kinds == [("direct", None, ["Alice", "Bob"]), ("direct", None, ["Alice", "Carol"]),
                     ("group", "Allotment", ["Alice", "Bob"])]
    messages = table(db, "messages")  # Carol's is left out: Alice blocked her
    assert [(m["text"], m["mine"], m["author_name"]) for m in messages] == [
        ("hi Bob", 1, "Alice"), ("hi Alice", 0, "Bob"), ("in the allotment", 1, "Alice")]
    assert [(r["emoji"], r["message"], r["name"]) for r in table(db, "message_reactions")] \
        == [("🥕", messages[2]["id"], "Alice")]
    [sent] = json.loads(messages[0]["files"])
    assert Image.open(out / sent).getpixel((16, 16))[0] > 150  # red, opened
    assert [(f["message"], f["file"]) for f in table(db, "message_files")] == [
        (messages[0]["id"], sent)]
    assert [r["name"] for r in table(db, "following")] == ["Bob"]
    # a block also stops carrying Carol (store/refusals.py): her log, follow included, is gone
    assert {r["name"] for r in table(db, "followers")} == {"Bob"}
    assert [r["name"] for r in table(db, "blocked")] == ["Carol"]

    for name, count in summary.rows.items():
        rows = table(db, name)
        assert len(rows) == count, name
        for row in rows:
            for column in json_columns(name):
                row[column] = json.loads(row[column])
        assert json.loads((out / f"{name}.json").read_text(encoding="utf-8")) == rows, name
    assert "followed_posts" not in summary.rows
    assert summary.images == 2 and summary.files == 1


def test_with_followed_adds_their_posts(people: People, tmp_path: Path) -> None:
    summary = write_takeout(people.a, tmp_path / "copy", with_followed=True)
    rows = table(tmp_path / "copy" / "p2psocial.db", "followed_posts")
    assert [(r["text"], r["author_name"]) for r in rows] == [("Bob's first", "Bob")]
    assert summary.rows["followed_posts"] == 1
    # Bob's picture is listed, with no file: this home never fetched it (logs only)
    [bobs] = [r for r in table(tmp_path / "copy" / "p2psocial.db", "images")
              if r["author"] == rows[0]["author"]]
    assert (bobs["used_as"], bobs["file"], bobs["post"]) == ("post", None, rows[0]["id"])
    assert json.loads(rows[0]["images"]) == [] and summary.images == 2


def test_a_folder_that_is_not_empty_or_a_file_is_refused_and_left_alone(
        people: People, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "mine.txt").write_text("keep me")
    with pytest.raises(UserError, match="not empty"):
        write_takeout(people.a, tmp_path / "full")
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["mine.txt"]
    (tmp_path / "a file").write_text("x")
    with pytest.raises(UserError, match="is a file"):
        write_takeout(people.a, tmp_path / "a file")
    (tmp_path / "empty").mkdir()
    assert write_takeout(people.a, tmp_path / "empty").rows["posts"] == 2


def test_a_home_that_is_not_there_leaves_no_folder(tmp_path: Path) -> None:
    with pytest.raises(HomeError, match="no p2psocial home"):
        write_takeout(tmp_path / "nobody", tmp_path / "copy")
    assert not (tmp_path / "copy").exists()
