"""Attacks with timestamps (issue 12, finding 5).

``far_future_author``: Mallory, an account the victim follows, whose node stamps
every entry with 2**53 ms (the year 287,396, the largest timestamp a header may
carry). Over a real session with the victim she writes a post that mentions the
victim, a reply to the honest writer's post, a reaction on it, a follow of the
victim and a direct message to the victim; then one more far-future post a second
until cancelled. Before the fix, the victim's ``feed``, ``mentions``, ``search`` and
``inbox`` died formatting the year, and her posts sat on top of its timeline for
good; now they are placed at their arrival (p2psocial/timestamps.py).

This attack is about what the victim stores and shows, not about volume: it counts
one identity and no bytes (``AttackStats.sent`` and ``received`` stay 0).
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import trio
from arena import Arena, AttackStats
from netkit import holds, service, until

from p2psocial import ids
from p2psocial.entry import Entry
from p2psocial.home import Home
from p2psocial.node import Node
from tests.timekit import FAR, SettableClock

POST_EVERY = 1.0  # seconds between Mallory's far-future posts once she is set up


@dataclass
class Mallory:
    node: Node
    clock: SettableClock
    written: list[Entry]  # her far-future entries, in order


@asynccontextmanager
async def mallory_at(place: Arena, stats: AttackStats) -> AsyncIterator[Mallory]:
    """Mallory followed by the victim, connected to it, holding the victim's and the
    writer's logs, her clock at the end of time, her first entries written."""
    home = Path(tempfile.mkdtemp(prefix="mallory-", dir=place.victim.home.parent))
    clock = SettableClock()
    victim = place.victim
    with Node.init(Home(home), "Mallory", clock=clock) as node:
        stats.identities += 1
        await victim.cli("follow", ids.account_text(node.account_id))
        await node.posts.follow(victim.account)
        await node.posts.follow(place.writer.account_id)
        async with service(node) as net:
            await net.connect(victim.device, victim.addrs)
            target = (await place.writer.feeds.home_timeline(1)).items[0].id
            with trio.fail_after(30):  # the victim's log (its key) and the writer's post
                await until(node, lambda: _holds_key_and(node, victim.account, target))
            clock.fixed = FAR
            written = [
                await node.posts.post("hello from the far future, year 287396 "
                                      f"@{ids.account_text(victim.account)}"),
                await node.posts.post("a reply from the far future", reply_to=target),
                await node.posts.react(target, "🔥"),
                await node.posts.follow(victim.account),
                await node.messages.send([victim.account], "a message from the future"),
            ]
            yield Mallory(node, clock, written)


async def _holds_key_and(node: Node, account: bytes, entry_id: bytes) -> bool:
    return (await node._run(node.store.enc_key, account) is not None
            and await holds(node, entry_id))


async def far_future_author(place: Arena, stats: AttackStats) -> None:
    """See the module's docstring."""
    async with mallory_at(place, stats) as mallory:
        n = 0
        while True:
            await trio.sleep(POST_EVERY)
            n += 1
            mallory.written.append(await mallory.node.posts.post(f"still the far future, {n}"))


far_future_author.in_process = True  # type: ignore[attr-defined]  # reads the writer's timeline

ATTACKS = {"far_future_author": far_future_author}
