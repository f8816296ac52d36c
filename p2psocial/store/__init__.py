"""SQLite storage: schema, numbered migrations, ingest and queries. No Qt, no network."""

from .store import BLOB_CAP, Store, blob_hash
from .views import (
    Cursor,
    IngestResult,
    NotificationPage,
    NotificationView,
    Page,
    PostView,
    Problem,
    ProfileView,
    Relation,
)

__all__ = ["BLOB_CAP", "Cursor", "IngestResult", "NotificationPage", "NotificationView", "Page",
           "PostView", "Problem", "ProfileView", "Relation", "Store", "blob_hash"]
