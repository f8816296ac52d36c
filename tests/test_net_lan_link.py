"""Linking a second device on a LAN with no internet (issue 16): Ann's desk serves on a
simulated LAN host, her laptop on another links to it with the code the desk printed
(its LAN address is in the code), then both serve with LAN discovery on and the
laptop's post reaches the desk over the LAN. The code itself is not found by mDNS: it
carries the addresses (docs/network.md "Linking a device"). Real processes in network
namespaces that the test makes and always removes (tests/lankit.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.clikit import cli_env, feed_texts, ok
from tests.lankit import SUBNET, serve_in, simulated_lan, stop_all
from tests.waitkit import poll

WITHIN = 60.0  # seconds: mDNS answers and a first session on a shared machine


def cli_in(netns: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", "netns", "exec", netns, sys.executable, "-m", "p2psocial",
                           "--home", str(home), *args], capture_output=True, text=True,
                          env=cli_env(), timeout=120)


def test_a_laptop_links_to_the_desk_over_a_lan_and_they_replicate(tmp_path: Path) -> None:
    desk, laptop = tmp_path / "desk", tmp_path / "laptop"
    ok(desk, "init", "--name", "Ann")
    ok(desk, "post", "from the desk")
    procs: list[subprocess.Popen[str]] = []
    logs = [tmp_path / "desk.log", tmp_path / "laptop.log"]
    with simulated_lan(2) as lan:
        (ns_desk, ip_desk), (ns_laptop, ip_laptop) = lan
        try:
            procs.append(serve_in(ns_desk, ip_desk, desk, logs[0]))

            # a command run before the serve holds the home would take it itself
            poll(lambda: (desk / "control.sock").exists(), "the desk's serve up",
                 within=WITHIN, every=0.2)
            text = json.loads(ok(desk, "device", "link", "--json"))["code"]
            joined = cli_in(ns_laptop, laptop, "device", "join", text, "--name", "Laptop",
                            "--json")
            assert joined.returncode == 0 and joined.stderr == "", joined.stderr
            assert "from the desk" in feed_texts(laptop)  # caught up while linking
            ok(laptop, "post", "from the laptop")
            procs.append(serve_in(ns_laptop, ip_laptop, laptop, logs[1]))
            seen = poll(lambda: "from the laptop" in feed_texts(desk),
                        "the laptop's post at the desk", within=WITHIN, every=0.3, last=True)
            assert seen, [log.read_text() for log in logs]
            peers = json.loads(ok(desk, "peers", "--json"))["peers"]
            laptop_device = json.loads(joined.stdout)["device"]
            found = [p for p in peers if p["device"] == laptop_device]
            assert found and all(a.startswith(f"/ip4/{SUBNET}.") for a in found[0]["addrs"])
        finally:
            stop_all(procs)
    assert [proc.returncode for proc in procs] == [0, 0], [log.read_text() for log in logs]
    names = {d["name"] for d in json.loads(ok(desk, "devices", "--json"))["devices"]}
    assert names == {"", "Laptop"}
