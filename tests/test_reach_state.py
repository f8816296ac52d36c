"""Knowing where you stand on a simulated internet (tests/internet.py): real serves in
namespaces, a friend's box with a public address, homes behind NAT routers.

* the friend's box is public (confirmed by a home's dial-back), a home behind plain NAT
  is behind NAT (the box's dial-back did not get through), and ``peers --json`` shows
  the homes' connections to the box as direct;
* a home that knows another home only by its LAN address says why they are not
  connected ("Neither of you accepts incoming connections..."); given the other's
  circuit address through the box, they connect, relayed, and both say so;
* behind a router with UPnP, the home is port-mapped (confirmed), and a home that
  dials it there is on a port-mapped path, as both sides say (the dialing side from
  the port-mapped home's signed address record).

The documentation ranges of the simulated internet count as public
(``P2PSOCIAL_PUBLIC_RANGES``): Python calls them not global.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.clikit import ok
from tests.internet import Serve, account_of, init_homes, internet, poll, require_tools

PUBLIC = "203.0.113.0/24,198.51.100.0/24,2001:db8::/32"


def js(home: Path, *args: str) -> Any:
    return json.loads(ok(home, *args, "--json"))


def device(serve: Serve) -> str:
    return str(serve.status()["device"])


def reach_of(home: Path, *, confirmed: bool = True) -> dict | None:
    """Our reachability as ``peers --json`` says, once (confirmed, if asked)."""
    doc = js(home, "peers")["reachability"]
    return doc if doc and (doc["confirmed"] or not confirmed) else None


def peer_of(home: Path, dev: str) -> dict:
    return next((p for p in js(home, "peers")["peers"] if p["device"] == dev), {})


@pytest.fixture(autouse=True)
def public_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("P2PSOCIAL_PUBLIC_RANGES", PUBLIC)  # serves inherit it


def homes(tmp_path: Path, *names: str) -> list[Path]:
    return list(init_homes(tmp_path, **{name: name.capitalize() for name in names}).values())


def test_public_box_homes_behind_nat_direct_and_relayed_paths(tmp_path: Path) -> None:
    f, b, c = homes(tmp_path, "fay", "bob", "cat")
    with internet(tmp_path / "net") as net:
        box = net.box("fay")
        bob, cat = net.home("bob"), net.home("cat")  # plain NAT: no UPnP, no NAT-PMP
        sf = box.serve(f)
        # relayed must stay relayed to be seen: no hole punching (test_reach_punch's part)
        sb = bob.host.serve(b, "--no-hole-punching")
        sc = cat.host.serve(c, "--no-hole-punching")
        logs: list[Path | Serve] = [sf, sb, sc]
        # Cat knows Bob only by the code his serve printed: his LAN address
        ok(c, "join", sb.code)
        why = poll(lambda: (peer_of(c, device(sb)).get("why_not") or {}).get("reason")
                   == "neither-accepts" and peer_of(c, device(sb))["why_not"], "Cat says why",
                   logs)
        assert why["text"].startswith("Neither of you accepts incoming connections and no "
                                      "common friend can relay: "), why
        assert reach_of(c, confirmed=False)["state"] == "behind-nat"  # type: ignore[index]
        # both homes make friends with Fay's box, and she with them
        started = time.monotonic()
        for home in (b, c):
            ok(home, "join", sf.code)
            ok(f, "follow", account_of(home))
        fay = poll(lambda: reach_of(f), "Fay's box confirmed", logs, within=60)
        took_f = time.monotonic() - started
        assert fay["state"] == "public" and fay["basis"] == "dialback", fay
        assert any(box.ipv4 in a for a in fay["reachable_at"]), fay
        home_b = poll(lambda: reach_of(b), "Bob's home confirmed", logs, within=90)
        took_b = time.monotonic() - started
        assert home_b["state"] == "behind-nat", home_b
        for home, served in ((b, sb), (c, sc)):
            assert peer_of(f, device(served))["path"] == "direct"
            assert peer_of(home, device(sf))["path"] == "direct"
        # Bob's invite now carries his circuit address through Fay's box
        code = poll(lambda: (lambda i: i["code"] if any("p2p-circuit" in a for a in i["addrs"])
                             else None)(js(b, "invite")), "Bob holds a slot at Fay's", logs)
        ok(c, "join", code)
        poll(lambda: peer_of(c, device(sb)).get("path") == "relayed", "Cat reaches Bob", logs,
             within=60)
        poll(lambda: peer_of(b, device(sc)).get("path") == "relayed", "Bob sees Cat", logs)
        text = ok(b, "peers")
        assert text.startswith("Reachability: behind nat: others on the internet cannot "
                               "connect to you"), text
        assert "connected (relayed)" in text and "connected (direct)" in text, text
        for serve in (sf, sb, sc):
            log = serve.log.read_text()
            assert "Traceback" not in log, log
    print(f"\nfrom joining the box: box confirmed public in {took_f:.1f} s, home behind "
          f"NAT in {took_b:.1f} s")


def test_a_home_with_upnp_is_port_mapped_and_seen_on_a_port_mapped_path(
        tmp_path: Path) -> None:
    require_tools("upnpc")
    f, a, b = homes(tmp_path, "fay", "ann", "bob")
    with internet(tmp_path / "net") as net:
        box = net.box("fay")
        ann, bob = net.home("ann", upnp=True), net.home("bob")
        sf = box.serve(f)
        sa = ann.host.serve(a)
        sb = bob.host.serve(b)
        logs: list[Path | Serve] = [sf, sa, sb]
        started = time.monotonic()
        for home in (a, b):
            ok(home, "join", sf.code)
            ok(f, "follow", account_of(home))
        mapped = poll(lambda: reach_of(a) if (reach_of(a) or {}).get("state") == "port-mapped"
                      else None, "Ann's home confirmed port-mapped", logs, within=90)
        took = time.monotonic() - started
        assert mapped["state"] == "port-mapped", mapped
        assert mapped["reachable_at"] == [a for a in sa.status()["addrs"]
                                          if ann.wan_ipv4 in a], mapped
        # Bob dials Ann where her router forwards; she follows him back, so her signed
        # address record (which marks that address port-mapped) reaches him too
        code = js(a, "invite")["code"]
        ok(b, "join", code)
        ok(a, "follow", account_of(b))
        poll(lambda: peer_of(a, device(sb)).get("path") == "port-mapped",
             "Ann sees Bob come in through her mapped port", logs, within=60)
        poll(lambda: peer_of(b, device(sa)).get("path") == "port-mapped",
             "Bob sees that he dialed Ann's mapped port", logs, within=60)
        assert peer_of(a, device(sb))["path"] == "port-mapped"
    print(f"\nfrom joining the box: home with UPnP confirmed port-mapped in {took:.1f} s")
