"""An account brought into a home, or carried out of it in a backup: what the window's
first-run screen (ui/onboarding.py) and the backup section of its settings
(ui/settings_page.py) ask the back end to do.

The window collects input and shows outcomes; the node, the key file and the backup
format stay below it. Each function here is one request: creating an account with its
recovery phrase, restoring one from the phrase or from a backup file into an empty
home, writing a backup of the open home, and merging a backup of the same account into
it. The blocking ones (Argon2id with a passphrase takes about a second, a backup reads
the whole home) are for a worker thread; the async ones run on Trio and send their
blocking part to a worker thread themselves. No Qt here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import trio

from . import ids, phrase
from .home import Home

if TYPE_CHECKING:
    from .backup import Summary  # what a backup holds: the window shows its counts
    from .node import Node

# the node, the store and the backup format are imported by the functions that use
# them: the window imports this module at start-up, before a home is open


@dataclass(frozen=True, slots=True)
class Account:
    """What was brought into the home: the account as text, its name, and (new accounts)
    its recovery phrase, to be shown once."""

    account: str
    name: str
    phrase: str = ""
    passphrase: str | None = field(default=None, repr=False)  # to open the home next


def create_account(home: Path | None, name: str, passphrase: str | None,
                   kdf: dict[str, Any], picture: bytes | None = None) -> Account:
    """A new account in the empty ``home``, named ``name``, with ``picture`` as its
    profile's from the start; the node is closed again, for the window to open the
    home as usual. Blocking: a worker thread."""
    from .node import Node

    with Node.init(Home(home), name, passphrase, avatar_data=picture, **kdf) as node:
        assert node.identity is not None
        words = phrase.to_phrase(node.identity.require_root().root_seed)
        return Account(ids.account_text(node.account_id), name.strip(), words, passphrase)


def restore_from_seed(home: Path | None, seed: bytes, name: str, passphrase: str | None,
                      kdf: dict[str, Any]) -> Account:
    """The account of the recovery phrase's ``seed`` in the empty ``home``, on a new
    device log. Blocking: a worker thread."""
    from .node import Node

    with Node.restore(Home(home), seed, name, passphrase, **kdf) as node:
        return Account(ids.account_text(node.account_id), name.strip(), passphrase=passphrase)


async def restore_from_backup(home: Path | None, path: Path,
                              passphrase: str | None) -> Account:
    """The account of the backup at ``path`` in the empty ``home`` (``PassphraseRequired``
    when the key file in it is sealed and no passphrase was given)."""
    from .backup import restore_backup

    node, _summary = await trio.to_thread.run_sync(restore_backup, Home(home), path,
                                                   passphrase)
    with node:
        profile = await node.feeds.profile(node.account_id)
    return Account(ids.account_text(profile.account), profile.name or "", passphrase=passphrase)


async def join_device(home: Path | None, code_text: str, name: str, passphrase: str | None,
                      kdf: dict[str, Any]) -> Account:
    """Make the empty ``home`` a new device of the account whose device showed
    ``code_text`` (device_joining.py: link, then catch up once); ``UserError`` with
    one line for a bad, used or expired code or a device out of reach."""
    from .device_joining import join_device as join

    # libp2p takes a second to import: in a worker thread, not the window's
    await trio.to_thread.run_sync(importlib.import_module, "p2psocial.net.service")
    joined = await join(Home(home), code_text.strip(), name, passphrase, **kdf)
    return Account(ids.account_text(joined.account), joined.profile_name,
                   passphrase=passphrase)


def export_home(home_dir: Path, path: Path) -> Summary:
    """A backup of the home at ``home_dir`` written to ``path``, read through its own
    read-only view (as ``p2psocial export`` does), so the app's one writer is never held
    up. Blocking: a worker thread."""
    from .backup import export_backup
    from .node import Node

    with Node.open(Home(home_dir), readonly=True) as reader:
        return export_backup(reader, path)


async def import_backup(node: Node, path: Path) -> Summary:
    """What a backup of this same account at ``path`` holds that the home lacks,
    brought in through the node's ingest; a backup of another account is refused."""
    from .backup import merge_backup

    return await merge_backup(node, path)
