"""Peers that reach us on their own (strangers: we hold no address for them) are
known in memory only, and only so many of them: identities are free, rows on disk
and states in memory are not."""

from __future__ import annotations

import os
from pathlib import Path

from netkit import run, service

from p2psocial.home import Home
from p2psocial.net.known_peers import MAX_STRANGERS
from p2psocial.node import Node


def test_strangers_are_not_written_down_and_only_so_many_are_kept(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice:
            sa = service(alice)
            friend = os.urandom(32)
            await sa.known.know(friend, ("/ip4/192.0.2.9/tcp/4001",), "invite")
            strangers = [os.urandom(32) for _ in range(MAX_STRANGERS + 100)]
            for device in strangers:
                await sa.known.know(device, (), "peer")
            assert len(sa.peers()) == MAX_STRANGERS + 1  # the newest strangers, the friend
            assert sa.peer(strangers[0]) is None and sa.peer(strangers[-1]) is not None
            assert [r.device for r in await alice.replication.peers()] == [friend]
            # a stranger that misbehaves is remembered (in memory) with its standing
            await sa._misbehaved(strangers[-1], "a test")
            assert sa.peer(strangers[-1]).standing == -30  # type: ignore[union-attr]
            assert await alice.replication.peer(strangers[-1]) is None
            # once we learn where to reach it (an invite, the LAN), it has a row, history
            # included
            await sa.known.know(strangers[-1], ("/ip4/192.0.2.10/tcp/4001",), "mdns")
            record = await alice.replication.peer(strangers[-1])
            assert record is not None and record.standing == -30
            assert record.addrs == ("/ip4/192.0.2.10/tcp/4001",)

    run(scenario)
