"""Followers-only posts (issue 5; private.CirclePost, store/circles.py).

A circle is this account's private group (private.circle_id): its members are the
approved followers, its keys go out per epoch like any group's (groups.py),
revoking is removing a member (a new epoch). Its posts are GROUP entries that the
private scan of a member turns into timeline posts (PostView.audience == "circle")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .. import content as c
from .. import envelope, private
from ..entry import Entry
from ..errors import ContentTooLarge
from .groups import Groups
from .kernel import Kernel, Service
from .messages import Messages
from .posts import Posts


class Circles(Service):
    def __init__(self, kernel: Kernel, posts: Posts, messages: Messages,
                 groups: Groups) -> None:
        super().__init__(kernel)
        self._posts = posts
        self._messages = messages
        self._groups = groups

    async def approve(self, account: bytes) -> None:
        """Let ``account`` read this account's followers-only posts from now on (not
        the earlier ones: the group history policy). Creates the circle on first use;
        nothing happens when it is already approved. Its encryption key must be here
        (follow it and sync first, as for a direct message)."""
        self._not_me(account, "approve")
        state = await self._run(self.store.inbox.group_state, self._circle_id())
        if state is None:
            await self._groups.send_key(self._circle_key(0, (account,)))
        elif account not in state.members:
            await self._groups.add_member(self._circle_id(), account)

    async def revoke(self, account: bytes) -> None:
        """Stop ``account`` reading followers-only posts written from now on (a new
        epoch whose key it never receives; what it read stays read). Nothing happens
        when it is not approved."""
        self._not_me(account, "revoke")
        if account in await self.members():
            await self._groups.remove_member(self._circle_id(), account)

    async def members(self) -> list[bytes]:
        """The approved followers (this account left out), in account order; [] before
        the first approval."""
        state = await self._run(self.store.inbox.group_state, self._circle_id())
        return [] if state is None else [m for m in state.members if m != self.account_id]

    async def post(self, text: str, *, reply_to: bytes | None = None,
                   content_warning: str | None = None,
                   images_data: Sequence[bytes] = (),
                   alt: Sequence[str] = ()) -> Entry:
        """Post ``text`` for the approved followers only. It is in our timeline and
        profile at once; members see it after their private scan, others see nothing.
        Its images are sealed blobs (private_files.py), their keys inside the post.
        Posting before any approval makes a circle of one."""
        identity = self._require_identity()
        draft = await self._posts.draft(text, reply_to, content_warning)
        if len(images_data) > c.ATTACHMENTS_MAX:
            raise ContentTooLarge(f"a post has at most {c.ATTACHMENTS_MAX} images")
        (replace(draft, text=text or "(image)") if images_data else draft).validate()
        sealed = await self._messages.seal_files(images_data, alt, ())
        value = private.CirclePost(
            replace(draft, attachments=tuple(
                c.Attachment(a.blob, a.mime, a.size, a.width, a.height, a.alt)
                for a in sealed)),
            tuple(a.key for a in sealed))
        value.validate()
        gid = self._circle_id()
        if await self._run(self.store.inbox.group_state, gid) is None:
            await self._groups.send_key(self._circle_key(0, ()))
        circle = await self._groups.state(gid)
        body = private.seal_group(value, gid, circle.epoch, circle.key, identity.account_id,
                                  self.random)
        item = await self.publish(c.Sealed(c.Kind.GROUP, body))
        await self._messages.scan()
        return item

    def _circle_id(self) -> bytes:
        return private.circle_id(self.account_id)

    def _circle_key(self, epoch: int, others: Sequence[bytes]) -> private.GroupKey:
        return private.GroupKey(self._circle_id(), private.CIRCLE_SALT, epoch,
                                self.random(envelope.KEY_LEN), private.CIRCLE_NAME,
                                tuple(sorted({*others, self.account_id})))
