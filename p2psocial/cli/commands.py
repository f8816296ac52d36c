"""The subcommands: parse ids and files, call the node, print the result.

Read commands open the home read-only (no passphrase, no lock: they work while the
app runs); write commands run an action of writes.py, with the home opened with its
keys here (session.py) or, while ``serve`` holds the home, by that serve. Everything
a person named on the command line (ids, files) is checked before the home is
opened, so a typo fails fast and never waits for a passphrase. Each command returns
its exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import getpass
import logging
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import trio

from .. import content as c
from .. import control, ids, invite, keyfile, logs, phrase, private, private_files
from ..errors import (
    ContentTooLarge,
    HomeError,
    InvalidContent,
    NotFound,
    PassphraseRequired,
    UserError,
)
from ..home import Home
from ..node import Node, read_file
from ..roster import RosterFull
from ..runtime import LAN_TYPE_ENV, listen_ips  # hidden: tests on loopback
from ..store.blob_wants import Budget
from ..store.peer_book import PeerRecord
from ..store.views import Cursor
from . import render as r
from . import writes
from .parser import UsageError
from .session import PASSPHRASE_ENV, Session, run_async

if TYPE_CHECKING:
    from ..net.service import NetworkService

Handler = Callable[[argparse.Namespace, Session], int]
COMMANDS: dict[str, Handler] = {}


def dispatch(args: argparse.Namespace, home_path: Path | None) -> int:
    """Run a scripting command (the window, ``gui``, starts in cli/__init__.py)."""
    return COMMANDS[args.command](args, Session(Home(home_path), args.passphrase_stdin))


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = fn
        return fn
    return register


def show(args: argparse.Namespace, doc: object, lines: Iterable[str]) -> None:
    print(r.dumps(doc) if args.json else "\n".join(lines))


def account_arg(text: str) -> bytes:
    return ids.decode(ids.ACCOUNT, text)


def entry_arg(text: str) -> bytes:
    return ids.decode(ids.ENTRY, text)


def cursor_arg(text: str | None) -> Cursor | None:
    return Cursor.from_text(text) if text else None  # the parser checked its form


def text_arg(text: str, session: Session) -> str:
    """The text itself, or stdin for '-' (after the passphrase line, if any)."""
    return session.read_stdin().rstrip() if text == "-" else text


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
        words = phrase.to_phrase(node.identity.account.root_seed)
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
    words = phrase.to_phrase(identity.account.root_seed)
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
        return _write(args, s, "profile", args.name, args.bio, avatar, args.avatar)
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
        return _write(args, s, "post_circle", text, reply_to, args.cw, data, tuple(args.alt),
                      tuple(args.image))
    return _write(args, s, "post", text, reply_to, args.cw, data, tuple(args.alt),
                  tuple(args.image))


def _write(args: argparse.Namespace, s: Session, name: str, *values: object) -> int:
    """Run a write action here, or at a running serve of this home (writes.py)."""
    outcome = writes.perform(s, name, values)
    show(args, outcome.doc, outcome.lines)
    return 0


@command("edit")
def cmd_edit(args: argparse.Namespace, s: Session) -> int:
    target = entry_arg(args.entry)
    return _write(args, s, "edit", target, text_arg(args.text, s), args.cw)


@command("delete")
def cmd_delete(args: argparse.Namespace, s: Session) -> int:
    return _write(args, s, "delete", entry_arg(args.entry))


@command("react")
def cmd_react(args: argparse.Namespace, s: Session) -> int:
    return _write(args, s, "react", entry_arg(args.entry), args.emoji, args.undo)


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
    return _write(args, s, "dm", recipients, text_arg(args.text, s), reply_to,
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
        return _write(args, s, "save", *values)
    except writes.BlobNotHere:
        return _on_the_lan(args, s, "save", *values)


@command("inbox")
def cmd_inbox(args: argparse.Namespace, s: Session) -> int:
    return _write(args, s, "inbox")


@command("conversation")
def cmd_conversation(args: argparse.Namespace, s: Session) -> int:
    if ids.is_id(ids.GROUP, args.conversation):  # a group is a conversation too
        return _write(args, s, "group_show", group_arg(args.conversation), args.limit,
                      args.before, args.mark_read)
    conversation = ids.decode(ids.CONVERSATION, args.conversation)
    return _write(args, s, "conversation", conversation, args.limit, args.before,
                  args.mark_read)


# --- private groups (issue 5): ``group ACTION``, actions of writes.py as dm's -------


def group_arg(text: str) -> bytes:
    return ids.decode(ids.GROUP, text)


@command("group")
def cmd_group(args: argparse.Namespace, s: Session) -> int:
    what = args.group_command
    if what == "create":
        members = tuple(dict.fromkeys(account_arg(a) for a in args.accounts))
        return _write(args, s, "group_create", args.name, members)
    if what == "list":
        return _write(args, s, "group_list")
    group = group_arg(args.group)
    if what == "post":
        reply_to = entry_arg(args.reply_to) if args.reply_to else None
        return _write(args, s, "group_post", group, text_arg(args.text, s), reply_to,
                      *_attachments(args))
    if what == "show":
        return _write(args, s, "group_show", group, args.limit, args.before, args.mark_read)
    if what in ("add", "remove"):
        return _write(args, s, f"group_{what}", group, account_arg(args.account))
    if what == "react":
        return _write(args, s, "group_react", group, entry_arg(args.entry), args.emoji,
                      args.undo)
    assert what == "leave", what
    return _write(args, s, "group_leave", group)


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
    if what == "create":
        return _write(args, s, "community_create", _community_name(args.name))
    if what == "list":
        return _write(args, s, "community_list")
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
    _log_to_stderr(logging.INFO if verbose else logging.WARNING,
                   logging.WARNING if verbose else logging.CRITICAL)
    from ..net.discovery import SERVICE_TYPE
    from ..net.service import NetworkService

    async with NetworkService(node.replication, port=0, ip=listen_ips(),
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
        return _write(args, s, verb, account_arg(args.account))
    return handler


for _verb, _ in writes.RELATIONS:
    COMMANDS[_verb] = _relation(_verb)


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


# --- the network (issue 3): serve, invite, join, peers, sync --once --------------------
# A running 'serve' holds the home's lock, so write commands hand their requests to it
# through its control endpoint (control.py, writes.py). It also records what read
# commands need to know (its pid, listen addresses, connected peers) in HOME/serve.json,
# removed when it stops. The file counts only while the lock is held by the pid
# written in it: a killed serve leaves a stale file.

SERVE_STATUS = "serve.json"
RECORD_COALESCE = 0.2  # seconds: changes within this are written to serve.json at once


def _status_path(home: Home) -> Path:
    return home.path / SERVE_STATUS


def _write_status(home: Home, doc: dict) -> None:
    import json
    import os

    tmp = home.path / (SERVE_STATUS + ".tmp")
    tmp.write_text(json.dumps(doc), encoding="utf-8")
    os.replace(tmp, _status_path(home))


def serve_status(home: Home) -> dict | None:
    """What a running ``serve`` of this home recorded, or None when none is running."""
    import json

    try:
        doc = json.loads(_status_path(home).read_text(encoding="utf-8"))
        holder = (home.path / "lock").read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or holder != f"pid {doc.get('pid')}":
        return None
    probe = Home(home.path)  # the pid in the lock file is only true while it is held
    try:
        probe.lock()
    except HomeError:
        return doc
    probe.unlock()
    return None


def _log_to_stderr(level: int, libp2p_level: int) -> logging.Handler:
    from ..net.host import attach_log_handler

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    attach_log_handler(handler, libp2p_level)
    app = logging.getLogger("p2psocial")
    app.addHandler(handler)
    app.setLevel(level)
    app.propagate = False  # -v may have given the root logger a handler too
    return handler


@command("serve")
def cmd_serve(args: argparse.Namespace, s: Session) -> int:
    # our lines on the terminal (they are serve's output), py-libp2p's in the home's log
    # only: a peer that is offline is not a fault to print (logs.py)
    logs.setup(s.home.path, terminal_level=logging.INFO, verbose=args.verbose,
               terminal_format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with s.open_writer() as node:  # closing it indexes pending text and closes SQLite
        try:
            return trio.run(_serve, node, args, s.home)
        finally:
            with contextlib.suppress(OSError):
                _status_path(s.home).unlink()


async def _serve(node: Node, args: argparse.Namespace, home: Home) -> int:
    from ..net.discovery import SERVICE_TYPE
    from ..net.host import DUAL_STACK
    from ..net.service import NetworkService
    from ..private_scan import follow_private

    logs.route_libp2p()  # libp2p is imported now: its records to the log file
    log = logging.getLogger("p2psocial.serve")
    assert node.identity is not None
    device, account = node.identity.device_id, node.account_id
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with NetworkService(node.replication, port=args.port, hops=args.hops,
                                  ip=args.listen or DUAL_STACK,
                                  lan=not args.no_lan,
                                  lan_service_type=os.environ.get(LAN_TYPE_ENV) or SERVICE_TYPE,
                                  offer_relay=not args.no_relay,
                                  port_mapping=not args.no_port_mapping,
                                  hole_punching=not args.no_hole_punching,
                                  blob_budget=Budget.of_mib(args.image_budget)) as service:
            addrs = service.listen_addrs
            code = invite.encode(invite.make(device, account, addrs,
                                             token=node.replication.address_token()))
            started = node.clock()

            def record() -> None:  # addresses change too: relay slots come and go
                # for 'p2psocial invite', which has no keys
                token = node.replication.address_token()
                _write_status(home, {
                    "pid": os.getpid(), "device": ids.device_text(device),
                    "account": ids.account_text(account), "addrs": service.listen_addrs,
                    "address_token": [token.expires, token.signature.hex()],
                    "connected": [ids.device_text(d) for d in service.connected()],
                    "started": started, "updated": node.clock()})

            record()
            async with trio.open_nursery() as nursery:
                # local commands (post, follow, join...) run here while we hold the lock
                await nursery.start(control.serve, home.path,
                                    writes.handler(writes.Here(node, service)))
                print("\n".join([f"Serving {ids.account_text(account)} as device "
                                 f"{ids.device_text(device)}", "Listening on:",
                                 *(f"  {a}" for a in addrs), "Invite code (share it "
                                 "with 'p2psocial join CODE'):", code]), flush=True)

                async def keep_recording() -> None:
                    shown = _direct(addrs)
                    while True:
                        await service.next_change()
                        # one write for a burst of changes: each lists every connected
                        # peer, and peers that come and go by the hundred (an attack)
                        # made these writes most of the serve's CPU
                        await trio.sleep(RECORD_COALESCE)
                        record()
                        if _direct(service.listen_addrs) != shown:
                            # the router mapped our port (or lost it), the ISP renumbered
                            # us: the code printed above no longer leads with the best
                            shown = _direct(service.listen_addrs)
                            fresh = invite.encode(invite.make(
                                device, account, service.listen_addrs,
                                token=node.replication.address_token()))
                            print("\n".join(["Now listening on:", *(f"  {a}" for a in shown),
                                             "A fresh invite code:", fresh]), flush=True)

                nursery.start_soon(keep_recording)
                nursery.start_soon(follow_private, node)  # open private entries as they come
                async for signum in signals:
                    log.info("%s received: stopping", signal.Signals(signum).name)
                    break
                nursery.cancel_scope.cancel()
    return 0


def _direct(addrs: Sequence[str]) -> list[str]:
    """The addresses of ours a peer dials straight (circuits through relays left out:
    slots come and go without making a printed invite worse)."""
    return [a for a in addrs if not a.endswith("/p2p-circuit")]


@command("invite")
def cmd_invite(args: argparse.Namespace, s: Session) -> int:
    s.home.require()
    status = serve_status(s.home)
    if status is not None:
        device = ids.decode(ids.DEVICE, status["device"])
        account = ids.decode(ids.ACCOUNT, status["account"])
        addrs = [str(a) for a in status["addrs"]]
        token = _status_token(status)
        if args.port is not None:
            addrs = [_with_port(a, args.port) for a in addrs]
    elif args.port is not None:
        from ..net.service import interface_addrs  # imports libp2p: only here

        identity = s.load_identity()
        device, account, addrs = identity.device_id, identity.account_id, \
            interface_addrs(args.port)
        token = invite.sign_token(device, identity.device.secret_key, int(time.time() * 1000))
    else:
        raise UserError("no 'p2psocial serve' is running for this home, and an invite holds "
                        "the addresses it listens on: start 'p2psocial serve' first")
    community = _community_to_invite(s, args.community) if args.community else None
    code = invite.encode(invite.make(device, account, addrs, community, token))
    lines = [code]
    if community is not None:
        lines.append("This code also joins the community "
                     f"{r.clean(community.name, one_line=True)}: whoever gets it can read "
                     "and write there.")
    show(args, {"code": code, "device": ids.device_text(device),
                "account": ids.account_text(account), "addrs": addrs,
                "serving": status is not None,
                "community": ids.group_text(community.community_id) if community else None},
         lines)
    return 0


def _status_token(status: dict[str, Any]) -> invite.AddressToken | None:
    """The address token a running serve signed for invites (none from an older one)."""
    try:
        expires, signature = status["address_token"]
        return invite.AddressToken(int(expires), bytes.fromhex(signature))
    except (KeyError, TypeError, ValueError):
        return None


def _community_to_invite(s: Session, text: str) -> private.CommunityKey:
    """The key of one of this account's communities (read from the store, beside a
    serve too), for an invite that joins it."""
    wanted = group_arg(text)
    with s.open_reader() as node:
        found = next((c for c in trio.run(node.communities.list) if c.id == wanted), None)
    if found is None:
        raise NotFound(f"you are in no community {ids.group_text(wanted)}: "
                       "'p2psocial community list' lists yours")
    if found.full:  # the code would let nobody in
        raise RosterFull(found.name)
    return found.value


def _with_port(addr: str, port: int) -> str:
    """``addr`` with our port replaced; a circuit address (through a relay) names the
    relay's port, which is not ours to change."""
    if "/p2p-circuit" in addr:
        return addr
    head, sep, _ = addr.rpartition("/tcp/")
    return f"{head}/tcp/{port}" if sep else addr


@command("join")
def cmd_join(args: argparse.Namespace, s: Session) -> int:
    code = invite.decode(args.code)  # a typo fails before the home is opened
    return _write(args, s, "join", invite.encode(code))


@command("peers")
def cmd_peers(args: argparse.Namespace, s: Session) -> int:
    with s.open_reader() as node:
        records = run_async(node.replication.peers)
        now = node.clock()
    answer = writes.ask_serve(s, "peers")  # live: connected, dialing, nearby, paths
    live: dict[bytes, writes.LivePeer] = {}
    reach: writes.LiveReach | None = None
    if answer is not None:
        reach, states = writes.live_states(answer)
        live.update(states)
    serving = answer is not None
    if not serving:  # no serve answers: what a running one last recorded, if any
        status = serve_status(s.home)
        serving = status is not None
        for text in status["connected"] if status else ():
            live[ids.decode(ids.DEVICE, text)] = writes.LivePeer("connected", None)
    # peers that reached the serve on their own are known to it in memory only (the
    # network service writes a stranger down once it learns an address for it)
    known = {p.device for p in records}
    records = [*records, *(PeerRecord(device, (), None, None, 0, peer.standing,
                                      peer.banned_until, "peer")
                           for device, peer in live.items() if device not in known)]
    nowhere = writes.LivePeer("known", None)
    rows = [r.PeerRow(p, r.peer_state(p, now, peer.state), peer.nearby, peer.path,
                      peer.why_not)
            for p in records for peer in [live.get(p.device, nowhere)]]
    doc = {"serving": serving,
           "reachability": r.reach_json(reach.state, reach.basis, reach.reachable_at)
           if reach else None,
           "peers": [r.peer_json(row, now) for row in rows]}
    lines = [r.reach_line(reach.state, reach.basis)] if reach else []
    lines += r.peer_lines(rows, now)
    if not serving:
        lines.append("(no 'p2psocial serve' is running for this home: states are as last "
                     "recorded)")
    show(args, doc, lines)
    return 0


@command("sync")
def cmd_sync(args: argparse.Namespace, s: Session) -> int:
    if not args.once:
        raise UsageError("add --once to catch up and exit; 'p2psocial serve' stays connected")
    _log_to_stderr(logging.INFO if args.verbose else logging.WARNING,
                   logging.WARNING if args.verbose else logging.CRITICAL)
    from ..net.service import sync_once

    try:
        node = s.open_writer()
    except HomeError:
        if serve_status(s.home) is None:
            raise
        raise UserError("a 'p2psocial serve' is running for this home and keeps it in sync "
                        "already: see 'p2psocial peers'") from None
    with node:
        results = run_async(sync_once, node.replication, hops=args.hops, per_peer=args.timeout)
    docs = [{"device": ids.device_text(x.device), "ok": x.ok, "received": x.received,
             "sent": x.sent, "error": x.error} for x in results]
    lines = [f"{ids.device_text(x.device)}: " + (
        f"received {x.received}, sent {x.sent}" if x.ok else f"failed: {x.error}")
        for x in results] or ["No peers known: add one with 'p2psocial join CODE'."]
    reached = sum(x.ok for x in results)
    if results:
        lines.append(f"Reached {reached} of {r.plural(len(results), 'peer')}.")
    show(args, {"peers": docs, "reached": reached}, lines)
    return 0 if reached or not results else 1
