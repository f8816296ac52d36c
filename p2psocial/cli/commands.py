"""The subcommands: parse ids and files, call the node, print the result.

Read commands open the home read-only (no passphrase, no lock: they work while the
app runs); write commands run an action of writes.py, with the home opened with its
keys here (session.py) or, while ``serve`` holds the home, by that serve. Everything
a person named on the command line (ids, files) is checked before the home is
opened, so a typo fails fast and never waits for a passphrase. Each command returns
its exit code.

The commands that run a network or ask a running serve (serve, invite, join, peers,
sync) are in online.py, and what every command uses is in command.py; both modules'
commands register in ``command.COMMANDS``, where ``dispatch`` finds them.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import getpass
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import trio

from .. import content as c
from .. import ids, keyfile, phrase, private, private_files
from ..errors import (
    ContentTooLarge,
    HomeError,
    InvalidContent,
    PassphraseRequired,
    UserError,
)
from ..home import Home
from ..node import Node, read_file
from ..switches import LAN_TYPE_ENV, env_listen_ips  # hidden: tests on loopback
from . import (
    blocklists,  # noqa: F401  (block, unblock, blocklist: they register on import)
    devices,  # noqa: F401  (devices, device: they register on import)
    moderation,  # community moderation and 'report' (issue 17)
    mutes,  # noqa: F401  (mute, unmute, mutes, filter: they register on import)
    online,  # noqa: F401  (serve, invite, join, peers, sync: they register on import)
    storage,  # noqa: F401  (storage: it registers on import)
    takeout,  # noqa: F401  (takeout: it registers on import)
    writes,
)
from . import render as r
from .command import (
    COMMANDS,
    Handler,
    account_arg,
    command,
    cursor_arg,
    entry_arg,
    group_arg,
    log_to_stderr,
    run_write,
    show,
    text_arg,
)
from .parser import UsageError
from .session import PASSPHRASE_ENV, Session, run_async

if TYPE_CHECKING:
    from ..net.service import NetworkService

def dispatch(args: argparse.Namespace, home_path: Path | None) -> int:
    """Run a scripting command (the window, ``gui``, starts in cli/__init__.py)."""
    return COMMANDS[args.command](args, Session(Home(home_path), args.passphrase_stdin))


def _not_there(home: Home) -> None:
    if home.exists():
        raise HomeError(f"{home.path} already holds an account: choose an empty home "
                        "with --home DIR")


# --- an account --------------------------------------------------------------------


@command("init")
def cmd_init(args: argparse.Namespace, s: Session) -> int:
    c.Profile(args.name.strip()).validate()
    _not_there(s.home)
    secret = s.new_passphrase()
    with Node.init(s.home, args.name, secret) as node:
        assert node.identity is not None
        words = phrase.to_phrase(node.identity.require_root().root_seed)
        account = ids.account_text(node.account_id)
    name = args.name.strip()
    doc = {"account": account, "name": name, "home": str(s.home.path), "phrase": words,
           "passphrase": secret is not None}
    show(args, doc, [
        f"Created {r.display_name(name)} ({account}) in {s.home.path}", "",
        "Your recovery phrase: write these 24 words down on paper and keep them secret.",
        "They restore your account if this computer is lost; anyone who has them can "
        "act as you.", "", *r.phrase_lines(words)])
    return 0


@command("restore")
def cmd_restore(args: argparse.Namespace, s: Session) -> int:
    profile = c.Profile(args.name.strip())
    profile.validate()
    _not_there(s.home)
    secret = s.new_passphrase()
    if args.phrase_stdin:
        text = s.read_stdin()
    elif s.stdin_is_terminal():
        text = getpass.getpass("Recovery phrase (24 words): ")
    else:
        raise UsageError("give the recovery phrase on stdin with --phrase-stdin")
    with Node.restore(s.home, phrase.from_phrase(text), profile.name, secret) as node:
        account = ids.account_text(node.account_id)  # a new device: a new log
        device = node.identity.device_id if node.identity else b""
    doc = {"account": account, "name": profile.name, "home": str(s.home.path),
           "device": ids.device_text(device), "passphrase": secret is not None}
    show(args, doc, [f"Restored {r.display_name(profile.name)} ({account}) in {s.home.path} "
                     "as a new device.",
                     "Your earlier posts come back as peers that hold them connect."])
    return 0


@command("whoami")
def cmd_whoami(args: argparse.Namespace, s: Session) -> int:
    with s.open_reader() as node:
        profile = run_async(node.feeds.profile, node.account_id)
    sealed = keyfile.is_encrypted(s.home.read_keys())
    doc = {**r.profile_json(profile), "home": str(s.home.path), "passphrase": sealed}
    show(args, doc, [*r.profile_lines(profile), f"home: {s.home.path}",
                     "keys: " + ("protected by a passphrase" if sealed
                                 else "not protected by a passphrase")])
    return 0


@command("phrase")
def cmd_phrase(args: argparse.Namespace, s: Session) -> int:
    identity = s.load_identity()
    words = phrase.to_phrase(identity.require_root().root_seed)
    doc = {"account": ids.account_text(identity.account_id), "phrase": words}
    show(args, doc, ["Keep these words secret: anyone who has them can act as you. "
                     "Never type them into a website or send them to anyone.", "",
                     *r.phrase_lines(words)])
    return 0


@command("profile")
def cmd_profile(args: argparse.Namespace, s: Session) -> int:
    if args.name is None and args.bio is None and args.avatar is None:
        account = account_arg(args.account) if args.account else None
        with s.open_reader() as node:
            profile = run_async(node.feeds.profile, account or node.account_id)
    else:
        if args.account:
            raise UsageError("you can only change your own profile: leave out ACCOUNT")
        avatar = read_file(args.avatar, "picture") if args.avatar else None
        return run_write(args, s, "profile", args.name, args.bio, avatar, args.avatar)
    lines = r.profile_lines(profile)
    if profile.devices == 0:
        lines.append("(this home holds nothing from this account yet)")
    show(args, r.profile_json(profile), lines)
    return 0


# --- posts -------------------------------------------------------------------------


@command("post")
def cmd_post(args: argparse.Namespace, s: Session) -> int:
    reply_to = entry_arg(args.reply_to) if args.reply_to else None
    if len(args.alt) > len(args.image):
        raise UsageError("there are more --alt descriptions than --image files")
    text = text_arg(args.text, s)
    if c.named_mentions(text):  # "@Bob": the id of the one Bob this home knows
        with s.open_reader() as node:
            text = run_async(node.posts.resolve_mentions, text)
    if args.image and text.strip():  # refuse an over-long text before preparing images
        c.Post(text, content_warning=args.cw).validate()
    data = tuple(read_file(path, "image") for path in args.image)
    if args.followers_only:  # its images are sealed for the approved followers (issue 14)
        return run_write(args, s, "post_circle", text, reply_to, args.cw, data, tuple(args.alt),
                      tuple(args.image))
    return run_write(args, s, "post", text, reply_to, args.cw, data, tuple(args.alt),
                  tuple(args.image))


@command("edit")
def cmd_edit(args: argparse.Namespace, s: Session) -> int:
    target = entry_arg(args.entry)
    return run_write(args, s, "edit", target, text_arg(args.text, s), args.cw)


@command("delete")
def cmd_delete(args: argparse.Namespace, s: Session) -> int:
    return run_write(args, s, "delete", entry_arg(args.entry))


@command("react")
def cmd_react(args: argparse.Namespace, s: Session) -> int:
    return run_write(args, s, "react", entry_arg(args.entry), args.emoji, args.undo)


@command("feed")
def cmd_feed(args: argparse.Namespace, s: Session) -> int:
    with s.open_reader() as node:
        page = run_async(node.feeds.home_timeline, args.limit, cursor_arg(args.before))
    show(args, r.page_json(page), r.page_lines(
        page, show_cw=args.show_cw, empty="Nothing here yet: post with 'p2psocial post TEXT' "
        "or follow someone with 'p2psocial follow ACCOUNT'."))
    return 0


@command("thread")
def cmd_thread(args: argparse.Namespace, s: Session) -> int:
    target = entry_arg(args.entry)
    with s.open_reader() as node:
        posts = run_async(node.feeds.thread, target)
    doc = {"root": ids.entry_text(posts[0].thread_root),
           "items": [r.post_json(v) for v in posts]}
    show(args, doc, r.thread_lines(posts, show_cw=args.show_cw))
    return 0


@command("search")
def cmd_search(args: argparse.Namespace, s: Session) -> int:
    with s.open_reader() as node:
        page = run_async(node.feeds.search, args.text, args.limit, cursor_arg(args.before))
    show(args, r.page_json(page), r.page_lines(
        page, show_cw=args.show_cw, empty=f"No posts match '{r.clean(args.text, one_line=True)}'."))
    return 0


@command("mentions")
def cmd_mentions(args: argparse.Namespace, s: Session) -> int:
    with s.open_reader() as node:
        page = run_async(node.feeds.mentions, args.limit, cursor_arg(args.before))
    show(args, r.page_json(page), r.page_lines(page, show_cw=args.show_cw,
                                               empty="Nobody has mentioned you yet."))
    return 0


# --- private conversations (issue 5): actions of writes.py, see there why ------------


@command("dm")
def cmd_dm(args: argparse.Namespace, s: Session) -> int:
    recipients = tuple(dict.fromkeys(account_arg(a) for a in args.accounts))
    reply_to = entry_arg(args.reply_to) if args.reply_to else None
    return run_write(args, s, "dm", recipients, text_arg(args.text, s), reply_to,
                  *_attachments(args))


def _attachments(args: argparse.Namespace) -> tuple[object, ...]:
    """(images, alts, image paths, files) of --image, --alt and --file, as wire values:
    a file too large is refused before anything is read."""
    if len(args.alt) > len(args.image):
        raise UsageError("there are more --alt descriptions than --image files")
    for path in args.file:
        try:
            size = Path(path).expanduser().stat().st_size
        except OSError:
            size = 0  # read_file says why in one line
        private_files.check_size(size, Path(path).name)
    images = tuple(read_file(path, "image") for path in args.image)
    files = tuple((Path(path).name, read_file(path, "file")) for path in args.file)
    return images, tuple(args.alt), tuple(args.image), files


@command("save")
def cmd_save(args: argparse.Namespace, s: Session) -> int:
    """Write an attachment where asked; its sealed blob is fetched from peers (a short
    network, or the running serve's) when this home does not hold it yet."""
    entry = entry_arg(args.entry)
    path = str(Path(args.path).expanduser().absolute())  # a serve may write it
    values = (entry, args.number - 1, path)
    try:
        return run_write(args, s, "save", *values)
    except writes.BlobNotHere:
        return _on_the_lan(args, s, "save", *values)


@command("inbox")
def cmd_inbox(args: argparse.Namespace, s: Session) -> int:
    return run_write(args, s, "inbox")


@command("conversation")
def cmd_conversation(args: argparse.Namespace, s: Session) -> int:
    if ids.is_id(ids.GROUP, args.conversation):  # a group is a conversation too
        return run_write(args, s, "group_show", group_arg(args.conversation), args.limit,
                      args.before, args.mark_read)
    conversation = ids.decode(ids.CONVERSATION, args.conversation)
    return run_write(args, s, "conversation", conversation, args.limit, args.before,
                  args.mark_read)


# --- private groups (issue 5): ``group ACTION``, actions of writes.py as dm's -------


@command("group")
def cmd_group(args: argparse.Namespace, s: Session) -> int:
    what = args.group_command
    if what == "create":
        members = tuple(dict.fromkeys(account_arg(a) for a in args.accounts))
        return run_write(args, s, "group_create", args.name, members)
    if what == "list":
        return run_write(args, s, "group_list")
    group = group_arg(args.group)
    if what == "post":
        reply_to = entry_arg(args.reply_to) if args.reply_to else None
        return run_write(args, s, "group_post", group, text_arg(args.text, s), reply_to,
                      *_attachments(args))
    if what == "show":
        return run_write(args, s, "group_show", group, args.limit, args.before, args.mark_read)
    if what in ("add", "remove"):
        return run_write(args, s, f"group_{what}", group, account_arg(args.account))
    if what == "react":
        return run_write(args, s, "group_react", group, entry_arg(args.entry), args.emoji,
                      args.undo)
    assert what == "leave", what
    return run_write(args, s, "group_leave", group)


# --- open LAN communities (issue 5): ``community ACTION`` ----------------------------
# A community is a group anyone on the LAN may join: post, show and leave are group
# actions. ``nearby`` and ``join`` need the network: beside a running serve or app
# they run there, with its service; alone, a short-lived one runs here meanwhile.

SETTLE_QUIET = 1.5
"""After joining, the short-lived network stays up until no entry arrived for this
many seconds (the members' posts, and ours to them, travel meanwhile)..."""
SETTLE_MAX = 8.0
"""...but no longer than this."""


@command("community")
def cmd_community(args: argparse.Namespace, s: Session) -> int:
    what = args.community_command
    if what in moderation.COMMUNITY_ACTIONS:
        return moderation.community_command(args, s)
    if what == "create":
        return run_write(args, s, "community_create", _community_name(args.name))
    if what == "list":
        return run_write(args, s, "community_list")
    wait = round(args.wait * 1000)
    if what == "nearby":
        return _on_the_lan(args, s, "community_nearby", wait)
    assert what == "join", what
    return _on_the_lan(args, s, "community_join", group_arg(args.community), wait, settle=True)


def _community_name(text: str) -> str:
    name = text.strip()
    try:
        private.check_group_name(name)
    except InvalidContent:
        raise InvalidContent("a community needs a name") from None
    except ContentTooLarge:
        raise ContentTooLarge(f"a community's name is one line of at most "
                              f"{private.NAME_MAX} characters") from None
    return name


def _on_the_lan(args: argparse.Namespace, s: Session, name: str, *values: object,
                settle: bool = False) -> int:
    """A write action that needs the network: at a running serve or app, else here
    with a short-lived network (``settle``: kept up a little after the action)."""
    network = functools.partial(_short_network, settle=settle, verbose=args.verbose)
    outcome = writes.perform(s, name, values, network=network)
    show(args, outcome.doc, outcome.lines)
    return 0


@contextlib.asynccontextmanager
async def _short_network(node: Node, *, settle: bool,
                         verbose: bool) -> AsyncIterator[NetworkService]:
    """A network for one command: LAN discovery on, any free port, relaying nothing.
    ``settle``: once the action is done, stay until entries stop arriving."""
    # libp2p's import is slow: only here, not when a running serve does the work
    log_to_stderr(logging.INFO if verbose else logging.WARNING,
                   logging.WARNING if verbose else logging.CRITICAL)
    from ..net.discovery import SERVICE_TYPE
    from ..net.service import NetworkService

    async with NetworkService(node.replication, port=0, ip=env_listen_ips(),
                              lan=True,
                              lan_service_type=os.environ.get(LAN_TYPE_ENV) or SERVICE_TYPE,
                              offer_relay=False, reserve=False) as service:
        yield service
        if settle:
            with trio.move_on_after(SETTLE_MAX):
                await _until_quiet(node)


async def _until_quiet(node: Node) -> None:
    """Return once the node stored nothing for ``SETTLE_QUIET`` seconds."""
    while True:
        with node.subscribe() as events:
            try:
                while True:
                    with trio.move_on_after(SETTLE_QUIET) as quiet:
                        await events.receive()
                    if quiet.cancelled_caught:
                        return
            except trio.EndOfChannel:  # fell behind (Lagged): entries are arriving
                continue


# --- people ------------------------------------------------------------------------


def _relation(verb: str) -> Handler:
    def handler(args: argparse.Namespace, s: Session) -> int:
        return run_write(args, s, verb, account_arg(args.account))
    return handler


for _verb, _ in writes.RELATIONS:  # block, unblock: cli/blocklists.py's (--private)
    COMMANDS.setdefault(_verb, _relation(_verb))


def _accounts(which: str, empty: str) -> Handler:
    def handler(args: argparse.Namespace, s: Session) -> int:
        account = account_arg(args.account) if args.account else None
        with s.open_reader() as node:
            who = account or node.account_id

            async def named() -> list[tuple[bytes, str | None]]:
                found = await getattr(node.feeds, which)(who)
                return [(a, (await node.feeds.profile(a)).name) for a in found]

            accounts = run_async(named)
        doc = {"account": ids.account_text(who),
               which: [{"account": ids.account_text(a), "name": n} for a, n in accounts]}
        show(args, doc, r.account_lines(accounts, empty))
        return 0
    return handler


for _verb in ("approve", "revoke"):
    COMMANDS[_verb] = _relation(_verb)


@command("circle")
def cmd_circle(args: argparse.Namespace, s: Session) -> int:
    with s.open_reader() as node:
        async def named() -> list[tuple[bytes, str | None]]:
            return [(a, (await node.feeds.profile(a)).name) for a in await node.circles.members()]

        accounts = run_async(named)
    show(args, {"circle": r.accounts_json(accounts)}, r.account_lines(
        accounts, "No approved followers yet: 'p2psocial approve ACCOUNT' lets one read "
        "your followers-only posts."))
    return 0


COMMANDS["following"] = _accounts("following", "Not following anyone.")
COMMANDS["followers"] = _accounts("followers", "No followers known to this home.")


# --- the whole home ----------------------------------------------------------------


@command("verify")
def cmd_verify(args: argparse.Namespace, s: Session) -> int:
    with s.open_reader() as node:
        problems = run_async(node.feeds.verify, args.full)
        stats = run_async(node.feeds.stats)
        forked = run_async(node.feeds.forked_logs)
    lines = [f"{ids.device_text(p.device)} seq {p.seq}: {p.reason}" if p.device
             else f"store: {p.reason}" for p in problems]
    how = "every signature checked" if args.full else "add --full to check every signature"
    show(args, {"ok": not problems, "full": args.full, **stats,
                "problems": [r.problem_json(p) for p in problems],
                "forks": [r.fork_json(f) for f in forked]},
         (lines or [f"No damage found in {stats['entries']:,} entries of {stats['logs']:,} "
                    f"logs ({how})."]) + r.fork_lines(forked))
    return 1 if problems else 0


@command("export")
def cmd_export(args: argparse.Namespace, s: Session) -> int:
    from .. import backup

    path = Path(args.file).expanduser()
    if path.exists() and not args.force:
        raise UserError(f"{path} already exists: choose another name, or add --force "
                        "to replace it")
    with s.open_reader() as node:  # export only reads: it works while the app runs
        summary = backup.export_backup(node, path)
    doc = {"file": str(path), "entries": summary.entries, "blobs": summary.blobs,
           "size": summary.size}
    show(args, doc, [f"Saved {_counts(summary.entries, summary.blobs)} "
                     f"({r.size_text(summary.size)}) to {path}. Keep it somewhere safe."])
    return 0


@command("import")
def cmd_import(args: argparse.Namespace, s: Session) -> int:
    from .. import backup

    path = Path(args.file).expanduser()
    _not_there(s.home)
    if not path.is_file():
        raise UserError(f"cannot read backup {path}: " + (
            "it is a folder" if path.is_dir() else "no such file"))
    secret = s.passphrase(prompt=False)
    try:
        node, summary = backup.restore_backup(s.home, path, secret)
    except PassphraseRequired:
        if secret or not s.stdin_is_terminal():
            raise PassphraseRequired("this backup is protected by a passphrase: give it with "
                                     f"--passphrase-stdin or in {PASSPHRASE_ENV}") from None
        node, summary = backup.restore_backup(s.home, path,
                                              getpass.getpass("Passphrase of the backup: "))
    with node:
        profile = run_async(node.feeds.profile, node.account_id)
    account = ids.account_text(profile.account)
    doc = {"account": account, "name": profile.name, "home": str(s.home.path),
           "entries": summary.entries, "blobs": summary.blobs, "size": summary.size}
    show(args, doc, [f"Restored {r.display_name(profile.name)} ({account}) into "
                     f"{s.home.path}: {_counts(summary.entries, summary.blobs)}."])
    return 0


def _counts(entries: int, blobs: int) -> str:
    return (("1 entry" if entries == 1 else f"{entries} entries") + " and "
            + ("1 image" if blobs == 1 else f"{blobs} images"))


