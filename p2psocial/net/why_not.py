"""Why a peer is not connected, from what we know of both sides, in plain words.

    reason = why_not(PeerFacts(addrs=("/ip4/192.168.7.2/tcp/4001",), last_seen=t),
                     ours=Reachability(Reach.BEHIND_NAT, Basis.DIALBACK), we_hold_relay=False)
    sentence(reason, now_ms)
    # "Neither of you accepts incoming connections and no common friend can relay: ..."

Why. "Not connected" tells a person nothing they can act on. What we know is enough
to say more: whether the peer ever gave us an address, whether it or we accept
incoming connections (our reachability, reachability.py; the peer's from its
addresses: only private ones means its router stands in the way), and whether a
friend relays for either of us (the peer's circuit addresses, our relay slots).

``why_not`` decides the reason (a code and its numbers) and is pure; ``sentence`` says
it in English for the command line; the desktop app words the same codes through its
translations (ui/people_page.py), so both say the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from .ip_parse import multiaddr_ip
from .paths import IPNetwork, is_lan
from .reachability import Reach, Reachability


class Why(StrEnum):
    CONNECTING = "connecting"  # a dial is under way
    BANNED = "banned"  # it broke the rules; refused for a while
    NO_ADDRESS = "no-address"  # it reached us before, but never told us where it is
    NEITHER_ACCEPTS = "neither-accepts"  # both behind NAT, and no relay in common
    UNREACHABLE = "unreachable"  # it should be reachable: offline, or moved


@dataclass(frozen=True, slots=True)
class PeerFacts:
    """What we know of a peer that is not connected."""

    addrs: Sequence[str] = ()
    last_seen: int | None = None  # ms
    dialing: bool = False
    banned_until: int | None = None  # ms, if banned now


@dataclass(frozen=True, slots=True)
class Reason:
    why: Why
    last_seen: int | None = None  # ms
    until: int | None = None  # ms, for a ban


def why_not(peer: PeerFacts, ours: Reachability, *, we_hold_relay: bool,
            lan: Sequence[IPNetwork] = (), public: Sequence[IPNetwork] = ()) -> Reason:
    """The reason ``peer`` is not connected now."""
    if peer.banned_until is not None:
        return Reason(Why.BANNED, peer.last_seen, peer.banned_until)
    if peer.dialing:
        return Reason(Why.CONNECTING, peer.last_seen)
    if not peer.addrs:
        return Reason(Why.NO_ADDRESS, peer.last_seen)
    relayed = any("/p2p-circuit" in a for a in peer.addrs)
    if (ours.state is Reach.BEHIND_NAT and not we_hold_relay and not relayed
            and not _accepts(peer.addrs, lan, public)):
        return Reason(Why.NEITHER_ACCEPTS, peer.last_seen)
    return Reason(Why.UNREACHABLE, peer.last_seen)


def _accepts(addrs: Sequence[str], lan: Sequence[IPNetwork],
             public: Sequence[IPNetwork]) -> bool:
    """Whether one of a peer's direct addresses can be dialed from here: a public one,
    or one on our LAN."""
    for addr in addrs:
        ip = None if "/p2p-circuit" in addr else multiaddr_ip(addr)
        if ip is None:
            continue
        if ip.is_global or any(ip in net for net in public) or is_lan(str(ip), lan, public):
            return True
    return False


def sentence(reason: Reason, now: int) -> str:
    """``reason`` in one English sentence (the command line's wording)."""
    seen = (f"last seen {ago(now - reason.last_seen)} ago" if reason.last_seen is not None
            else "never reached yet")
    if reason.why is Why.CONNECTING:
        return f"Connecting now ({seen})."
    if reason.why is Why.BANNED:
        until = f" for {ago((reason.until or now) - now)} more" if reason.until else ""
        return f"Refused{until}: it broke the rules ({seen})."
    if reason.why is Why.NO_ADDRESS:
        return (f"It reached us before but never told us where it is: it connects when "
                f"it reaches us again ({seen}).")
    if reason.why is Why.NEITHER_ACCEPTS:
        return ("Neither of you accepts incoming connections and no common friend can "
                "relay: turn on port mapping (UPnP) on one of your routers, or both "
                f"connect to a friend whose box is reachable ({seen}).")
    return f"Not reachable now: {seen}; will keep trying."


def ago(ms: int) -> str:
    """A duration in the largest unit that fits: '45 s', '12 min', '3 h', '2 days'."""
    seconds = max(0, ms) // 1000
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"
