"""The commands for what this home leaves out of its lists: ``mute``, ``unmute``,
``mutes``, ``filter add|list|remove`` (node/mutes.py says what each does).

Mutes and filters are local: nothing is published, so the writes are quick rows
in the store; they run at a running serve or app when one holds the home (writes.py),
so its lists change at once. ``mutes`` and ``filter list`` read the home read-only.
"""

from __future__ import annotations

import argparse
from typing import Any

from .. import ids, muting
from ..errors import UserError
from ..store.views import FilterRow, MuteRow
from . import render as r
from .command import account_arg, command, entry_arg, run_write, show
from .parser import UsageError
from .session import Session, run_async
from .shapes import BOOL, STR
from .writes import Context, Outcome, action


def _target(args: argparse.Namespace) -> tuple[str, str]:
    """(kind, the text as typed) of ``ACCOUNT``, ``#tag`` or ``--thread POST``; a
    typo fails here, before any passphrase is asked."""
    if (args.target is None) == (args.thread is None):
        raise UsageError("name one account, one #tag, or --thread POST")
    if args.thread is not None:
        entry_arg(args.thread)
        return muting.THREAD, args.thread
    text = args.target.strip()
    if text.startswith("#"):
        muting.normal_tag(text)
        return muting.TAG, text
    account_arg(text)
    return muting.ACCOUNT, text


@command("mute")
def cmd_mute(args: argparse.Namespace, s: Session) -> int:
    return run_write(args, s, "mute", *_target(args), False)


@command("unmute")
def cmd_unmute(args: argparse.Namespace, s: Session) -> int:
    return run_write(args, s, "mute", *_target(args), True)


@command("mutes")
def cmd_mutes(args: argparse.Namespace, s: Session) -> int:
    with s.open_reader() as node:
        rows = run_async(node.mutes.list)
    show(args, {"mutes": [mute_json(m) for m in rows]},
         [mute_line(m) for m in rows] or ["Nothing is muted."])
    return 0


@command("filter")
def cmd_filter(args: argparse.Namespace, s: Session) -> int:
    what = args.filter_command
    if what == "list":
        with s.open_reader() as node:
            rows = run_async(node.mutes.filters)
        show(args, {"filters": [filter_json(f) for f in rows]},
             [filter_line(f) for f in rows] or ["No word filters."])
        return 0
    muting.normal_phrase(args.phrase)  # an empty or long phrase fails before anything
    if what == "add":
        return run_write(args, s, "filter_add", args.phrase, args.warn)
    assert what == "remove", what
    return run_write(args, s, "filter_remove", args.phrase)


def target_text(kind: str, target: bytes | str) -> str:
    if isinstance(target, str):  # a tag
        return f"#{target}"
    return ids.account_text(target) if kind == muting.ACCOUNT else ids.entry_text(target)


def mute_json(m: MuteRow) -> dict[str, Any]:
    return {"kind": m.kind, "target": target_text(m.kind, m.target), "name": m.name,
            "text": m.text, "since": r.iso(m.created)}


def mute_line(m: MuteRow) -> str:
    what = target_text(m.kind, m.target)
    if m.kind == muting.ACCOUNT:
        what = f"{r.display_name(m.name)} ({what})"
    elif m.kind == muting.THREAD:
        said = f": {r.clean(m.text, one_line=True)[:60]}" if m.text else ""
        what = f"the thread {what}{said}"
    return f"{what}  muted {r.local_time(m.created)}"


def filter_json(f: FilterRow) -> dict[str, Any]:
    return {"phrase": f.phrase, "action": f.action, "since": r.iso(f.created)}


def filter_line(f: FilterRow) -> str:
    does = "hide" if f.action == muting.HIDE else "warn (collapsed behind the phrase)"
    return f"\"{r.clean(f.phrase, one_line=True)}\"  {does}  since {r.local_time(f.created)}"


# --- the actions (here, or in the running serve or app) ------------------------------


def _decoded(kind: str, text: str) -> bytes | str:
    if kind == muting.TAG:
        return text
    return account_arg(text) if kind == muting.ACCOUNT else entry_arg(text)


@action("mute", STR, STR, BOOL)
async def mute(ctx: Context, kind: str, text: str, undo: bool) -> Any:
    if kind not in muting.KINDS:
        raise UserError(f"cannot mute a {kind[:20]}")
    node = ctx.node
    value = _decoded(kind, text)
    if undo:
        kept, changed = await node.mutes.unmute(kind, value)
    else:
        kept, changed = await node.mutes.mute(kind, value)
    what = target_text(kind, kept)
    if kind == muting.ACCOUNT:
        assert isinstance(kept, bytes)
        what = f"{r.display_name((await node.feeds.profile(kept)).name)} ({what})"
    elif kind == muting.THREAD:
        what = f"the thread {what}"
    if undo:
        said = f"Unmuted {what}" if changed else f"{what} was not muted"
    else:
        said = (f"Muted {what}: hidden from your timelines, search and notifications "
                "on this device only; nothing is published, and this home still carries "
                "what it holds for others" if changed else f"{what} was muted already")
    return Outcome({"kind": kind, "target": target_text(kind, kept), "muted": not undo,
                    "changed": changed}, [said]).to_wire()


@action("filter_add", STR, BOOL)
async def filter_add(ctx: Context, phrase: str, warn: bool) -> Any:
    kept, said = await ctx.node.mutes.add_filter(phrase, warn)
    does = ("collapsed behind a warning" if warn else "hidden")
    lines = {"added": f"Posts holding \"{kept}\" are {does} from now on (this device only)",
             "changed": f"Posts holding \"{kept}\" are {does} now",
             "unchanged": f"\"{kept}\" was a filter already"}
    return Outcome({"phrase": kept, "action": muting.WARN if warn else muting.HIDE,
                    "result": said}, [lines[said]]).to_wire()


@action("filter_remove", STR)
async def filter_remove(ctx: Context, phrase: str) -> Any:
    kept, removed = await ctx.node.mutes.remove_filter(phrase)
    return Outcome({"phrase": kept, "removed": removed},
                   [f"Removed the filter \"{kept}\"" if removed
                    else f"There is no filter \"{kept}\""]).to_wire()
