"""Who announces itself on the LAN, told so that only those who know can tell (pure).

Theory of operation. An mDNS announcement is heard by everyone on the network and
logged by anyone who cares to. Until issue 12 our TXT record carried the device id, a
permanent identifier: anyone on any Wi-Fi could recognise the same person again on
another network. Now a node announces, under a fresh random ``salt`` (new for every
registration: each start, each network, and every ``ROTATE_EVERY`` seconds, see
discovery.py)::

    v=2
    s=<salt, 16 bytes>
    d=<device tag: BLAKE2b keyed with the device id, over the salt; 8 bytes>
    x=<the device id XOR BLAKE2b keyed with the account id, over the salt; 32 bytes>

* Whoever knows the **device** (it is in our address book, or we hold its log)
  recognises the tag: one keyed hash per known device per announcement.
* Whoever knows the **account** (we follow it, it is on a community roster, we hold a
  log of it) opens ``x`` with the account's key and checks the tag of what comes out:
  friends who never met this device find it too.
* Anyone else sees 56 random bytes that change with every registration: nothing to
  link two networks with.

A claim is only a claim: anyone who knows a device id can announce it (device ids are
public: every log carries one), which is why an announced address only ever gets the
trust "heard" in the address book (store/peer_addrs.py) and Noise proves who really
listens there.

Nodes of the previous version announce ``v=1`` with ``id=<device id>`` in the clear;
we still read those (``Claim.device``). They cannot read ours: an old node does not see
a new one by mDNS, but a new one dials an old one, and the session works both ways.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

VERSION: Final = b"2"
OLD_VERSION: Final = b"1"
SALT_LEN: Final = 16
TAG_LEN: Final = 8
ID_LEN: Final = 32
ROTATE_EVERY: Final = 15 * 60.0
"""Seconds (wall clock) before a node announces itself under a new salt and name, so
that a laptop carried to another network with the same addresses is not recognised
by its announcement; a network change starts a new one at once."""

_DEVICE_PERSON = b"p2ps-lan-dev"
_ACCOUNT_PERSON = b"p2ps-lan-acct"


def device_tag(device: bytes, salt: bytes) -> bytes:
    return hashlib.blake2b(salt, digest_size=TAG_LEN, key=device, person=_DEVICE_PERSON).digest()


def _account_pad(account: bytes, salt: bytes) -> bytes:
    return hashlib.blake2b(salt, digest_size=ID_LEN, key=account,
                           person=_ACCOUNT_PERSON).digest()


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def announcement(device: bytes, account: bytes | None, salt: bytes) -> dict[bytes, bytes]:
    """Our TXT record under ``salt`` (``SALT_LEN`` fresh random bytes). Without an
    account (a bare discovery user), friends can only recognise the device."""
    if len(device) != ID_LEN or len(salt) != SALT_LEN:
        raise ValueError("a device id is 32 bytes and a salt 16")
    props = {b"v": VERSION, b"s": salt.hex().encode(),
             b"d": device_tag(device, salt).hex().encode()}
    if account is not None:
        props[b"x"] = _xor(device, _account_pad(account, salt)).hex().encode()
    return props


@dataclass(frozen=True, slots=True)
class Claim:
    """Who an announcement says it is: a tag (v2) or a device id in clear (v1)."""

    salt: bytes = b""
    tag: bytes = b""
    box: bytes | None = None
    device: bytes | None = None  # v1 only

    def made_by(self, device: bytes) -> bool:
        """Whether ``device`` is the one this announcement claims to be."""
        if self.device is not None:
            return device == self.device
        return len(device) == ID_LEN and hmac.compare_digest(device_tag(device, self.salt),
                                                             self.tag)

    def device_of(self, account: bytes) -> bytes | None:
        """The device this announcement claims, if it names a device of ``account``."""
        if self.box is None or len(account) != ID_LEN:
            return None
        device = _xor(self.box, _account_pad(account, self.salt))
        return device if self.made_by(device) else None


def parse(props: Mapping[bytes, bytes | None]) -> Claim | None:
    """The claim in a TXT record, or None if it is not one of ours (or malformed)."""
    version = props.get(b"v")
    if version == OLD_VERSION:
        device = _hex(props.get(b"id"), ID_LEN)
        return None if device is None else Claim(device=device)
    if version != VERSION:
        return None
    salt, tag = _hex(props.get(b"s"), SALT_LEN), _hex(props.get(b"d"), TAG_LEN)
    if salt is None or tag is None:
        return None
    box = _hex(props.get(b"x"), ID_LEN)
    if box is None and props.get(b"x") is not None:
        return None
    return Claim(salt, tag, box)


def recognise(claim: Claim, devices: Iterable[bytes], accounts: Iterable[bytes],
              ) -> bytes | None:
    """The device behind ``claim``, if it is one of ``devices`` or a device of one of
    ``accounts``; None for a stranger. One keyed hash per device, two per account."""
    if claim.device is not None:
        return claim.device
    for device in devices:
        if claim.made_by(device):
            return device
    for account in accounts:
        found = claim.device_of(account)
        if found is not None:
            return found
    return None


def _hex(value: bytes | None, size: int) -> bytes | None:
    if value is None or len(value) != 2 * size:
        return None
    try:
        return bytes.fromhex(value.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None
