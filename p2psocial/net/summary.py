"""Summaries of large sets: what two peers compare before sending the sets themselves.

Theory of operation. A node that holds 10,000 logs would send 10,000 clock lines and
as many wanted accounts at every reconnect, though a peer it talks to every day
holds nearly the same: a third of a megabyte each way to learn that nothing changed.
Instead each side cuts its set into ``BUCKETS`` buckets by the first byte of each
key (a device or an account id: uniformly random hashes) and sends one short digest
per bucket. Where the digests agree, the two sides hold the same items there and
nothing more is said; only the items of the buckets that differ are sent. Two peers
that are up to date exchange 2 KiB of digests whatever they hold; a difference costs
about one bucket's worth of items (a 256th of the set) per bucket it touches.

The digest of a bucket is the first ``DIGEST_LEN`` bytes of a keyed BLAKE2b over its
items in sorted order; an empty bucket's is all zeros. 8 bytes leave a chance of
2^-64 that two different buckets look alike: then that part of the clock is not
compared and the logs in it are caught up by the next "need" or session, as after a
lost frame.

Pure: items in, bytes out. ``Item`` is a 32-byte key and an int (0 for set members).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

BUCKETS = 256
DIGEST_LEN = 8
SIZE = BUCKETS * DIGEST_LEN
"""Bytes of a summary on the wire: one digest per bucket, concatenated."""
_EMPTY = bytes(DIGEST_LEN)
_PERSON = b"p2ps-summary"

Item = tuple[bytes, int]


def bucket_of(key: bytes) -> int:
    return key[0]


def summarise(items: Iterable[Item]) -> bytes:
    """The digests of ``items``' buckets, concatenated (``SIZE`` bytes)."""
    buckets: list[list[Item]] = [[] for _ in range(BUCKETS)]
    for item in items:
        buckets[item[0][0]].append(item)
    out = bytearray()
    for bucket in buckets:
        if not bucket:
            out += _EMPTY
            continue
        h = hashlib.blake2b(digest_size=DIGEST_LEN, person=_PERSON)
        for key, value in sorted(bucket):
            h.update(key)
            h.update(value.to_bytes(8, "big"))
        out += h.digest()
    return bytes(out)


def differing(mine: bytes, theirs: bytes) -> frozenset[int]:
    """The buckets where two summaries disagree."""
    if len(mine) != SIZE or len(theirs) != SIZE:
        raise ValueError(f"a summary is {SIZE} bytes")
    return frozenset(b for b in range(BUCKETS)
                     if mine[b * DIGEST_LEN:(b + 1) * DIGEST_LEN]
                     != theirs[b * DIGEST_LEN:(b + 1) * DIGEST_LEN])
