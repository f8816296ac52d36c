"""node.storage: what the home holds by kind, and the budget that bounds what accounts
neither ours nor followed make it hold (store/storage.py says the rules).

``enforce`` is one bounded run (at most ``ENFORCE_BATCH`` bodies, one transaction, one
trip to the worker thread), so other store work runs between runs; ``follow_storage``
(node/storage_follow.py) calls it after bursts of entries from others, off the sync
path, like the full-text index and the private scan."""

from __future__ import annotations

from ..errors import UserError
from ..store.storage import Dropped, Limits, StorageReport
from .kernel import Kernel, Service
from .replication import Replication

ENFORCE_BATCH = 2000  # bodies dropped per run at most: 2000 x 128 KiB is 256 MiB
BUDGET_MIN = 1_000_000  # 1 MB: the smallest that means anything (tests use it)
BUDGET_MAX = 10**15  # a PB: any number a disk can hold


class Storage(Service):
    def __init__(self, kernel: Kernel, replication: Replication) -> None:
        super().__init__(kernel)
        self._replication = replication

    async def report(self, hops: int = 2) -> StorageReport:
        """What this home holds: own logs, followed, two hops (or more, up to
        ``hops``), communities, no longer replicated; images; the budget."""
        def read() -> StorageReport:
            return self.store.storage_report(self._replication.replicated_now(hops))
        return await self._run(read)

    async def limits(self) -> Limits:
        return await self._run(self.store.storage_limits)

    async def set_limits(self, budget: int | None = None,
                         per_account: int | None = None) -> Limits:
        """Change the budget and/or the per-account cap (bytes); a cap above the budget
        is the budget. The next ``enforce`` applies them."""
        def write() -> Limits:
            old = self.store.storage_limits()
            new = Limits(old.budget if budget is None else budget,
                         old.per_account if per_account is None else per_account)
            for value, what in ((new.budget, "budget"), (new.per_account, "per-account cap")):
                if not BUDGET_MIN <= value <= BUDGET_MAX:
                    raise UserError(f"the {what} must be between 1 MB and 1 PB")
            new = Limits(new.budget, min(new.per_account, new.budget))
            self.store.set_storage_limits(new)
            return new
        return await self._run(write)

    async def enforce(self, hops: int = 2, limit: int = ENFORCE_BATCH) -> tuple[Dropped, bool]:
        """One bounded run of the budget (store/storage.py ``enforce``): what went, and
        whether more is left for another run."""
        def run() -> tuple[Dropped, bool]:
            return self.store.enforce_storage(self._replication.replicated_now(hops), limit)
        return await self._run(run)

    async def enforce_all(self, hops: int = 2, limit: int = ENFORCE_BATCH) -> Dropped:
        """Runs of ``enforce`` until nothing is left to drop; other store work runs
        between them."""
        total = Dropped()
        more = True
        while more:
            one, more = await self.enforce(hops, limit)
            total.bodies += one.bodies
            total.bytes += one.bytes
            total.images += one.images
            total.image_bytes += one.image_bytes
            total.posts += one.posts
        return total
