"""The delivery state of our direct messages in the conversation view (issue 14, item
8): "Sent" beside a message written while nobody holds it, then "Delivered" as soon as
the node hears that a device of the recipient holds it (``HeldByPeer``), without
reopening anything; the tooltip says how that is known."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from p2psocial.runtime import Backend
from p2psocial.ui.context import AppContext
from tests.uikit import WAIT, call, friends, shown_page


def test_our_message_says_sent_then_delivered_live(
        app_ctx: AppContext, bob: Backend, qtbot: QtBot) -> None:
    friends(qtbot, app_ctx, bob)
    node = app_ctx.node
    call(qtbot, app_ctx, node.messages.send, [bob.node.account_id], "see you at eight")
    page = shown_page(qtbot, app_ctx)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)
    page.open_conversation(page.model.items[0].id)
    pane = page.pane
    qtbot.waitUntil(lambda: len(pane.model.items) == 1, timeout=WAIT)

    index = pane.model.index(0)
    assert pane.model.items[0].delivery.state == "sent"
    assert index.data(Qt.ItemDataRole.AccessibleTextRole).endswith(": see you at eight. Sent")
    assert "Nobody else is known to have it yet" in index.data(Qt.ItemDataRole.ToolTipRole)
    _paint(pane)

    # Bob's device says, in a sync session, that it holds Alice's log this far
    assert node.identity is not None and bob.node.identity is not None
    mine = node.identity.device_id
    [seq] = [s for d, _a, s in call(qtbot, app_ctx, node.replication.logs) if d == mine]
    call(qtbot, app_ctx, node.replication.peer_holds, bob.node.identity.device_id, {mine: seq})

    qtbot.waitUntil(lambda: pane.model.items[0].delivery.state == "delivered", timeout=WAIT)
    index = pane.model.index(0)
    assert index.data(Qt.ItemDataRole.AccessibleTextRole).endswith(". Delivered")
    assert "A device of the person it is for told this device" in index.data(
        Qt.ItemDataRole.ToolTipRole)
    _paint(pane)
    page.stop()


def _paint(pane: object) -> None:
    """The row paints with its state (no exception, something drawn)."""
    view = pane.view  # type: ignore[attr-defined]
    assert not view.viewport().grab().toImage().isNull()
