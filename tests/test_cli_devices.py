"""One account on two devices, end to end with real processes on 127.0.0.1 (issue 16):
link by code beside a running serve, both devices post, a third person sees one
account and one timeline, revoke one with the recovery phrase, and the revocation
reaches people two hops away: Dora, online, through Carl, and Erin, who meets Carl
only after the revoking device went offline.

Homes: Ann's desk ``a`` (created the account, keeps the account key) and her laptop
``b`` (linked); Carl ``c`` follows Ann and serves; Dora ``d`` and Erin ``e`` follow Ann
and only ever meet Carl. The figures (time to link, time for a revocation to reach Dora two
hops away) go to the test's output (``-s``)."""

from __future__ import annotations

import json
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from p2psocial import ids, phrase
from p2psocial.home import Home
from tests.clikit import fails, feed_texts, js, ok, start_serve, stop
from tests.waitkit import poll

WITHIN = 30.0  # seconds: generous on a shared machine; the targets are a second or two


def revocation_stored(home: Path, device: bytes, within: float = WITHIN) -> float:
    """Wall-clock ms when ``home``'s store first holds a revocation of ``device``."""
    deadline = time.monotonic() + within
    with sqlite3.connect(f"file:{home / 'store.sqlite'}?mode=ro", uri=True) as conn:
        while time.monotonic() < deadline:
            if conn.execute("SELECT 1 FROM revocations WHERE device = ?", (device,)).fetchone():
                return time.time() * 1000
            time.sleep(0.005)
    raise AssertionError(f"no revocation at {home.name} within {within} s")


def revocation_signed(home: Path, device: bytes) -> int:
    """When the revocation of ``device`` that ``home`` holds was signed (ms)."""
    with sqlite3.connect(f"file:{home / 'store.sqlite'}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT created FROM revocations WHERE device = ?",
                                (device,)).fetchone()[0])


def revoked(home: Path, account: str) -> set[str]:
    """The devices of ``account`` that ``home`` knows to be revoked."""
    return {d["device"] for d in js(home, "devices", "--account", account)["devices"]
            if d["revoked"]}


def test_link_post_from_both_revoke_and_the_revocation_travels_two_hops(tmp_path: Path) -> None:
    a, b, c, d, e = (tmp_path / n for n in "abcde")
    ok(a, "init", "--name", "Ann")
    for home, name in ((c, "Carl"), (d, "Dora"), (e, "Erin")):
        ok(home, "init", "--name", name)
    ann = js(a, "whoami")["account"]
    words = js(a, "phrase")["phrase"]
    serves = []
    try:
        serve_a, _ = start_serve(a)
        serves.append(serve_a)
        code = js(a, "device", "link")["code"]
        started = time.perf_counter()
        joined = js(b, "device", "join", code, "--name", "Laptop")
        wall = time.perf_counter() - started
        print(f"\nlink over loopback: {joined['linked_seconds'] * 1000:.0f} ms for the "
              f"exchange, {wall:.2f} s for the whole 'device join' command")
        assert joined["account"] == ann
        laptop = joined["device"]
        # the code was used: a second home cannot link with it
        assert "used" in fails(tmp_path / "x", "device", "join", code, "--name", "Thief")
        assert not (tmp_path / "x").exists()
        # a typo is caught before anything is dialled or written
        typo = code[:-3] + ("a" if code[-3] != "a" else "c") + code[-2:]
        assert "mistyped" in fails(tmp_path / "x", "device", "join", typo, "--name", "X")
        assert not (tmp_path / "x").exists()

        # an everyday device: no account key in its key file, no phrase to show
        assert phrase.from_phrase(words) not in Home(b).read_keys()
        assert phrase.from_phrase(words) in Home(a).read_keys()  # the desk keeps it
        assert "does not hold the account key" in fails(b, "phrase")

        ok(b, "post", "from the laptop")
        ok(b, "sync", "--once")  # to the desk's serve
        ok(a, "post", "from the desk")  # through the desk's serve
        listed = {x["device"]: x for x in js(a, "devices")["devices"]}
        assert listed[laptop]["name"] == "Laptop" and not listed[laptop]["revoked"]
        assert len(listed) == 2

        serve_c, invite_c = start_serve(c)
        serves.append(serve_c)
        invite_a = js(a, "invite")["code"]
        ok(c, "join", invite_a)  # through Carl's serve: follows Ann, dials the desk
        poll(lambda: {"from the laptop", "from the desk"} <= set(feed_texts(c)),
             "both of Ann's posts at Carl's", within=WITHIN, every=0.2)
        authors = {p["author"] for p in js(c, "feed")["items"] if p["text"].startswith("from")}
        assert authors == {ann}  # one account, one timeline

        # Dora meets only Carl and follows Ann: she gets Ann's logs through him
        serve_d, _ = start_serve(d)
        serves.append(serve_d)
        ok(d, "join", invite_c)
        ok(d, "follow", ann)
        poll(lambda: "from the laptop" in feed_texts(d), "Ann's posts at Dora's",
             within=WITHIN, every=0.2)

        # revoke the laptop with the phrase, through the desk's serve, while Carl and
        # Dora are online; watch both stores (read-only SQLite, every 5 ms)
        device = ids.decode(ids.DEVICE, laptop)
        with ThreadPoolExecutor(2) as pool:
            seen = [pool.submit(revocation_stored, home, device) for home in (c, d)]
            ok(a, "device", "revoke", laptop, "--phrase-stdin", stdin=words)
            at_c, at_d = (f.result() for f in seen)
        signed = revocation_signed(a, device)
        print(f"revocation: stored at Carl's {at_c - signed:.0f} ms and at Dora's (two hops) "
              f"{at_d - signed:.0f} ms after it was signed")
        assert laptop in revoked(c, ann) and laptop in revoked(d, ann)
        stop(serves.pop(0))  # the desk goes offline

        # Erin meets only Carl after that, follows Ann, and learns it from him
        serve_e, _ = start_serve(e)
        serves.append(serve_e)
        ok(e, "join", invite_c)
        ok(e, "follow", ann)
        poll(lambda: laptop in revoked(e, ann), "the revocation at Erin's", within=WITHIN,
             every=0.1)
        assert "from the laptop" in feed_texts(e)  # written before: still valid

        # the thief posts from the laptop and pushes it to Carl: refused by both
        ok(b, "post", "written by the thief")
        ok(b, "join", invite_c)
        assert js(b, "sync", "--once")["reached"] >= 1  # Carl: done when this returns
        for home in (c, d, e):
            assert "written by the thief" not in feed_texts(home)

        # a message to Ann written after the revocation: sealed to a key the laptop lacks
        ok(c, "dm", ann, "sent after the revocation")
        ok(b, "sync", "--once")  # the laptop carries Carl's log (it follows him now)
        texts = [v["last_text"] for v in js(b, "inbox")["conversations"]]
        assert "sent after the revocation" not in texts
        ok(a, "join", invite_c)  # the desk, back online for a moment, reads it
        ok(a, "sync", "--once")
        assert "sent after the revocation" in [v["last_text"]
                                               for v in js(a, "inbox")["conversations"]]
    finally:
        for proc in serves:
            if proc.poll() is None:
                assert "Traceback" not in stop(proc)
    for home in (a, c, d, e):
        assert json.loads(ok(home, "verify", "--json"))["ok"]
