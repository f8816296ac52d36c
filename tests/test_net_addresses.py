"""Which of our addresses we tell others (net/addresses.py): a pure rule over
(interface name, address, flags), then what ``serve`` advertises and invites carry."""

from __future__ import annotations

import ipaddress

import ifaddr
import pytest

from p2psocial import invite
from p2psocial.net import addresses
from p2psocial.net.addresses import Interface, Use, classify, lan_ips, ranked
from p2psocial.net.service import interface_addrs

NONE, LOOP, LINK, PRIV, GLOB = Use.NONE, Use.LOOPBACK, Use.LINK_LOCAL, Use.PRIVATE, Use.GLOBAL


def iface(name: str, ip: str, *flags: str) -> Interface:
    return Interface(name, ipaddress.ip_address(ip), frozenset(flags))


@pytest.mark.parametrize(("name", "ip", "flags", "use"), [
    ("eth0", "192.168.1.7", (), PRIV),
    ("wlan0", "10.0.0.12", (), PRIV),
    ("enp3s0", "81.2.69.160", (), GLOB),
    ("br0", "192.168.1.2", (), PRIV),  # a real LAN bridge stays
    ("lo", "127.0.0.1", ("loopback",), LOOP),
    ("eth0", "169.254.3.4", (), LINK),
    ("tun0", "10.8.0.2", (), NONE),
    ("wg0", "10.66.66.2", (), NONE),
    ("tailscale0", "100.101.102.103", (), NONE),
    ("utun4", "10.7.0.1", (), NONE),
    ("ppp0", "10.64.1.1", (), NONE),
    ("corp", "10.9.0.7", ("pointopoint",), NONE),  # a tunnel by its flags, any name
    ("mytunnel", "10.9.0.8", ("tunnel",), NONE),
    ("docker0", "172.17.0.1", (), NONE),
    ("br-5f2c9a1e7b3d", "172.18.0.1", (), NONE),
    ("virbr0", "192.168.122.1", (), NONE),
    ("vboxnet0", "192.168.56.1", (), NONE),
    ("OpenVPN TAP-Windows6", "10.8.0.6", (), NONE),
    ("Tailscale", "100.64.0.9", (), NONE),
    ("vEthernet (WSL)", "172.22.160.1", (), NONE),
    ("Ethernet 2", "192.168.0.20", (), PRIV),
    ("eth0", "224.0.0.251", (), NONE),
])
def test_the_rule(name: str, ip: str, flags: tuple[str, ...], use: Use) -> None:
    assert classify(iface(name, ip, *flags)) is use


LAPTOP = [iface("lo", "127.0.0.1", "loopback"), iface("docker0", "172.17.0.1"),
          iface("wlan0", "192.168.1.7"), iface("wlan0", "fe80::1"),
          iface("tun0", "10.8.0.2", "pointopoint", "tunnel"), iface("eth1", "169.254.9.9"),
          iface("enp3s0", "81.2.69.160")]


def test_announcements_carry_only_useful_addresses() -> None:
    assert lan_ips(LAPTOP) == ["81.2.69.160", "192.168.1.7"]
    # a cable between two laptops, no DHCP: link-local is all there is
    assert lan_ips([LAPTOP[0], LAPTOP[5], LAPTOP[4]]) == ["169.254.9.9"]
    assert lan_ips([LAPTOP[0], LAPTOP[1]]) == ["127.0.0.1"]  # no network at all


def test_invites_rank_global_then_private_and_cap_the_count() -> None:
    assert ranked(LAPTOP, 4001) == ["/ip4/81.2.69.160/tcp/4001", "/ip4/192.168.1.7/tcp/4001"]
    many = [iface(f"eth{i}", f"10.0.{i}.2") for i in range(10)]
    assert len(ranked(many, 4001)) == addresses.DIRECT_MAX
    assert ranked([LAPTOP[0], LAPTOP[4]], 4001) == ["/ip4/127.0.0.1/tcp/4001"]


def _adapters() -> list[ifaddr.Adapter]:
    """The laptop above as ifaddr shows it (names unknown to /sys here: no flags)."""
    by_name: dict[str, list[ifaddr.IP]] = {}
    for i in LAPTOP:
        ip: str | tuple[str, int, int] = str(i.ip) if i.ip.version == 4 else (str(i.ip), 0, 0)
        by_name.setdefault(i.name, []).append(ifaddr.IP(ip, 24, i.name))
    return [ifaddr.Adapter(name, name, ips, n) for n, (name, ips) in enumerate(by_name.items())]


def test_serve_everywhere_advertises_and_invites_only_useful_addresses(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ifaddr, "get_adapters", _adapters)
    addrs = interface_addrs(4001)
    assert addrs == ["/ip4/81.2.69.160/tcp/4001", "/ip4/192.168.1.7/tcp/4001"]
    code = invite.make(bytes(32), bytes(32), addrs)
    assert invite.decode(invite.encode(code)).addrs == tuple(addrs)
