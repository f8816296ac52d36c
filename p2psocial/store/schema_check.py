"""Does a store's schema hold what its migrations make? ``p2psocial verify`` asks.

``PRAGMA user_version`` says which migrations ran, not that their tables, columns and
indexes are still there: a store restored by hand, edited with another tool, or
written by a build whose migration was changed after it shipped (schema.py forbids
that, this is how it shows) says it is up to date and lacks a column. ``differences``
compares the store with an empty database brought up to date by ``schema.migrate``,
and names what is missing, added to a table or of another type.

Both schemas are read through sqlite-utils (``Database.tables``, ``Table.columns``,
``Table.indexes``), which reads SQLite's own catalogue (``PRAGMA table_info``,
``index_list``) rather than parsing the ``CREATE`` text. It is opened on the store's
connection without changing it: no ``recursive_triggers`` pragma, no plugins.
"""

from __future__ import annotations

import functools
import sqlite3

import sqlite_utils

from . import schema

Layout = dict[str, tuple[dict[str, str], frozenset[str]]]  # table -> (column types, indexes)


def differences(conn: sqlite3.Connection) -> list[str]:
    """What the store lacks or holds otherwise; empty when it matches. Tables and
    indexes of its own are its business; a column of its own is not, since it can
    break an insert that names no columns."""
    version = schema.current_version(conn)
    if version != len(schema.MIGRATIONS):
        return [f"schema version {version}, not {len(schema.MIGRATIONS)}"]
    want, have = expected(), layout(conn)
    out = [f"table {name} is missing" for name in sorted(want.keys() - have.keys())]
    for name in sorted(want.keys() & have.keys()):
        (want_cols, want_idx), (have_cols, have_idx) = want[name], have[name]
        out += [f"column {name}.{c} is missing" for c in want_cols if c not in have_cols]
        out += [f"column {name}.{c} is not made by any migration"
                for c in have_cols if c not in want_cols]
        out += [f"column {name}.{c} is {have_cols[c] or 'untyped'}, not {t or 'untyped'}"
                for c, t in want_cols.items() if c in have_cols and have_cols[c] != t]
        out += [f"index {i} on {name} is missing" for i in sorted(want_idx - have_idx)]
    return out


def layout(conn: sqlite3.Connection) -> Layout:
    """Every table but SQLite's own (``sqlite_stat1`` from ``PRAGMA optimize``...)."""
    db = sqlite_utils.Database(conn, recursive_triggers=False, execute_plugins=False)
    return {table.name: ({c.name: c.type.upper() for c in table.columns},
                         frozenset(i.name for i in table.indexes))
            for table in db.tables if not table.name.startswith("sqlite_")}


@functools.cache
def expected() -> Layout:
    """The layout every migration makes in an empty database."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        schema.add_functions(conn)
        schema.migrate(conn)
        return layout(conn)
    finally:
        conn.close()
