"""``python -m tests.fuzz``: run the fuzz targets (see tests/fuzz/__init__.py).

    python -m tests.fuzz run [--seconds N] [TARGET ...]   atheris, one process each
    python -m tests.fuzz replay [TARGET ...]              the committed corpus, once
    python -m tests.fuzz seed                             (re)write the seed inputs
    python -m tests.fuzz merge [TARGET ...]               keep what a run found that
                                                          adds coverage, in the corpus
    python -m tests.fuzz one TARGET [libFuzzer args]      one atheris run (what run starts)

``run`` needs atheris (``make fuzz`` installs it); the others do not.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = HERE / "corpus"
WORK = ROOT / "build" / "fuzz"


def corpus_of(name: str) -> list[Path]:
    folder = CORPUS / name
    return sorted(folder.iterdir()) if folder.is_dir() else []


def replay(names: list[str]) -> int:
    """Every committed input through its target; a crash is printed and counted."""
    from tests.fuzz.targets import TARGETS, check

    crashes = 0
    for name in names or list(TARGETS):
        taken = refused = 0
        for path in corpus_of(name):
            try:
                if check(TARGETS[name], path.read_bytes()):
                    taken += 1
                else:
                    refused += 1
            except Exception as exc:  # a crash: say which input, carry on
                crashes += 1
                print(f"CRASH {name} {path.name}: {type(exc).__name__}: {exc}")
        print(f"{name:18} {taken:5} taken {refused:5} refused")
    return 1 if crashes else 0


@dataclass
class Outcome:
    name: str
    code: int
    executions: int = 0
    per_second: int = 0
    coverage: int = 0
    features: int = 0
    new: int = 0
    artifact: str = ""


def _stat(text: str, key: str) -> int:
    found = re.findall(rf"stat::{key}:\s*(\d+)", text)
    return int(found[-1]) if found else 0


def fuzz_one_process(name: str, seconds: int) -> Outcome:
    """One target under atheris in its own process, for ``seconds``."""
    from tests.fuzz.targets import TARGETS

    work = WORK / name
    work.mkdir(parents=True, exist_ok=True)
    (CORPUS / name).mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "tests.fuzz", "one", name,
               f"-max_total_time={seconds}", f"-max_len={TARGETS[name].max_len}",
               "-print_final_stats=1", "-timeout=10", "-rss_limit_mb=2048",
               f"-artifact_prefix={CORPUS / name}/", str(work), str(CORPUS / name)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                          errors="replace", timeout=seconds + 120)
    log = done.stderr
    (WORK / f"{name}.log").write_text(log)
    cov = re.findall(r"cov: (\d+) ft: (\d+)", log)
    artifact = re.findall(r"Test unit written to (\S+)", log)
    return Outcome(name, done.returncode, _stat(log, "number_of_executed_units"),
                   _stat(log, "average_exec_per_sec"), int(cov[-1][0]) if cov else 0,
                   int(cov[-1][1]) if cov else 0, _stat(log, "new_units_added"),
                   artifact[-1] if artifact else "")


def run(names: list[str], seconds: int) -> int:
    """Fuzz each target for ``seconds``; a table of what each did; 1 if any crashed."""
    from tests.fuzz.targets import TARGETS

    try:
        import atheris  # type: ignore[import-not-found]  # noqa: F401 - checked here
    except ImportError:
        print("atheris is not installed: 'make fuzz' installs it (pip install atheris)")
        return 2
    chosen = names or list(TARGETS)
    unknown = set(chosen) - set(TARGETS)
    if unknown:
        print(f"no such target: {', '.join(sorted(unknown))}")
        return 2
    print(f"fuzzing {len(chosen)} targets, {seconds} s each; logs in {WORK}")
    print(f"{'target':18} {'executions':>11} {'exec/s':>7} {'cov':>6} {'ft':>6} "
          f"{'new':>5}  result")
    started = time.monotonic()
    outcomes = []
    for name in chosen:
        o = fuzz_one_process(name, seconds)
        outcomes.append(o)
        result = "ok" if o.code == 0 else f"CRASH, input saved as {o.artifact}" \
            if o.artifact else f"FAILED (exit {o.code}, see {WORK / (name + '.log')})"
        print(f"{name:18} {o.executions:>11,} {o.per_second:>7,} {o.coverage:>6} "
              f"{o.features:>6} {o.new:>5}  {result}", flush=True)
    total = sum(o.executions for o in outcomes)
    bad = [o.name for o in outcomes if o.code != 0]
    print(f"{total:,} executions over {len(outcomes)} targets in "
          f"{time.monotonic() - started:.0f} s; "
          + (f"FAILED: {', '.join(bad)}" if bad else "no crash"))
    return 1 if bad else 0


def merge(names: list[str]) -> int:
    """Add to each committed corpus the inputs of the last runs (``build/fuzz/``) that
    reach code or branches it does not reach yet (libFuzzer's ``-merge=1``): the
    interesting cases, few and small, not every input a run kept."""
    from tests.fuzz.targets import TARGETS

    for name in names or list(TARGETS):
        if not (WORK / name).is_dir():
            continue
        before = len(corpus_of(name))
        # libFuzzer runs the merge in child processes started as argv[0]: an executable
        launcher = WORK / f"{name}.sh"
        launcher.write_text(f"#!/bin/sh\ncd '{ROOT}' && exec '{sys.executable}' -m tests.fuzz "
                            f"one {name} \"$@\"\n")
        launcher.chmod(0o755)
        done = subprocess.run(
            [str(launcher), "-merge=1", f"-max_len={TARGETS[name].max_len}",
             str(CORPUS / name), str(WORK / name)],
            cwd=ROOT, capture_output=True, text=True, errors="replace",
            env={**os.environ, "FUZZ_LAUNCHER": str(launcher)})
        if done.returncode != 0:
            print(f"{name}: merge failed\n{done.stderr[-2000:]}")
            return 1
        print(f"{name:18} {len(corpus_of(name)) - before:4} inputs added")
    return 0


def one(name: str, libfuzzer_args: list[str]) -> None:
    """One atheris run of ``name``, with p2psocial instrumented for coverage."""
    import atheris

    with atheris.instrument_imports(include=["p2psocial"]):
        from tests.fuzz.targets import TARGETS, check
    target = TARGETS[name]

    def test_one_input(data: bytes) -> None:
        check(target, data)

    # argv[0] is what libFuzzer starts for a merge's child processes (see merge)
    argv0 = os.environ.get("FUZZ_LAUNCHER", sys.argv[0])
    atheris.Setup([argv0, *libfuzzer_args], test_one_input)
    atheris.Fuzz()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="fuzz with atheris, one process per target")
    p.add_argument("--seconds", type=int, default=10, help="per target (default 10)")
    p.add_argument("targets", nargs="*")
    p = sub.add_parser("replay", help="run the committed corpus once")
    p.add_argument("targets", nargs="*")
    sub.add_parser("seed", help="write the seed inputs into the corpus")
    p = sub.add_parser("merge", help="add what the last runs found to the corpus")
    p.add_argument("targets", nargs="*")
    p = sub.add_parser("one", help="one atheris run (libFuzzer arguments follow)")
    p.add_argument("target")
    args, rest = parser.parse_known_args(argv)
    if args.command == "run":
        return run(args.targets, args.seconds)
    if args.command == "replay":
        return replay(args.targets)
    if args.command == "merge":
        return merge(args.targets)
    if args.command == "seed":
        from tests.fuzz.seeds import write_seeds

        print(f"{write_seeds()} new seed inputs in {CORPUS}")
        return 0
    one(args.target, rest)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
