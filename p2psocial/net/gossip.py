"""Live gossip over py-libp2p's GossipSub: entries reach connected peers fast, as a hint.

    gossip = Gossip(replica, host, hooks)
    await nursery.start(gossip.run)
    await gossip.set_policy(topics=..., replicated=..., blocked=...)
    gossip.stats                       # messages published, accepted, rejected...

Theory of operation. The sync sessions make replication complete; gossip only makes
it fast. Rules without I/O (topics, the message format, the validator's verdicts,
pacing) are in gossip_rules.py; this module plugs them into py-libp2p:

* **Router.** GossipSub speaking ``/meshsub/1.1.0`` only (1.2 adds an IDONTWANT
  control message per message per peer), its spam limit at ``SPAM_LIMIT`` messages
  per second per peer and topic, the heartbeat every ``HEARTBEAT`` s.
  Every peer runs this code, so this is the network's configuration. The pubsub
  stream handler is registered through ``Host.set_handler``, so a garbage RPC (which
  py-libp2p lets escape its handler) resets one stream instead of the whole host, and
  counts as misbehaviour.
* **On the wire: StrictSign** (gossip_sign.py), so that any standard libp2p
  implementation accepts what we publish: every message is signed by the device key
  that publishes it, and its id is the default ``from + seqno``. ``SignedPubsub``
  signs in ``publish`` and checks the signature before anything else looks at a
  message (py-libp2p's own ``strict_signing`` check can raise out of the pubsub
  service on a malformed key). A bad signature is misbehaviour of the forwarder; an
  unsigned message (older p2psocial nodes) is dropped, nobody's fault.
* **Validator.** Synchronous (no task per message), registered for every topic we
  subscribe to, never raises. It runs ``judge`` before the message is forwarded: a
  forged or garbage message is not forwarded and ``hooks.misbehaved`` is told about
  the peer that forwarded it. An accepted run goes into a bounded queue (dropped when
  full: gossip is a hint) for the receiver; py-libp2p's own subscription channels are
  only drained.
* **Receiver.** Tells the sync session with the author's device (if any) that it
  holds its own log (so the entry is not echoed back), then ``Node.ingest`` (which
  verifies again against the stored log). A run that does not continue our log (a
  gap) is not stored; if the gap is still open ``GAP_GRACE`` s later (sync may be
  delivering it), ``hooks.lacking(device, head)`` asks the sync sessions for it, at
  most once per log per ``GAP_COOLDOWN`` s.
* **Publisher.** Own entries (``EntryAdded.own``) are published on our account's
  topic, paced by ``Pacer``: the first goes at once, a burst leaves as a few messages
  carrying runs, each under ``SOFT_CAP``.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import trio
from google.protobuf.message import DecodeError
from libp2p.abc import IHost, INetStream, ISubscriptionAPI
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID
from libp2p.pubsub import pubsub as pubsub_module
from libp2p.pubsub.gossipsub import GossipSub
from libp2p.pubsub.pb import rpc_pb2
from libp2p.pubsub.pubsub import Pubsub
from libp2p.tools.anyio_service import background_trio_service

from ..entry import Entry
from ..events import EntryAdded, ForkFound, Lagged
from .gossip_rules import (
    SPAM_LIMIT,
    Accept,
    Ignore,
    Pacer,
    Reject,
    encode_run,
    judge,
    topic_of,
)
from .gossip_sign import (
    GossipSignatureError,
    UnsignedMessage,
    signed_message,
    verify_origin,
)
from .host import Host, device_id_from_peer_id, peer_id_from_device_id, remote_peer_id
from .port import Replica

log = logging.getLogger(__name__)

PROTOCOL_ID = TProtocol("/meshsub/1.1.0")
HEARTBEAT = 5  # s; mesh repair and the message cache's clock (it keeps 3 beats)
MAX_TOPICS = 256  # our own subscriptions (cost measured: docs/network.md)
PEER_TOPICS = 2 * MAX_TOPICS  # subscriptions we accept from one peer
SUBSCRIPTION_CHANNEL = 256  # py-libp2p's per-topic delivery channel (default 32)
QUEUE = 256  # accepted runs waiting for ingest
GAP_GRACE = 0.5
GAP_COOLDOWN = 5.0
READ_LIMIT = 1024  # own rows read per message at most


@dataclass(frozen=True, slots=True)
class GossipHooks:
    """What gossip needs from the network service."""

    misbehaved: Callable[[bytes, str], None]  # (peer device, reason); must not block
    banned: Callable[[bytes], bool]  # peer device -> drop its messages unread
    lacking: Callable[[bytes, int], None]  # (log device, head held): ask the sessions
    holds: Callable[[bytes, int], None] = lambda device, seq: None  # (author device,
    # seq): the author holds its log up to seq (tell its session)


@dataclass(slots=True)
class GossipStats:
    published: int = 0  # messages we published
    published_entries: int = 0
    accepted: int = 0  # messages from peers that passed the validator
    added: int = 0  # entries stored because gossip brought them
    rejected: int = 0  # forged, garbage, blocked, a bad message signature
    unsigned: int = 0  # messages without a signature (older nodes), dropped
    ignored: int = 0  # not replicated here, or a log we cannot place
    dropped: int = 0  # accepted but the ingest queue was full
    gaps: int = 0  # times we asked the sync sessions for a missing run
    reasons: list[str] = field(default_factory=list)  # the last few rejections


@dataclass(frozen=True, slots=True)
class _Delivery:
    forwarder: bytes
    entries: list[Entry]


class Gossip:
    def __init__(self, replica: Replica, host: Host, hooks: GossipHooks) -> None:
        if replica.identity is None:
            raise ValueError("gossip needs a node opened with its keys")
        self.replica = replica
        self.host = host
        self.hooks = hooks
        self.stats = GossipStats()
        self.topic = topic_of(replica.account_id)  # where our own entries go
        self._device = replica.identity.device_id
        self._self_peer = host.peer_id
        self._accounts: dict[bytes, bytes] = {}  # device -> account, of logs we hold
        self._heads: dict[bytes, int] = {}  # device -> head seq held
        self._frozen: dict[bytes, int] = {}  # device -> the seq its log forked at
        self._replicated: frozenset[bytes] = frozenset({replica.account_id})
        self._blocked: frozenset[bytes] = frozenset()
        self._subscriptions: dict[str, ISubscriptionAPI] = {}
        self._policy_lock = trio.Lock()
        self._deliveries, self._inbox = trio.open_memory_channel[_Delivery](QUEUE)
        self._gaps: dict[bytes, float] = {}  # device -> when we last asked
        self._wake = trio.Event()
        self._pubsub: Pubsub | None = None
        self._router: GossipSub | None = None
        self._nursery: trio.Nursery | None = None
        self._pacer = Pacer(0)

    # --- running --------------------------------------------------------------------

    async def run(self, *, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        """Run until cancelled; ``task_status.started(self)`` once serving."""
        pubsub, router = make_pubsub(self.host, refused=self._refused)
        self.host.set_handler(PROTOCOL_ID, self._serve)
        events = self.replica.subscribe()  # before reading heads: see run_sync
        self._learn_logs(await self.replica.logs())
        self._frozen.update(await self.replica.forked())
        self._pacer = Pacer(self._heads.get(self._device, 0), now=trio.current_time())
        async with background_trio_service(pubsub), \
                background_trio_service(router), trio.open_nursery() as nursery:
            await pubsub.wait_until_ready()
            self._pubsub, self._router, self._nursery = pubsub, router, nursery
            nursery.start_soon(self._follow, events)
            nursery.start_soon(self._publisher)
            nursery.start_soon(self._receiver)
            task_status.started(self)
            try:
                await trio.sleep_forever()
            finally:
                self._pubsub = None
                nursery.cancel_scope.cancel()

    async def set_policy(self, *, topics: Collection[bytes], replicated: Collection[bytes],
                         blocked: Collection[bytes]) -> None:
        """Subscribe to the topics of ``topics`` (accounts; at most ``MAX_TOPICS``),
        accept entries of ``replicated`` accounts, reject those of ``blocked``."""
        self._replicated = frozenset(replicated)
        self._blocked = frozenset(blocked)
        wanted = {topic_of(a) for a in sorted(set(topics) - self._blocked)[:MAX_TOPICS]}
        wanted.add(self.topic)
        async with self._policy_lock:
            pubsub, nursery = self._pubsub, self._nursery
            if pubsub is None or nursery is None:
                return
            for topic in set(self._subscriptions) - wanted:
                self._subscriptions.pop(topic)
                await pubsub.unsubscribe(topic)
                pubsub.remove_topic_validator(topic)
            for topic in sorted(wanted - set(self._subscriptions)):
                pubsub.set_topic_validator(topic, self._validate, False)
                subscription = await pubsub.subscribe(topic)
                self._subscriptions[topic] = subscription
                nursery.start_soon(_drain, subscription)

    def subscribed(self) -> list[str]:
        return sorted(self._subscriptions)

    def mesh_peers(self, topic: str) -> set[bytes]:
        """Devices in our mesh for ``topic`` (they get what we publish there)."""
        router = self._router
        if router is None:
            return set()
        return {_device_of(p) or b"" for p in router.mesh.get(topic, ())} - {b""}

    async def wait_for_mesh(self, device: bytes, topic: str) -> None:
        """Return once ``device`` is in our mesh for ``topic`` (bound it with
        ``trio.fail_after``)."""
        router = self._router
        if router is None:
            raise RuntimeError("gossip is not running")
        await router.wait_for_mesh(peer_id_from_device_id(device), topic, timeout=math.inf)

    # --- inbound ----------------------------------------------------------------------

    async def _serve(self, stream: INetStream) -> None:
        pubsub = self._pubsub
        if pubsub is None:
            await stream.reset()
            return
        try:
            await pubsub.stream_handler(stream)
        except DecodeError:
            device = _device_of(remote_peer_id(stream))
            if device is not None:
                self.hooks.misbehaved(device, "gossip: a frame that is not a pubsub RPC")
            raise  # Host.set_handler logs it and resets the stream

    def _refused(self, forwarder: ID, error: GossipSignatureError) -> None:
        """A message ``SignedPubsub`` dropped before validation."""
        if isinstance(error, UnsignedMessage):
            self.stats.unsigned += 1
            return
        self.stats.rejected += 1
        self.stats.reasons = [*self.stats.reasons[-9:], str(error)]
        device = _device_of(forwarder)
        if device is not None:
            self.hooks.misbehaved(device, f"gossip: {error}")

    def _validate(self, forwarder: ID, msg: rpc_pb2.Message) -> bool:
        """py-libp2p's synchronous validator: True lets the message be delivered and
        forwarded. Never raises (an exception would escape py-libp2p's task)."""
        if forwarder == self._self_peer:
            return True  # our own publish
        try:
            device = _device_of(forwarder)
            if device is None or self.hooks.banned(device):
                return False
            verdict = judge(list(msg.topicIDs), msg.data, account_of=self._accounts.get,
                            replicated=self._replicated, blocked=self._blocked,
                            frozen=self._frozen)
            match verdict:
                case Accept(_, entries):
                    self.stats.accepted += 1
                    try:
                        self._deliveries.send_nowait(_Delivery(device, entries))
                    except trio.WouldBlock:
                        self.stats.dropped += 1
                    return True
                case Ignore():
                    self.stats.ignored += 1
                case Reject(reason, misbehaved):
                    self.stats.rejected += 1
                    self.stats.reasons = [*self.stats.reasons[-9:], reason]
                    if misbehaved:
                        self.hooks.misbehaved(device, reason)
            return False
        except Exception as exc:  # a bug of ours must not take pubsub down
            log.exception("gossip validator failed: %r", exc)
            return False

    async def _receiver(self) -> None:
        async for delivery in self._inbox:
            entries = delivery.entries
            last = entries[-1]
            self.hooks.holds(last.device, last.seq)  # before the store emits events
            result = await self.replica.ingest(entries)  # a fork is found and kept there
            if result.rejected:  # verified alone, yet it does not fit the stored log
                log.info("gossip run of %s not stored: %s", last.device.hex()[:12],
                         next(iter(result.rejected.values())))
                continue
            self.stats.added += len(result.added)
            if result.missing and self._nursery is not None:
                for device, lacking_from in result.missing.items():
                    self._nursery.start_soon(self._gap, device, lacking_from, last.seq)

    async def _gap(self, device: bytes, lacking_from: int, seen: int) -> None:
        """Ask the sync sessions for ``device``'s log after ``lacking_from - 1`` if it
        is still short of ``seen`` a moment from now."""
        now = trio.current_time()
        if now - self._gaps.get(device, -GAP_COOLDOWN) < GAP_COOLDOWN:
            return
        self._gaps[device] = now
        await trio.sleep(GAP_GRACE)
        head = self._heads.get(device, lacking_from - 1)
        if head < seen:
            self.stats.gaps += 1
            log.debug("gossip gap in %s after %d: asking sync", device.hex()[:12], head)
            self.hooks.lacking(device, head)

    # --- what the node learns ---------------------------------------------------------

    async def _follow(self, events: trio.MemoryReceiveChannel[Any]) -> None:
        """Keep heads and accounts of held logs current; feed own entries to the pacer."""
        while True:
            with events:  # closed when we stop, so the node stops buffering for us
                async for event in events:
                    if isinstance(event, Lagged):
                        break
                    if isinstance(event, EntryAdded):
                        self._learn(event.device, event.account, event.seq)
                        if event.own:
                            self._pacer.added(event.seq)
                            self._poke()
                    elif isinstance(event, ForkFound):
                        self._frozen[event.device] = event.seq
                else:
                    return  # the node is closing
            events = self.replica.subscribe()
            self._learn_logs(await self.replica.logs())
            self._frozen.update(await self.replica.forked())
            self._pacer.caught_up_to(self._heads.get(self._device, 0))
            self._poke()

    def _learn(self, device: bytes, account: bytes, seq: int) -> None:
        self._accounts[device] = account
        if seq > self._heads.get(device, 0):
            self._heads[device] = seq

    def _learn_logs(self, logs: list[tuple[bytes, bytes, int]]) -> None:
        for device, account, head in logs:
            self._learn(device, account, head)

    # --- publishing -------------------------------------------------------------------

    def _poke(self) -> None:
        self._wake.set()

    async def _publisher(self) -> None:
        while True:
            delay = self._pacer.delay(trio.current_time())
            if delay is None or delay > 0:
                self._wake = trio.Event()
                with trio.move_on_after(float("inf") if delay is None else delay):
                    await self._wake.wait()
                continue
            first, last = self._pacer.take(trio.current_time())
            rows = await self.replica.log_rows(self._device, first - 1,
                                            min(last - first + 1, READ_LIMIT))
            if not rows:  # not readable (yet): skip rather than spin
                self._pacer.published(last)
                continue
            data, count = encode_run(rows)
            pubsub = self._pubsub
            if pubsub is not None:
                await pubsub.publish(self.topic, data)
                self.stats.published += 1
                self.stats.published_entries += count
            self._pacer.published(first + count - 1)


Refused = Callable[[ID, GossipSignatureError], None]


def make_pubsub(host: Host, refused: Refused | None = None) -> tuple[Pubsub, GossipSub]:
    """Pubsub with our GossipSub configuration on ``host`` (see the module docstring);
    ``refused(forwarder, error)`` hears of messages dropped for their signature."""
    pubsub_module.SUBSCRIPTION_CHANNEL_SIZE = max(pubsub_module.SUBSCRIPTION_CHANNEL_SIZE,
                                                  SUBSCRIPTION_CHANNEL)
    router = GossipSub(protocols=[PROTOCOL_ID], degree=6, degree_low=4, degree_high=12,
                       heartbeat_interval=HEARTBEAT, gossip_window=2, gossip_history=3,
                       adaptive_gossip_enabled=False, eclipse_protection_enabled=False,
                       max_messages_per_topic_per_second=SPAM_LIMIT)
    pubsub = SignedPubsub(host.libp2p_host, router, refused=refused,
                          max_subscriptions_per_peer=PEER_TOPICS)
    return pubsub, router


class SignedPubsub(Pubsub):
    """py-libp2p's Pubsub publishing and accepting StrictSign messages (gossip_sign.py).

    Built with ``strict_signing=False`` so that py-libp2p neither signs nor checks
    (its check, ``signature_validator``, lets a malformed ``key`` raise into the
    pubsub service: libp2p/pubsub/validators.py:56-63); we do both here, once per
    message, before the seen-cache, the validators and their cache see it. The id is
    py-libp2p's default, ``from + seqno``, which the signature authenticates.
    """

    def __init__(self, host: IHost, router: GossipSub, *, refused: Refused | None = None,
                 max_subscriptions_per_peer: int) -> None:
        super().__init__(host, router, strict_signing=False,
                         max_subscriptions_per_peer=max_subscriptions_per_peer)
        self._sign = host.get_private_key().sign
        self._refused: Refused = refused or (lambda forwarder, error: None)
        # seqnos keep rising across restarts: py-libp2p starts from the clock in
        # seconds, so a node that published more messages than seconds passed would
        # reuse ids that its peers still remember as seen
        self.counter = time.time_ns()

    async def publish(self, topic_id: str | list[str], data: bytes) -> None:
        topics = [topic_id] if isinstance(topic_id, str) else topic_id
        if len(topics) != 1:
            raise ValueError("gossip publishes on one topic at a time")
        self.counter += 1
        msg = signed_message(self._sign, self.my_id.to_bytes(), self.counter, topics[0],
                             data)
        await self.push_msg(self.my_id, msg)

    async def push_msg(self, msg_forwarder: ID, msg: rpc_pb2.Message) -> None:
        if msg_forwarder != self.my_id and not self._is_msg_seen(msg):
            try:
                verify_origin(msg)
            except GossipSignatureError as error:
                self._refused(msg_forwarder, error)
                return
        await super().push_msg(msg_forwarder, msg)


def _device_of(peer_id: ID) -> bytes | None:
    try:
        return device_id_from_peer_id(peer_id)
    except ValueError:  # not an Ed25519 peer: not one of ours
        return None


async def _drain(subscription: ISubscriptionAPI) -> None:
    """py-libp2p delivers every message to a subscription channel too; we took what we
    need in the validator, so the channel is only emptied (it ends on unsubscribe)."""
    async for _ in subscription:
        pass
