"""The commands for refusing accounts: ``block --private``, ``unblock`` (either kind),
and ``blocklist subscribe|unsubscribe|except|unexcept|show`` (node/blocklists.py and
store/refusals.py say what refusing does). The writes are actions (writes.py), so
they run beside a serve or the app; ``show`` reads the store read-only.
"""

from __future__ import annotations

import argparse
from typing import Any

from .. import ids
from ..node import Node
from ..store.views import RefusalView
from . import render as r
from .command import COMMANDS, account_arg, command, run_write, show
from .session import Session, run_async
from .shapes import BYTES
from .writes import Context, Outcome, action

# what each reason reads as (list reasons name their owner: "on NAME's list")
_WHY = {"block": "your public block", "private": "your private block"}
_KEPT = {"following": "kept: you follow them", "exception": "kept: your exception"}


def _block(args: argparse.Namespace, s: Session) -> int:
    return run_write(args, s, "block_private" if args.private else "block",
                     account_arg(args.account))


def _unblock(args: argparse.Namespace, s: Session) -> int:
    return run_write(args, s, "unblock_any", account_arg(args.account))


COMMANDS["block"], COMMANDS["unblock"] = _block, _unblock

_CHOICES = {"subscribe": ("blocklist_subscribe", "subscribe", "Subscribed to the blocklist of"),
            "unsubscribe": ("blocklist_unsubscribe", "unsubscribe",
                            "No longer subscribed to the blocklist of"),
            "except": ("blocklist_except", "except_", "Never refused because of a list:"),
            "unexcept": ("blocklist_unexcept", "unexcept", "No longer an exception:")}


@command("blocklist")
def cmd_blocklist(args: argparse.Namespace, s: Session) -> int:
    what = args.blocklist_command
    if what == "show":
        with s.open_reader() as node:
            doc, lines = run_async(_show, node)
        show(args, doc, lines)
        return 0
    return run_write(args, s, _CHOICES[what][0], account_arg(args.account))


async def _who(node: Node, account: bytes) -> str:
    name = (await node.feeds.profile(account)).name
    return f"{r.display_name(name)} ({ids.account_text(account)})"


def _choice(method: str, said: str, already: str) -> Any:
    async def choose(ctx: Context, account: bytes) -> Any:
        changed = await getattr(ctx.node.blocklists, method)(account)
        who = await _who(ctx.node, account)
        return Outcome({"account": ids.account_text(account), "changed": changed},
                       [f"{said} {who}" if changed else f"{who}: {already}"]).to_wire()
    return choose


for _name, _method, _said in _CHOICES.values():
    action(_name, BYTES)(_choice(_method, _said, "nothing to change"))
action("block_private", BYTES)(_choice(
    "block_privately", "Blocked privately (nothing published; not carried any more):",
    "already blocked privately"))


@action("unblock_any", BYTES)
async def unblock_any(ctx: Context, account: bytes) -> Any:
    item = await ctx.node.blocklists.unblock(account)
    who = await _who(ctx.node, account)
    doc: dict[str, Any] = {"account": ids.account_text(account), "published": item is not None}
    if item is not None:
        doc.update(r.entry_json(item))
    said = (f"Unblocked {who}" if item is not None else
            f"Unblocked {who} (the block was private: nothing published)")
    return Outcome(doc, [said]).to_wire()


async def _show(node: Node) -> tuple[dict[str, Any], list[str]]:
    rows = await node.blocklists.review()
    owners = await node.blocklists.subscriptions()
    names: dict[bytes, str | None] = {}
    for account in {row.account for row in rows} | set(owners):
        names[account] = (await node.feeds.profile(account)).name

    def label(account: bytes) -> str:
        return f"{r.display_name(names.get(account))} ({ids.account_text(account)})"

    def why(row: RefusalView) -> list[str]:
        return [_WHY.get(w) or f"on {r.display_name(names.get(bytes.fromhex(w[5:])))}'s list"
                for w in row.why]

    refused = [row for row in rows if row.why and row.kept is None]
    kept = [row for row in rows if row.kept is not None]
    doc = {"refused": [_row_json(row) for row in refused],
           "kept": [_row_json(row) for row in kept],
           "subscriptions": r.accounts_json([(o, names.get(o)) for o in owners]),
           "exceptions": r.accounts_json([(row.account, names.get(row.account))
                                          for row in kept if row.kept == "exception"])}
    lines = [f"Subscribed to the blocklists of: {', '.join(label(o) for o in owners)}"
             if owners else "No blocklist subscriptions."]
    lines.append(f"Refused ({len(refused)}): not replicated, not carried, nothing held."
                 if refused else "Nobody refused.")
    lines += [f"  {label(row.account)}: {'; '.join(why(row))}" for row in refused]
    if kept:
        lines.append(f"Kept ({len(kept)}):")
        lines += [f"  {label(row.account)}: {'; '.join(why(row) or ['on no list'])}; "
                  f"{_KEPT[row.kept or '']}" for row in kept]
    return doc, lines


def _row_json(row: RefusalView) -> dict[str, Any]:
    return {"account": ids.account_text(row.account),
            "why": [w if ":" not in w else "list" for w in row.why],
            "lists": [ids.account_text(bytes.fromhex(w[5:])) for w in row.why if ":" in w],
            "kept": row.kept}
