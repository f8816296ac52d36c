"""Re-checking a whole store (``p2psocial verify``): every entry's canonical form,
body hash and hash link, each log's head signature (or every signature), the fork
proofs, and SQLite's own integrity check. What is damaged comes back as ``Problem``s;
nothing is repaired here."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from .. import entry as entry_mod
from .. import forks as forks_mod
from ..entry import Entry
from ..errors import InvalidEntry
from ..forks import Fork
from . import schema_check
from .views import Problem


def verify(conn: sqlite3.Connection, logs: Iterable[tuple[bytes, bytes, int]],
           forks: Iterable[Fork], full: bool = False) -> list[Problem]:
    """Problems of the store on ``conn``, whose ``logs`` are (device, account, head
    seq) and fork proofs ``forks``; ``full`` checks every signature, not only heads'."""
    problems: list[Problem] = []
    check = conn.execute("PRAGMA integrity_check").fetchall()
    if check != [("ok",)]:
        problems.extend(Problem(b"", 0, f"sqlite: {r[0]}") for r in check[:20])
    problems.extend(Problem(b"", 0, f"schema: {d}") for d in schema_check.differences(conn))
    for device, _account, head_seq in logs:
        problems.extend(_verify_log(conn, device, head_seq, full))
    for proof in forks:  # a fork proof is checked like any signed data
        try:
            if forks_mod.prove(proof.first, proof.second).seq != proof.seq:
                raise forks_mod.NotAFork("it proves a fork elsewhere in the log")
        except forks_mod.NotAFork as exc:
            problems.append(Problem(proof.device, proof.seq, f"fork proof: {exc}"))
    return problems


def _verify_log(conn: sqlite3.Connection, device: bytes, head_seq: int,
                full: bool) -> list[Problem]:
    after: tuple[int, bytes] | None = None
    seen = 0
    rows = conn.execute(
        "SELECT e.seq, e.header, e.body, e.id FROM entries e JOIN logs l ON l.rowid = e.log "
        "WHERE l.device = ? ORDER BY e.seq", (device,))
    run: list[Entry] = []
    for seq, header, body, stored_id in rows:
        seen += 1
        try:
            item = entry_mod.parse(bytes(header), None if body is None else bytes(body))
            if item.id != bytes(stored_id) or item.device != device:
                raise InvalidEntry("stored id or log does not match the header")
            if full:
                entry_mod.verify_entry(item)
        except InvalidEntry as exc:
            return [Problem(device, seq, str(exc))]
        run.append(item)
        if len(run) == 1000:
            if (p := _check_run(device, run, after)) is not None:
                return [p]
            after, run = (run[-1].seq, run[-1].id), []
    if run and (p := _check_run(device, run, after)) is not None:
        return [p]
    if seen != head_seq:
        return [Problem(device, seen, f"log holds {seen} entries but its head says "
                                      f"{head_seq}")]
    return []


def _check_run(device: bytes, run: list[Entry],
               after: tuple[int, bytes] | None) -> Problem | None:
    try:
        entry_mod.verify_run(run, after)
    except InvalidEntry as exc:
        return Problem(device, run[0].seq, str(exc))
    return None
