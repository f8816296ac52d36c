"""Issue 3's bad peers, one test each, over real libp2p hosts on 127.0.0.1.

Alice runs the network service and replicates Mallory's account (she follows it), so
Mallory's entries are what she asked for and reach verification. Mallory is a raw
host that speaks the sync protocol well up to one bad frame: a forged signature, a
wrong body, a broken chain, a non-canonical frame, an oversized frame, garbage bytes.
Each time: nothing of Mallory's is stored, her standing drops, and Bob, connected all
along, still gets Alice's new post. (The flood case is tests/test_net_flood.py.)
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import make_entry, make_identity, make_log
from netkit import device, has_seq, holds, run, service, until

from p2psocial import content, entry, identity
from p2psocial.home import Home
from p2psocial.net import messages as m
from p2psocial.net.framing import write_frame
from p2psocial.net.host import Multiaddr, open_host
from p2psocial.net.opening import explicit
from p2psocial.node import Node


def forged_signature(mallory: identity.Identity) -> list[bytes]:
    log = make_log(mallory, 3)
    last = log[-1]
    bad = last.header._replace(signature=bytes(64))
    return [_entries([*log[:2], entry.Entry(bad, bad.to_bytes(), last.id, last.body)])]


def wrong_body(mallory: identity.Identity) -> list[bytes]:
    # a body the header does not pin (same length): caught when the run is verified
    log = make_log(mallory, 3)
    last = log[-1]
    assert last.body is not None
    return [_entries([*log[:2], last._replace(body=bytes(len(last.body)))])]


def broken_chain(mallory: identity.Identity) -> list[bytes]:
    # 3 names an entry that is not the 2 sent, and is not signed: the sender's doing.
    # (Signed by Mallory's device it would be her fork, no fault of whoever carries
    # it: tests/test_forks.py, tests/adversarial/test_equivocation.py.)
    log = make_log(mallory, 2)
    other = make_entry(mallory, log[0], content.Post("another second entry"), log[1].timestamp)
    third = make_entry(mallory, other, content.Post("third"), log[1].timestamp + 1000)
    bad = third.header._replace(signature=bytes(64))
    return [_entries([*log[:2], entry.Entry(bad, bad.to_bytes(), entry.entry_id(bad.to_bytes()),
                                            third.body)])]


def non_canonical(mallory: identity.Identity) -> list[bytes]:
    # ("clock", ((device, 5),)) with 5 as a 16-bit integer instead of a fixint
    return [b"\x92\xa5clock\x91\x92\xc4\x20" + mallory.device_id + b"\xcd\x00\x05"]


def oversized(mallory: identity.Identity) -> list[bytes]:
    return [None]  # type: ignore[list-item]  # see send(): a header claiming 2 MiB


def garbage(mallory: identity.Identity) -> list[bytes]:
    return [b"\xc1 this is not msgpack at all"]


def _entries(items: list[entry.Entry]) -> bytes:
    return m.encode(m.Entries(tuple((e.raw, e.body) for e in items)))


# each case: the frames, and what the service's log says of the peer
CASES: dict[str, tuple[Callable[[identity.Identity], list[bytes]], str]] = {
    "forged signature": (forged_signature, "does not verify"),
    "wrong body": (wrong_body, "does not match the hash"),
    "broken chain": (broken_chain, "is not linked"),
    "non-canonical frame": (non_canonical, "canonical"),
    "oversized frame": (oversized, "bytes declared, cap is"),
    "garbage bytes": (garbage, "not msgpack")}


@pytest.mark.parametrize("case", CASES)
def test_a_bad_peer_loses_standing_and_nothing_of_it_is_stored(
        tmp_path: Path, case: str, caplog: pytest.LogCaptureFixture) -> None:
    mallory = make_identity(77)
    frames, reason = CASES[case]
    caplog.set_level(logging.WARNING, logger="p2psocial.net.service")

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await alice.posts.follow(mallory.account_id)
            await bob.posts.follow(alice.account_id)
            async with service(alice) as sa, service(bob) as sb, \
                    open_host(mallory.device.seed) as hm:
                await sb.connect(device(alice), sa.listen_addrs)
                await until(bob, lambda: has_seq(bob, device(alice), 3))  # session is up
                assert sa._host is not None
                stream = await hm.open_stream(sa._host.peer_id, [Multiaddr(sa.listen_addrs[0])],
                                              m.PROTOCOL_ID)
                for frame in [m.encode(m.Hello(m.VERSION)), *explicit()]:
                    await write_frame(stream, frame)
                for frame in frames(mallory):
                    if frame is None:  # the 4-byte length header alone, over the cap
                        await stream.write(struct.pack(">I", 2 * m.MAX_FRAME))
                    else:
                        await write_frame(stream, frame)
                await sa.wait_until(lambda: (sa.peer(mallory.device_id) is not None
                                             and sa.peer(mallory.device_id).standing < 0))
                # standing drops once the session has ended, after its last ingest:
                # whatever it could have stored is stored by now
                post = await alice.posts.post("still serving honest peers")
                await until(bob, lambda: holds(bob, post.id))
            assert mallory.device_id not in [d for d, _, _ in await alice.replication.logs()]

    run(scenario)
    said = [r.getMessage() for r in caplog.records if "misbehaved" in r.getMessage()]
    assert said and reason in said[0], said
