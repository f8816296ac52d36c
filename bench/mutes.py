"""Mutes and word filters: what they cost the reads the app makes (issue 17).

On the queries benchmark's store (bench/queries.py, cached under bench/out/), each
read is timed without any mute, then with the three followed accounts that have the
most posts in the home muted, 5 #tags muted, 20 hide filters of median frequency and
1 warn filter ("typical"), then with 20 hide filters on the 20 most frequent words,
which hide nearly the whole home ("worst": a page reads thousands of rows to fill
itself). Each line: p50 and p99 (ms) and how many posts of the home the mutes hide;
ratios to the run without mutes, in the same run. The mutes are removed at the end.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from p2psocial import muting
from p2psocial.store import Cursor, Store
from p2psocial.store.mutes import SHOWN

from . import common, queries

BENCH = "mutes"


def _reads(store: Store, word: str) -> dict[str, Callable[[], object]]:
    cursor: Cursor | None = None
    for _ in range(9):  # the cursor of page 10
        cursor = store.queries.home(50, cursor).next
    page10 = cursor
    return {"home_first_page": lambda: store.queries.home(50),
            "home_page_10": lambda: store.queries.home(50, page10),
            "search_common_word": lambda: store.search(word),
            "notifications": lambda: store.queries.notifications(50)}


def _hidden(store: Store) -> tuple[int, int]:
    """(posts of the home, those the mutes hide)."""
    home = store.conn.execute("SELECT count(*) FROM posts WHERE in_home = 1").fetchone()[0]
    shown = store.conn.execute(
        "SELECT count(*) FROM posts p JOIN entries e ON e.rowid = p.rowid "
        f"WHERE p.in_home = 1 AND {SHOWN}", {"me": store.queries.local}).fetchone()[0]
    return int(home), int(home) - int(shown)


def _clear(store: Store) -> None:
    store.conn.execute("DELETE FROM mutes")
    store.conn.execute("DELETE FROM word_filters")


def run(p: common.Params, out: Path, processes: int, batch: int, reps: int) -> None:
    path, facts, _ = queries.build_store(p, out, processes, batch)
    store = Store(path)
    try:
        _clear(store)
        counts = sorted((int(store.conn.execute(
            "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?",
            (f'"{w}"',)).fetchone()[0]), w) for w in common.VOCAB)
        heavy = [bytes(r[0]) for r in store.conn.execute(
            "SELECT a.id FROM posts p JOIN accounts a ON a.rowid = p.author "
            "WHERE p.in_home = 1 AND p.author != ? GROUP BY p.author "
            "ORDER BY count(*) DESC LIMIT 3", (store.queries.local,))]
        mid = len(counts) // 2

        def typical() -> None:
            for account in heavy:
                store.mute_book.mute(muting.ACCOUNT, account)
            for tag in ("politics", "sports", "news", "crypto", "ads"):
                store.mute_book.mute(muting.TAG, tag)
            for _, word in counts[mid:mid + 20]:
                store.mute_book.set_filter(word, muting.HIDE)
            store.mute_book.set_filter(counts[mid + 20][1], muting.WARN)

        def worst() -> None:
            for _, word in counts[-20:]:
                store.mute_book.set_filter(word, muting.HIDE)

        base: dict[str, float] = {}
        for case, setup in (("none", None), ("typical", typical), ("worst", worst)):
            _clear(store)
            if setup is not None:
                setup()
            home, hidden = _hidden(store)
            for name, fn in _reads(store, facts.common_word).items():
                common.progress(f"{case}: {name} x {reps}")
                summary = common.summary_ms(common.latencies_ms(fn, reps))
                if case == "none":
                    base[name] = summary["ms_p50"]
                ratio = summary["ms_p50"] / base[name] if base[name] else None
                common.emit(common.record(
                    BENCH, f"{name}_{case}", **summary, home_posts=home, hidden=hidden,
                    mutes=len(store.mute_book.mutes()), filters=len(store.mute_book.filters()),
                    p50_ratio_to_none=None if ratio is None else round(ratio, 2)))
    finally:
        _clear(store)
        store.close()


def main(argv: list[str] | None = None) -> int:
    args = common.parser("python -m bench mutes", __doc__ or "").parse_args(argv)
    p = queries.params(args.entries, args.authors, args.follows, args.quick)
    run(p, args.out, args.processes, args.batch, args.reps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
