"""Moderating open communities in the store (migration 18; moderation.py decides).

Theory of operation. The private scan (store/inbox.py) hands this module what it
opened: a ``CommunityModeration`` read in a community goes to ``community_acts``
(``add_act``), a ``Report`` sealed to us to ``community_reports`` (``add_report``).
At the end of the scan's batch, inside its transaction, ``apply`` works out each
changed community's state from all its acts (``moderation.resolve``) and makes it so:

* the tables ``community_moderators``, ``community_removed`` and ``community_hidden``
  are rewritten;
* a removed account's roster line is kept but neither shown, passed on nor
  replicated (store/communities.py reads ``community_removed``), so its node's new
  lines are refused on merge (judging the line's author, not the member who passed
  it on) and ``conversations.members`` is the roster without it;
* what a removed account wrote in the community, and every hidden post, is dropped:
  its body goes (``entries.body`` NULL: the log still verifies, peers take it
  bodiless) with what the scan derived from it. So a member's node stops carrying
  it. Entries that open later are dropped as they open (``drops``). Never the local
  account's own: its log is its own. Never an act either: whether one counts may
  change, and every member must hold the same acts to reach the same state.

Restoring an account shows its line again and lets its new posts in; what was
dropped stays dropped here (bodies are not fetched again).

Bounds (docs/network.md). Any member may write acts, and they must be kept before we
know whether their author will be named (logs arrive in any order). But an act counts
only while its author moderates, so ``apply`` keeps at most ``OTHERS_ACTS`` acts of
each author who does not moderate now (the newest by signed time, then id: every
member keeps the same ones) and deletes the rest, which changes nothing that counts.
Moderators' acts are all kept: there are at most ``moderation.MAX_MODERATORS`` + 1,
and the creator chose them. Reports: at most ``REPORTS_PER_REPORTER`` per reporter
and community, the newest.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .. import moderation, private
from ..moderation import ActRow, State
from ..private import Act
from . import blob_wants, communities
from .members import pack_members

OTHERS_ACTS = 50
"""Acts kept per author who does not moderate a community (now), per community."""
REPORTS_PER_REPORTER = 20
"""Reports kept per reporter and community (the newest)."""


@dataclass(frozen=True, slots=True)
class ReportView:
    """A report a member sealed to this account as a moderator."""

    entry_id: bytes
    community_id: bytes
    author: bytes
    author_name: str | None
    target: bytes
    is_post: bool
    reason: str
    ts: int
    target_author: bytes | None  # a post's author, when the post is here
    target_text: str | None  # a post's text, when it is here and readable
    target_author_name: str | None = None  # the post's author's name, when known


@dataclass(frozen=True, slots=True)
class ModerationView:
    """A community's moderation as this home sees it."""

    community_id: bytes
    creator: bytes
    moderators: tuple[bytes, ...]  # the creator first, then by id
    removed: tuple[bytes, ...]
    hidden: int  # posts hidden
    is_moderator: bool  # the local account
    removed_me: bool  # the local account was removed
    reports: int  # reports held here


def add_act(conn: sqlite3.Connection, conversation: int, rowid: int, entry_id: bytes,
            author: bytes, ts: int, value: private.CommunityModeration) -> bool:
    """Keep one act read in a community (inside the scan's transaction); whether new."""
    return bool(conn.execute(
        "INSERT OR IGNORE INTO community_acts(entry, conversation, entry_id, author, act, "
        "target, ts) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (rowid, conversation, entry_id, author, int(value.act), value.target, ts)).rowcount)


def add_report(conn: sqlite3.Connection, rowid: int, author: bytes, ts: int,
               value: private.Report) -> bool:
    """Keep a report that opened for us, when it is about a community we hold."""
    if conn.execute("SELECT 1 FROM conversations c JOIN communities m ON m.conversation = "
                    "c.rowid WHERE c.id = ?", (value.community_id,)).fetchone() is None:
        return False
    new = bool(conn.execute(
        "INSERT OR IGNORE INTO community_reports(entry, community, author, target, is_post, "
        "reason, ts) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (rowid, value.community_id, author, value.target, int(value.is_post), value.reason,
         ts)).rowcount)
    conn.execute("DELETE FROM community_reports WHERE entry IN (SELECT entry FROM "
                 "community_reports WHERE community = ? AND author = ? "
                 "ORDER BY ts DESC, entry DESC LIMIT -1 OFFSET ?)",
                 (value.community_id, author, REPORTS_PER_REPORTER))
    return new


def _creator(conn: sqlite3.Connection, conversation: int) -> bytes | None:
    row = conn.execute("SELECT a.id FROM groups g JOIN accounts a ON a.rowid = g.admin "
                       "WHERE g.conversation = ?", (conversation,)).fetchone()
    return None if row is None else bytes(row[0])


def state(conn: sqlite3.Connection, conversation: int) -> State | None:
    """What the acts held make of a community (None: not one we hold)."""
    creator = _creator(conn, conversation)
    if creator is None:
        return None
    return moderation.resolve(creator, [
        ActRow(ts, bytes(eid), bytes(author), Act(act), bytes(target))
        for ts, eid, author, act, target in conn.execute(
            "SELECT ts, entry_id, author, act, target FROM community_acts "
            "WHERE conversation = ?", (conversation,))])


def apply(conn: sqlite3.Connection, conversation: int, local: int, local_id: bytes) -> bool:
    """Make a community's state so (inside the scan's transaction, see the module);
    whether the accounts removed from it changed (the roster did)."""
    now = state(conn, conversation)
    if now is None:
        return False
    _prune_others(conn, conversation, now.moderators)
    before = _accounts(conn, "community_removed", conversation)
    conn.execute("DELETE FROM community_moderators WHERE conversation = ?", (conversation,))
    conn.executemany("INSERT INTO community_moderators(conversation, account) VALUES (?, ?)",
                     [(conversation, m) for m in now.moderators])
    conn.execute("DELETE FROM community_removed WHERE conversation = ?", (conversation,))
    conn.executemany("INSERT INTO community_removed(conversation, account) VALUES (?, ?)",
                     [(conversation, a) for a in now.removed])
    conn.executemany("INSERT OR IGNORE INTO community_hidden(conversation, target) "
                     "VALUES (?, ?)", [(conversation, t) for t in now.hidden])
    for (rowid,) in conn.execute(
            "SELECT m.rowid FROM messages m JOIN accounts a ON a.rowid = m.author "
            "WHERE m.conversation = ? AND m.author != ? AND a.id IN "
            "(SELECT account FROM community_removed WHERE conversation = ?)",
            (conversation, local, conversation)).fetchall():
        drop(conn, rowid)
    for (rowid,) in conn.execute(
            "SELECT r.entry FROM message_reactions r JOIN accounts a ON a.rowid = r.account "
            "WHERE r.conversation = ? AND r.account != ? AND a.id IN "
            "(SELECT account FROM community_removed WHERE conversation = ?)",
            (conversation, local, conversation)).fetchall():
        drop(conn, rowid)
    for (rowid,) in conn.execute(
            "SELECT m.rowid FROM messages m JOIN entries e ON e.rowid = m.rowid "
            "WHERE m.conversation = ? AND m.author != ? AND e.id IN "
            "(SELECT target FROM community_hidden WHERE conversation = ?)",
            (conversation, local, conversation)).fetchall():
        drop(conn, rowid)
    conn.execute("UPDATE conversations SET members = ? WHERE rowid = ?",
                 (pack_members(_accounts(conn, "roster_lines", conversation)
                               - _accounts(conn, "community_removed", conversation)),
                  conversation))
    return before != set(now.removed)


def _prune_others(conn: sqlite3.Connection, conversation: int,
                  moderators: frozenset[bytes]) -> None:
    """Keep the newest ``OTHERS_ACTS`` acts of each author who does not moderate."""
    over = [bytes(a) for (a,) in conn.execute(
        "SELECT author FROM community_acts WHERE conversation = ? GROUP BY author "
        "HAVING count(*) > ?", (conversation, OTHERS_ACTS))]
    for author in over:
        if author not in moderators:
            conn.execute("DELETE FROM community_acts WHERE entry IN (SELECT entry FROM "
                         "community_acts WHERE conversation = ? AND author = ? "
                         "ORDER BY ts DESC, entry_id DESC LIMIT -1 OFFSET ?)",
                         (conversation, author, OTHERS_ACTS))


def _accounts(conn: sqlite3.Connection, table: str, conversation: int) -> set[bytes]:
    return {bytes(a) for (a,) in conn.execute(
        f"SELECT account FROM {table} WHERE conversation = ?", (conversation,))}


def drops(conn: sqlite3.Connection, conversation: int, rowid: int, entry_id: bytes,
          author: bytes, local_id: bytes) -> bool:
    """Whether a GROUP entry that just opened in a community is one its moderators
    removed (its author removed, or it hidden): then it is dropped here."""
    if author == local_id or conn.execute(
            "SELECT 1 FROM community_removed WHERE conversation = ? AND account = ? UNION ALL "
            "SELECT 1 FROM community_hidden WHERE conversation = ? AND target = ?",
            (conversation, author, conversation, entry_id)).fetchone() is None:
        return False
    drop(conn, rowid)
    return True


def drop(conn: sqlite3.Connection, rowid: int) -> None:
    """A GROUP entry's body goes, and what the scan read from it (as an author's delete
    does: store/erasure.py)."""
    conn.execute("UPDATE entries SET body = NULL WHERE rowid = ?", (rowid,))
    blob_wants.forget(conn, rowid)
    conn.execute("DELETE FROM messages WHERE rowid = ?", (rowid,))
    conn.execute("DELETE FROM private_files WHERE entry = ?", (rowid,))
    conn.execute("UPDATE message_reactions SET active = 0 WHERE entry = ?", (rowid,))


# --- reads ----------------------------------------------------------------------------


def _conversation(conn: sqlite3.Connection, community_id: bytes) -> int | None:
    row = conn.execute("SELECT c.rowid FROM conversations c JOIN communities m ON "
                       "m.conversation = c.rowid WHERE c.id = ?", (community_id,)).fetchone()
    return None if row is None else int(row[0])


def view(conn: sqlite3.Connection, community_id: bytes, local_id: bytes,
         ) -> ModerationView | None:
    """A community's moderators, removed accounts and counts; None if not one of ours."""
    conversation = _conversation(conn, community_id)
    creator = None if conversation is None else _creator(conn, conversation)
    if conversation is None or creator is None:
        return None
    mods = _accounts(conn, "community_moderators", conversation) | {creator}
    removed = _accounts(conn, "community_removed", conversation)
    hidden = conn.execute("SELECT count(*) FROM community_hidden WHERE conversation = ?",
                          (conversation,)).fetchone()[0]
    reports = conn.execute("SELECT count(*) FROM community_reports WHERE community = ?",
                           (community_id,)).fetchone()[0]
    return ModerationView(community_id, creator,
                          (creator, *sorted(mods - {creator})), tuple(sorted(removed)),
                          int(hidden), local_id in mods, local_id in removed, int(reports))


def reports(conn: sqlite3.Connection, community_id: bytes) -> list[ReportView]:
    """The reports about a community held here, newest first (index:
    community_reports_community)."""
    rows = conn.execute(
        "SELECT e.id, r.author, p.name, r.target, r.is_post, r.reason, r.ts "
        "FROM community_reports r JOIN entries e ON e.rowid = r.entry "
        "LEFT JOIN accounts ra ON ra.id = r.author LEFT JOIN profiles p ON p.account = ra.rowid "
        "WHERE r.community = ? ORDER BY r.ts DESC, r.entry DESC", (community_id,)).fetchall()
    out = []
    for eid, author, name, target, is_post, reason, ts in rows:
        target_author, target_text, target_name = (_post(conn, bytes(target)) if is_post
                                                   else (None, None, None))
        out.append(ReportView(bytes(eid), community_id, bytes(author), name, bytes(target),
                              bool(is_post), reason, int(ts), target_author, target_text,
                              target_name))
    return out


def _post(conn: sqlite3.Connection, entry_id: bytes,
          ) -> tuple[bytes | None, str | None, str | None]:
    """The author, readable text and author's name of a reported post, as far as this
    home holds it."""
    row = conn.execute(
        "SELECT a.id, m.text, p.name FROM entries e JOIN logs l ON l.rowid = e.log "
        "JOIN accounts a ON a.rowid = l.account LEFT JOIN messages m ON m.rowid = e.rowid "
        "LEFT JOIN profiles p ON p.account = a.rowid WHERE e.id8 = ? AND e.id = ?",
        (int.from_bytes(entry_id[:8], "big", signed=True), entry_id)).fetchone()
    return (None, None, None) if row is None else (bytes(row[0]), row[1], row[2])


def removed_from(conn: sqlite3.Connection, conversation: int) -> set[bytes]:
    """The accounts removed from a community (its conversation)."""
    return _accounts(conn, "community_removed", conversation)


class ModerationBook:
    """Reads of community moderation (``store.moderation``): the node's, the CLI's."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def view(self, community_id: bytes, local_id: bytes) -> ModerationView | None:
        return view(self.conn, community_id, local_id)

    def reports(self, community_id: bytes) -> list[ReportView]:
        return reports(self.conn, community_id)

    def roster_cap(self, community_id: bytes) -> int:
        return communities.roster_cap(self.conn, community_id)

    def message_author(self, entry_id: bytes) -> tuple[bytes, bytes] | None:
        """(community id, author) of a message of a community held here, or None."""
        row = self.conn.execute(
            "SELECT c.id, a.id FROM entries e JOIN messages m ON m.rowid = e.rowid "
            "JOIN conversations c ON c.rowid = m.conversation "
            "JOIN communities x ON x.conversation = c.rowid "
            "JOIN accounts a ON a.rowid = m.author WHERE e.id8 = ? AND e.id = ?",
            (int.from_bytes(entry_id[:8], "big", signed=True), entry_id)).fetchone()
        return None if row is None else (bytes(row[0]), bytes(row[1]))
