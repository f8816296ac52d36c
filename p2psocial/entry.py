"""Entries: a small signed header, and a body that can be dropped for good.

Wire layout of a signed header (a msgpack array, canonical)::

    [version, device, seq, prev, timestamp, kind, body_hash, body_len, signature]

* ``version`` is 1; ``device`` the 32-byte device key that signs the header;
* ``seq`` counts from 1 in the device's log; ``prev`` is the id of the entry at
  ``seq - 1`` (nil only at seq 1);
* ``timestamp`` is milliseconds since the Unix epoch, as the author's clock said;
* ``kind`` says how to read the body (``content.Kind``); kinds this build does not
  know are still stored and forwarded, so older nodes carry newer content;
* ``body_hash`` and ``body_len`` pin the body: BLAKE2b-256 and byte length;
* ``signature`` is Ed25519 by ``device`` over ``SIG_DOMAIN`` + the canonical encoding
  of the first eight fields.

The entry id is BLAKE2b-256 of the signed header bytes. Because the chain links
headers only, a deleted body leaves the log verifiable.

Run verification: in a contiguous run of one log, each header's ``prev`` is the hash
of the header before it, so the signature on the *last* header authenticates every
header of the run (and the bodies through their hashes). A syncing node checks one
signature per run instead of one per entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import NamedTuple

from . import codec, crypto
from .errors import BadSignature, BodyMismatch, BrokenLink, MalformedEntry, OverCap, UnknownVersion

FORMAT_VERSION = 1
HEADER_CAP = 256
BODY_CAP = 128 * 1024
MAX_SEQ = 2**53
MAX_TIME = 2**53
SIG_DOMAIN = b"p2psocial-entry-v1"
_ID_PERSON = b"p2ps-entry-id"
_BODY_PERSON = b"p2ps-body"

HEADER_CAPS = codec.Caps(max_bytes=HEADER_CAP, max_bin=64, max_str=0, max_array=9,
                         max_depth=1)


# Header and Entry are NamedTuples, not frozen dataclasses: sync builds one of each
# per received entry, and a NamedTuple made straight from the decoded tuple costs
# ~0.2 µs against ~1.2 µs for a frozen dataclass. Change a field with ``_replace``.
class Header(NamedTuple):
    version: int
    device: bytes
    seq: int
    prev: bytes | None
    timestamp: int
    kind: int
    body_hash: bytes
    body_len: int
    signature: bytes

    def signed_part(self) -> bytes:
        return SIG_DOMAIN + codec.encode(self[:8])  # all fields but the signature

    def to_bytes(self) -> bytes:
        return codec.encode(tuple(self))


class Entry(NamedTuple):
    """A decoded entry. ``raw`` is the signed header exactly as it travels and is stored;
    ``body`` is None when this node does not hold it (deleted, or never fetched)."""

    header: Header
    raw: bytes
    id: bytes
    body: bytes | None

    @property
    def device(self) -> bytes:
        return self.header.device

    @property
    def seq(self) -> int:
        return self.header.seq

    @property
    def kind(self) -> int:
        return self.header.kind

    @property
    def timestamp(self) -> int:
        return self.header.timestamp

    def __repr__(self) -> str:
        return (f"Entry(device={self.device.hex()[:12]}, seq={self.seq}, kind={self.kind}, "
                f"id={self.id.hex()[:12]}, body={'none' if self.body is None else len(self.body)})")

    def without_body(self) -> Entry:
        return Entry(self.header, self.raw, self.id, None)


def body_hash(body: bytes) -> bytes:
    return crypto.blake2b(body, _BODY_PERSON)


def entry_id(raw_header: bytes) -> bytes:
    return crypto.blake2b(raw_header, _ID_PERSON)


def decode_header(raw: bytes) -> Header:
    """Parse a signed header, checking layout, types, caps and canonical form.

    Does not check the signature: see ``verify_entry`` and ``verify_run``.
    """
    if len(raw) > HEADER_CAP:
        raise OverCap(f"header of {len(raw)} bytes is over the cap of {HEADER_CAP}")
    wire = codec.unpack(raw, HEADER_CAPS)
    # the fast path: every field of the right type and in range, which makes codec's
    # walk over nested values unnecessary; anything else takes the slow path, which
    # says exactly what is wrong
    if type(wire) is tuple and len(wire) == 9:
        version, device, seq, prev, timestamp, kind, bhash, blen, sig = wire
        if (version == FORMAT_VERSION and type(version) is int
                and type(device) is bytes and len(device) == 32
                and type(seq) is int and 1 <= seq <= MAX_SEQ
                and ((prev is None) if seq == 1 else (type(prev) is bytes and len(prev) == 32))
                and type(timestamp) is int and 0 <= timestamp <= MAX_TIME
                and type(kind) is int and 0 <= kind <= 255
                and type(bhash) is bytes and len(bhash) == 32
                and type(blen) is int and 0 <= blen <= BODY_CAP
                and type(sig) is bytes and len(sig) == 64):
            codec.require_canonical(wire, raw)
            return tuple.__new__(Header, wire)  # the checked tuple is the header's fields
    return _decode_header_slowly(raw)


def _decode_header_slowly(raw: bytes) -> Header:
    wire = codec.decode(raw, HEADER_CAPS)
    if not isinstance(wire, tuple) or not wire:
        raise MalformedEntry("a header is a non-empty array")
    if wire[0] != FORMAT_VERSION or isinstance(wire[0], bool):
        raise UnknownVersion(f"entry format version {wire[0]!r} is not supported")
    if len(wire) != 9:
        raise MalformedEntry("a version 1 header is an array of 9")
    version, device, seq, prev, timestamp, kind, bhash, blen, sig = wire
    _need_bytes("device", device, 32)
    _need_int("seq", seq, 1, MAX_SEQ)
    if seq == 1:
        if prev is not None:
            raise MalformedEntry("the first entry of a log has no previous entry")
    else:
        _need_bytes("prev", prev, 32)
    _need_int("timestamp", timestamp, 0, MAX_TIME)
    _need_int("kind", kind, 0, 255)
    _need_bytes("body_hash", bhash, 32)
    _need_int("body_len", blen, 0, BODY_CAP)
    _need_bytes("signature", sig, 64)
    return Header(version, device, seq, prev, timestamp, kind, bhash, blen, sig)


def parse(raw_header: bytes, body: bytes | None, *, verify_body: bool = True) -> Entry:
    """An ``Entry`` from wire bytes; the body, when given, must match the header.
    ``verify_body=False`` leaves that to ``verify_run``, for a caller that hands every
    entry to ``Store.ingest``, which checks it there (sync: not hashing bodies twice)."""
    header = decode_header(raw_header)
    if body is not None and verify_body:
        check_body(header, body)
    return Entry(header, raw_header, entry_id(raw_header), body)


def check_body(header: Header, body: bytes) -> None:
    if len(body) != header.body_len:
        raise BodyMismatch(f"body is {len(body)} bytes, header says {header.body_len}")
    if body_hash(body) != header.body_hash:
        raise BodyMismatch("body does not match the hash in its header")


def create(device_secret: bytes, device_id: bytes, prev: Entry | None, timestamp: int,
           kind: int, body: bytes) -> Entry:
    """Sign the next entry of a log. ``prev`` is the log's current last entry."""
    if len(body) > BODY_CAP:
        raise OverCap(f"body of {len(body)} bytes is over the cap of {BODY_CAP}")
    if prev is not None and prev.device != device_id:
        raise ValueError("prev belongs to another log")
    if device_secret[32:] != device_id:  # a libsodium secret key ends with its public key
        raise ValueError("device_secret is not the secret key of device_id")
    if not (isinstance(timestamp, int) and isinstance(kind, int)
            and 0 <= timestamp <= MAX_TIME and 0 <= kind <= 255):
        raise ValueError("timestamp or kind is not an int in range: the entry would not decode")
    seq = 1 if prev is None else prev.seq + 1
    unsigned = Header(FORMAT_VERSION, device_id, seq, None if prev is None else prev.id,
                      timestamp, kind, body_hash(body), len(body), b"")
    header = unsigned._replace(signature=crypto.sign(device_secret, unsigned.signed_part()))
    raw = header.to_bytes()
    return Entry(header, raw, entry_id(raw), body)


def verify_signature(header: Header) -> None:
    if not crypto.verify(header.device, header.signed_part(), header.signature):
        raise BadSignature(f"signature of entry {header.seq} does not verify")


def verify_entry(entry: Entry) -> None:
    """Full check of one entry that arrives alone: signature and body."""
    verify_signature(entry.header)
    if entry.body is not None:
        check_body(entry.header, entry.body)


def verify_run(run: Sequence[Entry], after: Entry | tuple[int, bytes] | None) -> None:
    """Authenticate a contiguous run of one log with one signature check.

    ``run`` is in sequence order. ``after`` is what the verifier already holds just
    before the run: the entry at ``run[0].seq - 1`` (or its ``(seq, id)``), or None
    when the run starts the log at seq 1. With ``(seq, id)`` the caller must make sure
    the run's device is the log it looked ``after`` up in (an ``Entry`` is checked here,
    since anyone can sign a header naming another log's entry as prev). Raises
    ``BrokenLink`` if the run does not continue ``after`` or is not linked header to
    header, ``BadSignature`` if the last header is not signed by the log's device,
    ``BodyMismatch`` for a wrong body.
    """
    if not run:
        return
    first = run[0].header
    if after is None:
        if first.seq != 1:
            raise BrokenLink(f"run starts at {first.seq}, not at the start of the log")
    else:
        if isinstance(after, Entry):
            # Anyone can sign a header whose prev names an entry of another log.
            if after.device != first.device:
                raise BrokenLink("the run belongs to another log than the entry it follows")
            after_seq, after_id = after.seq, after.id
        else:
            after_seq, after_id = after  # the caller vouches that this is the run's log
        if first.seq != after_seq + 1 or first.prev != after_id:
            raise BrokenLink(f"entry {first.seq} does not continue the stored log")
    device = first.device
    for before, current in pairwise(run):
        h = current.header
        if h.device != device:
            raise BrokenLink("a run mixes entries of two logs")
        if h.seq != before.seq + 1 or h.prev != before.id:
            raise BrokenLink(f"entry {h.seq} is not linked to entry {before.seq}")
    for item in run:
        if item.body is not None:
            check_body(item.header, item.body)
    verify_signature(run[-1].header)


def _need_bytes(name: str, value: object, size: int) -> None:
    if not (isinstance(value, bytes) and len(value) == size):
        raise MalformedEntry(f"header field {name} must be {size} bytes")


def _need_int(name: str, value: object, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise MalformedEntry(f"header field {name} must be an int in [{low}, {high}]")
