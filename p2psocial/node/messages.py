"""Direct messages and the private scan: sealing a message, its pictures and files
to its readers, and opening what arrived sealed (private.py, store/inbox.py).

The scan is the one place sealed entries are opened. What it learns about keys
(a community joined, a member who left a group) is not its business: the services
that own those keys register handlers (``on_keys``), wired by the node (root.py),
so this module depends on none of them."""

from __future__ import annotations

import mimetypes
from collections.abc import Awaitable, Callable, Sequence

import nacl.public
import trio

from .. import content as c
from .. import crypto, envelope, ids, images, private, private_files
from ..entry import Entry
from ..errors import BadImage, ContentTooLarge, DecryptionFailed, NotFound, UserError
from ..events import Event, MessageAdded, MessageReacted, Notified, PostAdded, RosterChanged
from ..private_files import PrivateAttachment
from ..store import ConversationView, Cursor, FileView, MessagePage
from ..store.inbox import open_batch
from .kernel import Kernel, Service

SCAN_BATCH = 1000
"""Sealed entries opened per trip to the store's worker thread (~50 ms of X25519 at
most): a long private scan lets other store work in between its batches."""


async def _nothing() -> None:
    return None


async def _nothing_for(_group_id: bytes) -> None:
    return None


class Messages(Service):
    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self._scan_lock = trio.Lock()  # one private scan at a time
        self._opener: private.Opener | None = None
        self._joined: Callable[[], Awaitable[object]] = _nothing
        self._left: Callable[[bytes], Awaitable[object]] = _nothing_for

    def on_keys(self, *, joined: Callable[[], Awaitable[object]],
                left: Callable[[bytes], Awaitable[object]]) -> None:
        """What the scan does with what it learned about keys: ``joined()`` after a
        batch that opened a community key (the roster wants our line), ``left(group)``
        after the scan for each group of ours a member left (a new epoch without them).
        The services that own those keys provide them; the node wires them."""
        self._joined = joined
        self._left = left

    async def send(self, recipients: Sequence[bytes], text: str,
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
            where = await self._run(self.store.inbox.message_conversation, reply_to)
            if where != private.conversation_id(members):
                raise NotFound(f"there is no message {ids.entry_text(reply_to)} "
                               "in this conversation")
        keys = await self._run(self.reader_keys, members)
        attachments = await self.seal_files(images_data, alt, files)
        message = private.Message(members, text, reply_to, attachments)
        body = private.seal(message, keys, identity.account_id, self.random)
        item = await self.publish(c.Sealed(c.Kind.PRIVATE, body))
        await self.scan()
        return item

    async def seal_files(self, images_data: Sequence[bytes], alt: Sequence[str],
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
        key = self.random(private_files.KEY_LEN)
        sealed = await trio.to_thread.run_sync(private_files.encrypt, data, key)
        return await self._run(self.store.put_blob, sealed), key

    async def open_blob(self, digest: bytes, data: bytes) -> bytes | None:
        """A blob as a person sees it: the sealed blob of a private attachment we can
        read, opened with its key (with the first of its keys that opens it, when
        several entries name it; None when none does); any other blob as it is."""
        held = await self._run(self.store.inbox.private_file, digest)
        if not held:
            return data
        return await trio.to_thread.run_sync(_open_sealed, data, held)

    async def attachment(self, entry_id: bytes, n: int) -> FileView:
        """The ``n``-th picture or file (from 0) of a private entry we read."""
        found = await self._run(self.store.inbox.attachment, entry_id, n)
        if found is None:
            raise NotFound(f"there is no attachment {n + 1} on {ids.entry_text(entry_id)} "
                           "in this home")
        return found

    def reader_keys(self, members: Sequence[bytes]) -> list[bytes]:
        """The encryption keys of ``members``, from their device certificates and the
        newest revocation of each (store/revocations.py); a member whose key is not
        here is refused."""
        identity = self._require_identity()
        keys = []
        for member in members:
            key = self.store.enc_key(member)  # ours too: a revocation rotates it
            if key is None and member == identity.account_id:
                key = identity.enc_public
            if key is None:
                raise UserError(f"{ids.account_text(member)} has no encryption key here yet: "
                                "follow them and sync first")
            keys.append(key)
        return keys

    async def scan(self, limit: int | None = None) -> int:
        """Open the private entries stored since the last scan (all, or about
        ``limit``), in batches of ``SCAN_BATCH``; emit ``MessageAdded`` for each
        message that became readable, after it is stored (none for a blocked author:
        their messages are stored, never shown or counted). Returns how many did. One
        scan at a time. A read-only node holds no keys: it scans nothing (0)."""
        if self.identity is None:
            return 0
        if self._opener is None:
            self._opener = private.opener(*await self._readers())
        found = scanned = 0
        left: set[bytes] = set()
        async with self._scan_lock:
            while limit is None or scanned < limit:
                batch = SCAN_BATCH if limit is None else min(SCAN_BATCH, limit - scanned)
                # read (store worker), open (a thread of its own: trial decryption must
                # not hold up a sync's ingest on the one store worker), store (worker)
                sealed = await self._run(self.store.inbox.sealed_batch, batch)
                opened = await trio.to_thread.run_sync(open_batch, self._opener, sealed.rows)
                result = await self._run(self.store.apply_opened, sealed, opened)
                me = self.account_id
                blocked = (set(await self._run(self.store.blocked, me)) if result.messages
                           else set())
                news: list[Event] = [MessageAdded(m.conversation, m.entry_id, m.author, m.own)
                                     for m in result.messages if m.author not in blocked]
                news += [PostAdded(p.entry_id, p.author, p.ts, p.author == me, p.parent)
                         for p in result.posts]
                if result.joined:  # a community key, from this device or another
                    await self._joined()
                news += [RosterChanged(cid) for cid in result.joined]
                news += [RosterChanged(cid) for cid in result.moderated]  # issue 17
                news += [MessageReacted(cid, target) for cid, target in result.reacted]
                if result.notified:
                    news.append(Notified(result.notified))
                self.events.emit(news)
                found += len(result.messages)
                scanned += result.scanned
                if result.account_keys:  # a revocation rotated our key: read with it too
                    self._opener = private.opener(*await self._readers())
                left.update(result.left)
                if result.done:
                    break
        for group_id in sorted(left):  # a member of our group left: a key they lack
            await self._left(group_id)
        return found

    def keys_changed(self) -> None:
        """Our account's keys changed (a revocation made one here): the next scan
        opens with the new set."""
        self._opener = None

    async def _readers(self) -> list[envelope.SealedReader]:
        """Our keys for the private scan, the likeliest first: the account's newest
        encryption key, the older ones, then this device's own and, on a device that
        keeps the account key, the recovery key (a revocation seals the account's new
        key to both: node/devices.py)."""
        identity = self._require_identity()
        rotated = await self._run(self.store.device_book.account_keys)
        seeds = dict.fromkeys([*(seed for _, seed in reversed(rotated)),
                               *reversed(identity.enc_seeds)])
        readers = [*(envelope.SealedReader(nacl.public.PrivateKey(seed)) for seed in seeds),
                   envelope.SealedReader(crypto.device_box_private(identity.device.seed))]
        if identity.root is not None:  # a restore reads the keys rotated before it
            readers.append(envelope.SealedReader(identity.root.recovery_private))
        return readers

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

    async def mark_read(self, conversation_id: bytes) -> None:
        """Every message stored so far in that conversation counts as read (locally)."""
        self._require_identity()  # a write: not from a read-only node
        if not await self._run(self.store.inbox.mark_read, conversation_id):
            raise NotFound("there is no conversation with that id in this home")

    async def unread(self, cap: int = 99) -> int:
        """Unread messages by others in all conversations and groups, at most ``cap``."""
        return await self._run(self.store.unread_messages, cap)


def _open_sealed(data: bytes, keys: Sequence[tuple[bytes, int]]) -> bytes | None:
    """``data`` opened by the first of ``keys`` ((key, size)) that opens it, if any."""
    for key, size in keys:
        try:
            return private_files.decrypt(data, key, size)
        except DecryptionFailed:
            continue
    return None
