"""A simulated LAN of network namespaces, for serve processes that find each other by
mDNS: ``simulated_lan(n)`` makes ``n`` hosts on one bridge (private addresses in
``SUBNET``, multicast on) and always removes them; ``serve_in`` runs a serve in one.
The names are unique per run, so no other run on this machine hears these hosts.
Needs root and ``ip netns``; a test that asks for one is skipped otherwise.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from tests.clikit import cli_env
from tests.internet import ip

SUBNET = "10.77.0"


@contextmanager
def simulated_lan(hosts: int) -> Iterator[list[tuple[str, str]]]:
    """``hosts`` namespaces on one bridge; yields (namespace, address) for each."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 to build a LAN of network namespaces")
    tag = secrets.token_hex(3)
    bridge = f"p2ps-{tag}-br"
    made: list[str] = []
    try:
        try:
            ip("netns", "add", bridge)
        except OSError as exc:
            pytest.skip(f"cannot create network namespaces here: {exc}")
        made.append(bridge)
        ip("link", "add", "br0", "type", "bridge", ns=bridge)
        ip("link", "set", "br0", "up", ns=bridge)
        out = []
        for n in range(1, hosts + 1):
            netns, inside, outside = f"p2ps-{tag}-{n}", f"p{tag}h{n}", f"p{tag}b{n}"
            ip("netns", "add", netns)
            made.append(netns)
            ip("link", "add", inside, "type", "veth", "peer", "name", outside)
            ip("link", "set", inside, "netns", netns)
            ip("link", "set", outside, "netns", bridge)
            ip("link", "set", outside, "master", "br0", ns=bridge)
            ip("link", "set", outside, "up", ns=bridge)
            address = f"{SUBNET}.{n}"
            ip("addr", "add", f"{address}/24", "dev", inside, ns=netns)
            ip("link", "set", inside, "up", "multicast", "on", ns=netns)
            ip("link", "set", "lo", "up", ns=netns)
            ip("route", "add", "224.0.0.0/4", "dev", inside, ns=netns)
            out.append((netns, address))
        yield out
    finally:
        for netns in reversed(made):  # deleting a namespace deletes its veth ends
            with suppress(OSError):
                ip("netns", "del", netns)


def serve_in(netns: str, address: str, home: Path, log: Path) -> subprocess.Popen[str]:
    with log.open("w") as err:
        return subprocess.Popen(
            ["ip", "netns", "exec", netns, sys.executable, "-m", "p2psocial", "--home",
             str(home), "serve", "--listen", address],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, text=True,
            env=cli_env())


def stop_all(procs: list[subprocess.Popen[str]]) -> None:
    """SIGTERM every serve, then wait for each (killed after 20 s): the test reads
    their exit codes."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
