"""LAN discovery over mDNS / DNS-SD, with zeroconf and our own service type.

    async with lan_discovery(device_id, port, account_id=account,
                             recognise=who) as lan:        # port: where our host listens
        async for event in lan:
            if isinstance(event, Nearby):   # a device we can place announced itself
                ...  # event.device_id, event.addrs ("/ip4/192.168.1.7/tcp/4001", ...)
            elif isinstance(event, Gone):   # it said goodbye, or its records expired
                ...
        lan.strangers()      # announcements we cannot place: (name, claim, addrs)
        lan.learn(device)    # ``device`` proved who it is: place its announcements

We announce ``<random name>._p2psocial._udp.local.``: the SRV record carries our TCP
port, the A records our useful IPv4 addresses and the AAAA records our stable global
IPv6 ones (addresses.py: no VPN, tunnel or container bridge; all sent over IPv4
multicast), and the TXT record a claim that only those who know our device or account
can read (lan_identity.py: a fresh salt, a keyed tag; never the device id).
The name, the host name and the salt are random and change with each registration:
at start, when our addresses change (another network: zeroconf starts again on the
new interfaces, and everyone heard on the old one is ``Gone``), and every
``rotate_every`` seconds of wall clock (a laptop carried elsewhere with the same
addresses). We browse the same type and hand each claim to ``recognise``; what it
cannot place is kept as a stranger (lan_table.py). Nothing is dialed and no
peerstore is touched here: the network service decides whom to dial. An announcement
is only a claim; the Noise handshake proves the device id when the service dials.

Why not py-libp2p's own mDNS (``new_host(enable_mDNS=True)``): see "## mDNS" in
docs/libp2p-notes.md. In short, it blocks the Trio thread while it registers, writes
the peerstore from zeroconf's thread, advertises a guessed address, and leaves the
dialing to the auto-connector that our host stops on purpose.

Threads: zeroconf runs its own asyncio loop thread. Every blocking zeroconf call made
from here runs in ``trio.to_thread``; zeroconf's thread hands its findings to Trio
with ``TrioToken.run_sync_soon`` (never blocks on Trio, works in guest mode under Qt
too). Leaving the block sends our goodbye and joins zeroconf's threads and closes its
sockets before returning.

Bounds: at most ``MAX_WATCHED`` names are resolved and re-checked, and
``lan_table.MAX_NAMES`` remembered, strangers first to go (a neighbour announcing
thousands of made-up names costs a bounded amount, and hides no friend until it
announces more than ``MAX_WATCHED``); at most ``MAX_ADDRS`` addresses are read from one
announcement. zeroconf's own record cache is not bounded by us.

No libp2p and no Qt in here: the module imports trio, zeroconf and ifaddr (through
addresses.py).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import secrets
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

import trio
from zeroconf import (
    DNSQuestionType,
    IPVersion,
    ServiceInfo,
    ServiceStateChange,
    Zeroconf,
)
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo

from ..errors import P2PSocialError
from . import addresses, lan_identity
from .lan_identity import ROTATE_EVERY, Claim
from .lan_table import MAX_NAMES, DiscoveryEvent, Gone, Nearby, NeighbourTable, Recognise, Stranger

__all__ = [
    "DEFAULT_TTL",
    "SERVICE_TYPE",
    "Claim",
    "DiscoveryEvent",
    "DiscoveryFailed",
    "Gone",
    "LanDiscovery",
    "Nearby",
    "Recognise",
    "Stranger",
    "lan_discovery",
]

log = logging.getLogger(__name__)

SERVICE_TYPE = "_p2psocial._udp.local."
"""Our DNS-SD service type. ("_udp" is DNS-SD's word for "not _tcp": RFC 6763 §7.)"""
DEFAULT_TTL = 120
"""Seconds our records live in others' caches without a refresh (zeroconf's default
for TXT is 75 minutes). Receivers use the SRV/TXT/A expiry to notice a device that
vanished without a goodbye (lid closed, Wi-Fi gone, SIGKILL): see ``CHECK_INTERVAL``."""
RESOLVE_TIMEOUT_MS = 2000
"""How long one attempt waits for a service's SRV/TXT/A records (usually they came
with the announcement and are already cached)."""
RESOLVE_RETRY_FIRST = 1.0
RESOLVE_RETRY_MAX = 60.0
"""Backoff between attempts to resolve a name the browser lists but that does not
answer, in seconds."""
CHECK_INTERVAL = 30.0
"""How often a known device's records are checked (no traffic while they are cached);
a device that vanished without a goodbye is ``Gone`` about ``ttl`` + this + two
failed checks after its last answer: 2.5 minutes with the defaults."""
MISSES_BEFORE_GONE = 2
ADDRESS_CHECK = 10.0
"""How often our own addresses are compared with what we announce, in seconds (and
whether the announcement is due for a new salt: ``rotate_every``)."""
RETIRE_AFTER = 5.0
"""Seconds between announcing a new name and the goodbye of the old one: friends
resolve the new one first, so they never see us gone."""
STOP_TIMEOUT = 10.0
"""Bound on stopping zeroconf (cancel, goodbye, join its thread); normally ~0.3 s."""
EVENT_BUFFER = 1024
"""Events kept for a slow consumer; beyond that they are dropped (logged) and
``LanDiscovery.nearby()`` still tells the truth."""
MAX_ADDRS = 8
"""Addresses read from one announcement (the address book keeps 8 per peer anyway)."""
MAX_WATCHED = 4 * MAX_NAMES
"""Names resolved and re-checked at once in zeroconf's thread (one asyncio task each);
the table on the Trio side keeps ``MAX_NAMES`` of them, strangers first to go."""
DEVICE_ID_LEN = 32
LOOPBACK = "127.0.0.1"


class DiscoveryFailed(P2PSocialError):
    """LAN discovery could not start (no usable interface, sockets refused...)."""


def _known_old_nodes(claim: Claim) -> bytes | None:
    """The default ``recognise``: only nodes of the previous version, which announce
    their device id in clear."""
    return claim.device


@dataclass
class LanDiscovery:
    """What ``lan_discovery`` yields: an async iterator of ``Nearby``/``Gone``.

    Iteration ends when the ``lan_discovery`` block exits. With ``enabled=False``
    it yields nothing and no socket or thread exists.
    """

    device_id: bytes
    port: int
    enabled: bool
    service_name: str | None = None
    """Our instance name as registered now (random; zeroconf renames it on a clash)."""
    advertised_addrs: tuple[str, ...] = ()
    """The multiaddrs others see for us."""
    registered: trio.Event = field(default_factory=trio.Event)
    """Set once our announcement went out (never set when disabled or if registering
    failed: the browser still works then)."""
    _events: trio.MemoryReceiveChannel[DiscoveryEvent] | None = None
    _table: NeighbourTable | None = None
    _emit: Callable[[DiscoveryEvent], None] = lambda _event: None
    _own_names: set[str] = field(default_factory=set)
    _registered_at: float | None = None  # clock() when the current name went out

    def nearby(self) -> dict[bytes, Nearby]:
        """The devices currently announced on the LAN, by device id (a copy)."""
        return {} if self._table is None else dict(self._table.nearby)

    def strangers(self) -> list[Stranger]:
        """Announcements on the LAN that we cannot place (yet)."""
        return [] if self._table is None else self._table.strangers()

    def learn(self, device: bytes) -> list[Nearby]:
        """``device`` proved who it is (a probe, a connection it opened): every
        announcement it made is placed. Returns the ``Nearby`` events, also sent to
        the iterator."""
        return self._publish([] if self._table is None else self._table.learn(device))

    def recheck(self) -> list[Nearby]:
        """``recognise`` knows more now: try every stranger again (as ``learn``)."""
        return self._publish([] if self._table is None else self._table.recheck())

    def _publish(self, events: list[DiscoveryEvent]) -> list[Nearby]:
        for event in events:
            self._emit(event)
        return [e for e in events if isinstance(e, Nearby)]

    def __aiter__(self) -> LanDiscovery:
        return self

    async def __anext__(self) -> DiscoveryEvent:
        if self._events is None:
            raise StopAsyncIteration
        try:
            return await self._events.receive()
        except (trio.EndOfChannel, trio.ClosedResourceError):
            raise StopAsyncIteration from None


# --- the part that lives in zeroconf's asyncio loop thread ---------------------------


@dataclass(frozen=True)
class _Up:
    name: str
    claim: Claim
    addrs: tuple[str, ...]


@dataclass(frozen=True)
class _Down:
    name: str


@dataclass(frozen=True)
class _Registered:
    name: str


_Report = _Up | _Down | _Registered


class _Engine:
    """Browses, resolves and announces inside zeroconf's own asyncio loop thread.

    Every method but ``__init__`` runs in that loop (``asyncio.run_coroutine_threadsafe``
    from a Trio worker thread). Findings go to Trio through ``post``, which never
    blocks. No browser thread: zeroconf's ``ServiceBrowser`` would add one, and it
    would block in ``get_service_info`` while resolving.
    """

    def __init__(self, zc: Zeroconf, service_type: str, own_id: bytes,
                 info: ServiceInfo | None, post: Callable[[_Report], None],
                 check_interval: float) -> None:
        self._zc = zc
        self._check_interval = check_interval
        self._type = service_type
        self._own_id = own_id
        self._info = info
        self._post = post
        self._browser: AsyncServiceBrowser | None = None
        self._register_task: asyncio.Task[None] | None = None
        self._watching: dict[str, asyncio.Task[None]] = {}
        self._registered = False

    async def start(self) -> None:
        # QM everywhere: ask for multicast answers. A unicast answer (QU) goes to
        # port 5353 of the asker's address, which every mDNS process on a machine
        # shares with SO_REUSEPORT: the kernel would hand it to one of them only.
        self._browser = AsyncServiceBrowser(self._zc, [self._type],
                                            handlers=[self._on_change],
                                            question_type=DNSQuestionType.QM)
        if self._info is not None:
            self._register_task = asyncio.ensure_future(self._register(self._info))

    async def stop(self) -> None:
        tasks = [t for t in (self._register_task, *self._watching.values()) if t]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._watching.clear()
        if self._browser is not None:
            await self._browser.async_cancel()
        await self._goodbye()

    async def reannounce(self, info: ServiceInfo) -> None:
        """Announce ``info`` instead of the current registration: the new name first,
        then the goodbye of the old one, so friends never see us gone meanwhile."""
        if self._register_task is not None:
            self._register_task.cancel()
            await asyncio.gather(self._register_task, return_exceptions=True)
        old = self._info if self._registered else None
        self._info, self._registered = info, False
        self._register_task = asyncio.ensure_future(self._register(info, retire=old))

    async def _goodbye(self) -> None:
        if self._registered and self._info is not None:
            self._registered = False
            # Goodbye (TTL 0) records: the others report us Gone at once.
            await (await self._zc.async_unregister_service(self._info))

    async def _register(self, info: ServiceInfo, retire: ServiceInfo | None = None) -> None:
        try:
            # Probes for a name clash first (3 x 250 ms), then starts announcing.
            await self._zc.async_register_service(info, allow_name_change=True)
        except Exception as exc:
            log.warning("mDNS: cannot announce %s: %r", info.name, exc)
            return
        self._registered = True
        self._post(_Registered(info.name))  # renamed if the name was taken
        if retire is not None:  # goodbye (TTL 0) under the name we leave, once others
            await asyncio.sleep(RETIRE_AFTER)  # have had time to resolve the new one
            await (await self._zc.async_unregister_service(retire))

    def _on_change(self, zeroconf: Zeroconf, service_type: str, name: str,
                   state_change: ServiceStateChange) -> None:
        old = self._watching.pop(name, None)
        if old is not None:
            old.cancel()
        if state_change is ServiceStateChange.Removed:
            self._post(_Down(name))
            return
        if len(self._watching) >= MAX_WATCHED:
            log.debug("mDNS: %d names watched already; ignoring %s", MAX_WATCHED, name)
            return
        task = asyncio.ensure_future(self._watch(service_type, name))
        self._watching[name] = task
        task.add_done_callback(lambda t: self._watching.pop(name, None)
                               if self._watching.get(name) is t else None)

    async def _watch(self, service_type: str, name: str) -> None:
        """Resolve ``name`` and keep checking that it still answers.

        The browser reports a name once, and reports it removed only on a goodbye
        or when its PTR record expires, which zeroconf stretches to at least 1125 s
        whatever TTL the sender gave (record_manager.py, ``_DNS_PTR_MIN_TTL``). So:
        retry a resolution that got no answer (a lost packet must not lose the
        device), and re-check every ``check_interval``: while the SRV/TXT/A records
        are cached this sends nothing; once they expire (``ttl``, 120 s by default)
        it asks again, and a device that misses ``MISSES_BEFORE_GONE`` checks in a
        row is reported ``_Down`` (and ``_Up`` again if it comes back).
        """
        up = False
        misses = 0
        delay = RESOLVE_RETRY_FIRST
        while True:
            info = AsyncServiceInfo(service_type, name)
            try:
                found = await info.async_request(self._zc, RESOLVE_TIMEOUT_MS,
                                                 question_type=DNSQuestionType.QM)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.debug("mDNS: resolving %s: %r", name, exc)
                found = False
            if found:
                parsed = parse_service_info(info)
                if parsed is None:
                    log.debug("mDNS: ignoring %s (not a p2psocial record)", name)
                    return
                claim, addrs = parsed
                if claim.made_by(self._own_id):
                    return  # ours (an older name of ours, or someone claiming to be us)
                if not up:
                    self._post(_Up(name, claim, addrs))
                    up = True
                misses = 0
                delay = RESOLVE_RETRY_FIRST
                await asyncio.sleep(self._check_interval)
                continue
            misses += 1
            if up and misses >= MISSES_BEFORE_GONE:
                log.debug("mDNS: %s stopped answering", name)
                self._post(_Down(name))
                up = False
            log.debug("mDNS: no answer for %s; retrying in %s s", name, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RESOLVE_RETRY_MAX)


def parse_service_info(info: ServiceInfo) -> tuple[Claim, tuple[str, ...]] | None:
    """``(claim, addrs)`` from a resolved record, or None if it is not ours, is
    malformed, or has no usable address; at most ``MAX_ADDRS`` addresses. Pure."""
    claim = lan_identity.parse(info.properties or {})
    if claim is None:
        return None
    port = info.port
    if port is None or not 0 < port < 65536:
        return None
    addrs: list[str] = []
    for ip in info.parsed_addresses(IPVersion.All):
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            continue
        if addr.is_multicast or addr.is_unspecified or addr == ipaddress.IPv4Address(
                "255.255.255.255") or (addr.version == 6 and addr.is_link_local):
            continue  # an IPv6 link-local address is useless without its zone
        ma = addresses.multiaddr(str(addr), port)
        if ma not in addrs:
            addrs.append(ma)
    if not addrs:
        return None
    return claim, tuple(addrs[:MAX_ADDRS])


def _service_info(service_type: str, device_id: bytes, account_id: bytes | None, port: int,
                  ips: Sequence[str], ttl: int) -> ServiceInfo:
    """A fresh announcement: random instance and host names, a fresh salt."""
    name = f"p2psocial-{secrets.token_hex(6)}"
    return ServiceInfo(
        service_type, f"{name}.{service_type}", port=port,
        properties=lan_identity.announcement(device_id, account_id,
                                             os.urandom(lan_identity.SALT_LEN)),
        addresses=[ipaddress.ip_address(ip).packed for ip in ips],
        server=f"{name}.local.", host_ttl=ttl, other_ttl=ttl)


# --- the context manager -------------------------------------------------------------


@asynccontextmanager
async def lan_discovery(
    device_id: bytes,
    port: int,
    *,
    account_id: bytes | None = None,
    recognise: Recognise = _known_old_nodes,
    interface_ips: Sequence[str] | None = None,
    enabled: bool = True,
    ttl: int = DEFAULT_TTL,
    service_type: str = SERVICE_TYPE,
    check_interval: float = CHECK_INTERVAL,
    rotate_every: float = ROTATE_EVERY,
    clock: Callable[[], float] = time.time,
) -> AsyncIterator[LanDiscovery]:
    """Announce ``device_id`` (of ``account_id``) with TCP ``port`` on the LAN and
    report other devices.

    ``recognise(claim)`` returns the device behind an announcement, or None for a
    stranger (lan_identity.recognise over the devices and accounts we know); it runs
    in the Trio thread once per new announcement. The default places only nodes of the
    previous version (their device id is in clear).

    ``interface_ips``: IPv4 addresses of the interfaces to use; they are also the
    addresses announced. ``None`` uses this machine's useful LAN addresses
    (``addresses.lan_ips``: no VPN, tunnel, container bridge or loopback; link-local
    only when there is nothing else), announces those, listens there and on loopback
    (two apps on one machine meet), and starts again when they change. Tests pass
    ``["127.0.0.1"]`` so that no packet leaves the machine.

    ``rotate_every``: seconds of ``clock`` (wall clock: it runs on through a suspend)
    after which we announce ourselves under a new name and salt.

    ``enabled=False`` (the app's "LAN discovery off") opens nothing: the iterator
    just ends when the block exits.

    Raises ``DiscoveryFailed`` if zeroconf cannot open its sockets. Registering our
    announcement happens in the background (about 1-2 s of probing); a failure there
    is logged and browsing goes on. Never blocks the Trio thread.
    """
    if len(device_id) != DEVICE_ID_LEN:
        raise ValueError("a device id is 32 bytes")
    if not 0 < port < 65536:
        raise ValueError(f"invalid TCP port {port}")
    if ttl < 1 or check_interval <= 0 or rotate_every <= 0:
        raise ValueError("ttl, check_interval and rotate_every must be positive")
    if not service_type.endswith("._udp.local.") and not service_type.endswith(
            "._tcp.local."):
        raise ValueError(f"invalid DNS-SD service type {service_type!r}")
    lan = LanDiscovery(device_id=device_id, port=port, enabled=enabled)
    send, recv = trio.open_memory_channel[DiscoveryEvent](EVENT_BUFFER)
    lan._events = recv
    if not enabled:
        async with send:
            yield lan
        return

    token = trio.lowlevel.current_trio_token()
    table = lan._table = NeighbourTable(recognise, clock)

    def emit(event: DiscoveryEvent) -> None:
        try:
            send.send_nowait(event)
        except trio.WouldBlock:
            log.warning("mDNS: consumer too slow, dropped %r", event)
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            pass  # the block is exiting

    lan._emit = emit

    def deliver(report: _Report) -> None:  # in the Trio thread
        if isinstance(report, _Registered):
            lan.service_name = report.name
            lan._own_names.add(report.name)
            lan._registered_at = clock()
            lan.registered.set()
            log.debug("mDNS: announced %s at %s", report.name, lan.advertised_addrs)
            return
        if report.name in lan._own_names:
            return
        events = (table.down(report.name) if isinstance(report, _Down)
                  else table.up(report.name, report.claim, report.addrs))
        for event in events:
            emit(event)

    def post(report: _Report) -> None:  # in zeroconf's loop thread: must not block
        with suppress(trio.RunFinishedError):  # Trio is gone: nobody to tell
            token.run_sync_soon(deliver, report)

    explicit_ips = (None if interface_ips is None
                    else [str(ipaddress.IPv4Address(ip)) for ip in interface_ips])

    def our_ips() -> list[str]:  # in a worker thread (reads the system)
        # only useful addresses (addresses.py): no VPN, tunnel or container bridge
        return (addresses.lan_ips(addresses.local_interfaces())
                if explicit_ips is None else explicit_ips)

    def start(advertise: list[str]) -> tuple[Zeroconf, _Engine, ServiceInfo | None]:
        # in a worker thread. zeroconf sends on the announced interfaces only, and on
        # loopback, so that two apps on one machine meet
        # (IPv4 ones: zeroconf runs on IPv4 multicast, and carries AAAA records too)
        interfaces = (list(dict.fromkeys([*(a for a in advertise if ":" not in a), LOOPBACK]))
                      if explicit_ips is None else explicit_ips)
        info = (_service_info(service_type, device_id, account_id, port, advertise, ttl)
                if advertise else None)
        # use_asyncio=False: zeroconf runs its own loop in its own thread (there is
        # no asyncio loop under Trio anyway). This opens the sockets.
        zc = Zeroconf(interfaces=interfaces, ip_version=IPVersion.V4Only,
                      use_asyncio=False)
        engine = _Engine(zc, service_type, device_id, info, post, check_interval)
        try:
            assert zc.loop is not None
            asyncio.run_coroutine_threadsafe(engine.start(), zc.loop).result(STOP_TIMEOUT)
        except BaseException:
            zc.close()
            raise
        return zc, engine, info

    def stop(zc: Zeroconf, engine: _Engine) -> None:  # in a worker thread
        try:
            assert zc.loop is not None
            asyncio.run_coroutine_threadsafe(engine.stop(), zc.loop).result(STOP_TIMEOUT)
        except Exception as exc:
            log.warning("mDNS: stopping: %r", exc)
        finally:
            zc.close()  # stops and joins its loop thread, closes its sockets

    def reannounce(zc: Zeroconf, engine: _Engine, info: ServiceInfo) -> None:
        assert zc.loop is not None
        asyncio.run_coroutine_threadsafe(engine.reannounce(info), zc.loop).result(
            STOP_TIMEOUT)

    async def open_zeroconf(advertise: list[str]) -> tuple[Zeroconf, _Engine]:
        try:
            zc, engine, info = await trio.to_thread.run_sync(start, advertise)
        except (OSError, RuntimeError) as exc:  # RuntimeError: "No interfaces to listen on"
            raise DiscoveryFailed(f"LAN discovery cannot start: {exc}") from exc
        if info is not None:
            lan.service_name = info.name
            lan.advertised_addrs = tuple(addresses.multiaddr(ip, port) for ip in advertise)
        else:
            lan.advertised_addrs = ()
            log.info("mDNS: no LAN address to announce; listening only")
        return zc, engine

    advertised: list[str] | None = await trio.to_thread.run_sync(our_ips)
    assert advertised is not None
    running: tuple[Zeroconf, _Engine] | None = await open_zeroconf(advertised)

    async def keep_fresh() -> None:
        """A new network: start again there. A new salt every ``rotate_every`` after
        the last registration went out."""
        nonlocal running, advertised
        while True:
            await trio.sleep(ADDRESS_CHECK)
            now_ips = await trio.to_thread.run_sync(our_ips)
            if advertised is None or sorted(now_ips) != sorted(advertised):
                log.info("mDNS: our addresses changed (%s -> %s): announcing anew",
                         " ".join(advertised or ()) or "none", " ".join(now_ips) or "none")
                lan._registered_at = None
                if running is not None:
                    old, running = running, None
                    await trio.to_thread.run_sync(stop, *old)
                for event in table.clear():  # they were on the other network
                    emit(event)
                try:
                    running, advertised = await open_zeroconf(now_ips), now_ips
                except DiscoveryFailed as exc:
                    log.warning("mDNS: %s; trying again in %g s", exc, ADDRESS_CHECK)
                    advertised = None
            elif (running is not None and lan._registered_at is not None
                  and clock() - lan._registered_at >= rotate_every):
                assert advertised
                lan._registered_at = None  # until the new name went out
                info = _service_info(service_type, device_id, account_id, port, advertised,
                                     ttl)
                try:
                    await trio.to_thread.run_sync(reannounce, *running, info)
                except Exception as exc:  # zeroconf's loop did not answer in time
                    log.warning("mDNS: announcing under a new name: %r", exc)

    failure: Exception | None = None
    try:
        async with send, trio.open_nursery() as nursery:
            nursery.start_soon(keep_fresh)
            try:
                yield lan
            except Exception as exc:  # re-raised below, not wrapped in an ExceptionGroup
                failure = exc
            finally:
                nursery.cancel_scope.cancel()
    finally:
        with trio.CancelScope(shield=True):
            if running is not None:
                await trio.to_thread.run_sync(stop, *running)
        table.clear()
    if failure is not None:
        raise failure
