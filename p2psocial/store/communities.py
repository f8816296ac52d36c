"""Open LAN communities in the store (migration 6).

Theory of operation.

A community is a group (store/inbox.py) with one key, epoch 0, that any member may
hand to anyone on the LAN who asks (net/community.py), and a row in ``communities``
marking it open. Three things differ from a private group:

* **The key.** It does not come from an admin's ``GroupKey``: joining (or creating)
  is the local account writing a ``CommunityKey`` sealed to itself, which the
  private scan stores here. So every device of the account learns it as it learns a
  group's key, and a community key is never taken from anyone else's entry: being
  pulled into a community is always the local account's own act.
* **Who may write.** Anyone holding the key: an open community removes nobody. The
  key is epoch 0's, with no member list (``group_keys.members`` is empty).
* **The roster.** ``conversations.members`` of a community is every account seen in
  it: those named by members over the community protocol (``merge_roster``) and the
  authors of its posts. Every member replicates the logs of everyone on it (the
  node's ``wanted_accounts``), which is how a community's posts travel among people
  who follow nobody. It only grows, up to ``private.MAX_COMMUNITY_MEMBERS``: someone
  who left stays on it (their node stops replicating; ours keeps what it has), so a
  member who joins again needs nothing new.

A community id that is already a private group's here is refused (a neighbour could
offer one to turn our group open).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from .. import private
from .members import pack_members, unpack_members


@dataclass(frozen=True, slots=True)
class CommunityInfo:
    """A community the local account is a member of, with what a joiner needs."""

    id: bytes
    salt: bytes
    creator: bytes
    name: str
    key: bytes = field(repr=False)
    members: tuple[bytes, ...]

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
        "INSERT INTO conversations(id, members) VALUES (?, ?) RETURNING rowid",
        (value.community_id, local_id)).fetchone()[0])
    conn.execute("INSERT OR IGNORE INTO communities(conversation) VALUES (?)", (conversation,))
    conn.execute("INSERT OR IGNORE INTO accounts(id) VALUES (?)", (value.creator,))
    creator = conn.execute("SELECT rowid FROM accounts WHERE id = ?",
                           (value.creator,)).fetchone()[0]
    conn.execute(
        "INSERT INTO groups(conversation, admin, salt, name, epoch, member) "
        "VALUES (?, ?, ?, ?, 0, 1) ON CONFLICT DO UPDATE SET member = 1",
        (conversation, creator, value.salt, value.name))
    roster_add(conn, conversation, [local_id, value.creator])
    return bool(conn.execute(
        "INSERT OR IGNORE INTO group_keys(conversation, epoch, key, members) "
        "VALUES (?, 0, ?, x'')", (conversation, value.key)).rowcount)


def roster_add(conn: sqlite3.Connection, conversation: int,
               accounts: Iterable[bytes]) -> list[bytes]:
    """Put ``accounts`` on a community's roster, as far as its cap allows; the ones
    that were not on it yet."""
    roster = set(unpack_members(conn.execute(
        "SELECT members FROM conversations WHERE rowid = ?", (conversation,)).fetchone()[0]))
    added = []
    for account in accounts:
        if account not in roster and len(roster) < private.MAX_COMMUNITY_MEMBERS:
            roster.add(account)
            added.append(account)
    if added:
        conn.execute("UPDATE conversations SET members = ? WHERE rowid = ?",
                     (pack_members(roster), conversation))
    return added


def merge_roster(conn: sqlite3.Connection, community_id: bytes,
                 accounts: Iterable[bytes]) -> list[bytes]:
    """Accounts a fellow member named, onto the roster of a community we are in (its
    own transaction); the ones that are new. Nothing for a community we are not in."""
    found = conn.execute(
        "SELECT c.rowid FROM conversations c JOIN communities m ON m.conversation = c.rowid "
        "JOIN groups g ON g.conversation = c.rowid WHERE c.id = ? AND g.member = 1",
        (community_id,)).fetchone()
    if found is None:
        return []
    accounts = [a for a in accounts if len(a) == private.ID_LEN]
    conn.execute("BEGIN IMMEDIATE")
    try:
        added = roster_add(conn, found[0], accounts)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return added


def communities(conn: sqlite3.Connection) -> list[CommunityInfo]:
    """The communities the local account is in (not left), by name."""
    rows = conn.execute(
        "SELECT c.id, g.salt, a.id, g.name, k.key, c.members FROM communities m "
        "JOIN conversations c ON c.rowid = m.conversation "
        "JOIN groups g ON g.conversation = c.rowid "
        "JOIN group_keys k ON k.conversation = c.rowid AND k.epoch = 0 "
        "JOIN accounts a ON a.rowid = g.admin WHERE g.member = 1 ORDER BY g.name, c.id")
    return [CommunityInfo(bytes(cid), bytes(salt), bytes(creator), name, bytes(key),
                          unpack_members(members))
            for cid, salt, creator, name, key, members in rows]


def replicated(conn: sqlite3.Connection) -> set[bytes]:
    """Every account on the roster of a community the local account is in."""
    return {m for (members,) in conn.execute(
        "SELECT c.members FROM communities m JOIN conversations c ON c.rowid = m.conversation "
        "JOIN groups g ON g.conversation = c.rowid WHERE g.member = 1")
            for m in unpack_members(members)}
