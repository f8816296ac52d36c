"""Timestamps that peers claim: where an entry goes in a list, and how any time shows.

Theory of operation.

A header's timestamp is what its author's clock said, signed by the author and
checked by nobody: any integer from 0 to ``entry.MAX_TIME`` (2**53 ms, the year
287,396) verifies. Taken as it is, one post stamped 2**53 would sit on top of every
timeline for ever, and formatting it crashes Python's ``datetime`` (years stop at
9999; Windows' ``localtime`` at 3000). So a timestamp has three uses, each with its
own rule:

* **Order** (timelines, threads, mentions, notifications, conversations) goes by the
  *placed* time, ``placed(signed, arrived) = min(signed, arrived)``: nothing can have
  been written after it reached us, so a claim past its arrival is a wrong clock or a
  lie, and the arrival time is the best thing we know. Old logs that arrive at a
  first sync keep their own times (they are in the past); a post from the future
  sorts as if written when it arrived, and a post written here after it is above it.
  There is deliberately no allowance for a clock a little ahead: its posts are placed
  at arrival too, which is when we saw them (and keeps a reply below its parent
  when the parent's author runs fast). The store computes it when it writes a
  post, mention, notification or message (``store/ingest.py``, ``store/inbox.py``):
  it has a clock; this module has none.
* **Registers** (last writer wins: profiles, follows, blocks, reactions, edits)
  compare the *signed* timestamps, so that every node that holds the same entries
  agrees, whatever order they arrived in. A far-future entry wins its register for
  ever, but only its author can sign it: it can freeze only that author's own
  profile, follows, blocks, reactions and edits. That is their problem to fix (a new
  device or account), not one a peer can cause to anyone else.
* **Display** shows the placed time, which is never later than now; when the signed
  time is more than ``CLOCK_AHEAD_MS`` past it, views say that the author's clock is
  ahead (``clock_ahead``). ``shown`` bounds any integer to what every platform's
  time functions format, so a view never raises on a timestamp, whatever a store
  holds (a row written before this rule, a fake clock, a bug).

The signed timestamp itself is kept as it is in ``entries`` (it is part of the
signed header) and is what JSON calls ``signed_ts``.
"""

from __future__ import annotations

CLOCK_AHEAD_MS = 10 * 60 * 1000
"""An entry signed this far past its placed time says its author's clock is ahead.
Smaller gaps are ordinary skew and the time it took to arrive: not worth a word."""

SHOWN_MIN = 0
"""The Unix epoch: ``localtime`` refuses negative times on Windows."""
SHOWN_MAX = 32_503_679_999_999
"""2999-12-31T23:59:59.999Z: Windows' ``localtime`` stops at 3000-12-31, and local
time zones add up to 14 hours."""


def placed(signed: int, arrived: int) -> int:
    """Where an entry signed at ``signed`` that reached this store at ``arrived`` (both
    milliseconds since the epoch) goes in time-ordered lists."""
    return signed if signed <= arrived else arrived


def clock_ahead(signed: int, placed_at: int) -> bool:
    """Whether views should say the author's clock is ahead (see ``CLOCK_AHEAD_MS``)."""
    return signed - placed_at > CLOCK_AHEAD_MS


def shown(ms: int) -> int:
    """``ms`` bounded to the range that every platform's time functions can format."""
    return SHOWN_MIN if ms < SHOWN_MIN else SHOWN_MAX if ms > SHOWN_MAX else ms


def shown_seconds(ms: int) -> float:
    """``shown(ms)`` in seconds, for ``time.localtime`` and ``datetime.fromtimestamp``."""
    return shown(ms) / 1000
