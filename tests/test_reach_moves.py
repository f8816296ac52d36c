"""Issue 13's scenario "a home changes address while running; its friends reconnect and
a new post arrives without a new invite" (address records, net/address_exchange.py).

Alice's home has a public IPv4 address and no NAT (a fibre line): friends dial her
there. Bob sits behind NAT with no port mapping, so nobody can dial him: he reaches
Alice because he joined her invite, and the friend's box because he joined its. All
three follow each other. Then Alice's ISP gives her a new address while her serve
runs. Her connections die with the old address (TCP on Bob's side says nothing for
minutes); her serve notices the new address, signs a new record and reaches the box
again (whose address did not change); the box passes the record on to Bob, whose
serve finds its connection to Alice dead and dials her at the new address. Nobody
types anything; a new post of Alice's reaches Bob. The box relays for nobody here:
otherwise Alice could reach Bob through his slot there without knowing anything new.

The second scenario is the same with Alice behind a router with UPnP: the address that
changes is her router's, which her serve learns by asking the router (portmap.py).

Needs root, iproute2, iptables-legacy, conntrack, and miniupnpd for the second
(tests/internet.py). The time from the change to the new connection goes to the test's
output (``-s``).
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

from tests.clikit import ok, post_and_watch
from tests.internet import poll
from tests.reachkit import friends

RECONNECT_WITHIN = 30.0  # issue 13's target for a reconnect after an address change


def test_a_home_that_changes_address_is_found_again_without_a_new_invite(
        tmp_path: Path) -> None:
    with friends(tmp_path, upnp=False) as pair:
        t0 = time.monotonic()
        new = pair.move()
        poll(lambda: pair.bob_reaches_alice_at(new), "Bob reconnects to Alice at her new "
             "address", pair.serves, within=RECONNECT_WITHIN + 15)
        took = time.monotonic() - t0
        assert took < RECONNECT_WITHIN, took
        book = json.loads(ok(pair.homes["b"], "peers", "--json"))["peers"]
        alice_row = next(p for p in book if p["device"] == pair.a_device)
        assert any(new in x for x in alice_row["addrs"]), alice_row
        text = f"hello from Alice's new address {secrets.token_hex(2)}"
        since_signing, _ = post_and_watch(pair.homes["a"], pair.homes["b"], text)
    print(f"\naddress change to Bob's new connection to Alice: {took:.2f} s; "
          f"Alice -> Bob after the change, signing to stored: {since_signing:.0f} ms")


def test_a_home_behind_upnp_whose_router_changes_address_is_found_again(
        tmp_path: Path) -> None:
    """Alice's serve maps its port; Bob dialed Alice at her router's address. The
    provider gives Alice's router a new address: every connection through the old one
    dies silently, and miniupnpd restarts on the new one. Alice's serve asks the router
    its address every ``portmap.LOOK_EVERY`` seconds, sees the new one, maps again and
    signs a new record; it reaches the box (whose address did not change), which passes
    it to Bob, who drops his dead connection and dials Alice's router at its new
    address. Bob's side says the path is port-mapped (her record marks the address
    so). A new post arrives."""
    with friends(tmp_path, upnp=True) as pair:
        poll(lambda: pair.bob_says() == "port-mapped",
             "Bob sees his path to Alice as port-mapped", pair.serves)
        t0 = time.monotonic()
        new = pair.move()
        poll(lambda: pair.bob_reaches_alice_at(new), "Bob reconnects to Alice's router's "
             "new address", pair.serves, within=RECONNECT_WITHIN + 15)
        took = time.monotonic() - t0
        assert took < RECONNECT_WITHIN, took
        poll(lambda: pair.bob_says() == "port-mapped", "Bob's new path to Alice is "
             "port-mapped", pair.serves)
        chain = [f"  {serve.log.name[0]}: {line[11:23]} {line.split(': ', 1)[-1][:110]}"
                 for serve in pair.serves for line in serve.log.read_text().splitlines()
                 if any(k in line for k in ("port mapping", "seems dead", "does not answer",
                                            "session with", "is now at", "issued record"))]
        text = f"hello from Alice's renumbered home {secrets.token_hex(2)}"
        since_signing, _ = post_and_watch(pair.homes["a"], pair.homes["b"], text)
    print(f"\nrouter's address change to Bob's new connection to Alice: {took:.2f} s; "
          f"Alice -> Bob after the change, signing to stored: {since_signing:.0f} ms")
    print("what the serves said, by time:\n" + "\n".join(sorted(chain, key=lambda x: x[5:])))
