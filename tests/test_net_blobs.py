"""The blob protocol: the download state machine alone, over an in-memory pipe, and
between real libp2p hosts on 127.0.0.1 serving from a real store."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

import pytest
import trio
import trio.testing
from helpers import make_identity

from p2psocial import codec
from p2psocial.errors import InvalidEntry
from p2psocial.net import blobs
from p2psocial.net.blobs import (
    CHUNK,
    BlobAborted,
    BlobDownload,
    BlobHashMismatch,
    BlobMissing,
    BlobProtocolError,
    BlobTooLarge,
    BlobUnavailable,
    Chunk,
    Finished,
    Get,
    Missing,
    Progress,
    decode_request,
    encode,
    fetch_blob,
    fetch_from_any,
    response_frames,
    serve_blob,
)
from p2psocial.net.framing import read_frame, write_frame
from p2psocial.net.host import Host, open_host
from p2psocial.store.store import Store, blob_hash
from tests.netkit import Pipe, pipe_pair
from tests.waitkit import run as bounded_run

pytestmark = pytest.mark.usefixtures("quiet_libp2p")  # see tests/conftest.py

TIMEOUT = 20


run = partial(bounded_run, timeout=TIMEOUT)  # tests/waitkit.py, bounded here by TIMEOUT


def payload(n: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(n)


BIG = payload(1024 * 1024)
SMALL = b"abc"


def feed(download: BlobDownload, frames: list[bytes]) -> list[object]:
    return [download.receive(f) for f in frames]


# --- the state machine, no I/O --------------------------------------------------------


def test_chunks_in_order_give_the_verified_blob() -> None:
    data = payload(600 * 1024)
    download = BlobDownload(blob_hash(data))
    assert decode_request(download.request()) == blobs.Get(blob_hash(data), 0)
    frames = list(response_frames(data, 0))
    assert len(frames) == 3 and all(len(f) <= blobs.MAX_RESPONSE_FRAME for f in frames)
    events = feed(download, frames)
    assert events == [Progress(CHUNK, len(data)), Progress(2 * CHUNK, len(data)),
                      Finished(data)]
    assert download.done
    with pytest.raises(BlobProtocolError, match="after the end"):
        download.receive(frames[-1])


@pytest.mark.parametrize("data", [b"", SMALL])
def test_tiny_and_empty_blobs_are_one_chunk(data: bytes) -> None:
    download = BlobDownload(blob_hash(data))
    download.request()
    frames = list(response_frames(data, 0))
    assert frames == [encode(Chunk(0, len(data), data))]
    assert feed(download, frames) == [Finished(data)]


def test_a_total_over_the_cap_is_refused_before_any_data() -> None:
    download = BlobDownload(blob_hash(BIG), cap=len(BIG) - 1)
    download.request()
    with pytest.raises(BlobTooLarge) as caught:
        download.receive(encode(Chunk(0, len(BIG), BIG[:10])))
    assert isinstance(caught.value, InvalidEntry)
    assert download.received == 0
    # the default cap is the store's
    over = BlobDownload(blob_hash(b"x"))
    over.request()
    with pytest.raises(BlobTooLarge):
        over.receive(encode(Chunk(0, blobs.BLOB_CAP + 1, b"x")))


def test_chunks_out_of_order_are_refused() -> None:
    frames = list(response_frames(BIG, 0))
    skipped = BlobDownload(blob_hash(BIG))
    skipped.request()
    with pytest.raises(BlobProtocolError, match=f"chunk at {CHUNK}, expected 0"):
        skipped.receive(frames[1])
    repeated = BlobDownload(blob_hash(BIG))
    repeated.request()
    repeated.receive(frames[0])
    with pytest.raises(BlobProtocolError, match=f"chunk at 0, expected {CHUNK}"):
        repeated.receive(frames[0])


@pytest.mark.parametrize("chunk", [
    Chunk(0, 3, b"abcd"),  # data past the announced end
    Chunk(0, 10, b""),  # no progress: a peer could send these forever
])
def test_overlong_and_empty_chunks_are_refused(chunk: Chunk) -> None:
    download = BlobDownload(blob_hash(SMALL))
    download.request()
    with pytest.raises(BlobProtocolError):
        download.receive(encode(chunk))


def test_a_chunk_over_the_frame_caps_is_refused() -> None:
    download = BlobDownload(blob_hash(BIG))
    download.request()
    with pytest.raises(BlobProtocolError, match="bad blob frame"):
        download.receive(codec.encode(("chunk", 0, len(BIG), BIG[:CHUNK + 1])))


def test_a_total_that_changes_is_refused() -> None:
    download = BlobDownload(blob_hash(BIG))
    download.request()
    download.receive(encode(Chunk(0, len(BIG), BIG[:CHUNK])))
    with pytest.raises(BlobProtocolError, match="size changed"):
        download.receive(encode(Chunk(CHUNK, len(BIG) + 1, BIG[CHUNK:2 * CHUNK])))


def test_bytes_that_do_not_hash_to_the_request_are_refused() -> None:
    wrong = bytearray(BIG)
    wrong[-1] ^= 1
    download = BlobDownload(blob_hash(BIG))
    download.request()
    frames = list(response_frames(bytes(wrong), 0))
    feed(download, frames[:-1])
    with pytest.raises(BlobHashMismatch) as caught:
        download.receive(frames[-1])
    assert isinstance(caught.value, InvalidEntry)


def test_missing_only_as_the_first_answer_to_a_request() -> None:
    download = BlobDownload(blob_hash(SMALL))
    download.request()
    assert list(response_frames(None, 0)) == [encode(Missing())]
    assert download.receive(encode(Missing())) == Missing()
    assert download.done
    midway = BlobDownload(blob_hash(BIG))
    midway.request()
    midway.receive(next(response_frames(BIG, 0)))
    with pytest.raises(BlobProtocolError, match="middle"):
        midway.receive(encode(Missing()))
    # a resumed request may be answered "missing" (the peer dropped the blob since)
    resumed = BlobDownload(blob_hash(BIG))
    resumed.request()
    resumed.receive(next(response_frames(BIG, 0)))
    resumed.request()
    assert resumed.receive(encode(Missing())) == Missing()


def test_a_download_resumes_from_what_it_has_and_the_total_must_hold() -> None:
    download = BlobDownload(blob_hash(BIG))
    download.request()
    feed(download, list(response_frames(BIG, 0))[:2])  # then the stream breaks
    resume = decode_request(download.request())
    assert resume == blobs.Get(blob_hash(BIG), 2 * CHUNK)
    assert feed(download, list(response_frames(BIG, resume.offset)))[-1] == Finished(BIG)
    # a peer that answers the resumed request with another size is caught
    liar = BlobDownload(blob_hash(BIG))
    liar.request()
    liar.receive(next(response_frames(BIG, 0)))
    liar.request()
    with pytest.raises(BlobProtocolError, match="size changed"):
        liar.receive(next(response_frames(BIG[:-1], CHUNK)))


@pytest.mark.parametrize("frame", [
    b"",
    b"\xc1",  # never valid msgpack
    codec.encode(("get", b"x" * 32, 0)),  # a request where a response belongs
    codec.encode(("chunk", 0, 3)),
    codec.encode(("chunk", -1, 3, b"abc")),
    codec.encode(("chunk", 0, 2**53, b"abc")),
    codec.encode(("chunk", 0, 3, "abc")),
    codec.encode(("missing", 1)),
    codec.encode(("x" * 200,)),
    codec.encode((("chunk",), 0, 3, b"abc")),
    b"\x94\xa5chunk\xcc\x00\x03\xc4\x03abc",  # offset 0 in a longer form: non-canonical
])
def test_bad_response_frames_are_typed_errors(frame: bytes) -> None:
    download = BlobDownload(blob_hash(SMALL))
    download.request()
    with pytest.raises(BlobProtocolError):
        download.receive(frame)


@pytest.mark.parametrize("frame", [
    codec.encode(("get", b"x" * 31, 0)),
    codec.encode(("get", b"x" * 32, -1)),
    codec.encode(("get", b"x" * 32)),
    codec.encode(("get", b"x" * 32, 0, 0)),
    codec.encode(("gets", b"x" * 32, 0)),
    codec.encode(("get", b"x" * 1000, 0)),
])
def test_bad_requests_are_typed_errors(frame: bytes) -> None:
    with pytest.raises(BlobProtocolError):
        decode_request(frame)


def test_an_offset_past_the_end_is_a_bad_request() -> None:
    with pytest.raises(BlobProtocolError):
        list(response_frames(SMALL, 4))
    with pytest.raises(BlobProtocolError):
        list(response_frames(SMALL, 3))  # nothing left to send: the fetcher had it all
    with pytest.raises(ValueError):
        BlobDownload(b"short")


# --- the edge over an in-memory pipe ---------------------------------------------------


def test_fetch_over_an_in_memory_pipe_in_small_chunks() -> None:
    data = payload(10_000)

    async def holder(digest: bytes) -> bytes | None:
        return data if digest == blob_hash(data) else None

    async def scenario() -> None:
        async with trio.open_nursery() as nursery:
            async def open_stream() -> Pipe:
                ours, theirs = pipe_pair()
                nursery.start_soon(lambda: serve_blob(theirs, holder, chunk=999))
                return ours

            assert await fetch_blob(open_stream, blob_hash(data)) == data
            with pytest.raises(BlobMissing):
                await fetch_blob(open_stream, blob_hash(b"nope"))

    run(scenario)


def test_a_silent_peer_is_given_up_after_one_retry() -> None:
    opened: list[Pipe] = []

    async def open_stream() -> Pipe:
        ours, theirs = pipe_pair()
        opened.append(theirs)  # nobody ever answers on it
        return ours

    async def scenario() -> None:
        with pytest.raises(BlobAborted, match="no frame for 5"):
            await fetch_blob(open_stream, blob_hash(SMALL), stall_timeout=5)
        assert len(opened) == 2

    # the clock jumps whenever every task waits: the stall timeouts pass at once
    run(scenario, clock=trio.testing.MockClock(autojump_threshold=0))


def test_a_server_hangs_up_on_a_silent_requester() -> None:
    async def never(digest: bytes) -> bytes | None:
        raise AssertionError("no request was made")

    async def scenario() -> None:
        ours, theirs = pipe_pair()
        await serve_blob(theirs, never, request_timeout=5)
        assert await read_frame(ours, 100) is None  # closed, no answer

    run(scenario, clock=trio.testing.MockClock(autojump_threshold=0))


def test_a_bad_request_is_a_typed_error_and_a_silent_one_is_no_fault() -> None:
    async def holder(digest: bytes) -> bytes | None:
        return SMALL

    async def scenario() -> None:
        for request in (b"\x00\x01\x00\x00",  # declares a 64 KiB frame
                        b"\x00\x00\x00\x01\xc1",  # not msgpack
                        b"\x00\x00\x00\x10" + codec.encode(("get", b"x" * 8, 0)),
                        b"\x00\x00\x00\x30get"):  # cut short (finding 10)
            ours, theirs = pipe_pair()
            await ours.write(request)
            await ours.close()
            with pytest.raises(BlobProtocolError):
                await serve_blob(theirs, holder)
        ours, theirs = pipe_pair()
        await ours.close()  # a stream opened and closed without a word
        await serve_blob(theirs, holder)
        assert await read_frame(ours, 100) is None

    run(scenario)


# --- real hosts on 127.0.0.1 ------------------------------------------------------------


def seed(n: int) -> bytes:
    return make_identity(n).device.seed


def opener(client: Host, server: Host) -> blobs.OpenStream:
    async def open_stream() -> blobs.BlobStream:
        return await client.open_stream(server.peer_id, server.listen_addrs,
                                        blobs.PROTOCOL_ID)
    return open_stream


def store_getter(store: Store) -> blobs.GetBlob:
    async def get(digest: bytes) -> bytes | None:
        return await trio.to_thread.run_sync(store.get_blob, digest)
    return get


def test_two_hosts_fetch_big_small_and_missing_blobs(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Store(tmp_path / "server.db") as store:
            big, small = store.put_blob(BIG), store.put_blob(SMALL)
            served: list[str] = []
            served_changed = trio.Event()

            async def serve(stream: object) -> None:
                nonlocal served_changed
                try:
                    await serve_blob(stream, store_getter(store))  # type: ignore[arg-type]
                    served.append("ok")
                except Exception as exc:
                    served.append(repr(exc))
                served_changed.set()
                served_changed = trio.Event()

            async with open_host(seed(1)) as server, open_host(seed(2)) as client:
                server.set_handler(blobs.PROTOCOL_ID, serve)
                get = opener(client, server)
                assert await fetch_blob(get, big) == BIG
                assert await fetch_blob(get, small) == SMALL
                with pytest.raises(BlobMissing):
                    await fetch_blob(get, blob_hash(b"never stored"))
                while len(served) < 3:
                    await served_changed.wait()
                # a fetcher that leaves early (the blob is over its cap) is no error
                with pytest.raises(BlobTooLarge):
                    await fetch_blob(get, big, cap=len(BIG) - 1)
                while len(served) < 4:
                    await served_changed.wait()
                assert served == ["ok"] * 4
                # the host keeps serving after all that
                assert await fetch_blob(get, small) == SMALL

    run(scenario)


def test_a_lying_server_is_detected_and_another_peer_serves(tmp_path: Path) -> None:
    async def lies(digest: bytes) -> bytes | None:
        wrong = bytearray(BIG)
        wrong[CHUNK + 7] ^= 0xFF
        return bytes(wrong)

    async def scenario() -> None:
        with Store(tmp_path / "honest.db") as store:
            digest = store.put_blob(BIG)
            async with open_host(seed(1)) as honest, open_host(seed(3)) as liar, \
                    open_host(seed(2)) as client:
                honest.set_handler(blobs.PROTOCOL_ID,
                                   lambda s: serve_blob(s, store_getter(store)))
                liar.set_handler(blobs.PROTOCOL_ID, lambda s: serve_blob(s, lies))
                with pytest.raises(BlobHashMismatch):
                    await fetch_blob(opener(client, liar), digest)
                failures: list[tuple[str, Exception]] = []

                async def lower_standing(key: str, exc: Exception) -> None:
                    failures.append((key, exc))

                got = await fetch_from_any(
                    [("liar", opener(client, liar)), ("honest", opener(client, honest))],
                    digest, on_failure=lower_standing)
                assert got == BIG
                assert [(k, type(e)) for k, e in failures] == [("liar", BlobHashMismatch)]
                with pytest.raises(BlobUnavailable) as none:
                    await fetch_from_any([("liar", opener(client, liar))], digest)
                assert [k for k, _ in none.value.failures] == ["liar"]

    run(scenario)


def breaking_server(offsets: list[int], *, chunks_then_break: int, reset: bool,
                    breaks: int) -> Callable[[object], Awaitable[None]]:
    """A handler that answers its first ``breaks`` requests with a few chunks of BIG
    and then closes (or resets) the stream; later requests are answered in full."""

    async def handle(stream: object) -> None:
        frame = await read_frame(stream, blobs.MAX_REQUEST_FRAME)  # type: ignore[arg-type]
        assert frame is not None
        offset = decode_request(frame).offset
        offsets.append(offset)
        frames = list(response_frames(BIG, offset))
        if len(offsets) <= breaks:
            frames = frames[:chunks_then_break]
        for out in frames:
            await write_frame(stream, out)  # type: ignore[arg-type]
        if len(offsets) <= breaks and reset:
            await stream.reset()  # type: ignore[attr-defined]

    return handle


def test_a_stream_that_ends_early_is_resumed_from_the_bytes_received() -> None:
    async def scenario() -> None:
        offsets: list[int] = []
        async with open_host(seed(1)) as server, open_host(seed(2)) as client:
            server.set_handler(blobs.PROTOCOL_ID, breaking_server(
                offsets, chunks_then_break=2, reset=False, breaks=1))
            assert await fetch_blob(opener(client, server), blob_hash(BIG)) == BIG
        assert offsets == [0, 2 * CHUNK]

    run(scenario)


def test_a_reset_stream_is_resumed_and_the_blob_is_whole() -> None:
    async def scenario() -> None:
        offsets: list[int] = []
        async with open_host(seed(1)) as server, open_host(seed(2)) as client:
            server.set_handler(blobs.PROTOCOL_ID, breaking_server(
                offsets, chunks_then_break=2, reset=True, breaks=1))
            assert await fetch_blob(opener(client, server), blob_hash(BIG)) == BIG
        # a reset may discard chunks not yet read: the resume starts where we were
        assert offsets[0] == 0 and offsets[1] in (0, CHUNK, 2 * CHUNK) and len(offsets) == 2

    run(scenario)


def test_a_peer_whose_streams_keep_breaking_is_retried_once() -> None:
    async def scenario() -> None:
        offsets: list[int] = []
        async with open_host(seed(1)) as server, open_host(seed(2)) as client:
            server.set_handler(blobs.PROTOCOL_ID, breaking_server(
                offsets, chunks_then_break=1, reset=False, breaks=99))
            with pytest.raises(BlobAborted, match=f"{2 * CHUNK} bytes received"):
                await fetch_blob(opener(client, server), blob_hash(BIG))
        assert offsets == [0, CHUNK]

    run(scenario)


def test_a_fetcher_that_stops_reading_is_let_go() -> None:
    """A fetcher that asks for a big blob and never reads holds the server (and the blob
    in its memory) for ``request_timeout`` seconds a chunk at most; nobody is blamed."""
    big = payload(4 * CHUNK)

    async def holder(digest: bytes) -> bytes | None:
        return big

    async def scenario() -> None:
        a, b = trio.testing.lockstep_stream_pair()  # a write waits for its reader
        ours, theirs = Pipe(a), Pipe(b)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(write_frame, ours, encode(Get(blob_hash(big), 0)))
            with trio.fail_after(60):  # virtual seconds: the clock jumps while all wait
                await serve_blob(theirs, holder, request_timeout=15)

    run(scenario, clock=trio.testing.MockClock(autojump_threshold=0))
