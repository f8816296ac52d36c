"""The devices of the local account: link a new one, list them, revoke a lost one.

Theory of operation (docs/architecture.md "Devices" has the trade-offs).

* **Linking** (``grant``): any device of the account vouches for a new one without
  the recovery phrase. It writes a DEVICE_LINK entry (the new device's id and name)
  in its own log, then signs a ``DelegatedCert`` that names that entry's sequence
  number and id, and hands the new device the account's encryption keys (sealed to
  the new device's own key: linking.seal_keys). The new device starts its own log
  with that certificate and catches up on the account's logs from any peer.
* **Revoking** (``revoke``) needs the account's root key (the recovery phrase, or a
  device that keeps it): a thief holding an everyday device has its device key, not
  the root. The revocation pins the last entry of the lost device's log that stays
  valid (the newest we hold) and carries a new encryption key for the account. It is
  published as a REVOKE entry; the new key is sealed (an ACCOUNT_KEY private entry)
  to every other device of the account and to the account's recovery key (so a
  restore from the phrase reads what follows), never to the lost one; then every
  group the account administers, its circle among them, gets a new epoch, sealed to
  the members' current keys (ours now the new one).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import nacl.public

from .. import content as c
from .. import crypto, envelope, ids, invite, linking, private
from ..errors import NotFound, UserError
from ..identity import AccountKeys, Revocation, delegate, revoke
from ..store.views import DeviceRow
from .groups import Groups
from .kernel import Kernel, Service
from .messages import Messages


class Devices(Service):
    def __init__(self, kernel: Kernel, messages: Messages, groups: Groups) -> None:
        super().__init__(kernel)
        self._messages = messages
        self._groups = groups

    async def list(self, account: bytes | None = None) -> list[DeviceRow]:
        """The devices of our account (or of ``account``) that this home knows,
        oldest first."""
        return await self._run(self.store.device_book.devices, account or self.account_id)

    async def enc_seeds(self) -> tuple[bytes, ...]:
        """Every encryption key of the account this device holds, oldest first: those
        of its key file, then the ones revocations made since (store ``account_keys``)."""
        identity = self._require_identity()
        rotated = await self._run(self.store.device_book.account_keys)
        return tuple(dict.fromkeys([*identity.enc_seeds, *(seed for _, seed in rotated)]))

    async def grant(self, joiner_device: bytes, name: str) -> linking.Granted:
        """Certify ``joiner_device`` as a device of this account, named ``name`` (the
        link exchange in net/link.py has checked the code already)."""
        identity = self._require_identity()
        joiner = joiner_device
        name = name.strip()
        link = c.DeviceLink(joiner, name, self.clock())
        link.validate()
        if any(d.device == joiner for d in await self.list()):
            raise UserError(f"{ids.device_text(joiner)} is a device of this account already")
        entry = await self.publish(link)
        cert = delegate(identity, joiner, link.created_ms, entry.seq, entry.id)
        profile = await self._run(self.store.profile, self.account_id)
        peers = await self._run(self.store.peer_book.peers)
        given = [(p.device, addrs) for p in peers
                 if (addrs := tuple(a for a in p.addrs if invite.good_addr(a))[:invite.ADDRS_MAX])]
        return linking.Granted(cert.to_wire(), linking.seal_keys(await self.enc_seeds(), joiner),
                               profile.name or "", tuple(given[:linking.PEERS_MAX]))

    async def revoke(self, device: bytes, root: AccountKeys) -> Revocation:
        """Revoke ``device`` with the account's root key: its entries past the newest we
        hold are refused everywhere the revocation reaches, and it cannot read what is
        sealed to the account from now on."""
        identity = self._require_identity()
        if root.account_id != identity.account_id:
            raise UserError("that recovery phrase is of another account")
        if device == identity.device_id:
            raise UserError("a device cannot revoke itself: revoke it from another device, "
                            "or from a restore of the recovery phrase")
        devices = await self.list()
        found = next((d for d in devices if d.device == device), None)
        if found is None:
            raise NotFound(f"{ids.device_text(device)} is not a device of this account here")
        if found.revoked:
            raise UserError(f"{ids.device_text(device)} is revoked already")
        head = await self._run(self.store.head, device)
        last_seq, last_id = head if head is not None else (0, b"")
        seed = self.random(32)
        epoch = len(await self._run(self.store.device_book.account_keys)) + 1
        new_key = bytes(nacl.public.PrivateKey(seed).public_key)
        revocation = revoke(root, device, last_seq, last_id, self.clock(), new_key)
        await self.publish(c.RevokeDevice(revocation))
        await self._run(self.store.device_book.keep_account_key, epoch, seed,
                        revocation.created)
        self._messages.keys_changed()
        readers = [crypto.device_box_public(d.device) for d in devices
                   if not d.revoked and d.device not in (device, identity.device_id)]
        readers.append(bytes(root.recovery_private.public_key))
        await self._seal_to_devices(private.AccountKey(epoch, seed), readers)
        await self._rekey_groups()
        return revocation

    async def members_revoked(self, accounts: Collection[bytes]) -> None:
        """A device of ``accounts`` was revoked (we learned it from a peer): every group
        we administer that one of them is in, our circle among them, gets a new epoch,
        sealed to their new key, so the lost device does not read what follows."""
        me = self.account_id
        others = set(accounts) - {me}  # ours: the revoking device rotated our groups
        if not others or self.identity is None:
            return
        for view in await self._run(self.store.groups):
            if (view.admin == me and view.member and not view.community
                    and others & set(view.members)):
                await self._groups.next_epoch(view.id, view.members)
        circle = private.circle_id(me)
        state = await self._run(self.store.inbox.group_state, circle)
        if state is not None and others & set(state.members):
            await self._groups.next_epoch(circle, state.members)

    async def _seal_to_devices(self, value: private.AccountKey, readers: Sequence[bytes]) -> None:
        """Seal ``value`` to device keys, ``MAX_RECIPIENTS`` per entry."""
        step = envelope.MAX_RECIPIENTS
        for start in range(0, len(readers), step):
            body = private.seal(value, readers[start:start + step], self.account_id, self.random)
            await self.publish(c.Sealed(c.Kind.PRIVATE, body))

    async def _rekey_groups(self) -> None:
        """A new epoch for every group (and the circle) this account administers."""
        me = self.account_id
        for view in await self._run(self.store.groups):
            # an open community: anyone on its LAN reads it, a new key changes nothing
            if view.admin == me and view.member and not view.community:
                await self._groups.next_epoch(view.id, view.members)
        circle = private.circle_id(me)
        state = await self._run(self.store.inbox.group_state, circle)
        if state is not None:
            await self._groups.next_epoch(circle, state.members)
