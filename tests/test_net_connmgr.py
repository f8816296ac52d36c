"""The connection manager's rules (net/connmgr.py), without I/O, and its loop over
a fake census."""

from __future__ import annotations

import trio
from netkit import run

from p2psocial.net.connmgr import (
    DIALED,
    FRIEND,
    Conn,
    ConnectionManager,
    ConnLimits,
    Usefulness,
    choose,
)

LIMITS = ConnLimits(low=4, high=6, most=10, grace=30, keep_oldest=1, keep_useful=1)


def peer(n: int) -> bytes:
    return n.to_bytes(32, "big")


def stranger(n: int, group: str = "10.0.0.0/24", age: float = 100.0,
             useful: float | None = None) -> Conn:
    return Conn(peer(n), group, age, useful=useful)


def test_nothing_is_closed_up_to_the_high_watermark() -> None:
    conns = [stranger(n) for n in range(6)]
    assert choose(conns, LIMITS) == []
    assert len(choose([*conns, stranger(6)], LIMITS)) == 3  # 7 -> 4


def test_protected_connections_are_never_closed() -> None:
    guarded = [Conn(peer(n), "10.0.0.0/24", 100, frozenset({FRIEND})) for n in range(20)]
    conns = [*guarded, Conn(peer(50), "10.0.0.0/24", 100, frozenset({DIALED}))]
    assert choose(conns, LIMITS) == []
    victims = choose([*conns, *(stranger(n) for n in range(100, 105))], LIMITS)
    # every stranger but one kept as the oldest: nobody else may go
    assert victims == [peer(n) for n in range(101, 105)]


def test_a_sync_that_brings_entries_is_not_cut_one_that_brings_nothing_is() -> None:
    bringing = Conn(peer(1), "10.0.0.0/24", 100, useful=5.0, syncing=True)
    stalled = Conn(peer(2), "10.0.0.0/24", 100, useful=500.0, syncing=True)  # long ago
    silent = Conn(peer(3), "10.0.0.0/24", 100, syncing=True)  # never brought anything
    done = Conn(peer(4), "10.0.0.0/24", 100, useful=5.0)  # caught up: not protected
    crowd = [stranger(10 + n, age=200) for n in range(6)]
    victims = choose([bringing, stalled, silent, done, *crowd],
                     ConnLimits(low=0, high=6, keep_oldest=0, keep_useful=0))
    assert peer(1) not in victims
    assert {peer(2), peer(3), peer(4)} <= set(victims)


def test_the_largest_subnet_loses_its_youngest_first() -> None:
    honest = [stranger(1, "192.0.2.0/24", age=50), stranger(2, "198.51.100.0/24", age=60)]
    attack = [stranger(10 + n, "203.0.113.0/24", age=40 + n) for n in range(8)]
    victims = choose([*honest, *attack], ConnLimits(low=4, high=6, keep_oldest=0,
                                                    keep_useful=0, grace=30))
    assert victims == [peer(10 + n) for n in range(6)]  # 10 -> 4, the youngest first
    assert peer(1) not in victims and peer(2) not in victims


def test_the_oldest_and_the_most_recently_useful_are_kept() -> None:
    old = stranger(1, age=10_000)
    useful = stranger(2, age=40, useful=1.0)
    stale = stranger(3, age=40, useful=500.0)  # useful long ago: second in line
    others = [stranger(10 + n, age=35) for n in range(10)]
    victims = choose([old, useful, stale, *others], LIMITS)
    assert peer(1) not in victims and peer(2) not in victims
    assert len(victims) == 13 - 4


def test_young_connections_have_grace_until_there_are_too_many() -> None:
    young = [stranger(n, age=5) for n in range(8)]
    assert choose(young, LIMITS) == []  # 8 > high, but all within their grace
    assert choose(young, LIMITS, no_grace=[peer(3)]) == [peer(3)]  # closed lately
    crowd = [stranger(n, age=5 + n / 100) for n in range(12)]  # more than `most`
    victims = choose(crowd, LIMITS)
    assert len(victims) == 8 and peer(11) not in victims  # the oldest is kept


def test_usefulness_follows_the_count_of_entries_received() -> None:
    seen = Usefulness()
    seen.sample({peer(1): 0, peer(2): 5}, now=10)
    assert seen.last(peer(1), 10) is None and seen.last(peer(2), 12) == 2
    seen.sample({peer(1): 3, peer(2): 5}, now=20)
    assert seen.last(peer(1), 21) == 1 and seen.last(peer(2), 21) == 11
    seen.sample({peer(1): 3}, now=30)  # peer 2's session ended
    assert seen.last(peer(2), 30) is None


def test_the_loop_trims_when_over_and_remembers_whom() -> None:
    async def scenario() -> None:
        open_now = {peer(n): Conn(peer(n), "10.0.0.0/24", 100, frozenset({FRIEND}))
                    for n in range(4)}
        open_now |= {peer(n): stranger(n, f"10.0.{n}.0/24", age=100) for n in range(4, 9)}
        closed: list[bytes] = []

        async def census() -> list[Conn]:
            return list(open_now.values())

        async def hang_up(who: Conn) -> None:
            closed.append(who.peer)
            del open_now[who.peer]

        manager = ConnectionManager(ConnLimits(low=4, high=6, keep_oldest=0, keep_useful=0,
                                               interval=0.01),
                                    count=lambda: len(open_now), census=census,
                                    hang_up=hang_up)
        async with trio.open_nursery() as nursery:
            await nursery.start(manager.run)
            while manager.closed < 5:  # noqa: ASYNC110 - the fake census has no event
                await trio.sleep(0.01)
            assert manager.closed == 5 and len(closed) == 5
            nursery.cancel_scope.cancel()
        # one comes back at once with the same identity: no grace this time
        open_now[closed[0]] = Conn(closed[0], "10.0.99.0/24", age=1)
        for n in range(20, 22):
            open_now[peer(n)] = Conn(peer(n), f"10.0.{n}.0/24", age=1)
        assert await manager.trim() == [closed[0]]

    run(scenario)
