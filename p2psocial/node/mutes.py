"""Mutes (an account, a #tag, a thread) and word filters: what this home leaves out of
its lists, without telling anyone.

Nothing here publishes: a mute is a row of this home's store (store/mutes.py), so
the muted account never learns of it, the account's log head does not move, and its
entries are still replicated and carried for others (a block, by contrast, is public
and stops the carrying). The lists (home, profiles, tags, search, mentions,
notifications) leave the hidden posts out in SQL; a thread keeps them as collapsed
rows. Every change emits ``MutesChanged`` so the app's lists load again.
"""

from __future__ import annotations

from .. import ids, muting
from ..errors import NotFound
from ..events import MutesChanged
from ..store.views import FilterRow, MuteRow
from .kernel import Service

Target = bytes | str


class Mutes(Service):
    async def mute(self, kind: str, target: Target) -> tuple[Target, bool]:
        """Mute an account (its id), a tag (``#tag`` or ``tag``) or a thread (the id of
        any post in it). Returns what is muted (a thread's root, the tag as kept) and
        whether it is new."""
        self._require_identity()  # a write: not from a read-only node
        kept = await self._target(kind, target, resolve=True)
        added = await self._run(self.store.mute_book.mute, kind, kept)
        self._changed(added)
        return kept, added

    async def unmute(self, kind: str, target: Target) -> tuple[Target, bool]:
        """Undo ``mute``; returns what it names and whether it was muted."""
        self._require_identity()
        kept = await self._target(kind, target, resolve=False)
        removed = await self._run(self.store.mute_book.unmute, kind, kept)
        self._changed(removed)
        return kept, removed

    async def is_muted(self, kind: str, target: Target) -> bool:
        kept = await self._target(kind, target, resolve=False)
        return await self._run(self.store.mute_book.is_muted, kind, kept)

    async def filters(self) -> list[FilterRow]:
        """Every word filter, newest first."""
        return await self._run(self.store.mute_book.filters)

    async def add_filter(self, phrase: str, warn: bool = False) -> tuple[str, str]:
        """Hide the posts that hold ``phrase`` (whole words, any case), or with
        ``warn`` collapse them behind it. Returns the phrase as kept and "added",
        "changed" (the other action before) or "unchanged"."""
        self._require_identity()
        kept = muting.normal_phrase(phrase)
        said = await self._run(self.store.mute_book.set_filter, kept,
                               muting.WARN if warn else muting.HIDE)
        self._changed(said != "unchanged")
        return kept, said

    async def remove_filter(self, phrase: str) -> tuple[str, bool]:
        self._require_identity()
        kept = muting.normal_phrase(phrase)
        removed = await self._run(self.store.mute_book.remove_filter, kept)
        self._changed(removed)
        return kept, removed

    async def _target(self, kind: str, target: Target, *, resolve: bool) -> Target:
        """What the store keeps for ``target``: an account id (never ours), a tag in
        lower case, a thread's root (from any post of it this home holds)."""
        if kind == muting.TAG:
            assert isinstance(target, str)
            return muting.normal_tag(target)
        assert isinstance(target, bytes) and kind in muting.KINDS, kind
        if kind == muting.ACCOUNT:
            self._not_me(target, "mute")
            return target
        post = await self._run(self.store.queries.post, target)
        if post is None:
            if resolve:
                raise NotFound(f"there is no post {ids.entry_text(target)} in this home")
            return target  # unmuting a thread whose posts are gone: its root, as given
        return post.thread_root

    def _changed(self, changed: bool) -> None:
        if changed:
            self.events.emit([MutesChanged()])

    async def list(self) -> list[MuteRow]:  # last: ``list`` names this method below
        """Every mute, newest first."""
        return await self._run(self.store.mute_book.mutes)
