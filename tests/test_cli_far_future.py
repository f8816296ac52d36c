"""Finding 5 of issue 12 through the command line: a followed peer whose entries are
stamped with the largest timestamp a header may carry (2**53 ms, the year 287,396).

Before the fix, ``feed``, ``mentions``, ``search``, ``inbox``, ``thread`` and
``conversation`` died in ``cli/render.py`` (``datetime.fromtimestamp``: year out of
range), and the post sat on top of the timeline for good. Now every command answers,
in text and JSON; the post is placed at the time it arrived (docs/store.md, "Time"),
says that its author's clock is ahead, and a post written after it is above it.
"""

from __future__ import annotations

from pathlib import Path

import trio

from p2psocial import ids
from p2psocial.home import Home
from p2psocial.node import Node, now_ms
from tests.clikit import js, ok
from tests.timekit import FAR, SettableClock, Story, far_future_story


def _story(tmp_path: Path) -> tuple[Path, Story, bytes, int, int]:
    """The victim's home after the story, its later post, and the time span of the
    story's arrival (before, after)."""
    async def main() -> tuple[Story, bytes, int, int]:
        clock = SettableClock()
        with Node.init(Home(tmp_path / "victim"), "Victim") as victim, \
                Node.init(Home(tmp_path / "mallory"), "Mallory", clock=clock) as mallory:
            before = now_ms()
            story = await far_future_story(victim, mallory, clock)
            after = now_ms()
            later = await victim.posts.post("written after the far-future post arrived")
        return story, later.id, before, after

    story, later, before, after = trio.run(main)
    return tmp_path / "victim", story, later, before, after


def test_far_future_entries_show_everywhere_without_crashing(tmp_path: Path) -> None:
    home, story, later, before, after = _story(tmp_path)
    post, reply = ids.entry_text(story.post.id), ids.entry_text(story.reply.id)

    feed = js(home, "feed")["items"]
    assert [i["id"] for i in feed[:1]] == [ids.entry_text(later)]  # not pinned on top
    by_id = {i["id"]: i for i in feed}
    for far in (post, reply):
        assert by_id[far]["signed_ts"] == FAR  # what the author signed, kept
        assert before <= by_id[far]["ts"] <= after  # placed when it arrived
        assert by_id[far]["clock_ahead"] is True
    assert by_id[ids.entry_text(later)]["clock_ahead"] is False
    text = ok(home, "feed")
    assert "hello from the future, year 287396" in text and "clock ahead" in text

    assert [i["id"] for i in js(home, "mentions")["items"]] == [post]
    assert "hello from the future" in ok(home, "mentions")
    assert post in [i["id"] for i in js(home, "search", "future")["items"]]
    assert "a reply from the far future" in ok(home, "search", "future")

    thread = js(home, "thread", ids.entry_text(story.honest.id))["items"]
    assert [i["id"] for i in thread] == [ids.entry_text(story.honest.id), reply]
    assert "a reply from the far future" in ok(home, "thread", reply)

    inbox = js(home, "inbox")
    [conversation] = inbox["conversations"]
    assert before <= conversation["last_ts"] <= after
    assert "a message from the future" in ok(home, "inbox")
    page = js(home, "conversation", conversation["id"])
    [message] = page["items"]
    assert message["signed_ts"] == FAR and message["clock_ahead"] is True
    assert before <= message["ts"] <= after
    assert "clock ahead" in ok(home, "conversation", conversation["id"])


def test_plural_words_ending_in_s() -> None:
    # `p2psocial join` said "(2 addresss)"
    from p2psocial.cli.render import plural

    assert (plural(1, "address"), plural(2, "address"), plural(3, "post")) == (
        "1 address", "2 addresses", "3 posts")
