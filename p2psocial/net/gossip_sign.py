"""GossipSub messages in the standard StrictSign form, without I/O.

    msg = signed_message(key.sign, peer_id_bytes, seqno, topic, data)
    device = verify_origin(msg)      # or UnsignedMessage / ForgedMessage

Theory of operation. Standard libp2p pubsub accepts a message in one of two forms
(the gossipsub spec's signature policies): StrictSign, where ``from`` and ``seqno``
are set and ``signature`` is the origin's signature over the message, or
StrictNoSign, where none of them is present. py-libp2p 0.8.1 can only do the first
without surgery (its message cache and equivocation check are keyed by
``from + seqno`` whatever the message-id function: docs/libp2p-notes.md), so our
network signs: every message carries

* ``from``: the publishing device's peer id (an inlined Ed25519 key, 38 bytes);
* ``seqno``: 8 bytes, big-endian;
* ``signature``: Ed25519 over ``"libp2p-pubsub:" + Message{from, data, seqno,
  topic}`` serialised (fields in number order, as go, js and py-libp2p do);
* no ``key``: it is derivable from ``from`` (go-libp2p leaves it out the same way;
  js and py take the key from the peer id when it is absent).

The message id is then the default ``from + seqno`` (py-libp2p's and go's), which
the signature authenticates: a forgery cannot take a real message's id.

``verify_origin`` accepts only what a p2psocial device can have signed: an Ed25519
peer id, and an inlined ``key`` (js-libp2p sends one) only if it is that same key.
It never raises anything but its two typed errors: ``UnsignedMessage`` (what
older p2psocial nodes publish, honestly: not the sender's fault) and ``ForgedMessage``
(a signature is there and does not hold: honest nodes check before forwarding).
"""

from __future__ import annotations

from collections.abc import Callable

from libp2p.pubsub.pb import rpc_pb2

from .. import crypto

SIGNING_PREFIX = b"libp2p-pubsub:"  # libp2p/pubsub/validators.py:16, the spec's
SEQNO_LEN = 8
# 0x00 (identity) 0x24 (36 bytes) + protobuf PublicKey{Type=Ed25519(1), Data=32 bytes}
_PEER_ID_PREFIX = bytes.fromhex("002408011220")
_KEY_PREFIX = _PEER_ID_PREFIX[2:]  # the protobuf PublicKey alone, as ``key`` carries it


class GossipSignatureError(ValueError):
    """A pubsub message that is not in StrictSign form with a signature that holds."""


class UnsignedMessage(GossipSignatureError):
    """No signature at all (an older p2psocial node publishes such messages)."""


class ForgedMessage(GossipSignatureError):
    """A signature, or the fields it covers, that do not hold."""


def signed_message(sign: Callable[[bytes], bytes], from_id: bytes, seqno: int,
                   topic: str, data: bytes) -> rpc_pb2.Message:
    """``data`` on ``topic`` from ``from_id`` (our peer id's bytes), signed by
    ``sign`` (our device key's Ed25519 signing function)."""
    msg = rpc_pb2.Message(from_id=from_id, data=data,
                          seqno=seqno.to_bytes(SEQNO_LEN, "big"), topicIDs=[topic])
    msg.signature = sign(SIGNING_PREFIX + msg.SerializeToString())
    return msg


def verify_origin(msg: rpc_pb2.Message) -> bytes:
    """The device (32-byte Ed25519 key) that signed ``msg``; ``UnsignedMessage`` or
    ``ForgedMessage`` otherwise. Pure; costs one Ed25519 verification."""
    if not msg.HasField("signature"):
        raise UnsignedMessage("a pubsub message without a signature")
    from_id = msg.from_id
    if len(from_id) != len(_PEER_ID_PREFIX) + crypto.KEY_LEN or not from_id.startswith(
            _PEER_ID_PREFIX):
        raise ForgedMessage("a signed pubsub message whose origin is not an Ed25519 key")
    device = from_id[len(_PEER_ID_PREFIX):]
    if len(msg.seqno) != SEQNO_LEN:
        raise ForgedMessage(f"a pubsub seqno of {len(msg.seqno)} bytes, not {SEQNO_LEN}")
    if msg.HasField("key") and msg.key != _KEY_PREFIX + device:
        raise ForgedMessage("a pubsub key that is not its origin's")
    covered = rpc_pb2.Message()  # the message as signed: all but signature and key
    covered.CopyFrom(msg)
    covered.ClearField("signature")
    covered.ClearField("key")
    if not crypto.verify(device, SIGNING_PREFIX + covered.SerializeToString(),
                         msg.signature):
        raise ForgedMessage("a pubsub signature that does not hold")
    return device
