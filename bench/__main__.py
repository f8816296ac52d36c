"""``python -m bench [NAME] [options]``: run every benchmark, or the one named.

Each benchmark runs in its own subprocess, so its peak RSS is its own, and prints one
JSON object per line on stdout; progress goes to stderr. Options are passed to each
benchmark (see ``python -m bench NAME --help``).
"""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = ("primitives", "ingest", "queries", "sync", "live", "propagation", "idle", "ui",
              "private", "reconnect", "attack", "gossip_sign", "reach", "pictures", "devices",
              "mutes", "blocklist", "storage")


def main(argv: list[str]) -> int:
    names: tuple[str, ...] = BENCHMARKS
    if argv and not argv[0].startswith("-"):
        if argv[0] not in BENCHMARKS:
            print(f"bench: no benchmark named {argv[0]!r}; choose one of "
                  f"{', '.join(BENCHMARKS)}, or none to run them all", file=sys.stderr)
            return 2
        names, argv = (argv[0],), argv[1:]
    elif argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip() + f"\n\nBenchmarks: {', '.join(BENCHMARKS)}")
        return 0
    worst = 0
    for name in names:
        code = subprocess.run([sys.executable, "-m", f"bench.{name}", *argv],
                              check=False).returncode
        if code:
            print(f"bench: {name} failed with exit code {code}", file=sys.stderr)
            worst = worst or code
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
