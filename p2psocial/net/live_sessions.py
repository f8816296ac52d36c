"""The sync sessions open now, one per peer: which of two wins, running one, and what
the rest of the service asks of them.

    sessions = LiveSessions(replica, known, friends, ..., on_start=..., on_end=...)
    await sessions.run(device, stream, initiator=device)   # until the session ends
    sessions.end(device)                                    # cancel it (a ban, a trim)

Theory of operation. A session runs ``run_sync`` (sync.py) on one stream, whichever
side opened it. When both sides dial at once there are briefly two: both keep the one
opened by the lower device id (addressbook.py ``keeps_new_session``) and cancel the
other, so they agree without talking. A friend's session has its own send budget; all
strangers share one, and at most ``max_strangers`` of their sessions run at once (the
one that brought us least makes room: strangers.py). A session that ends with both
sides caught up raises the peer's standing; one that ends with ``PeerMisbehaved``
costs it (``misbehaved``). ``on_start`` and ``on_end`` are where the service ties
the other parts in (address exchange, blob fetcher, hole punching, the dialer).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import trio
from libp2p.abc import INetStream

from .addressbook import StandingPolicy, keeps_new_session
from .friends import Friends
from .known_peers import KnownPeers
from .limits import FRIEND_SEND, STRANGER_SEND, FloodPolicy
from .plumbing import remote_end, short
from .port import Replica
from .strangers import StrangerSession, pick_eviction
from .streams import reset_quietly
from .sync import (
    Deadlines,
    PeerMisbehaved,
    SendBudget,
    SessionControl,
    SyncStats,
    negotiated_version,
    run_sync,
)

log = logging.getLogger("p2psocial.net.service")  # the service's lines, as before


@dataclass(eq=False)
class Session:
    initiator: bytes  # device id of the side that opened the stream
    scope: trio.CancelScope
    superseded: bool = False
    control: SessionControl = field(default_factory=SessionControl)
    friend: bool = True  # strangers.py: a stranger that dialed us counts against a cap
    started: float = 0.0  # trio time
    remote: tuple[str, int] | None = None  # the connection's other end


class LiveSessions:
    def __init__(self, replica: Replica, known: KnownPeers, friends: Friends, *,
                 device_id: bytes, hops: int, flood: FloodPolicy, live: bool,
                 deadlines: Deadlines, policy: StandingPolicy, max_strangers: int,
                 misbehaved: Callable[[bytes, str], Awaitable[None]],
                 rest: Callable[[bytes], None],
                 on_start: Callable[[bytes, bytes], None],
                 on_end: Callable[[bytes], None]) -> None:
        """``rest(device)``: a session ended, set when to dial it again (dialer.py);
        ``on_start(device, initiator)`` once a session is the peer's session;
        ``on_end(device)`` once it ended (not when a newer one superseded it)."""
        self.replica, self.known, self.friends = replica, known, friends
        self.device_id, self.hops, self.flood, self.live = device_id, hops, flood, live
        self.deadlines, self.policy, self.max_strangers = deadlines, policy, max_strangers
        self.misbehaved, self.rest = misbehaved, rest
        self.on_start, self.on_end = on_start, on_end
        self.by_device: dict[bytes, Session] = {}
        self.stranger_budget = SendBudget(STRANGER_SEND)  # shared by all strangers
        self._friend_budgets: dict[bytes, SendBudget] = {}

    def __contains__(self, device: object) -> bool:
        return device in self.by_device

    def devices(self) -> list[bytes]:
        return list(self.by_device)

    def remote_of(self, device: bytes) -> tuple[str, int] | None:
        session = self.by_device.get(device)
        return None if session is None else session.remote

    def came_in(self, device: bytes) -> bool | None:
        """Whether ``device`` opened our session with it (None: no session)."""
        session = self.by_device.get(device)
        return None if session is None else session.initiator == device

    def end(self, device: bytes) -> None:
        session = self.by_device.get(device)
        if session is not None:
            session.scope.cancel()

    def want(self, wanted: set[bytes]) -> None:
        for session in self.by_device.values():
            session.control.want(wanted)

    def lacking(self, device: bytes, head: int) -> None:
        for session in self.by_device.values():
            session.control.lacking(device, head)

    def author_holds(self, device: bytes, seq: int) -> None:
        session = self.by_device.get(device)
        if session is not None:
            session.control.peer_holds(device, seq)

    def caught_up(self) -> dict[bytes, bool]:
        return {d: s.control.stats.caught_up for d, s in self.by_device.items()}

    def received(self) -> dict[bytes, int]:
        return {d: s.control.stats.received for d, s in self.by_device.items()}

    def stats(self, device: bytes) -> SyncStats | None:
        session = self.by_device.get(device)
        return session.control.stats if session is not None else None

    async def run(self, device: bytes, stream: INetStream, *, initiator: bytes) -> None:
        friend = await self.friends.account_of(device) is not None
        session = Session(initiator, trio.CancelScope(), friend=friend or initiator != device,
                          started=trio.current_time(), remote=remote_end(stream))
        if not session.friend:
            self._make_room_for_a_stranger()
        current = self.by_device.get(device)
        if current is not None:
            if not keeps_new_session(current.initiator, initiator):
                log.debug("dropping a second session with %s", short(device))
                await reset_quietly(stream)
                return
            current.superseded = True
            current.scope.cancel()
        self.by_device[device] = session
        state = self.known.states[device]
        await self.known.persist(device, state.session_started(self.known.clock()))
        self.known.notify()
        log.info("session with %s (%s)", short(device),
                 "we dialed" if initiator == self.device_id else "it dialed")
        self.on_start(device, initiator)
        stats: SyncStats | None = None
        try:
            with session.scope:
                budget = (self._friend_budgets.setdefault(device, SendBudget(FRIEND_SEND))
                          if friend else self.stranger_budget)
                stats = await run_sync(self.replica, stream, hops=self.hops, flood=self.flood,
                                       control=session.control, live=self.live,
                                       version=negotiated_version(stream), budget=budget,
                                       deadlines=self.deadlines)
        except PeerMisbehaved as exc:
            await self.misbehaved(device, str(exc))
        except Exception as exc:  # the connection broke: SessionAborted, a reset...
            log.info("session with %s ended: %s", short(device), exc or type(exc).__name__)
        finally:
            if session.superseded:
                pass  # the other session with this peer carries on
            else:
                if self.by_device.get(device) is session:
                    del self.by_device[device]
                good = stats is not None and stats.caught_up
                fields = state.session_ended(self.known.clock(), self.policy, good=good)
                self.rest(device)
                with trio.CancelScope(shield=True):
                    await self.known.persist(device, fields)
                self._friend_budgets.pop(device, None)
                self.on_end(device)

    def _make_room_for_a_stranger(self) -> None:
        """At the cap of stranger sessions, end the one that brought us least."""
        strangers = [StrangerSession(d, s.started, s.control.stats.received)
                     for d, s in self.by_device.items() if not s.friend]
        if len(strangers) >= self.max_strangers:
            evicted = pick_eviction(strangers)
            if evicted is not None:
                log.info("ending the session of stranger %s to make room for another",
                         short(evicted))
                self.by_device[evicted].scope.cancel()
