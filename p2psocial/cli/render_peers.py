"""Peers and reachability for ``p2psocial peers``: the network service's address book,
what a running serve says of each peer, and whether others can reach us — as JSON
and as lines for people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import ids
from ..store.store import PeerRecord
from .render import iso, local_time, plural


def peer_state(p: PeerRecord, now: int, live: str = "known") -> str:
    """``live``: what a running service says (connected, dialing, banned, known);
    a known peer whose last dials failed is unreachable."""
    if live != "known":
        return live
    if p.banned_until is not None and now < p.banned_until:
        return "banned"
    if p.failures:
        return "unreachable"
    return "known"


@dataclass(frozen=True, slots=True)
class PeerRow:
    """One peer as ``p2psocial peers`` shows it: its record, its state, whether it is
    announced on the LAN now (None: no running serve to ask), how it is connected
    (net/paths.py) and, when it is not, why (net/why_not.py)."""

    record: PeerRecord
    state: str
    nearby: bool | None = None
    path: str | None = None
    why_not: str | None = None  # a why_not.Why value


def why_not_text(row: PeerRow, now: int) -> str | None:
    """Why the peer is not connected, in one sentence (None when it is, or unknown)."""
    from ..net.why_not import Reason, Why, sentence

    if row.why_not is None:
        return None
    try:
        why = Why(row.why_not)
    except ValueError:  # a newer serve's reason
        return None
    return sentence(Reason(why, row.record.last_seen, row.record.banned_until), now)


def peer_json(row: PeerRow, now: int) -> dict[str, Any]:
    def when(ms: int | None) -> str | None:
        return iso(ms) if ms is not None else None

    p = row.record
    return {"device": ids.device_text(p.device), "state": row.state, "nearby": row.nearby,
            "path": row.path,
            "why_not": None if row.why_not is None else {
                "reason": row.why_not, "text": why_not_text(row, now)},
            "addrs": list(p.addrs), "source": p.source, "last_seen": when(p.last_seen),
            "last_ok": when(p.last_ok), "failures": p.failures, "standing": p.standing,
            "banned_until": when(p.banned_until)}


REACH_WORDS = {"public": "others on the internet can connect to you",
               "port-mapped": "others on the internet can connect to you through a port "
                              "your router opened",
               "behind-nat": "others on the internet cannot connect to you (your router "
                             "stands in the way); you connect out, or through a friend's "
                             "relay",
               "unknown": "not known yet whether others on the internet can connect to you"}
BASIS_WORDS = {"dialback": "a friend checked", "observed": "from what peers see",
               "mapping": "not checked yet", "own-addresses": "from your addresses",
               "not-listening": "you do not listen for connections", "nothing": ""}


def reach_json(state: str, basis: str, reachable_at: Sequence[str]) -> dict[str, Any]:
    return {"state": state, "basis": basis, "confirmed": basis == "dialback",
            "reachable_at": list(reachable_at)}


def reach_line(state: str, basis: str) -> str:
    how = BASIS_WORDS.get(basis, basis)
    return (f"Reachability: {state.replace('-', ' ')}: {REACH_WORDS.get(state, state)}"
            + (f" ({how})." if how else "."))


def peer_lines(rows: Sequence[PeerRow], now: int) -> list[str]:
    """One block per peer: device, state and path, then where and when, then why it is
    not connected."""
    if not rows:
        return ["No peers known: add one with 'p2psocial join CODE'."]
    lines: list[str] = []
    for row in rows:
        p, state = row.record, row.state
        text = ids.device_text(p.device)
        detail = [state if row.path is None else f"{state} ({row.path})",
                  f"from {'an invite' if p.source == 'invite' else p.source}"]
        if row.nearby:
            detail.append("nearby")
        if state == "banned" and p.banned_until is not None:
            detail.append(f"until {local_time(p.banned_until)}")
        if p.failures:
            detail.append(plural(p.failures, "failed dial"))
        if p.standing:
            detail.append(f"standing {p.standing:+d}")
        lines.append(f"{text[:10]}…{text[-4:]}  {' · '.join(detail)}")
        seen = f"last seen {local_time(p.last_seen)}" if p.last_seen else "never seen"
        lines.append(f"    {seen}; " + (", ".join(p.addrs) or "no address known"))
        why = why_not_text(row, now)
        if why is not None:
            lines.append(f"    {why}")
    return lines
