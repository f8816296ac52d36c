"""Address records: a device's signed statement of where it can be reached now.

Theory of operation. Addresses change (a laptop moves, a router reboots, a port
mapping is renewed on another port), and a friend that only knows the old ones cannot
dial. So each device signs a small record of its current addresses with its device
key, and friends pass records on (net/address_exchange.py): whoever reaches any
common friend learns the newest one. Nobody but the device can make a record for it,
so a record can come from anyone and is checked by the receiver alone.

    wire   = (VERSION, device, seq, issued_ms, expires_ms, ((kind, addr), ...), signature)
    signed = DOMAIN + canonical((VERSION, device, seq, issued_ms, expires_ms, addrs))

* ``seq`` orders the records of one device: a receiver keeps the highest and ignores
  anything lower or equal. The issuer takes the wall clock in ms, never lower than
  one more than the last seq it issued (``next_seq``), so a clock set back still
  supersedes, and a record issued after a restart supersedes those before it.
* ``expires_ms`` bounds how long a record is passed on (``TTL_MAX`` after
  ``issued_ms`` at most); an expired record is dropped, nobody's fault.
* Each address has a ``kind`` (``AddrKind``: lan, public, ipv6, port-mapped, relay
  circuit, other), which the receiver may use to order dials. A kind this build does
  not know (from a newer one) is kept as its number: the record still verifies and
  is still passed on.
* At most ``ADDRS_MAX`` addresses, each an invite address (invite.good_addr: a
  multiaddr without ``/p2p/``, or a circuit through a relay), and at most
  ``RECORD_MAX`` bytes encoded: fewer long addresses fit than short ones.

``AddressRecord`` is the domain value; ``to_wire``/``from_wire`` convert, ``decode``
reads peer bytes strictly (caps first, canonical form, every field's type and size;
``MalformedEntry``/``OverCap``/``NonCanonical``), ``verify`` checks the signature
(``BadSignature``). Pure: the caller passes keys and times.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from . import codec, crypto
from .errors import BadSignature, InvalidEntry, MalformedEntry, OverCap
from .identity import DeviceKeys
from .invite import ADDR_MAX_LEN, good_addr

VERSION: Final = 1
DOMAIN: Final = b"p2psocial-address-record-v1"
ADDRS_MAX: Final = 16
"""Addresses in one record."""
RECORD_MAX: Final = 1024
"""Bytes of an encoded record, signature included."""
TTL: Final = 7 * 24 * 3600 * 1000
"""How long a record we issue is valid (ms); it is issued again long before."""
TTL_MAX: Final = 30 * 24 * 3600 * 1000
"""The longest validity a receiver accepts (ms)."""
KIND_MAX: Final = 255
_U64: Final = 2**64
_KEY = crypto.KEY_LEN
CAPS: Final = codec.Caps(max_bytes=RECORD_MAX, max_bin=crypto.SIG_LEN, max_str=ADDR_MAX_LEN,
                         max_array=max(ADDRS_MAX, 7), max_depth=3)


class AddrKind(IntEnum):
    """What kind of address a record names (the numbers are on the wire)."""

    OTHER = 0  # a /dns name, or a kind the issuer could not tell
    LAN = 1  # private, link-local or loopback: reachable on the same network only
    PUBLIC = 2  # a global IPv4 address of this machine
    IPV6 = 3  # a global IPv6 address
    PORT_MAPPED = 4  # the router's external address, mapped to us (UPnP, NAT-PMP, PCP)
    RELAY = 5  # a circuit through a friend's relay


@dataclass(frozen=True, slots=True)
class Address:
    kind: int  # an AddrKind, or the number of a kind from a newer build
    addr: str


@dataclass(frozen=True, slots=True)
class AddressRecord:
    """Where ``device`` could be reached when it issued this record."""

    device: bytes
    seq: int
    issued: int  # ms since the epoch
    expires: int  # ms since the epoch
    addrs: tuple[Address, ...]
    signature: bytes

    def signed_part(self) -> bytes:
        return signed_part(self.device, self.seq, self.issued, self.expires, self.addrs)

    def to_wire(self) -> tuple[object, ...]:
        return (VERSION, self.device, self.seq, self.issued, self.expires,
                tuple((a.kind, a.addr) for a in self.addrs), self.signature)

    def encode(self) -> bytes:
        return codec.encode(self.to_wire())

    @classmethod
    def from_wire(cls, wire: object) -> AddressRecord:
        """The record in ``wire``, checked for shape only (``verify`` checks the
        signature); ``MalformedEntry`` if it is not a record, ``OverCap`` if it holds
        too many addresses."""
        if not (type(wire) is tuple and len(wire) == 7):
            raise MalformedEntry("an address record is an array of 7")
        version, device, seq, issued, expires, addrs, signature = wire
        if type(version) is not int or version != VERSION:
            raise MalformedEntry(f"an address record of version {version!r}")
        if not (type(device) is bytes and len(device) == _KEY):
            raise MalformedEntry(f"an address record's device is {_KEY} bytes")
        for name, value in (("seq", seq), ("issued", issued), ("expires", expires)):
            if not (type(value) is int and 0 <= value < _U64):
                raise MalformedEntry(f"an address record's {name} is a non-negative int")
        if not issued <= expires <= issued + TTL_MAX:
            raise MalformedEntry("an address record valid for longer than "
                                 f"{TTL_MAX // 86_400_000} days, or expiring before issued")
        if type(addrs) is not tuple:
            raise MalformedEntry("an address record's addresses are an array")
        if len(addrs) > ADDRS_MAX:
            raise OverCap(f"an address record with {len(addrs)} addresses (max {ADDRS_MAX})")
        out = []
        for item in addrs:
            if not (type(item) is tuple and len(item) == 2 and type(item[0]) is int
                    and 0 <= item[0] <= KIND_MAX and good_addr(item[1])):
                raise MalformedEntry("an address record holds something that is not "
                                     "a (kind, address)")
            out.append(Address(item[0], item[1]))
        if len({a.addr for a in out}) != len(out):
            raise MalformedEntry("an address record names an address twice")
        if not (type(signature) is bytes and len(signature) == crypto.SIG_LEN):
            raise MalformedEntry(f"an address record's signature is {crypto.SIG_LEN} bytes")
        return cls(device, seq, issued, expires, tuple(out), signature)

    def verify(self) -> None:
        """Raise ``BadSignature`` unless ``device`` signed this record."""
        if not crypto.verify(self.device, self.signed_part(), self.signature):
            raise BadSignature("an address record not signed by its device")

    def valid(self) -> bool:
        try:
            self.verify()
        except InvalidEntry:
            return False
        return True

    def expired(self, now: int) -> bool:
        return now >= self.expires

    @property
    def addr_texts(self) -> tuple[str, ...]:
        return tuple(a.addr for a in self.addrs)


def signed_part(device: bytes, seq: int, issued: int, expires: int,
                addrs: Sequence[Address]) -> bytes:
    return DOMAIN + codec.encode((VERSION, device, seq, issued, expires,
                                  tuple((a.kind, a.addr) for a in addrs)))


def decode(data: bytes) -> AddressRecord:
    """A record from peer bytes: caps, canonical form, shape. Not yet verified."""
    return AddressRecord.from_wire(codec.decode(data, CAPS))


def next_seq(now: int, last: int | None) -> int:
    """The seq of a new record: the clock, but never at or below the last one issued."""
    return now if last is None or now > last else last + 1


def issue(device: DeviceKeys, addrs: Iterable[Address], *, now: int, last_seq: int | None,
          ttl: int = TTL) -> AddressRecord:
    """A record of ``fit(addrs)`` signed by ``device``."""
    seq = next_seq(now, last_seq)
    expires = now + max(0, min(ttl, TTL_MAX))
    kept = fit(addrs)
    unsigned = signed_part(device.device_id, seq, now, expires, kept)
    return AddressRecord(device.device_id, seq, now, expires, kept,
                         crypto.sign(device.secret_key, unsigned))


def fit(addrs: Iterable[Address]) -> tuple[Address, ...]:
    """The addresses (best first) a record holds: the valid ones, without duplicates,
    as many as fit in ``ADDRS_MAX`` and ``RECORD_MAX`` (measured with the largest
    seq and times, so that the same addresses always fit)."""
    kept: list[Address] = []
    seen: set[str] = set()
    for a in addrs:
        if a.addr in seen or not good_addr(a.addr) or not 0 <= a.kind <= KIND_MAX:
            continue
        if len(kept) == ADDRS_MAX or _largest_size([*kept, a]) > RECORD_MAX:
            break
        kept.append(a)
        seen.add(a.addr)
    return tuple(kept)


def _largest_size(addrs: Sequence[Address]) -> int:
    big = _U64 - 1
    return len(AddressRecord(bytes(_KEY), big, big, big, tuple(addrs),
                             bytes(crypto.SIG_LEN)).encode())


def classify(addr: str, *, mapped: bool = False) -> AddrKind:
    """The kind of one of our addresses (``mapped``: a router maps it to us)."""
    if "/p2p-circuit" in addr:
        return AddrKind.RELAY
    if mapped:
        return AddrKind.PORT_MAPPED
    parts = addr.split("/")
    if len(parts) < 3 or parts[1] not in ("ip4", "ip6"):
        return AddrKind.OTHER
    try:
        ip = ipaddress.ip_address(parts[2].split("%")[0])
    except ValueError:
        return AddrKind.OTHER
    if not ip.is_global:
        return AddrKind.LAN
    return AddrKind.IPV6 if ip.version == 6 else AddrKind.PUBLIC


def addresses(listen: Iterable[str], mapped: Iterable[str] = ()) -> list[Address]:
    """Our addresses for a record: ``mapped`` ones (the router's, best for friends
    elsewhere) first, then what we listen on and advertise, in its order."""
    out = [Address(AddrKind.PORT_MAPPED, a) for a in mapped]
    out += [Address(classify(a), a) for a in listen]
    return out


def may_see(record_account: bytes, peer_account: bytes,
            following: Callable[[bytes], Collection[bytes]]) -> bool:
    """The privacy rule: a device's record goes only to its own account's devices, or
    to devices of an account that its account follows (``following(account)``: the
    accounts it follows, as its log says). An address tells where someone is."""
    return peer_account == record_account or peer_account in following(record_account)
