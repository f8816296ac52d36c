"""Child process for test_crash.py: writes until it is killed, acknowledging as it goes.

Modes:
  ingest STORE ENTRIES   ingest batches of peer entries from a msgpack file
  publish HOME           publish own posts through the node, one at a time

Each committed batch or post is acknowledged with one line on stdout, flushed, AFTER
the call returns: an acknowledged entry is one the store has promised to keep.
"""

from __future__ import annotations

import sys
from pathlib import Path

import msgpack
import trio

from p2psocial import entry, ids
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.store import Store


def ingest(store_path: str, entries_path: str) -> None:
    pairs = msgpack.unpackb(Path(entries_path).read_bytes(), use_list=False)
    items = [entry.parse(h, b) for h, b in pairs]
    with Store(store_path) as store:
        for start in range(0, len(items), 40):
            result = store.ingest(items[start:start + 40])
            for item in result.added:
                print(ids.entry_text(item.id), flush=False)
            sys.stdout.flush()


def publish(home: str) -> None:
    async def run() -> None:
        with Node.open(Home(home)) as node:
            for i in range(100_000):
                item = await node.posts.post(f"post number {i}")
                print(ids.entry_text(item.id), flush=True)

    trio.run(run)


if __name__ == "__main__":
    {"ingest": ingest, "publish": publish}[sys.argv[1]](*sys.argv[2:])
