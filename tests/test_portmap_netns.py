"""Port mapping against a real router: ``p2psocial serve`` behind a miniupnpd home
router (tests/internet.py) maps its port by UPnP, advertises the router's address,
the friend's box dials it there, and Ctrl-C removes the mapping; NAT-PMP maps and
unmaps on the same router; behind a router without UPnP or NAT-PMP, serve says one
line and carries on.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from p2psocial.invite import decode
from tests.clikit import ok
from tests.internet import Home, internet, poll, require_tools


def mappings(home: Home) -> str:
    """What the router's miniupnpd lists (UPnP and NAT-PMP share one table)."""
    return home.host.run("upnpc", "-i", "-l").stdout


def test_serve_maps_its_port_by_upnp_and_removes_it_on_ctrl_c(tmp_path: Path) -> None:
    require_tools("upnpc")
    ok(tmp_path / "a", "init", "--name", "Alice")
    with internet(tmp_path / "net") as net:
        friend = net.box()
        alice = net.home("alice", upnp=True)
        started = time.monotonic()
        serve = alice.host.serve(tmp_path / "a")
        port = int(serve.status()["addrs"][-1].rsplit("/", 1)[1])
        mapped = f"/ip4/{alice.wan_ipv4}/tcp/{port}"

        def advertised() -> list[str]:
            addrs = serve.status()["addrs"]
            return addrs if mapped in addrs else []

        addrs = poll(advertised, "serve advertises the mapped address", [serve])
        took = time.monotonic() - started
        assert addrs[0] == mapped  # first: the one that works from outside
        invite = json.loads(ok(tmp_path / "a", "invite", "--json"))
        assert invite["addrs"][0] == mapped
        assert f"{port}->{alice.host.ipv4}:{port}" in mappings(alice)  # same port
        assert friend.connect(alice.wan_ipv4 or "", port) == "connected"
        log = serve.log.read_text()
        assert f"port mapping (upnp): {mapped} reaches our port {port}" in log, log

        assert serve.stop(signal.SIGINT) == 0  # Ctrl-C
        # the invite printed at start had no mapping yet: a fresh one followed
        fresh = serve.printed.split("A fresh invite code:\n", 1)[1].split("\n", 1)[0]
        assert decode(fresh).addrs[0] == mapped, serve.printed
        log = serve.log.read_text()
        assert f"port mapping removed: {mapped}" in log, log
        assert f"->{alice.host.ipv4}:{port}" not in mappings(alice)
        assert friend.connect(alice.wan_ipv4 or "", port, 1) != "connected"
        assert "Traceback" not in log and " ERROR " not in log, log
    print(f"\nserve start to mapped address in serve.json: {took:.2f} s")


NATPMP = """
import sys, trio
from p2psocial.net.portmap import Mapping, NatPmp

async def main(what, port):
    if what == "map":
        mapping = await NatPmp().map(port, port, 120)
        print(mapping.external_ip, mapping.external_port, mapping.lifetime)
    else:
        await NatPmp().unmap(Mapping("natpmp", "", port, port, 0))
        print("removed")

trio.run(main, sys.argv[1], int(sys.argv[2]))
"""


def test_natpmp_maps_and_unmaps_on_the_same_router(tmp_path: Path) -> None:
    require_tools("upnpc")
    with internet(tmp_path) as net:
        friend = net.box()
        alice = net.home("alice", upnp=True)
        at_alice = alice.host.listen(7020)
        got = alice.host.python(NATPMP, "map", "7020").split()
        assert got == [alice.wan_ipv4, "7020", "120"]
        assert f"7020->{alice.host.ipv4}:7020" in mappings(alice)
        assert friend.connect(alice.wan_ipv4 or "", 7020) == "connected"
        assert at_alice.next_peer() == friend.ipv4
        assert alice.host.python(NATPMP, "unmap", "7020") == "removed"
        assert "7020->" not in mappings(alice)
        assert friend.connect(alice.wan_ipv4 or "", 7020, 1) != "connected"


def test_no_router_to_ask_is_one_line(tmp_path: Path) -> None:
    ok(tmp_path / "b", "init", "--name", "Bob")
    with internet(tmp_path / "net", stun=False) as net:
        bob = net.home("bob")  # NAT, no UPnP, no NAT-PMP
        serve = bob.host.serve(tmp_path / "b")

        def said() -> str:
            return serve.log.read_text() if "port mapping" in serve.log.read_text() else ""

        poll(said, "serve says it found no router", [serve], within=20)
        assert all(bob.wan_ipv4 not in a for a in serve.status()["addrs"])
        assert serve.stop(signal.SIGINT) == 0
        log = serve.log.read_text()
        lines = [line for line in log.splitlines() if "port mapping" in line]
        assert len(lines) == 1 and "no router answered" in lines[0], log
        assert " INFO " in lines[0]
        assert "Traceback" not in log and " ERROR " not in log and " WARNING " not in log, log


MAPPER = """
import signal, sys, trio
from p2psocial.net.portmap import Lease, PortMapper

async def main(port):
    mapper = PortMapper(port, lease_plan=Lease(recheck=1.0),
                        on_change=lambda: print(" ".join(mapper.addrs()) or "-", flush=True))
    with trio.open_signal_receiver(signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(mapper.run)
            async for _ in signals:
                nursery.cancel_scope.cancel()
    print("stopped", flush=True)

trio.run(main, int(sys.argv[1]))
"""


def test_a_new_router_address_is_picked_up_at_the_next_check(tmp_path: Path) -> None:
    """The provider renumbers Alice's line and her router restarts miniupnpd: the mapper
    (checking every second here, every RECHECK s in serve) finds the router at its new
    URL, maps again and advertises the new address; stopping removes the mapping."""
    require_tools("upnpc")
    with internet(tmp_path) as net:
        alice = net.home("alice", upnp=True)
        proc = alice.host.popen(sys.executable, "-c", MAPPER, "7030",
                                stderr=subprocess.DEVNULL)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == f"/ip4/{alice.wan_ipv4}/tcp/7030"
        t0 = time.monotonic()
        new = alice.change_wan_address()
        assert proc.stdout.readline().strip() == f"/ip4/{new}/tcp/7030"
        took = time.monotonic() - t0
        assert "7030->" in mappings(alice)
        proc.send_signal(signal.SIGTERM)
        assert proc.stdout.readline().strip() == "stopped"
        assert proc.wait(timeout=10) == 0
        assert "7030->" not in mappings(alice)
    print(f"\nrouter renumbered to new address advertised: {took:.2f} s")


UPNP_MAP = """
import sys, trio
from p2psocial.net.portmap import Upnp

async def main(port, external):
    mapping = await Upnp().map(port, external, 120)
    print(mapping.external_ip, mapping.external_port)

trio.run(main, int(sys.argv[1]), int(sys.argv[2]))
"""


def test_a_port_held_by_another_machine_is_never_taken(tmp_path: Path) -> None:
    require_tools("upnpc")
    with internet(tmp_path) as net:
        home = net.home("alice", upnp=True, hosts=2)
        other, me = home.hosts
        held = other.run("upnpc", "-i", "-a", other.ipv4 or "", "7040", "7040", "TCP")
        assert "is redirected" in held.stdout, held.stdout
        ip_, port = me.python(UPNP_MAP, "7040", "7040").split()
        assert ip_ == home.wan_ipv4 and port != "7040" and 20000 <= int(port) < 60000
        listed = mappings(home)
        assert f"7040->{other.ipv4}:7040" in listed  # still the other machine's
        assert f"{port}->{me.ipv4}:7040" in listed, listed
        # asking again for our own mapping keeps it (a renewal)
        assert me.python(UPNP_MAP, "7040", port).split()[1] == port
