"""Length-prefixed frames over a byte stream (a libp2p stream, or an in-memory pipe).

A frame is a 4-byte big-endian unsigned length followed by that many payload bytes.

Why our own loop: a libp2p stream's ``read(n)`` returns *up to* n bytes (a 200 KiB
frame arrives in many yamux chunks of at most 64 KiB, often much less), and
``libp2p.io.utils.read_exactly`` gives up with ``IncompleteReadError`` after 100
partial reads (libp2p/io/utils.py:8,49). ``read_exact`` below loops until done.

End of stream, chosen once for every reader:

* a clean EOF *between* frames (the peer closed its write side after a whole
  frame) makes ``read_frame`` return ``None``, so
  ``while (frame := await read_frame(s, cap)) is not None`` reads a whole stream.
  ``None`` does not prove the peer finished: py-libp2p 0.8.1's yamux usually
  reports a stream *reset* by the peer as a plain EOF when nothing is buffered
  (the RST handler drops the stream, and a read of an unknown stream raises EOF:
  yamux.py:1565-1577, 969-974, 1058-1060). A protocol that needs to know a session
  completed must send its own final frame;
* an EOF *inside* a frame (in the 4 header bytes or the payload) raises
  ``TruncatedFrame``;
* a declared length over ``max_len`` raises ``FrameTooLarge`` after reading only the
  4 header bytes, before any payload is read or any buffer is allocated.

After ``TruncatedFrame`` or ``FrameTooLarge`` the stream is out of step: reset it.

EOF is recognised as either an ``EOFError`` (libp2p's ``StreamEOF`` subclasses it,
libp2p/network/stream/exceptions.py) or a read returning ``b""`` (trio streams and
test pipes), so this module needs no libp2p import and works over any object with
``async read(n) -> bytes`` and ``async write(data) -> None``. Other stream errors
(libp2p's ``StreamReset``, ``StreamClosed``, ``StreamError``) propagate unchanged.
"""

from __future__ import annotations

import struct
from typing import Protocol

from .. import codec
from ..errors import InvalidEntry, P2PSocialError

HEADER_LEN = 4
MAX_FRAME_LEN = 0xFFFF_FFFF  # what 4 bytes can declare; callers pass a much smaller cap
_HEADER = struct.Struct(">I")


class ByteReader(Protocol):
    async def read(self, n: int | None = None) -> bytes: ...


class ByteWriter(Protocol):
    async def write(self, data: bytes) -> None: ...


class FrameError(P2PSocialError):
    """The peer broke the framing; the stream cannot be used any more."""


class FrameTooLarge(FrameError):
    """A frame header declared a length over the reader's cap."""

    def __init__(self, declared: int, max_len: int) -> None:
        super().__init__(f"frame of {declared} bytes declared, cap is {max_len}")
        self.declared = declared
        self.max_len = max_len


class TruncatedFrame(FrameError, EOFError):
    """The stream ended inside a frame (or inside a ``read_exact``)."""

    def __init__(self, wanted: int, got: int) -> None:
        super().__init__(f"stream ended after {got} of {wanted} bytes")
        self.wanted = wanted
        self.got = got


async def _read_some(stream: ByteReader, n: int) -> bytes:
    """Up to ``n`` bytes; ``b""`` at end of stream (whichever way the stream says it)."""
    try:
        return await stream.read(n)
    except EOFError:
        return b""


async def read_exact(stream: ByteReader, n: int) -> bytes:
    """Exactly ``n`` bytes, however many partial reads it takes.

    Raises ``TruncatedFrame`` if the stream ends first (``got`` says how many bytes
    had arrived, 0 for an EOF before the first byte).
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    buf = bytearray()
    while len(buf) < n:
        chunk = await _read_some(stream, n - len(buf))
        if not chunk:
            raise TruncatedFrame(n, len(buf))
        buf += chunk
    return bytes(buf)


async def write_frame(stream: ByteWriter, payload: bytes) -> None:
    """Write one frame (header and payload in one ``write`` call).

    Not safe for two tasks writing to one stream at once: yamux sends a large write
    as several chunks of at most 64 KiB and takes its lock per chunk
    (libp2p/stream_muxer/yamux/yamux.py, ``YamuxStream.write``), so another task's
    frame can land in the middle. Serialise writers with a ``trio.Lock``.
    """
    if len(payload) > MAX_FRAME_LEN:
        raise ValueError("payload too large for a 4-byte length")
    await stream.write(_HEADER.pack(len(payload)) + payload)


async def read_frame(stream: ByteReader, max_len: int) -> bytes | None:
    """Read one frame's payload, or ``None`` on a clean EOF before its first byte.

    Raises ``FrameTooLarge`` when the declared length exceeds ``max_len`` (checked
    before the payload is read) and ``TruncatedFrame`` on an EOF inside the frame.
    """
    try:
        header = await read_exact(stream, HEADER_LEN)
    except TruncatedFrame as exc:
        if exc.got == 0:
            return None
        raise
    (length,) = _HEADER.unpack(header)
    if length > max_len:
        raise FrameTooLarge(length, max_len)
    try:
        return await read_exact(stream, length)
    except TruncatedFrame as exc:
        raise TruncatedFrame(HEADER_LEN + length, HEADER_LEN + exc.got) from None


def named_message(frame: bytes, caps: codec.Caps, error: type[Exception], what: str) -> tuple:
    """The message in ``frame``: canonical msgpack (within ``caps``), an array that
    starts with its name. Anything else raises ``error`` (the protocol's own, which
    the caller's peer pays for in standing)."""
    try:
        wire = codec.decode(frame, caps)
    except InvalidEntry as exc:
        raise error(f"bad {what} frame: {exc}") from None
    if type(wire) is not tuple or not wire or type(wire[0]) is not str:
        raise error(f"a {what} frame is an array that starts with its name")
    return wire


# --- libp2p's framing: an unsigned varint length, then the message -------------------


class VarintTooLong(FrameError):
    """A length prefix longer than a short message can need."""


async def read_varint_message(stream: ByteReader, max_len: int) -> bytes:
    """One message framed the libp2p way (relay, DCUtR): an unsigned-varint length and
    that many bytes, read without reading a byte past it (a relayed connection
    follows a relay's messages on the same stream). ``max_len`` is checked before
    the message is read; at most 3 varint bytes (2 MiB) are accepted.

    Raises ``VarintTooLong``, ``FrameTooLarge``, or ``TruncatedFrame`` at end of stream.
    """
    length = shift = 0
    for _ in range(3):
        byte = (await read_exact(stream, 1))[0]
        length |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    else:
        raise VarintTooLong("a message length is not a short varint")
    if length > max_len:
        raise FrameTooLarge(length, max_len)
    return await read_exact(stream, length)


async def write_varint_message(stream: ByteWriter, message: bytes) -> None:
    """Write ``message`` framed the libp2p way (see ``read_varint_message``)."""
    length, prefix = len(message), bytearray()
    while True:
        byte = length & 0x7F
        length >>= 7
        prefix.append(byte | (0x80 if length else 0))
        if not length:
            break
    await stream.write(bytes(prefix) + message)
