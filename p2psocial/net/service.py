"""The node's network service: one host, one sync session per connected peer.

    async with NetworkService(replica, port=0, hops=2) as service:
        service.listen_addrs                    # where peers can reach us
        await service.connect(device_id, ["/ip4/192.0.2.7/tcp/4001"])
        service.peers()                         # snapshots of every known peer

Theory of operation. The service opens a libp2p host from the device key and
serves the sync protocol (``run_sync``) on every inbound stream. For every peer in
the address book that has addresses, a *dialer* (dialer.py) keeps one session open:
it dials when none is open, whoever opened it, and backs off on failure. When both
sides dial at once there are briefly two sessions: both sides keep the one opened by
the lower device id (``keeps_new_session``) and cancel the other, so they agree
without talking. It is the composition of small parts, each with its own module:

* what we know of each peer, written through to the address book: known_peers.py;
* the sessions open now, and which of two wins: live_sessions.py;
* the streams peers open to us (who, banned or not, which protocol): inbound.py;
* dialing and its backoff: dialer.py;
* the LAN (``lan=True``: mDNS, and heard addresses confirmed): lan_peers.py;
* circuit relay, for friends, and slots held when nobody can dial us: relay_policy.py;
  hole punching (``hole_punching=True``): puncher.py;
* blobs served and fetched (``fetch_blob``, and in the background with
  ``fetch_blobs``: blob_fetcher.py): blob_sharing.py;
* which of our addresses we advertise: advertised.py;
* what we replicate, kept in step with follows, blocks and rosters:
  replication_policy.py; the connection manager's census and trims: connections.py;
* open LAN communities: neighbourhood.py; addresses that follow you (a friend's newer
  record redials it now, ``_moved``): address_exchange.py; where we stand
  (reachability, ``paths()``, ``why_not()``): standpoint.py; live gossip beside the
  sessions (``gossip=True``), for latency only: gossip.py.

Peer standing: ``PeerMisbehaved`` from a session (or a forged gossip message, a bad
blob, a broken relay request) lowers the peer's standing; below the threshold the
peer is banned for a while (its session is ended, its connection closed, its streams
refused and it is not dialed) and other peers are served as before. Ban times come
from ``clock`` (ms), so tests move time instead of sleeping; backoff waits are Trio
time.

Connections (admission.py, connmgr.py): the host admits inbound connections still
handshaking under limits; the service runs the connection manager, which trims the
least useful connections above a high watermark and never friends, nearby devices,
peers we dial, relays we hold a slot at, circuits through us, or a sync that is
bringing us entries. Strangers (peers that reached us on their own) have their own
caps (strangers.py, known_peers.py).

Replication policy mid-session: whenever a follow, unfollow, block or unblock entry
is stored, or a roster grows, the service recomputes the accounts it replicates,
sends the new ones to every session (``SessionControl.want``) and moves its gossip
subscriptions.

``sync_once`` (sync_once.py) is the one-shot variant for ``p2psocial sync --once``.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any

import trio
from libp2p.abc import INetStream
from libp2p.peer.id import ID

from ..errors import UserError
from ..link_code import LinkCode
from ..store.blob_wants import BUDGET as BLOB_BUDGET
from ..store.blob_wants import Budget
from ..store.communities import CommunityInfo
from ..store.peer_addrs import Trust
from ..store.store import BLOB_CAP
from . import address_exchange, community, connmgr, link, relay
from .addressbook import BACKOFF, STANDING, Backoff, PeerSnapshot, PeerState, StandingPolicy
from .addresses import dialed_addr
from .admission import ADMISSION, AdmissionLimits
from .advertised import advertised_addrs, interface_addrs, listen_port, reachable_from_outside
from .blob_fetcher import BlobFetcher
from .blob_sharing import BlobSharing
from .connections import Connections
from .dialer import Dialer
from .discovery import SERVICE_TYPE
from .friends import Friends
from .gossip import Gossip, GossipHooks
from .host import (
    Host,
    NetError,
    device_id_from_peer_id,
    listen_ips,
    open_host,
    peer_id_from_device_id,
)
from .inbound import Inbound
from .known_peers import KnownPeers
from .lan_peers import LanPeers
from .lan_presence import LanPresence
from .limits import FLOOD, FloodPolicy
from .live_sessions import LiveSessions
from .neighbourhood import NearbyCommunity, Neighbourhood
from .paths import Path
from .plumbing import disconnect, multiaddrs, remote_end, short
from .port import Replica
from .portmap import PortMapper, lan_ip, mappable
from .puncher import HolePuncher
from .reachability import UNKNOWN, Reachability
from .relay_policy import RelayPolicy
from .replication_policy import ReplicationPolicy
from .standpoint import Standpoint
from .strangers import MAX_STRANGER_SESSIONS
from .sync import DEADLINES, Deadlines
from .sync_once import OnceResult, sync_once
from .why_not import PeerFacts, Reason

__all__ = [  # what runtime, the CLI and tests use, some of it from the parts
    "NetworkService",
    "OnceResult",
    "PeerSnapshot",
    "advertised_addrs",
    "interface_addrs",
    "reachable_from_outside",
    "sync_once",
]

log = logging.getLogger(__name__)

RELAY_LIMITS = relay.RelayLimits()


class NetworkService:
    def __init__(self, replica: Replica, *, port: int | None = 0, hops: int = 2,
                 ip: str | Sequence[str] = "127.0.0.1",
                 clock: Callable[[], int] | None = None, rng: random.Random | None = None,
                 backoff: Backoff = BACKOFF, policy: StandingPolicy = STANDING,
                 offer_relay: bool = True, relay_limits: relay.RelayLimits = RELAY_LIMITS,
                 reserve: bool | None = None,
                 lan: bool = False, lan_service_type: str = SERVICE_TYPE,
                 flood: FloodPolicy = FLOOD, gossip: bool = True,
                 live_sync: bool = True, connections: connmgr.ConnLimits = connmgr.CONN_LIMITS,
                 admission: AdmissionLimits = ADMISSION,
                 max_stranger_sessions: int = MAX_STRANGER_SESSIONS,
                 deadlines: Deadlines = DEADLINES, port_mapping: bool = False,
                 hole_punching: bool = True, fetch_blobs: bool = True,
                 blob_budget: Budget = BLOB_BUDGET) -> None:
        """``clock``: ms since the epoch (default: the node's); ``rng``: jitter source;
        ``lan``: announce and discover peers by mDNS (``lan_service_type``: the DNS-SD
        type, for tests that must not meet other tests' services); ``flood``: how much
        waste a session tolerates from a peer (limits.py); ``gossip``: live gossip beside
        the sessions; ``live_sync=False``: sessions push new entries only when asked
        (to measure or test gossip alone); ``connections``: how many connections are
        kept and which go first (connmgr.py); ``admission``: limits on inbound
        connections still handshaking (admission.py); ``max_stranger_sessions``:
        sessions that strangers opened, at once (strangers.py); ``deadlines``: how long
        a peer may take to open a session and stay silent (sync.py); ``port_mapping``:
        ask the home router to forward our port (portmap.py; off here, on in serve and
        the app, so that tests on loopback never talk to a router); ``hole_punching``:
        upgrade relayed connections to direct ones (puncher.py); ``fetch_blobs``: fetch
        the pictures of what we replicate in the background, within ``blob_budget``
        for accounts neither ours nor followed (blob_fetcher.py, store/blob_wants.py)."""
        if replica.identity is None:
            raise ValueError("the network service needs a node opened with its keys")
        self.replica = replica
        self.port = port
        self.hops = hops
        self.ip = ip
        self.clock = clock or replica.clock
        self.rng = rng or random.Random()
        self.policy = policy
        self.device_id = replica.identity.device_id
        self.lan = lan
        self.gossip_on = gossip
        self.gossip: Gossip | None = None
        self.conn_limits, self.admission = connections, admission
        self.friends = Friends(replica.logs, lambda: replica.wanted_accounts(hops))
        self.relay_server: relay.RelayServer | None = None
        self.hole_punching = hole_punching
        self.puncher: HolePuncher | None = None
        self.link_server: link.LinkServer | None = None
        self.standpoint: Standpoint | None = None  # reachability and paths, while running
        self.port_mapping = port_mapping
        self.portmap: PortMapper | None = None
        self.fetch_blobs, self.blob_budget = fetch_blobs, blob_budget
        self.blob_fetcher: BlobFetcher | None = None
        self._host: Host | None = None
        self._nursery: trio.Nursery | None = None
        self._cm: Any = None
        self.known = KnownPeers(replica, self.clock, in_session=self._in_session)
        self.address_exchange = address_exchange.AddressExchange(
            replica, account_of=self.friends.account_of, connected=self.connected,
            open_stream=self._open_addrs, misbehaved=self._misbehaved, moved=self._moved,
            own_addrs=lambda: self.listen_addrs, mapped=self.mapped_addrs,
            stale=self._stale)
        self.dialer = Dialer(self.known, host=lambda: self._host, nursery=lambda: self._nursery,
                             in_session=self._in_session, on_stream=self._dialed,
                             unreachable=self.address_exchange.unreachable,
                             backoff=backoff, policy=policy, rng=self.rng)
        self.sessions = LiveSessions(
            replica, self.known, self.friends, device_id=self.device_id, hops=hops,
            flood=flood, live=live_sync, deadlines=deadlines, policy=policy,
            max_strangers=max_stranger_sessions, misbehaved=self._misbehaved,
            rest=self.dialer.rest,
            on_start=self._session_started, on_end=self._session_ended)
        self.lan_presence = LanPresence(replica, hops, lambda: self.known.states)
        self.lan_peers = LanPeers(replica, self.known, self.lan_presence,
                                  device_id=self.device_id, ip=ip,
                                  service_type=lan_service_type, nursery=lambda: self._nursery,
                                  in_session=self._in_session, remote_of=self.sessions.remote_of,
                                  dial=self.dialer.start)
        self.relay_policy = RelayPolicy(
            self.known, self.friends, offer=offer_relay, limits=relay_limits, reserve=reserve,
            host=lambda: self._host, connected=self.connected, mapped_addrs=self.mapped_addrs,
            reachability=self.reachability, next_change=self.next_change,
            retry_after=self.dialer.retry_after, misbehaved=self._misbehaved)
        self.blob_sharing = BlobSharing(replica, self.known, device_id=self.device_id,
                                        hops=hops, budget=blob_budget,
                                        host=lambda: self._host, connected=self.connected,
                                        misbehaved=self._misbehaved)
        self.neighbourhood = Neighbourhood(replica, self.device_id,
                                           open_stream=self._open_community,
                                           nearby=self.nearby, misbehaved=self._misbehaved)
        self.connections = Connections(
            self.known, self.friends, self.sessions, admission=admission,
            host=lambda: self._host, nursery=lambda: self._nursery,
            nearby=lambda: self.lan_peers.nearby.keys(), relay_server=lambda: self.relay_server)
        self.inbound = Inbound(self.known, self.sessions, self.blob_sharing, self.neighbourhood,
                               self.address_exchange, policy=policy, learnt=self.lan_peers.learnt,
                               misbehaved=self._misbehaved, drop=self.connections.drop)
        self.replication = ReplicationPolicy(
            replica, self.friends, self.sessions, hops=hops, gossip=lambda: self.gossip,
            nursery=lambda: self._nursery,
            friends_changed=self.address_exchange.friends_changed,
            recognise=self.lan_peers.recognise, share=self.neighbourhood.share)

    # --- running --------------------------------------------------------------------

    async def run(self, *, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        """Run until cancelled; ``task_status.started(self)`` once listening."""
        assert self.replica.identity is not None
        records = await self.replica.peers()
        async with open_host(self.replica.identity.device.seed, self.port, ip=self.ip,
                             admission=self.admission) as host, \
                trio.open_nursery() as nursery:
            self._host, self._nursery = host, nursery
            if self.gossip_on:
                hooks = GossipHooks(misbehaved=self._gossip_misbehaved, banned=self.known.banned,
                                    lacking=self.sessions.lacking,
                                    holds=self.sessions.author_holds)
                self.gossip = await nursery.start(Gossip(self.replica, host, hooks).run)
            nursery.start_soon(self.replication.follow)
            for record in records:
                self.known.states[record.device] = PeerState.from_record(record)
                self.dialer.start(record.device)
            self.inbound.install(host)
            self.link_server = link.serve(host, self.replica)  # device linking
            self.relay_server = self.relay_policy.start(host, nursery)
            if self.hole_punching:
                self.puncher = await nursery.start(HolePuncher(
                    host, own_addrs=lambda: advertised_addrs(host.listen_addrs),
                    on_bad_peer=self.relay_policy.bad_request).run)
            self.standpoint = Standpoint(
                host, own=lambda: advertised_addrs(host.listen_addrs),
                is_friend=self._is_friend_device, changed=self.next_change,
                notify=self.known.notify, listening=self.port is not None,
                mapped=self.mapped_addrs,  # port mapping (portmap.py), when it holds
                inbound=self.sessions.came_in, mapped_of=self.address_exchange.mapped_of,
                chosen=lambda d: bool(d in self.known.states and self.known.states[d].addrs))
            await nursery.start(self.standpoint.run)
            await nursery.start(self.address_exchange.run)
            if self.fetch_blobs:
                self.blob_fetcher = BlobFetcher(
                    wanted=self.blob_sharing.wanted, fetch=self.blob_sharing.fetch_from,
                    connected=self.connected, subscribe=self.replica.subscribe)
                await nursery.start(self.blob_fetcher.run)
            nursery.start_soon(connmgr.ConnectionManager(
                self.conn_limits, count=lambda: len(host.connections()),
                census=self.connections.census, hang_up=self.connections.hang_up,
                sample=self.connections.sample).run)
            if self.lan and host.listen_addrs:
                nursery.start_soon(self.lan_peers.run, listen_port(host))
            v4 = [ip for ip in listen_ips(self.ip) if ":" not in ip]  # mappings: IPv4
            if self.port_mapping and host.listen_addrs and v4 and mappable(v4[0]):
                self.portmap = PortMapper(listen_port(host), on_change=self._mapping_changed,
                                          internal_ip=lan_ip(v4[0]))
                nursery.start_soon(self.portmap.run)
            log.info("listening on %s", " ".join(self.listen_addrs))
            task_status.started(self)
            try:
                await trio.sleep_forever()
            finally:
                self._host = None
                self.gossip = None
                self.blob_fetcher = None
                self.puncher = None
                self.link_server = None
                self.standpoint = None

    async def __aenter__(self) -> NetworkService:
        self._cm = _running(self)
        return await self._cm.__aenter__()

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> bool | None:
        return await self._cm.__aexit__(kind, exc, tb)

    # --- what callers see ---------------------------------------------------------------

    @property
    def listen_addrs(self) -> list[str]:
        """Addresses peers can dial (a wildcard listen address is expanded to this
        machine's useful interface addresses: ``advertised_addrs``), then our circuit
        addresses through relays where we hold a slot."""
        if self._host is None:
            return []
        direct = self.mapped_addrs() + advertised_addrs(self._host.listen_addrs)
        return list(dict.fromkeys(direct)) + self._host.circuit_addrs()

    def link_offer(self) -> LinkCode:
        """A one-time code (net/link.py) that links a new device to this account,
        naming the addresses we listen on now; it replaces any earlier one."""
        identity = self.replica.identity
        if self.link_server is None or identity is None or not self.listen_addrs:
            raise UserError("the network is not running, so there is no address for the "
                            "new device to reach")
        return self.link_server.open_offer(identity.account_id, self.listen_addrs)

    def close_link_offer(self) -> None:
        """The code ``link_offer`` gave links nothing any more (its dialog closed)."""
        if self.link_server is not None:
            self.link_server.close_offer()

    def mapped_addrs(self) -> list[str]:
        """Our address on the home router's outside that it forwards to us (UPnP or
        NAT-PMP, portmap.py), while the mapping holds; empty without one."""
        return self.portmap.addrs() if self.portmap is not None else []

    def peers(self) -> list[PeerSnapshot]:
        """Snapshots of every known peer (connected or not)."""
        return [self._snapshot(p) for p in self.known.states.values()]

    def peer(self, device: bytes) -> PeerSnapshot | None:
        found = self.known.states.get(device)
        return None if found is None else self._snapshot(found)

    def nearby(self) -> list[bytes]:
        """Devices announced on the LAN (mDNS) and not ``Gone`` since."""
        return list(self.lan_peers.nearby)

    def _snapshot(self, state: PeerState) -> PeerSnapshot:
        stats = self.sessions.stats(state.device)
        return PeerSnapshot.of(state, nearby=state.device in self.lan_peers.nearby,
                               received=stats.received if stats else 0,
                               sent=stats.sent if stats else 0,
                               caught_up=bool(stats and stats.caught_up))

    def connected(self) -> list[bytes]:
        return self.sessions.devices()

    def _in_session(self, device: bytes) -> bool:
        return device in self.sessions

    # --- where we stand (standpoint.py) ---------------------------------------------

    def reachability(self) -> Reachability:
        """Whether others can reach us: public, port-mapped, behind NAT, unknown."""
        return self.standpoint.reachability() if self.standpoint else UNKNOWN

    def paths(self) -> dict[bytes, Path]:
        """How each connected device is connected (LAN, direct, port-mapped...)."""
        return self.standpoint.paths() if self.standpoint else {}

    def why_not(self, device: bytes) -> Reason | None:
        """Why a known peer has no session now (None when it has one)."""
        state = self.known.states.get(device)
        if state is None or device in self.sessions or self.standpoint is None:
            return None
        now = self.clock()
        return self.standpoint.why_not(PeerFacts(
            state.addrs, state.last_seen, state.dialing,
            state.banned_until if state.banned(now) else None))

    async def _is_friend_device(self, device: bytes) -> bool:
        return await self.friends.account_of(device) is not None

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        """Return once ``condition()`` holds; it is re-checked after every change of
        peer state (a session started or ended, a dial failed, a ban)."""
        await self.known.wait_until(condition)

    async def next_change(self) -> None:
        """Return at the next change of peer state."""
        await self.known.next_change()

    async def connect(self, peer: bytes | ID, addrs: Sequence[str], *,
                      source: str = "peer") -> None:
        """Remember ``peer`` (a device id or its libp2p peer id) at ``addrs`` and dial it
        now, unless it is connected or banned. Returns without waiting for the dial."""
        device = peer if isinstance(peer, bytes) else device_id_from_peer_id(peer)
        await self.known.know(device, addrs, source, Trust.GIVEN)
        self.dialer.dial_now(device)

    # --- addresses that follow you (address_exchange.py) ------------------------------

    def addresses_changed(self) -> None:
        """Our addresses may have changed (a port mapping came or went): a fresh record
        goes to connected friends within seconds (they are also looked at every
        ``address_exchange.WATCH_EVERY`` seconds)."""
        self.address_exchange.addresses_changed()

    def _mapping_changed(self) -> None:
        self.known.notify()
        self.addresses_changed()  # a new record now, not at the next look

    async def _open_addrs(self, device: bytes, addrs: Sequence[str]) -> INetStream:
        return await self._open(device, addrs, address_exchange.PROTOCOL_ID)

    async def _open(self, device: bytes, addrs: Sequence[str], protocol: str) -> INetStream:
        host = self._host
        if host is None:
            raise NetError("the network service is not running")
        return await host.open_stream(peer_id_from_device_id(device), multiaddrs(addrs),
                                      protocol)

    async def _moved(self, device: bytes, addrs: tuple[str, ...]) -> None:
        """``device`` signed a newer record of its addresses: the address book takes
        them (store/peer_addrs.py ``supersede``) and, with no session, we dial now."""
        self.known.moved(await self.replica.peer_moved(device, addrs, "peer"))
        if device not in self.sessions:
            self.dialer.moved(device)
        self.known.notify()

    async def _stale(self, device: bytes) -> None:
        """A connected peer does not accept a stream (its address, or ours, went away
        under the connection): end the session, close the connection, dial again."""
        log.info("the connection to %s seems dead: dialing again", short(device))
        if self.portmap is not None:  # our router's address may be what changed
            self.portmap.refresh()
        self.sessions.end(device)
        if self._host is not None:
            await disconnect(self._host, peer_id_from_device_id(device))

    # --- blobs (blob_sharing.py) --------------------------------------------------------

    async def fetch_blob(self, digest: bytes, *, cap: int = BLOB_CAP) -> bytes:
        """The blob with hash ``digest``: from the node if it holds it, else from a
        connected peer, else from another known, unbanned peer with addresses; stored
        with the node. A peer that sends wrong bytes loses standing. Raises
        ``blobs.BlobUnavailable`` if nobody gave it."""
        return await self.blob_sharing.fetch(digest, cap=cap)

    # --- open LAN communities (neighbourhood.py) -------------------------------------

    async def nearby_communities(self, max_age: float = 10.0) -> list[NearbyCommunity]:
        """The communities that devices on the LAN offer now (asked at most every
        ``max_age`` seconds each). Neighbours we cannot place are probed first
        (lan_presence.py): whoever answers at their address is who they are."""
        await self.lan_peers.meet_strangers()
        return await self.neighbourhood.nearby_communities(max_age)

    async def join_community(self, community_id: bytes) -> CommunityInfo:
        """Join a community a LAN neighbour offers (``UserError`` when none does now)."""
        await self.lan_peers.meet_strangers()
        return await self.neighbourhood.join(community_id)

    async def _open_community(self, device: bytes) -> INetStream:
        state = self.known.states.get(device)
        return await self._open(device, state.addrs if state is not None else (),
                                community.PROTOCOL_ID)

    # --- one session, either way ------------------------------------------------------

    def _session_started(self, device: bytes, initiator: bytes) -> None:
        self.address_exchange.peer_connected(device)
        if self.blob_fetcher is not None:  # it may hold pictures we lack
            self.blob_fetcher.peer_connected(device)
        if self.puncher is not None:  # a relayed connection that came in: go direct
            self.puncher.consider(peer_id_from_device_id(device))
        if initiator == self.device_id and self._nursery is not None:
            self._nursery.start_soon(self.neighbourhood.share, [device])
        elif self._nursery is not None:
            self._nursery.start_soon(self.lan_peers.confirm, device)

    def _session_ended(self, device: bytes) -> None:
        self.address_exchange.peer_gone(device)
        self.known.notify()
        self.dialer.poke(device)

    async def _misbehaved(self, device: bytes, reason: str) -> None:
        state = await self.known.know(device, (), "peer")  # a stranger may have been forgotten
        fields = state.misbehaved(self.clock(), self.policy)
        with trio.CancelScope(shield=True):
            await self.known.persist(device, fields)
        if state.banned(self.clock()):
            log.warning("peer %s misbehaved (%s): standing %d, banned for %d s",
                        short(device), reason, state.standing, self.policy.ban_ms // 1000)
            self.connections.drop(device)
        else:
            log.warning("peer %s misbehaved (%s): standing %d", short(device), reason,
                        state.standing)
        self.known.notify()

    # --- gossip and bans -------------------------------------------------------------

    def _gossip_misbehaved(self, device: bytes, reason: str) -> None:
        if self._nursery is not None and device != self.device_id:
            self._nursery.start_soon(self._forwarder_misbehaved, device, reason)

    async def _forwarder_misbehaved(self, device: bytes, reason: str) -> None:
        await self.known.know(device, (), "peer")  # a gossip peer may have no session yet
        await self._misbehaved(device, reason)

    # --- our dials (dialer.py) ----------------------------------------------------------

    async def _dialed(self, device: bytes, stream: INetStream) -> None:
        """Our dialer reached ``device``: run the session on ``stream``."""
        await self._worked(device, stream)
        await self.sessions.run(device, stream, initiator=self.device_id)

    async def _worked(self, device: bytes, stream: INetStream) -> None:
        """Mark the address our dial reached ``device`` at (Noise proved it is there)."""
        addr = dialed_addr(remote_end(stream), self.known.states[device].addrs)
        if addr is not None:
            with trio.CancelScope(shield=True):
                await self.known.know(device, [addr], "peer", Trust.WORKED)


@asynccontextmanager
async def _running(service: NetworkService) -> AsyncIterator[NetworkService]:
    failure: Exception | None = None
    async with trio.open_nursery() as nursery:
        await nursery.start(service.run)
        try:
            yield service
        except Exception as exc:  # re-raised below, not wrapped in an ExceptionGroup
            failure = exc
        finally:
            nursery.cancel_scope.cancel()
    if failure is not None:
        raise failure
