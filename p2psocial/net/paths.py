"""How each connected peer is connected: the rung of the connectivity ladder it is on.

    path_of(Facts(remote_ip="192.168.1.7"), lan)            -> Path.LAN
    path_of(Facts(remote_ip=None, relayed=True), lan)        -> Path.RELAYED

Why. A person who wonders why a friend's posts are slow, or what the friend's box
learns about them, needs to know which way the bytes go: on the home network, straight
over the internet, through a port the router opened (port mapping), through a hole
punched in both routers, or through a friend's relay. The rungs, best first:

* **LAN**: the other end is on one of our own local networks (or this machine);
* **direct**: straight over the internet to an address the other side listens on;
* **port-mapped**: straight, to an address a router opened for us or for them
  (UPnP-IGD, NAT-PMP/PCP: net/portmap). The accepting side knows it from its own
  reachability; the dialing side from the peer's signed address record, which marks
  its mapped addresses (``runs_to``: the connection runs to one of them);
* **hole-punched**: straight, after both sides punched their NATs (DCUtR);
* **relayed**: through a third device (circuit relay v2, net/relay.py), which sees
  who talks to whom and how much, never what.

``path_of`` is a pure function over what the host knows of one connection (``Facts``);
``lan_networks`` reads this machine's interfaces (the one function here that does
I/O). Addresses in ``public`` ranges are never LAN: tests on a simulated internet use
documentation ranges (203.0.113.0/24...) that Python calls "not global" and that share
a bridge, and they pass those ranges so that the internet looks like one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .ip_parse import parse_ip

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

"""Comma-separated networks to treat as the public internet (tests on simulated ones)."""


class Path(StrEnum):
    """How a connection runs, best first (the values are what ``peers --json`` says)."""

    LAN = "lan"
    DIRECT = "direct"
    PORT_MAPPED = "port-mapped"
    HOLE_PUNCHED = "hole-punched"
    RELAYED = "relayed"


@dataclass(frozen=True, slots=True)
class Facts:
    """What the host knows of one open connection."""

    remote_ip: str | None  # the other end's IP; None when relayed or unknown
    relayed: bool = False  # through a relay (circuit address)
    punched: bool = False  # opened by hole punching (DCUtR)
    mapped: bool = False  # the address dialed or accepted was a port mapping
    # (accepted: we are port-mapped and the peer dialed us; dialed: the peer's
    # record marks the address the connection runs to as mapped, ``runs_to``)


def path_of(facts: Facts, lan: Sequence[IPNetwork] = (),
            public: Sequence[IPNetwork] = ()) -> Path:
    """The rung ``facts`` describe. A relayed connection is relayed whatever else is
    known; a LAN peer is LAN even if a punch or a mapping brought it (the packets stay
    home); then hole-punched, port-mapped, direct."""
    if facts.relayed:
        return Path.RELAYED
    if facts.remote_ip is not None and is_lan(facts.remote_ip, lan, public):
        return Path.LAN
    if facts.punched:
        return Path.HOLE_PUNCHED
    if facts.mapped:
        return Path.PORT_MAPPED
    return Path.DIRECT


def runs_to(ip_text: str | None, port: int | None, addrs: Iterable[str]) -> bool:
    """Whether a connection whose other end is ``ip_text``:``port`` (TCP) runs to one of
    ``addrs`` (multiaddrs such as ``/ip4/198.51.100.7/tcp/4001``): the same IP, however
    written, and the same port."""
    if ip_text is None or port is None:
        return False
    ip = parse_ip(ip_text)
    if ip is None:
        return False
    for addr in addrs:
        parts = addr.split("/")
        if (len(parts) >= 5 and parts[1] in ("ip4", "ip6") and parts[3] == "tcp"
                and parts[4] == str(port) and parse_ip(parts[2]) == ip):
            return True
    return False


def is_lan(ip_text: str, lan: Sequence[IPNetwork], public: Sequence[IPNetwork] = ()) -> bool:
    """Whether ``ip_text`` is this machine or on one of our local networks ``lan``
    (link-local addresses always are); never when it is in ``public``."""
    ip = parse_ip(ip_text)
    if ip is None:
        return False
    if any(ip in net for net in public):
        return False
    if ip.is_loopback or ip.is_link_local:
        return True
    return any(ip in net for net in lan)


def local_networks(interfaces: Iterable[tuple[str, int]],
                   public: Sequence[IPNetwork] = ()) -> list[IPNetwork]:
    """Our LAN networks from ``(address, prefix length)`` pairs: the networks of
    addresses that are not global (private, CGNAT, ULA), and not in ``public``. A
    global address's network is the internet, not a LAN, even when a neighbour
    shares its prefix."""
    out: list[IPNetwork] = []
    for address, prefix in interfaces:
        try:
            net = ipaddress.ip_network(f"{address.split('%', 1)[0]}/{prefix}", strict=False)
        except ValueError:
            continue
        ip = net.network_address
        if ip.is_global or ip.is_loopback or ip.is_multicast or ip.is_unspecified:
            continue
        if any(net.subnet_of(p) for p in public if p.version == net.version):  # type: ignore[arg-type]
            continue
        if net not in out:
            out.append(net)
    return out


def lan_networks(public: Sequence[IPNetwork] = ()) -> list[IPNetwork]:
    """This machine's LAN networks now (reads its interfaces)."""
    import ifaddr

    pairs = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            raw = ip.ip if isinstance(ip.ip, str) else ip.ip[0]
            pairs.append((raw, ip.network_prefix))
    return local_networks(pairs, public)
