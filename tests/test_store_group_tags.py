"""Group entries found by their tag (store/group_tags.py), and those written before
issue 12 (the group id in the clear) found as before, on real SQLite files."""

from __future__ import annotations

import os
from pathlib import Path

from p2psocial import codec, envelope, private
from p2psocial import content as c
from p2psocial.store import Store
from tests.helpers import Author
from tests.storekit import opener, store_of


def v1_group_body(value: private.GroupPost, gid: bytes, epoch: int, key: bytes,
                  author: bytes) -> bytes:
    """A GROUP body as versions before issue 12 sealed it."""
    nonce = os.urandom(envelope.NONCE_LEN)
    aad = codec.encode((1, gid, epoch, author))
    return codec.encode((1, gid, epoch, nonce,
                         envelope._encrypt(private.encode(value), aad, nonce, key)))


def grant(admin: Author, to: list[Author], gid: bytes, salt: bytes, epoch: int,
          key: bytes) -> None:
    value = private.GroupKey(gid, salt, epoch, key, "G",
                             tuple(sorted({admin.id, *(a.id for a in to)})))
    admin.add(c.Sealed(c.Kind.PRIVATE, private.seal(
        value, [admin.ident.enc_public, *(a.ident.enc_public for a in to)],
        admin.id, os.urandom)))


def texts(s: Store, gid: bytes) -> list[str]:
    page = s.conversation(gid)
    assert page is not None
    return sorted(m.text for m in page.items)


def test_old_and_new_group_entries_open_before_and_after_their_key(tmp_path: Path) -> None:
    alice, bob = Author(1), Author(2)
    salt, keys = os.urandom(32), [os.urandom(32), os.urandom(32)]
    gid = private.group_id_of(alice.id, salt)
    # epoch 0: an old-style post and a new one, both before Bob holds any key
    bob.add(c.Sealed(c.Kind.GROUP, v1_group_body(private.GroupPost("old, early"), gid, 0,
                                                 keys[0], bob.id)))
    bob.add(c.Sealed(c.Kind.GROUP, private.seal_group(private.GroupPost("new, early"), gid, 0,
                                                      keys[0], bob.id, os.urandom)))
    with store_of(tmp_path / "b.sqlite", bob.ident, bob.log) as s:
        s.scan_private(opener(bob.ident))
        assert s.conn.execute("SELECT count(*) FROM group_pending").fetchone()[0] == 1
        assert s.conn.execute("SELECT count(*) FROM group_untagged").fetchone()[0] == 1
        grant(alice, [bob], gid, salt, 0, keys[0])
        s.ingest(alice.log)
        s.scan_private(opener(bob.ident))
        assert texts(s, gid) == ["new, early", "old, early"]
        assert s.conn.execute("SELECT count(*) FROM group_untagged").fetchone()[0] == 0
        # epoch 1: posts after the key, old and new style
        grant(alice, [bob], gid, salt, 1, keys[1])
        alice.add(c.Sealed(c.Kind.GROUP, v1_group_body(private.GroupPost("old, late"), gid, 1,
                                                       keys[1], alice.id)))
        alice.add(c.Sealed(c.Kind.GROUP, private.seal_group(private.GroupPost("new, late"), gid,
                                                            1, keys[1], alice.id, os.urandom)))
        s.ingest(alice.log[-3:])
        s.scan_private(opener(bob.ident))
        assert texts(s, gid) == ["new, early", "new, late", "old, early", "old, late"]


def test_entries_of_groups_we_are_not_in_wait_and_cost_nothing_to_readers(
        tmp_path: Path) -> None:
    """Carol carries a group she is not in: its entries wait, unopened, and a key of
    another group opens none of them."""
    alice, bob, carol = Author(1), Author(2), Author(3)
    salt, key = os.urandom(32), os.urandom(32)
    gid = private.group_id_of(alice.id, salt)
    grant(alice, [bob], gid, salt, 0, key)
    for i in range(5):
        alice.add(c.Sealed(c.Kind.GROUP, private.seal_group(private.GroupPost(f"p{i}"), gid, 0,
                                                            key, alice.id, os.urandom)))
    mine_salt, mine_key = os.urandom(32), os.urandom(32)
    mine = private.group_id_of(carol.id, mine_salt)
    grant(carol, [], mine, mine_salt, 0, mine_key)
    with store_of(tmp_path / "c.sqlite", carol.ident, alice.log, carol.log) as s:
        s.scan_private(opener(carol.ident))
        assert s.conn.execute("SELECT count(*) FROM group_untagged").fetchone()[0] == 5
        assert s.conversation(gid) is None
        assert [g.id for g in s.groups()] == [mine]
