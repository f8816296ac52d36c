"""``p2psocial takeout DIR``: the readable copy of one's account (p2psocial/takeout.py).

A read command: it opens the home read-only (no passphrase, no lock), so it runs
beside the app or a serve, and asks nothing of them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import takeout
from . import render as r
from .command import command, show
from .session import Session


@command("takeout")
def cmd_takeout(args: argparse.Namespace, s: Session) -> int:
    s.home.require()
    summary = takeout.write_takeout(s.home.path, Path(args.dir),
                                    with_followed=args.with_followed)
    doc = {"dir": str(summary.path), "database": str(summary.path / takeout.DATABASE),
           "rows": summary.rows, "images": summary.images, "files": summary.files,
           "size": summary.size}
    rows = summary.rows
    counted = [r.plural(rows["posts"], "post"), r.plural(rows["reactions"], "reaction"),
               r.plural(rows["messages"], "message"), r.plural(summary.images, "picture")]
    if "followed_posts" in rows:
        counted.append(r.plural(rows["followed_posts"], "post") + " of people you follow")
    show(args, doc, [f"Wrote {', '.join(counted)} ({r.size_text(summary.size)}) to "
                     f"{summary.path}.",
                     f"Open {summary.path / takeout.DATABASE} with any SQLite tool; "
                     f"{takeout.README} says what each file is."])
    return 0
