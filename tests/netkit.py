"""What the network tests share: a bounded Trio run, a service with fast backoff, and
waiting for what a node stores (re-checked on each of its events, never polled)."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable

import trio

from p2psocial.net.addressbook import Backoff
from p2psocial.net.service import NetworkService
from p2psocial.node import Node

FAST = Backoff(base=0.05, cap=0.5)


def run(test: Callable[[], Awaitable[None]], timeout: float = 30, **kwargs: object) -> None:
    """``trio.run(test)``, failing after ``timeout`` seconds instead of hanging."""
    async def bounded() -> None:
        with trio.fail_after(timeout):
            await test()

    trio.run(bounded, **kwargs)  # type: ignore[arg-type]


def service(node: Node, **kw: object) -> NetworkService:
    return NetworkService(node.replication, backoff=FAST, rng=random.Random(7), **kw)  # type: ignore[arg-type]


def device(node: Node) -> bytes:
    assert node.identity is not None
    return node.identity.device_id


async def until(node: Node, condition: Callable[[], Awaitable[bool]]) -> None:
    """Wait until ``condition()`` holds, re-checking whenever the node stores entries."""
    with node.subscribe() as events:
        while not await condition():
            await events.receive()


async def holds(node: Node, entry_id: bytes) -> bool:
    return await node._run(node.store.get_entry, entry_id) is not None


async def has_seq(node: Node, log_device: bytes, seq: int) -> bool:
    """Whether ``node`` holds ``log_device``'s log up to ``seq`` at least."""
    return any(d == log_device and s >= seq for d, _, s in await node.replication.logs())
