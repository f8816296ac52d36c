"""Public posts and the people one follows or blocks: what this account says in the
open. Followers-only posts are circles.py's; a reply's thread is found here
(``draft``), for both."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .. import content as c
from .. import ids, images
from ..entry import Entry
from ..errors import BadImage, ContentTooLarge, NotFound, UserError
from ..store import PostView
from .kernel import Service


class Posts(Service):
    async def post(self, text: str, *, reply_to: bytes | None = None,
                   content_warning: str | None = None,
                   images_data: Sequence[bytes] = (), alt: Sequence[str] = ()) -> Entry:
        draft = await self.draft(text, reply_to, content_warning)
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

    async def draft(self, text: str, reply_to: bytes | None,
                    content_warning: str | None) -> c.Post:
        """A post of ``text`` (mentions, tags, its thread found from ``reply_to``), not
        yet validated: a public post and a followers-only one are built alike."""
        root = None
        if reply_to is not None:
            parent = await self._run(self.store.queries.post, reply_to)
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
        current = await self._run(self.store.profile, self.account_id)
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

    async def _own_post(self, target: bytes, verb: str) -> PostView:
        post = await self._run(self.store.queries.post, target)
        if post is None:
            raise NotFound(f"there is no post {ids.entry_text(target)} in this home")
        if post.author != self.account_id:
            raise UserError(f"you can only {verb} your own posts")
        if post.deleted:
            raise UserError(f"that post was deleted; there is nothing to {verb}")
        return post

    async def resolve_mentions(self, text: str) -> str:
        """``text`` with each ``@Name`` written as the ``@p2ps1...`` id of the one account
        of that name this home knows (its whole name, or else its first word, in any
        case); a ``UserError`` names the cause when nobody or several are called so."""
        found: dict[str, bytes] = {}
        for name in c.named_mentions(text):
            folded = name.casefold()
            known = await self._run(self.store.find_accounts, name, 50)
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
