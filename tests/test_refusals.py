"""The refused set (store/refusals.py) on real SQLite files: who is refused and why,
what refusing does to what the home holds, and that ingest refuses without blame."""

from __future__ import annotations

from pathlib import Path

import pytest

from p2psocial import content as c
from p2psocial.store import Store
from tests.helpers import Author


def _home(tmp_path: Path) -> tuple[Store, Author]:
    me = Author(1)
    store = Store(tmp_path / "store.db")
    store.set_local_account(me.id)
    store.ingest(me.log)
    return store, me


def _post(author: Author, text: str) -> None:
    author.add(c.Post(text))


def test_the_refused_set_counts_blocks_lists_and_keeps_exceptions_and_follows(
        tmp_path: Path) -> None:
    store, me = _home(tmp_path)
    friend, spammer, pal, excepted, quiet = (Author(n) for n in (2, 3, 4, 5, 6))
    me.add(c.Follow(pal.id))
    me.add(c.Block(quiet.id))
    store.ingest(me.log[1:])
    for listed in (spammer, pal, excepted):
        friend.add(c.Block(listed.id))
    store.ingest(friend.log)
    assert store.refused() == {quiet.id}  # a list counts only once subscribed
    store.refusals.choose("subscribe", friend.id, True)
    store.refusals.choose("except", excepted.id, True)
    store.refusals.choose("private", Author(7).id, True)
    assert store.refused() == {quiet.id, spammer.id, Author(7).id}
    why = {r.account: (r.why, r.kept) for r in store.refusals.review()}
    listed = "list:" + friend.id.hex()
    assert why[pal.id] == ((listed,), "following")
    assert why[excepted.id] == ((listed,), "exception")
    assert why[spammer.id] == ((listed,), None)
    assert why[quiet.id] == (("block",), None)
    assert why[Author(7).id] == (("private",), None)
    friend.add(c.Unblock(spammer.id))  # the list owner changes their mind
    store.ingest(friend.log[-1:])
    assert spammer.id not in store.refused()


def test_refusing_truncates_what_is_held_and_ingest_refuses_more_without_blame(
        tmp_path: Path) -> None:
    store, _me = _home(tmp_path)
    other = Author(3)
    for n in range(20):
        _post(other, f"hello number {n} " + "x" * 500)
    store.ingest(other.log, durable=False, strict=False)
    store.index_text()
    assert store.search("hello").items
    size_before = store.conn.execute("SELECT sum(length(body)) FROM entries").fetchone()[0]
    assert store.refusals.choose("private", other.id, True)
    assert store.devices(other.id) == [(other.ident.device_id, other.id, 1)]  # its cert only
    assert not store.search("hello").items
    assert store.account_posts(other.id).items == []
    size_after = store.conn.execute("SELECT sum(length(body)) FROM entries").fetchone()[0]
    assert size_after < size_before - 20 * 500
    _post(other, "more")
    result = store.ingest(other.log, durable=False, strict=False)
    assert result.refused == len(other.log) and not result.added and not result.rejected
    assert store.head(other.ident.device_id)[0] == 1
    # let back in: the same entries are taken again, with new rowids, and searchable
    assert store.refusals.choose("private", other.id, False)
    top = store.conn.execute("SELECT max(rowid) FROM entries").fetchone()[0]
    result = store.ingest(other.log, durable=False, strict=False)
    assert len(result.added) == len(other.log) - 1 and result.refused == 0
    assert store.conn.execute("SELECT min(e.rowid) FROM entries e JOIN logs l ON l.rowid = "
                              "e.log WHERE l.device = ? AND e.seq > 1",
                              (other.ident.device_id,)).fetchone()[0] > top
    store.index_text()
    assert len(store.search("hello").items) == 20
    assert store.verify() == []
    store.close()
    reopened = Store(tmp_path / "store.db")  # rowids are never reused, even after a restart
    assert reopened.writer._next_rowid > top


def test_a_public_block_by_us_stops_carrying_too(tmp_path: Path) -> None:
    store, me = _home(tmp_path)
    other = Author(3)
    _post(other, "hi")
    store.ingest(other.log, durable=False, strict=False)
    me.add(c.Block(other.id))
    store.ingest(me.log[-1:])
    assert store.head(other.ident.device_id)[0] == 1
    me.add(c.Unblock(other.id))
    store.ingest(me.log[-1:])
    assert store.refused() == set()
    assert len(store.ingest(other.log, strict=False).added) == 1


def test_the_node_wants_list_owners_not_refused_accounts_and_says_so(tmp_path: Path) -> None:
    import trio

    from p2psocial.events import RefusalsChanged
    from p2psocial.home import Home
    from p2psocial.node import Node

    bob, fay, sam = Author(2), Author(3), Author(4)
    bob.add(c.Follow(sam.id))
    fay.add(c.Block(sam.id))
    _post(sam, "spam")

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice:
            await alice.replication.ingest(bob.log + fay.log + sam.log)
            await alice.posts.follow(bob.id)
            me = alice.account_id
            assert await alice.replication.wanted_accounts() == {me, bob.id, sam.id}
            with alice.subscribe() as events:
                assert await alice.blocklists.subscribe(fay.id)
                said = events.receive_nowait()
            assert said == RefusalsChanged(frozenset({sam.id}), frozenset())
            assert await alice.replication.wanted_accounts() == {me, bob.id, fay.id}
            assert await alice.replication.refused() == {sam.id}
            assert sam.id not in {a for _, a, _ in await alice.replication.logs()}
            # an exception lets Sam back; Alice's own private block does not yield to it
            assert await alice.blocklists.except_(sam.id)
            assert sam.id in await alice.replication.wanted_accounts()
            assert await alice.blocklists.block_privately(sam.id)
            assert sam.id not in await alice.replication.wanted_accounts()
            head = alice.store.head(alice.identity.device_id)  # type: ignore[union-attr]
            assert await alice.blocklists.unblock(sam.id) is None  # private: nothing published
            assert alice.store.head(alice.identity.device_id) == head  # type: ignore[union-attr]
            assert sam.id in await alice.replication.wanted_accounts()

    trio.run(scenario)


def test_a_session_stops_sending_a_refused_log_and_asks_again_for_one_let_back() -> None:
    from p2psocial.net import messages as m
    from p2psocial.net.session import SyncSession

    device, account = b"d" * 32, b"a" * 32
    session = SyncSession(heads={device: 10}, accounts={device: account}, wants={account})
    assert session._sendable(device) == 10
    assert session.refusals_changed({account}, ()) == ([], [])
    assert session._sendable(device) == 1  # its certificate is all the store still offers
    frames, back = session.refusals_changed((), {account})
    assert back == [device]
    assert [m.decode(f) for f in frames] == [m.Need(((device, 1),))]


def test_one_list_refuses_at_most_its_bound_and_our_own_blocks_still_count(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A list owner we subscribe to blocks more accounts than LIST_MAX: its first ones
    by signed time count, the rest are left out, and our own block past it stands."""
    from p2psocial.store import refusals
    monkeypatch.setattr(refusals, "LIST_MAX", 3)
    store, me = _home(tmp_path)
    owner = Author(2)
    listed = [Author(10 + n) for n in range(6)]
    for one in listed:
        owner.add(c.Block(one.id))
    store.ingest(owner.log)
    store.refusals.choose("subscribe", owner.id, True)
    me.add(c.Block(listed[-1].id))
    store.ingest(me.log[1:])
    assert store.refused() == {one.id for one in listed[:3]} | {listed[-1].id}
