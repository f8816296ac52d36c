"""Blobs (images, avatars) fetched by hash from a peer: ``/p2psocial/blob/1.0.0``.

Theory of operation. One stream carries one request. The fetcher sends one frame,
and the server answers with chunk frames until the blob's end, or with "missing":

    ("get", hash32, offset)               fetcher -> server: send from ``offset`` on
    ("chunk", offset, total_size, data)   server -> fetcher: ``data`` (1..CHUNK bytes)
                                          starts at ``offset`` of a ``total_size``-byte
                                          blob; the frame whose data reaches
                                          ``total_size`` is the last one
    ("missing",)                          server -> fetcher: I do not hold it

Every frame is canonical msgpack (``p2psocial.codec``) in a length-prefixed frame
(``framing``); an empty blob is one chunk ``(0, 0, b"")``. The last chunk is the
protocol's own final frame: an EOF before it means the stream broke, whatever
libp2p says about resets (docs/libp2p-notes.md).

``BlobDownload`` is the fetcher's state machine, with no I/O: it hands out the "get"
frame for what it still lacks, and takes frames in. It refuses a total over its cap
before it accepts any data, a chunk out of order, data past the end, a chunk that
makes no progress, a total that changes, a "missing" after data, and at the end
bytes that do not hash to the requested hash. Those are ``BlobError``s, which are
``InvalidEntry``: the caller lowers the peer's standing. Because the state outlives
a stream, a broken stream is resumed on a new one from the first byte not yet
received, and the total must not change across the two.

The edge: ``serve_blob`` answers one request on a stream; ``fetch_blob`` drives a
download over streams from one peer (one retry, resumed); ``fetch_from_any`` tries
peers in turn. Not getting a blob without anyone's fault (the peer does not hold
it, the streams broke) is a ``BlobUnavailable``, a ``NetError``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, TypeVar

import trio

from .. import codec
from ..crypto import HASH_LEN
from ..errors import InvalidEntry
from ..store.store import BLOB_CAP, blob_hash
from .framing import FrameError, FrameTooLarge, named_message, read_frame, write_frame
from .host import NetError
from .streams import BROKEN, close_quietly, reset_quietly

__all__ = [
    "CHUNK",
    "PROTOCOL_ID",
    "BlobAborted",
    "BlobDownload",
    "BlobError",
    "BlobHashMismatch",
    "BlobMissing",
    "BlobProtocolError",
    "BlobTooLarge",
    "BlobUnavailable",
    "Chunk",
    "Finished",
    "Get",
    "Missing",
    "Progress",
    "decode_request",
    "decode_response",
    "encode",
    "fetch_blob",
    "fetch_from_any",
    "response_frames",
    "serve_blob",
]

log = logging.getLogger(__name__)

PROTOCOL_ID = "/p2psocial/blob/1.0.0"
CHUNK = 256 * 1024
"""Most data bytes in one chunk frame: small enough to keep a stream responsive."""
MAX_REQUEST_FRAME = 64  # ("get", 32-byte hash, offset) takes at most 48 bytes
MAX_RESPONSE_FRAME = CHUNK + 64  # array, name, two ints and a bin header: < 32 bytes
STALL_TIMEOUT = 15.0
"""Seconds the fetcher waits for the next frame before it counts the stream broken."""
REQUEST_TIMEOUT = 15.0
"""Seconds a server waits for the request on a new stream, and for the fetcher to take
each chunk of the answer (one that stops reading is let go: it held the blob)."""

_MAX_INT = 2**53
_REQUEST_CAPS = codec.Caps(max_bytes=MAX_REQUEST_FRAME, max_bin=HASH_LEN, max_str=8,
                           max_array=3, max_depth=1)
_RESPONSE_CAPS = codec.Caps(max_bytes=MAX_RESPONSE_FRAME, max_bin=CHUNK, max_str=8,
                            max_array=4, max_depth=1)


# --- errors -------------------------------------------------------------------------


class BlobError(InvalidEntry):
    """The peer broke the blob protocol or sent wrong bytes: lower its standing."""


class BlobProtocolError(BlobError):
    """A frame that is not a valid blob message, or comes out of order."""


class BlobTooLarge(BlobError):
    """The peer announced a blob larger than the download's cap."""


class BlobHashMismatch(BlobError):
    """The bytes received do not hash to the requested hash."""


class BlobUnavailable(NetError):
    """The blob could not be had, through no proven fault of the peer(s)."""

    def __init__(self, message: str, failures: list[tuple[object, Exception]] | None = None,
                 ) -> None:
        super().__init__(message)
        # for fetch_from_any: each candidate tried, and why it gave nothing
        self.failures = failures or []


class BlobMissing(BlobUnavailable):
    """The peer does not hold the blob."""


class BlobAborted(BlobUnavailable):
    """The streams to the peer broke (or stalled) before the blob was complete."""


# --- wire messages ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Get:
    digest: bytes
    offset: int


@dataclass(frozen=True, slots=True)
class Chunk:
    offset: int
    total: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Missing:
    pass


def encode(message: Get | Chunk | Missing) -> bytes:
    match message:
        case Get(digest, offset):
            return codec.encode(("get", digest, offset))
        case Chunk(offset, total, data):
            return codec.encode(("chunk", offset, total, data))
        case Missing():
            return codec.encode(("missing",))
    raise TypeError(f"not a blob message: {message!r}")


def decode_request(frame: bytes) -> Get:
    """The request in a frame, or ``BlobProtocolError``."""
    wire = _decode(frame, _REQUEST_CAPS)
    if (len(wire) == 3 and wire[0] == "get" and type(wire[1]) is bytes
            and len(wire[1]) == HASH_LEN and _is_size(wire[2])):
        return Get(wire[1], wire[2])
    raise _invalid(wire)


def decode_response(frame: bytes) -> Chunk | Missing:
    """The response in a frame, or ``BlobProtocolError``. Checks each frame alone;
    whether it fits the download so far is ``BlobDownload``'s business."""
    wire = _decode(frame, _RESPONSE_CAPS)
    if (len(wire) == 4 and wire[0] == "chunk" and _is_size(wire[1]) and _is_size(wire[2])
            and type(wire[3]) is bytes):
        return Chunk(wire[1], wire[2], wire[3])
    if wire == ("missing",):
        return Missing()
    raise _invalid(wire)


def _decode(frame: bytes, caps: codec.Caps) -> tuple:
    return named_message(frame, caps, BlobProtocolError, "blob")


def _invalid(wire: tuple) -> BlobProtocolError:
    name = wire[0] if len(wire[0]) <= 16 else "unknown"
    return BlobProtocolError(f"not a valid {name!r} blob message")


def _is_size(v: object) -> bool:
    return type(v) is int and 0 <= v < _MAX_INT


# --- the server's side (pure) ---------------------------------------------------------


def response_frames(data: bytes | None, offset: int, chunk: int = CHUNK) -> Iterator[bytes]:
    """The frames that answer ``("get", hash, offset)`` for a blob held as ``data``
    (``None``: not held). ``BlobProtocolError`` for an offset past the blob's end."""
    if not 0 < chunk <= CHUNK:
        raise ValueError(f"a chunk is 1 to {CHUNK} bytes")
    if data is None:
        yield encode(Missing())
        return
    total = len(data)
    if offset > total or (offset == total and total):
        raise BlobProtocolError(f"offset {offset} is past the end of a {total}-byte blob")
    yield encode(Chunk(offset, total, data[offset:offset + chunk]))
    for start in range(offset + chunk, total, chunk):
        yield encode(Chunk(start, total, data[start:start + chunk]))


# --- the fetcher's side (pure) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Progress:
    """A chunk was accepted; ``received`` of ``total`` bytes are in."""

    received: int
    total: int


@dataclass(frozen=True, slots=True)
class Finished:
    """The whole blob, verified against its hash."""

    data: bytes


Event = Progress | Finished | Missing


class BlobDownload:
    """One blob being received, possibly over several streams. No I/O.

        download = BlobDownload(digest)
        send(download.request())          # on every new stream, first resume offset 0
        event = download.receive(frame)   # Progress, Finished or Missing; or BlobError
    """

    def __init__(self, digest: bytes, cap: int = BLOB_CAP) -> None:
        if type(digest) is not bytes or len(digest) != HASH_LEN:
            raise ValueError(f"a blob hash is {HASH_LEN} bytes")
        if cap < 0:
            raise ValueError("the cap is a number of bytes")
        self.digest = digest
        self.cap = cap
        self.total: int | None = None
        self._buf = bytearray()
        self._answered = True  # no request is waiting for its first frame
        self.done = False

    @property
    def received(self) -> int:
        return len(self._buf)

    def request(self) -> bytes:
        """The "get" frame to send on a new stream: from the first byte we lack."""
        if self.done:
            raise RuntimeError("this download is over")
        self._answered = False
        return encode(Get(self.digest, self.received))

    def receive(self, frame: bytes) -> Event:
        """The event for one frame from the peer, or a ``BlobError``."""
        if self.done:
            raise BlobProtocolError("a frame after the end of the blob")
        message = decode_response(frame)
        first, self._answered = not self._answered, True
        if isinstance(message, Missing):
            if not first:
                raise BlobProtocolError("'missing' in the middle of a blob")
            self.done = True
            return message
        offset, total, data = message.offset, message.total, message.data
        if self.total is None:
            if total > self.cap:
                raise BlobTooLarge(f"a blob of {total} bytes is over the cap of {self.cap}")
            self.total = total
        elif total != self.total:
            raise BlobProtocolError(f"the blob's size changed from {self.total} to {total}")
        if offset != self.received:
            raise BlobProtocolError(f"chunk at {offset}, expected {self.received}")
        if len(data) > CHUNK or offset + len(data) > total:
            raise BlobProtocolError(f"chunk of {len(data)} bytes at {offset} overruns "
                                    f"the {total}-byte blob")
        if not data and total:
            raise BlobProtocolError("an empty chunk")
        self._buf += data
        if self.received < total:
            return Progress(self.received, total)
        self.done = True
        whole = bytes(self._buf)
        self._buf = bytearray()
        if blob_hash(whole) != self.digest:
            raise BlobHashMismatch(f"{total} bytes that do not hash to {self.digest.hex()}")
        return Finished(whole)


# --- the edge: libp2p streams (or anything with read/write/close/reset) ---------------


class BlobStream(Protocol):
    async def read(self, n: int | None = None) -> bytes: ...

    async def write(self, data: bytes) -> None: ...

    async def close(self) -> None: ...

    async def reset(self) -> None: ...


OpenStream = Callable[[], Awaitable[BlobStream]]
GetBlob = Callable[[bytes], Awaitable[bytes | None]]
K = TypeVar("K")



_LET_GO: tuple[type[BaseException], ...] = (trio.TooSlowError, *BROKEN)


class _Broken(Exception):
    """Internal: this stream cannot finish the download; try another."""


async def serve_blob(stream: BlobStream, get_blob: GetBlob, *, chunk: int = CHUNK,
                     request_timeout: float = REQUEST_TIMEOUT) -> None:
    """Answer one request on ``stream`` from ``get_blob(hash)``, then close it.

    A stream that ends (or stays silent for ``request_timeout`` seconds) without a
    request is closed quietly, and so is a fetcher that leaves in the middle of the
    answer (one that found the blob over its cap, say) or stops taking it for
    ``request_timeout`` seconds a chunk. A bad request raises
    ``BlobProtocolError`` (an ``InvalidEntry``: the caller may lower the requester's
    standing; the host resets the stream): one that is not the protocol, over its
    cap, or cut short (a request is one small frame, written at once: a fetcher that
    leaves does so while the answer flows, not in the middle of its own 48 bytes).
    """
    try:
        frame = None
        with trio.move_on_after(request_timeout):
            frame = await read_frame(stream, MAX_REQUEST_FRAME)
        if frame is None:
            await stream.close()
            return
        get = decode_request(frame)
        data = await get_blob(get.digest)
        for out in response_frames(data, get.offset, chunk):
            with trio.fail_after(request_timeout):
                await write_frame(stream, out)
        await stream.close()
    except FrameError as exc:  # read_frame's only: over the cap, or cut short
        raise BlobProtocolError(f"bad request frame: {exc}") from None
    except _LET_GO as exc:  # the fetcher left, or stopped reading
        log.debug("blob request: the fetcher left (%r)", exc)
        await reset_quietly(stream)


async def fetch_blob(open_stream: OpenStream, digest: bytes, *, cap: int = BLOB_CAP,
                     retries: int = 1, stall_timeout: float = STALL_TIMEOUT) -> bytes:
    """The blob with hash ``digest`` from the peer behind ``open_stream``.

    ``open_stream()`` opens a new blob stream to one peer (for example
    ``lambda: host.open_stream(peer, addrs, PROTOCOL_ID)``). When a stream breaks,
    ends early or stalls for ``stall_timeout`` seconds, the download resumes on a new
    stream from the first byte not received, ``retries`` times.

    Raises ``BlobError`` (an ``InvalidEntry``: the peer misbehaved), ``BlobMissing``
    or ``BlobAborted`` (``BlobUnavailable``), and what ``open_stream`` raises
    (``DialFailed``, ``StreamOpenFailed``).
    """
    download = BlobDownload(digest, cap)
    broken = 0
    while True:
        stream = await open_stream()
        try:
            event = await _download_on(stream, download, stall_timeout)
        except _Broken as exc:
            await reset_quietly(stream)
            broken += 1
            if broken > retries:
                raise BlobAborted(f"blob {digest.hex()[:16]}: {exc}, after {broken} "
                                  f"stream(s); {download.received} bytes received") from None
            log.debug("blob %s: %s; resuming at byte %d", digest.hex()[:16], exc,
                      download.received)
            continue
        except BaseException:
            await reset_quietly(stream)
            raise
        await close_quietly(stream)
        if isinstance(event, Missing):
            raise BlobMissing(f"the peer does not hold blob {digest.hex()}")
        return event.data


async def _download_on(stream: BlobStream, download: BlobDownload,
                       stall_timeout: float) -> Finished | Missing:
    try:
        await write_frame(stream, download.request())
        while True:
            with trio.move_on_after(stall_timeout) as stalled:
                frame = await read_frame(stream, MAX_RESPONSE_FRAME)
            if stalled.cancelled_caught:
                raise _Broken(f"no frame for {stall_timeout} s")
            if frame is None:
                raise _Broken("the stream ended before the blob did")
            event = download.receive(frame)
            if not isinstance(event, Progress):
                return event
    except FrameTooLarge as exc:
        raise BlobProtocolError(f"bad response frame: {exc}") from None
    except BROKEN as exc:  # TruncatedFrame is an EOFError too
        raise _Broken(f"the stream broke ({type(exc).__name__})") from None


async def fetch_from_any(candidates: Iterable[tuple[K, OpenStream]], digest: bytes, *,
                         cap: int = BLOB_CAP,
                         on_failure: Callable[[K, Exception], Awaitable[object]] | None = None,
                         retries: int = 1, stall_timeout: float = STALL_TIMEOUT) -> bytes:
    """The blob from the first of ``candidates`` (``(key, open_stream)`` pairs, tried in
    turn) that gives it. ``await on_failure(key, error)`` hears of each one that did
    not: a ``BlobError`` (``InvalidEntry``) means lower that peer's standing; a
    ``NetError`` (missing, broken streams, no dial) is nobody's proven fault.

    Raises ``BlobUnavailable`` (with ``.failures``) if none gave it.
    """
    failures: list[tuple[object, Exception]] = []
    for key, open_stream in candidates:
        try:
            return await fetch_blob(open_stream, digest, cap=cap, retries=retries,
                                    stall_timeout=stall_timeout)
        except (InvalidEntry, NetError) as exc:
            failures.append((key, exc))
            if on_failure is not None:
                await on_failure(key, exc)
    raise BlobUnavailable(f"no peer of {len(failures)} gave blob {digest.hex()}", failures)


