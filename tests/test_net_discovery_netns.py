"""What a real mDNS announcement carries on a machine with a VPN, a container bridge
and a link-local address (finding 9 of issue 12: A records listed every interface).

The machine is a network namespace this test creates and always deletes: a LAN
interface (a veth), ``tun0`` (a real tun device: point-to-point, no link layer),
``wg0`` (another tun, for the name), ``docker0`` (a bridge) and a link-local address
on a second veth. Inside it, a child process runs LAN discovery as the app does
(every interface) and a listener on the LAN interface reports the addresses it hears.
Nothing leaves the namespace. Needs root and ``ip netns``; skipped otherwise.

Run as a script (inside the namespace), this file is the child.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import trio

ROOT = Path(__file__).resolve().parent.parent
LAN_IP = "10.66.0.2"


def ip(ns: str, *args: str) -> None:
    done = subprocess.run(["ip", "-n", ns, *args], capture_output=True, text=True, timeout=10)
    if done.returncode != 0:
        raise OSError(f"ip {' '.join(args)}: {done.stderr.strip()}")


@contextmanager
def busy_machine() -> Iterator[str]:
    """A namespace with a LAN, a VPN, a container bridge and a link-local address."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 to build a network namespace")
    ns = f"p2ps-addr-{secrets.token_hex(3)}"
    done = subprocess.run(["ip", "netns", "add", ns], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot create network namespaces here: {done.stderr.strip()}")
    try:
        ip(ns, "link", "set", "lo", "up")
        for name, peer, addr in (("lan0", "lan0p", f"{LAN_IP}/24"),
                                 ("lan1", "lan1p", "169.254.7.7/16")):
            ip(ns, "link", "add", name, "type", "veth", "peer", "name", peer)
            ip(ns, "addr", "add", addr, "dev", name)
            for end in (name, peer):
                ip(ns, "link", "set", end, "multicast", "on", "up")
        ip(ns, "route", "add", "224.0.0.0/4", "dev", "lan0")
        for tun, addr in (("tun0", "10.8.0.2/24"), ("wg0", "10.66.66.2/24")):
            ip(ns, "tuntap", "add", "mode", "tun", "name", tun)
            ip(ns, "addr", "add", addr, "dev", tun)
            ip(ns, "link", "set", tun, "multicast", "on", "up")
        ip(ns, "link", "add", "docker0", "type", "bridge")
        ip(ns, "addr", "add", "172.17.0.1/16", "dev", "docker0")
        ip(ns, "link", "set", "docker0", "multicast", "on", "up")
        yield ns
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)


def in_namespace(ns: str, *args: str) -> list[dict[str, object]]:
    """Run this file as the child inside ``ns``; the JSON lines it printed."""
    done = subprocess.run(["ip", "netns", "exec", ns, sys.executable, __file__, *args],
                          capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_a_real_announcement_carries_only_the_lan_address() -> None:
    kind = f"_p2pn-{secrets.token_hex(4)}._udp.local."
    with busy_machine() as ns:
        heard = in_namespace(ns, "first", kind)
    assert heard[-1]["addrs"] == [f"/ip4/{LAN_IP}/tcp/4001"], heard


def test_a_new_address_is_announced_anew_under_a_new_name() -> None:
    """The machine's LAN address changes (another network) while discovery runs: it
    starts again there, under a new name, and a listener hears the new address."""
    kind = f"_p2pn-{secrets.token_hex(4)}._udp.local."
    with busy_machine() as ns:
        heard = in_namespace(ns, "move", kind)
    first, moved = heard[0], heard[-1]
    assert first["addrs"] == [f"/ip4/{LAN_IP}/tcp/4001"], heard
    assert moved["addrs"] == ["/ip4/10.66.1.2/tcp/4001"], heard
    assert first["name"] != moved["name"], heard


# --- the child, inside the namespace ---------------------------------------------------


async def _child(how: str, kind: str) -> None:
    from p2psocial.net import discovery, lan_identity
    from p2psocial.net.discovery import Nearby, lan_discovery

    discovery.ADDRESS_CHECK = 0.5
    speaker, listener = os.urandom(32), os.urandom(32)
    # the listener on the LAN address (first) or on loopback (move: it stays while the
    # LAN address changes; the speaker always listens on loopback too)
    where = [LAN_IP] if how == "first" else ["127.0.0.1"]
    with trio.fail_after(40):
        # the speaker as the app runs it: every useful interface
        async with lan_discovery(speaker, 4001, service_type=kind) as me, \
                lan_discovery(listener, 4002, interface_ips=where, service_type=kind,
                              recognise=lambda c: lan_identity.recognise(
                                  c, [speaker], [])) as lan:
            async for event in lan:
                if isinstance(event, Nearby) and event.device_id == speaker:
                    print(json.dumps({"addrs": list(event.addrs), "name": me.service_name}),
                          flush=True)
                    if how == "first" or "/ip4/10.66.1.2/tcp/4001" in event.addrs:
                        return
                    await trio.run_process(["ip", "addr", "flush", "dev", "lan0"])
                    await trio.run_process(["ip", "addr", "add", "10.66.1.2/24", "dev",
                                            "lan0"])


if __name__ == "__main__":
    with suppress(KeyboardInterrupt):
        trio.run(_child, sys.argv[1], sys.argv[2])
