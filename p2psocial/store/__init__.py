"""SQLite storage: schema, numbered migrations, ingest and queries. No Qt, no network."""

from .store import BLOB_CAP, Store, blob_hash
from .views import Cursor, IngestResult, Page, PostView, Problem, ProfileView

__all__ = ["BLOB_CAP", "Cursor", "IngestResult", "Page", "PostView", "Problem", "ProfileView",
           "Store", "blob_hash"]
