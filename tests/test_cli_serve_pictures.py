"""Pictures travel like posts, between real ``serve`` processes on 127.0.0.1: Alice
posts a picture; her friend Fay's serve carries her log and fetches the picture by
itself; Alice goes offline; Rob, who reaches only Fay, gets the post and the picture.
Waiting across processes is polling (a read-only command or a read-only store),
bounded."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from p2psocial import ids
from p2psocial.store.store import Store
from tests.clikit import ok, start_serve, stop
from tests.waitkit import poll

POLL_FOR = 60.0  # seconds: three serves on a shared, loaded machine


def poll_for(what: str, condition: Callable[[], bool]) -> None:
    poll(condition, what, within=POLL_FOR, every=0.3)


def blob_of(home: Path, digest: bytes) -> bytes | None:
    with Store(home / "store.sqlite", readonly=True) as store:
        return store.get_blob(digest)


def test_a_picture_reaches_a_reader_through_a_friends_serve_while_its_author_is_offline(
        tmp_path: Path) -> None:
    a, f, r = tmp_path / "alice", tmp_path / "fay", tmp_path / "rob"
    for home, name in ((a, "Alice"), (f, "Fay"), (r, "Rob")):
        ok(home, "init", "--name", name)
    photo = tmp_path / "red.png"
    Image.new("RGB", (320, 240), (200, 30, 30)).save(photo)
    posted = json.loads(ok(a, "post", "--image", str(photo), "a red picture", "--json"))
    alice = json.loads(ok(a, "whoami", "--json"))["account"]
    attachment = json.loads(ok(a, "feed", "--json"))["items"][0]["attachments"][0]
    digest = ids.decode(ids.BLOB, attachment["blob"])
    original = blob_of(a, digest)
    assert original is not None and posted

    procs = []
    try:
        serve_a, code_a = start_serve(a)
        procs.append(serve_a)
        alice_device = json.loads((a / "serve.json").read_text())["device"]
        ok(f, "join", code_a)  # Fay follows Alice and knows where she is
        serve_f, code_f = start_serve(f)
        procs.append(serve_f)
        # nobody opens the picture at Fay's: her serve fetches it by itself
        poll_for("Fay's serve fetched Alice's picture", lambda: blob_of(f, digest) is not None)
        err = stop(serve_a)  # Alice goes offline
        assert "Traceback" not in err

        ok(r, "join", code_f)  # Rob knows Fay only
        ok(r, "follow", alice)
        serve_r, _ = start_serve(r)
        procs.append(serve_r)

        def rob_has_the_post() -> bool:
            items = json.loads(ok(r, "feed", "--json"))["items"]
            return any(p["text"] == "a red picture" for p in items)

        poll_for("Rob got Alice's post", rob_has_the_post)
        poll_for("Rob got Alice's picture", lambda: blob_of(r, digest) is not None)
        assert blob_of(r, digest) == original
        peers = json.loads(ok(r, "peers", "--json"))["peers"]
        connected = [p["device"] for p in peers if p["state"] == "connected"]
        assert len(connected) == 1 and alice_device not in connected  # Fay alone
    finally:
        for proc in procs:
            if proc.poll() is None:
                stop(proc, signal.SIGINT)
