"""Three homes for command-line tests of private features, and how their logs travel.

``carry(src, *dsts)`` copies every log ``src`` holds into ``dsts`` through the node's
verified ingest, as a sync session would, then runs each receiver's private scan, as
the app and a serve do behind the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trio

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
            logs = await source.logs()
            batches = [await source.log_entries(device, 0, 10_000) for device, _, _ in logs]
        for dst in dsts:
            with Node.open(Home(dst)) as node:
                for batch in batches:
                    await node.ingest(batch)
                await node.scan_private()

    trio.run(main)
