"""The commands that moderate an open community (issue 17; node/moderation.py says
what each does): ``community moderator add|remove``, ``community moderators``,
``community remove|restore|hide``, ``community reports`` and ``report``.

Each is a write action (writes.py), so beside a running serve or app it runs there,
whose node has scanned what arrived; alone, here.
"""

from __future__ import annotations

import argparse
from typing import Any

from .. import ids
from ..node import Node
from ..store.moderation import ModerationView, ReportView
from . import render as r
from .command import account_arg, command, entry_arg, group_arg, run_write
from .session import Session
from .shapes import BOOL, BYTES, STR
from .writes import Context, Outcome, action

COMMUNITY_ACTIONS = ("moderator", "moderators", "remove", "restore", "hide", "reports")


def community_command(args: argparse.Namespace, s: Session) -> int:
    """``community ACTION`` for the actions of ``COMMUNITY_ACTIONS``."""
    what, cid = args.community_command, group_arg(args.community)
    if what == "moderator":
        name = "moderator_add" if args.change == "add" else "moderator_remove"
        return run_write(args, s, name, cid, account_arg(args.account))
    if what in ("remove", "restore"):
        return run_write(args, s, f"community_{what}", cid, account_arg(args.account))
    if what == "hide":
        return run_write(args, s, "community_hide", cid, entry_arg(args.post))
    return run_write(args, s, f"community_{what}", cid)


@command("report")
def cmd_report(args: argparse.Namespace, s: Session) -> int:
    is_post = args.target.startswith(ids.ENTRY + "1")
    target = entry_arg(args.target) if is_post else account_arg(args.target)
    return run_write(args, s, "report", group_arg(args.community), target, is_post,
                     args.reason)


# --- the actions (here, or in the running serve or app) ------------------------------


async def _who(node: Node, account: bytes) -> str:
    name = (await node.feeds.profile(account)).name
    return f"{r.display_name(name)} ({ids.account_text(account)})"


async def _names(node: Node, accounts: tuple[bytes, ...]) -> list[dict[str, Any]]:
    return [{"account": ids.account_text(a), "name": (await node.feeds.profile(a)).name}
            for a in accounts]


async def _view_outcome(node: Node, view: ModerationView, said: str) -> Any:
    doc = {"community": ids.group_text(view.community_id),
           "creator": ids.account_text(view.creator),
           "moderators": await _names(node, view.moderators),
           "removed": await _names(node, view.removed), "hidden": view.hidden,
           "is_moderator": view.is_moderator, "removed_me": view.removed_me,
           "reports": view.reports}
    lines = [said] if said else []
    lines.append("Moderators: " + ", ".join([await _who(node, m) for m in view.moderators]))
    lines.append("Removed: " + (", ".join([await _who(node, m) for m in view.removed])
                                or "nobody"))
    lines.append(f"Hidden posts: {view.hidden}")
    if view.is_moderator:
        lines.append(f"Reports to you: {view.reports} ('p2psocial community reports ID')")
    if view.removed_me:
        lines.append("The moderators removed you: members no longer carry what you "
                     "write there.")
    return Outcome(doc, lines).to_wire()


async def _after(ctx: Context, community_id: bytes, said: str) -> Any:
    node = ctx.node
    return await _view_outcome(node, await node.moderation.view(community_id), said)


@action("community_moderators", BYTES)
async def community_moderators(ctx: Context, community_id: bytes) -> Any:
    await ctx.node.messages.scan()
    return await _after(ctx, community_id, "")


@action("moderator_add", BYTES, BYTES)
async def moderator_add(ctx: Context, community_id: bytes, account: bytes) -> Any:
    await ctx.node.moderation.appoint(community_id, account)
    return await _after(ctx, community_id, f"{await _who(ctx.node, account)} moderates "
                        "this community now, for every member who syncs with you.")


@action("moderator_remove", BYTES, BYTES)
async def moderator_remove(ctx: Context, community_id: bytes, account: bytes) -> Any:
    await ctx.node.moderation.dismiss(community_id, account)
    return await _after(ctx, community_id, f"{await _who(ctx.node, account)} no longer "
                        "moderates this community; its removals no longer count.")


@action("community_remove", BYTES, BYTES)
async def community_remove(ctx: Context, community_id: bytes, account: bytes) -> Any:
    await ctx.node.moderation.remove(community_id, account)
    return await _after(ctx, community_id, f"Removed {await _who(ctx.node, account)}: "
                        "members who learn it stop carrying its posts here, and refuse "
                        "it if it joins again.")


@action("community_restore", BYTES, BYTES)
async def community_restore(ctx: Context, community_id: bytes, account: bytes) -> Any:
    await ctx.node.moderation.restore(community_id, account)
    return await _after(ctx, community_id, f"Restored {await _who(ctx.node, account)}: "
                        "it is on the roster again (what was dropped stays dropped).")


@action("community_hide", BYTES, BYTES)
async def community_hide(ctx: Context, community_id: bytes, post: bytes) -> Any:
    await ctx.node.moderation.hide(community_id, post)
    return await _after(ctx, community_id, f"Hid {ids.entry_text(post)}: members who "
                        "learn it drop it.")


def _report_json(v: ReportView) -> dict[str, Any]:
    target = ids.entry_text(v.target) if v.is_post else ids.account_text(v.target)
    return {"entry": ids.entry_text(v.entry_id), "from": ids.account_text(v.author),
            "from_name": v.author_name, "target": target, "is_post": v.is_post,
            "reason": v.reason, "time": r.iso(v.ts), "ts": v.ts,
            "post_author": ids.account_text(v.target_author) if v.target_author else None,
            "post_author_name": v.target_author_name,
            "post_text": v.target_text}


def _report_lines(v: ReportView) -> list[str]:
    target = ids.entry_text(v.target) if v.is_post else ids.account_text(v.target)
    lines = [f"{r.local_time(v.ts)} · {r.display_name(v.author_name)} reported "
             f"{'the post' if v.is_post else 'the account'} {target}",
             f"    reason: {r.clean(v.reason, one_line=True)}"]
    if v.target_text is not None:
        lines.append(f"    post: {r.one_line(v.target_text)}")
    return lines


@action("community_reports", BYTES)
async def community_reports(ctx: Context, community_id: bytes) -> Any:
    node = ctx.node
    await node.messages.scan()
    found = await node.moderation.reports(community_id)
    return Outcome({"community": ids.group_text(community_id),
                    "reports": [_report_json(v) for v in found]},
                   [line for v in found for line in _report_lines(v)]
                   or ["No reports to you in this community."]).to_wire()


@action("report", BYTES, BYTES, BOOL, STR)
async def report(ctx: Context, community_id: bytes, target: bytes, is_post: bool,
                 reason: str) -> Any:
    node = ctx.node
    entry, reached = await node.moderation.report(community_id, target, is_post, reason)
    names = [await _who(node, m) for m in reached]
    return Outcome({"entry": ids.entry_text(entry.id),
                    "moderators": [ids.account_text(m) for m in reached]},
                   [f"Reported to {r.plural(len(reached), 'moderator')}: "
                    + ", ".join(names) + ". Only they can read it."]).to_wire()
