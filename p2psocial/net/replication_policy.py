"""What the service replicates, kept in step with the store while sessions run.

Theory of operation. Whenever a follow, unfollow, block or unblock entry is stored,
a local refusal changes (``RefusalsChanged``: a private block, a blocklist
subscription or exception; store/refusals.py), or a community roster grows, the
accounts we replicate change: ``apply`` recomputes them (``Replica.wanted_accounts``),
sends them to every session (``SessionControl.want``: the new ones are asked for
mid-session), drops the address
records of accounts we no longer replicate, moves the gossip subscriptions, and
looks again at whom we recognise on the LAN. ``follow`` does that at the start and
once per burst of such events (and after falling behind the events); a new log
(maybe a friend's new device) refreshes who counts as a friend, and a grown roster
is also shared with every peer connected.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import trio

from ..content import Kind
from ..events import EntryAdded, Lagged, RefusalsChanged, RosterChanged
from .friends import Friends
from .gossip import Gossip
from .live_sessions import LiveSessions
from .port import Replica

POLICY_KINDS = frozenset({Kind.FOLLOW, Kind.UNFOLLOW, Kind.BLOCK, Kind.UNBLOCK})


class ReplicationPolicy:
    def __init__(self, replica: Replica, friends: Friends, sessions: LiveSessions, *,
                 hops: int, gossip: Callable[[], Gossip | None],
                 nursery: Callable[[], trio.Nursery | None],
                 friends_changed: Callable[[], None],
                 recognise: Callable[[], Awaitable[None]],
                 share: Callable[[list[bytes]], Awaitable[None]]) -> None:
        """``friends_changed()``: a connected peer may see more address records now;
        ``recognise()``: look again at whom we recognise on the LAN;
        ``share(devices)``: send our community rosters to those devices."""
        self.replica, self.friends, self.sessions, self.hops = replica, friends, sessions, hops
        self.gossip, self.nursery = gossip, nursery
        self.friends_changed, self.recognise, self.share = friends_changed, recognise, share

    async def follow(self) -> None:
        """Apply the policy now and after every burst of events that changes it."""
        while True:
            events = self.replica.subscribe()
            await self.apply()  # at the start, and after falling behind
            with events:
                async for event in events:
                    seen = [event]
                    while True:  # take what is queued too
                        try:
                            seen.append(events.receive_nowait())
                        except (trio.WouldBlock, trio.EndOfChannel):
                            break
                    if any(isinstance(e, Lagged) for e in seen):
                        break
                    rosters = any(isinstance(e, RosterChanged) for e in seen)
                    new_log = any(isinstance(e, EntryAdded) and e.seq == 1 for e in seen)
                    if new_log:
                        self.friends.changed()  # a new log: maybe a friend's new device
                    policy = any(e.kind in POLICY_KINDS for e in seen
                                 if isinstance(e, EntryAdded)) or any(
                        isinstance(e, RefusalsChanged) for e in seen)  # private blocks, lists
                    if new_log or policy:  # a connected peer may see more records now
                        self.friends_changed()
                    if rosters or policy:
                        await self.apply()
                    elif any(e.kind == Kind.DEVICE for e in seen if isinstance(e, EntryAdded)):
                        await self.recognise()  # a new log
                    nursery = self.nursery()
                    if rosters and nursery is not None:  # tell the other members
                        nursery.start_soon(self.share, self.sessions.devices())
                else:
                    return  # the node is closing

    async def apply(self) -> None:
        self.friends.changed()
        wanted = await self.replica.wanted_accounts(self.hops)
        self.sessions.want(wanted)
        await self.replica.prune_address_records(wanted)
        gossip = self.gossip()
        if gossip is not None:
            await gossip.set_policy(topics=await self.replica.wanted_accounts(1),
                                    replicated=wanted, blocked=await self.replica.refused())
        await self.recognise()  # whom we recognise on the LAN
