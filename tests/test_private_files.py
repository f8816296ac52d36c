"""Pictures and files of private entries (issue 14; private_files.py, private.py,
envelope.py): sealed blobs, their keys inside the sealed value, their hashes listed in
the clear for carriers; and the values written before attachments existed still read."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nacl.public
import pytest
import trio
from hypothesis import given, settings
from hypothesis import strategies as st

from p2psocial import codec, envelope, private, private_files
from p2psocial import content as c
from p2psocial.blob_refs import BlobRef, blobs_of
from p2psocial.content import Kind
from p2psocial.errors import (
    ContentTooLarge,
    DecryptionFailed,
    InvalidContent,
    InvalidEntry,
    MalformedEntry,
    NotFound,
)
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.private_files import PrivateAttachment
from p2psocial.store import blob_hash
from tests.helpers import everyone_syncs

ALICE, BOB = b"\x01" * 32, b"\x02" * 32
MEMBERS = (ALICE, BOB)


def sealed_file(data: bytes, name: str = "notes.txt") -> tuple[bytes, PrivateAttachment]:
    key = os.urandom(32)
    blob = private_files.encrypt(data, key)
    return blob, PrivateAttachment(blob_hash(blob), key, "text/plain", len(data), name=name)


def test_a_sealed_blob_opens_with_its_key_only() -> None:
    data = b"meet me at the old mill at nine" * 10
    blob, a = sealed_file(data)
    assert private_files.decrypt(blob, a.key, a.size) == data
    with pytest.raises(DecryptionFailed):
        private_files.decrypt(blob, os.urandom(32), a.size)
    altered = bytearray(blob)
    altered[5] ^= 1
    with pytest.raises(DecryptionFailed):
        private_files.decrypt(bytes(altered), a.key, a.size)
    with pytest.raises(DecryptionFailed):  # a size the blob cannot hold
        private_files.decrypt(blob, a.key, len(blob))
    with pytest.raises(DecryptionFailed):  # a size that cuts real bytes off
        private_files.decrypt(blob, a.key, a.size - 1)


def test_a_carrier_sees_only_ciphertext_of_a_padded_size() -> None:
    data = b"A" * 1000
    blob, _ = sealed_file(data)
    assert b"AAAA" not in blob
    assert len(blob) == private_files.sealed_len(1000) == 1024 + 16
    # the same file sent twice makes two unrelated blobs (a fresh key each time)
    assert sealed_file(data)[0] != blob


@given(st.integers(min_value=0, max_value=2 * private_files.FILE_MAX))
@settings(max_examples=300)
def test_padme_rounds_up_by_at_most_12_percent(n: int) -> None:
    padded = private_files.padded_len(n)
    assert padded >= n and padded <= max(1, n) * 1.12 + 1


def test_the_largest_file_fits_a_blob() -> None:
    from p2psocial.store import BLOB_CAP

    assert private_files.sealed_len(private_files.FILE_MAX) <= BLOB_CAP
    with pytest.raises(ContentTooLarge, match=re.escape(
            "big.iso is 6.0 MB; attachments of messages are at most 6.0 MB")):
        private_files.check_size(private_files.FILE_MAX + 1, "big.iso")


def test_a_message_with_attachments_round_trips_and_lists_its_blobs() -> None:
    _, a = sealed_file(b"plan")
    picture = PrivateAttachment(os.urandom(32), os.urandom(32), "image/jpeg", 5000, 640, 480,
                                alt="a lake")
    message = private.Message(MEMBERS, "", None, (picture, a))
    message.validate()  # a picture or file alone is a message
    assert private.decode(private.encode(message)) == message
    reader = nacl.public.PrivateKey.generate()
    body = private.seal(message, [bytes(reader.public_key)], ALICE, os.urandom)
    assert private.blobs_of(Kind.PRIVATE, body) == (picture.blob, a.blob)
    assert a.key not in body and b"plan" not in body  # keys and names are sealed
    opened = private.opener(envelope.SealedReader(reader))(body, ALICE)
    assert opened is not None and private.decode(opened) == message
    assert private.blobs_of(Kind.POST, body) == () and private.blobs_of(Kind.PRIVATE, None) == ()
    assert private.blobs_of(Kind.PRIVATE, b"not an envelope") == ()


def test_the_listed_blobs_cannot_be_changed() -> None:
    """The cleartext list is bound into the envelope's associated data."""
    _, a = sealed_file(b"plan")
    reader = nacl.public.PrivateKey.generate()
    body = private.seal(private.Message(MEMBERS, "x", None, (a,)), [bytes(reader.public_key)],
                        ALICE, os.urandom)
    wire = codec.decode(body, envelope.SEALED_CAPS)
    swapped = codec.encode((*wire[:6], (os.urandom(32),)))
    dropped = codec.encode(wire[:6])
    for forged in (swapped, dropped):
        with pytest.raises(DecryptionFailed):
            envelope.open_sealed(forged, reader, context=ALICE)


def test_group_posts_and_circle_posts_carry_sealed_files() -> None:
    key, gid = os.urandom(32), os.urandom(32)
    _, a = sealed_file(b"minutes")
    post = private.GroupPost("minutes of the meeting", None, (a,))
    body = private.seal_group(post, gid, 3, key, ALICE, os.urandom)
    assert private.blobs_of(Kind.GROUP, body) == (a.blob,)
    opened = envelope.open_group(body, key, group_id=gid, epoch=3, context=ALICE)
    assert private.decode(opened) == post

    image = c.Attachment(os.urandom(32), "image/jpeg", 4000, 20, 10, "a dog")
    circle = private.CirclePost(c.Post("look", attachments=(image,)), (os.urandom(32),))
    body = private.seal_group(circle, gid, 0, key, ALICE, os.urandom)
    assert private.blobs_of(Kind.GROUP, body) == (image.blob,)
    back = private.decode(envelope.open_group(body, key, group_id=gid, epoch=0,
                                              context=ALICE))
    assert back == circle and back.files()[0].key == circle.keys[0]
    with pytest.raises(InvalidContent):  # every image needs its key
        private.CirclePost(c.Post("look", attachments=(image,)), ()).validate()


def test_values_without_attachments_are_written_as_before() -> None:
    """Old readers read new values without attachments: the bytes do not change."""
    old_message = codec.encode((1, 0, (MEMBERS, "hi", None)))
    assert private.decode(old_message) == private.Message(MEMBERS, "hi")
    assert private.Message(MEMBERS, "hi").to_wire() == (MEMBERS, "hi", None)
    assert private.GroupPost("hi").to_wire() == ("hi", None)
    assert private.decode(codec.encode((1, 2, ("hi", None)))) == private.GroupPost("hi")
    assert private.CirclePost(c.Post("hi")).to_wire() == (c.encode_body(c.Post("hi"))[1],)
    # and the envelopes: no seventh (fifth) item without attachments
    reader = nacl.public.PrivateKey.generate()
    body = private.seal(private.Message(MEMBERS, "hi"), [bytes(reader.public_key)], ALICE,
                        os.urandom)
    assert len(codec.decode(body, envelope.SEALED_CAPS)) == 6
    group = private.seal_group(private.GroupPost("hi"), os.urandom(32), 0, os.urandom(32),
                               ALICE, os.urandom)
    assert len(codec.decode(group, envelope.GROUP_CAPS)) == 4


def test_padding_buckets_still_hold() -> None:
    _, a = sealed_file(b"x")
    for value in (private.Message(MEMBERS, "hi", None, (a,)),
                  private.GroupPost("hi", None, (a,) * 10)):
        assert len(private.encode(value)) in (*private.PAD_STEPS, 8192)


@pytest.mark.parametrize("bad", [
    (1, 0, (MEMBERS, "hi", None, ())),  # an empty list is never written
    (1, 0, (MEMBERS, "hi", None, ((b"x" * 32,) * 8,))),  # wrong field types
    (1, 2, ("hi", None, "files")),
])
def test_malformed_attachments_are_refused(bad: tuple) -> None:
    with pytest.raises(MalformedEntry):
        private.decode(codec.encode(bad))


def test_a_file_name_is_one_line_without_folders() -> None:
    assert private_files.safe_name("../../etc/passwd") == "passwd"
    assert private_files.safe_name("C:\\Users\\me\\plan.pdf") == "plan.pdf"
    with pytest.raises(InvalidContent):
        PrivateAttachment(os.urandom(32), os.urandom(32), "text/plain", 1,
                          name="a/b").validate()


def test_the_scan_keeps_the_keys_of_opened_files_and_a_delete_drops_them(
        tmp_path: Path) -> None:
    """Node and store: migration 15, what the scan writes (a reader's and a
    carrier's), what ``open_blob`` gives each, and what a delete erases."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob, \
                Node.init(Home(tmp_path / "c"), "Carol") as carol:
            await alice.posts.follow(bob.account_id)
            await carol.posts.follow(alice.account_id)
            await everyone_syncs([alice, bob, carol])
            old = await alice.messages.send([bob.account_id], "before files")
            sent = await alice.messages.send([bob.account_id], "", files=[("a.txt", b"abc")])
            await everyone_syncs([alice, bob, carol])
            cid = private.conversation_id([alice.account_id, bob.account_id])
            page = await bob.messages.conversation(cid)
            assert [(m.text, [f.name for f in m.attachments]) for m in page.items] == [
                ("", ["a.txt"]), ("before files", [])]
            [f] = page.items[0].attachments
            sealed = await alice.replication.blob(f.blob)
            assert sealed is not None
            # Carol carries Alice's log: the background fetcher wants the sealed blob
            # (blob_refs.blobs_of reads the hashes the envelope lists)
            assert f.blob in [w.hash for w in await carol.replication.wanted_blobs()]
            entry = carol.store.get_entry(sent.id)
            assert entry is not None and entry.body is not None
            assert blobs_of(c.Sealed(Kind.PRIVATE, entry.body)) == (BlobRef(f.blob),)
            assert await bob.messages.open_blob(f.blob, sealed) == b"abc"
            assert await carol.messages.open_blob(f.blob, sealed) == sealed  # no key: as it is
            assert await bob.messages.open_blob(f.blob, sealed[:-1] + b"x") is None  # altered
            # Carol names the same blob with a key of her own: Bob still opens it
            members = private.members_of(carol.account_id, [bob.account_id])
            forged = private.Message(members, "mine", None, (PrivateAttachment(
                f.blob, os.urandom(32), "text/plain", 3, name="a.txt"),))
            keys = await carol._run(carol.messages.reader_keys, members)
            await carol.publish(c.Sealed(Kind.PRIVATE, private.seal(
                forged, keys, carol.account_id, os.urandom)))
            await everyone_syncs([carol, bob])
            assert len(bob.store.inbox.private_file(f.blob)) == 2
            assert await bob.messages.open_blob(f.blob, sealed) == b"abc"
            assert (await bob.messages.attachment(sent.id, 0)).name == "a.txt"
            with pytest.raises(NotFound):
                await carol.messages.attachment(sent.id, 0)
            with pytest.raises(NotFound):
                await bob.messages.attachment(old.id, 0)
            await alice.posts.delete(sent.id)
            await everyone_syncs([alice, bob])
            assert len(bob.store.inbox.private_file(f.blob)) == 1  # Carol's, which opens nothing
            assert await bob.messages.open_blob(f.blob, sealed) is None

    trio.run(scenario)


def test_blobs_of_never_raises_on_junk() -> None:
    for junk in (b"", b"\x90", codec.encode((1, 2, 3)), codec.encode((2, b"x" * 16))):
        for kind in (Kind.PRIVATE, Kind.GROUP):
            assert private.blobs_of(kind, junk) == ()
    with pytest.raises(InvalidEntry):
        envelope.listed_blobs(b"junk", group=False)
