"""The storage budget with real processes on 127.0.0.1 (issue 17): a flood from an
account two hops away ends within the budget, while every entry of one's own and of
followed accounts keeps its body; the logs still verify, and a peer takes the
bodiless entries sent on.

Homes: Ann ``a`` follows Bob ``b``; Bob follows Cid ``c``, who floods (150 posts of
32 kB, about 4.8 MB) against Ann's budget of 1 MB. Dora ``d`` meets only Ann and
follows Cid: she gets Cid's log from Ann, with the bodies Ann dropped missing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import trio

from p2psocial.home import Home
from p2psocial.node import Node
from tests.clikit import fails, js, ok, start_serve, stop
from tests.waitkit import poll

WITHIN = 60.0  # seconds: generous on a shared machine
BIG = "\U0001f600" * 7990  # about 32 kB of text, nearly the longest post


def write_posts(home: Path, count: int, label: str) -> None:
    """``count`` big posts in ``home``'s log, written by a node in this process."""
    async def go() -> None:
        node = Node.open(Home(home))
        try:
            for i in range(count):
                await node.posts.post(f"{label} {i} {BIG}")
        finally:
            node.close()
    trio.run(go)


def bodies(home: Path, account: str) -> tuple[int, int]:
    """(entries, entries holding their body) of ``account``'s logs in ``home``'s store."""
    from p2psocial import ids

    raw = ids.decode(ids.ACCOUNT, account)
    with sqlite3.connect(f"file:{home / 'store.sqlite'}?mode=ro", uri=True) as conn:
        row = conn.execute(
            "SELECT count(*), count(e.body) FROM entries e JOIN logs l ON l.rowid = e.log "
            "JOIN accounts a ON a.rowid = l.account WHERE a.id = ?", (raw,)).fetchone()
    return int(row[0]), int(row[1])


def test_a_two_hop_flood_ends_within_the_budget(tmp_path: Path) -> None:
    a, b, c, d = (tmp_path / n for n in "abcd")
    for home, name in ((a, "Ann"), (b, "Bob"), (c, "Cid"), (d, "Dora")):
        ok(home, "init", "--name", name)
    cid = js(c, "whoami")["account"]
    bob = js(b, "whoami")["account"]
    ann = js(a, "whoami")["account"]
    write_posts(a, 5, "ann")
    write_posts(b, 40, "bob")  # 1.3 MB: over the budget, and followed: all kept
    write_posts(c, 150, "cid")
    assert "between 1 MB and 1 PB" in fails(a, "storage", "--budget", "100kB")
    serves = []
    try:
        serve_c, invite_c = start_serve(c)
        serves.append(serve_c)
        ok(b, "join", invite_c)  # Bob follows Cid
        serve_b, invite_b = start_serve(b)
        serves.append(serve_b)
        serve_a, invite_a = start_serve(a)
        serves.append(serve_a)
        # through Ann's serve (its control socket): the serve obeys at once
        set_to = js(a, "storage", "--budget", "1MB", "--per-account", "1MB")
        assert set_to["budget_bytes"] == set_to["per_account_bytes"] == 1_000_000
        ok(a, "join", invite_b)  # through Ann's serve: follows Bob; Cid is two hops away

        flood = bodies(c, cid)[0]  # device, profile, 150 posts

        def held() -> tuple[dict, int, int, int]:
            """The report between two counts of Cid's entries: when both counts are
            the whole flood, the report saw all of it (a report read while entries
            still came in was within the budget only for want of them); a run that
            ends in between only lowers what the second count sees."""
            before = bodies(a, cid)[0]
            report = js(a, "storage")
            return (report, *bodies(a, cid), before)

        report, total, kept, _ = poll(
            held, "Cid's whole log at Ann's, within the budget",
            until=lambda x: x[3] == x[1] == flood and x[0]["budgeted_bytes"] <= 1_000_000,
            within=WITHIN, every=0.5)
        report, total, kept, _ = held()  # nothing more arrives; runs only lower it
        print(f"\nAnn holds Cid's {total} entries, {kept} with their body; budgeted "
              f"{report['budgeted_bytes']} bytes of 1,000,000; dropped "
              f"{report['dropped_bodies']} bodies")
        assert report["budgeted_bytes"] <= 1_000_000
        assert 0 < kept < 20  # the newest stayed (64 kB each, text included), the oldest went
        assert report["kinds"]["two_hops"]["accounts"] == 1
        assert bodies(a, bob) == bodies(b, bob) == (43, 43)  # with profile, follow: all
        assert bodies(a, ann) == (8, 8)  # device, profile, 5 posts, follow of Bob
        assert report["kinds"]["followed"]["bodies_bytes"] > 1_000_000
        text = ok(a, "storage")
        assert "Two hops away:" in text and "of 1.0 MB, at most 1.0 MB per account" in text
        assert "Largest of them: Cid (two hops away) " in text
        assert report["largest"][0]["name"] == "Cid"

        # Dora follows Cid and meets only Ann: she takes the bodiless entries too
        ok(d, "join", invite_a)
        ok(d, "follow", cid)
        ok(d, "sync", "--once")
        assert bodies(d, cid) == bodies(a, cid) == (flood, kept)
    finally:
        for proc in serves:
            if proc.poll() is None:
                assert "Traceback" not in stop(proc)
    for home in (a, d):
        assert js(home, "verify")["ok"]
