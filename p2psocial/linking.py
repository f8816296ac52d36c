"""Linking a device: a new device proves it holds a link code and is made a device of
the account. Sans-IO: the proof, the messages, the issuer's offer and the sealing of
the account's keys; net/link.py carries them over ``/p2psocial/link/1.0.0``.

Theory of operation.

The device that is set up (the issuer) opens an offer: a fresh 128-bit secret and an
expiry (``OFFER_TTL_MS``), shown as a link code with its device id and addresses
(link_code.py). The new device (the joiner) dials those addresses, and Noise proves
to it that it reached the device the code names. It sends one frame, ``Hello(proof,
name)``::

    proof = BLAKE2b-256(key=secret, PROOF_DOMAIN + issuer_device + joiner_device)

Both device ids are the peer ids Noise authenticated on that stream, so a proof is
bound to this pair of devices: one seen on the way (a relay carries it) or copied is
useless from any other device, and the secret never crosses the wire. The issuer
checks the proof in constant time against its offer (``LinkOffer.admit``) and answers
with one frame: ``Granted(cert_wire, sealed_keys, profile_name, peers)``, a
certificate of the joiner's device, the account's encryption keys sealed to that
device alone (``seal_keys``), the profile name to show and peers to sync with; or
``Refused(reason)``, one line for a person. The offer is single use; a wrong proof is
refused and never closes it; after its expiry it is refused.

Why a long code bound to authenticated peer ids, and not a PAKE. A PAKE (SPAKE2, as
magic-wormhole uses) makes a short code safe: "7-guitar-revenge" is typed from memory,
and the exchange lets an attacker test one guess per attempt, never offline. Our code
must carry the issuer's addresses anyway (there is no server to meet at), so it is
100 characters or more: nobody types it from memory; it is pasted or scanned. At that
length the secret can be 128 bits, and there is nothing to guess, online or offline:
the proof above, bound to both Noise identities, is all the protocol needs. The
trade-off is written down: a short code that a person reads out and types on the
other device would need a PAKE (and a rendezvous to carry the addresses). Hence no
limit on wrong proofs: it would not protect the secret (guessing 128 bits is hopeless)
and would let a stranger who reaches the issuer spoil every code it shows.

What the issuer does not learn: nothing secret comes from the joiner, only its device
id (its peer id) and the name it asks for. What the joiner checks: Noise proves the
issuer's identity; the node checks that the certificate names the joiner's device
and the code's account before it keeps anything.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import nacl.exceptions
import nacl.public

from . import codec, crypto, invite
from .errors import DecryptionFailed, InvalidEntry, MalformedEntry
from .link_code import SECRET_LEN

PROOF_DOMAIN = b"p2psocial-link-v1"
PROOF_LEN = 32
OFFER_TTL_MS = 10 * 60 * 1000
"""An offer is open 10 minutes: long enough to carry a code to the other device."""
NAME_MAX = 64
"""Characters of a device's name (``content.DeviceLink``) and of a profile name."""
REASON_MAX = 200
"""Characters of a refusal."""
KEYS_MAX = 256
"""Account encryption keys handed over: the first, and one per rotation."""
PEERS_MAX = 16
"""Peers (device, addresses) a grant names for the new device to sync with."""
CHAIN_MAX = 8
"""Certificates in a chain, leaf to root (identity.MAX_CHAIN)."""
CERT_MAX = 4096
"""Bytes of a certificate chain's wire: 8 levels of about 250 bytes, with room."""
SEALED_MAX = 48 + 3 + KEYS_MAX * (2 + 32)
"""Bytes of ``sealed_keys``: a sealed box (48 bytes more) of an array of the keys."""
HELLO_MAX = 512
"""Bytes of a Hello frame (its proof and a name of 64 characters, 4 bytes each)."""
GRANTED_MAX = 64 * 1024
"""Bytes of an answer frame: a chain, the sealed keys, and peers with their addresses."""

_NAME_BYTES = NAME_MAX * 4
_HELLO_CAPS = codec.Caps(max_bytes=HELLO_MAX, max_bin=PROOF_LEN, max_str=_NAME_BYTES,
                         max_array=3, max_depth=1)
_ANSWER_CAPS = codec.Caps(max_bytes=GRANTED_MAX, max_bin=SEALED_MAX,
                          max_str=max(_NAME_BYTES, REASON_MAX * 4, invite.ADDR_MAX_LEN),
                          max_array=max(8, PEERS_MAX, invite.ADDRS_MAX),
                          max_depth=2 + CHAIN_MAX)

WRONG_PROOF = "that link code is not the one this device shows: check it and try again"
USED = "that link code was used already: make a new one"
EXPIRED = "that link code expired: make a new one"
NO_OFFER = "this device has no link code open: make one there first"


class BadLinkMessage(MalformedEntry):
    """A link frame that is not one of the messages below."""


def prove(secret: bytes, issuer_device: bytes, joiner_device: bytes) -> bytes:
    """The joiner's proof that it holds ``secret``, bound to both device ids."""
    if len(secret) != SECRET_LEN or len(issuer_device) != 32 or len(joiner_device) != 32:
        raise ValueError("a link secret is 16 bytes, device ids 32")
    return hashlib.blake2b(PROOF_DOMAIN + issuer_device + joiner_device, key=secret,
                           digest_size=PROOF_LEN).digest()


def check_name(name: str) -> str:
    """A device's name as given, or ``ValueError`` with one line saying why not."""
    if not name.strip() or len(name) > NAME_MAX:
        raise ValueError(f"a device's name is 1 to {NAME_MAX} characters")
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in name):
        raise ValueError("a device's name cannot contain line breaks or control characters")
    return name


# --- messages ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hello:
    """Joiner to issuer: the proof, and the name the new device wants to be shown by."""

    proof: bytes
    name: str

    def encode(self) -> bytes:
        return codec.encode(("hello", self.proof, self.name))


@dataclass(frozen=True, slots=True)
class Granted:
    """Issuer to joiner: the joiner is a device of the account.

    ``cert_wire``: the joiner's certificate as a wire value (``identity.
    certificate_from_wire`` reads it); ``sealed_keys``: ``seal_keys`` of the account's
    encryption seeds; ``profile_name``: the account's name ("" if none);
    ``peers``: (device id, its addresses) to sync with first, the issuer's own
    device among them."""

    cert_wire: tuple
    sealed_keys: bytes
    profile_name: str
    peers: tuple[tuple[bytes, tuple[str, ...]], ...] = ()

    def __post_init__(self) -> None:
        if type(self.cert_wire) is not tuple or len(codec.encode(self.cert_wire)) > CERT_MAX:
            raise ValueError(f"a certificate's wire is an array of at most {CERT_MAX} bytes")
        if not 0 < len(self.sealed_keys) <= SEALED_MAX:
            raise ValueError("sealed keys are not of a size seal_keys makes")
        if len(self.profile_name) > NAME_MAX:
            raise ValueError(f"a profile name is at most {NAME_MAX} characters")
        if len(self.peers) > PEERS_MAX:
            raise ValueError(f"a grant names at most {PEERS_MAX} peers")
        for device, addrs in self.peers:
            if len(device) != 32 or not 1 <= len(addrs) <= invite.ADDRS_MAX or not all(
                    invite.good_addr(a) for a in addrs):
                raise ValueError("a peer is a device id and 1 to 8 addresses")

    def encode(self) -> bytes:
        return codec.encode(("granted", self.cert_wire, self.sealed_keys, self.profile_name,
                             self.peers))


@dataclass(frozen=True, slots=True)
class Refused:
    """Issuer to joiner: no link; ``reason`` is one line for the person."""

    reason: str

    def encode(self) -> bytes:
        """One line of at most ``REASON_MAX`` characters, whatever ``reason`` holds."""
        line = " ".join(self.reason.split())[:REASON_MAX] or "refused"
        return codec.encode(("refused", line))


Answer = Granted | Refused


def read_hello(frame: bytes) -> Hello:
    """The Hello in ``frame``, or ``BadLinkMessage``."""
    wire = _message(frame, _HELLO_CAPS)
    if not (wire[0] == "hello" and len(wire) == 3 and type(wire[1]) is bytes
            and len(wire[1]) == PROOF_LEN and type(wire[2]) is str):
        raise BadLinkMessage("expected a hello: (\"hello\", proof, name)")
    try:
        return Hello(wire[1], check_name(wire[2]))
    except ValueError as exc:
        raise BadLinkMessage(str(exc)) from None


def read_answer(frame: bytes) -> Answer:
    """The ``Granted`` or ``Refused`` in ``frame``, or ``BadLinkMessage``."""
    wire = _message(frame, _ANSWER_CAPS)
    if wire[0] == "refused" and len(wire) == 2 and type(wire[1]) is str:
        reason = " ".join(wire[1].split())
        if not reason or len(reason) > REASON_MAX:
            raise BadLinkMessage(f"a refusal is one line of 1 to {REASON_MAX} characters")
        return Refused(reason)
    if not (wire[0] == "granted" and len(wire) == 5 and type(wire[1]) is tuple
            and type(wire[2]) is bytes and type(wire[3]) is str and type(wire[4]) is tuple):
        raise BadLinkMessage("expected (\"granted\", cert, sealed keys, name, peers) or "
                             "(\"refused\", reason)")
    peers = []
    for peer in wire[4]:
        if not (type(peer) is tuple and len(peer) == 2 and type(peer[0]) is bytes
                and type(peer[1]) is tuple and all(type(a) is str for a in peer[1])):
            raise BadLinkMessage("a peer is (device id, (address, ...))")
        peers.append((peer[0], peer[1]))
    try:
        return Granted(wire[1], wire[2], wire[3], tuple(peers))
    except ValueError as exc:
        raise BadLinkMessage(str(exc)) from None


def _message(frame: bytes, caps: codec.Caps) -> tuple:
    try:
        wire = codec.decode(frame, caps)
    except InvalidEntry as exc:
        raise BadLinkMessage(f"bad link frame: {exc}") from None
    if type(wire) is not tuple or not wire or type(wire[0]) is not str:
        raise BadLinkMessage("a link frame is an array that starts with its name")
    return wire


# --- the issuer's offer -----------------------------------------------------------


@dataclass
class LinkOffer:
    """The issuer's open offer: its secret and expiry, whether it was used, and how
    many wrong proofs it met (for the log). One offer links one device at most. Wrong
    proofs never close it: a 128-bit secret cannot be guessed, and an offer that
    closed after a few would let any stranger who reaches us spoil every code."""

    secret: bytes
    expires_ms: int
    used: bool = False
    failures: int = 0

    def __post_init__(self) -> None:
        if len(self.secret) != SECRET_LEN:
            raise ValueError(f"a link secret is {SECRET_LEN} bytes")

    def is_open(self, now_ms: int) -> bool:
        """Whether a right proof would still be admitted at ``now_ms``."""
        return not self.used and now_ms < self.expires_ms

    def admit(self, hello: Hello, issuer_device: bytes, joiner_device: bytes,
              now_ms: int) -> Refused | None:
        """None if ``hello`` proves the secret for this pair of devices, and the offer
        is then used; else the refusal to send. A wrong proof counts a failure."""
        if self.used:
            return Refused(USED)
        if now_ms >= self.expires_ms:
            return Refused(EXPIRED)
        if not hmac.compare_digest(hello.proof,
                                   prove(self.secret, issuer_device, joiner_device)):
            self.failures += 1
            return Refused(WRONG_PROOF)
        self.used = True
        return None


# --- the account's keys, sealed to the new device ---------------------------------


def seal_keys(enc_seeds: Sequence[bytes], joiner_device: bytes) -> bytes:
    """The account's encryption seeds (oldest first), sealed so that only the device
    ``joiner_device`` opens them (a SealedBox to its X25519 key, crypto.py)."""
    if not 1 <= len(enc_seeds) <= KEYS_MAX or any(len(s) != 32 for s in enc_seeds):
        raise ValueError(f"1 to {KEYS_MAX} encryption seeds of 32 bytes")
    box = nacl.public.SealedBox(nacl.public.PublicKey(crypto.device_box_public(joiner_device)))
    return bytes(box.encrypt(codec.encode(tuple(enc_seeds))))


def open_keys(sealed: bytes, device_seed: bytes) -> tuple[bytes, ...]:
    """The seeds ``seal_keys`` sealed to this device; ``DecryptionFailed`` if they were
    not sealed to it, ``MalformedEntry`` if what is inside is not a list of seeds."""
    box = nacl.public.SealedBox(crypto.device_box_private(device_seed))
    try:
        plain = box.decrypt(sealed)
    except nacl.exceptions.CryptoError:
        raise DecryptionFailed("the keys were not sealed to this device") from None
    wire = codec.decode(plain, codec.Caps(max_bytes=SEALED_MAX, max_bin=32, max_str=0,
                                          max_array=KEYS_MAX, max_depth=1))
    if not (type(wire) is tuple and 1 <= len(wire) <= KEYS_MAX
            and all(type(s) is bytes and len(s) == 32 for s in wire)):
        raise MalformedEntry("sealed keys are an array of 32-byte seeds")
    return wire
