"""LAN discovery (p2psocial.net.discovery): mDNS between two processes on loopback.

Traffic stays on the loopback interface: both sides pass ``interface_ips=
["127.0.0.1"]``, so zeroconf joins 224.0.0.251 on ``lo`` only and sends its multicast
there. Every scenario runs under ``trio.fail_after`` and waits for events, never for
time. Other copies of this file may run at the same time on the same machine (and
announce their own fake devices): each test only looks at the device ids it made.

Run as a script, this file is the other process: it announces a device id and port,
prints what it hears as JSON lines, and leaves (saying goodbye) when its stdin closes.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import trio
import trio.testing
from zeroconf import ServiceInfo
from zeroconf.asyncio import AsyncServiceInfo

from p2psocial.net import discovery, lan_identity
from p2psocial.net.discovery import (
    DiscoveryEvent,
    Gone,
    LanDiscovery,
    Nearby,
    lan_discovery,
    parse_service_info,
)
from p2psocial.net.lan_identity import Claim

LOOPBACK = ["127.0.0.1"]
ROOT = Path(__file__).resolve().parent.parent
BOUND = 15.0


def _fake_port() -> int:
    return random.randrange(20000, 60000)


def _zeroconf_threads() -> list[str]:
    """Threads that zeroconf starts (its loop thread, a browser thread); the names
    are zeroconf's: ``zeroconf-...`` for the loop, ``zeroconf-ServiceBrowser-...``."""
    return [t.name for t in threading.enumerate() if "zeroconf" in t.name.lower()]


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def knowing(*devices: bytes) -> discovery.Recognise:
    """A ``recognise`` that places the given devices (and nobody else)."""
    return lambda claim: lan_identity.recognise(claim, devices, ())


class _Lines:
    """JSON lines from a child's stdout."""

    def __init__(self, stream: trio.abc.ReceiveStream) -> None:
        self._stream = stream
        self._buf = b""

    async def next(self) -> dict[str, object]:
        while b"\n" not in self._buf:
            chunk = await self._stream.receive_some(4096)
            if not chunk:
                raise EOFError(f"child closed its stdout; unparsed: {self._buf!r}")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        value = json.loads(line)
        assert isinstance(value, dict)
        return value


def test_two_processes_find_each_other_and_see_the_goodbye() -> None:
    my_id, child_id = os.urandom(32), os.urandom(32)
    my_port, child_port = _fake_port(), _fake_port()
    threads_before = set(_zeroconf_threads())
    fds_before = _open_fds()
    heard: list[DiscoveryEvent] = []
    progress: list[str] = []  # what happened when, for the failure message
    max_gap = 0.0

    async def ticker() -> None:
        # The Trio thread must never block on zeroconf (registering alone takes
        # over a second of probing): measure the longest time between two ticks.
        nonlocal max_gap
        last = trio.current_time()
        while True:
            await trio.sleep(0.01)
            now = trio.current_time()
            max_gap = max(max_gap, now - last)
            last = now

    async def main() -> None:
        with trio.fail_after(BOUND):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(ticker)
                async with lan_discovery(my_id, my_port, interface_ips=LOOPBACK,
                                         recognise=knowing(child_id)) as lan:
                    assert lan.advertised_addrs == (f"/ip4/127.0.0.1/tcp/{my_port}",)
                    proc = await trio.lowlevel.open_process(
                        [sys.executable, __file__, child_id.hex(), str(child_port),
                         str(discovery.DEFAULT_TTL), my_id.hex()],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT,
                        env={**os.environ, "PYTHONPATH": str(ROOT)})
                    try:
                        await _exchange(lan, proc, heard, progress, my_id, my_port,
                                        child_id, child_port)
                    finally:
                        if proc.returncode is None:
                            proc.kill()
                        with trio.CancelScope(shield=True):
                            await proc.wait()
                            for stream in (proc.stdin, proc.stdout):
                                if stream is not None:
                                    await stream.aclose()
                    assert lan.registered.is_set()
                    # Not checked: child_id absent from lan.nearby() after its Gone.
                    # Under load an answer that the child had queued before leaving
                    # can arrive after its goodbye and announce it again (zeroconf
                    # does not withdraw queued answers); that is real LAN behaviour.
                nursery.cancel_scope.cancel()

    try:
        trio.run(main)
    except trio.TooSlowError:
        raise AssertionError(f"discovery not done within {BOUND} s; progress: {progress}"
                             ) from None
    assert all(ev.device_id != my_id for ev in heard), "heard our own announcement"
    assert max_gap < 0.5, f"the Trio thread was blocked for {max_gap:.3f} s"
    assert set(_zeroconf_threads()) <= threads_before, _zeroconf_threads()
    assert _open_fds() <= fds_before, "sockets or pipes leaked"


async def _exchange(lan: LanDiscovery, proc: trio.Process, heard: list[DiscoveryEvent],
                    progress: list[str], my_id: bytes, my_port: int, child_id: bytes,
                    child_port: int) -> None:
    assert proc.stdout is not None and proc.stdin is not None
    t0 = trio.current_time()

    def note(what: str) -> None:
        progress.append(f"{trio.current_time() - t0:.2f}s {what}")
    lines = _Lines(proc.stdout)
    child_saw_me = trio.Event()
    i_saw_child = trio.Event()
    child_gone = trio.Event()

    async def read_child() -> None:
        while True:
            msg = await lines.next()
            note(f"child said {msg}")
            if msg.get("nearby") == my_id.hex():
                assert msg["addrs"] == [f"/ip4/127.0.0.1/tcp/{my_port}"], msg
                child_saw_me.set()
                return
            assert msg.get("nearby") != child_id.hex(), "the child heard itself"

    async def read_mine() -> None:
        async for event in lan:
            heard.append(event)
            if event.device_id != child_id:
                continue  # another copy of this test, running in parallel
            note(f"we heard {type(event).__name__}")
            if isinstance(event, Nearby):
                assert event.addrs == (f"/ip4/127.0.0.1/tcp/{child_port}",), event
                assert event.seen_at > 0
                assert child_id in lan.nearby()
                i_saw_child.set()
            elif isinstance(event, Gone):
                assert i_saw_child.is_set()
                child_gone.set()
                return

    async def registered() -> None:
        await lan.registered.wait()
        note("we are announced")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(registered)
        nursery.start_soon(read_child)
        nursery.start_soon(read_mine)
        await child_saw_me.wait()
        await i_saw_child.wait()
        # Both sides found each other: now the child leaves cleanly (its stdin closes)
        # and says goodbye, which must reach us as Gone.
        await proc.stdin.aclose()
        note("closed the child's stdin")
        await child_gone.wait()
    assert await proc.wait() == 0


def test_disabled_discovery_opens_nothing_and_ends_with_its_block() -> None:
    fds_before = _open_fds()
    threads_before = threading.active_count()
    events: list[DiscoveryEvent] = []

    async def main() -> None:
        with trio.fail_after(BOUND):
            async with (trio.open_nursery() as nursery,
                        lan_discovery(os.urandom(32), 4001, enabled=False) as lan):
                assert not lan.enabled and lan.service_name is None

                async def consume() -> None:
                    events.extend([ev async for ev in lan])

                nursery.start_soon(consume)
                assert threading.active_count() == threads_before
                await trio.testing.wait_all_tasks_blocked()
                # leaving the block ends the consumer's iteration, so the nursery exits

    trio.run(main)
    assert events == []
    assert _open_fds() <= fds_before


def test_bad_arguments_are_refused_before_anything_opens() -> None:
    async def main() -> None:
        for device_id, port in ((b"short", 4001), (os.urandom(32), 0),
                                (os.urandom(32), 70000)):
            try:
                async with lan_discovery(device_id, port, interface_ips=LOOPBACK):
                    raise AssertionError("should not start")
            except ValueError:
                pass
            else:
                raise AssertionError(f"accepted {device_id!r}, {port}")

    trio.run(main)


def test_records_that_are_not_ours_are_ignored() -> None:
    t = "_p2psocial._udp.local."
    dev = bytes(range(32))

    def info(props: dict[bytes, bytes | None], port: int = 4001,
             addrs: tuple[bytes, ...] = (bytes([192, 168, 1, 7]),)) -> ServiceInfo:
        return ServiceInfo(t, f"x.{t}", port=port, properties=props,
                           addresses=list(addrs), server="x.local.")

    new = lan_identity.announcement(dev, None, bytes(16))
    assert parse_service_info(info(new)) == (lan_identity.parse(new),
                                             ("/ip4/192.168.1.7/tcp/4001",))
    old: dict[bytes, bytes | None] = {b"v": b"1", b"id": dev.hex().encode()}  # older nodes
    assert parse_service_info(info(old)) == (Claim(device=dev), ("/ip4/192.168.1.7/tcp/4001",))
    two = (bytes([10, 0, 0, 1]), bytes([192, 168, 1, 7]), bytes([224, 0, 0, 251]),
           bytes([0, 0, 0, 0]))
    assert parse_service_info(info(old, addrs=two)) == (
        Claim(device=dev), ("/ip4/10.0.0.1/tcp/4001", "/ip4/192.168.1.7/tcp/4001"))
    many = tuple(bytes([10, 0, 0, i]) for i in range(1, 40))
    assert len(parse_service_info(info(new, addrs=many))[1]) == discovery.MAX_ADDRS  # type: ignore[index]
    assert parse_service_info(info({**old, b"v": b"3"})) is None
    assert parse_service_info(info({b"v": b"1"})) is None
    assert parse_service_info(info({**old, b"id": b"zz" * 32})) is None
    assert parse_service_info(info({**old, b"id": dev.hex()[:-2].encode()})) is None
    assert parse_service_info(info({**old, b"id": None})) is None
    assert parse_service_info(info({**new, b"d": b"00"})) is None
    assert parse_service_info(info({**new, b"s": None})) is None
    assert parse_service_info(info({**new, b"x": b"zz"})) is None
    assert parse_service_info(info(old, port=0)) is None
    assert parse_service_info(info(new, addrs=())) is None


def test_a_lost_answer_is_retried_until_the_device_resolves(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The browser reports a name once: when resolving it fails, discovery must try
    again rather than never report the device. Both sides in this process; the first
    answer about every name, to either side, is "lost"."""
    a_id, b_id = os.urandom(32), os.urandom(32)
    failures: set[tuple[int, str]] = set()
    real_request = AsyncServiceInfo.async_request

    async def flaky_request(self: AsyncServiceInfo, zc: Any, *args: Any, **kwargs: Any,
                            ) -> bool:
        if (id(zc), self.name) not in failures:
            failures.add((id(zc), self.name))
            return False
        return await real_request(self, zc, *args, **kwargs)

    monkeypatch.setattr(AsyncServiceInfo, "async_request", flaky_request)

    async def main() -> None:
        with trio.fail_after(BOUND):
            async with (lan_discovery(a_id, 4001, interface_ips=LOOPBACK,
                                      recognise=knowing(b_id)) as a,
                        lan_discovery(b_id, 4002, interface_ips=LOOPBACK)):
                async for event in a:
                    if isinstance(event, Nearby) and event.device_id == b_id:
                        assert event.addrs == ("/ip4/127.0.0.1/tcp/4002",)
                        break

    trio.run(main)
    assert failures, "the failure was not injected"


def test_a_device_that_vanishes_without_a_goodbye_is_reported_gone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGKILL: no goodbye. The child's records carry a 2 s TTL and we check every
    0.5 s, so its silence shows within seconds (with the defaults: ~2.5 minutes)."""
    monkeypatch.setattr(discovery, "RESOLVE_TIMEOUT_MS", 1000)
    monkeypatch.setattr(discovery, "RESOLVE_RETRY_FIRST", 0.5)
    my_id, child_id = os.urandom(32), os.urandom(32)
    progress: list[str] = []

    async def main() -> None:
        t0 = trio.current_time()
        async with lan_discovery(my_id, _fake_port(), interface_ips=LOOPBACK,
                                 check_interval=0.5, recognise=knowing(child_id)) as lan:
            proc = await trio.lowlevel.open_process(
                [sys.executable, __file__, child_id.hex(), str(_fake_port()), "2"],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)})
            try:
                async for event in lan:
                    if event.device_id != child_id:
                        continue
                    progress.append(f"{trio.current_time() - t0:.2f}s {event}")
                    if isinstance(event, Nearby):
                        proc.kill()
                        await proc.wait()
                        progress.append(f"{trio.current_time() - t0:.2f}s killed")
                    else:
                        break
            finally:
                if proc.returncode is None:
                    proc.kill()
                with trio.CancelScope(shield=True):
                    await proc.wait()
                    if proc.stdin is not None:
                        await proc.stdin.aclose()

    async def bounded() -> None:
        with trio.fail_after(BOUND):
            await main()

    try:
        trio.run(bounded)
    except trio.TooSlowError:
        raise AssertionError(f"no Gone within {BOUND} s; progress: {progress}") from None


# --- the other process ------------------------------------------------------------------


async def _child(device_id: bytes, port: int, ttl: int, parent: bytes | None) -> None:
    def say(**msg: object) -> None:
        sys.stdout.write(json.dumps(msg) + "\n")
        sys.stdout.flush()

    async with lan_discovery(device_id, port, interface_ips=LOOPBACK, ttl=ttl,
                             recognise=knowing(*([parent] if parent else []))) as lan:

        async def report() -> None:
            async for event in lan:
                if isinstance(event, Nearby):
                    say(nearby=event.device_id.hex(), addrs=list(event.addrs))
                else:
                    say(gone=event.device_id.hex())

        async def announced() -> None:
            await lan.registered.wait()
            say(registered=lan.service_name)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(report)
            nursery.start_soon(announced)
            stdin = trio.lowlevel.FdStream(os.dup(sys.stdin.fileno()))
            async with stdin:
                while await stdin.receive_some(1024):
                    pass  # the parent closes our stdin to make us leave
            nursery.cancel_scope.cancel()


if __name__ == "__main__":
    trio.run(_child, bytes.fromhex(sys.argv[1]), int(sys.argv[2]),
             int(sys.argv[3]) if len(sys.argv) > 3 else discovery.DEFAULT_TTL,
             bytes.fromhex(sys.argv[4]) if len(sys.argv) > 4 else None)
