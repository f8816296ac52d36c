"""Which of our addresses we tell peers, and whether anyone outside could dial them.

Why a module: a host that listens on a wildcard (0.0.0.0, ::) must advertise this
machine's real interface addresses instead, and whether those are reachable from
outside decides whether we hold relay slots (relay_slots.py); the service, the relay
policy and ``serve`` (``interface_addrs``) all ask.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from . import addresses, relay
from .host import DUAL_STACK, Host, Multiaddr

WILDCARD = "0.0.0.0"


def advertised_addrs(listen: Sequence[Multiaddr]) -> list[str]:
    """Dialable addresses for what a host listens on: a wildcard (0.0.0.0, ::) becomes
    this machine's useful interface addresses of that family at the same port
    (addresses.py: global, then private LAN, at most ``DIRECT_MAX`` per port; no
    tunnel, VPN or container bridge; loopback only when there is nothing else), a
    specific address stays itself."""
    wild: dict[int, set[int]] = {}  # port: IP versions listened on everywhere
    for addr in listen:
        parts = str(addr).split("/")
        if len(parts) == 5 and parts[3] == "tcp" and parts[2] in (WILDCARD, "::"):
            wild.setdefault(int(parts[4]), set()).add(6 if parts[1] == "ip6" else 4)
    ifaces = addresses.local_interfaces() if wild else []
    out: list[str] = []
    for addr in listen:
        parts = str(addr).split("/")
        if len(parts) == 5 and parts[3] == "tcp" and parts[2] in (WILDCARD, "::"):
            port = int(parts[4])
            out += addresses.ranked(ifaces, port, versions=wild.pop(port, ()))
        else:
            out.append(str(addr))
    return list(dict.fromkeys(out))


def reachable_from_outside(addrs: Sequence[str]) -> bool:
    """Whether a peer elsewhere could dial one of ``addrs``: false with no address,
    or when no address but loopback is global IPv4 (private, CGNAT: behind NAT). Only
    loopback: a node for this machine alone (tests), which a relay cannot help."""
    ips = []
    for addr in addrs:
        parts = addr.split("/")
        if len(parts) > 2 and parts[1] in ("ip4", "ip6") and not relay.is_circuit(addr):
            try:
                ips.append(ipaddress.ip_address(parts[2]))
            except ValueError:
                continue
    outside = [ip for ip in ips if not ip.is_loopback]
    # a global IPv6 address proves nothing: home routers firewall inbound IPv6 by default
    return bool(ips) and (not outside or any(ip.is_global and ip.version == 4
                                             for ip in outside))


def interface_addrs(port: int) -> list[str]:
    """The addresses ``serve --port PORT`` would advertise when listening everywhere."""
    return advertised_addrs([Multiaddr(addresses.multiaddr(ip, port)) for ip in DUAL_STACK])


def listen_port(host: Host) -> int:
    for addr in host.listen_addrs:
        parts = str(addr).split("/")
        if "tcp" in parts:
            return int(parts[parts.index("tcp") + 1])
    raise ValueError("the host listens on no TCP port")
