"""Open LAN communities between peers: ``/p2psocial/community/1.0.0``.

Theory of operation. A community (store/communities.py) has one key, and anyone on
the LAN may have it: that is what "open to everyone on the local network" means. One
stream carries one request and its answer, each one frame of canonical msgpack:

    ("nearby",)            -> ("listed", ((id, name, creator, members), ...))
    ("join", id)           -> ("key", salt, creator, key, name, (account, ...))
                              or ("no",)
    ("rosters", (box, ...)) -> ("rosters", (box, ...))

``nearby`` and ``join`` are answered only to a device that LAN discovery (mDNS) shows
now: a peer reached through an invite or a relay gets an empty list and "no". The
key is the whole secret of an open community, so this is the line between "on the
LAN" and not. ``join`` answers with the key and the roster as this member knows it;
the joiner checks that the id is the hash of the creator and salt it was given.

``rosters`` is how members tell each other who is in, so that each replicates
everyone: after every new session (by the side that dialed) and whenever a roster
grows. Each box is one community's roster, sealed with its key (XSalsa20-Poly1305):
``(community id, sender device, receiver device, (account, ...))``. The receiver
tries its own keys on every box; a box it cannot open is a community it is not in,
and its sender learns nothing from the answer but the boxes of the communities both
are in. So a peer that is not a member learns neither the names nor the number of
members; binding both devices stops a box being replayed to someone else. A box
that opens but names other devices, or a frame that is not the protocol, is a
``CommunityProtocolError`` (an ``InvalidEntry``): the service lowers the peer's
standing. Rosters only grow (store/communities.py), so two members exchanging them
converge.

Sans-IO at the core (``encode_*``, ``decode_*``, ``seal_roster``, ``open_rosters``);
``serve`` and the ``ask_*`` functions are the edge, on any stream with read/write.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import nacl.exceptions
import nacl.secret
import trio

from .. import codec, private
from ..errors import InvalidEntry
from ..store.communities import CommunityInfo
from .framing import named_message, read_frame, write_frame
from .streams import close_quietly

PROTOCOL_ID = "/p2psocial/community/1.0.0"
MAX_LISTED = 32
"""Communities in one answer (listing or rosters); more are left out."""
MAX_FRAME = 16 * 1024 + MAX_LISTED * (private.MAX_COMMUNITY_MEMBERS * 34 + 256)
TIMEOUT = 10.0
"""Seconds either side waits for the other's frame."""

_ID = private.ID_LEN
_CAPS = codec.Caps(max_bytes=MAX_FRAME, max_bin=private.MAX_COMMUNITY_MEMBERS * 34 + 128,
                   max_str=private.NAME_MAX * 4, max_array=private.MAX_COMMUNITY_MEMBERS,
                   max_depth=3)
_BOX_CAPS = codec.Caps(max_bytes=private.MAX_COMMUNITY_MEMBERS * 34 + 128, max_bin=_ID,
                       max_str=0, max_array=private.MAX_COMMUNITY_MEMBERS, max_depth=2)


class CommunityProtocolError(InvalidEntry):
    """The peer broke the community protocol: lower its standing."""


@dataclass(frozen=True, slots=True)
class Listed:
    """A community a neighbour is in, as it lists it (nothing secret)."""

    id: bytes
    name: str
    creator: bytes
    members: int


# --- frames ----------------------------------------------------------------------------


def encode_listing(infos: Sequence[CommunityInfo]) -> bytes:
    return codec.encode(("listed", tuple((i.id, i.name, i.creator, len(i.members))
                                         for i in infos[:MAX_LISTED])))


def decode_listing(frame: bytes) -> list[Listed]:
    wire = _decode(frame)
    if len(wire) == 2 and wire[0] == "listed" and type(wire[1]) is tuple \
            and len(wire[1]) <= MAX_LISTED:
        out = []
        for item in wire[1]:
            if not (type(item) is tuple and len(item) == 4 and _is_id(item[0])
                    and type(item[1]) is str and _is_id(item[2]) and type(item[3]) is int
                    and 0 <= item[3] <= private.MAX_COMMUNITY_MEMBERS):
                raise CommunityProtocolError("a malformed community in a listing")
            try:
                private.check_group_name(item[1])
            except Exception:
                raise CommunityProtocolError("a community name that is not one") from None
            out.append(Listed(*item))
        return out
    raise CommunityProtocolError("not a community listing")


def encode_key(info: CommunityInfo | None) -> bytes:
    if info is None:
        return codec.encode(("no",))
    return codec.encode(("key", info.salt, info.creator, info.key, info.name, info.members))


def decode_key(frame: bytes, community_id: bytes,
               ) -> tuple[private.CommunityKey, tuple[bytes, ...]] | None:
    """The key of ``community_id`` and its roster, or None for "no"."""
    wire = _decode(frame)
    if wire == ("no",):
        return None
    if not (len(wire) == 6 and wire[0] == "key"):
        raise CommunityProtocolError("not a community key")
    _, salt, creator, key, name, members = wire
    try:
        value = private.CommunityKey.from_wire((community_id, salt, creator, key, name))
        value.validate()
    except Exception as exc:  # MalformedEntry, InvalidContent: a peer's fault either way
        raise CommunityProtocolError(f"a community key that does not check: {exc}") from None
    return value, _accounts(members)


def seal_roster(info: CommunityInfo, sender: bytes, receiver: bytes) -> bytes:
    plain = codec.encode((info.id, sender, receiver, info.members))
    return bytes(nacl.secret.SecretBox(info.key).encrypt(plain, os.urandom(24)))


def open_rosters(boxes: Sequence[bytes], infos: Sequence[CommunityInfo], sender: bytes,
                 receiver: bytes) -> dict[bytes, tuple[bytes, ...]]:
    """The rosters in ``boxes`` of the communities in ``infos``, by community id (a box
    no key opens is another community's: skipped)."""
    out: dict[bytes, tuple[bytes, ...]] = {}
    for box in boxes:
        for info in infos:
            try:
                plain = nacl.secret.SecretBox(info.key).decrypt(box)
            except nacl.exceptions.CryptoError:
                continue
            try:
                wire = codec.decode(plain, _BOX_CAPS)
            except InvalidEntry as exc:
                raise CommunityProtocolError(f"a malformed roster: {exc}") from None
            if not (type(wire) is tuple and len(wire) == 4 and wire[0] == info.id):
                raise CommunityProtocolError("a roster box that says another community")
            if (wire[1], wire[2]) != (sender, receiver):
                raise CommunityProtocolError("a roster box meant for other devices")
            out[info.id] = _accounts(wire[3])
            break
    return out


def encode_rosters(boxes: Sequence[bytes]) -> bytes:
    return codec.encode(("rosters", tuple(boxes[:MAX_LISTED])))


def decode_rosters(frame: bytes) -> tuple[bytes, ...]:
    wire = _decode(frame)
    if (len(wire) == 2 and wire[0] == "rosters" and type(wire[1]) is tuple
            and len(wire[1]) <= MAX_LISTED and all(type(b) is bytes for b in wire[1])):
        return wire[1]
    raise CommunityProtocolError("not a roster exchange")


def _decode(frame: bytes) -> tuple:
    return named_message(frame, _CAPS, CommunityProtocolError, "community")


def _is_id(value: object) -> bool:
    return type(value) is bytes and len(value) == _ID


def _accounts(value: object) -> tuple[bytes, ...]:
    if not (type(value) is tuple and len(value) <= private.MAX_COMMUNITY_MEMBERS
            and all(_is_id(a) for a in value)):
        raise CommunityProtocolError("a roster is a list of account ids")
    return value


# --- the edge ----------------------------------------------------------------------------


class Stream(Protocol):
    """The part of a libp2p stream used here."""

    async def read(self, n: int | None = None) -> bytes: ...
    async def write(self, data: bytes) -> None: ...
    async def close(self) -> None: ...
    async def reset(self) -> None: ...


Communities = Callable[[], Awaitable[list[CommunityInfo]]]
Merge = Callable[[bytes, tuple[bytes, ...]], Awaitable[object]]


async def serve(stream: Stream, *, me: bytes, peer: bytes, on_lan: bool,
                communities: Communities, merge: Merge) -> None:
    """Answer one request from ``peer`` (a device) on ``stream``. ``on_lan``: the peer
    is announced on the LAN now (else it is never listed or given a key). Raises
    ``CommunityProtocolError`` for the caller to lower the peer's standing."""
    with trio.fail_after(TIMEOUT):
        frame = await read_frame(stream, MAX_FRAME)
    if frame is None:
        return
    wire = _decode(frame)
    mine = await communities()
    if wire == ("nearby",):
        await write_frame(stream, encode_listing(mine if on_lan else []))
    elif len(wire) == 2 and wire[0] == "join" and _is_id(wire[1]):
        found = next((i for i in mine if i.id == wire[1]), None) if on_lan else None
        await write_frame(stream, encode_key(found))
    elif len(wire) == 2 and wire[0] == "rosters":
        theirs = open_rosters(decode_rosters(frame), mine, peer, me)
        for cid, members in theirs.items():
            await merge(cid, members)
        shared = [i for i in mine if i.id in theirs]
        await write_frame(stream, encode_rosters([seal_roster(i, me, peer) for i in shared]))
    else:
        raise CommunityProtocolError("an unknown community request")
    await close_quietly(stream)


async def ask_listing(stream: Stream) -> list[Listed]:
    """What a neighbour lists (empty when it does not see us on the LAN)."""
    return decode_listing(await _ask(stream, codec.encode(("nearby",))))


async def ask_key(stream: Stream, community_id: bytes,
                  ) -> tuple[private.CommunityKey, tuple[bytes, ...]] | None:
    """A community's key and roster from a member, or None when it will not say."""
    return decode_key(await _ask(stream, codec.encode(("join", community_id))), community_id)


async def exchange_rosters(stream: Stream, *, me: bytes, peer: bytes,
                           mine: Sequence[CommunityInfo],
                           ) -> dict[bytes, tuple[bytes, ...]]:
    """Send our rosters to ``peer``; the rosters of the communities both are in."""
    boxes = [seal_roster(i, me, peer) for i in mine]
    answer = decode_rosters(await _ask(stream, encode_rosters(boxes)))
    return open_rosters(answer, mine, peer, me)


async def _ask(stream: Stream, request: bytes) -> bytes:
    try:
        with trio.fail_after(TIMEOUT):
            await write_frame(stream, request)
            frame = await read_frame(stream, MAX_FRAME)
    finally:
        await close_quietly(stream)
    if frame is None:
        raise EOFError("the peer closed the stream without an answer")
    return frame
