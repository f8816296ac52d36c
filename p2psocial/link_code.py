"""Link codes: what a new device needs to join an account, as text to paste or scan.

A device of the account that is already set up (the issuer) shows a link code; the
new device (the joiner) reads it and links over ``/p2psocial/link/1.0.0``
(linking.py says how and why, net/link.py carries it). A code holds the issuer's
device id (its libp2p peer id: Noise proves the joiner reached that device and no
other), the account id, the issuer's addresses (as in an invite: at most
``invite.ADDRS_MAX``, direct or through a relay), a 16-byte secret and the time
(ms) the offer expires.

Text form (text_code.py, as invites): ``p2pslnk1`` then the canonical msgpack of
``(VERSION, device, account, (addr, ...), secret, expires_ms)`` and a checksum, in
the bech32 alphabet. The secret makes the code a password: whoever holds it, until
it is used or expires, can make a device of the account. It is shown on one screen
and pasted (or scanned) on the other, never sent through a chat.

Sans-IO: text and the time in, values out; ``decode`` tells an expired code from a
damaged one with one readable line each.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from . import codec, ids, invite, text_code
from .errors import InvalidEntry, UserError
from .timestamps import shown_seconds

PREFIX = "p2pslnk1"
VERSION = 1
SECRET_LEN = 16
"""128 bits: nothing to guess, online or offline (linking.py)."""
TIME_MAX = 2**53
"""Expiry times past this are not times (entry.MAX_TIME)."""
CHECK_PERSON = b"p2ps-link"
_PAYLOAD_CAPS = codec.Caps(
    max_bytes=16 + 2 * 34 + 3 + invite.ADDRS_MAX * (invite.ADDR_MAX_LEN + 2)
    + SECRET_LEN + 2 + 9,
    max_bin=32, max_str=invite.ADDR_MAX_LEN, max_array=max(6, invite.ADDRS_MAX), max_depth=2)
TEXT_MAX = text_code.text_max(PREFIX, _PAYLOAD_CAPS.max_bytes)
_UNREADABLE = "that link code is not one p2psocial can read"


class BadLinkCode(UserError):
    """Text that is not a link code, or a damaged one; the message says what to do."""


class LinkCodeExpired(BadLinkCode):
    """A well-formed link code past its expiry."""


@dataclass(frozen=True, slots=True)
class LinkCode:
    device: bytes  # the issuer's device id = its libp2p peer id
    account: bytes  # the account the new device joins
    addrs: tuple[str, ...]  # the issuer's multiaddrs without /p2p/, best first
    secret: bytes  # SECRET_LEN random bytes: the joiner proves it knows them
    expires_ms: int  # the issuer refuses the code from then on

    def __post_init__(self) -> None:
        if len(self.device) != 32 or len(self.account) != 32:
            raise ValueError("device and account ids are 32 bytes")
        if len(self.secret) != SECRET_LEN:
            raise ValueError(f"a link secret is {SECRET_LEN} bytes")
        if not 0 <= self.expires_ms < TIME_MAX:
            raise ValueError("an expiry is a time in ms")
        if not 1 <= len(self.addrs) <= invite.ADDRS_MAX:
            raise ValueError(f"a link code holds 1 to {invite.ADDRS_MAX} addresses")
        for addr in self.addrs:
            if not invite.good_addr(addr):
                raise ValueError(f"not an address for a link code: {addr!r}")


def make(device: bytes, account: bytes, addrs: list[str] | tuple[str, ...], secret: bytes,
         expires_ms: int) -> LinkCode:
    """A link code with the addresses that fit (as ``invite.make``): at most
    ``invite.ADDRS_MAX`` valid ones, in order. ``ValueError`` when none is left."""
    usable = [a for a in dict.fromkeys(addrs) if invite.good_addr(a)][:invite.ADDRS_MAX]
    if not usable:
        raise ValueError("no address to put in a link code")
    return LinkCode(device, account, tuple(usable), secret, expires_ms)


def encode(code: LinkCode) -> str:
    payload = codec.encode((VERSION, code.device, code.account, code.addrs, code.secret,
                            code.expires_ms))
    return text_code.wrap(PREFIX, payload, CHECK_PERSON)


def decode(text: str, now_ms: int) -> LinkCode:
    """The link code in ``text``, still valid at ``now_ms``; else ``BadLinkCode`` (or
    ``LinkCodeExpired``) with a message a person can act on."""
    cleaned = text_code.clean(text)
    if not cleaned.startswith(PREFIX):
        if cleaned.startswith(invite.PREFIX):
            raise BadLinkCode("that is an invite code, not a link code: on the device that "
                              "is set up, choose to link a new device, and use its code")
        if ids.is_id(ids.ACCOUNT, cleaned):
            raise BadLinkCode("that is an account id, not a link code: on the device that "
                              "is set up, choose to link a new device, and use its code")
        raise BadLinkCode(f"'{text_code.short(text)}' is not a link code "
                          f"(it should start with '{PREFIX}')")
    payload = text_code.unwrap(cleaned, PREFIX, CHECK_PERSON, TEXT_MAX, "link code",
                               BadLinkCode)
    code = _from_payload(payload)
    if now_ms >= code.expires_ms:
        raise LinkCodeExpired(f"this link code expired at {_clock_time(code.expires_ms, now_ms)}"
                              ": make a new one on the device that is set up")
    return code


def _from_payload(payload: bytes) -> LinkCode:
    try:
        wire = codec.decode(payload, _PAYLOAD_CAPS)
    except InvalidEntry:
        raise BadLinkCode(_UNREADABLE) from None
    if not (type(wire) is tuple and len(wire) == 6 and type(wire[0]) is int):
        raise BadLinkCode(_UNREADABLE)
    if wire[0] != VERSION:
        raise BadLinkCode(f"that link code is of a newer kind (version {wire[0]}): upgrade "
                          "p2psocial to use it")
    _, device, account, addrs, secret, expires = wire
    if not (type(device) is bytes and type(account) is bytes and type(addrs) is tuple
            and all(type(a) is str for a in addrs) and type(secret) is bytes
            and type(expires) is int):
        raise BadLinkCode(_UNREADABLE)
    try:
        return LinkCode(device, account, addrs, secret, expires)
    except ValueError as exc:
        raise BadLinkCode(f"that link code is not valid: {exc}") from None


def _clock_time(ms: int, now_ms: int) -> str:
    """``ms`` in local time (as cli/render.py shows times): the time of day, with the
    date unless it was within the last 12 hours."""
    moment = datetime.datetime.fromtimestamp(shown_seconds(ms))
    return moment.strftime("%H:%M" if now_ms - ms < 12 * 3600 * 1000 else "%Y-%m-%d %H:%M")
