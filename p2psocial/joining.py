"""Joining through an invite code: follow its account, join the open community it
carries, and dial its device (or remember it for when a network runs).

The desktop app (runtime.Backend.join) and the command line's ``join`` action
(cli/writes.py), run here or by a serve, do the same thing; this is that thing, below
both of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import invite
from .errors import UserError
from .node import Node

if TYPE_CHECKING:
    from .net.service import NetworkService


@dataclass(frozen=True, slots=True)
class Joined:
    """What ``join`` did with an invite code."""

    device: bytes
    account: bytes
    addrs: tuple[str, ...]
    followed: bool  # we started following its account now
    own: bool  # another device of our own account
    connecting: bool  # a running network is dialing it now
    community: bytes | None = None  # the open community the code carried, now joined
    community_name: str | None = None
    failures: int = 0  # the peer's failed dials before this join's (runtime.PeerRow.failures)


JOIN_PATIENCE = 20.0
"""Seconds a join may stay "connecting" before it is said to be not reachable now (a
dial to an address that drops packets takes that long to fail)."""


async def join(node: Node, service: NetworkService | None, code_text: str) -> Joined:
    """Follow the account of an invite and dial its device (or remember it for later);
    join the open community it carries, if any (the first session we dial exchanges
    rosters: the inviter learns our line, we learn the roster).

    Follows and joins before dialing: a session reads what we replicate when it starts."""
    code = invite.decode(code_text)
    assert node.identity is not None
    if code.device == node.identity.device_id:
        raise UserError("that is this home's own invite code: give it to someone else")
    own = code.account == node.account_id
    followed = not own and code.account not in await node.feeds.following()
    if followed:
        await node.posts.follow(code.account)
    if code.community is not None:
        await node.communities.join(code.community)
    if code.token is not None:  # to ask a common peer where the inviter went, if it moves
        await node.replication.keep_invite_token(code.device, code.account, code.token)
    failures = 0
    if service is not None:
        await service.connect(code.device, code.addrs, source="invite")
        # read before the dialer it started runs (no checkpoint since): a failure
        # counted from now on is this join's
        known = service.peer(code.device)
        failures = known.failures if known is not None else 0
    else:
        await node.replication.add_peer(code.device, code.addrs, "invite")
    community = code.community
    return Joined(code.device, code.account, tuple(code.addrs), followed, own,
                  service is not None, community.community_id if community else None,
                  community.name if community else None, failures)
