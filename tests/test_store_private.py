"""The store's private scan (store/inbox.py, migration 4) on real SQLite files."""

from __future__ import annotations

import os
from pathlib import Path

from p2psocial import content as c
from p2psocial import private
from p2psocial.identity import Identity
from p2psocial.store import Store
from tests.helpers import Author, make_identity, make_log
from tests.storekit import opener, store_of

SECRET = "meet at the old mill at nine"


def dm(author: Author, to: list[Identity], text: str = SECRET) -> bytes:
    """Append a direct message from ``author`` to ``to`` (sealed to the author too)."""
    members = private.members_of(author.id, [i.account_id for i in to])
    body = private.seal(private.Message(members, text),
                        [author.ident.enc_public, *(i.enc_public for i in to)],
                        author.id, os.urandom)
    return author.add(c.Sealed(c.Kind.PRIVATE, body)).id


def test_readers_read_carriers_hold_sealed_bytes(tmp_path: Path) -> None:
    alice, bob, carol = Author(1), Author(2), Author(3)
    entry_id = dm(alice, [bob.ident])
    alice_laptop = make_identity(1, 0x55)  # the same account, another device
    laptop_log = make_log(alice_laptop, 1)
    for name, who in (("bob", bob.ident), ("laptop", alice_laptop), ("carol", carol.ident)):
        with store_of(tmp_path / f"{name}.sqlite", who, alice.log, bob.log, laptop_log) as s:
            scan = s.scan_private(opener(who))
            if name == "carol":
                assert scan.messages == [] and s.conversations() == []
                continue
            [new] = scan.messages
            assert (new.entry_id, new.author, new.own) == (entry_id, alice.id, name == "laptop")
            [conv] = s.conversations()
            assert conv.id == private.conversation_id([alice.id, bob.id])
            assert conv.last_text == SECRET and conv.unread == (name == "bob")
    carried = (tmp_path / "carol.sqlite").read_bytes()
    assert SECRET.encode() not in carried and SECRET.encode() in (
        tmp_path / "bob.sqlite").read_bytes()


def test_flipped_bits_fail_closed(tmp_path: Path) -> None:
    """Bodies signed by their author but altered anywhere: nothing stored, no crash."""
    alice, bob = Author(1), Author(2)
    members = private.members_of(alice.id, [bob.id])
    body = private.seal(private.Message(members, SECRET), [bob.ident.enc_public],
                        alice.id, os.urandom)
    for bit in range(0, len(body) * 8, 3):
        flipped = bytearray(body)
        flipped[bit // 8] ^= 1 << (bit % 8)
        alice.add(c.Sealed(c.Kind.PRIVATE, bytes(flipped)))
    alice.add(c.Sealed(c.Kind.GROUP, b"\x95not a group envelope"))
    with store_of(tmp_path / "bob.sqlite", bob.ident, alice.log, bob.log) as s:
        scan = s.scan_private(opener(bob.ident))
        assert scan.messages == [] and scan.scanned == len(alice.log) - 1
        assert s.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 0


def test_a_sender_cannot_slip_into_others_conversations(tmp_path: Path) -> None:
    """Sealed to Bob but naming Carol and Dave as the members: dropped."""
    alice, bob = Author(1), Author(2)
    others = tuple(sorted((make_identity(3).account_id, alice.id, make_identity(4).account_id)))
    body = private.seal(private.Message(others, "forged"), [bob.ident.enc_public],
                        alice.id, os.urandom)
    alice.add(c.Sealed(c.Kind.PRIVATE, body))
    with store_of(tmp_path / "bob.sqlite", bob.ident, alice.log, bob.log) as s:
        assert s.scan_private(opener(bob.ident)).messages == []


def test_scan_is_resumable_and_idempotent(tmp_path: Path) -> None:
    alice, bob = Author(1), Author(2)
    sent = [dm(alice, [bob.ident], f"m{n}") for n in range(5)]
    alice.add(c.Post("public, not scanned"))
    path = tmp_path / "bob.sqlite"
    with store_of(path, bob.ident, alice.log, bob.log) as s:
        first = s.scan_private(opener(bob.ident), limit=2)
        assert [m.entry_id for m in first.messages] == sent[:2] and not first.done
    with Store(path) as s:  # reopened: resumes above the watermark
        rest = s.scan_private(opener(bob.ident))
        assert [m.entry_id for m in rest.messages] == sent[2:] and rest.done
        assert s.inbox.upto() == s.count_entries()
        assert s.scan_private(opener(bob.ident)).scanned == 0
        s.conn.execute("UPDATE meta SET value = 0 WHERE key = 'private_upto'")
        again = s.scan_private(opener(bob.ident))
        assert again.scanned == 5 and again.messages == []  # nothing twice
        assert s.unread_messages() == 5
        cid = private.conversation_id([alice.id, bob.id])
        page = s.conversation(cid, limit=2)
        assert page is not None and [m.text for m in page.items] == ["m4", "m3"]
        older = s.conversation(cid, limit=10, before=page.next)
        assert older is not None and [m.text for m in older.items] == ["m2", "m1", "m0"]
        assert s.inbox.mark_read(cid) and s.unread_messages() == 0


def test_group_entry_waits_for_its_key_and_delete_erases(tmp_path: Path) -> None:
    alice, bob = Author(1), Author(2)
    salt, key = os.urandom(32), os.urandom(32)
    gid = private.group_id_of(alice.id, salt)
    post = bob.add(c.Sealed(c.Kind.GROUP, private.seal_group(
        private.GroupPost("early"), gid, 0, key, bob.id, os.urandom)))
    path = tmp_path / "bob.sqlite"
    with store_of(path, bob.ident, bob.log) as s:  # the post, before any key
        assert s.scan_private(opener(bob.ident)).messages == []
        grant = private.GroupKey(gid, salt, 0, key, "G", tuple(sorted((alice.id, bob.id))))
        alice.add(c.Sealed(c.Kind.PRIVATE, private.seal(
            grant, [alice.ident.enc_public, bob.ident.enc_public], alice.id,
            os.urandom)))
        forged = private.GroupKey(gid, salt, 1, os.urandom(32), "G", grant.members)
        bob.add(c.Sealed(c.Kind.PRIVATE, private.seal(  # Bob is not the admin
            forged, [bob.ident.enc_public], bob.id, os.urandom)))
        s.ingest(alice.log + bob.log)
        [new] = s.scan_private(opener(bob.ident)).messages
        assert (new.conversation, new.entry_id, new.own) == (gid, post.id, True)
        [group] = s.groups()
        assert (group.epoch, group.admin, group.last_text) == (0, alice.id, "early")
        s.ingest([bob.add(c.Delete(post.id))])
        page = s.conversation(gid)
        assert page is not None and page.items == []
