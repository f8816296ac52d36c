"""Fork proofs: evidence, checkable by anyone, that a device signed two histories.

Theory of operation. A device writes one append-only log, so two headers it signed
can never disagree about what its log holds: an honest device never signs two
different entries at one sequence number. When one does (a malicious author who
gives one peer ``2a`` and another ``2b``), the log has *forked*, and nobody can tell
which branch is "the" log. What a node can do is stop: keep the log as it was before
the fork, accept and pass on nothing at or after it, and tell its peers, so that they
stop too. Nothing here is the fault of the peers that carried either branch: each
branch on its own is valid signed data.

Two headers of one device, both carrying valid signatures, prove a fork when

* they have the same sequence number and different ids (``2a`` and ``2b``), or
* the second directly follows the first in sequence but does not name it as its
  previous entry (``2a`` and ``3b``, whose prev is ``2b``): the device signed another
  entry at the first one's sequence number.

Either way the fork is *at* the first header's sequence number: entries below it are
kept, the ones at or after it are frozen. A proof is the two signed headers, as they
travel (canonical msgpack, at most ``entry.HEADER_CAP`` bytes each), so it is small
and can be passed on whole. Checking one costs two signature checks.

No I/O, no clock: bytes in, a ``Fork`` or a typed error out.
"""

from __future__ import annotations

from typing import NamedTuple

from . import codec
from .entry import HEADER_CAP, Header, decode_header, entry_id, verify_signature
from .errors import BadSignature, InvalidEntry

WIRE_CAPS = codec.Caps(max_bytes=2 * HEADER_CAP + 16, max_bin=HEADER_CAP, max_str=0,
                       max_array=2, max_depth=1)


class NotAFork(InvalidEntry):
    """Two headers that do not prove a fork (wrong shape, unsigned, or consistent)."""


class Fork(NamedTuple):
    """A checked proof: ``device`` forked at ``seq``; ``first`` and ``second`` are the
    two signed headers as they travel (the first one is at ``seq``)."""

    device: bytes
    seq: int
    first: bytes
    second: bytes

    def to_wire(self) -> tuple[bytes, bytes]:
        return (self.first, self.second)


def conflicts(a: Header, a_id: bytes, b: Header, b_id: bytes) -> bool:
    """Whether two headers of one device cannot both be in one log (signatures are
    not checked here)."""
    if a.device != b.device:
        return False
    if a.seq == b.seq:
        return a_id != b_id
    if b.seq == a.seq + 1:
        return b.prev != a_id
    if a.seq == b.seq + 1:
        return a.prev != b_id
    return False


def prove(raw_a: bytes, raw_b: bytes) -> Fork:
    """The fork that two signed headers prove, or ``NotAFork``. Both signatures are
    checked; the result is in a canonical order (the lower sequence first, then the
    lower id), so one fork found by two nodes is one proof."""
    try:
        a, b = decode_header(raw_a), decode_header(raw_b)
    except InvalidEntry as exc:
        raise NotAFork(f"a fork proof holds a header that does not decode: {exc}") from None
    a_id, b_id = entry_id(raw_a), entry_id(raw_b)
    if not conflicts(a, a_id, b, b_id):
        raise NotAFork("these two headers do not contradict each other")
    try:
        verify_signature(a)
        verify_signature(b)
    except BadSignature:
        raise NotAFork("a header of this fork proof is not signed by its device") from None
    if (b.seq, b_id) < (a.seq, a_id):
        a, b, raw_a, raw_b = b, a, raw_b, raw_a
    return Fork(a.device, a.seq, raw_a, raw_b)


def from_wire(wire: object) -> Fork:
    """A proof as it arrives from a peer (already decoded by its frame's codec)."""
    if not (type(wire) is tuple and len(wire) == 2
            and all(type(h) is bytes and len(h) <= HEADER_CAP for h in wire)):
        raise NotAFork("a fork proof is two signed headers")
    return prove(wire[0], wire[1])


def claimed(wire: object) -> tuple[bytes, int] | None:
    """(device, seq) that a proof as it arrives claims, without checking it (cheap: a
    receiver decides from this whether the proof concerns it at all), or None when it
    is not even shaped like one."""
    if not (type(wire) is tuple and len(wire) == 2
            and all(type(h) is bytes and len(h) <= HEADER_CAP for h in wire)):
        return None
    try:
        a, b = decode_header(wire[0]), decode_header(wire[1])
    except InvalidEntry:
        return None
    return (a.device, min(a.seq, b.seq)) if a.device == b.device else None


def encode(fork: Fork) -> bytes:
    return codec.encode(fork.to_wire())


def decode(data: bytes) -> Fork:
    return from_wire(codec.decode(data, WIRE_CAPS))
