"""What the network needs of the node (net/port.py ``Replica``): logs to send and to
take in, blobs, fork proofs, what to replicate, the address book and address
records. The names are the ones the network has always called; the network is given
this object, never the node.

The community calls (``communities``, ``merge_roster``, ``join_community``) are the
communities service's own methods, bound here under the names the network uses."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from .. import address_record, codec, invite
from ..address_record import Address, AddressRecord
from ..changes import domain_events
from ..entry import Entry
from ..errors import UserError
from ..events import BlobAdded, Event, ForkFound, HeldByPeer, Notified, RevocationFound
from ..forks import Fork
from ..store import IngestResult
from ..store.address_records import HeldRecord
from ..store.blob_wants import BUDGET as BLOB_BUDGET
from ..store.blob_wants import Budget, WantedBlob
from ..store.peer_addrs import Trust
from ..store.peer_book import PeerRecord
from ..store.revocations import Applied
from .communities import Communities
from .devices import Devices
from .feeds import Feeds
from .kernel import Kernel, Service


class Replication(Service):
    def __init__(self, kernel: Kernel, feeds: Feeds, communities: Communities,
                 devices: Devices) -> None:
        super().__init__(kernel)
        self.subscribe = kernel.subscribe
        # what net reads of the follow graph and the rosters is the feeds' and the
        # communities' own (one implementation each), under the port's names
        self.following = feeds.following
        self.followers = feeds.followers
        self.blocked = feeds.blocked
        self.communities = communities.list
        self.merge_roster = communities.merge_roster
        self.join_community = communities.join
        self.grant = devices.grant  # a new device of ours asks to be linked (net/link.py)
        self._devices = devices

    async def ingest(self, entries: Sequence[Entry], *, strict: bool = False) -> IngestResult:
        """Verify and store entries from a peer; see store/ingest.py. Other devices'
        entries are committed without waiting for an fsync (Store's note on durability);
        a batch that holds our own device's entries is durable. Not ``strict`` (what
        peers send): a bad log is left out and named in ``rejected`` while the others
        are stored, and a log its author forked is frozen (``ForkFound``)."""
        device = self.identity.device_id if self.identity else None
        durable = any(e.device == device for e in entries)
        result, accounts = await self._run(self._ingest_now, entries, durable, strict)
        added = self._kernel.entry_added
        events: list[Event] = [added(e, accounts[e.device]) for e in result.added]
        if result.notified:
            events.append(Notified(result.notified))
        events += [ForkFound(f.device, accounts[f.device], f.seq, f) for f in result.forks]
        events += [RevocationFound(*one) for one in result.revocations]
        me = self.identity.account_id if self.identity else None
        events += domain_events(result.added, accounts, me, result.targets, result.erased)
        events += self._kernel.refusal_events()  # a subscribed list's blocks arrived
        self.events.emit(events)
        if result.revocations:  # rare: a member of a group we run lost a device
            await self._devices.members_revoked({one.account for one in result.revocations})
        return result

    def _ingest_now(self, entries: Sequence[Entry], durable: bool, strict: bool,
                    ) -> tuple[IngestResult, dict[bytes, bytes]]:
        """Store, then name the account of every log that grew or forked (for the
        events): one trip to the worker thread, and a lookup of those logs only."""
        result = self.store.ingest(entries, durable=durable, strict=strict)
        logs = {e.device for e in result.added} | {f.device for f in result.forks}
        return result, self.store.accounts_of(logs)

    async def add_forks(self, wire: Sequence[object]) -> list[Fork]:
        """Check the fork proofs a peer passed on (as they arrive) and keep those of logs
        we hold that tell us more (two signature checks each, in the worker thread).
        Returns the new ones (each also a ``ForkFound``); ``NotAFork`` if one of those
        is no proof, and then nothing is kept."""
        new, accounts = await self._run(self._add_forks_now, wire)
        self.events.emit([ForkFound(f.device, accounts[f.device], f.seq, f) for f in new])
        return new

    def _add_forks_now(self, wire: Sequence[object]) -> tuple[list[Fork], dict[bytes, bytes]]:
        new = self.store.add_forks(wire)
        return new, self.store.accounts_of({f.device for f in new})

    async def revocations(self) -> list[bytes]:
        """Every signed device revocation held, oldest first: sent ahead of entries."""
        return await self._run(self.store.device_book.revocations)

    async def add_revocations(self, wires: Sequence[object]) -> list[bytes]:
        """Check and apply the revocations a peer sent (store/revocations.py): the
        devices whose valid part got shorter (``RevocationFound`` for each revocation
        that did, so other sessions pass it on). ``InvalidEntry`` for a bad one
        (nothing is applied then: the sender's fault)."""
        changed, applied = await self._run(self._add_revocations_now, wires)
        self.events.emit([RevocationFound(*one) for one in applied])
        if applied:
            await self._devices.members_revoked({one.account for one in applied})
        return changed

    def _add_revocations_now(self, wires: Sequence[object]) -> tuple[list[bytes], list[Applied]]:
        return self.store.add_revocations(wires), self.store.take_applied_revocations()

    async def forks(self) -> list[Fork]:
        """Every fork proof this home holds."""
        return await self._run(self.store.forks)

    async def forked(self) -> dict[bytes, int]:
        """device -> the seq its log forked at (frozen below it)."""
        return await self._run(self.store.forked)

    async def index_text(self) -> int:
        """Catch the full-text index up after a sync burst (see Store.index_text)."""
        return await self._run(self.store.index_text)

    async def wanted_accounts(self, hops: int = 2) -> set[bytes]:
        """The accounts whose logs this node replicates: its own, the accounts it
        follows, and theirs up to ``hops`` steps away, and the rosters of its
        communities (at any ``hops``: live gossip asks for 1), and the owners of the
        blocklists it subscribes to; never one it refuses (store/refusals.py: blocked,
        privately or through a list). What a node replicates it stores even when it
        cannot read it (store-and-forward)."""
        return await self._run(self._wanted_accounts, hops)

    def replicated_now(self, hops: int) -> set[bytes]:
        """``wanted_accounts`` in the worker thread (the storage budget reads it there)."""
        return self._wanted_accounts(hops)

    def _wanted_accounts(self, hops: int) -> set[bytes]:
        me = self.account_id
        refused = self.store.refused() - {me}
        wanted = {me}
        frontier = {me}
        for _ in range(max(0, hops)):
            frontier = {f for a in frontier for f in self.store.following(a)} - wanted - refused
            wanted |= frontier
        lists = set(self.store.refusals.subscriptions())
        return wanted | ((self.store.community_replicated() | lists) - refused)

    async def refused(self) -> set[bytes]:
        """The accounts this home refuses: gossip rejects their entries (no blame)."""
        return await self._run(self.store.refused)

    async def logs(self) -> list[tuple[bytes, bytes, int]]:
        """(device, account, head seq) of every log held that we offer: none of a
        refused account's (its log is down to its certificate anyway)."""
        def offered() -> list[tuple[bytes, bytes, int]]:
            refused = self.store.refused()
            return [log for log in self.store.devices() if log[1] not in refused]
        return await self._run(offered)

    async def log_entries(self, device: bytes, after_seq: int, limit: int) -> list[Entry]:
        return await self._run(self.store.log_entries, device, after_seq, limit)

    async def log_rows(self, device: bytes, after_seq: int, limit: int,
                       max_bytes: int | None = None) -> list[tuple[bytes, bytes | None]]:
        return await self._run(self.store.log_rows, device, after_seq, limit, max_bytes)

    async def blob(self, digest: bytes) -> bytes | None:
        return await self._run(self.store.get_blob, digest)

    async def put_blob(self, data: bytes) -> bytes:
        """Store ``data`` as a blob (a fetched image, say); returns its hash. A blob that
        was not here before is announced (``BlobAdded``), so that a view showing it as
        missing shows it now."""
        digest, new = await self._run(self._put_blob_now, data)
        if new:
            self.events.emit([BlobAdded(digest)])
        return digest

    def _put_blob_now(self, data: bytes) -> tuple[bytes, bool]:
        before = self.store.conn.total_changes
        digest = self.store.put_blob(data)
        return digest, self.store.conn.total_changes != before

    async def wanted_blobs(self, hops: int = 2, budget: Budget = BLOB_BUDGET,
                           limit: int = 256) -> list[WantedBlob]:
        """Up to ``limit`` blobs to fetch, in order: those our entries, then followed
        accounts' entries, reference; then within ``budget`` those of the other accounts
        we replicate at ``hops`` (store/blob_wants.py). Held ones are left out. Never
        past the storage budget (store/storage.py): what it would drop is not fetched."""
        def wanted() -> list[WantedBlob]:
            limits = self.store.storage_limits()
            within = Budget(min(budget.total, limits.budget),
                            min(budget.per_account, limits.per_account))
            return self.store.wanted_blobs(self._wanted_accounts(hops), within, limit)
        return await self._run(wanted)

    async def peer_holds(self, device: bytes, heads: dict[bytes, int]) -> bool:
        """The peer ``device`` said, in its sync clock, that it holds these logs up to
        these seqs (the network calls this; net/sync.py). What is about our own logs is
        kept (store/holders.py, bounded there) and, where it grew, announced with
        ``HeldByPeer``: the delivery states of our direct messages come from it.
        True when it grew: the clock frame brought news (no flood, net/limits.py)."""
        if self.identity is None or not heads:
            return False
        account, grown = await self._run(self.store.record_holders, device, heads)
        if grown:
            self.events.emit([HeldByPeer(device, account, tuple(grown))])
        return bool(grown)

    async def peers(self) -> list[PeerRecord]:
        return await self._run(self.store.peer_book.peers)

    async def peer(self, device: bytes) -> PeerRecord | None:
        return await self._run(self.store.peer_book.peer, device)

    async def add_peer(self, device: bytes, addrs: Sequence[str], source: str,
                       trust: Trust = Trust.GIVEN) -> PeerRecord:
        """Remember how to reach ``device`` at ``addrs``, as far as ``trust`` goes (an
        address heard on the LAN never pushes out one that worked); see Store.add_peer."""
        if self.identity is not None and device == self.identity.device_id:
            raise UserError("that is this node itself")
        return await self._run(self.store.peer_book.add_peer, device, list(addrs), source, trust)

    async def peer_moved(self, device: bytes, addrs: Sequence[str], source: str) -> PeerRecord:
        """``device`` signed a newer record of its addresses: see Store.peer_moved."""
        return await self._run(self.store.peer_book.peer_moved, device, list(addrs), source)

    async def update_peer(self, device: bytes, **fields: int | None) -> None:
        await self._run(lambda: self.store.peer_book.update_peer(device, **fields))

    async def issue_address_record(self, addrs: Sequence[Address]) -> AddressRecord:
        """Sign a record of our ``addrs`` (best first) with a seq above the last one we
        issued, and keep it as ours."""
        identity = self._require_identity()

        def issue() -> AddressRecord:
            held = self.store.address_record(identity.device_id)
            record = address_record.issue(identity.device, addrs, now=self.clock(),
                                          last_seq=held.seq if held else None)
            self.store.keep_address_record(identity.device_id, identity.account_id,
                                           record.seq, record.expires, record.encode())
            return record

        return await self._run(issue)  # one store job at a time: no seq is signed twice

    async def address_record(self, device: bytes) -> HeldRecord | None:
        return await self._run(self.store.address_record, device)

    async def keep_address_record(self, record: AddressRecord, account: bytes) -> bool:
        """Keep a record the caller verified, of a device of ``account`` (which the
        caller checked we replicate): False when we hold one as new, or have no room."""
        return await self._run(self.store.keep_address_record, record.device, account,
                               record.seq, record.expires, record.encode())

    async def address_records(self, accounts: Collection[bytes]) -> list[HeldRecord]:
        """The unexpired records we hold of devices of ``accounts``."""
        return await self._run(self.store.address_records, accounts, self.clock())

    async def prune_address_records(self, wanted: Collection[bytes]) -> int:
        return await self._run(self.store.prune_address_records, wanted, self.clock())

    def address_token(self, ttl: int = invite.TOKEN_TTL) -> invite.AddressToken:
        """A token for an invite: whoever holds it may ask a common peer where this
        device is (one signature: no store work)."""
        identity = self._require_identity()
        return invite.sign_token(identity.device_id, identity.device.secret_key,
                                 self.clock(), ttl)

    async def keep_invite_token(self, device: bytes, account: bytes,
                                token: invite.AddressToken) -> None:
        """Keep the token of an invite we joined, to find its device if it moves."""
        await self._run(self.store.keep_address_token, device, account, token.expires,
                        codec.encode(token.to_wire()), self.clock())

    async def invite_token(self, device: bytes) -> tuple[bytes, invite.AddressToken] | None:
        """(account, token) of an unexpired invite token we hold for ``device``."""
        held = await self._run(self.store.address_token, device, self.clock())
        if held is None:
            return None
        return held[0], invite.AddressToken.from_wire(codec.decode(held[1]))
