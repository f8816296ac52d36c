"""The node's network service: one host, one sync session per connected peer.

    async with NetworkService(node, port=0, hops=2) as service:
        service.listen_addrs                    # where peers can reach us
        await service.connect(device_id, ["/ip4/192.0.2.7/tcp/4001"])
        service.peers()                         # snapshots of every known peer

Theory of operation. The service opens a libp2p host from the device key and
serves the sync protocol (``run_sync``) on every inbound stream. For every peer in
the address book that has addresses, a *dialer* task keeps one session open: it
dials, runs the session until it ends, waits (backoff.py's rules, in addressbook.py)
and dials again. A peer is dialed only while there is no session with it, whoever
opened it. When both sides dial at once there are briefly two sessions: both sides
keep the one opened by the lower device id (``keeps_new_session``) and cancel the
other, so they agree without talking.

Peer standing: ``PeerMisbehaved`` from a session lowers the peer's standing; below
the threshold the peer is banned for a while (its session is ended, its connection
closed, its streams refused and it is not dialed) and other peers are served as
before. Ban times come from ``clock`` (ms), so tests move time instead of sleeping;
backoff waits are Trio time. Every change is written to the address book (the
store's ``peers`` table) so a read-only reader (``p2psocial peers``) sees it.

LAN discovery (``lan=True``): ``lan_discovery`` (discovery.py) announces our real
port on the interfaces of ``ip`` (every interface for 0.0.0.0). A ``Nearby`` device is
added to the address book with source "mdns" and handed to its dialer, which dials
it under the same rules as any other peer (bans, backoff); ``nearby()`` lists the
devices announced and not ``Gone``. ``Gone`` is only a hint: nothing is cancelled.

Circuit relay (relay.py): with ``offer_relay=True`` (the default) the service relays for
friends: a slot only for a device of an account this node replicates (two per
account), so a community box is not an open relay, under ``relay_limits``
(relay_quota.py: strangers have smaller circuit budgets and pay for refusals). A
node that nobody can dial (``reserve=None``: as our reachability says, relay_slots.py:
at start from our own addresses, then from what friends' dial-backs confirm; or
``reserve=True``) holds slots at up to two connected peers that relay for it;
its circuit addresses follow its direct ones in ``listen_addrs``, hence in invites.
Hole punching (``hole_punching=True``, puncher.py): a session that starts on a relayed
connection the relay brought to us starts a DCUtR punch; once a direct connection is
up, the relayed one is closed and the dialer's next session runs on the direct one.

Connections (admission.py, connmgr.py): the host admits inbound connections still
handshaking under limits per address, per subnet and in all, with a deadline; the
service runs the connection manager, which trims the least useful connections above
a high watermark and never friends, nearby devices, peers we dial, relays we hold a
slot at, circuits through us, or a sync that is bringing us entries. Peers that
reach us on their own (strangers) are known in memory only, at most
``MAX_STRANGERS``, and written to the address book once we learn an address.

Where we stand (standpoint.py): our reachability (public, port-mapped, behind NAT,
unknown) from our addresses, what peers see of us and friends' dial-backs
(dialback.py, ``/p2psocial/dialback/1.0.0``, served to friends only); how each
connected peer is connected (``paths()``) and why another is not (``why_not()``).

Blobs: the service serves ``/p2psocial/blob/1.0.0`` from the node's blobs (refusing
banned peers; a bad request counts as misbehaviour) and ``fetch_blob`` gets one from
connected peers first, then other known ones, and stores it. In the background
(``fetch_blobs``) the blob fetcher (blob_fetcher.py) fetches from connected peers the
blobs of the entries we replicate, within a budget, so that we serve them on.

Live gossip (``gossip=True``, the default; gossip.py): GossipSub beside the sessions,
for latency only. A forged message costs its forwarder standing like a bad sync
frame; a gap it reveals is asked of every session (``SessionControl.lacking``).
Replication policy mid-session: whenever a follow, unfollow, block or unblock entry
is stored, the service recomputes the accounts it replicates, sends the new ones to
every session (``SessionControl.want``) and moves its gossip subscriptions.

Addresses that follow you (address_exchange.py, ``/p2psocial/addrs/1.0.0``): the
service signs a record of ``listen_addrs`` and pushes it, and the records of others
that a friend may see, when a session with a friend opens and when our addresses
change; a friend's newer record updates the address book and redials it now
(``_moved``).

``sync_once`` is the one-shot variant for ``p2psocial sync --once``: a host that
dials every known peer, runs one session each with ``once=True`` and returns.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import random
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import aclosing, asynccontextmanager
from dataclasses import asdict, dataclass, field
from types import TracebackType
from typing import Any

import trio
from libp2p.abc import INetStream
from libp2p.peer.id import ID

from ..content import Kind
from ..errors import InvalidEntry
from ..events import EntryAdded, Lagged, RosterChanged
from ..store.blob_wants import BUDGET as BLOB_BUDGET
from ..store.blob_wants import Budget
from ..store.communities import CommunityInfo
from ..store.peer_addrs import Trust
from ..store.store import BLOB_CAP
from . import address_exchange, addresses, blobs, community, connmgr, probe, relay, relay_slots
from .addressbook import Backoff, PeerState, StandingPolicy, keeps_new_session
from .addresses import dialed_addr, worth_confirming
from .admission import ADMISSION, AdmissionLimits, netgroup
from .blob_fetcher import BlobFetcher, fetch_once
from .discovery import SERVICE_TYPE, DiscoveryFailed, Gone, Nearby, lan_discovery
from .friends import Friends
from .gossip import Gossip, GossipHooks
from .host import (
    DUAL_STACK,
    Host,
    Multiaddr,
    NetError,
    device_id_from_peer_id,
    listen_ips,
    open_host,
    peer_id_from_device_id,
    remote_peer_id,
)
from .lan_presence import LanPresence
from .limits import FLOOD, FRIEND_SEND, STRANGER_SEND, FloodPolicy
from .messages import PROTOCOL_IDS
from .neighbourhood import NearbyCommunity, Neighbourhood
from .paths import Path
from .port import Replica
from .portmap import PortMapper, lan_ip, mappable
from .puncher import HolePuncher
from .reachability import UNKNOWN, Reachability
from .standpoint import Standpoint
from .strangers import (
    MAX_STRANGER_SESSIONS,
    StrangerSession,
    pick_eviction,
)
from .streams import reset_quietly
from .sync import (
    DEADLINES,
    Deadlines,
    PeerMisbehaved,
    SendBudget,
    SessionControl,
    SyncStats,
    negotiated_version,
    run_sync,
)
from .why_not import PeerFacts, Reason

log = logging.getLogger(__name__)

WILDCARD = "0.0.0.0"
_PERSIST_TIMEOUT = 2.0
BACKOFF = Backoff()
STANDING = StandingPolicy()
RELAY_LIMITS = relay.RelayLimits()
CONFIRM_EVERY = 60.0
"""Seconds between two attempts to confirm a peer's heard addresses (``_confirm``)."""
POLICY_KINDS = frozenset({Kind.FOLLOW, Kind.UNFOLLOW, Kind.BLOCK, Kind.UNBLOCK})
MAX_STRANGERS = 1024  # peers that reached us and that we know of in memory only


@dataclass(slots=True)
class PeerSnapshot(PeerState):
    """What ``peers()`` returns: a ``PeerState`` copy, whether the device is announced
    on the LAN right now (mDNS), and the progress of the session with it, if any:
    entries received and sent so far, and whether both sides are caught up."""

    nearby: bool = False
    received: int = 0
    sent: int = 0
    caught_up: bool = False


@dataclass(eq=False)
class _Session:
    initiator: bytes  # device id of the side that opened the stream
    scope: trio.CancelScope
    superseded: bool = False
    control: SessionControl = field(default_factory=SessionControl)
    friend: bool = True  # strangers.py: a stranger that dialed us counts against a cap
    started: float = 0.0  # trio time
    remote: tuple[str, int] | None = None  # the connection's other end


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
        self.backoff = backoff
        self.policy = policy
        self.device_id = replica.identity.device_id
        self.lan = lan
        self.lan_service_type = lan_service_type
        self.offer_relay, self.relay_limits, self.reserve = offer_relay, relay_limits, reserve
        self.flood = flood
        self.gossip_on = gossip
        self.live_sync = live_sync
        self.gossip: Gossip | None = None
        self.conn_limits, self.admission = connections, admission
        self.friends = Friends(replica.logs, lambda: replica.wanted_accounts(hops))
        self._usefulness = connmgr.Usefulness()
        self._strangers: OrderedDict[bytes, None] = OrderedDict()  # in memory only, oldest first
        self.relay_server: relay.RelayServer | None = None
        self.hole_punching = hole_punching
        self.puncher: HolePuncher | None = None
        self.standpoint: Standpoint | None = None  # reachability and paths, while running
        self.max_stranger_sessions = max_stranger_sessions
        self.deadlines = deadlines
        self.port_mapping = port_mapping
        self.portmap: PortMapper | None = None
        self.fetch_blobs, self.blob_budget = fetch_blobs, blob_budget
        self.blob_fetcher: BlobFetcher | None = None
        self._stranger_budget = SendBudget(STRANGER_SEND)  # shared by all strangers
        self._friend_budgets: dict[bytes, SendBudget] = {}
        self._nearby: dict[bytes, tuple[str, ...]] = {}
        self._peers: dict[bytes, PeerState] = {}
        self._sessions: dict[bytes, _Session] = {}
        self._wakes: dict[bytes, trio.Event] = {}
        self._dialers: set[bytes] = set()
        self._attempts: dict[bytes, trio.CancelScope] = {}  # dials under way
        self._changed = trio.Event()
        self._probes = trio.CapacityLimiter(probe.MAX_PROBES)
        self._confirmed_at: dict[bytes, float] = {}  # trio time of the last _confirm
        self._host: Host | None = None
        self._nursery: trio.Nursery | None = None
        self._cm: Any = None
        self.lan_presence = LanPresence(replica, hops, lambda: self._peers)
        self.neighbourhood = Neighbourhood(replica, self.device_id,
                                           open_stream=self._open_community,
                                           nearby=self.nearby, misbehaved=self._misbehaved)
        self.address_exchange = address_exchange.AddressExchange(
            replica, account_of=self.friends.account_of, connected=self.connected,
            open_stream=self._open_addrs, misbehaved=self._misbehaved, moved=self._moved,
            own_addrs=lambda: self.listen_addrs, mapped=self.mapped_addrs,
            stale=self._stale)

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
                hooks = GossipHooks(misbehaved=self._gossip_misbehaved, banned=self._banned,
                                    lacking=self._lacking, holds=self._author_holds)
                self.gossip = await nursery.start(Gossip(self.replica, host, hooks).run)
            nursery.start_soon(self._follow_policy)
            for record in records:
                self._peers[record.device] = PeerState.from_record(record)
                self._start_dialer(record.device)
            for protocol in PROTOCOL_IDS.values():
                host.set_handler(protocol, self._serve)
            host.set_handler(blobs.PROTOCOL_ID, self._serve_blob)
            host.set_handler(community.PROTOCOL_ID, self._serve_community)
            host.set_handler(address_exchange.PROTOCOL_ID, self._serve_addrs)
            self._start_relay(host, nursery)
            if self.hole_punching:
                self.puncher = await nursery.start(HolePuncher(
                    host, own_addrs=lambda: advertised_addrs(host.listen_addrs),
                    on_bad_peer=self._bad_relay_request).run)
            self.standpoint = Standpoint(
                host, own=lambda: advertised_addrs(host.listen_addrs),
                is_friend=self._is_friend_device, changed=self.next_change,
                notify=self._notify, listening=self.port is not None,
                mapped=self.mapped_addrs,  # port mapping (portmap.py), when it holds
                inbound=self._came_in, mapped_of=self.address_exchange.mapped_of,
                chosen=lambda d: bool(d in self._peers and self._peers[d].addrs))
            await nursery.start(self.standpoint.run)
            await nursery.start(self.address_exchange.run)
            if self.fetch_blobs:
                self.blob_fetcher = BlobFetcher(
                    wanted=self._wanted_blobs, fetch=self._fetch_blob_from,
                    connected=self.connected, subscribe=self.replica.subscribe)
                await nursery.start(self.blob_fetcher.run)
            nursery.start_soon(connmgr.ConnectionManager(
                self.conn_limits, count=lambda: len(host.connections()), census=self._census,
                hang_up=self._hang_up, sample=self._sample_sessions).run)
            if self.lan and host.listen_addrs:
                nursery.start_soon(self._run_lan, _listen_port(host))
            v4 = [ip for ip in listen_ips(self.ip) if ":" not in ip]  # mappings: IPv4
            if self.port_mapping and host.listen_addrs and v4 and mappable(v4[0]):
                self.portmap = PortMapper(_listen_port(host), on_change=self._mapping_changed,
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

    def mapped_addrs(self) -> list[str]:
        """Our address on the home router's outside that it forwards to us (UPnP or
        NAT-PMP, portmap.py), while the mapping holds; empty without one."""
        return self.portmap.addrs() if self.portmap is not None else []

    def peers(self) -> list[PeerSnapshot]:
        """Snapshots of every known peer (connected or not)."""
        return [self._snapshot(p) for p in self._peers.values()]

    def peer(self, device: bytes) -> PeerSnapshot | None:
        found = self._peers.get(device)
        return None if found is None else self._snapshot(found)

    def nearby(self) -> list[bytes]:
        """Devices announced on the LAN (mDNS) and not ``Gone`` since."""
        return list(self._nearby)

    def _snapshot(self, state: PeerState) -> PeerSnapshot:
        fields = asdict(state)
        next_dial = fields.pop("next_dial")
        session = self._sessions.get(state.device)
        stats = session.control.stats if session is not None else None
        snap = PeerSnapshot(**fields, nearby=state.device in self._nearby,
                            received=stats.received if stats else 0,
                            sent=stats.sent if stats else 0,
                            caught_up=bool(stats and stats.caught_up))
        snap.next_dial = next_dial
        return snap

    def connected(self) -> list[bytes]:
        return list(self._sessions)

    # --- where we stand (standpoint.py) ---------------------------------------------

    def reachability(self) -> Reachability:
        """Whether others can reach us: public, port-mapped, behind NAT, unknown."""
        return self.standpoint.reachability() if self.standpoint else UNKNOWN

    def paths(self) -> dict[bytes, Path]:
        """How each connected device is connected (LAN, direct, port-mapped...)."""
        return self.standpoint.paths() if self.standpoint else {}

    def why_not(self, device: bytes) -> Reason | None:
        """Why a known peer has no session now (None when it has one)."""
        state = self._peers.get(device)
        if state is None or device in self._sessions or self.standpoint is None:
            return None
        now = self.clock()
        return self.standpoint.why_not(PeerFacts(
            state.addrs, state.last_seen, state.dialing,
            state.banned_until if state.banned(now) else None))

    def _came_in(self, device: bytes) -> bool | None:
        session = self._sessions.get(device)
        return None if session is None else session.initiator == device

    async def _is_friend_device(self, device: bytes) -> bool:
        return await self.friends.account_of(device) is not None

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        """Return once ``condition()`` holds; it is re-checked after every change of
        peer state (a session started or ended, a dial failed, a ban)."""
        while not condition():
            await self._changed.wait()

    async def next_change(self) -> None:
        """Return at the next change of peer state."""
        await self._changed.wait()

    async def connect(self, peer: bytes | ID, addrs: Sequence[str], *,
                      source: str = "peer") -> None:
        """Remember ``peer`` (a device id or its libp2p peer id) at ``addrs`` and dial it
        now, unless it is connected or banned. Returns without waiting for the dial."""
        device = peer if isinstance(peer, bytes) else device_id_from_peer_id(peer)
        await self._know(device, addrs, source, Trust.GIVEN)
        self._peers[device].next_dial = 0.0
        self._start_dialer(device)
        self._poke(device)

    # --- inbound --------------------------------------------------------------------

    async def _serve(self, stream: INetStream) -> None:
        try:
            device = device_id_from_peer_id(remote_peer_id(stream))
        except ValueError:  # not an Ed25519 peer: not one of ours
            await stream.reset()
            return
        state = await self._know(device, (), "peer")
        await self._placed(self.lan_presence.learn(device))  # Noise proved who it is
        await self._persist(device, state.lift_expired_ban(self.clock(), self.policy))
        if state.banned(self.clock()):
            log.info("refused a session from banned peer %s", _short(device))
            await stream.reset()
            self._drop_connection(device)
            return
        await self._session(device, stream, initiator=device)

    async def _serve_blob(self, stream: INetStream) -> None:
        device = await self._inbound(stream, "a blob request")
        if device is None:
            return
        try:
            await blobs.serve_blob(stream, self.replica.blob)
        except blobs.BlobError as exc:
            await reset_quietly(stream)
            await self._misbehaved(device, f"blob request: {exc}")

    async def _serve_community(self, stream: INetStream) -> None:
        device = await self._inbound(stream, "a community request")
        if device is not None:
            await self.neighbourhood.serve(stream, device)

    async def _inbound(self, stream: INetStream, what: str) -> bytes | None:
        """The device that opened ``stream`` (now in the address book), or None, the
        stream reset, when it is not one of ours or is banned."""
        try:
            device = device_id_from_peer_id(remote_peer_id(stream))
        except ValueError:
            await reset_quietly(stream)
            return None
        state = await self._know(device, (), "peer")
        await self._placed(self.lan_presence.learn(device))  # Noise proved who it is
        await self._persist(device, state.lift_expired_ban(self.clock(), self.policy))
        if state.banned(self.clock()):
            log.info("refused %s from banned peer %s", what, _short(device))
            await reset_quietly(stream)
            return None
        return device

    # --- addresses that follow you (address_exchange.py) ------------------------------

    def addresses_changed(self) -> None:
        """Our addresses may have changed (a port mapping came or went): a fresh record
        goes to connected friends within seconds (they are also looked at every
        ``address_exchange.WATCH_EVERY`` seconds)."""
        self.address_exchange.addresses_changed()

    def _mapping_changed(self) -> None:
        self._notify()
        self.addresses_changed()  # a new record now, not at the next look

    async def _serve_addrs(self, stream: INetStream) -> None:
        device = await self._inbound(stream, "an address push")
        if device is None:
            return
        try:
            await self.address_exchange.serve(stream, device)
        except address_exchange.AddrsProtocolError as exc:
            await reset_quietly(stream)
            await self._misbehaved(device, f"addrs: {exc}")
        except Exception as exc:  # a broken stream, a timeout: nobody's proven fault
            log.debug("addrs from %s: %r", _short(device), exc)
            await reset_quietly(stream)

    async def _open_addrs(self, device: bytes, addrs: Sequence[str]) -> INetStream:
        host = self._host
        if host is None:
            raise NetError("the network service is not running")
        return await host.open_stream(peer_id_from_device_id(device), _multiaddrs(addrs),
                                      address_exchange.PROTOCOL_ID)

    async def _moved(self, device: bytes, addrs: tuple[str, ...]) -> None:
        """``device`` signed a newer record of its addresses: the address book takes
        them (store/peer_addrs.py ``supersede``) and, with no session, we dial now."""
        record = await self.replica.peer_moved(device, addrs, "peer")
        state = self._peers.get(device)
        if state is None:
            state = self._peers[device] = PeerState.from_record(record)
        else:
            state.addrs = record.addrs
            self._strangers.pop(device, None)  # a friend, with a row now
        if device not in self._sessions:
            state.next_dial = 0.0
            attempt = self._attempts.get(device)
            if attempt is not None:  # dialing where it was: TCP may wait for minutes
                attempt.cancel()
            self._start_dialer(device)
            self._poke(device)
        self._notify()

    async def _stale(self, device: bytes) -> None:
        """A connected peer does not accept a stream (its address, or ours, went away
        under the connection): end the session, close the connection, dial again."""
        log.info("the connection to %s seems dead: dialing again", _short(device))
        if self.portmap is not None:  # our router's address may be what changed
            self.portmap.refresh()
        session, host = self._sessions.get(device), self._host
        if session is not None:
            session.scope.cancel()
        if host is not None:
            await _disconnect(host, peer_id_from_device_id(device))

    # --- open LAN communities (neighbourhood.py) -------------------------------------

    async def nearby_communities(self, max_age: float = 10.0) -> list[NearbyCommunity]:
        """The communities that devices on the LAN offer now (asked at most every
        ``max_age`` seconds each). Neighbours we cannot place are probed first
        (lan_presence.py): whoever answers at their address is who they are."""
        await self._placed(await self.lan_presence.meet_strangers())
        return await self.neighbourhood.nearby_communities(max_age)

    async def join_community(self, community_id: bytes) -> CommunityInfo:
        """Join a community a LAN neighbour offers (``UserError`` when none does now)."""
        await self._placed(await self.lan_presence.meet_strangers())
        return await self.neighbourhood.join(community_id)

    async def _open_community(self, device: bytes) -> INetStream:
        host, state = self._host, self._peers.get(device)
        if host is None:
            raise NetError("the network service is not running")
        addrs = _multiaddrs(state.addrs) if state is not None else []
        return await host.open_stream(peer_id_from_device_id(device), addrs,
                                      community.PROTOCOL_ID)

    # --- blobs ------------------------------------------------------------------------

    async def fetch_blob(self, digest: bytes, *, cap: int = BLOB_CAP) -> bytes:
        """The blob with hash ``digest``: from the node if it holds it, else from a
        connected peer, else from another known, unbanned peer with addresses; stored
        with the node. A peer that sends wrong bytes loses standing. Raises
        ``blobs.BlobUnavailable`` if nobody gave it."""
        held = await self.replica.blob(digest)
        if held is not None:
            return held
        connected = [d for d in self._sessions if d in self._peers]
        others = [d for d, p in self._peers.items()
                  if d not in self._sessions and p.addrs and d != self.device_id]
        return await self._fetch_blob_from(digest, connected + others, cap=cap)

    async def _fetch_blob_from(self, digest: bytes, devices: Sequence[bytes], *,
                               cap: int = BLOB_CAP) -> bytes:
        """The blob from the first of ``devices`` (unbanned) that gives it, stored."""
        host = self._host
        if host is None:
            raise blobs.BlobUnavailable("the network service is not running")
        now = self.clock()
        candidates = []
        for device in devices:
            state = self._peers.get(device)
            if state is None or state.banned(now):
                continue
            open_stream = functools.partial(host.open_stream, peer_id_from_device_id(device),
                                            _multiaddrs(state.addrs), blobs.PROTOCOL_ID)
            candidates.append((device, open_stream))
        data = await blobs.fetch_from_any(candidates, digest, cap=cap,
                                          on_failure=self._blob_failed)
        await self.replica.put_blob(data)
        return data

    async def _wanted_blobs(self, limit: int) -> list[bytes]:
        wanted = await self.replica.wanted_blobs(self.hops, self.blob_budget, limit)
        return [w.hash for w in wanted]

    async def _blob_failed(self, device: bytes, exc: Exception) -> None:
        if isinstance(exc, InvalidEntry):
            await self._misbehaved(device, f"blob: {exc}")
        else:
            log.debug("blob from %s: %s", _short(device), exc)

    # --- circuit relay (relay.py) -----------------------------------------------------

    def _start_relay(self, host: Host, nursery: trio.Nursery) -> None:
        if self.offer_relay:
            self.relay_server = host.offer_relay(
                self.relay_limits, may_reserve=self._may_reserve,
                may_connect=self._may_relay_for, is_friend=self._is_friend,
                on_bad_peer=self._bad_relay_request,
                advertise=lambda: self.mapped_addrs() + advertised_addrs(host.listen_addrs))
        keep = functools.partial(
            relay_slots.keep_slots, host, self._relay_candidates, self.next_change,
            self._notify, lambda failures: self.backoff.delay(failures, self.rng))
        if self.reserve:
            log.info("holding relay slots")
            nursery.start_soon(keep)
        elif self.reserve is None:  # as long as where we stand says so (relay_slots.py)
            nursery.start_soon(relay_slots.follow, keep, self._drop_slots,
                               self._wants_slots, self.next_change)

    def _wants_slots(self, holding: bool) -> bool:
        host = self._host
        own = advertised_addrs(host.listen_addrs) if host is not None else []
        return relay_slots.wants_slots(self.reachability(), holding=holding,
                                       own_reachable=reachable_from_outside(own))

    def _drop_slots(self) -> None:
        if self._host is not None:
            for held in self._host.reservations():
                self._host.forget_reservation(held.relay)
        self._notify()  # our circuit addresses went: a new record goes to friends

    def _relay_candidates(self) -> list[tuple[ID, list[Multiaddr]]]:
        return [(peer_id_from_device_id(d), _multiaddrs(self._peers[d].addrs))
                for d in self._sessions if d in self._peers]

    async def _may_reserve(self, peer: ID) -> bytes | None:
        """A slot only for a device of an account this node replicates, not banned;
        it counts against that account (relay_quota.py: two per account)."""
        if not self._may_relay_for(peer):
            return None
        return await self.friends.account_of(device_id_from_peer_id(peer))

    async def _is_friend(self, peer: ID) -> bool:
        try:
            return await self.friends.account_of(device_id_from_peer_id(peer)) is not None
        except ValueError:  # not an Ed25519 peer: not one of ours
            return False

    def _may_relay_for(self, peer: ID) -> bool:
        """Circuits from (and slots for) devices that are not banned."""
        try:
            state = self._peers.get(device_id_from_peer_id(peer))
        except ValueError:  # not an Ed25519 peer: not one of ours
            return False
        return state is None or not state.banned(self.clock())

    async def _bad_relay_request(self, peer: ID, reason: str) -> None:
        """A peer broke the relay or hole punching protocol: it loses standing."""
        try:
            device = device_id_from_peer_id(peer)
        except ValueError:
            return
        await self._know(device, (), "peer")
        await self._misbehaved(device, f"relay request: {reason}")

    # --- the LAN (mDNS) ---------------------------------------------------------------

    async def _run_lan(self, port: int) -> None:
        ips = listen_ips(self.ip)
        # zeroconf runs on IPv4 (discovery.py): on IPv6 alone there is no LAN discovery
        interfaces = (None if any(ip in (WILDCARD, "::") for ip in ips)
                      else [ip for ip in ips if ":" not in ip])
        presence = self.lan_presence
        try:
            async with lan_discovery(self.device_id, port, account_id=self.replica.account_id,
                                     recognise=presence.recognise, interface_ips=interfaces,
                                     service_type=self.lan_service_type) as lan:
                presence.lan = lan
                await presence.refresh()
                async for event in lan:
                    if isinstance(event, Nearby):
                        await self._on_nearby(event)
                    elif isinstance(event, Gone) and self._nearby.pop(event.device_id,
                                                                      None) is not None:
                        self._notify()  # a hint only: the session, if any, goes on
        except DiscoveryFailed as exc:
            log.warning("LAN discovery is off: %s", exc)
        finally:
            presence.lan = None
            self._nearby.clear()

    async def _placed(self, events: list[Nearby]) -> None:
        """Devices LAN discovery placed just now (we learnt who they are): nearby and
        in the address book before the caller goes on (the same events come through
        discovery's channel later, and change nothing more then)."""
        for event in events:
            await self._on_nearby(event)

    async def _on_nearby(self, event: Nearby) -> None:
        device = event.device_id
        if device == self.device_id or self._nearby.get(device) == event.addrs:
            return  # ourselves, or heard already (learnt first, then through the channel)
        log.info("nearby on the LAN: %s at %s", _short(device), " ".join(event.addrs))
        # an existing peer keeps its source; heard addresses never push out worked ones
        await self._know(device, event.addrs, "mdns", Trust.HEARD)
        self._nearby[device] = event.addrs
        if device in self._sessions and self._nursery is not None:
            self._nursery.start_soon(self._confirm, device)
        self._start_dialer(device)  # dials when due: bans and backoff hold
        self._notify()

    # --- outbound -------------------------------------------------------------------

    def _start_dialer(self, device: bytes) -> None:
        state = self._peers[device]
        if device in self._dialers or not state.addrs or self._nursery is None:
            return
        self._dialers.add(device)
        self._nursery.start_soon(self._dialer, device)

    async def _dialer(self, device: bytes) -> None:
        """Keep one session with ``device``: dial when none is open, back off on failure."""
        state = self._peers[device]
        while True:
            await self._until_due(device)
            host = self._host
            if host is None:
                return
            addrs = _multiaddrs(state.addrs)
            state.dialing = True
            self._notify()
            try:
                with trio.CancelScope() as attempt:  # _moved cancels it: newer addresses
                    self._attempts[device] = attempt
                    stream = await host.open_stream(peer_id_from_device_id(device), addrs,
                                                    list(PROTOCOL_IDS.values()))
            except Exception as exc:  # DialFailed, StreamOpenFailed, or libp2p's own
                await self._persist(device, state.dial_failed(str(exc)))
                delay = self.backoff.delay(state.failures, self.rng)
                state.next_dial = trio.current_time() + delay
                log.info("cannot reach %s (%d failures, next try in %.0f s): %s",
                         _short(device), state.failures, delay, exc)
                self.address_exchange.unreachable(device, state.addrs)  # did it move?
                self._notify()
                continue
            finally:
                self._attempts.pop(device, None)
            state.dialing = False
            if attempt.cancelled_caught:  # a dial that may hang for minutes on an
                continue  # address the device left: the new ones are dialed at once
            await self._worked(device, stream)
            await self._session(device, stream, initiator=self.device_id)

    async def _until_due(self, device: bytes) -> None:
        state = self._peers[device]
        while True:
            now = self.clock()
            await self._persist(device, state.lift_expired_ban(now, self.policy))
            wait: float | None = None  # None: until poked
            if device in self._sessions:
                wait = None
            elif state.banned(now):
                assert state.banned_until is not None
                wait = (state.banned_until - now) / 1000
            else:
                wait = state.next_dial - trio.current_time()
                if wait <= 0:
                    return
            event = self._wakes[device] = trio.Event()
            with trio.move_on_after(wait if wait is not None else float("inf")):
                await event.wait()

    def _poke(self, device: bytes) -> None:
        event = self._wakes.get(device)
        if event is not None:
            event.set()

    # --- one session, either way ------------------------------------------------------

    async def _session(self, device: bytes, stream: INetStream, *, initiator: bytes) -> None:
        friend = await self.friends.account_of(device) is not None
        session = _Session(initiator, trio.CancelScope(), friend=friend or initiator != device,
                           started=trio.current_time(), remote=_remote(stream))
        if not session.friend:
            self._make_room_for_a_stranger()
        current = self._sessions.get(device)
        if current is not None:
            if not keeps_new_session(current.initiator, initiator):
                log.debug("dropping a second session with %s", _short(device))
                await reset_quietly(stream)
                return
            current.superseded = True
            current.scope.cancel()
        self._sessions[device] = session
        state = self._peers[device]
        await self._persist(device, state.session_started(self.clock()))
        self._notify()
        self.address_exchange.peer_connected(device)
        if self.blob_fetcher is not None:  # it may hold pictures we lack
            self.blob_fetcher.peer_connected(device)
        log.info("session with %s (%s)", _short(device),
                 "we dialed" if initiator == self.device_id else "it dialed")
        if self.puncher is not None:  # a relayed connection that came in: go direct
            self.puncher.consider(peer_id_from_device_id(device))
        if initiator == self.device_id and self._nursery is not None:
            self._nursery.start_soon(self.neighbourhood.share, [device])
        elif self._nursery is not None:
            self._nursery.start_soon(self._confirm, device)
        stats: SyncStats | None = None
        try:
            with session.scope:
                budget = (self._friend_budgets.setdefault(device, SendBudget(FRIEND_SEND))
                          if friend else self._stranger_budget)
                stats = await run_sync(self.replica, stream, hops=self.hops, flood=self.flood,
                                       control=session.control, live=self.live_sync,
                                       version=negotiated_version(stream), budget=budget,
                                       deadlines=self.deadlines)
        except PeerMisbehaved as exc:
            await self._misbehaved(device, str(exc))
        except Exception as exc:  # the connection broke: SessionAborted, a reset...
            log.info("session with %s ended: %s", _short(device), exc or type(exc).__name__)
        finally:
            if session.superseded:
                pass  # the other session with this peer carries on
            else:
                if self._sessions.get(device) is session:
                    del self._sessions[device]
                good = stats is not None and stats.caught_up
                fields = state.session_ended(self.clock(), self.policy, good=good)
                state.next_dial = trio.current_time() + self.backoff.delay(0, self.rng)
                with trio.CancelScope(shield=True):
                    await self._persist(device, fields)
                self._friend_budgets.pop(device, None)
                self.address_exchange.peer_gone(device)
                self._notify()
                self._poke(device)

    def _make_room_for_a_stranger(self) -> None:
        """At the cap of stranger sessions, end the one that brought us least."""
        strangers = [StrangerSession(d, s.started, s.control.stats.received)
                     for d, s in self._sessions.items() if not s.friend]
        if len(strangers) >= self.max_stranger_sessions:
            evicted = pick_eviction(strangers)
            if evicted is not None:
                log.info("ending the session of stranger %s to make room for another",
                         _short(evicted))
                self._sessions[evicted].scope.cancel()

    async def _misbehaved(self, device: bytes, reason: str) -> None:
        state = await self._know(device, (), "peer")  # a stranger may have been forgotten
        fields = state.misbehaved(self.clock(), self.policy)
        with trio.CancelScope(shield=True):
            await self._persist(device, fields)
        if state.banned(self.clock()):
            log.warning("peer %s misbehaved (%s): standing %d, banned for %d s",
                        _short(device), reason, state.standing, self.policy.ban_ms // 1000)
            self._drop_connection(device)
        else:
            log.warning("peer %s misbehaved (%s): standing %d", _short(device), reason,
                        state.standing)
        self._notify()

    # --- replication policy and gossip -------------------------------------------------

    async def _follow_policy(self) -> None:
        """Apply the replication policy now and after every follow, unfollow, block or
        unblock the store learns, and every roster that grows (one recomputation per
        burst of events); a grown roster is also shared with every peer connected."""
        while True:
            events = self.replica.subscribe()
            await self._apply_policy()  # at the start, and after falling behind
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
                                 if isinstance(e, EntryAdded))
                    if new_log or policy:  # a connected peer may see more records now
                        self.address_exchange.friends_changed()
                    if rosters or policy:
                        await self._apply_policy()
                    elif any(e.kind == Kind.DEVICE for e in seen if isinstance(e, EntryAdded)):
                        await self._placed(await self.lan_presence.refresh())  # a new log
                    if rosters and self._nursery is not None:  # tell the other members
                        self._nursery.start_soon(self.neighbourhood.share, self.connected())
                else:
                    return  # the node is closing

    async def _apply_policy(self) -> None:
        self.friends.changed()
        wanted = await self.replica.wanted_accounts(self.hops)
        for session in self._sessions.values():
            session.control.want(wanted)
        await self.replica.prune_address_records(wanted)
        if self.gossip is not None:
            await self.gossip.set_policy(topics=await self.replica.wanted_accounts(1),
                                         replicated=wanted, blocked=await self.replica.blocked())
        await self._placed(await self.lan_presence.refresh())  # whom we recognise on the LAN

    def _gossip_misbehaved(self, device: bytes, reason: str) -> None:
        if self._nursery is not None and device != self.device_id:
            self._nursery.start_soon(self._forwarder_misbehaved, device, reason)

    async def _forwarder_misbehaved(self, device: bytes, reason: str) -> None:
        await self._know(device, (), "peer")  # a gossip peer may have no session yet
        await self._misbehaved(device, reason)

    def _banned(self, device: bytes) -> bool:
        state = self._peers.get(device)
        return state is not None and state.banned(self.clock())

    def _lacking(self, device: bytes, head: int) -> None:
        for session in self._sessions.values():
            session.control.lacking(device, head)

    def _author_holds(self, device: bytes, seq: int) -> None:
        session = self._sessions.get(device)
        if session is not None:
            session.control.peer_holds(device, seq)

    def _drop_connection(self, device: bytes) -> None:
        """Close the connection to a banned peer, from a task of the service: the
        session's own task runs inside that connection and would be cancelled."""
        session = self._sessions.get(device)
        if session is not None:
            session.scope.cancel()
        host, nursery = self._host, self._nursery
        if host is not None and nursery is not None:
            for link in host.connections():  # its subnet connects more slowly for a while
                if link.peer == device and link.ip is not None:
                    host.admission.penalize(netgroup(link.ip, self.admission.ipv4_prefix,
                                                     self.admission.ipv6_prefix),
                                            trio.current_time())
            nursery.start_soon(_disconnect, host, peer_id_from_device_id(device))

    # --- the connection manager (connmgr.py) --------------------------------------------

    async def _census(self) -> list[connmgr.Conn]:
        host = self._host
        if host is None:
            return []
        reasons = {
            connmgr.FRIEND: (await self.friends.accounts()).keys(),
            connmgr.NEARBY: self._nearby.keys(),
            connmgr.DIALED: {d for d, p in self._peers.items() if p.addrs},
            connmgr.RELAY: _devices(h.relay for h in host.reservations()),
            connmgr.CIRCUIT: _devices(self.relay_server.in_circuits()
                                      if self.relay_server else ()),
        }
        sessions = {d: s.control.stats.caught_up for d, s in self._sessions.items()}
        return connmgr.census(host.connections(), reasons=reasons, sessions=sessions,
                              usefulness=self._usefulness, now=trio.current_time(),
                              ipv4_prefix=self.admission.ipv4_prefix,
                              ipv6_prefix=self.admission.ipv6_prefix)

    def _sample_sessions(self) -> None:
        self._usefulness.sample({d: s.control.stats.received for d, s in self._sessions.items()},
                                trio.current_time())

    async def _hang_up(self, conn: connmgr.Conn) -> None:
        """Close a connection the manager trims: the session on it ends, nobody is
        blamed (but its subnet opens new connections more slowly for a while)."""
        session, host = self._sessions.get(conn.peer), self._host
        if session is not None:
            session.scope.cancel()
        if host is not None:
            host.admission.penalize(conn.group, trio.current_time())
            peer = peer_id_from_device_id(conn.peer) if len(conn.peer) == 32 else ID(conn.peer)
            await _disconnect(host, peer)

    # --- the address book -------------------------------------------------------------

    async def _know(self, device: bytes, addrs: Sequence[str], source: str,
                    trust: Trust = Trust.HEARD) -> PeerState:
        state = self._peers.get(device)
        if state is None and not addrs and source == "peer":
            # a stranger that reached us (a session, a gossip message, a relay request):
            # in memory only, at most MAX_STRANGERS of them; identities are free, and a
            # row (and a write) for each would let anyone fill our disk
            state = self._peers[device] = PeerState(device, source=source)
            self._remember_stranger(device)
            self._notify()
            return state
        if device in self._strangers:
            self._strangers.move_to_end(device)
        if state is None or (addrs and (trust > Trust.HEARD
                                        or not set(addrs) <= set(state.addrs))):
            record = await self.replica.add_peer(device, addrs, source, trust)
            # another task may have met this peer while we waited (mDNS and its inbound
            # session at once): keep the state it made, which a session may hold
            state = self._peers.get(device)
            if state is None:
                state = self._peers[device] = PeerState.from_record(record)
            else:
                state.addrs = record.addrs
                if self._strangers.pop(device, False) is None:  # it has a row now
                    await self._persist(device, {
                        "last_seen": state.last_seen, "last_ok": state.last_ok,
                        "failures": state.failures, "standing": state.standing,
                        "banned_until": state.banned_until})
            self._notify()
        return state

    async def _worked(self, device: bytes, stream: INetStream) -> None:
        """Mark the address our dial reached ``device`` at (Noise proved it is there)."""
        addr = dialed_addr(_remote(stream), self._peers[device].addrs)
        if addr is not None:
            with trio.CancelScope(shield=True):
                await self._know(device, [addr], "peer", Trust.WORKED)

    async def _confirm(self, device: bytes) -> None:
        """A peer we are in session with but never reached ourselves (it dialed us),
        with addresses we only heard: probe those at the session's IP, and mark the
        first where the device answers as worked."""
        session = self._sessions.get(device)
        record = await self.replica.peer(device)
        if session is None or session.remote is None or record is None:
            return
        candidates = worth_confirming(record.book, session.remote[0])
        now = trio.current_time()
        if not candidates or now - self._confirmed_at.get(device, -1e9) < CONFIRM_EVERY:
            return  # a peer that reconnects in a loop does not make us probe in a loop
        self._confirmed_at[device] = now
        async with aclosing(probe.answers(candidates, self._probes)) as answers:
            async for addr, found in answers:
                if found == device:
                    await self._know(device, [addr], "peer", Trust.WORKED)
                    return


    def _remember_stranger(self, device: bytes) -> None:
        """Keep the newest MAX_STRANGERS strangers; forget the oldest that are not
        connected (a ban of a forgotten one is forgotten too: a new identity would
        have been as good to it)."""
        self._strangers[device] = None
        if len(self._strangers) <= MAX_STRANGERS:
            return
        for old in list(self._strangers):
            if len(self._strangers) <= MAX_STRANGERS:
                break
            if old not in self._sessions and old != device:
                del self._strangers[old]
                self._peers.pop(old, None)

    async def _persist(self, device: bytes, fields: dict[str, int | None]) -> None:
        if not fields or device in self._strangers:  # strangers are not written down
            return
        with trio.move_on_after(_PERSIST_TIMEOUT):
            try:
                await self.replica.update_peer(device, **fields)
            except Exception as exc:  # a closed store at shutdown: the state is in memory
                log.debug("could not record peer %s: %r", _short(device), exc)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = trio.Event()


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


# --- one pass over every known peer (``p2psocial sync --once``) -----------------------


@dataclass(slots=True)
class OnceResult:
    device: bytes
    ok: bool
    received: int = 0
    sent: int = 0
    error: str | None = None


async def sync_once(replica: Replica, *, hops: int = 2, per_peer: float = 30.0,
                    policy: StandingPolicy = STANDING,
                    blob_budget: Budget = BLOB_BUDGET) -> list[OnceResult]:
    """Dial every known, unbanned peer with addresses, exchange community rosters and
    run one session each until both sides are caught up (at most ``per_peer`` seconds
    each), record the outcome in the address book, and return one result per peer.
    Then fetch the pictures we now want (blob_fetcher.py) from the peers that synced,
    each asked once per picture, within ``per_peer`` seconds."""
    if replica.identity is None:
        raise ValueError("syncing needs a node opened with its keys")
    me = replica.identity.device_id
    now = replica.clock()
    peers = [PeerState.from_record(r) for r in await replica.peers()]
    targets = [p for p in peers if p.addrs and not p.banned(now)]
    results: list[OnceResult] = []

    async def one(host: Host, state: PeerState) -> None:
        result = OnceResult(state.device, ok=False)
        results.append(result)
        fields: dict[str, int | None] = {}
        with trio.move_on_after(per_peer) as scope:
            try:
                stream = await host.open_stream(peer_id_from_device_id(state.device),
                                                _multiaddrs(state.addrs),
                                                list(PROTOCOL_IDS.values()))
            except Exception as exc:
                result.error = str(exc)
                fields = state.dial_failed(str(exc))
            else:
                fields = state.session_started(replica.clock())
                addr = dialed_addr(_remote(stream), state.addrs)
                if addr is not None:
                    await replica.add_peer(state.device, [addr], state.source, Trust.WORKED)
                # rosters first: the session then asks for everyone on them, and the
                # peer learns we joined (a community joined with an invite, say)
                await Neighbourhood(
                    replica, me,
                    open_stream=lambda device: host.open_stream(
                        peer_id_from_device_id(device), [], community.PROTOCOL_ID),
                    nearby=tuple, misbehaved=_ignored).share([state.device])
                try:
                    stats = await run_sync(replica, stream, hops=hops, once=True,
                                           version=negotiated_version(stream))
                except PeerMisbehaved as exc:
                    result.error = f"misbehaved: {exc}"
                    fields |= state.misbehaved(replica.clock(), policy)
                except Exception as exc:
                    result.error = str(exc) or type(exc).__name__
                else:
                    result.ok = True
                    result.received, result.sent = stats.received, stats.sent
                    fields |= state.session_ended(replica.clock(), policy, good=stats.caught_up)
        if scope.cancelled_caught:
            result.error = f"no answer within {per_peer:g} s"
            if not fields:
                fields = state.dial_failed(result.error)
        await replica.update_peer(state.device, **fields)

    async def pictures(host: Host) -> None:
        synced = [r.device for r in results if r.ok]
        states = {p.device: p for p in targets}

        async def bad_blob(device: bytes, exc: Exception) -> None:
            if isinstance(exc, InvalidEntry):  # wrong bytes: misbehaviour, as in a serve
                log.warning("peer %s sent a bad blob: %s", _short(device), exc)
                await replica.update_peer(device, **states[device].misbehaved(replica.clock(),
                                                                           policy))

        async def fetch(digest: bytes, devices: Sequence[bytes]) -> None:
            candidates = [(d, functools.partial(
                host.open_stream, peer_id_from_device_id(d), _multiaddrs(states[d].addrs),
                blobs.PROTOCOL_ID)) for d in devices]
            await replica.put_blob(await blobs.fetch_from_any(candidates, digest,
                                                           on_failure=bad_blob))

        wanted = [w.hash for w in await replica.wanted_blobs(hops, blob_budget)]
        if synced and wanted:
            with trio.move_on_after(per_peer):
                got = await fetch_once(wanted, fetch, synced)
                log.info("%d of %d picture(s) fetched", got, len(wanted))

    if targets:
        async with open_host(replica.identity.device.seed, 0) as host:
            async with trio.open_nursery() as nursery:
                for state in targets:
                    nursery.start_soon(one, host, state)
            await pictures(host)
    return results


async def _ignored(device: bytes, reason: str) -> None:
    log.info("peer %s: %s", _short(device), reason)


# --- addresses ------------------------------------------------------------------------


def advertised_addrs(listen: Sequence[Multiaddr]) -> list[str]:
    """Dialable addresses for what a host listens on: a wildcard (0.0.0.0, ::) becomes
    this machine's useful interface addresses of that family at the same port
    (addresses.py: global, then private LAN, at most ``DIRECT_MAX`` per port; no
    tunnel, VPN or container bridge; loopback only when there is nothing else), a
    specific address stays itself."""
    wild: dict[int, set[int]] = {}  # port: IP versions listened on everywhere
    for addr in listen:
        parts = str(addr).split("/")
        if len(parts) == 5 and parts[3] == "tcp" and parts[2] in (WILDCARD, "::"):
            wild.setdefault(int(parts[4]), set()).add(6 if parts[1] == "ip6" else 4)
    ifaces = addresses.local_interfaces() if wild else []
    out: list[str] = []
    for addr in listen:
        parts = str(addr).split("/")
        if len(parts) == 5 and parts[3] == "tcp" and parts[2] in (WILDCARD, "::"):
            port = int(parts[4])
            out += addresses.ranked(ifaces, port, versions=wild.pop(port, ()))
        else:
            out.append(str(addr))
    return list(dict.fromkeys(out))


def reachable_from_outside(addrs: Sequence[str]) -> bool:
    """Whether a peer elsewhere could dial one of ``addrs``: false with no address,
    or when no address but loopback is global IPv4 (private, CGNAT: behind NAT). Only
    loopback: a node for this machine alone (tests), which a relay cannot help."""
    ips = []
    for addr in addrs:
        parts = addr.split("/")
        if len(parts) > 2 and parts[1] in ("ip4", "ip6") and not relay.is_circuit(addr):
            try:
                ips.append(ipaddress.ip_address(parts[2]))
            except ValueError:
                continue
    outside = [ip for ip in ips if not ip.is_loopback]
    # a global IPv6 address proves nothing: home routers firewall inbound IPv6 by default
    return bool(ips) and (not outside or any(ip.is_global and ip.version == 4
                                             for ip in outside))


def interface_addrs(port: int) -> list[str]:
    """The addresses ``serve --port PORT`` would advertise when listening everywhere."""
    return advertised_addrs([Multiaddr(addresses.multiaddr(ip, port)) for ip in DUAL_STACK])


def _listen_port(host: Host) -> int:
    for addr in host.listen_addrs:
        parts = str(addr).split("/")
        if "tcp" in parts:
            return int(parts[parts.index("tcp") + 1])
    raise ValueError("the host listens on no TCP port")


def _multiaddrs(addrs: Sequence[str]) -> list[Multiaddr]:
    out = []
    for text in addrs:
        try:
            out.append(Multiaddr(text))
        except Exception:  # an address this libp2p cannot parse (from a newer peer)
            log.debug("skipping address %r", text)
    return out


def _remote(stream: INetStream) -> tuple[str, int] | None:
    try:
        return stream.get_remote_address()
    except Exception:  # a transport that cannot tell
        return None


def _devices(peers: Iterable[ID]) -> set[bytes]:
    """The device ids of ``peers`` (leaving out any that is not one of ours)."""
    out = set()
    for peer in peers:
        try:
            out.add(device_id_from_peer_id(peer))
        except ValueError:
            continue
    return out


async def _disconnect(host: Host, peer_id: ID) -> None:
    try:
        await host.disconnect(peer_id)
    except Exception as exc:
        log.debug("disconnecting %s: %r", peer_id, exc)


def _short(device: bytes) -> str:
    from .. import ids

    text = ids.device_text(device)
    return f"{text[:10]}…{text[-4:]}"
