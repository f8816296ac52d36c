"""What the attack tests share: a real victim, honest peers beside it, measurements.

The **victim** is a real ``p2psocial serve`` process on 127.0.0.1 (``--no-lan``): the
code under attack runs exactly as a user runs it. Two **honest** peers run in this
process: the *writer* posts, the *reader* receives, and they reach each other only
through the victim (it follows the writer; the reader follows the writer and knows
only the victim's address). ``Arena.delivery()`` is one honest post carried through
the victim, timed from ``post()`` to the reader's store: the victim keeps serving
honest peers exactly when this stays fast while an attack runs.

Attackers are built by each test (a raw libp2p host from ``open_host`` with a fresh
seed speaks whatever it likes); ``Victim.rss()``, ``peak_rss()`` and ``cpu()`` read
the victim's ``/proc`` entries, so a test can bound what an attack costs it.

An attack that needs the victim's LAN discovery on says so with a ``needs_lan``
attribute set to True; the benchmark then starts that arena with ``lan_type``. The
benchmark runs each attack in a process of its own (``describe``, ``elsewhere``), so
that the attacker's CPU does not slow the honest peers it measures, unless the attack
uses the honest nodes themselves (``in_process = True``).

**Attacks for the benchmark.** ``bench/attack`` runs every attack it finds in the
modules ``tests/adversarial/attacks_*.py`` (each has ``ATTACKS: dict[str, Attack]``)
against a victim for a while and measures honest delivery, the victim's memory and
CPU, and the bytes it sent the attacker. An ``Attack`` is an async function
``attack(place, stats)`` that sets itself up (follows through ``place.victim.cli``,
hosts of its own), sets ``stats.ready``, and then attacks until it is cancelled,
adding to ``stats`` what the victim sent it. The tests in this folder use the same functions.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import DEVNULL
from types import SimpleNamespace
from typing import Any

import trio
from netkit import device, holds, service, until

from p2psocial import ids
from p2psocial.home import Home
from p2psocial.net.host import Multiaddr, peer_id_from_device_id
from p2psocial.net.service import NetworkService
from p2psocial.node import Node
from tests.clikit import cli_env, ok
from tests.waitkit import eventually

START_WITHIN = 30.0


class Victim:
    """A running ``p2psocial serve`` on its own home, on 127.0.0.1 without LAN."""

    def __init__(self, home: Path, proc: trio.Process, status: dict) -> None:
        self.home, self.proc, self.status = home, proc, status

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def device(self) -> bytes:
        return ids.decode(ids.DEVICE, self.status["device"])

    @property
    def account(self) -> bytes:
        return ids.decode(ids.ACCOUNT, self.status["account"])

    @property
    def addrs(self) -> list[str]:
        return list(self.status["addrs"])

    @property
    def multiaddrs(self) -> list[Multiaddr]:
        return [Multiaddr(a) for a in self.addrs]

    @property
    def peer_id(self) -> object:
        return peer_id_from_device_id(self.device)

    def rss(self) -> int:
        """Resident memory now, in bytes."""
        return _status_kb(self.pid, "VmRSS") * 1024

    def peak_rss(self) -> int:
        """The most resident memory the process ever had, in bytes."""
        return _status_kb(self.pid, "VmHWM") * 1024

    def cpu(self) -> float:
        """CPU seconds used so far (user + system)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS

    def alive(self) -> bool:
        return self.proc.poll() is None

    async def cli(self, *args: str) -> str:
        """A command beside the serve (write commands go through its control socket)."""
        return await trio.to_thread.run_sync(lambda: ok(self.home, *args))

    async def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with trio.fail_after(20):
                await self.proc.wait()


Prepare = Callable[[Node], Awaitable[None]]


@asynccontextmanager
async def victim(home: Path, *serve_args: str, name: str = "Victim",
                 follows: tuple[bytes, ...] = (), prepare: Prepare | None = None,
                 lan_type: str | None = None, **env: str) -> AsyncIterator[Victim]:
    """A new home called ``name`` that follows ``follows``, served until the block ends.
    ``prepare(node)`` runs on the home before it is served (to give it a big store,
    say). ``serve_args`` are added to ``serve --listen 127.0.0.1 --no-lan`` (with
    ``lan_type``, a DNS-SD type of the test's own, LAN discovery is on, on loopback);
    ``env`` to its environment. Its stderr is in ``home/serve.err`` (shown if it fails
    to start)."""
    await trio.to_thread.run_sync(lambda: ok(home, "init", "--name", name))
    for account in follows:
        await trio.to_thread.run_sync(
            lambda a=account: ok(home, "follow", ids.encode(ids.ACCOUNT, a)))
    if prepare is not None:
        with Node.open(Home(home)) as node:
            await prepare(node)
    err_path = home / "serve.err"
    lan = ["--no-lan"] if lan_type is None else []
    if lan_type is not None:
        env["P2PSOCIAL_LAN_SERVICE_TYPE"] = lan_type
    with err_path.open("a") as err:
        proc = await trio.lowlevel.open_process(
            [sys.executable, "-m", "p2psocial", "--home", str(home), "serve",
             "--listen", "127.0.0.1", *lan, *serve_args],
            stdin=DEVNULL, stdout=DEVNULL, stderr=err, env=cli_env(**env))
    try:
        status: dict = {}
        with trio.fail_after(START_WITHIN):
            while not status:
                assert proc.poll() is None, err_path.read_text()
                status = _status(home, proc.pid)
                if not status:
                    await trio.sleep(0.05)
        served = Victim(home, proc, status)
        yield served
    finally:
        with trio.CancelScope(shield=True):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                with trio.move_on_after(20):
                    await proc.wait()
            if proc.poll() is None:
                proc.kill()
                await proc.wait()


@dataclass
class Arena:
    """The victim and the two honest peers that talk through it."""

    victim: Victim
    writer: Node
    reader: Node
    writer_net: NetworkService
    reader_net: NetworkService
    lan_type: str | None = None  # the victim's DNS-SD type, when its LAN discovery is on

    async def delivery(self, text: str = "honest post", within: float = 30.0) -> float:
        """Seconds from the writer's ``post()`` until the reader stored it (through the
        victim, the only way between them). Fails after ``within`` seconds."""
        started = time.perf_counter()
        post = await self.writer.posts.post(f"{text} {started}")
        with trio.fail_after(within):
            await until(self.reader, lambda: holds(self.reader, post.id))
        return time.perf_counter() - started


@dataclass
class AttackStats:
    """What an attack counts while it runs. An attack that must set itself up first
    (give the victim a big store, say) sets ``ready`` when it starts attacking, so
    that what is measured is the attack, not its preparation."""

    received: int = 0  # bytes the victim sent the attacker
    sent: int = 0  # bytes the attacker sent the victim
    identities: int = 0  # attacker identities (peer ids) used so far
    ready: trio.Event = field(default_factory=trio.Event)


Attack = Callable[[Arena, AttackStats], Awaitable[None]]


@asynccontextmanager
async def arena(tmp: Path, *serve_args: str, prepare: Prepare | None = None,
                lan_type: str | None = None, **env: str) -> AsyncIterator[Arena]:
    """The victim serving (``prepare``, ``lan_type``: see ``victim``), and the honest
    writer and reader connected to it and caught up (one delivery done)."""
    with Node.init(Home(tmp / "writer"), "Writer") as writer, \
            Node.init(Home(tmp / "reader"), "Reader") as reader:
        await reader.posts.follow(writer.account_id)
        async with victim(tmp / "victim", *serve_args, follows=(writer.account_id,),
                          prepare=prepare, lan_type=lan_type, **env) as served, \
                service(writer) as wn, service(reader) as rn:
            await wn.connect(served.device, served.addrs)
            await rn.connect(served.device, served.addrs)
            place = Arena(served, writer, reader, wn, rn, lan_type)
            await place.delivery("warm-up")
            yield place


async def poll(condition: Callable[[], Awaitable[bool]], within: float = 30) -> None:
    """Wait until ``condition()`` holds, asking again every 0.1 s: a condition about
    another process (the victim), which sends us no events."""
    await eventually(condition, "a condition on the victim", within=within, every=0.1)


async def stored(home: Path, method: str, *args: object) -> Any:
    """``Node.replication.<method>(*args)`` on the victim's store, read beside its serve."""
    def read() -> Any:
        with Node.open(Home(home), readonly=True) as node:
            return trio.run(getattr(node.replication, method), *args)
    return await trio.to_thread.run_sync(read)


# --- the arena seen from another process (bench/attack runs attackers apart) -------------


def describe(place: Arena) -> dict:
    """What an attacker in another process needs to know of the arena (JSON)."""
    return {"home": str(place.victim.home), "pid": place.victim.pid,
            "status": place.victim.status, "lan_type": place.lan_type,
            "peers": {name: [node.account_id.hex(), device(node).hex()]
                      for name, node in (("writer", place.writer), ("reader", place.reader))},
            "writer_addrs": place.writer_net.listen_addrs}


@dataclass
class StandIn:
    """An honest peer as an attacker elsewhere sees it: its ids."""

    account_id: bytes
    identity: Any  # .device_id, as a node's identity


@dataclass
class _Elsewhere:
    """``place`` for an attack run in another process (``elsewhere``): the victim,
    the honest peers' ids, the writer's addresses and the LAN type; not the nodes."""

    victim: Victim
    writer: StandIn
    reader: StandIn
    writer_net: Any
    lan_type: str | None


class _Running:
    """The victim's process, known by its pid only."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def poll(self) -> int | None:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return 0
        return None


def elsewhere(info: dict) -> Any:
    """The arena from ``describe``, for an attack in another process. Attacks that
    use the honest nodes themselves (``in_process = True``) cannot run this way."""
    def peer(ids_hex: list[str]) -> StandIn:
        account, device_id = (bytes.fromhex(x) for x in ids_hex)
        return StandIn(account, SimpleNamespace(device_id=device_id))

    served = Victim(Path(info["home"]), _Running(info["pid"]), info["status"])  # type: ignore[arg-type]
    return _Elsewhere(served, peer(info["peers"]["writer"]), peer(info["peers"]["reader"]),
                      SimpleNamespace(listen_addrs=info["writer_addrs"]), info["lan_type"])


def _status(home: Path, pid: int) -> dict:
    try:
        doc = json.loads((home / "serve.json").read_text())
    except (OSError, ValueError):
        return {}
    return doc if doc.get("pid") == pid else {}


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

__all__ = ["Arena", "Attack", "AttackStats", "StandIn", "Victim", "arena", "describe",
           "device", "elsewhere", "poll", "stored", "victim"]
