"""The schema check of ``verify`` (store/schema_check.py): a store whose tables,
columns or indexes are not the ones its migrations make is reported, not trusted."""

from __future__ import annotations

from pathlib import Path

from helpers import make_identity, make_log

from p2psocial.store import Store, schema_check


def test_a_fresh_store_matches_its_migrations(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.ingest(make_log(make_identity(1), 3))
        assert schema_check.differences(store.conn) == []
        assert "entries_id8" in schema_check.layout(store.conn)["entries"][1]
        store.conn.execute("PRAGMA optimize")  # may add sqlite_stat1: SQLite's own
        assert store.verify() == []


def test_missing_and_changed_parts_are_damage(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.conn.execute("DROP INDEX entries_id8")
        store.conn.execute("DROP TABLE holders")
        store.conn.execute("ALTER TABLE peers ADD COLUMN nickname TEXT")
        store.conn.execute("CREATE TABLE my_notes(text)")  # a table of one's own is fine
        assert schema_check.differences(store.conn) == [
            "table holders is missing",
            "index entries_id8 on entries is missing",
            "column peers.nickname is not made by any migration",
        ]
        reasons = [p.reason for p in store.verify() if not p.device]
        assert reasons == ["schema: table holders is missing",
                           "schema: index entries_id8 on entries is missing",
                           "schema: column peers.nickname is not made by any migration"]


def test_the_check_leaves_the_connection_as_it_was(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        before = store.conn.execute("PRAGMA recursive_triggers").fetchone()
        schema_check.differences(store.conn)
        assert store.conn.execute("PRAGMA recursive_triggers").fetchone() == before == (0,)
