"""Addresses that follow you: ``/p2psocial/addrs/1.0.0``.

Theory of operation. Every device keeps a signed record of its current addresses
(address_record.py) and friends pass records on, so that when a laptop's address
changes, its friends learn the new one from any common friend and redial. One stream
carries one frame of canonical msgpack and, for ``ask``, one answer:

    ("push", (record, ...))          -> nothing (the opener closes)
    ("ask", device, token)           -> ("records", (record,)) or ("records", ())

* **When we push.** When a session with a friend opens (either side), and again
  when who may see what changes (a follow, a friend's log arriving after its session
  opened: ``friends_changed``), we send it our newest record and every record we
  hold that it may see; when our own
  addresses change (``addresses_changed``, or the watcher's look every
  ``WATCH_EVERY`` seconds), a fresh record to every connected friend that may see
  it; when a friend's newer record arrives, that record to every other connected
  friend that may see it. What is queued for one peer is coalesced (newest record
  per device) and sent at most every ``SEND_EVERY`` seconds, ``RECORDS_PER_FRAME``
  at a time, so an honest node never exceeds what a receiver accepts.
* **Who may see what** (``address_record.may_see``, docs/privacy.md): a device's
  record goes only to devices of its own account and of accounts its account
  follows, as the follows in its log say. A peer whose account we cannot tell (no
  log of it: a stranger) gets nothing.
* **What we keep.** A record that verifies, is not expired, is of a device whose
  account we replicate and has a higher seq than the one we hold (store/
  address_records.py). Anything else valid is ignored: nobody is punished for
  passing on a valid signed record, even an old one or one we do not want.
* **What is the peer's fault.** A frame that is not the protocol (over the cap, cut
  short, not canonical msgpack, of the wrong shape) or a record that does not
  decode or verify: ``AddrsProtocolError`` (an ``InvalidEntry``), the service
  lowers the peer's standing.
* **Bounds.** Per peer, inbound streams are admitted by a token bucket
  (``FRAMES_BURST`` at once, one more every ``FRAME_EVERY`` seconds): a stream past
  it is reset unread (not an offence: flapping interfaces are honest). At most
  ``SERVING_MAX`` streams are served at once, each given ``TIMEOUT`` seconds.
* **A newer record of a peer** updates the address book (``moved``: its addresses
  as signed, its others demoted; store/peer_addrs.py) and, when we want that peer
  and have no session with it, the service dials it now. With a session, we probe
  it (an empty push): the peer moved, and the connection may have gone with its old
  address without either side noticing (TCP says nothing for minutes). A push to a
  connected peer that cannot open a stream within ``PROBE_WITHIN`` seconds, this
  probe or any other (ours after our own addresses changed), makes the service
  drop that connection and dial again (``stale``).

**Which of a connected peer's addresses are port mappings** (``mapped_of``): the
kinds in its newest record, read when its session opens and whenever a newer record
arrives, forgotten when the session ends (one small set per connected peer). A
connection we dialed to one of them is port-mapped on our side too (paths.py).

``ask`` (invite tokens, item 5 of issue 13; invite.py ``AddressToken``): a joiner
holding an invite whose addresses went stale asks a peer it reaches (the relay of
the invite's circuit address, any connected friend) for the inviter's newest record,
showing the token the inviter signed into the invite. The peer answers with the
record it holds if the token verifies for that device and has not expired, whoever
asks: the token gives what the invite gave (where the inviter is), no more.

Sans-IO at the core (frames, ``Bucket``, ``Outbox``); ``AddressExchange`` is the
edge, given its transport and the node by the service.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import trio

from .. import codec, invite
from ..address_record import (
    RECORD_MAX,
    TTL,
    AddressRecord,
    AddrKind,
    addresses,
    decode,
    fit,
    may_see,
)
from ..errors import InvalidEntry
from . import relay
from .framing import FrameError, TruncatedFrame, named_message, read_frame, write_frame
from .host import device_id_from_peer_id
from .port import Replica
from .streams import BROKEN, close_quietly, reset_quietly

log = logging.getLogger(__name__)

PROTOCOL_ID: Final = "/p2psocial/addrs/1.0.0"
RECORDS_PER_FRAME: Final = 32
"""Records in one push."""
FRAMES_BURST: Final = 6
"""Streams a peer may open at once..."""
FRAME_EVERY: Final = 5.0
"""...and one more every this many seconds (12 a minute sustained)."""
SEND_EVERY: Final = 6.0
"""Seconds between two pushes of ours to one peer (under what a receiver allows)."""
BUCKETS_MAX: Final = 1024
"""Peers whose rate we remember (the least recently seen is forgotten: identities are
free, and a bucket for each would let anyone fill our memory)."""
SERVING_MAX: Final = 16
"""Streams served at once, from everyone."""
TIMEOUT: Final = 10.0
"""Seconds a stream may take to bring its frame (and we, to write ours)."""
ASK_EVERY: Final = 15.0
"""Seconds between two rounds of asking where one unreachable device went."""
ASK_PEERS: Final = 4
"""Peers asked in one round (relays named in its circuit addresses first)."""
PROBE_WITHIN: Final = 5.0
"""Seconds a connected peer has to accept a stream of ours; past it the connection is
taken for dead (an address went away under it) and the service redials."""
WATCH_EVERY: Final = 2.0
"""Seconds between two looks at our own addresses."""
REISSUE_AFTER: Final = TTL // 2
"""A record of ours older than this (ms) is issued again, addresses unchanged."""
_ID = 32
FRAME_MAX: Final = len(codec.encode(("push", (b"\xff" * RECORD_MAX,) * RECORDS_PER_FRAME)))
"""Bytes of the largest frame (about 33 KiB)."""
_CAPS = codec.Caps(max_bytes=FRAME_MAX, max_bin=RECORD_MAX, max_str=8,
                   max_array=RECORDS_PER_FRAME, max_depth=3)


_FAILED: tuple[type[BaseException], ...] = (*BROKEN, FrameError, trio.TooSlowError)
"""How an exchange fails through nobody's proven fault."""


class AddrsProtocolError(InvalidEntry):
    """The peer broke the address protocol: lower its standing."""


# --- frames ----------------------------------------------------------------------------


def encode_push(raws: Sequence[bytes]) -> bytes:
    if len(raws) > RECORDS_PER_FRAME:
        raise ValueError(f"at most {RECORDS_PER_FRAME} records in one push")
    return codec.encode(("push", tuple(raws)))


def encode_ask(device: bytes, token: invite.AddressToken) -> bytes:
    return codec.encode(("ask", device, token.to_wire()))


def encode_answer(raws: Sequence[bytes]) -> bytes:
    return codec.encode(("records", tuple(raws[:1])))


@dataclass(frozen=True, slots=True)
class Push:
    records: tuple[AddressRecord, ...]
    raws: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class Ask:
    device: bytes
    token: invite.AddressToken


def decode_request(frame: bytes) -> Push | Ask:
    """A request off the wire, its records decoded and verified (``AddrsProtocolError``
    for anything the peer got wrong)."""
    wire = named_message(frame, _CAPS, AddrsProtocolError, "addrs")
    if len(wire) == 2 and wire[0] == "push":
        raws = _raws(wire[1], RECORDS_PER_FRAME)
        return Push(tuple(_record(raw) for raw in raws), raws)
    if len(wire) == 3 and wire[0] == "ask" and type(wire[1]) is bytes and len(wire[1]) == _ID:
        try:
            token = invite.AddressToken.from_wire(wire[2])
        except InvalidEntry as exc:
            raise AddrsProtocolError(f"a malformed token: {exc}") from None
        return Ask(wire[1], token)
    raise AddrsProtocolError("an unknown addrs request")


def decode_answer(frame: bytes, device: bytes) -> AddressRecord | None:
    """The record in an answer to ``ask`` for ``device`` (verified), or None."""
    wire = named_message(frame, _CAPS, AddrsProtocolError, "addrs")
    if not (len(wire) == 2 and wire[0] == "records"):
        raise AddrsProtocolError("not an addrs answer")
    raws = _raws(wire[1], 1)
    if not raws:
        return None
    record = _record(raws[0])
    if record.device != device:
        raise AddrsProtocolError("an answer with another device's record")
    return record


def _raws(value: object, most: int) -> tuple[bytes, ...]:
    if not (type(value) is tuple and len(value) <= most
            and all(type(r) is bytes for r in value)):
        raise AddrsProtocolError("records are an array of at most "
                                 f"{most} byte strings")
    return value


def _record(raw: bytes) -> AddressRecord:
    try:
        record = decode(raw)
        record.verify()
    except InvalidEntry as exc:
        raise AddrsProtocolError(f"an address record: {exc}") from None
    return record


# --- pure bookkeeping ---------------------------------------------------------------------


@dataclass(slots=True)
class Bucket:
    """A token bucket over ``now`` (seconds, any monotonic origin)."""

    burst: float = FRAMES_BURST
    every: float = FRAME_EVERY
    tokens: float = FRAMES_BURST
    at: float | None = None

    def take(self, now: float) -> bool:
        if self.at is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.at) / self.every)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass(slots=True)
class Outbox:
    """What we still have to push to each peer: the newest record per device,
    coalesced, sent at most every ``every`` seconds per peer."""

    every: float = SEND_EVERY
    pending: dict[bytes, dict[bytes, tuple[int, bytes]]] = field(default_factory=dict)
    next_at: dict[bytes, float] = field(default_factory=dict)

    def add(self, peer: bytes, record: AddressRecord, raw: bytes) -> None:
        queue = self.pending.setdefault(peer, {})
        held = queue.get(record.device)
        if held is None or held[0] < record.seq:
            queue[record.device] = (record.seq, raw)

    def due(self, now: float) -> list[tuple[bytes, list[bytes]]]:
        """Frames to send now: per peer whose turn it is, up to ``RECORDS_PER_FRAME``."""
        out = []
        for peer in list(self.pending):
            if self.next_at.get(peer, 0.0) > now:
                continue
            queue = self.pending[peer]
            devices = list(queue)[:RECORDS_PER_FRAME]
            out.append((peer, [queue.pop(d)[1] for d in devices]))
            if not queue:
                del self.pending[peer]
            self.next_at[peer] = now + self.every
        return out

    def wait(self, now: float) -> float:
        """Seconds until some peer's frame is due (inf when nothing is pending)."""
        times = [self.next_at.get(p, 0.0) - now for p in self.pending]
        return max(0.0, min(times)) if times else float("inf")

    def forget(self, peer: bytes) -> None:
        self.pending.pop(peer, None)
        self.next_at.pop(peer, None)


def ask_whom(device: bytes, addrs: Sequence[str], connected: Iterable[bytes],
             me: bytes) -> list[tuple[bytes, tuple[str, ...]]]:
    """Whom to ask where ``device`` went, with where to reach them: the relays its
    circuit addresses name (they carried it: likely its friends' boxes), then the
    peers we are connected to; never the device itself, nor us."""
    out: dict[bytes, tuple[str, ...]] = {}
    for addr in addrs:
        try:
            relay_addr, relay_id = relay.parse_circuit(addr)
            relay_device = device_id_from_peer_id(relay_id)
        except ValueError:
            continue
        out.setdefault(relay_device, (relay_addr,))
    for peer in connected:
        out.setdefault(peer, ())
    return [(p, at) for p, at in out.items() if p not in (device, me)]


# --- the edge ---------------------------------------------------------------------------


class Stream(Protocol):
    async def read(self, n: int | None = None) -> bytes: ...
    async def write(self, data: bytes) -> None: ...
    async def close(self) -> None: ...
    async def reset(self) -> None: ...


AccountOf = Callable[[bytes], Awaitable[bytes | None]]
OpenStream = Callable[[bytes, Sequence[str]], Awaitable[Any]]
Misbehaved = Callable[[bytes, str], Awaitable[None]]
Moved = Callable[[bytes, tuple[str, ...]], Awaitable[None]]
Stale = Callable[[bytes], Awaitable[None]]


async def _nothing(device: bytes) -> None:
    return None


class AddressExchange:
    """Our records out, friends' records in. The service gives it: ``account_of`` (a
    device's account if we replicate it, else None: friends.py), ``connected`` (the
    devices in session now), ``open_stream`` (to a device, at addresses if we are not
    connected, this protocol),
    ``misbehaved``, ``moved`` (a peer's newer addresses: update the book, redial),
    ``own_addrs`` (our addresses now, best first), ``mapped`` (the router's
    addresses mapped to us, port mapping) and ``stale`` (a connected peer's connection
    seems dead: drop it and dial again)."""

    def __init__(self, replica: Replica, *, account_of: AccountOf,
                 connected: Callable[[], Iterable[bytes]], open_stream: OpenStream,
                 misbehaved: Misbehaved, moved: Moved,
                 own_addrs: Callable[[], Sequence[str]],
                 mapped: Callable[[], Sequence[str]] = tuple, stale: Stale = _nothing,
                 ) -> None:
        assert replica.identity is not None
        self.replica = replica
        self.me = replica.identity.device_id
        self.account = replica.identity.account_id
        self.account_of, self.connected = account_of, connected
        self.open_stream, self.misbehaved, self.moved = open_stream, misbehaved, moved
        self.own_addrs, self.mapped, self.stale = own_addrs, mapped, stale
        self.outbox = Outbox()
        self.own: tuple[AddressRecord, bytes] | None = None
        self._buckets: dict[bytes, Bucket] = {}
        self._serving = trio.CapacityLimiter(SERVING_MAX)
        self._wake = trio.Event()
        self._look = trio.Event()
        self._asked: dict[bytes, float] = {}  # device -> trio time of the last round
        self._mapped_of: dict[bytes, frozenset[str]] = {}  # connected peers' mappings
        self._nursery: trio.Nursery | None = None

    async def run(self, *, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            await self._reissue_if_needed()
            nursery.start_soon(self._watch)
            task_status.started(self)
            await self._send_loop()

    # --- what the service calls ---------------------------------------------------------

    def peer_connected(self, peer: bytes) -> None:
        """A session with ``peer`` opened: send it what it may see."""
        if self._nursery is not None:
            self._nursery.start_soon(self._greet, peer)

    def friends_changed(self) -> None:
        """Who may see what changed (a follow, a friend's log arrived after its session
        opened): greet every connected peer again. The outbox coalesces, the receiver
        ignores records it holds, so this costs a small push per peer at most."""
        if self._nursery is not None:
            for peer in list(self.connected()):
                self._nursery.start_soon(self._greet, peer)

    def peer_gone(self, peer: bytes) -> None:
        self.outbox.forget(peer)
        self._buckets.pop(peer, None)
        self._mapped_of.pop(peer, None)

    def mapped_of(self, peer: bytes) -> frozenset[str]:
        """The addresses a connected peer's newest record marks as port-mapped (its
        router's, forwarded to it): empty when we hold no record of it."""
        return self._mapped_of.get(peer, frozenset())

    def _note_kinds(self, record: AddressRecord) -> None:
        if record.device in set(self.connected()):
            self._mapped_of[record.device] = frozenset(
                a.addr for a in record.addrs if a.kind == AddrKind.PORT_MAPPED)

    def unreachable(self, device: bytes, addrs: Sequence[str]) -> None:
        """A dial of ``device`` at ``addrs`` failed: if we joined an invite of it (we
        hold its token), ask a relay of its circuit addresses and connected peers
        where it is now (at most every ``ASK_EVERY`` seconds per device)."""
        now = trio.current_time()
        if self._nursery is None or now - self._asked.get(device, -1e9) < ASK_EVERY:
            return
        self._asked[device] = now
        if len(self._asked) > 4 * 1024:  # forget the oldest rounds
            for old in sorted(self._asked, key=self._asked.__getitem__)[:1024]:
                del self._asked[old]
        self._nursery.start_soon(self._find, device, tuple(addrs))

    async def _find(self, device: bytes, addrs: tuple[str, ...]) -> None:
        held = await self.replica.invite_token(device)
        if held is None:
            return
        account, token = held
        for peer, at in ask_whom(device, addrs, self.connected(), self.me)[:ASK_PEERS]:
            if await self.ask(peer, device, account, token, at):
                return  # a newer record: the service dials it now

    def addresses_changed(self) -> None:
        """Our addresses may have changed (a port mapping, a relay slot): look now."""
        self._look.set()

    async def serve(self, stream: Stream, peer: bytes) -> None:
        """One inbound stream from ``peer``. Raises ``AddrsProtocolError`` for what the
        peer got wrong (the caller lowers its standing)."""
        bucket = self._buckets.pop(peer, None) or Bucket()
        self._buckets[peer] = bucket  # the most recently seen last
        if len(self._buckets) > BUCKETS_MAX:
            del self._buckets[next(iter(self._buckets))]
        if not bucket.take(trio.current_time()) or self._serving.borrowed_tokens >= SERVING_MAX:
            log.debug("addrs: refused a stream of %s (over its rate)", peer.hex()[:12])
            await reset_quietly(stream)
            return
        async with self._serving:
            try:
                with trio.fail_after(TIMEOUT):
                    frame = await read_frame(stream, FRAME_MAX)
            except TruncatedFrame as exc:
                raise AddrsProtocolError(f"a request cut short: {exc}") from None
            except FrameError as exc:
                raise AddrsProtocolError(f"bad request frame: {exc}") from None
            if frame is None:
                return
            request = decode_request(frame)
            if isinstance(request, Push):
                await close_quietly(stream)
                for record, raw in zip(request.records, request.raws, strict=True):
                    await self.take(record, raw, source=peer)
                return
            held = await self.replica.address_record(request.device)
            answer = encode_answer([held.raw] if held is not None and request.token.allows(
                request.device, self.replica.clock()) else [])
            with trio.fail_after(TIMEOUT):
                await write_frame(stream, answer)
            await close_quietly(stream)

    async def ask(self, peer: bytes, device: bytes, account: bytes,
                  token: invite.AddressToken, at: Sequence[str] = ()) -> bool:
        """Ask ``peer`` for the newest record of ``device`` (of ``account``: the
        invite says so), showing ``token``; a record it gives is taken as if pushed.
        True when it gave one newer than ours. ``at``: the peer's addresses, when we
        may not be connected to it."""
        try:
            stream = await self.open_stream(peer, at)
        except Exception as exc:  # DialFailed, StreamOpenFailed: nobody's fault
            log.info("addrs: cannot ask %s: %s", peer.hex()[:12], exc)
            return False
        try:
            with trio.fail_after(TIMEOUT):
                await write_frame(stream, encode_ask(device, token))
                frame = await read_frame(stream, FRAME_MAX)
        except _FAILED as exc:
            log.info("addrs: asking %s: %r", peer.hex()[:12], exc)
            await reset_quietly(stream)
            return False
        await close_quietly(stream)
        if frame is None:
            return False
        try:
            record = decode_answer(frame, device)
        except AddrsProtocolError as exc:
            await self.misbehaved(peer, f"addrs answer: {exc}")
            return False
        if record is None:
            return False
        return await self.take(record, record.encode(), source=peer, account=account)

    # --- records in ------------------------------------------------------------------------

    async def take(self, record: AddressRecord, raw: bytes, *, source: bytes | None,
                   account: bytes | None = None) -> bool:
        """A verified record from ``source``: kept if we want its device and it is
        newer than ours; then the address book learns it and friends who may see it
        get it. ``account``: the device's account when we know it otherwise (an
        invite's, before we hold the device's log). True when kept."""
        if record.expired(self.replica.clock()):
            return False
        if record.device == self.me:  # ours, signed before our store lost it (a copy of
            # the home put back?): friends ignore our records until ours exceed it
            kept = await self.replica.keep_address_record(record, self.account)
            if kept:
                self.own = None  # so the watcher issues one above it
                self._look.set()
            return kept
        account = await self.account_of(record.device) or account
        if account is None or not await self.replica.keep_address_record(record, account):
            return False
        log.info("addrs: %s is now at %s", record.device.hex()[:12],
                 " ".join(record.addr_texts))
        self._note_kinds(record)
        await self.moved(record.device, record.addr_texts)
        if record.device in set(self.connected()) and self._nursery is not None:
            self._nursery.start_soon(self._send, record.device, [])  # still there?
        await self._spread(record, raw, account, skip={source, record.device})
        return True

    async def _spread(self, record: AddressRecord, raw: bytes, account: bytes,
                      skip: set[bytes | None]) -> None:
        following = set(await self.replica.following(account))
        for peer in list(self.connected()):
            if peer in skip:
                continue
            peer_account = await self.account_of(peer)
            if peer_account is not None and may_see(account, peer_account,
                                                    lambda _a: following):
                self.outbox.add(peer, record, raw)
        self._wake.set()

    # --- records out -----------------------------------------------------------------------

    async def _greet(self, peer: bytes) -> None:
        theirs = await self.replica.address_record(peer)
        if theirs is not None:
            with suppress(InvalidEntry):  # written by us after checking: never fails
                self._note_kinds(decode(theirs.raw))
        peer_account = await self.account_of(peer)
        if peer_account is None:
            return  # a stranger: we cannot tell what it may see, so nothing
        fans = set(await self.replica.followers(peer_account))
        for held in await self.replica.address_records({peer_account} | fans):
            if held.device == peer or not may_see(
                    held.account, peer_account,
                    lambda a: {peer_account} if a in fans else set()):
                continue
            try:
                record = decode(held.raw)
            except InvalidEntry:  # written by us after checking: never
                continue
            self.outbox.add(peer, record, held.raw)
        self._wake.set()

    async def _send_loop(self) -> None:
        while True:
            now = trio.current_time()
            for peer, raws in self.outbox.due(now):
                assert self._nursery is not None
                self._nursery.start_soon(self._send, peer, raws)
            self._wake = trio.Event()
            with trio.move_on_after(self.outbox.wait(trio.current_time())):
                await self._wake.wait()

    async def _send(self, peer: bytes, raws: list[bytes]) -> None:
        try:
            with trio.fail_after(PROBE_WITHIN):
                stream = await self.open_stream(peer, ())
        except trio.TooSlowError:  # no answer at all: a session on a dead connection?
            log.info("addrs: %s does not answer", peer.hex()[:12])
            if peer in set(self.connected()):
                await self.stale(peer)
            return
        except Exception as exc:  # DialFailed, StreamOpenFailed (an older peer, say)
            log.info("addrs: cannot push to %s: %r", peer.hex()[:12], exc)
            return
        try:
            with trio.fail_after(TIMEOUT):
                await write_frame(stream, encode_push(raws))
        except _FAILED as exc:
            log.info("addrs: pushing to %s: %r", peer.hex()[:12], exc)
            await reset_quietly(stream)
            return
        await close_quietly(stream)

    async def _watch(self) -> None:
        """Issue a new record when our addresses change (or ours gets old), and push
        it to every connected friend that may see it."""
        while True:
            with trio.move_on_after(WATCH_EVERY):
                await self._look.wait()
            self._look = trio.Event()
            if await self._reissue_if_needed():
                await self._push_own()

    async def _reissue_if_needed(self) -> bool:
        wanted = fit(addresses(self.own_addrs(), self.mapped()))
        if self.own is None:
            if not wanted:
                return False
        elif (self.own[0].addrs == wanted
              and self.replica.clock() - self.own[0].issued < REISSUE_AFTER):
            return False
        record = await self.replica.issue_address_record(wanted)
        self.own = (record, record.encode())
        log.info("addrs: issued record %d for %s", record.seq, " ".join(record.addr_texts))
        return True

    async def _push_own(self) -> None:
        assert self.own is not None
        record, raw = self.own
        following = set(await self.replica.following(self.account))
        for peer in list(self.connected()):
            peer_account = await self.account_of(peer)
            if peer_account is not None and may_see(self.account, peer_account,
                                                    lambda _a: following):
                self.outbox.add(peer, record, raw)
        self._wake.set()

