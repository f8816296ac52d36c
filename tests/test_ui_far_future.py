"""Finding 5 of issue 12 in the desktop app: what a peer stamped 2**53 ms (the year
287,396) shows in the home timeline, its delegate, the notifications and the messages.

Mallory's node runs on a clock set to the end of time (``tests/timekit.py``); her
entries reach Alice's home through the verified ingest, as a sync brings them. The
far-future post is placed at its arrival (below a post Alice writes after it), its
row says "clock ahead", and every view paints and reads it aloud. The time functions
of the views take any integer, even with a ``localtime`` as narrow as Windows' one.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from p2psocial.home import Home
from p2psocial.node import Node, now_ms
from p2psocial.ui import post_delegate, post_model
from p2psocial.ui.context import AppContext
from p2psocial.ui.messages_page import MessagesPage
from p2psocial.ui.notifications_page import NotificationsPage
from p2psocial.ui.post_delegate import full_time, relative_time, when_text
from p2psocial.ui.post_model import relative_time_long
from p2psocial.ui.timeline import Roles, TimelineModel, TimelineView
from tests.timekit import FAR, SettableClock, Story, far_future_story
from tests.uikit import WAIT, call

WINDOWS_LAST_SECOND = 32_536_850_399  # 3001-01-19 07:59:59 UTC, _localtime64's end


def windows_localtime(seconds: float | None = None) -> time.struct_time:
    """``time.localtime`` as narrow as the Windows C runtime's: no negative time and
    nothing past the year 3000 (Linux formats the year 287,396 without complaint)."""
    if seconds is not None and not 0 <= seconds <= WINDOWS_LAST_SECOND:
        raise OSError(22, "Invalid argument")
    return time.gmtime(seconds)


@pytest.fixture
def story(app_ctx: AppContext, qtbot: QtBot, tmp_path: Path) -> Story:
    """Alice's home after Mallory's far-future entries arrived, then a post of hers."""
    clock = SettableClock()
    with Node.init(Home(tmp_path / "mallory"), "Mallory", clock=clock) as mallory:
        told = call(qtbot, app_ctx, far_future_story, app_ctx.node, mallory, clock)
    call(qtbot, app_ctx, app_ctx.node.posts.post, "written after the far future arrived")
    return told


@settings(max_examples=200, deadline=None)
@given(st.integers(-(2**63), 2**64) | st.sampled_from([FAR, 0, -1, 2**63 - 1]))
def test_the_views_time_texts_take_any_integer(ms: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "localtime", windows_localtime)
        now = now_ms()
        assert relative_time(ms, now)
        assert full_time(ms)
        assert relative_time_long(ms, now)


def test_the_far_future_post_is_placed_marked_and_painted(
        app_ctx: AppContext, qtbot: QtBot, story: Story) -> None:
    model = TimelineModel(app_ctx.host, app_ctx.node)
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(520, 700)
    view.setModel(model)
    with qtbot.waitSignal(view.first_painted, timeout=WAIT):
        model.start()
        view.show()
    qtbot.waitUntil(lambda: model.rowCount() == 4 and not model.busy, timeout=WAIT)
    texts = [model.index(r).data(Roles.Text) for r in range(model.rowCount())]
    assert texts[0] == "written after the far future arrived"  # not pinned under it
    assert texts[-1] == "an honest post, written now"
    far = [p for p in model.posts if p.id in (story.post.id, story.reply.id)]
    assert len(far) == 2
    now = now_ms()
    for post in far:
        assert post.signed_ts == FAR and post.ts <= now and post.clock_ahead
        assert when_text(post, now) == "now · clock ahead"
        row = model.posts.index(post)
        said = model.index(row).data(Qt.ItemDataRole.AccessibleTextRole)
        who = "Mallory, replying to Alice" if post.reply_parent else "Mallory"
        assert said.startswith(f"{who}, just now, its author's clock is ahead: ")
    assert when_text(model.posts[0], now) == "now"
    assert not view.grab().isNull()  # every row painted, the far-future ones included
    tip = post_delegate.full_time(far[0].ts)
    assert tip == time.strftime("%c", time.localtime(far[0].ts / 1000))
    model.stop()


def test_notifications_from_the_far_future_are_listed_in_time(
        app_ctx: AppContext, qtbot: QtBot, story: Story) -> None:
    page = NotificationsPage(app_ctx)
    qtbot.addWidget(page)
    page.resize(500, 400)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=WAIT)
    now = now_ms()
    assert all(n.ts <= now for n in page.model.items)
    for row in range(4):
        assert page.model.index(row).data(Qt.ItemDataRole.ToolTipRole)
        assert page.model.index(row).data()
    assert not page.grab().isNull()
    page.stop()


def test_a_message_from_the_far_future_is_shown_and_marked(
        app_ctx: AppContext, qtbot: QtBot, story: Story) -> None:
    page = MessagesPage(app_ctx)
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    qtbot.waitExposed(page)
    page.activated()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)
    [conversation] = page.model.items
    assert conversation.last_ts is not None and conversation.last_ts <= now_ms()
    page.open_conversation(conversation.id)
    qtbot.waitUntil(lambda: len(page.pane.model.items) == 1, timeout=WAIT)
    [message] = page.pane.model.items
    assert message.signed_ts == FAR and message.clock_ahead
    said = page.pane.model.index(0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "its author's clock is ahead: a message from the future" in said
    assert not page.grab().isNull()
    page.stop()
    assert post_model.clock_note(message) == ", its author's clock is ahead"
