"""Moderating open communities (issue 17; moderation.py decides which acts count,
store/moderation.py applies them).

The creator names moderators; moderators (the creator among them) remove an account
or hide a post. Each act is a GROUP entry in the actor's own log under the
community's key, so every member's node reads it and applies it. Members report a
post or an account in a PRIVATE entry sealed to the moderators alone."""

from __future__ import annotations

from .. import content as c
from .. import ids, private
from ..entry import Entry
from ..errors import NotFound, UserError
from ..moderation import MAX_MODERATORS
from ..private import Act
from ..store.moderation import ModerationView, ReportView
from ..store.views import GroupState
from .kernel import Kernel, Service
from .messages import Messages


class Moderation(Service):
    def __init__(self, kernel: Kernel, messages: Messages) -> None:
        super().__init__(kernel)
        self._messages = messages

    async def view(self, community_id: bytes) -> ModerationView:
        """Who moderates a community, who was removed, and what we may do there."""
        found = await self._run(self.store.moderation.view, community_id, self.account_id)
        if found is None:
            raise NotFound("you are in no community with that id")
        return found

    async def appoint(self, community_id: bytes, account: bytes) -> Entry:
        """Name ``account`` a moderator (the creator only)."""
        view = await self._creator_only(community_id, account)
        if account in view.moderators:
            raise UserError("that account is a moderator of this community already")
        if len(view.moderators) > MAX_MODERATORS:
            raise UserError(f"a community has at most {MAX_MODERATORS} moderators besides "
                            "its creator")
        return await self._act(community_id, Act.APPOINT, account)

    async def dismiss(self, community_id: bytes, account: bytes) -> Entry:
        """Take back a moderator (the creator only): its acts stop counting."""
        view = await self._creator_only(community_id, account)
        if account not in view.moderators:
            raise UserError("that account is not a moderator of this community")
        return await self._act(community_id, Act.DISMISS, account)

    async def remove(self, community_id: bytes, account: bytes) -> Entry:
        """Remove ``account`` from a community (a moderator only): members hide its
        roster line, refuse its new ones and drop what it writes there."""
        view = await self._moderator_only(community_id)
        self._not_me(account, "remove")
        if account in view.moderators:
            raise UserError("that account moderates this community: its creator must "
                            "dismiss it first" if account != view.creator else
                            "nobody removes the creator of a community")
        if account in view.removed:
            raise UserError("that account is removed from this community already")
        return await self._act(community_id, Act.REMOVE, account)

    async def restore(self, community_id: bytes, account: bytes) -> Entry:
        """Take a removal back (a moderator only): its line shows again."""
        view = await self._moderator_only(community_id)
        if account not in view.removed:
            raise UserError("that account is not removed from this community")
        return await self._act(community_id, Act.RESTORE, account)

    async def hide(self, community_id: bytes, post: bytes) -> Entry:
        """Hide a post of a community (a moderator only): members drop its body."""
        await self._moderator_only(community_id)
        found = await self._run(self.store.moderation.message_author, post)
        if found is None or found[0] != community_id:
            raise NotFound(f"there is no post {ids.entry_text(post)} in this community here")
        return await self._act(community_id, Act.HIDE, post)

    async def report(self, community_id: bytes, target: bytes, is_post: bool,
                     reason: str) -> tuple[Entry, tuple[bytes, ...]]:
        """Report a post or an account to a community's moderators: a PRIVATE entry
        sealed to them and to us only. Returns it, and the moderators it reaches (those
        whose keys are here)."""
        identity = self._require_identity()
        view = await self.view(community_id)
        value = private.Report(community_id, target, is_post, reason.strip())
        value.validate()
        if is_post:
            found = await self._run(self.store.moderation.message_author, target)
            if found is None or found[0] != community_id:
                raise NotFound(f"there is no post {ids.entry_text(target)} in this "
                               "community here")
        me = identity.account_id
        readers = [m for m in view.moderators if m != me]
        if not readers:
            raise UserError("you are the only moderator of this community: hide the post or "
                            "remove the account yourself")
        keys = [(m, await self._run(self.store.enc_key, m)) for m in readers]
        reached = tuple(m for m, k in keys if k is not None)
        if not reached:
            raise UserError("no moderator's key is here yet: sync with the community first")
        own = await self._run(self._messages.reader_keys, [me])
        body = private.seal(value, [*own, *(k for _, k in keys if k is not None)], me,
                            self.random)
        entry = await self.publish(c.Sealed(c.Kind.PRIVATE, body))
        await self._messages.scan()
        return entry, reached

    async def reports(self, community_id: bytes) -> list[ReportView]:
        """The reports about a community sealed to us (moderators only)."""
        await self._moderator_only(community_id)
        return await self._run(self.store.moderation.reports, community_id)

    # --- helpers --------------------------------------------------------------------

    async def _creator_only(self, community_id: bytes, account: bytes) -> ModerationView:
        view = await self.view(community_id)
        if view.creator != self.account_id:
            raise UserError("only the creator of a community names its moderators")
        if account == view.creator:
            raise UserError("the creator of a community is always one of its moderators")
        return view

    async def _moderator_only(self, community_id: bytes) -> ModerationView:
        view = await self.view(community_id)
        if not view.is_moderator:
            raise UserError("only the moderators of this community can do that")
        return view

    async def _act(self, community_id: bytes, act: Act, target: bytes) -> Entry:
        identity = self._require_identity()
        group: GroupState | None = await self._run(self.store.inbox.group_state, community_id)
        if group is None or not group.member:
            raise UserError("you are not a member of this community")
        body = private.seal_group(private.CommunityModeration(act, target), community_id,
                                  group.epoch, group.key, identity.account_id, self.random)
        entry = await self.publish(c.Sealed(c.Kind.GROUP, body))
        await self._messages.scan()  # which applies it here as everywhere
        return entry
