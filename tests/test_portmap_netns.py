"""Port mapping against a real router: ``p2psocial serve`` behind a miniupnpd home
router (tests/internet.py) maps its port by UPnP, advertises the router's address,
the friend's box dials it there, and Ctrl-C removes the mapping; NAT-PMP maps and
unmaps on the same router; behind a router without UPnP or NAT-PMP, serve says one
line and carries on.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from tests.internet import Home, internet, poll, require_tools
from tests.test_cli import ok


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
