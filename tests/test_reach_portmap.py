"""Issue 13's first scenario, the port-mapping half: two homes behind NAT, only Alice's
router speaks UPnP (miniupnpd). Both meet the friend's box first (each joins its
invite; it follows both back, so it relays for them); Alice's serve maps its port and
her invite leads with the router's address; Bob joins it, and Bob's serve dials Alice
there: a direct TCP connection through the mapping (seen in Alice's namespace as an
established connection from Bob's router's public address to her serve's port). Then
the friend's box is switched off, and a new post still arrives both ways.

Needs root, iproute2, iptables-legacy, conntrack, miniupnpd (tests/internet.py).
The times go to the test's output (``-s``).
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

from tests.clikit import ok, post_and_watch
from tests.internet import account_of, init_homes, internet, poll


def test_two_homes_behind_nat_talk_directly_through_the_mapping(tmp_path: Path) -> None:
    homes = init_homes(tmp_path, f="Friend's box", a="Alice", b="Bob")
    account = {n: account_of(h) for n, h in homes.items()}
    timings: dict[str, float] = {}
    with internet(tmp_path / "net") as net:
        box = net.box("friend")
        alice = net.home("alice", upnp=True)
        bob = net.home("bob", upnp=False)
        f = box.serve(homes["f"])
        t0 = time.monotonic()
        a = alice.host.serve(homes["a"])
        b = bob.host.serve(homes["b"])
        serves = [f, a, b]
        port = int(a.status()["addrs"][-1].rsplit("/", 1)[1])
        mapped = f"/ip4/{alice.wan_ipv4}/tcp/{port}"
        poll(lambda: mapped in a.status()["addrs"], "Alice's serve maps its port", serves)
        timings["Alice's serve start to mapped (s)"] = time.monotonic() - t0

        # both meet the friend's box, which follows them back
        for n in ("a", "b"):
            assert json.loads(ok(homes[n], "join", f.code, "--json"))["followed"] is True
            ok(homes["f"], "follow", account[n])
        f_device = f.status()["device"]
        poll(lambda: all(f_device in s.status()["connected"] for s in (a, b)),
             "both homes connected to the friend's box", serves)

        # Alice's invite leads with the mapped address; Bob joins it, Alice follows back
        invite = json.loads(ok(homes["a"], "invite", "--json"))
        assert invite["addrs"][0] == mapped, invite
        t0 = time.monotonic()
        assert json.loads(ok(homes["b"], "join", invite["code"], "--json"))["followed"]
        ok(homes["a"], "follow", account["b"])
        a_device, b_device = a.status()["device"], b.status()["device"]
        poll(lambda: a_device in b.status()["connected"]
             and b_device in a.status()["connected"], "Alice and Bob connected", serves)
        timings["Bob's join to connected (s)"] = time.monotonic() - t0

        def direct() -> bool:  # Bob's router's address at Alice's serve's port
            out = alice.host.run("ss", "-Htn", "state", "established").stdout
            return any(line.split()[-2].endswith(f":{port}")
                       and line.split()[-1].startswith(f"{bob.wan_ipv4}:")
                       for line in out.splitlines())

        poll(direct, "a direct TCP connection from Bob's router to Alice's port", serves)

        # the friend's box goes away: posts still flow, so over the direct connection
        assert f.stop() == 0
        poll(lambda: f_device not in a.status()["connected"]
             and f_device not in b.status()["connected"], "the box is gone", serves)
        for writer, reader in (("a", "b"), ("b", "a")):
            text = f"direct hello from {writer} {secrets.token_hex(2)}"
            since_signing, _ = post_and_watch(homes[writer], homes[reader], text)
            timings[f"{writer}->{reader} with the box off: signing to stored (ms)"] = \
                since_signing
        assert direct()
        for s in (a, b):
            log = s.log.read_text()
            assert "Traceback" not in log, log
    print("\n" + "\n".join(f"{k}: {v:.2f}" for k, v in timings.items()))
