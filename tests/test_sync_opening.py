"""The opening of a sync session (net/opening.py, summary.py) between two real stores
over an in-memory link: summaries instead of whole clocks, only logs both sides
replicate, and what a peer can make a session remember bounded by our own state."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import make_identity, make_log

from p2psocial.errors import InvalidEntry
from p2psocial.net import messages as m
from p2psocial.net import opening, summary
from p2psocial.net.session import ResendAsked, SyncSession
from tests.storekit import account_of, store_with
from tests.synckit import Peer, converse


def talk(a: Peer, b: Peer) -> int:
    """``converse``, counting the bytes both sides said."""
    said = 0
    for _ in range(1000):
        to_b, to_a = a.pump(), b.pump()
        if not to_a and not to_b:
            return said
        said += sum(map(len, to_a + to_b))
        b.deliver(to_b)
        a.deliver(to_a)
    raise AssertionError("the session did not settle")


def test_summaries_agree_and_nothing_else_is_said_between_peers_up_to_date(
        tmp_path: Path) -> None:
    logs = [make_log(make_identity(n), 4) for n in range(1, 120)]
    everyone = {account_of(log) for log in logs}
    a = Peer(store_with(tmp_path / "a.sqlite", logs), everyone)
    b = Peer(store_with(tmp_path / "b.sqlite", logs[:60]), everyone)
    first = talk(a, b)
    assert b.store.clock() == a.store.clock()
    again = talk(Peer(a.store, everyone), Peer(b.store, everyone))  # a reconnect
    opening_bytes = 2 * (summary.SIZE + 16) * 2 + 200  # two summaries each way
    assert again <= opening_bytes < first


def test_a_difference_costs_its_bucket_not_the_whole_clock(tmp_path: Path) -> None:
    logs = [make_log(make_identity(n), 4) for n in range(1, 200)]
    everyone = {account_of(log) for log in logs}
    a = Peer(store_with(tmp_path / "a.sqlite", logs), everyone)
    b = Peer(store_with(tmp_path / "b.sqlite", logs), everyone)
    talk(a, b)
    newer = make_log(make_identity(7), 9)  # one log grew at a
    a.store.ingest(newer[4:])
    a2, b2 = Peer(a.store, everyone), Peer(b.store, everyone)
    said = talk(a2, b2)
    assert b.store.head(newer[0].device) == (9, newer[-1].id)
    assert a2.entries_sent == 5
    whole_clock = len(logs) * 40
    assert said < 2 * (summary.SIZE + 16) * 2 + 5 * 300 + whole_clock / 4


def test_only_logs_both_sides_replicate_travel(tmp_path: Path) -> None:
    x, y, z = (make_log(make_identity(n), 5) for n in (1, 2, 3))
    a = Peer(store_with(tmp_path / "a.sqlite", [x, y]), {account_of(x), account_of(y)})
    b = Peer(store_with(tmp_path / "b.sqlite", [z]), {account_of(y), account_of(z),
                                                     account_of(x)})
    converse(a, b)
    assert b.store.head(y[0].device) == (5, y[-1].id)
    assert b.store.head(x[0].device) == (5, x[-1].id)
    assert a.store.head(z[0].device) is None  # a does not replicate z: not sent to it


def test_a_peer_cannot_make_a_session_remember_more_than_its_own_state() -> None:
    mine = {os.urandom(32) for _ in range(10)}
    session = SyncSession(heads={}, accounts={}, wants=mine, version=1)
    session.receive(m.encode(m.Hello(1)))
    strangers = [os.urandom(32) for _ in range(6000)]
    for chunk in opening.chunks(strangers):
        session.receive(m.encode(m.Wants(chunk)))
        session.receive(m.encode(m.Clock(tuple((d, 5) for d in chunk))))
    session.receive(m.encode(m.Ready()))
    assert session._peer.wants == set()
    assert len(session._peer.heads) == session._peer.unknown_cap() == 4 * 10 + 1024


@pytest.mark.parametrize("frames", [
    [m.Wanted()],  # before its summary
    [m.WantSum(bytes(summary.SIZE)), m.Clock(())],  # a clock before the clock summary
    [m.WantSum(bytes(summary.SIZE)), m.Wanted(), m.Ready()],  # ready before clocksum
    [m.WantSum(bytes(summary.SIZE)), m.WantSum(bytes(summary.SIZE))],
    [m.WantSum(bytes(summary.SIZE)), m.Wants((b"\x05" * 32,))],  # an agreeing bucket
])
def test_the_opening_is_strict(frames: list[m.Message]) -> None:
    session = SyncSession(heads={}, accounts={}, wants=set())
    session.receive(m.encode(m.Hello(m.VERSION)))
    with pytest.raises(InvalidEntry):
        for frame in frames:
            session.receive(m.encode(frame))


def test_version_2_messages_are_refused_on_a_version_1_stream() -> None:
    session = SyncSession(heads={}, accounts={}, wants=set(), version=1)
    session.receive(m.encode(m.Hello(1)))
    with pytest.raises(InvalidEntry, match="version 1"):
        session.receive(m.encode(m.Ping()))


def test_asking_again_for_what_was_sent_is_counted(tmp_path: Path) -> None:
    log = make_log(make_identity(1), 30)
    device = log[0].device
    a = Peer(store_with(tmp_path / "a.sqlite", [log]), {account_of(log)})
    b = Peer(store_with(tmp_path / "b.sqlite", []), {account_of(log)})
    converse(a, b)
    events = a.session.receive(m.encode(m.Need(((device, 10),))))
    assert events == [ResendAsked(20)]
    rng = a.session.next_range(limit=15)
    assert rng is not None and (rng.after, rng.upto, rng.again) == (10, 25, 15)
    rng = a.session.next_range(limit=15)
    assert rng is not None and (rng.after, rng.upto, rng.again) == (25, 30, 5)
    assert a.session.next_range() is None
