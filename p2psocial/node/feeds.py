"""What this home shows: timelines, threads, profiles, search, notifications and the
people around this account, read from the store in its worker thread."""

from __future__ import annotations

from collections.abc import Sequence

from .. import ids
from ..errors import NotFound
from ..store import (
    Cursor,
    ForkView,
    NotificationPage,
    Page,
    PostView,
    Problem,
    ProfileView,
    Relation,
)
from .kernel import Service


class Feeds(Service):
    async def home_timeline(self, limit: int = 50, before: Cursor | None = None) -> Page:
        return await self._run(self.store.queries.home, limit, before)

    async def account_posts(self, account: bytes, limit: int = 50,
                            before: Cursor | None = None) -> Page:
        return await self._run(self.store.account_posts, account, limit, before)

    async def mentions(self, limit: int = 50, before: Cursor | None = None) -> Page:
        return await self._run(self.store.mentions, self.account_id, limit, before)

    async def thread(self, entry_id: bytes) -> list[PostView]:
        posts = await self._run(self.store.queries.thread, entry_id)
        if not posts:
            raise NotFound(f"there is no post {ids.entry_text(entry_id)} in this home")
        return posts

    async def post_view(self, entry_id: bytes) -> PostView:
        post = await self._run(self.store.queries.post, entry_id)
        if post is None:
            raise NotFound(f"there is no post {ids.entry_text(entry_id)} in this home")
        return post

    async def targets_of(self, entry_ids: Sequence[bytes]) -> list[bytes]:
        """The posts that the reactions, edits and deletes among ``entry_ids`` act on
        (deduplicated, in order): what a view refreshes after those entries arrive."""
        return await self._run(self.store.queries.targets_of, list(entry_ids))

    async def search(self, text: str, limit: int = 50, before: Cursor | None = None) -> Page:
        return await self._run(self.store.search, text, limit, before)

    async def profile(self, account: bytes) -> ProfileView:
        return await self._run(self.store.profile, account)

    async def following(self, account: bytes | None = None) -> list[bytes]:
        return await self._run(self.store.following, account or self.account_id)

    async def followers(self, account: bytes | None = None) -> list[bytes]:
        return await self._run(self.store.followers, account or self.account_id)

    async def blocked(self) -> list[bytes]:
        return await self._run(self.store.blocked, self.account_id)

    async def relation(self, account: bytes) -> Relation:
        """Whether this account follows ``account``, is followed by it, blocked it."""
        return await self._run(self.store.relation, account)

    async def find_accounts(self, text: str, limit: int = 10) -> list[ProfileView]:
        """Profiles whose name starts with ``text`` (any case), then those that hold it:
        for @-mention completion and the people view."""
        return await self._run(self.store.find_accounts, text, limit)

    async def notifications(self, limit: int = 50,
                            before: Cursor | None = None) -> NotificationPage:
        """Mentions, replies, reactions and follows of this account, newest first
        (keyset paged like the timelines), without blocked accounts."""
        return await self._run(self.store.queries.notifications, limit, before)

    async def unread_notifications(self, cap: int = 99) -> int:
        """How many notifications are unread, counting at most ``cap`` (a badge)."""
        return await self._run(self.store.queries.unread_notifications, cap)

    async def mark_notifications_read(self) -> None:
        """Everything stored so far counts as read (a watermark in the store)."""
        self._require_identity()  # a write: not from a read-only node
        await self._run(self.store.mark_notifications_read)

    async def forked_logs(self) -> list[ForkView]:
        """The forked logs, for people: whose device, where it split."""
        return await self._run(self.store.forked_logs)

    async def stats(self) -> dict[str, int]:
        """How much this home holds: entries, logs, accounts, blobs."""
        return await self._run(self.store.stats)

    async def verify(self, full: bool = False) -> list[Problem]:
        return await self._run(self.store.verify, full)
