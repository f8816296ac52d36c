"""Scenes of the simulated internet (tests/internet.py) that several reach tests and
``bench/reach.py`` set up: a home that changes address with its friends around it
(``friends``), and two homes behind NAT that meet at a friend's box (``meet_at_the_box``).
Needs what tests/internet.py needs: root, iproute2, iptables-legacy, conntrack, and
miniupnpd for UPnP."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.clikit import ok
from tests.internet import (
    CORE_V4,
    Home,
    Host,
    Internet,
    Serve,
    account_of,
    in_ns,
    init_homes,
    internet,
    ip,
    poll,
)


def renumber(box: Host, new: str) -> None:
    """The ISP changes a directly connected home's IPv4 address."""
    assert box.ipv4 is not None
    ip("addr", "del", f"{box.ipv4}/24", "dev", "eth0", ns=box.ns)
    ip("addr", "add", f"{new}/24", "dev", "eth0", ns=box.ns)
    ip("route", "replace", "default", "via", CORE_V4, ns=box.ns)
    box.ipv4 = new


@dataclass
class Friends:
    """Alice, Bob and the friend's box, all following each other, Bob connected to
    Alice at ``alice_ip()``:``port``; ``move()`` gives Alice a new address (returned)."""

    homes: dict[str, Path]
    serves: list[Serve]
    bob: Home
    port: int
    a_device: str
    alice_ip: Callable[[], str]
    move: Callable[[], str]

    def bob_reaches_alice_at(self, address: str) -> bool:
        out = self.bob.host.run("ss", "-Htn", "state", "established").stdout
        return any(line.split()[-1] == f"{address}:{self.port}"
                   for line in out.splitlines())

    def bob_says(self) -> str | None:
        """The path Bob's ``peers --json`` gives for Alice."""
        peers = json.loads(ok(self.homes["b"], "peers", "--json"))["peers"]
        return next((p["path"] for p in peers if p["device"] == self.a_device), None)


@contextmanager
def friends(tmp_path: Path, *, upnp: bool) -> Iterator[Friends]:
    """``upnp=False``: Alice's home has a public address (no NAT), and ``move()`` is her
    ISP renumbering it; ``upnp=True``: she is behind a router with UPnP, and ``move()``
    gives the router a new address. Bob is behind plain NAT either way. The box relays
    for nobody: otherwise Alice could reach Bob through his slot there without knowing
    anything new, and these scenarios are about the way back that needs the new
    address."""
    homes = init_homes(tmp_path, f="Friend's box", a="Alice", b="Bob")
    account = {n: account_of(h) for n, h in homes.items()}
    with internet(tmp_path / "net") as net:
        box = net.box("friend")
        if upnp:
            home = net.home("alice", upnp=True)
            alice_host = home.host
            alice_ip: Callable[[], str] = lambda: home.wan_ipv4 or ""  # noqa: E731
            move = home.change_wan_address
        else:
            alice_host = net.box("alice")  # a home with a public address: no NAT
            alice_ip = lambda: alice_host.ipv4 or ""  # noqa: E731

            def move() -> str:
                renumber(alice_host, "203.0.113.77")
                return "203.0.113.77"
        bob = net.home("bob", upnp=False)
        f = box.serve(homes["f"], "--no-relay")
        a = alice_host.serve(homes["a"])
        b = bob.host.serve(homes["b"])
        serves = [f, a, b]

        def public_port() -> int | None:  # the mapped one, behind UPnP
            return next((int(x.rsplit("/", 1)[1]) for x in a.status()["addrs"]
                         if x.startswith(f"/ip4/{alice_ip()}/")), None)

        port = poll(public_port, "Alice's serve has a public address", serves)
        for n in ("a", "b"):
            assert json.loads(ok(homes[n], "join", f.code, "--json"))["followed"] is True
            ok(homes["f"], "follow", account[n])
        invite = json.loads(ok(homes["a"], "invite", "--json"))
        assert invite["addrs"][0] == f"/ip4/{alice_ip()}/tcp/{port}", invite
        assert json.loads(ok(homes["b"], "join", invite["code"], "--json"))["followed"]
        ok(homes["a"], "follow", account["b"])
        a_device, f_device = a.status()["device"], f.status()["device"]
        poll(lambda: {a_device, f_device} <= set(b.status()["connected"])
             and f_device in a.status()["connected"], "everyone connected", serves)
        pair = Friends(homes, serves, bob, port, a_device, alice_ip, move)
        poll(lambda: pair.bob_reaches_alice_at(alice_ip()), "Bob dialed Alice", serves)
        yield pair
        for serve in serves:
            log = serve.log.read_text()
            assert "Traceback" not in log, log


def drop_unsolicited(home: Home) -> None:
    """The router's own firewall drops what nobody behind it asked for, as most home
    routers do ("stealth"), instead of answering with a reset (what a Linux router
    with no INPUT rules does, and what defeats TCP hole punching on a link this fast:
    docs/network.md, "Hole punching")."""
    in_ns(home.router, "iptables-legacy", "-A", "INPUT", "-i", "wan", "-m", "conntrack",
          "--ctstate", "NEW,INVALID", "-j", "DROP")


def connected(home: Path, device: str) -> bool:
    peers = json.loads(ok(home, "peers", "--json"))["peers"]
    return any(p["device"] == device and p["state"] == "connected" for p in peers)


@dataclass
class Meeting:
    homes: dict[str, Path]
    r: Serve  # the friend's box
    a: Serve
    b: Serve
    a_device: str
    b_device: str
    joined: float  # time.monotonic() when Alice joined Bob's invite (bench reach's t0)
    alice: Home
    bob: Home

    @property
    def serves(self) -> list[Serve]:
        return [self.r, self.a, self.b]


def meet_at_the_box(tmp_path: Path, net: Internet, *, stealthy: bool) -> Meeting:
    """Alice and Bob at home behind NAT routers without UPnP (IPv4 only; ``stealthy``:
    the routers drop unsolicited packets, else they answer with resets), a friend's
    box that relays for both; Alice joins Bob's invite, which names only the box's
    circuit (and Bob's private address), and they follow each other."""
    homes = init_homes(tmp_path, r="Friend's box", a="Alice", b="Bob")
    account = {n: account_of(h) for n, h in homes.items()}
    box = net.box("friend", ipv6=False)
    alice = net.home("alice", upnp=False, ipv6=False)
    bob = net.home("bob", upnp=False, ipv6=False)
    if stealthy:
        for home in (alice, bob):
            drop_unsolicited(home)
    # neither home can be dialed from outside
    assert bob.host.connect(alice.wan_ipv4 or "", 7000, 1) == (
        "ETIMEDOUT" if stealthy else "ECONNREFUSED")
    r = box.serve(homes["r"], "--hops", "1", "--no-port-mapping", "-v")
    for who in ("a", "b"):  # the box replicates both: each may hold a slot there
        ok(homes["r"], "follow", account[who])
    for who in ("a", "b"):
        assert json.loads(ok(homes[who], "join", r.code, "--json"))["followed"] is True
    b = bob.host.serve(homes["b"], "--no-port-mapping", "-v")
    a = alice.host.serve(homes["a"], "--no-port-mapping", "-v")

    def b_invite() -> dict | None:
        doc = json.loads(ok(homes["b"], "invite", "--json"))
        return doc if any(x.endswith("/p2p-circuit") for x in doc["addrs"]) else None

    code = poll(b_invite, "Bob holds a slot at the friend's box", [r, a, b])["code"]
    joined = time.monotonic()
    assert json.loads(ok(homes["a"], "join", code, "--json"))["followed"] is True
    ok(homes["b"], "follow", account["a"])
    meeting = Meeting(homes, r, a, b, a.status()["device"], b.status()["device"], joined,
                      alice, bob)
    poll(lambda: connected(homes["a"], meeting.b_device), "Alice connected to Bob",
         meeting.serves)
    return meeting
