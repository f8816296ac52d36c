"""Friends and strangers: what a peer may cost this node depends on who it is (pure).

Theory of operation. Identities are free, so anything a node gives "per peer" to
anyone who asks, an attacker can have a thousand times. A *friend* is a device
whose log this node holds and whose account it replicates (its own devices, the
accounts it follows, two hops out, its communities): making one takes somebody this
node chose to follow, or a place on a community's roster. Everyone else is a
*stranger*: a new person who just used our invite, a neighbour on the LAN, an
attacker. Strangers are served, but as a class:

* **sessions**: at most ``max_sessions`` stranger sessions at once. One more evicts
  the stranger that brought us least (fewest entries stored from it, then the
  oldest), so a crowd of idle identities cannot lock a new honest one out;
* **bytes sent**: all stranger sessions share one send budget
  (``limits.STRANGER_SEND``), while each friend has its own (``FRIEND_SEND``);
* **memory of them**: a stranger's address-book row is forgotten when its session
  ends, unless it misbehaved (then it is kept, to ban it at a second offence, among
  the ``MISBEHAVED_ROWS`` most recently seen) or was met through an invite or on the
  LAN.

``Acquaintances`` keeps the set of friends from the node's logs and policy;
``pick_eviction`` chooses which stranger session gives way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MAX_STRANGER_SESSIONS = 32
"""Sessions with strangers at once (each costs a few hundred KB at most: session.py)."""


@dataclass(frozen=True, slots=True)
class StrangerSession:
    device: bytes
    started: float  # trio time
    received: int  # entries stored from it so far


class Acquaintances:
    """Which devices are friends: those of logs we hold of accounts we replicate."""

    def __init__(self) -> None:
        self._wanted: frozenset[bytes] = frozenset()
        self._accounts: dict[bytes, bytes] = {}  # device -> account, of logs held
        self.friends: set[bytes] = set()

    def update(self, wanted: Iterable[bytes], logs: Iterable[tuple[bytes, bytes, int]]) -> None:
        """The accounts we replicate now, and (device, account, head) of every log."""
        self._wanted = frozenset(wanted)
        self._accounts = {d: a for d, a, _ in logs}
        self.friends = {d for d, a in self._accounts.items() if a in self._wanted}

    def learned(self, device: bytes, account: bytes) -> None:
        """We now hold a log of ``device`` (of ``account``)."""
        self._accounts[device] = account
        if account in self._wanted:
            self.friends.add(device)

    def is_friend(self, device: bytes) -> bool:
        return device in self.friends

    def account_of(self, device: bytes) -> bytes | None:
        return self._accounts.get(device)


def pick_eviction(sessions: Iterable[StrangerSession]) -> bytes | None:
    """The stranger session to end for a new one: the one that brought least."""
    chosen = min(sessions, key=lambda s: (s.received, s.started), default=None)
    return None if chosen is None else chosen.device


def forgettable(source: str, addrs: tuple[str, ...], standing: int) -> bool:
    """Whether a stranger's address-book row may go when its session ends: it came to
    us (source "peer"), we know no address to dial it back, and it never misbehaved
    (a row that remembers an offence stays, so that a second one bans it; at most
    ``MISBEHAVED_ROWS`` such rows are kept, the most recently seen)."""
    return source == "peer" and not addrs and standing >= 0


MISBEHAVED_ROWS = 1024
"""Address-book rows of strangers that misbehaved, kept to remember their standing."""
