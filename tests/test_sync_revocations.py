"""Device revocations travel ahead of entries in every sync session (version 3).

The revocations are opaque bytes to the network (the store checks them), so here they
are fakes shaped like one (seven fields, the account first) and the two replica
methods that check and hold them are fakes too: ``FakeRevocations``. The sans-IO
tests drive two sessions between real stores (tests/synckit.py); the edge tests run
``run_sync`` over an in-memory pipe and over two real hosts on 127.0.0.1, around real
nodes whose replicas get the fake methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import trio
from helpers import T0, make_entry, make_identity, make_log
from netkit import has_seq, pipe_pair, run, until

from p2psocial import codec
from p2psocial import content as c
from p2psocial.errors import InvalidEntry
from p2psocial.home import Home
from p2psocial.net import messages as m
from p2psocial.net.host import open_host
from p2psocial.net.session import RevocationsReceived, SyncSession, claimed_account
from p2psocial.net.sync import PeerMisbehaved, SessionAborted, run_sync
from p2psocial.node import Node
from p2psocial.store import Store
from tests.storekit import account_of, store_with
from tests.synckit import Peer, converse


def revocation(account: bytes, device: bytes, last_seq: int = 0) -> bytes:
    """Bytes shaped like an encoded ``identity.Revocation`` (not signed)."""
    return codec.encode((account, device, last_seq, b"" if not last_seq else b"i" * 32,
                         1_700_000_000_000, b"k" * 32, b"s" * 64))


class FakeRevocations:
    """``Replica.revocations`` and ``add_revocations`` over a set of revocations that
    "verify" (``valid``): a store's, without the signatures."""

    def __init__(self, held: Sequence[bytes] = (), valid: Sequence[bytes] = ()) -> None:
        self.held = list(held)
        self.valid = set(valid) | set(held)
        self.calls: list[tuple[object, ...]] = []

    def revocations(self) -> list[bytes]:
        return list(self.held)

    def add_revocations(self, wires: Sequence[object]) -> list[bytes]:
        self.calls.append(tuple(wires))
        if any(type(w) is not bytes or w not in self.valid for w in wires):
            raise InvalidEntry("a revocation that does not verify")
        new = [w for w in dict.fromkeys(wires) if w not in self.held]
        self.held += new  # type: ignore[arg-type]
        return [codec.decode(w)[1] for w in new]  # type: ignore[arg-type, index]


class RevokingPeer(Peer):
    """synckit's ``Peer`` whose session holds ``fake``'s revocations, and that hands
    the peer's to ``fake`` as the edge does (sync.py). ``arrived``: the names of the
    messages it received, in order; ``said``: of those it sent."""

    def __init__(self, store: Store, wants: set[bytes], fake: FakeRevocations,
                 version: int = m.VERSION) -> None:
        super().__init__(store, wants, version)
        logs = store.devices()
        self.session = SyncSession(heads={d: s for d, _, s in logs},
                                   accounts={d: a for d, a, _ in logs}, wants=wants,
                                   version=version, forks=store.forks(),
                                   revocations=fake.revocations())
        self.outbox = self.session.start()
        self.fake = fake
        self.arrived: list[str] = []
        self.said: list[str] = []

    def deliver(self, frames: list[bytes]) -> None:
        for frame in frames:
            message = m.decode(frame)
            self.arrived.append(type(message).__name__)
            if not isinstance(message, m.Revocations):
                super().deliver([frame])
                continue
            for event in self.session.receive(frame):
                assert isinstance(event, RevocationsReceived)
                self.fake.add_revocations(event.wires)
                for wire in event.wires:
                    self.session.revoked(wire, from_peer=True)

    def pump(self) -> list[bytes]:
        out = super().pump()
        self.said += [type(m.decode(f)).__name__ for f in out]
        return out


LOG = make_log(make_identity(1), 10)
X, DEVICE = account_of(LOG), LOG[0].device


def two_peers(tmp_path: Path, fake_a: FakeRevocations, fake_b: FakeRevocations,
              version: int = m.VERSION) -> tuple[RevokingPeer, RevokingPeer]:
    """``a`` holds ``LOG`` (10 entries of account X), ``b`` nothing; both replicate X."""
    a = RevokingPeer(store_with(tmp_path / "a.sqlite", [LOG]), {X}, fake_a, version)
    b = RevokingPeer(store_with(tmp_path / "b.sqlite", []), {X}, fake_b, version)
    return a, b


def test_revocations_are_said_before_the_clock_and_any_entry(tmp_path: Path) -> None:
    wire = revocation(X, DEVICE, 4)
    a, b = two_peers(tmp_path, FakeRevocations([wire]), FakeRevocations(valid=[wire]))
    converse(a, b)
    assert b.fake.held == [wire]
    assert (a.said.index("Revocations") < a.said.index("ClockSum") < a.said.index("Clock")
            < a.said.index("Entries"))
    assert b.arrived.index("Revocations") < b.arrived.index("Entries")
    assert b.store.clock() == {DEVICE: 10}  # (the fake store revokes nothing)


def test_revocations_come_ahead_of_fork_proofs_too(tmp_path: Path) -> None:
    mallory = make_identity(66)
    log = make_log(mallory, 2)
    held = store_with(tmp_path / "a.sqlite", [log])
    held.ingest([make_entry(mallory, log[0], c.Post("the other second"), T0 + 5)],
                strict=False)  # a holds a proof that mallory's log forked at 2
    wire = revocation(account_of(log), mallory.device_id, 1)
    a = RevokingPeer(held, {account_of(log)}, FakeRevocations([wire]))
    b = RevokingPeer(store_with(tmp_path / "b.sqlite", [log[:1]]), {account_of(log)},
                     FakeRevocations(valid=[wire]))
    converse(a, b)
    assert a.said.index("Revocations") < a.said.index("Forks") < a.said.index("ClockSum")
    assert b.fake.held == [wire] and b.store.forked() == {mallory.device_id: 2}


def test_a_revocation_is_sent_once_per_peer_and_never_echoed(tmp_path: Path) -> None:
    first, later = revocation(X, DEVICE, 4), revocation(X, b"d" * 32)
    a, b = two_peers(tmp_path, FakeRevocations([first]), FakeRevocations(valid=[first, later]))
    converse(a, b)
    assert a.said.count("Revocations") == 1 and "Revocations" not in b.said
    assert a.session.revoked(first) == [] and b.session.revoked(first) == []
    # one learned later (ingest of a REVOKE entry, or another peer): passed on once
    frames = a.session.revoked(later)
    assert [m.decode(f) for f in frames] == [m.Revocations((later,))]
    b.deliver(frames)
    assert b.fake.held == [first, later]
    assert a.session.revoked(later) == [] and b.session.revoked(later) == []
    converse(a, b)
    assert a.said.count("Revocations") == 1 and "Revocations" not in b.said


def test_both_holding_one_say_it_at_most_once_each(tmp_path: Path) -> None:
    wire = revocation(X, DEVICE)
    a, b = two_peers(tmp_path, FakeRevocations([wire]), FakeRevocations([wire]))
    converse(a, b)
    assert a.said.count("Revocations") <= 1 and b.said.count("Revocations") <= 1
    assert a.session.revoked(wire) == [] and b.session.revoked(wire) == []


def test_only_revocations_of_accounts_both_replicate_travel(tmp_path: Path) -> None:
    x_log, y_log = make_log(make_identity(1), 3), make_log(make_identity(2), 5)
    x, y = account_of(x_log), account_of(y_log)
    of_y = revocation(y, y_log[0].device, 2)
    a = RevokingPeer(store_with(tmp_path / "a.sqlite", [x_log, y_log]), {x, y},
                     FakeRevocations([of_y]))
    b = RevokingPeer(store_with(tmp_path / "b.sqlite", []), {x}, FakeRevocations(valid=[of_y]))
    converse(a, b)
    assert "Revocations" not in a.said and b.fake.held == []
    # b follows y later in the session: y's revocation comes ahead of y's entries
    arrived = len(b.arrived)
    a.deliver(b.session.want_more({y}))
    converse(a, b)
    assert b.fake.held == [of_y]
    news = b.arrived[arrived:]
    assert news.index("Revocations") < news.index("Entries")
    assert b.store.clock()[y_log[0].device] == 5


def test_a_version_2_session_never_sends_or_takes_revocations(tmp_path: Path) -> None:
    wire = revocation(X, DEVICE, 4)
    a, b = two_peers(tmp_path, FakeRevocations([wire]), FakeRevocations(valid=[wire]),
                     version=2)
    converse(a, b)
    assert "Revocations" not in a.said and b.fake.held == []
    assert b.store.clock() == {DEVICE: 10}
    assert a.session.revoked(revocation(X, b"d" * 32)) == []
    with pytest.raises(m.ProtocolError, match="not part of sync protocol version 2"):
        b.session.receive(m.encode(m.Revocations((wire,))))


@pytest.mark.parametrize("wires", [
    (),  # an empty message
    (b"",),
    (b"x" * (m.MAX_REVOCATION + 1),),
    (b"x",) * (m.MAX_REVOCATIONS + 1),
])
def test_revocations_frames_out_of_bounds_are_protocol_errors(wires: tuple[bytes, ...]) -> None:
    with pytest.raises(m.ProtocolError):
        m.decode(codec.encode(("revocations", wires)))


def test_revocations_frames_round_trip_and_other_types_are_refused() -> None:
    wires = (revocation(b"a" * 32, b"d" * 32),) * m.MAX_REVOCATIONS
    assert m.decode(m.encode(m.Revocations(wires))) == m.Revocations(wires)
    for bad in [("revocations", ("text",)), ("revocations", ((b"x",),)), ("revocations",)]:
        with pytest.raises(m.ProtocolError):
            m.decode(codec.encode(bad))  # type: ignore[arg-type]


def test_a_revocation_is_told_only_if_shaped_like_one() -> None:
    assert claimed_account(revocation(b"a" * 32, b"d" * 32)) == b"a" * 32
    for bad in [b"", b"\x90", codec.encode((b"a" * 32,) * 6), codec.encode(("a" * 32,) * 7),
                codec.encode((b"short", 1, 2, 3, 4, 5, 6)), None, b"x" * 400]:
        assert claimed_account(bad) is None
    session = SyncSession(heads={}, accounts={}, wants=set(), revocations=[b"\x90"])
    assert session.revoked(b"\x90") == []


def test_more_than_a_frame_of_revocations_go_in_several_frames(tmp_path: Path) -> None:
    many = [revocation(X, bytes([i]) * 32) for i in range(m.MAX_REVOCATIONS + 3)]
    a, b = two_peers(tmp_path, FakeRevocations(many), FakeRevocations(valid=many))
    converse(a, b)
    assert a.said.count("Revocations") == 2 and b.fake.held == many


# --- the edge (net/sync.py) --------------------------------------------------------


class Revoking:
    """A node's replica with the fake revocation methods (the rest is the node's)."""

    def __init__(self, inner: Any, fake: FakeRevocations) -> None:
        self.inner = inner
        self.fake = fake
        self.heads_seen: list[dict[bytes, int]] = []  # our heads when each arrived

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def revocations(self) -> list[bytes]:
        return self.fake.revocations()

    async def add_revocations(self, wires: Sequence[object]) -> list[bytes]:
        self.heads_seen.append({d: s for d, _, s in await self.inner.logs()})
        return self.fake.add_revocations(wires)


def test_a_revocation_that_does_not_verify_ends_the_session(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await alice.posts.post("hello")
            await bob.posts.follow(alice.account_id)
            forged = revocation(alice.account_id, b"d" * 32)
            a = Revoking(alice.replication, FakeRevocations([forged]))
            b = Revoking(bob.replication, FakeRevocations())  # it does not verify here
            left, right = pipe_pair()
            outcome: list[PeerMisbehaved] = []

            async def alice_side() -> None:
                with suppress(SessionAborted):  # bob hangs up on her
                    await run_sync(a, left)  # type: ignore[arg-type]

            async with trio.open_nursery() as nursery:
                nursery.start_soon(alice_side)
                try:
                    await run_sync(b, right, once=True)  # type: ignore[arg-type]
                except PeerMisbehaved as exc:
                    outcome.append(exc)
                nursery.cancel_scope.cancel()
            assert "does not verify" in str(outcome[0])
            assert b.fake.calls == [(forged,)]
            # nothing of alice's was stored: the revocation came ahead of her entries
            assert {acc for _, acc, _ in await bob.replication.logs()} == {bob.account_id}

    run(scenario)


@pytest.mark.usefixtures("quiet_libp2p")  # see tests/conftest.py
@pytest.mark.parametrize("version", [3, 2])
def test_two_hosts_pass_revocations_first_and_a_2_0_0_peer_none(tmp_path: Path,
                                                                 version: int) -> None:
    """Over real libp2p on 127.0.0.1: the dialer offers every version; a server of
    version 3 gets the revocation before any entry, one that speaks only 2.0.0 none,
    and both sync."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            for i in range(5):
                await alice.posts.post(f"post {i}")
            await bob.posts.follow(alice.account_id)
            assert alice.identity is not None and bob.identity is not None
            wire = revocation(alice.account_id, b"d" * 32)
            a = Revoking(alice.replication, FakeRevocations([wire]))
            b = Revoking(bob.replication, FakeRevocations(valid=[wire]))
            bob_before = {d: s for d, _, s in await bob.replication.logs()}
            async with open_host(alice.identity.device.seed) as ha, \
                    open_host(bob.identity.device.seed) as hb:
                hb.set_handler(m.PROTOCOL_IDS[version],
                               partial(run_sync, b, version=version, once=True))
                stream = await ha.open_stream(hb.peer_id, hb.listen_addrs,
                                              list(m.PROTOCOL_IDS.values()))
                assert stream.get_protocol() == m.PROTOCOL_IDS[version]
                stats = await run_sync(a, stream, version=version, once=True)  # type: ignore[arg-type]
            assert stats.caught_up and stats.sent == 7  # certificate, profile, 5 posts
            alice_log = alice.identity.device_id
            assert b.fake.held == ([wire] if version == 3 else [])
            if version == 3:
                assert b.heads_seen == [bob_before]  # no entry of alice's yet
            await until(bob, partial(has_seq, bob, alice_log, 7))

    run(scenario)
