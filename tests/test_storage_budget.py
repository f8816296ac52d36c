"""The storage budget on a real store (store/storage.py): what counts against it, what
goes first, and what never goes."""

from __future__ import annotations

from pathlib import Path

from p2psocial import content as c
from p2psocial.store import Store
from p2psocial.store.storage import (
    COMMUNITIES,
    FOLLOWED,
    OTHER,
    OWN,
    TWO_HOPS,
    Limits,
    plan,
)
from tests.helpers import Author

BIG = "\U0001f600" * 8000  # the longest post: 32,000 bytes of text


def _post(author: Author, n: int, attachments: tuple[c.Attachment, ...] = ()) -> None:
    for _ in range(n):
        author.add(c.Post(BIG, attachments=attachments))


def _home(tmp_path: Path) -> tuple[Store, Author, Author, Author, Author]:
    """me follows friend; friend follows far (two hops); gone is held, not replicated."""
    me, friend, far, gone = Author(1), Author(2), Author(3), Author(4)
    me.add(c.Follow(friend.id))
    friend.add(c.Follow(far.id))
    _post(me, 3)
    _post(friend, 3)
    _post(far, 12)
    _post(gone, 4)
    store = Store(tmp_path / "store.sqlite")
    store.set_local_account(me.id)
    for author in (me, friend, far, gone):
        store.ingest(author.log)
    return store, me, friend, far, gone


def _bodies(store: Store, author: Author) -> list[bool]:
    """Whether each entry of the author's log holds its body, in seq order."""
    return [e.body is not None for e in store.log_entries(author.ident.device_id, 0, 100)]


def test_the_plan_takes_caps_first_then_kinds_in_order() -> None:
    kinds = {1: OWN, 2: FOLLOWED, 3: TWO_HOPS, 4: OTHER, 5: COMMUNITIES}
    usage = {3: 500, 4: 300, 5: 200}
    steps = plan(usage, kinds, Limits(budget=600, per_account=400))
    assert steps[0] == ("cap", {3}, 100)
    # after the cap: 400 + 300 + 200 = 900, 300 over: what is no longer replicated goes
    assert steps[1] == (OTHER, {4}, 300)
    assert len(steps) == 2
    assert plan(usage, kinds, Limits(budget=10_000, per_account=10_000)) == []


def test_over_budget_drops_the_oldest_of_others_never_own_or_followed(tmp_path: Path) -> None:
    store, me, friend, far, gone = _home(tmp_path)
    replicated = {me.id, friend.id, far.id}
    before = store.storage_report(replicated)
    assert before.kinds[OWN].accounts == 1 and before.kinds[FOLLOWED].accounts == 1
    assert before.kinds[TWO_HOPS].bodies > 12 * 32_000
    assert before.kinds[OTHER].bodies > 4 * 32_000
    store.set_storage_limits(Limits(budget=100_000, per_account=150_000))
    dropped, more = store.enforce_storage(replicated, 1000)
    assert not more and dropped.bodies > 0
    after = store.storage_report(replicated)
    assert after.budgeted <= 100_000
    assert all(_bodies(store, me)) and all(_bodies(store, friend))
    assert _bodies(store, gone)[1:] == [False] * 4  # no longer replicated: first to go
    held = _bodies(store, far)
    assert held[0]  # the device certificate stays
    posts = held[1:]
    assert posts == sorted(posts)  # the oldest went, the newest stayed
    assert posts[-1] and not posts[0]
    assert store.verify() == []  # the logs still verify
    thread = store.queries.thread(far.log[1].id)
    assert thread[0].dropped and thread[0].deleted and thread[0].text == ""
    assert store.account_posts(far.id).items[-1].id != far.log[1].id  # out of lists
    again, _ = store.enforce_storage(replicated, 1000)
    assert again.bodies == 0  # within the budget: nothing more goes
    store.close()


def test_an_image_goes_with_its_entry_unless_someone_followed_shows_it(tmp_path: Path) -> None:
    me, friend, far = Author(1), Author(2), Author(3)
    me.add(c.Follow(friend.id))
    friend.add(c.Follow(far.id))
    store = Store(tmp_path / "store.sqlite")
    store.set_local_account(me.id)
    shared = store.put_blob(b"s" * 50_000)
    alone = store.put_blob(b"a" * 60_000)

    def pic(digest: bytes, size: int) -> c.Attachment:
        return c.Attachment(digest, "image/jpeg", size, 10, 10)

    friend.add(c.Post("mine too", attachments=(pic(shared, 50_000),)))
    far.add(c.Post("old", attachments=(pic(shared, 50_000), pic(alone, 60_000))))
    _post(far, 2)
    for author in (me, friend, far):
        store.ingest(author.log)
    replicated = {me.id, friend.id, far.id}
    report = store.storage_report(replicated)
    assert report.kinds[TWO_HOPS].images == 60_000  # the shared one counts as followed
    assert report.kinds[FOLLOWED].images == 50_000
    store.set_storage_limits(Limits(budget=70_000, per_account=70_000))
    dropped, _ = store.enforce_storage(replicated, 1000)
    assert dropped.images == 1 and dropped.image_bytes == 60_000
    assert store.get_blob(alone) is None and store.get_blob(shared) is not None
    assert store.storage_report(replicated).budgeted <= 70_000
    assert [w.hash for w in store.wanted_blobs(replicated)] == []  # not fetched again
    store.close()


def test_an_account_over_its_cap_loses_its_oldest_bodies(tmp_path: Path) -> None:
    store, me, friend, far, gone = _home(tmp_path)
    replicated = {me.id, friend.id, far.id, gone.id}
    store.set_storage_limits(Limits(budget=10**9, per_account=140_000))
    store.enforce_storage(replicated, 1000)
    report = store.storage_report(replicated)
    assert report.over_cap == 0
    assert all(size <= 140_000 for _, _, size in report.largest)
    assert sum(_bodies(store, far)[1:]) == 2  # the two newest posts fit under the cap
    assert all(_bodies(store, friend))
    store.close()


def test_limits_live_in_the_home(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.sqlite")
    assert store.storage_limits() == Limits()
    store.set_storage_limits(Limits(5 * 2**30, 300 * 2**20))
    store.close()
    reader = Store(tmp_path / "store.sqlite", readonly=True)
    assert reader.storage_limits() == Limits(5 * 2**30, 300 * 2**20)
    reader.close()


def test_a_dropped_post_its_author_deletes_reads_deleted(tmp_path: Path) -> None:
    store, me, friend, far, _gone = _home(tmp_path)
    replicated = {me.id, friend.id, far.id}
    store.set_storage_limits(Limits(budget=100_000, per_account=150_000))
    store.enforce_storage(replicated, 1000)
    first = far.log[1].id
    assert store.queries.thread(first)[0].dropped
    store.ingest([far.add(c.Delete(first))])
    view = store.queries.thread(first)[0]
    assert view.deleted and not view.dropped
    assert store.verify() == []
    store.close()
