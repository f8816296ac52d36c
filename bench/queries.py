"""Queries: latency of the reads the app makes, on a large store (1M entries from 1,000
authors by default; the local account follows 150 of them).

For each query: p50 and p99 over ``--reps`` calls (200 by default) after one warm-up
call, how many SQL statements one call runs, and the EXPLAIN QUERY PLAN of each of
them, with ``uses_index`` false when any scans all of posts or entries.

Targets from the issue, at 1M entries: home first page <= 10 ms, search <= 50 ms.
The store is generated once and cached under bench/out/, keyed by its parameters.
"""

from __future__ import annotations

import itertools
import os
import re
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

from p2psocial import entry
from p2psocial.store import Cursor, Store
from p2psocial.store.queries import fts_query

from . import common

BENCH = "queries"
TARGETS_MS = {"home_first_page": 10.0, "search_common_word": 50.0, "search_rare_word": 50.0,
              "search_top_word": 50.0, "search_3_letter_prefix": 50.0}


def params(entries: int | None, authors: int | None, follows: int | None,
           quick: bool) -> common.Params:
    n = entries or (5_000 if quick else 1_000_000)
    a = authors or (1000 if n >= 200_000 else max(20, n // 100))
    return common.Params(entries=n, authors=a,
                         local_follows=follows if follows is not None else round(a * 0.15),
                         thread_replies=min(500, n // 20), epochs=20 if n >= 200_000 else 10)


def build_store(p: common.Params, out: Path, processes: int, batch: int,
                ) -> tuple[Path, common.Facts, float | None]:
    """The cached store for ``p``, built (and timed) if it is not there yet."""
    path = out / f"queries-{p.key()}.sqlite"
    facts_path = path.with_suffix(".json")
    if path.exists() and facts_path.exists():
        return path, common.Facts.from_json(facts_path.read_text()), None
    out.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".building.sqlite")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    common.progress(f"building a store of {p.entries} entries from {p.authors} authors "
                    f"({processes} signing processes); cached as {path.name}")
    start = time.perf_counter()
    epochs, facts_of = common.generate(p, processes)
    first = next(epochs)  # start the signing pool before SQLite is opened, then fork
    store = Store(tmp)
    store.set_local_account(common.author_identity(p.seed, 0).account_id)
    done = 0
    for number, chunk in enumerate(itertools.chain([first], epochs)):
        pending: list[entry.Entry] = []
        for _author, wires in chunk:
            pending.extend(entry.parse(raw, body) for raw, body in wires)
            if len(pending) >= batch:
                store.ingest(pending[:batch])
                pending = pending[batch:]
        for i in range(0, len(pending), batch):
            store.ingest(pending[i:i + batch])
        done += sum(len(w) for _a, w in chunk)
        elapsed = time.perf_counter() - start
        common.progress(f"  epoch {number + 1}/{p.epochs}: {done} entries, "
                        f"{done / elapsed:.0f}/s")
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    seconds = time.perf_counter() - start
    facts = facts_of()
    os.replace(tmp, path)
    facts_path.write_text(facts.to_json())
    return path, facts, seconds


# --- plans -----------------------------------------------------------------------------

_LITERALS = re.compile(r"X'[0-9A-Fa-f]*'|'(?:[^']|'')*'|\b\d+\b")
_TABLE_SCAN = re.compile(r"^SCAN (posts|entries|p|e)\b(?!.*\bINDEX\b)")


def traced(conn: sqlite3.Connection, fn: Callable[[], object]) -> list[str]:
    """The SQL statements (with their values) that one call of ``fn`` runs."""
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        fn()
    finally:
        conn.set_trace_callback(None)
    return seen


def plans(conn: sqlite3.Connection, statements: list[str]) -> list[dict[str, object]]:
    """EXPLAIN QUERY PLAN of each distinct statement (values stripped to compare)."""
    out: dict[str, dict[str, object]] = {}
    for sql in statements:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        shape = " ".join(_LITERALS.sub("?", sql).split())
        if shape in out:
            out[shape]["times"] += 1  # type: ignore[operator]
            continue
        detail = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
        out[shape] = {"sql": shape[:160], "times": 1, "plan": detail}
    return list(out.values())


def measure(store: Store, name: str, fn: Callable[[], object], reps: int,
            rows: Callable[[object], int]) -> dict[str, object]:
    start = time.perf_counter()
    result = fn()
    first_ms = (time.perf_counter() - start) * 1000
    statements = traced(store.conn, fn)
    explained = plans(store.conn, statements)
    scans = sorted({d for p in explained for d in p["plan"]  # type: ignore[attr-defined]
                    if _TABLE_SCAN.match(d)})
    summary = common.summary_ms(common.latencies_ms(fn, reps))
    figures: dict[str, object] = {**summary, "first_ms": round(first_ms, 3),
                                  "rows": rows(result), "statements": len(statements)}
    if name in TARGETS_MS:
        target = TARGETS_MS[name]
        figures.update(target_ms=target, p50_meets_target=summary["ms_p50"] <= target,
                       p99_meets_target=summary["ms_p99"] <= target)
    figures.update(uses_index=not scans, full_scans=scans, plans=explained)
    return common.record(BENCH, name, **figures)


def run(p: common.Params, out: Path, processes: int, batch: int, reps: int) -> None:
    path, facts, build_s = build_store(p, out, processes, batch)
    store = Store(path)
    try:
        entries = store.count_entries()
        posts, in_home = store.conn.execute(
            "SELECT count(*), total(in_home) FROM posts").fetchone()
        size = path.stat().st_size
        common.emit(common.record(
            BENCH, "store", entries=entries, posts=posts, home_posts=int(in_home),
            authors=p.authors, local_follows=p.local_follows,
            thread_replies=facts.thread_replies, file_mb=round(size / 2**20, 1),
            file_bytes_per_entry=round(size / entries),
            build_s=None if build_s is None else round(build_s, 1),
            build_entries_per_s=None if not build_s else round(entries / build_s)))

        local = bytes.fromhex(facts.local_account)
        popular = bytes.fromhex(facts.popular_account)
        cursor: Cursor | None = None
        for _ in range(9):  # the cursor of page 10, by walking pages 1 to 9
            page = store.queries.home(50, cursor)
            cursor = page.next
        if cursor is None:
            common.progress("the home timeline has fewer than 10 pages")
        page10 = cursor

        def items(result: object) -> int:
            return len(getattr(result, "items", result))  # type: ignore[arg-type]

        cases: list[tuple[str, Callable[[], object]]] = [
            ("home_first_page", lambda: store.queries.home(50)),
            ("home_page_10", lambda: store.queries.home(50, page10)),
            ("account_posts", lambda: store.account_posts(popular, 50)),
            ("mentions", lambda: store.mentions(local, 50)),
            ("search_common_word", lambda: store.search(facts.common_word)),
            ("search_rare_word", lambda: store.search(facts.rare_word)),
            # what search-as-you-type sends: the most frequent word, and a first keystrokes
            ("search_top_word", lambda: store.search(common.VOCAB[0])),
            ("search_3_letter_prefix", lambda: store.search(facts.common_word[:3])),
        ]
        if facts.thread_root:
            root = bytes.fromhex(facts.thread_root)
            cases.append((f"thread_{facts.thread_replies}",
                          lambda: store.queries.thread(root)))
        words = {"search_common_word": facts.common_word, "search_rare_word": facts.rare_word,
                 "search_top_word": common.VOCAB[0],
                 "search_3_letter_prefix": facts.common_word[:3]}
        for name, fn in cases:
            common.progress(f"{name} x {reps}")
            line = measure(store, name, fn, reps, items)
            if name in words:
                line["words"] = words[name]
                line["posts_matching"] = _count_matches(store, words[name])
            common.emit(line)
    finally:
        store.close()
    common.emit(common.record(BENCH, "memory", peak_rss_mb=common.peak_rss_mb()))


def _count_matches(store: Store, text: str) -> int:
    """Posts that ``Store.search(text)`` matches (the last word is a prefix)."""
    return int(store.conn.execute("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?",
                                  (fts_query(text),)).fetchone()[0])


def main(argv: list[str] | None = None) -> int:
    args = common.parser("python -m bench queries", __doc__ or "").parse_args(argv)
    p = params(args.entries, args.authors, args.follows, args.quick)
    try:
        run(p, args.out, args.processes, args.batch, args.reps)
    except ValueError as exc:
        print(f"bench queries: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
