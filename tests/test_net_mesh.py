"""Ten real services on 127.0.0.1 in a sparse mesh (a ring plus five chords: each node
has three neighbours, most pairs never connect); everyone follows everyone; every
post reaches every node through the nodes in between. The flood limit is set to
tolerate no waste at all: in a mesh every entry arrives once per neighbour, and
those honest duplicates must cost nothing (limits.py)."""

from __future__ import annotations

import random
from contextlib import AsyncExitStack, ExitStack
from pathlib import Path

import pytest
import trio
from netkit import device, until

from p2psocial.home import Home
from p2psocial.net.addressbook import Backoff
from p2psocial.net.limits import FloodPolicy
from p2psocial.net.service import NetworkService
from p2psocial.node import Node

pytestmark = pytest.mark.usefixtures("quiet_libp2p")  # see tests/conftest.py

N = 10
LINKS = [(i, (i + 1) % N) for i in range(N)] + [(i, i + N // 2) for i in range(N // 2)]
NO_WASTE = FloodPolicy(waste_burst=0)


async def holds_all(node: Node, entry_ids: list[bytes]) -> bool:
    return all([await node._run(node.store.get_entry, e) is not None for e in entry_ids])


@pytest.fixture
def pinned_mesh(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mesh stays as it is drawn: since issue 13 friends pass on each other's
    signed address records and dial a friend they learn of (``_moved``), which in a
    slow run turned this sparse mesh into a full one before the end (seen in a full
    run). What is tested here is the way through the nodes in between."""
    async def keep_the_address(self: NetworkService, device: bytes,
                               addrs: tuple[str, ...]) -> None:
        await self.node.replication.peer_moved(device, addrs, "peer")

    monkeypatch.setattr(NetworkService, "_moved", keep_the_address)


@pytest.mark.usefixtures("pinned_mesh")
def test_every_post_reaches_every_node_of_a_sparse_mesh(tmp_path: Path) -> None:
    assert len({frozenset(link) for link in LINKS}) == 15  # not all 45 pairs

    async def scenario() -> None:
        with ExitStack() as homes:
            nodes = [homes.enter_context(Node.init(Home(tmp_path / f"n{i}"), f"Node {i}"))
                     for i in range(N)]
            for node in nodes:
                for other in nodes:
                    if other is not node:
                        await node.posts.follow(other.account_id)
            early = [await node.posts.post(f"before the mesh, from {i}")
                     for i, node in enumerate(nodes)]
            async with AsyncExitStack() as running:
                services = [await running.enter_async_context(NetworkService(
                    node.replication, backoff=Backoff(base=0.05, cap=0.5), rng=random.Random(i),
                    flood=NO_WASTE)) for i, node in enumerate(nodes)]
                for a, b in LINKS:
                    await services[a].connect(device(nodes[b]), services[b].listen_addrs)
                with trio.fail_after(60):
                    for node in nodes:  # the initial sync, through the intermediaries
                        await until(node, lambda: holds_all(node, [e.id for e in early]))  # noqa: B023
                    live = [await node.posts.post(f"live, from {i}")
                            for i, node in enumerate(nodes)]
                    for node in nodes:
                        await until(node, lambda: holds_all(node, [e.id for e in live]))  # noqa: B023
                for i, service in enumerate(services):  # nobody dialed a non-neighbour
                    neighbours = {device(nodes[b]) for a, b in LINKS if a == i} | {
                        device(nodes[a]) for a, b in LINKS if b == i}
                    assert set(service.connected()) == neighbours
                    assert all(p.standing >= 0 for p in service.peers())  # nobody flooded
            for node in nodes:
                assert len(await node.replication.logs()) == N
                assert await node.feeds.verify(full=True) == []

    trio.run(scenario)
