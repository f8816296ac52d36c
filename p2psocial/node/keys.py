"""The account's key file, for the app's settings: is it sealed, does a passphrase
open it, seal it anew, show the recovery phrase.

Argon2id takes a second or so: these run in a worker thread of their own, so store
work goes on meanwhile, and one at a time, so two changes cannot interleave."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import trio

from .. import keyfile, phrase
from ..errors import HomeError, PassphraseRequired, WrongPassphrase
from ..identity import Identity
from .kernel import Kernel, Service

T = TypeVar("T")


class Keys(Service):
    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self._home = kernel.home
        self._keys_limiter = trio.CapacityLimiter(1)  # Argon2id: never holds up the store

    async def has_passphrase(self) -> bool:
        """Whether the key file is sealed with a passphrase (else nothing to ask)."""
        return await self._keys(lambda: keyfile.is_encrypted(self._home.read_keys()))

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
            self._home.write_keys(dump_keys(identity, new or None, **kdf))

        await self._keys(change)

    async def recovery_phrase(self, passphrase: str | None) -> str:
        """The 24 words of the account's root seed, once ``passphrase`` opens the key
        file (``WrongPassphrase`` otherwise): showing them needs what opening does."""
        identity = await self._keys(self._load_keys, passphrase)
        return phrase.to_phrase(identity.require_root().root_seed)

    async def _keys(self, fn: Callable[..., T], *args: Any) -> T:
        return await trio.to_thread.run_sync(fn, *args, limiter=self._keys_limiter)

    def _load_keys(self, passphrase: str | None) -> Identity:
        """The identity in the key file, which must be this node's."""
        identity = keyfile.load(self._home.read_keys(), passphrase)
        if identity.account_id != self._require_identity().account_id:
            raise HomeError(f"the key file in {self._home.path} belongs to another account")
        return identity


def dump_keys(identity: Identity, passphrase: str | None, **kdf: Any) -> bytes:
    if passphrase is None:
        return keyfile.dump(identity, None)
    return keyfile.dump(identity, passphrase, salt=os.urandom(16), nonce=os.urandom(24), **kdf)
