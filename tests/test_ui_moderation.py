"""Moderating a community in the window (ui/moderation.py), on real widgets over real
back ends with the network off: entries are copied between the homes as sync would
(tests/helpers.sync). Carol reports Bob's message from its menu; Alice, who started
the community, sees the report above the messages, hides the post from it, and
removes Bob from the message menu."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from p2psocial.ui.context import AppContext
from p2psocial.ui.messages_page import MessagesPage
from tests.helpers import sync
from tests.uikit import WAIT, call, make_backend, texts


@pytest.fixture
def three(trio_host: Any, tmp_path: Path) -> Iterator[tuple[AppContext, ...]]:
    ctxs = tuple(AppContext(trio_host, make_backend(tmp_path / name.lower(), name))
                 for name in ("Alice", "Bob", "Carol"))
    try:
        yield ctxs
    finally:
        assert trio_host.stop()
        for ctx in ctxs:
            ctx.backend.close()


def page_on(qtbot: QtBot, ctx: AppContext, cid: bytes) -> MessagesPage:
    page = MessagesPage(ctx)
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    page.activated()
    qtbot.waitUntil(lambda: page.model.loaded and not page.model.loading, timeout=WAIT)
    page.open_conversation(cid)
    qtbot.waitUntil(lambda: page.current == cid, timeout=WAIT)
    return page


def menu_texts(qtbot: QtBot, page: MessagesPage, row: int) -> list[str]:
    view = page.pane.view
    view.open_menu(view.model().index(row, 0), view.mapToGlobal(view.rect().center()))
    qtbot.waitUntil(lambda: view.menu is not None, timeout=WAIT)
    assert view.menu is not None
    return [a.text() for a in view.menu.actions() if a.text()]


def choose(qtbot: QtBot, page: MessagesPage, row: int, text: str) -> None:
    menu_texts(qtbot, page, row)
    menu = page.pane.view.menu
    assert menu is not None
    [action] = [a for a in menu.actions() if a.text() == text]
    action.trigger()
    menu.close()


def test_a_report_from_the_menu_reaches_the_moderator_who_hides_and_removes(
        three: tuple[AppContext, ...], qtbot: QtBot) -> None:
    alice, bob, carol = three
    nodes = [c.node for c in three]

    async def gather() -> bytes:
        cid = await alice.node.communities.create("Village hall")
        [info] = await alice.node.communities.list()
        for ctx in (bob, carol):
            await ctx.node.communities.join(info.value, info.lines)
            [mine] = await ctx.node.communities.list()
            await alice.node.communities.merge_roster(cid, mine.lines)
        [info] = await alice.node.communities.list()
        for ctx in (bob, carol):
            await ctx.node.communities.merge_roster(cid, info.lines)
        await bob.node.groups.post(cid, "buy cheap pills")
        await bob.node.groups.post(cid, "and more pills")
        for a in nodes:
            for b in nodes:
                if a is not b:
                    await sync(a, b)
        for n in nodes:
            await n.messages.scan()
        return cid

    cid = call(qtbot, alice, gather)
    carols = page_on(qtbot, carol, cid)
    qtbot.waitUntil(lambda: len(texts(carols)) == 2, timeout=WAIT)
    bar = carols.pane.moderation
    assert not bar.isVisible()  # Carol moderates nothing
    qtbot.waitUntil(lambda: bar.view is not None, timeout=WAIT)
    assert menu_texts(qtbot, carols, 0)[-2:] == ["Report…", "Report Bob…"]  # no Hide
    carols.pane.view.menu.close()
    bar.ask_reason = lambda _title: "spam"
    choose(qtbot, carols, 0, "Report…")
    qtbot.waitUntil(lambda: "Reported to 1 moderator" in bar.error_line.text(), timeout=WAIT)
    bar.error_line.clear()
    choose(qtbot, carols, 1, "Report Bob…")  # the account, this time
    qtbot.waitUntil(lambda: "Reported to 1 moderator" in bar.error_line.text(), timeout=WAIT)

    async def carry() -> None:
        await sync(carol.node, alice.node)
        await alice.node.messages.scan()
    call(qtbot, alice, carry)

    alices = page_on(qtbot, alice, cid)
    mod = alices.pane.moderation
    qtbot.waitUntil(lambda: mod.isVisible() and mod.reports_button.text() == "Reports (2)",
                    timeout=WAIT)
    assert mod.status.text() == "You moderate this community."
    mod.reports_button.click()
    assert mod.list.isVisible()
    shown = [mod.list.item(n).text() for n in range(mod.list.count())]
    assert shown[0].startswith("Carol reported the account p2ps1") and shown[0].endswith(
        ": spam")
    assert shown[1].startswith("Carol reported a post by Bob: spam\nPost: ")
    mod.list.setCurrentRow(0)
    assert not mod.hide_button.isEnabled() and mod.remove_button.isEnabled()
    mod.list.setCurrentRow(1)
    assert mod.hide_button.isEnabled() and mod.remove_button.isEnabled()
    reported = mod.chosen().target
    qtbot.mouseClick(mod.hide_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(texts(alices)) == 1, timeout=WAIT)
    assert reported not in [m.id for m in alices.pane.model.items]

    assert menu_texts(qtbot, alices, 0)[-4:] == ["Report…", "Report Bob…", "Hide",
                                                 "Remove Bob from the community"]
    alices.pane.view.menu.close()
    choose(qtbot, alices, 0, "Remove Bob from the community")
    qtbot.waitUntil(lambda: texts(alices) == [], timeout=WAIT)
    view = call(qtbot, alice, alice.backend.moderation, cid)
    assert view.removed == (bob.me,)

    # the creator names Carol a moderator (Bob, removed, is not offered), then not
    assert mod.moderators_button.isVisible() and not bar.moderators_button.isVisible()
    mod.moderators_button.click()
    qtbot.waitUntil(lambda: [mod.candidates.itemText(n) for n in range(
        mod.candidates.count())] == ["Carol"], timeout=WAIT)
    qtbot.mouseClick(mod.appoint_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: mod.moderators.count() == 1, timeout=WAIT)
    assert mod.moderators.itemText(0) == "Carol" and mod.candidates.count() == 0
    assert call(qtbot, alice, alice.backend.moderation, cid).moderators == tuple(
        [alice.me, *sorted([carol.me])])
    qtbot.mouseClick(mod.dismiss_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: mod.moderators.count() == 0, timeout=WAIT)
    assert call(qtbot, alice, alice.backend.moderation, cid).moderators == (alice.me,)
    alices.stop()
    carols.stop()



def test_moderation_speaks_german(app_ctx: AppContext, qtbot: QtBot) -> None:
    from p2psocial.ui.moderation import ModerationBar
    from tests.uikit import german

    cid = call(qtbot, app_ctx, app_ctx.node.communities.create, "Chor")
    with german():
        bar = ModerationBar(app_ctx)
        qtbot.addWidget(bar)
        bar.set_community(cid)
        qtbot.waitUntil(lambda: bar.view is not None, timeout=WAIT)
        assert bar.status.text() == "Du moderierst diese Gemeinschaft."
        assert (bar.reports_button.text(), bar.hide_button.text()) == (
            "Meldungen (0)", "Beitrag ausblenden")
        assert bar.appoint_button.text() == "Zum Moderator machen"
        bar.stop()
