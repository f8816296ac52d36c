"""Two ``p2psocial serve`` processes with LAN discovery on and empty address books find
each other by mDNS, connect and replicate, each on its own simulated LAN host.

The LAN is made of network namespaces that this test creates and always removes: one
per serve, each with one end of a veth pair, and a third holding a bridge that joins
the other ends (private addresses, multicast on, a 224.0.0.0/4 route). The names are
unique per run, so runs of other tests on this machine (which may use LAN discovery
on loopback) can never hear these two, nor these two them. Needs root and
``ip netns``; skipped otherwise.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests import waitkit
from tests.clikit import cli_env, ok
from tests.lankit import SUBNET, serve_in, simulated_lan, stop_all


def poll(check: Callable[[], Any], within: float = 60.0) -> Any:
    """The first true value of ``check()`` within ``within`` seconds, else the last."""
    return waitkit.poll(check, "the LAN", within=within, every=0.3, last=True)


def test_two_serves_find_each_other_on_a_lan_and_replicate(tmp_path: Path) -> None:
    homes = [tmp_path / "a", tmp_path / "b"]
    accounts = []
    for name, home in zip(("Alice", "Bob"), homes, strict=True):
        ok(home, "init", "--name", name)
        ok(home, "post", f"hello from {name}")
        accounts.append(json.loads(ok(home, "whoami", "--json"))["account"])
    ok(homes[0], "follow", accounts[1])
    ok(homes[1], "follow", accounts[0])
    procs: list[subprocess.Popen[str]] = []
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    with simulated_lan(2) as lan:
        try:
            for (netns, address), home, log in zip(lan, homes, logs, strict=True):
                procs.append(serve_in(netns, address, home, log))

            def peers(home: Path) -> list[dict]:
                done = subprocess.run(
                    [sys.executable, "-m", "p2psocial", "--home", str(home), "peers",
                     "--json"], capture_output=True, text=True, env=cli_env(), timeout=30)
                return json.loads(done.stdout)["peers"] if done.returncode == 0 else []

            def feed(home: Path) -> list[str]:
                return [p["text"] for p in json.loads(ok(home, "feed", "--json"))["items"]]

            for home, other in ((homes[0], "Bob"), (homes[1], "Alice")):
                seen = poll(lambda: f"hello from {other}" in feed(home))  # noqa: B023
                assert seen, [log.read_text() for log in logs]
            sources = []
            for home in homes:
                found = poll(lambda: [p for p in peers(home)  # noqa: B023
                                      if p["state"] == "connected" and p["nearby"]])
                if not found:
                    pytest.fail("\n".join([f"not connected: {peers(home)}",
                                           *(log.read_text() for log in logs)]))
                assert len(peers(home)) == 1  # the one found on the LAN, nobody else
                addrs = found[0]["addrs"]  # announced by mDNS: its LAN address
                assert addrs and all(a.startswith(f"/ip4/{SUBNET}.") for a in addrs)
                sources.append(found[0]["source"])
            # the side that was dialed first may have met the other as an inbound peer
            assert "mdns" in sources and set(sources) <= {"mdns", "peer"}
        finally:
            stop_all(procs)
    assert [proc.returncode for proc in procs] == [0, 0], [log.read_text() for log in logs]
