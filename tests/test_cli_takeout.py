"""``p2psocial takeout DIR`` as a real subprocess on a real home, read back with the real
``sqlite3`` command line, as someone without p2psocial would (issue 17, item 7).

Alice (homes.py: she and Bob follow each other, everyone knows everyone's key) posts
with a picture, replies, reacts to Bob's post and writes Bob a direct message with a
picture, all through the command line; the takeout runs beside her running serve.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import trio
from PIL import Image

from p2psocial import ids
from p2psocial.home import Home
from p2psocial.node import Node
from tests.clikit import fails, js, ok, start_serve, stop
from tests.homes import alice_bob_carol, carry

SQLITE3 = shutil.which("sqlite3")


def png(path: Path, colour: tuple[int, int, int]) -> Path:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "PNG")
    path.write_bytes(out.getvalue())
    return path


def near(got: object, want: tuple[int, int, int]) -> bool:
    assert isinstance(got, tuple)
    return all(abs(a - b) <= 8 for a, b in zip(got, want, strict=True))


def sqlite3_cli(db: Path, sql: str) -> str:
    """What the sqlite3 command line prints for ``sql`` (one value per line)."""
    assert SQLITE3 is not None
    done = subprocess.run([SQLITE3, "-readonly", str(db), sql], capture_output=True,
                          text=True, encoding="utf-8", timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.skipif(SQLITE3 is None, reason="needs the sqlite3 command line")
def test_takeout_beside_a_serve_opens_with_the_sqlite3_command_line(tmp_path: Path) -> None:
    p = alice_bob_carol(tmp_path)

    async def bob_posts() -> bytes:
        with Node.open(Home(p.b)) as bob:
            return (await bob.posts.post("Bob's garden")).id

    bobs = ids.entry_text(trio.run(bob_posts))
    carry(p.b, p.a)

    first = js(p.a, "post", "hello #garden", "--image", str(png(tmp_path / "a.png", (9, 99, 9))),
               "--alt", "a green square")["id"]
    reply = js(p.a, "post", "and a reply", "--reply-to", first)["id"]
    js(p.a, "post", "to Bob", "--reply-to", bobs)
    gone = js(p.a, "post", "deleted soon")["id"]
    ok(p.a, "delete", gone)
    ok(p.a, "react", bobs, "🌻")
    js(p.a, "dm", p.bob, "a secret for Bob", "--image",
       str(png(tmp_path / "b.png", (200, 10, 10))))
    own = {item["id"] for item in js(p.a, "feed", "--limit", "500")["items"]
           if item["author"] == p.alice}
    assert len(own) == 3 and gone not in own

    proc, _ = start_serve(p.a)
    try:
        out = tmp_path / "copy"
        doc = js(p.a, "takeout", str(out))  # read-only: beside the serve holding the home
    finally:
        stop(proc)
    db = out / "p2psocial.db"
    assert doc["database"] == str(db)
    assert doc["rows"]["posts"] == 3 and doc["rows"]["messages"] == 1

    # the real sqlite3 command line, which knows nothing of p2psocial
    assert sqlite3_cli(db, "select count(*) from posts") == str(len(own))
    hex_ids = {ids.decode(ids.ENTRY, e).hex() for e in own}
    assert set(sqlite3_cli(db, "select id from posts").splitlines()) == hex_ids
    assert sqlite3_cli(db, "select reply_to from posts where is_reply = 1 and text = "
                       "'and a reply'") == ids.decode(ids.ENTRY, first).hex()
    assert sqlite3_cli(db, "select emoji from reactions") == "🌻"
    assert sqlite3_cli(db, "select text from messages") == "a secret for Bob"
    assert sqlite3_cli(db, "select time from posts where id = '"
                       + ids.decode(ids.ENTRY, reply).hex() + "'").endswith("Z")
    assert sqlite3_cli(db, "select text from posts_fts where posts_fts match 'garden'") \
        == "hello #garden"

    # the picture of the post and the message's picture, opened
    image = sqlite3_cli(db, "select file from images where used_as = 'post'")
    assert image.endswith(".jpg") and (out / image).read_bytes()[:3] == b"\xff\xd8\xff"
    assert near(Image.open(out / image).getpixel((20, 15)), (9, 99, 9))  # as posted: JPEG
    assert sqlite3_cli(db, "select alt from images") == "a green square"
    file = json.loads(sqlite3_cli(db, "select files from messages"))[0]
    assert near(Image.open(out / file).getpixel((20, 15)), (200, 10, 10))

    # the JSON files hold the same rows; the README names every table
    posts = json.loads((out / "posts.json").read_text(encoding="utf-8"))
    assert {row["id"] for row in posts} == hex_ids
    readme = (out / "README.txt").read_text(encoding="utf-8")
    assert all(f"{name} (" in readme for name in doc["rows"])

    # a folder that is not empty is refused in one line, and left as it was
    assert "not empty" in fails(p.a, "takeout", str(out))
    assert sqlite3_cli(db, "select count(*) from posts") == str(len(own))


def test_with_followed_adds_the_posts_of_people_followed(tmp_path: Path) -> None:
    p = alice_bob_carol(tmp_path)

    async def bob_posts() -> None:
        with Node.open(Home(p.b)) as bob:
            await bob.posts.post("one")
            await bob.posts.post("two")

    trio.run(bob_posts)
    carry(p.b, p.a)
    without = js(p.a, "takeout", str(tmp_path / "mine"))
    assert "followed_posts" not in without["rows"]
    doc = js(p.a, "takeout", str(tmp_path / "all"), "--with-followed")
    assert doc["rows"]["followed_posts"] == 2
    rows = json.loads((tmp_path / "all" / "followed_posts.json").read_text(encoding="utf-8"))
    assert {(r["text"], r["author_text"], r["author_name"]) for r in rows} == {
        ("one", p.bob, "Bob"), ("two", p.bob, "Bob")}
