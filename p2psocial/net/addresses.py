"""Addresses: which of ours we tell others, and which of a peer's a dial used.

Theory of operation. A machine has more addresses than anyone can use: loopback,
link-local ones, VPN and tunnel interfaces (a WireGuard or Tailscale address names the
person's VPN, and is useless to a neighbour), container bridges (docker0's 172.17.0.1
is the same on every machine running Docker). Announcing them all (mDNS A records,
invite codes) leaks where the person's machine is connected and gives peers dead
addresses to dial. So every local address is classified by a pure rule over
``(interface name, address, flags)`` (``classify``), and:

* **LAN announcements** (``lan_ips``) carry the usable private and global IPv4
  addresses; link-local ones only when there is nothing else (two laptops on a cable
  with no DHCP), loopback only when there is nothing at all;
* **invites and what ``serve`` listens on everywhere advertises** (``ranked``):
  global addresses first, then private LAN ones, at most ``DIRECT_MAX``; loopback only
  when nothing else is left (a machine with no network: local tests).

Flags come from the operating system where it tells them cheaply (Linux: ``/sys/class/
net/<name>/flags`` and ``type``: point-to-point links and interfaces without a link
layer, such as tun and WireGuard, are tunnels); names catch the rest (``utun3`` on
macOS, "Tailscale" on Windows). A real LAN bridge (``br0``) is kept; Docker's
``br-<hex>`` is not.

``dialed_addr`` answers "at which of the addresses we tried did the dial land?" from
the connection's remote endpoint, so the address book can mark that address as one
that worked (store/peer_addrs.py); ``worth_confirming`` picks the heard addresses of a
peer that dialed us to check with a probe (probe.py).

No libp2p here (discovery.py uses this too): ifaddr and /sys are read in
``local_interfaces`` only; everything else is pure.
"""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Final

import ifaddr

from ..store.peer_addrs import KEPT_MAX, Book, Trust

CIRCUIT = "/p2p-circuit"
DIRECT_MAX: Final = 4
"""Direct addresses in an invite (circuit addresses through relays come after)."""

IP = ipaddress.IPv4Address | ipaddress.IPv6Address

TUNNEL_PREFIXES: Final = ("tun", "tap", "wg", "tailscale", "utun", "ppp", "ipsec", "zt",
                          "nordlynx", "proton", "mullvad", "gpd", "vpn", "wintun", "ham")
"""How the names of VPN and tunnel interfaces start (lower case; Unix names)."""
TUNNEL_WORDS: Final = ("vpn", "wireguard", "tailscale", "zerotier", "tap-windows",
                       "wintun", "nordlynx", "mullvad", "hamachi")
"""Words in the readable names Windows gives them ("OpenVPN TAP-Windows6")."""
CONTAINER_PREFIXES: Final = ("docker", "br-", "virbr", "lxcbr", "lxdbr", "cni", "flannel",
                             "podman", "vboxnet", "vmnet", "veth", "kube", "cali", "weave",
                             "incusbr")
"""Bridges of containers and virtual machines, and their cables."""
CONTAINER_WORDS: Final = ("vethernet", "virtualbox", "vmware", "docker")

# Linux: /sys/class/net/<name>/flags bits and type values (if.h, if_arp.h)
_IFF_LOOPBACK, _IFF_POINTOPOINT = 0x8, 0x10
_TUNNEL_TYPES: Final = frozenset({65534, 512, 768, 769, 776, 778, 823})  # none, ppp,
# tunnel, tunnel6, sit, ipgre, ip6gre


class Use(Enum):
    """What an address is good for, from the worst to the best."""

    NONE = 0  # never announced: a tunnel, a container bridge, a multicast address...
    LOOPBACK = 1  # this machine only
    LINK_LOCAL = 2  # this cable only, without a router
    PRIVATE = 3  # the LAN (RFC 1918, CGNAT, ULA...)
    GLOBAL = 4  # the internet


@dataclass(frozen=True, slots=True)
class Interface:
    """One address of one interface, and what the system says about the interface:
    ``flags`` holds "loopback", "pointopoint" and "tunnel" where known."""

    name: str
    ip: IP
    flags: frozenset[str] = frozenset()


def classify(iface: Interface) -> Use:
    """What ``iface``'s address is good for (the rule of the module docstring)."""
    ip = iface.ip
    name = iface.name.lower()
    if ip.is_loopback or "loopback" in iface.flags:
        return Use.LOOPBACK
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return Use.NONE
    if ("tunnel" in iface.flags or "pointopoint" in iface.flags
            or _named(name, TUNNEL_PREFIXES, TUNNEL_WORDS)):
        return Use.NONE
    if _named(name, CONTAINER_PREFIXES, CONTAINER_WORDS):
        return Use.NONE
    if ip.is_link_local:
        return Use.LINK_LOCAL
    return Use.GLOBAL if ip.is_global else Use.PRIVATE


def _named(name: str, prefixes: tuple[str, ...], words: Sequence[str]) -> bool:
    return name.startswith(prefixes) or any(w in name for w in words)


def lan_ips(ifaces: Iterable[Interface]) -> list[str]:
    """IPv4 addresses for our LAN announcement (mDNS A records), best first."""
    v4 = [i for i in ifaces if i.ip.version == 4]
    for wanted in ((Use.GLOBAL, Use.PRIVATE), (Use.LINK_LOCAL,), (Use.LOOPBACK,)):
        found = _unique(str(i.ip) for i in _best_first(v4) if classify(i) in wanted)
        if found:
            return found
    return []


def ranked(ifaces: Iterable[Interface], port: int, *, limit: int = DIRECT_MAX) -> list[str]:
    """TCP multiaddrs at ``port`` for an invite: global, then private; link-local and
    tunnels never; loopback only when nothing else is left. At most ``limit``."""
    v4 = [i for i in ifaces if i.ip.version == 4]  # the host listens on IPv4 only
    useful = [i for i in _best_first(v4) if classify(i) in (Use.GLOBAL, Use.PRIVATE)]
    if not useful:
        useful = [i for i in v4 if classify(i) is Use.LOOPBACK]
    return _unique(f"/ip4/{i.ip}/tcp/{port}" for i in useful)[:limit]


def _best_first(ifaces: Iterable[Interface]) -> list[Interface]:
    return sorted(ifaces, key=lambda i: -classify(i).value)  # stable: system order kept


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def local_interfaces() -> list[Interface]:
    """Every address of every interface of this machine, with what flags the system
    tells (the one function here that reads the system)."""
    out = []
    for adapter in ifaddr.get_adapters():
        flags = _linux_flags(adapter.name)
        for ip in adapter.ips:
            raw = ip.ip if isinstance(ip.ip, str) else ip.ip[0]
            try:
                addr = ipaddress.ip_address(raw.split("%", 1)[0])
            except ValueError:
                continue
            name = adapter.name if sys.platform != "win32" else adapter.nice_name
            out.append(Interface(name, addr, flags))
    return out


def _linux_flags(name: str) -> frozenset[str]:
    base = Path("/sys/class/net") / name
    try:
        flags = int((base / "flags").read_text(), 16)
        kind = int((base / "type").read_text())
    except (OSError, ValueError):  # not Linux, or the interface just went away
        return frozenset()
    found = set()
    if flags & _IFF_LOOPBACK:
        found.add("loopback")
    if flags & _IFF_POINTOPOINT:
        found.add("pointopoint")
    if kind in _TUNNEL_TYPES:
        found.add("tunnel")
    return frozenset(found)


# --- a peer's addresses --------------------------------------------------------------


def dialed_addr(remote: tuple[str, int] | None, tried: Sequence[str]) -> str | None:
    """The address of ``tried`` whose IP and TCP port are ``remote`` (the endpoint of
    the connection a dial opened), or None. A circuit address matches through its
    relay's endpoint. None as well for a connection that already existed (an inbound
    one's remote port is the peer's outgoing port, which matches nothing)."""
    if remote is None:
        return None
    for addr in tried:
        direct = addr.split("/p2p/", 1)[0] if addr.endswith(CIRCUIT) else addr
        if endpoint(direct) == (remote[0], remote[1]):
            return addr
    return None


def endpoint(addr: str) -> tuple[str, int] | None:
    """(IP, TCP port) of a direct ``/ip4|ip6/IP/tcp/PORT`` address, else None."""
    parts = addr.split("/")
    if len(parts) != 5 or parts[0] or parts[1] not in ("ip4", "ip6") or parts[3] != "tcp":
        return None
    try:
        return parts[2], int(parts[4])
    except ValueError:
        return None


def worth_confirming(book: Book, remote_ip: str, limit: int = KEPT_MAX) -> list[str]:
    """Heard addresses of a peer whose session came in from ``remote_ip``, to probe
    (``probe.who_is_at``): those at that IP, newest first, at most ``limit``; none
    when an address of it worked already."""
    if any(t == Trust.WORKED for _, t in book):
        return []
    return [a for a, t in book
            if t == Trust.HEARD and (endpoint(a) or ("", 0))[0] == remote_ip][:limit]
