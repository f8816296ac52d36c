"""One sync session with one peer, as a state machine over plain values (no I/O).

Theory of operation. Each side opens with ``start()`` and the *opening* (opening.py):
hello, then what it replicates and how far it holds each log, until it says
"ready". Only logs of accounts that both sides replicate travel. Once the peer is
ready, this side knows, for every log it holds of those accounts, how far the peer
already is; the gap is a *pending range*. The owner of the session (the network
edge) repeatedly asks ``next_range()``, reads that run from the store (as stored
bytes: the receiver verifies anyway), and sends it with ``entries_frames()``. When
every range pending at "ready" has been handed out, ``caught_up_frame()`` yields
"caught_up" once. Frames the session has to say in answer to the peer (the steps of
the opening, a fork proof) wait in ``outbox`` for the edge to send.

After that the session stays open: ``local_added()`` is called for every entry the
node stores (ours, or one a peer sent) and turns into a new pending range if this
peer wants it and does not have it yet. Entries received from this peer count as
held by it, so they are never echoed back. Ranges are handed out optimistically: if
the stream breaks, the next session starts again from both stores, and the store's
ingest is idempotent, so nothing is applied twice and nothing is lost.

Mid-session requests from the node: ``want_more`` (we replicate more accounts now:
in version 2 with the heads of our logs of them, and the peer answers with its
own), ``need_frames`` (we lack entries after a gap: the peer lowers what it believes
we hold and sends the rest again; ``ResendAsked`` tells the edge how many entries
that costs, because a peer that asks again and again makes us work for nothing) and
``peer_holds`` (we know the peer holds a log up to some seq, e.g. its own log that
reached us by gossip: do not echo it back). With ``live=False`` new entries are not
pushed by themselves, only on request (tests and measurements of gossip alone).

Forked logs (forks.py). A log whose device signed two histories is frozen below the
fork: this side's clock says no more of it, and nothing at or after the fork is sent.
In version 2 each side tells the other the fork proofs it holds of logs both
replicate, as soon as the opening shows which those are (before its clock), and
``forked()`` passes on a proof found later (by ingest, or from another peer), once
per peer, if the peer carries that log. Proofs the peer sends come out as
``ForksReceived``; the edge checks and stores them (``Node.add_forks``) and hands
what it learned back to ``forked()``.

Revoked devices (version 3). A revocation, signed by the account's root key, says
that a device's log ends at some seq: what it signs past that is refused. It must
reach a peer before the entries it refuses, so each side sends the revocations it
holds of accounts both replicate first, at the same moment as its fork proofs and
ahead of them (before its clock, so before any entry); later in a session, with the
clock of accounts the peer newly wants; and ``revoked()`` passes on one learned later
(by ingest of a REVOKE entry, or from another peer), once per peer. They are opaque
bytes here (``identity.Revocation`` encoded): only the account they name is read,
unchecked, to choose whom they concern. Those the peer sends come out as
``RevocationsReceived``; the edge has the store check and apply them
(``Replica.add_revocations``) and hands them back to ``revoked(from_peer=True)``. A
version 2 peer is never sent one (it would refuse the message).

What the peer *said* it holds (its clock frames, and in version 2 the buckets whose
clock summaries agreed), as opposed to what we sent it, is kept apart for the edge
(``take_said``): it is the peer's word that it has those entries, which is what the
delivery states of direct messages are made of (store/holders.py). ``ack_frame``
is the frame by which this side says the same of the peer's own log.

What the peer can make this side remember is bounded by this side's own state
(opening.PeerView): accounts we replicate, logs we hold, and a few more.

Frames that break the protocol raise ``ProtocolError``; entries that do not parse
raise the ``InvalidEntry`` of their fault. Their verification against the store is
the node's job (``Node.ingest``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from .. import codec, forks
from .. import entry as entry_mod
from ..entry import Entry
from ..errors import InvalidEntry
from ..forks import Fork
from . import messages as m
from .messages import ProtocolError
from .opening import OpeningV1, OpeningV2, PeerView, chunks


@dataclass(frozen=True, slots=True)
class Range:
    """Send entries ``after + 1 .. upto`` of ``device``'s log; the first ``again`` of
    them were sent before, or the peer said it held them, and it asked again."""

    device: bytes
    after: int
    upto: int
    again: int = 0


@dataclass(frozen=True, slots=True)
class PeerReady:
    """The peer's wants and clock are complete; ranges may now be pending."""


@dataclass(frozen=True, slots=True)
class Received:
    """Entries from the peer, parsed (layout, caps) but not yet verified: signatures,
    links and bodies are checked with the runs, when they are stored (``verify_run``)."""

    entries: list[Entry]


@dataclass(frozen=True, slots=True)
class PeerCaughtUp:
    """The peer has sent everything we lacked when we said we were ready."""


@dataclass(frozen=True, slots=True)
class ForksReceived:
    """Fork proofs from the peer, as they arrived (not checked yet)."""

    proofs: tuple[tuple[bytes, bytes], ...]


@dataclass(frozen=True, slots=True)
class RevocationsReceived:
    """Device revocations from the peer, as they arrived (not checked yet)."""

    wires: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class ResendAsked:
    """The peer asked ("need") for ``entries`` entries again that we had sent it, or
    that it said it held."""

    entries: int


Event = PeerReady | Received | PeerCaughtUp | ForksReceived | RevocationsReceived | ResendAsked

_REVOCATION_CAPS = codec.Caps(max_bytes=m.MAX_REVOCATION, max_bin=64, max_str=0,
                              max_array=7, max_depth=1)


def claimed_account(wire: object) -> bytes | None:
    """The account a revocation as it arrives names (its first field), without
    checking it, or None when it is not even shaped like one (7 fields)."""
    if type(wire) is not bytes or len(wire) > m.MAX_REVOCATION:
        return None
    try:
        value = codec.decode(wire, _REVOCATION_CAPS)
    except InvalidEntry:
        return None
    if type(value) is not tuple or len(value) != 7:
        return None
    account = value[0]
    return account if type(account) is bytes and len(account) == 32 else None


class SyncSession:
    def __init__(self, *, heads: Mapping[bytes, int], accounts: Mapping[bytes, bytes],
                 wants: Iterable[bytes], live: bool = True, version: int = m.VERSION,
                 forks: Iterable[Fork] = (), revocations: Iterable[bytes] = ()) -> None:
        """``heads``: device -> highest contiguous seq held; ``accounts``: device ->
        account of every log held; ``wants``: the accounts this side replicates;
        ``live``: push entries learned after "ready" without being asked;
        ``version``: the protocol version negotiated for the stream; ``forks``: the
        fork proofs this side holds; ``revocations``: the device revocations this side
        holds (encoded ``identity.Revocation``s; version 3 sends them)."""
        self.version = version
        self._proofs = {f.device: f for f in forks}  # device -> our proof
        self._frozen = {f.device: f.seq for f in self._proofs.values()}
        self._peer_knows: dict[bytes, int] = {}  # device -> fork seq the peer knows of
        self._revocations: dict[bytes, bytes] = {}  # wire -> the account it names
        for wire in revocations:
            if (account := claimed_account(wire)) is not None:
                self._revocations[wire] = account
        self._peer_revoked: set[bytes] = set()  # wires the peer holds, or was sent
        self._heads = dict(heads)
        self._accounts = dict(accounts)
        self._wants = set(wants)
        self._peer = PeerView(self._wants, self._heads)
        self._opening: OpeningV1 | OpeningV2 = (
            OpeningV1(self._peer, self._wants, self._clock_of(None)) if version < 2 else
            OpeningV2(self._peer, self._wants, self._clock_of))
        self._said_ready = version < 2  # version 1 says it in start()
        self._later_wants: set[bytes] = set()  # want_more before we said "ready"
        self._pending: dict[bytes, int] = {}  # device -> seq the peer should reach
        self._initial: set[bytes] | None = None  # devices pending at the peer's "ready"
        self._said_caught_up = False
        self._peer_said_hello = False
        self.peer_ready = False
        self.peer_caught_up = False
        self.live = live
        self.outbox: list[bytes] = []
        self._asked_again: dict[bytes, int] = {}  # device -> resend ("need") up to here

    @property
    def _peer_heads(self) -> dict[bytes, int]:
        return self._peer.heads

    # --- what we say -------------------------------------------------------------

    def start(self) -> list[bytes]:
        """The opening frames this side says before hearing anything."""
        return [m.encode(m.Hello(self.version)), *self._opening.start()]

    def take_outbox(self) -> list[bytes]:
        """Frames to send now, in answer to what the peer said."""
        out, self.outbox = self.outbox, []
        return out

    def _clock_of(self, accounts: set[bytes] | None) -> list[tuple[bytes, int]]:
        """(device, sendable head) of our logs of ``accounts`` (None: of all)."""
        return [(d, self._sendable(d)) for d in self._heads
                if accounts is None or self._accounts.get(d) in accounts]

    def forked(self, fork: Fork, *, from_peer: bool = False) -> list[bytes]:
        """A log is frozen below ``fork.seq`` (we learned it now, or the peer told us
        when ``from_peer``): nothing at or after the fork is sent from now on. Returns
        the frames that tell the peer, if it does not know yet."""
        device = fork.device
        if device not in self._proofs or fork.seq < self._proofs[device].seq:
            self._proofs[device] = fork
        self._freeze(device, fork.seq)  # a revocation may have ended it earlier already
        if from_peer:
            self._peer_knows[device] = min(fork.seq, self._peer_knows.get(device, fork.seq))
            return []
        return self._fork_frames([self._proofs[device]])

    def _fork_frames(self, proofs: list[Fork]) -> list[bytes]:
        """Frames with the proofs the peer has not been told, of logs of accounts it
        replicates with us (version 2 only; none before we know which those are: a
        proof of a log the peer does not carry is nothing to it but a frame to pay
        for)."""
        if self.version < 2 or not self._knows_common_wants():
            return []
        new = [p for p in proofs if p.seq < self._peer_knows.get(p.device, p.seq + 1)
               and self._accounts.get(p.device) in self._peer.wants]
        for proof in new:
            self._peer_knows[proof.device] = proof.seq
        return [m.encode(m.Forks(tuple(p.to_wire() for p in new[i:i + m.MAX_FORKS])))
                for i in range(0, len(new), m.MAX_FORKS)]

    def revoked(self, wire: bytes, *, from_peer: bool = False) -> list[bytes]:
        """We hold the revocation ``wire`` now (checked and stored by the node; the
        peer sent it when ``from_peer``). Returns the frames that tell the peer, if it
        does not know yet and replicates the account it names."""
        account = claimed_account(wire)
        if account is None:
            return []
        self._revocations.setdefault(wire, account)
        if from_peer:
            self._peer_revoked.add(wire)
            return []
        return self._revocation_frames([wire])

    def _revocation_frames(self, wires: Iterable[bytes]) -> list[bytes]:
        """Frames with the revocations the peer has not been told, of accounts it
        replicates with us (version 3 only; none before we know which those are)."""
        if self.version < 3 or not self._knows_common_wants():
            return []
        new = [w for w in dict.fromkeys(wires) if w not in self._peer_revoked
               and self._revocations.get(w) in self._peer.wants]
        self._peer_revoked.update(new)
        return [m.encode(m.Revocations(tuple(new[i:i + m.MAX_REVOCATIONS])))
                for i in range(0, len(new), m.MAX_REVOCATIONS)]

    def ended(self, device: bytes, last_seq: int) -> None:
        """A revocation the node checked ends ``device``'s log at ``last_seq`` here
        (store/revocations.py): nothing after it is sent, as after a fork. The peer is
        told by the revocation itself (version 3), not by a proof."""
        self._freeze(device, last_seq + 1)

    def refusals_changed(self, refused: Collection[bytes], allowed: Collection[bytes],
                         ) -> tuple[list[bytes], list[bytes]]:
        """store/refusals.py cut the logs of the ``refused`` accounts to their
        certificates: nothing more of them is sent (as after a fork); the ``allowed``
        ones came back: the peer is asked for all but their certificates again. The
        frames to send, and the devices asked for again."""
        back = []
        for device, account in self._accounts.items():
            if account in refused:
                self._freeze(device, 2)
            elif account in allowed:
                back.append(device)
        return self.need_frames((device, 1) for device in back), back

    def _freeze(self, device: bytes, seq: int) -> None:
        if seq < self._frozen.get(device, seq + 1):
            self._frozen[device] = seq
            if device in self._pending:
                self._pending[device] = min(self._pending[device], seq - 1)
                if self._pending[device] <= self._peer_heads.get(device, 0):
                    del self._pending[device]

    def _sendable(self, device: bytes) -> int:
        """The highest seq of ``device``'s log that may be sent: below a fork."""
        head = self._heads.get(device, 0)
        frozen = self._frozen.get(device)
        return head if frozen is None else min(head, frozen - 1)

    def want_more(self, accounts: Iterable[bytes]) -> list[bytes]:
        """Frames that tell the peer about accounts we now replicate too (held back
        until our opening is said: they are mid-session news for the peer)."""
        new = set(accounts) - self._wants
        self._wants.update(new)
        if not self._said_ready:
            self._later_wants |= new
            return []
        return self._wants_frames(new)

    def _wants_frames(self, accounts: set[bytes]) -> list[bytes]:
        if not accounts:
            return []
        frames = [m.encode(m.Wants(chunk)) for chunk in chunks(sorted(accounts))]
        if self.version >= 2:  # how far we hold them, so the peer can send us the rest
            frames += [m.encode(m.Clock(chunk)) for chunk in chunks(sorted(
                self._clock_of(accounts)))]
        return frames

    def need_frames(self, heads: Iterable[tuple[bytes, int]]) -> list[bytes]:
        """Frames that ask the peer to send these logs again after the given seqs."""
        return [m.encode(m.Need(chunk)) for chunk in chunks(sorted(set(heads)))]

    def peer_holds(self, device: bytes, seq: int) -> None:
        """The peer holds ``device``'s log up to ``seq``: never send it those."""
        self._peer.holds(device, seq)

    def take_said(self) -> dict[bytes, int]:
        """Heads of logs we hold that the peer said it holds (its clock: in the opening,
        and later) since the last call; never what we merely sent it."""
        said, self._peer.said = self._peer.said, {}
        return said

    def ack_frame(self, device: bytes) -> bytes | None:
        """A "clock" frame telling the peer how far we hold ``device``'s log now (the
        edge sends it when the peer's own log grew here: the peer learns that its
        entries reached us; store/holders.py). None before our opening is said."""
        if not self._said_ready or device not in self._heads:
            return None
        return m.encode(m.Clock(((device, self._sendable(device)),)))

    def next_range(self, limit: int = 1000) -> Range | None:
        """The next run to send (at most ``limit`` entries), or None when nothing is
        pending. The run counts as held by the peer from now on."""
        for device, target in list(self._pending.items()):
            after = self._peer_heads.get(device, 0)
            upto = min(target, after + limit)
            self._peer.holds(device, upto)
            if upto >= target:
                del self._pending[device]
            if upto > after:
                mark = self._asked_again.get(device, 0)
                if mark <= upto:  # the resend ends in this range (or there is none)
                    self._asked_again.pop(device, None)
                return Range(device, after, upto, max(0, min(upto, mark) - after))
        return None

    def put_back(self, rng: Range, sent_upto: int) -> None:
        """Only ``rng.after + 1 .. sent_upto`` of a range went out: the rest is pending
        again (a sender that reads a little at a time, see sync.py)."""
        if sent_upto >= rng.upto:
            return
        self._peer.heads[rng.device] = sent_upto
        self._pending[rng.device] = max(self._pending.get(rng.device, 0), rng.upto)
        if rng.after + rng.again > sent_upto:  # the rest of a resend is still owed
            self._asked_again[rng.device] = max(self._asked_again.get(rng.device, 0),
                                                rng.after + rng.again)

    def entries_frames(self, rows: Sequence[tuple[bytes, bytes | None]]) -> Iterator[bytes]:
        """(signed header, body) rows of one run as frames that respect the peer's caps."""
        batch: list[tuple[bytes, bytes | None]] = []
        size = 16
        for header, body in rows:
            cost = len(header) + len(body or b"") + 16
            if batch and (len(batch) == m.MAX_ITEMS or size + cost > m.MAX_FRAME):
                yield m.encode(m.Entries(tuple(batch)))
                batch, size = [], 16
            batch.append((header, body))
            size += cost
        if batch:
            yield m.encode(m.Entries(tuple(batch)))

    def caught_up_frame(self) -> bytes | None:
        """"caught_up", once, when every range pending at the peer's "ready" is sent."""
        if self._initial is None or self._said_caught_up:
            return None
        if self._initial & self._pending.keys():
            return None
        self._said_caught_up = True
        return m.encode(m.CaughtUp())

    # --- what happens -------------------------------------------------------------

    def local_added(self, device: bytes, account: bytes, seq: int) -> None:
        """Our store now holds ``device``'s log up to ``seq``."""
        if seq > self._heads.get(device, 0):
            self._heads[device] = seq
        self._accounts[device] = account
        if self.peer_ready and self.live:
            self._schedule(device)

    def receive(self, frame: bytes) -> list[Event]:
        """Events from one frame of the peer (and frames to say in ``outbox``)."""
        message = m.decode(frame)
        if not self._peer_said_hello:
            if not isinstance(message, m.Hello):
                raise ProtocolError("the first frame must be hello")
            if message.version != self.version:
                raise ProtocolError(f"sync protocol version {message.version} on a stream "
                                    f"negotiated for version {self.version}")
            self._peer_said_hello = True
            return []
        newer = (m.V2_ONLY + m.V3_ONLY if self.version < 2 else
                 m.V3_ONLY if self.version < 3 else ())
        if isinstance(message, newer):
            raise ProtocolError(f"{type(message).__name__.lower()} is not part of sync "
                                f"protocol version {self.version}")
        match message:
            case m.Hello():
                raise ProtocolError("hello twice")
            case m.Forks(proofs):
                for proof in proofs:  # never tell the peer what it told us (a lie about
                    if claim := forks.claimed(proof):  # it only keeps news from itself)
                        device, seq = claim
                        self._peer_knows[device] = min(seq, self._peer_knows.get(device, seq))
                return [ForksReceived(proofs)]
            case m.Revocations(wires):  # never tell the peer what it told us
                self._peer_revoked.update(w for w in wires if w in self._revocations)
                return [RevocationsReceived(wires)]
            case m.Ping():
                return []
            case m.Entries(items):
                # bodies are hashed once, by Store.ingest's verify_run, not here as well
                entries = [entry_mod.parse(header, body, verify_body=False)
                           for header, body in items]
                for item in entries:  # the peer holds what it sends: never echo it back
                    self._peer.holds(item.device, item.seq)
                return [Received(entries)]
        if not self._opening.done:
            return self._opening_step(message)
        match message:
            case m.Wants(accounts):
                new = self._peer.want(accounts)
                self.outbox += self._revocation_frames(  # ahead of their entries
                    w for w, a in self._revocations.items() if a in new)
                if self.version >= 2:  # how far we hold them, so the peer can send us
                    self.outbox += [m.encode(m.Clock(chunk)) for chunk in chunks(sorted(
                        self._clock_of(new)))]
                self._schedule_all()
            case m.Clock(heads):  # the heads of newly wanted logs, or (version 2) of the
                for device, seq in heads:  # peer's own log, which grew here: its word
                    self._peer.says(device, seq)
                if self.live:  # (a clock only lowers what is owed; with live=False, a
                    self._schedule_all()  # clock must not push what nobody asked for)
            case m.CaughtUp():
                if self.peer_caught_up:
                    raise ProtocolError("caught_up twice")
                self.peer_caught_up = True
                return [PeerCaughtUp()]
            case m.Need(heads):
                again = 0
                for device, seq in heads:  # the peer lacks what follows: send it again
                    held = min(self._peer_heads.get(device, 0), self._sendable(device))
                    if held > seq:
                        again += held - seq
                        self._asked_again[device] = max(held, self._asked_again.get(device, 0))
                    if device in self._heads:
                        self._peer_heads[device] = seq
                        self._schedule(device)
                return [ResendAsked(again)] if again else []
            case _:
                raise ProtocolError(f"{type(message).__name__.lower()} after ready")
        return []

    def _knows_common_wants(self) -> bool:
        return self._opening.done or (isinstance(self._opening, OpeningV2)
                                      and self._opening.peer_wanted)

    def _opening_step(self, message: m.Message) -> list[Event]:
        knew = self._knows_common_wants()
        frames = self._opening.receive(message)
        if not knew and self._knows_common_wants():  # what the peer can use, first:
            frames = (self._revocation_frames(list(self._revocations))  # revocations,
                      + self._fork_frames(list(self._proofs.values()))  # proofs, then
                      + frames)  # the next step of the opening (our clock follows it)
        if frames and frames[-1] == _READY:
            self._said_ready = True
            frames += self._wants_frames(self._later_wants)
            self._later_wants = set()
        self.outbox += frames
        if not self._opening.done:
            return []
        self.peer_ready = True
        self._schedule_all()
        self._initial = set(self._pending)
        return [PeerReady()]

    def _schedule_all(self) -> None:
        if self.peer_ready:
            for device in self._heads:
                self._schedule(device)

    def _schedule(self, device: bytes) -> None:
        if self._accounts.get(device) not in self._peer.wants:
            return
        head = self._sendable(device)
        if head > self._peer_heads.get(device, 0) and head > self._pending.get(device, 0):
            self._pending[device] = head


_READY = m.encode(m.Ready())
