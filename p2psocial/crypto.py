"""Thin, fast wrappers over libsodium for the few primitives the formats use.

Hashes are BLAKE2b-256. Signatures are Ed25519, verified through the detached-style
call on the raw bindings, which avoids building key objects on the hot ingest path.
A device's Ed25519 key also converts to X25519 (``device_box_public``/``_private``),
so that something can be sealed to that one device knowing only its id.
"""

from __future__ import annotations

import hashlib

import nacl.bindings as sodium
import nacl.exceptions
import nacl.public

HASH_LEN = 32
KEY_LEN = 32
SIG_LEN = 64


def blake2b(data: bytes, person: bytes = b"") -> bytes:
    """BLAKE2b-256; ``person`` separates uses of the same bytes (up to 16 bytes)."""
    return hashlib.blake2b(data, digest_size=HASH_LEN, person=person).digest()


def sign(secret_key: bytes, message: bytes) -> bytes:
    """Ed25519 signature of ``message`` by a 64-byte libsodium secret key."""
    return sodium.crypto_sign(message, secret_key)[:SIG_LEN]


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is ``public_key``'s signature of ``message``."""
    if len(signature) != SIG_LEN or len(public_key) != KEY_LEN:
        return False
    try:
        sodium.crypto_sign_open(signature + message, public_key)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError,
            nacl.exceptions.TypeError):
        return False
    return True


def signing_keypair(seed: bytes) -> tuple[bytes, bytes]:
    """(public key, 64-byte secret key) for an Ed25519 seed."""
    return sodium.crypto_sign_seed_keypair(seed)


def device_box_public(device_id: bytes) -> bytes:
    """The X25519 public key of a device, from its Ed25519 device id: what a box sealed
    to that one device is sealed to (a key handed over when it is linked). Pure: anyone
    who knows the device id can seal to it; only the device opens."""
    if len(device_id) != KEY_LEN:
        raise ValueError("a device id is 32 bytes")
    return sodium.crypto_sign_ed25519_pk_to_curve25519(device_id)


def device_box_private(device_seed: bytes) -> nacl.public.PrivateKey:
    """The X25519 private key matching ``device_box_public`` of this seed's device id."""
    if len(device_seed) != KEY_LEN:
        raise ValueError("a device seed is 32 bytes")
    _, secret_key = sodium.crypto_sign_seed_keypair(device_seed)
    return nacl.public.PrivateKey(sodium.crypto_sign_ed25519_sk_to_curve25519(secret_key))
