"""Equivocation: an author who signs two histories of one log (issue 12, finding 1).

Mallory's device gives one peer ``2a`` and another ``2b, 3b``. Peers that carry
either branch are honest: whoever meets both must freeze her log and pass the proof
on, never blame the carrier (forks.py, store/ingest.py).
"""

from __future__ import annotations

import itertools
import os

import trio
from arena import Arena, AttackStats

from p2psocial import content, entry, identity, ids
from p2psocial.net import messages as m
from p2psocial.net.framing import write_frame
from p2psocial.net.host import Host, Multiaddr, open_host, peer_id_from_device_id
from p2psocial.net.opening import explicit
from tests.helpers import T0, make_entry, make_log


def branches(mallory: identity.Identity) -> tuple[list[entry.Entry], list[entry.Entry]]:
    """Her log as one peer gets it (1, 2a) and as another does (1, 2b, 3b)."""
    a = make_log(mallory, 2)
    b2 = make_entry(mallory, a[0], content.Post("what the other peer was told"), T0 + 1000)
    b3 = make_entry(mallory, b2, content.Post("and after it"), T0 + 2000)
    return a, [a[0], b2, b3]


async def push_log(host: Host, device: bytes, addrs: list[str],
                   entries: list[entry.Entry]) -> int:
    """Open a sync session to ``device`` and send it ``entries`` as a sender that
    wants nothing; returns the bytes sent."""
    stream = await host.open_stream(peer_id_from_device_id(device),
                                    [Multiaddr(a) for a in addrs], m.PROTOCOL_ID)
    frames = [m.encode(m.Hello(m.VERSION)), *explicit(),
              m.encode(m.Entries(tuple((e.raw, e.body) for e in entries))),
              m.encode(m.CaughtUp())]
    try:
        for frame in frames:
            await write_frame(stream, frame)
        await stream.close()
    finally:
        with trio.move_on_after(2):
            try:
                while await stream.read(65536):  # until the victim ends the session
                    pass
            except Exception:  # its end: EOF or a reset, as py-libp2p says it
                pass
        await stream.reset()
    return sum(len(f) + 4 for f in frames)


async def forking_devices(place: Arena, stats: AttackStats) -> None:
    """An account the victim follows forks one new device after another, each log
    with both branches in one batch: each costs the victim two signature checks and
    a frozen log, and the carrier (Mallory herself) nothing, as it should."""
    root = os.urandom(32)
    mallory = identity.new_identity(root, os.urandom(32), T0)
    await place.victim.cli("follow", ids.encode(ids.ACCOUNT, mallory.account_id))
    async with open_host(os.urandom(32)) as host:
        stats.identities += 1
        stats.ready.set()
        for n in itertools.count():
            device = identity.new_identity(root, n.to_bytes(4, "big") * 8, T0)
            a, b = branches(device)
            try:
                stats.sent += await push_log(host, place.victim.device, place.victim.addrs,
                                             [*a, b[1], b[2]])
            except Exception:  # the victim hung up on us: dial again next time
                await trio.sleep(0.1)


ATTACKS = {"equivocation": forking_devices}
