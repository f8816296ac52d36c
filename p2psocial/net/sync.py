"""The edge of a sync session: one ``SyncSession`` driven over one stream for a node.

Four tasks share the session (one Trio thread, no locks but the write lock):

* the *receiver* reads frames, feeds them to the session and queues the entries
  worth storing for the ingester (a few frames at most: the queue is the
  backpressure that keeps a fast sender from filling our memory);
* the *ingester* stores what is queued through ``Node.ingest`` (which verifies runs
  before anything is written). Whatever queued up while it was busy goes into one
  transaction, up to ``COALESCE`` entries: a burst is written in big transactions,
  which write far fewer pages per entry (16 frames at once: 1.9 instead of 4.3 KB
  per entry, and 40–75% faster), while a lone live entry is stored at once;
* the *sender* writes the opening frames, then every range the session hands out,
  read from the store, then "caught_up"; it sleeps until there is more to send
  (saying "ping" after a quiet minute, version 2). What it sends is paced by a
  ``SendBudget``: the service gives each friend one and makes all strangers share
  one, so that no peer can make us send without end;
* the *follower* turns the node's change events (our posts, entries from other
  peers) into ``local_added`` calls, so new entries are pushed while the session
  stays open.

What the peer says it holds of our own account's logs (its clock: in the opening,
and later) goes to ``Node.peer_holds``: that is how a direct message is known to
have reached a recipient's device or a friend who carries it (store/holders.py). In
return, when the peer's own log grows here (from it, by gossip, or through someone
else) a version 2 session tells it how far we hold that log now, one "clock" frame
at most every ``ACK_GAP`` seconds, so its author learns it while we are connected.

A frame that breaks the protocol, entries that fail verification, or more frames
that bring nothing than the flood limit allows (limits.py: resends, entries we did
not ask for, repeated control frames; dropped before verification) end the
session with ``PeerMisbehaved``; the caller lowers the peer's standing. A batch
with one bad log stores the good logs beside it first. A log its *author* forked
(forks.py) is no fault of the peer that carried it: ingest freezes the log and
keeps the proof, and every session passes the proof on (the follower sees
``ForkFound``), so the peer stops sending that log too. Device revocations
(version 3) travel the same way and ahead of entries: the session says ours at the
opening, and those the peer sends are checked and applied by
``Replica.add_revocations`` before the receiver reads the next frame, so before any
entry they refuse is stored; a revocations frame that teaches nothing is charged
like a control frame, one that does not verify ends the session. The stream
ending without "caught_up" is ``SessionAborted``: the next session resumes from what
both stores hold, and ingest is idempotent, so nothing is lost or applied twice.

Deadlines (``Deadlines``): the peer must finish its opening within a minute and then
say something at least every 150 s (an honest version 2 peer pings after a quiet
minute); a frame that takes longer to arrive counts as silence. A
silent, or a byte-a-second, peer is cut off with ``SessionAborted``: it held a slot
and some memory, nothing more, and its standing is left alone (its link may simply
be dead).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import trio

from .. import event_hub
from ..entry import Entry
from ..errors import InvalidEntry
from ..events import EntryAdded, ForkFound, Lagged, RefusalsChanged, RevocationFound
from . import messages as m
from .framing import FrameError, TruncatedFrame, read_frame, write_frame
from .host import NetError, device_id_from_peer_id
from .limits import FLOOD, FRIEND_SEND, FloodGuard, FloodPolicy, SendPolicy, TokenBucket
from .port import Replica
from .session import (
    ForksReceived,
    PeerCaughtUp,
    Received,
    ResendAsked,
    RevocationsReceived,
    SyncSession,
)

BATCH = 1000
EVENT_BUFFER = event_hub.BUFFER  # a stored batch emits up to two events per entry
QUEUED_FRAMES = 8  # entries frames received and not yet stored, at most
COALESCE = 8 * BATCH  # entries stored in one transaction, about, when frames queue up
_CAUGHT_UP = object()  # in the ingester's queue: the peer's "caught_up", in order
ACK_GAP = 1.0  # seconds between two "clock" frames about the peer's own log (each
# costs a control frame of the peer's flood allowance: 64 KiB of 256 KiB/s, limits.py)
_PING = m.encode(m.Ping())


@dataclass(frozen=True, slots=True)
class Deadlines:
    """Seconds. ``opening``: for the peer to finish its opening (say "ready");
    ``idle``: of silence (or of one frame still arriving) after which a session ends;
    ``idle_v1``: the same for version 1 peers, which never ping; ``ping``: with
    nothing to send, after which the sender says "ping" (version 2)."""

    opening: float = 60.0
    idle: float = 150.0
    idle_v1: float = 900.0
    ping: float = 60.0


DEADLINES = Deadlines()


class PeerMisbehaved(NetError):
    """The peer sent something invalid; the session was ended."""


class SessionAborted(NetError):
    """The stream ended before the peer said it had sent everything."""


@dataclass(slots=True)
class SyncStats:
    received: int = 0  # entries stored that came from this peer
    sent: int = 0  # entries sent to this peer
    refused: int = 0  # entries of accounts we refuse (store/refusals.py): not stored
    caught_up: bool = False  # both sides said "caught_up"


class SendBudget:
    """Bytes that sessions may send (``limits.SendPolicy``): ``spend`` waits until
    there are enough. One object may be shared by many sessions."""

    def __init__(self, policy: SendPolicy = FRIEND_SEND) -> None:
        self.policy = policy
        self._bucket: TokenBucket | None = None  # made on first use, inside Trio
        self.spent = 0

    async def spend(self, amount: int) -> None:
        if self._bucket is None:
            self._bucket = TokenBucket(self.policy.rate, self.policy.burst,
                                       trio.current_time())
        want = min(amount, self.policy.burst)  # callers spend a frame at a time
        # waiting for time to pass, not for an event: the bucket refills with the clock
        while not self._bucket.take(want, trio.current_time()):  # noqa: ASYNC110
            await trio.sleep(self._bucket.wait(want, trio.current_time()))
        self.spent += amount


class SessionControl:
    """Requests to a running session from outside it (the service): accounts we now
    replicate, logs to be sent again after a gap, logs the peer is known to hold.
    Requests made before the session starts wait for it; frames they need are sent
    by the session's sender. ``stats`` counts the session's progress while it runs
    (the app shows it beside each peer)."""

    def __init__(self) -> None:
        self.stats = SyncStats()
        self._waiting: list[Callable[[], list[bytes]]] = []
        self._outbox: list[bytes] = []
        self._session: SyncSession | None = None
        self._guard: FloodGuard | None = None
        self._wake: Callable[[], None] = lambda: None

    def want(self, accounts: Iterable[bytes]) -> None:
        """We replicate ``accounts`` now (those the peer was not told yet are sent)."""
        wanted = frozenset(accounts)

        def apply() -> list[bytes]:
            assert self._session is not None and self._guard is not None
            self._guard.wants_more(wanted)
            return self._session.want_more(wanted)
        self._request(apply)

    def lacking(self, device: bytes, head: int) -> None:
        """We hold ``device``'s log only up to ``head``: ask the peer for the rest.
        Not before the peer is caught up: until then its first sync is bringing what
        it has, and a burst of "need" frames would count against our flood budget
        at the peer (limits.py)."""
        def apply() -> list[bytes]:
            assert self._session is not None and self._guard is not None
            if not self._session.peer_caught_up:
                return []
            self._guard.resend_after(device, head)
            return self._session.need_frames([(device, head)])
        self._request(apply)

    def peer_holds(self, device: bytes, seq: int) -> None:
        """The peer holds ``device``'s log up to ``seq``: do not send it those."""
        def apply() -> list[bytes]:
            assert self._session is not None
            self._session.peer_holds(device, seq)
            return []
        self._request(apply)

    def attach(self, session: SyncSession, guard: FloodGuard,
               wake: Callable[[], None]) -> None:
        self._session, self._guard, self._wake = session, guard, wake
        waiting, self._waiting = self._waiting, []
        for apply in waiting:
            self._request(apply)

    def send_later(self, frames: list[bytes]) -> None:
        """Frames the session's own tasks want sent by the sender."""
        if frames:
            self._outbox += frames
            self._wake()

    def take(self) -> list[bytes]:
        """Frames to send now."""
        out, self._outbox = self._outbox, []
        return out

    def _request(self, apply: Callable[[], list[bytes]]) -> None:
        if self._session is None:
            self._waiting.append(apply)
            return
        if frames := apply():
            self._outbox += frames
            self._wake()


async def run_sync(replica: Replica, stream: object, *, hops: int = 2, once: bool = False,
                   batch: int = BATCH, event_buffer: int = EVENT_BUFFER,
                   flood: FloodPolicy = FLOOD, control: SessionControl | None = None,
                   live: bool = True, version: int = m.VERSION,
                   budget: SendBudget | None = None,
                   deadlines: Deadlines = DEADLINES, peer: bytes | None = None) -> SyncStats:
    """Sync with the peer at the other end of ``stream`` (a libp2p stream, or anything
    with ``read``/``write``/``close``). Runs until the peer closes the stream, or with
    ``once`` until both sides are caught up. ``control``: requests from the service
    while the session runs; ``live=False``: push new entries only when asked;
    ``version``: the protocol version the stream was negotiated for; ``budget``:
    what this session may send (a friend's own by default); ``deadlines``: how long
    the peer may take; ``peer``: the peer's device id (by default the one the libp2p
    stream was authenticated as; None: what it says it holds is not recorded)."""
    peer = peer if peer is not None else _peer_device(stream)
    # subscribe before reading the clock: an entry stored in between is then in the
    # clock or in the events (or both, which is harmless), never in neither
    subscription = [replica.subscribe(event_buffer)]
    logs = await replica.logs()
    heads = {d: s for d, _, s in logs}
    accounts = {d: a for d, a, _ in logs}
    me = replica.identity.account_id if replica.identity is not None else None
    mine = {d for d, a in accounts.items() if a == me}  # our account's logs
    wants = await replica.wanted_accounts(hops)
    proofs = await replica.forks()
    revocations = await replica.revocations() if version >= 3 else []
    session = SyncSession(heads=heads, accounts=accounts, wants=wants, live=live,
                          version=version, forks=proofs, revocations=revocations)
    guard = FloodGuard(declared=heads, accounts=accounts, wants=wants,
                       now=trio.current_time(), policy=flood)
    for proof in proofs:
        guard.frozen(proof.device, proof.seq)
    control = control or SessionControl()
    budget = budget or SendBudget()
    stats = control.stats
    opening_ends = trio.current_time() + deadlines.opening
    idle = deadlines.idle if version >= 2 else deadlines.idle_v1
    stored_all = False  # the ingester has stored everything sent before "caught_up"
    ack = _Ack(peer if version >= 2 else None)
    inbox_send, inbox = trio.open_memory_channel[object](QUEUED_FRAMES)
    write_lock = trio.Lock()
    more = trio.Event()
    finished = trio.Event()

    def wake() -> None:
        nonlocal more
        more.set()

    control.attach(session, guard, wake)

    async def send(frames: list[bytes]) -> None:
        async with write_lock:  # two writers must not interleave a frame's bytes
            for frame in frames:
                await write_frame(stream, frame)  # type: ignore[arg-type]

    async def sender() -> None:
        nonlocal more
        await send(session.start())
        said_caught_up = False
        while True:
            more = trio.Event()
            if requested := control.take():
                await send(requested)
            if (frame := ack.take(session, trio.current_time())) is not None:
                await send([frame])
            while (rng := session.next_range(batch)) is not None:
                run = await replica.log_rows(rng.device, rng.after, rng.upto - rng.after,
                                          budget.policy.chunk)
                session.put_back(rng, rng.after + len(run))
                if rng.again:  # the peer asked for these again ("need"): it pays for them
                    try:
                        guard.resent(sum(len(h) + len(b or b"") for h, b in run[:rng.again]),
                                     trio.current_time())
                    except InvalidEntry as exc:
                        raise PeerMisbehaved(str(exc)) from None
                for piece in session.entries_frames(run):  # each under 1 MiB, the
                    await budget.spend(len(piece))  # budget's burst is more than that
                    await send([piece])
                stats.sent += len(run)
            if (frame := session.caught_up_frame()) is not None:
                await send([frame])
                said_caught_up = True
            if once and said_caught_up and stored_all:
                stats.caught_up = True
                finished.set()
                return
            with trio.move_on_after(ack.wait(deadlines.ping, trio.current_time())) as quiet:
                await more.wait()
            if quiet.cancelled_caught and version >= 2 and not ack.wanted:
                await send([_PING])

    async def receiver() -> None:
        async with inbox_send:  # closed at the end of the stream: the ingester drains
            while True:
                limit = opening_ends - trio.current_time() if not session.peer_ready else idle
                with trio.move_on_after(max(limit, 0)) as silence:
                    try:
                        frame = await read_frame(stream, m.MAX_FRAME)  # type: ignore[arg-type]
                    except TruncatedFrame as exc:  # a connection cut mid-frame: no lie
                        raise SessionAborted(f"the stream broke: {exc}") from None
                    except FrameError as exc:
                        raise PeerMisbehaved(f"bad frame: {exc}") from None
                if silence.cancelled_caught:
                    raise SessionAborted(
                        f"the peer did not finish its opening within {deadlines.opening:g} s"
                        if not session.peer_ready else f"the peer was silent for {idle:g} s")
                if frame is None:
                    if session.peer_caught_up:
                        return
                    raise SessionAborted("the peer closed the stream before it was caught up")
                try:
                    opening = not session.peer_ready
                    events = session.receive(frame)
                    control.send_later(session.take_outbox())
                    said = session.take_said()
                    news = False  # the peer holds more of our logs (up to our heads):
                    # its "clock" about our log after we wrote (ACK_GAP) is no waste
                    if peer is not None and (ours := {d: s for d, s in said.items()
                                                      if d in mine}):
                        news = await replica.peer_holds(peer, ours)
                    if not news and not any(
                            isinstance(e, Received | PeerCaughtUp | ForksReceived
                                       | RevocationsReceived)
                            for e in events):
                        guard.control(len(frame), trio.current_time(), opening=opening)
                    for event in events:
                        if isinstance(event, Received):
                            screened = guard.screen(event.entries)
                            if screened.waste:
                                guard.charge(screened.waste, trio.current_time(), "entries")
                            if screened.fresh:
                                await inbox_send.send(screened.fresh)
                        elif isinstance(event, PeerCaughtUp):
                            guard.caught_up(trio.current_time())
                            await inbox_send.send(_CAUGHT_UP)
                        elif isinstance(event, ForksReceived):
                            new = await replica.add_forks(event.proofs)
                            if not new:  # nothing we did not know, of a log we hold
                                guard.control(len(frame), trio.current_time(),
                                              opening=opening)
                            for fork in new:
                                session.forked(fork, from_peer=True)
                                guard.frozen(fork.device, fork.seq)
                        elif isinstance(event, RevocationsReceived):
                            shortened = await replica.add_revocations(event.wires)
                            if not shortened:  # no log we know of is any shorter
                                guard.control(len(frame), trio.current_time(),
                                              opening=opening)
                            for wire in event.wires:  # all verified: never echo them
                                session.revoked(wire, from_peer=True)
                        elif isinstance(event, ResendAsked):
                            guard.resend(event.entries, trio.current_time())
                except InvalidEntry as exc:  # a bad frame, or a flood (limits.py)
                    raise PeerMisbehaved(str(exc)) from None
                wake()

    async def ingester() -> None:
        nonlocal stored_all
        async for first in inbox:
            queued = [first]
            while len(queued) <= QUEUED_FRAMES:  # what arrived while we were storing
                try:
                    queued.append(inbox.receive_nowait())
                except (trio.WouldBlock, trio.EndOfChannel):
                    break
            batch: list[Entry] = []
            for item in queued:
                if item is _CAUGHT_UP:
                    await store(batch)
                    batch = []
                    await replica.index_text()  # the burst is over: make it searchable
                    stored_all = stats.caught_up = True
                    wake()
                else:
                    batch += item  # type: ignore[arg-type]
                    if len(batch) >= COALESCE:
                        await store(batch)
                        batch = []
            await store(batch)
        if stored_all:  # the stream ended after "caught_up", and all of it is stored
            finished.set()

    async def store(entries: list[Entry]) -> None:
        """Store a batch of screened entries; charge the ones a gap kept out."""
        if not entries:
            return
        try:
            result = await replica.ingest(entries)
            stats.received += len(result.added)
            stats.refused += result.refused
            if waste := guard.gaps(entries, result.missing):
                guard.charge(waste, trio.current_time(), "entries")
        except InvalidEntry as exc:  # a flood
            raise PeerMisbehaved(str(exc)) from None
        if result.rejected:  # the other logs of the batch are stored
            raise PeerMisbehaved(str(next(iter(result.rejected.values()))))

    def take(event: object) -> bool:
        """Apply one event; False when the subscription lagged behind."""
        if isinstance(event, EntryAdded):
            session.local_added(event.device, event.account, event.seq)
            guard.learned(event.device, event.account)
            if event.account == me:
                mine.add(event.device)
            ack.grew(event.device)
        elif isinstance(event, ForkFound):
            guard.frozen(event.device, event.seq)
            control.send_later(session.forked(event.proof))
        elif isinstance(event, RevocationFound):
            for device, last in event.ends:  # nothing of it past there is ours to send
                session.ended(device, last)
            if version >= 3:
                control.send_later(session.revoked(event.wire))
        elif isinstance(event, RefusalsChanged):  # logs cut to their certificates, or back
            frames, back = session.refusals_changed(event.refused, event.allowed)
            for device in back:
                guard.resend_after(device, 1)
            control.send_later(frames)
        return not isinstance(event, Lagged)

    async def follower() -> None:
        while True:
            lagged = False
            async for event in subscription[0]:
                lagged = not take(event)
                while not lagged:  # drain what is queued without a checkpoint per event
                    try:
                        lagged = not take(subscription[0].receive_nowait())
                    except (trio.WouldBlock, trio.EndOfChannel):
                        break
                wake()
                if lagged:
                    break
            if not lagged:
                return  # the node is closing
            # we fell behind: subscribe again, then re-read every head from the store,
            # so nothing that happened in between is missed
            subscription[0] = replica.subscribe(event_buffer)
            for device, account, seq in await replica.logs():
                session.local_added(device, account, seq)
                guard.learned(device, account)
            for proof in await replica.forks():
                take(ForkFound(proof.device, b"", proof.seq, proof))
            if version >= 3:  # a revocation learned meanwhile, if the peer lacks it
                for wire in await replica.revocations():
                    control.send_later(session.revoked(wire))
            wake()

    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(sender)
            nursery.start_soon(receiver)
            nursery.start_soon(ingester)
            nursery.start_soon(follower)
            await finished.wait()
            nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:  # say what went wrong, not how tasks were nested
        matched, _ = group.split(NetError)
        if matched is not None:
            raise _first(matched) from None
        raise
    finally:
        subscription[0].close()
        with trio.CancelScope(shield=True), trio.move_on_after(2):
            await stream.close()  # type: ignore[attr-defined]
    return stats


class _Ack:
    """Whether to tell the peer that its own log grew here, and when we may: one
    "clock" frame about it at most every ``ACK_GAP`` seconds (``peer`` None: never)."""

    def __init__(self, peer: bytes | None) -> None:
        self.peer = peer
        self.wanted = False
        self._next = 0.0

    def grew(self, device: bytes) -> None:
        if device == self.peer:
            self.wanted = True

    def take(self, session: SyncSession, now: float) -> bytes | None:
        if not self.wanted or now < self._next or self.peer is None:
            return None
        frame = session.ack_frame(self.peer)  # None before our opening is said: then
        self.wanted = False  # the clock of the opening tells it, or the next growth does
        if frame is not None:
            self._next = now + ACK_GAP
        return frame

    def wait(self, longest: float, now: float) -> float:
        """How long the sender may sleep: until the next frame may go, if one waits."""
        return min(longest, max(0.0, self._next - now)) if self.wanted else longest


def _peer_device(stream: object) -> bytes | None:
    """The device at the other end of a libp2p stream (as Noise authenticated it), or
    None for a stream that does not say (an in-memory one in tests)."""
    peer_id = getattr(getattr(stream, "muxed_conn", None), "peer_id", None)
    if peer_id is None:
        return None
    try:
        return device_id_from_peer_id(peer_id)
    except ValueError:
        return None


def negotiated_version(stream: object) -> int:
    """The sync protocol version a libp2p stream was negotiated for (the newest for
    a stream that does not say, such as an in-memory one in tests)."""
    get_protocol = getattr(stream, "get_protocol", None)
    protocol = get_protocol() if get_protocol is not None else None
    return next((v for v, p in m.PROTOCOL_IDS.items() if p == protocol), m.VERSION)


def _first(group: BaseExceptionGroup) -> BaseException:
    exc: BaseException = group
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    return exc
