"""Connection exhaustion (issue 12, finding 3) against a real ``p2psocial serve``:
while attackers hold sockets or connections, the honest writer and reader keep
delivering through the victim and a new honest peer can still connect."""

from __future__ import annotations

import time
from pathlib import Path

import trio
from arena import Arena, AttackStats, arena
from attacks_connections import MANY_SUBNETS, ONE_ADDRESS, NeverHandshake
from netkit import run

from p2psocial.net.host import DialFailed, open_host

NEW_PEER_WITHIN = 5.0  # seconds for a new honest peer to get a connection


async def new_peer_connects(place: Arena, seed: int) -> float:
    """Seconds a new honest peer (a fresh device on 127.0.0.1) takes to connect to the
    victim, trying again every 0.1 s as long as it is refused."""
    started = time.perf_counter()
    async with open_host(bytes([seed]) * 32, port=None) as host:
        with trio.fail_after(NEW_PEER_WITHIN):
            while True:
                try:
                    await host.connect(place.victim.peer_id, place.victim.multiaddrs)
                    break
                except DialFailed:
                    await trio.sleep(0.1)
        return time.perf_counter() - started


async def in_full_swing(attack: NeverHandshake) -> None:
    """Until the victim is at its limit: it has closed many of the attack's sockets
    (which the attack opens again at once)."""
    while attack.closed < 100:  # noqa: ASYNC110 - the attack has no event to wait on
        await trio.sleep(0.05)


def never_handshake(tmp_path: Path, attack: NeverHandshake) -> None:
    async def scenario() -> None:
        async with arena(tmp_path) as place, trio.open_nursery() as nursery:
            stats = AttackStats()
            nursery.start_soon(attack, place, stats)
            await in_full_swing(attack)
            for seed in (201, 202, 203):
                assert await new_peer_connects(place, seed) < NEW_PEER_WITHIN
                assert await place.delivery() < 5
            assert place.victim.alive()
            nursery.cancel_scope.cancel()

    run(scenario, timeout=60)


def test_sockets_from_one_address_that_never_handshake_leave_room_for_others(
        tmp_path: Path) -> None:
    # one address nobody else uses holds as many sockets as it can get
    never_handshake(tmp_path, NeverHandshake(ONE_ADDRESS, 300))


def test_sockets_from_many_subnets_that_never_handshake_leave_room_for_others(
        tmp_path: Path) -> None:
    # 300 sockets over 40 /24s: more than the victim lets handshake at once
    never_handshake(tmp_path, NeverHandshake(MANY_SUBNETS, 300))
