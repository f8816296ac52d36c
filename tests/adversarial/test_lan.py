"""Attacks from the LAN against a real ``p2psocial serve`` with LAN discovery on, under a
DNS-SD type of this test's own, on loopback only.

Finding 8 (address-book poisoning): a neighbour announces a friend's device id with
eight made-up addresses. The friend's address that worked stays in the victim's
address book, and once the link drops the victim redials the friend there.

And the bound on announced names (lan_table.MAX_NAMES): a flood of made-up names does
not hide a friend who comes after it.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trio
from attacks_lan import false_claim, made_up_names
from netkit import device, run, service

from p2psocial import ids
from p2psocial.home import Home
from p2psocial.net import lan_table
from p2psocial.net.discovery import Nearby, lan_discovery
from p2psocial.net.lan_identity import recognise
from p2psocial.node import Node
from p2psocial.store.peer_addrs import ADDRS_MAX
from tests.clikit import ok, start_serve, stop
from tests.waitkit import eventually

POLL = 0.2


def lan_type() -> str:
    return f"_p2pa-{secrets.token_hex(4)}._udp.local."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def book(home: Path) -> dict[bytes, dict[str, Any]]:
    """The victim's address book as ``p2psocial peers --json`` shows it."""
    doc = json.loads(await trio.to_thread.run_sync(ok, home, "peers", "--json"))
    return {ids.decode(ids.DEVICE, p["device"]): p for p in doc["peers"]}


async def poll(home: Path, condition: Callable[[dict[bytes, dict[str, Any]]], bool],
               ) -> dict[bytes, dict[str, Any]]:
    """Re-read the book until ``condition`` holds (another process: no event)."""
    return await eventually(lambda: book(home), "the victim's address book",
                            until=condition, every=POLL)


def test_a_neighbour_cannot_push_a_friends_working_address_out_of_the_book(
        tmp_path: Path) -> None:
    kind = lan_type()
    victim_home, friend_home = tmp_path / "victim", tmp_path / "friend"
    for home, name in ((victim_home, "Victim"), (friend_home, "Friend")):
        ok(home, "init", "--name", name)
    victim_account = whoami(victim_home)
    ok(victim_home, "follow", whoami(friend_home))
    ok(friend_home, "follow", victim_account)
    served, _ = start_serve(victim_home, lan_type=kind)
    victim_device = ids.decode(ids.DEVICE, json.loads(
        (victim_home / "serve.json").read_text())["device"])
    port, dead = free_port(), free_port()  # the friend's port; one where nobody listens
    real = f"/ip4/127.0.0.1/tcp/{port}"
    fakes = [f"127.0.0.{i}" for i in range(2, 2 + ADDRS_MAX)]

    async def scenario() -> None:
        with Node.open(Home(friend_home)) as friend:
            me = device(friend)
            # 1. the friend is on the LAN: the victim hears it (mDNS) and reaches it there
            async with service(friend, port=port, lan=True, lan_service_type=kind) as sf:
                await poll(victim_home, lambda b: me in b and b[me]["state"] == "connected")
                # 2. a neighbour claims the friend's device id with eight other addresses
                async with false_claim(kind, me, fakes, dead):
                    seen = await poll(victim_home, lambda b: any(
                        f"/tcp/{dead}" in a for a in b[me]["addrs"]))
                    assert real in seen[me]["addrs"], seen[me]
                    assert len(seen[me]["addrs"]) == ADDRS_MAX
                assert sf.connected()
            # 3. the link drops; the friend comes back off the LAN, knowing nobody: only
            # the victim's address book can bring them together again
            await friend._run(friend.store.peer_book.remove_peer, victim_device)
            async with service(friend, port=port) as sf:
                await sf.wait_until(lambda: victim_device in sf.connected())
            assert real in (await book(victim_home))[me]["addrs"]

    try:
        run(scenario, timeout=60)
    except BaseException:
        print(stop(served))  # the victim's log, for the failure report
        raise
    stop(served)


def whoami(home: Path) -> str:
    return str(json.loads(ok(home, "whoami", "--json"))["account"])


def test_a_flood_of_made_up_names_hides_no_friend(monkeypatch: Any) -> None:
    """More strangers than the table holds (its cap lowered to 4 for the test), then a
    friend: the friend is placed, in the oldest stranger's place."""
    monkeypatch.setattr(lan_table, "MAX_NAMES", 4)
    kind = lan_type()
    me, friend = os.urandom(32), os.urandom(32)

    async def scenario() -> None:
        async with lan_discovery(me, 4001, interface_ips=["127.0.0.1"], service_type=kind,
                                 recognise=lambda c: recognise(c, [friend], [])) as lan, \
                made_up_names(kind, 6):
            while len(lan.strangers()) < 4:  # noqa: ASYNC110 (zeroconf's thread)
                await trio.sleep(0.05)
            async with lan_discovery(friend, 4002, interface_ips=["127.0.0.1"],
                                     service_type=kind):
                async for event in lan:
                    if isinstance(event, Nearby) and event.device_id == friend:
                        break
            assert len(lan.strangers()) <= 4

    run(scenario, timeout=40)
