"""The key file: an ``Identity`` as bytes, optionally sealed with a passphrase.

Theory of operation. The file is one canonical msgpack array, in one of two forms::

    ["p2psocial-keys", 2, "plain", [device_seed, cert, [enc_seed, ...], root_seed]]
    ["p2psocial-keys", 2, "argon2id", opslimit, memlimit, salt, nonce, ciphertext]

``root_seed`` is nil on an everyday device: a device linked to the account holds its
own key, its certificate and the account's encryption keys (oldest first), never the
root key, so the file taken from it holds no root seed. Format 1 files (payload
``[root_seed, device_seed, cert]``, always with the root) still load; ``dump`` writes
format 2.

``ciphertext`` is the secretbox (XSalsa20-Poly1305) of the canonical encoding of the
same payload array, under a key that Argon2id derives from the passphrase with the
stored parameters. Storing the parameters lets later versions raise them without a
format change; bounding them on load keeps a crafted file from making us burn minutes
or allocate gigabytes. Every parameter feeds the key, so a changed parameter, salt,
nonce or ciphertext byte makes the box fail to open, which is reported exactly like a
wrong passphrase: we fail closed and never fall back.

After decoding, the certificate must name this device, verify up to the account's
root, carry one of the account's encryption keys held here, and name the account of
the root seed if there is one (whose derived key must then be the first encryption
key), so a file stitched together from two homes is refused as damaged. This module
does no I/O: the node writes the bytes (mode 0600) and passes the random salt and
nonce in.
"""

from __future__ import annotations

import unicodedata
from typing import Final, TypeGuard

import nacl.exceptions
import nacl.pwhash.argon2id as argon2id
import nacl.secret

from . import codec
from .errors import HomeError, InvalidEntry, PassphraseRequired, WrongPassphrase
from .identity import (
    MAX_CHAIN,
    AccountKeys,
    DeviceCert,
    DeviceKeys,
    Identity,
    certificate_from_wire,
)

MAGIC: Final = "p2psocial-keys"
FORMAT_VERSION: Final = 2
FORMATS: Final = (1, 2)
"""Formats ``load`` reads; ``dump`` writes the last."""
MAX_ENC_KEYS: Final = 256
"""Encryption keys an account may have had (one more at every revocation)."""
PLAIN: Final = "plain"
ARGON2ID: Final = "argon2id"

DEFAULT_OPSLIMIT: Final[int] = argon2id.OPSLIMIT_MODERATE
DEFAULT_MEMLIMIT: Final = 128 * 1024 * 1024
MAX_OPSLIMIT: Final[int] = argon2id.OPSLIMIT_MODERATE * 4
MAX_MEMLIMIT: Final[int] = argon2id.MEMLIMIT_MODERATE * 4
SALT_LEN: Final[int] = argon2id.SALTBYTES
NONCE_LEN: Final[int] = nacl.secret.SecretBox.NONCE_SIZE

# depth: the outer array, the payload, a certificate chain of MAX_CHAIN links and its root
_CAPS = codec.Caps(max_bytes=32 * 1024, max_bin=16 * 1024, max_str=32,
                   max_array=MAX_ENC_KEYS, max_depth=MAX_CHAIN + 3)
_DAMAGED = "the key file is damaged or not a p2psocial key file"


def dump(ident: Identity, passphrase: str | None, *, salt: bytes = b"", nonce: bytes = b"",
         opslimit: int = DEFAULT_OPSLIMIT, memlimit: int = DEFAULT_MEMLIMIT) -> bytes:
    """The key file bytes for ``ident``; sealed when a passphrase is given.

    With a passphrase, ``salt`` (16 random bytes) and ``nonce`` (24 random bytes) are
    required. An empty passphrase is refused: pass None to store the keys in the clear.
    """
    if len(ident.enc_seeds) > MAX_ENC_KEYS:
        raise ValueError(f"a key file holds at most {MAX_ENC_KEYS} encryption keys")
    root_seed = ident.root.root_seed if ident.root is not None else None
    payload = (ident.device.seed, ident.cert.to_wire(), ident.enc_seeds, root_seed)
    if passphrase is None:
        return codec.encode((MAGIC, FORMAT_VERSION, PLAIN, payload))
    if passphrase == "":
        raise ValueError("an empty passphrase is not allowed; pass None for no passphrase")
    if len(salt) != SALT_LEN or len(nonce) != NONCE_LEN:
        raise ValueError(f"a passphrase needs a {SALT_LEN}-byte salt and a "
                         f"{NONCE_LEN}-byte nonce")
    if not _params_ok(opslimit, memlimit):
        raise ValueError("Argon2id limits out of the range this format accepts")
    box = nacl.secret.SecretBox(_derive(passphrase, salt, opslimit, memlimit))
    sealed = box.encrypt(codec.encode(payload), nonce).ciphertext
    return codec.encode((MAGIC, FORMAT_VERSION, ARGON2ID, opslimit, memlimit, salt, nonce,
                         sealed))


def load(data: bytes, passphrase: str | None) -> Identity:
    """The identity in a key file.

    Raises ``PassphraseRequired`` (sealed file, no or empty passphrase),
    ``WrongPassphrase`` (the box does not open) or ``HomeError`` (anything else).
    A passphrase given for a file stored in the clear is ignored: ``is_encrypted``
    tells the caller which kind of file it holds.
    """
    wire = _outer(data)
    if wire[2] == PLAIN:
        return _identity(wire[1], wire[3])
    if not passphrase:
        raise PassphraseRequired("this home is protected by a passphrase")
    _, _, _, opslimit, memlimit, salt, nonce, sealed = wire
    box = nacl.secret.SecretBox(_derive(passphrase, salt, opslimit, memlimit))
    try:
        plain = box.decrypt(sealed, nonce)
    except nacl.exceptions.CryptoError:
        raise WrongPassphrase("wrong passphrase") from None
    try:
        payload = codec.decode(plain, _CAPS)
    except InvalidEntry:
        raise HomeError(_DAMAGED) from None
    return _identity(wire[1], payload)


def is_encrypted(data: bytes) -> bool:
    """True when the key file is sealed with a passphrase; ``HomeError`` if not a key file."""
    return bool(_outer(data)[2] == ARGON2ID)


def _outer(data: bytes) -> tuple:
    """The decoded outer array, its layout and Argon2id limits checked."""
    try:
        wire = codec.decode(data, _CAPS)
    except InvalidEntry:
        raise HomeError(_DAMAGED) from None
    if not (isinstance(wire, tuple) and len(wire) >= 3 and wire[0] == MAGIC):
        raise HomeError(_DAMAGED)
    if type(wire[1]) is not int:
        raise HomeError(_DAMAGED)
    if wire[1] not in FORMATS:
        raise HomeError(f"the key file has format {wire[1]}, which this version of "
                        "p2psocial cannot read")
    if wire[2] == PLAIN and len(wire) == 4:
        return wire
    if wire[2] == ARGON2ID and len(wire) == 8:
        _, _, _, opslimit, memlimit, salt, nonce, sealed = wire
        if (_params_ok(opslimit, memlimit) and _is_bytes(salt, SALT_LEN)
                and _is_bytes(nonce, NONCE_LEN) and isinstance(sealed, bytes)):
            return wire
    raise HomeError(_DAMAGED)


def _identity(version: int, payload: object) -> Identity:
    """An identity whose certificate binds its device key to its account."""
    if version == 1:
        return _identity_v1(payload)
    if not (isinstance(payload, tuple) and len(payload) == 4):
        raise HomeError(_DAMAGED)
    device_seed, cert_wire, enc_seeds, root_seed = payload
    if not (_is_bytes(device_seed, 32) and isinstance(enc_seeds, tuple)
            and 1 <= len(enc_seeds) <= MAX_ENC_KEYS
            and all(_is_bytes(s, 32) for s in enc_seeds)
            and (root_seed is None or _is_bytes(root_seed, 32))):
        raise HomeError(_DAMAGED)
    try:
        cert = certificate_from_wire(cert_wire)
        cert.verify()
    except InvalidEntry:
        raise HomeError(_DAMAGED) from None
    root = AccountKeys(root_seed) if root_seed is not None else None
    ident = Identity(DeviceKeys(device_seed), cert, enc_seeds, root)
    if (cert.device != ident.device_id
            or cert.enc_key not in {bytes(k.public_key) for k in ident.enc_privates}
            or (root is not None and (root.account_id != cert.account
                                      or root.enc_seed != enc_seeds[0]))):
        raise HomeError(_DAMAGED)
    return ident


def _identity_v1(payload: object) -> Identity:
    """Format 1: every device held the root seed, and the account had one encryption key."""
    if not (isinstance(payload, tuple) and len(payload) == 3):
        raise HomeError(_DAMAGED)
    root_seed, device_seed, cert_wire = payload
    if not (_is_bytes(root_seed, 32) and _is_bytes(device_seed, 32)):
        raise HomeError(_DAMAGED)
    try:
        cert = DeviceCert.from_wire(cert_wire)
        cert.verify()
    except InvalidEntry:
        raise HomeError(_DAMAGED) from None
    account, device = AccountKeys(root_seed), DeviceKeys(device_seed)
    if (cert.account != account.account_id or cert.device != device.device_id
            or cert.enc_key != account.enc_public):
        raise HomeError(_DAMAGED)
    return Identity(device, cert, (account.enc_seed,), account)


def _derive(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    # NFKC: the same passphrase typed on two systems may arrive composed or decomposed.
    secret = unicodedata.normalize("NFKC", passphrase).encode("utf-8")
    try:
        return bytes(argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, secret, salt,
                                  opslimit=opslimit, memlimit=memlimit))
    except (nacl.exceptions.RuntimeError, MemoryError) as exc:
        raise HomeError("could not derive the key: not enough memory") from exc


def _params_ok(opslimit: object, memlimit: object) -> bool:
    # libsodium counts memory in KiB and ignores the rest, so a memlimit that is not a
    # whole number of KiB would let a changed byte go unnoticed: such files are damaged.
    return (_is_int(opslimit, argon2id.OPSLIMIT_MIN, MAX_OPSLIMIT)
            and _is_int(memlimit, argon2id.MEMLIMIT_MIN, MAX_MEMLIMIT)
            and memlimit % 1024 == 0)


def _is_int(value: object, low: int, high: int) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _is_bytes(value: object, size: int) -> bool:
    return isinstance(value, bytes) and len(value) == size
