"""Mutes and word filters on the command line, with real processes on 127.0.0.1 (issue
17): Alice and Bob each run ``p2psocial serve``; Alice mutes Bob through her serve's
control endpoint, his posts vanish from her ``feed`` and come back on ``unmute``, and
her log's head never moves (nothing is published), while his new posts keep arriving
and being stored. Then, with no serve, #tags, threads and word filters."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from p2psocial import ids
from tests.clikit import fails, feed_texts, js, ok, poll_feed, start_serve, stop
from tests.waitkit import poll


def own_head(home: Path) -> list[tuple[bytes, int]]:
    """(device, head seq) of every log of the home's own account, read from its store."""
    with sqlite3.connect(f"file:{home / 'store.sqlite'}?mode=ro", uri=True) as conn:
        return conn.execute(
            "SELECT l.device, l.head_seq FROM logs l JOIN accounts a ON a.rowid = l.account "
            "JOIN meta m ON m.key = 'local_account' AND m.value = a.id "
            "ORDER BY l.device").fetchall()


def held_posts(home: Path, account: str) -> int:
    """How many live posts of ``account`` the home stores (its profile's count)."""
    return int(js(home, "profile", account)["posts"])


def test_mute_hides_an_account_from_the_feed_beside_a_serve_and_publishes_nothing(
        tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    ok(a, "init", "--name", "Alice")
    ok(b, "init", "--name", "Bob")
    bob = js(b, "whoami")["account"]
    serve_a = serve_b = None
    try:
        (serve_a, code), (serve_b, _) = start_serve(a), start_serve(b)
        assert js(b, "join", code)["followed"] is True
        ok(a, "follow", bob)
        ok(a, "post", "alice here")
        ok(b, "post", "bob one")
        assert "bob one" in poll_feed(a, "bob one")
        before = own_head(a)

        muted = js(a, "mute", bob)  # through Alice's serve: its lock holds the home
        assert muted == {"kind": "account", "target": bob, "muted": True, "changed": True}
        assert feed_texts(a) == ["alice here"]
        assert [m["target"] for m in js(a, "mutes")["mutes"]] == [bob]
        # Bob's new post still arrives and is stored (replicated, carried), unseen
        ok(b, "post", "bob two")
        poll(lambda: held_posts(a, bob), "bob's second post stored at Alice",
             until=lambda n: n == 2, within=30, every=0.2)
        assert feed_texts(a) == ["alice here"]
        assert "was muted already" in ok(a, "mute", bob)

        assert js(a, "unmute", bob)["changed"] is True
        assert feed_texts(a) == ["bob two", "bob one", "alice here"]
        assert own_head(a) == before  # neither the mute nor the unmute wrote an entry
        assert "self" in fails(a, "mute", js(a, "whoami")["account"])
    finally:
        for proc in (serve_a, serve_b):
            if proc is not None:
                stop(proc)

    # no serve now: the same actions run here, with the home's keys
    ok(a, "post", "#Politics again")
    root = js(a, "post", "a thread")["id"]
    reply = js(a, "post", "in the thread", "--reply-to", root)["id"]
    assert js(a, "mute", "#politics")["target"] == "#politics"
    assert "bob one" in feed_texts(a) and "#Politics again" in feed_texts(a)  # own: kept
    ok(a, "mute", bob)
    assert js(a, "mute", "--thread", reply)["target"] == json.loads(
        ok(a, "thread", reply, "--json"))["root"]
    ok(a, "filter", "add", "Bob", "--warn")
    assert js(a, "filter", "list")["filters"][0] | {"since": None} == {
        "phrase": "bob", "action": "warn", "since": None}
    ok(a, "unmute", bob)
    items = {p["text"]: p for p in js(a, "feed")["items"]}
    assert items["bob one"]["filtered"] == "bob"
    assert '(hidden: contains "bob": add --show-cw to read it)' in ok(a, "feed")
    ok(a, "filter", "add", "bob")  # now hide: gone from the feed
    assert "bob one" not in feed_texts(a)
    assert "Removed" in ok(a, "filter", "remove", "BOB")
    assert "There is no filter" in ok(a, "filter", "remove", "bob")
    assert "bob one" in feed_texts(a)
    kinds = sorted(m["kind"] for m in js(a, "mutes")["mutes"])
    assert kinds == ["tag", "thread"]
    # what people mistype: one line each, nothing written
    assert "Name one account" in fails(a, "mute", code=2)
    assert "Name one account" in fails(a, "mute", bob, "--thread", root, code=2)
    assert "not a #tag" in fails(a, "mute", "#two words")
    assert "needs a word" in fails(a, "filter", "add", "  ")
    assert "no post" in fails(a, "mute", "--thread", ids.entry_text(b"\1" * 32))
