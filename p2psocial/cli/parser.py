"""The command line's grammar. Imports nothing heavy: ``p2psocial --help`` is instant.

The global options (``--home``, ``--passphrase-stdin``, ``-v``) go before the
subcommand, and are accepted after it too, because people type them there.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from .. import __version__, private_files
from . import parser_yours as yours

PROG = "p2psocial"
MAX_LIMIT = 500

# Commands that only read: they open the home read-only (no passphrase, no lock).
READ_COMMANDS = ("whoami", "feed", "thread", "search", "mentions", "following", "followers",
                 "verify", "peers", "invite", "circle", "devices", "takeout",
                 "mutes")


class UsageError(Exception):
    """The command line asks for something contradictory; exit 2 like argparse does."""


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"give a number from 1 to {MAX_LIMIT}")
    return value


def _cursor(text: str) -> str:
    from ..store.views import Cursor  # here: the parser is built before anything heavy

    if Cursor.parse(text) is None:
        raise argparse.ArgumentTypeError(
            f"'{text[:40]}' is not a cursor (copy it from the end of the previous page)")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="A social network with no server. With no command, opens "
        "the desktop app.", epilog="Run 'p2psocial COMMAND --help' for a command's options. "
        "Environment: P2PSOCIAL_HOME (the home), P2PSOCIAL_PASSPHRASE (its passphrase).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _globals(parser, None)
    common = argparse.ArgumentParser(add_help=False)
    _globals(common, argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, text: str, *, json: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text, description=text, parents=[common])
        if json:
            p.add_argument("--json", action="store_true", help="print one JSON document")
        return p

    def pages(p: argparse.ArgumentParser, show_cw: bool = True) -> None:
        p.add_argument("--limit", type=_limit, default=20, metavar="N",
                       help="how many posts (default 20)")
        p.add_argument("--before", type=_cursor, metavar="CURSOR",
                       help="continue after a previous page (its last line names the cursor)")
        if show_cw:
            p.add_argument("--show-cw", action="store_true",
                           help="show the text of posts behind a content warning")

    command("gui", "open the desktop app (the default)", json=False)

    p = command("init", "create a new account in an empty home")
    p.add_argument("--name", required=True, help="the name people see")

    command("whoami", "show this home's account")

    p = command("post", "publish a post")
    p.add_argument("text", metavar="TEXT", help="the text; '-' reads it from stdin. "
                   "@Name mentions the one account called Name that this home knows (by "
                   "its whole name or its first name, any case); when nobody or several are "
                   "called so, write @ and the account id (@p2ps1...). #word is a tag")
    p.add_argument("--reply-to", metavar="ID", help="the entry id of the post to answer")
    p.add_argument("--cw", metavar="TEXT", help="a content warning shown before the text")
    p.add_argument("--image", action="append", default=[], metavar="PATH",
                   help="attach an image (repeat for several)")
    p.add_argument("--alt", action="append", default=[], metavar="TEXT",
                   help="describe the image for people who cannot see it (one per --image)")
    p.add_argument("--followers-only", action="store_true",
                   help="only the followers you approved can read it ('p2psocial approve "
                   "ACCOUNT'); its images are encrypted for them too")

    pages(command("feed", "your posts and those of the people you follow, newest first"))

    p = command("thread", "a whole conversation")
    p.add_argument("entry", metavar="ID", help="the entry id of any post in it")
    p.add_argument("--show-cw", action="store_true",
                   help="show the text of posts behind a content warning")

    p = command("profile", "show a profile; with options, change yours")
    p.add_argument("account", nargs="?", metavar="ACCOUNT", help="an account id (default: you)")
    p.add_argument("--name", help="your new name")
    p.add_argument("--bio", help="your new bio ('' clears it)")
    p.add_argument("--avatar", metavar="PATH", help="a picture of you")

    for name, verb in (("follow", "follow"), ("unfollow", "stop following"),
                       ("block", "block (hide and stop carrying)"), ("unblock", "unblock")):
        p = command(name, f"{verb} an account")
        p.add_argument("account", metavar="ACCOUNT", help="an account id")

    # --- followers-only posts (issue 5): the followers you approved -----------------
    p = command("approve", "let a follower read your followers-only posts from now on")
    p.add_argument("account", metavar="ACCOUNT", help="an account id")
    p = command("revoke", "stop a follower reading your followers-only posts from now on "
                "(what they read stays read)")
    p.add_argument("account", metavar="ACCOUNT", help="an account id")
    command("circle", "the followers you approved for followers-only posts")

    p = command("react", "react to an entry")
    p.add_argument("entry", metavar="ENTRY", help="an entry id")
    p.add_argument("emoji", metavar="EMOJI", help="one emoji or a short word")
    p.add_argument("--undo", action="store_true", help="take the reaction back")

    p = command("edit", "change the text of one of your posts")
    p.add_argument("entry", metavar="ENTRY", help="the post's entry id")
    p.add_argument("text", metavar="TEXT", help="the new text; '-' reads it from stdin")
    p.add_argument("--cw", metavar="TEXT", help="a new content warning ('' removes it)")

    p = command("delete", "delete one of your entries, for good")
    p.add_argument("entry", metavar="ENTRY", help="an entry id")

    p = command("search", "search the posts this home holds")
    p.add_argument("text", metavar="TEXT", help="words to look for")
    pages(p)
    pages(command("mentions", "posts that mention you"))

    # --- private conversations (issue 5) ---------------------------------------------
    p = command("dm", "send a private message that only its recipients can read")
    p.add_argument("accounts", nargs="+", metavar="ACCOUNT",
                   help="who reads it: one account id, or several for a group conversation")
    p.add_argument("text", metavar="TEXT", help="the message; '-' reads it from stdin "
                   "('' for a picture or file alone)")
    p.add_argument("--reply-to", metavar="ENTRY", help="the entry id of the message to answer")
    attachments(p)

    p = command("save", "save a picture or file of a message (or followers-only post) "
                "you can read")
    p.add_argument("entry", metavar="ENTRY", help="the entry id of the message")
    p.add_argument("path", metavar="PATH", help="where to write it (a folder: under the "
                   "file's own name)")
    p.add_argument("--number", type=_limit, default=1, metavar="N",
                   help="which of the message's attachments, from 1 (default 1)")

    command("inbox", "your private conversations, newest first, with unread counts")

    p = command("conversation", "the messages of one private conversation, oldest first")
    p.add_argument("conversation", metavar="ID", help="a conversation id (dm1..., shown by "
                   "'p2psocial inbox' and 'p2psocial dm') or a group id (grp1...)")
    p.add_argument("--limit", type=_limit, default=20, metavar="N",
                   help="how many of the latest messages (default 20)")
    p.add_argument("--before", type=_cursor, metavar="CURSOR",
                   help="earlier messages (the page's last line names the cursor)")
    p.add_argument("--mark-read", action="store_true",
                   help="count the conversation as read")
    _groups(sub, common)
    _communities(sub, common)
    _devices(sub, command, common)
    yours.takeout(command)
    yours.mutes(sub, command, common)
    yours.blocklists(sub, command, common)
    yours.storage(command)

    for name, what in (("following", "accounts that ACCOUNT follows"),
                       ("followers", "accounts that follow ACCOUNT")):
        p = command(name, what)
        p.add_argument("account", nargs="?", metavar="ACCOUNT",
                       help="an account id (default: you)")

    p = command("export", "write a complete backup of this home to FILE")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")

    p = command("import", "restore a backup into an empty home")
    p.add_argument("file", metavar="FILE")

    p = command("verify", "re-check every stored entry and report any damage")
    p.add_argument("--full", action="store_true", help="check every signature, not only "
                   "each log's last one (slower)")

    command("phrase", "show the account's recovery phrase")

    p = command("restore", "restore an account from its recovery phrase into an empty home")
    p.add_argument("--phrase-stdin", action="store_true",
                   help="read the phrase from stdin (after the passphrase line when "
                   "--passphrase-stdin is given too)")
    p.add_argument("--name", required=True, help="the name people see")

    # --- the network (issue 3) ---------------------------------------------------
    p = command("serve", "run this home as a peer in the foreground (Ctrl-C stops it)",
                json=False)
    p.add_argument("--port", type=_port, default=0, metavar="N",
                   help="TCP port to listen on (default: any free port)")
    p.add_argument("--listen", action="append", type=_listen_ip, metavar="IP",
                   help="IPv4 or IPv6 address to listen on; give it again for more than "
                   "one (default: every interface, IPv4 and IPv6: 0.0.0.0 and ::)")
    p.add_argument("--hops", type=yours.hops, default=2, metavar="N",
                   help="also carry the accounts followed by those you follow, N steps "
                   "away (default 2)")
    p.add_argument("--no-lan", action="store_true",
                   help="do not announce or discover peers on the local network (mDNS)")
    p.add_argument("--no-relay", action="store_true",
                   help="do not relay connections for friends who cannot be reached "
                   "directly (circuit relay; by default a serve relays for the accounts "
                   "it carries, within limits)")
    p.add_argument("--no-port-mapping", action="store_true",
                   help="do not ask the home router to forward the port (UPnP-IGD, "
                   "NAT-PMP); by default a serve listening on every interface or a LAN "
                   "address asks, and removes the mapping when it stops")
    p.add_argument("--no-hole-punching", action="store_true",
                   help="keep connections that a friend relays relayed (by default a "
                   "serve tries to turn them into direct ones: DCUtR)")
    p.add_argument("--image-budget", type=_mib, default=1024, metavar="MIB",
                   help="disk space for the pictures of accounts carried but neither "
                   "yours nor followed, in MiB (default 1024; at most a sixteenth of it "
                   "per account); yours and those of the people you follow are always "
                   "fetched and served on")

    p = command("invite", "print a code that lets someone connect to this home")
    p.add_argument("--port", type=_port, metavar="N",
                   help="the port to put in the code: a port forwarded to the running "
                   "serve, or, with no serve running, the port of a later 'serve --port N'")
    p.add_argument("--community", metavar="GROUP",
                   help="a community of yours (grp1...) that the code joins too: whoever "
                   "gets it can read and write there")

    p = command("join", "connect to the person who gave you CODE, and follow them")
    p.add_argument("code", metavar="CODE", help="an invite code (p2psinv1...)")

    command("peers", "the peers this home knows, and their state")

    p = command("sync", "connect to every known peer, catch up, and exit")
    p.add_argument("--once", action="store_true",
                   help="required: catch up once ('p2psocial serve' stays connected)")
    p.add_argument("--timeout", type=_seconds, default=30.0, metavar="S",
                   help="give up on a peer after S seconds (default 30)")
    p.add_argument("--hops", type=yours.hops, default=2, metavar="N",
                   help="replication reach, as for serve (default 2)")
    return parser


def attachments(p: argparse.ArgumentParser) -> None:
    """--image, --alt and --file of a private message: encrypted for its readers only."""
    p.add_argument("--image", action="append", default=[], metavar="PATH",
                   help="attach a picture (repeat for several); only the readers can see it")
    p.add_argument("--alt", action="append", default=[], metavar="TEXT",
                   help="describe the picture for people who cannot see it (one per --image)")
    p.add_argument("--file", action="append", default=[], metavar="PATH",
                   help="attach a file of any type, up to "
                   f"{private_files.FILE_MAX // (1024 * 1024)} MB (repeat for several)")


def _groups(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """``group ACTION``: private groups, each action with its own options. An open
    LAN community is a group too: posting, reading and leaving one are group actions."""
    text = ("private groups, and the communities you joined: create, list, post, show, "
            "add, remove, leave")
    group = sub.add_parser("group", help=text, description=text, parents=[common])
    actions = group.add_subparsers(dest="group_command", metavar="ACTION", required=True)

    def action(name: str, text: str) -> argparse.ArgumentParser:
        p = actions.add_parser(name, help=text, description=text, parents=[common])
        p.add_argument("--json", action="store_true", help="print one JSON document")
        return p

    def group_id(p: argparse.ArgumentParser) -> None:
        p.add_argument("group", metavar="GROUP", help="a group or community id (grp1..., "
                       "shown by 'p2psocial group list')")

    p = action("create", "create a private group that you administer")
    p.add_argument("name", metavar="NAME", help="the group's name (one line)")
    p.add_argument("accounts", nargs="+", metavar="ACCOUNT",
                   help="its first members (account ids; you are one anyway)")

    action("list", "your groups and communities, newest message first, with unread counts")

    p = action("post", "post a message that only the group's members can read (in a "
               "community: anyone who joins it)")
    group_id(p)
    p.add_argument("text", metavar="TEXT", help="the message; '-' reads it from stdin "
                   "('' for a picture or file alone)")
    p.add_argument("--reply-to", metavar="ENTRY", help="the entry id of the message to answer")
    attachments(p)

    p = action("react", "react to a message of a group or community with an emoji")
    group_id(p)
    p.add_argument("entry", metavar="ENTRY", help="the entry id of the message")
    p.add_argument("emoji", metavar="EMOJI", help="an emoji or a short word")
    p.add_argument("--undo", action="store_true", help="take that reaction back")

    p = action("show", "the messages of a group or community, oldest first")
    group_id(p)
    p.add_argument("--limit", type=_limit, default=20, metavar="N",
                   help="how many of the latest messages (default 20)")
    p.add_argument("--before", type=_cursor, metavar="CURSOR",
                   help="earlier messages (the page's last line names the cursor)")
    p.add_argument("--mark-read", action="store_true", help="count the group as read")

    for name, text in (("add", "add a member (creator only): a new key from now on; "
                        "nobody adds anyone to a community, people join it"),
                       ("remove", "remove a member (creator only): a new key that they "
                        "never receive; not for a community")):
        p = action(name, text)
        group_id(p)
        p.add_argument("account", metavar="ACCOUNT", help="an account id")

    group_id(action("leave", "leave a group (you stop posting and receiving its new keys) "
                    "or a community (this home stops carrying its members' posts)"))


def _devices(sub: argparse._SubParsersAction,
             command: Callable[..., argparse.ArgumentParser],
             common: argparse.ArgumentParser) -> None:
    """``devices`` lists this account's devices; ``device ACTION`` links and revokes."""
    p = command("devices", "this account's devices: name, when linked, last seen, revoked")
    p.add_argument("--account", metavar="ACCOUNT", help="another account's devices, as this "
                   "home knows them (which of them its owner revoked)")
    text = "link a new device to this account, or revoke a lost one"
    device = sub.add_parser("device", help=text, description=text, parents=[common])
    actions = device.add_subparsers(dest="device_command", metavar="ACTION", required=True)

    def action(name: str, text: str) -> argparse.ArgumentParser:
        p = actions.add_parser(name, help=text, description=text, parents=[common])
        p.add_argument("--json", action="store_true", help="print one JSON document")
        return p

    action("link", "print a one-time code (valid a few minutes) that links a new device, "
           "beside a running 'p2psocial serve' or the app")
    p = action("join", "make this empty home a new device of the account whose device "
               "printed CODE ('p2psocial device link' there)")
    p.add_argument("code", metavar="CODE", help="a link code (p2pslnk1...)")
    p.add_argument("--name", required=True, help="this device's name, as your devices list "
                   "shows it (for example 'Laptop')")
    p = action("revoke", "revoke a lost or stolen device: other devices and peers refuse "
               "what it writes from now on, and it cannot read what is sealed to you later")
    p.add_argument("device", metavar="DEVICE", help="its device id (dev1..., shown by "
                   "'p2psocial devices')")
    p.add_argument("--phrase-stdin", action="store_true",
                   help="read the recovery phrase from stdin (after the passphrase line when "
                   "--passphrase-stdin is given too); without it, a device that keeps the "
                   "account key needs no phrase, and a terminal is asked for it")


def _communities(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """``community ACTION``: open LAN communities. Post, read and leave with ``group``."""
    text = ("open communities of the local network: create, list, nearby, join (post, read "
            "and leave with 'p2psocial group post/show/leave'); their moderators: "
            "moderator, moderators, remove, restore, hide, reports")
    community = sub.add_parser("community", help=text, description=text, parents=[common])
    actions = community.add_subparsers(dest="community_command", metavar="ACTION",
                                       required=True)

    def action(name: str, text: str) -> argparse.ArgumentParser:
        p = actions.add_parser(name, help=text, description=text, parents=[common])
        p.add_argument("--json", action="store_true", help="print one JSON document")
        return p

    def wait(p: argparse.ArgumentParser, what: str) -> None:
        p.add_argument("--wait", type=_wait, default=DEFAULT_WAIT, metavar="S",
                       help=f"wait up to S seconds for {what} (default {DEFAULT_WAIT:g}; "
                       "with no serve or app running, a network runs that long)")

    p = action("create", "start a community that anyone on this local network can see "
               "and join")
    p.add_argument("name", metavar="NAME", help="the community's name (one line)")

    action("list", "the communities you are in, with member and unread counts")

    wait(action("nearby", "the communities that people on this local network offer now"),
         "neighbours to appear and answer")

    p = action("join", "join a community that someone on this local network offers: its "
               "posts then come from every member, followed or not")
    p.add_argument("community", metavar="ID", help="a community id (grp1..., shown by "
                   "'p2psocial community nearby')")
    wait(p, "a neighbour that offers it")
    yours.moderation(sub, action, common)


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port (0 to 65535)")
    return int(text)


def _listen_ip(text: str) -> str:
    import ipaddress

    try:
        return str(ipaddress.ip_address(text.strip().strip("[]")))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not an IPv4 or IPv6 address (for example 0.0.0.0, ::, "
            "192.168.1.7 or ::1)") from None


def _mib(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 1024 * 1024:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of MiB (0 to 1048576)")
    return int(text)




DEFAULT_WAIT = 5.0
MAX_WAIT = 60.0  # below the control call's timeout: beside a serve, it waits there


def _seconds_up_to(most: float, *, zero: bool = False) -> Callable[[str], float]:
    """An argparse type: seconds, more than 0 (or 0 itself, with ``zero``) and at most
    ``most``."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
        low_ok = value >= 0 if zero else value > 0
        if not low_ok or value > most:
            raise argparse.ArgumentTypeError(f"give a number of seconds from 0 to {most:g}")
        return value
    return parse


_wait = _seconds_up_to(MAX_WAIT, zero=True)
_seconds = _seconds_up_to(3600)


def _globals(parser: argparse.ArgumentParser, default: object) -> None:
    """The global options; ``default`` is SUPPRESS after the subcommand, so an option
    given before it is not overwritten by the subcommand's default."""
    def d(value: object) -> object:
        return value if default is None else default

    parser.add_argument("--home", metavar="DIR", default=d(None),
                        help="where the account lives (default: $P2PSOCIAL_HOME, else the "
                        "platform's data folder)")
    parser.add_argument("--passphrase-stdin", action="store_true", default=d(False),
                        help="read the passphrase from the first line of stdin (else "
                        "$P2PSOCIAL_PASSPHRASE, else a prompt on a terminal)")
    parser.add_argument("-v", "--verbose", action="store_true", default=d(False),
                        help="say more, and show details of internal errors")
