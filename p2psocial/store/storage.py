"""What the home holds, by kind, and the storage budget that bounds what others make
it hold (issue 17).

Theory of operation. Every account whose log a node replicates can make it store
bytes: followed accounts, but also accounts two hops away and community members,
whom the owner never chose. So the bytes of accounts that are neither the local
account nor followed (the *budgeted* accounts) are bounded: ``Limits.budget`` in all
and ``Limits.per_account`` for one account. Both live in ``meta`` (keys
``storage_budget`` and ``storage_per_account``), so a ``serve``, the app and the
command line obey the same numbers.

What can go is what the format lets go: bodies are detachable (entry.py). A body
whose header stays keeps the log verifiable and is sent on without it (peers store
bodiless entries as they store deleted ones); images go with the last entry that
references them. Never a header, never the local account's or a followed account's
data, and never what concerns the local account (an entry that made a notification,
a direct or group message opened here, a followers-only post, a sealed entry the
private scan has not read yet). A community's messages do go, oldest first, with
their opened text: anyone holding its key may write there. Order: accounts no longer
replicated first, then two hops (and further), then communities; oldest (signed
time) first within a kind. An account over its own cap loses its oldest bodies
first, whatever its kind.

A dropped post becomes ``posts.deleted = 2``: every list reads ``deleted = 0``, so it
leaves them like a deleted post, and a thread keeps it as a placeholder that says
"not kept here" rather than "deleted" (``PostView.dropped``).

Cost: ``usage`` reads every entry's lengths once (a grouped scan of ``entries``,
measured in bench/storage.py); the node runs it after bursts, paced, never on the
sync path. ``enforce`` drops at most ``limit`` bodies per call, in one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from ..content import Kind


@dataclass(frozen=True, slots=True)
class Limits:
    """Bytes the budgeted accounts may take: ``budget`` in all, ``per_account`` each."""

    budget: int = 3_000_000_000  # "a few GB" (issue 17); sizes are decimal, as shown
    per_account: int = 200_000_000


DEFAULT = Limits()

# the kinds of holdings, in the order they are shown; DROP_ORDER: the order they go
OWN, FOLLOWED, COMMUNITIES, TWO_HOPS, OTHER = (
    "own", "followed", "communities", "two_hops", "other")
KINDS = (OWN, FOLLOWED, TWO_HOPS, COMMUNITIES, OTHER)
DROP_ORDER = (OTHER, TWO_HOPS, COMMUNITIES)
PROTECTED = (OWN, FOLLOWED)

# kinds whose body may go: derived state keeps what matters (a reaction's register row,
# a sealed entry's opened rows); certificates, profiles, follows, blocks, edits,
# deletes, links and revocations are small and carry state that is read again
_DROPPABLE = (int(Kind.POST), int(Kind.REACTION), int(Kind.PRIVATE), int(Kind.GROUP))
_SEALED = (int(Kind.PRIVATE), int(Kind.GROUP))


@dataclass(frozen=True, slots=True)
class Holding:
    """One kind of holding: ``entries`` bytes (headers and bodies) of ``accounts``
    accounts, ``bodies`` of them, and ``images`` bytes."""

    accounts: int = 0
    entries: int = 0
    bodies: int = 0
    images: int = 0

    @property
    def total(self) -> int:
        return self.entries + self.images


@dataclass(frozen=True, slots=True)
class StorageReport:
    """What ``p2psocial storage`` and Settings → Storage show."""

    kinds: dict[str, Holding]
    limits: Limits
    budgeted: int  # bytes counted against the budget (kinds other than own, followed)
    over_cap: int  # budgeted accounts above the per-account cap
    largest: list[tuple[bytes, str, int]]  # (account, kind, bytes): the biggest budgeted
    dropped: int  # bodies dropped by the budget so far (meta storage_dropped)
    file_bytes: int  # the SQLite file's pages in use, WAL excluded
    unreferenced_images: int = 0  # images no entry references any more (ours, pending)


@dataclass(slots=True)
class Dropped:
    """What one ``drop`` call freed (``bytes``: bodies, and the derived text of posts)."""

    bodies: int = 0
    bytes: int = 0
    images: int = 0
    image_bytes: int = 0
    posts: list[int] = field(default_factory=list)  # posts.rowid that became placeholders


# --- the limits ------------------------------------------------------------------------

def limits(conn: sqlite3.Connection) -> Limits:
    rows = dict(conn.execute("SELECT key, value FROM meta WHERE key IN "
                             "('storage_budget', 'storage_per_account')").fetchall())
    budget = rows.get("storage_budget")
    per = rows.get("storage_per_account")
    return Limits(DEFAULT.budget if budget is None else int(budget),
                  DEFAULT.per_account if per is None else int(per))


def set_limits(conn: sqlite3.Connection, new: Limits) -> None:
    conn.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                     [("storage_budget", new.budget),
                      ("storage_per_account", new.per_account)])


# --- who is what -----------------------------------------------------------------------

def kinds_of(conn: sqlite3.Connection, local: int, replicated: Collection[int],
             communities: Collection[int]) -> dict[int, str]:
    """accounts.rowid -> kind, for every account that has a log here. ``replicated``:
    what the node replicates now (hops, communities); ``communities``: rosters."""
    followed = {r[0] for r in conn.execute(
        "SELECT followee FROM follows WHERE follower = ? AND active = 1 AND followee NOT IN "
        "(SELECT blocked FROM blocks WHERE blocker = ? AND active = 1)", (local, local))}
    out: dict[int, str] = {}
    for (account,) in conn.execute("SELECT DISTINCT account FROM logs"):
        if account == local:
            out[account] = OWN
        elif account in followed:
            out[account] = FOLLOWED
        elif account in communities:
            out[account] = COMMUNITIES
        elif account in replicated:
            out[account] = TWO_HOPS
        else:
            out[account] = OTHER
    return out


def entry_bytes(conn: sqlite3.Connection) -> dict[int, tuple[int, int]]:
    """accounts.rowid -> (bytes held for its entries, body bytes). A grouped scan of
    every entry (``length`` of a blob reads no overflow page): O(store), off the sync
    path. A post's text is held twice, in its body as signed and in ``posts`` (derived),
    so a post's body counts twice: the text is nearly all of it."""
    out = {a: (int(h) + int(b) + int(p), int(b)) for a, h, b, p in conn.execute(
        "SELECT l.account, sum(length(e.header)), sum(coalesce(length(e.body), 0)), "
        f"sum(CASE WHEN e.kind = {int(Kind.POST)} THEN coalesce(length(e.body), 0) "
        "ELSE 0 END) FROM entries e JOIN logs l ON l.rowid = e.log GROUP BY l.account")}
    for author, text in conn.execute(  # what the private scan opened: held in clear too
            "SELECT author, sum(length(CAST(text AS BLOB))) FROM messages GROUP BY author"):
        held, body = out.get(author, (0, 0))
        out[author] = (held + int(text or 0), body)
    return out


def image_owners(conn: sqlite3.Connection,
                 kinds: dict[int, str]) -> tuple[dict[bytes, tuple[int, str]], int]:
    """Held blob -> (size, the kind it counts as: the most protected of the accounts
    whose entries reference it), and the bytes of held blobs nothing references."""
    rank = {k: i for i, k in enumerate(KINDS)}
    owners: dict[bytes, tuple[int, str]] = {}
    for digest, account, size in conn.execute(
            "SELECT b.hash, r.account, b.size FROM blob_refs r JOIN blobs b "
            "ON b.hash = r.hash"):
        kind = kinds.get(account, OTHER)
        digest = bytes(digest)
        held = owners.get(digest)
        if held is None or rank[kind] < rank[held[1]]:
            owners[digest] = (int(size), kind)
    loose = conn.execute("SELECT coalesce(sum(size), 0) FROM blobs b WHERE NOT EXISTS "
                         "(SELECT 1 FROM blob_refs r WHERE r.hash = b.hash)").fetchone()[0]
    return owners, int(loose)


def account_images(conn: sqlite3.Connection, owners: dict[bytes, tuple[int, str]],
                   ) -> dict[int, int]:
    """accounts.rowid -> bytes of held images its entries reference that count against
    the budget (an image a followed account also shows is not counted)."""
    out: dict[int, int] = {}
    for digest, account in conn.execute("SELECT DISTINCT hash, account FROM blob_refs"):
        held = owners.get(bytes(digest))
        if held is not None and held[1] not in PROTECTED:
            out[account] = out.get(account, 0) + held[0]
    return out


def report(conn: sqlite3.Connection, kinds: dict[int, str]) -> StorageReport:
    entries = entry_bytes(conn)
    owners, loose = image_owners(conn, kinds)
    images = account_images(conn, owners)
    sums: dict[str, list[int]] = {k: [0, 0, 0, 0] for k in KINDS}
    for account, kind in kinds.items():
        total, bodies = entries.get(account, (0, 0))
        held = sums[kind]
        held[0] += 1
        held[1] += total
        held[2] += bodies
    for size, kind in owners.values():
        sums[kind][3] += size
    per = {a: entries.get(a, (0, 0))[0] + images.get(a, 0) for a, k in kinds.items()
           if k not in PROTECTED}
    lim = limits(conn)
    largest = sorted(per.items(), key=lambda x: -x[1])[:5]
    ids = dict(conn.execute("SELECT rowid, id FROM accounts"))  # small: one row per account
    dropped = conn.execute("SELECT value FROM meta WHERE key = 'storage_dropped'").fetchone()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    kinds_out = {k: Holding(*v) for k, v in sums.items()}
    return StorageReport(
        kinds=kinds_out, limits=lim,
        budgeted=sum(kinds_out[k].total for k in KINDS if k not in PROTECTED),
        over_cap=sum(1 for n in per.values() if n > lim.per_account),
        largest=[(bytes(ids[a]), kinds[a], n) for a, n in largest if n],
        dropped=0 if dropped is None else int(dropped[0]),
        file_bytes=(pages - free) * size, unreferenced_images=loose)


# --- what to drop (pure) ---------------------------------------------------------------

def plan(usage: dict[int, int], kinds: dict[int, str],
         lim: Limits) -> list[tuple[str, set[int], int]]:
    """What to free, in order: ``(label, accounts, bytes)`` steps, each "free at least
    ``bytes`` from the oldest droppable data of ``accounts``". ``usage``: bytes per
    budgeted account (entries and images). First every account over its cap, by
    itself; then, while the budgeted total is over the budget, kind by kind in
    ``DROP_ORDER``."""
    steps: list[tuple[str, set[int], int]] = []
    left = {}
    for account, used in usage.items():
        if kinds.get(account) in PROTECTED:
            continue
        over = used - lim.per_account
        if over > 0:
            steps.append(("cap", {account}, over))
        left[account] = min(used, lim.per_account)
    excess = sum(left.values()) - lim.budget
    for kind in DROP_ORDER:
        if excess <= 0:
            break
        accounts = {a for a in left if kinds.get(a) == kind}
        held = sum(left[a] for a in accounts)
        if held:
            take = min(held, excess)
            steps.append((kind, accounts, take))
            excess -= take
    return steps


# --- dropping ---------------------------------------------------------------------------

def candidates(conn: sqlite3.Connection, accounts: Collection[int],
               limit: int) -> list[tuple[int, int, int]]:
    """(entries.rowid, kind, body bytes) of the oldest droppable bodies of ``accounts``
    (signed time, then arrival), at most ``limit``. Nothing that concerns the local
    account: a notification's cause, a message or followers-only post opened here
    (a community's messages excepted: anyone with its key may write there), a sealed
    entry above the private scan's watermark (not read yet); nor a community's
    moderation act or a report (everyone, or every moderator, needs the same ones)."""
    if not accounts:
        return []
    upto = conn.execute("SELECT value FROM meta WHERE key = 'private_upto'").fetchone()
    scanned = 0 if upto is None else int(upto[0])
    out: list[tuple[int, int, int, int]] = []
    marks = ",".join("?" * len(_DROPPABLE))
    accounts = list(accounts)
    for start in range(0, len(accounts), 500):
        chunk = accounts[start:start + 500]
        logs = ",".join("?" * len(chunk))
        out += conn.execute(
            f"SELECT e.rowid, e.kind, length(e.body), e.ts FROM entries e "
            f"JOIN logs l ON l.rowid = e.log WHERE l.account IN ({logs}) "
            f"AND e.body IS NOT NULL AND e.kind IN ({marks}) "
            "AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.rowid = e.rowid) "
            "AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.rowid = e.rowid "
            "AND m.conversation NOT IN (SELECT conversation FROM communities)) "
            "AND NOT EXISTS (SELECT 1 FROM circle_posts c WHERE c.rowid = e.rowid) "
            # a community's moderation acts: every member must hold the same ones to
            # reach the same state (store/moderation.py); reports, for the moderators
            "AND NOT EXISTS (SELECT 1 FROM community_acts a WHERE a.entry = e.rowid) "
            "AND NOT EXISTS (SELECT 1 FROM community_reports r WHERE r.entry = e.rowid) "
            f"AND (e.kind NOT IN ({_SEALED[0]}, {_SEALED[1]}) OR e.rowid <= ?) "
            "ORDER BY e.ts, e.rowid LIMIT ?",
            (*chunk, *_DROPPABLE, scanned, limit)).fetchall()
    out.sort(key=lambda r: (r[3], r[0]))
    return [(r[0], r[1], r[2]) for r in out[:limit]]


def drop(conn: sqlite3.Connection, text_remove: Callable[[int, str, str | None], None],
         rows: Iterable[tuple[int, int]]) -> Dropped:
    """Drop the bodies of ``rows`` ((entries.rowid, kind)) in the caller's transaction,
    and the images only they referenced (an image another entry still references
    stays: ours, a followed account's). ``text_remove``: takes an indexed post out of
    the search index. A post becomes a placeholder (``deleted = 2``): out of the lists,
    search and mentions; a reaction keeps its effect (its register row); a sealed
    entry no longer waits among the untagged for a key (it could not be opened)."""
    out = Dropped()
    for rowid, kind in rows:
        length = conn.execute("SELECT length(body) FROM entries WHERE rowid = ?",
                              (rowid,)).fetchone()
        if length is None or length[0] is None:
            continue
        conn.execute("UPDATE entries SET body = NULL WHERE rowid = ?", (rowid,))
        out.bodies += 1
        out.bytes += int(length[0])
        hashes = [bytes(r[0]) for r in conn.execute(
            "SELECT hash FROM blob_refs WHERE entry = ?", (rowid,))]
        conn.execute("DELETE FROM blob_refs WHERE entry = ?", (rowid,))  # not wanted again
        for digest in hashes:  # an image another entry still shows stays (ours, say)
            size = conn.execute("DELETE FROM blobs WHERE hash = ? AND NOT EXISTS (SELECT 1 "
                                "FROM blob_refs WHERE hash = ?) RETURNING size",
                                (digest, digest)).fetchone()
            if size is not None:
                out.images += 1
                out.image_bytes += int(size[0])
        if kind == Kind.POST:
            post = conn.execute("SELECT text, cw FROM posts WHERE rowid = ? AND deleted = 0",
                                (rowid,)).fetchone()
            if post:
                out.bytes += len(post[0].encode()) + len((post[1] or "").encode())
                text_remove(rowid, post[0], post[1])
                conn.execute("UPDATE posts SET deleted = 2, in_home = 0, text = '', "
                             "cw = NULL WHERE rowid = ?", (rowid,))
                conn.execute("DELETE FROM mentions WHERE post = ?", (rowid,))
                out.posts.append(rowid)
        elif kind in _SEALED:
            # a group_pending row may stay: opened later, a bodiless entry is skipped
            conn.execute("DELETE FROM group_untagged WHERE entry = ?", (rowid,))
            text = conn.execute("DELETE FROM messages WHERE rowid = ? "  # a community's
                                "RETURNING length(CAST(text AS BLOB))", (rowid,)).fetchone()
            if text is not None:
                out.bytes += int(text[0])
                conn.execute("DELETE FROM private_files WHERE entry = ?", (rowid,))
                conn.execute("UPDATE message_reactions SET active = 0 WHERE entry = ?",
                             (rowid,))
    return out


def usage(conn: sqlite3.Connection, kinds: dict[int, str]) -> dict[int, int]:
    """Bytes per budgeted account: its entries and the images counted against it."""
    entries = entry_bytes(conn)
    images = account_images(conn, image_owners(conn, kinds)[0])
    return {a: entries.get(a, (0, 0))[0] + images.get(a, 0) for a, k in kinds.items()
            if k not in PROTECTED}


def enforce(conn: sqlite3.Connection, text_remove: Callable[[int, str, str | None], None],
            kinds: dict[int, str], limit: int) -> tuple[Dropped, bool]:
    """One bounded run: drop at most ``limit`` bodies, following ``plan``, in one
    transaction. Returns what went and whether more is left to do (the run stopped
    at ``limit``): the caller runs again after letting other store work in."""
    steps = plan(usage(conn, kinds), kinds, limits(conn))
    out = Dropped()
    if not steps:
        return out, False
    left = limit
    conn.execute("BEGIN IMMEDIATE")
    try:
        for _, accounts, need in steps:
            freed = 0
            while freed < need and left > 0:
                rows = candidates(conn, accounts, left)  # one sort per step, cut short
                if not rows:
                    break  # what is left is headers and what concerns us: nothing to drop
                for rowid, kind, _size in rows:
                    one = drop(conn, text_remove, [(rowid, kind)])
                    freed += one.bytes + one.image_bytes
                    left -= 1
                    _add(out, one)
                    if freed >= need or left <= 0:
                        break
            if left <= 0:
                break
        if out.bodies:
            conn.execute("INSERT INTO meta(key, value) VALUES ('storage_dropped', ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = value + excluded.value",
                         (out.bodies,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return out, left <= 0


def _add(total: Dropped, one: Dropped) -> None:
    total.bodies += one.bodies
    total.bytes += one.bytes
    total.images += one.images
    total.image_bytes += one.image_bytes
    total.posts += one.posts
