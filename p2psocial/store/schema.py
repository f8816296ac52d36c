"""The schema, as numbered migrations applied in order (``PRAGMA user_version``), and
the SQL functions every connection has.

The migrations themselves are in migrations.py. Never edit a migration that has
shipped: add the next one. Each migration runs in the same transaction as the bump of
``user_version``, so a crash leaves either the old or the new schema, never half of one.

Layout, and why:

* ``entries`` holds every header and body we replicate, in a rowid table (large
  payloads stay out of WITHOUT ROWID tables: measured 2-3x faster to insert). A body
  is NULL when we never had it or when its author deleted it.
* ``logs`` holds one row per device log: its account and its head (highest
  contiguous sequence number and that entry's id). Ingest only ever extends a log
  contiguously, so ``head_seq`` is also the log's length.
* ``accounts`` maps 32-byte account ids to small integers used everywhere else.
* Derived state (``posts``, ``mentions``, ``reactions``, ``profiles``, ``follows``,
  ``blocks``, ``edits``, ``deletions``) is updated in the same transaction as the
  entries that change it, so it is never out of step with them.
* ``posts_fts`` is filled after ingest, in bulk, up to ``meta.fts_upto``.
* ``posts.in_home`` is 1 for a live post whose author is the local account or
  followed by it and not blocked by it; the partial index on it makes the home
  timeline an index range scan however large the store grows.
* ``peers`` (migration 2) is the address book of the network service: where a peer
  was reachable, when it last worked, and its standing (net/service.py).
* ``notifications`` (migration 3): mentions of, replies to, reactions on and follows
  of the local account, derived at ingest like the rest (see the migration).
* ``conversations``, ``messages``, ``groups``, ``group_keys``, ``group_pending``
  (migration 4): private conversations and groups, filled by the deferred scan.
* ``circle_posts`` (migration 5): the decrypted bodies of followers-only posts,
  whose rows in ``posts`` the same scan writes.
* ``communities`` (migration 6): which groups are open LAN communities.
* ``message_reactions`` (migration 7): reactions inside groups.
* ``forks`` (migration 8): proofs of forked logs, which are frozen below the fork.
* ``roster_lines`` (migration 9): the signed lines of open communities' rosters.
* Times (migration 10; p2psocial/timestamps.py): ``ts`` in ``posts``, ``mentions``,
  ``notifications`` and ``messages`` is where a row is placed, never after its entry
  arrived; ``entries.ts`` and the registers keep what the author signed.
* ``peer_trust`` (migration 11): how far each address in ``peers.addrs`` is trusted, so
  that an announcement on the LAN cannot push out an address that worked.
* ``group_untagged`` (migration 11): group entries whose key we do not hold yet, for
  envelopes that no longer name their group.
* ``address_records`` (migration 12; store/address_records.py): the newest signed
  address record of each device of an account we replicate, and our own.
* ``holders`` (migration 13; store/holders.py): how far each peer device said it holds
  our account's logs, which is what a direct message's delivery state is read from.
* ``blob_refs`` (migration 14; store/blob_wants.py): which blobs each stored entry
  references, so the node fetches the pictures of what it replicates.
* ``private_files`` (migration 15; store/inbox.py): the pictures and files of opened
  private entries, with the keys of their sealed blobs.
* ``revocations`` (migration 16; store/revocations.py): revoked devices and the last
  valid entry of each; ``account_keys``: the local account's rotated encryption keys.
* ``mutes``, ``word_filters`` (migration 17; store/mutes.py): local mutes and word
  filters, which the list queries apply in SQL.
* ``private_blocks``, ``blocklists``, ``blocklist_exceptions``, ``refused`` (issue 17;
  store/refusals.py): the accounts this home refuses to replicate and carry.
"""

from __future__ import annotations

import sqlite3

from ..errors import HomeError
from . import mutes
from .migrations import MIGRATIONS

# One reaction whether written with or without U+FE0F, the emoji presentation
# selector ("❤" and "❤️"): a keyboard gives one, the app's buttons the other.
SAME_EMOJI = "replace(emoji, char(65039), '')"


def id8(entry_id: bytes) -> int:
    """The indexed prefix of an entry id; queries say ``id8 = ? AND id = ?``."""
    return int.from_bytes(entry_id[:8], "big", signed=True)


def fold(text: str | None) -> str | None:
    """Text for caseless comparison (SQLite's own lower() and LIKE fold ASCII only)."""
    return None if text is None else text.casefold()


def add_functions(conn: sqlite3.Connection) -> None:
    """SQL functions of every connection: ``id8(id)``, to join on an entry id held in
    another table (reactions.entry, follows.entry) through the ``entries_id8`` index,
    and ``fold(text)`` to find names whatever their case."""
    conn.create_function("id8", 1, id8, deterministic=True)
    conn.create_function("fold", 1, fold, deterministic=True)
    mutes.add_functions(conn)  # tag_in, phrase_found: what mutes and filters hide


def current_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date; returns the version it is at.

    Refuses a database written by a newer version of p2psocial rather than guessing.
    Every pending migration runs in one transaction: an upgrade lands whole or not at
    all, and a new home pays one fsync for its schema, not one per migration.
    """
    version = current_version(conn)
    if version > len(MIGRATIONS):
        raise HomeError(f"this home was written by a newer p2psocial (store schema {version}, "
                        f"this one knows {len(MIGRATIONS)}): upgrade p2psocial")
    if version == len(MIGRATIONS):
        return version
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = current_version(conn)  # again, under the lock: another writer may have
        for script in MIGRATIONS[version:]:  # migrated while we waited for it
            for statement in _statements(script):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit on its own)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
