"""Floods on the sync protocol (limits.py): the rules with a fake clock, then a real
flooding peer on loopback that is cut off and banned while honest peers are served."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import trio
from helpers import make_identity, make_log
from netkit import device, holds, run, until

from p2psocial.home import Home
from p2psocial.net.addressbook import Backoff
from p2psocial.net.framing import read_frame, write_frame
from p2psocial.net.host import Multiaddr, open_host
from p2psocial.net.limits import Flooded, FloodGuard, FloodPolicy, TokenBucket
from p2psocial.net.messages import (
    MAX_FRAME,
    PROTOCOL_ID,
    VERSION,
    Entries,
    Hello,
    Wants,
    encode,
)
from p2psocial.net.opening import explicit
from p2psocial.net.service import NetworkService
from p2psocial.node import Node

pytestmark = pytest.mark.usefixtures("quiet_libp2p")  # see tests/conftest.py

ALICE, MALLORY = make_identity(1), make_identity(2)
ALICE_LOG, MALLORY_LOG = make_log(ALICE, 10), make_log(MALLORY, 200)


def guard(**policy: float) -> FloodGuard:
    """Alice's guard: she told the peer she holds her log up to seq 5."""
    return FloodGuard(declared={ALICE.device_id: 5},
                      accounts={ALICE.device_id: ALICE.account_id},
                      wants={ALICE.account_id}, now=0.0, policy=FloodPolicy(**policy))


# --- the rules, with a fake clock ------------------------------------------------------


def test_token_bucket_refills_at_its_rate_up_to_its_burst() -> None:
    bucket = TokenBucket(rate=10, burst=100, now=0.0)
    assert bucket.take(100, 0.0)
    assert not bucket.take(1, 0.0)
    assert bucket.take(50, 5.0) and not bucket.take(1, 5.0)
    assert not bucket.take(101, 1000.0)  # never more than the burst
    assert bucket.take(100, 1000.0)
    assert not bucket.take(1, 999.0)  # a clock going backwards adds nothing


def test_new_entries_and_honest_duplicates_are_free() -> None:
    g = guard(waste_burst=0)
    assert g.screen(ALICE_LOG[5:8]).fresh == ALICE_LOG[5:8]  # seq 6..8: new to us
    # seq 9, 10 came from another peer meanwhile; this one sends them once: still free
    assert g.screen(ALICE_LOG[8:]).waste == 0


def test_resends_unwanted_logs_and_gaps_are_waste() -> None:
    g = guard()
    assert g.screen(ALICE_LOG[:5]).fresh == []  # it knows we hold 1..5
    assert g.screen(ALICE_LOG[5:7]).waste == 0
    assert g.screen(ALICE_LOG[5:7]).fresh == []  # it sent 6, 7 already
    unwanted = g.screen(MALLORY_LOG[:3])  # valid, but we did not ask for Mallory
    assert unwanted.fresh == [] and unwanted.waste > 0
    screened = g.screen([ALICE_LOG[9]])  # seq 10: after a gap (8, 9 missing)
    assert g.gaps(screened.fresh, {ALICE.device_id: 8}) > 0


def test_a_new_log_of_a_wanted_account_is_fresh_from_its_first_entry_on() -> None:
    g = FloodGuard(declared={}, accounts={}, wants={MALLORY.account_id}, now=0.0)
    assert g.screen(MALLORY_LOG[:2]).fresh == MALLORY_LOG[:2]
    assert g.screen(MALLORY_LOG[2:4]).fresh == MALLORY_LOG[2:4]  # its account is known now


def test_the_budget_holds_a_burst_then_refills_at_its_rate() -> None:
    g = guard(waste_rate=1000, waste_burst=10_000, frame_cost=100)
    for _ in range(100):  # a hundred tiny wasted frames: the whole burst
        g.charge(1, 0.0, "tiny")
    with pytest.raises(Flooded, match="flood"):
        g.charge(1, 0.0, "tiny")
    g.charge(1, 0.1, "tiny")  # a tenth of a second later, one more


def test_the_opening_is_free_up_to_its_allowance_control_frames_after_it_are_not() -> None:
    g = guard(waste_burst=0, opening_bytes=1000, frame_cost=100)
    g.control(10, 0.0, opening=True)  # counts as 100: tiny frames are not free
    g.control(900, 0.0, opening=True)
    with pytest.raises(Flooded):
        g.control(1, 0.0, opening=True)
    g = guard(waste_burst=0)
    g.caught_up(0.0)
    with pytest.raises(Flooded, match="caught_up"):
        g.caught_up(0.0)
    with pytest.raises(Flooded, match="wants or clock"):
        g.control(10, 0.0, opening=False)


# --- a real flooding peer ----------------------------------------------------------------


NO_WASTE = FloodPolicy(waste_burst=0)  # honest peers never need any


OPENING = [encode(Hello(VERSION)), *explicit()]


def test_a_flooding_peer_is_cut_off_then_banned_and_nothing_of_it_is_stored(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Mallory floods Alice twice (her own valid but unwanted log, over and over; then
    empty frames): one offence, then a ban. Bob, honest, is served throughout, with a
    flood policy that tolerates no waste at all."""
    now = [1_000_000]

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await bob.posts.follow(alice.account_id)
            fast = Backoff(base=0.05, cap=0.5)
            async with NetworkService(alice.replication, clock=lambda: now[0],
                                      backoff=fast) as sa, \
                    NetworkService(bob.replication, backoff=fast, flood=NO_WASTE) as sb, \
                    open_host(MALLORY.device.seed) as hm:
                await sb.connect(device(alice), sa.listen_addrs)
                first = await alice.posts.post("before the flood")
                await until(bob, lambda: holds(bob, first.id))
                where = [Multiaddr(a) for a in sa.listen_addrs]
                own_log = encode(Entries(tuple((e.raw, e.body) for e in MALLORY_LOG)))

                async def flood(frames: list[bytes], repeat: bytes) -> None:
                    stream = await hm.open_stream(sa._host.peer_id, where,  # type: ignore[union-attr]
                                                  PROTOCOL_ID)
                    for frame in frames:
                        await write_frame(stream, frame)
                    while True:
                        await write_frame(stream, repeat)

                def standing() -> int:
                    state = sa.peer(MALLORY.device_id)
                    return 0 if state is None else state.standing

                async def flooded_while_alice_posts(repeat: bytes, down_to: int) -> None:
                    async with trio.open_nursery() as nursery:
                        nursery.start_soon(_ignore_errors, flood, OPENING, repeat)
                        for i in range(3):  # honest Bob is served during the flood
                            post = await alice.posts.post(f"during the flood {i}")
                            await until(bob, lambda: holds(bob, post.id))  # noqa: B023
                        await sa.wait_until(lambda: standing() <= down_to)
                        # hang up before stopping the flood: a write cancelled halfway
                        # would leave the connection's encrypted framing broken
                        await hm.disconnect(sa._host.peer_id)  # type: ignore[union-attr]
                        nursery.cancel_scope.cancel()

                await flooded_while_alice_posts(own_log, -30)
                assert not sa.peer(MALLORY.device_id).banned(now[0])  # type: ignore[union-attr]
                await flooded_while_alice_posts(encode(Wants(())), -60)
                assert sa.peer(MALLORY.device_id).banned(now[0])  # type: ignore[union-attr]
                assert await refused(hm, sa, where)
                after = await alice.posts.post("after the ban")
                await until(bob, lambda: holds(bob, after.id))
                assert sb.peer(device(alice)).connected  # type: ignore[union-attr]
                assert sb.peer(device(alice)).sessions == 1  # type: ignore[union-attr]
            assert [d for d, _, _ in await alice.replication.logs()] == [device(alice)]
            # a stranger: memory only
            assert await alice.replication.peer(MALLORY.device_id) is None
        offences = [r.getMessage() for r in caplog.records if "misbehaved" in r.getMessage()]
        assert len(offences) == 2 and all("flood" in o for o in offences), offences

    run(scenario)


async def _ignore_errors(flood: Callable[..., Awaitable[None]], *args: object) -> None:
    with contextlib.suppress(Exception):  # the stream was reset or closed: expected
        await flood(*args)


async def refused(hm: object, sa: NetworkService, where: list[Multiaddr]) -> bool:
    """Whether the service refuses a well-behaved session from ``hm``'s peer."""
    try:
        await hm.disconnect(sa._host.peer_id)  # type: ignore[attr-defined, union-attr]
        stream = await hm.open_stream(sa._host.peer_id, where,  # type: ignore[attr-defined, union-attr]
                                      PROTOCOL_ID)
        await write_frame(stream, encode(Hello(VERSION)))
        frame = await read_frame(stream, MAX_FRAME)
    except Exception:
        return True
    return frame is None
