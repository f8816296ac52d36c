"""Codes a person pastes or scans: a prefix, then a payload and its checksum as text.

Used by invite codes (invite.py, ``p2psinv1``) and link codes (link_code.py,
``p2pslnk1``): one alphabet, one checksum, one set of messages for a code that was
damaged on its way.

The alphabet is bech32's (32 characters without the look-alikes 1, b, i, o), so a
code survives case changes, line breaks and spaces added by a chat program. Why not
bech32m's checksum as for ids: its guarantee (every error of up to four characters
is caught) holds for codes up to 89 characters, and these codes are 100 to several
hundred. The checksum is instead the first 5 bytes of a BLAKE2b-256 of the payload,
personalised per kind of code (8 characters): any typo, transposition or truncation
goes unnoticed with probability 2**-40, whatever the length. Sans-IO: text in, bytes
out.
"""

from __future__ import annotations

from .crypto import blake2b
from .errors import UserError

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"  # bech32's
CHECK_LEN = 5
_REV = {ch: i for i, ch in enumerate(CHARSET)}


def checksum(payload: bytes, person: bytes) -> bytes:
    """The checksum of ``payload`` for one kind of code (``person``: up to 16 bytes)."""
    return blake2b(payload, person)[:CHECK_LEN]


def text_max(prefix: str, payload_max: int) -> int:
    """The longest text of a code with that prefix and a payload of at most that size."""
    return len(prefix) + (payload_max + CHECK_LEN) * 8 // 5 + 2


def wrap(prefix: str, payload: bytes, person: bytes) -> str:
    """``payload`` as text: ``prefix``, then payload and checksum in the alphabet."""
    data = payload + checksum(payload, person)
    return prefix + "".join(CHARSET[v] for v in to_5bit(data))


def clean(text: str) -> str:
    """``text`` as pasted, without the spaces and line breaks a chat added, lower case."""
    return "".join(text.split()).lower()


def unwrap(cleaned: str, prefix: str, person: bytes, longest: int, what: str,
           error: type[UserError]) -> bytes:
    """The payload of ``cleaned`` (from ``clean``, known to start with ``prefix``), its
    checksum checked. A damaged code raises ``error`` with one line that names
    ``what`` ("invite code") and says what to do."""
    if len(cleaned) > longest:
        raise error(f"that {what} is too long: copy it again, exactly")
    body = cleaned[len(prefix):]
    if any(ch not in _REV for ch in body):
        raise error(f"that {what} has a character that is never in a code: "
                    "copy it again, exactly")
    data = from_5bit([_REV[ch] for ch in body])
    if data is None or len(data) <= CHECK_LEN:
        raise error(f"that {what} is incomplete: copy it again, exactly")
    payload, check = data[:-CHECK_LEN], data[-CHECK_LEN:]
    if checksum(payload, person) != check:
        raise error(f"that {what} is damaged or mistyped: copy it again, exactly")
    return payload


def short(text: str) -> str:
    """``text`` on one line, cut to 40 characters: to quote what was pasted."""
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:37] + "..."


def to_5bit(data: bytes) -> list[int]:
    acc = bits = 0
    out = []
    for byte in data:
        acc = (acc << 8 | byte) & 0xFFF
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append(acc >> bits & 31)
    if bits:
        out.append(acc << (5 - bits) & 31)
    return out


def from_5bit(values: list[int]) -> bytes | None:
    """Bytes back from 5-bit groups; None if the padding is not all zero (truncated)."""
    acc = bits = 0
    out = bytearray()
    for v in values:
        acc = (acc << 5 | v) & 0xFFF
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append(acc >> bits & 255)
    if bits >= 5 or acc & ((1 << bits) - 1):
        return None
    return bytes(out)
