"""What StrictSign costs per GossipSub message, before (unsigned, content ids: what
p2psocial published until issue 13) and after (signed by the device key, ids
``from + seqno``: p2psocial/net/gossip_sign.py).

* ``build_unsigned`` / ``sign_message``: the publisher's per-message work, in CPU
  time (the machine is shared, so wall time would count others' work), one core:
  the protobuf message and its id, then the same plus an Ed25519 signature.
* ``verify_origin``: the receiver's extra work per new message (one Ed25519
  verification), next to ``unsigned_id`` (what it did before: hash the data).
* ``loopback_unsigned`` / ``loopback_strictsign``: two real hosts on 127.0.0.1, one
  publishing ``--reps`` messages (a real one-entry run each, made unique) and the
  other receiving them, one at a time; ``cpu_us_per_message`` is this process's CPU
  (both hosts run in it) divided by the messages: publishing, Noise, yamux,
  forwarding and delivery included; the median of ``ROUNDS`` rounds, the two modes
  alternated. The router's spam limit is lifted for this run
  only (the real one, 25 per second, would drop most of them); no topic validator
  runs, so the receiver's check of the entries themselves is not counted in either.
* ``wire``: bytes of one message on the wire, unsigned and signed.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
import time

import trio
from libp2p.peer.id import ID
from libp2p.pubsub.gossipsub import GossipSub
from libp2p.pubsub.pb import rpc_pb2
from libp2p.pubsub.pubsub import Pubsub
from libp2p.tools.anyio_service import background_trio_service

from p2psocial import content, entry, identity
from p2psocial.net.gossip import PEER_TOPICS, PROTOCOL_ID, SignedPubsub
from p2psocial.net.gossip_rules import encode_run
from p2psocial.net.gossip_sign import signed_message, verify_origin
from p2psocial.net.host import Multiaddr, keypair_from_seed, open_host

from . import common

BENCH = "gossip_sign"
TOPIC = "p2ps/bench"
ROUNDS = 3
_NAMES = {False: "loopback_unsigned", True: "loopback_strictsign"}


def _message_data() -> bytes:
    """One post of 200 characters as gossip carries it (a run of one entry)."""
    ident = identity.new_identity(b"\x05" * 32, b"\x06" * 32, common.T0)
    kind, body = content.encode_body(content.Post("a post of two hundred characters " * 6))
    item = entry.create(ident.device.secret_key, ident.device_id, None, common.T0, kind,
                        body)
    return encode_run([(item.raw, item.body)])[0]


def _unsigned_id(msg: rpc_pb2.Message) -> bytes:
    return hashlib.blake2b(msg.data, digest_size=20).digest()


def micro(n: int, data: bytes) -> None:
    keys = keypair_from_seed(b"\x07" * 32)
    from_id = ID.from_pubkey(keys.public_key).to_bytes()
    sign = keys.private_key.sign

    def build_unsigned() -> None:
        for seqno in range(n):
            msg = rpc_pb2.Message(from_id=from_id, data=data,
                                  seqno=seqno.to_bytes(8, "big"), topicIDs=[TOPIC])
            _unsigned_id(msg)

    def build_signed() -> None:
        for seqno in range(n):
            msg = signed_message(sign, from_id, seqno, TOPIC, data)
            _ = msg.from_id + msg.seqno  # the id, as py-libp2p makes it

    signed = [signed_message(sign, from_id, seqno, TOPIC, data) for seqno in range(256)]

    def check() -> None:
        for i in range(n):
            verify_origin(signed[i & 255])

    def hash_ids() -> None:
        for i in range(n):
            _unsigned_id(signed[i & 255])

    for name, fn in (("build_unsigned", build_unsigned), ("sign_message", build_signed),
                     ("unsigned_id", hash_ids), ("verify_origin", check)):
        common.progress(f"{name} x {n}")
        cpu = time.process_time()  # CPU, not wall time: others share the machine
        fn()
        cpu = time.process_time() - cpu
        common.emit(common.record(BENCH, name, per_s=round(n / cpu),
                                  cpu_us_per_message=round(cpu / n * 1e6, 1), n=n,
                                  data_bytes=len(data), cores=1))
    unsigned = rpc_pb2.Message(from_id=from_id, data=data, seqno=bytes(8), topicIDs=[TOPIC])
    common.emit(common.record(BENCH, "wire", unsigned_bytes=unsigned.ByteSize(),
                              signed_bytes=signed[0].ByteSize(), data_bytes=len(data)))


def _router() -> GossipSub:
    return GossipSub(protocols=[PROTOCOL_ID], degree=6, degree_low=4, degree_high=12,
                     heartbeat_interval=5, gossip_window=2, gossip_history=3,
                     adaptive_gossip_enabled=False, eclipse_protection_enabled=False,
                     max_messages_per_topic_per_second=1e9)


async def loopback(signed: bool, n: int, data: bytes) -> dict[str, object]:
    async with open_host(os.urandom(32), 0) as a, open_host(os.urandom(32), 0) as b:
        pubsubs = []
        for host in (a, b):
            router = _router()
            pubsub: Pubsub
            if signed:
                pubsub = SignedPubsub(host.libp2p_host, router,
                                      max_subscriptions_per_peer=PEER_TOPICS)
            else:
                pubsub = Pubsub(host.libp2p_host, router, strict_signing=False,
                                msg_id_constructor=_unsigned_id,
                                max_subscriptions_per_peer=PEER_TOPICS)
            pubsubs.append((pubsub, router))
        (pa, ra), (pb, rb) = pubsubs
        async with background_trio_service(pa), background_trio_service(ra), \
                background_trio_service(pb), background_trio_service(rb):
            await pa.wait_until_ready()
            await pb.wait_until_ready()
            await b.connect(a.peer_id, [Multiaddr(x) for x in a.listen_addrs])
            own = await pa.subscribe(TOPIC)  # its own messages come back here too
            inbox = await pb.subscribe(TOPIC)
            await pa.wait_for_mesh(b.peer_id, TOPIC, timeout=20)
            for i in range(20):  # warm-up
                await pa.publish(TOPIC, data + i.to_bytes(4, "big"))
                await own.get()
                await inbox.get()
            cpu, wall = time.process_time(), time.perf_counter()
            for i in range(n):
                await pa.publish(TOPIC, data + (i + 20).to_bytes(4, "big"))
                await own.get()
                await inbox.get()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"cpu_us_per_message": round(cpu / n * 1e6, 1),
            "wall_us_per_message": round(wall / n * 1e6, 1)}


def run(quick: bool, reps: int) -> None:
    data = _message_data()
    micro(2_000 if quick else 20_000, data)
    n = 100 if quick else reps
    runs: dict[bool, list[dict[str, object]]] = {False: [], True: []}
    for round_ in range(ROUNDS):  # alternated, so that load from others hits both
        for signed in (False, True):
            common.progress(f"round {round_ + 1}/{ROUNDS}: {_NAMES[signed]}, {n} messages")
            runs[signed].append(trio.run(loopback, signed, n, data))

    def median_cpu(signed: bool) -> float:
        return statistics.median(float(r["cpu_us_per_message"])  # type: ignore[arg-type]
                                 for r in runs[signed])

    for signed in (False, True):
        common.emit(common.record(
            BENCH, _NAMES[signed], cpu_us_per_message=round(median_cpu(signed), 1),
            rounds_cpu_us_per_message=[r["cpu_us_per_message"] for r in runs[signed]],
            wall_us_per_message=statistics.median(
                float(r["wall_us_per_message"]) for r in runs[signed]),  # type: ignore[arg-type]
            n=n, rounds=ROUNDS, data_bytes=len(data),
            ratio_to_unsigned=round(median_cpu(signed) / median_cpu(False), 2)))


def main(argv: list[str] | None = None) -> int:
    p = common.parser("python -m bench gossip_sign", __doc__ or "")
    p.set_defaults(reps=1000)
    args = p.parse_args(argv)
    run(args.quick, args.reps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
