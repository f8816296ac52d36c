"""Roster lines: "this account joined that community", signed so that only it could say so.

Theory of operation. The roster of an open community (store/communities.py) is the
list of accounts every member replicates. Members pass rosters on to each other
(net/community.py), so a line must prove itself to whoever receives it, from
whoever it came: a ``Join`` is signed by one of the account's devices, and carries
that device's certificate (``identity.DeviceCert``, signed by the account's root
key). Anyone can check a line without the member's log, and nobody can put an
account on a roster but the account itself: a member holding the key may still
make up accounts of its own (identities are free), but not name other people, who
would then be replicated by every member. Signing with the device key rather than
the root key keeps this working once everyday devices no longer hold the root.

The community id is signed but not sent with each line: a line travels inside one
community's roster, whose id the receiver knows.

    line = (joined_ms, signature, certificate)      # certificate: DeviceCert wire
    signed = DOMAIN + canonical((community, account, device, joined_ms))

A roster on the wire is a tuple of lines sorted by account, one per account, at
most ``MAX_MEMBERS``: one canonical form, and a receiver can refuse anything else
before checking a single signature. ``LINE_MAX`` is the encoded size of the largest
possible line, measured once here; every cap that holds lines derives from it.

Which lines a member keeps when they do not all fit is ``admit``: lines already held
stay (a roster never drops anyone, so nobody can push members off it with made-up
joins dated early), and of the new ones the earliest joins win, ties by account.

Pure and sans-IO: the caller passes the time and the keys.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from . import codec, crypto, private
from .errors import BadSignature, InvalidEntry, MalformedEntry, UserError
from .identity import DeviceCert, DeviceKeys

MAX_MEMBERS: Final = private.MAX_COMMUNITY_MEMBERS
"""Accounts on one community's roster."""
DOMAIN: Final = b"p2psocial-community-join-v1"
_ID = private.ID_LEN
_U64 = 2**64


class RosterFull(UserError):
    """Joining a community whose roster has no room left."""

    def __init__(self, name: str) -> None:
        super().__init__(f"the community {name} is full: {MAX_MEMBERS} people are on it, "
                         "and nobody can join it any more")


@dataclass(frozen=True, slots=True)
class Merged:
    """What became of the lines a peer sent for one roster."""

    added: tuple[bytes, ...] = ()  # accounts now on the roster
    forged: int = 0  # lines that do not verify: the sender's fault
    refused: int = 0  # good lines left out because the roster is full: nobody's fault


@dataclass(frozen=True, slots=True)
class Join:
    """One roster line: the account of ``cert`` joined ``community`` at ``joined`` (ms),
    as its device ``cert.device`` signed."""

    community: bytes
    joined: int
    signature: bytes
    cert: DeviceCert

    @property
    def account(self) -> bytes:
        return self.cert.account

    @property
    def device(self) -> bytes:
        return self.cert.device

    def signed_part(self) -> bytes:
        return signed_part(self.community, self.account, self.device, self.joined)

    def to_wire(self) -> tuple[int, bytes, tuple]:
        return (self.joined, self.signature, self.cert.to_wire())

    @classmethod
    def from_wire(cls, wire: object, community: bytes) -> Join:
        """The line in ``wire`` for ``community``, checked for shape only (``verify``
        checks the signatures); ``MalformedEntry`` if it is not a line."""
        if not (type(wire) is tuple and len(wire) == 3):
            raise MalformedEntry("a roster line is an array of 3")
        joined, signature, cert = wire
        if not (type(joined) is int and 0 <= joined < _U64):
            raise MalformedEntry("a roster line's time is a non-negative int")
        if not (type(signature) is bytes and len(signature) == crypto.SIG_LEN):
            raise MalformedEntry(f"a roster line's signature is {crypto.SIG_LEN} bytes")
        return cls(community, joined, signature, DeviceCert.from_wire(cert))

    def verify(self) -> None:
        """Raise ``BadCertificate`` or ``BadSignature`` unless the account's root key
        certified the device and the device signed this join."""
        self.cert.verify()
        if not crypto.verify(self.device, self.signed_part(), self.signature):
            raise BadSignature("a roster line not signed by its device")

    def valid(self) -> bool:
        try:
            self.verify()
        except InvalidEntry:
            return False
        return True

    def encode(self) -> bytes:
        """Canonical bytes of the line (what the store keeps)."""
        return codec.encode(self.to_wire())

    @classmethod
    def decode(cls, data: bytes, community: bytes) -> Join:
        return cls.from_wire(codec.decode(data, _LINE_CAPS), community)


def signed_part(community: bytes, account: bytes, device: bytes, joined: int) -> bytes:
    return DOMAIN + codec.encode((community, account, device, joined))


def sign_join(device: DeviceKeys, cert: DeviceCert, community: bytes, joined_ms: int) -> Join:
    """The line by which the account of ``cert`` says it joined ``community``."""
    if cert.device != device.device_id:
        raise ValueError("the certificate is another device's")
    message = signed_part(community, cert.account, cert.device, joined_ms)
    return Join(community, joined_ms, crypto.sign(device.secret_key, message), cert)


# --- a roster on the wire ----------------------------------------------------------------


def to_wire(lines: Iterable[Join]) -> tuple:
    """A roster's wire form: its lines sorted by account (one each, as held)."""
    return tuple(line.to_wire() for line in sorted(lines, key=lambda j: j.account))


def from_wire(wire: object, community: bytes) -> tuple[Join, ...]:
    """The lines of a roster of ``community``, shape checked: a tuple of at most
    ``MAX_MEMBERS`` lines sorted by account with no account twice; else
    ``MalformedEntry``. Signatures are not checked here (``verify``)."""
    if not (type(wire) is tuple and len(wire) <= MAX_MEMBERS):
        raise MalformedEntry(f"a roster is an array of at most {MAX_MEMBERS} lines")
    lines = tuple(Join.from_wire(w, community) for w in wire)
    if any(a.account >= b.account for a, b in itertools.pairwise(lines)):
        raise MalformedEntry("a roster's lines are sorted by account, one each")
    return lines


def admit(held: Collection[bytes], incoming: Sequence[Join],
          cap: int = MAX_MEMBERS) -> list[Join]:
    """The lines of ``incoming`` that may join a roster holding the accounts ``held``,
    best first, as many as there is room for: accounts not held yet, earliest join
    first, ties by account. Held lines are never displaced; so a member that makes up
    joins dated long ago cannot push anyone off, only fill what is free."""
    room = max(0, cap - len(held))
    fresh = sorted((j for j in incoming if j.account not in held),
                   key=lambda j: (j.joined, j.account))
    out: list[Join] = []
    seen: set[bytes] = set()
    for line in fresh:
        if len(out) == room:
            break
        if line.account not in seen:
            seen.add(line.account)
            out.append(line)
    return out


def checked(lines: Iterable[Join]) -> tuple[list[Join], int]:
    """The lines that verify, in order, up to the first that does not; and 1 when one
    did not, else 0. After a forged line nothing more from its sender is believed, nor
    worth the CPU (two signature checks per line)."""
    good: list[Join] = []
    for line in lines:
        if not line.valid():
            return good, 1
        good.append(line)
    return good, 0


# --- sizes, measured on the largest values --------------------------------------------


def largest_line() -> Join:
    """The line whose encoding is the longest possible (to measure caps by)."""
    cert = DeviceCert(b"\xff" * _ID, b"\xff" * _ID, b"\xff" * _ID, _U64 - 1,
                      b"\xff" * crypto.SIG_LEN)
    return Join(b"\xff" * _ID, _U64 - 1, b"\xff" * crypto.SIG_LEN, cert)


LINE_MAX: Final = len(largest_line().encode())
"""Bytes of the largest line (254)."""
ROSTER_MAX: Final = len(codec.encode(to_wire([largest_line()] * MAX_MEMBERS)))
"""Bytes of the largest roster: ``MAX_MEMBERS`` lines of ``LINE_MAX``, and its header."""
DEPTH: Final = 3
"""Nesting of a roster: the roster, a line, its certificate."""
_LINE_CAPS = codec.Caps(max_bytes=LINE_MAX, max_bin=crypto.SIG_LEN, max_str=0, max_array=5,
                        max_depth=DEPTH - 1)
