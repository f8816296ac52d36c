"""Which addresses of a peer the address book keeps, and in what order (pure).

Theory of operation. A peer's addresses come from sources we trust differently, so
each stored address carries a ``Trust``:

* ``WORKED``: we dialed the device there and Noise proved the device key at the
  other end (``NetworkService`` marks the address its dial used);
* ``SIGNED``: the device itself said it is there, in an address record it signed
  (address_record.py; from it or passed on by a friend): only the device could say
  so, but no dial has proven it yet;
* ``GIVEN``: the user or the app gave it on purpose (an invite code, ``connect``);
* ``HEARD``: anyone could have said it (an mDNS announcement: a neighbour on the LAN
  can announce any device id with any addresses).

The list is capped at ``ADDRS_MAX`` and ordered best first: worked, then given, then
signed, then given, then heard, the newest first within each (the dialer tries them
in this order). The rule
that stops a neighbour from erasing a friend (finding 8 of issue 12): an address can
only push out an address of lower or equal trust. Worked, signed and given addresses
hold at most ``KEPT_MAX`` slots between them; beyond that the oldest is demoted to
heard, not dropped. So heard addresses always have at least ``ADDRS_MAX - KEPT_MAX`` slots (a
friend that moved to a network we never reached it on can still announce its new
address), and a flood of heard addresses only ever replaces other heard ones.

An address already stored keeps the higher of its old and new trust; it moves to the
front of its group only when the new source is at least as trusted as the old one,
so an announcement cannot reorder addresses that worked.

A newer address record of a device (``supersede``) is the device saying "I am no
longer anywhere else": its addresses come in as signed, and every other address of
the device still held is demoted to heard (kept, dialed last), so a dial does not
wait on a place the device left before trying where it is now.

In the stored column each trust is one digit (``_DIGITS``): 0 heard, 1 given, 2
worked (migration 11), 3 signed (issue 13), which is not the order of trust.

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
    SIGNED = 2
    WORKED = 3


_DIGITS = {Trust.HEARD: "0", Trust.GIVEN: "1", Trust.WORKED: "2", Trust.SIGNED: "3"}
_FROM_DIGIT = {d: t for t, d in _DIGITS.items()}


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


def supersede(book: Book, current: Sequence[str]) -> Book:
    """``book`` after a newer signed record says the device is at ``current`` (best
    first): those come in as signed, every other address is demoted to heard."""
    fresh = set(current)
    demoted = [(a, t if a in fresh else Trust.HEARD) for a, t in book]
    return merge(normalise(demoted), current, Trust.SIGNED)


def normalise(entries: Iterable[tuple[str, Trust]]) -> Book:
    """Sorted by trust (stable: recency within a trust kept), capped as described."""
    ordered = sorted(entries, key=lambda e: -e[1])
    kept = [e for e in ordered if e[1] > Trust.HEARD]
    heard = [e for e in ordered if e[1] == Trust.HEARD]
    demoted = [(a, Trust.HEARD) for a, _ in kept[KEPT_MAX:]]
    return (*kept[:KEPT_MAX], *(demoted + heard)[:ADDRS_MAX - min(len(kept), KEPT_MAX)])


def encode_trust(book: Book) -> str:
    """The trust column: one digit per address, in the order of ``addrs``."""
    return "".join(_DIGITS[t] for _, t in book)


def decode(addrs: Sequence[str], trust: str) -> Book:
    """A stored row back into a ``Book``; missing or unreadable digits read as GIVEN."""
    out = []
    for i, addr in enumerate(addrs):
        digit = trust[i] if i < len(trust) else ""
        out.append((addr, _FROM_DIGIT.get(digit, Trust.GIVEN)))
    return tuple(out)
