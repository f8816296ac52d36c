"""storage: disk use and ingest rate while a flood from two hops away hits the budget.

Issue 17: one account a friend follows can fill a node's disk (an outside review
pushed 453 MB in 23 s). Here Cid, two hops from Ann (Ann follows Bob, Bob follows
Cid), floods ``--entries`` posts of about 32 kB (the longest post) into Ann's store,
in batches of 1,000 as a sync session stores them (``durable=False``, not strict).

Two runs on fresh stores, in the same process, with the same signed entries:

* **unbudgeted**: ingest only; its rate is the reference;
* **budgeted**: the same ingest, and the budget applied as the node's background
  task paces it (node/storage_follow.py ``PACE``, ``BURST``, ``DUTY``): runs of
  ``Store.enforce_storage`` until nothing is left, after a batch once ``BURST``
  entries (or ``PACE`` seconds) came since the last run and the duty cycle allows.
  Its rate counts that work; ``ratio`` is budgeted over unbudgeted.

Disk: the store's file (with its WAL) after each enforcement, the largest of those,
and at the end; ``budgeted_mb`` what store/storage.py counts against the budget at the
end (headers included: they never go). ``usage_scan_ms``: one ``storage_report`` on
the final store. Last, what a run costs when nothing is over (the grouped scan each
run starts with), on the ingest benchmark's dataset (``--entries-scan``, 100,000
entries of 100 authors): ``run_ms_p50`` of five.

Then the other half of the issue's storage benchmark, the time to apply a new
1,000-entry blocklist (``--quick``: 100), which bench/blocklist.py measures and
prints here as ``blocklist_*`` lines (``make bench B=blocklist`` runs it alone).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from p2psocial import content, entry, identity
from p2psocial.node.storage_follow import BURST, DUTY, PACE
from p2psocial.store import Store
from p2psocial.store.storage import Limits

from . import blocklist, common

BENCH = "storage"
ENTRIES = 6000
QUICK_ENTRIES = 600
BUDGET = 50_000_000
QUICK_BUDGET = 5_000_000
MB = 1_000_000


def _ident(n: int) -> identity.Identity:
    return identity.new_identity(bytes([n]) * 32, bytes([n ^ 0x80]) * 32, 1_700_000_000_000)


def _log(ident: identity.Identity, values: list[content.AnyContent]) -> list[entry.Entry]:
    out: list[entry.Entry] = []
    ts = 1_700_000_000_000
    for value in [content.DeviceAnnouncement(ident.cert), *values]:
        kind, body = content.encode_body(value)
        out.append(entry.create(ident.device.secret_key, ident.device_id,
                                out[-1] if out else None, ts, kind, body))
        ts += 1000
    return out


def flood(n: int) -> tuple[list[list[entry.Entry]], list[entry.Entry], set[bytes]]:
    """(Ann, Bob, Cid's logs as batches of 1,000; Ann's and Bob's logs; who Ann
    replicates)."""
    ann, bob, cid = _ident(1), _ident(2), _ident(3)
    text = "\U0001f600" * 7990
    cid_log = _log(cid, [content.Post(f"{i} {text}") for i in range(n)])
    small = _log(ann, [content.Follow(bob.account_id)]) + _log(
        bob, [content.Follow(cid.account_id), content.Post("hello")])
    batches = [cid_log[i:i + common.BATCH] for i in range(0, len(cid_log), common.BATCH)]
    return batches, small, {ann.account_id, bob.account_id, cid.account_id}


def _file_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / MB


def run(root: Path, batches: list[list[entry.Entry]], small: list[entry.Entry],
        replicated: set[bytes], limits: Limits | None) -> dict[str, float | int]:
    path = root / ("budgeted" if limits else "unbudgeted") / "store.sqlite"
    path.parent.mkdir(parents=True)
    store = Store(path)
    store.set_local_account(_ident(1).account_id)
    store.ingest(small)
    if limits is not None:
        store.set_storage_limits(limits)
    sizes: list[float] = []
    dropped = enforce_s = 0.0
    started = last = time.perf_counter()
    scan, runs, since = 0.0, 0, 0
    for n, batch in enumerate(batches, 1):
        store.ingest(batch, durable=False, strict=False)
        since += len(batch)
        now = time.perf_counter()  # as the follow task paces its runs:
        due = (since >= BURST or now >= last + PACE) and now >= last + scan / DUTY
        if limits is not None and (due or n == len(batches)):
            t = time.perf_counter()
            more, before = True, dropped
            while more:
                one, more = store.enforce_storage(replicated, 2000)
                dropped += one.bodies
            took = time.perf_counter() - t
            enforce_s += took
            runs += 1
            since = 0
            if dropped == before:
                scan = took
            last = time.perf_counter()
            sizes.append(_file_mb(path))
    elapsed = time.perf_counter() - started
    entries = sum(len(b) for b in batches)
    t = time.perf_counter()
    report = store.storage_report(replicated)
    scan_ms = (time.perf_counter() - t) * 1000
    flood_mb = sum(len(e.raw) + len(e.body or b"") for b in batches for e in b) / MB
    store.close()
    out: dict[str, float | int] = {
        "entries": entries, "flood_mb": round(flood_mb, 1),
        "seconds": round(elapsed, 2), "entries_per_s": round(entries / elapsed),
        "mb_per_s": round(flood_mb / elapsed, 1),
        "file_mb_end": round(_file_mb(path), 1),
        "budgeted_mb": round(report.budgeted / MB, 2),
        "usage_scan_ms": round(scan_ms, 1)}
    if limits is not None:
        out.update(budget_mb=limits.budget / MB, per_account_mb=limits.per_account / MB,
                   file_mb_max=round(max(sizes), 1), bodies_dropped=int(dropped),
                   enforce_seconds=round(enforce_s, 2), enforce_runs=runs,
                   within_budget=report.budgeted <= limits.budget)
    return out


def scan(root: Path, entries: int, out: Path, processes: int) -> dict[str, float | int]:
    """What a run costs when nothing is over: the grouped scan on a realistic store
    (the ingest benchmark's dataset: ``entries`` entries of 100 authors, 15 followed)."""
    from . import ingest

    p = ingest.params(entries, None, None, False)
    wires, facts, _ = ingest.load_or_generate(p, out, processes)
    store = Store(root / "scan.sqlite")
    store.set_local_account(bytes.fromhex(facts.local_account))
    items = [entry.parse(raw, body) for raw, body in wires]
    for batch in common.delivery_batches(items, common.BATCH):
        store.ingest(batch, durable=False)
    everyone = {a for _, a, _ in store.devices()}
    reps = []
    for _ in range(5):
        t = time.perf_counter()
        store.enforce_storage(everyone, 2000)  # default limits: nothing over
        reps.append((time.perf_counter() - t) * 1000)
    store.close()
    return {"entries": len(items), "accounts": len(everyone),
            "run_ms_p50": round(sorted(reps)[2], 1), "run_ms_max": round(max(reps), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = common.parser("python -m bench storage", __doc__ or "")
    parser.add_argument("--entries-scan", type=int, metavar="N",
                        help="entries of the store a run scans (default 100000)")
    args = parser.parse_args(argv)
    n = args.entries or (QUICK_ENTRIES if args.quick else ENTRIES)
    budget = QUICK_BUDGET if args.quick else BUDGET
    common.progress(f"signing a flood of {n} posts of 32 kB")
    batches, small, replicated = flood(n)
    root = Path(tempfile.mkdtemp(prefix="p2psocial-bench-storage-"))
    try:
        common.progress("ingest without a budget")
        free = run(root, batches, small, replicated, None)
        common.progress("ingest with a budget")
        kept = run(root, batches, small, replicated, Limits(budget, budget))
        common.progress("a run with nothing over, on the ingest benchmark's dataset")
        idle = scan(root, args.entries_scan or (3_000 if args.quick else 100_000),
                    args.out, args.processes)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    common.emit(common.record(BENCH, "unbudgeted", **free))
    common.emit(common.record(BENCH, "budgeted", **kept,
                              ratio=round(kept["entries_per_s"] / free["entries_per_s"], 2)))
    common.emit(common.record(BENCH, "run with nothing over", **idle))
    blocklist.run(100 if args.quick else 1000, 9, BENCH, "blocklist_")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
