"""Member lists as the store keeps them: sorted 32-byte account ids, concatenated."""

from __future__ import annotations

from collections.abc import Iterable

ID = 32


def pack_members(members: Iterable[bytes]) -> bytes:
    return b"".join(sorted(members))


def unpack_members(blob: bytes) -> tuple[bytes, ...]:
    return tuple(bytes(blob[i:i + ID]) for i in range(0, len(blob), ID))
