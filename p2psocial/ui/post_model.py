"""A list of posts as a Qt model: keyset pages on demand, followed live.

Theory of operation
-------------------

One class, four lists. ``PostListModel`` is given a *pager*, ``async (limit, before)
-> Page`` (the node's home timeline, one account's posts, search results, mentions),
and an *event filter* that says what a live domain event (events.py) means for it
(``Concern``, post_events.py): nothing, maybe a post of ours (walk the top), or
"reload" (our own follow changed what the home shows). Unknown events concern no list.

Paging. The model holds the posts it has loaded, in the pager's order (newest
first), as the node's ``PostView`` values, each in a small ``Row`` with the state the
list adds (content warning expanded, a revision number). It starts with one page and
asks for the next only when a view calls ``fetchMore``, passing the cursor of the last
page as ``before``. At most one page request is in flight at a time, so fast
scrolling never asks twice for the same page, and nothing is loaded that no one
scrolled to.

Streaming in at the top. The model follows the node's events through a long-lived
call on the ``TrioHost`` (``follow_events``). It only notes what happened and
schedules work for Qt's loop; the work itself is another host call whose result
comes back on the GUI thread like any other:

- a post that may concern the list marks the top stale; the model then walks pages
  from the newest down until it meets its own first item and inserts what is newer
  at row 0 (one ``beginInsertRows(0, n - 1)``). Events that arrive while that walk is
  in flight mark the top stale again, and one more walk follows: a sync burst of
  thousands of entries costs a few walks, not one per entry. If more than
  ``MAX_TOP_INSERT`` posts are newer, the model reloads its first page instead
  (``modelReset``): a gap would otherwise be left.
- ``Concern.RELOAD``, and ``Lagged`` (events were lost): reload the first page.

Page requests (down) and top walks (up) are independent; each kind has at most one
request in flight. A reload cancels both and bumps a generation number, so a late
answer to a request from before the reload is ignored.

Older posts. A post older than our first item (a peer's backlog arriving late)
belongs somewhere below it. The model asks for the page that starts just above the
post's timestamp (the post, stored last, is the first of its timestamp there) and
inserts it at its place if it falls inside the loaded rows; one further down comes
with its page. More than ``MAX_BACKFILL`` such posts in one batch reload instead.

Stale rows. Reactions, edits and deletions change posts already shown, and so does a
reply (its parent's reply count). Their events name the post (``ReactionChanged``,
``PostChanged``, ``PostAdded.parent``); the model re-reads those it has loaded with
``Node.feeds.post_view`` and emits ``dataChanged`` for their rows. Like the top walk, this
is one request at a time; what arrives meanwhile waits for the next.

Profiles. Rows show the author's avatar, and by name the accounts a post mentions and
the author of the post a reply answers ("Replying to Bob"): the model keeps an account
-> ``ProfileView`` cache, filled in batches on first use (``data`` asks; one call
fetches every account asked for since), and refreshed on a ``ProfileChanged``. When
profiles arrive, the rows that use them get a new revision and a ``dataChanged``.

Every row carries a revision number (``Roles.Revision``) that changes whenever what
it shows changes: the delegate keys its laid-out documents and row heights by it.
Revisions come from one process-wide counter, so a number never means two looks (not
even across a reload, or in two lists): one look-up of it is enough to know whether a
height is still good (Qt asks every loaded row's height on each insert).

Landing (prepared inserts). Laying out a row costs a fraction of a millisecond; 50
at once would stall a scroll step. A view can therefore give the model a *prepare*
function (``set_prepare``): the rows of a page, or of a top walk, are then not
inserted as they arrive but handed to it first, and the model steps through that
work in idle turns of Qt's loop, at most ``IDLE_BUDGET_S`` per turn, before one
``beginInsertRows`` for all of them. Until they land the request still counts as in
flight (``loading``, ``busy``; no second page or walk starts). Without a prepare
function (a model on its own, in tests) rows are inserted at once. The first page
after a start or reload is inserted at once either way: a reader is waiting for it.
A next page's request also reads the profiles of the accounts its rows mention, so
rows are laid out once, with names, instead of again when the profiles come in.
"""

from __future__ import annotations

import bisect
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from ..store.views import Cursor, Page, PostView, ProfileView
from .post_events import EventFilter, follow_events, no_events, note
from .post_roles import ROLE_NAMES, SPOKEN, Roles, role_value
from .post_words import (
    HEART,
    author_name,
    clock_note,
    names_wanted,
    relative_time_long,
    spoken,
)

if TYPE_CHECKING:
    from ..node import Node
    from .loop import Call, TrioHost

# some words of a row (post_words.py), its roles (post_roles.py) and follow_events
# (post_events.py) lived here once: other modules and tests still import them from here
__all__ = ["HEART", "PAGE_SIZE", "PostListModel", "Roles", "Row", "author_name", "clock_note",
           "follow_events", "names_wanted", "relative_time_long", "spoken"]

PAGE_SIZE = 50
MAX_TOP_INSERT = 500  # more new posts than this at once: reload instead of inserting
IDLE_BUDGET_S = 0.001  # prepare work per idle turn (then the row under way ends)

Pager = Callable[[int, Cursor | None], Awaitable[Page]]
AnyIndex = QModelIndex | QPersistentModelIndex


_revisions = itertools.count(1)


def new_revision() -> int:
    """A revision number never handed out before (in this process)."""
    return next(_revisions)


@dataclass(slots=True)
class Row:
    """A loaded post and what the list adds to it."""

    post: PostView
    expanded: bool = False
    revision: int = field(default_factory=new_revision)


Prepare = Callable[[list[Row]], Iterator[None]]
"""Work a view does on rows before they are inserted (laying them out): one step per
``next``; the model runs it in idle turns (see Landing in the module docstring)."""




def _key(cursor: Cursor) -> tuple[int, int]:
    return cursor.ts, cursor.rowid


class PostListModel(QAbstractListModel):
    """Posts, newest first, paged on demand through ``pager`` and followed live.

    ``start()`` loads the first page and begins following the node's events;
    ``stop()`` cancels both (the owner calls it before the host stops).
    """

    loading_changed = Signal(bool)
    """A page request (first or next) started (True) or ended (False)."""
    error = Signal(str)
    """A request failed: one line for the window."""

    def __init__(self, host: TrioHost, node: Node, pager: Pager,
                 events: EventFilter = no_events, page_size: int = PAGE_SIZE,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._node = node
        self._pager = pager
        self._concern = events
        self._page_size = page_size
        self._rows: list[Row] = []
        self._by_id: dict[bytes, Row] = {}
        self._next: Cursor | None = None
        self._at_end = False
        self._started = False
        self._generation = 0  # bumped by a reload: late answers from before are dropped
        self._page_call: Call | None = None
        self._top_call: Call | None = None
        self._top_stale = False
        self._follow_call: Call | None = None
        self._stale: set[bytes] = set()  # posts to read again if loaded (post_events.note)
        self._refresh_call: Call | None = None
        self._profiles: dict[bytes, ProfileView | None] = {}  # None: asked, not back yet
        self._wanted_profiles: set[bytes] = set()
        self._profile_call: Call | None = None
        self._prepare: Prepare | None = None
        self._landing: deque[tuple[int, Iterator[None], Callable[[], None]]] = deque()
        self._page_landing = False  # a page's rows are being prepared
        self._top_landing = False  # a top walk's rows are being prepared
        self._idle = QTimer(self)
        self._idle.setInterval(0)
        self._idle.timeout.connect(self._land_some)

    # --- life cycle ---------------------------------------------------------------

    def start(self) -> None:
        """Load the first page and follow the node's events."""
        if self._started:
            return
        self._started = True
        self._follow_call = self._host.call(follow_events, self._node, self._on_events,
                                            on_error=self._on_failed)
        self._request_page(None)

    def stop(self) -> None:
        """Cancel the requests in flight and stop following events."""
        for call in (self._page_call, self._top_call, self._follow_call, self._refresh_call,
                     self._profile_call):
            if call is not None:
                call.cancel()
        self._page_call = self._top_call = self._follow_call = None
        self._refresh_call = self._profile_call = None
        self._drop_landing()
        self._started = False

    def set_prepare(self, prepare: Prepare | None) -> None:
        """Have ``prepare`` run over new rows, in idle turns, before they are inserted
        (a view lays them out); None: insert at once."""
        self._prepare = prepare

    @property
    def loading(self) -> bool:
        """A page is being read, or its rows prepared."""
        return self._page_call is not None or self._page_landing

    @property
    def busy(self) -> bool:
        """Some request (page, top walk, refresh, profiles) is in flight, or rows are
        being prepared."""
        return self._page_landing or self._top_landing or any(
            c is not None for c in (self._page_call, self._top_call, self._refresh_call,
                                    self._profile_call))

    @property
    def posts(self) -> list[PostView]:
        """The loaded posts, newest first (a copy)."""
        return [row.post for row in self._rows]

    def post_at(self, row: int) -> PostView | None:
        return self._rows[row].post if 0 <= row < len(self._rows) else None

    def toggle_expanded(self, row: int) -> None:
        """Open or close the content warning of ``row``."""
        if 0 <= row < len(self._rows):
            self.setData(self.index(row), not self._rows[row].expanded, Roles.Expanded)

    # --- Qt's model interface -----------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Roles.Expanded:
            return row.expanded
        if role == Roles.Revision:
            return row.revision
        if role == Roles.Avatar:
            profile = self.profile(row.post.author)
            return profile.avatar if profile is not None else None
        if role == Roles.MentionNames:
            return self.mention_names(row.post)
        if role in SPOKEN:
            names = self.mention_names(row.post) if row.post.reply_author else {}
            return spoken(row.post, _now_ms(), names)
        return role_value(row.post, role)

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole,
                ) -> bool:
        if role != Roles.Expanded or not index.isValid():
            return False
        row = self._rows[index.row()]
        row.expanded = bool(value)
        row.revision = new_revision()
        self.dataChanged.emit(index, index, [Roles.Expanded, Roles.Revision])
        return True

    def roleNames(self) -> dict[int, QByteArray]:
        return {role: QByteArray(name) for role, name in ROLE_NAMES.items()}

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() or not self._started:
            return False
        return not self._at_end and not self.loading and self._next is not None

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        self._request_page(self._next)

    # --- rows -----------------------------------------------------------------------------

    def _insert(self, at: int, rows: list[Row]) -> None:
        rows = [r for r in rows if r.post.id not in self._by_id]  # e.g. landed late
        if not rows:
            return
        self.beginInsertRows(QModelIndex(), at, at + len(rows) - 1)
        self._rows[at:at] = rows
        self._by_id.update((r.post.id, r) for r in rows)
        self.endInsertRows()

    # --- landing: rows prepared in idle turns, then inserted ------------------------------

    def _land(self, rows: list[Row], insert: Callable[[], None]) -> None:
        """Prepare ``rows`` (if a view asked to) in idle turns, then call ``insert``."""
        if self._prepare is None or not rows:
            insert()
            return
        self._landing.append((self._generation, self._prepare(rows), insert))
        self._idle.start()

    def _land_some(self) -> None:
        """One idle turn: prepare for up to IDLE_BUDGET_S; insert what is ready."""
        deadline = time.perf_counter() + IDLE_BUDGET_S
        while self._landing:
            generation, work, insert = self._landing[0]
            if generation == self._generation:
                for _step in work:
                    if time.perf_counter() >= deadline:
                        return  # the rest in the next idle turn
            self._landing.popleft()
            if generation == self._generation:
                insert()
        self._idle.stop()

    def _drop_landing(self) -> None:
        self._landing.clear()
        self._idle.stop()
        if self._page_landing:
            self._page_landing = False
            self.loading_changed.emit(False)
        self._top_landing = False

    def _touch(self, changed: Callable[[Row], bool]) -> None:
        """A new revision and ``dataChanged`` for the rows where ``changed(row)``."""
        self._signal_rows(changed, bump=True)

    def _repaint(self, changed: Callable[[Row], bool]) -> None:
        """``dataChanged`` without a new revision: the look changes, not the layout."""
        self._signal_rows(changed, bump=False)

    def _signal_rows(self, changed: Callable[[Row], bool], bump: bool) -> None:
        roles = [Roles.Revision] if bump else [Roles.Avatar]
        run: list[int] = []
        for number, row in enumerate(self._rows):
            if changed(row):
                if bump:
                    row.revision = new_revision()
                run.append(number)
            elif run:
                self.dataChanged.emit(self.index(run[0]), self.index(run[-1]), roles)
                run = []
        if run:
            self.dataChanged.emit(self.index(run[0]), self.index(run[-1]), roles)

    # --- pages, downwards ---------------------------------------------------------------

    def _request_page(self, before: Cursor | None) -> None:
        generation = self._generation
        self._page_call = self._host.call(
            self._read_page, before,
            on_result=lambda got: self._on_page(generation, before, *got),
            on_error=self._on_page_failed)
        self.loading_changed.emit(True)

    async def _read_page(self, before: Cursor | None,
                         ) -> tuple[Page, list[ProfileView]]:
        """A page, and the profiles of the accounts its rows mention that the model has
        not asked for (a name changes a row's layout; an avatar only its paint). Not for
        the first page: that one is wanted on screen as soon as possible."""
        page = await self._pager(self._page_size, before)
        if before is None:
            return page, []
        accounts = {a for p in page.items for a in names_wanted(p)}
        return page, await self._read_profiles(accounts - self._profiles.keys())

    def _on_page(self, generation: int, before: Cursor | None, page: Page,
                 profiles: list[ProfileView]) -> None:
        if generation != self._generation:
            return
        self._page_call = None
        # accounts asked meanwhile (None) are on their way with their own signals
        self._profiles.update((p.account, p) for p in profiles
                              if p.account not in self._profiles)
        if before is None:  # the first page (after start or a reload)
            self.loading_changed.emit(False)
            self.beginResetModel()
            self._rows = [Row(p) for p in page.items]
            self._by_id = {r.post.id: r for r in self._rows}
            self._next, self._at_end = page.next, page.next is None
            self.endResetModel()
            # a post stored while this page was read may be missing from it, its event
            # already gone: one walk from the top closes that window
            self._top_stale = True
            QTimer.singleShot(0, self, self._refresh_top)
            return
        fresh = [Row(p) for p in page.items if p.id not in self._by_id]  # keyset pages
        self._next, self._at_end = page.next, page.next is None  # do not overlap: safety
        self._page_landing = True
        self._land(fresh, lambda: self._page_landed(fresh))

    def _page_landed(self, rows: list[Row]) -> None:
        self._page_landing = False
        self._insert(len(self._rows), rows)
        self.loading_changed.emit(False)

    def _on_page_failed(self, exc: Exception) -> None:
        self._page_call = None
        self.loading_changed.emit(False)
        self._on_failed(exc)

    def _on_failed(self, exc: Exception) -> None:
        from .loop import one_line

        self.error.emit(one_line(exc))

    # --- events and the top --------------------------------------------------------------

    def _on_events(self, events: list[Any]) -> None:
        """Called from the follower task (inside Trio's step): note, and schedule."""
        notes = note(events, self._concern, self._rows[0].post.ts if self._rows else None)
        self._stale |= notes.stale
        if self._stale:
            QTimer.singleShot(0, self, self._refresh_stale)
        if notes.profiles:
            QTimer.singleShot(0, self, lambda: self._forget_profiles(notes.profiles))
        if notes.reload:
            QTimer.singleShot(0, self, self.reload)
            return
        if notes.posts:
            self._top_stale = True
            QTimer.singleShot(0, self, self._refresh_top)
        if notes.older:
            QTimer.singleShot(0, self, lambda: self._backfill(notes.older))

    def reload(self) -> None:
        """Drop what is loaded and load the first page again."""
        self._generation += 1
        for call in (self._page_call, self._top_call):
            if call is not None:
                call.cancel()
        self._page_call = self._top_call = None
        self._drop_landing()
        self._top_stale = False
        if self._started:
            self._request_page(None)

    def _refresh_top(self) -> None:
        if (not self._started or not self._top_stale or self._top_call is not None
                or self._top_landing):
            return
        if self._page_call is not None and not self._rows:
            return  # the first page is on its way and will hold the new posts
        self._top_stale = False
        top = self._rows[0].post.cursor if self._rows else None
        generation = self._generation
        self._top_call = self._host.call(
            self._newer_than, top,
            on_result=lambda newer: self._on_newer(generation, newer),
            on_error=self._on_top_failed)

    async def _newer_than(self, top: Cursor | None) -> list[PostView] | None:
        """The posts newer than ``top``, newest first; None if more than MAX_TOP_INSERT."""
        newer: list[PostView] = []
        before: Cursor | None = None
        while True:
            page = await self._pager(self._page_size, before)
            for post in page.items:
                if top is not None and _key(post.cursor) <= _key(top):
                    return newer
                newer.append(post)
            if len(newer) > MAX_TOP_INSERT:
                return None
            if page.next is None:
                return newer
            before = page.next

    def _on_newer(self, generation: int, newer: list[PostView] | None) -> None:
        if generation != self._generation:
            return
        self._top_call = None
        if newer is None:
            self.reload()
            return
        fresh = [Row(p) for p in newer if p.id not in self._by_id]
        self._top_landing = True
        self._land(fresh, lambda: self._top_landed(fresh))

    def _top_landed(self, rows: list[Row]) -> None:
        self._top_landing = False
        self._insert(0, rows)
        if self._top_stale:
            QTimer.singleShot(0, self, self._refresh_top)

    def _on_top_failed(self, exc: Exception) -> None:
        self._top_call = None
        self._on_failed(exc)

    def _backfill(self, older: list[tuple[bytes, int]]) -> None:
        """Find where posts older than our first item go (a peer's backlog) and insert
        those that fall inside the loaded rows; those below them come with their page."""
        if not self._started:
            return
        generation = self._generation
        self._host.call(self._find_posts, older,
                        on_result=lambda found: self._on_found(generation, found),
                        on_error=self._on_failed)

    async def _find_posts(self, older: list[tuple[bytes, int]]) -> list[PostView]:
        """The list's views of these posts (those in it). A post just stored has the
        highest rowid, so it is the first of its timestamp in the keyset order: a page
        that starts just above its timestamp finds it at once."""
        by_ts: dict[int, set[bytes]] = {}
        for entry_id, ts in older:
            by_ts.setdefault(ts, set()).add(entry_id)
        found: list[PostView] = []
        for ts, wanted in by_ts.items():
            page = await self._pager(len(wanted) + 8, Cursor(ts + 1, 0))
            found += [p for p in page.items if p.id in wanted]
        return found

    def _on_found(self, generation: int, found: list[PostView]) -> None:
        if generation != self._generation or not self._rows:
            return
        for post in sorted(found, key=lambda p: _key(p.cursor), reverse=True):
            key = _key(post.cursor)
            if post.id in self._by_id or (key < _key(self._rows[-1].post.cursor)
                                          and not self._at_end):
                continue  # already shown, or below the loaded rows: its page brings it
            if key > _key(self._rows[0].post.cursor):
                continue  # newer than our first item: the top walk brings it
            at = bisect.bisect_left(self._rows, (-key[0], -key[1]),  # newest first
                                    key=lambda r: (-r.post.cursor.ts, -r.post.cursor.rowid))
            self._insert(at, [Row(post)])

    # --- stale rows: reactions, edits, deletions, replies ---------------------------------

    def _refresh_stale(self) -> None:
        if not self._started or not self._stale or self._refresh_call is not None:
            return
        stale, self._stale = list(self._stale), set()
        self._refresh_call = self._host.call(self._reread, stale, on_result=self._on_reread,
                                             on_error=self._on_refresh_failed)

    async def _reread(self, stale: list[bytes]) -> list[PostView]:
        """The loaded posts among ``stale``, read again."""
        return [await self._node.feeds.post_view(p) for p in stale if p in self._by_id]

    def _on_reread(self, posts: list[PostView]) -> None:
        self._refresh_call = None
        fresh = {p.id: p for p in posts}
        for post_id, post in fresh.items():
            row = self._by_id.get(post_id)
            if row is not None:
                row.post = post
        self._touch(lambda row: row.post.id in fresh)
        if self._stale:
            QTimer.singleShot(0, self, self._refresh_stale)

    def _on_refresh_failed(self, exc: Exception) -> None:
        self._refresh_call = None
        self._on_failed(exc)

    # --- profiles: avatars and the names of mentioned accounts ----------------------------

    def profile(self, account: bytes) -> ProfileView | None:
        """The account's profile if known; otherwise asked for, and None for now."""
        if account in self._profiles:
            return self._profiles[account]
        self._profiles[account] = None
        self._wanted_profiles.add(account)
        if self._started and len(self._wanted_profiles) == 1:
            QTimer.singleShot(0, self, self._fetch_profiles)
        return None

    def mention_names(self, post: PostView) -> dict[bytes, str]:
        """{account: name} of the accounts ``post`` mentions, and of the author of the
        post it replies to, whose names are known."""
        names = {}
        for account in names_wanted(post):
            profile = self.profile(account)
            if profile is not None and profile.name:
                names[account] = profile.name
        return names

    def _fetch_profiles(self) -> None:
        if not self._started or not self._wanted_profiles or self._profile_call is not None:
            return
        wanted, self._wanted_profiles = list(self._wanted_profiles), set()
        self._profile_call = self._host.call(self._read_profiles, wanted,
                                             on_result=self._on_profiles,
                                             on_error=self._on_profiles_failed)

    async def _read_profiles(self, accounts: Iterable[bytes]) -> list[ProfileView]:
        return [await self._node.feeds.profile(a) for a in accounts]

    def _on_profiles(self, profiles: list[ProfileView]) -> None:
        self._profile_call = None
        got = {p.account for p in profiles}
        self._profiles.update((p.account, p) for p in profiles)
        # a mention's name changes the text's layout (a new revision); an avatar does not
        self._touch(lambda row: not got.isdisjoint(names_wanted(row.post)))
        self._repaint(lambda row: row.post.author in got)
        if self._wanted_profiles:
            QTimer.singleShot(0, self, self._fetch_profiles)

    def _on_profiles_failed(self, exc: Exception) -> None:
        self._profile_call = None
        self._on_failed(exc)

    def _forget_profiles(self, accounts: set[bytes]) -> None:
        """A ``ProfileChanged``: read the accounts again if we had them."""
        for account in accounts & self._profiles.keys():
            del self._profiles[account]
            self.profile(account)


def _now_ms() -> int:
    return int(time.time() * 1000)
