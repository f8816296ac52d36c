"""Three homes for command-line tests of private features, and how their logs travel.

``alice_bob_carol(root)`` makes them: Alice and Bob follow each other, Carol follows
Alice and so carries her log, and everyone knows everyone's encryption key.
``carry(src, *dsts)`` copies every log ``src`` holds into ``dsts`` through the node's
verified ingest, as a sync session would, then runs each receiver's private scan, as
the app and a serve do behind the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trio

from p2psocial import ids
from p2psocial.home import Home
from p2psocial.node import Node


@dataclass(frozen=True)
class People:
    a: Path
    b: Path
    c: Path
    alice: str
    bob: str
    carol: str


def carry(src: Path, *dsts: Path) -> None:
    async def main() -> None:
        with Node.open(Home(src), readonly=True) as source:
            logs = await source.replication.logs()
            batches = [await source.replication.log_entries(device, 0, 10_000)
                       for device, _, _ in logs]
        for dst in dsts:
            with Node.open(Home(dst)) as node:
                for batch in batches:
                    await node.replication.ingest(batch)
                await node.messages.scan()

    trio.run(main)


def alice_bob_carol(root: Path) -> People:
    a, b, c = root / "a", root / "b", root / "c"

    async def main() -> tuple[bytes, bytes, bytes]:
        with Node.init(Home(a), "Alice") as alice, Node.init(Home(b), "Bob") as bob, \
                Node.init(Home(c), "Carol") as carol:
            await alice.posts.follow(bob.account_id)
            await bob.posts.follow(alice.account_id)
            await carol.posts.follow(alice.account_id)
            return alice.account_id, bob.account_id, carol.account_id

    accounts = trio.run(main)
    carry(a, b, c)
    carry(b, a, c)
    carry(c, a, b)  # everyone knows everyone's encryption key
    return People(a, b, c, *(ids.account_text(x) for x in accounts))
