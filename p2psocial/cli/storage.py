"""``p2psocial storage``: what this home holds by kind, and the storage budget
(store/storage.py says what counts and what goes first). Without ``--budget`` or
``--per-account`` it only reads (no passphrase, beside a running app or serve); with
them it writes the limits into the home, through a running serve or app when one
runs, so both obey them at once."""

from __future__ import annotations

import argparse
from typing import Any

from .. import ids
from ..store.storage import KINDS, Limits, StorageReport
from . import render as r
from .command import command, run_write, show
from .session import Session, run_async
from .shapes import INT, optional
from .writes import Context, Outcome, action

LABELS = {"own": "Your own logs", "followed": "Accounts you follow",
          "two_hops": "Two hops away", "communities": "Communities",
          "other": "No longer replicated"}


@command("storage")
def cmd_storage(args: argparse.Namespace, s: Session) -> int:
    if args.budget is not None or args.per_account is not None:
        return run_write(args, s, "storage_limits", args.budget, args.per_account)
    with s.open_reader() as node:
        report = run_async(node.storage.report, args.hops)
        names = {a: node.store.profile(a).name for a, _, _ in report.largest}
    doc = report_json(report)
    for item, (account, _, _) in zip(doc["largest"], report.largest, strict=True):
        item["name"] = names[account]
    lines = report_lines(report)
    if report.largest:
        lines.append("Largest of them: " + "; ".join(
            f"{r.display_name(names[a])} ({LABELS[k].lower()}) {size(n)}"
            for a, k, n in report.largest[:3]))
    show(args, doc, lines)
    return 0


def size(n: int) -> str:
    """``812 bytes``, ``4.2 MB``, ``3.0 GB`` (decimal units, as ``--budget`` reads them)."""
    for unit, scale in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def report_json(report: StorageReport) -> dict[str, Any]:
    return {
        "kinds": {k: {"accounts": h.accounts, "entries_bytes": h.entries,
                      "bodies_bytes": h.bodies, "images_bytes": h.images,
                      "total_bytes": h.total} for k, h in report.kinds.items()},
        "budget_bytes": report.limits.budget,
        "per_account_bytes": report.limits.per_account,
        "budgeted_bytes": report.budgeted,
        "over_budget": report.budgeted > report.limits.budget,
        "accounts_over_cap": report.over_cap,
        "largest": [{"account": ids.account_text(a), "kind": k, "bytes": n}
                    for a, k, n in report.largest],
        "dropped_bodies": report.dropped,
        "unreferenced_images_bytes": report.unreferenced_images,
        "file_bytes": report.file_bytes,
    }


def report_lines(report: StorageReport) -> list[str]:
    lines = []
    for kind in KINDS:
        h = report.kinds[kind]
        images = f", images {size(h.images)}" if h.images else ""
        lines.append(f"{LABELS[kind] + ':':<22} {size(h.total):>10}  "
                     f"({r.plural(h.accounts, 'account')}; entries {size(h.entries)}{images})")
    lim = report.limits
    lines.append(f"Budget for what is neither yours nor followed: {size(report.budgeted)} "
                 f"of {size(lim.budget)}, at most {size(lim.per_account)} per account"
                 + (" (over: the oldest goes at the next run)"
                    if report.budgeted > lim.budget else ""))
    if report.over_cap:
        lines.append(f"{report.over_cap} accounts over the per-account cap")
    if report.dropped:
        lines.append(f"Bodies dropped to keep within it so far: {report.dropped} "
                     "(their logs still verify)")
    lines.append(f"Database in use: {size(report.file_bytes)}")
    return lines


@action("storage_limits", optional(INT), optional(INT))
async def storage_limits(ctx: Context, budget: int | None, per_account: int | None) -> Any:
    new: Limits = await ctx.node.storage.set_limits(budget, per_account)
    hops = ctx.service.hops if ctx.service is not None else 2
    dropped = await ctx.node.storage.enforce_all(hops)  # now, not at the next burst
    lines = [f"Storage budget: {size(new.budget)} for what is neither yours nor followed, "
             f"at most {size(new.per_account)} per account."]
    if dropped.bodies or dropped.images:
        lines.append(f"Dropped {dropped.bodies} bodies ({size(dropped.bytes)}) and "
                     f"{dropped.images} images ({size(dropped.image_bytes)}), oldest first.")
    return Outcome({"budget_bytes": new.budget, "per_account_bytes": new.per_account,
                    "dropped_bodies": dropped.bodies, "dropped_bytes": dropped.bytes,
                    "dropped_images": dropped.images,
                    "dropped_image_bytes": dropped.image_bytes}, lines).to_wire()
