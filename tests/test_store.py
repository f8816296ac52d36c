"""Store tests on real SQLite files: ingest rules, derived state, queries, damage."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import T0, Author, make_entry, make_identity, make_log

from p2psocial import content as c
from p2psocial.entry import Entry
from p2psocial.errors import BadCertificate, BadSignature, BrokenLink, HomeError
from p2psocial.store import Cursor, Store
from p2psocial.store.queries import fts_query


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "store.sqlite")
    yield s
    s.close()


def count(store: Store, table: str) -> int:
    return int(store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_ingest_is_idempotent_and_reports_gaps(store: Store) -> None:
    log = make_log(make_identity(1), 30)
    first = store.ingest(log[:10])
    assert len(first.added) == 10 and first.skipped == 0
    again = store.ingest(log[:10] + log[:10])
    assert again.added == [] and again.skipped == 10
    gap = store.ingest(log[15:20] + log[10:12])
    assert [e.seq for e in gap.added] == [11, 12]
    assert gap.missing == {log[0].device: 13}
    assert count(store, "entries") == 12
    assert store.head(log[0].device) == (12, log[11].id)


def test_peer_batches_skip_the_fsync_and_leave_the_store_durable(store: Store) -> None:
    def synchronous() -> int:
        return int(store.conn.execute("PRAGMA synchronous").fetchone()[0])

    log = make_log(make_identity(1), 4)
    assert synchronous() == 2  # FULL
    store.ingest(log[:2], durable=False)
    assert synchronous() == 2, "the next (own) commit is durable again"
    bad = make_log(make_identity(2), 2)
    forged = Entry(bad[1].header._replace(signature=bytes(64)), bad[1].raw, bad[1].id,
                   bad[1].body)
    with pytest.raises(BadSignature):  # restored on failure too
        store.ingest([bad[0], forged], durable=False)
    assert synchronous() == 2
    assert store.head(log[0].device) == (2, log[1].id)


def test_a_bad_run_rejects_the_whole_batch(store: Store) -> None:
    good = make_log(make_identity(1), 5)
    forged = make_log(make_identity(2), 5)
    other = make_identity(3)
    # re-sign the last entry of the second log with another device's key
    last = forged[-1]
    resigned = make_entry(other, None, c.Post("x"), last.timestamp)
    tampered = Entry(last.header._replace(signature=resigned.header.signature),
                     last.raw, last.id, last.body)
    with pytest.raises(BadSignature):
        store.ingest(good + forged[:-1] + [tampered])
    assert count(store, "entries") == 0 and count(store, "posts") == 0


def test_a_log_must_start_with_a_valid_certificate(store: Store) -> None:
    alice, mallory = make_identity(1), make_identity(2)
    with pytest.raises(BadCertificate):
        store.ingest([make_entry(alice, None, c.Post("no certificate"), T0)])
    # mallory's device presents a certificate for alice's account that alice never signed
    stolen = c.DeviceAnnouncement(alice.cert)
    with pytest.raises(BadCertificate):
        store.ingest([make_entry(mallory, None, stolen, T0)])
    assert count(store, "entries") == 0


def test_two_entries_with_one_sequence_number_are_refused(store: Store) -> None:
    ident = make_identity(1)
    log = make_log(ident, 3)
    fork = make_entry(ident, log[1], c.Post("a different third entry"), T0 + 5)
    with pytest.raises(BrokenLink):
        store.ingest([*log, fork])


def test_home_timeline_follows_blocks_and_keyset_paging(store: Store) -> None:
    me, bob, carol = Author(1), Author(2), Author(3)
    store.set_local_account(me.id)
    for i in range(60):
        bob.add(c.Post(f"bob {i}"))
        carol.add(c.Post(f"carol {i}"))
    me.add(c.Post("mine"), ts=T0 + 10**6)
    store.ingest(me.log + bob.log + carol.log)
    assert [p.text for p in store.queries.home().items] == ["mine"]

    me.add(c.Follow(bob.id))
    store.ingest(me.log)
    seen: list[str] = []
    cursor: Cursor | None = None
    while True:
        page = store.queries.home(limit=25, before=cursor)
        seen += [p.text for p in page.items]
        if page.next is None:
            break
        cursor = page.next
    assert len(seen) == 61 and len(set(seen)) == 61
    assert seen[0] == "mine" and seen[1] == "bob 59" and seen[-1] == "bob 0"

    me.add(c.Block(bob.id))
    store.ingest(me.log)
    assert [p.text for p in store.queries.home().items] == ["mine"]
    me.add(c.Unblock(bob.id))
    me.add(c.Unfollow(bob.id))
    me.add(c.Follow(carol.id))
    store.ingest(me.log)
    assert store.queries.home(limit=2).items[1].text == "carol 59"
    assert store.following(me.id) == [carol.id]
    assert store.followers(carol.id) == [me.id]


def test_last_writer_wins_for_profiles_and_follows(store: Store) -> None:
    a, b = Author(1), Author(2)
    a.add(c.Profile("New"), ts=T0 + 50_000)
    b.add(c.Profile("Bob"))
    store.ingest(a.log + b.log)
    # a second device of account 1 publishes an OLDER profile later: it must not win
    second = make_identity(1, device_byte=77)
    log2 = make_log(second, 1)
    log2.append(make_entry(second, log2[-1], c.Profile("Old"), T0 + 10_000))
    store.ingest(log2)
    assert store.profile(a.id).name == "New"
    assert store.profile(a.id).devices == 2


def test_replies_threads_reactions_and_mentions(store: Store) -> None:
    me, bob = Author(1), Author(2)
    store.set_local_account(me.id)
    root = bob.add(c.Post("root post"), ts=T0 + 10_000)
    reply = me.add(c.Post("a reply", reply_parent=root.id, thread_root=root.id), ts=T0 + 20_000)
    bob.add(c.Post("nested", reply_parent=reply.id, thread_root=root.id,
                   mentions=(me.id,)), ts=T0 + 30_000)
    me.add(c.Reaction(root.id, "👍"))
    bob.add(c.Reaction(root.id, "👍"))
    bob.add(c.Reaction(root.id, "🎉"))
    bob.add(c.Reaction(root.id, "🎉", undo=True))
    store.ingest(me.log + bob.log)
    thread = store.queries.thread(reply.id)
    assert [p.text for p in thread] == ["root post", "a reply", "nested"]
    assert thread[0].reply_count == 1 and thread[1].reply_count == 1
    assert thread[0].reactions == (("👍", 2),)
    assert [p.text for p in store.mentions(me.id).items] == ["nested"]


def test_edits_apply_in_any_order_and_only_from_the_author(store: Store) -> None:
    me, bob = Author(1), Author(2)
    store.set_local_account(me.id)
    post = me.add(c.Post("first draft about llamas"))
    me.add(c.Edit(post.id, "final text about alpacas"))
    bob.add(c.Edit(post.id, "bob was here"))
    # the edit arrives before the post: ingest bob's log, then mine
    store.ingest(bob.log)
    store.ingest(me.log)
    view = store.queries.post(post.id)
    assert view is not None and view.text == "final text about alpacas" and view.edited
    assert store.search("alpacas").items and not store.search("llamas").items


def test_delete_drops_the_body_for_good(store: Store) -> None:
    me, bob = Author(1), Author(2)
    store.set_local_account(me.id)
    secret = me.add(c.Post("a secret that must go"))
    bob.add(c.Delete(secret.id))  # not bob's to delete
    store.ingest(me.log + bob.log)
    assert store.queries.post(secret.id) is not None and not store.queries.post(secret.id).deleted
    me.add(c.Delete(secret.id))
    store.ingest(me.log)
    body = store.conn.execute("SELECT body FROM entries WHERE id = ?", (secret.id,)).fetchone()
    assert body == (None,)
    view = store.queries.post(secret.id)
    assert view is not None and view.deleted and view.text == ""
    assert not store.search("secret").items and not store.queries.home().items
    assert store.verify(full=True) == []  # the log still verifies without the body
    store.close()
    assert b"a secret that must go" not in Path(store.path).read_bytes()


def test_delete_that_arrives_before_its_target(tmp_path: Path) -> None:
    me = Author(1)
    post = me.add(c.Post("regrettable"))
    me.add(c.Delete(post.id))
    # a relay holds the log but sends the delete's run first, the target later: here we
    # simulate by ingesting into a store that already knows the delete from a backup
    with Store(tmp_path / "s.sqlite") as s:
        s.ingest(me.log)
        assert s.conn.execute("SELECT body FROM entries WHERE id = ?",
                              (post.id,)).fetchone() == (None,)


def test_search_treats_input_as_words(store: Store) -> None:
    a = Author(1)
    store.set_local_account(a.id)
    a.add(c.Post('He said "hello" AND left * (quickly) #Travel'))
    store.ingest(a.log)
    for query in ['"hello', "AND", "quick", "travel", "said AND", "(quickly)"]:
        assert store.search(query).items, query
    assert fts_query("") == "" and not store.search("!!!").items


def test_verify_reports_damage(store: Store) -> None:
    log = make_log(make_identity(1), 20)
    store.ingest(log)
    assert store.verify(full=True) == []
    store.conn.execute("UPDATE entries SET body = x'00' WHERE seq = 7")
    problems = store.verify()
    assert len(problems) == 1 and problems[0].seq == 7 and "body" in problems[0].reason


def test_queries_use_their_indexes(store: Store) -> None:
    plans = {
        "home": "SELECT rowid FROM posts WHERE in_home = 1 AND (ts, rowid) < (1, 1) "
                "ORDER BY ts DESC, rowid DESC LIMIT 50",
        "author": "SELECT rowid FROM posts WHERE author = 1 AND (ts, rowid) < (1, 1) "
                  "ORDER BY ts DESC, rowid DESC LIMIT 50",
        "thread": "SELECT rowid FROM posts WHERE root = x'00'",
        "entry by id": "SELECT rowid FROM entries WHERE id8 = 5 AND id = x'00'",
    }
    for name, sql in plans.items():
        plan = " ".join(r[3] for r in store.conn.execute("EXPLAIN QUERY PLAN " + sql))
        assert "USING" in plan and "SCAN posts" not in plan, (name, plan)


def test_readonly_store_reads_while_a_writer_is_open(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with Store(path) as writer:
        writer.ingest(make_log(make_identity(1), 5))
        with Store(path, readonly=True) as reader:
            assert reader.count_entries() == 5
            with pytest.raises(RuntimeError):  # a programming error, not a user's
                reader.ingest([])


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    Store(path).close()
    import sqlite3
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(HomeError, match="newer"):
        Store(path)
