"""The subcommands: parse ids and files, call the node, print the result.

Read commands open the home read-only (no passphrase, no lock: they work while the
app runs); write commands open it with its keys (session.py). Everything a person
named on the command line (ids, files) is checked before the home is opened, so a
typo fails fast and never waits for a passphrase. Each command returns its exit code.
"""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .. import content as c
from .. import ids, images, keyfile, phrase
from ..errors import BadImage, HomeError, PassphraseRequired, UserError
from ..home import Home
from ..node import Node, read_file
from ..store.views import Cursor
from . import render as r
from .parser import UsageError
from .session import PASSPHRASE_ENV, Session, run_async

Handler = Callable[[argparse.Namespace, Session], int]
COMMANDS: dict[str, Handler] = {}


def dispatch(args: argparse.Namespace, home_path: Path | None) -> int:
    name = args.command or "gui"
    if name == "gui":
        from ..ui import app

        return app.run(home_path)
    return COMMANDS[name](args, Session(Home(home_path), args.passphrase_stdin))


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
        profile = run_async(node.profile, node.account_id)
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
            profile = run_async(node.profile, account or node.account_id)
    else:
        if args.account:
            raise UsageError("you can only change your own profile: leave out ACCOUNT")
        avatar = read_file(args.avatar, "picture") if args.avatar else None
        with s.open_writer() as node:
            try:
                run_async(node.set_profile, name=args.name, bio=args.bio, avatar_data=avatar)
            except BadImage as exc:
                raise BadImage(f"{args.avatar}: {exc}") from None
            profile = run_async(node.profile, node.account_id)
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
    if args.image and text.strip():  # refuse an over-long text before preparing images
        c.Post(text, content_warning=args.cw).validate()
    data = [read_file(path, "image") for path in args.image]
    with s.open_writer() as node:
        try:
            item = run_async(node.post, text, reply_to=reply_to, content_warning=args.cw,
                             images_data=data, alt=args.alt)
        except BadImage as exc:
            raise BadImage(_which_image(args.image, data, exc)) from None
    show(args, r.entry_json(item), [f"Posted {ids.entry_text(item.id)}"])
    return 0


def _which_image(paths: Sequence[str], data: Sequence[bytes], exc: BadImage) -> str:
    """Name the file that failed; only runs after a failure, so it may redo work."""
    for path, blob in zip(paths, data, strict=True):
        try:
            images.prepare(blob)
        except BadImage as bad:
            return f"{path}: {bad}"
    return str(exc)


@command("edit")
def cmd_edit(args: argparse.Namespace, s: Session) -> int:
    target = entry_arg(args.entry)
    text = text_arg(args.text, s)
    with s.open_writer() as node:
        item = run_async(node.edit, target, text, args.cw)
    show(args, {**r.entry_json(item), "target": ids.entry_text(target)},
         [f"Edited {ids.entry_text(target)}"])
    return 0


@command("delete")
def cmd_delete(args: argparse.Namespace, s: Session) -> int:
    target = entry_arg(args.entry)
    with s.open_writer() as node:
        item = run_async(node.delete, target)
    show(args, {**r.entry_json(item), "target": ids.entry_text(target)},
         [f"Deleted {ids.entry_text(target)}"])
    return 0


@command("react")
def cmd_react(args: argparse.Namespace, s: Session) -> int:
    target = entry_arg(args.entry)
    with s.open_writer() as node:
        item = run_async(node.react, target, args.emoji, undo=args.undo)
    emoji = r.clean(args.emoji, one_line=True)
    said = f"Took back {emoji} on" if args.undo else f"Reacted {emoji} to"
    show(args, {**r.entry_json(item), "target": ids.entry_text(target)},
         [f"{said} {ids.entry_text(target)}"])
    return 0


@command("feed")
def cmd_feed(args: argparse.Namespace, s: Session) -> int:
    with s.open_reader() as node:
        page = run_async(node.home_timeline, args.limit, cursor_arg(args.before))
    show(args, r.page_json(page), r.page_lines(
        page, show_cw=args.show_cw, empty="Nothing here yet: post with 'p2psocial post TEXT' "
        "or follow someone with 'p2psocial follow ACCOUNT'."))
    return 0


@command("thread")
def cmd_thread(args: argparse.Namespace, s: Session) -> int:
    target = entry_arg(args.entry)
    with s.open_reader() as node:
        posts = run_async(node.thread, target)
    doc = {"root": ids.entry_text(posts[0].thread_root),
           "items": [r.post_json(v) for v in posts]}
    show(args, doc, r.thread_lines(posts, show_cw=args.show_cw))
    return 0


@command("search")
def cmd_search(args: argparse.Namespace, s: Session) -> int:
    with s.open_reader() as node:
        page = run_async(node.search, args.text, args.limit, cursor_arg(args.before))
    show(args, r.page_json(page), r.page_lines(
        page, show_cw=args.show_cw, empty=f"No posts match '{r.clean(args.text, one_line=True)}'."))
    return 0


@command("mentions")
def cmd_mentions(args: argparse.Namespace, s: Session) -> int:
    with s.open_reader() as node:
        page = run_async(node.mentions, args.limit, cursor_arg(args.before))
    show(args, r.page_json(page), r.page_lines(page, show_cw=args.show_cw,
                                               empty="Nobody has mentioned you yet."))
    return 0


# --- people ------------------------------------------------------------------------


def _relation(verb: str, said: str) -> Handler:
    def handler(args: argparse.Namespace, s: Session) -> int:
        account = account_arg(args.account)
        with s.open_writer() as node:
            item = run_async(getattr(node, verb), account)
            profile = run_async(node.profile, account)
        text = ids.account_text(account)
        show(args, {**r.entry_json(item), "account": text},
             [f"{said} {r.display_name(profile.name)} ({text})"])
        return 0
    return handler


for _verb, _said in (("follow", "Following"), ("unfollow", "No longer following"),
                     ("block", "Blocked"), ("unblock", "Unblocked")):
    COMMANDS[_verb] = _relation(_verb, _said)


def _accounts(which: str, empty: str) -> Handler:
    def handler(args: argparse.Namespace, s: Session) -> int:
        account = account_arg(args.account) if args.account else None
        with s.open_reader() as node:
            who = account or node.account_id

            async def named() -> list[tuple[bytes, str | None]]:
                found = await getattr(node, which)(who)
                return [(a, (await node.profile(a)).name) for a in found]

            accounts = run_async(named)
        doc = {"account": ids.account_text(who),
               which: [{"account": ids.account_text(a), "name": n} for a, n in accounts]}
        show(args, doc, r.account_lines(accounts, empty))
        return 0
    return handler


COMMANDS["following"] = _accounts("following", "Not following anyone.")
COMMANDS["followers"] = _accounts("followers", "No followers known to this home.")


# --- the whole home ----------------------------------------------------------------


@command("verify")
def cmd_verify(args: argparse.Namespace, s: Session) -> int:
    with s.open_reader() as node:
        problems = run_async(node.verify, args.full)
        stats = run_async(node.stats)
    lines = [f"{ids.device_text(p.device)} seq {p.seq}: {p.reason}" if p.device
             else f"store: {p.reason}" for p in problems]
    how = "every signature checked" if args.full else "add --full to check every signature"
    show(args, {"ok": not problems, "full": args.full, **stats,
                "problems": [r.problem_json(p) for p in problems]},
         lines or [f"No damage found in {stats['entries']:,} entries of {stats['logs']:,} "
                   f"logs ({how})."])
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
        profile = run_async(node.profile, node.account_id)
    account = ids.account_text(profile.account)
    doc = {"account": account, "name": profile.name, "home": str(s.home.path),
           "entries": summary.entries, "blobs": summary.blobs, "size": summary.size}
    show(args, doc, [f"Restored {r.display_name(profile.name)} ({account}) into "
                     f"{s.home.path}: {_counts(summary.entries, summary.blobs)}."])
    return 0


def _counts(entries: int, blobs: int) -> str:
    return (("1 entry" if entries == 1 else f"{entries} entries") + " and "
            + ("1 image" if blobs == 1 else f"{blobs} images"))
