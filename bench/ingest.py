"""Ingest: how fast a fresh store takes in the logs of many authors, as a sync session
delivers them (grouped per log, in batches of 1,000 entries).

Two ways, each into its own fresh store file, compared with the raw batched-insert
rate measured in the same run:

* ``by_runs``: ``Store.ingest`` as it is; it checks one signature per contiguous run
  of a log (``entry.verify_run``), plus each new log's device certificate;
* ``per_entry``: ``entry.verify_entry`` on every entry (a full signature check each),
  then the same ``Store.ingest``: what ingest would cost without run verification.

The target from the issue: ``by_runs`` at 60% or more of the batched-insert rate.
Generated entries are cached under bench/out/, keyed by their parameters.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import msgpack

from p2psocial import entry
from p2psocial.store import Store

from . import common

BENCH = "ingest"
TARGET_RATIO = 0.6


def params(entries: int | None, authors: int | None, follows: int | None,
           quick: bool) -> common.Params:
    n = entries or (3_000 if quick else 100_000)
    a = authors or max(2, min(100, n // 30))
    return common.Params(entries=n, authors=a,
                         local_follows=follows if follows is not None else round(a * 0.15),
                         thread_replies=0)


def load_or_generate(p: common.Params, out: Path, processes: int,
                     ) -> tuple[list[tuple[bytes, bytes]], common.Facts, float | None]:
    """Wire entries grouped per log (author 0's log first), the facts, and the seconds
    spent generating (None when read from the cache)."""
    path = out / f"ingest-{p.key()}.msgpack"
    if path.exists():
        with path.open("rb") as f:
            unpacker = msgpack.Unpacker(f, use_list=False, raw=False, max_buffer_size=2**31)
            facts = common.Facts.from_json(next(unpacker))
            wires = [(raw, body) for raw, body in unpacker]
        return wires, facts, None
    common.progress(f"generating {p.entries} entries from {p.authors} authors "
                    f"({processes} processes)")
    start = time.perf_counter()
    epochs, facts_of = common.generate(p, processes)
    per_log: dict[int, list[tuple[bytes, bytes]]] = {}
    for number, chunk in enumerate(epochs):
        for author, wires in chunk:
            per_log.setdefault(author, []).extend(wires)
        common.progress(f"  epoch {number + 1}/{p.epochs}")
    seconds = time.perf_counter() - start
    facts = facts_of()
    ordered = [w for author in sorted(per_log) for w in per_log[author]]
    out.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as f:
        packer = msgpack.Packer(use_bin_type=True)
        f.write(packer.pack(facts.to_json()))
        for wire in ordered:
            f.write(packer.pack(wire))
    os.replace(tmp, path)
    return ordered, facts, seconds


def ingest_all(store: Store, batches: list[list[entry.Entry]],
               per_entry: bool) -> dict[str, float | None]:
    """Ingest every batch; ``per_entry`` first checks each entry alone. Returns the
    wall and CPU seconds, and the bytes written per entry."""
    wrote = common.written_bytes()
    cpu = time.process_time()
    start = time.perf_counter()
    added = 0
    for batch in batches:
        if per_entry:
            for item in batch:
                entry.verify_entry(item)
        added += len(store.ingest(batch).added)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    after = common.written_bytes()
    wanted = sum(map(len, batches))
    if added != wanted:
        raise AssertionError(f"ingest stored {added} of {wanted} entries")
    return {"seconds": seconds, "cpu_s": round(cpu, 2),
            "written_bytes_per_entry": None if wrote is None or after is None
            else round((after - wrote) / wanted)}


def fresh_store(directory: Path, name: str, local: bytes) -> Store:
    store = Store(directory / f"{name}.sqlite")
    store.set_local_account(local)
    return store


def file_bytes(store: Store) -> int:
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(Path(f"{store.path}{s}").stat().st_size for s in ("", "-wal")
               if Path(f"{store.path}{s}").exists())


def run(p: common.Params, out: Path, processes: int, batch: int) -> None:
    wires, facts, gen_seconds = load_or_generate(p, out, processes)
    start = time.perf_counter()
    entries = [entry.parse(raw, body) for raw, body in wires]
    parse_s = time.perf_counter() - start
    del wires
    batches = common.delivery_batches(entries, batch)
    runs = sum(len({e.device for e in b}) for b in batches)
    local = bytes.fromhex(facts.local_account)
    common.emit(common.record(
        BENCH, "dataset", entries=len(entries), authors=p.authors,
        local_follows=p.local_follows, kinds=facts.kinds, batches=len(batches),
        runs=runs, generate_s=None if gen_seconds is None else round(gen_seconds, 1),
        parse_per_s=round(len(entries) / parse_s)))
    rss_dataset = common.rss_mb()

    with tempfile.TemporaryDirectory(prefix="p2ps-bench-") as tmp:
        directory = Path(tmp)
        n = len(entries)
        # The raw rate is taken before and after by_runs, and their mean is the
        # reference: the machine is shared, and this brackets what it was doing.
        common.progress(f"raw batched insert of {n} rows")
        before = common.raw_insert_rate(directory, rows=n, batch=batch)

        common.progress("Store.ingest by runs")
        store = fresh_store(directory, "by-runs", local)
        runs_figures = ingest_all(store, batches, per_entry=False)
        # full-text indexing is deferred off the sync path: measure what it costs later
        start = time.perf_counter()
        indexed = store.index_text()
        index_s = time.perf_counter() - start
        size = file_bytes(store)
        store.close()

        common.progress(f"raw batched insert of {n} rows, again")
        after = common.raw_insert_rate(directory, rows=n, batch=batch)
        insert_rate = (before["rows_per_s"] + after["rows_per_s"]) / 2
        common.emit(common.record(
            BENCH, "batched_insert", rows_per_s=round(insert_rate),
            rows_per_s_before=before["rows_per_s"], rows_per_s_after=after["rows_per_s"],
            rows=n, batch=batch, row_bytes=before["row_bytes"],
            written_bytes_per_row=before.get("written_bytes_per_row")))

        seconds = runs_figures.pop("seconds") or 0.0
        by_runs = n / seconds
        common.emit(common.record(
            BENCH, "by_runs", entries_per_s=round(by_runs), seconds=round(seconds, 2),
            **runs_figures, entries=n, batch=batch, signatures=runs + p.authors,
            ratio_to_insert=round(by_runs / insert_rate, 3), target_ratio=TARGET_RATIO,
            meets_target=by_runs / insert_rate >= TARGET_RATIO,
            file_bytes_per_entry=round(size / n), file_mb=round(size / 2**20, 1)))
        with_index = n / (seconds + index_s)
        common.emit(common.record(
            BENCH, "index_text", posts=indexed, seconds=round(index_s, 2),
            posts_per_s=round(indexed / index_s) if index_s else None,
            by_runs_with_index_entries_per_s=round(with_index),
            by_runs_with_index_ratio_to_insert=round(with_index / insert_rate, 3)))

        common.progress("verify_entry on each entry, then Store.ingest")
        store = fresh_store(directory, "per-entry", local)
        entry_figures = ingest_all(store, batches, per_entry=True)
        store.close()
        seconds = entry_figures.pop("seconds") or 0.0
        per_entry = n / seconds
        common.emit(common.record(
            BENCH, "per_entry", entries_per_s=round(per_entry), seconds=round(seconds, 2),
            **entry_figures, entries=n, batch=batch, signatures=n + runs + p.authors,
            ratio_to_insert=round(per_entry / insert_rate, 3),
            ratio_to_by_runs=round(per_entry / by_runs, 3)))

    common.emit(common.record(BENCH, "memory", peak_rss_mb=common.peak_rss_mb(),
                              rss_with_dataset_mb=rss_dataset, entries=len(entries)))


def main(argv: list[str] | None = None) -> int:
    args = common.parser("python -m bench ingest", __doc__ or "").parse_args(argv)
    p = params(args.entries, args.authors, args.follows, args.quick)
    try:
        run(p, args.out, args.processes, args.batch)
    except ValueError as exc:
        print(f"bench ingest: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
