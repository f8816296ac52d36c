"""A device's libp2p identity: its key pair from the device seed, its peer id.

Why. A p2psocial device id is its Ed25519 public key, and libp2p inlines such a key
in the peer id, so the two convert both ways without a lookup; these pure functions
are what every protocol uses to tell which device is at the other end of a stream.
host.py exports them with the host.
"""

from __future__ import annotations

from libp2p.abc import INetStream
from libp2p.crypto.ed25519 import create_new_key_pair as _ed25519_key_pair
from libp2p.crypto.keys import KeyPair
from libp2p.peer.id import ID

SEED_LEN = 32
# A peer id for an Ed25519 key is the key inlined in an identity multihash:
# 0x00 (identity) 0x24 (36 bytes) + protobuf PublicKey{Type=Ed25519(1), Data=32 bytes}
# (libp2p/peer/id.py:228-237, libp2p/crypto/keys.py:73-75).
_ED25519_PEER_ID_PREFIX = bytes.fromhex("002408011220")


def keypair_from_seed(seed: bytes) -> KeyPair:
    """The libp2p Ed25519 key pair for a device's 32-byte seed (``DeviceKeys.seed``).

    Same key derivation as PyNaCl's ``SigningKey(seed)``, so the libp2p public key
    is the device id.
    """
    if len(seed) != SEED_LEN:
        raise ValueError("a device seed is 32 bytes")
    return _ed25519_key_pair(seed)


def peer_id_from_device_id(device_id: bytes) -> ID:
    """The libp2p peer id of a device, from its 32-byte public key. Pure."""
    if len(device_id) != 32:
        raise ValueError("a device id is 32 bytes")
    return ID(_ED25519_PEER_ID_PREFIX + device_id)


def device_id_from_peer_id(peer_id: ID) -> bytes:
    """The device's 32-byte public key inside its peer id; ``ValueError`` if the
    peer id is not an inlined Ed25519 key (an RSA or secp256k1 peer, say)."""
    raw = peer_id.to_bytes()
    if len(raw) != len(_ED25519_PEER_ID_PREFIX) + 32 or not raw.startswith(
            _ED25519_PEER_ID_PREFIX):
        raise ValueError(f"peer id {peer_id} is not an Ed25519 device key")
    return raw[len(_ED25519_PEER_ID_PREFIX):]


def remote_peer_id(stream: INetStream) -> ID:
    """The peer at the other end of a stream, as authenticated by the Noise handshake."""
    return stream.muxed_conn.peer_id
