"""The parsers of the commands that decide what reaches you and what your disk keeps,
and that take your data out (issue 17): mute and filter, private blocks and
blocklists, moderating a community and reporting to its moderators, storage, takeout.
``build_parser`` (parser.py) calls them."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def hops(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 5:
        raise argparse.ArgumentTypeError("give a number of hops from 0 to 5")
    return int(text)


def takeout(command: Callable[..., argparse.ArgumentParser]) -> None:
    """``takeout DIR``: one's own data as files any tool reads (p2psocial/takeout.py)."""
    p = command("takeout", "write a readable copy of your account into the empty or new "
                "folder DIR: a plain SQLite database, JSON files, your pictures and a "
                "README; it opens without p2psocial")
    p.add_argument("dir", metavar="DIR", help="an empty folder, or one to create")
    p.add_argument("--with-followed", action="store_true",
                   help="also the posts and pictures of the people you follow")


def mutes(sub: argparse._SubParsersAction,
           command: Callable[..., argparse.ArgumentParser],
           common: argparse.ArgumentParser) -> None:
    """``mute``/``unmute``/``mutes`` and ``filter ACTION``: local, never published."""
    for name, verb in (("mute", "hide an account, a #tag or a thread from your timelines, "
                        "search and notifications (on this device only: nothing is "
                        "published, and this home still carries it for others)"),
                       ("unmute", "show again what 'mute' hid")):
        p = command(name, verb)
        p.add_argument("target", nargs="?", metavar="ACCOUNT|#tag",
                       help="an account id, or a #tag (quote it in a shell: '#tag')")
        p.add_argument("--thread", metavar="POST", help="the entry id of any post of the "
                       "thread (the whole conversation)")
    command("mutes", "what you muted: accounts, #tags, threads")
    text = "word filters: hide the posts that hold a word or phrase, or collapse them"
    filters = sub.add_parser("filter", help=text, description=text, parents=[common])
    actions = filters.add_subparsers(dest="filter_command", metavar="ACTION", required=True)

    def action(name: str, text: str) -> argparse.ArgumentParser:
        p = actions.add_parser(name, help=text, description=text, parents=[common])
        p.add_argument("--json", action="store_true", help="print one JSON document")
        return p

    p = action("add", "hide the posts that hold PHRASE (whole words, any case, text or "
               "content warning; your own posts are never hidden)")
    p.add_argument("phrase", metavar="PHRASE")
    p.add_argument("--warn", action="store_true", help="collapse them behind a warning "
                   "that names the phrase instead of hiding them")
    action("list", "your word filters")
    p = action("remove", "remove a word filter")
    p.add_argument("phrase", metavar="PHRASE")


def blocklists(sub: argparse._SubParsersAction,
                command: Callable[..., argparse.ArgumentParser],
                common: argparse.ArgumentParser) -> None:
    """``block --private``; ``blocklist ACTION``: adopt the public blocks of people you
    trust, review what is refused and why, make exceptions (store/refusals.py)."""
    sub.choices["block"].add_argument(
        "--private", action="store_true", help="tell nobody: stop replicating and carrying "
        "the account without publishing a block ('unblock' removes either kind)")
    text = "subscribe to someone's public blocks and refuse those accounts as your own"
    blocklist = sub.add_parser("blocklist", help=text, description=text, parents=[common])
    actions = blocklist.add_subparsers(dest="blocklist_command", metavar="ACTION",
                                       required=True)
    for name, what in (("subscribe", "adopt ACCOUNT's public blocks (their log is "
                        "replicated from now on)"),
                       ("unsubscribe", "stop adopting ACCOUNT's public blocks"),
                       ("except", "never refuse ACCOUNT because of a list"),
                       ("unexcept", "let the lists refuse ACCOUNT again")):
        p = actions.add_parser(name, help=what, description=what, parents=[common])
        p.add_argument("--json", action="store_true", help="print one JSON document")
        p.add_argument("account", metavar="ACCOUNT", help="an account id")
    what = "every account refused and why (your blocks, which list), and those kept"
    p = actions.add_parser("show", help=what, description=what, parents=[common])
    p.add_argument("--json", action="store_true", help="print one JSON document")


def moderation(sub: argparse._SubParsersAction,
                action: Callable[[str, str], argparse.ArgumentParser],
                common: argparse.ArgumentParser) -> None:
    """``community moderator/moderators/remove/restore/hide/reports`` and ``report``:
    moderating an open community (issue 17)."""
    def community(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("community", metavar="ID", help="a community id (grp1...)")
        return p

    p = action("moderator", "name a moderator of a community you created, or take one back")
    p.add_argument("change", choices=("add", "remove"), help="add or remove")
    community(p).add_argument("account", metavar="ACCOUNT", help="an account id")
    community(action("moderators", "a community's moderators and the accounts removed "
                     "from it"))
    p = community(action("remove", "remove an account from a community (moderators): "
                         "members stop carrying its posts there, and it cannot join again"))
    p.add_argument("account", metavar="ACCOUNT", help="an account id")
    p = community(action("restore", "take a removal back (moderators)"))
    p.add_argument("account", metavar="ACCOUNT", help="an account id")
    p = community(action("hide", "hide a post of a community from every member (moderators)"))
    p.add_argument("post", metavar="POST", help="the post's entry id (ent1...)")
    community(action("reports", "the reports members sealed to you as a moderator"))

    text = ("report a post or an account to a community's moderators: only they can read "
            "it")
    p = sub.add_parser("report", help=text, description=text, parents=[common])
    p.add_argument("target", metavar="POST|ACCOUNT", help="a post's entry id (ent1...) or "
                   "an account id (p2ps1...)")
    p.add_argument("--community", required=True, metavar="ID",
                   help="the community whose moderators read it (grp1...)")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why (one or two lines)")
    p.add_argument("--json", action="store_true", help="print one JSON document")


def storage(command: Callable[..., argparse.ArgumentParser]) -> None:
    """``storage``: what the home holds by kind; with a flag, sets the budget."""
    p = command("storage", "what this home holds by kind, and the budget for what is "
                "neither yours nor followed (beyond it the oldest bodies and images go)")
    p.add_argument("--budget", type=_size, metavar="SIZE", help="the budget for accounts "
                   "neither yours nor followed, e.g. 3GB (default 3GB)")
    p.add_argument("--per-account", type=_size, metavar="SIZE", help="the most one such "
                   "account may take, e.g. 200MB (default 200MB)")
    p.add_argument("--hops", type=hops, default=2, metavar="N",
                   help="count accounts up to N follows away as replicated (default 2)")


_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def _size(text: str) -> int:
    """``3GB``, ``200MB``, ``512MiB``, ``1.5GB`` or a number of bytes."""
    number = text.strip().rstrip("bBiIkKmMgGtT ")
    unit = text.strip()[len(number):].strip().upper()
    try:
        value = float(number) * _UNITS[unit]
    except (ValueError, KeyError):
        raise argparse.ArgumentTypeError(f"'{text}' is not a size (for example 3GB, 200MB, "
                                         "512MiB)") from None
    if not 0 <= value < 10**18:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size this disk could hold")
    return int(value)
