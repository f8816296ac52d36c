"""Making an empty home a new device of an account: what ``p2psocial device join`` and
the first-run screen's "I already use p2psocial on another device" both do.

One request, in order: read the link code (a typo or an expired code fails before
anything is made), link over the network with a fresh device key (net/link.py: the
device that showed the code certifies this one and hands over the account's
encryption keys), write the home (keys, store, the first entry of its own log:
``Node.linked``), then catch up once from the device that linked it and the peers it
named (``sync_once``), so the new device shows the account's posts at once. The
network is imported here, not at module level: the window imports this module at
start-up. No Qt.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from . import link_code
from .errors import HomeError
from .home import Home

CATCH_UP = 30.0  # seconds per peer for the first sync after linking


@dataclass(frozen=True, slots=True)
class JoinedDevice:
    account: bytes
    device: bytes
    profile_name: str
    linked_seconds: float  # from the first dial to the grant, as measured here
    received: int  # entries the first sync brought
    peers_reached: int


async def join_device(home: Home, code_text: str, name: str, passphrase: str | None,
                      *, catch_up: float = CATCH_UP, **kdf: Any) -> JoinedDevice:
    """Link the empty ``home`` to the account whose device showed ``code_text``, named
    ``name``; ``UserError`` (one line) for a bad, used or expired code or a device that
    cannot be reached, and then nothing is written."""
    import trio

    from .net.host import open_host
    from .net.link import join as join_link
    from .net.service import sync_once
    from .node import Node

    code = link_code.decode(code_text, int(time.time() * 1000))
    if home.exists():
        raise HomeError(f"{home.path} already holds an account: link into an empty home")
    seed = os.urandom(32)
    async with open_host(seed, port=None) as host:
        started = time.perf_counter()
        granted = await join_link(host, code, name.strip())
        linked = time.perf_counter() - started  # not the host's start and stop
    node = await trio.to_thread.run_sync(
        lambda: Node.linked(home, seed, granted, passphrase, **kdf))
    with node:
        await node.replication.add_peer(code.device, code.addrs, "invite")
        results = await sync_once(node.replication, hops=2, per_peer=catch_up)
        identity = node.require_identity()
        return JoinedDevice(identity.account_id, identity.device_id, granted.profile_name,
                            linked, sum(x.received for x in results if x.ok),
                            sum(x.ok for x in results))
