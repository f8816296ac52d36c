"""Which devices this node counts as friends: the devices of accounts it replicates
(its own, the accounts it follows up to ``hops`` away, its communities' rosters;
``Node.wanted_accounts``) whose log it holds, so that their account is proven by
the device certificate at the head of that log, not claimed.

Friends are never trimmed by the connection manager (connmgr.py), get relay slots,
and are never charged for a relay's refusal (relay.py). Finding them takes two
store queries, and the relay and the manager ask often while under attack, so the
answer is kept for ``ttl`` seconds: a new friend waits at most that long (and is
covered by the manager's grace period meanwhile).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence

import trio

TTL = 5.0  # seconds an answer is kept

Logs = Callable[[], Awaitable[Sequence[tuple[bytes, bytes, int]]]]  # (device, account, seq)
Wanted = Callable[[], Awaitable[Collection[bytes]]]


class Friends:
    def __init__(self, logs: Logs, wanted: Wanted, ttl: float = TTL) -> None:
        self._logs, self._wanted, self.ttl = logs, wanted, ttl
        self._accounts: dict[bytes, bytes] = {}  # friend device -> its account
        self._at: float | None = None
        self._lock = trio.Lock()

    async def accounts(self) -> dict[bytes, bytes]:
        """Friend devices and their accounts (at most ``ttl`` seconds old)."""
        async with self._lock:  # one refresh at a time; the others wait for it
            now = trio.current_time()
            if self._at is None or now - self._at >= self.ttl:
                wanted = set(await self._wanted())
                self._accounts = {device: account for device, account, _ in await self._logs()
                                  if account in wanted}
                self._at = now
            return self._accounts

    async def account_of(self, device: bytes) -> bytes | None:
        """The account of a friend device; None for anyone else."""
        return (await self.accounts()).get(device)

    def changed(self) -> None:
        """The replication policy changed: ask the store again next time."""
        self._at = None
