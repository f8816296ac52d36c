"""The opening of a sync session: learning what the peer wants and holds (no I/O).

Theory of operation. Before either side sends entries, each must know which logs
the other wants and how far it holds them. Only logs of accounts that *both* sides
replicate travel (``PeerView.wants``): a node carries what it replicates itself, and
is asked for nothing else, so what a peer can make it remember of itself is bounded
by the node's own state, not by the peer's claims.

Version 1 says everything, every time: all wanted accounts, then the head of every
log held, then "ready". That is a third of a megabyte each way for a node with
10,000 logs, however little changed since the last session.

Version 2 says what differs, using summaries (summary.py):

1. each side sends a summary of the accounts it replicates ("wantsum");
2. on the peer's summary, it sends the accounts of the buckets that differ
   ("wants"), then "wanted". Now both know the same set of accounts both want;
3. on the peer's "wanted", it sends a summary of its clock over the logs of those
   accounts ("clocksum");
4. on the peer's clock summary, it sends the heads of the buckets that differ
   ("clock"), then "ready". Where the summaries agreed, the peer holds exactly what
   this side held when it summarised, and that is what it is taken to hold.

Two peers that are up to date exchange about 4 KiB, whatever they hold. Each step
waits for the peer's previous one, so the opening takes two round trips more than
version 1's; the ranges follow as in version 1 (session.py).

``OpeningV1`` and ``OpeningV2`` take the peer's opening messages in order and
return the frames to send; ``done`` once the peer is ready. Anything out of order is
a ``ProtocolError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from . import messages as m
from . import summary
from .messages import ProtocolError

UNKNOWN_HEADS = 1024
"""Heads of logs we do not hold that we remember of a peer, beyond 4 per account we
replicate: the peer may hold logs we lack, but only so many are of any use."""


class PeerView:
    """What this side knows of the peer: the accounts both replicate (``wants``) and
    how far the peer holds each log (``heads``).

    Bounded by our own state whatever the peer says: ``wants`` only ever holds
    accounts we replicate, ``heads`` the logs we hold and at most ``unknown_cap()``
    others (logs we may receive during the session)."""

    def __init__(self, own_wants: set[bytes], own_heads: Mapping[bytes, int]) -> None:
        self._own_wants = own_wants  # live: grows with want_more
        self._own_heads = own_heads  # live: grows with local_added
        self.wants: set[bytes] = set()
        self.heads: dict[bytes, int] = {}
        self.said: dict[bytes, int] = {}  # heads of logs we hold that the peer *said*
        self._unknown = 0                 # (its clock), until the edge takes them

    def want(self, accounts: Iterable[bytes]) -> set[bytes]:
        """The peer wants ``accounts``: those we replicate too, and are new."""
        new = {a for a in accounts if a in self._own_wants and a not in self.wants}
        self.wants |= new
        return new

    def holds(self, device: bytes, seq: int) -> None:
        """The peer holds ``device``'s log up to ``seq`` (kept if it can matter)."""
        known = self.heads.get(device)
        if known is None:
            if device not in self._own_heads:
                if self._unknown >= self.unknown_cap():
                    return
                self._unknown += 1
            self.heads[device] = seq
        elif seq > known:
            self.heads[device] = seq

    def says(self, device: bytes, seq: int) -> None:
        """The peer's own clock says it holds ``device``'s log up to ``seq``: unlike a
        run we sent it (``holds`` alone), this is the peer's word that it has it, which
        is what delivery states are made of (store/holders.py). Kept in ``said`` for
        logs we hold only (bounded by our state)."""
        self.holds(device, seq)
        if device in self._own_heads and seq > self.said.get(device, 0):
            self.said[device] = seq

    def unknown_cap(self) -> int:
        return 4 * len(self._own_wants) + UNKNOWN_HEADS


class OpeningV1:
    """Version 1: everything, every time."""

    def __init__(self, view: PeerView, wants: Iterable[bytes],
                 clock: Iterable[tuple[bytes, int]]) -> None:
        self._view = view
        self._wants = sorted(wants)
        self._clock = sorted(clock)
        self.done = False

    def start(self) -> list[bytes]:
        frames = [m.encode(m.Wants(chunk)) for chunk in chunks(self._wants)]
        frames += [m.encode(m.Clock(chunk)) for chunk in chunks(self._clock)]
        frames.append(m.encode(m.Ready()))
        return frames

    def receive(self, message: m.Message) -> list[bytes]:
        match message:
            case m.Wants(accounts):
                self._view.want(accounts)
            case m.Clock(heads):
                for device, seq in heads:
                    self._view.says(device, seq)
            case m.Ready():
                self.done = True
            case _:
                raise ProtocolError(f"{type(message).__name__.lower()} before ready")
        return []


class OpeningV2:
    """Version 2: summaries first, then only what differs (see the module docstring).

    ``clock_of(accounts)`` returns (device, sendable head) of every log held of those
    accounts, when this side summarises its clock."""

    def __init__(self, view: PeerView, wants: Iterable[bytes],
                 clock_of: Callable[[set[bytes]], Iterable[tuple[bytes, int]]]) -> None:
        self._view = view
        self._wants = frozenset(wants)  # as summarised; later wants go mid-session
        self._clock_of = clock_of
        self._wantsum = summary.summarise((a, 0) for a in self._wants)
        self._want_diff: frozenset[int] | None = None
        self._listed: set[bytes] = set()  # accounts the peer listed in differing buckets
        self._wanted = False
        self._snapshot: dict[bytes, int] | None = None  # our clock when summarised
        self._clocksum = b""
        self._clock_diff: frozenset[int] | None = None
        self.done = False

    @property
    def peer_wanted(self) -> bool:
        """The peer has said every account it wants: later "wants" are mid-session."""
        return self._wanted

    def start(self) -> list[bytes]:
        return [m.encode(m.WantSum(self._wantsum))]

    def receive(self, message: m.Message) -> list[bytes]:
        match message:
            case m.WantSum(digests) if self._want_diff is None:
                self._want_diff = summary.differing(self._wantsum, digests)
                mine = sorted(a for a in self._wants
                              if summary.bucket_of(a) in self._want_diff)
                return [*(m.encode(m.Wants(chunk)) for chunk in chunks(mine)),
                        m.encode(m.Wanted())]
            case m.Wants(accounts) if self._want_diff is not None and not self._wanted:
                if any(summary.bucket_of(a) not in self._want_diff for a in accounts):
                    raise ProtocolError("wants of a bucket whose summary agreed")
                self._listed.update(a for a in accounts if a in self._wants)
            case m.Wanted() if self._want_diff is not None and not self._wanted:
                self._wanted = True
                both = {a for a in self._wants if summary.bucket_of(a) not in self._want_diff}
                self._view.want(both | self._listed)
                self._listed.clear()
                self._snapshot = dict(self._clock_of(set(self._view.wants)))
                self._clocksum = summary.summarise(self._snapshot.items())
                return [m.encode(m.ClockSum(self._clocksum))]
            case m.ClockSum(digests) if self._snapshot is not None and self._clock_diff is None:
                self._clock_diff = summary.differing(self._clocksum, digests)
                heads = sorted(item for item in self._snapshot.items()
                               if summary.bucket_of(item[0]) in self._clock_diff)
                return [*(m.encode(m.Clock(chunk)) for chunk in chunks(heads)),
                        m.encode(m.Ready())]
            case m.Clock(heads) if self._clock_diff is not None:
                for device, seq in heads:
                    if summary.bucket_of(device) not in self._clock_diff:
                        raise ProtocolError("heads of a bucket whose summary agreed")
                    self._view.says(device, seq)
            case m.Ready() if self._clock_diff is not None:
                assert self._snapshot is not None
                for device, seq in self._snapshot.items():  # where the summaries agreed
                    if summary.bucket_of(device) not in self._clock_diff:  # (the peer's
                        self._view.says(device, seq)  # digest of its own clock matched)
                self._snapshot = None
                self.done = True
            case _:
                raise ProtocolError(f"{type(message).__name__.lower()} out of order "
                                    "in the opening")
        return []


def explicit(wants: Iterable[bytes] = (), clock: Iterable[tuple[bytes, int]] = ()
             ) -> list[bytes]:
    """A whole version 2 opening (after hello) that summarises nothing: summaries that
    match no bucket, then every wanted account and every head. Valid whatever the
    peer says, so it can be sent at once; what a peer that cannot summarise (a test,
    a tool) says."""
    nothing = b"\xff" * summary.SIZE
    return [m.encode(m.WantSum(nothing)),
            *(m.encode(m.Wants(chunk)) for chunk in chunks(sorted(wants))),
            m.encode(m.Wanted()), m.encode(m.ClockSum(nothing)),
            *(m.encode(m.Clock(chunk)) for chunk in chunks(sorted(clock))),
            m.encode(m.Ready())]


def chunks(items: Sequence) -> Iterator[tuple]:
    for start in range(0, len(items), m.MAX_ITEMS):
        yield tuple(items[start:start + m.MAX_ITEMS])
