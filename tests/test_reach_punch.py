"""Hole punching through real NAT: two homes behind masquerading routers with no port
mapping (no UPnP, no NAT-PMP, IPv4 only) meet through the friend's box relay, punch a
direct TCP connection (DCUtR, puncher.py), and keep exchanging posts after the
friend's box is switched off; and behind routers that answer unknown SYNs with resets
the punch fails and the pair stays on the relay.

Everything runs as the user would: ``p2psocial serve`` processes in namespaces of the
simulated internet (tests/internet.py), joined with invites. The figures (relayed
connection to direct connection, relay bytes before the upgrade) are printed (``-s``).
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from tests.clikit import ok, post_and_watch
from tests.internet import Serve, internet, poll
from tests.reachkit import connected, meet_at_the_box


def path(home: Path, device: str) -> str | None:
    peers = json.loads(ok(home, "peers", "--json"))["peers"]
    return next((p["path"] for p in peers if p["device"] == device), None)


def logged(serve: Serve, pattern: str) -> re.Match[str] | None:
    return re.search(pattern, serve.log.read_text())


def test_two_homes_behind_nat_punch_through_and_outlive_the_friends_box(tmp_path: Path) -> None:
    with internet(tmp_path / "net", stun=False) as net:
        m = meet_at_the_box(tmp_path, net, stealthy=True)
        homes, r, a, b, serves = m.homes, m.r, m.a, m.b, m.serves
        # Bob, to whom the relay brought Alice's connection, punches: both log it
        punched = poll(lambda: logged(b, r"hole punched to \S+ after ([0-9.]+) s "
                                         r"\(attempt (\d)\)"), "Bob punched", serves)
        poll(lambda: logged(a, r"hole punched to"), "Alice punched", serves)
        closed = poll(lambda: logged(r, r"circuit \S+ -> \S+ closed after (\d+) bytes"),
                      "the box closed the circuit", serves)
        poll(lambda: connected(homes["a"], m.b_device) and connected(homes["b"], m.a_device),
             "the session again, on the direct connection", serves)
        for me, other in (("a", m.b_device), ("b", m.a_device)):  # People says so
            poll(lambda me=me, other=other: path(homes[me], other) == "hole-punched",
                 f"{me} sees the other hole-punched", serves)
        post_and_watch(homes["a"], homes["b"], f"through the hole {secrets.token_hex(2)}")

        # the friend's box goes off; posts still go both ways, directly
        assert r.stop() == 0
        started = time.monotonic()
        for writer, reader in (("b", "a"), ("a", "b")):
            post_and_watch(homes[writer], homes[reader],
                           f"box off, {writer} writes {secrets.token_hex(2)}")
        for serve in (a, b):
            log = serve.log.read_text()
            assert "Traceback" not in log and "misbehaved" not in log, log
    print(f"\nrelayed connection to direct connection (Bob's punch): {punched[1]} s, "
          f"attempt {punched[2]}; relay bytes before the upgrade: {closed[1]}; "
          f"posts both ways with the box off: {time.monotonic() - started:.2f} s")


def test_routers_that_reset_unknown_syns_never_cut_the_pair_off(tmp_path: Path) -> None:
    """Routers that answer a SYN nobody asked for with a reset, on a link too fast for
    two SYNs to cross reliably: the punch works only when two dials happen to cross
    (seen both ways: docs/network.md), and whichever way it goes, posts keep going
    both ways, over the relay if the punch failed, and nobody is blamed."""
    with internet(tmp_path / "net", stun=False) as net:
        m = meet_at_the_box(tmp_path, net, stealthy=False)
        outcome = poll(lambda: logged(m.b, r"hole punched to \S+ after ([0-9.]+) s|"
                                           r"attempt 3 failed"), "Bob's punch ended",
                       m.serves, within=60)
        punched = outcome[0] != "attempt 3 failed"
        if not punched:
            assert not logged(m.r, "closed after")  # the circuit carries on
        for writer, reader in (("b", "a"), ("a", "b")):
            post_and_watch(m.homes[writer], m.homes[reader],
                           f"{writer} writes {secrets.token_hex(2)}")
        for serve in (m.a, m.b):
            log = serve.log.read_text()
            assert "Traceback" not in log and "misbehaved" not in log, log
    said = f"punched after {outcome[1]} s" if punched else "three attempts failed, relayed"
    print(f"\nbehind resetting routers: {said}")
