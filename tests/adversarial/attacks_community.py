"""Attacks on the community protocol (``/p2psocial/community/…``, net/community.py),
and garbage on the blob protocol (net/blobs.py), the other handler of ours that reads
a peer's frames outside a sync session.

* ``community_garbage``, ``blob_garbage``: requests that are not the protocol (a
  frame declaring 4 GiB, a frame cut short, bytes that are not msgpack, msgpack of the
  wrong shape), each answered by nothing but a reset and a loss of standing; a fresh
  identity once the old one is banned (identities are free).

* ``roster_flood``: an attacker that holds the community's key (from an invite code,
  or by joining on the LAN) sends the victim a roster naming 254 made-up accounts, so
  that every member would replicate whatever those accounts write; their lines are
  signed by nobody (the attacker holds no keys of theirs), so they do not verify.
* ``roster_sybils``: the same attacker makes up accounts it does hold the keys of, and
  sends their (valid) joins, more than a roster holds, again and again.
* ``roster_echo``: the same attacker fills the roster, then sends rosters of one line
  again and again, each asking for the whole roster in answer.

Each request goes on a stream of its own, as a real peer's would.
"""

from __future__ import annotations

import functools
import os
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

import trio
from arena import Arena, AttackStats, Victim

from p2psocial import codec, invite, private, roster
from p2psocial.identity import DeviceCert, new_identity
from p2psocial.net import blobs, community
from p2psocial.net.host import Host, open_host
from p2psocial.roster import Join
from p2psocial.store.communities import CommunityInfo

_HEADER = struct.Struct(">I")

GARBAGE: dict[str, bytes] = {
    # a length far over any cap, and no payload
    "oversized": _HEADER.pack(0xFFFF_FFF0),
    # a frame that promises 40 bytes (under every request cap) and ends after 10
    "truncated": _HEADER.pack(40) + b"0123456789",
    # a whole frame that is not msgpack
    "not msgpack": _HEADER.pack(3) + b"\xc1\xc1\xc1",
    # msgpack, but not a request of the protocol
    "wrong shape": (lambda p: _HEADER.pack(len(p)) + p)(codec.encode(("rosters", "x"))),
}


@asynccontextmanager
async def attacker(stats: AttackStats) -> AsyncIterator[Host]:
    """A raw host with a fresh identity (on 127.0.0.1, like every test's)."""
    async with open_host(os.urandom(32), 0) as host:
        stats.identities += 1
        yield host


async def send(host: Host, victim: Victim, protocol: str, data: bytes,
               stats: AttackStats) -> bool:
    """One stream of ``protocol`` to the victim carrying ``data``, then our write side
    closed (a truncated frame ends there); read whatever comes back until the victim
    closes or resets it (10 s at most). False when the victim would not open it."""
    try:
        stream = await host.open_stream(victim.peer_id, victim.multiaddrs, protocol)
    except Exception:  # refused: banned, or asking too often
        return False
    try:
        await stream.write(data)
        stats.sent += len(data)
        await stream.close()
        with trio.move_on_after(10):
            while chunk := await stream.read(65536):
                stats.received += len(chunk)
    except Exception:  # the victim reset the stream: what it should do
        pass
    finally:
        with suppress(Exception):
            await stream.reset()
    return True


async def send_garbage(host: Host, victim: Victim, garbage: bytes, stats: AttackStats,
                       protocol: str = community.PROTOCOL_ID) -> bool:
    return await send(host, victim, protocol, garbage, stats)


async def garbage_on(protocol: str, place: Arena, stats: AttackStats) -> None:
    while True:
        async with attacker(stats) as host:
            for garbage in GARBAGE.values():  # the second one gets this identity banned
                if not await send_garbage(host, place.victim, garbage, stats, protocol):
                    break


community_garbage = functools.partial(garbage_on, community.PROTOCOL_ID)
blob_garbage = functools.partial(garbage_on, blobs.PROTOCOL_ID)


# --- a roster of made-up accounts ---------------------------------------------------------


@dataclass
class Community:
    """An honest community around the victim: the writer created it, the victim joined
    it with the writer's invite code, the reader was handed its key. The attacker has
    the code too."""

    info: CommunityInfo
    code: str


async def community_around(place: Arena) -> Community:
    cid = await place.writer.communities.create("Village hall")
    [info] = [i for i in await place.writer.communities.list() if i.id == cid]
    assert place.writer.identity is not None
    code = invite.encode(invite.make(place.writer.identity.device_id,
                                     place.writer.account_id,
                                     place.writer_net.listen_addrs, info.value))
    await place.victim.cli("join", code)
    await place.reader.communities.join(info.value, info.lines)
    return Community(info, code)


def made_up_lines(community_id: bytes, n: int = 254) -> tuple[Join, ...]:
    """Lines naming ``n`` accounts whose keys nobody holds: nothing signs them."""
    lines = (Join(community_id, 0, os.urandom(64), DeviceCert(
        os.urandom(32), os.urandom(32), os.urandom(32), 0, os.urandom(64))) for _ in range(n))
    return tuple(sorted(lines, key=lambda j: j.account))


def sybil_lines(community_id: bytes, n: int) -> tuple[Join, ...]:
    """Lines of ``n`` accounts the attacker makes up and holds the keys of (identities
    are free): each one signed as an honest member's would be."""
    lines = []
    for _ in range(n):
        ident = new_identity(os.urandom(32), os.urandom(32), 0)
        lines.append(roster.sign_join(ident.device, ident.cert, community_id, 0))
    return tuple(sorted(lines, key=lambda j: j.account))


def roster_box(key: private.CommunityKey, lines: tuple[Join, ...], sender: bytes,
               receiver: bytes) -> bytes:
    """``lines`` as a roster box of the community ``key`` from ``sender`` to ``receiver``."""
    info = CommunityInfo(key.community_id, key.salt, key.creator, key.name, key.key, lines)
    return community.seal_roster(info, sender, receiver)


async def send_roster(host: Host, victim: Victim, box: bytes, stats: AttackStats) -> bool:
    frame = community.encode_rosters([box])
    return await send(host, victim, community.PROTOCOL_ID,
                      _HEADER.pack(len(frame)) + frame, stats)


async def roster_flood(place: Arena, stats: AttackStats) -> None:
    key = invite.decode((await community_around(place)).code).community
    assert key is not None
    while True:
        async with attacker(stats) as host:
            for _ in range(2):  # the second gets this identity banned
                await send_roster(host, place.victim, roster_box(
                    key, made_up_lines(key.community_id), host.device_id, place.victim.device),
                    stats)


async def roster_sybils(place: Arena, stats: AttackStats) -> None:
    """Valid joins of made-up accounts until the roster is full, then more of them."""
    key = invite.decode((await community_around(place)).code).community
    assert key is not None
    async with attacker(stats) as host:
        while True:
            await send_roster(host, place.victim, roster_box(
                key, sybil_lines(key.community_id, roster.MAX_MEMBERS), host.device_id,
                place.victim.device), stats)


async def roster_echo(place: Arena, stats: AttackStats) -> None:
    """Fill the victim's roster, then send one-line rosters over and over, from two
    identities, two at a time each: each asks for every line the victim holds (about
    65 KB) for a few hundred bytes."""
    key = invite.decode((await community_around(place)).code).community
    assert key is not None
    lines = sybil_lines(key.community_id, roster.MAX_MEMBERS - 3)
    async with attacker(stats) as one, attacker(stats) as two:
        await send_roster(one, place.victim, roster_box(
            key, lines, one.device_id, place.victim.device), stats)

        async def echo(host: Host) -> None:
            while True:
                await send_roster(host, place.victim, roster_box(
                    key, lines[:1], host.device_id, place.victim.device), stats)

        async with trio.open_nursery() as nursery:
            for host in (one, two, one, two):
                nursery.start_soon(echo, host)


for _uses_the_honest_nodes in (roster_flood, roster_sybils, roster_echo):  # community_around
    _uses_the_honest_nodes.in_process = True  # type: ignore[attr-defined]

ATTACKS = {"community_garbage": community_garbage, "blob_garbage": blob_garbage,
           "roster_flood": roster_flood, "roster_sybils": roster_sybils,
           "roster_echo": roster_echo}
