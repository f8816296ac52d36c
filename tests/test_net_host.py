"""The libp2p host wrapper and stream framing, over real hosts on 127.0.0.1.

Every scenario runs under ``trio.fail_after`` and waits for conditions, never for
time. Notes on what the wrapper works around are in docs/libp2p-notes.md.
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import struct
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import pytest
import trio
from libp2p.abc import INetConn, INetStream, INetwork, INotifee
from libp2p.host.basic_host import BasicHost
from libp2p.io.exceptions import IOException

from p2psocial.identity import DeviceKeys
from p2psocial.net.framing import (
    FrameTooLarge,
    TruncatedFrame,
    read_exact,
    read_frame,
    write_frame,
)
from p2psocial.net.host import (
    RECEIVE_WINDOW,
    DialFailed,
    ListenFailed,
    Multiaddr,
    StreamOpenFailed,
    attach_log_handler,
    device_id_from_peer_id,
    keypair_from_seed,
    open_host,
    peer_id_from_device_id,
    remote_peer_id,
)
from tests.netkit import CAP, PROTO, echo, seed
from tests.waitkit import run as bounded_run

TIMEOUT = 5.0


run = partial(bounded_run, timeout=TIMEOUT)  # tests/waitkit.py, bounded here by TIMEOUT


# --- in-memory streams ----------------------------------------------------------------


class ChunkedReader:
    """Serves ``data`` at most ``chunk`` bytes per read, then EOF as libp2p does."""

    def __init__(self, data: bytes, chunk: int) -> None:
        self.data = data
        self.chunk = chunk
        self.pos = 0
        self.reads = 0

    async def read(self, n: int | None = None) -> bytes:
        await trio.lowlevel.checkpoint()
        if self.pos >= len(self.data):
            raise EOFError("end of stream")
        size = min(self.chunk, len(self.data) - self.pos, n if n is not None else 1 << 30)
        self.reads += 1
        out = self.data[self.pos:self.pos + size]
        self.pos += size
        return out


class Sink:
    def __init__(self) -> None:
        self.data = bytearray()

    async def write(self, data: bytes) -> None:
        await trio.lowlevel.checkpoint()
        self.data += data


def test_peer_id_is_the_device_key() -> None:
    device = DeviceKeys(seed(7))
    pid = keypair_from_seed(seed(7)).public_key
    assert pid.to_bytes() == device.device_id
    from libp2p.peer.id import ID

    derived = ID.from_pubkey(pid)
    assert derived == ID.from_pubkey(keypair_from_seed(seed(7)).public_key)  # stable
    assert derived == peer_id_from_device_id(device.device_id)
    assert str(derived).startswith("12D3KooW")
    assert device_id_from_peer_id(derived) == device.device_id
    assert ID.from_base58(str(derived)) == derived
    with pytest.raises(ValueError):
        keypair_from_seed(b"short")
    with pytest.raises(ValueError):
        device_id_from_peer_id(ID(b"\x12\x20" + bytes(32)))  # a sha256 (RSA) peer id


def test_framing_survives_many_partial_reads_and_reports_eof() -> None:
    big = os.urandom(200 * 1024)

    async def scenario() -> None:
        sink = Sink()
        for payload in (b"one", big, b""):
            await write_frame(sink, payload)
        reader = ChunkedReader(bytes(sink.data), chunk=1000)
        assert await read_frame(reader, CAP) == b"one"
        assert await read_frame(reader, CAP) == big
        assert await read_frame(reader, CAP) == b""
        assert reader.reads > 200  # libp2p's read_exactly gives up after 100
        assert await read_frame(reader, CAP) is None  # clean EOF between frames

        with pytest.raises(TruncatedFrame):  # EOF inside the header
            await read_frame(ChunkedReader(b"\x00\x00", 1), CAP)
        with pytest.raises(TruncatedFrame) as info:  # EOF inside the payload
            await read_frame(ChunkedReader(struct.pack(">I", 10) + b"abc", 2), CAP)
        assert (info.value.wanted, info.value.got) == (14, 7)
        with pytest.raises(TruncatedFrame):
            await read_exact(ChunkedReader(b"abc", 1), 4)

    run(scenario)


def test_oversize_frame_is_refused_before_its_payload_is_read() -> None:
    async def scenario() -> None:
        reader = ChunkedReader(struct.pack(">I", CAP + 1) + bytes(CAP + 1), chunk=1 << 30)
        with pytest.raises(FrameTooLarge) as info:
            await read_frame(reader, CAP)
        assert info.value.declared == CAP + 1
        assert reader.pos == 4  # only the header was consumed

    run(scenario)


# --- real hosts on loopback -----------------------------------------------------------


def test_two_hosts_exchange_frames_over_a_custom_protocol() -> None:
    big = os.urandom(200 * 1024)
    seen: list[object] = []

    async def serve(stream: INetStream) -> None:
        seen.append(remote_peer_id(stream))
        await echo(stream)

    async def scenario() -> None:
        async with open_host(seed(1)) as a, open_host(seed(2), port=0) as b:
            assert a.peer_id == peer_id_from_device_id(DeviceKeys(seed(1)).device_id)
            assert b.device_id == DeviceKeys(seed(2)).device_id
            (addr,) = b.listen_addrs
            assert addr.value_for_protocol("ip4") == "127.0.0.1"
            assert int(addr.value_for_protocol("tcp")) > 0
            b.set_handler(PROTO, serve)

            stream = await a.open_stream(b.peer_id, b.listen_addrs, PROTO)
            assert stream.get_protocol() == PROTO
            for payload in (b"hello", big, b"bye"):
                await write_frame(stream, payload)
                assert await read_frame(stream, CAP) == payload
            await stream.close()  # our write side; the handler sees EOF and returns
            assert await read_frame(stream, CAP) is None
            assert seen == [a.peer_id]
            assert b.peer_id in a.connected_peers()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        run(scenario)
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_a_reader_that_stops_holds_back_the_sender_at_the_window() -> None:
    """What a slow or stuck reader can be made to buffer is one receive window per
    stream (host.RECEIVE_WINDOW): the reader first reads fast enough for yamux to
    grow its window as far as it goes, then stops reading."""
    chunk = bytes(64 * 1024)
    read_first = 8 * RECEIVE_WINDOW
    stopped = trio.Event()

    async def reads_then_stops(stream: INetStream) -> None:
        got = 0
        while got < read_first:
            got += len(await stream.read(len(chunk)))
        stopped.set()
        await trio.sleep_forever()

    async def scenario() -> None:
        async with open_host(seed(1)) as a, open_host(seed(2), port=0) as b:
            b.set_handler(PROTO, reads_then_stops)
            stream = await a.open_stream(b.peer_id, b.listen_addrs, PROTO)
            written = 0
            while True:
                with trio.move_on_after(2 if stopped.is_set() else 30) as waited:
                    await stream.write(chunk)
                    written += len(chunk)
                if waited.cancelled_caught:
                    break
            assert stopped.is_set()
            assert written - read_first <= RECEIVE_WINDOW + len(chunk)
            await stream.reset()

    run(scenario)


def test_oversize_frame_over_a_real_stream_fails_without_waiting_for_the_payload() -> None:
    async def scenario() -> None:
        refused: list[FrameTooLarge] = []
        done = trio.Event()

        async def serve(stream: INetStream) -> None:
            try:
                await read_frame(stream, CAP)
            except FrameTooLarge as exc:
                refused.append(exc)
            finally:
                done.set()

        async with open_host(seed(3)) as a, open_host(seed(4)) as b:
            b.set_handler(PROTO, serve)
            stream = await a.open_stream(b.peer_id, b.listen_addrs, PROTO)
            await stream.write(struct.pack(">I", 1 << 30))  # 1 GiB declared, none sent
            await done.wait()
            assert [e.declared for e in refused] == [1 << 30]
            assert await read_frame(stream, CAP) is None  # the handler closed its side

    run(scenario)


@asynccontextmanager
async def plaintext_only_peer() -> AsyncIterator[BasicHost]:
    """A py-libp2p host that offers nothing but /plaintext/2.0.0."""
    from libp2p import new_swarm
    from libp2p.custom_types import TProtocol
    from libp2p.network.config import RetryConfig
    from libp2p.security.insecure.transport import PLAINTEXT_PROTOCOL_ID, InsecureTransport
    from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID, Yamux
    from libp2p.transport.tcp.tcp import TCP

    key_pair = keypair_from_seed(seed(9))
    swarm = new_swarm(key_pair=key_pair,
                      sec_opt={PLAINTEXT_PROTOCOL_ID: InsecureTransport(key_pair)},
                      muxer_opt={TProtocol(PROTOCOL_ID): Yamux}, transports=[TCP()],
                      retry_config=RetryConfig(max_retries=0))
    host = BasicHost(network=swarm)
    async with host.run([Multiaddr("/ip4/127.0.0.1/tcp/0")]):
        try:
            yield host
        finally:
            await host.close()


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_plaintext_peer_cannot_connect_either_way() -> None:
    from libp2p.network.exceptions import SwarmException
    from libp2p.peer.peerinfo import PeerInfo

    libp2p_logger = logging.getLogger("libp2p")
    saved_level = libp2p_logger.level
    handler = ListHandler()
    attach_log_handler(handler, logging.WARNING)

    async def scenario() -> None:
        async with open_host(seed(5)) as ours, plaintext_only_peer() as plain:
            with pytest.raises(SwarmException):
                await plain.connect(PeerInfo(ours.peer_id, ours.listen_addrs))
            with pytest.raises(DialFailed):
                await ours.connect(plain.get_id(), plain.get_transport_addrs())
            assert ours.connected_peers() == []
            assert plain.get_connected_peers() == []

    try:
        run(scenario)
    finally:
        libp2p_logger.removeHandler(handler)
        libp2p_logger.setLevel(saved_level)
    # The dialer's failed security upgrade is logged at ERROR (swarm.py:1256) and
    # reached our handler although the libp2p logger does not propagate.
    assert any(r.name.startswith("libp2p.") and r.levelno >= logging.ERROR
               for r in handler.records)


def test_expected_dial_failures_stay_out_of_the_log_below_debug() -> None:
    libp2p_logger = logging.getLogger("libp2p")
    saved_level = libp2p_logger.level
    quiet, verbose = ListHandler(), ListHandler()
    try:
        attach_log_handler(quiet, logging.WARNING)
        tcp = logging.getLogger("libp2p.transport.tcp.tcp")
        tcp.error("Failed to open TCP stream: %s", "all attempts to connect failed")
        tcp.error("something else broke")
        libp2p_logger.removeHandler(quiet)
        attach_log_handler(verbose, logging.DEBUG)
        tcp.error("Failed to open TCP stream: %s", "all attempts to connect failed")
    finally:
        libp2p_logger.removeHandler(quiet)
        libp2p_logger.removeHandler(verbose)
        libp2p_logger.setLevel(saved_level)
    assert [r.getMessage() for r in quiet.records] == ["something else broke"]
    assert len(verbose.records) == 1


def test_a_wrong_peer_id_is_refused_by_noise_and_redial_is_not_blocked() -> None:
    async def scenario() -> None:
        async with open_host(seed(10)) as a, open_host(seed(11)) as b:
            b.set_handler(PROTO, echo)
            impostor = peer_id_from_device_id(DeviceKeys(seed(12)).device_id)
            with pytest.raises(DialFailed):
                await a.connect(impostor, b.listen_addrs)
            assert a.connected_peers() == []
            # A failed dial puts the peer on libp2p's 60 s negative cache; the
            # wrapper clears it before an explicit dial, so a retry goes out at once.
            with pytest.raises(DialFailed) as info:
                await a.connect(impostor, b.listen_addrs)
            assert "negative cache" not in str(info.value)
            stream = await a.open_stream(b.peer_id, b.listen_addrs, PROTO)
            await write_frame(stream, b"ok")
            assert await read_frame(stream, CAP) == b"ok"
            await stream.close()

    run(scenario)


def test_connect_tries_each_address_until_one_answers() -> None:
    async def scenario() -> None:
        # A bound socket that does not listen: connections to it are refused, and
        # no other process can take its port while we hold it.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as dead:
            dead.bind(("127.0.0.1", 0))
            dead_addr = Multiaddr(f"/ip4/127.0.0.1/tcp/{dead.getsockname()[1]}")
            async with open_host(seed(18)) as a, open_host(seed(19)) as b:
                b.set_handler(PROTO, echo)
                with pytest.raises(DialFailed):
                    await a.connect(b.peer_id, [dead_addr])
                # py-libp2p alone would dial only the first (dead) address, and
                # keep it in its peerstore for later dials too.
                stream = await a.open_stream(b.peer_id, [dead_addr, *b.listen_addrs], PROTO)
                await write_frame(stream, b"through the second address")
                assert await read_frame(stream, CAP) == b"through the second address"
                await stream.close()

    run(scenario)


def test_a_failing_handler_resets_its_stream_and_the_host_keeps_serving() -> None:
    async def scenario() -> None:
        async def broken(stream: INetStream) -> None:
            raise RuntimeError("handler bug")

        async with open_host(seed(13)) as a, open_host(seed(14)) as b:
            b.set_handler("/p2psocial/broken/1.0.0", broken)
            b.set_handler(PROTO, echo)
            # The handler's stream is reset. What the opener sees depends on timing:
            # the reset can beat the end of protocol negotiation (StreamOpenFailed;
            # a yamux reset discards data not yet read), or arrive later, when
            # py-libp2p's yamux usually reports it as a plain EOF (None here), see
            # docs/libp2p-notes.md. Either way the stream ends, no echo comes back.
            try:
                bad = await a.open_stream(b.peer_id, b.listen_addrs, "/p2psocial/broken/1.0.0")
                await write_frame(bad, b"x")
                assert await read_frame(bad, CAP) is None
            except (StreamOpenFailed, IOException):
                pass
            with pytest.raises(StreamOpenFailed):
                await a.open_stream(b.peer_id, [], "/p2psocial/unknown/1.0.0")
            stream = await a.open_stream(b.peer_id, [], PROTO)
            await write_frame(stream, b"still here")
            assert await read_frame(stream, CAP) == b"still here"
            await stream.close()

    run(scenario)


class DisconnectWatcher(INotifee):
    def __init__(self) -> None:
        self.gone = trio.Event()

    async def opened_stream(self, network: INetwork, stream: INetStream) -> None:
        pass

    async def closed_stream(self, network: INetwork, stream: INetStream) -> None:
        pass

    async def connected(self, network: INetwork, conn: INetConn) -> None:
        pass

    async def disconnected(self, network: INetwork, conn: INetConn) -> None:
        self.gone.set()

    async def listen(self, network: INetwork, multiaddr: Multiaddr) -> None:
        pass

    async def listen_close(self, network: INetwork, multiaddr: Multiaddr) -> None:
        pass


def test_a_cancelled_host_still_closes_its_sockets() -> None:
    async def scenario() -> None:
        async with open_host(seed(20)) as b:
            watcher = DisconnectWatcher()
            b.libp2p_host.get_network().register_notifee(watcher)
            with trio.CancelScope() as scope:
                async with open_host(seed(21)) as a:
                    await a.connect(b.peer_id, b.listen_addrs)
                    scope.cancel()
                    await trio.sleep_forever()
            await watcher.gone.wait()  # the other side sees the connection go
            assert b.connected_peers() == []

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        run(scenario)
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_port_in_use_and_errors_in_the_block_come_out_unwrapped() -> None:
    class Marker(Exception):
        pass

    async def scenario() -> None:
        async with open_host(seed(15)) as a:
            port = int(a.listen_addrs[0].value_for_protocol("tcp"))
            with pytest.raises(ListenFailed):
                async with open_host(seed(16), port=port):
                    pass  # pragma: no cover
        with pytest.raises(Marker):  # not an ExceptionGroup from libp2p's nurseries
            async with open_host(seed(17)):
                raise Marker()

    run(scenario)


