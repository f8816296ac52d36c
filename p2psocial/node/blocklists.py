"""Private blocks and shared blocklists: what this home refuses to replicate and carry.

Theory of operation (store/refusals.py has the rule and what refusing does). Every
choice here is local: a row in the home's store, never an entry, so nothing is
published (what a peer can still infer, from what we stop asking for, is in
docs/network.md "Refused accounts"). Each choice is applied at once (the refused accounts' held
entries go) and announced with ``RefusalsChanged``, which the network's replication
policy follows (net/replication_policy.py): it stops wanting, offering and accepting
the refused accounts and asks for the ones let back in. A subscription also makes the
list owner's log wanted (node/replication.py), so its BLOCK and UNBLOCK entries
arrive, and each one that changes the set is applied by ingest (Store.ingest).
"""

from __future__ import annotations

from ..entry import Entry
from ..store.views import RefusalView
from .kernel import Kernel, Service
from .posts import Posts


class Blocklists(Service):
    def __init__(self, kernel: Kernel, posts: Posts) -> None:
        super().__init__(kernel)
        self._posts = posts

    async def block_privately(self, account: bytes) -> bool:
        """Refuse ``account`` without publishing anything; False if it was already."""
        self._kernel.not_me(account, "block")
        return await self._choose("private", account, True)

    async def unblock_privately(self, account: bytes) -> bool:
        return await self._choose("private", account, False)

    async def unblock(self, account: bytes) -> Entry | None:
        """Undo either kind of block. A private one is removed and nothing is published;
        a public one is undone in public (an UNBLOCK entry, returned); with neither,
        an UNBLOCK is published as before (it says so to whoever holds an old block)."""
        private = await self.privately_blocked(account)
        public = (await self._run(self.store.relation, account)).blocked
        if private:
            await self.unblock_privately(account)
        return await self._posts.unblock(account) if public or not private else None

    async def privately_blocked(self, account: bytes) -> bool:
        return account in await self._run(self.store.refusals.private_blocks)

    async def subscribe(self, owner: bytes) -> bool:
        """Adopt ``owner``'s public blocks as ours (their log is replicated from now on)."""
        self._kernel.not_me(owner, "subscribe to")
        return await self._choose("subscribe", owner, True)

    async def unsubscribe(self, owner: bytes) -> bool:
        return await self._choose("subscribe", owner, False)

    async def except_(self, account: bytes) -> bool:
        """Never refuse ``account`` because a list names it (our own blocks still do)."""
        return await self._choose("except", account, True)

    async def unexcept(self, account: bytes) -> bool:
        return await self._choose("except", account, False)

    async def review(self) -> list[RefusalView]:
        """Every account a block or a list names, why, and what keeps it."""
        return await self._run(self.store.refusals.review)

    async def subscriptions(self) -> list[bytes]:
        return await self._run(self.store.refusals.subscriptions)

    async def refused(self) -> set[bytes]:
        return await self._run(self.store.refused)

    async def _choose(self, what: str, account: bytes, on: bool) -> bool:
        async with self._kernel._write_lock:  # one writer: beside publishing, not inside it
            changed = await self._run(self.store.refusals.choose, what, account, on)
        self.events.emit(self._kernel.refusal_events())
        return changed

