"""The simulated internet of ``tests/internet.py`` behaves like the real one where our
scenarios rely on it: NAT works outbound, nothing comes in without a mapping, a UPnP
mapping made with ``upnpc`` on the LAN opens the router from the friend's box and its
removal closes it, a router without UPnP answers no discovery, IPv6 routes end to end
without NAT, address changes and moves take effect, and nothing is left afterwards.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.internet import internet, require_tools

PORT = 7010
NATPMP_ADDRESS = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(bytes([0, 0]), (sys.argv[1], 5351))
data = s.recv(64)
assert data[:4] == bytes([0, 128, 0, 0]), data
print(socket.inet_ntoa(data[8:12]))
"""


def test_nat_outbound_mapping_inbound_and_teardown(tmp_path: Path) -> None:
    require_tools("upnpc")
    with internet(tmp_path) as net:
        friend = net.box()
        alice = net.home("alice", upnp=True)
        bob = net.home("bob", upnp=False)
        assert alice.wan_ipv4 and bob.wan_ipv4 and friend.ipv4 and alice.host.ipv4

        # outbound: the friend sees the router's public address, not the LAN one
        at_friend = friend.listen(PORT)
        assert alice.host.connect(friend.ipv4, PORT) == "connected"
        assert at_friend.next_peer() == alice.wan_ipv4
        assert bob.host.connect(friend.ipv4, PORT) == "connected"
        assert at_friend.next_peer() == bob.wan_ipv4

        # inbound: nothing reaches the LAN host, by its private or its public address
        at_alice = alice.host.listen(PORT)
        assert friend.connect(alice.wan_ipv4, PORT, 1) != "connected"  # the router's own
        assert friend.connect(alice.host.ipv4, PORT, 1) != "connected"  # not routed
        assert bob.host.connect(alice.wan_ipv4, PORT, 1) != "connected"

        # a UPnP mapping made on the LAN opens exactly that port
        made = alice.host.run("upnpc", "-i", "-e", "test", "-a", alice.host.ipv4,
                              str(PORT), str(PORT), "TCP")
        assert f"external {alice.wan_ipv4}:{PORT} TCP is redirected" in made.stdout, \
            made.stdout + alice.miniupnpd_log.read_text()
        assert friend.connect(alice.wan_ipv4, PORT) == "connected"
        assert at_alice.next_peer() == friend.ipv4  # no NAT on the way in
        assert bob.host.connect(alice.wan_ipv4, PORT) == "connected"
        assert at_alice.next_peer() == bob.wan_ipv4
        listed = alice.host.run("upnpc", "-i", "-l").stdout
        assert f"{PORT}->{alice.host.ipv4}:{PORT}" in listed, listed
        # NAT-PMP answers on the router too: its external address (RFC 6886 opcode 0)
        assert alice.host.python(NATPMP_ADDRESS, alice.lan_ipv4) == alice.wan_ipv4
        removed = alice.host.run("upnpc", "-i", "-d", str(PORT), "TCP")
        assert removed.returncode == 0, removed.stdout + removed.stderr
        assert friend.connect(alice.wan_ipv4, PORT, 1) != "connected"

        # the router without UPnP answers no discovery
        none = bob.host.run("upnpc", "-i", "-l", timeout=30)
        assert "No IGD UPnP Device found" in none.stdout + none.stderr, none

        # the ISP renumbers alice's router: the friend sees the new address
        old = alice.wan_ipv4
        new = alice.change_wan_address()
        assert new != old
        assert alice.host.connect(friend.ipv4, PORT) == "connected"
        assert at_friend.next_peer() == new
        # miniupnpd came back on the new address and maps there
        made = alice.host.run("upnpc", "-i", "-a", alice.host.ipv4, str(PORT), str(PORT),
                              "TCP")
        assert f"external {new}:{PORT} TCP is redirected" in made.stdout, made.stdout
        assert friend.connect(new, PORT) == "connected"
        assert at_alice.next_peer() == friend.ipv4
    assert net.leftovers() == []


def test_ipv6_routes_end_to_end_and_a_host_can_move(tmp_path: Path) -> None:
    with internet(tmp_path, stun=False) as net:
        friend = net.box()
        alice = net.home("alice")
        bob = net.home("bob", hosts=2)
        carol = net.home("carol", ipv6=False)
        v4_only = carol.host
        assert alice.host.ipv6 and bob.host.ipv6 and friend.ipv6 and v4_only.ipv6 is None

        # IPv6 crosses both routers in both directions, with the hosts' own addresses
        at_bob = bob.host.listen(PORT, ipv6=True)
        assert alice.host.connect(bob.host.ipv6, PORT) == "connected"
        assert at_bob.next_peer() == alice.host.ipv6
        assert friend.connect(bob.host.ipv6, PORT) == "connected"
        assert at_bob.next_peer() == friend.ipv6
        assert v4_only.connect(bob.host.ipv6, PORT, 1) != "connected"
        # two hosts on one LAN reach each other directly, over IPv4 and IPv6
        at_bob4 = bob.host.listen(PORT + 1)
        second = bob.hosts[1]
        assert second.ipv4 and second.connect(bob.host.ipv4 or "", PORT + 1) == "connected"
        assert at_bob4.next_peer() == second.ipv4

        # bob's second host goes to alice's house: new addresses, same processes
        before = (second.ipv4, second.ipv6)
        net.move(second, alice)
        assert second.home is alice and second in alice.hosts and second not in bob.hosts
        assert (second.ipv4, second.ipv6) != before
        assert second.ipv4 and second.ipv4.startswith(f"192.168.{alice.n}.")
        assert second.connect(bob.host.ipv6, PORT) == "connected"
        assert at_bob.next_peer() == second.ipv6

        # bob's provider delegates a new IPv6 prefix: bob's host renumbers, stays reachable
        old = bob.host.ipv6
        assert bob.change_ipv6_prefix() == "2001:db8:1001::/64"
        assert bob.host.ipv6 and bob.host.ipv6 != old
        assert bob.host.ipv6.startswith("2001:db8:1001::")
        assert alice.host.connect(old, PORT, 1) != "connected"
        at_bob6 = bob.host.listen(PORT + 2, ipv6=True)
        assert alice.host.connect(bob.host.ipv6, PORT + 2) == "connected"
        assert at_bob6.next_peer() == alice.host.ipv6
        assert bob.host.connect(friend.ipv6, PORT, 1) == "ECONNREFUSED"  # out, too
    assert net.leftovers() == []


def test_a_failing_test_still_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), internet(tmp_path, stun=False) as net:
        net.box()
        home = net.home("alice", hosts=2)
        home.host.listen(PORT)
        raise RuntimeError("the test failed here")
    assert net.leftovers() == []
