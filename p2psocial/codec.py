"""Canonical msgpack: the one byte encoding for everything that is signed or hashed.

Wire values are built from ``None``, ``bool``, ``int``, ``bytes``, ``str`` and arrays
(tuples) only: no maps, floats or extension types, so every value has exactly one
encoding. ``decode`` enforces size caps before msgpack allocates anything, then
rejects input that does not re-encode to the same bytes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import msgpack

from .errors import MalformedEntry, NonCanonical, OverCap

Wire = Any
"""A decoded wire value: None, bool, int, bytes, str or a tuple of wire values."""

INT_MIN = -(2**63)
INT_MAX = 2**64 - 1


@dataclass(frozen=True, slots=True)
class Caps:
    """Limits on one decoded value; checked before and while msgpack allocates."""

    max_bytes: int
    max_bin: int
    max_str: int
    max_array: int
    max_depth: int


DEFAULT_CAPS = Caps(max_bytes=1 << 20, max_bin=1 << 20, max_str=1 << 20, max_array=4096,
                    max_depth=8)


_local = threading.local()  # a Packer keeps a buffer: one per thread


def encode(value: Wire) -> bytes:
    """Encode a wire value canonically (shortest forms, str as UTF-8, bytes as bin)."""
    try:
        packer = _local.packer
    except AttributeError:
        packer = _local.packer = msgpack.Packer(use_bin_type=True, datetime=False)
    try:
        return bytes(packer.pack(value))
    except (TypeError, ValueError, OverflowError) as exc:  # a programming error, not input
        packer.reset()
        raise TypeError(f"not a wire value: {exc}") from exc


def decode(data: bytes, caps: Caps = DEFAULT_CAPS) -> Wire:
    """Decode one canonical wire value, or raise a typed ``InvalidEntry``."""
    value = unpack(data, caps)
    _check_types(value, caps.max_depth)
    require_canonical(value, data)
    return value


def unpack(data: bytes, caps: Caps = DEFAULT_CAPS) -> Wire:
    """The first half of ``decode``: caps only. For a caller that checks the type of
    every item itself (a header's fields, the hot path of sync) and then calls
    ``require_canonical``, and falls back to ``decode`` when an item is not what it
    expects, so that errors are the same."""
    if len(data) > caps.max_bytes:
        raise OverCap(f"{len(data)} bytes is over the cap of {caps.max_bytes}")
    try:
        value = msgpack.unpackb(
            data,
            raw=False,
            use_list=False,
            strict_map_key=True,
            max_bin_len=caps.max_bin,
            max_str_len=caps.max_str,
            max_array_len=caps.max_array,
            max_map_len=0,
            max_ext_len=0,
        )
    except msgpack.StackError as exc:  # nested deeper than msgpack's own stack
        raise OverCap("nested too deeply") from exc
    except ValueError as exc:
        # msgpack raises ValueError subclasses for length caps, bad bytes, extra data and
        # invalid UTF-8 alike. Maps and ext types are capped at length 0 to keep msgpack
        # from building them; they are a wrong type, not an oversized value.
        text = str(exc)
        if "max_map_len" in text or "max_ext_len" in text:
            raise MalformedEntry("maps and extension types are not allowed on the wire") from exc
        if "exceeds max" in text:
            raise OverCap(text) from exc
        raise MalformedEntry(f"not msgpack: {text or type(exc).__name__}") from exc
    except (TypeError, RecursionError) as exc:
        raise MalformedEntry(f"not msgpack: {exc}") from exc
    return value


def require_canonical(value: Wire, data: bytes) -> None:
    if encode(value) != data:
        raise NonCanonical("bytes are not in canonical form")


_SCALARS = frozenset({type(None), bool, int, bytes, str})


def _check_types(value: Wire, depth_left: int) -> None:
    if type(value) is tuple:
        if depth_left <= 0:
            raise OverCap("nested too deeply")
        for item in value:
            kind = type(item)
            if kind is tuple:
                if item:
                    _check_types(item, depth_left - 1)
                elif depth_left <= 1:  # an empty array is a level of nesting too
                    raise OverCap("nested too deeply")
            elif kind not in _SCALARS:
                raise MalformedEntry(f"type {kind.__name__} is not allowed on the wire")
    elif type(value) not in _SCALARS:
        raise MalformedEntry(f"type {type(value).__name__} is not allowed on the wire")
