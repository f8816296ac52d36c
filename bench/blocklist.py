"""Blocklist: the time to apply a new 1,000-entry blocklist to a home that holds the
listed accounts' logs, against the raw ingest time of the same entries (same run).

A home (store file) holds the logs of N accounts (default 1,000, each its certificate
and 9 posts); Fay's log blocks all of them publicly (N BLOCK entries). Measured, each
on a fresh copy of the same home:

* ``ingest``: ``Store.ingest`` of the N accounts' entries as a peer sends them (the
  reference: what it cost to take them in);
* ``subscribe``: Fay's log is held; subscribing to her list refuses the N accounts and
  truncates their logs to their certificates (store/refusals.py), in one call;
* ``list_arrives``: subscribed first; Fay's N BLOCK entries then arrive in one batch
  (ingest of her log, and the refusals it causes, in the same ``Store.ingest``);
* ``refused_ingest``: the N accounts' entries sent again after that: refused, unread.

Ratios are to ``ingest`` of the same run; the disk figures are the store file after a
checkpoint (its size does not drop: SQLite keeps freed pages for reuse, which
``free_mb_after`` counts), and the bytes of entries held, before and after.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from p2psocial import content, entry, identity
from p2psocial.store import Store

from . import common

BENCH = "blocklist"


def _sign(ident: identity.Identity, prev: entry.Entry | None, value: content.AnyContent,
          ts: int) -> entry.Entry:
    kind, body = content.encode_body(value)
    return entry.create(ident.device.secret_key, ident.device_id, prev, ts, kind, body)


def dataset(accounts: int, posts: int) -> tuple[identity.Identity, list[entry.Entry],
                                                list[entry.Entry], list[bytes]]:
    """The local identity, the listed accounts' entries, Fay's log, the listed ids."""
    ts = 1_700_000_000_000
    me = common.author_identity(1, 0)
    fay = common.author_identity(1, 1)
    listed, held = [], []
    for n in range(accounts):
        ident = common.author_identity(2, n)
        listed.append(ident.account_id)
        log = [_sign(ident, None, content.DeviceAnnouncement(ident.cert), ts)]
        for k in range(posts):
            log.append(_sign(ident, log[-1], content.Post(f"post {k} of {n} " + "x" * 200),
                             ts + k + 1))
        held.extend(log)
    fays = [_sign(fay, None, content.DeviceAnnouncement(fay.cert), ts)]
    for k, account in enumerate(listed):
        fays.append(_sign(fay, fays[-1], content.Block(account), ts + k + 1))
    return me, held, fays, listed


def file_bytes(store: Store) -> int:
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(Path(f"{store.path}{s}").stat().st_size for s in ("", "-wal")
               if Path(f"{store.path}{s}").exists())


def body_bytes(store: Store) -> int:
    """Bytes of entry headers and bodies held (what refusing frees)."""
    row = store.conn.execute("SELECT sum(length(header) + coalesce(length(body), 0)) "
                             "FROM entries").fetchone()
    return int(row[0] or 0)


def free_bytes(store: Store) -> int:
    """Pages SQLite freed for reuse (the file shrinks only with VACUUM)."""
    pages = store.conn.execute("PRAGMA freelist_count").fetchone()[0]
    return int(pages) * int(store.conn.execute("PRAGMA page_size").fetchone()[0])


def timed(fn: object) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()  # type: ignore[operator]
    return time.perf_counter() - start, out


def run(accounts: int, posts: int, bench: str = BENCH, prefix: str = "") -> None:
    """Print the lines; ``bench``/``prefix``: under another benchmark's name (storage's)."""
    common.progress(f"signing {accounts} accounts x {posts + 1} entries and a "
                    f"{accounts}-entry blocklist")
    me, held, fays, _listed = dataset(accounts, posts)
    batches = [held[i:i + common.BATCH] for i in range(0, len(held), common.BATCH)]
    common.emit(common.record(bench, prefix + "dataset", accounts=accounts, entries=len(held),
                              list_entries=len(fays) - 1))
    with tempfile.TemporaryDirectory(prefix="p2ps-bench-") as tmp:
        base = Path(tmp) / "base.sqlite"
        store = Store(base)
        store.set_local_account(me.account_id)
        ingest_s = 0.0
        for batch in batches:
            seconds, _ = timed(lambda b=batch: store.ingest(b, durable=False, strict=False))
            ingest_s += seconds
        before = file_bytes(store)
        store.close()
        common.emit(common.record(bench, prefix + "ingest", entries=len(held),
                                  seconds=round(ingest_s, 3),
                                  entries_per_s=round(len(held) / ingest_s),
                                  file_mb=round(before / 2**20, 2)))

        def copy(name: str) -> Store:
            path = Path(tmp) / f"{name}.sqlite"
            shutil.copy(base, path)
            return Store(path)

        # Fay's list held, then subscribed to
        store = copy("subscribe")
        store.ingest(fays, durable=False, strict=False)
        held_before = body_bytes(store)
        seconds, _ = timed(lambda: store.refusals.choose("subscribe", fay_id(fays), True))
        refused = len(store.refused())
        after = file_bytes(store)
        assert refused == accounts, refused
        common.emit(common.record(
            bench, prefix + "subscribe", refused=refused, seconds=round(seconds, 3),
            ratio_to_ingest=round(seconds / ingest_s, 3),
            body_mb_before=round(held_before / 2**20, 2),
            body_mb_after=round(body_bytes(store) / 2**20, 2),
            file_mb_after=round(after / 2**20, 2),
            free_mb_after=round(free_bytes(store) / 2**20, 2)))
        store.close()

        # subscribed first, then the list arrives in one batch
        store = copy("arrives")
        store.refusals.choose("subscribe", fay_id(fays), True)
        seconds, result = timed(lambda: store.ingest(fays, durable=False, strict=False))
        assert len(store.refused()) == accounts
        common.emit(common.record(
            bench, prefix + "list_arrives", list_entries=len(fays), seconds=round(seconds, 3),
            ratio_to_ingest=round(seconds / ingest_s, 3)))

        seconds = 0.0
        refused_entries = 0
        for batch in batches:
            took, result = timed(lambda b=batch: store.ingest(b, durable=False, strict=False))
            seconds += took
            refused_entries += result.refused + result.skipped  # type: ignore[attr-defined]
        common.emit(common.record(
            bench, prefix + "refused_ingest", entries=len(held), refused=refused_entries,
            seconds=round(seconds, 3), ratio_to_ingest=round(seconds / ingest_s, 3)))
        store.close()
    common.emit(common.record(bench, prefix + "memory", peak_rss_mb=common.peak_rss_mb()))


def fay_id(fays: list[entry.Entry]) -> bytes:
    value = content.decode_body(fays[0].kind, fays[0].body or b"")
    assert isinstance(value, content.DeviceAnnouncement)
    return value.cert.account


def main(argv: list[str] | None = None) -> int:
    p = common.parser("python -m bench blocklist", __doc__ or "")
    p.add_argument("--accounts", type=int, metavar="N", help="listed accounts (1000)")
    args = p.parse_args(argv)
    accounts = args.accounts or (100 if args.quick else 1000)
    run(accounts, 9)
    return 0


if __name__ == "__main__":
    sys.exit(main())
