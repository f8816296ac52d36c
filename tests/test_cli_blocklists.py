"""Refusing accounts at the replication layer, end to end with real processes on
127.0.0.1 (issue 17): Una serves; Sam spams; Fay publicly blocks Sam; Tom follows Sam
but meets only Una. Una carries Sam (two hops, through Tom) until she subscribes to
Fay's blocklist: then what she held of Sam is gone, Sam's new posts are refused at
her door, and Tom, syncing from Una alone, no longer gets them. Unsubscribing lets
Sam back in (his posts are fetched again); a private block then stops replication
again, with nothing published."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from p2psocial import ids as ids_mod
from tests.clikit import feed_texts, js, ok, start_serve, stop
from tests.waitkit import poll


def _read(home: Path, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(f"file:{home / 'store.sqlite'}?mode=ro", uri=True) as conn:
        return conn.execute(sql, args).fetchall()


def held_texts(home: Path, account: str) -> list[str]:
    """The texts of ``account``'s live posts that ``home``'s store holds."""
    return [r[0] for r in _read(home, "SELECT p.text FROM posts p JOIN accounts a ON "
                                "a.rowid = p.author WHERE a.id = ? AND p.deleted = 0",
                                ids_mod.decode(ids_mod.ACCOUNT, account))]


def own_entries(home: Path) -> int:
    """How many entries of its own account ``home`` holds (a published block adds one)."""
    return int(_read(home, "SELECT count(*) FROM entries e JOIN logs l ON l.rowid = e.log "
                     "JOIN accounts a ON a.rowid = l.account JOIN meta m ON "
                     "m.key = 'local_account' AND m.value = a.id")[0][0])


def sync(home: Path) -> None:
    assert js(home, "sync", "--once")["reached"] >= 1


def test_a_shared_blocklist_and_a_private_block_stop_carrying(tmp_path: Path) -> None:
    una, sam, fay, tom = (tmp_path / n for n in ("una", "sam", "fay", "tom"))
    for home, name in ((una, "Una"), (sam, "Sam"), (fay, "Fay"), (tom, "Tom")):
        ok(home, "init", "--name", name)
    ids = {h: js(h, "whoami")["account"] for h in (una, sam, fay, tom)}
    serve, code = start_serve(una)
    try:
        for home in (sam, fay, tom):
            ok(home, "join", code)  # each follows Una and knows her address
        ok(una, "follow", ids[fay])  # through the serve: Una wants Fay's log
        ok(una, "follow", ids[tom])
        ok(tom, "follow", ids[sam])  # Una carries Sam two hops away, through Tom
        sync(tom)
        ok(sam, "post", "spam 1")
        sync(sam)
        poll(lambda: held_texts(una, ids[sam]), "Una holds Sam's post",
             until=lambda texts: "spam 1" in texts)
        sync(tom)
        assert "spam 1" in feed_texts(tom)  # Tom gets Sam's posts through Una

        ok(fay, "block", ids[sam])  # public, as today
        sync(fay)
        assert js(una, "blocklist", "show")["refused"] == []  # not adopted yet
        before = own_entries(una)
        said = js(una, "blocklist", "subscribe", ids[fay])
        assert said["changed"] is True
        shown = poll(lambda: js(una, "blocklist", "show"), "Sam refused through Fay's list",
                     until=lambda doc: doc["refused"])
        assert shown["refused"] == [{"account": ids[sam], "why": ["list"],
                                     "lists": [ids[fay]], "kept": None}]
        assert held_texts(una, ids[sam]) == []  # what Una held of Sam is gone
        assert own_entries(una) == before  # a subscription publishes nothing

        ok(sam, "post", "spam 2")
        sync(sam)  # Una refuses it at the door, and Sam is not blamed for trying
        sync(tom)
        assert "spam 2" not in feed_texts(tom)
        assert held_texts(una, ids[sam]) == []

        # unsubscribing lets Sam back in: his posts are fetched again
        ok(una, "blocklist", "unsubscribe", ids[fay])
        sync(sam)
        poll(lambda: held_texts(una, ids[sam]), "Sam's posts fetched again",
             until=lambda texts: {"spam 1", "spam 2"} <= set(texts))

        # a private block: the same, with nothing published
        before = own_entries(una)
        ok(una, "block", ids[sam], "--private")
        assert held_texts(una, ids[sam]) == []
        ok(sam, "post", "spam 3")
        sync(sam)
        sync(tom)
        assert "spam 3" not in feed_texts(tom) and held_texts(una, ids[sam]) == []
        assert own_entries(una) == before
    finally:
        stop(serve)
    doc = json.loads(ok(una, "blocklist", "show", "--json"))
    assert doc["refused"][0]["why"] == ["private"]
