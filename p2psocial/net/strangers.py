"""Sessions of strangers: how many at once, and which one gives way (pure).

Theory of operation. Identities are free, so anything a node gives "per peer" to
anyone who asks, an attacker can have a thousand times. A *friend* is a device whose
log this node holds and whose account it replicates (friends.py): making one takes
somebody this node chose to follow, or a place on a community's roster. Everyone else
is a *stranger*: a new person who just used our invite, a neighbour on the LAN, an
attacker. Strangers are served, but as a class:

* **sessions**: at most ``MAX_STRANGER_SESSIONS`` sessions that strangers opened, at
  once. One more ends the stranger session that brought us least (fewest entries
  stored from it, then the oldest), so a crowd of idle identities cannot lock a new
  honest one out;
* **bytes sent**: all stranger sessions share one send budget
  (``limits.STRANGER_SEND``), while each friend has its own (``FRIEND_SEND``);
* **memory of them**: the service keeps strangers in memory only, at most
  ``service.MAX_STRANGERS`` (their address-book row is written once we know where to
  reach them: an invite, the LAN).
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


def pick_eviction(sessions: Iterable[StrangerSession]) -> bytes | None:
    """The stranger session to end for a new one: the one that brought least."""
    chosen = min(sessions, key=lambda s: (s.received, s.started), default=None)
    return None if chosen is None else chosen.device
