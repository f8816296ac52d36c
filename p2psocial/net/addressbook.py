"""What the network service knows about each peer, and its two small policies.

No I/O and no libp2p here: plain values in, plain values out, so the rules can be
read and tested alone. The service (known_peers.py) keeps one ``PeerState`` per known
device, applies these transitions, and writes the changed fields to the store's
address book (``Replica.update_peer``).

* **Backoff**: after ``n`` failed dials in a row, wait ``base * 2**(n-1)`` seconds,
  at most ``cap``, times a random factor in [0.5, 1) so that many nodes restarted at
  once do not redial in step. After a session ends, wait about ``base`` before
  dialing again.
* **Standing**: an integer, 0 for a new peer. A session that ends with both sides
  caught up adds a little (up to ``best``); a peer that sends something invalid
  (``PeerMisbehaved``: a bad frame, a forged signature, a broken chain) loses
  ``misbehaved``. Below ``ban_below`` the peer is banned for ``ban_ms``: its
  connection is closed, it is not dialed, and its streams are refused. When the ban
  ends the peer is on probation: its standing is set to ``after_ban``, so one more
  offence bans it again. Honest software never sends invalid entries (it verifies
  what it relays), so two offences are enough; one is not, in case of a bug.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field

from ..store.store import PeerRecord


@dataclass(frozen=True, slots=True)
class Backoff:
    base: float = 1.0  # seconds
    cap: float = 300.0

    def delay(self, failures: int, rng: random.Random) -> float:
        """Seconds to wait before the next dial after ``failures`` failed ones in a row."""
        raw = min(self.cap, self.base * 2.0 ** max(0, min(failures - 1, 30)))
        return raw * (0.5 + rng.random() / 2)


@dataclass(frozen=True, slots=True)
class StandingPolicy:
    misbehaved: int = -30
    good_session: int = 5
    best: int = 50
    worst: int = -100
    ban_below: int = -50
    ban_ms: int = 10 * 60 * 1000
    after_ban: int = -30


@dataclass(slots=True)
class PeerState:
    """One known peer, as the service sees it now. Times in ms since the epoch."""

    device: bytes
    addrs: tuple[str, ...] = ()
    source: str = "peer"
    last_seen: int | None = None
    last_ok: int | None = None
    failures: int = 0
    standing: int = 0
    banned_until: int | None = None
    connected: bool = False
    dialing: bool = False
    sessions: int = 0  # sessions started since the service started
    last_error: str | None = None
    next_dial: float = field(default=0.0, repr=False)  # trio time; service-internal

    @classmethod
    def from_record(cls, record: PeerRecord) -> PeerState:
        return cls(record.device, record.addrs, record.source, record.last_seen,
                   record.last_ok, record.failures, record.standing, record.banned_until)

    def banned(self, now: int) -> bool:
        return self.banned_until is not None and now < self.banned_until

    def state(self, now: int) -> str:
        if self.connected:
            return "connected"
        if self.banned(now):
            return "banned"
        if self.dialing:
            return "dialing"
        return "known"

    # --- transitions (each returns the fields to persist) -------------------------

    def lift_expired_ban(self, now: int, policy: StandingPolicy) -> dict[str, int | None]:
        if self.banned_until is None or now < self.banned_until:
            return {}
        self.banned_until = None
        self.standing = policy.after_ban  # probation: one more offence bans again
        return {"banned_until": None, "standing": self.standing}

    def session_started(self, now: int) -> dict[str, int | None]:
        self.connected = True
        self.dialing = False
        self.sessions += 1
        self.last_seen = self.last_ok = now
        self.failures = 0
        self.last_error = None
        return {"last_seen": now, "last_ok": now, "failures": 0}

    def session_ended(self, now: int, policy: StandingPolicy, *,
                      good: bool) -> dict[str, int | None]:
        self.connected = False
        self.last_seen = now
        fields: dict[str, int | None] = {"last_seen": now}
        if good and self.standing < policy.best:
            self.standing = min(policy.best, self.standing + policy.good_session)
            fields["standing"] = self.standing
        return fields

    def dial_failed(self, error: str) -> dict[str, int | None]:
        self.dialing = False
        self.failures += 1
        self.last_error = error
        return {"failures": self.failures}

    def misbehaved(self, now: int, policy: StandingPolicy) -> dict[str, int | None]:
        """Lower the standing; ban when it falls below the threshold."""
        self.standing = max(policy.worst, self.standing + policy.misbehaved)
        fields: dict[str, int | None] = {"standing": self.standing}
        if self.standing < policy.ban_below:
            self.banned_until = now + policy.ban_ms
            fields["banned_until"] = self.banned_until
        return fields


@dataclass(slots=True)
class PeerSnapshot(PeerState):
    """What ``peers()`` returns: a ``PeerState`` copy, whether the device is announced
    on the LAN right now (mDNS), and the progress of the session with it, if any:
    entries received and sent so far, and whether both sides are caught up."""

    nearby: bool = False
    received: int = 0
    sent: int = 0
    caught_up: bool = False

    @classmethod
    def of(cls, state: PeerState, *, nearby: bool, received: int, sent: int,
           caught_up: bool) -> PeerSnapshot:
        fields = asdict(state)
        next_dial = fields.pop("next_dial")
        snap = cls(**fields, nearby=nearby, received=received, sent=sent, caught_up=caught_up)
        snap.next_dial = next_dial
        return snap


BACKOFF = Backoff()
STANDING = StandingPolicy()
"""The default policies: the service's, and ``sync --once``'s standing."""


def keeps_new_session(existing_initiator: bytes, new_initiator: bytes) -> bool:
    """Two sync sessions with one peer (both sides dialed at once): keep the one opened
    by the lower device id. Both sides apply the same rule, so they keep the same
    stream. Two sessions opened by the same side: the newer one wins (the older one's
    connection is usually dead and not noticed yet)."""
    if existing_initiator == new_initiator:
        return True
    return new_initiator < existing_initiator
