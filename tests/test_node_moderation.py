"""Community moderation through the node (issue 17): real homes and stores, entries
copied by hand between them as sync would (tests/helpers.sync). The network and the
command line are in test_cli_moderation.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio
from hypothesis import given, settings
from hypothesis import strategies as st

from p2psocial import moderation, private
from p2psocial.errors import NotFound, UserError
from p2psocial.home import Home
from p2psocial.moderation import ActRow
from p2psocial.node import Node
from p2psocial.private import Act
from tests.helpers import sync


def act(ts: int, author: bytes, what: Act, target: bytes) -> ActRow:
    return ActRow(ts, ts.to_bytes(32, "big"), author, what, target)


C, M, X, Y = (bytes([n]) * 32 for n in (1, 2, 3, 4))


def test_resolve_counts_the_acts_of_moderators_now() -> None:
    """Only the creator names moderators; a dismissed moderator's acts stop counting;
    the newest removal or restore wins; nobody removes a moderator."""
    assert moderation.resolve(C, []) == moderation.State(frozenset({C}), frozenset(),
                                                         frozenset())
    acts = [act(1, C, Act.APPOINT, M), act(2, M, Act.REMOVE, X), act(3, M, Act.HIDE, Y),
            act(4, X, Act.APPOINT, X), act(5, X, Act.REMOVE, C), act(6, M, Act.REMOVE, C)]
    state = moderation.resolve(C, acts)
    assert state.moderators == {C, M} and state.removed == {X} and state.hidden == {Y}
    assert moderation.resolve(C, [*acts, act(7, C, Act.DISMISS, M)]).removed == set()
    assert moderation.resolve(C, [*acts, act(7, C, Act.RESTORE, X)]).removed == set()
    assert moderation.resolve(C, [*acts, act(0, C, Act.REMOVE, M)]).removed == {X}
    many = [act(n, C, Act.APPOINT, bytes([n + 10]) * 32) for n in range(20)]
    assert len(moderation.resolve(C, many).moderators) == moderation.MAX_MODERATORS + 1


_ACTS = st.lists(st.builds(
    ActRow, st.integers(0, 3), st.binary(min_size=32, max_size=32),
    st.sampled_from([C, M, X, Y]), st.sampled_from(list(Act)),
    st.sampled_from([C, M, X, Y])), max_size=16, unique_by=lambda a: a.entry_id)


@settings(max_examples=200, deadline=None)
@given(_ACTS, st.randoms())
def test_every_member_resolves_the_same_state_whatever_order_acts_arrive_in(
        acts: list[ActRow], rng: object) -> None:
    """Logs arrive in any order: the state depends on the acts held, not on that.
    And the creator is never removed, nor is anyone who moderates."""
    shuffled = list(acts)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    state = moderation.resolve(C, acts)
    assert moderation.resolve(C, shuffled) == state
    assert C in state.moderators and not state.removed & state.moderators


def test_wire_forms_round_trip_and_refuse_unknown_acts() -> None:
    value = private.CommunityModeration(Act.HIDE, Y)
    assert private.decode(private.encode(value)) == value
    report = private.Report(C, X, True, "spam")
    assert private.decode(private.encode(report)) == report
    with pytest.raises(private.MalformedEntry):
        private.CommunityModeration.from_wire((9, Y))
    with pytest.raises(UserError):
        private.Report(C, X, False, "x" * (private.REASON_MAX + 1)).validate()


def test_a_removed_account_leaves_and_cannot_come_back(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob, \
                Node.init(Home(tmp_path / "s"), "Sybil") as sybil:
            cid = await alice.communities.create("Village hall")
            [info] = await alice.communities.list()
            for member in (bob, sybil):
                await member.communities.join(info.value, info.lines)
                [mine] = await member.communities.list()
                await alice.communities.merge_roster(cid, mine.lines)
            [info] = await alice.communities.list()
            await bob.communities.merge_roster(cid, info.lines)
            spam = [await sybil.groups.post(cid, f"buy now {n}") for n in range(3)]
            await bob.groups.post(cid, "Bread on Saturday?")
            for node in (alice, bob):
                await sync(sybil, node)
                await node.messages.scan()
            await sync(bob, alice)
            await alice.messages.scan()
            assert len((await bob.groups.messages(cid)).items) == 4

            # only moderators act; Alice names Bob, who removes Sybil
            with pytest.raises(UserError, match="only the moderators"):
                await bob.moderation.remove(cid, sybil.account_id)
            with pytest.raises(UserError, match="only the creator"):
                await bob.moderation.appoint(cid, bob.account_id)
            await alice.moderation.appoint(cid, bob.account_id)
            await sync(alice, bob)
            await bob.messages.scan()
            assert (await bob.moderation.view(cid)).is_moderator
            await bob.moderation.remove(cid, sybil.account_id)
            assert [m.text for m in (await bob.groups.messages(cid)).items] == [
                "Bread on Saturday?"]
            assert sybil.account_id not in await bob.replication.wanted_accounts(0)
            [info] = await bob.communities.list()
            assert sybil.account_id not in info.members
            body = bob.store.conn.execute("SELECT body FROM entries WHERE id = ?",
                                          (spam[0].id,)).fetchone()[0]
            assert body is None  # Bob's node no longer carries it

            # Alice learns it from Bob's log: the same there
            await sync(bob, alice)
            await alice.messages.scan()
            assert sybil.account_id not in await alice.replication.wanted_accounts(0)
            assert len((await alice.groups.messages(cid)).items) == 1
            # Sybil's own line, passed on again by anyone, is refused (and nobody blamed)
            [own] = [j for j in (await sybil.communities.list())[0].lines
                     if j.account == sybil.account_id]
            merged = await alice.communities.merge_roster(cid, [own])
            assert (merged.added, merged.forged) == ((), 0)
            # its new posts are dropped as they open; Sybil still reads its own
            await sybil.groups.post(cid, "buy more")
            await sync(sybil, alice)
            await alice.messages.scan()
            assert len((await alice.groups.messages(cid)).items) == 1
            await sync(bob, sybil)
            await sybil.messages.scan()
            assert (await sybil.groups.messages(cid)).items[0].text == "buy more"
            assert (await sybil.moderation.view(cid)).removed_me

            # a hidden post: gone for everyone who reads the act; not hidden twice
            bread = (await alice.groups.messages(cid)).items[0].id
            await alice.moderation.hide(cid, bread)
            assert (await alice.groups.messages(cid)).items == []
            with pytest.raises(NotFound):
                await alice.moderation.hide(cid, bread)
            # the creator restores Sybil: it is on the roster again
            await alice.moderation.restore(cid, sybil.account_id)
            assert sybil.account_id in await alice.replication.wanted_accounts(0)
            # dismissing Bob undoes his removals (none left) and his rights
            await alice.moderation.dismiss(cid, bob.account_id)
            await sync(alice, bob)
            await bob.messages.scan()
            assert not (await bob.moderation.view(cid)).is_moderator

    trio.run(scenario)


def test_a_report_opens_for_the_moderators_only(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob, \
                Node.init(Home(tmp_path / "c"), "Carol") as carol:
            cid = await alice.communities.create("Village hall")
            [info] = await alice.communities.list()
            for member in (bob, carol):
                await member.communities.join(info.value, info.lines)
            await sync(alice, bob)
            await sync(alice, carol)
            await bob.messages.scan()
            await carol.messages.scan()
            post = await bob.groups.post(cid, "rude words")
            await sync(bob, carol)
            await carol.messages.scan()
            entry, reached = await carol.moderation.report(cid, post.id, True, "rude")
            assert reached == (alice.account_id,)
            with pytest.raises(UserError, match="only the moderators"):
                await carol.moderation.reports(cid)
            await sync(carol, alice)
            await sync(carol, bob)
            await alice.messages.scan()
            await bob.messages.scan()
            [report] = await alice.moderation.reports(cid)
            assert (report.author, report.target, report.reason) == (
                carol.account_id, post.id, "rude")
            assert report.target_author == bob.account_id
            assert report.target_text == "rude words"
            # Bob holds the entry, and cannot open it
            assert bob.store.conn.execute("SELECT body IS NOT NULL FROM entries WHERE id = ?",
                                          (entry.id,)).fetchone()[0] == 1
            assert bob.store.conn.execute(
                "SELECT count(*) FROM community_reports").fetchone()[0] == 0

    trio.run(scenario)


def test_the_only_moderator_is_told_to_act_rather_than_report(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice:
            cid = await alice.communities.create("Village hall")
            with pytest.raises(UserError, match="you are the only moderator"):
                await alice.moderation.report(cid, X, False, "spam")
            with pytest.raises(NotFound):
                await alice.moderation.view(Y)

    trio.run(scenario)


def test_acts_of_non_moderators_and_reports_are_bounded_and_honest_ones_still_count(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A member who does not moderate writes acts past the bound (its own code, not
    the node's checks) and floods the moderators with reports: its newest few of each
    are kept, nothing of it counts, and the creator's acts and an honest member's
    report are all there (store/moderation.py, OTHERS_ACTS and REPORTS_PER_REPORTER)."""
    from p2psocial.store import moderation as held
    monkeypatch.setattr(held, "OTHERS_ACTS", 3)
    monkeypatch.setattr(held, "REPORTS_PER_REPORTER", 2)

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob, \
                Node.init(Home(tmp_path / "s"), "Sybil") as sybil:
            cid = await alice.communities.create("Village hall")
            [info] = await alice.communities.list()
            for member in (bob, sybil):
                await member.communities.join(info.value, info.lines)
                [mine] = await member.communities.list()
                await alice.communities.merge_roster(cid, mine.lines)
            for member in (bob, sybil):
                await sync(alice, member)
                await member.messages.scan()
            post = await bob.groups.post(cid, "Bread on Saturday?")
            await sync(bob, sybil)
            await sybil.messages.scan()
            for _ in range(8):  # would remove Bob, if a non-moderator's act counted
                await sybil.moderation._act(cid, Act.REMOVE, bob.account_id)
            for n in range(5):
                await sybil.moderation.report(cid, post.id, True, f"spam {n}")
            await bob.moderation.report(cid, post.id, True, "mine is honest")
            for _ in range(2):  # the creator's own acts are never cut
                await alice.moderation.appoint(cid, bob.account_id)
                await alice.moderation.dismiss(cid, bob.account_id)
            for carrier in (sybil, bob):
                await sync(carrier, alice)
            await alice.messages.scan()

            def acts_of(account: bytes) -> int:
                return int(alice.store.conn.execute(
                    "SELECT count(*) FROM community_acts WHERE author = ?",
                    (account,)).fetchone()[0])
            assert acts_of(sybil.account_id) == 3 and acts_of(alice.account_id) == 4
            view = await alice.moderation.view(cid)
            assert view.removed == () and bob.account_id in await alice.replication \
                .wanted_accounts(0)
            reports = await alice.moderation.reports(cid)
            assert sorted(r.reason for r in reports) == ["mine is honest", "spam 3", "spam 4"]

    trio.run(scenario)
