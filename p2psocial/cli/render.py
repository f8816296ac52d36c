"""How the command line shows things: compact text for people, JSON for scripts.

JSON documents carry ids in their text forms, timestamps both as ISO-8601 UTC and as
raw milliseconds, and cursors as ``Cursor.to_text()``. Text for people uses local
time, and never prints another person's control characters: a post could otherwise
carry terminal escape sequences.

Times of posts and messages are where they are placed (``ts``: never after they
arrived here); JSON also gives what the author signed (``signed_ts``) and
``clock_ahead`` when that is well past it, and text says "author's clock ahead"
(p2psocial/timestamps.py). Any integer formats: nothing a peer signs can make a
command fail.
"""

from __future__ import annotations

import datetime
import json
import sys
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .. import ids
from ..content import Attachment
from ..entry import Entry
from ..store.views import (
    ConversationView,
    Delivery,
    FileView,
    ForkView,
    GroupView,
    MessagePage,
    MessageView,
    Page,
    Placed,
    PostView,
    Problem,
    ProfileView,
)
from ..timestamps import shown_seconds

if TYPE_CHECKING:
    from ..net.neighbourhood import NearbyCommunity

# --- plain pieces ------------------------------------------------------------------

CLOCK_AHEAD = "author's clock ahead"  # signed well after it arrived: shown at arrival


def iso(ms: int) -> str:
    """UTC, to the millisecond; any integer (``timestamps.shown`` bounds it)."""
    moment = datetime.datetime.fromtimestamp(shown_seconds(ms), tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def local_time(ms: int) -> str:
    """Local time to the minute; any integer (``timestamps.shown`` bounds it)."""
    return datetime.datetime.fromtimestamp(shown_seconds(ms)).strftime("%Y-%m-%d %H:%M")


def short_account(raw: bytes) -> str:
    text = ids.account_text(raw)
    return f"{text[:9]}…{text[-4:]}"


def short_entry(raw: bytes) -> str:
    text = ids.entry_text(raw)
    return f"{text[:8]}…{text[-4:]}"


def clean(text: str, *, one_line: bool = False) -> str:
    """Text safe for a terminal: control characters (escapes) become U+FFFD."""
    keep = "" if one_line else "\n\t"
    out = "".join(ch if ch in keep or unicodedata.category(ch) != "Cc" else "\ufffd"
                  for ch in text)
    return " ".join(out.split()) if one_line else out


def display_name(name: str | None) -> str:
    return clean(name, one_line=True) if name else "(no name)"


def size_text(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "kB", "MB"):
        if value < 1000 or unit == "MB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def plural(count: int, word: str) -> str:
    """``1 post``, ``2 posts``; ``2 addresses`` (a word ending in s takes -es)."""
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word}es" if word.endswith("s") else f"{count} {word}s"


def dumps(doc: object) -> str:
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    return json.dumps(doc, ensure_ascii=encoding != "utf8", indent=2)


# --- JSON documents ----------------------------------------------------------------


def entry_json(item: Entry) -> dict[str, Any]:
    return {"id": ids.entry_text(item.id), "ts": item.timestamp, "time": iso(item.timestamp)}


def attachment_json(a: Attachment) -> dict[str, Any]:
    return {"blob": ids.blob_text(a.blob), "mime": a.mime, "size": a.size, "width": a.width,
            "height": a.height, "alt": a.alt}


def post_json(v: PostView) -> dict[str, Any]:
    return {
        "id": ids.entry_text(v.id),
        "author": ids.account_text(v.author),
        "author_name": v.author_name,
        "ts": v.ts,
        "time": iso(v.ts),
        "text": v.text,
        "content_warning": v.content_warning or None,
        "tags": list(v.tags),
        "mentions": [ids.account_text(m) for m in v.mentions],
        "attachments": [attachment_json(a) for a in v.attachments],
        "reply_parent": ids.entry_text(v.reply_parent) if v.reply_parent else None,
        "thread_root": ids.entry_text(v.thread_root),
        "reply_count": v.reply_count,
        "reactions": dict(v.reactions),
        "edited": v.edited,
        "deleted": v.deleted,
        "dropped": v.dropped,  # not kept here: the storage budget (store/storage.py)
        "audience": v.audience,
        "filtered": v.filtered, "muted": v.muted,  # store/mutes.py
        **signed_json(v),
        "cursor": v.cursor.to_text(),
    }


def signed_json(v: Placed) -> dict[str, Any]:
    """What the author's clock said, and whether it is well ahead of where ``v`` is."""
    return {"signed_ts": v.ts if v.signed_ts is None else v.signed_ts,
            "clock_ahead": v.clock_ahead}


def page_json(page: Page) -> dict[str, Any]:
    return {"items": [post_json(v) for v in page.items],
            "next": page.next.to_text() if page.next else None}


def profile_json(p: ProfileView) -> dict[str, Any]:
    return {"account": ids.account_text(p.account), "name": p.name, "bio": p.bio,
            "avatar": ids.blob_text(p.avatar) if p.avatar else None,
            "following": p.following, "followers": p.followers, "posts": p.posts,
            "devices": p.devices, "forked_devices": p.forked}


def problem_json(p: Problem) -> dict[str, Any]:
    return {"device": ids.device_text(p.device) if p.device else None, "seq": p.seq,
            "reason": p.reason}


def fork_json(f: ForkView) -> dict[str, Any]:
    return {"device": ids.device_text(f.device), "account": ids.account_text(f.account),
            "name": f.name, "seq": f.seq}


def fork_lines(forked: list[ForkView]) -> list[str]:
    """Forked logs, said plainly: nothing is damaged here, someone else misbehaved."""
    if not forked:
        return []
    lines = [f"{len(forked)} forked log{'s' if len(forked) > 1 else ''} (its author signed "
             "two different histories; the log is kept up to the fork and nothing newer "
             "from that device is accepted or passed on):"]
    for f in forked:
        who = f"{f.name} ({ids.account_text(f.account)})" if f.name else ids.account_text(
            f.account)
        lines.append(f"  {who}, device {ids.device_text(f.device)}, at entry {f.seq}")
    return lines


# --- text for people ---------------------------------------------------------------


def post_lines(v: PostView, *, show_cw: bool = False, depth: int = 0) -> list[str]:
    """``Name · p2ps1abcd…wxyz · 2026-11-22 16:20``, the text, then counts and the id."""
    header = [display_name(v.author_name), short_account(v.author), local_time(v.ts)]
    if v.reply_parent:
        header.append(f"reply to {short_entry(v.reply_parent)}")
    if v.edited and not v.deleted:
        header.append("edited")
    if v.audience == "circle":
        header.append("followers only")
    if v.clock_ahead:
        header.append(CLOCK_AHEAD)
    lines = [" · ".join(header)]
    if v.deleted:
        lines.append("[not kept here: storage budget]" if v.dropped else "[deleted]")
    else:
        cw = v.content_warning
        if cw:
            lines.append(f"CW: {clean(cw, one_line=True)}")
        veiled = _veil(v)
        if veiled and not show_cw:
            lines.append(f"({veiled}: add --show-cw to read it)")
        elif cw and not show_cw:
            lines.append("(hidden behind the warning: add --show-cw to read it)")
        else:
            if v.text:
                lines.extend(clean(v.text).splitlines())
            lines.extend(_attachment_line(a) for a in v.attachments)
    footer = ["1 reply" if v.reply_count == 1 else f"{v.reply_count} replies"]
    if v.reactions:
        footer.append("  ".join(f"{clean(e, one_line=True)} {n}" for e, n in v.reactions))
    footer.append(ids.entry_text(v.id))
    lines.append(" · ".join(footer))
    pad = "    " * min(depth, 6)
    return [pad + line if line else line for line in lines]


def _veil(v: PostView) -> str | None:
    """Why a post is collapsed by a mute or a word filter (store/mutes.py), or None."""
    if v.muted:
        return "muted"
    return f"hidden: contains \"{clean(v.filtered, one_line=True)}\"" if v.filtered else None


def _attachment_line(a: Attachment) -> str:
    alt = f": {clean(a.alt, one_line=True)}" if a.alt else ""
    return f"[image {a.width}×{a.height}{alt}]"


def page_lines(page: Page, *, show_cw: bool, empty: str) -> list[str]:
    if not page.items:
        return [empty]
    lines: list[str] = []
    for view in page.items:
        lines.extend(post_lines(view, show_cw=show_cw))
        lines.append("")
    if page.next:
        lines.append(f"More: add --before {page.next.to_text()}")
    else:
        lines.pop()
    return lines


def thread_lines(posts: list[PostView], *, show_cw: bool) -> list[str]:
    """A conversation, oldest first, each reply indented under its parent."""
    depth: dict[bytes, int] = {}
    lines: list[str] = []
    for view in posts:
        level = depth.get(view.reply_parent, -1) + 1 if view.reply_parent else 0
        depth[view.id] = level
        lines.extend(post_lines(view, show_cw=show_cw, depth=level))
        lines.append("")
    return lines[:-1]


def profile_lines(p: ProfileView) -> list[str]:
    lines = [f"{display_name(p.name)}  {ids.account_text(p.account)}"]
    if p.bio:
        lines.extend(clean(p.bio).splitlines())
    lines.append(f"{plural(p.posts, 'post')} · following {p.following} · "
                 f"{plural(p.followers, 'follower')}")
    if p.avatar:
        lines.append(f"avatar: {ids.blob_text(p.avatar)}")
    if p.forked:
        lines.append(f"{plural(p.forked, 'device')} of this account signed two different "
                     "histories: kept up to the fork, nothing newer accepted from it")
    return lines


def accounts_json(accounts: list[tuple[bytes, str | None]]) -> list[dict[str, Any]]:
    return [{"account": ids.account_text(a), "name": n} for a, n in accounts]


def account_lines(accounts: list[tuple[bytes, str | None]], empty: str) -> list[str]:
    if not accounts:
        return [empty]
    return [f"{ids.account_text(a)}  {display_name(name)}" for a, name in accounts]


def phrase_lines(words: str) -> list[str]:
    """24 words in four numbered rows of six, easy to copy onto paper."""
    items = [f"{i:>2}. {w:<9}" for i, w in enumerate(words.split(), 1)]
    return ["  ".join(items[row:row + 6]).rstrip() for row in range(0, len(items), 6)]


# --- private conversations (issue 5) ----------------------------------------------
# A conversation's ``members`` are the other people (the local account left out).

UNREAD_CAP = 99  # the node counts unread messages up to this


def one_line(text: str, width: int = 72) -> str:
    """A message's text on one line, cut at ``width`` characters."""
    flat = clean(text, one_line=True)
    return flat if len(flat) <= width else flat[:width - 1] + "…"


def names_text(names: Sequence[str | None]) -> str:
    return ", ".join(display_name(n) for n in names) or "(only you)"


def member_json(account: bytes, name: str | None) -> dict[str, Any]:
    return {"account": ids.account_text(account), "name": name}


def sent_json(item: Entry, conversation: bytes,
              recipients: Sequence[tuple[bytes, str | None]]) -> dict[str, Any]:
    return {**entry_json(item), "conversation": ids.conversation_text(conversation),
            "recipients": [member_json(a, n) for a, n in recipients]}


def sent_line(conversation: bytes, names: Sequence[str | None]) -> str:
    """``Sent to Bob, Carol (conversation dm1…)``."""
    return f"Sent to {names_text(names)} (conversation {ids.conversation_text(conversation)})"


def conversation_json(v: ConversationView, me: bytes) -> dict[str, Any]:
    return {"id": ids.conversation_text(v.id),
            "members": [member_json(a, n) for a, n in zip(v.members, v.names, strict=True)],
            "last_text": v.last_text, "last_ts": v.last_ts,
            "last_time": iso(v.last_ts) if v.last_ts is not None else None,
            "last_author": ids.account_text(v.last_author) if v.last_author else None,
            "last_own": v.last_author == me, "unread": v.unread,
            "last_delivery": delivery_json(v.last_delivery)}


def inbox_json(views: Sequence[ConversationView], groups: Sequence[GroupView],
               me: bytes) -> dict[str, Any]:
    return {"conversations": [conversation_json(v, me) for v in views],
            "groups": [group_json(g, me) for g in groups],
            "unread": sum(v.unread for v in views) + sum(g.unread for g in groups)}


def inbox_lines(views: Sequence[ConversationView], groups: Sequence[GroupView],
                me: bytes) -> list[str]:
    """Conversations and groups, newest message first: who and when, the last
    message, the id to open it with."""
    if not views and not groups:
        return ["No private messages yet: send one with 'p2psocial dm ACCOUNT TEXT'."]
    blocks: list[tuple[int, list[str]]] = []
    for v in views:
        head = [names_text(v.names), *_unread_and_time(v.unread, v.last_ts)]
        last = _last_line(v.members, v.names, v.last_text, v.last_author, me)
        if last and v.last_delivery is not None:
            last[0] += f" · {delivery_text(v.last_delivery)}"
        blocks.append((_when(v.last_ts), [" · ".join(head), *last,
                                          f"    {ids.conversation_text(v.id)}"]))
    for g in groups:
        blocks.append((_when(g.last_ts), _group_block(g, me)))
    blocks.sort(key=lambda block: block[0], reverse=True)  # stable: ties keep their order
    return [line for _, block in blocks for line in block]


def _when(ts: int | None) -> int:
    return -1 if ts is None else ts


def _unread_and_time(unread: int, ts: int | None) -> list[str]:
    out = []
    if unread:
        out.append(f"{'99+' if unread >= UNREAD_CAP else unread} unread")
    if ts is not None:
        out.append(local_time(ts))
    return out


def _last_line(members: Sequence[bytes], names: Sequence[str | None], text: str | None,
               author: bytes | None, me: bytes) -> list[str]:
    """``    Bob: the last message``, or nothing when there is none."""
    if text is None:
        return []
    named = dict(zip(members, names, strict=True))
    who = "you" if author == me else display_name(named.get(author) if author else None)
    return [f"    {who}: {one_line(text) if text.strip() else '(an attachment)'}"]


def message_json(v: MessageView, *, group: bool = False) -> dict[str, Any]:
    """A message; in a group, ``group`` names it where a conversation would."""
    where = {"group": ids.group_text(v.conversation)} if group else {
        "conversation": ids.conversation_text(v.conversation)}
    return {"id": ids.entry_text(v.id), **where,
            "author": ids.account_text(v.author), "author_name": v.author_name,
            "own": v.own, "ts": v.ts, "time": iso(v.ts), **signed_json(v), "text": v.text,
            "reply_to": ids.entry_text(v.reply_to) if v.reply_to else None,
            "reactions": [{"emoji": e, "count": n, "mine": ours} for e, n, ours in v.reactions],
            "attachments": [file_json(f) for f in v.attachments],
            "delivery": delivery_json(v.delivery), "cursor": v.cursor.to_text()}


def delivery_json(d: Delivery | None) -> dict[str, Any] | None:
    """Where one of our direct messages is known to be (None: not ours, or a group's).
    ``state``: "sent", "carried", "partly_delivered" or "delivered"; docs/network.md
    "Delivery states" says how each is learnt."""
    if d is None:
        return None
    return {"state": d.state, "recipients": [ids.account_text(a) for a in d.recipients],
            "delivered_to": [ids.account_text(a) for a in d.delivered_to],
            "carried": d.carried}


def delivery_text(d: Delivery) -> str:
    """``Sent``, ``Carried by a friend``, ``Delivered``, ``Delivered to 1 of 2``."""
    if d.state == "partly_delivered":
        return f"Delivered to {len(d.delivered_to)} of {len(d.recipients)}"
    return {"delivered": "Delivered", "carried": "Carried by a friend"}.get(d.state, "Sent")


def file_json(f: FileView) -> dict[str, Any]:
    """A picture or file of a private entry (``p2psocial save ENTRY PATH`` writes it)."""
    return {"kind": "picture" if f.is_image else "file", "name": f.name, "mime": f.mime,
            "size": f.size, "width": f.width, "height": f.height, "alt": f.alt}


def file_size(n: int) -> str:
    """``512 bytes``, ``12 KB``, ``3.4 MB``."""
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n // 1024} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def file_lines(files: tuple[FileView, ...]) -> list[str]:
    """``[picture 1: 640x480, "a cat"]``, ``[file 2: notes.pdf, 12 KB]``."""
    lines = []
    for number, f in enumerate(files, 1):
        if f.is_image:
            alt = f", {clean(f.alt, one_line=True)!r}" if f.alt else ""
            lines.append(f"[picture {number}: {f.width}x{f.height}{alt}]")
        else:
            lines.append(f"[file {number}: {clean(f.name, one_line=True)}, "
                         f"{file_size(f.size)}]")
    return lines


def conversation_page_json(v: ConversationView, page: MessagePage,
                           me: bytes) -> dict[str, Any]:
    """One page of a conversation: its messages oldest first, ``next`` for earlier ones."""
    return {**conversation_json(v, me),
            "items": [message_json(m) for m in reversed(page.items)],
            "next": page.next.to_text() if page.next else None}


def message_lines(m: MessageView) -> list[str]:
    """``Name · p2ps1abcd…wxyz · 2026-11-22 16:20``, the text, then the entry id."""
    header = [display_name(m.author_name) + (" (you)" if m.own else ""),
              short_account(m.author), local_time(m.ts)]
    if m.reply_to:
        header.append(f"reply to {short_entry(m.reply_to)}")
    if m.clock_ahead:
        header.append(CLOCK_AHEAD)
    if m.delivery is not None:
        header.append(delivery_text(m.delivery))
    said = [f"{clean(emoji, one_line=True)} {n}" + (" (you)" if ours else "")
            for emoji, n, ours in m.reactions]
    return [" · ".join(header), *clean(m.text).splitlines(), *file_lines(m.attachments),
            *([" ".join(said)] if said else []), ids.entry_text(m.id)]


def message_page_lines(page: MessagePage) -> list[str]:
    """A page's messages oldest first (a page is the newest before its cursor), and how
    to ask for the earlier ones."""
    lines: list[str] = []
    for m in reversed(page.items):
        lines.extend(["", *message_lines(m)])
    if not page.items:
        lines.append("No messages here yet.")
    if page.next:
        lines.extend(["", f"Earlier messages: add --before {page.next.to_text()}"])
    return lines


def conversation_lines(v: ConversationView, page: MessagePage) -> list[str]:
    """The conversation's header, then the page (``message_page_lines``)."""
    lines = [f"Conversation with {names_text(v.names)} · {ids.conversation_text(v.id)}"]
    return lines + message_page_lines(page)


# --- private groups (issue 5) -------------------------------------------------------
# A group's ``members`` include the local account while it is one ("you").


NAMES_SHOWN = 8  # a community's roster can be long: its first names, then a count


def group_members_text(g: GroupView, me: bytes) -> str:
    """``you, Bob, Carol``: you first, the others in account order; a community's
    roster cut after ``NAMES_SHOWN`` names (``… and 12 others``)."""
    others = [display_name(n) for a, n in zip(g.members, g.names, strict=True) if a != me]
    names = ["you"] * (me in g.members) + others
    if g.community and len(names) > NAMES_SHOWN:
        rest = len(names) - NAMES_SHOWN + 1
        names = [*names[:NAMES_SHOWN - 1], f"and {rest} others"]
    return ", ".join(names) or "nobody"


def group_json(g: GroupView, me: bytes) -> dict[str, Any]:
    names = dict(zip(g.members, g.names, strict=True))
    return {"id": ids.group_text(g.id), "name": g.name, "admin": ids.account_text(g.admin),
            "is_admin": g.admin == me, "member": g.member, "epoch": g.epoch,
            "members": [member_json(a, names[a]) for a in g.members],
            "last_text": g.last_text, "last_ts": g.last_ts,
            "last_time": iso(g.last_ts) if g.last_ts is not None else None,
            "last_author": ids.account_text(g.last_author) if g.last_author else None,
            "last_own": g.last_author == me, "unread": g.unread, "community": g.community}


def groups_json(groups: Sequence[GroupView], me: bytes) -> dict[str, Any]:
    return {"groups": [group_json(g, me) for g in groups],
            "unread": sum(g.unread for g in groups)}


def _role(g: GroupView, me: bytes) -> str:
    if g.community:  # nobody administers a community: its creator only started it
        return "you left" if not g.member else \
            "you started it" if g.admin == me else "a member"
    if not g.member:
        return "you are no longer a member"
    return "you are its admin" if g.admin == me else "a member"


def kind(g: GroupView) -> str:
    return "community" if g.community else "group"


def _group_block(g: GroupView, me: bytes) -> list[str]:
    """``Name (group) · 3 members · 1 unread · time · role``, members, last message, id;
    a community says ``(community)``."""
    head = [f"{clean(g.name, one_line=True)} ({kind(g)})", plural(len(g.members), "member"),
            *_unread_and_time(g.unread, g.last_ts), _role(g, me)]
    return [" · ".join(head), f"    members: {group_members_text(g, me)}",
            *_last_line(g.members, g.names, g.last_text, g.last_author, me),
            f"    {ids.group_text(g.id)}"]


def group_list_lines(groups: Sequence[GroupView], me: bytes) -> list[str]:
    if not groups:
        return ["No groups yet: start one with 'p2psocial group create NAME ACCOUNT...'."]
    return [line for g in groups for line in _group_block(g, me)]


def group_title(g: GroupView) -> str:
    """``Friends (grp1…)``."""
    return f"{clean(g.name, one_line=True)} ({ids.group_text(g.id)})"


def group_page_json(g: GroupView, page: MessagePage, me: bytes) -> dict[str, Any]:
    """One page of a group: its messages oldest first, ``next`` for earlier ones."""
    return {**group_json(g, me),
            "items": [message_json(m, group=True) for m in reversed(page.items)],
            "next": page.next.to_text() if page.next else None}


def group_page_lines(g: GroupView, page: MessagePage, me: bytes) -> list[str]:
    members = group_members_text(g, me)
    if g.community:
        members = f"{plural(len(g.members), 'member')}: {members}"
    lines = [f"{kind(g).capitalize()} {clean(g.name, one_line=True)} · {members} · "
             f"{ids.group_text(g.id)}"]
    if not g.member and g.community:
        lines.append("You left this community: its new posts do not reach you ('p2psocial "
                     "community join ID' on its local network joins it again).")
    elif not g.member:
        lines.append("You are no longer a member: what is posted after you left or were "
                     "removed does not reach you.")
    return lines + message_page_lines(page)


# --- open LAN communities (issue 5) -----------------------------------------------
# A community is a GroupView with ``community`` set (``members``: its roster); what
# the neighbours offer is a NearbyCommunity, whose creator may be nobody we know.


def communities_json(groups: Sequence[GroupView], me: bytes) -> dict[str, Any]:
    return {"communities": [group_json(g, me) for g in groups],
            "unread": sum(g.unread for g in groups)}


def community_list_lines(groups: Sequence[GroupView], me: bytes) -> list[str]:
    if not groups:
        return ["You are in no community yet: 'p2psocial community nearby' lists those "
                "offered on this local network, 'p2psocial community create NAME' starts "
                "one."]
    return [line for g in groups for line in _group_block(g, me)]


def community_created_lines(g: GroupView) -> list[str]:
    return [f"Created the community {group_title(g)}.",
            "Anyone on this local network can see it and join it while a member's "
            "p2psocial runs (the app, or 'p2psocial serve'); post in it with 'p2psocial "
            "group post ID TEXT'."]


def community_joined_lines(g: GroupView, creator: str | None, me: bytes,
                           already: bool) -> list[str]:
    who = "you" if g.admin == me else display_name(creator)
    first = (f"You were in {group_title(g)} already" if already
             else f"Joined {group_title(g)}")
    return [f"{first}, started by {who}: {plural(len(g.members), 'member')} known.",
            "Its posts now come from every member, followed or not, whenever this home "
            "is online with one of them: read them with 'p2psocial group show ID', post "
            "with 'p2psocial group post ID TEXT'."]


def community_left_line(g: GroupView) -> str:
    return (f"You left the community {group_title(g)}: this home stops carrying its "
            "members' posts (what it holds stays); 'p2psocial community join ID' on its "
            "local network joins it again.")


def nearby_json(offered: Sequence[tuple[NearbyCommunity, str | None]],
                neighbours: int) -> dict[str, Any]:
    """``offered``: (NearbyCommunity, the creator's name if this home knows it)."""
    return {"communities": [
        {"id": ids.group_text(c.id), "name": c.name, "creator": ids.account_text(c.creator),
         "creator_name": name, "members": c.members, "joined": c.joined, "full": c.full,
         "devices": [ids.device_text(d) for d in c.devices]} for c, name in offered],
        "neighbours": neighbours}


def nearby_lines(offered: Sequence[tuple[NearbyCommunity, str | None]], neighbours: int,
                 me: bytes) -> list[str]:
    """``Village hall · 3 members · started by Alice (p2ps1ab…wxyz) · joined`` (or
    ``· full``: nobody else can join), then its id."""
    if not offered:
        seen = ("no other p2psocial is on this local network now" if not neighbours else
                f"{plural(neighbours, 'neighbour')} on this local network, offering none")
        return [f"No community offered nearby: {seen}. 'p2psocial community create NAME' "
                "starts one."]
    lines = []
    for c, name in offered:
        who = "you" if c.creator == me else \
            f"{display_name(name)} ({short_account(c.creator)})" if name else \
            short_account(c.creator)
        head = [clean(c.name, one_line=True), plural(c.members, "member"), f"started by {who}"]
        if c.joined:
            head.append("joined")
        elif c.full:
            head.append("full")
        lines.extend([" · ".join(head), f"    {ids.group_text(c.id)}"])
    return lines
