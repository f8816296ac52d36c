"""Flood limits for the sync protocol: how much a peer may send that brings nothing.

Theory of operation. Rate limits on everything a peer sends would slow the one
thing that matters, an initial sync of many new entries; and they are not needed
for it: the receiver reads the next frame only after the last one is verified and
stored, so an honest peer can never make us work faster than verification goes.
What a flooder can do is send frames that cost us work and bring nothing. So every
frame from the peer is sorted into one of two heaps:

* **free**: entries that are new to us and that we replicate; entries we learned
  from someone else after telling this peer our clock (in a mesh every entry
  arrives once per neighbour: honest duplicates, but each (log, seq) can come from a
  peer only once per session, see below, so they are bounded by real traffic); the
  peer's opening (hello, wants, clock, ready) up to ``opening_bytes``; the first
  "caught_up".
* **waste**, charged in bytes (at least ``frame_cost`` per frame) to a token bucket
  that refills at ``waste_rate`` up to ``waste_burst``: entries at or below what this
  peer knows we hold (our clock, or what it already sent us in this session: an
  honest sender never resends those), entries of accounts we did not ask for, entries
  after a gap, entries of a forked log at or after its fork (forks.py), wants, clock
  and forks frames after the opening, repeated "caught_up". The entries among these
  are dropped before verification: nothing of them is stored.

When the bucket is empty the receiver raises ``PeerMisbehaved("flood: …")`` and the
service lowers the peer's standing, as for any other bad frame; twice is a ban.

No I/O, no clock reads: ``now`` (seconds, any monotonic origin) is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .. import content
from ..content import Kind
from ..entry import Entry
from ..errors import InvalidEntry


@dataclass(frozen=True, slots=True)
class FloodPolicy:
    waste_rate: float = 256 * 1024  # bytes per second of waste, sustained
    waste_burst: float = 8 * 1024 * 1024  # bytes of waste at once
    frame_cost: int = 64 * 1024  # the least a frame costs: a tiny frame costs the
    # receiver ~0.4 ms of CPU in py-libp2p whatever its size (4 a second sustained)
    opening_bytes: int = 8 * 1024 * 1024  # hello, wants, clock before "ready" (~200k logs)
    resend_rate: float = 200.0  # entries per second a peer may ask again ("need")
    resend_burst: float = 20_000.0  # entries it may ask again at once
    resend_bytes_rate: float = 64 * 1024  # bytes per second it may make us send again
    resend_bytes_burst: float = 8 * 1024 * 1024  # bytes it may make us send again at once


FLOOD = FloodPolicy()


@dataclass(frozen=True, slots=True)
class SendPolicy:
    """How fast a node sends entries to a peer: a token bucket of bytes. The sender
    waits when it is empty (it slows down; nobody is punished). Friends (peers whose
    account we replicate) get one each; strangers share one among them all, so that
    free identities do not multiply it (live_sessions.py)."""

    rate: float  # bytes per second, sustained
    burst: float  # bytes at once
    chunk: int  # bytes read from the store at a time: what a waiting sender holds


FRIEND_SEND = SendPolicy(rate=16 * 1024 * 1024, burst=64 * 1024 * 1024, chunk=1024 * 1024)
STRANGER_SEND = SendPolicy(rate=96 * 1024, burst=4 * 1024 * 1024, chunk=256 * 1024)
"""Strangers together: at most 4 MiB + 5.6 MiB a minute, ~9.6 MiB in the first one."""


class Flooded(InvalidEntry):
    """The peer has sent more waste than its budget allows (an ``InvalidEntry``: the
    session's owner treats it like any other bad input)."""


class TokenBucket:
    """``burst`` tokens at most, ``rate`` more per second."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self._at = now

    def take(self, amount: float, now: float) -> bool:
        """Take ``amount`` tokens if there are that many; False (taking none) if not."""
        self._refill(now)
        if amount > self.tokens:
            return False
        self.tokens -= amount
        return True

    def wait(self, amount: float, now: float) -> float:
        """Seconds until ``amount`` tokens (at most ``burst``) will be there."""
        self._refill(now)
        return max(0.0, min(amount, self.burst) - self.tokens) / self.rate

    def _refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self._at) * self.rate)
        self._at = max(self._at, now)


@dataclass(frozen=True, slots=True)
class Screened:
    fresh: list[Entry]  # worth verifying and storing
    waste: int  # bytes of what was dropped


class FloodGuard:
    """The flood limit of one session, seen from the receiving side."""

    def __init__(self, *, declared: Mapping[bytes, int], accounts: Mapping[bytes, bytes],
                 wants: Iterable[bytes], now: float, policy: FloodPolicy = FLOOD) -> None:
        """``declared``: the clock we sent the peer (device -> seq); ``accounts``: device
        -> account of every log we hold; ``wants``: the accounts we asked for."""
        self.policy = policy
        self._high = dict(declared)  # device -> the highest seq the peer knows we hold
        self._accounts = dict(accounts)
        self._wants = set(wants)
        self._bucket = TokenBucket(policy.waste_rate, policy.waste_burst, now)
        self._resends = TokenBucket(policy.resend_rate, policy.resend_burst, now)
        self._resent = TokenBucket(policy.resend_bytes_rate, policy.resend_bytes_burst, now)
        self._opening = policy.opening_bytes
        self._caught_up = False
        self._frozen: dict[bytes, int] = {}  # device -> seq it forked at

    def learned(self, device: bytes, account: bytes) -> None:
        """We now hold a log of ``device`` (from anyone)."""
        self._accounts[device] = account

    def wants_more(self, accounts: Iterable[bytes]) -> None:
        """We asked the peer for more accounts mid-session ("wants" again)."""
        self._wants.update(accounts)

    def frozen(self, device: bytes, seq: int) -> None:
        """``device``'s log forked at ``seq``: what the peer sends of it from there on
        is dropped unverified and is waste (once we told it; until then, at most a
        batch or two of an honest peer that did not know)."""
        if seq < self._frozen.get(device, seq + 1):
            self._frozen[device] = seq

    def resend_after(self, device: bytes, seq: int) -> None:
        """We asked the peer to send ``device``'s log again after ``seq`` ("need")."""
        if seq < self._high.get(device, 0):
            self._high[device] = seq

    def screen(self, entries: Sequence[Entry]) -> Screened:
        """Split an entries frame into what is worth ingesting and what is waste."""
        fresh: list[Entry] = []
        waste = 0
        for item in entries:
            known = self._high.get(item.device, 0)
            if (item.seq <= known or not self._wanted(item)
                    or item.seq >= self._frozen.get(item.device, item.seq + 1)):
                waste += len(item.raw) + len(item.body or b"")
                continue
            self._high[item.device] = item.seq  # an honest peer sends each seq once
            fresh.append(item)
        return Screened(fresh, waste)

    def gaps(self, fresh: Sequence[Entry], missing: Mapping[bytes, int]) -> int:
        """Bytes of the screened entries that ingest could not use because they come
        after a gap (``IngestResult.missing``: device -> first seq we lack)."""
        return sum(len(e.raw) + len(e.body or b"") for e in fresh
                   if e.seq >= missing.get(e.device, e.seq + 1))

    def charge(self, waste: int, now: float, what: str) -> None:
        """Charge ``waste`` bytes (at least one frame's cost); ``Flooded`` when the
        budget is spent."""
        if not self._bucket.take(max(waste, self.policy.frame_cost), now):
            raise Flooded(f"flood: too much that brings nothing ({what})")

    def resend(self, entries: int, now: float) -> None:
        """The peer asked for ``entries`` entries again ("need"): an honest peer does
        after a gap in gossip, a few at a time; one that asks for everything, again
        and again, makes us send for nothing (``Flooded`` when over budget)."""
        if not self._resends.take(entries, now):
            raise Flooded("flood: asks for the same entries again and again")

    def resent(self, size: int, now: float) -> None:
        """We are about to send ``size`` bytes again because the peer asked ("need"):
        the same limit in bytes, so that large entries cannot make it worth asking."""
        if not self._resent.take(size, now):
            raise Flooded("flood: asks for the same entries again and again")

    def control(self, size: int, now: float, *, opening: bool) -> None:
        """A wants, clock or hello frame of ``size`` bytes: free within the opening
        allowance (before the peer's "ready"), waste after it."""
        cost = max(size, self.policy.frame_cost)
        if opening and cost <= self._opening:
            self._opening -= cost
            return
        self.charge(size, now, "wants or clock")

    def caught_up(self, now: float) -> None:
        """The peer said "caught_up": once per session is free."""
        if self._caught_up:
            self.charge(0, now, "caught_up again")
        self._caught_up = True

    def _wanted(self, item: Entry) -> bool:
        account = self._accounts.get(item.device)
        if account is None and item.seq == 1:
            account = _claimed_account(item)
            if account is None:
                return True  # let ingest reject the broken certificate, as it should
            if account in self._wants:
                self._accounts[item.device] = account  # verified by ingest, or the
        return account in self._wants  # session ends


def _claimed_account(first: Entry) -> bytes | None:
    """The account a log's first entry claims (not verified here), or None."""
    if first.kind != Kind.DEVICE or first.body is None:
        return None
    try:
        value = content.decode_body(first.kind, first.body)
    except InvalidEntry:
        return None
    return value.cert.account if isinstance(value, content.DeviceAnnouncement) else None
