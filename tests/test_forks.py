"""Fork proofs (forks.py) and what ingest does with a forked log (store/ingest.py).

Mallory's device signs two histories: ``2a`` for one peer, ``2b`` (and ``3b`` after
it) for another. Whoever holds one branch and is offered the other has a proof; the
log is frozen below the fork, and the batch's other logs are stored as usual.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_entry, make_identity, make_log

from p2psocial import content, entry, forks
from p2psocial.errors import BadSignature, BrokenLink
from p2psocial.store.store import Store


@pytest.fixture
def branches() -> tuple[list[entry.Entry], list[entry.Entry]]:
    """Mallory's log 1, 2a, 3a and the other branch 1, 2b, 3b."""
    mallory = make_identity(66)
    a = make_log(mallory, 3)
    b2 = make_entry(mallory, a[0], content.Post("the other second entry"), a[1].timestamp)
    b3 = make_entry(mallory, b2, content.Post("and its third"), a[2].timestamp)
    return a, [a[0], b2, b3]


def unsigned(item: entry.Entry) -> entry.Entry:
    bad = item.header._replace(signature=bytes(64))
    raw = bad.to_bytes()
    return entry.Entry(bad, raw, entry.entry_id(raw), item.body)


# --- proofs ----------------------------------------------------------------------------


def test_two_entries_at_one_seq_prove_a_fork_there(branches: tuple) -> None:
    a, b = branches
    fork = forks.prove(a[1].raw, b[1].raw)
    assert (fork.device, fork.seq) == (a[1].device, 2)
    assert forks.prove(b[1].raw, a[1].raw) == fork  # one fork, one proof
    assert forks.decode(forks.encode(fork)) == fork


def test_an_entry_that_does_not_follow_its_predecessor_proves_a_fork_before_it(
        branches: tuple) -> None:
    a, b = branches
    fork = forks.prove(b[2].raw, a[1].raw)  # 3b names 2b, not 2a
    assert fork.seq == 2 and fork.first == a[1].raw


@pytest.mark.parametrize("pair", ["same", "linked", "far apart", "other device"])
def test_consistent_headers_prove_nothing(branches: tuple, pair: str) -> None:
    a, b = branches
    other = make_log(make_identity(67), 2)
    raw = {"same": (a[1].raw, a[1].raw), "linked": (a[1].raw, a[2].raw),
           "far apart": (a[0].raw, b[2].raw), "other device": (a[1].raw, other[1].raw)}[pair]
    with pytest.raises(forks.NotAFork):
        forks.prove(*raw)


def test_a_proof_needs_both_signatures(branches: tuple) -> None:
    a, b = branches
    with pytest.raises(forks.NotAFork, match="not signed"):
        forks.prove(a[1].raw, unsigned(b[1]).raw)


@pytest.mark.parametrize("wire", [None, (), (b"x",), (b"x", b"y"), (b"x" * 300, b"y"), [1, 2]])
def test_garbage_is_not_a_proof(wire: object) -> None:
    with pytest.raises(forks.NotAFork):
        forks.from_wire(wire)


# --- ingest ----------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "s.sqlite")


def test_the_next_entry_of_the_other_branch_freezes_the_log_and_blames_nobody(
        store: Store, branches: tuple) -> None:
    a, b = branches
    store.ingest(a[:2])
    result = store.ingest([b[2]], strict=False)
    assert not result.added and not result.rejected
    assert [(f.device, f.seq) for f in result.forks] == [(a[0].device, 2)]
    assert store.forked() == {a[0].device: 2}
    assert store.forks() == result.forks
    # nothing at or after the fork is accepted any more, from either branch
    again = store.ingest([a[2]], strict=False)
    assert not again.added and again.frozen == 1 and not again.forks
    assert store.head(a[0].device) == (2, a[1].id)  # what we held is kept


def test_an_entry_below_our_head_from_the_other_branch_proves_the_fork(
        store: Store, branches: tuple) -> None:
    a, b = branches
    store.ingest(a)
    result = store.ingest([b[1]], strict=False)
    assert result.skipped == 1 and [f.seq for f in result.forks] == [2]
    assert store.forked() == {a[0].device: 2}


def test_both_branches_in_one_batch_keep_the_log_below_the_fork(
        store: Store, branches: tuple) -> None:
    a, b = branches
    result = store.ingest([*a, b[1], b[2]], strict=False)
    assert [e.seq for e in result.added] == [1]
    assert [f.seq for f in result.forks] == [2] and not result.rejected


def test_a_run_broken_by_its_author_is_kept_up_to_the_break(store: Store,
                                                           branches: tuple) -> None:
    a, b = branches
    result = store.ingest([a[0], a[1], b[2]], strict=False)  # 3b after 2a
    assert [e.seq for e in result.added] == [1]
    assert [f.seq for f in result.forks] == [2]


def test_a_bad_log_is_left_out_and_the_good_logs_beside_it_are_stored(
        store: Store, branches: tuple) -> None:
    a, _ = branches
    good = make_log(make_identity(68), 4)
    forged = [*a[:2], unsigned(a[2])]
    result = store.ingest([*good, *forged], strict=False)
    assert [e.id for e in result.added] == [e.id for e in good]
    assert isinstance(result.rejected[a[0].device], BadSignature)
    assert not result.forks and store.head(a[0].device) is None


def test_a_forged_second_entry_at_one_seq_is_the_senders_fault(store: Store,
                                                              branches: tuple) -> None:
    a, b = branches
    result = store.ingest([*a, unsigned(b[1])], strict=False)
    assert isinstance(result.rejected[a[0].device], BrokenLink)
    assert not result.forks and not result.added


def test_strict_ingest_still_rejects_the_whole_batch(store: Store, branches: tuple) -> None:
    a, b = branches
    store.ingest(a[:2])
    good = make_log(make_identity(68), 2)
    with pytest.raises(BrokenLink):
        store.ingest([*good, b[2]])
    assert store.head(good[0].device) is None and not store.forked()


def test_proofs_from_peers_freeze_the_logs_we_hold_only(store: Store, branches: tuple) -> None:
    a, b = branches
    stranger = make_identity(69)
    s = make_log(stranger, 2)
    s2 = make_entry(stranger, s[0], content.Post("also"), s[1].timestamp)
    store.ingest(a[:1])
    wire = [forks.prove(a[1].raw, b[1].raw).to_wire(), forks.prove(s[1].raw, s2.raw).to_wire()]
    new = store.add_forks(wire)
    assert [f.device for f in new] == [a[0].device]
    assert store.add_forks(wire) == []  # nothing new the second time
    with pytest.raises(forks.NotAFork):  # a forgery of a log we hold is checked
        store.add_forks([(unsigned(a[1]).raw, a[0].raw), (b[1].raw, unsigned(a[1]).raw)])
    # of a log we do not hold, it is not even looked at
    assert store.add_forks([(unsigned(s[1]).raw, s2.raw)]) == []
    assert store.forked() == {a[0].device: 2}
    assert [e.seq for e in store.ingest(a[1:], strict=False).added] == []


def test_forks_survive_reopening(tmp_path: Path, branches: tuple) -> None:
    a, b = branches
    first = Store(tmp_path / "s.sqlite")
    first.ingest(a[:2])
    first.ingest([b[2]], strict=False)
    first.close()
    again = Store(tmp_path / "s.sqlite")
    assert again.forked() == {a[0].device: 2}
    assert again.ingest([a[2]], strict=False).frozen == 1
