"""Addresses: which of ours we tell others, and which of a peer's a dial used.

Theory of operation. A machine has more addresses than anyone can use: loopback,
link-local ones, VPN and tunnel interfaces (a WireGuard or Tailscale address names the
person's VPN, and is useless to a neighbour), container bridges (docker0's 172.17.0.1
is the same on every machine running Docker). Announcing them all (mDNS A records,
invite codes) leaks where the person's machine is connected and gives peers dead
addresses to dial. So every local address is classified by a pure rule over
``(interface name, address, flags)`` (``classify``), and:

* **LAN announcements** (``lan_ips``) carry the usable private and global IPv4
  addresses and the global IPv6 ones; link-local ones only when there is nothing else
  (two laptops on a cable with no DHCP), loopback only when there is nothing at all;
* **invites and what ``serve`` listens on everywhere advertises** (``ranked``): of
  both families, global before private, IPv6 before IPv4 among global ones and IPv4
  before IPv6 (ULA) among private ones, the best of each of those four kinds first so
  that many addresses of one kind (several IPv6 prefixes) cannot push the LAN address
  out; at most ``DIRECT_MAX``; loopback only when nothing else is left (a machine
  with no network: local tests).

IPv6 privacy extensions give a machine *temporary* addresses that change every day
or so, and keep old ones *deprecated* for a while: an invite must carry the stable
address, which lasts. Linux tells which is which in ``/proc/net/if_inet6`` (read in
``local_interfaces``, flags "temporary", "deprecated", "dadfailed"); a temporary or
deprecated address is given out only when no stable one of its kind exists, and a
failed duplicate-address check is never given out. Elsewhere the flags are unknown and
every address counts as stable.

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

_SHORT_LIVED: Final = frozenset({"temporary", "deprecated"})

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
    ``flags`` holds "loopback", "pointopoint" and "tunnel" where known, and for an
    IPv6 address "temporary", "deprecated" or "dadfailed" (``/proc/net/if_inet6``)."""

    name: str
    ip: IP
    flags: frozenset[str] = frozenset()
    prefix: int | None = None  # the on-link network's length, where known


def classify(iface: Interface) -> Use:
    """What ``iface``'s address is good for (the rule of the module docstring)."""
    ip = iface.ip
    name = iface.name.lower()
    if ip.is_loopback or "loopback" in iface.flags:
        return Use.LOOPBACK
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved or "dadfailed" in iface.flags:
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
    """Addresses for our LAN announcement (mDNS A and AAAA records), best first: the
    IPv4 ones of the best use there is (global and private, else link-local, else
    loopback), then stable global IPv6 ones (a neighbour on IPv6 alone reaches us
    there; a ULA or link-local IPv6 address adds nothing the IPv4 one lacks)."""
    ifaces = list(ifaces)
    v4 = [i for i in ifaces if i.ip.version == 4]
    found: list[str] = []
    for wanted in ((Use.GLOBAL, Use.PRIVATE), (Use.LINK_LOCAL,), (Use.LOOPBACK,)):
        found = _unique(str(i.ip) for i in _best_first(v4) if classify(i) in wanted)
        if found:
            break
    v6 = _stable_first([i for i in ifaces if i.ip.version == 6 and classify(i) is Use.GLOBAL])
    return _unique([*found, *(str(i.ip) for i in v6)])


def ranked(ifaces: Iterable[Interface], port: int, *, limit: int = DIRECT_MAX,
           versions: Iterable[int] = (4, 6)) -> list[str]:
    """TCP multiaddrs at ``port`` for an invite, of the IP ``versions`` we listen on:
    global, then private (the order of the module docstring); link-local and tunnels
    never; loopback only when nothing else is left. At most ``limit``."""
    wanted = set(versions)
    ifaces = [i for i in ifaces if i.ip.version in wanted]
    kinds: list[list[Interface]] = [
        _stable_first([i for i in ifaces if i.ip.version == version and classify(i) is use])
        for use, version in ((Use.GLOBAL, 6), (Use.GLOBAL, 4), (Use.PRIVATE, 4),
                             (Use.PRIVATE, 6))]
    useful = [kind[0] for kind in kinds if kind] + [i for kind in kinds for i in kind[1:]]
    if not useful:
        useful = [i for i in ifaces if classify(i) is Use.LOOPBACK]
    return _unique(multiaddr(str(i.ip), port) for i in useful)[:limit]


def multiaddr(ip: str, port: int) -> str:
    """``/ip4/IP/tcp/PORT`` or ``/ip6/IP/tcp/PORT``, as the address says."""
    return f"/ip{'6' if ':' in ip else '4'}/{ip}/tcp/{port}"


def _best_first(ifaces: Iterable[Interface]) -> list[Interface]:
    return sorted(ifaces, key=lambda i: -classify(i).value)  # stable: system order kept


def _stable_first(ifaces: Iterable[Interface]) -> list[Interface]:
    """Stable addresses, then temporary ones, then deprecated ones (system order kept
    within each); temporary and deprecated ones only when no stable one exists."""
    ifaces = list(ifaces)
    stable = [i for i in ifaces if not i.flags & _SHORT_LIVED]
    if stable:
        return stable
    return sorted(ifaces, key=lambda i: "deprecated" in i.flags)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def local_interfaces() -> list[Interface]:
    """Every address of every interface of this machine, with what flags the system
    tells (the one function here that reads the system)."""
    out = []
    v6_flags = _linux_ipv6_flags()
    for adapter in ifaddr.get_adapters():
        flags = _linux_flags(adapter.name)
        for ip in adapter.ips:
            raw = ip.ip if isinstance(ip.ip, str) else ip.ip[0]
            try:
                addr = ipaddress.ip_address(raw.split("%", 1)[0])
            except ValueError:
                continue
            name = adapter.name if sys.platform != "win32" else adapter.nice_name
            prefix = ip.network_prefix if isinstance(ip.network_prefix, int) else None
            out.append(Interface(name, addr, flags | v6_flags.get(addr, frozenset()), prefix))
    return out


def local_networks(ifaces: Iterable[Interface]) -> list[ipaddress.IPv4Network
                                                        | ipaddress.IPv6Network]:
    """The on-link networks of our private and link-local addresses (``10.0.0.0/24``
    for ``10.0.0.12`` with prefix 24): a peer's address inside one is on our LAN
    (dial_order.py). Loopback counts too (this machine). Pure."""
    out = []
    for i in ifaces:
        if i.prefix is None or classify(i) not in (Use.PRIVATE, Use.LINK_LOCAL,
                                                     Use.LOOPBACK):
            continue
        try:
            out.append(ipaddress.ip_network(f"{i.ip}/{i.prefix}", strict=False))
        except ValueError:
            continue
    return list(dict.fromkeys(out))


# /proc/net/if_inet6 flag bits (linux/if_addr.h; the file shows the low 8 bits)
_IFA_FLAGS: Final = {0x01: "temporary", 0x08: "dadfailed", 0x20: "deprecated"}


def parse_if_inet6(text: str) -> dict[IP, frozenset[str]]:
    """Per IPv6 address, the flags of ``_IFA_FLAGS`` set in ``/proc/net/if_inet6``
    (lines ``ADDR32HEX IFINDEX PREFIXLEN SCOPE FLAGS NAME``). Pure."""
    out: dict[IP, frozenset[str]] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 6 or len(fields[0]) != 32:
            continue
        try:
            addr = ipaddress.IPv6Address(bytes.fromhex(fields[0]))
            bits = int(fields[4], 16)
        except ValueError:
            continue
        out[addr] = frozenset(name for bit, name in _IFA_FLAGS.items() if bits & bit)
    return out


def _linux_ipv6_flags() -> dict[IP, frozenset[str]]:
    try:
        return parse_if_inet6(Path("/proc/net/if_inet6").read_text())
    except OSError:  # not Linux, or no IPv6
        return {}


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
