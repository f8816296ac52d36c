"""SQLite storage: schema, numbered migrations, ingest and queries. No Qt, no network."""
