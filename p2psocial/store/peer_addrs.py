"""Which addresses of a peer the address book keeps, and in what order (pure).

Theory of operation. A peer's addresses come from sources we trust differently, so
each stored address carries a ``Trust``:

* ``WORKED``: we dialed the device there and Noise proved the device key at the
  other end (``NetworkService`` marks the address its dial used);
* ``GIVEN``: the user or the app gave it on purpose (an invite code, ``connect``);
* ``HEARD``: anyone could have said it (an mDNS announcement: a neighbour on the LAN
  can announce any device id with any addresses).

The list is capped at ``ADDRS_MAX`` and ordered best first: worked, then given, then
heard, the newest first within each (the dialer tries them in this order). The rule
that stops a neighbour from erasing a friend (finding 8 of issue 12): an address can
only push out an address of lower or equal trust. Worked and given addresses hold at
most ``KEPT_MAX`` slots between them; beyond that the oldest is demoted to heard, not
dropped. So heard addresses always have at least ``ADDRS_MAX - KEPT_MAX`` slots (a
friend that moved to a network we never reached it on can still announce its new
address), and a flood of heard addresses only ever replaces other heard ones.

An address already stored keeps the higher of its old and new trust; it moves to the
front of its group only when the new source is at least as trusted as the old one,
so an announcement cannot reorder addresses that worked.

Rows written before trust was stored have no trust column; their addresses read as
``GIVEN`` (they were the user's or a session's before) and are normalised by the next
merge.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import IntEnum
from typing import Final

ADDRS_MAX: Final = 8
"""Addresses kept per peer."""
KEPT_MAX: Final = 4
"""Of those, how many may be worked or given (the rest is for heard ones)."""


class Trust(IntEnum):
    HEARD = 0
    GIVEN = 1
    WORKED = 2


Book = tuple[tuple[str, Trust], ...]
"""A peer's addresses with their trust, best first."""


def merge(book: Book, new: Sequence[str], trust: Trust) -> Book:
    """``book`` after learning ``new`` (best first) from a source of ``trust``."""
    entries = list(book)
    for addr in reversed(list(dict.fromkeys(new))):  # reversed: new[0] ends up first
        old = next((t for a, t in entries if a == addr), None)
        if old is not None and old > trust:
            continue  # a less trusted source neither demotes nor reorders it
        entries = [(a, t) for a, t in entries if a != addr]
        entries.insert(0, (addr, trust))
    return normalise(entries)


def normalise(entries: Iterable[tuple[str, Trust]]) -> Book:
    """Sorted by trust (stable: recency within a trust kept), capped as described."""
    ordered = sorted(entries, key=lambda e: -e[1])
    kept = [e for e in ordered if e[1] > Trust.HEARD]
    heard = [e for e in ordered if e[1] == Trust.HEARD]
    demoted = [(a, Trust.HEARD) for a, _ in kept[KEPT_MAX:]]
    return (*kept[:KEPT_MAX], *(demoted + heard)[:ADDRS_MAX - min(len(kept), KEPT_MAX)])


def encode_trust(book: Book) -> str:
    """The trust column: one digit per address, in the order of ``addrs``."""
    return "".join(str(int(t)) for _, t in book)


def decode(addrs: Sequence[str], trust: str) -> Book:
    """A stored row back into a ``Book``; missing or unreadable digits read as GIVEN."""
    out = []
    for i, addr in enumerate(addrs):
        digit = trust[i] if i < len(trust) else ""
        out.append((addr, Trust(int(digit)) if digit in ("0", "1", "2") else Trust.GIVEN))
    return tuple(out)
