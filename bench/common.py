"""What the benchmarks share: reporting, options, the raw SQLite insert rate, and a
deterministic generator of realistic signed logs.

Reporting: every figure is one JSON object on one line of stdout, with the unit in
the key (``per_s``, ``ms_p50``, ``mb``); progress goes to stderr.

The generator builds ``authors`` real identities, each with its device certificate at
seq 1, a profile and some follows, then mostly posts (some replies, tags, mentions)
and reactions. Replies and reactions need the ids of earlier posts, and an id is only
known once its entry is signed, so time is cut into epochs: the entries of epoch k
are planned here, in one process, with targets taken from epochs before k, and signed
by a pool of worker processes while the caller consumes epoch k - 1. The same
parameters always give the same entries, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mnemonic import Mnemonic

from p2psocial import content, crypto, entry, identity, ids

OUT_DIR = Path(__file__).resolve().parent / "out"
BATCH = 1000

# --- reporting -----------------------------------------------------------------------


def record(bench: str, name: str, **figures: object) -> dict[str, object]:
    """One result line: what was measured, the figures, and where it ran."""
    return {"bench": bench, "name": name, **figures, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version}


def emit(line: dict[str, object]) -> None:
    print(json.dumps(line), flush=True)


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far: Linux's VmHWM. Not getrusage's
    ru_maxrss, which a process started by fork and exec inherits from its parent: a
    benchmark's child would report the orchestrator's peak if that was higher."""
    return _status_mb("VmHWM")


def rss_mb() -> float:
    """Current resident set size (VmRSS)."""
    return _status_mb("VmRSS")


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        kib = next(int(line.split()[1]) for line in f if line.startswith(field + ":"))
    return round(kib / 1024, 1)


def written_bytes() -> int | None:
    """Bytes this process has written through system calls so far (Linux only): a
    figure that noise from other processes does not move, unlike time."""
    try:
        with open("/proc/self/io") as f:
            for line in f:
                if line.startswith("wchar:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def rate(fn: Callable[[], object], n: int) -> float:
    """Calls per second of ``fn``, which does ``n`` operations per call."""
    start = time.perf_counter()
    fn()
    return n / (time.perf_counter() - start)


def latencies_ms(fn: Callable[[], object], reps: int) -> list[float]:
    out = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), -(-len(ordered) * p // 100)))
    return ordered[int(rank) - 1]


def summary_ms(samples: Sequence[float]) -> dict[str, float | int]:
    return {"ms_p50": round(percentile(samples, 50), 3),
            "ms_p99": round(percentile(samples, 99), 3),
            "ms_max": round(max(samples), 3), "reps": len(samples)}


# --- options -------------------------------------------------------------------------


def parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The options every benchmark accepts (each uses the ones that apply to it), so
    that ``python -m bench --quick`` can pass the same options to all of them."""
    p = argparse.ArgumentParser(prog=prog, description=description)
    p.add_argument("--quick", action="store_true",
                   help="small sizes: a first look, and what the tests run")
    p.add_argument("--entries", type=int, metavar="N",
                   help="entries to generate (ingest: 100000, queries: 1000000)")
    p.add_argument("--authors", type=int, metavar="N",
                   help="authors, each a real identity (ingest: 100, queries: 1000)")
    p.add_argument("--follows", type=int, metavar="N",
                   help="accounts the local account follows (default: 15%% of authors)")
    p.add_argument("--batch", type=int, default=BATCH, metavar="N",
                   help="entries (or rows) per transaction (default: %(default)s)")
    p.add_argument("--reps", type=int, default=200, metavar="N",
                   help="repetitions of each query (default: %(default)s)")
    p.add_argument("--processes", type=int, default=2, metavar="N",
                   help="processes that sign generated entries (default: %(default)s)")
    p.add_argument("--out", type=Path, default=OUT_DIR, metavar="DIR",
                   help="where generated data is cached (default: bench/out)")
    return p


# --- the raw insert rate -------------------------------------------------------------

# Like entries: a rowid table, the 32-byte hash in a UNIQUE index, ~400-byte rows.
_RAW_SCHEMA = """
CREATE TABLE raw (
    rowid INTEGER PRIMARY KEY, id BLOB NOT NULL, log INTEGER NOT NULL, seq INTEGER NOT NULL,
    kind INTEGER NOT NULL, ts INTEGER NOT NULL, header BLOB NOT NULL, body BLOB
)"""


def store_pragmas(conn: sqlite3.Connection) -> None:
    """The settings p2psocial.store.Store opens its file with."""
    from p2psocial.store.store import apply_pragmas

    apply_pragmas(conn)


def raw_insert_rate(directory: Path, rows: int = 100_000, batch: int = BATCH,
                    row_bytes: int = 400) -> dict[str, float]:
    """Rows per second of plain batched inserts into a fresh file in ``directory``:
    ``executemany`` of ``batch`` rows per transaction, WAL, ``synchronous = FULL``.

    This is the bound that ingest is compared with: what SQLite alone costs for rows
    the size of an entry, without verification or derived state.
    """
    rng = random.Random(0)
    payload = max(0, row_bytes - 32 - 5 * 8)
    data = [(i + 1, crypto.blake2b(i.to_bytes(8, "big")), 1 + i // 1000, 1 + i % 1000, 1,
             1_700_000_000_000 + i, rng.randbytes(payload // 2),
             rng.randbytes(payload - payload // 2)) for i in range(rows)]
    path = directory / "raw-insert.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        store_pragmas(conn)
        conn.execute(_RAW_SCHEMA)
        conn.execute("CREATE UNIQUE INDEX raw_id ON raw(id)")
        sql = "INSERT INTO raw VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        wrote = written_bytes()
        start = time.perf_counter()
        for i in range(0, rows, batch):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(sql, data[i:i + batch])
            conn.execute("COMMIT")
        seconds = time.perf_counter() - start
        after = written_bytes()
    finally:
        conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    figures = {"rows_per_s": round(rows / seconds), "rows": rows, "batch": batch,
               "row_bytes": row_bytes, "seconds": round(seconds, 3)}
    if wrote is not None and after is not None:
        figures["written_bytes_per_row"] = round((after - wrote) / rows)
    return figures


# --- generated data --------------------------------------------------------------------

GEN_VERSION = 2  # part of every cache key: bump it when the generator or the schema changes
T0 = 1_700_000_000_000
SPAN_MS = 365 * 24 * 3600 * 1000
RARE_WORD = "quokka"  # not in the vocabulary, and no vocabulary word starts with it
RARE_POSTS = 20
COMMON_RANK = 20  # the vocabulary word that ends up in roughly 10-20% of posts
THREAD_ROOT = "thread-root"
EMOJI = ("👍", "❤️", "😂", "🎉", "🔥", "+1")
TAGS = (*(f"tag{i}" for i in range(40)), "python", "p2p", "linux", "music", "news")
_FIRST = ("Ada", "Bo", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana", "Ines", "Jo", "Kai",
          "Lea", "Mo", "Noor", "Oli", "Pia", "Quin", "Rui", "Sol", "Tam")

_vocab = Mnemonic("english").wordlist[:]
random.Random(7).shuffle(_vocab)
VOCAB: list[str] = [w for w in _vocab if not w.startswith(RARE_WORD)]
COMMON_WORD = VOCAB[COMMON_RANK]
_CUM: list[float] = []
for _r in range(len(VOCAB)):
    _CUM.append((_CUM[-1] if _CUM else 0.0) + 1.0 / (_r + 1))


@dataclass(frozen=True)
class Params:
    entries: int
    authors: int
    local_follows: int
    thread_replies: int
    epochs: int = 10
    seed: int = 1

    def key(self) -> str:
        return (f"v{GEN_VERSION}-e{self.entries}-a{self.authors}-f{self.local_follows}"
                f"-t{self.thread_replies}-p{self.epochs}-s{self.seed}")


@dataclass
class Facts:
    """What a benchmark needs to know about the data it runs on. Author 0 is the
    local account of the store."""

    params: dict[str, int]
    local_account: str = ""  # hex
    popular_account: str = ""  # the most active author the local account follows
    thread_root: str = ""
    thread_replies: int = 0
    common_word: str = COMMON_WORD
    rare_word: str = RARE_WORD
    rare_posts: int = 0
    kinds: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Facts:
        return cls(**json.loads(text))


def author_identity(seed: int, author: int) -> identity.Identity:
    root = crypto.blake2b(f"bench-root-{seed}-{author}".encode())
    device = crypto.blake2b(f"bench-device-{seed}-{author}".encode())
    return identity.new_identity(root, device, T0)


# Plan items, planned by the coordinator and turned into content by a worker:
#   ("cert",) ("profile",) ("follow", account) ("react", target)
#   ("post", parent | None, root | None, mark)   mark: "", "rare" or THREAD_ROOT
Item = tuple
Job = tuple  # (author, epoch, prev (raw, body) | None, items, ts_low, ts_high)
Wire = tuple[bytes, bytes]


class _Planner:
    """Decides who writes what in each epoch; sees ids once their epoch is signed."""

    def __init__(self, p: Params) -> None:
        if p.authors < 2 or p.epochs < 2:
            raise ValueError("need at least 2 authors and 2 epochs")
        self.p = p
        self.rng = rng = random.Random(f"plan-{p.seed}")
        self.accounts = [author_identity(p.seed, a).account_id for a in range(p.authors)]
        # Activity follows a power law: a few authors write much of the content.
        order = list(range(p.authors))
        rng.shuffle(order)
        weight = {a: 1.0 / (rank + 1) ** 0.7 for rank, a in enumerate(order)}
        others = list(range(1, p.authors))
        by_activity = sorted(others, key=lambda a: -weight[a])
        self.popular = by_activity[0]
        local_follows = min(p.local_follows, len(others))
        follows = {0: [self.popular, *rng.sample(by_activity[1:], max(0, local_follows - 1))]}
        for a in others:
            pool = [b for b in range(p.authors) if b != a]
            follows[a] = rng.sample(pool, min(len(pool), rng.randint(3, 20)))
        self.follows = follows
        fixed = sum(2 + len(f) for f in follows.values())  # cert, profile, follows
        activity = p.entries - fixed - p.thread_replies
        if activity < p.authors:
            raise ValueError(f"{p.entries} entries are too few for {p.authors} authors "
                             f"(certificates, profiles and follows alone take {fixed})")
        total_w = sum(weight.values())
        quota = {a: int(activity * weight[a] / total_w) for a in range(p.authors)}
        for a in by_activity[: activity - sum(quota.values())]:
            quota[a] += 1
        self.quota = {a: _split(q, p.epochs) for a, q in quota.items()}
        self.rare_p = RARE_POSTS / max(1.0, activity * 0.74)
        self.thread_per_epoch = _split(p.thread_replies, max(1, p.epochs - 1))
        self.prev: dict[int, Wire] = {}
        self.recent: list[tuple[bytes, bytes]] = []  # (post id, its thread root)
        self.root_planned = p.thread_replies == 0
        self.thread_root: bytes | None = None
        self.thread_ids: list[bytes] = []
        self.rare_posts = 0
        self.kinds: dict[str, int] = {}

    def jobs(self, epoch: int) -> list[Job]:
        p, rng = self.p, self.rng
        window = SPAN_MS // p.epochs
        items: dict[int, list[Item]] = {a: [] for a in range(p.authors)}
        if epoch == 0:
            for a in range(p.authors):
                items[a] += [("cert",), ("profile",)]
                items[a] += [("follow", self.accounts[b]) for b in self.follows[a]]
        recent = self.recent
        for a in range(p.authors):
            for _ in range(self.quota[a][epoch]):
                items[a].append(self._activity(recent, a == self.popular and epoch == 0))
        if epoch > 0 and self.thread_root is not None:
            for _ in range(self.thread_per_epoch[epoch - 1]):
                parent = (self.thread_root if not self.thread_ids or rng.random() < 0.5
                          else rng.choice(self.thread_ids))
                author_items = items[rng.randrange(p.authors)]
                author_items.insert(rng.randint(0, len(author_items)),
                                    ("post", parent, self.thread_root, ""))
        return [(a, epoch, self.prev.get(a), its, T0 + epoch * window,
                 T0 + (epoch + 1) * window) for a, its in items.items() if its]

    def _activity(self, recent: list[tuple[bytes, bytes]], root_wanted: bool) -> Item:
        rng = self.rng
        if root_wanted and not self.root_planned:
            self.root_planned = True
            return ("post", None, None, THREAD_ROOT)
        r = rng.random()
        if recent and r < 0.08:
            return ("react", rng.choice(recent)[0])
        if recent and r < 0.26:
            parent, root = rng.choice(recent)
            return ("post", parent, root, "")
        if rng.random() < self.rare_p:
            self.rare_posts += 1
            return ("post", None, None, "rare")
        return ("post", None, None, "")

    def absorb(self, jobs: list[Job], results: list[list[Wire]]) -> None:
        for job, out in zip(jobs, results, strict=True):
            for item, (raw, _body) in zip(job[3], out, strict=True):
                self.kinds[item[0]] = self.kinds.get(item[0], 0) + 1
                if item[0] != "post":
                    continue
                eid = entry.entry_id(raw)
                if item[3] == THREAD_ROOT:  # the big thread only gets its planned replies
                    self.thread_root = eid
                elif self.thread_root is not None and item[2] == self.thread_root:
                    self.thread_ids.append(eid)
                else:
                    self.recent.append((eid, item[2] or eid))
            if out:
                self.prev[job[0]] = out[-1]
        del self.recent[:-50_000]

    def facts(self) -> Facts:
        return Facts(params=asdict(self.p), local_account=self.accounts[0].hex(),
                     popular_account=self.accounts[self.popular].hex(),
                     thread_root=(self.thread_root or b"").hex(),
                     thread_replies=len(self.thread_ids), rare_posts=self.rare_posts,
                     kinds=dict(sorted(self.kinds.items())))


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


# --- worker side ------------------------------------------------------------------------

_worker: dict[str, object] = {}


def _init_worker(seed: int, accounts: list[bytes]) -> None:
    _worker.clear()
    _worker.update(seed=seed, accounts=accounts, idents={})


def _sign_job(job: Job) -> list[Wire]:
    author, epoch, prev_wire, items, low, high = job
    seed = _worker["seed"]
    idents: dict[int, identity.Identity] = _worker["idents"]  # type: ignore[assignment]
    ident = idents.get(author)
    if ident is None:
        ident = idents[author] = author_identity(seed, author)  # type: ignore[arg-type]
    rng = random.Random(f"sign-{seed}-{author}-{epoch}")
    stamps = sorted(rng.randrange(low, high) for _ in items)
    prev = None if prev_wire is None else entry.parse(prev_wire[0], prev_wire[1])
    out = []
    for item, ts in zip(items, stamps, strict=True):
        kind, body = content.encode_body(_content(item, rng, ident))
        prev = entry.create(ident.device.secret_key, ident.device_id, prev, ts, kind, body)
        out.append((prev.raw, body))
    return out


def _content(item: Item, rng: random.Random, ident: identity.Identity) -> content.AnyContent:
    what = item[0]
    if what == "post":
        return _post(rng, item[1], item[2], item[3])
    if what == "react":
        return content.Reaction(item[1], rng.choice(EMOJI))
    if what == "follow":
        return content.Follow(item[1])
    if what == "profile":
        return content.Profile(f"{rng.choice(_FIRST)} {rng.choice(VOCAB).title()}",
                               _words(rng, rng.randint(40, 160)))
    if what == "cert":
        return content.DeviceAnnouncement(ident.cert)
    raise ValueError(f"unknown plan item {what!r}")


def _words(rng: random.Random, length: int) -> str:
    out: list[str] = []
    size = 0
    while size < length:
        for w in rng.choices(VOCAB, cum_weights=_CUM, k=6):
            out.append(w)
            size += len(w) + 1
    text = " ".join(out)
    return text[0].upper() + text[1:] + "."


def _post(rng: random.Random, parent: bytes | None, root: bytes | None, mark: str,
          ) -> content.Post:
    text = _words(rng, rng.randint(100, 300))
    if mark == "rare":
        words = text.split(" ")
        words.insert(rng.randrange(len(words)), RARE_WORD)
        text = " ".join(words)
    tags: tuple[str, ...] = ()
    if rng.random() < 0.3:
        tags = tuple(dict.fromkeys(rng.choices(TAGS, k=rng.randint(1, 3))))
        text += " " + " ".join(f"#{t}" for t in tags)
    mentions: tuple[bytes, ...] = ()
    if rng.random() < 0.1:
        accounts: list[bytes] = _worker["accounts"]  # type: ignore[assignment]
        mentions = tuple(dict.fromkeys(
            accounts[0] if rng.random() < 0.2 else rng.choice(accounts)
            for _ in range(rng.randint(1, 2))))
        text = " ".join(f"@{ids.account_text(m)}" for m in mentions) + " " + text
    return content.Post(text, mentions=mentions, tags=tags, reply_parent=parent,
                        thread_root=root)


# --- the generator ---------------------------------------------------------------------


def generate(p: Params, processes: int = 2,
             ) -> tuple[Iterator[list[tuple[int, list[Wire]]]], Callable[[], Facts]]:
    """The entries of each epoch in turn, as (author, wire entries continuing that
    author's log), and a function that gives the ``Facts`` once they are consumed."""
    planner = _Planner(p)
    return _epochs(planner, processes), planner.facts


def _epochs(planner: _Planner, processes: int) -> Iterator[list[tuple[int, list[Wire]]]]:
    p = planner.p
    if processes <= 1:
        _init_worker(p.seed, planner.accounts)
        for epoch in range(p.epochs):
            jobs = planner.jobs(epoch)
            results = [_sign_job(j) for j in jobs]
            planner.absorb(jobs, results)
            yield [(j[0], out) for j, out in zip(jobs, results, strict=True)]
        return
    with multiprocessing.get_context().Pool(processes, _init_worker,
                                            (p.seed, planner.accounts)) as pool:
        jobs = planner.jobs(0)
        pending = pool.map_async(_sign_job, jobs, chunksize=8)
        for epoch in range(p.epochs):
            results = pending.get()
            planner.absorb(jobs, results)
            done = jobs
            if epoch + 1 < p.epochs:  # sign the next epoch while the caller works
                jobs = planner.jobs(epoch + 1)
                pending = pool.map_async(_sign_job, jobs, chunksize=8)
            yield [(j[0], out) for j, out in zip(done, results, strict=True)]


def delivery_batches(entries: Sequence[entry.Entry], batch: int) -> list[list[entry.Entry]]:
    """Cut entries, already grouped per log, into batches as a sync session sends them."""
    return [list(entries[i:i + batch]) for i in range(0, len(entries), batch)]
