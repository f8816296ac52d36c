"""The composition root: ``Node`` opens or creates a home and wires the services.

Every service receives the kernel (kernel.py) and the services it uses, and nothing
else; this is the one place that knows them all. The private scan (messages.py)
tells the services that own keys what it learned (``Messages.on_keys``) through the
handlers registered here, so no service calls back into one that calls it.

Two ways to open a home:

* ``Node.open(home, passphrase)`` takes the writer lock and the keys: it can publish;
* ``Node.open(home, readonly=True)`` reads the store alone, needs no passphrase, and
  works while the app holds the lock, so scripts can read a running node's home.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from .. import content as c
from .. import images, keyfile, linking
from ..errors import HomeError
from ..home import Home
from ..identity import DeviceKeys, Identity, certificate_from_wire, new_identity
from ..store import Store
from .blocklists import Blocklists
from .circles import Circles
from .communities import Communities
from .devices import Devices
from .feeds import Feeds
from .groups import Groups
from .kernel import Clock, Kernel, Random, now_ms
from .keys import Keys, dump_keys
from .messages import Messages
from .moderation import Moderation
from .mutes import Mutes
from .posts import Posts
from .replication import Replication
from .storage import Storage


class Node(Kernel):
    """One home's account: the kernel, and its services as attributes (posts, feeds,
    messages, groups, circles, communities, moderation, keys, devices, mutes,
    blocklists, replication)."""

    def __init__(self, home: Home, store: Store, identity: Identity | None,
                 clock: Clock = now_ms, random: Random = os.urandom) -> None:
        super().__init__(home, store, identity, clock, random)
        self.posts = Posts(self)
        self.feeds = Feeds(self)
        self.messages = Messages(self)
        self.groups = Groups(self, self.messages)
        self.circles = Circles(self, self.posts, self.messages, self.groups)
        self.communities = Communities(self, self.messages)
        self.moderation = Moderation(self, self.messages)
        self.keys = Keys(self)
        self.devices = Devices(self, self.messages, self.groups)
        self.mutes = Mutes(self)
        self.blocklists = Blocklists(self, self.posts)
        self.replication = Replication(self, self.feeds, self.communities, self.devices)
        self.storage = Storage(self, self.replication)
        self.messages.on_keys(joined=self.communities.sign_own_lines,
                              left=self.groups.rekey_without)

    # --- opening and closing ----------------------------------------------------

    @classmethod
    def init(cls, home: Home, name: str, passphrase: str | None = None, *,
             avatar_data: bytes | None = None, clock: Clock = now_ms,
             random: Random = os.urandom, **kdf: Any) -> Node:
        """Create a new account in an empty home and publish its first entries (with
        ``avatar_data``, a picture, its profile has that picture from the start)."""
        profile = c.Profile(name.strip())
        profile.validate()
        if home.exists():
            raise HomeError(f"{home.path} already holds an account")
        picture = (images.prepare(avatar_data, max_side=images.AVATAR_SIDE, square=True)
                   if avatar_data is not None else None)
        identity = new_identity(random(32), random(32), clock())
        node = cls.create(home, identity, passphrase, clock,
                          profile=profile if picture is None else None, random=random, **kdf)
        if picture is not None:
            try:
                node.publish_now(replace(profile, avatar=node.store.put_blob(picture.data)))
            except BaseException:
                node.close()
                raise
        return node

    @classmethod
    def restore(cls, home: Home, root_seed: bytes, name: str, passphrase: str | None = None,
                *, clock: Clock = now_ms, random: Random = os.urandom, **kdf: Any) -> Node:
        """The account of ``root_seed`` (from its recovery phrase) on a new device log."""
        profile = c.Profile(name.strip())
        profile.validate()
        if home.exists():
            raise HomeError(f"{home.path} already holds an account: restore into an empty home")
        identity = new_identity(root_seed, random(32), clock())
        return cls.create(home, identity, passphrase, clock, profile=profile, random=random,
                          **kdf)

    @classmethod
    def linked(cls, home: Home, device_seed: bytes, granted: linking.Granted,
               passphrase: str | None = None, *, clock: Clock = now_ms,
               random: Random = os.urandom, **kdf: Any) -> Node:
        """A new device of an account, in an empty home, from what the device that
        linked it granted (node/devices.py ``grant``): its certificate and the
        account's encryption keys; no root key. The peers it was given go into the
        address book, to catch up from."""
        if home.exists():
            raise HomeError(f"{home.path} already holds an account: link into an empty home")
        cert = certificate_from_wire(granted.cert_wire)
        cert.verify()
        device = DeviceKeys(device_seed)
        if cert.device != device.device_id:
            raise HomeError("the link granted a certificate for another device")
        identity = Identity(device, cert, linking.open_keys(granted.sealed_keys, device_seed),
                            None)
        node = cls.create(home, identity, passphrase, clock, random=random, **kdf)
        for peer, addrs in granted.peers:
            node.store.peer_book.add_peer(peer, addrs, "peer")
        return node

    @classmethod
    def create(cls, home: Home, identity: Identity, passphrase: str | None,
               clock: Clock = now_ms, profile: c.Profile | None = None, *,
               random: Random = os.urandom, **kdf: Any) -> Node:
        """Write keys and store for ``identity`` into an empty home and start its device
        log (the certificate entry, then ``profile`` if given)."""
        home.lock()
        try:
            home.write_keys(dump_keys(identity, passphrase, **kdf))
            store = Store(home.store_path)
            store.set_local_account(identity.account_id)
            node = cls(home, store, identity, clock, random)
            node.publish_now(c.DeviceAnnouncement(identity.cert))
            if profile is not None:
                node.publish_now(profile)
        except BaseException:
            home.unlock()
            raise
        return node

    @classmethod
    def open(cls, home: Home, passphrase: str | None = None, *, readonly: bool = False,
             clock: Clock = now_ms, random: Random = os.urandom) -> Node:
        home.require()
        if readonly:
            return cls(home, Store(home.store_path, readonly=True), None, clock, random)
        home.lock()
        try:
            identity = keyfile.load(home.read_keys(), passphrase)
            store = Store(home.store_path)
            if store.local_account != identity.account_id:
                raise HomeError(f"the store in {home.path} belongs to another account")
            node = cls(home, store, identity, clock, random)
            node.communities.sign_own_lines_now()  # rosters written before lines were signed
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
