"""Reading IP addresses and networks out of text a peer, a socket or a multiaddr gave us: one rule
for the whole network layer, so that admission, paths, dial-backs and reachability
count ``fe80::1%eth0`` and ``::ffff:192.0.2.1`` the same way. Pure."""

from __future__ import annotations

import ipaddress
import os
from typing import Final

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

PUBLIC_RANGES_ENV: Final = "P2PSOCIAL_PUBLIC_RANGES"
"""Hidden switch for tests: comma-separated networks to count as global (the simulated
internet's documentation ranges, which ``is_global`` calls reserved)."""


def parse_ip(text: str | None) -> IP | None:
    """The address in ``text``, without its zone (``%eth0``), an IPv4 address mapped
    into IPv6 (a dual-stack socket's view) as the IPv4 address; None if it is none."""
    if not text:
        return None
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def multiaddr_ip(addr: str) -> IP | None:
    """The IP of a multiaddr's text that starts ``/ip4/`` or ``/ip6/``; None otherwise."""
    parts = addr.split("/")
    if len(parts) < 3 or parts[1] not in ("ip4", "ip6"):
        return None
    return parse_ip(parts[2])


def parse_ranges(text: str | None) -> list[Network]:
    """Networks from a comma-separated list (``PUBLIC_RANGES_ENV``); what does not parse
    is left out: this is a knob for tests, not user input."""
    out: list[Network] = []
    for item in (text or "").split(","):
        try:
            out.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            continue
    return out


def public_ranges() -> list[Network]:
    """The networks ``PUBLIC_RANGES_ENV`` asks to count as global now."""
    return parse_ranges(os.environ.get(PUBLIC_RANGES_ENV))
