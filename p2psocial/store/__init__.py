"""SQLite storage: schema, numbered migrations, ingest and queries. No Qt, no network."""

from .store import BLOB_CAP, Store, blob_hash
from .views import (
    ConversationView,
    Cursor,
    FileView,
    ForkView,
    GroupView,
    IngestResult,
    MessagePage,
    MessageView,
    NewMessage,
    NotificationPage,
    NotificationView,
    Page,
    PostView,
    PrivateScan,
    Problem,
    ProfileView,
    Relation,
)

__all__ = ["BLOB_CAP", "ConversationView", "Cursor", "FileView", "ForkView", "GroupView",
           "IngestResult",
           "MessagePage", "MessageView", "NewMessage", "NotificationPage", "NotificationView",
           "Page", "PostView", "PrivateScan", "Problem", "ProfileView", "Relation", "Store",
           "blob_hash"]
