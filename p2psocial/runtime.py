"""The desktop app's back end: one home opened with its keys, and its network behind it.

Theory of operation
-------------------

The window (ui/) never opens SQLite or libp2p itself: it holds a ``Backend`` and
calls its async methods, and the node's, through the TrioHost. A ``Backend`` is made
in a worker thread by ``Backend.open`` (Argon2id takes a second with a passphrase),
once the first window is already painted.

``run`` is the long-lived task that keeps the network going for the life of the
window. It imports the network stack in a worker thread first: libp2p's import takes
over a second, and guest-mode Trio runs on the GUI thread, so importing it there
would freeze the window. Then it runs a ``NetworkService`` with the person's settings
(port, LAN discovery, relay, hops). The control endpoint is ``Endpoint``'s, served by
the window from start-up (one app per home): once the home is open ``p2psocial post``
and friends typed in a terminal are carried out by the app, as by ``serve``. When a
setting that shapes the network changes, ``update_settings`` asks ``run`` to stop the
service and start a new one; the node and the window carry on. A service that fails
to start (the port is taken, no interface) leaves the app usable offline: the status
says why, and the next settings change tries again.

The first start picks a free port and keeps it in the settings, so the invites a
person hands out stay valid after a restart.

``status()`` is a snapshot for the window (``NetworkStatus``); ``changed()`` returns
when it may have changed; ``generation`` counts the services that came online, so a
caller that asked for a restart knows when a new one is up. Peers come as
``PeerRow`` values with names looked up in the store, and the open communities LAN
neighbours offer as ``NearbyRow`` values (none while the network is off).
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import trio

from . import control, invite, keyfile, link_code, logs, phrase, roster
from .errors import HomeError, PassphraseRequired, UserError
from .home import Home
from .identity import AccountKeys
from .joining import JOIN_PATIENCE, Joined, join
from .node import Node
from .node.private_scan import follow_private
from .node.storage_follow import follow_storage
from .settings import SETTINGS_FILE, Drafts, JsonFile, Settings, load_settings, settings_json
from .store.blob_wants import Budget
from .store.communities import CommunityInfo
from .store.moderation import ModerationView, ReportView
from .store.storage import StorageReport
from .store.views import BlocklistsView, DeviceRow, FilterRow, MuteRow
from .switches import LAN_TYPE_ENV, env_listen_ips

if TYPE_CHECKING:
    from .net.service import NetworkService
    from .takeout import TakeoutSummary

log = logging.getLogger(__name__)

def home_in_use(home: Path | None) -> str | None:
    """Why another process keeps this home (one line), or None when it is free now."""
    place = Home(home)
    try:
        place.lock()
    except HomeError as exc:
        return str(exc)
    place.unlock()
    return None


def needs_passphrase(home: Path | None) -> bool:
    """Whether this home's keys are sealed with a passphrase (read without the lock)."""
    return keyfile.is_encrypted(Home(home).read_keys())


@dataclass(frozen=True, slots=True)
class NetworkStatus:
    state: str  # "starting", "online", "offline" (turned off or failed), "stopped"
    addrs: tuple[str, ...] = ()  # where peers can reach us
    connected: int = 0  # peers with a session now
    known: int = 0  # peers in the address book
    error: str | None = None  # why the network is offline, in one line
    reach: str = "unknown"  # whether others can reach us (net/reachability.py Reach)
    reach_confirmed: bool = False  # a friend's dial-back checked it


@dataclass(frozen=True, slots=True)
class PeerRow:
    """One peer as the people view shows it."""

    device: bytes
    account: bytes | None  # None until its log reaches us
    name: str | None
    state: str  # "connected", "dialing", "known", "banned"
    nearby: bool  # announced on the LAN right now
    source: str  # "invite", "mdns", "peer"
    received: int  # entries received in the current session
    sent: int
    caught_up: bool
    last_seen: int | None  # ms
    following: bool
    path: str | None = None  # how it is connected (net/paths.py Path), when it is
    why_not: str | None = None  # why it is not connected (net/why_not.py Why), when not
    banned_until: int | None = None  # ms
    failures: int = 0  # dials failed in a row since the last that worked


@dataclass(frozen=True, slots=True)
class NearbyRow:
    """A community offered on the LAN now, as the people view shows it."""

    id: bytes
    name: str
    creator: bytes
    creator_name: str | None  # None until the creator's profile reached us
    members: int
    joined: bool  # the local account is a member already

    @property
    def full(self) -> bool:
        """Nobody else can join it: its roster holds ``roster.MAX_MEMBERS`` accounts."""
        return not self.joined and self.members >= roster.MAX_MEMBERS


def join_state(joined: Joined, row: PeerRow | None, waited: float) -> str:
    """Where a join stands, ``waited`` seconds after it, for the message that follows it:

    - "syncing", "up-to-date": connected, and whether both sides have caught up;
    - "offline": no network was running to dial the peer (it is dialed once there is);
    - "connecting": the first dial is under way;
    - "unreachable": a dial since the join failed, or none worked within
      ``JOIN_PATIENCE`` seconds. The service keeps trying with its backoff; a later
      connection turns it into "syncing".
    """
    if row is not None and row.state == "connected":
        return "up-to-date" if row.caught_up else "syncing"
    if not joined.connecting:
        return "offline"
    if (row is not None and row.failures > joined.failures) or waited >= JOIN_PATIENCE:
        return "unreachable"
    return "connecting"


Actions = Callable[["Backend", str, tuple], Awaitable[Any]]
"""Runs one write request of the command line (``cli.writes.run_action``)."""


class Endpoint:
    """The desktop app's control endpoint (control.py), served from the moment its window
    shows until it closes, so that there is one app per home: a second copy asks this
    one to ``show`` its window (``window``, which brings it to the front) and exits,
    before asking for any passphrase. Once the home is open (``backend`` set), it also
    runs the command line's write requests (post, follow, join...) as a serve does.

    ``actions`` runs a write request: the command line's (cli/writes.py), handed in by
    whoever starts the app, so that the back end does not import the layer above it.
    ``claimed``: the endpoint's claim, taken before the window was made; without one,
    ``serve`` takes it, and logs why not when another process holds it (the app then
    works without an endpoint)."""

    def __init__(self, home_dir: Path, window: Callable[[], object],
                 claimed: control.Claim | None = None, actions: Actions | None = None) -> None:
        self.home_dir = home_dir
        self.window = window
        self.actions = actions
        self.claimed = claimed
        self.backend: Backend | None = None

    async def serve(self, *, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        try:
            await control.serve(self.home_dir, self.handle, claimed=self.claimed,
                                window=self.window, task_status=task_status)
        except control.ControlError as exc:  # another process answers there
            log.warning("no control endpoint for the command line: %s", exc)
            task_status.started()

    async def handle(self, command: str, args: tuple) -> Any:
        if self.backend is None:
            raise UserError("the app has not opened this home yet: open it in its window "
                            "first (it may be waiting for its passphrase)")
        if self.actions is None:
            raise UserError("this window takes no commands: run them without it open")
        return await self.actions(self.backend, command, args)


class Backend:
    def __init__(self, node: Node, settings: Settings) -> None:
        self.node = node
        self.home_dir = node.home.path
        self.settings = settings
        self.drafts = Drafts(self.home_dir)
        self.settings_file = JsonFile(self.home_dir / SETTINGS_FILE)  # written off the GUI thread
        self.service: NetworkService | None = None
        self.generation = 0  # +1 each time a service comes online: a restart has finished
        self._status = NetworkStatus("starting")
        self._changed = trio.Event()
        self._restart = trio.Event()

    @classmethod
    def open(cls, home: Path | None, passphrase: str | None) -> Backend:
        """Open ``home`` with its keys (blocking: run it in a worker thread)."""
        place = Home(home)
        place.require()
        if passphrase is None and needs_passphrase(home):
            raise PassphraseRequired("this home is protected by a passphrase")
        node = Node.open(place, passphrase)
        return cls(node, load_settings(place.path))

    def close(self) -> None:
        """Close the node (after ``run`` has ended): indexes pending text, closes SQLite.
        Drafts and settings not written yet are written first."""
        self.flush()
        self.node.close()

    def flush(self) -> None:
        """Write the drafts and settings still waiting for their worker (blocking)."""
        for file in (self.drafts.file, self.settings_file):
            try:
                file.write()
            except OSError as exc:
                log.warning("%s not written: %s", file.path.name, exc)

    # --- settings ---------------------------------------------------------------------

    def update_settings(self, new: Settings) -> None:
        """Keep ``new`` (``settings_file.write()`` stores it: a worker thread); restart
        the network if a value that shapes it changed."""
        new = new.checked()
        old, self.settings = self.settings, new
        self.settings_file.set(settings_json(new))
        if new.network != old.network:
            self._restart.set()

    # --- the network --------------------------------------------------------------------

    def status(self) -> NetworkStatus:
        service = self.service
        if service is None or self._status.state != "online":
            return self._status
        reach = service.reachability()
        return replace(self._status, addrs=tuple(service.listen_addrs),
                       connected=len(service.connected()), known=len(service.peers()),
                       reach=str(reach.state), reach_confirmed=reach.confirmed)

    async def changed(self) -> None:
        """Return at the next change of the network's status or of its peers."""
        service = self.service
        if service is None:
            await self._changed.wait()
            return
        async with trio.open_nursery() as nursery:
            async def either(wait: Any) -> None:
                await wait()
                nursery.cancel_scope.cancel()
            nursery.start_soon(either, self._changed.wait)
            nursery.start_soon(either, service.next_change)

    def _set_status(self, status: NetworkStatus) -> None:
        self._status = status
        self._changed.set()
        self._changed = trio.Event()

    async def run(self, *, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        """Keep the network running with the current settings until cancelled, and
        the private scan beside it (node/private_scan.py), network or not."""
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._scan_private)
            nursery.start_soon(self._keep_storage)
            await self._run_network(task_status=task_status)

    async def _scan_private(self) -> None:
        """Open private entries as they arrive; a failure here stops the scan (logged;
        the next start resumes from the watermark), never the network."""
        try:
            await follow_private(self.node)
        except Exception:
            log.exception("the private scan stopped")

    async def _keep_storage(self) -> None:
        """The storage budget beside it (node/storage_follow.py); a failure stops it
        (logged; the next start runs it again), never the network."""
        try:
            await follow_storage(self.node, lambda: self.settings.hops)
        except Exception:
            log.exception("the storage budget stopped")

    async def _run_network(self, *, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        self._set_status(NetworkStatus("starting"))
        try:
            net = await trio.to_thread.run_sync(importlib.import_module,
                                                "p2psocial.net.service")
        except ImportError as exc:  # a broken install: the app still works offline
            log.exception("the network stack cannot be imported")
            self._set_status(NetworkStatus("offline", error=f"network unavailable: {exc}"))
            await trio.sleep_forever()
        logs.route_libp2p()  # py-libp2p's records to the log file, not the terminal
        try:
            while True:
                self._restart = trio.Event()
                await self._run_service(net)
        finally:
            self.service = None
            self._set_status(NetworkStatus("stopped"))

    async def _run_service(self, net: Any) -> None:
        """One life of the network service: until a restart is asked for."""
        settings = self.settings
        port = settings.port or None
        try:
            async with net.NetworkService(
                    self.node.replication, port=port if port else 0, hops=settings.hops,
                    ip=env_listen_ips(), lan=settings.lan,
                    lan_service_type=os.environ.get(LAN_TYPE_ENV) or net.SERVICE_TYPE,
                    offer_relay=settings.relay,
                    port_mapping=settings.port_mapping,
                    blob_budget=Budget.of_mib(settings.image_budget)) as service:
                self.service = service
                if not settings.port and service.listen_addrs:  # keep the first port
                    self.settings = replace(self.settings,
                                            port=_port_of(service.listen_addrs[0]))
                    self.settings_file.set(settings_json(self.settings))
                    await trio.to_thread.run_sync(self.settings_file.write)
                self.generation += 1
                self._set_status(NetworkStatus("online"))
                await self._restart.wait()
        except (OSError, UserError) as exc:
            log.warning("the network did not start: %s", exc)
            self._set_status(NetworkStatus("offline", error=_network_error(exc, port)))
            await self._restart.wait()
        finally:
            self.service = None

    # --- what the window asks for --------------------------------------------------------

    def invite_code(self, community: CommunityInfo | None = None) -> str:
        """An invite to this device at the addresses it listens on now; with
        ``community``, one that also joins that open community (its key is in it)."""
        service, identity = self.service, self.node.identity
        assert identity is not None
        if community is not None and community.full:  # the code would let nobody in
            raise roster.RosterFull(community.name)
        if service is None or not service.listen_addrs:
            raise UserError("the network is not running, so there is no address to invite "
                            "to yet")
        return invite.encode(invite.make(identity.device_id, identity.account_id,
                                         service.listen_addrs,
                                         community.value if community else None,
                                         self.node.replication.address_token()))

    async def join(self, code_text: str) -> Joined:
        return await join(self.node, self.service, code_text.strip())

    # --- this account's devices (node/devices.py) ----------------------------------------

    def link_code(self) -> tuple[str, int]:
        """A one-time code (text, and when it expires in ms) that links a new device to
        this account while this one is online; it replaces any earlier one."""
        service = self.service
        if service is None:
            raise UserError("the network is not running, so there is no address for the "
                            "new device to reach yet")
        code = service.link_offer()
        return link_code.encode(code), code.expires_ms

    def close_link_offer(self) -> None:
        """The link dialog closed: the code it showed links nothing any more."""
        if self.service is not None:
            self.service.close_link_offer()

    def holds_account_key(self) -> bool:
        """Whether this device keeps the account key (else revoking needs the phrase)."""
        return self.node.require_identity().holds_root

    async def devices(self) -> list[DeviceRow]:
        return await self.node.devices.list()

    async def revoke_device(self, device: bytes, words: str | None) -> None:
        """Revoke ``device`` with the recovery phrase ``words`` (None: this device's
        own account key); ``UserError`` with one line when the phrase is wrong."""
        identity = self.node.require_identity()
        root = (AccountKeys(phrase.from_phrase(words)) if words is not None
                else identity.require_root())
        await self.node.devices.revoke(device, root)

    # --- moderating communities (node/moderation.py; issue 17) -------------------------

    async def moderation(self, community_id: bytes) -> ModerationView:
        """A community's moderators and removed accounts, and whether we moderate."""
        return await self.node.moderation.view(community_id)

    async def community_reports(self, community_id: bytes) -> list[ReportView]:
        return await self.node.moderation.reports(community_id)

    async def report(self, community_id: bytes, target: bytes, is_post: bool,
                     reason: str) -> int:
        """Report a post or an account to the moderators; how many it reaches."""
        _, reached = await self.node.moderation.report(community_id, target, is_post, reason)
        return len(reached)

    async def hide_post(self, community_id: bytes, post: bytes) -> None:
        await self.node.moderation.hide(community_id, post)

    async def remove_from_community(self, community_id: bytes, account: bytes) -> None:
        await self.node.moderation.remove(community_id, account)

    async def appoint_moderator(self, community_id: bytes, account: bytes) -> None:
        await self.node.moderation.appoint(community_id, account)

    async def dismiss_moderator(self, community_id: bytes, account: bytes) -> None:
        await self.node.moderation.dismiss(community_id, account)
    # --- mutes and word filters (node/mutes.py): local, never published ----------------

    async def mutes(self) -> list[MuteRow]:
        return await self.node.mutes.list()

    async def word_filters(self) -> list[FilterRow]:
        return await self.node.mutes.filters()

    async def mute(self, kind: str, target: bytes | str) -> bool:
        """Mute an account, a #tag or a thread (any post of it); False: it was muted."""
        return (await self.node.mutes.mute(kind, target))[1]

    async def unmute(self, kind: str, target: bytes | str) -> bool:
        return (await self.node.mutes.unmute(kind, target))[1]

    async def add_word_filter(self, phrase: str, warn: bool) -> str:
        """"added", "changed" (it did the other thing) or "unchanged"."""
        return (await self.node.mutes.add_filter(phrase, warn))[1]

    async def remove_word_filter(self, phrase: str) -> bool:
        return (await self.node.mutes.remove_filter(phrase))[1]

    # --- refusing accounts: private blocks, shared blocklists (node/blocklists.py) ----------

    async def block_privately(self, account: bytes) -> bool:
        return await self.node.blocklists.block_privately(account)

    async def unblock_any(self, account: bytes) -> bool:
        """Undo either kind of block; True when an UNBLOCK was published."""
        return await self.node.blocklists.unblock(account) is not None

    async def privately_blocked(self, account: bytes) -> bool:
        return await self.node.blocklists.privately_blocked(account)

    async def blocklists(self) -> BlocklistsView:
        lists = self.node.blocklists
        rows, owners = await lists.review(), await lists.subscriptions()
        names = {a: (await self.node.feeds.profile(a)).name
                 for a in {r.account for r in rows} | set(owners)}
        return BlocklistsView(rows, owners, names)

    async def blocklist_choice(self, what: str, account: bytes, on: bool) -> bool:
        """``what``: "subscribe" or "except"; ``on``: make or undo it."""
        lists = self.node.blocklists
        choose = {("subscribe", True): lists.subscribe, ("subscribe", False): lists.unsubscribe,
                  ("except", True): lists.except_, ("except", False): lists.unexcept}
        return await choose[what, on](account)

    # --- the storage budget (node/storage.py) -------------------------------------------

    async def storage(self) -> StorageReport:
        return await self.node.storage.report(self.settings.hops)

    async def set_storage_limits(self, budget: int, per_account: int) -> StorageReport:
        """New limits, stored in the home (a serve obeys them too), applied at once."""
        await self.node.storage.set_limits(budget, per_account)
        await self.node.storage.enforce_all(self.settings.hops)
        return await self.node.storage.report(self.settings.hops)

    async def peers(self) -> list[PeerRow]:
        """Every known peer, connected ones first, with names from the store."""
        service = self.service
        now = self.node.clock()
        records = {r.device: r for r in await self.node.replication.peers()}
        live = {p.device: p for p in service.peers()} if service is not None else {}
        paths = service.paths() if service is not None else {}
        devices = list(dict.fromkeys([*live, *records]))
        held = {device: account for device, account, _ in await self.node.replication.logs()}
        accounts = {d: held[d] for d in devices if d in held}
        following = set(await self.node.feeds.following())
        names: dict[bytes, str | None] = {}
        for known in set(accounts.values()):
            names[known] = (await self.node.feeds.profile(known)).name
        rows = []
        for device in devices:
            snap, record = live.get(device), records.get(device)
            account = accounts.get(device)
            base = snap if snap is not None else record
            assert base is not None
            rows.append(PeerRow(
                device=device, account=account, name=names.get(account) if account else None,
                state=snap.state(now) if snap is not None else "known",
                nearby=bool(snap and snap.nearby), source=base.source,
                received=snap.received if snap else 0, sent=snap.sent if snap else 0,
                caught_up=bool(snap and snap.caught_up), last_seen=base.last_seen,
                following=account in following if account else False,
                path=str(paths[device]) if device in paths else None,
                why_not=_why_not(service, device), banned_until=base.banned_until,
                failures=base.failures))
        order = {"connected": 0, "dialing": 1, "known": 2, "banned": 3}
        rows.sort(key=lambda r: (order.get(r.state, 4), not r.nearby, r.name or ""))
        return rows

    def nearby(self) -> list[bytes]:
        return self.service.nearby() if self.service is not None else []

    async def nearby_communities(self) -> list[NearbyRow]:
        """The communities LAN neighbours offer now, by name, with their creators'
        names where known; none while the network is off. The member count of one we
        are in is our roster's when that is larger (a listing is kept for seconds)."""
        service = self.service
        if service is None:
            return []
        rows = []
        ours = {info.id: len(info.members) for info in await self.node.communities.list()}
        for item in await service.nearby_communities():
            profile = await self.node.feeds.profile(item.creator)
            rows.append(NearbyRow(item.id, item.name, item.creator, profile.name,
                                  max(item.members, ours.get(item.id, 0)), item.joined))
        return rows

    async def join_community(self, community_id: bytes) -> bytes:
        """Join a community a LAN neighbour offers; its id (to open it)."""
        service = self.service
        if service is None:
            raise UserError("the network is off: a community is joined from a neighbour "
                            "on the LAN")
        return (await service.join_community(community_id)).id

    async def image(self, digest: bytes) -> bytes | None:
        """An image's bytes: from the store, else fetched from peers (None: nobody has
        it); a sealed attachment of a private entry comes opened. Bytes that a private
        entry's key does not open come as they are: a message naming a public picture's
        hash cannot break that picture."""
        data = await self._blob(digest)
        if data is None:
            return None
        opened = await self.node.messages.open_blob(digest, data)
        return data if opened is None else opened

    async def attachment(self, digest: bytes) -> bytes | None:
        """A private entry's picture or file, opened (None: nobody has it, or its key
        does not open it): what "Save as…" writes."""
        data = await self._blob(digest)
        return None if data is None else await self.node.messages.open_blob(digest, data)

    # --- the readable takeout (takeout.py) ---------------------------------------------

    async def takeout(self, folder: Path, with_followed: bool) -> TakeoutSummary:
        """Write the readable copy of this home into ``folder`` (empty or new), in a
        worker thread through a read-only view of the home, as ``p2psocial takeout``
        does: the node's one writer is never held up. ``UserError`` for a folder that
        is not empty."""
        from .takeout import write_takeout  # sqlite-utils: only when asked

        return await trio.to_thread.run_sync(functools.partial(
            write_takeout, self.home_dir, folder, with_followed=with_followed))

    async def _blob(self, digest: bytes) -> bytes | None:
        data = await self.node.replication.blob(digest)
        if data is None and self.service is not None:
            try:
                data = await self.service.fetch_blob(digest)
            except (UserError, OSError) as exc:
                log.info("image %s not fetched: %s", digest.hex()[:12], exc)
        return data


def _port_of(addr: str) -> int:
    _, sep, rest = addr.partition("/tcp/")
    return int(rest.split("/")[0]) if sep else 0


def _network_error(exc: BaseException, port: int | None) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, OSError) and port and "in use" in text.lower():
        return f"port {port} is used by another program: choose another in Settings"
    return f"the network did not start: {text.splitlines()[0]}"


def _why_not(service: NetworkService | None, device: bytes) -> str | None:
    reason = service.why_not(device) if service is not None else None
    return None if reason is None else str(reason.why)
