"""Read queries. Each one is an index range scan bounded by its page size (O(page),
not O(store)); the comment on each says which index carries it."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import replace

from .. import content as c
from ..content import Kind
from ..errors import InvalidEntry
from .mutes import NOTIFICATION_SHOWN, SHOWN, SHOWN_ON_PROFILE, WARNING, collapsed
from .schema import SAME_EMOJI, id8
from .views import (
    Cursor,
    NotificationPage,
    NotificationView,
    Page,
    PostView,
    ProfileView,
    Relation,
)

# A followers-only post's body is the decrypted one in circle_posts (migration 5;
# store/circles.py), not the sealed entry's: one primary-key probe per row shown.
# p.ts is where the post is placed (never after it arrived), e.ts what its author
# signed (p2psocial/timestamps.py): lists order by the first and say when they differ.
# The last column is the phrase of a warn filter the post matches (store/mutes.py);
# every query gives :me.
_SELECT = f"""
SELECT p.rowid, e.id, a.id, pr.name, p.ts, p.text, p.cw, p.parent, p.root, p.edited,
       p.deleted, coalesce(cp.body, e.body), cp.rowid IS NOT NULL, e.ts, {WARNING}
FROM posts p
JOIN entries e ON e.rowid = p.rowid
JOIN accounts a ON a.rowid = p.author
LEFT JOIN profiles pr ON pr.account = p.author
LEFT JOIN circle_posts cp ON cp.rowid = p.rowid
"""
_NOT_BLOCKED = ("p.author NOT IN (SELECT blocked FROM blocks WHERE blocker = :me "
                "AND active = 1)")
_NEWEST_FIRST = "ORDER BY p.ts DESC, p.rowid DESC LIMIT :limit"
_BEFORE = "(p.ts, p.rowid) < (:ts, :rowid)"
_FAR_FUTURE = Cursor(2**62, 2**62)


class Queries:
    def __init__(self, conn: sqlite3.Connection, local: int | None) -> None:
        self.conn = conn
        self.local = local

    def _params(self, limit: int, before: Cursor | None, **more: object) -> dict[str, object]:
        cur = before or _FAR_FUTURE
        return {"limit": max(1, min(limit, 500)), "ts": cur.ts, "rowid": cur.rowid,
                "me": self.local or -1, **more}

    def home(self, limit: int = 50, before: Cursor | None = None) -> Page:
        """Posts of the local account and the accounts it follows, newest first.
        Index: posts_home (partial, in_home = 1)."""
        sql = f"{_SELECT} WHERE p.in_home = 1 AND {_BEFORE} AND {SHOWN} {_NEWEST_FIRST}"
        return self._page(sql, self._params(limit, before))

    def account_posts(self, account: int, limit: int = 50,
                      before: Cursor | None = None) -> Page:
        """One account's live posts, newest first. Index: posts_author."""
        sql = (f"{_SELECT} WHERE p.author = :author AND p.deleted = 0 AND {_BEFORE} "
               f"AND {SHOWN_ON_PROFILE} {_NEWEST_FIRST}")
        return self._page(sql, self._params(limit, before, author=account))

    def mentions(self, account: int, limit: int = 50, before: Cursor | None = None) -> Page:
        """Posts that mention ``account``, newest first. Index: mentions primary key."""
        sql = (f"{_SELECT} JOIN mentions m ON m.post = p.rowid WHERE m.account = :account "
               f"AND (m.ts, m.post) < (:ts, :rowid) AND {_NOT_BLOCKED} AND {SHOWN} "
               "ORDER BY m.ts DESC, m.post DESC LIMIT :limit")
        return self._page(sql, self._params(limit, before, account=account))

    def thread(self, any_id: bytes, limit: int = 2000) -> list[PostView]:
        """The whole conversation that ``any_id`` belongs to, oldest first, deleted posts
        kept as placeholders so the tree stays whole. Indexes: entries_id for the root,
        posts_thread for the replies; reply counts come from the rows themselves."""
        row = self.conn.execute("SELECT coalesce(p.root, e.id) FROM entries e JOIN posts p "
                                "ON p.rowid = e.rowid WHERE e.id8 = ? AND e.id = ?",
                                (id8(any_id), any_id)).fetchone()
        root = row[0] if row else any_id
        params = {"root": root, "root8": id8(root), "me": self.local or -1, "limit": limit}
        rows = self.conn.execute(f"{_SELECT} WHERE e.id8 = :root8 AND e.id = :root AND "
                                 f"{_NOT_BLOCKED}", params).fetchall()
        rows += self.conn.execute(f"{_SELECT} WHERE p.root = :root AND {_NOT_BLOCKED} "
                                  "LIMIT :limit", params).fetchall()
        rows.sort(key=lambda r: (r[4], r[0]))  # (ts, rowid)
        replies: dict[bytes, int] = {}
        for r in rows:
            if r[7] is not None and not r[10]:  # a live reply counts for its parent
                replies[r[7]] = replies.get(r[7], 0) + 1
        # what the lists hide is kept here collapsed: the tree stays whole (a muted
        # thread itself is shown whole: one opened it)
        hidden = collapsed(self.conn, [int(r[0]) for r in rows], self.local or -1)
        views = [self._view(r, replies.get(r[1], 0)) for r in rows]
        return [v if v.cursor.rowid not in hidden else
                replace(v, muted=hidden[v.cursor.rowid][0],
                        filtered=hidden[v.cursor.rowid][1] or v.filtered) for v in views]

    def search(self, text: str, limit: int = 50, before: Cursor | None = None) -> Page:
        """Full-text search, most recently stored first. Index: posts_fts (FTS5).

        Whole words first; the last word also matches as a prefix (for typing) only when
        whole words do not fill a page, because FTS5 reads every posting of a prefix
        whatever the LIMIT (43 ms for a common prefix at 1M posts, 0.1 ms for the word).
        """
        limit = max(1, min(limit, 500))
        tag = _TAG_ONLY.fullmatch(text.strip())
        if tag is not None:
            return self.tagged(tag.group(1).lower(), limit, before)
        query = fts_query(text, prefix=False)
        if not query:
            return Page([], None)
        prefixed = fts_query(text, prefix=True)
        if prefixed != query and self._matches(query, limit) < limit:
            query = prefixed
        cur = before or _FAR_FUTURE
        sql = (f"{_SELECT} JOIN posts_fts f ON f.rowid = p.rowid WHERE posts_fts MATCH :q "
               f"AND f.rowid < :rowid AND {_NOT_BLOCKED} AND {SHOWN} "
               "ORDER BY f.rowid DESC LIMIT :limit")
        items = self._rows(sql, {"q": query, "rowid": cur.rowid, "me": self.local or -1,
                                 "limit": limit})
        items = [_with_cursor(v, Cursor(0, v.cursor.rowid)) for v in items]
        return Page(items, items[-1].cursor if len(items) == limit else None)

    def tagged(self, tag: str, limit: int = 50, before: Cursor | None = None) -> Page:
        """Posts whose text holds ``#tag`` (lower case, without '#'), most recently stored
        first: what a click on a #tag lists, where a search for the word would also list
        every post that merely says it.

        Index: posts_fts, for the word (to the tokenizer a tag is a word of the text);
        then the text's own tags (``content.extract_tags``, the rule that makes the
        #tag a link) decide, over the matching rows' text only, in chunks. There is no
        tag table: the cost is the posts that hold the word, read until a page is full.
        """
        limit = max(1, min(limit, 500))
        query = fts_query(tag, prefix=False)
        if not query:
            return Page([], None)
        below = (before or _FAR_FUTURE).rowid
        found: list[int] = []
        while len(found) < limit:
            rows = self.conn.execute(
                "SELECT p.rowid, p.text FROM posts_fts f JOIN posts p ON p.rowid = f.rowid "
                "JOIN entries e ON e.rowid = p.rowid "
                f"WHERE posts_fts MATCH :q AND f.rowid < :rowid AND {_NOT_BLOCKED} "
                f"AND {SHOWN} ORDER BY f.rowid DESC LIMIT :chunk",
                {"q": query, "rowid": below, "me": self.local or -1,
                 "chunk": _TAG_CHUNK}).fetchall()
            for rowid, text in rows:
                if tag in c.extract_tags(text):
                    found.append(int(rowid))
                    if len(found) == limit:
                        break
            if len(rows) < _TAG_CHUNK:
                break
            below = int(rows[-1][0])
        if not found:
            return Page([], None)
        marks = ", ".join(f":r{n}" for n in range(len(found)))
        items = self._rows(f"{_SELECT} WHERE p.rowid IN ({marks}) ORDER BY p.rowid DESC",
                           {"me": self.local or -1,
                            **{f"r{n}": rowid for n, rowid in enumerate(found)}})
        items = [_with_cursor(v, Cursor(0, v.cursor.rowid)) for v in items]
        return Page(items, items[-1].cursor if len(found) == limit and items else None)

    def _matches(self, query: str, up_to: int) -> int:
        return int(self.conn.execute(
            "SELECT count(*) FROM (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ? "
            "LIMIT ?)", (query, up_to)).fetchone()[0])

    def post(self, entry_id: bytes) -> PostView | None:
        rows = self._rows(f"{_SELECT} WHERE e.id8 = :id8 AND e.id = :id",
                          {"id8": id8(entry_id), "id": entry_id, "me": self.local or -1})
        return rows[0] if rows else None

    def targets_of(self, entry_ids: Sequence[bytes]) -> list[bytes]:
        """The posts that the reactions, edits and deletes among ``entry_ids`` act on,
        and the posts whose reply count they change (the parent of a reply, or of a
        deleted reply), deduplicated, in order (a view refreshes those rows). Other
        kinds, and targets that are not posts held here, are left out. Index:
        entries_id8, a few times per id."""
        out: dict[bytes, None] = {}
        for entry_id in entry_ids:
            row = self._entry(entry_id)
            if row is not None and row[0] == Kind.POST:
                parent = self._parent_of(entry_id)  # a reply: its parent counts one more
                if parent is not None:
                    out[parent] = None
                continue
            post = self._post_acted_on(entry_id)
            if post is not None:
                out[post] = None
                if row is not None and row[0] == Kind.DELETE:
                    parent = self._parent_of(post)  # a reply deleted: one fewer
                    if parent is not None:
                        out[parent] = None
        return list(out)

    def _parent_of(self, post_id: bytes) -> bytes | None:
        """The post that ``post_id`` answers, if it is a reply and its parent is held.
        Index: entries_id8, twice."""
        row = self.conn.execute(
            "SELECT p.parent FROM entries e JOIN posts p ON p.rowid = e.rowid "
            "WHERE e.id8 = ? AND e.id = ?", (id8(post_id), post_id)).fetchone()
        if row is None or row[0] is None:
            return None
        parent = bytes(row[0])
        held = self._entry(parent)
        return parent if held is not None and held[0] == Kind.POST else None

    def reply_author(self, parent: bytes) -> bytes | None:
        """The account that wrote ``parent`` (a reply's parent), if held. Index:
        entries_id8."""
        row = self.conn.execute(
            "SELECT a.id FROM entries e JOIN posts p ON p.rowid = e.rowid "
            "JOIN accounts a ON a.rowid = p.author WHERE e.id8 = ? AND e.id = ?",
            (id8(parent), parent)).fetchone()
        return None if row is None else bytes(row[0])

    def _post_acted_on(self, entry_id: bytes) -> bytes | None:
        row = self._entry(entry_id)
        if row is None or row[0] not in _ACTS_ON_POSTS or row[1] is None:
            return None
        target = _target(row[0], row[1])
        held = None if target is None else self._entry(target)
        if row[0] == Kind.DELETE and held is not None and held[0] == Kind.REACTION:
            # a deleted reaction: its body is gone, its register row still names the
            # post (a scan of reactions, for deletes of reactions only: they are rare)
            found = self.conn.execute("SELECT target FROM reactions WHERE entry = ?",
                                      (target,)).fetchone()
            target = None if found is None else bytes(found[0])
            held = None if target is None else self._entry(target)
        return target if held is not None and held[0] == Kind.POST else None

    def _entry(self, entry_id: bytes) -> tuple[int, bytes | None] | None:
        """(kind, body) of a stored entry. Index: entries_id8."""
        row = self.conn.execute("SELECT kind, body FROM entries WHERE id8 = ? AND id = ?",
                                (id8(entry_id), entry_id)).fetchone()
        return None if row is None else (int(row[0]), row[1])

    def profile(self, account: int, account_id: bytes) -> ProfileView:
        row = self.conn.execute("SELECT name, bio, avatar FROM profiles WHERE account = ?",
                                (account,)).fetchone()
        name, bio, avatar = row if row else (None, "", None)

        def count(sql: str) -> int:
            return int(self.conn.execute(sql, (account,)).fetchone()[0])

        return ProfileView(
            account=account_id, name=name, bio=bio, avatar=avatar,
            following=count("SELECT count(*) FROM follows WHERE follower = ? AND active = 1"),
            followers=count("SELECT count(*) FROM follows WHERE followee = ? AND active = 1"),
            posts=count("SELECT count(*) FROM posts WHERE author = ? AND deleted = 0"),
            devices=count("SELECT count(*) FROM logs WHERE account = ?"),
            forked=count("SELECT count(*) FROM forks f JOIN logs l ON l.device = f.device "
                         "WHERE l.account = ?"),
        )

    # --- notifications and people (the desktop app) -----------------------------

    def notifications(self, limit: int = 50, before: Cursor | None = None,
                      ) -> NotificationPage:
        """The local account's notifications, newest first, without blocked actors.
        Index: notifications_ts (ts, rowid); each post by its rowid."""
        params = self._params(limit, before, read=self.read_mark())
        rows = self.conn.execute(
            "SELECT n.rowid, n.kind, a.id, pr.name, n.ts, n.post, n.emoji "
            "FROM notifications n JOIN accounts a ON a.rowid = n.actor "
            "LEFT JOIN profiles pr ON pr.account = n.actor "
            f"WHERE (n.ts, n.rowid) < (:ts, :rowid) AND {_ACTOR_NOT_BLOCKED} "
            f"AND {NOTIFICATION_SHOWN} ORDER BY n.ts DESC, n.rowid DESC LIMIT :limit",
            params).fetchall()
        items = [NotificationView(
            kind=kind, actor=actor, actor_name=name, ts=ts,
            post=None if post is None else self._post_by_rowid(post), emoji=emoji,
            unread=rowid > params["read"], cursor=Cursor(ts, rowid))
            for rowid, kind, actor, name, ts, post, emoji in rows]
        return NotificationPage(items, items[-1].cursor if len(items) == params["limit"]
                                else None)

    def unread_notifications(self, cap: int = 99) -> int:
        """How many notifications arrived after the read mark, counting at most ``cap``.
        Index: the rowid range above the mark, stopped after ``cap`` rows."""
        return int(self.conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM notifications n WHERE n.rowid > :read "
            f"AND {_ACTOR_NOT_BLOCKED} AND {NOTIFICATION_SHOWN} LIMIT :cap)",
            {"read": self.read_mark(), "cap": max(0, cap), "me": self.local or -1},
        ).fetchone()[0])

    def read_mark(self) -> int:
        """Notifications with a rowid up to this are read (meta 'notifications_read')."""
        row = self.conn.execute(
            "SELECT value FROM meta WHERE key = 'notifications_read'").fetchone()
        return int(row[0]) if row else 0

    def _post_by_rowid(self, rowid: int) -> PostView | None:
        rows = self._rows(f"{_SELECT} WHERE p.rowid = :rowid",
                          {"rowid": rowid, "me": self.local or -1})
        return rows[0] if rows else None

    def relation(self, account: int) -> Relation:
        """The local account's view of ``account``. Indexes: the primary keys of
        follows and blocks."""
        def active(sql: str, subject: int | None, obj: int | None) -> bool:
            return self.conn.execute(sql, (subject, obj)).fetchone() is not None

        follow = "SELECT 1 FROM follows WHERE follower = ? AND followee = ? AND active = 1"
        return Relation(
            following=active(follow, self.local, account),
            followed_by=active(follow, account, self.local),
            blocked=active("SELECT 1 FROM blocks WHERE blocker = ? AND blocked = ? "
                           "AND active = 1", self.local, account),
            muted=active("SELECT 1 FROM mutes m JOIN accounts a ON a.id = m.target "
                         "WHERE m.kind = 'account' AND ? IS NOT NULL AND a.rowid = ?",
                         self.local, account))

    def find_accounts(self, text: str, limit: int = 10) -> list[tuple[int, bytes]]:
        """Accounts whose profile name holds ``text`` case-insensitively: names that
        start with it first, then the others, each by name; blocked ones left out.
        A scan of profiles (one row per named account), never of posts."""
        folded = text.strip().casefold()
        if not folded:
            return []
        rows = self.conn.execute(
            "SELECT pr.account, a.id, instr(fold(pr.name), :q) AS at FROM profiles pr "
            "JOIN accounts a ON a.rowid = pr.account WHERE at > 0 AND pr.account NOT IN "
            "(SELECT blocked FROM blocks WHERE blocker = :me AND active = 1) "
            "ORDER BY at != 1, fold(pr.name), pr.account LIMIT :limit",
            {"q": folded, "me": self.local or -1, "limit": max(1, min(limit, 50))})
        return [(int(r[0]), bytes(r[1])) for r in rows]

    def related(self, account: int, table: str, column: str, other: str) -> list[bytes]:
        """Account ids on the active side of a follow or block relation."""
        assert (table, column, other) in _RELATIONS
        return [r[0] for r in self.conn.execute(
            f"SELECT a.id FROM {table} t JOIN accounts a ON a.rowid = t.{other} "
            f"WHERE t.{column} = ? AND t.active = 1 ORDER BY t.ts DESC", (account,))]

    # --- assembling views -------------------------------------------------------

    def _page(self, sql: str, params: dict[str, object]) -> Page:
        items = self._rows(sql, params)
        limit = params["limit"]
        return Page(items, items[-1].cursor if len(items) == limit else None)

    def _rows(self, sql: str, params: dict[str, object]) -> list[PostView]:
        return [self._view(row) for row in self.conn.execute(sql, params).fetchall()]

    def _view(self, row: tuple, replies: int | None = None) -> PostView:
        (rowid, entry_id, author, name, ts, text, cw, parent, root, edited, deleted,
         body, circle, signed, warning) = row
        post = decode_post(body)
        root = root or entry_id  # a top-level post is the root of its own thread
        if replies is None:  # index: posts_thread (root, parent)
            replies = self.conn.execute(
                "SELECT count(*) FROM posts WHERE root = ? AND parent = ? AND deleted = 0",
                (root, entry_id)).fetchone()[0]
        # one query gives the counts and which of them are ours (reactions primary key);
        # an emoji with and without its presentation selector is one (see SAME_EMOJI)
        counted = self.conn.execute(
            f"SELECT max(emoji), count(DISTINCT account) AS n, max(account = ?) "
            f"FROM reactions WHERE target = ? AND active = 1 GROUP BY {SAME_EMOJI} "
            f"ORDER BY n DESC, max(emoji)",
            (self.local or -1, entry_id)).fetchall()
        return PostView(
            id=entry_id, author=author, author_name=name, ts=ts, text=text,
            content_warning=cw,
            tags=c.extract_tags(text) if post is None else post.tags,
            mentions=() if post is None else post.mentions,
            attachments=() if post is None or deleted else post.attachments,
            reply_parent=parent, thread_root=root, reply_count=replies,
            reactions=tuple((emoji, n) for emoji, n, _ in counted) if counted else (),
            edited=bool(edited), deleted=bool(deleted), cursor=Cursor(ts, rowid),
            reacted=tuple(emoji for emoji, _, ours in counted if ours) if counted else (),
            audience="circle" if circle else "public", signed_ts=signed,
            reply_author=None if parent is None else self.reply_author(parent),
            filtered=None if deleted else warning,
            dropped=deleted == 2,  # not kept here: the storage budget (store/storage.py)
        )


_ACTOR_NOT_BLOCKED = ("n.actor NOT IN (SELECT blocked FROM blocks WHERE blocker = :me "
                      "AND active = 1)")
_RELATIONS = {("follows", "follower", "followee"), ("follows", "followee", "follower"),
              ("blocks", "blocker", "blocked")}


_ACTS_ON_POSTS = (Kind.REACTION, Kind.EDIT, Kind.DELETE)


def _target(kind: int, body: bytes) -> bytes | None:
    """The entry a reaction, edit or delete names; None when its body is unreadable."""
    try:
        value = c.decode_body(kind, body)
    except InvalidEntry:
        return None
    return value.target if isinstance(value, (c.Reaction, c.Edit, c.Delete)) else None


def decode_post(body: bytes | None) -> c.Post | None:
    """A stored POST body as a value; None when it is gone (deleted, dropped) or bad."""
    if body is None:
        return None
    try:
        value = c.decode_body(Kind.POST, body)
    except InvalidEntry:
        return None
    return value if isinstance(value, c.Post) else None


def _with_cursor(view: PostView, cursor: Cursor) -> PostView:
    return replace(view, cursor=cursor)


_WORD = re.compile(r"\w+", re.UNICODE)
_TAG_ONLY = re.compile(r"#(\w{1,64})")  # a search for one #tag and nothing else
_TAG_CHUNK = 200  # rows holding a tag's word read at a time (Queries.tagged)


def fts_query(text: str, prefix: bool = True) -> str:
    """An FTS5 query that matches posts holding every word of ``text``.

    Each word is quoted, so nothing a person types is read as FTS5 syntax. With
    ``prefix``, a last word of three or more letters also matches as a prefix, so
    results appear while typing (shorter prefixes match too much to be useful).
    """
    words = _WORD.findall(text)[:16]
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    if prefix and len(words[-1]) >= 3:
        quoted[-1] += "*"
    return " ".join(quoted)
