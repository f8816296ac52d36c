"""A populated home for the app: the benchmark's 100k entries, under the account of
author 0 of the generated data, without a passphrase.

``python -m bench.demo [DIR] [--entries N]`` builds it (default: cached under
bench/out/) and prints its path; ``make run ARGS="--home DIR"`` opens it.

The entries are the ingest benchmark's (bench/common.py's generator, cached as
``bench/out/ingest-*.msgpack``): 100 authors, the local account following 15 of them,
the most active first. The home's own device is new (a fixed seed), so the generated
log of author 0 is simply this account's other device. Entries go into the store
through ``Store.ingest`` in batches, as a sync would bring them.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from p2psocial import crypto, entry, identity
from p2psocial.home import Home
from p2psocial.node import Node

from . import common
from .ingest import load_or_generate, params

BATCH = 5_000


def home_path(out: Path, p: common.Params) -> Path:
    return out / f"home-{p.key()}"


def build_home(path: Path, p: common.Params, processes: int = 2) -> Path:
    """The home at ``path`` with the entries of ``p``; built once, then reused."""
    if (path / "done").exists():
        return path
    shutil.rmtree(path, ignore_errors=True)
    building = path.with_name(path.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    wires, facts, _seconds = load_or_generate(p, path.parent, processes)
    common.progress(f"building a home of {len(wires)} entries in {path}")
    root = common.author_identity(p.seed, 0).require_root().root_seed
    me = identity.new_identity(root, crypto.blake2b(b"bench-ui-device"), common.T0)
    node = Node.create(Home(building), me, None)
    try:
        for i in range(0, len(wires), BATCH):
            batch = [entry.parse(raw, body) for raw, body in wires[i:i + BATCH]]
            node.store.ingest(batch, durable=False)
        node.store.index_text()
        node.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        node.close()
    (building / "done").write_text(facts.to_json())
    os.replace(building, path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = common.parser("bench.demo", __doc__.splitlines()[0])
    parser.add_argument("home", nargs="?", type=Path, help="where to build the home")
    args = parser.parse_args(argv)
    p = params(args.entries or 100_000, args.authors, args.follows, args.quick)
    path = build_home(args.home or home_path(args.out, p), p, args.processes)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
