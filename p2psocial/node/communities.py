"""Open LAN communities (issue 5; store/communities.py, net/community.py).

A community is a group with one key that any member gives anyone on the LAN who
asks; every member replicates everyone on its roster, so its posts travel among
people who follow nobody. Posting, reading and leaving are the group methods
(groups.py); joining, the roster and this account's signed line on it are here."""

from __future__ import annotations

from collections.abc import Sequence

from .. import content as c
from .. import envelope, private, roster
from ..errors import UserError
from ..events import RosterChanged
from ..identity import DeviceCert
from ..roster import Join, Merged
from ..store.communities import CommunityInfo
from .kernel import Kernel, Service
from .messages import Messages


class Communities(Service):
    def __init__(self, kernel: Kernel, messages: Messages) -> None:
        super().__init__(kernel)
        self._messages = messages

    async def create(self, name: str) -> bytes:
        """Start an open community called ``name``; returns its id."""
        me = self._require_identity().account_id
        private.check_group_name(name.strip())
        salt = self.random(private.ID_LEN)
        await self.join(private.CommunityKey(
            private.group_id_of(me, salt), salt, me, self.random(envelope.KEY_LEN),
            name.strip()))
        return private.group_id_of(me, salt)

    async def join(self, value: private.CommunityKey,
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
        if await self._run(self.store.inbox.group_state, cid) is not None and not await self._run(
                self.store.is_community, cid):
            raise UserError("that id is one of your private groups, not a community")
        good, forged = await self._run(roster.checked, lines)
        accounts = {line.account for line in good}
        if identity.account_id not in accounts and len(accounts) >= roster.MAX_MEMBERS:
            raise roster.RosterFull(value.name)
        if not any(info.id == cid for info in await self.list()):
            body = private.seal(value, [identity.enc_public], identity.account_id,
                                self.random)
            await self.publish(c.Sealed(c.Kind.PRIVATE, body))
            await self._messages.scan()  # which signs our line
        await self._run(self.sign_own_lines_now)
        held = await self._run(self.store.roster_accounts, cid) or set()
        fresh = [line for line in good if line.account not in held]
        added = await self._run(self.store.add_roster_lines, cid, fresh)
        self.events.emit([RosterChanged(cid)])  # what we replicate changed, at least
        return Merged(tuple(added), forged, len(fresh) - len(added))

    async def list(self) -> list[CommunityInfo]:
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

    def _merge_now(self, community_id: bytes, lines: Sequence[Join]) -> Merged:
        held = self.store.roster_accounts(community_id)
        if held is None:  # not a community we are in: nothing to learn
            return Merged()
        fresh = [line for line in lines if line.account not in held]
        good, forged = roster.checked(roster.admit(
            held, fresh, self.store.moderation.roster_cap(community_id)))
        added = self.store.add_roster_lines(community_id, good) if good else []
        return Merged(tuple(added), forged, len(fresh) - len(good) - forged)

    async def sign_own_lines(self) -> None:
        """``sign_own_lines_now`` in the store's worker (the private scan calls this
        after it opened a community key)."""
        await self._run(self.sign_own_lines_now)

    def sign_own_lines_now(self) -> Sequence[bytes]:
        """Sign this account's line on the roster of every community it is in that
        lacks one (a community just joined, on this device or another of the account's;
        a store from before rosters were signed); the communities signed."""
        identity = self.identity
        if identity is None or not isinstance(identity.cert, DeviceCert):
            return []  # a roster line carries a root certificate: a linked device signs none
        signed = []
        for info in self.store.communities():
            if identity.account_id not in info.members and not info.full:
                line = roster.sign_join(identity.device, identity.cert, info.id, self.clock())
                if self.store.add_roster_lines(info.id, [line]):
                    signed.append(info.id)
        return signed
