"""Open LAN communities between peers: ``/p2psocial/community/2.0.0``.

Theory of operation. A community (store/communities.py) has one key, and anyone on
the LAN may have it: that is what "open to everyone on the local network" means. One
stream carries one request and its answer, each one frame of canonical msgpack:

    ("nearby",)            -> ("listed", ((id, name, creator, members), ...))
    ("join", id)           -> ("key", salt, creator, key, name, roster) or ("no",)
    ("rosters", (box, ...)) -> ("rosters", (box, ...))

A roster is the community's signed lines (roster.py): one per account, signed by
that account's own device, so nobody can put anyone else on it.

``nearby`` and ``join`` are answered only to a device that LAN discovery (mDNS) shows
now: a peer reached through an invite or a relay gets an empty list and "no". The
key is the whole secret of an open community, so this is the line between "on the
LAN" and not. ``join`` answers with the key and the roster as this member holds it;
the joiner checks that the id is the hash of the creator and salt it was given, and
the node checks every line.

``rosters`` is how members tell each other who is in, so that each replicates
everyone: after every new session (by the side that dialed) and whenever a roster
grows. Each box is one community's roster, sealed with its key (XSalsa20-Poly1305):
``(community id, sender device, receiver device, roster)``. The receiver tries its
own keys on every box; a box it cannot open is a community it is not in, and its
sender learns nothing from the answer but the boxes of the communities both are in.
A request carries our whole roster; an answer only the lines the request lacked.

Every answer of a node, to everyone together, is held to a byte budget (the
caller's ``may_answer``): a neighbour asking "join" again and again, or a key holder
sending one-line rosters, must not draw 65 KB for a few bytes each time. Past it the
empty answer goes instead; a member refused a roster learns ours when we next send
it (on every session we dial, and whenever it grows).
So a peer that is not a member learns neither the names nor the number of members;
binding both devices stops a box being replayed to someone else. A request holds at
most ``MAX_BOXES`` boxes; a member of more communities sends several.

What the receiver does with a roster is the node's (``Node.merge_roster``): lines
that verify go on, as far as there is room; lines that do not fit a full roster are
left out, which is nobody's fault. A line that does not verify, a box that opens but
names other devices, a frame that is not the protocol (over its cap, cut short, not
msgpack, of the wrong shape) is a ``CommunityProtocolError`` (an ``InvalidEntry``):
the service lowers the peer's standing.

Sizes. Every cap is measured on the largest value its frame can hold (``roster.py``
measures a line), in ``_measure``, so a full roster always fits and nothing bigger
is read: a request at most ``REQUEST_MAX`` bytes, an answer ``ANSWER_MAX``.

Sans-IO at the core (``encode_*``, ``decode_*``, ``seal_roster``, ``open_rosters``);
``serve`` and the ``ask_*`` functions are the edge, on any stream with read/write.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

import nacl.exceptions
import nacl.secret
import trio

from .. import codec, private, roster
from ..crypto import SIG_LEN
from ..errors import InvalidEntry
from ..roster import Join, Merged
from ..store.communities import CommunityInfo
from .framing import FrameError, TruncatedFrame, named_message, read_frame, write_frame
from .streams import close_quietly

PROTOCOL_ID = "/p2psocial/community/2.0.0"
MAX_LISTED: Final = 32
"""Communities in one listing; more are left out."""
MAX_BOXES: Final = 8
"""Rosters in one request (and so in its answer); a member of more communities sends
them over several streams."""
TIMEOUT = 10.0
"""Seconds either side waits for the other's frame."""

_ID = private.ID_LEN


class CommunityProtocolError(InvalidEntry):
    """The peer broke the community protocol: lower its standing."""


@dataclass(frozen=True, slots=True)
class Listed:
    """A community a neighbour is in, as it lists it (nothing secret)."""

    id: bytes
    name: str
    creator: bytes
    members: int


# --- sizes, measured on the largest values -------------------------------------------


def _measure() -> dict[str, int]:
    """The encoded size of the largest value of each frame."""
    some_id = b"\xff" * _ID
    name = "\U0010ffff" * private.NAME_MAX  # 4 bytes of UTF-8 a character
    full = roster.to_wire([roster.largest_line()] * roster.MAX_MEMBERS)
    plain = len(codec.encode((some_id, some_id, some_id, full)))
    box = plain + nacl.secret.SecretBox.NONCE_SIZE + nacl.secret.SecretBox.MACBYTES
    listed = (some_id, name, some_id, roster.MAX_MEMBERS)
    return {"plain": plain, "box": box,
            "rosters": len(codec.encode(("rosters", (b"\xff" * box,) * MAX_BOXES))),
            "key": len(codec.encode(("key", some_id, some_id, some_id, name, full))),
            "listing": len(codec.encode(("listed", (listed,) * MAX_LISTED)))}


_SIZES = _measure()
BOX_MAX: Final = _SIZES["box"]
"""Bytes of a sealed full roster (about 65 KB)."""
REQUEST_MAX: Final = _SIZES["rosters"]
"""Bytes of the largest request: ``MAX_BOXES`` full rosters (about 520 KB)."""
ANSWER_MAX: Final = max(_SIZES["rosters"], _SIZES["key"], _SIZES["listing"])
"""Bytes of the largest answer."""
_CAPS = codec.Caps(max_bytes=ANSWER_MAX, max_bin=BOX_MAX, max_str=private.NAME_MAX * 4,
                   max_array=max(roster.MAX_MEMBERS, MAX_LISTED, MAX_BOXES, 6),
                   max_depth=1 + roster.DEPTH)
_BOX_CAPS = codec.Caps(max_bytes=_SIZES["plain"], max_bin=SIG_LEN, max_str=0,
                       max_array=roster.MAX_MEMBERS, max_depth=1 + roster.DEPTH)


# --- frames ----------------------------------------------------------------------------


def encode_listing(infos: Sequence[CommunityInfo]) -> bytes:
    return codec.encode(("listed", tuple((i.id, i.name, i.creator, len(i.lines))
                                         for i in infos[:MAX_LISTED])))


def decode_listing(frame: bytes) -> list[Listed]:
    wire = _decode(frame)
    if len(wire) == 2 and wire[0] == "listed" and type(wire[1]) is tuple \
            and len(wire[1]) <= MAX_LISTED:
        out = []
        for item in wire[1]:
            if not (type(item) is tuple and len(item) == 4 and _is_id(item[0])
                    and type(item[1]) is str and _is_id(item[2]) and type(item[3]) is int
                    and 0 <= item[3] <= roster.MAX_MEMBERS):
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
    return codec.encode(("key", info.salt, info.creator, info.key, info.name,
                         roster.to_wire(info.lines)))


def decode_key(frame: bytes, community_id: bytes,
               ) -> tuple[private.CommunityKey, tuple[Join, ...]] | None:
    """The key of ``community_id`` and its roster (lines not yet verified), or None
    for "no"."""
    wire = _decode(frame)
    if wire == ("no",):
        return None
    if not (len(wire) == 6 and wire[0] == "key"):
        raise CommunityProtocolError("not a community key")
    _, salt, creator, key, name, lines = wire
    try:
        value = private.CommunityKey.from_wire((community_id, salt, creator, key, name))
        value.validate()
    except Exception as exc:  # MalformedEntry, InvalidContent: a peer's fault either way
        raise CommunityProtocolError(f"a community key that does not check: {exc}") from None
    return value, _roster(lines, community_id)


def seal_roster(info: CommunityInfo, sender: bytes, receiver: bytes) -> bytes:
    plain = codec.encode((info.id, sender, receiver, roster.to_wire(info.lines)))
    return bytes(nacl.secret.SecretBox(info.key).encrypt(plain, os.urandom(24)))


def open_rosters(boxes: Sequence[bytes], infos: Sequence[CommunityInfo], sender: bytes,
                 receiver: bytes) -> dict[bytes, tuple[Join, ...]]:
    """The rosters in ``boxes`` of the communities in ``infos``, by community id, their
    lines not yet verified (a box no key opens is another community's: skipped)."""
    out: dict[bytes, tuple[Join, ...]] = {}
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
            if info.id in out:
                raise CommunityProtocolError("two rosters of one community")
            out[info.id] = _roster(wire[3], info.id)
            break
    return out


def lacking(info: CommunityInfo, theirs: Sequence[Join]) -> CommunityInfo:
    """``info`` with only the lines of accounts ``theirs`` does not name: what a
    member's answer needs to hold (an honest member who asks sends its whole roster)."""
    known = {line.account for line in theirs}
    return dataclasses.replace(info, lines=tuple(j for j in info.lines
                                                 if j.account not in known))


def encode_rosters(boxes: Sequence[bytes]) -> bytes:
    if len(boxes) > MAX_BOXES:
        raise ValueError(f"at most {MAX_BOXES} rosters in one request")
    return codec.encode(("rosters", tuple(boxes)))


def decode_rosters(frame: bytes) -> tuple[bytes, ...]:
    wire = _decode(frame)
    if (len(wire) == 2 and wire[0] == "rosters" and type(wire[1]) is tuple
            and len(wire[1]) <= MAX_BOXES and all(type(b) is bytes for b in wire[1])):
        return wire[1]
    raise CommunityProtocolError("not a roster exchange")


def _decode(frame: bytes) -> tuple:
    return named_message(frame, _CAPS, CommunityProtocolError, "community")


def _is_id(value: object) -> bool:
    return type(value) is bytes and len(value) == _ID


def _roster(value: object, community_id: bytes) -> tuple[Join, ...]:
    try:
        return roster.from_wire(value, community_id)
    except InvalidEntry as exc:
        raise CommunityProtocolError(f"a malformed roster: {exc}") from None


# --- the edge ----------------------------------------------------------------------------


class Stream(Protocol):
    """The part of a libp2p stream used here."""

    async def read(self, n: int | None = None) -> bytes: ...
    async def write(self, data: bytes) -> None: ...
    async def close(self) -> None: ...
    async def reset(self) -> None: ...


Communities = Callable[[], Awaitable[list[CommunityInfo]]]
Merge = Callable[[bytes, tuple[Join, ...]], Awaitable[Merged]]
MayAnswer = Callable[[int], bool]


def _always(size: int) -> bool:
    return True


async def serve(stream: Stream, *, me: bytes, peer: bytes, on_lan: bool,
                communities: Communities, merge: Merge,
                may_answer: MayAnswer = _always) -> None:
    """Answer one request from ``peer`` (a device) on ``stream``. ``on_lan``: the peer
    is announced on the LAN now (else it is never listed or given a key). A roster
    answer holds only the lines the peer's own roster lacks. Every answer is sent only
    if ``may_answer(its size in bytes)``; else the empty one goes (no listing, "no",
    no roster): nobody's fault, and a member learns our roster when we send it. Raises
    ``CommunityProtocolError`` for anything the peer got wrong (the caller lowers its
    standing), and what a broken stream raises."""
    with trio.fail_after(TIMEOUT):
        frame = await _read(stream, REQUEST_MAX, "request")
    if frame is None:
        return
    wire = _decode(frame)
    mine = await communities()
    if wire == ("nearby",):
        answer, empty = encode_listing(mine if on_lan else []), encode_listing([])
    elif len(wire) == 2 and wire[0] == "join" and _is_id(wire[1]):
        found = next((i for i in mine if i.id == wire[1]), None) if on_lan else None
        answer, empty = encode_key(found), encode_key(None)
    elif len(wire) == 2 and wire[0] == "rosters":
        theirs = open_rosters(decode_rosters(frame), mine, peer, me)
        forged = 0
        for cid, lines in theirs.items():
            forged += (await merge(cid, lines)).forged
        if forged:
            raise CommunityProtocolError("a roster line that does not verify")
        answer = encode_rosters([seal_roster(lacking(i, theirs[i.id]), me, peer)
                                 for i in await communities() if i.id in theirs])
        empty = encode_rosters([])
    else:
        raise CommunityProtocolError("an unknown community request")
    with trio.fail_after(TIMEOUT):  # a peer that does not read holds nothing for long
        await write_frame(stream, answer if may_answer(len(answer)) else empty)
    await close_quietly(stream)


async def ask_listing(stream: Stream) -> list[Listed]:
    """What a neighbour lists (empty when it does not see us on the LAN)."""
    return decode_listing(await _ask(stream, codec.encode(("nearby",)), _SIZES["listing"]))


async def ask_key(stream: Stream, community_id: bytes,
                  ) -> tuple[private.CommunityKey, tuple[Join, ...]] | None:
    """A community's key and roster from a member, or None when it will not say."""
    return decode_key(await _ask(stream, codec.encode(("join", community_id)), _SIZES["key"]),
                      community_id)


async def exchange_rosters(stream: Stream, *, me: bytes, peer: bytes,
                           mine: Sequence[CommunityInfo],
                           ) -> dict[bytes, tuple[Join, ...]]:
    """Send our rosters of ``mine`` (at most ``MAX_BOXES``) to ``peer``; the rosters of
    those communities it is in too (lines not yet verified)."""
    boxes = [seal_roster(i, me, peer) for i in mine]
    answer = await _ask(stream, encode_rosters(boxes), _SIZES["rosters"])
    return open_rosters(decode_rosters(answer), mine, peer, me)


async def _ask(stream: Stream, request: bytes, cap: int) -> bytes:
    try:
        with trio.fail_after(TIMEOUT):
            await write_frame(stream, request)
            frame = await _read(stream, cap, "answer")
    finally:
        await close_quietly(stream)
    if frame is None:
        raise EOFError("the peer closed the stream without an answer")
    return frame


async def _read(stream: Stream, cap: int, what: str) -> bytes | None:
    """One frame, or None at a clean end of stream. A frame over ``cap``, or cut short,
    is the peer's fault: ``CommunityProtocolError``. (An answer cut short raises
    ``TruncatedFrame``, an ``EOFError``, as a broken stream: the asker retries.)"""
    try:
        return await read_frame(stream, cap)
    except TruncatedFrame as exc:
        if what == "answer":
            raise
        raise CommunityProtocolError(f"a {what} cut short: {exc}") from None
    except FrameError as exc:
        raise CommunityProtocolError(f"bad {what} frame: {exc}") from None
