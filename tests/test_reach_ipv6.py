"""Issue 13's IPv6 scenarios in the simulated internet (tests/internet.py), with real
``serve`` processes:

* IPv6 only: two homes whose lines have no IPv4 at all (so no IPv4 path between them)
  connect directly over IPv6, and a post arrives both ways;
* LAN plus internet: two people on one LAN, who also have global IPv6 addresses, use
  the LAN: Bob's invite from Alice lists her IPv6 address first, and the connection
  still runs between their LAN addresses (net/dial_order.py puts a same-LAN address
  first; the old dialer took the first address that answered).

The simulated internet uses documentation ranges, which count as not global; the
serves are told to count them as global (``P2PSOCIAL_PUBLIC_RANGES``), as real
global addresses would be. Needs root, iproute2, iptables-legacy and conntrack. The
times go to the test's output (``-s``).
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

import pytest

from p2psocial import invite
from p2psocial.net.ip_parse import PUBLIC_RANGES_ENV
from tests.clikit import ok, post_and_watch
from tests.internet import Host, Serve, account_of, init_homes, internet, poll

PUBLIC = "2001:db8::/32,203.0.113.0/24,198.51.100.0/24"


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setenv(PUBLIC_RANGES_ENV, PUBLIC)  # the serves inherit it
    return init_homes(tmp_path, a="Alice", b="Bob")


def serve_dual_stack(host: Host, home: Path) -> Serve:
    return host.serve(home, "--listen", "::")  # and 0.0.0.0: IPv4 and IPv6


def port_of(serve: Serve) -> int:
    return int(serve.status()["addrs"][0].rsplit("/", 1)[1])


def established(host: Host) -> list[tuple[str, str]]:
    """(local, peer) of the TCP connections established in ``host``'s namespace."""
    out = host.run("ss", "-Htn", "state", "established").stdout
    return [(line.split()[-2], line.split()[-1]) for line in out.splitlines() if line.strip()]


def connected(a: Serve, b: Serve) -> bool:
    return (b.status()["device"] in a.status()["connected"]
            and a.status()["device"] in b.status()["connected"])


def exchange_posts(homes: dict[str, Path]) -> None:
    for writer, reader in (("a", "b"), ("b", "a")):
        post_and_watch(homes[writer], homes[reader],
                       f"hello from {writer} {secrets.token_hex(2)}")


def test_two_homes_with_ipv6_only_lines_connect_directly_over_ipv6(
        tmp_path: Path, homes: dict[str, Path]) -> None:
    with internet(tmp_path / "net", stun=False) as net:
        alice = net.home("alice", ipv4=False)
        bob = net.home("bob", ipv4=False)
        a = serve_dual_stack(alice.host, homes["a"])
        b = serve_dual_stack(bob.host, homes["b"])
        serves = [a, b]
        port = port_of(a)
        offered = json.loads(ok(homes["a"], "invite", "--json"))
        assert f"/ip6/{alice.host.ipv6}/tcp/{port}" in offered["addrs"], offered
        t0 = time.monotonic()
        assert json.loads(ok(homes["b"], "join", offered["code"], "--json"))["followed"]
        ok(homes["a"], "follow", account_of(homes["b"]))
        poll(lambda: connected(a, b), "Alice and Bob connected", serves)
        print(f"\nIPv6 only: join to connected {time.monotonic() - t0:.2f} s")
        # a direct IPv6 connection between the two homes, no relay, no IPv4
        assert any(local == f"[{alice.host.ipv6}]:{port}"
                   and peer.startswith(f"[{bob.host.ipv6}]:")
                   for local, peer in established(alice.host)), established(alice.host)
        exchange_posts(homes)
        for s in serves:
            assert "Traceback" not in s.log.read_text()


def test_two_people_on_one_lan_use_the_lan_even_with_internet_paths(
        tmp_path: Path, homes: dict[str, Path]) -> None:
    with internet(tmp_path / "net", stun=False) as net:
        home = net.home("home", hosts=2)  # both with a LAN address and a global IPv6 one
        h1, h2 = home.hosts
        a = serve_dual_stack(h1, homes["a"])
        b = serve_dual_stack(h2, homes["b"])
        serves = [a, b]
        port = port_of(a)
        # Alice's code, her internet address first: the order must not decide the path
        given = invite.decode(json.loads(ok(homes["a"], "invite", "--json"))["code"])
        internet_first = [f"/ip6/{h1.ipv6}/tcp/{port}", f"/ip4/{h1.ipv4}/tcp/{port}"]
        assert set(internet_first) <= set(given.addrs), given.addrs
        code = invite.encode(invite.make(given.device, given.account, internet_first))
        t0 = time.monotonic()
        assert json.loads(ok(homes["b"], "join", code, "--json"))["followed"]
        ok(homes["a"], "follow", account_of(homes["b"]))
        poll(lambda: connected(a, b), "Alice and Bob connected", serves)
        print(f"\none LAN: join to connected {time.monotonic() - t0:.2f} s")
        links = established(h1)
        assert any(local == f"{h1.ipv4}:{port}" and peer.startswith(f"{h2.ipv4}:")
                   for local, peer in links), links
        assert not any(local == f"[{h1.ipv6}]:{port}" for local, _ in links), links
        exchange_posts(homes)
        for s in serves:
            assert "Traceback" not in s.log.read_text()
