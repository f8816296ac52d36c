"""Live gossip without I/O: topics, the message format, what a message is worth, pacing.

Theory of operation. Every account has a topic (``topic_of``); a node subscribes to
its own account's topic and to those of the accounts it follows directly, and
publishes its own device's entries on its account's topic. A message is one run of
one log, in order, as canonical msgpack::

    (VERSION, ((signed header, body|nil), ...))

A contiguous run is authenticated by its hash links and the signature of its last
header (``entry.verify_run``), so checking a message costs one signature whatever its
length. ``judge`` is the whole validation rule, run before a message is forwarded (the cheap
checks first, the signature last):

* ``Reject(misbehaved=True)``: bytes that do not decode, entries that do not parse,
  a run that is not contiguous or whose signature fails, a log published on another
  account's topic, a message on several topics. Honest nodes validate what they
  forward with this same rule, so the peer that forwarded it is at fault.
* ``Reject(misbehaved=False)``: an entry of an account we block (honest peers may
  not block it).
* ``Ignore``: an account we do not replicate, a log we cannot place (an unknown
  device after its first entry), or a run that reaches past the fork of a forked log
  (forks.py: its author signed two histories): not forwarded, nobody's fault.
* ``Accept``: verified, and replicated here.

``Pacer`` keeps publishing within py-libp2p's spam limit (messages per second per
peer and topic, counting our own): a token bucket of ``burst`` messages refilled at
``rate`` per second; while it is empty, new entries wait and leave together in the
next message, so a burst of writes becomes a few messages carrying runs. In any one
second at most ``burst + rate`` messages go out, well under ``SPAM_LIMIT``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from .. import codec
from .. import content as c
from .. import entry as entry_mod
from ..entry import BODY_CAP, HEADER_CAP, Entry
from ..errors import InvalidEntry, MalformedEntry

VERSION = 1
TOPIC_PREFIX = "p2ps/acct/1/"
SOFT_CAP = 64 * 1024  # a message grows up to this; one entry alone may be larger
DATA_CAP = SOFT_CAP + BODY_CAP + 2 * HEADER_CAP  # what a receiver decodes at most
MAX_RUN = 1024  # entries in one message
CAPS = codec.Caps(max_bytes=DATA_CAP, max_bin=max(BODY_CAP, HEADER_CAP), max_str=0,
                  max_array=MAX_RUN, max_depth=3)
RATE = 5.0  # own messages per second, sustained
BURST = 5.0  # own messages at once after a quiet spell
SPAM_LIMIT = 25  # py-libp2p's per peer and topic limit on every node (ours is the config)


class BadGossip(MalformedEntry):
    """A gossip message that breaks the format."""


# --- topics --------------------------------------------------------------------------


def topic_of(account: bytes) -> str:
    return TOPIC_PREFIX + account.hex()


def account_of_topic(topic: str) -> bytes | None:
    """The account a topic carries, or None if it is not one of our topics."""
    if not topic.startswith(TOPIC_PREFIX) or len(topic) != len(TOPIC_PREFIX) + 64:
        return None
    try:
        return bytes.fromhex(topic[len(TOPIC_PREFIX):])
    except ValueError:
        return None


# --- the message format --------------------------------------------------------------


def encode_run(rows: Sequence[tuple[bytes, bytes | None]],
               soft_cap: int = SOFT_CAP) -> tuple[bytes, int]:
    """The message for the first rows of a run (stored (header, body) rows, in order)
    that fit in ``soft_cap`` bytes (at least one), and how many rows it holds."""
    if not rows:
        raise ValueError("a message carries at least one entry")
    size, count = 16, 0
    for header, body in rows[:MAX_RUN]:
        cost = len(header) + len(body or b"") + 8
        if count and size + cost > soft_cap:
            break
        size += cost
        count += 1
    return codec.encode((VERSION, tuple(rows[:count]))), count


def decode_run(data: bytes) -> list[Entry]:
    """The entries of a message: decoded with caps, parsed, one log, contiguous and in
    order (not yet verified), or ``InvalidEntry``."""
    wire = codec.decode(data, CAPS)
    if (type(wire) is not tuple or len(wire) != 2 or wire[0] != VERSION
            or type(wire[1]) is not tuple or not wire[1]):
        raise BadGossip("a gossip message is (version, non-empty run)")
    entries = []
    for item in wire[1]:
        if (type(item) is not tuple or len(item) != 2 or type(item[0]) is not bytes
                or not (item[1] is None or type(item[1]) is bytes)):
            raise BadGossip("a run holds (header, body or nil) pairs")
        entries.append(entry_mod.parse(item[0], item[1]))
    first = entries[0]
    for offset, item in enumerate(entries):
        if item.device != first.device or item.seq != first.seq + offset:
            raise BadGossip("a gossip message holds a contiguous run of one log")
    return entries


# --- what a message is worth ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Accept:
    account: bytes
    entries: list[Entry]


@dataclass(frozen=True, slots=True)
class Ignore:
    reason: str


@dataclass(frozen=True, slots=True)
class Reject:
    reason: str
    misbehaved: bool


Verdict = Accept | Ignore | Reject


def judge(topics: Sequence[str], data: bytes, *, account_of: Callable[[bytes], bytes | None],
          replicated: Collection[bytes], blocked: Collection[bytes],
          frozen: Mapping[bytes, int] | None = None) -> Verdict:
    """What one received message is worth (see the module docstring). ``account_of``:
    the account of a log we hold (device -> account), or None; ``frozen``: device ->
    the seq its log forked at."""
    if len(topics) != 1 or (topic_account := account_of_topic(topics[0])) is None:
        return Reject("a message on several topics or on a foreign topic", True)
    try:
        entries = decode_run(data)
        first = entries[0]
        account = account_of(first.device)
        if account is None and first.seq == 1:
            account = _certified_account(first)
        if account is None:
            return Ignore("a log we cannot place")
        if account != topic_account:
            return Reject("gossip: a log published on another account's topic", True)
        if account in blocked:
            return Reject("an account we block", False)
        if account not in replicated:
            return Ignore("an account we do not replicate")
        if frozen and entries[-1].seq >= frozen.get(first.device, entries[-1].seq + 1):
            return Ignore("a forked log")
        prev = first.header.prev  # None exactly at seq 1 (decode_header checks)
        after = None if prev is None else (first.seq - 1, prev)
        entry_mod.verify_run(entries, after)  # hash links + the last signature
    except InvalidEntry as exc:
        return Reject(f"gossip: {exc}", True)
    return Accept(account, entries)


def _certified_account(first: Entry) -> bytes:
    """The account that certified the device of a log's first entry."""
    if first.kind != c.Kind.DEVICE or first.body is None:
        raise BadGossip("a log starts with its device certificate")
    value = c.decode_body(first.kind, first.body)
    if not isinstance(value, c.DeviceAnnouncement) or value.cert.device != first.device:
        raise BadGossip("the certificate names another device")
    value.cert.verify()
    return value.cert.account


# --- pacing own publishes ------------------------------------------------------------


class Pacer:
    """When our own entries may be published, and which: a token bucket of messages,
    and the run of own entries not yet published. ``now`` is seconds, any origin."""

    def __init__(self, head: int, *, rate: float = RATE, burst: float = BURST,
                 now: float = 0.0) -> None:
        """``head``: the last own seq that needs no publishing (held before we ran)."""
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._at = now
        self._head = head
        self._next: int | None = None  # first own seq not yet published

    def added(self, seq: int) -> None:
        """Our log now holds ``seq`` (a new own entry)."""
        if seq <= self._head:
            return
        if self._next is None:
            self._next = seq
        self._head = seq

    def caught_up_to(self, head: int) -> None:
        """We may have missed events: everything after the last known head up to
        ``head`` needs publishing."""
        if head > self._head:
            self.added(self._head + 1)
            self._head = head

    def delay(self, now: float) -> float | None:
        """Seconds until the next message may go (0: now), or None if nothing waits."""
        if self._next is None:
            return None
        self._refill(now)
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    def take(self, now: float) -> tuple[int, int]:
        """Spend a message on what waits: (first, last) seq to read and publish. Call
        ``published`` with the last seq the message actually carried."""
        assert self._next is not None and self.delay(now) == 0.0
        self._tokens -= 1
        return self._next, self._head

    def published(self, last: int) -> None:
        assert self._next is not None
        self._next = None if last >= self._head else last + 1

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + max(0.0, now - self._at) * self.rate)
        self._at = max(self._at, now)
