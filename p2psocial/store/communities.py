"""Open LAN communities in the store (migrations 6 and 8).

Theory of operation.

A community is a group (store/inbox.py) with one key, epoch 0, that any member may
hand to anyone on the LAN who asks (net/community.py), and a row in ``communities``
marking it open. Three things differ from a private group:

* **The key.** It does not come from an admin's ``GroupKey``: joining (or creating)
  is the local account writing a ``CommunityKey`` sealed to itself, which the
  private scan stores here. So every device of the account learns it as it learns a
  group's key, and a community key is never taken from anyone else's entry: being
  pulled into a community is always the local account's own act.
* **Who may write.** Anyone holding the key. The key is epoch 0's, with no member
  list (``group_keys.members`` is empty). Its creator and the moderators it names may
  remove an account (store/moderation.py): members then hide its line, refuse its
  new ones and drop what it writes there; it can still write, nobody can stop that.
* **The roster.** The accounts every member replicates (the node's
  ``wanted_accounts``), which is how a community's posts travel among people who
  follow nobody. Each account on it has one line in ``roster_lines`` (migration 9): a
  ``roster.Join`` its own device signed, checked once when it arrived (by the node,
  ``Node.merge_roster``) and kept with its proof, so that the roster can be passed on
  whole and checked again by anyone. Nobody can put anyone but themselves on it.
  ``conversations.members`` of a community is the accounts of its lines, rewritten
  in the same transaction as they change (the group views read it). The roster only
  grows (removed accounts' lines are kept, hidden), up to ``roster.MAX_MEMBERS``
  shown; past that, new lines are refused and the lines held stay (``roster.admit``):
  someone who left stays on it (their node stops replicating; ours keeps what it
  has), so a member who joins again needs nothing new.

A community id that is already a private group's here is refused (a neighbour could
offer one to turn our group open).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from .. import private, roster
from ..roster import Join
from .members import pack_members


@dataclass(frozen=True, slots=True)
class CommunityInfo:
    """A community the local account is a member of, with what a joiner needs."""

    id: bytes
    salt: bytes
    creator: bytes
    name: str
    key: bytes = field(repr=False)
    lines: tuple[Join, ...]  # the roster, one signed line per account, by account

    @property
    def members(self) -> tuple[bytes, ...]:
        """The accounts on the roster, sorted."""
        return tuple(line.account for line in self.lines)

    @property
    def full(self) -> bool:
        """No other account can join: the roster holds ``roster.MAX_MEMBERS``."""
        return len(self.lines) >= roster.MAX_MEMBERS

    @property
    def value(self) -> private.CommunityKey:
        return private.CommunityKey(self.id, self.salt, self.creator, self.key, self.name)


def is_community(conn: sqlite3.Connection, conversation: int) -> bool:
    return conn.execute("SELECT 1 FROM communities WHERE conversation = ?",
                        (conversation,)).fetchone() is not None


def add_key(conn: sqlite3.Connection, author_id: bytes, value: private.CommunityKey,
            local_id: bytes) -> bool:
    """Store a community key the local account wrote to itself (inside the scan's
    transaction); whether its epoch-0 key is new here (so pending posts may open)."""
    if author_id != local_id or not value.consistent:
        return False
    found = conn.execute("SELECT rowid FROM conversations WHERE id = ?",
                         (value.community_id,)).fetchone()
    if found is not None and not is_community(conn, found[0]) and conn.execute(
            "SELECT 1 FROM groups WHERE conversation = ?", (found[0],)).fetchone():
        return False  # a private group's id: never made open
    conversation = int(found[0]) if found is not None else int(conn.execute(
        "INSERT INTO conversations(id, members) VALUES (?, x'') RETURNING rowid",
        (value.community_id,)).fetchone()[0])
    conn.execute("INSERT OR IGNORE INTO communities(conversation) VALUES (?)", (conversation,))
    conn.execute("INSERT OR IGNORE INTO accounts(id) VALUES (?)", (value.creator,))
    creator = conn.execute("SELECT rowid FROM accounts WHERE id = ?",
                           (value.creator,)).fetchone()[0]
    conn.execute(
        "INSERT INTO groups(conversation, admin, salt, name, epoch, member) "
        "VALUES (?, ?, ?, ?, 0, 1) ON CONFLICT DO UPDATE SET member = 1",
        (conversation, creator, value.salt, value.name))
    return bool(conn.execute(
        "INSERT OR IGNORE INTO group_keys(conversation, epoch, key, members) "
        "VALUES (?, 0, ?, x'')", (conversation, value.key)).rowcount)


def _joined(conn: sqlite3.Connection, community_id: bytes) -> int | None:
    """The conversation of a community the local account is in (not left), or None."""
    found = conn.execute(
        "SELECT c.rowid FROM conversations c JOIN communities m ON m.conversation = c.rowid "
        "JOIN groups g ON g.conversation = c.rowid WHERE c.id = ? AND g.member = 1",
        (community_id,)).fetchone()
    return None if found is None else int(found[0])


def roster_accounts(conn: sqlite3.Connection, community_id: bytes) -> set[bytes] | None:
    """The accounts with a line on the roster of a community we are in, and those its
    moderators removed (whose lines are refused: store/moderation.py); None when we
    are not in it (so nothing may be added)."""
    conversation = _joined(conn, community_id)
    if conversation is None:
        return None
    return {bytes(a) for (a,) in conn.execute(
        "SELECT account FROM roster_lines WHERE conversation = ? UNION "
        "SELECT account FROM community_removed WHERE conversation = ?",
        (conversation, conversation))}


def roster_cap(conn: sqlite3.Connection, community_id: bytes) -> int:
    """The ``cap`` for ``roster.admit`` over ``roster_accounts``: removed accounts count
    as held (they may not join again) but take no room."""
    conversation = _joined(conn, community_id)
    if conversation is None:
        return roster.MAX_MEMBERS
    removed = conn.execute("SELECT count(*) FROM community_removed WHERE conversation = ?",
                           (conversation,)).fetchone()[0]
    return roster.MAX_MEMBERS + int(removed)


def add_lines(conn: sqlite3.Connection, community_id: bytes,
              lines: Iterable[Join]) -> list[bytes]:
    """Put lines the caller has verified onto the roster of a community we are in (its
    own transaction), as far as ``roster.admit`` lets them; the accounts added."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conversation = _joined(conn, community_id)
        held = roster_accounts(conn, community_id) or set()
        admitted = [] if conversation is None else roster.admit(
            held, [j for j in lines if j.community == community_id],
            roster_cap(conn, community_id))
        for line in admitted:
            conn.execute("INSERT INTO roster_lines(conversation, account, joined, line) "
                         "VALUES (?, ?, ?, ?)",
                         (conversation, line.account, line.joined, line.encode()))
        if admitted:
            removed = {bytes(a) for (a,) in conn.execute(
                "SELECT account FROM community_removed WHERE conversation = ?",
                (conversation,))}
            conn.execute("UPDATE conversations SET members = ? WHERE rowid = ?",
                         (pack_members((held - removed) | {j.account for j in admitted}),
                          conversation))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return [line.account for line in admitted]


def _lines(conn: sqlite3.Connection, conversation: int, community_id: bytes,
           ) -> tuple[Join, ...]:
    return tuple(Join.decode(bytes(data), community_id) for (data,) in conn.execute(
        "SELECT line FROM roster_lines r WHERE conversation = ? AND NOT EXISTS (SELECT 1 "
        "FROM community_removed x WHERE x.conversation = r.conversation "
        "AND x.account = r.account) ORDER BY account", (conversation,)))


def communities(conn: sqlite3.Connection) -> list[CommunityInfo]:
    """The communities the local account is in (not left), by name, with their rosters."""
    rows = conn.execute(
        "SELECT c.rowid, c.id, g.salt, a.id, g.name, k.key FROM communities m "
        "JOIN conversations c ON c.rowid = m.conversation "
        "JOIN groups g ON g.conversation = c.rowid "
        "JOIN group_keys k ON k.conversation = c.rowid AND k.epoch = 0 "
        "JOIN accounts a ON a.rowid = g.admin WHERE g.member = 1 ORDER BY g.name, c.id"
    ).fetchall()
    return [CommunityInfo(bytes(cid), bytes(salt), bytes(creator), name, bytes(key),
                          _lines(conn, conversation, bytes(cid)))
            for conversation, cid, salt, creator, name, key in rows]


def replicated(conn: sqlite3.Connection) -> set[bytes]:
    """Every account on the roster of a community the local account is in, but those
    its moderators removed."""
    return {bytes(a) for (a,) in conn.execute(
        "SELECT r.account FROM roster_lines r JOIN groups g ON g.conversation = r.conversation "
        "WHERE g.member = 1 AND NOT EXISTS (SELECT 1 FROM community_removed x "
        "WHERE x.conversation = r.conversation AND x.account = r.account)")}
