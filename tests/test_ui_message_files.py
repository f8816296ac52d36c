"""Pictures and files in conversations (issue 14; ui/message_files.py) over real homes.

Alice is the app's home; Bob a second real home, whose logs and sealed blobs reach
Alice as a sync and the blob protocol would bring them. Bob sends a picture and a
file: Alice's conversation shows the picture (decrypted through the window's image
cache) and a file tile whose click saves the file; Alice attaches a picture and a file
with the tray and sends them; a file over the limit is refused in one line.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QFileDialog, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from p2psocial import private_files
from p2psocial.runtime import Backend
from p2psocial.ui.context import AppContext
from p2psocial.ui.image_viewer import ImageViewer
from p2psocial.ui.message_model import MessageRole
from tests.uikit import WAIT, call, friends, shown_page, texts


def picture(colour: tuple[int, int, int] = (30, 160, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), colour).save(out, "PNG")
    return out.getvalue()


def carry_all(qtbot: QtBot, ctx: AppContext, src: Any, dst: Any) -> None:
    """Logs and blobs of ``src`` reach ``dst``, which then opens what it can."""
    for device, _account, _seq in call(qtbot, ctx, src.replication.logs):
        log = call(qtbot, ctx, src.replication.log_entries, device, 0, 10_000)
        call(qtbot, ctx, dst.replication.ingest, log)
    for digest in src.store.blob_hashes():
        call(qtbot, ctx, dst.replication.put_blob, call(qtbot, ctx, src.replication.blob, digest))
    call(qtbot, ctx, dst.messages.scan)


def test_a_picture_and_a_file_from_bob_show_and_save(
        app_ctx: AppContext, bob: Backend, qtbot: QtBot, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    friends(qtbot, app_ctx, bob)
    call(qtbot, app_ctx, lambda: bob.node.messages.send(
        [app_ctx.me], "the garden", images_data=[picture()], alt=["a green lawn"],
        files=[("plan.txt", b"dig here\n")]))
    carry_all(qtbot, app_ctx, bob.node, app_ctx.node)
    page = shown_page(qtbot, app_ctx)
    page.open_conversation(page.model.items[0].id)
    qtbot.waitUntil(lambda: texts(page) == ["the garden"], timeout=WAIT)
    pane = page.pane
    [message] = pane.model.items
    assert [(f.is_image, f.name, f.alt) for f in message.attachments] == [
        (True, "", "a green lawn"), (False, "plan.txt", "")]

    index = pane.model.index(0, 0)
    spoken = index.data(Qt.ItemDataRole.AccessibleTextRole)
    assert spoken.endswith(": the garden a green lawn; File plan.txt, 9 bytes")

    # the picture is painted, decrypted, at its place in the bubble
    view = pane.view
    option = QStyleOptionViewItem()
    option.rect = view.visualRect(index)
    option.font = view.font()
    parts = view.delegate.parts(option, index.data(MessageRole))
    picture_rect = parts.files.items[0][0].translated(parts.files_at)
    tile_rect = parts.files.items[1][0].translated(parts.files_at)
    assert picture_rect.height() > 100 and tile_rect.height() > 0
    cache = view.delegate.images
    assert cache is not None
    qtbot.waitUntil(lambda: cache.pixmap(message.attachments[0].blob,
                                         picture_rect.size()) is not None, timeout=WAIT)
    view.viewport().update()

    def painted_green() -> bool:
        shot: QImage = view.viewport().grab().toImage()
        colour = QColor(shot.pixel(picture_rect.center()))
        return colour.green() > 130 and colour.red() < 80

    qtbot.waitUntil(painted_green, timeout=WAIT)

    # a click on the picture opens it, decrypted, in the image viewer
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(picture_rect.center()))
    viewer = pane.findChild(ImageViewer)
    assert viewer is not None
    qtbot.waitUntil(lambda: viewer.loaded, timeout=WAIT)
    assert viewer.alt_label.text() == "a green lawn"
    viewer.close()

    # a click on the file tile asks where to save it ("Save as…"), then writes the
    # opened bytes there
    target = tmp_path / "saved.txt"
    asked: list[str] = []

    def save_as(_parent: Any, _title: str, suggested: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    with qtbot.waitSignal(app_ctx.message, timeout=WAIT) as said:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(tile_rect.center()))
    assert asked == ["plan.txt"]
    assert said.args == [f"Saved {target}"]
    assert target.read_bytes() == b"dig here\n"

    # by keyboard: the message's menu (Shift+F10) opens the picture and saves the file
    view.setCurrentIndex(index)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: view.menu is not None, timeout=WAIT)
    assert view.menu is not None
    actions = {a.text(): a for a in view.menu.actions()}
    assert {"Open the picture", "Save plan.txt…"} <= set(actions)
    with qtbot.waitSignal(app_ctx.message, timeout=WAIT):
        actions["Save plan.txt…"].trigger()
    assert asked == ["plan.txt", "plan.txt"]
    view.menu.close()
    page.stop()


def test_the_tray_attaches_and_sends_a_picture_and_a_file(
        app_ctx: AppContext, bob: Backend, qtbot: QtBot, tmp_path: Path) -> None:
    friends(qtbot, app_ctx, bob)
    call(qtbot, app_ctx, bob.node.messages.send, [app_ctx.me], "send me the photo")
    carry_all(qtbot, app_ctx, bob.node, app_ctx.node)
    page = shown_page(qtbot, app_ctx)
    page.open_conversation(page.model.items[0].id)
    qtbot.waitUntil(lambda: texts(page) == ["send me the photo"], timeout=WAIT)
    pane = page.pane
    photo, notes, big = tmp_path / "photo.png", tmp_path / "notes.md", tmp_path / "big.iso"
    photo.write_bytes(picture((200, 40, 40)))
    notes.write_text("# notes\n")
    with big.open("wb") as f:
        f.truncate(private_files.FILE_MAX + 1)

    assert not pane.send_button.isEnabled()
    pane.tray.add([str(photo)], picture=True)
    assert pane.send_button.isEnabled()  # a picture alone may be sent
    fake = tmp_path / "notes.jpg"
    fake.write_text("not a picture")
    pane.tray.add([str(fake)], picture=True)  # refused when chosen, not at Send
    assert pane.error_line.text() == ("notes.jpg is not a JPEG, PNG, WebP or GIF picture: "
                                      "attach it as a file")
    pane.tray.add([str(notes), str(big)], picture=False)
    assert pane.error_line.text() == ("big.iso is 6.0 MB; attachments of messages are at "
                                      "most 6.0 MB")
    assert pane.tray.pictures == [str(photo)] and pane.tray.files == [str(notes)]
    qtbot.mouseClick(pane.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(pane.model.items) == 2, timeout=WAIT)
    sent = pane.model.items[-1]
    assert sent.own and sent.text == ""
    assert [(f.is_image, f.name) for f in sent.attachments] == [(True, ""), (False, "notes.md")]
    assert pane.tray.empty and not pane.send_button.isEnabled()

    # Bob reads both
    carry_all(qtbot, app_ctx, app_ctx.node, bob.node)
    page_of_bob = call(qtbot, app_ctx, bob.node.messages.conversation, sent.conversation)
    [got] = [m for m in page_of_bob.items if m.id == sent.id]
    data = call(qtbot, app_ctx, bob.image, got.attachments[1].blob)
    assert data == b"# notes\n"
    page.stop()


def test_a_followers_only_post_carries_a_sealed_picture(
        app_ctx: AppContext, qtbot: QtBot, tmp_path: Path) -> None:
    from tests.uikit import composer, send_and_wait

    photo = tmp_path / "lake.png"
    photo.write_bytes(picture((40, 40, 200)))
    widget = composer(qtbot, app_ctx)
    widget.set_followers_only(True)
    widget.add_images([str(photo)])
    qtbot.keyClicks(widget.text_edit, "for the few")
    entry_id = send_and_wait(qtbot, widget)
    post = call(qtbot, app_ctx, app_ctx.node.feeds.post_view, entry_id)
    assert post.audience == "circle" and len(post.attachments) == 1
    blob = post.attachments[0].blob
    sealed = call(qtbot, app_ctx, app_ctx.node.replication.blob, blob)
    assert sealed is not None and not sealed.startswith(b"\xff\xd8")  # not a JPEG
    opened = call(qtbot, app_ctx, app_ctx.backend.image, blob)
    assert opened is not None and opened.startswith(b"\xff\xd8")  # the cleaned JPEG


def test_a_group_message_with_a_file_goes_through_the_same_path(
        app_ctx: AppContext, bob: Backend, qtbot: QtBot, tmp_path: Path) -> None:
    """What the pane calls in a group (``recipients`` None): a group post with the file."""
    from p2psocial.ui.message_files import send_message

    friends(qtbot, app_ctx, bob)
    group = call(qtbot, app_ctx, app_ctx.node.groups.create, "Choir", [bob.node.account_id])
    score = tmp_path / "score.pdf"
    score.write_bytes(b"%PDF-1.4 la la la")
    call(qtbot, app_ctx, send_message, app_ctx.node, group, None, "", [], [str(score)])
    [message] = call(qtbot, app_ctx, app_ctx.node.groups.messages, group).items
    assert [f.name for f in message.attachments] == ["score.pdf"] and message.text == ""
    carry_all(qtbot, app_ctx, app_ctx.node, bob.node)
    [theirs] = call(qtbot, app_ctx, bob.node.groups.messages, group).items
    assert call(qtbot, app_ctx, bob.image, theirs.attachments[0].blob) == b"%PDF-1.4 la la la"


def test_a_message_naming_a_public_picture_cannot_break_it(
        app_ctx: AppContext, bob: Backend, qtbot: QtBot) -> None:
    """Bob's message claims the hash of Alice's public picture with a key of his own:
    the picture still shows (its bytes come as they are), and Save refuses."""
    import os

    from p2psocial import content as c
    from p2psocial import private
    from p2psocial.private_files import PrivateAttachment

    friends(qtbot, app_ctx, bob)
    posted = call(qtbot, app_ctx, lambda: app_ctx.node.posts.post("my lawn",
                                                             images_data=[picture()]))
    blob = call(qtbot, app_ctx, app_ctx.node.feeds.post_view, posted.id).attachments[0].blob
    original = call(qtbot, app_ctx, app_ctx.node.replication.blob, blob)

    async def forge() -> None:
        node = bob.node
        members = private.members_of(node.account_id, [app_ctx.me])
        bogus = PrivateAttachment(blob, os.urandom(32), "image/jpeg", 10, 4, 4)
        keys = await node._run(node.messages.reader_keys, members)
        body = private.seal(private.Message(members, "yours?", None, (bogus,)), keys,
                            node.account_id, os.urandom)
        await node.publish(c.Sealed(c.Kind.PRIVATE, body))

    call(qtbot, app_ctx, forge)
    carry_all(qtbot, app_ctx, bob.node, app_ctx.node)
    assert call(qtbot, app_ctx, app_ctx.backend.image, blob) == original
    assert call(qtbot, app_ctx, app_ctx.backend.attachment, blob) is None
