"""InFlight and PeerRate (net/request_limits.py): requests served at once, and how often."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from p2psocial.net.request_limits import InFlight, PeerRate


def test_slots_per_peer_and_in_all_are_counted_and_given_back() -> None:
    slots = InFlight(total=3, per_peer=2)
    with ExitStack() as held:
        assert held.enter_context(slots.slot(b"a"))
        assert held.enter_context(slots.slot(b"a"))
        with slots.slot(b"a") as third:  # a third from one peer: refused, not counted
            assert not third
        assert len(slots) == 2
        assert held.enter_context(slots.slot(b"b"))
        with slots.slot(b"c") as fourth:  # nobody past the total
            assert not fourth
    assert len(slots) == 0
    with slots.slot(b"a") as again:
        assert again


def test_a_slot_is_given_back_when_serving_fails() -> None:
    slots = InFlight(total=1, per_peer=1)
    with pytest.raises(RuntimeError), slots.slot(b"a"):
        raise RuntimeError("the handler broke")
    assert len(slots) == 0


def test_bounds_must_make_sense() -> None:
    for total, per_peer in ((0, 0), (1, 2), (2, 0)):
        with pytest.raises(ValueError):
            InFlight(total, per_peer)


def test_a_peer_gets_a_burst_then_a_rate() -> None:
    rate = PeerRate(rate=2.0, burst=3, tracked=10)
    assert [rate.allow(b"a", 0.0) for _ in range(4)] == [True, True, True, False]
    assert rate.allow(b"b", 0.0)  # each peer its own
    assert not rate.allow(b"a", 0.2) and rate.allow(b"a", 0.5)  # 2 a second
    assert [rate.allow(b"a", 100.0) for _ in range(4)] == [True, True, True, False]


def test_idle_peers_are_forgotten_and_new_ones_wait_when_all_are_busy() -> None:
    rate = PeerRate(rate=1.0, burst=2, tracked=2)
    assert rate.allow(b"a", 0.0) and rate.allow(b"b", 0.0)
    assert not rate.allow(b"c", 0.5)  # both still remembered: no room
    assert rate.allow(b"c", 1.0) and len(rate) == 1  # a and b full again: forgotten
    with pytest.raises(ValueError):
        PeerRate(0, 1, 1)
