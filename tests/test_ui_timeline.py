"""The home timeline model (ui/timeline.py) over a real node: keyset pages on demand,
never everything at once, no duplicates or gaps, new posts (own and a peer's) at the
top, and a view that keeps the row being read in place when rows arrive above it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from p2psocial import content, ids
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.store.views import Cursor, PostView
from p2psocial.ui.loop import TrioHost
from p2psocial.ui.timeline import (
    Roles,
    TimelineModel,
    TimelineView,
    account_posts_model,
    relative_time,
    search_model,
)
from tests.helpers import make_entry, make_identity, make_log
from tests.uikit import WAIT, call

PAGE = 20
BOB_POSTS = 300


run = call  # ``run(qtbot, host, fn, *args)``: a host works where a context does


class Home2:
    """Alice's node, following Bob, who has BOB_POSTS posts already in her store."""

    def __init__(self, node: Node, bob: Any, bob_log: list[Any]) -> None:
        self.node = node
        self.bob = bob
        self.bob_log = bob_log

    async def bob_posts(self, *texts: str) -> None:
        """Bob's next posts arrive 'from a peer' (Node.replication.ingest), newer than all
        before."""
        new = []
        prev = self.bob_log[-1]
        for text in texts:
            prev = make_entry(self.bob, prev, content.Post(text), prev.timestamp + 1000)
            new.append(prev)
        await self.node.replication.ingest(new)
        self.bob_log += new


@pytest.fixture
def home(qtbot: QtBot, trio_host: TrioHost, tmp_path: Path) -> Iterator[Home2]:
    node = Node.init(Home(tmp_path / "alice"), "Alice")
    bob = make_identity(2)
    bob_log = make_log(bob, BOB_POSTS + 1)  # seq 1 is the device entry

    async def setup() -> None:
        await node.posts.follow(bob.account_id)
        await node.replication.ingest(bob_log)

    run(qtbot, trio_host, setup)
    try:
        yield Home2(node, bob, bob_log)
    finally:
        assert trio_host.stop()  # no call still uses the node when it closes
        node.close()


async def walk_all(node: Node, page: int) -> list[PostView]:
    posts: list[PostView] = []
    before: Cursor | None = None
    while True:
        result = await node.feeds.home_timeline(page, before)
        posts += result.items
        if result.next is None:
            return posts
        before = result.next


def started(qtbot: QtBot, host: TrioHost, node: Node) -> TimelineModel:
    model = TimelineModel(host, node, page_size=PAGE)
    model.start()
    qtbot.waitUntil(lambda: model.rowCount() > 0 and not model.loading, timeout=WAIT)
    return model


def texts(model: TimelineModel) -> list[str]:
    return [model.data(model.index(row), Roles.Text) for row in range(model.rowCount())]


def test_the_first_page_loads_and_only_it(qtbot: QtBot, trio_host: TrioHost,
                                          home: Home2) -> None:
    model = started(qtbot, trio_host, home.node)
    assert model.rowCount() == PAGE  # not everything: 300 posts are there
    first = run(qtbot, trio_host, home.node.feeds.home_timeline, PAGE)
    assert [p.id for p in model.posts] == [p.id for p in first.items]
    index = model.index(0)
    newest = first.items[0]
    assert index.data(Roles.Text) == newest.text == f"post {BOB_POSTS + 1} from " \
        f"{home.bob.device_id[:4].hex()}"
    assert index.data(Roles.Id) == ids.entry_text(newest.id)
    assert index.data(Roles.Account) == ids.account_text(home.bob.account_id)
    assert index.data(Roles.Time) == newest.ts
    assert index.data(Roles.ReplyCount) == 0 and index.data(Roles.Reactions) == []
    assert index.data(Roles.ContentWarning) is None and index.data(Roles.Images) == []
    assert b"authorName" in model.roleNames().values()
    assert model.canFetchMore(QModelIndex())
    model.stop()


def test_fetch_more_walks_every_page_without_duplicates_or_gaps(
        qtbot: QtBot, trio_host: TrioHost, home: Home2) -> None:
    model = started(qtbot, trio_host, home.node)
    pages = 1
    while model.canFetchMore(QModelIndex()):
        before = model.rowCount()
        model.fetchMore(QModelIndex())
        assert not model.canFetchMore(QModelIndex())  # one request in flight at a time
        model.fetchMore(QModelIndex())  # ignored while one is in flight
        qtbot.waitUntil(lambda: not model.loading, timeout=WAIT)
        assert model.rowCount() <= before + PAGE
        pages += 1
    expected = run(qtbot, trio_host, walk_all, home.node, 7)
    assert [p.id for p in model.posts] == [p.id for p in expected]
    assert model.rowCount() == BOB_POSTS
    assert len({p.id for p in model.posts}) == BOB_POSTS
    assert pages >= BOB_POSTS // PAGE
    model.stop()


def test_an_own_post_appears_at_the_top(qtbot: QtBot, trio_host: TrioHost,
                                        home: Home2) -> None:
    model = started(qtbot, trio_host, home.node)
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda parent, first, last: inserted.append((first, last)))
    run(qtbot, trio_host, home.node.posts.post, "hello from Alice")
    qtbot.waitUntil(lambda: model.rowCount() == PAGE + 1, timeout=WAIT)
    assert texts(model)[0] == "hello from Alice"
    assert model.index(0).data(Roles.AuthorName) == "Alice"
    assert inserted == [(0, 0)]
    model.stop()


def test_a_peers_posts_appear_at_the_top_in_order(qtbot: QtBot, trio_host: TrioHost,
                                                  home: Home2) -> None:
    model = started(qtbot, trio_host, home.node)
    old = texts(model)
    run(qtbot, trio_host, home.bob_posts, "from a peer")
    qtbot.waitUntil(lambda: model.rowCount() == PAGE + 1, timeout=WAIT)
    assert texts(model) == ["from a peer", *old]
    # a burst bigger than a page: the model walks down to its first item
    burst = [f"burst {i}" for i in range(2 * PAGE + 5)]
    run(qtbot, trio_host, home.bob_posts, *burst)
    qtbot.waitUntil(lambda: model.rowCount() == PAGE + 1 + len(burst), timeout=WAIT)
    assert texts(model) == [*reversed(burst), "from a peer", *old]
    model.stop()


def test_following_someone_reloads(qtbot: QtBot, trio_host: TrioHost, home: Home2) -> None:
    model = started(qtbot, trio_host, home.node)
    run(qtbot, trio_host, home.node.posts.unfollow, home.bob.account_id)
    qtbot.waitUntil(lambda: model.rowCount() == 0, timeout=WAIT)
    run(qtbot, trio_host, home.node.posts.follow, home.bob.account_id)
    qtbot.waitUntil(lambda: model.rowCount() == PAGE, timeout=WAIT)
    model.stop()


def test_the_view_keeps_the_row_being_read_in_place(qtbot: QtBot, trio_host: TrioHost,
                                                    home: Home2) -> None:
    model = started(qtbot, trio_host, home.node)
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.setModel(model)
    view.show()
    qtbot.waitExposed(view)
    view.scrollTo(model.index(10))
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() > 0, timeout=WAIT)
    reading = view.indexAt(view.viewport().rect().topLeft())
    reading_id, reading_top = reading.data(Roles.Id), view.visualRect(reading).top()
    rows = model.rowCount()
    run(qtbot, trio_host, home.bob_posts, "above you", "and another")
    qtbot.waitUntil(lambda: model.rowCount() >= rows + 2, timeout=WAIT)
    now = view.indexAt(view.viewport().rect().topLeft())
    assert now.data(Roles.Id) == reading_id
    assert abs(view.visualRect(now).top() - reading_top) <= 1
    # a reader at the very top sees the new posts
    bar.setValue(0)
    run(qtbot, trio_host, home.bob_posts, "at the top")
    qtbot.waitUntil(lambda: model.index(0).data(Roles.Text) == "at the top", timeout=WAIT)
    assert view.indexAt(view.viewport().rect().topLeft()).row() == 0
    model.stop()


def test_a_page_is_laid_out_before_it_lands(qtbot: QtBot, trio_host: TrioHost,
                                             home: Home2, monkeypatch: Any) -> None:
    """With a view, a page's rows are laid out in idle turns first; the insert (and
    Qt's pass over every row's height) then lays nothing out."""
    model = started(qtbot, trio_host, home.node)
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.setModel(model)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: not model.busy, timeout=WAIT)
    laid_out: set[int] = set()  # revisions
    lay_out = view.delegate._lay_out

    def spy(*args: Any) -> Any:
        made = lay_out(*args)
        laid_out.add(made.revision)
        return made

    ready: list[bool] = []  # at each insert: were the new rows laid out already?

    def inserted(parent: QModelIndex, first: int, last: int) -> None:
        ready.append(all(model.index(r).data(Roles.Revision) in laid_out
                         for r in range(first, last + 1)))

    monkeypatch.setattr(view.delegate, "_lay_out", spy)
    model.rowsInserted.connect(inserted)
    rows = model.rowCount()
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model.rowCount() > rows and not model.loading, timeout=WAIT)
    assert ready == [True]
    done = len(laid_out)
    view.doItemsLayout()  # Qt's pass over every loaded row's height: all known
    assert len(laid_out) == done
    model.stop()


def test_rows_still_landing_are_dropped_by_a_reload(qtbot: QtBot, trio_host: TrioHost,
                                                    home: Home2) -> None:
    model = started(qtbot, trio_host, home.node)
    held: list[int] = []
    gate = [False]

    def prepare(rows: list[Any]) -> Iterator[None]:
        held.append(len(rows))
        while not gate[0]:
            yield

    model.set_prepare(prepare)
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: held == [PAGE], timeout=WAIT)  # the page is in, held back
    assert model.rowCount() == PAGE and model.loading and model.busy
    assert not model.canFetchMore(QModelIndex())  # no second page while one lands
    model.reload()
    gate[0] = True
    qtbot.waitUntil(lambda: not model.busy, timeout=WAIT)
    assert model.rowCount() == PAGE  # the first page again, the held rows dropped
    expected = run(qtbot, trio_host, walk_all, home.node, 50)
    assert [p.id for p in model.posts] == [p.id for p in expected[:PAGE]]
    model.stop()


def test_revisions_are_never_shared(qtbot: QtBot, trio_host: TrioHost, home: Home2) -> None:
    """The delegate keys row heights by revision alone: no two looks share one."""
    model = started(qtbot, trio_host, home.node)
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: not model.loading, timeout=WAIT)
    seen = [model.index(r).data(Roles.Revision) for r in range(model.rowCount())]
    model.toggle_expanded(0)
    model.reload()
    qtbot.waitUntil(lambda: model.rowCount() == PAGE and not model.busy, timeout=WAIT)
    seen += [model.index(r).data(Roles.Revision) for r in range(model.rowCount())]
    assert len(set(seen)) == len(seen) == 3 * PAGE
    model.stop()


def test_relative_time() -> None:
    now = int(time.time() * 1000)
    assert relative_time(now - 5_000, now) == "now"
    assert relative_time(now - 5 * 60_000, now) == "5m"
    assert relative_time(now - 3 * 3_600_000, now) == "3h"
    assert relative_time(now - 2 * 86_400_000, now) == "2d"
    assert relative_time(now - 30 * 86_400_000, now).count("-") == 2


def test_a_late_older_post_goes_to_its_place(qtbot: QtBot, trio_host: TrioHost,
                                             home: Home2) -> None:
    """A followed account's backlog arrives: a post inside the loaded rows is inserted
    where it belongs; one below them comes with its page."""
    carol, dave = make_identity(3), make_identity(4)
    carol_log, dave_log = make_log(carol, 1), make_log(dave, 1)

    async def follow_both() -> None:
        await home.node.posts.follow(carol.account_id)
        await home.node.posts.follow(dave.account_id)

    run(qtbot, trio_host, follow_both)
    model = started(qtbot, trio_host, home.node)
    inside = home.bob_log[-5].timestamp + 500  # between Bob's 4th and 5th newest posts
    mid = make_entry(carol, carol_log[-1], content.Post("carol, late"), inside)
    low = make_entry(dave, dave_log[-1], content.Post("dave, way back"), dave_log[-1].timestamp)
    run(qtbot, trio_host, home.node.replication.ingest, [*carol_log, mid, *dave_log, low])
    qtbot.waitUntil(lambda: model.rowCount() == PAGE + 1, timeout=WAIT)
    assert texts(model)[4] == "carol, late"
    assert "dave, way back" not in texts(model)  # below the loaded rows
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
        qtbot.waitUntil(lambda: not model.loading, timeout=WAIT)
    expected = run(qtbot, trio_host, walk_all, home.node, 7)
    assert [p.id for p in model.posts] == [p.id for p in expected]
    model.stop()


# --- one model, several lists; stale rows ------------------------------------------------


def test_an_accounts_posts_follow_that_account_only(qtbot: QtBot, trio_host: TrioHost,
                                                    home: Home2) -> None:
    model = account_posts_model(trio_host, home.node, home.bob.account_id, page_size=PAGE)
    model.start()
    qtbot.waitUntil(lambda: model.rowCount() == PAGE and not model.busy, timeout=WAIT)
    assert {p.author for p in model.posts} == {home.bob.account_id}
    run(qtbot, trio_host, home.node.posts.post, "Alice's, not Bob's")
    run(qtbot, trio_host, home.bob_posts, "Bob's newest")
    qtbot.waitUntil(lambda: texts(model)[0] == "Bob's newest", timeout=WAIT)
    assert "Alice's, not Bob's" not in texts(model) and model.rowCount() == PAGE + 1
    model.stop()


def test_search_results_page_and_stay_a_snapshot(qtbot: QtBot, trio_host: TrioHost,
                                                 home: Home2) -> None:
    run(qtbot, trio_host, home.node.replication.index_text)
    model = search_model(trio_host, home.node, "post", page_size=PAGE)
    model.start()
    qtbot.waitUntil(lambda: model.rowCount() == PAGE and not model.busy, timeout=WAIT)
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model.rowCount() == 2 * PAGE and not model.loading, timeout=WAIT)
    run(qtbot, trio_host, home.node.posts.post, "another post")
    run(qtbot, trio_host, home.bob_posts, "one more post")
    qtbot.wait_until(lambda: not model.busy, timeout=WAIT)
    assert model.rowCount() == 2 * PAGE  # search does not follow new posts
    model.stop()


def row_of(model: TimelineModel, post_id: bytes) -> int:
    return next(r for r, p in enumerate(model.posts) if p.id == post_id)


def test_reactions_edits_and_deletes_refresh_loaded_rows(qtbot: QtBot, trio_host: TrioHost,
                                                         home: Home2) -> None:
    mine = run(qtbot, trio_host, home.node.posts.post, "first version")
    model = started(qtbot, trio_host, home.node)
    changed: list[int] = []
    model.dataChanged.connect(lambda first, last, roles=(): changed.append(first.row()))
    bobs = model.posts[3]
    # a peer's reaction to a loaded post of Bob's, and our own
    reaction = make_entry(home.bob, home.bob_log[-1], content.Reaction(bobs.id, "🎉"),
                          home.bob_log[-1].timestamp + 1)
    run(qtbot, trio_host, home.node.replication.ingest, [reaction])
    home.bob_log.append(reaction)
    run(qtbot, trio_host, home.node.posts.react, bobs.id, "❤️")
    index = model.index(row_of(model, bobs.id))
    qtbot.waitUntil(lambda: sorted(index.data(Roles.Reactions)) == [("❤️", 1), ("🎉", 1)]
                    and index.data(Roles.Reacted) == ("❤️",), timeout=WAIT)
    assert index.row() in changed
    # an edit of our own post, then its deletion
    run(qtbot, trio_host, home.node.posts.edit, mine.id, "second version")
    own = model.index(row_of(model, mine.id))
    qtbot.waitUntil(lambda: own.data(Roles.Text) == "second version", timeout=WAIT)
    assert own.data(Roles.Edited) is True
    run(qtbot, trio_host, home.node.posts.delete, mine.id)
    qtbot.waitUntil(lambda: own.data(Roles.Deleted) is True, timeout=WAIT)
    assert "This post was deleted." in own.data(Qt.ItemDataRole.AccessibleTextRole)
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(400, 600)
    view.setModel(model)
    view.show()
    qtbot.waitExposed(view)
    from PySide6.QtWidgets import QStyleOptionViewItem

    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(own)
    layout = view.delegate.layout(option, own)
    assert layout.doc is None and layout.notice is not None
    assert layout.notice[1] == "This post was deleted."
    model.stop()


def test_a_100k_store_scrolls_without_loading_everything(qtbot: QtBot, trio_host: TrioHost,
                                                         tmp_path: Path) -> None:
    node = Node.init(Home(tmp_path / "alice"), "Alice")
    bob = make_identity(2)
    log = make_log(bob, 100_001)

    async def fill() -> None:
        await node.posts.follow(bob.account_id)
        for i in range(0, len(log), 10_000):
            await node.replication.ingest(log[i:i + 10_000])

    run(qtbot, trio_host, fill)
    model = TimelineModel(trio_host, node)
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(500, 700)
    view.setModel(model)
    model.start()
    view.show()
    qtbot.waitUntil(lambda: model.rowCount() > 0 and not model.loading, timeout=WAIT)
    bar = view.verticalScrollBar()
    for _step in range(200):  # well down: about 1,500 rows
        bar.setValue(bar.value() + view.viewport().height())
        view.viewport().repaint()
        qtbot.waitUntil(lambda: bar.maximum() - bar.value() > view.viewport().height()
                        or not model.loading, timeout=WAIT)
    top = view.indexAt(view.viewport().rect().topLeft()).row()
    assert top > 1000
    assert model.rowCount() < 5000  # only what was scrolled to, plus a few pages ahead
    assert model.index(top).data(Roles.Text) == f"post {100_001 - top} from " \
        f"{bob.device_id[:4].hex()}"
    model.stop()
    assert trio_host.stop()
    node.close()
