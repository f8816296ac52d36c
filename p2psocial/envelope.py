"""Private envelopes: bodies that only their readers can open (DESIGN.md "Encryption").

Theory of operation.

*Recipient envelopes* (direct messages, private entries). A fresh 32-byte content
key encrypts the plaintext with XChaCha20-Poly1305. One ephemeral X25519 key pair per
envelope agrees a shared secret with each recipient's encryption key. BLAKE2b, keyed
with that secret (and fed both public keys and the nonce), gives 48 bytes for that
recipient and envelope: a 32-byte pad and a 16-byte check. The recipient's slot is
``content_key XOR pad`` followed by ``check``; each pad is used once, as a one-time
pad. Wire layout (canonical msgpack)::

    [1, eph_public, [slot, ...], commit, nonce, ciphertext]

Slots carry no recipient id (a check is fresh per envelope and looks random to anyone
without the shared secret), and the slot list is padded with random bytes to 4 or 16
slots (``WRITTEN_SLOT_COUNTS``), so a peer that carries the entry learns neither who
can read it nor how many, only whether they are at most four or more: a message to one
person, the author's note to itself, a group of four and a group key look alike.
(Until issue 12 the counts were 1, 2, 4, 8 and 16, which showed a one-to-one message
as such; readers still accept every one of those.) A reader computes one X25519
product and one hash per envelope, then compares 16 bytes per slot: that is the whole
cost of "is it for me?". (An AEAD per slot would cost about 5 µs each through PyNaCl:
more than the X25519 product for 16 slots.)

``commit`` is a hash of the content key. It authenticates what a slot yields (a
changed slot gives another key, which does not match the commitment), and it makes
the envelope key-committing: XChaCha20-Poly1305 alone is not, so a sender could
otherwise give two recipients two keys under which one ciphertext opens to two
different messages. With the commitment every reader gets the same key, hence the
same plaintext. The content AEAD binds as associated data the version, the ephemeral
key, every slot, the commitment and an optional ``context`` (callers should pass the
author's account id, so that an envelope copied into another author's log does not
open as theirs). Any changed bit therefore fails for every recipient.

*Group envelopes* (groups, communities, circles). Members share a key per epoch.
Version 2 (issue 12) carries no group id and no epoch, only a tag a member recognises::

    [2, tag, nonce, ciphertext]     tag = BLAKE2b keyed with the epoch key, over the nonce

The nonce is fresh per entry, so tags of one group look unrelated to anyone without
its key: carriers cannot tell which entries belong to one group, nor link the members
whose logs hold them. A reader tries the keys it holds (``GroupHeader.tagged_by``: one
keyed hash per key, about a microsecond each) and opens with the one that matches,
binding group id, epoch, tag and ``context`` as associated data (``TagReader`` keeps a
key's hash state ready: 0.4 µs per key per entry). Version 1 put the
group id and epoch in the clear, which linked every member's log; readers still open
it (``GroupHeader.group_id``/``epoch``), writers no longer write it::

    [1, group_id, epoch, nonce, ciphertext]

Not promised (see DESIGN.md): forward secrecy; hiding who wrote an entry and when.

Everything here is pure: keys, nonces and padding are random bytes passed in.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import nacl.bindings as sodium
import nacl.exceptions
import nacl.public

from . import codec, crypto
from .entry import BODY_CAP
from .errors import (
    ContentTooLarge,
    DecryptionFailed,
    InvalidContent,
    MalformedEntry,
    UnknownVersion,
)

FORMAT_VERSION: Final = 1
KEY_LEN: Final = 32
NONCE_LEN: Final = 24
SEED_LEN: Final = 32
TAG_LEN: Final = 16
CHECK_LEN: Final = 16
SLOT_LEN: Final = KEY_LEN + CHECK_LEN
MAX_RECIPIENTS: Final = 16
SLOT_COUNTS: Final = (1, 2, 4, 8, 16)
"""Slot counts a reader accepts (what every version wrote)."""
WRITTEN_SLOT_COUNTS: Final = (4, 16)
"""Slot counts ``seal`` writes: up to four readers, or more."""
PADDING_LEN: Final = SLOT_LEN * MAX_RECIPIENTS
"""Random bytes that always suffice for ``seal``'s ``padding`` (it uses at most 11
slots' worth: 5 recipients pad to 16)."""
MAX_PLAINTEXT: Final = BODY_CAP - 1024
"""Largest plaintext for either envelope; 1 KiB covers the headers and 16 slots."""
MAX_EPOCH: Final = 2**53
MAX_BLOBS: Final = 10
"""Sealed attachments an envelope lists in the clear (content.ATTACHMENTS_MAX)."""
BLOB_HASH_LEN: Final = 32

SEALED_CAPS: Final = codec.Caps(max_bytes=BODY_CAP, max_bin=BODY_CAP, max_str=0,
                                max_array=MAX_RECIPIENTS, max_depth=2)
GROUP_CAPS: Final = codec.Caps(max_bytes=BODY_CAP, max_bin=BODY_CAP, max_str=0,
                               max_array=MAX_BLOBS, max_depth=2)
GROUP_VERSION: Final = 2
"""The group envelope ``seal_group`` writes (1: group id and epoch in the clear)."""
GROUP_TAG_LEN: Final = 16

_EPH_PERSON = b"p2ps-env-eph"
_SLOT_PERSON = b"p2ps-env-slot"
_COMMIT_PERSON = b"p2ps-env-commit"
_GROUP_TAG_PERSON = b"p2ps-group-tag"
_NOT_OPENED = "this envelope is not addressed to this key, or it was altered"

_encrypt = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt
_decrypt = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt


# --- recipient envelopes ---------------------------------------------------------------


def seal(plaintext: bytes, recipients: Sequence[bytes], *, content_key: bytes,
         ephemeral_seed: bytes, nonce: bytes, padding: bytes, context: bytes = b"",
         blobs: Sequence[bytes] = ()) -> bytes:
    """Encrypt ``plaintext`` so that each recipient X25519 public key can open it.

    ``content_key`` and ``ephemeral_seed`` are 32 fresh random bytes and ``nonce`` 24,
    never reused; ``padding`` holds random bytes for the dummy slots (``PADDING_LEN``
    always suffices). Repeated recipients count once. ``blobs`` (hashes of sealed
    attachments, private_files.py) are listed in the clear as a seventh item, and
    bound into the associated data.
    """
    _need_len("content_key", content_key, KEY_LEN)
    _need_len("ephemeral_seed", ephemeral_seed, SEED_LEN)
    _need_len("nonce", nonce, NONCE_LEN)
    _check_plaintext(plaintext, "a private entry")
    readers = _distinct_recipients(recipients)
    eph_secret = crypto.blake2b(ephemeral_seed, _EPH_PERSON)
    eph_public = sodium.crypto_scalarmult_base(eph_secret)
    slots = [_make_slot(content_key, _slot_secret(_shared(eph_secret, r), eph_public, r, nonce))
             for r in readers]
    slots.extend(_dummy_slots(len(slots), padding))
    commit = _commitment(content_key)
    listed = _check_blobs(blobs)
    aad = _sealed_aad(eph_public, tuple(slots), commit, context, listed)
    ciphertext = _encrypt(plaintext, aad, nonce, content_key)
    fields = (FORMAT_VERSION, eph_public, tuple(slots), commit, nonce, ciphertext)
    return codec.encode((*fields, listed) if listed else fields)


class SealedReader:
    """Opens recipient envelopes with one private key; keep one per key and reuse it.

    A node trial-decrypts every private entry it stores, so the per-envelope work is
    kept to one X25519 product, one BLAKE2b and a 16-byte comparison per slot.
    """

    __slots__ = ("_public", "_secret")

    def __init__(self, private: nacl.public.PrivateKey) -> None:
        self._secret = bytes(private)
        self._public = bytes(private.public_key)

    def open(self, data: bytes, *, context: bytes = b"") -> bytes:
        """The plaintext, or ``DecryptionFailed`` when it is not for us or was altered.

        Bytes that are not an envelope at all raise an ``InvalidEntry`` subclass.
        """
        eph_public, slots, commit, nonce, ciphertext, blobs = _parse_sealed(data)
        try:
            shared = sodium.crypto_scalarmult(self._secret, eph_public)
        except nacl.exceptions.CryptoError:  # a low-order point: no one can be addressed
            raise DecryptionFailed(_NOT_OPENED) from None
        content_key = _find_slot(slots, _slot_secret(shared, eph_public, self._public, nonce))
        if content_key is None or not hmac.compare_digest(_commitment(content_key), commit):
            raise DecryptionFailed(_NOT_OPENED)
        aad = _sealed_aad(eph_public, slots, commit, context, blobs)
        try:
            return bytes(_decrypt(ciphertext, aad, nonce, content_key))
        except nacl.exceptions.CryptoError:
            raise DecryptionFailed(_NOT_OPENED) from None


def open_sealed(data: bytes, my_enc_private: nacl.public.PrivateKey, *,
                context: bytes = b"") -> bytes:
    """Open one recipient envelope; see ``SealedReader`` to open many."""
    return SealedReader(my_enc_private).open(data, context=context)


def _distinct_recipients(recipients: Sequence[bytes]) -> list[bytes]:
    readers = list(dict.fromkeys(recipients))
    for r in readers:
        _need_len("recipient key", r, KEY_LEN)
    if not readers:
        raise InvalidContent("a private entry needs at least one reader")
    if len(readers) > MAX_RECIPIENTS:
        raise ContentTooLarge(f"a private entry can have at most {MAX_RECIPIENTS} readers; "
                              f"this has {len(readers)}")
    return readers


def _shared(eph_secret: bytes, recipient: bytes) -> bytes:
    try:
        return bytes(sodium.crypto_scalarmult(eph_secret, recipient))
    except nacl.exceptions.CryptoError:
        raise InvalidContent("one of the readers has an unusable encryption key") from None


def _slot_secret(shared: bytes, eph_public: bytes, recipient: bytes, nonce: bytes) -> bytes:
    """One recipient's pad (32 bytes) and check (16 bytes) for one envelope."""
    # The nonce is not needed when the ephemeral key is fresh, as it must be; it keeps
    # pads distinct if a caller ever reuses an ephemeral seed with a new nonce.
    return hashlib.blake2b(eph_public + recipient + nonce, digest_size=SLOT_LEN, key=shared,
                           person=_SLOT_PERSON).digest()


def _make_slot(content_key: bytes, secret: bytes) -> bytes:
    return _xor(content_key, secret[:KEY_LEN]) + secret[KEY_LEN:]


def _find_slot(slots: tuple[bytes, ...], secret: bytes) -> bytes | None:
    """The content key in our slot, if one of the slots is ours."""
    check = secret[KEY_LEN:]
    for slot in slots:
        if hmac.compare_digest(slot[KEY_LEN:], check):
            return _xor(slot[:KEY_LEN], secret[:KEY_LEN])
    return None


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def slot_count(readers: int) -> int:
    """How many slots ``seal`` writes for ``readers`` distinct readers."""
    return next(n for n in WRITTEN_SLOT_COUNTS if n >= readers)


def _dummy_slots(real: int, padding: bytes) -> list[bytes]:
    total = slot_count(real)
    needed = (total - real) * SLOT_LEN
    if len(padding) < needed:
        raise ValueError(f"padding must hold at least {needed} random bytes "
                         f"(PADDING_LEN = {PADDING_LEN} always suffices)")
    return [padding[i:i + SLOT_LEN] for i in range(0, needed, SLOT_LEN)]


def _commitment(content_key: bytes) -> bytes:
    return crypto.blake2b(content_key, _COMMIT_PERSON)


def _sealed_aad(eph_public: bytes, slots: tuple[bytes, ...], commit: bytes,
                context: bytes, blobs: tuple[bytes, ...] = ()) -> bytes:
    fields = (FORMAT_VERSION, eph_public, slots, commit, context)
    return codec.encode((*fields, blobs) if blobs else fields)


def _parse_sealed(data: bytes,
                  ) -> tuple[bytes, tuple[bytes, ...], bytes, bytes, bytes, tuple[bytes, ...]]:
    wire = _decode_versioned(data, SEALED_CAPS, (6, 7), "a recipient envelope")
    _, eph_public, slots, commit, nonce, ciphertext, *rest = wire
    blobs = _listed(rest)
    _field("ephemeral key", eph_public, KEY_LEN)
    if not (isinstance(slots, tuple) and len(slots) in SLOT_COUNTS):
        raise MalformedEntry(f"an envelope has {', '.join(map(str, SLOT_COUNTS))} slots")
    for slot in slots:
        _field("slot", slot, SLOT_LEN)
    _field("key commitment", commit, KEY_LEN)
    _field("nonce", nonce, NONCE_LEN)
    _ciphertext(ciphertext)
    return eph_public, slots, commit, nonce, ciphertext, blobs


# --- group envelopes -------------------------------------------------------------------


def seal_group(plaintext: bytes, *, group_id: bytes, epoch: int, group_key: bytes,
               nonce: bytes, context: bytes = b"", blobs: Sequence[bytes] = ()) -> bytes:
    """Encrypt ``plaintext`` under the group's key for ``epoch`` (a version 2 envelope:
    nothing in it names the group); ``nonce`` is 24 fresh random bytes. ``blobs``, the
    hashes of sealed attachments, are a fifth item in the clear, bound into the
    associated data."""
    _need_len("group_id", group_id, KEY_LEN)
    _need_len("group_key", group_key, KEY_LEN)
    _need_len("nonce", nonce, NONCE_LEN)
    if not (isinstance(epoch, int) and not isinstance(epoch, bool) and 0 <= epoch <= MAX_EPOCH):
        raise ValueError(f"a group epoch is an int in [0, {MAX_EPOCH}]")
    _check_plaintext(plaintext, "a group entry")
    tag = group_tag(group_key, nonce)
    listed = _check_blobs(blobs)
    ciphertext = _encrypt(plaintext,
                          _group_aad(GROUP_VERSION, group_id, epoch, tag, context, listed),
                          nonce, group_key)
    fields = (GROUP_VERSION, tag, nonce, ciphertext)
    return codec.encode((*fields, listed) if listed else fields)


def group_tag(group_key: bytes, nonce: bytes) -> bytes:
    """The tag of a version 2 group envelope: only holders of ``group_key`` make it."""
    return hashlib.blake2b(nonce, digest_size=GROUP_TAG_LEN, key=group_key,
                           person=_GROUP_TAG_PERSON).digest()


class TagReader:
    """One group key made ready to recognise tags: its keyed hash state is computed
    once, and each tag then costs a copy and one block (measured: 0.4 µs against 0.7
    µs from scratch). A reader holding many keys keeps one per key."""

    __slots__ = ("_state",)

    def __init__(self, group_key: bytes) -> None:
        _need_len("group key", group_key, KEY_LEN)
        self._state = hashlib.blake2b(digest_size=GROUP_TAG_LEN, key=group_key,
                                      person=_GROUP_TAG_PERSON)

    def made(self, nonce: bytes, tag: bytes | None) -> bool:
        """Whether ``tag`` is this key's tag of ``nonce``."""
        if tag is None:
            return False
        state = self._state.copy()
        state.update(nonce)
        return hmac.compare_digest(state.digest(), tag)


@dataclass(frozen=True, slots=True)
class GroupHeader:
    """What anyone can read of a group envelope, without a key."""

    version: int
    nonce: bytes
    ciphertext: bytes = field(repr=False)
    group_id: bytes | None = None  # version 1 only
    epoch: int | None = None  # version 1 only
    tag: bytes | None = None  # version 2 only
    blobs: tuple[bytes, ...] = ()  # version 2 only: sealed attachments, in the clear

    def tagged_by(self, group_key: bytes | TagReader) -> bool:
        """Whether this (version 2) envelope was sealed with ``group_key``."""
        reader = group_key if isinstance(group_key, TagReader) else TagReader(group_key)
        return reader.made(self.nonce, self.tag)


def peek_group(data: bytes) -> GroupHeader:
    """A group envelope's header (``InvalidEntry`` subclasses if it is not one)."""
    wire = codec.decode(data, GROUP_CAPS)
    if not (isinstance(wire, tuple) and wire):
        raise MalformedEntry("a group envelope is a non-empty array")
    version = wire[0]
    if type(version) is not int or version not in (FORMAT_VERSION, GROUP_VERSION):
        raise UnknownVersion(f"group envelope version {version!r} is not supported")
    if version == FORMAT_VERSION:
        if len(wire) != 5:
            raise MalformedEntry("a group envelope of version 1 is an array of 5")
        _, group_id, epoch, nonce, ciphertext = wire
        _field("group id", group_id, KEY_LEN)
        if not (type(epoch) is int and 0 <= epoch <= MAX_EPOCH):
            raise MalformedEntry(f"a group epoch is an int in [0, {MAX_EPOCH}]")
        header = GroupHeader(version, nonce, ciphertext, group_id=group_id, epoch=epoch)
    else:
        if len(wire) not in (4, 5):
            raise MalformedEntry("a group envelope of version 2 is an array of 4 or 5")
        _, tag, nonce, ciphertext, *rest = wire
        _field("group tag", tag, GROUP_TAG_LEN)
        header = GroupHeader(version, nonce, ciphertext, tag=tag, blobs=_listed(rest))
    _field("nonce", nonce, NONCE_LEN)
    _ciphertext(ciphertext)
    return header


def open_group(data: bytes, group_key: bytes, *, group_id: bytes, epoch: int,
               context: bytes = b"") -> bytes:
    """The plaintext of a group envelope sealed with ``group_key``, the key of
    ``group_id`` at ``epoch``. ``DecryptionFailed`` when it is another group's or
    epoch's, or was altered."""
    header = peek_group(data)
    _need_len("group key", group_key, KEY_LEN)
    if header.version == FORMAT_VERSION:
        if (header.group_id, header.epoch) != (group_id, epoch):
            raise DecryptionFailed("this group envelope is another group's or epoch's")
        aad = codec.encode((FORMAT_VERSION, group_id, epoch, context))
    else:
        assert header.tag is not None
        aad = _group_aad(header.version, group_id, epoch, header.tag, context, header.blobs)
    try:
        return bytes(_decrypt(header.ciphertext, aad, header.nonce, group_key))
    except nacl.exceptions.CryptoError:
        raise DecryptionFailed("this group envelope does not open with our key, "
                               "or it was altered") from None


def _group_aad(version: int, group_id: bytes, epoch: int, tag: bytes, context: bytes,
               blobs: tuple[bytes, ...] = ()) -> bytes:
    fields = (version, group_id, epoch, tag, context)
    return codec.encode((*fields, blobs) if blobs else fields)


# --- shared helpers --------------------------------------------------------------------


def _decode_versioned(data: bytes, caps: codec.Caps, lengths: tuple[int, ...],
                      what: str) -> tuple:
    wire = codec.decode(data, caps)
    if not (isinstance(wire, tuple) and wire):
        raise MalformedEntry(f"{what} is a non-empty array")
    if type(wire[0]) is not int or wire[0] != FORMAT_VERSION:
        raise UnknownVersion(f"envelope version {wire[0]!r} is not supported")
    if len(wire) not in lengths:
        raise MalformedEntry(f"{what} is an array of {' or '.join(map(str, lengths))}")
    return wire


# --- sealed attachments listed in the clear (private_files.py) -------------------------


def _check_blobs(blobs: Sequence[bytes]) -> tuple[bytes, ...]:
    listed = tuple(blobs)
    if len(listed) > MAX_BLOBS:
        raise ContentTooLarge(f"an entry has at most {MAX_BLOBS} attachments")
    for digest in listed:
        _need_len("blob hash", digest, BLOB_HASH_LEN)
    return listed


def _listed(rest: list) -> tuple[bytes, ...]:
    """The optional last item of an envelope: 1 to ``MAX_BLOBS`` blob hashes."""
    if not rest:
        return ()
    blobs = rest[0]
    if not (isinstance(blobs, tuple) and 1 <= len(blobs) <= MAX_BLOBS):
        raise MalformedEntry(f"an envelope lists 1 to {MAX_BLOBS} blobs")
    for digest in blobs:
        _field("blob hash", digest, BLOB_HASH_LEN)
    return blobs


def listed_blobs(data: bytes, *, group: bool) -> tuple[bytes, ...]:
    """The sealed-blob hashes an envelope (a group one if ``group``) lists in the
    clear, without opening it; ``InvalidEntry`` subclasses if it is not an envelope."""
    if group:
        return peek_group(data).blobs
    return _parse_sealed(data)[5]


def _field(name: str, value: object, size: int) -> None:
    if not (isinstance(value, bytes) and len(value) == size):
        raise MalformedEntry(f"envelope {name} must be {size} bytes")


def _ciphertext(value: object) -> None:
    if not (isinstance(value, bytes) and TAG_LEN <= len(value) <= MAX_PLAINTEXT + TAG_LEN):
        raise MalformedEntry("envelope ciphertext has an impossible length")


def _check_plaintext(plaintext: bytes, what: str) -> None:
    if len(plaintext) > MAX_PLAINTEXT:
        raise ContentTooLarge(f"{what} is at most {MAX_PLAINTEXT:,} bytes; "
                              f"this is {len(plaintext):,}")


def _need_len(name: str, value: bytes, size: int) -> None:
    if not (isinstance(value, bytes) and len(value) == size):
        raise ValueError(f"{name} must be {size} bytes")
