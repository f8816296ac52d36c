"""The node: one person's p2psocial, composed of identity, store and (later) network.

The UI, the command line and the network talk to the node only. It owns the rules
that are not about bytes: what a person may publish (only their own edits and
deletes, no following themselves), how a reply finds its thread, how images are
cleaned before they are stored. It exposes async methods (run on Trio; SQLite and
image work go to a worker thread, one at a time, because the store has one writer)
and a stream of change events (events.py).

Two ways to open a home:

* ``Node.open(home, passphrase)`` takes the writer lock and the keys: it can publish;
* ``Node.open(home, readonly=True)`` reads the store alone, needs no passphrase, and
  works while the app holds the lock, so scripts can read a running node's home.
"""

from __future__ import annotations

import mimetypes
import os
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import trio

from . import (
    address_record,
    codec,
    envelope,
    ids,
    images,
    invite,
    keyfile,
    phrase,
    private,
    private_files,
    roster,
)
from . import content as c
from . import entry as entry_mod
from .address_record import Address, AddressRecord
from .changes import domain_events
from .entry import Entry
from .errors import (
    BadImage,
    ContentTooLarge,
    DecryptionFailed,
    HomeError,
    InvalidContent,
    NotFound,
    PassphraseRequired,
    UserError,
    WrongPassphrase,
)
from .events import BUFFER as EVENT_BUFFER
from .events import (
    BlobAdded,
    EntryAdded,
    Event,
    EventHub,
    ForkFound,
    HeldByPeer,
    MessageAdded,
    MessageReacted,
    Notified,
    PostAdded,
    RosterChanged,
)
from .forks import Fork
from .home import Home
from .identity import Identity, new_identity
from .private_files import PrivateAttachment
from .roster import Join, Merged
from .store import (
    ConversationView,
    Cursor,
    FileView,
    ForkView,
    GroupView,
    IngestResult,
    MessagePage,
    NotificationPage,
    Page,
    PostView,
    Problem,
    ProfileView,
    Relation,
    Store,
)
from .store.address_records import HeldRecord
from .store.blob_wants import BUDGET as BLOB_BUDGET
from .store.blob_wants import Budget, WantedBlob
from .store.communities import CommunityInfo
from .store.inbox import GroupState, open_batch
from .store.peer_addrs import Trust
from .store.store import PeerRecord

T = TypeVar("T")

SCAN_BATCH = 1000
"""Sealed entries opened per trip to the store's worker thread (~50 ms of X25519 at
most): a long private scan lets other store work in between its batches."""


def now_ms() -> int:
    return int(time.time() * 1000)


class Node:
    def __init__(self, home: Home, store: Store, identity: Identity | None,
                 clock: Callable[[], int] = now_ms) -> None:
        self.home = home
        self.store = store
        self.identity = identity
        self.clock = clock
        self.events = EventHub()
        self._limiter = trio.CapacityLimiter(1)
        self._keys_limiter = trio.CapacityLimiter(1)  # Argon2id: never holds up the store
        self._write_lock = trio.Lock()
        self._scan_lock = trio.Lock()  # one private scan at a time
        self._opener: private.Opener | None = None
        self._last: Entry | None = (store.last_entry(identity.device_id)
                                    if identity is not None else None)

    # --- opening and closing ----------------------------------------------------

    @classmethod
    def init(cls, home: Home, name: str, passphrase: str | None = None, *,
             avatar_data: bytes | None = None, clock: Callable[[], int] = now_ms,
             **kdf: Any) -> Node:
        """Create a new account in an empty home and publish its first entries (with
        ``avatar_data``, a picture, its profile has that picture from the start)."""
        profile = c.Profile(name.strip())
        profile.validate()
        if home.exists():
            raise HomeError(f"{home.path} already holds an account")
        picture = (images.prepare(avatar_data, max_side=images.AVATAR_SIDE, square=True)
                   if avatar_data is not None else None)
        identity = new_identity(os.urandom(32), os.urandom(32), clock())
        node = cls.create(home, identity, passphrase, clock,
                          profile=profile if picture is None else None, **kdf)
        if picture is not None:
            try:
                node._publish_now(replace(profile, avatar=node.store.put_blob(picture.data)))
            except BaseException:
                node.close()
                raise
        return node

    @classmethod
    def restore(cls, home: Home, root_seed: bytes, name: str, passphrase: str | None = None,
                *, clock: Callable[[], int] = now_ms, **kdf: Any) -> Node:
        """The account of ``root_seed`` (from its recovery phrase) on a new device log."""
        profile = c.Profile(name.strip())
        profile.validate()
        if home.exists():
            raise HomeError(f"{home.path} already holds an account: restore into an empty home")
        identity = new_identity(root_seed, os.urandom(32), clock())
        return cls.create(home, identity, passphrase, clock, profile=profile, **kdf)

    @classmethod
    def create(cls, home: Home, identity: Identity, passphrase: str | None,
               clock: Callable[[], int] = now_ms, profile: c.Profile | None = None,
               **kdf: Any) -> Node:
        """Write keys and store for ``identity`` into an empty home and start its device
        log (the certificate entry, then ``profile`` if given)."""
        home.lock()
        try:
            home.write_keys(_dump_keys(identity, passphrase, **kdf))
            store = Store(home.store_path)
            store.set_local_account(identity.account_id)
            node = cls(home, store, identity, clock)
            node._publish_now(c.DeviceAnnouncement(identity.cert))
            if profile is not None:
                node._publish_now(profile)
        except BaseException:
            home.unlock()
            raise
        return node

    @classmethod
    def open(cls, home: Home, passphrase: str | None = None, *, readonly: bool = False,
             clock: Callable[[], int] = now_ms) -> Node:
        home.require()
        if readonly:
            return cls(home, Store(home.store_path, readonly=True), None, clock)
        home.lock()
        try:
            identity = keyfile.load(home.read_keys(), passphrase)
            store = Store(home.store_path)
            if store.local_account != identity.account_id:
                raise HomeError(f"the store in {home.path} belongs to another account")
            node = cls(home, store, identity, clock)
            node._sign_own_lines_now()  # rosters written before lines were signed
        except BaseException:
            home.unlock()
            raise
        return node

    def close(self) -> None:
        self.events.close()
        self.store.close()
        self.home.unlock()

    def __enter__(self) -> Node:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def account_id(self) -> bytes:
        if self.identity is not None:
            return self.identity.account_id
        local = self.store.local_account
        if local is None:
            raise HomeError("this home holds no account")
        return local

    def subscribe(self, buffer: int = EVENT_BUFFER) -> trio.MemoryReceiveChannel[Event]:
        return self.events.subscribe(buffer)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run store or image work in a worker thread, one piece at a time."""
        return await trio.to_thread.run_sync(fn, *args, limiter=self._limiter)

    # --- publishing -------------------------------------------------------------

    def _require_identity(self) -> Identity:
        if self.identity is None:
            raise PassphraseRequired("this needs the account's keys: open the home for writing")
        return self.identity

    def _publish_now(self, value: c.AnyContent) -> tuple[Entry, IngestResult]:
        """Sign and store one entry of our log (synchronous; callers serialise)."""
        identity = self._require_identity()
        value.validate()
        kind, body = c.encode_body(value)
        last = self._last
        # never goes back, and never repeats: a reaction and its undo (or two edits) in
        # one millisecond would otherwise tie, and "last writer wins on (ts, entry)"
        # would pick one by the entries' hashes (at MAX_TIME, a clock gone mad, it repeats)
        timestamp = min(max(self.clock(), last.timestamp + 1 if last else 0),
                        entry_mod.MAX_TIME)
        item = entry_mod.create(identity.device.secret_key, identity.device_id, last,
                                timestamp, kind, body)
        stored = self.store.ingest([item])
        self._last = item
        return item, stored

    async def publish(self, value: c.AnyContent) -> Entry:
        async with self._write_lock:
            item, stored = await self._run(self._publish_now, value)
        me = self.account_id
        self.events.emit([self._event(item, me), *domain_events(
            stored.added, {item.device: me}, me, stored.targets, stored.erased)])
        return item

    async def post(self, text: str, *, reply_to: bytes | None = None,
                   content_warning: str | None = None,
                   images_data: Sequence[bytes] = (), alt: Sequence[str] = ()) -> Entry:
        draft = await self._draft(text, reply_to, content_warning)
        if len(images_data) > c.ATTACHMENTS_MAX:
            raise ContentTooLarge(f"a post has at most {c.ATTACHMENTS_MAX} images")
        # check the post before any image work; an image alone (no text) is a post too
        (replace(draft, text=text or "(image)") if images_data else draft).validate()
        prepared = []
        for index, data in enumerate(images_data):  # clean them all before storing any
            try:
                prepared.append(await self._run(images.prepare, data))
            except BadImage as exc:
                if len(images_data) == 1:
                    raise
                raise BadImage(f"image {index + 1}: {exc}") from None
        attachments = []
        for index, image in enumerate(prepared):
            blob = await self._run(self.store.put_blob, image.data)
            attachments.append(c.Attachment(blob, image.mime, len(image.data), image.width,
                                            image.height, alt[index] if index < len(alt) else ""))
        return await self.publish(replace(draft, attachments=tuple(attachments)))

    async def _draft(self, text: str, reply_to: bytes | None,
                     content_warning: str | None) -> c.Post:
        """A post of ``text`` (mentions, tags, its thread found from ``reply_to``), not
        yet validated: a public post and a followers-only one are built alike."""
        root = None
        if reply_to is not None:
            parent = await self._run(self.store.post, reply_to)
            if parent is None:
                raise NotFound(f"there is no post {ids.entry_text(reply_to)} in this home")
            root = parent.thread_root
        cw = content_warning.strip() if content_warning and content_warning.strip() else None
        return c.Post(text=text, mentions=c.extract_mentions(text), tags=c.extract_tags(text),
                      content_warning=cw, reply_parent=reply_to, thread_root=root)

    async def react(self, target: bytes, emoji: str, *, undo: bool = False) -> Entry:
        if await self._run(self.store.get_entry, target) is None:
            raise NotFound(f"there is no entry {ids.entry_text(target)} in this home")
        return await self.publish(c.Reaction(target, emoji.strip(), undo))

    async def set_profile(self, *, name: str | None = None, bio: str | None = None,
                          avatar_data: bytes | None = None) -> Entry:
        current = await self.profile(self.account_id)
        avatar = current.avatar
        if avatar_data is not None:
            prepared = await self._run(lambda: images.prepare(
                avatar_data, max_side=images.AVATAR_SIDE, square=True))
            avatar = await self._run(self.store.put_blob, prepared.data)
        return await self.publish(c.Profile(
            name=(name if name is not None else current.name or "").strip(),
            bio=(bio if bio is not None else current.bio).strip(), avatar=avatar))

    async def follow(self, account: bytes) -> Entry:
        self._not_me(account, "follow")
        return await self.publish(c.Follow(account))

    async def unfollow(self, account: bytes) -> Entry:
        self._not_me(account, "unfollow")
        return await self.publish(c.Unfollow(account))

    async def block(self, account: bytes) -> Entry:
        self._not_me(account, "block")
        return await self.publish(c.Block(account))

    async def unblock(self, account: bytes) -> Entry:
        self._not_me(account, "unblock")
        return await self.publish(c.Unblock(account))

    async def edit(self, target: bytes, text: str,
                   content_warning: str | None = None) -> Entry:
        post = await self._own_post(target, "edit")
        if post.audience == "circle":
            raise UserError("a followers-only post cannot be edited: an edit is public "
                            "(delete it and post again)")
        cw = post.content_warning if content_warning is None else content_warning.strip() or None
        return await self.publish(c.Edit(target, text, cw))

    async def delete(self, target: bytes) -> Entry:
        author = await self._run(self.store.author_of, target)
        if author is None:
            raise NotFound(f"there is no entry {ids.entry_text(target)} in this home")
        if author != self.account_id:
            raise UserError("you can only delete your own entries")
        return await self.publish(c.Delete(target))

    def _not_me(self, account: bytes, verb: str) -> None:
        if account == self.account_id:
            raise InvalidContent(f"you cannot {verb} yourself")

    async def _own_post(self, target: bytes, verb: str) -> PostView:
        post = await self._run(self.store.post, target)
        if post is None:
            raise NotFound(f"there is no post {ids.entry_text(target)} in this home")
        if post.author != self.account_id:
            raise UserError(f"you can only {verb} your own posts")
        if post.deleted:
            raise UserError(f"that post was deleted; there is nothing to {verb}")
        return post

    # --- entries from elsewhere (network, backups) -------------------------------

    async def ingest(self, entries: Sequence[Entry], *, strict: bool = False) -> IngestResult:
        """Verify and store entries from a peer; see store/ingest.py. Other devices'
        entries are committed without waiting for an fsync (Store's note on durability);
        a batch that holds our own device's entries is durable. Not ``strict`` (what
        peers send): a bad log is left out and named in ``rejected`` while the others
        are stored, and a log its author forked is frozen (``ForkFound``)."""
        device = self.identity.device_id if self.identity else None
        durable = any(e.device == device for e in entries)
        result, accounts = await self._run(self._ingest_now, entries, durable, strict)
        events: list[Event] = [self._event(e, accounts[e.device]) for e in result.added]
        if result.notified:
            events.append(Notified(result.notified))
        events += [ForkFound(f.device, accounts[f.device], f.seq, f) for f in result.forks]
        me = self.identity.account_id if self.identity else None
        events += domain_events(result.added, accounts, me, result.targets, result.erased)
        self.events.emit(events)
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

    async def forks(self) -> list[Fork]:
        """Every fork proof this home holds."""
        return await self._run(self.store.forks)

    async def forked(self) -> dict[bytes, int]:
        """device -> the seq its log forked at (frozen below it)."""
        return await self._run(self.store.forked)

    async def forked_logs(self) -> list[ForkView]:
        """The forked logs, for people: whose device, where it split."""
        return await self._run(self.store.forked_logs)

    async def index_text(self) -> int:
        """Catch the full-text index up after a sync burst (see Store.index_text)."""
        return await self._run(self.store.index_text)

    def _event(self, item: Entry, account: bytes) -> EntryAdded:
        h = item.header  # one per entry stored: a sync burst makes 100k of these
        own = self.identity is not None and h.device == self.identity.device_id
        return EntryAdded(item.id, h.device, account, h.seq, h.kind, h.timestamp, own)

    # --- queries ----------------------------------------------------------------

    async def home_timeline(self, limit: int = 50, before: Cursor | None = None) -> Page:
        return await self._run(self.store.home, limit, before)

    async def account_posts(self, account: bytes, limit: int = 50,
                            before: Cursor | None = None) -> Page:
        return await self._run(self.store.account_posts, account, limit, before)

    async def mentions(self, limit: int = 50, before: Cursor | None = None) -> Page:
        return await self._run(self.store.mentions, self.account_id, limit, before)

    async def thread(self, entry_id: bytes) -> list[PostView]:
        posts = await self._run(self.store.thread, entry_id)
        if not posts:
            raise NotFound(f"there is no post {ids.entry_text(entry_id)} in this home")
        return posts

    async def post_view(self, entry_id: bytes) -> PostView:
        post = await self._run(self.store.post, entry_id)
        if post is None:
            raise NotFound(f"there is no post {ids.entry_text(entry_id)} in this home")
        return post

    async def targets_of(self, entry_ids: Sequence[bytes]) -> list[bytes]:
        """The posts that the reactions, edits and deletes among ``entry_ids`` act on
        (deduplicated, in order): what a view refreshes after those entries arrive."""
        return await self._run(self.store.targets_of, list(entry_ids))

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

    # --- private conversations (issue 5; private.py, store/inbox.py) -----------------

    async def send_message(self, recipients: Sequence[bytes], text: str,
                           reply_to: bytes | None = None, *,
                           images_data: Sequence[bytes] = (), alt: Sequence[str] = (),
                           files: Sequence[tuple[str, bytes]] = ()) -> Entry:
        """Send a direct message to ``recipients`` (other accounts; at most
        ``private.MAX_RECIPIENTS``), sealed to them and to this account. It travels in
        our log like any entry, so whoever replicates us carries it; it shows here at
        once (scanned right after publishing). Pictures (cleaned like a post's) and
        ``files`` ((name, bytes), any type, at most ``private_files.FILE_MAX`` each)
        become sealed blobs whose keys are inside the message (private_files.py)."""
        identity = self._require_identity()
        members = private.members_of(identity.account_id, recipients)
        private.Message(members, text or ".", reply_to).validate()  # before any file work
        if reply_to is not None:
            where = await self._run(self.store.message_conversation, reply_to)
            if where != private.conversation_id(members):
                raise NotFound(f"there is no message {ids.entry_text(reply_to)} "
                               "in this conversation")
        keys = await self._run(self._reader_keys, members)
        attachments = await self._seal_files(images_data, alt, files)
        message = private.Message(members, text, reply_to, attachments)
        body = private.seal(message, keys, identity.account_id, os.urandom)
        item = await self.publish(c.Sealed(c.Kind.PRIVATE, body))
        await self.scan_private()
        return item

    async def _seal_files(self, images_data: Sequence[bytes], alt: Sequence[str],
                          files: Sequence[tuple[str, bytes]],
                          ) -> tuple[PrivateAttachment, ...]:
        """Pictures (cleaned and scaled, as a post's) and files, each sealed under a
        fresh key and stored as a blob; all are checked before any is stored."""
        if len(images_data) + len(files) > c.ATTACHMENTS_MAX:
            raise ContentTooLarge(f"a message has at most {c.ATTACHMENTS_MAX} pictures "
                                  "and files")
        named = [(private_files.safe_name(name), data) for name, data in files]
        for name, data in named:
            private_files.check_size(len(data), name)
        prepared = []
        for index, data in enumerate(images_data):
            try:
                image = await self._run(images.prepare, data)
            except BadImage as exc:
                if len(images_data) == 1:
                    raise
                raise BadImage(f"image {index + 1}: {exc}") from None
            private_files.check_size(len(image.data), f"image {index + 1}")
            prepared.append(image)
        out = []
        for index, image in enumerate(prepared):
            blob, key = await self._seal_blob(image.data)
            out.append(PrivateAttachment(blob, key, image.mime, len(image.data), image.width,
                                         image.height, "", alt[index] if index < len(alt)
                                         else ""))
        for name, data in named:
            blob, key = await self._seal_blob(data)
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
            out.append(PrivateAttachment(blob, key, mime[:private_files.MIME_MAX], len(data),
                                         0, 0, name))
        return tuple(out)

    async def _seal_blob(self, data: bytes) -> tuple[bytes, bytes]:
        """(hash, key) of ``data`` sealed under a fresh key and stored as a blob."""
        key = os.urandom(private_files.KEY_LEN)
        sealed = await trio.to_thread.run_sync(private_files.encrypt, data, key)
        return await self._run(self.store.put_blob, sealed), key

    async def open_blob(self, digest: bytes, data: bytes) -> bytes | None:
        """A blob as a person sees it: the sealed blob of a private attachment we can
        read, opened with its key (with the first of its keys that opens it, when
        several entries name it; None when none does); any other blob as it is."""
        held = await self._run(self.store.private_file, digest)
        if not held:
            return data
        return await trio.to_thread.run_sync(_open_sealed, data, held)

    async def attachment(self, entry_id: bytes, n: int) -> FileView:
        """The ``n``-th picture or file (from 0) of a private entry we read."""
        found = await self._run(self.store.attachment, entry_id, n)
        if found is None:
            raise NotFound(f"there is no attachment {n + 1} on {ids.entry_text(entry_id)} "
                           "in this home")
        return found

    def _reader_keys(self, members: Sequence[bytes]) -> list[bytes]:
        """The encryption keys of ``members`` (ours from our keys, the others' from
        their device certificates); a member whose key is not here is refused."""
        identity = self._require_identity()
        keys = []
        for member in members:
            key = (identity.account.enc_public if member == identity.account_id
                   else self.store.enc_key(member))
            if key is None:
                raise UserError(f"{ids.account_text(member)} has no encryption key here yet: "
                                "follow them and sync first")
            keys.append(key)
        return keys

    async def scan_private(self, limit: int | None = None) -> int:
        """Open the private entries stored since the last scan (all, or about
        ``limit``), in batches of ``SCAN_BATCH``; emit ``MessageAdded`` for each
        message that became readable, after it is stored (none for a blocked author:
        their messages are stored, never shown or counted). Returns how many did. One
        scan at a time. A read-only node holds no keys: it scans nothing (0)."""
        if self.identity is None:
            return 0
        if self._opener is None:
            self._opener = private.opener(envelope.SealedReader(
                self.identity.account.enc_private))
        found = scanned = 0
        left: set[bytes] = set()
        async with self._scan_lock:
            while limit is None or scanned < limit:
                batch = SCAN_BATCH if limit is None else min(SCAN_BATCH, limit - scanned)
                # read (store worker), open (a thread of its own: trial decryption must
                # not hold up a sync's ingest on the one store worker), store (worker)
                sealed = await self._run(self.store.sealed_batch, batch)
                opened = await trio.to_thread.run_sync(open_batch, self._opener, sealed.rows)
                result = await self._run(self.store.apply_opened, sealed, opened)
                me = self.account_id
                blocked = set(await self.blocked()) if result.messages else set()
                news: list[Event] = [MessageAdded(m.conversation, m.entry_id, m.author, m.own)
                                     for m in result.messages if m.author not in blocked]
                news += [PostAdded(p.entry_id, p.author, p.ts, p.author == me, p.parent)
                         for p in result.posts]
                if result.joined:  # a community key, from this device or another
                    await self._run(self._sign_own_lines_now)
                news += [RosterChanged(cid) for cid in result.joined]
                news += [MessageReacted(cid, target) for cid, target in result.reacted]
                if result.notified:
                    news.append(Notified(result.notified))
                self.events.emit(news)
                found += len(result.messages)
                scanned += result.scanned
                left.update(result.left)
                if result.done:
                    break
        for group_id in sorted(left):  # a member of our group left: a key they lack
            _admin, *_, members = await self._group(group_id)
            await self._next_epoch(group_id, members)
        return found

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

    async def conversations(self) -> list[ConversationView]:
        """Direct conversations, the one with the newest message first."""
        return await self._run(self.store.conversations)

    async def conversation(self, conversation_id: bytes, limit: int = 50,
                           before: Cursor | None = None) -> MessagePage:
        """A conversation's (or a group's) messages, newest first, keyset paged."""
        page = await self._run(self.store.conversation, conversation_id, limit, before)
        if page is None:
            raise NotFound("there is no conversation with that id in this home")
        return page

    async def mark_conversation_read(self, conversation_id: bytes) -> None:
        """Every message stored so far in that conversation counts as read (locally)."""
        self._require_identity()  # a write: not from a read-only node
        if not await self._run(self.store.mark_conversation_read, conversation_id):
            raise NotFound("there is no conversation with that id in this home")

    async def unread_messages(self, cap: int = 99) -> int:
        """Unread messages by others in all conversations and groups, at most ``cap``."""
        return await self._run(self.store.unread_messages, cap)

    # --- private groups (issue 5; private.py, store/inbox.py) ------------------------
    # The creator (admin) hands out one key per epoch in PRIVATE entries to that
    # epoch's members; posts are GROUP entries under the newest key. Every change of
    # membership starts a new epoch whose key only the new members receive: a removed
    # member reads nothing written after, a new member nothing written before.

    async def create_group(self, name: str, members: Sequence[bytes]) -> bytes:
        """Create a group with ``members`` (other accounts) and this account as its
        admin; returns its id. Their keys must be here, as for a direct message."""
        identity = self._require_identity()
        private.check_group_name(name.strip())
        salt = os.urandom(private.ID_LEN)
        group_id = private.group_id_of(identity.account_id, salt)
        await self._send_group_key(private.GroupKey(
            group_id, salt, 0, os.urandom(envelope.KEY_LEN), name.strip(),
            tuple(sorted({*members, identity.account_id}))))
        return group_id

    async def group_post(self, group_id: bytes, text: str,
                         reply_to: bytes | None = None, *,
                         images_data: Sequence[bytes] = (), alt: Sequence[str] = (),
                         files: Sequence[tuple[str, bytes]] = ()) -> Entry:
        """Post ``text`` in a group, under its newest key, with pictures and files
        sealed as a direct message's are."""
        await self._group(group_id)  # a group we know, before any file work
        private.GroupPost(text or ".", reply_to).validate()
        attachments = await self._seal_files(images_data, alt, files)
        return await self._in_group(group_id, private.GroupPost(text, reply_to, attachments),
                                    reply_to)

    async def react_in_group(self, group_id: bytes, target: bytes, emoji: str, *,
                             undo: bool = False) -> Entry:
        """React to a message of a group with ``emoji`` (or take it back), under the
        group's newest key: members see it, carriers see a group entry."""
        return await self._in_group(
            group_id, private.GroupReaction(c.Reaction(target, emoji, undo)), target)

    async def _in_group(self, group_id: bytes, value: private.GroupPost | private.GroupReaction,
                        about: bytes | None) -> Entry:
        """Write ``value`` in a group we are a member of, under its newest key; ``about``
        (a message replied or reacted to) must be one of the group's."""
        identity = self._require_identity()
        _admin, _name, epoch, key, salt, member, _members = await self._group(group_id)
        if not member:
            raise UserError("you are no longer a member of this group")
        if salt == private.CIRCLE_SALT:
            raise UserError("that is a followers-only circle, not a chat: use post_to_circle")
        value.validate()
        if about is not None and await self._run(self.store.message_conversation,
                                                 about) != group_id:
            raise NotFound(f"there is no message {ids.entry_text(about)} in this group")
        body = private.seal_group(value, group_id, epoch, key, identity.account_id,
                                  os.urandom)
        item = await self.publish(c.Sealed(c.Kind.GROUP, body))
        await self.scan_private()
        return item

    async def add_member(self, group_id: bytes, account: bytes) -> None:
        """Add ``account`` (admin only): a new epoch, its key to every member."""
        members = await self._admin_members(group_id)
        if account in members:
            raise UserError("that account is already a member of this group")
        await self._next_epoch(group_id, (*members, account))

    async def remove_member(self, group_id: bytes, account: bytes) -> None:
        """Remove ``account`` (admin only): a new epoch whose key it never receives."""
        members = await self._admin_members(group_id)
        if account == self.account_id:
            raise UserError("you created this group: you cannot remove yourself")
        if account not in members:
            raise UserError("that account is not a member of this group")
        await self._next_epoch(group_id, tuple(m for m in members if m != account))

    async def leave_group(self, group_id: bytes) -> None:
        """Leave a group: says so in it, and this account stops posting there. The
        admin's node starts a new epoch without us when its scan reads that (until
        then we could still read: the key we hold is the key we hold). Leaving a
        community stops this node replicating its members; anyone may leave one,
        its creator too."""
        identity = self._require_identity()
        admin, _name, epoch, key, _salt, member, _members = await self._group(group_id)
        if admin == identity.account_id and not await self._run(self.store.is_community,
                                                                 group_id):
            raise UserError("you created this group: remove its members instead")
        if not member:
            raise UserError("you are no longer a member of this group")
        body = private.seal_group(private.GroupLeave(), group_id, epoch, key,
                                  identity.account_id, os.urandom)
        await self.publish(c.Sealed(c.Kind.GROUP, body))
        await self.scan_private()

    async def groups(self) -> list[GroupView]:
        """Groups this account holds a key for, the one with the newest message first."""
        return await self._run(self.store.groups)

    async def group_messages(self, group_id: bytes, limit: int = 50,
                             before: Cursor | None = None) -> MessagePage:
        """A group's messages, newest first, keyset paged (as ``conversation``)."""
        await self._group(group_id)
        return await self.conversation(group_id, limit, before)

    async def _group(self, group_id: bytes) -> GroupState:
        state = await self._run(self.store.group_state, group_id)
        if state is None:
            raise NotFound("there is no group with that id in this home")
        return state

    async def _admin_members(self, group_id: bytes) -> tuple[bytes, ...]:
        admin, *_, members = await self._group(group_id)
        if await self._run(self.store.is_community, group_id):
            raise UserError("anyone on the LAN may join an open community: "
                            "nobody adds or removes its members")
        if admin != self._require_identity().account_id:
            raise UserError("only the group's creator can add or remove members")
        return members

    async def _next_epoch(self, group_id: bytes, members: Sequence[bytes]) -> None:
        _admin, name, epoch, _key, salt, _member, _old = await self._group(group_id)
        await self._send_group_key(private.GroupKey(
            group_id, salt, epoch + 1, os.urandom(envelope.KEY_LEN), name,
            tuple(sorted(members))))

    async def _send_group_key(self, value: private.GroupKey) -> None:
        """Seal one epoch's key to its members, ``MAX_RECIPIENTS`` others (and
        ourselves) per PRIVATE entry; every key is checked before anything is sent."""
        identity = self._require_identity()
        me = identity.account_id
        if len(value.members) > private.MAX_GROUP_MEMBERS:
            raise ContentTooLarge(f"a group has at most {private.MAX_GROUP_MEMBERS} members; "
                                  f"this one would have {len(value.members)}")
        value.validate()
        keys = dict(zip(value.members, await self._run(self._reader_keys, value.members),
                        strict=True))
        others = [m for m in value.members if m != me]
        step = private.MAX_RECIPIENTS
        for start in range(0, max(1, len(others)), step):
            readers = [keys[me], *(keys[m] for m in others[start:start + step])]
            await self.publish(c.Sealed(c.Kind.PRIVATE,
                                        private.seal(value, readers, me, os.urandom)))
        await self.scan_private()

    # --- followers-only posts (issue 5; private.CirclePost, store/circles.py) ----------
    # A circle is this account's private group (private.circle_id): its members are
    # the approved followers, its keys go out per epoch like any group's, revoking is
    # removing a member (a new epoch). Its posts are GROUP entries that the private
    # scan of a member turns into timeline posts (PostView.audience == "circle").

    async def approve_follower(self, account: bytes) -> None:
        """Let ``account`` read this account's followers-only posts from now on (not
        the earlier ones: the group history policy). Creates the circle on first use;
        nothing happens when it is already approved. Its encryption key must be here
        (follow it and sync first, as for a direct message)."""
        self._not_me(account, "approve")
        state = await self._run(self.store.group_state, self._circle_id())
        if state is None:
            await self._send_group_key(self._circle_key(0, (account,)))
        elif account not in state[-1]:
            await self.add_member(self._circle_id(), account)

    async def revoke_follower(self, account: bytes) -> None:
        """Stop ``account`` reading followers-only posts written from now on (a new
        epoch whose key it never receives; what it read stays read). Nothing happens
        when it is not approved."""
        self._not_me(account, "revoke")
        if account in await self.circle_members():
            await self.remove_member(self._circle_id(), account)

    async def circle_members(self) -> list[bytes]:
        """The approved followers (this account left out), in account order; [] before
        the first approval."""
        state = await self._run(self.store.group_state, self._circle_id())
        return [] if state is None else [m for m in state[-1] if m != self.account_id]

    async def post_to_circle(self, text: str, *, reply_to: bytes | None = None,
                             content_warning: str | None = None,
                             images_data: Sequence[bytes] = (),
                             alt: Sequence[str] = ()) -> Entry:
        """Post ``text`` for the approved followers only. It is in our timeline and
        profile at once; members see it after their private scan, others see nothing.
        Its images are sealed blobs (private_files.py), their keys inside the post.
        Posting before any approval makes a circle of one."""
        identity = self._require_identity()
        draft = await self._draft(text, reply_to, content_warning)
        if len(images_data) > c.ATTACHMENTS_MAX:
            raise ContentTooLarge(f"a post has at most {c.ATTACHMENTS_MAX} images")
        (replace(draft, text=text or "(image)") if images_data else draft).validate()
        sealed = await self._seal_files(images_data, alt, ())
        value = private.CirclePost(
            replace(draft, attachments=tuple(
                c.Attachment(a.blob, a.mime, a.size, a.width, a.height, a.alt)
                for a in sealed)),
            tuple(a.key for a in sealed))
        value.validate()
        gid = self._circle_id()
        if await self._run(self.store.group_state, gid) is None:
            await self._send_group_key(self._circle_key(0, ()))
        _admin, _name, epoch, key, _salt, _member, _members = await self._group(gid)
        body = private.seal_group(value, gid, epoch, key, identity.account_id, os.urandom)
        item = await self.publish(c.Sealed(c.Kind.GROUP, body))
        await self.scan_private()
        return item

    def _circle_id(self) -> bytes:
        return private.circle_id(self.account_id)

    def _circle_key(self, epoch: int, others: Sequence[bytes]) -> private.GroupKey:
        return private.GroupKey(self._circle_id(), private.CIRCLE_SALT, epoch,
                                os.urandom(envelope.KEY_LEN), private.CIRCLE_NAME,
                                tuple(sorted({*others, self.account_id})))

    # --- open LAN communities (issue 5; store/communities.py, net/community.py) -------
    # A community is a group with one key that any member gives anyone on the LAN who
    # asks; every member replicates everyone on its roster, so its posts travel among
    # people who follow nobody. Posting, reading and leaving are the group methods.

    async def create_community(self, name: str) -> bytes:
        """Start an open community called ``name``; returns its id."""
        me = self._require_identity().account_id
        private.check_group_name(name.strip())
        salt = os.urandom(private.ID_LEN)
        await self.join_community(private.CommunityKey(
            private.group_id_of(me, salt), salt, me, os.urandom(envelope.KEY_LEN),
            name.strip()))
        return private.group_id_of(me, salt)

    async def join_community(self, value: private.CommunityKey,
                             lines: Sequence[Join] = ()) -> Merged:
        """Become a member of the community ``value`` (from a member: the LAN's
        community protocol, or an invite), with the roster that member gave (``lines``,
        checked here: what does not verify is counted in the result, for the caller to
        hold against whoever sent it). The key is written to ourselves in a PRIVATE
        entry, so every device of this account learns it as it learns a group key, and
        this device signs the account's roster line. ``RosterFull`` when the roster
        has no room for us. Joining again after leaving is allowed."""
        identity = self._require_identity()
        value.validate()
        cid = value.community_id
        if await self._run(self.store.group_state, cid) is not None and not await self._run(
                self.store.is_community, cid):
            raise UserError("that id is one of your private groups, not a community")
        good, forged = await self._run(roster.checked, lines)
        accounts = {line.account for line in good}
        if identity.account_id not in accounts and len(accounts) >= roster.MAX_MEMBERS:
            raise roster.RosterFull(value.name)
        if not any(info.id == cid for info in await self.communities()):
            body = private.seal(value, [identity.account.enc_public], identity.account_id,
                                os.urandom)
            await self.publish(c.Sealed(c.Kind.PRIVATE, body))
            await self.scan_private()  # which signs our line
        await self._run(self._sign_own_lines_now)
        held = await self._run(self.store.roster_accounts, cid) or set()
        fresh = [line for line in good if line.account not in held]
        added = await self._run(self.store.add_roster_lines, cid, fresh)
        self.events.emit([RosterChanged(cid)])  # what we replicate changed, at least
        return Merged(tuple(added), forged, len(fresh) - len(added))

    async def communities(self) -> list[CommunityInfo]:
        """The communities this account is in (left ones not), by name, with their key
        and roster: what the community protocol hands a joiner."""
        return await self._run(self.store.communities)

    async def merge_roster(self, community_id: bytes, lines: Sequence[Join]) -> Merged:
        """Put the lines a fellow member sent onto a community's roster, as far as
        there is room (``roster.admit``); a line is checked only if it would be added,
        and the first that does not verify ends the check. ``RosterChanged`` follows
        when accounts were added."""
        self._require_identity()
        merged = await self._run(self._merge_now, community_id, list(lines))
        if merged.added:
            self.events.emit([RosterChanged(community_id)])
        return merged

    def _merge_now(self, community_id: bytes, lines: list[Join]) -> Merged:
        held = self.store.roster_accounts(community_id)
        if held is None:  # not a community we are in: nothing to learn
            return Merged()
        fresh = [line for line in lines if line.account not in held]
        good, forged = roster.checked(roster.admit(held, fresh))
        added = self.store.add_roster_lines(community_id, good) if good else []
        return Merged(tuple(added), forged, len(fresh) - len(good) - forged)

    def _sign_own_lines_now(self) -> list[bytes]:
        """Sign this account's line on the roster of every community it is in that
        lacks one (a community just joined, on this device or another of the account's;
        a store from before rosters were signed); the communities signed."""
        identity = self.identity
        if identity is None:
            return []
        signed = []
        for info in self.store.communities():
            if identity.account_id not in info.members and not info.full:
                line = roster.sign_join(identity.device, identity.cert, info.id, self.clock())
                if self.store.add_roster_lines(info.id, [line]):
                    signed.append(info.id)
        return signed

    # --- notifications and people (the desktop app) --------------------------------

    async def notifications(self, limit: int = 50,
                            before: Cursor | None = None) -> NotificationPage:
        """Mentions, replies, reactions and follows of this account, newest first
        (keyset paged like the timelines), without blocked accounts."""
        return await self._run(self.store.notifications, limit, before)

    async def unread_notifications(self, cap: int = 99) -> int:
        """How many notifications are unread, counting at most ``cap`` (a badge)."""
        return await self._run(self.store.unread_notifications, cap)

    async def mark_notifications_read(self) -> None:
        """Everything stored so far counts as read (a watermark in the store)."""
        self._require_identity()  # a write: not from a read-only node
        await self._run(self.store.mark_notifications_read)

    async def relation(self, account: bytes) -> Relation:
        """Whether this account follows ``account``, is followed by it, blocked it."""
        return await self._run(self.store.relation, account)

    async def find_accounts(self, text: str, limit: int = 10) -> list[ProfileView]:
        """Profiles whose name starts with ``text`` (any case), then those that hold it:
        for @-mention completion and the people view."""
        return await self._run(self.store.find_accounts, text, limit)

    async def resolve_mentions(self, text: str) -> str:
        """``text`` with each ``@Name`` written as the ``@p2ps1...`` id of the one account
        of that name this home knows (its whole name, or else its first word, in any
        case); a ``UserError`` names the cause when nobody or several are called so."""
        found: dict[str, bytes] = {}
        for name in c.named_mentions(text):
            folded = name.casefold()
            known = await self.find_accounts(name, 50)
            named = [p for p in known if (p.name or "").casefold() == folded] or [
                p for p in known if (p.name or "").casefold().split()[:1] == [folded]]
            if not named:
                raise UserError(f"nobody called {name!r} is known to this home: write @ and "
                                "their account id (p2ps1...) instead")
            if len(named) > 1:
                who = " or ".join(f"{p.name} ({ids.account_text(p.account)[:14]}...)"
                                  for p in named[:3])
                raise UserError(f"@{name} could be {who}: write @ and the account id instead")
            found[name] = named[0].account
        return c.replace_named_mentions(text, found)

    async def wanted_accounts(self, hops: int = 2) -> set[bytes]:
        """The accounts whose logs this node replicates: its own, the accounts it
        follows, and theirs up to ``hops`` steps away, and the rosters of its
        communities (at any ``hops``: live gossip asks for 1); never one it has blocked. What
        a node replicates it stores even when it cannot read it (store-and-forward)."""
        return await self._run(self._wanted_accounts, hops)

    def _wanted_accounts(self, hops: int) -> set[bytes]:
        me = self.account_id
        blocked = set(self.store.blocked(me))
        wanted = {me}
        frontier = {me}
        for _ in range(max(0, hops)):
            frontier = {f for a in frontier for f in self.store.following(a)} - wanted - blocked
            wanted |= frontier
        return wanted | (self.store.community_replicated() - blocked)

    async def logs(self) -> list[tuple[bytes, bytes, int]]:
        """(device, account, head seq) of every log held."""
        return await self._run(self.store.devices)

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
        we replicate at ``hops`` (store/blob_wants.py). Held ones are left out."""
        def wanted() -> list[WantedBlob]:
            return self.store.wanted_blobs(self._wanted_accounts(hops), budget, limit)
        return await self._run(wanted)

    async def verify(self, full: bool = False) -> list[Problem]:
        return await self._run(self.store.verify, full)

    async def stats(self) -> dict[str, int]:
        """How much this home holds: entries, logs, accounts, blobs."""
        return await self._run(self.store.stats)

    # --- keys (the app's settings) --------------------------------------------------
    # Argon2id takes a second or so: these run in a worker thread of their own, so
    # store work goes on meanwhile, and one at a time, so two changes cannot interleave.

    async def has_passphrase(self) -> bool:
        """Whether the key file is sealed with a passphrase (else nothing to ask)."""
        return await self._keys(lambda: keyfile.is_encrypted(self.home.read_keys()))

    async def check_passphrase(self, passphrase: str | None) -> bool:
        """Whether the key file opens with ``passphrase``. A key file without a
        passphrase opens with anything, as ``keyfile.load`` does."""
        try:
            await self._keys(self._load_keys, passphrase)
        except (WrongPassphrase, PassphraseRequired):
            return False
        return True

    async def change_passphrase(self, old: str | None, new: str | None, **kdf: Any) -> None:
        """Seal the key file with ``new`` (None or "": keys in the clear), after
        ``old`` opened it; ``WrongPassphrase`` if it does not. Written atomically."""
        def change() -> None:
            identity = self._load_keys(old)
            self.home.write_keys(_dump_keys(identity, new or None, **kdf))

        await self._keys(change)

    async def recovery_phrase(self, passphrase: str | None) -> str:
        """The 24 words of the account's root seed, once ``passphrase`` opens the key
        file (``WrongPassphrase`` otherwise): showing them needs what opening does."""
        identity = await self._keys(self._load_keys, passphrase)
        return phrase.to_phrase(identity.account.root_seed)

    async def _keys(self, fn: Callable[..., T], *args: Any) -> T:
        return await trio.to_thread.run_sync(fn, *args, limiter=self._keys_limiter)

    def _load_keys(self, passphrase: str | None) -> Identity:
        """The identity in the key file, which must be this node's."""
        identity = keyfile.load(self.home.read_keys(), passphrase)
        if identity.account_id != self._require_identity().account_id:
            raise HomeError(f"the key file in {self.home.path} belongs to another account")
        return identity

    # --- the address book (issue 3: net/service.py, the CLI) ---------------------
    # Pass-throughs to the store's peers table, run in the store's worker thread.

    async def peers(self) -> list[PeerRecord]:
        return await self._run(self.store.peers)

    async def peer(self, device: bytes) -> PeerRecord | None:
        return await self._run(self.store.peer, device)

    async def add_peer(self, device: bytes, addrs: Sequence[str], source: str,
                       trust: Trust = Trust.GIVEN) -> PeerRecord:
        """Remember how to reach ``device`` at ``addrs``, as far as ``trust`` goes (an
        address heard on the LAN never pushes out one that worked); see Store.add_peer."""
        if self.identity is not None and device == self.identity.device_id:
            raise UserError("that is this node itself")
        return await self._run(self.store.add_peer, device, list(addrs), source, trust)

    async def peer_moved(self, device: bytes, addrs: Sequence[str], source: str) -> PeerRecord:
        """``device`` signed a newer record of its addresses: see Store.peer_moved."""
        return await self._run(self.store.peer_moved, device, list(addrs), source)

    async def update_peer(self, device: bytes, **fields: int | None) -> None:
        await self._run(lambda: self.store.update_peer(device, **fields))


    # --- address records (issue 13: address_record.py, net/address_exchange.py) -------

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


def _open_sealed(data: bytes, keys: Sequence[tuple[bytes, int]]) -> bytes | None:
    """``data`` opened by the first of ``keys`` ((key, size)) that opens it, if any."""
    for key, size in keys:
        try:
            return private_files.decrypt(data, key, size)
        except DecryptionFailed:
            continue
    return None


def _dump_keys(identity: Identity, passphrase: str | None, **kdf: Any) -> bytes:
    if passphrase is None:
        return keyfile.dump(identity, None)
    return keyfile.dump(identity, passphrase, salt=os.urandom(16), nonce=os.urandom(24), **kdf)


def read_file(path: str | Path, what: str) -> bytes:
    """Bytes of a file a person named, or a ``UserError`` that says what went wrong."""
    try:
        return Path(path).expanduser().read_bytes()
    except FileNotFoundError:
        raise UserError(f"cannot read {what} {path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"cannot read {what} {path}: it is a folder") from None
    except OSError as exc:
        raise UserError(f"cannot read {what} {path}: {exc.strerror}") from None
