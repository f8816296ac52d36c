"""GossipSub messages on the wire in StrictSign form: what we sign is what py-libp2p's
own standard check accepts, every field the signature covers is checked, and on a real
network a bad signature costs the forwarder standing while an older node's unsigned
messages are dropped without blame (and it still hears us)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import trio
from hypothesis import given, settings
from hypothesis import strategies as st
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.peer.id import ID
from libp2p.pubsub.gossipsub import GossipSub
from libp2p.pubsub.pb import rpc_pb2
from libp2p.pubsub.pubsub import Pubsub
from libp2p.pubsub.validators import signature_validator
from libp2p.tools.anyio_service import background_trio_service

from p2psocial.home import Home
from p2psocial.net.gossip import PROTOCOL_ID, SignedPubsub, make_pubsub
from p2psocial.net.gossip_rules import encode_run, topic_of
from p2psocial.net.gossip_sign import (
    SIGNING_PREFIX,
    ForgedMessage,
    GossipSignatureError,
    UnsignedMessage,
    signed_message,
    verify_origin,
)
from p2psocial.net.host import (
    Multiaddr,
    device_id_from_peer_id,
    open_host,
    peer_id_from_device_id,
)
from p2psocial.net.service import NetworkService
from p2psocial.node import Node
from tests.netkit import device, holds, linked, meshed, run, until
from tests.waitkit import eventually

KEYS = create_new_key_pair(bytes(range(32)))
FROM = ID.from_pubkey(KEYS.public_key).to_bytes()
DEVICE = device_id_from_peer_id(ID(FROM))


def message(**changes: object) -> rpc_pb2.Message:
    msg = signed_message(KEYS.private_key.sign, FROM, 7, "t", b"data")
    for name, value in changes.items():
        if name == "topicIDs":
            del msg.topicIDs[:]
            msg.topicIDs.extend(value)  # type: ignore[call-overload]
        else:
            setattr(msg, name, value)
    return msg


def test_what_we_sign_is_strictsign_as_py_libp2p_checks_it() -> None:
    msg = message()
    assert verify_origin(msg) == DEVICE
    assert signature_validator(msg)  # py-libp2p's own check (libp2p/pubsub/validators.py)
    assert not msg.HasField("key")  # derivable from `from`, as go-libp2p leaves it out
    assert msg.seqno == (7).to_bytes(8, "big")


def test_a_message_signed_the_way_py_libp2p_does_it_is_accepted() -> None:
    """py-libp2p (and js-libp2p) inline the key: accepted when it is the origin's."""
    msg = rpc_pb2.Message(from_id=FROM, data=b"x", seqno=bytes(8), topicIDs=["t"])
    msg.signature = KEYS.private_key.sign(SIGNING_PREFIX + msg.SerializeToString())
    msg.key = KEYS.public_key.serialize()
    assert verify_origin(msg) == DEVICE


@pytest.mark.parametrize("changes", [
    {"data": b"datb"}, {"topicIDs": ["u"]}, {"seqno": (8).to_bytes(8, "big")},
    {"signature": bytes(64)}, {"signature": b"short"},
    {"from_id": ID.from_pubkey(create_new_key_pair(bytes(32)).public_key).to_bytes()},
    {"from_id": b"\x12\x20" + bytes(32)},  # a sha256 peer id: not a device key
    {"from_id": b"garbage"}, {"seqno": bytes(7)},
    {"key": create_new_key_pair(bytes(32)).public_key.serialize()},
    {"key": b"\xff\xfe not a key"},
], ids=lambda c: ",".join(c))
def test_every_field_the_signature_covers_is_checked(changes: dict[str, object]) -> None:
    with pytest.raises(ForgedMessage):
        verify_origin(message(**changes))


def test_a_message_without_signature_is_unsigned_not_forged() -> None:
    msg = message()
    msg.ClearField("signature")
    with pytest.raises(UnsignedMessage):
        verify_origin(msg)


# --- on a real network ------------------------------------------------------------------


@asynccontextmanager
async def peer(target: NetworkService, *, old: bool) -> AsyncIterator[Pubsub]:
    """A bare libp2p host connected to ``target``: our pubsub, or with ``old`` the
    configuration of p2psocial before StrictSign (unsigned, content ids)."""
    async with open_host(os.urandom(32), 0) as host:
        if old:
            router = GossipSub(protocols=[PROTOCOL_ID], degree=6, degree_low=4,
                               degree_high=12, heartbeat_interval=5,
                               adaptive_gossip_enabled=False,
                               eclipse_protection_enabled=False)
            pubsub: Pubsub = Pubsub(
                host.libp2p_host, router, strict_signing=False,
                msg_id_constructor=lambda m: hashlib.blake2b(m.data, digest_size=20)
                .digest())
        else:
            pubsub, router = make_pubsub(host)
        async with background_trio_service(pubsub), background_trio_service(router):
            await pubsub.wait_until_ready()
            await host.connect(peer_id_from_device_id(target.device_id),
                               [Multiaddr(a) for a in target.listen_addrs])
            yield pubsub


def standing(svc: NetworkService, who: bytes) -> int:
    state = svc.peer(who)
    return 0 if state is None else state.standing


def test_a_bad_signature_costs_standing_and_a_garbage_key_harms_nobody(
        tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await bob.posts.follow(alice.account_id)
            topic = topic_of(alice.account_id)
            async with linked(alice, bob, live_sync=False) as (sa, sb):
                await meshed(sa, sb, alice.account_id)
                async with peer(sb, old=False) as pubsub:
                    assert isinstance(pubsub, SignedPubsub)
                    mallory = device_id_from_peer_id(pubsub.my_id)
                    await pubsub.subscribe(topic)
                    await pubsub.wait_for_mesh(peer_id_from_device_id(sb.device_id), topic,
                                               timeout=20)
                    post = await alice.posts.post("real")
                    await until(bob, lambda: holds(bob, post.id))
                    rows = await alice.replication.log_rows(device(alice), 0, 10)
                    data, _ = encode_run(rows)
                    bad_key = rpc_pb2.Message(from_id=b"\x12\x20" + os.urandom(32),
                                              data=data, seqno=bytes(8), topicIDs=[topic],
                                              signature=bytes(64), key=b"\xff garbage")
                    bad_sig = signed_message(pubsub._sign, pubsub.my_id.to_bytes(), 1,
                                             topic, data)
                    bad_sig.data = data + b"!"
                    # Pubsub.push_msg forwards without our check (it is what a liar runs)
                    await Pubsub.push_msg(pubsub, pubsub.my_id, bad_key)
                    await Pubsub.push_msg(pubsub, pubsub.my_id, bad_sig)
                    await sb.wait_until(lambda: standing(sb, mallory) < 0)
                    assert sb.gossip is not None
                    gossip = sb.gossip
                    await eventually(lambda: gossip.stats.rejected == 2)
                    assert all("pubsub" in r for r in gossip.stats.reasons)
                later = await alice.posts.post("still served")
                await until(bob, lambda: holds(bob, later.id))  # by gossip: sync is off
                assert gossip.stats.added == 2

    run(scenario)


def test_an_older_node_hears_us_and_its_unsigned_messages_are_dropped_without_blame(
        tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await bob.posts.follow(alice.account_id)
            topic = topic_of(alice.account_id)
            async with linked(alice, bob, live_sync=False) as (sa, sb):
                await meshed(sa, sb, alice.account_id)
                async with peer(sb, old=True) as pubsub:
                    old = device_id_from_peer_id(pubsub.my_id)
                    heard = await pubsub.subscribe(topic)
                    await pubsub.wait_for_mesh(peer_id_from_device_id(sb.device_id), topic,
                                               timeout=20)
                    post = await alice.posts.post("for everyone")
                    with trio.fail_after(10):
                        got = await heard.get()  # forwarded by bob, signed by alice
                    assert verify_origin(got) == device(alice)
                    rows = await alice.replication.log_rows(device(alice), 0, 10)
                    await pubsub.publish(topic, encode_run(rows)[0])
                    assert sb.gossip is not None
                    gossip = sb.gossip
                    await eventually(lambda: gossip.stats.unsigned == 1)
                    assert standing(sb, old) == 0 and gossip.stats.rejected == 0
                    assert await holds(bob, post.id)

    run(scenario)


@settings(max_examples=300, deadline=None)
@given(from_id=st.binary(max_size=48), seqno=st.binary(max_size=12),
       signature=st.binary(max_size=80), key=st.none() | st.binary(max_size=48),
       data=st.binary(max_size=64))
def test_whatever_a_peer_sends_only_typed_errors_come_out(
        from_id: bytes, seqno: bytes, signature: bytes, key: bytes | None,
        data: bytes) -> None:
    msg = rpc_pb2.Message(from_id=from_id, seqno=seqno, signature=signature, data=data,
                          topicIDs=["t"])
    if key is not None:
        msg.key = key
    with pytest.raises(GossipSignatureError):
        verify_origin(msg)
