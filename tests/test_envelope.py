"""Private envelopes: readers open them, everyone else and every altered bit fail closed."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import nacl.public
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from p2psocial import codec, envelope
from p2psocial.entry import BODY_CAP
from p2psocial.envelope import (
    MAX_PLAINTEXT,
    PADDING_LEN,
    SealedReader,
    open_group,
    open_sealed,
    peek_group,
    seal,
    seal_group,
)
from p2psocial.errors import (
    ContentTooLarge,
    DecryptionFailed,
    InvalidContent,
    InvalidEntry,
    MalformedEntry,
    UnknownVersion,
)


def rand(label: str, n: int = 32) -> bytes:
    """Deterministic 'random' bytes for a test (tests must not depend on luck)."""
    out = b""
    counter = 0
    while len(out) < n:
        out += hashlib.blake2b(f"{label}/{counter}".encode()).digest()
        counter += 1
    return out[:n]


KEYS = [nacl.public.PrivateKey(rand(f"reader {i}")) for i in range(20)]
PUBS = [bytes(k.public_key) for k in KEYS]
STRANGER = nacl.public.PrivateKey(rand("stranger"))
AUTHOR = rand("author account")


def sealed(plaintext: bytes, recipients: Sequence[bytes], label: str = "",
           context: bytes = b"") -> bytes:
    return seal(plaintext, recipients, content_key=rand("ck" + label),
                ephemeral_seed=rand("eph" + label), nonce=rand("nonce" + label, 24),
                padding=rand("pad" + label, PADDING_LEN), context=context)


def slots_of(data: bytes) -> tuple[bytes, ...]:
    return codec.decode(data)[2]


# --- recipient envelopes --------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3, 16])
def test_every_recipient_reads_it(n: int) -> None:
    data = sealed(b"hello friends", PUBS[:n])
    for key in KEYS[:n]:
        assert open_sealed(data, key) == b"hello friends"
        assert SealedReader(key).open(data) == b"hello friends"


def test_a_stranger_cannot_read_it() -> None:
    data = sealed(b"secret", PUBS[:3])
    with pytest.raises(DecryptionFailed):
        open_sealed(data, STRANGER)
    for key in KEYS[3:]:
        with pytest.raises(DecryptionFailed):
            open_sealed(data, key)


def test_too_many_recipients() -> None:
    with pytest.raises(ContentTooLarge, match="at most 16 readers; this has 17"):
        sealed(b"x", PUBS[:17])


def test_no_recipient() -> None:
    with pytest.raises(InvalidContent, match="at least one reader"):
        sealed(b"x", [])


def test_repeated_recipients_count_once() -> None:
    data = sealed(b"x", [PUBS[0]] * 20 + [PUBS[1]])
    assert len(slots_of(data)) == 4
    assert len(set(slots_of(data))) == 4
    assert open_sealed(data, KEYS[1]) == b"x"


@pytest.mark.parametrize(("n", "slots"), [(1, 4), (2, 4), (3, 4), (4, 4), (5, 16), (8, 16),
                                          (9, 16), (16, 16)])
def test_slot_count_is_padded(n: int, slots: int) -> None:
    """Four slots or sixteen: a carrier cannot tell one reader (a one-to-one message
    has two: the author reads it too) from four (issue 12)."""
    data = sealed(b"x", PUBS[:n])
    assert len(slots_of(data)) == slots
    assert all(len(s) == envelope.SLOT_LEN for s in slots_of(data))
    assert len(set(slots_of(data))) == slots


def test_slots_name_no_recipient() -> None:
    data = sealed(b"x", PUBS[:3])
    for pub in PUBS[:3]:
        assert pub not in data
        assert hashlib.blake2b(pub, digest_size=32).digest() not in data


def test_padding_must_be_long_enough() -> None:
    with pytest.raises(ValueError, match="padding"):
        seal(b"x", PUBS[:3], content_key=rand("ck"), ephemeral_seed=rand("e"),
             nonce=rand("n", 24), padding=bytes(envelope.SLOT_LEN - 1))
    # exactly one dummy slot's worth is enough for three readers (four slots)
    seal(b"x", PUBS[:3], content_key=rand("ck"), ephemeral_seed=rand("e"), nonce=rand("n", 24),
         padding=rand("p", envelope.SLOT_LEN))


@pytest.mark.parametrize("arg", ["content_key", "ephemeral_seed", "nonce"])
def test_wrong_random_lengths_are_programming_errors(arg: str) -> None:
    args = {"content_key": rand("ck"), "ephemeral_seed": rand("e"), "nonce": rand("n", 24),
            "padding": rand("p", PADDING_LEN)}
    args[arg] = args[arg][:-1]
    with pytest.raises(ValueError):
        seal(b"x", PUBS[:1], **args)


def test_unusable_recipient_key() -> None:
    with pytest.raises(InvalidContent, match="unusable"):
        sealed(b"x", [bytes(32)])  # a low-order point: the shared secret would be zero


def test_plaintext_cap_and_envelope_fits_a_body() -> None:
    biggest = sealed(bytes(MAX_PLAINTEXT), PUBS[:16])
    assert len(biggest) <= BODY_CAP
    assert open_sealed(biggest, KEYS[15]) == bytes(MAX_PLAINTEXT)
    with pytest.raises(ContentTooLarge):
        sealed(bytes(MAX_PLAINTEXT + 1), PUBS[:1])


def test_context_binds_the_author() -> None:
    data = sealed(b"from the author", PUBS[:2], context=AUTHOR)
    assert open_sealed(data, KEYS[0], context=AUTHOR) == b"from the author"
    with pytest.raises(DecryptionFailed):
        open_sealed(data, KEYS[0], context=rand("someone else"))
    with pytest.raises(DecryptionFailed):
        open_sealed(data, KEYS[0])


def test_every_flipped_bit_fails_closed_for_every_recipient() -> None:
    data = sealed(b"hi", PUBS[:3])
    readers = [SealedReader(k) for k in KEYS[:3]]
    for bit in range(len(data) * 8):
        bad = bytearray(data)
        bad[bit // 8] ^= 1 << (bit % 8)
        for reader in readers:
            with pytest.raises((DecryptionFailed, InvalidEntry)):
                reader.open(bytes(bad))


def test_a_swapped_slot_order_fails_closed() -> None:
    wire = codec.decode(sealed(b"hi", PUBS[:3]))
    swapped = codec.encode((*wire[:2], tuple(reversed(wire[2])), *wire[3:]))
    with pytest.raises(DecryptionFailed):
        open_sealed(swapped, KEYS[0])


def test_a_recipient_cannot_give_another_recipient_a_different_key() -> None:
    """Key commitment: a slot re-made with another key is refused, not read."""
    ck, other = rand("ck"), rand("other key")
    data = sealed(b"hi", PUBS[:2])
    wire = codec.decode(data)
    shared = envelope._shared(envelope.crypto.blake2b(rand("eph"), envelope._EPH_PERSON),
                              PUBS[1])
    secret = envelope._slot_secret(shared, wire[1], PUBS[1], wire[4])
    assert envelope._find_slot(wire[2], secret) == ck
    forged_slots = (wire[2][0], envelope._make_slot(other, secret), *wire[2][2:])
    forged = codec.encode((wire[0], wire[1], forged_slots, *wire[3:]))
    with pytest.raises(DecryptionFailed):
        open_sealed(forged, KEYS[1])


def test_truncated_envelope() -> None:
    data = sealed(b"hello", PUBS[:2])
    for n in range(len(data)):
        with pytest.raises((DecryptionFailed, InvalidEntry)):
            open_sealed(data[:n], KEYS[0])


def test_envelopes_of_every_slot_count_ever_written_still_open() -> None:
    """Versions before issue 12 wrote 1, 2, 4, 8 or 16 slots: all of them still open."""
    for count in envelope.SLOT_COUNTS:
        wire = codec.decode(sealed(b"old", PUBS[:1]))
        mine = wire[2][0]
        dummies = [rand(f"dummy {i}", envelope.SLOT_LEN) for i in range(count - 1)]
        slots = (mine, *dummies)
        eph, commit, nonce = wire[1], wire[3], wire[4]
        ck = rand("ck")  # the content key of ``sealed`` without a label
        aad = envelope._sealed_aad(eph, slots, commit, b"")
        ct = envelope._encrypt(b"old", aad, nonce, ck)
        old = codec.encode((1, eph, slots, commit, nonce, ct))
        assert open_sealed(old, KEYS[0]) == b"old", count


def test_not_an_envelope() -> None:
    with pytest.raises(MalformedEntry):
        open_sealed(b"\xc1", KEYS[0])
    with pytest.raises(MalformedEntry):
        open_sealed(codec.encode(()), KEYS[0])
    with pytest.raises(UnknownVersion):
        open_sealed(codec.encode((2, b"")), KEYS[0])
    with pytest.raises(UnknownVersion):
        open_sealed(codec.encode((True, b"")), KEYS[0])
    wire = codec.decode(sealed(b"x", PUBS[:3]))
    with pytest.raises(MalformedEntry):  # 3 slots: a count we never write
        open_sealed(codec.encode((*wire[:2], wire[2][:3], *wire[3:])), KEYS[0])
    with pytest.raises(InvalidEntry):  # 17 slots
        open_sealed(codec.encode((*wire[:2], wire[2] * 4 + wire[2][:1], *wire[3:])), KEYS[0])


def test_oversized_input_is_refused_before_decoding() -> None:
    with pytest.raises(InvalidEntry):
        open_sealed(b"\x96" + bytes(BODY_CAP + 1), KEYS[0])


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=2000), st.integers(1, 16), st.binary(min_size=4, max_size=4))
def test_round_trip(plaintext: bytes, n: int, label: bytes) -> None:
    data = sealed(plaintext, PUBS[:n], label=label.hex())
    assert open_sealed(data, KEYS[n - 1]) == plaintext
    assert open_sealed(data, KEYS[0]) == plaintext
    with pytest.raises(DecryptionFailed):
        open_sealed(data, KEYS[16])


# --- group envelopes ------------------------------------------------------------------

GROUP = rand("group id")
EPOCH_KEYS = {(GROUP, 0): rand("epoch 0"), (GROUP, 1): rand("epoch 1")}


def group_sealed(plaintext: bytes, epoch: int = 1, context: bytes = b"",
                 nonce: str = "") -> bytes:
    return seal_group(plaintext, group_id=GROUP, epoch=epoch, group_key=EPOCH_KEYS[GROUP, epoch],
                      nonce=rand(f"group nonce {epoch}{nonce}", 24), context=context)


def opened(data: bytes, epoch: int = 1, context: bytes = b"") -> bytes:
    return open_group(data, EPOCH_KEYS[GROUP, epoch], group_id=GROUP, epoch=epoch,
                      context=context)


def v1_sealed(plaintext: bytes, epoch: int = 1, context: bytes = b"") -> bytes:
    """A group envelope as versions before issue 12 wrote it: group and epoch in clear."""
    nonce = rand(f"v1 nonce {epoch}", 24)
    aad = codec.encode((1, GROUP, epoch, context))
    ciphertext = envelope._encrypt(plaintext, aad, nonce, EPOCH_KEYS[GROUP, epoch])
    return codec.encode((1, GROUP, epoch, nonce, ciphertext))


def test_member_reads_group_envelope() -> None:
    data = group_sealed(b"community news")
    assert opened(data) == b"community news"
    header = peek_group(data)
    assert header.version == 2 and header.group_id is None and header.epoch is None
    assert header.tagged_by(EPOCH_KEYS[GROUP, 1])
    assert not header.tagged_by(EPOCH_KEYS[GROUP, 0]) and not header.tagged_by(rand("x"))


def test_a_group_envelope_names_no_group_and_two_look_unrelated() -> None:
    """Issue 12: version 1 carried the group id and epoch, linking all of a group's
    entries (and its members' logs); version 2 carries a tag that changes with the
    nonce."""
    one, two = group_sealed(b"a", nonce="1"), group_sealed(b"a", nonce="2")
    for data in (one, two):
        assert GROUP not in data and EPOCH_KEYS[GROUP, 1] not in data
    assert len(one) == len(two)
    assert set(codec.decode(one)[1:]) & set(codec.decode(two)[1:]) == set()


def test_version_1_still_opens() -> None:
    data = v1_sealed(b"old news", context=AUTHOR)
    header = peek_group(data)
    assert (header.version, header.group_id, header.epoch, header.tag) == (1, GROUP, 1, None)
    assert not header.tagged_by(EPOCH_KEYS[GROUP, 1])
    assert opened(data, context=AUTHOR) == b"old news"
    with pytest.raises(DecryptionFailed):  # it names another epoch than the key's
        open_group(data, EPOCH_KEYS[GROUP, 1], group_id=GROUP, epoch=0, context=AUTHOR)


def test_wrong_epoch_key_fails() -> None:
    data = group_sealed(b"news")
    with pytest.raises(DecryptionFailed):
        open_group(data, EPOCH_KEYS[GROUP, 0], group_id=GROUP, epoch=1)
    with pytest.raises(DecryptionFailed):  # the right key, claimed for another epoch
        open_group(data, EPOCH_KEYS[GROUP, 1], group_id=GROUP, epoch=0)
    with pytest.raises(DecryptionFailed):  # or for another group
        open_group(data, EPOCH_KEYS[GROUP, 1], group_id=rand("other"), epoch=1)


def test_group_context_binds_the_author() -> None:
    data = group_sealed(b"news", context=AUTHOR)
    assert opened(data, context=AUTHOR) == b"news"
    with pytest.raises(DecryptionFailed):
        opened(data)


@pytest.mark.parametrize("make", [group_sealed, v1_sealed])
def test_every_flipped_bit_of_a_group_envelope_fails_closed(make: object) -> None:
    assert callable(make)
    data = make(b"hi", epoch=0)
    for bit in range(len(data) * 8):
        bad = bytearray(data)
        bad[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises((DecryptionFailed, InvalidEntry)):
            opened(bytes(bad), epoch=0)


def test_group_envelope_truncated_or_not_one() -> None:
    data = group_sealed(b"hello")
    for n in range(len(data)):
        with pytest.raises(InvalidEntry):
            opened(data[:n])
    with pytest.raises(UnknownVersion):
        peek_group(codec.encode((9, GROUP, 1, rand("n", 24), bytes(16))))
    with pytest.raises(UnknownVersion):
        peek_group(codec.encode((True, rand("t", 16), rand("n", 24), bytes(16))))
    with pytest.raises(MalformedEntry):
        peek_group(codec.encode((1, GROUP, -1, rand("n", 24), bytes(16))))
    with pytest.raises(MalformedEntry):
        peek_group(codec.encode((1, GROUP, True, rand("n", 24), bytes(16))))
    with pytest.raises(MalformedEntry):  # a version 2 tag of the wrong length
        peek_group(codec.encode((2, rand("t", 15), rand("n", 24), bytes(16))))
    with pytest.raises(MalformedEntry):  # version 2 is an array of 4
        peek_group(codec.encode((2, GROUP, 1, rand("n", 24), bytes(16))))


def test_group_caps() -> None:
    assert len(seal_group(bytes(MAX_PLAINTEXT), group_id=GROUP, epoch=2**53,
                          group_key=rand("k"), nonce=rand("n", 24))) <= BODY_CAP
    with pytest.raises(ContentTooLarge):
        seal_group(bytes(MAX_PLAINTEXT + 1), group_id=GROUP, epoch=0, group_key=rand("k"),
                   nonce=rand("n", 24))
    with pytest.raises(ValueError):
        seal_group(b"x", group_id=GROUP, epoch=-1, group_key=rand("k"), nonce=rand("n", 24))


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=2000), st.integers(0, 2**53), st.binary(min_size=32, max_size=32),
       st.binary(min_size=32, max_size=32), st.binary(max_size=40))
def test_group_round_trip(plaintext: bytes, epoch: int, group_id: bytes, key: bytes,
                          context: bytes) -> None:
    data = seal_group(plaintext, group_id=group_id, epoch=epoch, group_key=key,
                      nonce=rand("n", 24), context=context)
    assert peek_group(data).tagged_by(key)
    assert open_group(data, key, group_id=group_id, epoch=epoch, context=context) == plaintext


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300),
                 st.builds(lambda i, b: bytearray(group_sealed(b"fuzz"))[:i] + b,
                           st.integers(0, 200), st.binary(max_size=8))))
def test_peek_group_reads_anything_a_peer_sends_without_crashing(data: bytes) -> None:
    """Peer input: a header, or an ``InvalidEntry``, never anything else."""
    try:
        header = peek_group(bytes(data))
    except InvalidEntry:
        return
    assert header.version in (1, 2)
