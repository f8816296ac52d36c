"""What a row of a post says in words: names, counts, times, and the one sentence a
screen reader reads for it. Shared by the list model (post_model.py), its painter
(post_delegate.py), the post menu and the conversation view."""

from __future__ import annotations

import time

from .. import ids
from ..store.views import Placed, PostView
from ..timestamps import shown_seconds
from .context import tr
from .widgets import plural

HEART = "❤️"


def author_name(post: PostView) -> str:
    """The author's profile name, or the start of the account id when there is none."""
    if post.author_name:
        return post.author_name
    return ids.account_text(post.author)[:14] + "…"


def names_wanted(post: PostView) -> tuple[bytes, ...]:
    """The accounts whose names the row of ``post`` shows besides its author's: those
    it mentions, and the author of the post it replies to ("Replying to Bob")."""
    if post.reply_author is None:
        return post.mentions
    return (*post.mentions, post.reply_author)


def reacted(post: PostView) -> tuple[str, ...]:
    """The emojis the local user has active on ``post``."""
    return post.reacted


def veil(post: PostView) -> str | None:
    """What a collapsed row says in place of its text, with "Show post" beside it: a
    mute or word filter of this home first (store/mutes.py), then the author's content
    warning; None when the row is shown open."""
    if post.muted:
        return tr("Hidden: you muted its author or a #tag in it")
    if post.filtered:
        return tr("Hidden: contains “{0}”").format(post.filtered)
    if post.content_warning:
        return "⚠ " + post.content_warning
    return None


def replies_text(n: int) -> str:
    return plural(tr("%n reply(ies)", None, n), n)


def relative_time_long(ts_ms: int, now_ms: int) -> str:
    """'just now', '5 minutes ago', …: for a sentence read aloud."""
    seconds = max(0, (now_ms - ts_ms) // 1000)
    if seconds < 60:
        return tr("just now")
    if seconds < 3600:
        n = int(seconds // 60)
        return plural(tr("%n minute(s) ago", None, n), n)
    if seconds < 86400:
        n = int(seconds // 3600)
        return plural(tr("%n hour(s) ago", None, n), n)
    if seconds < 7 * 86400:
        n = int(seconds // 86400)
        return plural(tr("%n day(s) ago", None, n), n)
    return time.strftime("%x", time.localtime(shown_seconds(ts_ms)))


def clock_note(item: Placed) -> str:
    """', its author's clock is ahead' for a sentence read aloud about a post or message
    its author signed well after it arrived (timestamps.py), else nothing."""
    return ", " + tr("its author's clock is ahead") if item.clock_ahead else ""


def replied_name(post: PostView, names: dict[bytes, str]) -> str | None:
    """The name of the author of the post ``post`` replies to ('Bob', or the start of
    their account id when ``names`` has no name for them); None when that post is not
    held here (or ``post`` is no reply)."""
    author = post.reply_author
    if author is None:
        return None
    return names.get(author) or ids.account_text(author)[:14] + "…"


def gone_words(post: PostView) -> str:
    """What a deleted post's placeholder says; one whose body this computer dropped to
    keep within the storage budget says that instead (store/storage.py)."""
    if post.dropped:
        return tr("Not kept on this computer (storage budget).")
    return tr("This post was deleted.")


def spoken(post: PostView, now_ms: int, names: dict[bytes, str] | None = None) -> str:
    """One sentence for a screen reader: 'Alice, replying to Bob, 5 minutes ago: text…
    3 replies, 2 reactions'."""
    if post.deleted:
        body = gone_words(post)
    elif post.muted or post.filtered:
        body = veil(post) or ""
    elif post.content_warning:
        body = tr("Content warning: {0}").format(post.content_warning)
    else:
        body = post.text if len(post.text) <= 200 else post.text[:200] + "…"
    extra = []
    if post.attachments:
        extra.append(plural(tr("%n image(s)", None, len(post.attachments)),
                            len(post.attachments)))
    if post.reply_count:
        extra.append(replies_text(post.reply_count))
    reactions = sum(count for _emoji, count in post.reactions)
    if reactions:
        extra.append(plural(tr("%n reaction(s)", None, reactions), reactions))
    tail = (" " + ", ".join(extra)) if extra else ""
    when = relative_time_long(post.ts, now_ms) + clock_note(post)
    if post.audience == "circle":
        when += ", " + tr("Followers only")
    who = author_name(post)
    if post.reply_parent is not None and not post.deleted:
        name = replied_name(post, names or {})
        who += ", " + (tr("replying to {0}").format(name) if name is not None
                       else tr("replying to a post"))
    return f"{who}, {when}: {body}{tail}"


def relative_time(ts_ms: int, now_ms: int) -> str:
    """'now', '5m', '3h', '2d', then the date: what a row shows beside a name. Any
    integer: a time after ``now_ms`` is 'now', the date is bounded (timestamps.shown)."""
    seconds = max(0, (now_ms - ts_ms) // 1000)
    if seconds < 60:
        return tr("now")
    if seconds < 3600:
        return tr("{0}m").format(seconds // 60)
    if seconds < 86400:
        return tr("{0}h").format(seconds // 3600)
    if seconds < 7 * 86400:
        return tr("{0}d").format(seconds // 86400)
    return time.strftime("%Y-%m-%d", time.localtime(shown_seconds(ts_ms)))


def full_time(ts_ms: int) -> str:
    """The local date and time, for the tooltip of a relative time (any integer)."""
    return time.strftime("%c", time.localtime(shown_seconds(ts_ms)))


def when_text(item: Placed, now_ms: int) -> str:
    """The time a row shows: where the post or message is placed, relative to now, and
    'clock ahead' when its author signed it well after it arrived (timestamps.py)."""
    when = relative_time(item.ts, now_ms)
    return when + " · " + tr("clock ahead") if item.clock_ahead else when
