"""Accounts, devices and the certificate that binds them.

An account is a root Ed25519 key; its public key is the account id. Each device has
its own Ed25519 key and its own append-only log, so a feed never forks: a new laptop,
or a restore from the recovery phrase, starts a new log. The root key signs a device
certificate, which is the body of the first entry of every device log. The account's
X25519 encryption key is derived from the root seed, so the recovery phrase brings
back the ability to read old private entries as well as the account itself.

All values here are pure: seeds and times are passed in, nothing is read from the OS.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import nacl.public

from . import codec, crypto, ids
from .errors import BadCertificate, MalformedEntry

SEED_LEN = 32
_ENC_PERSON = b"p2ps-enc-key-v1"
_CERT_DOMAIN = b"p2psocial-device-cert-v1"


@dataclass(frozen=True)
class AccountKeys:
    """The root of an account. Holds secrets: keep it out of logs and reprs."""

    root_seed: bytes

    def __post_init__(self) -> None:
        if len(self.root_seed) != SEED_LEN:
            raise ValueError("a root seed is 32 bytes")

    def __repr__(self) -> str:
        return f"AccountKeys({ids.account_text(self.account_id)})"

    @cached_property
    def _pair(self) -> tuple[bytes, bytes]:
        return crypto.signing_keypair(self.root_seed)

    @property
    def account_id(self) -> bytes:
        return self._pair[0]

    def sign(self, message: bytes) -> bytes:
        return crypto.sign(self._pair[1], message)

    @cached_property
    def enc_private(self) -> nacl.public.PrivateKey:
        return nacl.public.PrivateKey(crypto.blake2b(self.root_seed, _ENC_PERSON))

    @property
    def enc_public(self) -> bytes:
        return bytes(self.enc_private.public_key)


@dataclass(frozen=True)
class DeviceKeys:
    """One device's signing key; its public key names the device's log."""

    seed: bytes

    def __post_init__(self) -> None:
        if len(self.seed) != SEED_LEN:
            raise ValueError("a device seed is 32 bytes")

    def __repr__(self) -> str:
        return f"DeviceKeys({ids.device_text(self.device_id)})"

    @cached_property
    def _pair(self) -> tuple[bytes, bytes]:
        return crypto.signing_keypair(self.seed)

    @property
    def device_id(self) -> bytes:
        return self._pair[0]

    @property
    def secret_key(self) -> bytes:
        """The 64-byte libsodium secret key, for signing headers."""
        return self._pair[1]


@dataclass(frozen=True, slots=True)
class DeviceCert:
    """The account's statement that ``device`` writes for it.

    Wire layout: ``[account, device, enc_key, created_ms, signature]``; the root key
    signs the domain tag plus the canonical encoding of the first four fields.
    """

    account: bytes
    device: bytes
    enc_key: bytes
    created: int
    signature: bytes

    def signed_part(self) -> bytes:
        return _CERT_DOMAIN + codec.encode((self.account, self.device, self.enc_key,
                                            self.created))

    def to_wire(self) -> tuple[bytes, bytes, bytes, int, bytes]:
        return (self.account, self.device, self.enc_key, self.created, self.signature)

    @classmethod
    def from_wire(cls, wire: object) -> DeviceCert:
        if not (isinstance(wire, tuple) and len(wire) == 5):
            raise MalformedEntry("a device certificate is an array of 5")
        account, device, enc_key, created, signature = wire
        for name, value, size in (("account", account, 32), ("device", device, 32),
                                  ("enc_key", enc_key, 32), ("signature", signature, 64)):
            if not (isinstance(value, bytes) and len(value) == size):
                raise MalformedEntry(f"device certificate field {name} must be {size} bytes")
        if not (isinstance(created, int) and not isinstance(created, bool) and created >= 0):
            raise MalformedEntry("device certificate time must be a non-negative int")
        return cls(account, device, enc_key, created, signature)

    def verify(self) -> None:
        """Raise ``BadCertificate`` unless the account's root key signed this."""
        if not crypto.verify(self.account, self.signed_part(), self.signature):
            raise BadCertificate("device certificate is not signed by its account")


def issue_certificate(account: AccountKeys, device_id: bytes, created_ms: int) -> DeviceCert:
    """Have the account's root key vouch for ``device_id``."""
    unsigned = DeviceCert(account.account_id, device_id, account.enc_public, created_ms, b"")
    return DeviceCert(unsigned.account, unsigned.device, unsigned.enc_key, created_ms,
                      account.sign(unsigned.signed_part()))


@dataclass(frozen=True)
class Identity:
    """What a device needs to write: its account, its own key, and its certificate."""

    account: AccountKeys
    device: DeviceKeys
    cert: DeviceCert

    @property
    def account_id(self) -> bytes:
        return self.account.account_id

    @property
    def device_id(self) -> bytes:
        return self.device.device_id


def new_identity(root_seed: bytes, device_seed: bytes, now_ms: int) -> Identity:
    """An identity for a new device of the account with ``root_seed``."""
    account = AccountKeys(root_seed)
    device = DeviceKeys(device_seed)
    return Identity(account, device, issue_certificate(account, device.device_id, now_ms))
