"""Private entries: finding mine among many sealed to others, and what that costs a
fresh node while it syncs.

Dataset: the ingest dataset (100k public entries from 100 authors, cached) plus
``--private N`` (100,000) entries of kind PRIVATE appended to the authors' logs, signed
through ``entry.create`` (cached too). Each body is ``envelope.seal`` of a short text
to 1-8 recipients among the other authors plus the author's own key, context the
author's account id; about 1% of them also name "me", an account whose root seed the
benchmark knows. Lines:

* ``trial_decryption``: ``SealedReader.open`` over every private body, in batches of
  1,000: µs per entry (p50 of the batches, and overall), how many opened (must be the
  number addressed to me), and two references from the same run: ``entry.verify_entry``
  and ``Store.ingest`` by runs, per entry.
* ``sync`` and ``sync_with_scan``: the sync benchmark's way (a sender process serving
  the whole dataset, a fresh receiver node, which is "me", running one session), alone
  and with the scan running alongside, in alternating pairs. The ratio of the two sync
  figures is the issue's target (at least 0.8); ``scan_done_s`` says when the scan had
  caught up, counted from the session's start.

How the scan runs alongside (``--scan``): ``node``, the app's background scan
(``private_scan.follow_private``), which calls ``Node.messages.scan`` after each burst
of sealed entries and so takes turns with ingest on the node's one store worker; or
``thread``, a thread of its own with a read-only SQLite connection and a
``SealedReader``: the scan off the worker, minus storing what it finds.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import msgpack
import trio

from p2psocial import codec, content, crypto, entry, envelope, identity, private
from p2psocial.errors import DecryptionFailed
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.store import Store

from . import common, ingest, peers

BENCH = "private"
GEN = 4  # part of the cache key: bump it when the private entries change (3: padded;
# 4: issue 12's 4 or 16 slots and exact padding)
TARGET_RATIO = 0.8
TO_ME = 0.01
SCAN_CHUNK = 1000
ME_SEED = crypto.blake2b(b"bench-private-me")
Wire = tuple[bytes, bytes]


def me() -> identity.AccountKeys:
    return identity.AccountKeys(ME_SEED)


# --- the private entries ------------------------------------------------------------

_keys: dict[str, Any] = {}


def _init_worker(seed: int, people: list[tuple[bytes, bytes]], me: tuple[bytes, bytes],
                 ) -> None:
    """``people``: every author's (account id, encryption key); ``me`` likewise."""
    _keys.update(seed=seed, people=people, me=me)


def _text(rng: random.Random) -> str:
    """A message as people write them: mostly a line, sometimes a paragraph or more."""
    r = rng.random()
    length = (rng.randint(5, 120) if r < 0.7 else rng.randint(120, 500) if r < 0.95
              else rng.randint(500, 2000))
    words: list[str] = []
    while sum(map(len, words)) + len(words) < length:
        words.extend(rng.choices(common.VOCAB[:2000], k=8))
    return " ".join(words)[:length].strip() or "hi"


def _sign_private(job: tuple[int, Wire, int, int]) -> tuple[list[Wire], int]:
    """Append ``count`` PRIVATE entries to ``author``'s log after ``prev``; returns the
    wires and how many of them were addressed to me."""
    author, prev_wire, count, ts = job
    seed: int = _keys["seed"]
    people: list[tuple[bytes, bytes]] = _keys["people"]
    ident = common.author_identity(seed, author)
    rng = random.Random(f"private-{seed}-{author}")
    others = [who for i, who in enumerate(people) if i != author]
    prev = entry.parse(*prev_wire)
    out, to_me = [], 0
    for _ in range(count):
        readers = rng.sample(others, rng.randint(1, 8))
        if rng.random() < TO_ME:
            readers[0] = _keys["me"]
            to_me += 1
        # a direct message as Node.messages.send writes it: the author reads their own
        readers.append((ident.account_id, ident.enc_public))
        rng.shuffle(readers)
        message = private.Message(tuple(sorted(a for a, _ in readers)), _text(rng))
        body = private.seal(message, [k for _, k in readers], ident.account_id, rng.randbytes)
        ts += rng.randint(1000, 600_000)
        prev = entry.create(ident.device.secret_key, ident.device_id, prev, ts,
                            int(content.Kind.PRIVATE), body)
        out.append((prev.raw, body))
    return out, to_me


def load_or_generate(p: common.Params, n_private: int, out: Path, processes: int,
                     ) -> tuple[list[Wire], int, int]:
    """Every wire entry grouped per log (public, then private), the number of private
    entries and how many of them are addressed to me."""
    public, _, _ = ingest.load_or_generate(p, out, processes)
    path = out / f"private-{p.key()}-n{n_private}-g{GEN}.msgpack"
    if path.exists():
        with path.open("rb") as f:
            unpacker = msgpack.Unpacker(f, use_list=False, raw=False, max_buffer_size=2**31)
            to_me = next(unpacker)
            private: dict[int, list[Wire]] = {a: list(w) for a, w in next(unpacker)}
    else:
        private, to_me = _generate(p, n_private, public, processes)
        out.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as f:
            f.write(msgpack.packb(to_me))
            f.write(msgpack.packb(list(private.items()), use_bin_type=True))
        os.replace(tmp, path)
    devices = {common.author_identity(p.seed, a).device_id: a for a in range(p.authors)}
    per_author: dict[int, list[Wire]] = {}  # in the public order: author 0's log first
    for wire in public:
        per_author.setdefault(devices[_device(wire)], []).append(wire)
    wires = [w for a, log in per_author.items() for w in (*log, *private.get(a, ()))]
    return wires, sum(map(len, private.values())), to_me


def _device(wire: Wire) -> bytes:
    return entry.decode_header(wire[0]).device


def _generate(p: common.Params, n_private: int, public: list[Wire], processes: int,
              ) -> tuple[dict[int, list[Wire]], int]:
    common.progress(f"sealing and signing {n_private} private entries ({processes} processes)")
    start = time.perf_counter()
    idents = [common.author_identity(p.seed, a) for a in range(p.authors)]
    author_of = {ident.device_id: a for a, ident in enumerate(idents)}
    last: dict[int, Wire] = {}
    for wire in public:
        last[author_of[_device(wire)]] = wire
    share = [n_private // p.authors + (1 if a < n_private % p.authors else 0)
             for a in range(p.authors)]
    ts0 = common.T0 + common.SPAN_MS
    jobs = [(a, last[a], share[a], ts0) for a in range(p.authors) if share[a]]
    args = (p.seed, [(i.account_id, i.enc_public) for i in idents],
            (me().account_id, me().enc_public))
    with multiprocessing.get_context().Pool(processes, _init_worker, args) as pool:
        results = pool.map(_sign_private, jobs, chunksize=1)
    common.progress(f"  done in {time.perf_counter() - start:.1f} s")
    private = {job[0]: wires for job, (wires, _) in zip(jobs, results, strict=True)}
    return private, sum(n for _, n in results)


# --- (a) trial decryption -----------------------------------------------------------


def trial_decryption(entries: list[entry.Entry], to_me: int, batch: int) -> None:
    accounts = account_of_devices(entries)
    sealed = [(e.body, accounts[e.device]) for e in entries
              if e.kind == content.Kind.PRIVATE and e.body is not None]
    reader = envelope.SealedReader(me().enc_private)
    common.progress(f"trial decryption of {len(sealed)} bodies")
    found = 0
    per_batch: list[float] = []
    total = time.perf_counter()
    for i in range(0, len(sealed), batch):
        start = time.perf_counter()
        for body, account in sealed[i:i + batch]:
            try:
                reader.open(body, context=account)
                found += 1
            except DecryptionFailed:
                pass
        per_batch.append((time.perf_counter() - start) / len(sealed[i:i + batch]) * 1e6)
    total = time.perf_counter() - total
    open_us = total / len(sealed) * 1e6

    common.progress("references: verify_entry, then Store.ingest by runs")
    private_entries = [e for e in entries if e.kind == content.Kind.PRIVATE]
    start = time.perf_counter()
    for e in private_entries:
        entry.verify_entry(e)
    verify_us = (time.perf_counter() - start) / len(private_entries) * 1e6
    with tempfile.TemporaryDirectory(prefix="p2ps-bench-private-") as tmp, \
            Store(Path(tmp) / "ref.sqlite") as store:
        store.set_local_account(me().account_id)
        start = time.perf_counter()
        for b in common.delivery_batches(entries, batch):
            store.ingest(b)
        ingest_us = (time.perf_counter() - start) / len(entries) * 1e6
        common.progress("Store.scan_private over that store, as the node runs it")
        opener = private.opener(reader)
        stored = 0
        start = time.perf_counter()
        while True:
            scan = store.scan_private(opener, SCAN_CHUNK)
            stored += len(scan.messages)
            if scan.done:
                break
        store_scan_us = (time.perf_counter() - start) / len(sealed) * 1e6
    common.emit(common.record(
        BENCH, "trial_decryption", entries=len(sealed), found=found, addressed_to_me=to_me,
        found_all=found == to_me, us_per_entry_p50=round(common.percentile(per_batch, 50), 1),
        us_per_entry=round(open_us, 1), entries_per_s=round(len(sealed) / total),
        seconds=round(total, 2), verify_entry_us=round(verify_us, 1),
        ingest_by_runs_us=round(ingest_us, 1), ingest_entries=len(entries),
        ratio_to_verify=round(open_us / verify_us, 2),
        ratio_to_ingest=round(open_us / ingest_us, 2),
        store_scan_us=round(store_scan_us, 1), store_scan_messages=stored,
        store_scan_ratio_to_ingest=round(store_scan_us / ingest_us, 2)))


def account_of_devices(entries: list[entry.Entry]) -> dict[bytes, bytes]:
    """Each log's account, from the certificate at its seq 1."""
    out = {}
    for e in entries:
        if e.seq == 1 and e.body is not None:
            value = content.decode_body(e.kind, e.body)
            if isinstance(value, content.DeviceAnnouncement):
                out[e.device] = value.cert.account
    return out


# --- (a') group entries found by their tag (issue 12) -------------------------------

GROUP_KEYS = (1, 10, 100, 1000)
GROUP_ENTRIES = 2000


def group_tags(entries: int = GROUP_ENTRIES) -> None:
    """What finding a group entry's key costs now that its envelope names no group
    (envelope version 2, store/group_tags.py): per entry not for us, one keyed hash per
    epoch key held; and the bytes of a group post, old envelope and new."""
    rng = random.Random("group-tags")
    post = private.encode(private.GroupPost("Choir practice moves to Tuesday at eight"))
    bodies = [envelope.seal_group(post, group_id=rng.randbytes(32), epoch=0,
                                  group_key=rng.randbytes(32), nonce=rng.randbytes(24))
              for _ in range(entries)]
    for held in GROUP_KEYS:
        keys = [envelope.TagReader(rng.randbytes(32)) for _ in range(held)]
        common.progress(f"group tags: {entries} foreign entries, {held} keys held")
        start = time.perf_counter()
        for body in bodies:  # as store/group_tags.py's Keyring.find does
            header = envelope.peek_group(body)
            assert not any(k.made(header.nonce, header.tag) for k in keys)
        per_entry = (time.perf_counter() - start) / entries * 1e6
        common.emit(common.record(BENCH, "group_tags", keys_held=held, entries=entries,
                                  us_per_foreign_entry=round(per_entry, 1),
                                  us_per_key=round(per_entry / held, 2)))
    v1 = codec.encode((1, bytes(32), 0, bytes(24), bytes(len(post) + envelope.TAG_LEN)))
    common.emit(common.record(BENCH, "group_bytes", plaintext=len(post),
                              v1_body=len(v1), v2_body=len(bodies[0])))


# --- (b) sync with the scan alongside -----------------------------------------------


def sync_pairs(entries: list[entry.Entry], batch: int, pairs: int, mode: str,
               to_me: int) -> None:
    accounts = list(dict.fromkeys(account_of_devices(entries).values()))
    n = len(entries)
    runs: dict[str, list[dict[str, Any]]] = {"off": [], mode: []}
    with tempfile.TemporaryDirectory(prefix="p2ps-bench-private-sync-") as tmp:
        root = Path(tmp)
        common.progress("building the sender's home")
        with Node.init(Home(root / "sender"), "Sender") as sender:
            for b in common.delivery_batches(entries, batch):
                sender.store.ingest(b)
            sender.store.index_text()
        del entries
        (root / "accounts").write_text("\n".join(a.hex() for a in accounts))
        serve = subprocess.Popen([sys.executable, "-m", "bench.sync", "--role", "sender",
                                  str(root / "sender")], stdout=subprocess.PIPE, text=True)
        try:
            assert serve.stdout is not None
            where = json.loads(serve.stdout.readline())
            for i in range(pairs):
                # alternate which goes first: the machine drifts
                for scan in (("off", mode) if i % 2 == 0 else (mode, "off")):
                    common.progress(f"pair {i + 1}/{pairs}: sync, scan {scan}")
                    done = subprocess.run(
                        [sys.executable, "-m", "bench.private", "--role", "receiver",
                         str(root / f"rx-{i}-{scan}"), where["peer"], where["addr"],
                         str(root / "accounts"), scan],
                        stdout=subprocess.PIPE, text=True, check=True, timeout=900)
                    runs[scan].append(json.loads(done.stdout.strip().splitlines()[-1]))
        finally:
            serve.terminate()
            serve.wait(timeout=30)
    for scan, results in runs.items():
        for r in results:
            per_s = r["received"] / r["seconds"]
            name = "sync" if scan == "off" else "sync_with_scan"
            extra = {} if scan == "off" else {
                "scan": scan, "scanned": r["scanned"], "found": r["found"],
                "addressed_to_me": to_me, "scan_done_s": round(r["scan_done_s"], 2),
                "both_done_entries_per_s": round(r["received"] / max(r["seconds"],
                                                                     r["scan_done_s"]))}
            common.emit(common.record(
                BENCH, name, entries=n, received=r["received"], entries_per_s=round(per_s),
                seconds=round(r["seconds"], 2), cpu_s=round(r["cpu_s"], 2),
                peak_rss_mb=r["peak_rss_mb"], **extra))
    ratios = [w["seconds"] / s["seconds"] for s, w in zip(runs[mode], runs["off"], strict=True)]
    both = [w["seconds"] / max(s["seconds"], s["scan_done_s"])
            for s, w in zip(runs[mode], runs["off"], strict=True)]
    ratio = statistics.median(ratios)
    common.emit(common.record(
        BENCH, "sync_ratio", scan=mode, pairs=pairs, ratios=[round(r, 3) for r in ratios],
        ratio_median=round(ratio, 3),
        both_done_ratios=[round(r, 3) for r in both],
        both_done_ratio_median=round(statistics.median(both), 3),
        target_ratio=TARGET_RATIO, meets_target=statistics.median(both) >= TARGET_RATIO))


async def receiver(home: Path, peer: str, addr: str, accounts: list[bytes], scan: str) -> None:
    from p2psocial.net.sync import run_sync
    from p2psocial.node.private_scan import follow_private

    with Node.restore(Home(home), ME_SEED, "Receiver") as node:
        for account in accounts:
            await node.posts.follow(account)
        scanned = found = 0
        scan_done = 0.0
        async with peers.dialing(node, peer, addr) as stream:
            cpu = time.process_time()
            start = time.perf_counter()
            async with trio.open_nursery() as nursery:
                if scan == "thread":
                    stop = threading.Event()
                    box: dict[str, Any] = {}

                    async def thread_scan() -> None:
                        await trio.to_thread.run_sync(scan_thread, node.store.path, stop, box)

                    nursery.start_soon(thread_scan)
                elif scan == "node":  # as the app runs it (runtime.py, serve)
                    nursery.start_soon(follow_private, node)
                stats = await run_sync(node.replication, stream, once=True)
                seconds = time.perf_counter() - start
                if scan == "thread":
                    stop.set()
                elif scan == "node":
                    # waits for the background scan's lock, then opens what is left
                    await node.messages.scan()
                    scan_done = time.perf_counter() - start
                    nursery.cancel_scope.cancel()
            cpu = time.process_time() - cpu
        if scan == "thread":
            scanned, found = box["scanned"], box["found"]
            scan_done = box["done"] - start
        elif scan == "node":
            scanned = node.store.conn.execute(
                "SELECT count(*) FROM entries WHERE kind = ? AND rowid <= ?",
                (int(content.Kind.PRIVATE), node.store.inbox.upto())).fetchone()[0]
            found = node.store.conn.execute("SELECT count(*) FROM messages").fetchone()[0]
    print(json.dumps({"received": stats.received, "seconds": seconds, "cpu_s": cpu,
                      "peak_rss_mb": common.peak_rss_mb(), "scanned": scanned,
                      "found": found, "scan_done_s": scan_done}))


def scan_thread(path: Path, stop: threading.Event, box: dict[str, Any]) -> None:
    """Trial-decrypt PRIVATE entries above a watermark through a read-only connection,
    until ``stop`` is set and everything stored by then is scanned."""
    reader = envelope.SealedReader(me().enc_private)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    upto = scanned = found = 0
    try:
        while True:
            finishing = stop.is_set()
            rows = conn.execute(
                "SELECT e.rowid, e.body, a.id FROM entries e JOIN logs l ON l.rowid = e.log "
                "JOIN accounts a ON a.rowid = l.account WHERE e.rowid > ? AND e.kind = ? "
                "ORDER BY e.rowid LIMIT ?",
                (upto, int(content.Kind.PRIVATE), SCAN_CHUNK)).fetchall()
            for rowid, body, account in rows:
                upto = rowid
                scanned += 1
                try:
                    reader.open(body, context=account)
                    found += 1
                except DecryptionFailed:
                    pass
            if not rows:
                if finishing:
                    break
                stop.wait(0.01)
    finally:
        conn.close()
    box.update(scanned=scanned, found=found, done=time.perf_counter())


# --- entry point ----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["--role", "receiver"]:
        accounts = [bytes.fromhex(a) for a in Path(argv[5]).read_text().split()]
        trio.run(receiver, Path(argv[2]), argv[3], argv[4], accounts, argv[6])
        return 0
    parser = common.parser("python -m bench private", __doc__ or "")
    parser.add_argument("--private", type=int, metavar="N",
                        help="private entries added to the logs (default: 100000; "
                             "--quick: 2000)")
    parser.add_argument("--pairs", type=int, default=2, metavar="N",
                        help="sync runs without and with the scan (default: %(default)s)")
    parser.add_argument("--scan", choices=("node", "thread"), default="node",
                        help="how the scan runs beside the sync: the app's background "
                             "scan, or a thread of its own (default: %(default)s)")
    parser.add_argument("--skip-sync", action="store_true", help="trial decryption only")
    parser.add_argument("--groups-only", action="store_true",
                        help="only the group tag figures (no dataset)")
    args = parser.parse_args(argv)
    group_tags(200 if args.quick else GROUP_ENTRIES)
    if args.groups_only:
        return 0
    p = ingest.params(args.entries, args.authors, args.follows, args.quick)
    n_private = args.private or (2_000 if args.quick else 100_000)
    wires, n, to_me = load_or_generate(p, n_private, args.out, args.processes)
    entries = [entry.parse(raw, body) for raw, body in wires]
    del wires
    common.emit(common.record(BENCH, "dataset", entries=len(entries), private=n,
                              addressed_to_me=to_me, authors=p.authors))
    trial_decryption(entries, to_me, args.batch)
    if not args.skip_sync:
        sync_pairs(entries, args.batch, args.pairs, args.scan, to_me)
    return 0


if __name__ == "__main__":
    sys.exit(main())
