"""In which order to try a peer's addresses, and when to start each (pure).

A peer may give us half a dozen addresses: its LAN address, a global IPv6 address, a
public IPv4 address or a mapped port, other private addresses (another LAN of its, a
CGNAT address), and circuits through relays. Some are dead from where we are, and a
dead one may cost a full timeout (a firewall that drops the SYN). So the host dials
them Happy-Eyeballs style (RFC 8305; eyeballs.py runs it): in this order, the next one
``STAGGER`` after the previous one started or as soon as one failed, the first to
connect (Noise-authenticated) wins and the others are cancelled.

The order (``Reach``), and why:

1. **Same LAN**: a private, link-local or loopback address inside one of our own
   on-link networks (``addresses.local_networks``). Two people on one LAN use the LAN
   even when they also have internet paths: it is faster, costs no uplink, and works
   when the internet is down. A private address that merely looks like ours (every
   home has a 192.168.1.0/24) may be somebody else's machine: Noise tells (the peer
   id does not match), and the next address is only ``STAGGER`` away.
2. **Global IPv6**: no NAT on the way, so when it works it is direct end to end; RFC
   6724 prefers it too.
3. **Global IPv4**: a public address or a mapped port of the peer's router.
4. **Other private addresses**: another LAN of the peer's, a CGNAT address, a
   documentation range in tests; cheap to try, rarely right.
5. **Circuits** (``.../p2p-circuit``) last, and only after every direct address
   failed or after ``CIRCUIT_DELAY``: a relay's bandwidth is a friend's gift.

Within a kind the caller's order is kept (the address book puts addresses that worked
first). ``public`` names networks to treat as global: the simulated internet of the
tests uses documentation ranges, which ``ipaddress`` calls not global (``serve`` reads
them from ``ip_parse.PUBLIC_RANGES_ENV``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from enum import IntEnum
from typing import Final

from .ip_parse import multiaddr_ip

STAGGER: Final = 0.25
"""Seconds between the starts of two direct attempts (RFC 8305's recommended 250 ms)."""
CIRCUIT_DELAY: Final = 2.0
"""Seconds after the first attempt when circuits start even if direct ones still run."""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
CIRCUIT = "/p2p-circuit"


class Reach(IntEnum):
    """What kind of path an address is, best first."""

    SAME_LAN = 0
    GLOBAL_V6 = 1
    GLOBAL_V4 = 2
    OTHER = 3  # other private addresses, and what we cannot classify (/dns4/...)
    CIRCUIT = 4


def reach(addr: str, lan: Iterable[Network] = (), public: Iterable[Network] = ()) -> Reach:
    """The kind of path ``addr`` (a multiaddr's text) is from here."""
    if CIRCUIT in addr:
        return Reach.CIRCUIT
    ip = multiaddr_ip(addr)
    if ip is None:
        return Reach.OTHER
    if any(ip in net for net in public if net.version == ip.version):
        return Reach.GLOBAL_V6 if ip.version == 6 else Reach.GLOBAL_V4
    if ip.is_global:
        return Reach.GLOBAL_V6 if ip.version == 6 else Reach.GLOBAL_V4
    if any(ip in net for net in lan if net.version == ip.version):
        return Reach.SAME_LAN
    return Reach.OTHER


def order(addrs: Sequence[str], lan: Iterable[Network] = (),
          public: Iterable[Network] = ()) -> list[str]:
    """``addrs`` best first (the module docstring's order; stable within a kind),
    without duplicates."""
    lan, public = list(lan), list(public)
    unique = list(dict.fromkeys(addrs))
    return sorted(unique, key=lambda a: reach(a, lan, public))
