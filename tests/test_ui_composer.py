"""The composer (ui/composer.py) on a real home, offscreen: sending, the count and its
limit, drafts across a restart, images cleaned of their location, replies, and the
error paths (one line in the composer, nothing typed lost)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from p2psocial import content, ids
from p2psocial.runtime import Backend
from p2psocial.ui.composer import reply_draft_key
from p2psocial.ui.context import AppContext
from p2psocial.ui.loop import TrioHost
from tests.helpers import make_entry, make_identity, make_log
from tests.uikit import WAIT, call, composer, make_backend, send_and_wait

GPS_IFD = 0x8825


def photo_with_location(path: Path) -> Path:
    """A small PNG whose EXIF holds a GPS position (a camera's, say)."""
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 7.0)})
    Image.new("RGB", (64, 48), "red").save(path, "PNG", exif=exif)
    assert Image.open(path).getexif().get_ifd(GPS_IFD)  # the test means something
    return path


def test_send_posts_clears_and_discards_the_draft(qtbot: QtBot, app_ctx: AppContext) -> None:
    widget = composer(qtbot, app_ctx)
    qtbot.keyClicks(widget.text_edit, "hello #world")
    assert widget.send_button.isEnabled()
    qtbot.waitUntil(lambda: app_ctx.backend.drafts.get("post").text == "hello #world",
                    timeout=WAIT)

    entry_id = send_and_wait(qtbot, widget)

    post = call(qtbot, app_ctx, app_ctx.node.feeds.post_view, entry_id)
    assert (post.text, post.tags, post.reply_parent) == ("hello #world", ("world",), None)
    assert widget.text == "" and not widget.send_button.isEnabled()
    assert app_ctx.backend.drafts.get("post").empty
    assert widget.text_edit.isEnabled()


def test_the_count_warns_near_the_limit_and_refuses_past_it(qtbot: QtBot,
                                                          app_ctx: AppContext) -> None:
    widget = composer(qtbot, app_ctx)
    widget.text_edit.setPlainText("x" * 10)
    assert widget.count_label.text() == f"{content.TEXT_MAX - 10:,}"
    calm = widget.count_label.foregroundRole()
    widget.text_edit.setPlainText("x" * (content.TEXT_MAX - 5))
    assert widget.count_label.foregroundRole() != calm
    assert widget.send_button.isEnabled()

    too_long = "y" * (content.TEXT_MAX + 3)
    widget.text_edit.setPlainText(too_long)
    assert not widget.send_button.isEnabled()
    assert "3" in widget.count_label.text()
    widget.send()  # Ctrl+Enter: refused with one line, the text kept
    assert widget.error_line.isVisible()
    assert "limit" in widget.error_line.text() and "\n" not in widget.error_line.text()
    assert widget.text == too_long and not widget.sending
    page = call(qtbot, app_ctx, app_ctx.node.feeds.home_timeline, 10)
    assert page.items == []


def test_a_draft_survives_a_restart(qtbot: QtBot, trio_host: TrioHost, tmp_path: Path) -> None:
    home = tmp_path / "home"
    backend = make_backend(home)
    widget = composer(qtbot, AppContext(trio_host, backend))
    qtbot.keyClicks(widget.text_edit, "half a thought")
    widget.cw_button.click()
    qtbot.keyClicks(widget.cw_edit, "spoilers")
    photo = photo_with_location(tmp_path / "holiday.png")
    widget.add_images([str(photo)])
    qtbot.keyClicks(widget._tiles[0].alt_edit, "a red square")
    qtbot.waitUntil(lambda: backend.drafts.get("post").alts == ("a red square",),
                    timeout=WAIT)  # saved by the timer, not only by stop()
    assert backend.drafts.get("post").content_warning == "spoilers"
    widget.set_followers_only(True)  # images are refused then, but the draft keeps both
    qtbot.waitUntil(lambda: backend.drafts.get("post").followers_only, timeout=WAIT)
    widget.stop()
    widget.close()
    widget.deleteLater()
    backend.close()

    again = Backend.open(home, None)  # what the app does when it starts again
    try:
        restored = composer(qtbot, AppContext(trio_host, again))
        assert restored.text == "half a thought"
        assert restored.cw_button.isChecked() and restored.cw_edit.text() == "spoilers"
        assert restored.cw_edit.isVisible()
        assert restored.image_paths == [str(photo)]
        assert restored._tiles[0].alt_edit.text() == "a red square"
        assert restored.followers_only
    finally:
        restored.stop()
        again.close()


def test_stop_saves_at_once(qtbot: QtBot, app_ctx: AppContext) -> None:
    widget = composer(qtbot, app_ctx)
    widget.text_edit.setPlainText("typed just before closing")
    widget.stop()
    assert app_ctx.backend.drafts.get("post").text == "typed just before closing"


def test_an_image_is_posted_without_its_location(qtbot: QtBot, app_ctx: AppContext,
                                                 tmp_path: Path) -> None:
    photo = photo_with_location(tmp_path / "holiday.png")
    widget = composer(qtbot, app_ctx)
    widget.add_images([str(photo)])
    tile = widget._tiles[0]
    qtbot.waitUntil(lambda: tile.readable is not None, timeout=WAIT)
    assert tile.readable  # the thumbnail shows
    qtbot.keyClicks(tile.alt_edit, "a red square")
    qtbot.keyClicks(widget.text_edit, "look")

    entry_id = send_and_wait(qtbot, widget)

    post = call(qtbot, app_ctx, app_ctx.node.feeds.post_view, entry_id)
    (attachment,) = post.attachments
    assert attachment.alt == "a red square"
    stored = call(qtbot, app_ctx, app_ctx.node.replication.blob, attachment.blob)
    image = Image.open(io.BytesIO(stored))
    assert image.size == (64, 48)
    assert not image.getexif().get_ifd(GPS_IFD) and "exif" not in image.info
    assert widget.image_paths == [] and not widget.tiles_box.isVisible()


def test_a_file_that_is_not_an_image_is_refused_when_picked(
        qtbot: QtBot, app_ctx: AppContext, tmp_path: Path) -> None:
    notes = tmp_path / "notes.jpg"  # a text file with a picture's name
    notes.write_bytes(b"this is not a picture")
    widget = composer(qtbot, app_ctx)
    qtbot.keyClicks(widget.text_edit, "my words")
    widget.add_images([str(notes)])
    # refused at once, by its content, not at Send
    qtbot.waitUntil(lambda: widget.image_paths == [], timeout=WAIT)
    assert widget.error_line.text() == ("notes.jpg is not an image: choose a JPEG, PNG, "
                                        "WebP or GIF file")
    assert not widget.tiles_box.isVisible() and widget.text == "my words"
    assert widget.send_button.isEnabled()


def test_an_image_gone_since_it_was_attached_says_why_and_keeps_everything(
        qtbot: QtBot, app_ctx: AppContext, tmp_path: Path) -> None:
    photo = photo_with_location(tmp_path / "photo.png")
    widget = composer(qtbot, app_ctx)
    widget.add_images([str(photo)])
    qtbot.waitUntil(lambda: widget._tiles[0].readable is True, timeout=WAIT)
    qtbot.keyClicks(widget.text_edit, "my words")
    photo.unlink()  # gone since it was attached: the reason, in one line
    widget.send()
    qtbot.waitUntil(lambda: "could not be read" in widget.error_line.text(), timeout=WAIT)
    assert "\n" not in widget.error_line.text() and "Traceback" not in widget.error_line.text()
    assert widget.text == "my words" and widget.image_paths == [str(photo)]
    assert widget.text_edit.isEnabled() and widget.send_button.isEnabled()
    page = call(qtbot, app_ctx, app_ctx.node.feeds.home_timeline, 10)
    assert page.items == []


def test_reply_mode_has_its_own_draft_and_cancel(qtbot: QtBot, app_ctx: AppContext) -> None:
    parent_entry = call(qtbot, app_ctx, app_ctx.node.posts.post, "the first post")
    parent = call(qtbot, app_ctx, app_ctx.node.feeds.post_view, parent_entry.id)
    widget = composer(qtbot, app_ctx)
    qtbot.keyClicks(widget.text_edit, "a new post, unfinished")

    widget.set_reply(parent)
    assert widget.reply_bar.isVisible() and "Alice" in widget.reply_label.text()
    assert widget.text == ""  # the reply's own draft (none yet)
    assert app_ctx.backend.drafts.get("post").text == "a new post, unfinished"
    qtbot.keyClicks(widget.text_edit, "an answer")
    qtbot.mouseClick(widget.cancel_reply_button, Qt.MouseButton.LeftButton)
    assert not widget.reply_bar.isVisible() and widget.text == "a new post, unfinished"
    assert app_ctx.backend.drafts.get(reply_draft_key(parent.id)).text == "an answer"

    widget.set_reply(parent)
    assert widget.text == "an answer"
    reply_id = send_and_wait(qtbot, widget)
    reply = call(qtbot, app_ctx, app_ctx.node.feeds.post_view, reply_id)
    assert reply.reply_parent == parent.id and reply.thread_root == parent.id
    assert app_ctx.backend.drafts.get(reply_draft_key(parent.id)).empty
    assert not widget.reply_bar.isVisible()  # back to the new post, its draft intact
    assert widget.text == "a new post, unfinished"


def test_at_and_letters_offer_names_and_insert_the_account(qtbot: QtBot,
                                                           app_ctx: AppContext) -> None:
    bob = make_identity(7)
    log = make_log(bob, 1)
    log.append(make_entry(bob, log[-1], content.Profile("Bobby", "", None),
                          log[-1].timestamp + 1))
    call(qtbot, app_ctx, app_ctx.node.replication.ingest, log)
    widget = composer(qtbot, app_ctx)
    popup = widget.mentions.completer.popup()

    qtbot.keyClicks(widget.text_edit, "hi @bo")
    qtbot.waitUntil(popup.isVisible, timeout=WAIT)
    assert "Bobby" in widget.mentions.names.stringList()[0]
    qtbot.keyClick(popup, Qt.Key.Key_Return)

    assert widget.text == f"hi @{ids.account_text(bob.account_id)} "
    assert not popup.isVisible()
    entry_id = send_and_wait(qtbot, widget)
    post = call(qtbot, app_ctx, app_ctx.node.feeds.post_view, entry_id)
    assert post.mentions == (bob.account_id,)


def test_a_followers_only_post_and_a_public_reply_to_one(qtbot: QtBot,
                                                        app_ctx: AppContext) -> None:
    widget = composer(qtbot, app_ctx)
    assert not widget.followers_only and widget.image_button.isEnabled()
    widget.audience.setFocus()  # keyboard: Down picks the next audience
    qtbot.keyClick(widget.audience, Qt.Key.Key_Down)
    assert widget.followers_only
    assert widget.image_button.isEnabled()  # its images are sealed too (issue 14)
    qtbot.keyClicks(widget.text_edit, "for the few")

    entry_id = send_and_wait(qtbot, widget)

    page = call(qtbot, app_ctx, app_ctx.node.feeds.home_timeline, 10)
    [post] = page.items
    assert (post.id, post.text, post.audience) == (entry_id, "for the few", "circle")
    assert widget.followers_only  # the choice stays for the next post

    widget.set_followers_only(False)
    assert widget.image_button.isEnabled() and not widget.public_reply_line.isVisible()
    widget.set_reply(post)
    assert widget.public_reply_line.isVisible()  # a public answer to a circle post
    widget.set_followers_only(True)
    assert not widget.public_reply_line.isVisible()
    widget.set_followers_only(False)
    qtbot.keyClicks(widget.text_edit, "out loud")
    reply_id = send_and_wait(qtbot, widget)
    reply = call(qtbot, app_ctx, app_ctx.node.feeds.post_view, reply_id)
    assert (reply.audience, reply.reply_parent) == ("public", entry_id)
    assert not widget.public_reply_line.isVisible()  # back to a new post
