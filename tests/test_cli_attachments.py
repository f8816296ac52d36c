"""Pictures and files in direct messages from the command line (issue 14): ``dm
--image --file``, ``conversation`` listing them, ``save`` writing them, as real
subprocesses on real homes.

Two readers and a carrier, as in test_cli_dm.py: Carol carries Alice's log and the
sealed blobs, and can read neither. Blobs travel here the way the blob protocol would
bring them (``carry_blobs``); tests/test_net_private_files.py does it over libp2p.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio
from PIL import Image

from p2psocial import private_files
from p2psocial.home import Home
from p2psocial.node import Node
from tests.clikit import fails, js, ok, start_serve, stop
from tests.homes import People, alice_bob_carol, carry


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Iterator[People]:
    yield alice_bob_carol(tmp_path_factory.mktemp("dm-files"))


def carry_blobs(src: Path, *dsts: Path) -> list[bytes]:
    """Copy every blob of ``src`` into ``dsts``; the hashes copied."""
    async def main() -> list[bytes]:
        with Node.open(Home(src), readonly=True) as source:
            hashes = source.store.blob_hashes()
            blobs = [await source.replication.blob(h) for h in hashes]
        for dst in dsts:
            with Node.open(Home(dst)) as node:
                for data in blobs:
                    assert data is not None
                    await node.replication.put_blob(data)
        return hashes

    return trio.run(main)


def png(tmp: Path) -> Path:
    path = tmp / "cat.png"
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "PNG")
    path.write_bytes(out.getvalue())
    return path


def test_a_picture_and_a_file_reach_the_reader_and_save(people: People,
                                                        tmp_path: Path) -> None:
    p = people
    notes = tmp_path / "notes.txt"
    secret = b"the treasure is under the third oak\n" * 50
    notes.write_bytes(secret)
    sent = js(p.a, "dm", p.bob, "Here is the cat and the notes", "--image", str(png(tmp_path)),
              "--alt", "an orange square cat", "--file", str(notes))
    conversation = sent["conversation"]
    carry(p.a, p.b, p.c)
    hashes = carry_blobs(p.a, p.b, p.c)
    assert len(hashes) == 2

    [message] = js(p.b, "conversation", conversation)["items"]
    assert message["attachments"] == [
        {"kind": "picture", "name": "", "mime": "image/jpeg", "size":
         message["attachments"][0]["size"], "width": 64, "height": 48,
         "alt": "an orange square cat"},
        {"kind": "file", "name": "notes.txt", "mime": "text/plain", "size": len(secret),
         "width": 0, "height": 0, "alt": ""}]
    lines = ok(p.b, "conversation", conversation).splitlines()
    assert "[picture 1: 64x48, 'an orange square cat']" in lines
    assert f"[file 2: notes.txt, {len(secret) // 1024} KB]" in lines

    # Bob saves the file (into a folder: its own name) and the picture (to a path)
    out = tmp_path / "bob"
    out.mkdir()
    said = ok(p.b, "save", message["id"], str(out), "--number", "2")
    assert said == f"Saved notes.txt ({len(secret) // 1024} KB) to {out / 'notes.txt'}\n"
    assert (out / "notes.txt").read_bytes() == secret
    ok(p.b, "save", message["id"], str(out / "cat.jpg"))
    with Image.open(out / "cat.jpg") as picture:
        assert picture.size == (64, 48)

    # Carol holds both sealed blobs: neither holds the file's bytes, and she cannot save
    async def carols_blobs() -> list[bytes]:
        with Node.open(Home(p.c), readonly=True) as carol:
            return [b for h in hashes if (b := await carol.replication.blob(h)) is not None]

    held = trio.run(carols_blobs)
    assert len(held) == 2 and not any(b"treasure" in blob for blob in held)
    assert fails(p.c, "save", message["id"], str(tmp_path / "x")).startswith(
        "There is no attachment 1 on ent1")


def test_limits_are_one_line(people: People, tmp_path: Path) -> None:
    p = people
    big = tmp_path / "big.bin"
    with big.open("wb") as f:
        f.truncate(private_files.FILE_MAX + 1)
    assert fails(p.a, "dm", p.bob, "too big", "--file", str(big)) == (
        "big.bin is 6.0 MB; attachments of messages are at most 6.0 MB")
    assert fails(p.a, "dm", p.bob, "x", "--file", str(tmp_path / "nope")) == (
        f"Cannot read file {tmp_path / 'nope'}: no such file")
    fake = tmp_path / "notes.jpg"
    fake.write_text("not a picture")
    assert fails(p.a, "dm", p.bob, "x", "--image", str(fake)).startswith(
        f"{fake}: this is not a readable image")


def test_a_file_alone_and_a_group_post_with_a_file(people: People, tmp_path: Path) -> None:
    p = people
    doc = tmp_path / "plan.pdf"
    doc.write_bytes(b"%PDF-1.4 plan")
    sent = js(p.a, "dm", p.bob, "", "--file", str(doc))
    assert sent["conversation"].startswith("dm1")
    group = js(p.a, "group", "create", "Plans", p.bob)["id"]
    posted = js(p.a, "group", "post", group, "the plan", "--file", str(doc))
    carry(p.a, p.b)
    carry_blobs(p.a, p.b)
    shown = js(p.b, "group", "show", group)["items"]
    [with_file] = [m for m in shown if m["id"] == posted["id"]]
    assert [f["name"] for f in with_file["attachments"]] == ["plan.pdf"]
    ok(p.b, "save", posted["id"], str(tmp_path / "got.pdf"))
    assert (tmp_path / "got.pdf").read_bytes() == b"%PDF-1.4 plan"


def test_dm_with_a_file_and_save_through_a_running_serve(people: People,
                                                         tmp_path: Path) -> None:
    """The same commands while a serve holds the home: it sends and saves for them."""
    p = people
    doc = tmp_path / "map.txt"
    doc.write_bytes(b"north of the river")
    serve, _ = start_serve(p.a)
    try:
        sent = js(p.a, "dm", p.bob, "the map", "--file", str(doc))
        out = tmp_path / "again.txt"
        said = ok(p.a, "save", sent["id"], str(out))  # the sender holds the blob
        assert said == f"Saved map.txt (18 bytes) to {out}\n"
        assert out.read_bytes() == b"north of the river"
    finally:
        assert "Traceback" not in stop(serve)


def test_save_fetches_a_missing_blob_from_a_serve_on_the_lan(people: People,
                                                             tmp_path: Path) -> None:
    """Bob holds the message but not its sealed blob: ``save`` brings a short network
    up, meets Alice's serve on the LAN (a DNS-SD type of this test's own) and fetches
    it from her."""
    from tests.clikit import cli_env, run
    from tests.netkit import lan_type

    p = people
    doc = tmp_path / "route.gpx"
    doc.write_bytes(b"<gpx>the long way round</gpx>")
    sent = js(p.a, "dm", p.bob, "the route", "--file", str(doc))
    carry(p.a, p.b)  # the entry, not the blob
    kind = lan_type()
    serve, _ = start_serve(p.a, lan_type=kind)
    try:
        out = tmp_path / "got.gpx"
        done = run(p.b, "save", sent["id"], str(out),
                   env=cli_env(P2PSOCIAL_LAN_SERVICE_TYPE=kind))
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"Saved route.gpx (29 bytes) to {out}\n"
        assert out.read_bytes() == b"<gpx>the long way round</gpx>"
    finally:
        assert "Traceback" not in stop(serve)
