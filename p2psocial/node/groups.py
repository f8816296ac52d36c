"""Private groups (issue 5; private.py, store/inbox.py).

The creator (admin) hands out one key per epoch in PRIVATE entries to that epoch's
members; posts are GROUP entries under the newest key. Every change of membership
starts a new epoch whose key only the new members receive: a removed member reads
nothing written after, a new member nothing written before. Circles (circles.py)
and communities (communities.py) are groups too and use ``state`` and ``send_key``."""

from __future__ import annotations

from collections.abc import Sequence

from .. import content as c
from .. import envelope, ids, private
from ..entry import Entry
from ..errors import ContentTooLarge, NotFound, UserError
from ..store import Cursor, GroupView, MessagePage
from ..store.views import GroupState
from .kernel import Kernel, Service
from .messages import Messages


class Groups(Service):
    def __init__(self, kernel: Kernel, messages: Messages) -> None:
        super().__init__(kernel)
        self._messages = messages

    async def create(self, name: str, members: Sequence[bytes]) -> bytes:
        """Create a group with ``members`` (other accounts) and this account as its
        admin; returns its id. Their keys must be here, as for a direct message."""
        identity = self._require_identity()
        private.check_group_name(name.strip())
        salt = self.random(private.ID_LEN)
        group_id = private.group_id_of(identity.account_id, salt)
        await self.send_key(private.GroupKey(
            group_id, salt, 0, self.random(envelope.KEY_LEN), name.strip(),
            tuple(sorted({*members, identity.account_id}))))
        return group_id

    async def post(self, group_id: bytes, text: str,
                   reply_to: bytes | None = None, *,
                   images_data: Sequence[bytes] = (), alt: Sequence[str] = (),
                   files: Sequence[tuple[str, bytes]] = ()) -> Entry:
        """Post ``text`` in a group, under its newest key, with pictures and files
        sealed as a direct message's are."""
        await self.state(group_id)  # a group we know, before any file work
        private.GroupPost(text or ".", reply_to).validate()
        attachments = await self._messages.seal_files(images_data, alt, files)
        return await self._in_group(group_id, private.GroupPost(text, reply_to, attachments),
                                    reply_to)

    async def react(self, group_id: bytes, target: bytes, emoji: str, *,
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
        group = await self.state(group_id)
        if not group.member:
            raise UserError("you are no longer a member of this group")
        if group.salt == private.CIRCLE_SALT:
            raise UserError("that is a followers-only circle, not a chat: use post_to_circle")
        value.validate()
        if about is not None and await self._run(self.store.inbox.message_conversation,
                                                 about) != group_id:
            raise NotFound(f"there is no message {ids.entry_text(about)} in this group")
        body = private.seal_group(value, group_id, group.epoch, group.key,
                                  identity.account_id, self.random)
        item = await self.publish(c.Sealed(c.Kind.GROUP, body))
        await self._messages.scan()
        return item

    async def add_member(self, group_id: bytes, account: bytes) -> None:
        """Add ``account`` (admin only): a new epoch, its key to every member."""
        members = await self._admin_members(group_id)
        if account in members:
            raise UserError("that account is already a member of this group")
        await self.next_epoch(group_id, (*members, account))

    async def remove_member(self, group_id: bytes, account: bytes) -> None:
        """Remove ``account`` (admin only): a new epoch whose key it never receives."""
        members = await self._admin_members(group_id)
        if account == self.account_id:
            raise UserError("you created this group: you cannot remove yourself")
        if account not in members:
            raise UserError("that account is not a member of this group")
        await self.next_epoch(group_id, tuple(m for m in members if m != account))

    async def leave(self, group_id: bytes) -> None:
        """Leave a group: says so in it, and this account stops posting there. The
        admin's node starts a new epoch without us when its scan reads that (until
        then we could still read: the key we hold is the key we hold). Leaving a
        community stops this node replicating its members; anyone may leave one,
        its creator too."""
        identity = self._require_identity()
        group = await self.state(group_id)
        if group.admin == identity.account_id and not await self._run(self.store.is_community,
                                                                 group_id):
            raise UserError("you created this group: remove its members instead")
        if not group.member:
            raise UserError("you are no longer a member of this group")
        body = private.seal_group(private.GroupLeave(), group_id, group.epoch, group.key,
                                  identity.account_id, self.random)
        await self.publish(c.Sealed(c.Kind.GROUP, body))
        await self._messages.scan()

    async def list(self) -> list[GroupView]:
        """Groups this account holds a key for, the one with the newest message first."""
        return await self._run(self.store.groups)

    async def messages(self, group_id: bytes, limit: int = 50,
                       before: Cursor | None = None) -> MessagePage:
        """A group's messages, newest first, keyset paged (as ``conversation``)."""
        await self.state(group_id)
        return await self._messages.conversation(group_id, limit, before)

    async def state(self, group_id: bytes) -> GroupState:
        state = await self._run(self.store.inbox.group_state, group_id)
        if state is None:
            raise NotFound("there is no group with that id in this home")
        return state

    async def _admin_members(self, group_id: bytes) -> tuple[bytes, ...]:
        group = await self.state(group_id)
        if await self._run(self.store.is_community, group_id):
            raise UserError("anyone on the LAN may join an open community: "
                            "nobody adds or removes its members")
        if group.admin != self._require_identity().account_id:
            raise UserError("only the group's creator can add or remove members")
        return group.members

    async def rekey_without(self, group_id: bytes) -> None:
        """A member left ``group_id`` (the private scan read it): a new epoch for the
        members that stay, whose key the leaver never receives."""
        await self.next_epoch(group_id, (await self.state(group_id)).members)

    async def next_epoch(self, group_id: bytes, members: Sequence[bytes]) -> None:
        group = await self.state(group_id)
        await self.send_key(private.GroupKey(
            group_id, group.salt, group.epoch + 1, self.random(envelope.KEY_LEN), group.name,
            tuple(sorted(members))))

    async def send_key(self, value: private.GroupKey) -> None:
        """Seal one epoch's key to its members, ``MAX_RECIPIENTS`` others (and
        ourselves) per PRIVATE entry; every key is checked before anything is sent."""
        identity = self._require_identity()
        me = identity.account_id
        if len(value.members) > private.MAX_GROUP_MEMBERS:
            raise ContentTooLarge(f"a group has at most {private.MAX_GROUP_MEMBERS} members; "
                                  f"this one would have {len(value.members)}")
        value.validate()
        keys = dict(zip(value.members, await self._run(self._messages.reader_keys, value.members),
                        strict=True))
        others = [m for m in value.members if m != me]
        step = private.MAX_RECIPIENTS
        for start in range(0, max(1, len(others)), step):
            readers = [keys[me], *(keys[m] for m in others[start:start + step])]
            await self.publish(c.Sealed(c.Kind.PRIVATE,
                                        private.seal(value, readers, me, self.random)))
        await self._messages.scan()
