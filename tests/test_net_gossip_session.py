"""What gossip asks of a sync session, without I/O: "need" after a gap, no echo of a
log the peer is known to hold, and sessions that push only when asked (live=False)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import T0, make_entry, make_identity, make_log

from p2psocial import content as c
from p2psocial.net import messages as m
from p2psocial.net.session import SyncSession
from tests.storekit import account_of, store_with
from tests.synckit import Peer, converse


def test_need_makes_the_peer_send_again_what_it_believed_we_held(tmp_path: Path) -> None:
    log = make_log(make_identity(1), 10)
    device = log[0].device
    a = Peer(store_with(tmp_path / "a.sqlite", [log]), {account_of(log)})
    b = Peer(store_with(tmp_path / "b.sqlite", [log[:5]]), {account_of(log)})
    a.session.peer_holds(device, 10)  # a believes b has it all (say, sent and lost)
    converse(a, b)
    assert b.store.head(device) == (5, log[4].id)
    a.deliver(b.session.need_frames([(device, 5)]))
    converse(a, b)
    assert b.store.head(device) == (10, log[9].id)
    assert a.entries_sent == 5


def test_a_session_without_live_pushes_sends_new_entries_only_when_asked(
        tmp_path: Path) -> None:
    ident = make_identity(1)
    log = make_log(ident, 3)
    device = log[0].device
    a = Peer(store_with(tmp_path / "a.sqlite", [log]), {account_of(log)})
    b = Peer(store_with(tmp_path / "b.sqlite", []), {account_of(log)})
    a.session.live = False
    converse(a, b)  # the opening exchange still happens
    assert b.store.head(device) == (3, log[-1].id)
    log.append(make_entry(ident, log[-1], c.Post("quiet"), T0 + 99_000))
    a.store.ingest(log[-1:])
    a.session.local_added(device, account_of(log), 4)
    converse(a, b)
    assert b.store.head(device) == (3, log[2].id)
    a.deliver(b.session.need_frames([(device, 3)]))
    converse(a, b)
    assert b.store.head(device) == (4, log[-1].id)


def test_need_is_a_strict_message() -> None:
    frame = m.encode(m.Need(((b"d" * 32, 7),)))
    assert m.decode(frame) == m.Need(((b"d" * 32, 7),))
    for bad in [m.encode(m.Need(())), b"\x92\xa4need\x91\x92\xc4\x03abc\x07"]:
        with pytest.raises(m.ProtocolError):
            m.decode(bad)
    session = SyncSession(heads={}, accounts={}, wants=set())
    session.receive(m.encode(m.Hello(m.VERSION)))
    with pytest.raises(m.ProtocolError, match="in the opening"):
        session.receive(frame)


def test_need_waits_until_the_peer_is_caught_up(tmp_path: Path) -> None:
    """Before the peer's first sync is over, it is bringing what it has anyway: a
    "need" then would only spend our flood budget at the peer."""
    from p2psocial.net.limits import FloodGuard
    from p2psocial.net.sync import SessionControl

    log = make_log(make_identity(1), 3)
    device = log[0].device
    a = Peer(store_with(tmp_path / "a.sqlite", [log]), {account_of(log)})
    b = Peer(store_with(tmp_path / "b.sqlite", [log[:1]]), {account_of(log)})
    control = SessionControl()
    control.attach(b.session, FloodGuard(declared={}, accounts={}, wants=set(), now=0.0),
                   lambda: None)
    control.lacking(device, 1)
    assert control.take() == []  # a has not said "caught_up" yet
    converse(a, b)
    assert b.session.peer_caught_up
    control.lacking(device, 1)
    assert [m.decode(f) for f in control.take()] == [m.Need(((device, 1),))]
