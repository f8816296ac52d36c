"""InFlight (net/inflight.py): requests served at once, in all and per peer."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from p2psocial.net.inflight import InFlight


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
