"""What the network needs of the node: the ``Replica`` port, and nothing more.

    NetworkService(replica, port=0)       # a Node today, node.replication after issue 15

Why. net/ replicates logs, blobs, rosters and address records between devices; it does
not post, read timelines or open private messages. Typing every net module's node
parameter as ``Replica`` (never as ``p2psocial.node.Node``) keeps that boundary
visible and checked: a net module that starts to call something else of the node
fails mypy, and tests/test_net_port.py checks that no net module imports the node.
A ``Node`` satisfies ``Replica`` structurally; nothing needs to inherit from it.

The port is made of small protocols, one per thing the network replicates, so a
reader sees which part of the node each protocol of ours leans on. The signatures are
the node's, copied: callers pass the same arguments as before.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Protocol

import trio

from ..address_record import Address, AddressRecord
from ..entry import Entry
from ..events import Event
from ..forks import Fork
from ..identity import Identity
from ..invite import AddressToken
from ..linking import Granted
from ..private import CommunityKey
from ..roster import Join, Merged
from ..store.address_records import HeldRecord
from ..store.blob_wants import Budget, WantedBlob
from ..store.communities import CommunityInfo
from ..store.peer_addrs import Trust
from ..store.store import PeerRecord
from ..store.views import IngestResult


class Keys(Protocol):
    """Who we are, what time it is, and the node's change events."""

    @property
    def identity(self) -> Identity | None: ...

    @property
    def clock(self) -> Callable[[], int]: ...

    @property
    def account_id(self) -> bytes: ...

    def subscribe(self, buffer: int = ...) -> trio.MemoryReceiveChannel[Event]: ...


class Logs(Protocol):
    """The logs we replicate: what we hold, what we want, and storing what peers
    send (sync.py, gossip.py)."""

    async def ingest(self, entries: Sequence[Entry], *, strict: bool = False,
                     ) -> IngestResult: ...

    async def add_forks(self, wire: Sequence[object]) -> list[Fork]: ...

    async def forks(self) -> list[Fork]: ...

    async def add_revocations(self, wires: Sequence[object]) -> list[bytes]: ...

    async def revocations(self) -> list[bytes]: ...

    async def forked(self) -> dict[bytes, int]: ...

    async def index_text(self) -> int: ...

    async def wanted_accounts(self, hops: int = 2) -> set[bytes]: ...

    async def logs(self) -> list[tuple[bytes, bytes, int]]: ...

    async def log_rows(self, device: bytes, after_seq: int, limit: int,
                       max_bytes: int | None = None) -> list[tuple[bytes, bytes | None]]: ...

    async def peer_holds(self, device: bytes, heads: dict[bytes, int]) -> bool: ...


class Blobs(Protocol):
    """Pictures and files by hash (blobs.py, blob_fetcher.py)."""

    async def blob(self, digest: bytes) -> bytes | None: ...

    async def put_blob(self, data: bytes) -> bytes: ...

    async def wanted_blobs(self, hops: int = 2, budget: Budget = ...,
                           limit: int = 256) -> list[WantedBlob]: ...


class Follows(Protocol):
    """Who follows and blocks whom: whom we give addresses and gossip to."""

    async def following(self, account: bytes | None = None) -> list[bytes]: ...

    async def followers(self, account: bytes | None = None) -> list[bytes]: ...

    async def blocked(self) -> list[bytes]: ...

    async def refused(self) -> set[bytes]: ...


class Communities(Protocol):
    """Open LAN communities and their rosters (neighbourhood.py, community.py)."""

    async def communities(self) -> list[CommunityInfo]: ...

    async def merge_roster(self, community_id: bytes, lines: Sequence[Join]) -> Merged: ...

    async def join_community(self, value: CommunityKey, lines: Sequence[Join] = ()
                             ) -> Merged: ...


class AddressBook(Protocol):
    """The peers we know and how to reach them (the store's ``peers`` table)."""

    async def peers(self) -> list[PeerRecord]: ...

    async def peer(self, device: bytes) -> PeerRecord | None: ...

    async def add_peer(self, device: bytes, addrs: Sequence[str], source: str,
                       trust: Trust = ...) -> PeerRecord: ...

    async def peer_moved(self, device: bytes, addrs: Sequence[str], source: str
                         ) -> PeerRecord: ...

    async def update_peer(self, device: bytes, **fields: int | None) -> None: ...


class AddressRecords(Protocol):
    """Signed records of where devices are, and invite tokens (address_exchange.py)."""

    async def issue_address_record(self, addrs: Sequence[Address]) -> AddressRecord: ...

    async def address_record(self, device: bytes) -> HeldRecord | None: ...

    async def keep_address_record(self, record: AddressRecord, account: bytes) -> bool: ...

    async def address_records(self, accounts: Collection[bytes]) -> list[HeldRecord]: ...

    async def prune_address_records(self, wanted: Collection[bytes]) -> int: ...

    async def invite_token(self, device: bytes) -> tuple[bytes, AddressToken] | None: ...


class Devices(Protocol):
    """A new device of our account asks to be linked (net/link.py ``Granter``)."""

    async def grant(self, joiner_device: bytes, name: str) -> Granted: ...


class Replica(Keys, Logs, Blobs, Follows, Communities, AddressBook, AddressRecords, Devices,
              Protocol):
    """Everything net/ uses of the node (the module docstring says why)."""
