"""The composer: where a post or a reply is written, with images and a content warning.

Theory of operation
-------------------

The composer collects what a person writes and hands it to ``node.posts.post``; the node
decides (limits, mentions and tags from the text, scaling images and stripping their
location metadata). The widget only adds what helps while typing: a remaining-
characters count that turns to the warning colour near ``content.TEXT_MAX`` (and
disables Send past it), the content warning's own line, image tiles with a
description each, and a reply bar.

Drafts. What is typed (the text, the content warning, the images' paths and their
descriptions) is kept in ``ctx.backend.drafts`` under a key: ``draft_key``
("post") for a new post, ``reply_draft_key(parent)`` for a reply, by a
``drafts.DraftKeeper``: a change starts a short timer and the draft is kept when it
fires, and at once on ``stop()`` and when the composer switches to another draft
(reply / cancel); the file is written in a worker thread. The draft of the
composer's key is restored when it is built, so text survives a restart; it is
discarded only after the node has stored the post.

Replies. ``set_reply(post)`` switches to replying to ``post`` (its own draft);
``cancel_reply()`` goes back to the *base*: a new post, or, in a thread, the reply to
the thread's focused post (``set_base_reply``). The reply bar's cancel button shows
only when there is somewhere else to go back to.

Audience. A combo beside the tools chooses who reads the post: everyone (``node.posts.post``)
or the followers this account approved (``node.circles.post``, docs/store.md
"Followers-only posts"). Their images are sealed blobs whose keys only the approved
followers get (p2psocial/private_files.py). A reply to a
followers-only post left at "everyone" is public, text and parent alike: a line above
the text says so. A draft keeps its audience: switching to a draft shows the choice
it was written with, and a key with no draft keeps the choice on screen.

Files and threads. Image files are read, and thumbnails decoded, in worker threads
(``loop.in_thread`` inside a host call), never on the GUI thread. An unreadable file
shows its reason on the composer's error line; nothing typed is lost on any error.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont, QImage, QKeySequence, QPalette, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import content, ids, images
from ..errors import UserError
from ..settings import Draft
from .context import AppContext, tr
from .drafts import DraftKeeper
from .icons import icon
from .image_decode import decode_image
from .loop import Call, in_thread
from .post_model import author_name
from .post_text_edit import MentionCompleter, PostTextEdit
from .widgets import MessageLine, plural

if TYPE_CHECKING:
    from ..entry import Entry
    from ..node import Node
    from ..store.views import PostView

NEAR_LIMIT = 400  # remaining characters at which the count turns to the warning colour
THUMB_SIDE = 72  # px: the square a thumbnail fits in
SENDABLE_FORMATS = (b"jpeg", b"png", b"webp", b"gif")  # what images.prepare accepts
IMAGE_SUFFIXES = ("*.jpg", "*.jpeg", "*.png", "*.webp", "*.gif")
PUBLIC, CIRCLE = "public", "circle"  # the audience combo's data: PostView.audience values


def reply_draft_key(parent_id: bytes) -> str:
    """The draft key of a reply to ``parent_id``: one draft per parent."""
    return "reply:" + ids.entry_text(parent_id)


# --- work for worker threads and the host -----------------------------------------------


def read_image_file(path: str) -> bytes:
    """The file's bytes, at most one byte over the node's input cap (it refuses more),
    so a huge file picked by mistake is not read whole. Blocking: a worker thread."""
    with open(path, "rb") as handle:
        return handle.read(images.MAX_INPUT + 1)


async def send_post(node: Node, text: str, reply_to: bytes | None, content_warning: str,
                    paths: Sequence[str], alts: Sequence[str]) -> Entry:
    """Read the attached files off the GUI thread, then ask the node to post."""
    data = []
    for path in paths:
        try:
            data.append(await in_thread(read_image_file, path))
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise UserError(tr("The image {0} could not be read: {1}")
                            .format(Path(path).name, reason)) from None
    return await node.posts.post(text, reply_to=reply_to, content_warning=content_warning or None,
                                 images_data=data, alt=list(alts))


async def send_circle_post(node: Node, text: str, reply_to: bytes | None,
                           content_warning: str, paths: Sequence[str] = (),
                           alts: Sequence[str] = ()) -> Entry:
    """A post for the approved followers only; its images are sealed (issue 14)."""
    data = [await in_thread(read_image_file, path) for path in paths]
    return await node.circles.post(text, reply_to=reply_to,
                                   content_warning=content_warning or None,
                                   images_data=data, alt=list(alts))


# --- small parts ---------------------------------------------------------------------------


def warning_role() -> QPalette.ColorRole:
    """The palette role for 'look here' text (the theme picks the colour: dark mode)."""
    return QPalette.ColorRole.Accent


class AttachmentTile(QFrame):
    """One attached image: its thumbnail, a description (alt text) and a remove button."""

    remove_requested = Signal(object)  # this tile
    unreadable = Signal(object)  # this tile: its file is not an image we can send

    def __init__(self, ctx: AppContext, path: str, alt: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.thumbnail = QLabel(tr("Loading…"))
        self.thumbnail.setFixedSize(QSize(THUMB_SIDE, THUMB_SIDE))
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setToolTip(path)
        self.alt_edit = QLineEdit(alt)
        self.alt_edit.setMaxLength(content.ALT_MAX)
        self.alt_edit.setPlaceholderText(tr("Describe the image"))
        self.remove_button = QToolButton()
        self.remove_button.setText("✕")
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        top.addWidget(self.thumbnail)
        top.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(top)
        column.addWidget(self.alt_edit)
        self.set_number(1)
        thumbnail = functools.partial(decode_image, path, THUMB_SIDE, THUMB_SIDE,
                                      formats=SENDABLE_FORMATS)
        self._call: Call | None = ctx.call(in_thread, thumbnail, on_result=self._show,
                                           on_error=self._failed)

    @property
    def alt(self) -> str:
        return self.alt_edit.text().strip()

    @property
    def readable(self) -> bool | None:
        """True once the thumbnail showed, False if the file could not be read."""
        return None if self._call is not None else not self.thumbnail.pixmap().isNull()

    def set_number(self, number: int) -> None:
        name = Path(self.path).name
        self.alt_edit.setAccessibleName(tr("Description of image {0}").format(number))
        self.remove_button.setAccessibleName(tr("Remove image {0} ({1})").format(number, name))
        self.remove_button.setToolTip(tr("Remove {0}").format(name))

    def dispose(self) -> None:
        """Forget the thumbnail load in flight (before the tile is deleted)."""
        if self._call is not None:
            self._call.cancel()
            self._call = None

    def _show(self, image: QImage | None) -> None:
        self._call = None
        if image is None:
            self._failed(None)
            return
        self.thumbnail.setPixmap(QPixmap.fromImage(image))

    def _failed(self, exc: Exception | None) -> None:
        self._call = None
        self.thumbnail.setText(tr("Unreadable"))
        self.unreadable.emit(self)


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """The post a reply answers: what the reply bar names, and the draft's key."""

    post_id: bytes
    name: str
    circle: bool = False  # the parent is a followers-only post

    @classmethod
    def of(cls, post: PostView) -> ReplyTarget:
        return cls(post.id, author_name(post), post.audience == CIRCLE)

    @property
    def draft_key(self) -> str:
        return reply_draft_key(self.post_id)


# --- the composer -------------------------------------------------------------------------


class Composer(QWidget):
    """Write a post or a reply and send it; see the module's docstring."""

    posted = Signal(bytes)
    """The node stored the post: its entry id."""

    def __init__(self, ctx: AppContext, draft_key: str = "post",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.ctx = ctx
        self._base_key = draft_key
        self._base_reply: ReplyTarget | None = None
        self._reply: ReplyTarget | None = None
        self._tiles: list[AttachmentTile] = []
        self._send_call: Call | None = None
        self.drafts = DraftKeeper(ctx, self)
        self._build()
        self.drafts.due.connect(self.save_draft)
        self.drafts.failed.connect(self.error_line.show_error)
        self._load_draft()

    # --- building -----

    def _build(self) -> None:
        self.reply_label = QLabel()
        self.cancel_reply_button = QToolButton()
        self.cancel_reply_button.setText("✕")
        self.cancel_reply_button.setAccessibleName(tr("Cancel the reply"))
        self.cancel_reply_button.setToolTip(tr("Cancel the reply"))
        self.cancel_reply_button.clicked.connect(self.cancel_reply)
        self.reply_bar = QWidget()
        bar = QHBoxLayout(self.reply_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.reply_label, 1)
        bar.addWidget(self.cancel_reply_button)
        self.reply_bar.hide()
        self.public_reply_line = QLabel(tr("This reply is public: everyone can read it, and "
                                           "see which followers-only post it answers."))
        self.public_reply_line.setObjectName("public_reply_warning")
        self.public_reply_line.setForegroundRole(warning_role())
        self.public_reply_line.setWordWrap(True)
        self.public_reply_line.hide()

        self.cw_edit = QLineEdit()
        self.cw_edit.setObjectName("content_warning")
        self.cw_edit.setMaxLength(content.CW_MAX)
        self.cw_edit.setPlaceholderText(tr("Content warning: shown instead of the post "
                                           "until someone opens it"))
        self.cw_edit.setAccessibleName(tr("Content warning"))
        self.cw_edit.hide()

        self.text_edit = PostTextEdit()
        self.text_edit.setObjectName("post_text")
        self.text_edit.setAccessibleName(tr("Post text"))
        self.text_edit.setPlaceholderText(tr("What would you like to say? "
                                             "(@ and a name mentions someone)"))
        self.mentions = MentionCompleter(self.ctx, self.text_edit)

        self.tiles_row = QHBoxLayout()
        self.tiles_row.setContentsMargins(0, 0, 0, 0)
        self.tiles_row.addStretch()
        self.tiles_box = QWidget()
        self.tiles_box.setLayout(self.tiles_row)
        self.tiles_box.hide()

        self.error_line = MessageLine("composer_error")

        self.image_button = QToolButton()
        self.image_button.setText(tr("Image"))
        self.image_button.setAccessibleName(tr("Attach images"))
        self.image_button.setToolTip(tr("Attach images (JPEG, PNG, WebP or GIF)"))
        self.image_button.clicked.connect(self.choose_images)
        self.cw_button = QToolButton()
        self.cw_button.setText(tr("CW"))
        self.cw_button.setCheckable(True)
        self.cw_button.setAccessibleName(tr("Add a content warning"))
        self.cw_button.setToolTip(tr("Add a content warning"))
        self.cw_button.toggled.connect(self._cw_toggled)
        self.audience = QComboBox()
        self.audience.setObjectName("audience")
        self.audience.addItem(icon("home"), tr("Everyone"), PUBLIC)
        self.audience.addItem(icon("people"), tr("Followers I approved"), CIRCLE)
        self.audience.setAccessibleName(tr("Who can read this"))
        self.audience.setToolTip(tr("Who can read this: everyone, or only the followers "
                                    "you approved on their profile"))
        self.audience.currentIndexChanged.connect(self._audience_changed)
        self.count_label = QLabel()
        self.count_label.setObjectName("remaining")
        self.send_button = QPushButton(tr("Send"))
        self.send_button.setObjectName("send")
        self.send_button.setAccessibleName(tr("Send"))
        self.send_button.setToolTip(tr("Send (Ctrl+Enter)"))
        self.send_button.clicked.connect(self.send)
        self._set_icons()

        tools = QHBoxLayout()
        tools.addWidget(self.image_button)
        tools.addWidget(self.cw_button)
        tools.addWidget(self.audience)
        tools.addStretch()
        tools.addWidget(self.count_label)
        tools.addWidget(self.send_button)

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        for part in (self.reply_bar, self.public_reply_line, self.cw_edit, self.text_edit,
                     self.tiles_box, self.error_line):
            column.addWidget(part)
        column.addLayout(tools)

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.send)
        for order in ((self.cancel_reply_button, self.cw_edit), (self.cw_edit, self.text_edit),
                      (self.text_edit, self.image_button),
                      (self.image_button, self.cw_button), (self.cw_button, self.audience),
                      (self.audience, self.send_button)):
            QWidget.setTabOrder(*order)

        self.text_edit.textChanged.connect(self._changed)
        self.cw_edit.textChanged.connect(self._changed)
        self._update_count()

    def _set_icons(self) -> None:
        """The buttons' icons (ui/icons.py, in the palette's text colour)."""
        for button, name in ((self.image_button, "image"), (self.cw_button, "content-warning"),
                             (self.send_button, "send"), (self.cancel_reply_button, "close")):
            button.setIcon(icon(name))
        for button in (self.image_button, self.cw_button):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)

    # --- what the composer holds -----

    @property
    def text(self) -> str:
        return self.text_edit.toPlainText()

    @property
    def content_warning(self) -> str:
        return self.cw_edit.text().strip() if self.cw_button.isChecked() else ""

    @property
    def image_paths(self) -> list[str]:
        return [tile.path for tile in self._tiles]

    @property
    def reply_to(self) -> bytes | None:
        return self._reply.post_id if self._reply is not None else None

    @property
    def followers_only(self) -> bool:
        return self.audience.currentData() == CIRCLE

    def set_followers_only(self, on: bool) -> None:
        self.audience.setCurrentIndex(self.audience.findData(CIRCLE if on else PUBLIC))

    @property
    def draft_key(self) -> str:
        return self._reply.draft_key if self._reply is not None else self._base_key

    @property
    def sending(self) -> bool:
        return self._send_call is not None

    def remaining(self) -> int:
        return content.TEXT_MAX - len(self.text)

    def _empty(self) -> bool:
        return not self.text.strip() and not self._tiles

    def draft(self) -> Draft:
        parent = ids.entry_text(self._reply.post_id) if self._reply is not None else None
        return Draft(self.text, self.content_warning, parent, tuple(self.image_paths),
                     tuple(tile.alt for tile in self._tiles), self.followers_only)

    # --- reply mode -----

    def set_reply(self, post: PostView) -> None:
        """Reply to ``post``: its draft replaces what is shown (which is kept as a draft)."""
        self._switch(ReplyTarget.of(post))
        self.text_edit.setFocus()

    def set_base_reply(self, post: PostView) -> None:
        """Make replying to ``post`` what this composer does by default (a thread page's
        focused post): cancel comes back here instead of to a new post."""
        target = ReplyTarget.of(post)
        was_base = self._reply == self._base_reply
        self._base_reply = target
        self._base_key = target.draft_key
        if was_base:
            self._switch(target)
        else:
            self._show_reply_bar()

    def cancel_reply(self) -> None:
        """Leave the reply for the base (a new post, or the thread's focused post)."""
        if self._reply != self._base_reply:
            self._switch(self._base_reply)
            self.text_edit.setFocus()

    def _switch(self, target: ReplyTarget | None) -> None:
        if target == self._reply:
            self._show_reply_bar()
            return
        if not self.sending:
            self.save_draft()
        self._reply = target
        self._load_draft()

    def _show_reply_bar(self) -> None:
        self._show_audience()
        if self._reply is None:
            self.reply_bar.hide()
            self.text_edit.setAccessibleName(tr("Post text"))
            return
        self.reply_label.setText(tr("Replying to {0}").format(self._reply.name))
        self.text_edit.setAccessibleName(tr("Reply to {0}").format(self._reply.name))
        self.cancel_reply_button.setVisible(self._reply != self._base_reply)
        self.reply_bar.show()

    # --- drafts -----

    def _load_draft(self) -> None:
        """Show the draft of the current key (empty if there is none)."""
        draft = self.drafts.get(self.draft_key)
        with self.drafts.showing():
            self.text_edit.setPlainText(draft.text)
            self.cw_edit.setText(draft.content_warning)
            self.cw_button.setChecked(bool(draft.content_warning))
            self._clear_tiles()
            self._add_tiles(list(draft.images), list(draft.alts))
            if not draft.empty:
                self.set_followers_only(draft.followers_only)
        self.error_line.clear()
        self._show_reply_bar()
        self._update_count()

    def save_draft(self) -> None:
        """Keep what is typed in the drafts now (a pending timed save is dropped)."""
        self.drafts.keep(self.draft_key, self.draft())

    def stop(self) -> None:
        """Save the draft and forget calls in flight (the window calls this before the
        host stops)."""
        if not self.sending:
            self.save_draft()
        for tile in self._tiles:
            tile.dispose()
        self.mentions.stop()

    def _changed(self) -> None:
        self._update_count()
        if self.drafts.changed():
            self.error_line.clear()

    # --- the count and Send -----

    def _update_count(self) -> None:
        left = self.remaining()
        if left < 0:
            self.count_label.setText(tr("{0} too many").format(f"{-left:,}"))
        else:
            self.count_label.setText(f"{left:,}")
        self.count_label.setAccessibleName(plural(tr("%n character(s) left", None, left),
                                                  left))
        near = left <= NEAR_LIMIT
        self.count_label.setForegroundRole(warning_role() if near
                                           else QPalette.ColorRole.PlaceholderText)
        font = QFont(self.count_label.font())
        font.setBold(left < 0)
        self.count_label.setFont(font)
        self.send_button.setEnabled(left >= 0 and not self._empty() and not self.sending)

    def send(self) -> None:
        """Post what is written (Ctrl+Enter). A text over the limit is refused here with
        the node's own wording; other errors come back from the node as one line."""
        if self.sending or self._empty():
            return
        if self.remaining() < 0:
            self.error_line.show_error(
                tr("The post is {0} characters; the limit is {1}.").format(
                    f"{len(self.text):,}", f"{content.TEXT_MAX:,}"))
            return
        self.error_line.clear()
        if self.followers_only:
            self._send_call = self.ctx.call(
                send_circle_post, self.ctx.node, self.text, self.reply_to,
                self.content_warning, self.image_paths, [tile.alt for tile in self._tiles],
                on_result=self._sent, on_error=self._send_failed)
        else:
            self._send_call = self.ctx.call(
                send_post, self.ctx.node, self.text, self.reply_to, self.content_warning,
                self.image_paths, [tile.alt for tile in self._tiles],
                on_result=self._sent, on_error=self._send_failed)
        self._set_busy(True)

    def _set_busy(self, busy: bool) -> None:
        for part in (self.text_edit, self.cw_edit, self.tiles_box, self.cw_button,
                     self.audience, self.reply_bar):
            part.setEnabled(not busy)
        self.image_button.setEnabled(not busy)
        self.send_button.setText(tr("Sending…") if busy else tr("Send"))
        self._update_count()

    def _sent(self, entry: Entry) -> None:
        self._send_call = None
        self._set_busy(False)
        self.drafts.discard(self.draft_key)
        with self.drafts.showing():
            self.text_edit.clear()
            self.cw_edit.clear()
            self.cw_button.setChecked(False)
            self._clear_tiles()
        self._update_count()
        if self._reply != self._base_reply:
            self._switch(self._base_reply)
        self.posted.emit(entry.id)
        self.text_edit.setFocus()

    def _send_failed(self, exc: Exception) -> None:
        self._send_call = None
        self._set_busy(False)
        self.error_line.show_error(exc)
        self.text_edit.setFocus()

    # --- audience -----

    def _audience_changed(self, _index: int) -> None:
        self._show_audience()
        self.error_line.clear()
        self._changed()  # the draft keeps its audience

    def _show_audience(self) -> None:
        """The image button and the public-reply line follow the audience chosen."""
        circle = self.followers_only
        replying_to_circle = self._reply is not None and self._reply.circle
        self.public_reply_line.setVisible(replying_to_circle and not circle)

    # --- content warning and images -----

    def _cw_toggled(self, on: bool) -> None:
        self.cw_edit.setVisible(on)
        if on and not self.drafts.loading:
            self.cw_edit.setFocus()
        self._changed()

    def choose_images(self) -> None:
        room = content.ATTACHMENTS_MAX - len(self._tiles)
        if room <= 0:
            self.error_line.show_error(tr("A post has at most {0} images.")
                                       .format(content.ATTACHMENTS_MAX))
            return
        paths, _ = QFileDialog.getOpenFileNames(
            self, tr("Attach images"), "",
            tr("Images ({0})").format(" ".join(IMAGE_SUFFIXES)))
        if paths:
            self.add_images(paths)

    def add_images(self, paths: Sequence[str]) -> None:
        """Attach image files (their thumbnails load in a worker thread)."""
        room = content.ATTACHMENTS_MAX - len(self._tiles)
        if len(paths) > room:
            self.error_line.show_error(tr("A post has at most {0} images; the rest were "
                                          "left out.").format(content.ATTACHMENTS_MAX))
        self._add_tiles(list(paths)[:max(0, room)])
        self._changed()

    def _add_tiles(self, paths: list[str], alts: Sequence[str] = ()) -> None:
        """A tile per path, with its description from ``alts`` where there is one."""
        for number, path in enumerate(paths):
            tile = AttachmentTile(self.ctx, path, alts[number] if number < len(alts) else "")
            tile.remove_requested.connect(self._remove_tile)
            tile.unreadable.connect(self._unreadable)
            tile.alt_edit.textChanged.connect(self._changed)
            self.tiles_row.insertWidget(len(self._tiles), tile)
            self._tiles.append(tile)
        self._renumber()

    def _remove_tile(self, tile: AttachmentTile) -> None:
        if tile in self._tiles:
            self._tiles.remove(tile)
            tile.dispose()
            tile.deleteLater()
            self._renumber()
            self._changed()
            (self._tiles[-1].remove_button if self._tiles else self.image_button).setFocus()

    def _unreadable(self, tile: AttachmentTile) -> None:
        """Said when the file is picked, not at Send: the tile goes, the reason stays."""
        self._remove_tile(tile)
        self.error_line.show_error(tr("{0} is not an image: choose a JPEG, PNG, WebP or GIF "
                                      "file").format(Path(tile.path).name))

    def _clear_tiles(self) -> None:
        for tile in self._tiles:
            tile.dispose()
            tile.deleteLater()
        self._tiles = []
        self._renumber()

    def _renumber(self) -> None:
        previous: QWidget = self.text_edit
        for number, tile in enumerate(self._tiles, 1):
            tile.set_number(number)
            QWidget.setTabOrder(previous, tile.alt_edit)
            QWidget.setTabOrder(tile.alt_edit, tile.remove_button)
            previous = tile.remove_button
        QWidget.setTabOrder(previous, self.image_button)
        self.tiles_box.setVisible(bool(self._tiles))
