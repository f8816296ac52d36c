"""Issue 3's "relayed connection" for real: three ``p2psocial serve`` processes in network
namespaces that this test makes, where A and B have no path to each other but R.

    A (10.X.Y.2/30) ---veth--- (10.X.Y.1/30) R (10.X.Y.5/30) ---veth--- (10.X.Y.6/30) B

R is the community box: it listens on both links. A and B each know only their own
link (no other route), and R does not forward (``ip_forward`` 0 in its namespace,
checked): a TCP connect from A's namespace to B's address fails at once, before any
node starts. B listens on its private address only, which ``reachable_from_outside``
counts as unreachable (no global address), so B's serve holds a relay slot at a
connected friend that relays: R, once R replicates B's account.

Everything goes through the command line, like a user: B joins R's invite; R follows B
through R's serve (so R grants B a slot); B's ``invite`` then carries a circuit
address through R (serve.json follows the slots); A's serve joins that code and
reaches B through R; B follows A back; posts made through each serve reach the other.
R serves with ``--hops 1``: it replicates B but not A (who is two hops away), so A's
post can only reach B over the relayed A-B connection, whose bytes R copies but does
not store (checked in R's store at the end).

The namespaces, links and subnet (10.X.Y.0/29, X and Y random) are unique per run and
always removed, processes first; nothing is added to the root namespace. Needs root and
``ip netns``; skipped otherwise. Delays go to the test's output (``-s``).
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from p2psocial import ids
from p2psocial.net import relay
from p2psocial.net.host import peer_id_from_device_id
from p2psocial.store import Store
from tests.clikit import ok, post_and_watch
from tests.internet import Serve, ip, poll, require_netns


@dataclass(frozen=True)
class Topology:
    r: str  # namespaces
    a: str
    b: str
    r_to_a: str  # R's address on A's link
    a_addr: str
    r_to_b: str  # R's address on B's link
    b_addr: str


def in_ns(ns: str, code: str) -> str:
    """Run a short Python snippet in namespace ``ns``; its stdout."""
    done = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", code],
                          capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@contextmanager
def relay_topology() -> Iterator[Topology]:
    require_netns()
    tag = secrets.token_hex(3)
    net = f"10.{secrets.randbelow(254) + 1}.{secrets.randbelow(256)}"
    topo = Topology(f"p2pr-{tag}-r", f"p2pr-{tag}-a", f"p2pr-{tag}-b",
                    f"{net}.1", f"{net}.2", f"{net}.5", f"{net}.6")
    made: list[str] = []
    try:
        for ns in (topo.r, topo.a, topo.b):
            try:
                ip("netns", "add", ns)
            except OSError as exc:
                pytest.skip(f"cannot create network namespaces here: {exc}")
            made.append(ns)
        for side, r_addr, addr in (("a", topo.r_to_a, topo.a_addr),
                                   ("b", topo.r_to_b, topo.b_addr)):
            ns = topo.a if side == "a" else topo.b
            r_end, end = f"p{tag}r{side}", f"p{tag}{side}r"  # 9 characters
            # made in R's namespace with its peer end in the other: never in the root one
            ip("link", "add", r_end, "type", "veth", "peer", "name", end, "netns", ns,
               ns=topo.r)
            ip("addr", "add", f"{r_addr}/30", "dev", r_end, ns=topo.r)
            ip("addr", "add", f"{addr}/30", "dev", end, ns=ns)
            ip("link", "set", r_end, "up", ns=topo.r)
            ip("link", "set", end, "up", ns=ns)
        for ns in made:
            ip("link", "set", "lo", "up", ns=ns)
        # a new namespace may inherit the root one's settings: R must not forward
        in_ns(topo.r, "open('/proc/sys/net/ipv4/ip_forward', 'w').write('0')")
        yield topo
    finally:
        for ns in reversed(made):  # deleting a namespace deletes its veth ends
            with suppress(OSError):
                ip("netns", "del", ns)


PROBE = """
import errno, json, socket, sys, time
out = {}
for addr in sys.argv[1:]:
    s = socket.socket()
    s.settimeout(3)
    start = time.monotonic()
    try:
        s.connect((addr, 9))
        out[addr] = "connected"
    except OSError as exc:
        out[addr] = errno.errorcode.get(exc.errno, str(exc))
    out[addr + " s"] = time.monotonic() - start
    s.close()
print(json.dumps(out))
"""


def probe(ns: str, *addrs: str) -> dict:
    """TCP connects (port 9, nothing listens) from ``ns``: errno name and seconds each."""
    done = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", PROBE, *addrs],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_reaches_b_only_through_the_community_box_relay(tmp_path: Path) -> None:
    require_netns()  # before spending seconds on homes
    started = time.monotonic()
    homes = {name: tmp_path / name for name in ("r", "a", "b")}
    for name, who in (("r", "Community box"), ("a", "Alice"), ("b", "Bob")):
        ok(homes[name], "init", "--name", who)
    account = {n: json.loads(ok(h, "whoami", "--json"))["account"] for n, h in homes.items()}
    serves: list[Serve] = []
    timings: dict[str, float] = {}
    with relay_topology() as topo:
        # A and B cannot reach each other (no route, R does not forward), each reaches R
        assert in_ns(topo.r, "print(open('/proc/sys/net/ipv4/ip_forward').read())") == "0"
        for ns, mine, theirs in ((topo.a, topo.r_to_a, topo.b_addr),
                                 (topo.b, topo.r_to_b, topo.a_addr)):
            seen = probe(ns, mine, theirs)
            assert seen[mine] == "ECONNREFUSED", seen  # R answered: nothing on port 9
            assert seen[theirs] in ("ENETUNREACH", "EHOSTUNREACH"), seen
            assert seen[theirs + " s"] < 1.0, seen
        try:
            # R, the community box: both links; replicates only its members (one hop)
            r = Serve(topo.r, homes["r"], "0.0.0.0", "--hops", "1")
            serves.append(r)
            r_addrs = r.status()["addrs"]
            assert {f"/ip4/{topo.r_to_a}/tcp/", f"/ip4/{topo.r_to_b}/tcp/"} <= {
                a.rsplit("/", 1)[0] + "/" for a in r_addrs}, r_addrs
            # R follows B through its serve: it will replicate B, hence give B a slot
            ok(homes["r"], "follow", account["b"])
            # B joins R's invite (no serve yet: recorded for B's serve), then serves on
            # its private address alone
            assert json.loads(ok(homes["b"], "join", r.code, "--json"))["followed"] is True
            t0 = time.monotonic()
            b = Serve(topo.b, homes["b"], topo.b_addr)
            serves.append(b)

            def b_circuits() -> dict | None:
                doc = json.loads(ok(homes["b"], "invite", "--json"))
                return doc if any(a.endswith("/p2p-circuit") for a in doc["addrs"]) else None

            b_invite = poll(b_circuits, "B holds a relay slot at R (its invite)", serves)
            timings["B's serve start to a slot in its invite (s)"] = time.monotonic() - t0
            r_peer = peer_id_from_device_id(ids.decode(ids.DEVICE, r.status()["device"]))
            direct = [a for a in b_invite["addrs"] if "/p2p-circuit" not in a]
            circuits = [relay.parse_circuit(a) for a in b_invite["addrs"] if a not in direct]
            assert [a.rsplit("/", 1)[0] for a in direct] == [f"/ip4/{topo.b_addr}/tcp"]
            assert {peer for _, peer in circuits} == {r_peer}, circuits
            assert any(f"/ip4/{topo.r_to_a}/tcp/" in a for a, _ in circuits), circuits

            # A serves on its own link, then joins B's code through its serve: the
            # direct address fails (no route), the circuit through R works
            a = Serve(topo.a, homes["a"], topo.a_addr)
            serves.append(a)
            t0 = time.monotonic()
            joined = json.loads(ok(homes["a"], "join", b_invite["code"], "--json"))
            assert joined["followed"] is True
            b_device = b.status()["device"]

            def a_sees_b() -> list[dict]:
                peers = json.loads(ok(homes["a"], "peers", "--json"))["peers"]
                return [p for p in peers if p["device"] == b_device
                        and p["state"] == "connected"]

            poll(a_sees_b, "A connected to B", serves)
            timings["A's join to B connected at A (s)"] = time.monotonic() - t0
            # B follows A back, through B's serve, into the open session
            ok(homes["b"], "follow", account["a"])

            watched = {}
            for writer, reader in (("a", "b"), ("b", "a")):
                text = f"relayed hello from {writer} {secrets.token_hex(2)}"
                since_signing, after_post = post_and_watch(homes[writer], homes[reader], text)
                watched[writer] = text
                timings[f"{writer}->{reader}: signing to stored (ms)"] = since_signing
                timings[f"{writer}->{reader}: after 'post' returned (ms)"] = after_post
            for writer, reader in (("a", "b"), ("b", "a")):
                items = json.loads(ok(homes[reader], "feed", "--json"))["items"]
                assert watched[writer] in [p["text"] for p in items]

            peers_a = json.loads(ok(homes["a"], "peers", "--json"))
            assert peers_a["serving"] is True
            row = next(p for p in peers_a["peers"] if p["device"] == b_device)
            assert row["state"] == "connected" and row["source"] == "invite"
            assert [x for x in row["addrs"] if relay.is_circuit(x)], row  # from the code
            peers_b = json.loads(ok(homes["b"], "peers", "--json"))
            a_device = a.status()["device"]
            assert any(p["device"] == a_device and p["state"] == "connected"
                       for p in peers_b["peers"])
        finally:
            codes = [s.stop() for s in reversed(serves)]
        logs = {s.home.name: s.log.read_text() for s in serves}
        assert codes == [0] * len(serves), logs
        assert not any("Traceback" in text for text in logs.values()), logs
    # R relayed A's post but never stored A's log: it was not R's to replicate
    store = Store(homes["r"] / "store.sqlite", readonly=True)
    try:
        held = set(store.clock())
    finally:
        store.close()
    assert ids.decode(ids.DEVICE, b_device) in held
    assert ids.decode(ids.DEVICE, a_device) not in held
    for home in homes.values():
        assert json.loads(ok(home, "verify", "--json"))["ok"]
    timings["whole test (s)"] = time.monotonic() - started
    print("\n" + "\n".join(f"{k}: {v:.2f}" for k, v in timings.items()))
