"""The node's randomness is injected like its clock (``Node.init(..., random=...)``):
with both fixed, a group flow replays exactly, down to every key and entry."""

from __future__ import annotations

import random as stdlib_random
from collections.abc import Callable
from pathlib import Path

import trio

from p2psocial.home import Home
from p2psocial.node import Node


def seeded(seed: int) -> Callable[[int], bytes]:
    """``random(n) -> bytes``, the same stream for the same seed (never for keys)."""
    rng = stdlib_random.Random(seed)
    return rng.randbytes


def fixed_clock() -> int:
    return 1_700_000_000_000


async def group_flow(place: Path) -> tuple[bytes, list[bytes], bytes]:
    """Alice makes a group with Bob and posts in it; returns the group id, the ids of
    every entry in Alice's log, and the group's newest key."""
    with Node.init(Home(place / "alice"), "Alice", clock=fixed_clock,
                   random=seeded(1)) as alice, \
            Node.init(Home(place / "bob"), "Bob", clock=fixed_clock,
                      random=seeded(2)) as bob:
        assert bob.identity is not None
        await alice.replication.ingest(
            await bob.replication.log_entries(bob.identity.device_id, 0, 100))
        group = await alice.groups.create("Family", [bob.account_id])
        await alice.groups.post(group, "dinner at eight")
        await alice.circles.approve(bob.account_id)
        await alice.circles.post("for my followers")
        assert alice.identity is not None
        log = await alice.replication.log_entries(alice.identity.device_id, 0, 100)
        return group, [e.id for e in log], (await alice.groups.state(group)).key


def test_a_group_flow_replays_with_the_same_random_and_clock(tmp_path: Path) -> None:
    first = trio.run(group_flow, tmp_path / "one")
    again = trio.run(group_flow, tmp_path / "two")
    assert first == again
    assert len(first[1]) == 6  # certificate, profile, group key, post, circle key, post
