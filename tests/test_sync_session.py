"""The sync session state machine, between two real stores over an in-memory link.

``Peer`` plays the network edge: it feeds frames to its session, ingests what
arrives, reads the ranges the session asks for from its store, and tells the
session what its store learned. The real edge does the same over libp2p streams.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import T0, make_entry, make_identity, make_log
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from p2psocial import content as c
from p2psocial.errors import InvalidEntry
from p2psocial.net import messages as m
from p2psocial.net.session import SyncSession
from tests.storekit import account_of, store_with
from tests.synckit import Peer, converse


def test_two_stores_exchange_what_the_other_lacks(tmp_path: Path) -> None:
    x, y, z = (make_log(make_identity(n), size) for n, size in ((1, 30), (2, 12), (3, 20)))
    everyone = {account_of(log) for log in (x, y, z)}
    a = Peer(store_with(tmp_path / "a.sqlite", [x, y[:5]]), everyone)
    b = Peer(store_with(tmp_path / "b.sqlite", [y, z[:3]]), everyone)
    converse(a, b)
    for peer in (a, b):
        assert peer.store.clock() == {x[0].device: 30, y[0].device: 12, z[0].device: 3}
        assert peer.store.verify(full=True) == []
        assert peer.session.peer_caught_up
    assert a.entries_sent == 30 and b.entries_sent == 7 + 3  # only what was missing


def test_only_wanted_accounts_travel(tmp_path: Path) -> None:
    x, y = make_log(make_identity(1), 10), make_log(make_identity(2), 10)
    a = Peer(store_with(tmp_path / "a.sqlite", [x, y]), {account_of(x), account_of(y)})
    b = Peer(store_with(tmp_path / "b.sqlite", []), {account_of(x)})
    converse(a, b)
    assert b.store.clock() == {x[0].device: 10}
    # b follows y's account later in the session: y follows without a new session
    a.deliver(b.session.want_more({account_of(y)}))
    converse(a, b)
    assert b.store.clock() == {x[0].device: 10, y[0].device: 10}


def test_live_entries_are_pushed_and_never_echoed(tmp_path: Path) -> None:
    ident = make_identity(1)
    log = make_log(ident, 3)
    a = Peer(store_with(tmp_path / "a.sqlite", [log]), {account_of(log)})
    b = Peer(store_with(tmp_path / "b.sqlite", []), {account_of(log)})
    converse(a, b)
    sent_before = a.entries_sent + b.entries_sent
    log.append(make_entry(ident, log[-1], c.Post("live"), T0 + 99_000))
    a.store.ingest(log[-1:])
    a.session.local_added(log[-1].device, account_of(log), log[-1].seq)
    converse(a, b)
    assert b.store.head(log[0].device) == (4, log[-1].id)
    assert a.entries_sent + b.entries_sent == sent_before + 1  # b did not send it back


def test_a_broken_session_resumes_from_the_stores(tmp_path: Path) -> None:
    log = make_log(make_identity(1), 40)
    a = Peer(store_with(tmp_path / "a.sqlite", [log]), {account_of(log)})
    b = Peer(store_with(tmp_path / "b.sqlite", []), {account_of(log)})
    while True:  # the opening, then the stream breaks after two frames of entries
        frames = a.pump()
        entries = [i for i, f in enumerate(frames) if f.startswith(b"\x92\xa7entries")]
        if entries:
            b.deliver(frames[:entries[1] + 1])
            break
        b.deliver(frames)
        a.deliver(b.pump())
    held = b.store.head(log[0].device)
    assert held is not None and 0 < held[0] < 40
    a2 = Peer(a.store, {account_of(log)})
    b2 = Peer(b.store, {account_of(log)})
    converse(a2, b2)
    assert b.store.head(log[0].device) == (40, log[-1].id)
    assert a2.entries_sent == 40 - held[0]


@pytest.mark.parametrize("frames", [
    [b"\x00garbage"],
    [m.encode(m.Ready())],  # no hello first
    [m.encode(m.Hello(m.VERSION + 1))],  # not the version of the stream
    [m.encode(m.Hello(m.VERSION)), m.encode(m.Hello(m.VERSION))],
    [m.encode(m.Hello(m.VERSION)), m.encode(m.Ready()), m.encode(m.Ready())],
    [m.encode(m.Hello(m.VERSION)), b"\x92\xa7entries\x90"],  # an empty batch
    [m.encode(m.Hello(m.VERSION)), b"\x92\xa5wants\x91\xc4\x03abc"],  # a short key
    [m.encode(m.Hello(m.VERSION)), b"\x92\xa7entries\x91\x92\xc4\x03abc\xc0"],  # not a header
    [m.encode(m.Hello(m.VERSION)), b"\x91\xa4nope"],
    [m.encode(m.Hello(m.VERSION)), b"\x00" * (m.MAX_FRAME + 1)],
])
def test_bad_frames_are_typed_errors(frames: list[bytes]) -> None:
    session = SyncSession(heads={}, accounts={}, wants=set())
    with pytest.raises(InvalidEntry):
        for frame in frames:
            session.receive(frame)


def test_entries_frames_respect_the_caps() -> None:
    ident = make_identity(1)
    log = make_log(ident, 1)
    for i in range(12):  # 12 posts of ~100 KiB text: several frames under MAX_FRAME
        log.append(make_entry(ident, log[-1], c.Post("x" * 7999 + str(i)), T0 + i))
    session = SyncSession(heads={}, accounts={}, wants=set())
    frames = list(session.entries_frames([(e.raw, e.body) for e in log]))
    assert len(frames) >= 1 and all(len(f) <= m.MAX_FRAME for f in frames)
    items = [it for f in frames for it in m.decode(f).items]  # type: ignore[union-attr]
    assert [h for h, _ in items] == [e.raw for e in log]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_split_of_logs_converges(tmp_path_factory: pytest.TempPathFactory,
                                     data: st.DataObject) -> None:
    logs = [make_log(make_identity(n), 15) for n in (1, 2, 3)]
    cut_a = [data.draw(st.integers(0, 15)) for _ in logs]
    cut_b = [data.draw(st.integers(0, 15)) for _ in logs]
    wants_b = {account_of(log) for log in logs if data.draw(st.booleans())}
    tmp = tmp_path_factory.mktemp("split")
    everyone = {account_of(log) for log in logs}
    a = Peer(store_with(tmp / "a.sqlite", [log[:k] for log, k in zip(logs, cut_a, strict=True)
                                           if k]), everyone)
    b = Peer(store_with(tmp / "b.sqlite", [log[:k] for log, k in zip(logs, cut_b, strict=True)
                                           if k]), wants_b)
    converse(a, b)
    for log in logs:
        device, account = log[0].device, account_of(log)
        ha, hb = a.store.clock().get(device, 0), b.store.clock().get(device, 0)
        both = account in wants_b  # a wants all; only what both replicate travels
        i = logs.index(log)
        assert ha == (max(cut_a[i], cut_b[i]) if both else cut_a[i])
        assert hb == (ha if both else cut_b[i])


def test_a_fork_carried_by_an_honest_peer_freezes_the_log_at_both_ends(tmp_path: Path) -> None:
    """Mallory gave A ``2a`` and C ``2b, 3b``; C carries her log (and an honest one)
    to A. A stores the honest log, finds the fork in ``3b``, and tells C: both freeze
    Mallory's log below 2, and nothing of C's is rejected."""
    mallory = make_identity(66)
    a_branch = make_log(mallory, 2)
    b2 = make_entry(mallory, a_branch[0], c.Post("the other second"), T0 + 5)
    b3 = make_entry(mallory, b2, c.Post("its third"), T0 + 6)
    honest = make_log(make_identity(7), 5)
    wants = {account_of(a_branch), account_of(honest)}
    a = Peer(store_with(tmp_path / "a.sqlite", [a_branch]), wants)
    c_ = Peer(store_with(tmp_path / "c.sqlite", [[a_branch[0], b2, b3], honest]), wants)
    converse(a, c_)
    assert not a.rejected and not c_.rejected
    assert a.store.forked() == c_.store.forked() == {mallory.device_id: 2}
    assert a.store.head(honest[0].device) == (5, honest[-1].id)
    # a new session between them sends nothing of the frozen log either way
    a2, c2 = Peer(a.store, wants), Peer(c_.store, wants)
    converse(a2, c2)
    assert a2.entries_sent == c2.entries_sent == 0


def test_a_proof_reaches_a_peer_that_holds_only_the_shared_part(tmp_path: Path) -> None:
    mallory = make_identity(66)
    log = make_log(mallory, 2)
    other = make_entry(mallory, log[0], c.Post("the other second"), T0 + 5)
    held = store_with(tmp_path / "a.sqlite", [log])
    held.ingest([other], strict=False)  # a sees both: a fork at 2
    a = Peer(held, {account_of(log)})
    b = Peer(store_with(tmp_path / "b.sqlite", [log[:1]]), {account_of(log)})
    converse(a, b)
    assert b.store.forked() == {mallory.device_id: 2}
    assert b.store.head(log[0].device) == (1, log[0].id)  # 2a was not sent: it is forked


def test_version_1_sessions_still_sync_and_never_see_forks(tmp_path: Path) -> None:
    x = make_log(make_identity(1), 12)
    a = Peer(store_with(tmp_path / "a.sqlite", [x]), {account_of(x)}, version=1)
    b = Peer(store_with(tmp_path / "b.sqlite", []), {account_of(x)}, version=1)
    converse(a, b)
    assert b.store.head(x[0].device) == (12, x[-1].id)
    with pytest.raises(InvalidEntry, match="version 1"):
        b.session.receive(m.encode(m.Forks(((x[1].raw, x[2].raw),))))
