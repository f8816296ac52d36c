"""The network service's side of open LAN communities (protocol: community.py).

Three jobs, each a few streams of ``/p2psocial/community/1.0.0``:

* **What the neighbours offer** (``nearby_communities``): ask every device LAN
  discovery shows now for its listing, in parallel, each answer kept ``max_age``
  seconds, so a window that refreshes its list every few seconds asks each neighbour
  at most that often (an empty answer is not kept: a neighbour lists nothing to a
  device it has not yet seen on the LAN itself).
* **Joining** (``join``): ask a neighbour that listed the community for its key and
  roster, and become a member (``Node.join_community``); the node's
  ``RosterChanged`` then makes the service share rosters with everyone connected.
* **Keeping rosters in step** (``share``): exchange rosters with peers, after each
  session we dialed and whenever a roster grows. What a peer names goes onto our
  rosters (``Node.merge_roster``), which changes what we replicate.

A neighbour that breaks the protocol loses standing (``misbehaved``): a frame that
is not the protocol, a roster line that does not verify. One that cannot be reached
or does not answer in time is skipped, and so are roster lines that do not fit a
full roster (nobody's fault). Requests are served ``SERVING`` at once at most, two
per peer (``InFlight``), and ``REQUEST_RATE`` a second per peer after a burst of
``REQUEST_BURST`` (``PeerRate``): past that a stream is reset, and its peer asks
again. Roster
answers, to everyone together, get ``ANSWER_BURST`` bytes at once and ``ANSWER_RATE``
a second; past that the empty answer goes (no listing, "no", no roster).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TypeVar

import trio

from .. import roster
from ..errors import UserError
from ..store.communities import CommunityInfo
from . import community
from .community import CommunityProtocolError, Listed
from .limits import TokenBucket
from .port import Replica
from .request_limits import InFlight, PeerRate
from .streams import BROKEN, reset_quietly

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRIES = 2
RETRY_DELAY = 0.5
SERVING = 32
"""Community requests served at once, from all peers: what they can make the node
hold is at most this many frames of ``community.REQUEST_MAX`` (about 17 MB)."""
SERVING_PER_PEER = 2
REQUEST_RATE = 2.0
"""Community requests a second from one peer, sustained, after ``REQUEST_BURST`` at
once. An honest peer asks for a listing every 10 s while its window shows them (every
0.5 s while ``community nearby`` waits for a neighbour that lists nothing yet), and
exchanges rosters when a session starts or a roster grows."""
REQUEST_BURST = 16
RATED_PEERS = 4096
"""Peers whose request rate is remembered at once (those idle long enough are
forgotten first)."""
ANSWER_BURST = 1024 * 1024
"""Bytes of answers (listings, keys with their rosters, rosters) sent at once, to all
peers together: about 16 full rosters (a roster answer holds only what its asker
lacks, so most are small)."""
ANSWER_RATE = 64 * 1024
"""Bytes of answers a second, sustained (about one full roster)."""
FORGED = "a roster line that does not verify"
_NOBODYS_FAULT: tuple[type[BaseException], ...] = (trio.TooSlowError, *BROKEN)
OpenStream = Callable[[bytes], Awaitable[community.Stream]]


@dataclass(frozen=True, slots=True)
class NearbyCommunity:
    """A community offered on the LAN now."""

    id: bytes
    name: str
    creator: bytes
    members: int  # the roster's size, as the neighbour that knows most counts it
    devices: tuple[bytes, ...]  # the neighbours that offer it
    joined: bool  # the local account is a member already

    @property
    def full(self) -> bool:
        """Nobody else can join it (as the neighbours count its roster)."""
        return not self.joined and self.members >= roster.MAX_MEMBERS


class Neighbourhood:
    def __init__(self, replica: Replica, device_id: bytes, *, open_stream: OpenStream,
                 nearby: Callable[[], Collection[bytes]],
                 misbehaved: Callable[[bytes, str], Awaitable[None]]) -> None:
        self.replica = replica
        self.device_id = device_id
        self._open = open_stream
        self._nearby = nearby
        self._misbehaved = misbehaved
        self._listed: dict[bytes, tuple[float, list[Listed]]] = {}
        self.serving = InFlight(SERVING, SERVING_PER_PEER)
        self.rate = PeerRate(REQUEST_RATE, REQUEST_BURST, RATED_PEERS)
        self._answers: TokenBucket | None = None  # made in Trio, on first use

    # --- answering ----------------------------------------------------------------------

    async def serve(self, stream: community.Stream, device: bytes) -> None:
        """Answer one community request from ``device``: whatever it sends, the outcome
        is an answer, a reset stream, or a reset and a loss of standing (one WARNING
        line, by the service); never an exception."""
        with self.serving.slot(device) as granted:
            if not granted or not self.rate.allow(device, trio.current_time()):
                log.debug("community request from %s: too many at once or too often",
                          device.hex()[:12])
                await reset_quietly(stream)
                return
            try:
                await community.serve(stream, me=self.device_id, peer=device,
                                      on_lan=device in self._nearby(),
                                      communities=self.replica.communities,
                                      merge=self.replica.merge_roster,
                                      may_answer=self._may_answer)
            except CommunityProtocolError as exc:
                await reset_quietly(stream)
                await self._misbehaved(device, f"community request: {exc}")
            except _NOBODYS_FAULT as exc:
                log.debug("community request from %s: %r", device.hex()[:12], exc)
                await reset_quietly(stream)

    def _may_answer(self, size: int) -> bool:
        now = trio.current_time()
        if self._answers is None:
            self._answers = TokenBucket(ANSWER_RATE, ANSWER_BURST, now)
        if self._answers.take(size, now):
            return True
        log.debug("no answer of %d bytes: the budget is spent", size)
        return False

    # --- asking ---------------------------------------------------------------------------

    async def nearby_communities(self, max_age: float = 10.0) -> list[NearbyCommunity]:
        """The communities LAN neighbours offer now, by name."""
        devices = list(self._nearby())
        now = trio.current_time()
        stale = [d for d in devices if now - self._listed.get(d, (-1e9, []))[0] > max_age]
        async with trio.open_nursery() as nursery:
            for device in stale:
                nursery.start_soon(self._list_one, device)
        mine = {i.id for i in await self.replica.communities()}
        found: dict[bytes, NearbyCommunity] = {}
        for device in devices:
            for item in self._listed.get(device, (0.0, []))[1]:
                seen = found.get(item.id)
                if seen is None:
                    found[item.id] = NearbyCommunity(item.id, item.name, item.creator,
                                                     item.members, (device,), item.id in mine)
                else:
                    found[item.id] = NearbyCommunity(
                        seen.id, seen.name, seen.creator, max(seen.members, item.members),
                        (*seen.devices, device), seen.joined)
        return sorted(found.values(), key=lambda c: (c.name.casefold(), c.id))

    async def _list_one(self, device: bytes) -> None:
        listed = await self._ask(device, community.ask_listing)
        if listed is not None:  # an empty one is asked again next time: the neighbour
            # may not have seen us on the LAN yet (mDNS is not symmetric in time)
            self._listed[device] = (trio.current_time() if listed else -1e9, listed)

    async def join(self, community_id: bytes) -> CommunityInfo:
        """Join a community a neighbour offers: its key and roster from the first
        neighbour that gives them. ``UserError`` when none does."""
        offering = [d for d in self._nearby() if any(
            i.id == community_id for i in self._listed.get(d, (0.0, []))[1])]
        if not offering:
            await self.nearby_communities(max_age=0.0)
            offering = [d for d in self._nearby() if any(
                i.id == community_id for i in self._listed.get(d, (0.0, []))[1])]
        for device in offering:
            answer = await self._ask(device, lambda s: community.ask_key(s, community_id))
            if answer is None:
                continue
            value, lines = answer
            merged = await self.replica.join_community(value, lines)
            if merged.forged:
                await self._misbehaved(device, f"community answer: {FORGED}")
            await self.share([device])  # it learns of us now, even if nothing else changes
            return next(i for i in await self.replica.communities() if i.id == community_id)
        raise UserError("no neighbour on the LAN offers that community now")

    async def share(self, devices: Sequence[bytes]) -> None:
        """Exchange rosters with ``devices`` (in parallel); what they name is merged."""
        mine = await self.replica.communities()
        step = community.MAX_BOXES
        parts = [mine[i:i + step] for i in range(0, len(mine), step)]
        async with trio.open_nursery() as nursery:
            for device in devices if parts else ():
                nursery.start_soon(self._share_one, device, parts)

    async def _share_one(self, device: bytes, parts: list[list[CommunityInfo]]) -> None:
        """One exchange per ``MAX_BOXES`` of our communities, one after the other."""
        for part in parts:
            theirs = await self._ask(device, functools.partial(
                community.exchange_rosters, me=self.device_id, peer=device, mine=part))
            for cid, lines in (theirs or {}).items():
                if (await self.replica.merge_roster(cid, lines)).forged:
                    await self._misbehaved(device, f"community answer: {FORGED}")
                    return

    async def _ask(self, device: bytes,
                   request: Callable[[community.Stream], Awaitable[T]]) -> T | None:
        """One request to ``device``; None when it could not be asked or answer. A
        broken stream is tried once more: two peers that dial each other at once end
        up with one connection, and a stream on the other one breaks."""
        for attempt in range(RETRIES + 1):
            if attempt:
                await trio.sleep(RETRY_DELAY)
            try:
                stream = await self._open(device)
            except Exception as exc:  # DialFailed, StreamOpenFailed: not the peer's fault
                log.info("community request to %s: %s", device.hex()[:12], exc)
                continue
            try:
                return await request(stream)
            except CommunityProtocolError as exc:
                await self._misbehaved(device, f"community answer: {exc}")
                return None
            except Exception as exc:  # a reset, a timeout, a closed connection
                log.info("community request to %s: %r", device.hex()[:12], exc)
                await reset_quietly(stream)
        return None

