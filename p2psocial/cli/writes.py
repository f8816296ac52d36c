"""Write commands as requests: run here with the home's keys, or by a running serve.

Theory of operation. A write command (post, follow, profile --name, join...) first
checks what the person typed and reads the files they named (commands.py); that
gives an action name and its arguments as wire values. ``perform`` then takes the
home's writer lock and runs the action with a node opened here. When the lock is
held and a ``p2psocial serve`` answers on the home's control endpoint (control.py),
the same action runs there instead, with the serve's node (keys already unlocked, so
no passphrase is asked) and its network service (``join`` dials the new peer at once).
Whoever holds the lock and does not answer (the desktop app, a stuck process) gets
today's "in use" error. An action that needs the network (``community nearby`` and
``join``) is given one here too when no serve runs: a short-lived service that
``perform``'s caller brings up for the action's length.

Both paths return the same wire value, an ``Outcome`` (the JSON document and the
lines for people), so what the command prints cannot differ between them. The
serve checks every request's arguments against the action's declared shape before
running it: a client of another version gets one line, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import trio

from .. import control, ids, images, private, private_files
from ..errors import BadImage, HomeError, NotFound, P2PSocialError, UserError
from ..joining import join as join_invite
from ..node import Node
from ..store.views import Cursor, GroupView
from . import render as r
from .lan_offers import POLL, lan_service, offers
from .shapes import BOOL, BYTES, INT, STR, Check, many, optional

if TYPE_CHECKING:
    from ..net.neighbourhood import NearbyCommunity
    from ..net.service import NetworkService
    from .session import Session


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a write command prints: ``doc`` with --json, else ``lines``."""

    doc: dict[str, Any]
    lines: list[str]

    def to_wire(self) -> tuple[str, tuple[str, ...]]:
        return json.dumps(self.doc), tuple(self.lines)

    @classmethod
    def from_wire(cls, value: object) -> Outcome:
        if (type(value) is tuple and len(value) == 2 and type(value[0]) is str
                and type(value[1]) is tuple and all(type(x) is str for x in value[1])):
            try:
                doc = json.loads(value[0])
            except ValueError:
                doc = None
            if isinstance(doc, dict):
                return cls(doc, list(value[1]))
        raise control.ControlError("the running serve sent a malformed answer")


@dataclass(frozen=True, slots=True)
class Here:
    """Where an action runs without a network: a node opened here with its keys."""

    node: Node
    service: NetworkService | None = None


class Context(Protocol):
    """Where an action runs: a node with its keys, and the running network if any (a
    serve's, or the desktop app's ``Backend``, whose service changes with settings)."""

    @property
    def node(self) -> Node: ...

    @property
    def service(self) -> NetworkService | None: ...


# --- argument shapes ----------------------------------------------------------------

def _file(value: object) -> bool:
    """A (name, bytes) pair: one attached file."""
    return (type(value) is tuple and len(value) == 2 and type(value[0]) is str
            and type(value[1]) is bytes)


Action = Callable[..., Awaitable[Any]]
ACTIONS: dict[str, tuple[tuple[Check, ...], Action]] = {}


def action(name: str, *shape: Check) -> Callable[[Action], Action]:
    def register(fn: Action) -> Action:
        ACTIONS[name] = (shape, fn)
        return fn
    return register


def _lookup(name: str, args: tuple) -> Action:
    if name not in ACTIONS:
        raise control.ControlError(f"the running serve does not know the command '{name}': "
                                   "run the same p2psocial for both")
    shape, fn = ACTIONS[name]
    if len(args) != len(shape) or not all(ok(a) for ok, a in zip(shape, args, strict=True)):
        raise control.ControlError(f"malformed arguments for '{name}': run the same "
                                   "p2psocial for both")
    return fn


async def run_action(ctx: Context, name: str, args: tuple) -> Any:
    """Run one action (its arguments checked); its wire result."""
    return await _lookup(name, args)(ctx, *args)


def handler(ctx: Context) -> control.Handler:
    """The control endpoint's handler for a serve's node and service."""
    async def handle(name: str, args: tuple) -> Any:
        return await run_action(ctx, name, args)
    return handle


# --- running one -----------------------------------------------------------------


Network = Callable[[Node], AbstractAsyncContextManager["NetworkService"]]
"""A network service over a node, run for as long as the context lasts."""


def perform(s: Session, name: str, args: tuple, *, network: Network | None = None) -> Outcome:
    """Run a write action here, or at the serve that holds this home's lock.
    ``network``: for an action that needs one, how to run a network here meanwhile
    (a running serve or app uses its own)."""
    s.home.require()
    try:
        s.home.lock()
    except HomeError as in_use:
        try:
            result = control.call(s.home.path, name, args)
        except control.NotAnswering:
            raise in_use from None
    else:
        with s.open_writer() as node:  # the lock is ours already: only keys and store
            result = trio.run(_run_here, node, name, args, network)
    return Outcome.from_wire(result)


async def _run_here(node: Node, name: str, args: tuple, network: Network | None) -> Any:
    if network is None:
        return await run_action(Here(node), name, args)
    async with network(node) as service:
        return await run_action(Here(node, service), name, args)


def ask_serve(s: Session, name: str, args: tuple = ()) -> Any:
    """A running serve's answer to ``name``, or None when no serve answers."""
    try:
        return control.call(s.home.path, name, args)
    except control.NotAnswering:
        return None


# --- the actions --------------------------------------------------------------------


@action("post", STR, optional(BYTES), optional(STR), many(BYTES), many(STR), many(STR))
async def post(ctx: Context, text: str, reply_to: bytes | None, cw: str | None,
               data: tuple[bytes, ...], alt: tuple[str, ...],
               paths: tuple[str, ...]) -> Any:
    try:
        item = await ctx.node.posts.post(text, reply_to=reply_to, content_warning=cw,
                                         images_data=data, alt=alt)
    except BadImage as exc:
        named = await trio.to_thread.run_sync(_which_image, paths, data, exc)
        raise BadImage(named) from None
    return Outcome(r.entry_json(item), [f"Posted {ids.entry_text(item.id)}"]).to_wire()


@action("post_circle", STR, optional(BYTES), optional(STR), many(BYTES), many(STR), many(STR))
async def post_circle(ctx: Context, text: str, reply_to: bytes | None, cw: str | None,
                      data: tuple[bytes, ...], alt: tuple[str, ...],
                      paths: tuple[str, ...]) -> Any:
    try:
        item = await ctx.node.circles.post(text, reply_to=reply_to, content_warning=cw,
                                           images_data=data, alt=alt)
    except BadImage as exc:
        named = await trio.to_thread.run_sync(_which_image, paths, data, exc)
        raise BadImage(named) from None
    count = len(await ctx.node.circles.members())
    return Outcome({**r.entry_json(item), "audience": "circle"},
                   [f"Posted {ids.entry_text(item.id)} for the followers you approved "
                    f"({r.plural(count, 'account')})"]).to_wire()


def _which_image(paths: Sequence[str], data: Sequence[bytes], exc: BadImage) -> str:
    """Name the file that failed; only runs after a failure, so it may redo work."""
    for path, blob in zip(paths, data, strict=True):
        try:
            images.prepare(blob)
        except BadImage as bad:
            return f"{path}: {bad}"
    return str(exc)


@action("profile", optional(STR), optional(STR), optional(BYTES), optional(STR))
async def set_profile(ctx: Context, name: str | None, bio: str | None,
                      avatar: bytes | None, avatar_path: str | None) -> Any:
    node = ctx.node
    try:
        await node.posts.set_profile(name=name, bio=bio, avatar_data=avatar)
    except BadImage as exc:
        raise BadImage(f"{avatar_path}: {exc}") from None
    profile = await node.feeds.profile(node.account_id)
    lines = r.profile_lines(profile)
    if profile.devices == 0:
        lines.append("(this home holds nothing from this account yet)")
    return Outcome(r.profile_json(profile), lines).to_wire()


@action("edit", BYTES, STR, optional(STR))
async def edit(ctx: Context, target: bytes, text: str, cw: str | None) -> Any:
    item = await ctx.node.posts.edit(target, text, cw)
    return _on_entry(item, target, "Edited")


@action("delete", BYTES)
async def delete(ctx: Context, target: bytes) -> Any:
    return _on_entry(await ctx.node.posts.delete(target), target, "Deleted")


@action("react", BYTES, STR, BOOL)
async def react(ctx: Context, target: bytes, emoji: str, undo: bool) -> Any:
    item = await ctx.node.posts.react(target, emoji, undo=undo)
    said = r.clean(emoji, one_line=True)
    return _on_entry(item, target, f"Took back {said} on" if undo else f"Reacted {said} to")


def _on_entry(item: Any, target: bytes, said: str) -> Any:
    text = ids.entry_text(target)
    return Outcome({**r.entry_json(item), "target": text}, [f"{said} {text}"]).to_wire()


def _relation(verb: str, said: str) -> Action:
    async def relate(ctx: Context, account: bytes) -> Any:
        item = await getattr(ctx.node.posts, verb)(account)
        profile = await ctx.node.feeds.profile(account)
        text = ids.account_text(account)
        return Outcome({**r.entry_json(item), "account": text},
                       [f"{said} {r.display_name(profile.name)} ({text})"]).to_wire()
    return relate


RELATIONS = (("follow", "Following"), ("unfollow", "No longer following"),
             ("block", "Blocked"), ("unblock", "Unblocked"))
for _verb, _said in RELATIONS:
    action(_verb, BYTES)(_relation(_verb, _said))


# --- followers-only posts (issue 5): approving is adding to the circle (node/circles.py) -


@action("approve", BYTES)
async def approve(ctx: Context, account: bytes) -> Any:
    node = ctx.node
    before = await node.circles.members()
    await node.circles.approve(account)
    who = await _who(node, account)
    said = (f"{who} was approved already" if account in before else
            f"Approved {who}: they read the followers-only posts you write from now on, "
            "not the earlier ones")
    return Outcome(await _circle_json(node, approved=account), [said]).to_wire()


@action("revoke", BYTES)
async def revoke(ctx: Context, account: bytes) -> Any:
    node = ctx.node
    before = await node.circles.members()
    await node.circles.revoke(account)
    who = await _who(node, account)
    said = (f"Revoked {who}: they cannot read the followers-only posts you write from now "
            "on (what they read before stays with them)" if account in before else
            f"{who} was not approved")
    return Outcome(await _circle_json(node, revoked=account), [said]).to_wire()


async def _circle_json(node: Node, **changed: bytes) -> dict[str, Any]:
    members = [(a, (await node.feeds.profile(a)).name) for a in await node.circles.members()]
    return {**{k: ids.account_text(v) for k, v in changed.items()},
            "circle": r.accounts_json(members)}


@action("join", STR)
async def join(ctx: Context, code_text: str) -> Any:
    done = await join_invite(ctx.node, ctx.service, code_text)
    account = ids.account_text(done.account)
    lines = [f"Added {ids.device_text(done.device)} ({r.plural(len(done.addrs), 'address')}) "
             "to the address book."]
    if done.followed:
        lines.append(f"Following {account}.")
    elif done.own:
        lines.append("It is another device of your own account.")
    if done.community is not None:
        lines.append(f"Joined the community {r.clean(done.community_name or '', one_line=True)}"
                     f" ({ids.group_text(done.community)}).")
    lines.append("Connecting now (through the running p2psocial)." if done.connecting else
                 "Run 'p2psocial serve' (or 'p2psocial sync --once') to connect.")
    return Outcome({"device": ids.device_text(done.device), "account": account,
                    "addrs": list(done.addrs), "followed": done.followed,
                    "community": ids.group_text(done.community) if done.community else None},
                   lines).to_wire()


@action("peers")
async def live_peers(ctx: Context) -> Any:
    """Our reachability (state, basis, addresses a friend's dial-back reached) and, for
    every peer the running service knows, (device, state, nearby, standing,
    banned_until, path or "", why-not or ""): strangers are known to it in memory
    only, so their standing is told here too; the path is how a connected peer is
    connected (net/paths.py), the why-not why another one is not (net/why_not.py)."""
    if ctx.service is None:
        raise UserError("only a running 'p2psocial serve' knows live peer states")
    service = ctx.service
    now = ctx.node.clock()
    paths = service.paths()
    reach = service.reachability()
    rows = []
    for p in service.peers():
        reason = service.why_not(p.device)
        rows.append((p.device, p.state(now), p.nearby, p.standing, p.banned_until,
                     str(paths.get(p.device, "")), str(reason.why) if reason else ""))
    return ((str(reach.state), str(reach.basis), tuple(reach.reachable_at)), tuple(rows))


# --- private conversations (issue 5) -------------------------------------------------
# Reading them needs the account's encryption key and writes the scan's results (what
# is for me, read state): so ``inbox`` and ``conversation`` are actions too, run by a
# node with its keys. Beside a running serve or app they run there, without asking for
# the passphrase again; alone they take the lock like any write.


def _cursor(value: object) -> bool:
    return type(value) is str and Cursor.parse(value) is not None


def _limit(value: object) -> bool:
    return type(value) is int and 1 <= value <= 500


ATTACHED = (many(BYTES), many(STR), many(STR), many(_file))
"""Pictures, their descriptions, their paths (to name one that fails) and files
((name, bytes)) of a private message (issue 14)."""


@action("dm", many(BYTES), STR, optional(BYTES), *ATTACHED)
async def dm(ctx: Context, recipients: tuple[bytes, ...], text: str,
             reply_to: bytes | None, data: tuple[bytes, ...], alt: tuple[str, ...],
             paths: tuple[str, ...], files: tuple[tuple[str, bytes], ...]) -> Any:
    node = ctx.node
    try:
        item = await node.messages.send(recipients, text, reply_to=reply_to,
                                        images_data=data, alt=alt, files=files)
    except BadImage as exc:
        which = await trio.to_thread.run_sync(_which_image, paths, data, exc)
        raise BadImage(which) from None
    named = [(a, (await node.feeds.profile(a)).name) for a in recipients]
    conversation = private.conversation_id((node.account_id, *recipients))
    return Outcome(r.sent_json(item, conversation, named),
                   [r.sent_line(conversation, [n for _, n in named])]).to_wire()


@action("inbox")
async def inbox(ctx: Context) -> Any:
    node = ctx.node
    await node.messages.scan()
    views, groups = await node.messages.conversations(), await node.groups.list()
    return Outcome(r.inbox_json(views, groups, node.account_id),
                   r.inbox_lines(views, groups, node.account_id)).to_wire()


@action("conversation", BYTES, _limit, optional(_cursor), BOOL)
async def conversation(ctx: Context, conversation_id: bytes, limit: int, before: str | None,
                       mark_read: bool) -> Any:
    node = ctx.node
    await node.messages.scan()
    view = next((v for v in await node.messages.conversations() if v.id == conversation_id), None)
    if view is None:
        raise NotFound(f"no conversation {ids.conversation_text(conversation_id)} in this "
                       "home: 'p2psocial inbox' lists yours")
    page = await node.messages.conversation(conversation_id, limit,
                                            Cursor.from_text(before) if before else None)
    if mark_read:
        await node.messages.mark_read(conversation_id)
    me = node.account_id
    return Outcome(r.conversation_page_json(view, page, me),
                   r.conversation_lines(view, page)).to_wire()


# --- private groups (issue 5) ---------------------------------------------------------
# The node decides who may do what (creator only, members only, key known, at most
# 64 members) and says so in one line; these actions name the group in what they
# print. Each scans first: a key that arrived since the last scan makes a group known.


async def _group(node: Node, group_id: bytes) -> GroupView:
    """The group as ``group list`` shows it (after a scan), or a one-line NotFound."""
    await node.messages.scan()
    found = next((g for g in await node.groups.list() if g.id == group_id), None)
    if found is None:
        raise NotFound(f"no group {ids.group_text(group_id)} in this home: "
                       "'p2psocial group list' lists yours")
    return found


@action("group_create", STR, many(BYTES))
async def group_create(ctx: Context, name: str, members: tuple[bytes, ...]) -> Any:
    node = ctx.node
    view = await _group(node, await node.groups.create(name, members))
    me = node.account_id
    return Outcome(r.group_json(view, me), [
        f"Created the group {r.group_title(view)} with {r.group_members_text(view, me)}.",
        "Only its members can read it; you alone can add and remove members."]).to_wire()


@action("group_list")
async def group_list(ctx: Context) -> Any:
    node = ctx.node
    await node.messages.scan()
    groups = await node.groups.list()
    return Outcome(r.groups_json(groups, node.account_id),
                   r.group_list_lines(groups, node.account_id)).to_wire()


@action("group_post", BYTES, STR, optional(BYTES), *ATTACHED)
async def group_post(ctx: Context, group_id: bytes, text: str,
                     reply_to: bytes | None, data: tuple[bytes, ...], alt: tuple[str, ...],
                     paths: tuple[str, ...], files: tuple[tuple[str, bytes], ...]) -> Any:
    node = ctx.node
    view = await _group(node, group_id)
    try:
        item = await node.groups.post(group_id, text, reply_to, images_data=data, alt=alt,
                                      files=files)
    except BadImage as exc:
        named = await trio.to_thread.run_sync(_which_image, paths, data, exc)
        raise BadImage(named) from None
    return Outcome({**r.entry_json(item), "group": ids.group_text(group_id),
                    "name": view.name},
                   [f"Sent to {r.group_title(view)}: {ids.entry_text(item.id)}"]).to_wire()


@action("group_react", BYTES, BYTES, STR, BOOL)
async def group_react(ctx: Context, group_id: bytes, target: bytes, emoji: str,
                      undo: bool) -> Any:
    node = ctx.node
    view = await _group(node, group_id)
    item = await node.groups.react(group_id, target, emoji, undo=undo)
    said = r.clean(emoji, one_line=True)
    verb = f"Took back {said} on" if undo else f"Reacted {said} to"
    return Outcome({**r.entry_json(item), "group": ids.group_text(group_id),
                    "target": ids.entry_text(target), "emoji": emoji, "undo": undo},
                   [f"{verb} {ids.entry_text(target)} in {r.group_title(view)}"]).to_wire()


@action("group_show", BYTES, _limit, optional(_cursor), BOOL)
async def group_show(ctx: Context, group_id: bytes, limit: int, before: str | None,
                     mark_read: bool) -> Any:
    node = ctx.node
    view = await _group(node, group_id)
    page = await node.groups.messages(group_id, limit,
                                      Cursor.from_text(before) if before else None)
    if mark_read:
        await node.messages.mark_read(group_id)
    me = node.account_id
    return Outcome(r.group_page_json(view, page, me),
                   r.group_page_lines(view, page, me)).to_wire()


@action("group_add", BYTES, BYTES)
async def group_add(ctx: Context, group_id: bytes, account: bytes) -> Any:
    node = ctx.node
    await _group(node, group_id)
    await node.groups.add_member(group_id, account)
    view = await _group(node, group_id)
    who = await _who(node, account)
    return Outcome({**r.group_json(view, node.account_id), "added": ids.account_text(account)},
                   [f"Added {who} to {r.group_title(view)}: a new epoch ({view.epoch}) "
                    "started; they read what is posted from now on, not what came "
                    "before."]).to_wire()


@action("group_remove", BYTES, BYTES)
async def group_remove(ctx: Context, group_id: bytes, account: bytes) -> Any:
    node = ctx.node
    await _group(node, group_id)
    await node.groups.remove_member(group_id, account)
    view = await _group(node, group_id)
    who = await _who(node, account)
    return Outcome({**r.group_json(view, node.account_id),
                    "removed": ids.account_text(account)},
                   [f"Removed {who} from {r.group_title(view)}: a new epoch ({view.epoch}) "
                    "started, and they cannot read what is posted from now on (what they "
                    "read before stays with them)."]).to_wire()


@action("group_leave", BYTES)
async def group_leave(ctx: Context, group_id: bytes) -> Any:
    node = ctx.node
    await _group(node, group_id)
    await node.groups.leave(group_id)
    view = await _group(node, group_id)
    said = r.community_left_line(view) if view.community else (
        f"You left {r.group_title(view)}: you are off its member list, and the next key "
        "its creator hands out leaves you out.")
    return Outcome(r.group_json(view, node.account_id), [said]).to_wire()


# --- open LAN communities (issue 5) ---------------------------------------------------
# A community is a group that anyone on the LAN may join (store/communities.py):
# posting, reading and leaving are the group actions above. Creating and listing need
# only the node. Seeing what the neighbours offer, and joining, need the network: a
# running serve's or app's service, else the short-lived one perform's caller brings
# up. Either way the action waits, up to the time it is given, for neighbours to
# appear and answer: mDNS takes a moment, and a neighbour lists nothing to a device
# it has not seen on the LAN itself yet (net/neighbourhood.py asks again).

def _wait(value: object) -> bool:
    return type(value) is int and 0 <= value <= 600_000  # milliseconds: the wire has no floats


@action("community_create", STR)
async def community_create(ctx: Context, name: str) -> Any:
    node = ctx.node
    view = await _group(node, await node.communities.create(name))
    return Outcome(r.group_json(view, node.account_id),
                   r.community_created_lines(view)).to_wire()


@action("community_list")
async def community_list(ctx: Context) -> Any:
    node = ctx.node
    await node.messages.scan()
    found = [g for g in await node.groups.list() if g.community]
    return Outcome(r.communities_json(found, node.account_id),
                   r.community_list_lines(found, node.account_id)).to_wire()


@action("community_nearby", _wait)
async def community_nearby(ctx: Context, wait_ms: int) -> Any:
    node, service = ctx.node, lan_service(ctx.service)

    def everyone_answered(found: list[NearbyCommunity]) -> bool:
        near = set(service.nearby())
        return bool(near) and near <= {d for c in found for d in c.devices}

    found = await offers(service, wait_ms / 1000, everyone_answered)
    named = [(c, (await node.feeds.profile(c.creator)).name) for c in found]
    neighbours = len(service.nearby())
    return Outcome(r.nearby_json(named, neighbours),
                   r.nearby_lines(named, neighbours, node.account_id)).to_wire()


@action("community_join", BYTES, _wait)
async def community_join(ctx: Context, community_id: bytes, wait_ms: int) -> Any:
    node, service = ctx.node, lan_service(ctx.service)
    already = any(i.id == community_id for i in await node.communities.list())
    found = await offers(service, wait_ms / 1000,
                          lambda found: any(c.id == community_id for c in found))
    if not any(c.id == community_id for c in found):
        raise UserError(f"nobody on this local network offers the community "
                        f"{ids.group_text(community_id)} now (waited {wait_ms / 1000:g} s): "
                        "'p2psocial community nearby' lists what is offered")
    await service.join_community(community_id)
    view = await _group(node, community_id)
    creator = (await node.feeds.profile(view.admin)).name
    me = node.account_id
    return Outcome({**r.group_json(view, me), "already": already},
                   r.community_joined_lines(view, creator, me, already)).to_wire()


async def _who(node: Node, account: bytes) -> str:
    """``Bob (p2ps1…)``."""
    name = (await node.feeds.profile(account)).name
    return f"{r.display_name(name)} ({ids.account_text(account)})"


# --- pictures and files of private entries (issue 14) ---------------------------------


class BlobNotHere(NotFound):
    """The attachment's sealed blob is not in this home and no network is running: the
    command tries again with one."""


@action("save", BYTES, INT, STR)
async def save(ctx: Context, entry: bytes, number: int, path: str) -> Any:
    """Write the ``number``-th (from 0) attachment of a private entry to ``path`` (a
    folder: under the file's own name), fetched from peers when not here."""
    node = ctx.node
    await node.messages.scan()
    found = await node.messages.attachment(entry, number)
    data = await node.replication.blob(found.blob)
    if data is None:
        if ctx.service is None:
            raise BlobNotHere("that attachment is not in this home yet")
        data = await _fetch(ctx.service, found.blob)
    opened = await node.messages.open_blob(found.blob, data)
    if opened is None:
        raise UserError("that attachment does not open: its bytes were altered")
    target = await trio.to_thread.run_sync(_write_file, path, found.name, found.mime, opened)
    what = found.name or ("picture" if found.is_image else "file")
    return Outcome({"path": target, "name": found.name, "mime": found.mime,
                    "size": found.size},
                   [f"Saved {what} ({r.file_size(found.size)}) to {target}"]).to_wire()


SAVE_WAIT = 15.0
"""Seconds ``save`` keeps asking while peers come and go (a short network finds its
LAN neighbours and dials its address book in its first seconds)."""


async def _fetch(service: NetworkService, digest: bytes) -> bytes:
    """The blob from whoever has it: asked again after every change of the service
    (a peer connected) for up to ``SAVE_WAIT`` seconds."""
    deadline = trio.current_time() + SAVE_WAIT
    while True:
        try:
            return await service.fetch_blob(digest)
        except P2PSocialError as exc:  # BlobUnavailable: nobody reachable has it
            if trio.current_time() >= deadline:
                raise NotFound(f"that attachment is not here, and no peer gave it: "
                               f"{exc}") from None
        with trio.move_on_at(min(deadline, trio.current_time() + POLL)):
            await service.next_change()


def _write_file(path: str, name: str, mime: str, data: bytes) -> str:
    """Write ``data`` at ``path`` (under ``name`` when it is a folder); the path."""
    import mimetypes
    import os

    target = path
    if os.path.isdir(path):
        fallback = "picture" + (mimetypes.guess_extension(mime) or "")
        target = os.path.join(path, private_files.safe_name(name) if name else fallback)
    try:
        with open(target, "wb") as out:
            out.write(data)
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror}") from None
    return target
