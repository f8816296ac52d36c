"""Ids as short, copy-paste-safe text: bech32m with a kind prefix.

bech32m (BIP 350) uses an alphabet without look-alike characters and a checksum that
detects any error in up to four characters, so a mistyped id is refused with a clear
message instead of silently naming another account. The prefix says what kind of id
it is, so an entry id pasted where an account is expected is refused too.
"""

from __future__ import annotations

from typing import Final

from .errors import BadId

ACCOUNT: Final = "p2ps"
ENTRY: Final = "ent"
BLOB: Final = "blob"
DEVICE: Final = "dev"
GROUP: Final = "grp"
CONVERSATION: Final = "dm"  # a private conversation: a hash of its members' accounts

_NAMES = {ACCOUNT: "account", ENTRY: "entry", BLOB: "blob", DEVICE: "device",
          GROUP: "group", CONVERSATION: "conversation"}
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_REV = {c: i for i, c in enumerate(_CHARSET)}
_BECH32M_CONST = 0x2BC830A3
_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _polymod(values: list[int]) -> int:
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= _GEN[i] if (top >> i) & 1 else 0
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]


def _checksum(hrp: str, data: list[int]) -> list[int]:
    """The six 5-bit values that follow ``data`` under ``hrp`` (BIP 350's checksum)."""
    polymod = _polymod([*_hrp_expand(hrp), *data, 0, 0, 0, 0, 0, 0]) ^ _BECH32M_CONST
    return [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]


def _checks(hrp: str, values: list[int]) -> bool:
    """Whether ``values`` (data, then its six check values) hold under ``hrp``."""
    return _polymod(_hrp_expand(hrp) + values) == _BECH32M_CONST


def _convert_bits(data: bytes | list[int], frombits: int, tobits: int, pad: bool) -> list[int]:
    acc = 0
    bits = 0
    out = []
    maxv = (1 << tobits) - 1
    max_acc = (1 << (frombits + tobits - 1)) - 1  # keep acc small: linear, not quadratic
    for value in data:
        acc = ((acc << frombits) | value) & max_acc
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (tobits - bits)) & maxv)
    elif bits >= frombits or ((acc << (tobits - bits)) & maxv):
        raise ValueError("non-zero padding")
    return out


def encode(prefix: str, raw: bytes) -> str:
    """Text form of ``raw`` bytes with the given kind prefix."""
    data = _convert_bits(raw, 8, 5, pad=True)
    return prefix + "1" + "".join(_CHARSET[d] for d in data + _checksum(prefix, data))


def decode(prefix: str, text: str, length: int = 32) -> bytes:
    """Bytes from an id's text form, or ``BadId`` with a message a person can act on."""
    what = _NAMES.get(prefix, prefix)
    a_what = f"{_article(what)} {what}"  # "an account", "a blob"
    cleaned = "".join(text.split()).lower()  # tolerate line breaks and spaces from pasting
    pos = cleaned.rfind("1")
    if pos < 1:
        raise BadId(f"'{_short(text)}' is not {a_what} id")
    hrp, body = cleaned[:pos], cleaned[pos + 1 :]
    if hrp != prefix:
        other = _NAMES.get(hrp)
        if other:
            raise BadId(f"'{_short(text)}' is {_article(other)} {other} id, not {a_what} id")
        raise BadId(f"'{_short(text)}' is not {a_what} id (it should start with '{prefix}1')")
    if any(c not in _REV for c in body):
        raise BadId(f"'{_short(text)}' is not {a_what} id: "
                    "it has a character that is never in an id")
    if len(body) < 7:
        raise BadId(f"'{_short(text)}' is not a valid {what} id: it is too short")
    values = [_REV[c] for c in body]
    if not _checks(hrp, values):
        raise BadId(f"'{_short(text)}' is not a valid {what} id: check it for a typo")
    try:
        raw = bytes(_convert_bits(values[:-6], 5, 8, pad=False))
    except ValueError:
        raise BadId(f"'{_short(text)}' is not a valid {what} id") from None
    if len(raw) != length:
        raise BadId(f"'{_short(text)}' is not a valid {what} id: wrong length")
    return raw


def is_id(prefix: str, text: str) -> bool:
    try:
        decode(prefix, text)
    except BadId:
        return False
    return True


def account_text(raw: bytes) -> str:
    return encode(ACCOUNT, raw)


def entry_text(raw: bytes) -> str:
    return encode(ENTRY, raw)


def blob_text(raw: bytes) -> str:
    return encode(BLOB, raw)


def device_text(raw: bytes) -> str:
    return encode(DEVICE, raw)


def conversation_text(raw: bytes) -> str:
    return encode(CONVERSATION, raw)


def group_text(raw: bytes) -> str:
    return encode(GROUP, raw)


def _short(text: str) -> str:
    text = " ".join(text.split())  # error messages are one line
    return text if len(text) <= 70 else text[:67] + "..."


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"
