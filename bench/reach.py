"""bench reach: how soon two homes in a simulated internet get a direct connection.

Every scenario runs real ``p2psocial serve`` processes in the network namespaces of
``tests/internet.py`` (homes behind NAT routers, one of them may run miniupnpd, a
friend's box with a public address), through the command line, like a user:

* ``port-mapped``: Alice's router speaks UPnP, Bob's does not. Both know the friend's
  box (each joined its invite; it follows both back). t0: Bob joins Alice's invite.
* ``hole-punched``: neither router maps ports. Both know the friend's box, which
  relays for them. t0: Bob joins Alice's invite (its only usable address is the circuit
  through the box); the relayed connection must turn into a punched one.
* ``hole-punched-resets``: the same behind routers that answer unsolicited packets with
  resets instead of dropping them: ``direct_share`` tells how often the punch wins.
* ``address-change``: Alice (behind UPnP) and Bob (behind plain NAT) are connected
  directly; then Alice's router gets a new address from its ISP. t0: the change; until
  Bob is connected to Alice's new address again, with no new invite.
* ``address-change-public``: the same with Alice's home on a public address (no NAT).
* ``ipv6-only``: two homes whose lines have no IPv4. t0: Bob joins Alice's invite.
* ``lan``: two people on one LAN who also have global IPv6 addresses. t0: the join;
  the path must be the LAN.

"Direct" is seen from outside the app, in Alice's namespace: an established TCP
connection between her serve's port and one of Bob's addresses (his router's public
address, or his own), never the box's. The path each side then reports
(``peers --json``: lan, direct, port-mapped, hole-punched, relayed) is printed too.

Figures per scenario, over ``--reps`` runs: ``direct_s_p50`` and ``direct_s_max`` (from
t0 to a direct connection, runs that got one), ``direct_share`` (runs with a direct
connection within ``--within`` seconds), ``relay_bytes_before_direct`` (hole punching:
the bytes the friend's box carried in the circuit until the two moved off it, from its
log; median), and the paths each side reported. Targets (issue 13): direct within
10 s behind a port-mapping router, within 30 s by hole punching; reconnect after an
address change within 30 s.

Needs root, ``ip netns``, iptables-legacy, conntrack and miniupnpd, like the namespace
tests: without them, one line on stderr and exit code 2.
"""

from __future__ import annotations

import functools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import emit, parser, record
from tests.clikit import ok
from tests.internet import account_of, init_homes, internet, poll
from tests.reachkit import friends, meet_at_the_box

TARGETS = {"port-mapped": 10.0, "hole-punched": 30.0, "hole-punched-resets": 30.0,
           "address-change": 30.0, "address-change-public": 30.0}
PUBLIC = "2001:db8::/32,203.0.113.0/24,198.51.100.0/24"
"""The simulated internet's documentation ranges count as global for its serves, as
real global addresses would (net/ip_parse.py ``PUBLIC_RANGES_ENV``)."""
DIRECT = frozenset({"lan", "direct", "port-mapped", "hole-punched"})


@dataclass
class Run:
    direct_s: float | None = None
    relay_bytes: int | None = None
    paths: dict[str, str | None] = field(default_factory=dict)


class Unavailable(Exception):
    """The machine cannot build the simulated internet."""


def main(argv: list[str] | None = None) -> int:
    p = parser("bench reach", __doc__.split("\n")[0])
    p.add_argument("--only", choices=sorted(SCENARIOS), help="run this scenario only")
    p.add_argument("--within", type=float, default=60.0,
                   help="seconds a run waits for a direct connection (default 60)")
    args = p.parse_args(argv)
    # common.parser's --reps (default 200) is for timing loops: here a run is minutes
    reps = 1 if args.quick else (3 if args.reps == p.get_default("reps") else args.reps)
    try:
        _check_machine()
    except Unavailable as exc:
        print(f"bench reach: {exc}", file=sys.stderr)
        return 2
    os.environ.setdefault("P2PSOCIAL_PUBLIC_RANGES", PUBLIC)  # the serves inherit it
    for name, scenario in SCENARIOS.items():
        if args.only not in (None, name):
            continue
        runs = []
        for rep in range(reps):
            print(f"[bench] reach {name} run {rep + 1}/{reps}", file=sys.stderr)
            with tempfile.TemporaryDirectory(prefix="p2ps-reach-") as tmp:
                runs.append(scenario(Path(tmp), args.within))
        emit(_figures(name, runs))
    return 0


def _figures(name: str, runs: list[Run]) -> dict[str, Any]:
    times = sorted(r.direct_s for r in runs if r.direct_s is not None)
    relayed = [r.relay_bytes for r in runs if r.relay_bytes is not None]
    out: dict[str, Any] = {
        "runs": len(runs),
        "direct_s_p50": round(statistics.median(times), 2) if times else None,
        "direct_s_max": round(times[-1], 2) if times else None,
        "direct_share": round(len(times) / len(runs), 2) if runs else None,
        "relay_bytes_before_direct": int(statistics.median(relayed)) if relayed else None,
        "paths": [r.paths for r in runs],
    }
    if name in TARGETS:
        out["target_s"] = TARGETS[name]
        out["meets_target"] = bool(times) and len(times) == len(runs) \
            and times[-1] <= TARGETS[name]
    return record("reach", name, **out)


def _check_machine() -> None:
    if os.geteuid() != 0:
        raise Unavailable("needs root (it builds network namespaces)")
    for tool in ("ip", "iptables-legacy", "conntrack", "miniupnpd"):
        if subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True
                          ).returncode:
            raise Unavailable(f"needs {tool} (the namespace tests' tools: see .ci/run)")


# --- what the scenarios share ----------------------------------------------------------


def _peer_paths(home: Path) -> dict[str, str | None]:
    return {p["device"]: p["path"] for p in json.loads(ok(home, "peers", "--json"))["peers"]}


def _established(host: Any) -> list[tuple[str, str]]:
    """(local, remote) of the TCP connections established in ``host``'s namespace."""
    out = host.run("ss", "-Htn", "state", "established").stdout
    return [(line.split()[-2], line.split()[-1]) for line in out.splitlines() if line.strip()]


def _direct_between(host: Any, port: int, remote_ips: list[str | None]) -> bool:
    """Whether ``host`` holds a TCP connection on ``port`` to one of ``remote_ips``."""
    ends = tuple(f"{ip}:" if ":" not in ip else f"[{ip}]:" for ip in remote_ips if ip)
    return any(local.rsplit(":", 1)[1] == str(port) and remote.startswith(ends)
               for local, remote in _established(host))


def _port(serve: Any) -> int:
    """The TCP port ``serve`` listens on (from a direct address: circuits end in
    ``/p2p-circuit``)."""
    direct = [a for a in serve.status()["addrs"] if "/p2p-circuit" not in a]
    return int(direct[0].rsplit("/", 1)[1])


def _until(condition: Callable[[], bool], t0: float, within: float) -> float | None:
    """Seconds from ``t0`` until ``condition()`` held, or None once ``within`` seconds
    from ``t0`` have passed without it."""
    while time.monotonic() - t0 < within:
        if condition():
            return time.monotonic() - t0
        time.sleep(0.1)
    return None


CIRCUIT_CLOSED = re.compile(r"circuit \S+ -> \S+ closed after (\d+) bytes")
"""What a relay logs when a circuit ends (relay.py): the bytes it carried, both ways."""


def _circuit_bytes(relay: Any) -> int | None:
    """The bytes the first circuit through ``relay`` (a Serve) carried, once it closed
    (within 10 s), from its log."""
    def closed() -> re.Match[str] | None:
        return CIRCUIT_CLOSED.search(relay.log.read_text())

    _until(lambda: closed() is not None, time.monotonic(), 10)
    found = closed()
    return int(found[1]) if found else None


def _meet_at_the_box(homes: dict[str, Path], box_serve: Any, serves: list[Any],
                     *names: str) -> None:
    """Each of ``names`` joins the box's invite, and the box follows each back (so it
    replicates them and relays for them)."""
    for n in names:
        assert json.loads(ok(homes[n], "join", box_serve.code, "--json"))["followed"]
        ok(homes["f"], "follow", account_of(homes[n]))
    device = box_serve.status()["device"]
    poll(lambda: all(device in s.status()["connected"] for s in serves
                     if s is not box_serve), "every home connected to the box", serves)


def _join(homes: dict[str, Path], code: str) -> None:
    """Bob joins Alice's invite and Alice follows Bob back."""
    assert json.loads(ok(homes["b"], "join", code, "--json"))["followed"]
    ok(homes["a"], "follow", account_of(homes["b"]))


def _paths(homes: dict[str, Path], a: Any, b: Any) -> dict[str, str | None]:
    return {"alice_sees_bob": _peer_paths(homes["a"]).get(b.status()["device"]),
            "bob_sees_alice": _peer_paths(homes["b"]).get(a.status()["device"])}


# --- the scenarios ---------------------------------------------------------------------


def port_mapped(tmp: Path, within: float) -> Run:
    homes = init_homes(tmp, f="Friend's box", a="Alice", b="Bob")
    with internet(tmp / "net") as net:
        box = net.box("friend")
        alice, bob = net.home("alice", upnp=True), net.home("bob")
        f = box.serve(homes["f"])
        a, b = alice.host.serve(homes["a"]), bob.host.serve(homes["b"])
        _meet_at_the_box(homes, f, [f, a, b], "a", "b")
        port = _port(a)
        mapped = f"/ip4/{alice.wan_ipv4}/tcp/{port}"
        _until(lambda: mapped in a.status()["addrs"], time.monotonic(), within)
        code = json.loads(ok(homes["a"], "invite", "--json"))["code"]
        t0 = time.monotonic()
        _join(homes, code)
        seconds = _until(lambda: _direct_between(alice.host, port, [bob.wan_ipv4]),
                         t0, within)
        return Run(seconds, None, _paths(homes, a, b))  # no relay between them


def hole_punched(tmp: Path, within: float, *, stealthy: bool = True) -> Run:
    """tests/test_reach_punch.py's meeting: routers that drop unsolicited packets (most
    home routers), or, ``stealthy=False``, routers that answer them with resets (where
    the punch works only when two SYNs cross: docs/network.md, "Hole punching"). Alice
    joins Bob's invite, which names only the box's circuit and Bob's private address."""
    with internet(tmp / "net", stun=False) as net:
        m = meet_at_the_box(tmp, net, stealthy=stealthy)
        bob_wan = m.bob.wan_ipv4 or ""
        seconds = _until(lambda: any(remote.startswith(f"{bob_wan}:") for _, remote
                                     in _established(m.alice.host)), m.joined, within)
        carried = _circuit_bytes(m.r) if seconds is not None else None
        return Run(seconds, carried, _paths(m.homes, m.a, m.b))


def address_change(tmp: Path, within: float, *, upnp: bool = True) -> Run:
    """tests/test_reach_moves.py's friends: Alice behind a UPnP router (``upnp``) or on
    a public address, Bob behind plain NAT, connected to her directly; the box passes
    records on and relays for nobody. t0: Alice's (router's) address changes."""
    with friends(tmp, upnp=upnp) as pair:
        t0 = time.monotonic()
        new = pair.move()
        seconds = _until(lambda: pair.bob_reaches_alice_at(new), t0, within)
        return Run(seconds, None, {"bob_sees_alice": pair.bob_says()})


def ipv6_only(tmp: Path, within: float) -> Run:
    homes = init_homes(tmp, a="Alice", b="Bob")
    with internet(tmp / "net", stun=False) as net:
        alice, bob = net.home("alice", ipv4=False), net.home("bob", ipv4=False)
        a = alice.host.serve(homes["a"], "--listen", "::")
        b = bob.host.serve(homes["b"], "--listen", "::")
        port = _port(a)
        code = json.loads(ok(homes["a"], "invite", "--json"))["code"]
        t0 = time.monotonic()
        _join(homes, code)
        seconds = _until(lambda: _direct_between(alice.host, port, [bob.host.ipv6]),
                         t0, within)
        return Run(seconds, None, _paths(homes, a, b))


def lan(tmp: Path, within: float) -> Run:
    """Alice's invite lists her global IPv6 address before her LAN one: the LAN path
    must still win (net/dial_order.py puts a same-LAN address first)."""
    homes = init_homes(tmp, a="Alice", b="Bob")
    with internet(tmp / "net", stun=False) as net:
        home = net.home("home", hosts=2)
        h1, h2 = home.hosts
        a = h1.serve(homes["a"], "--listen", "::")
        b = h2.serve(homes["b"], "--listen", "::")
        port = _port(a)
        code = json.loads(ok(homes["a"], "invite", "--json"))["code"]
        t0 = time.monotonic()
        _join(homes, code)
        seconds = _until(lambda: _direct_between(h1, port, [h2.ipv4]), t0, within)
        return Run(seconds, None, _paths(homes, a, b))


SCENARIOS: dict[str, Callable[[Path, float], Run]] = {
    "port-mapped": port_mapped,
    "hole-punched": hole_punched,
    "hole-punched-resets": functools.partial(hole_punched, stealthy=False),
    "address-change": address_change,
    "address-change-public": functools.partial(address_change, upnp=False),
    "ipv6-only": ipv6_only,
    "lan": lan,
}


if __name__ == "__main__":
    sys.exit(main())
