"""Community moderation from the command line, as real subprocesses on real homes
with Alice's ``serve`` on 127.0.0.1 (issue 17): a sybil floods an open community, a
moderator removes it, and members' nodes stop carrying it; a report reaches only the
moderators. Nobody follows anybody but the inviter (an invite's join follows it), so
the sybil's posts travel only because members replicate the community's roster."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from p2psocial import ids
from tests.clikit import POLL_FOR, fails, group_texts, js, ok, start_serve, stop
from tests.waitkit import poll

FLOOD = 20


def held_bodies(home: Path, author: str) -> int:
    """Entries of ``author`` whose body ``home`` holds (read-only, beside a serve)."""
    with closing(sqlite3.connect(f"file:{home / 'store.sqlite'}?mode=ro", uri=True)) as db:
        return int(db.execute(
            "SELECT count(*) FROM entries e JOIN logs l ON l.rowid = e.log JOIN accounts a "
            "ON a.rowid = l.account WHERE a.id = ? AND e.body IS NOT NULL AND e.kind = 11",
            (ids.decode(ids.ACCOUNT, author),)).fetchone()[0])


def members(home: Path) -> set[str]:
    [view] = js(home, "community", "list")["communities"]
    return {m["account"] for m in view["members"]}


def sync(home: Path) -> None:
    summary = js(home, "sync", "--once", "--timeout", "20")
    assert summary["reached"] == 1, summary


@pytest.fixture
def homes(tmp_path: Path) -> Iterator[dict[str, tuple[Path, str]]]:
    yield {name: (tmp_path / name, js(tmp_path / name, "init", "--name", name)["account"])
           for name in ("Alice", "Bob", "Carol", "Sybil")}


def test_a_moderator_removes_a_sybil_and_a_report_reaches_only_moderators(
        homes: dict[str, tuple[Path, str]]) -> None:
    (a, alice), (b, bob), (c, carol), (s, sybil) = homes.values()
    cid = js(a, "community", "create", "Village hall")["id"]
    assert fails(b, "community", "remove", cid, sybil) == "You are in no community with that id"
    serve, _ = start_serve(a)
    try:
        code = js(a, "invite", "--community", cid)["code"]
        for home in (b, c, s):
            assert js(home, "join", code)["community"] == cid
            sync(home)  # the roster exchange puts each on Alice's roster
        poll(lambda: members(a), "everyone on Alice's roster",
             until=lambda m: m == {alice, bob, carol, sybil}, within=POLL_FOR, every=0.2)
        said = ok(a, "community", "moderator", "add", cid, bob)  # by Alice's serve
        assert said.startswith("Bob (") and "moderates this community now" in said
        assert fails(c, "community", "moderator", "add", cid, carol) == (
            "Only the creator of a community names its moderators")

        for n in range(FLOOD):  # the flood
            ok(s, "group", "post", cid, f"cheap pills {n}")
        sync(s)
        poll(lambda: held_bodies(a, sybil), "the flood at Alice", until=lambda n: n >= FLOOD,
             within=POLL_FOR, every=0.2)
        for home in (b, c):
            sync(home)
            assert sum("cheap pills" in t for t in group_texts(home, cid)) == FLOOD
        assert js(b, "community", "moderators", cid)["is_moderator"] is True
        assert fails(c, "community", "remove", cid, sybil) == (
            "Only the moderators of this community can do that")

        # Carol reports a post: sealed to Alice and Bob only
        spam = js(c, "group", "show", cid)["items"][0]["id"]
        sent = js(c, "report", spam, "--community", cid, "--reason", "spam, twenty times")
        assert sorted(sent["moderators"]) == sorted([alice, bob])
        sync(c)
        [got] = poll(lambda: js(a, "community", "reports", cid)["reports"],
                     "the report at Alice", until=bool, within=POLL_FOR, every=0.2)
        assert (got["from"], got["target"], got["reason"], got["post_author"]) == (
            carol, spam, "spam, twenty times", sybil)
        sync(b)
        assert [r["entry"] for r in js(b, "community", "reports", cid)["reports"]] == [
            sent["entry"]]
        assert "reported the post" in ok(b, "community", "reports", cid)
        # Sybil, a member that is no moderator, holds the report and cannot open it
        sync(s)
        assert fails(s, "community", "reports", cid) == (
            "Only the moderators of this community can do that")
        with closing(sqlite3.connect(f"file:{s / 'store.sqlite'}?mode=ro", uri=True)) as db:
            assert db.execute("SELECT count(*) FROM entries WHERE id = ? AND body IS NOT NULL",
                              (ids.decode(ids.ENTRY, sent["entry"]),)).fetchone()[0] == 1
            assert db.execute("SELECT count(*) FROM community_reports").fetchone()[0] == 0

        # Bob removes Sybil; Alice's serve and Carol learn it from Bob's log
        said = ok(b, "community", "remove", cid, sybil)
        assert said.startswith("Removed Sybil (") and "Removed: Sybil (" in said
        assert held_bodies(b, sybil) == 0 and sybil not in members(b)
        sync(b)
        poll(lambda: held_bodies(a, sybil), "Alice drops the flood", until=lambda n: n == 0,
             within=POLL_FOR, every=0.2)
        assert members(a) == {alice, bob, carol}
        assert not any("cheap pills" in t for t in group_texts(a, cid))
        sync(c)
        assert members(c) == {alice, bob, carol}  # which scans what arrived
        assert held_bodies(c, sybil) == 0

        # Sybil floods on and syncs again (its own line with it): nothing is carried
        ok(s, "group", "post", cid, "cheap pills again")
        sync(s)
        assert held_bodies(a, sybil) == 0 and members(a) == {alice, bob, carol}
        assert js(s, "community", "moderators", cid)["removed_me"] is True
        sync(c)
        assert members(c) == {alice, bob, carol} and held_bodies(c, sybil) == 0
        assert fails(b, "community", "remove", cid, alice) == (
            "Nobody removes the creator of a community")
    finally:
        err = stop(serve)
        print(err)
    assert "Traceback" not in err
