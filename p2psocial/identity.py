"""Accounts, devices, and the certificates and revocations that bind them.

Theory of operation.

An account is a root Ed25519 key; its public key is the account id. Each device has
its own Ed25519 key and its own append-only log, so a feed never forks: a new laptop,
or a restore from the recovery phrase, starts a new log. The first entry of every
device log carries the device's certificate (``Certificate``), which says that the
account vouches for the device.

* A *root certificate* (``DeviceCert``) is signed by the root key itself: the device
  made by ``init`` or by a restore from the recovery phrase has one.
* A *delegated certificate* (``DelegatedCert``) is signed by the key of a device that
  is itself certified, and carries that device's certificate inside it, up to the
  root: a chain of at most ``MAX_CHAIN`` links. Delegation is why linking a phone
  does not need the recovery phrase: any device of the account can vouch for the
  next one, so the root key can stay on paper (and on one primary device, if the
  person wants) instead of on every device a thief could take. Each link names the
  entry of the issuer's log that recorded it (``issuer_seq``, ``link_id``: a
  DEVICE_LINK entry), so whoever revokes the issuer can tell the links it made before
  the theft from those it made after.

A revocation (``Revocation``) is signed by the root key, never by a device: a thief
holds a device key and may hold every key a device holds, so only authority the thief
lacks can tell peers to stop trusting that device, and no stolen device can revoke an
honest one. It pins where trust ends: ``last_seq`` is the last sequence number of the
revoked device's log that stays valid and ``last_id`` that entry's id (so a fork
cannot dress a later entry as an earlier one); entries after it, and devices it linked
through entries after it, are refused. It also names the account's new encryption key
(``new_enc_key``), to which messages are sealed from then on.

The account's first X25519 encryption key is derived from the root seed, so the phrase
brings back the ability to read old private entries; a device also keeps the keys
rotated in later (``Identity.enc_seeds``, newest last). The recovery key
(``AccountKeys.recovery_private``, also from the root seed) is never given to a device:
rotated keys are sealed to it as well, so a restore from the phrase reads them.

All values here are pure: seeds and times are passed in, nothing is read from the OS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Final, NamedTuple

import nacl.public

from . import codec, crypto, ids
from .entry import MAX_SEQ
from .errors import AccountKeyMissing, BadCertificate, BadRevocation, MalformedEntry, UserError

SEED_LEN: Final = 32
MAX_CHAIN: Final = 8
"""Delegated links between a device and the root key, at most (a root cert has 0)."""

_ENC_PERSON = b"p2ps-enc-key-v1"
_RECOVERY_PERSON = b"p2ps-recovery-v1"
_CERT_DOMAIN = b"p2psocial-device-cert-v1"
_DELEGATION_DOMAIN = b"p2psocial-device-delegation-v1"
_REVOCATION_DOMAIN = b"p2psocial-device-revocation-v1"


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

    @property
    def enc_seed(self) -> bytes:
        """The seed of the account's first encryption key (what old data is sealed to)."""
        return crypto.blake2b(self.root_seed, _ENC_PERSON)

    @cached_property
    def enc_private(self) -> nacl.public.PrivateKey:
        return nacl.public.PrivateKey(self.enc_seed)

    @property
    def enc_public(self) -> bytes:
        return bytes(self.enc_private.public_key)

    @cached_property
    def recovery_private(self) -> nacl.public.PrivateKey:
        """The key that rotated encryption keys are sealed to, for a restore from the
        phrase; never stored on a device."""
        return nacl.public.PrivateKey(crypto.blake2b(self.root_seed, _RECOVERY_PERSON))

    @property
    def recovery_public(self) -> bytes:
        return bytes(self.recovery_private.public_key)


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


# --- certificates ---------------------------------------------------------------------


class Link(NamedTuple):
    """One delegation: ``issuer`` certified ``device`` through entry ``issuer_seq``
    (id ``link_id``) of its log."""

    issuer: bytes
    issuer_seq: int
    link_id: bytes
    device: bytes


@dataclass(frozen=True, slots=True)
class DeviceCert:
    """The root key's statement that ``device`` writes for the account.

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
        _fields("device certificate", account=account, device=device, enc_key=enc_key)
        _sized("device certificate", "signature", signature, 64)
        return cls(account, device, enc_key, _time(created, "device certificate"), signature)

    def verify(self) -> None:
        """Raise ``BadCertificate`` unless the account's root key signed this."""
        if not crypto.verify(self.account, self.signed_part(), self.signature):
            raise BadCertificate("device certificate is not signed by its account")

    def links(self) -> tuple[Link, ...]:
        return ()

    @property
    def depth(self) -> int:
        return 0


@dataclass(frozen=True, slots=True)
class DelegatedCert:
    """A certified device's statement that ``device`` writes for the same account.

    Wire layout: ``[account, device, enc_key, created_ms, issuer_wire, issuer_seq,
    link_id, signature]``, where ``issuer_wire`` is the issuer's own certificate (root
    or delegated) and ``issuer_seq``/``link_id`` name the DEVICE_LINK entry of the
    issuer's log that records this link. The issuer's device key signs the domain tag
    plus the canonical encoding of the other fields, with the issuer's device id in
    place of its certificate.
    """

    account: bytes
    device: bytes
    enc_key: bytes
    created: int
    issuer: Certificate
    issuer_seq: int
    link_id: bytes
    signature: bytes

    def signed_part(self) -> bytes:
        return _DELEGATION_DOMAIN + codec.encode((
            self.account, self.device, self.enc_key, self.created, self.issuer.device,
            self.issuer_seq, self.link_id))

    def to_wire(self) -> tuple:
        return (self.account, self.device, self.enc_key, self.created, self.issuer.to_wire(),
                self.issuer_seq, self.link_id, self.signature)

    @classmethod
    def from_wire(cls, wire: object) -> DelegatedCert:
        cert = certificate_from_wire(wire)
        if not isinstance(cert, DelegatedCert):
            raise MalformedEntry("a delegated certificate is an array of 8")
        return cert

    def verify(self) -> None:
        """Raise ``BadCertificate`` unless every link up to the root is signed by its
        issuer, names this account and no device twice, and the chain is short enough."""
        if self.depth > MAX_CHAIN:
            raise BadCertificate(f"a certificate chain is at most {MAX_CHAIN} links")
        seen = {self.device}
        cert: Certificate = self
        while isinstance(cert, DelegatedCert):
            issuer = cert.issuer
            if issuer.account != cert.account:
                raise BadCertificate("a device was certified by a device of another account")
            if issuer.device in seen:
                raise BadCertificate("a certificate chain names one device twice")
            seen.add(issuer.device)
            if not crypto.verify(issuer.device, cert.signed_part(), cert.signature):
                raise BadCertificate("device certificate is not signed by its issuer")
            cert = issuer
        cert.verify()

    def links(self) -> tuple[Link, ...]:
        """The delegations from this device up to the root-certified one."""
        out: list[Link] = []
        cert: Certificate = self
        while isinstance(cert, DelegatedCert):
            out.append(Link(cert.issuer.device, cert.issuer_seq, cert.link_id, cert.device))
            cert = cert.issuer
        return tuple(out)

    @property
    def depth(self) -> int:
        return 1 + self.issuer.depth


Certificate = DeviceCert | DelegatedCert


def certificate_from_wire(wire: object) -> Certificate:
    """A root (array of 5) or delegated (array of 8) certificate; ``MalformedEntry``
    for anything else, a chain over ``MAX_CHAIN`` links included. Not verified."""
    levels: list[tuple] = []
    while isinstance(wire, tuple) and len(wire) == 8:
        if len(levels) == MAX_CHAIN:
            raise MalformedEntry(f"a certificate chain is at most {MAX_CHAIN} links")
        levels.append(wire)
        wire = wire[4]
    if not (isinstance(wire, tuple) and len(wire) == 5):
        raise MalformedEntry("a device certificate is an array of 5 or 8")
    cert: Certificate = DeviceCert.from_wire(wire)
    for account, device, enc_key, created, _, issuer_seq, link_id, signature in reversed(levels):
        what = "delegated certificate"
        _fields(what, account=account, device=device, enc_key=enc_key)
        _sized(what, "link_id", link_id, 32)
        _sized(what, "signature", signature, 64)
        if not (type(issuer_seq) is int and 1 <= issuer_seq <= MAX_SEQ):
            raise MalformedEntry("a delegated certificate's issuer_seq is a sequence number")
        cert = DelegatedCert(account, device, enc_key, _time(created, what), cert, issuer_seq,
                             link_id, signature)
    return cert


def issue_certificate(account: AccountKeys, device_id: bytes, created_ms: int, *,
                      enc_key: bytes | None = None) -> DeviceCert:
    """Have the account's root key vouch for ``device_id``; ``enc_key`` is the account's
    current encryption key (default: its first, derived from the root seed)."""
    unsigned = DeviceCert(account.account_id, device_id, enc_key or account.enc_public,
                          created_ms, b"")
    return DeviceCert(unsigned.account, unsigned.device, unsigned.enc_key, created_ms,
                      account.sign(unsigned.signed_part()))


def delegate(issuer: Identity, device_id: bytes, created_ms: int, issuer_seq: int,
             link_id: bytes) -> DelegatedCert:
    """Have the device of ``issuer`` vouch for ``device_id``, through the DEVICE_LINK
    entry ``issuer_seq`` (id ``link_id``) of its own log. The new device gets the
    account's current encryption key."""
    if issuer.cert.depth >= MAX_CHAIN:
        raise UserError(f"this device cannot link another: it is {issuer.cert.depth} links "
                        "away from the account key; link from another device")
    unsigned = DelegatedCert(issuer.account_id, device_id, issuer.enc_public, created_ms,
                             issuer.cert, issuer_seq, link_id, b"")
    signature = crypto.sign(issuer.device.secret_key, unsigned.signed_part())
    return DelegatedCert(unsigned.account, device_id, unsigned.enc_key, created_ms,
                         issuer.cert, issuer_seq, link_id, signature)


# --- revocations ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Revocation:
    """The root key's statement that ``device`` stopped writing for the account after
    entry ``last_seq`` (id ``last_id``; 0 and b"": none of its entries stays valid),
    and that the account's encryption key is ``new_enc_key`` from now on.

    Wire layout: ``[account, device, last_seq, last_id, created_ms, new_enc_key,
    signature]``; the root key signs the domain tag plus the first six fields.
    """

    account: bytes
    device: bytes
    last_seq: int
    last_id: bytes
    created: int
    new_enc_key: bytes
    signature: bytes

    def signed_part(self) -> bytes:
        return _REVOCATION_DOMAIN + codec.encode((
            self.account, self.device, self.last_seq, self.last_id, self.created,
            self.new_enc_key))

    def to_wire(self) -> tuple:
        return (self.account, self.device, self.last_seq, self.last_id, self.created,
                self.new_enc_key, self.signature)

    @classmethod
    def from_wire(cls, wire: object) -> Revocation:
        if not (isinstance(wire, tuple) and len(wire) == 7):
            raise MalformedEntry("a revocation is an array of 7")
        account, device, last_seq, last_id, created, new_enc_key, signature = wire
        _fields("revocation", account=account, device=device, new_enc_key=new_enc_key)
        _sized("revocation", "signature", signature, 64)
        if not (type(last_seq) is int and 0 <= last_seq <= MAX_SEQ):
            raise MalformedEntry("a revocation's last_seq is a sequence number or 0")
        _sized("revocation", "last_id", last_id, 32 if last_seq else 0)
        return cls(account, device, last_seq, last_id, _time(created, "revocation"),
                   new_enc_key, signature)

    def verify(self) -> None:
        """Raise ``BadRevocation`` unless the account's root key signed this."""
        if not crypto.verify(self.account, self.signed_part(), self.signature):
            raise BadRevocation("a revocation is not signed by its account")


def revoke(root: AccountKeys, device: bytes, last_seq: int, last_id: bytes, created_ms: int,
           new_enc_key: bytes) -> Revocation:
    """Have the root key revoke ``device`` after entry ``last_seq`` of its log."""
    if (last_seq == 0) != (last_id == b""):
        raise ValueError("last_id is the id of entry last_seq, or b'' when last_seq is 0")
    unsigned = Revocation(root.account_id, device, last_seq, last_id, created_ms, new_enc_key,
                          b"")
    return Revocation(root.account_id, device, last_seq, last_id, created_ms, new_enc_key,
                      root.sign(unsigned.signed_part()))


# --- a device's identity ------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """What a device needs to write and read: its key, its certificate, the account's
    encryption keys (oldest first), and the root keys if this device holds them (None
    on an everyday device)."""

    device: DeviceKeys
    cert: Certificate
    enc_seeds: tuple[bytes, ...] = field(repr=False)
    root: AccountKeys | None

    def __post_init__(self) -> None:
        if not self.enc_seeds or any(len(s) != SEED_LEN for s in self.enc_seeds):
            raise ValueError("an identity holds at least one 32-byte encryption seed")

    @property
    def account_id(self) -> bytes:
        return self.cert.account

    @property
    def device_id(self) -> bytes:
        return self.device.device_id

    @cached_property
    def enc_privates(self) -> tuple[nacl.public.PrivateKey, ...]:
        """Every encryption key the account has had, the newest last."""
        return tuple(nacl.public.PrivateKey(seed) for seed in self.enc_seeds)

    @property
    def enc_private(self) -> nacl.public.PrivateKey:
        """The account's current encryption key."""
        return self.enc_privates[-1]

    @property
    def enc_public(self) -> bytes:
        return bytes(self.enc_private.public_key)

    @property
    def holds_root(self) -> bool:
        return self.root is not None

    def require_root(self) -> AccountKeys:
        """The root keys, or ``AccountKeyMissing`` on an everyday device."""
        if self.root is None:
            raise AccountKeyMissing("this device does not hold the account key: the recovery "
                                    "phrase was shown when the account was made")
        return self.root


def new_identity(root_seed: bytes, device_seed: bytes, now_ms: int) -> Identity:
    """An identity for a new device of the account with ``root_seed``, which it keeps
    (``init`` and a restore from the phrase make such a device)."""
    root = AccountKeys(root_seed)
    device = DeviceKeys(device_seed)
    return Identity(device, issue_certificate(root, device.device_id, now_ms),
                    (root.enc_seed,), root)


# --- strict field readers ----------------------------------------------------------------


def _sized(what: str, name: str, value: object, size: int) -> None:
    if not (type(value) is bytes and len(value) == size):
        raise MalformedEntry(f"{what} field {name} must be {size} bytes")


def _fields(what: str, **keys: object) -> None:
    for name, value in keys.items():
        _sized(what, name, value, 32)


def _time(value: object, what: str) -> int:
    if not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        raise MalformedEntry(f"{what} time must be a non-negative int")
    return value
