"""Making a node send much for little asked (issue 12, finding 7).

Before: a stranger's session, or one "need" frame, made the victim send its whole
store again: 2.69 GB sent for 2.4 KB asked. The victim here carries a big log (an
author it follows, ~16 MB of posts, pushed to it first over the network), and the
attackers are strangers: fresh identities that want that author.
"""

from __future__ import annotations

import functools
import os

import trio
from arena import Arena, AttackStats
from attacks_equivocation import push_log

from p2psocial import content, entry, identity, ids
from p2psocial.net import messages as m
from p2psocial.net.framing import read_frame, write_frame
from p2psocial.net.host import open_host, peer_id_from_device_id
from p2psocial.net.opening import explicit
from tests.helpers import T0, make_entry

POSTS = 2000
TEXT = "x" * 8000  # the longest post text: ~8 KB an entry, ~16 MB in all


@functools.cache
def big_log(posts: int = POSTS) -> tuple[identity.Identity, tuple[entry.Entry, ...]]:
    author = identity.new_identity(b"\xab" * 32, b"\xac" * 32, T0)
    log = [make_entry(author, None, content.DeviceAnnouncement(author.cert), T0)]
    for i in range(posts):
        log.append(make_entry(author, log[-1], content.Post(f"{i} {TEXT}"), T0 + i + 1))
    return author, tuple(log)


async def carry_big_log(place: Arena) -> identity.Identity:
    """Make the victim follow the author and hold the whole big log."""
    author, log = big_log()
    await place.victim.cli("follow", ids.encode(ids.ACCOUNT, author.account_id))
    async with open_host(author.device.seed) as host:
        for start in range(0, len(log), 100):  # frames under the 1 MiB cap
            await push_log(host, place.victim.device, place.victim.addrs,
                           list(log[start:start + 100]))
    return author


async def pull(place: Arena, author: bytes, stats: AttackStats, *, ask_again: bool = False,
               seconds: float = 5.0) -> None:
    """A fresh identity that wants ``author``'s log and reads what the victim sends for
    ``seconds``; with ``ask_again`` it also says "need" from 0 every 50 ms."""
    async with open_host(os.urandom(32)) as host:
        stats.identities += 1
        stream = await host.open_stream(peer_id_from_device_id(place.victim.device),
                                        place.victim.multiaddrs, m.PROTOCOL_ID)
        for frame in [m.encode(m.Hello(m.VERSION)), *explicit(wants=[author])]:
            await write_frame(stream, frame)
        need = m.encode(m.Need(((big_log()[1][0].device, 0),)))

        async def again() -> None:
            while True:
                await trio.sleep(0.05)
                await write_frame(stream, need)
                stats.sent += len(need) + 4

        with trio.move_on_after(seconds):
            async with trio.open_nursery() as nursery:
                if ask_again:
                    nursery.start_soon(again)
                try:
                    while (frame := await read_frame(stream, m.MAX_FRAME)) is not None:
                        stats.received += len(frame) + 4
                except Exception:  # cut off
                    pass
                nursery.cancel_scope.cancel()


async def strangers_pull_everything(place: Arena, stats: AttackStats) -> None:
    """Four fresh identities at a time each want the big log, again and again."""
    author = (await carry_big_log(place)).account_id
    stats.ready.set()
    while True:
        async with trio.open_nursery() as nursery:
            for _ in range(4):
                nursery.start_soon(functools.partial(pull, place, author, stats))


async def need_flood(place: Arena, stats: AttackStats) -> None:
    """One identity after another wants the big log and asks for it again and again."""
    author = (await carry_big_log(place)).account_id
    stats.ready.set()
    while True:
        await pull(place, author, stats, ask_again=True)


ATTACKS = {"strangers-pull-everything": strangers_pull_everything,
           "need-flood": need_flood}
