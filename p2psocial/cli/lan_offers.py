"""Asking the neighbours on the LAN which open communities they offer
(``community nearby`` and ``community join``, writes.py).

The action waits, up to the time it is given, for neighbours to appear and answer:
mDNS takes a moment, and a neighbour lists nothing to a device it has not seen on the
LAN itself yet (net/neighbourhood.py asks again). It needs a running network that
looks for peers on the LAN: a serve's or the app's, or the short-lived one that
``perform``'s caller brings up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import trio

from ..errors import UserError

if TYPE_CHECKING:
    from ..net.neighbourhood import NearbyCommunity
    from ..net.service import NetworkService

POLL = 0.5
"""Seconds between two rounds of asking the neighbours, when nothing else changed."""
ANSWER_WITHIN = 3.0
"""Seconds the last round of asking gets, even when the wait is over (or was 0)."""


def lan_service(service: NetworkService | None) -> NetworkService:
    """The running network, which must look for peers on the LAN."""
    if service is None:
        raise UserError("the running p2psocial has its network off: turn it on, or close "
                        "it and run this again")
    if not service.lan:
        raise UserError("the running p2psocial does not look for peers on the local "
                        "network: turn LAN discovery on in its settings (or run 'p2psocial "
                        "serve' without --no-lan)")
    return service


async def offers(service: NetworkService, wait: float,
                  enough: Callable[[list[NearbyCommunity]], bool]) -> list[NearbyCommunity]:
    """What the neighbours offer: asked again until ``enough`` of it or ``wait``
    seconds passed (a round asked late still gets ``ANSWER_WITHIN`` to answer). Only
    answers given since we started count: a running service keeps older ones, whose
    member counts may be out of date."""
    started = trio.current_time()
    deadline = started + wait
    found: list[NearbyCommunity] = []
    while True:
        with trio.move_on_at(max(deadline, trio.current_time() + ANSWER_WITHIN)):
            found = await service.nearby_communities(max_age=trio.current_time() - started)
        if enough(found) or trio.current_time() >= deadline:
            return found
        with trio.move_on_at(min(deadline, trio.current_time() + POLL)):
            await service.next_change()  # a neighbour appeared, or another round is due
