"""The "…" menu of a post: what one can do with it beyond the buttons on its row.

Like Mastodon's web app and Signal Desktop, every post has a "…" button; the same
menu opens on a right click, and from the keyboard with the menu key or Shift+F10 on
the current post (post_view.py). It offers Reply, Open the conversation and React,
which the row has too; Copy text; Copy link, the post's entry id (``ent1…``), which
the Search field opens and ``p2psocial thread`` reads; Select text…; and Edit… and
Delete… on one's own posts (Delete asks first), Mute, Block… and Block privately… on
others' (the blocks ask first, as the profile page does), and Mute this thread on
every post (mutes are local and undone in Settings, so they ask nothing).

Select text. Rows are painted, not widgets (post_delegate.py), so there is no text
to drag a selection over in the list. "Select text…" opens the post's text in a small
read-only window where it can be selected with the mouse or the keyboard and copied;
the thread view is the same painted list, so it does not help there.

Edits and deletions are the node's (``Node.posts.edit``, ``Node.posts.delete``); the lists show
them when their entries' events come back (post_model.py, "Stale rows"). An edit is
public: a followers-only post cannot be edited (the node says so), so its Edit is
greyed out.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from .. import ids, muting
from .context import tr
from .post_delegate import REACT_CHOICES
from .post_words import author_name, reacted

if TYPE_CHECKING:
    from ..store.views import PostView
    from .context import AppContext
    from .post_view import PostListView


def post_link(post: PostView) -> str:
    """What Copy link copies: the post's entry id, which Search opens."""
    return ids.entry_text(post.id)


def _key(key: Qt.Key) -> str:
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)


class PostMenus(QObject):
    """Opens the "…" menu of the posts of one list, and the dialogs its actions open.

    The menu, confirmation or dialog shown last are kept as attributes (tests, and
    one of each at a time)."""

    def __init__(self, ctx: AppContext, view: PostListView) -> None:
        super().__init__(view)
        self._ctx = ctx
        self._view = view
        self.menu: QMenu | None = None
        self.confirm: QMessageBox | None = None
        self.editor: EditDialog | None = None
        self.reader: TextDialog | None = None
        view.menu_requested.connect(self.open)

    def open(self, post: PostView, where: QPoint) -> QMenu:
        """Build the menu of ``post`` and show it at ``where`` (global)."""
        menu = QMenu(self._view)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.setAccessibleName(tr("Post actions"))
        menu.destroyed.connect(lambda _obj=None: self._forget_menu(menu))
        view = self._view
        mine = post.author == self._ctx.me
        readable = not post.deleted
        # "&": the letter that picks the item while the menu is open; after a tab, the
        # key the list itself takes for it (post_view.py), shown as a hint only
        if readable:
            menu.addAction(tr("&Reply") + "\tR", lambda: view.reply_requested.emit(post))
        menu.addAction(tr("&Open the conversation") + "\t" + _key(Qt.Key.Key_Return),
                       lambda: view.thread_requested.emit(post.id))
        if readable:
            react = menu.addMenu(tr("Re&act"))
            ours = reacted(post)
            for emoji in REACT_CHOICES:
                action = react.addAction(emoji)
                action.setCheckable(True)
                action.setChecked(emoji in ours)
                action.triggered.connect(functools.partial(
                    view.react_requested.emit, post, emoji, emoji in ours))
        menu.addSeparator()
        copy_text = menu.addAction(
            tr("&Copy text") + "\t" + QKeySequence(QKeySequence.StandardKey.Copy).toString(
                QKeySequence.SequenceFormat.NativeText), lambda: self.copy_text(post))
        copy_text.setEnabled(readable and bool(post.text))
        menu.addAction(tr("Copy &link"), lambda: self.copy_link(post))
        select = menu.addAction(tr("&Select text…"), lambda: self.select_text(post))
        select.setEnabled(readable and bool(post.text))
        menu.addAction(tr("Mute this &thread"), lambda: self.mute(
            muting.THREAD, post.id, tr("Thread muted: its replies and notifications are "
                                       "hidden on this device only")))
        if mine and readable:
            menu.addSeparator()
            edit = menu.addAction(tr("&Edit…"), lambda: self.edit(post))
            if post.audience == "circle":
                edit.setEnabled(False)
                edit.setText(tr("&Edit… (not for followers-only posts)"))
            menu.addAction(tr("&Delete…"), lambda: self.delete(post))
        elif not mine:
            menu.addSeparator()
            menu.addAction(tr("&Mute {0}").format(author_name(post).replace("&", "&&")),
                           lambda: self.mute(muting.ACCOUNT, post.author, tr(
                               "Muted {0}: hidden on this device only, they are not told")
                               .format(author_name(post))))
            menu.addAction(tr("&Block {0}…").format(author_name(post).replace("&", "&&")),
                           lambda: self.block(post))
            menu.addAction(tr("Block {0} &privately…").format(
                author_name(post).replace("&", "&&")), lambda: self.block(post, private=True))
        self.menu = menu
        menu.popup(where)
        return menu

    def _forget_menu(self, menu: QMenu) -> None:
        self._forget("menu", menu)

    def _forget(self, name: str, shown: QObject) -> None:
        """``shown`` closed (and is deleted): no longer the one ``name`` names."""
        if getattr(self, name) is shown:
            setattr(self, name, None)

    # --- the actions -------------------------------------------------------------------

    def copy_text(self, post: PostView) -> None:
        QGuiApplication.clipboard().setText(post.text)
        self._ctx.message.emit(tr("Text copied"))

    def copy_link(self, post: PostView) -> None:
        QGuiApplication.clipboard().setText(post_link(post))
        self._ctx.message.emit(tr("Link copied: paste it into Search to open the post"))

    def select_text(self, post: PostView) -> None:
        self.reader = reader = TextDialog(post, self._view.window())
        reader.finished.connect(lambda _result: self._forget("reader", reader))
        reader.open()

    def edit(self, post: PostView) -> None:
        self.editor = editor = EditDialog(self._ctx, post, self._view.window())
        editor.finished.connect(lambda _result: self._forget("editor", editor))
        editor.open()

    def delete(self, post: PostView) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, tr("Delete this post?"),
                          tr("Delete this post? Its text and pictures are removed from "
                             "this home and from every home the deletion reaches; a copy "
                             "someone already saw may stay with them."),
                          QMessageBox.StandardButton.Cancel, self._view.window())
        box.addButton(tr("Delete"), QMessageBox.ButtonRole.DestructiveRole)
        self._ask(box, functools.partial(self._ctx.call, self._ctx.node.posts.delete, post.id))

    def mute(self, kind: str, target: bytes, said: str) -> None:
        """Mute the author or the thread (local: node/mutes.py); the lists reload."""
        self._ctx.call(self._ctx.backend.mute, kind, target,
                       on_result=lambda _new: self._ctx.message.emit(said))

    def block(self, post: PostView, private: bool = False) -> None:
        """Block asks first; a private block tells nobody (node/blocklists.py)."""
        name = author_name(post)
        box = QMessageBox(QMessageBox.Icon.Question, tr("Block {0}?").format(name),
                          (tr("Block {0} privately? Nothing is published: this home stops "
                              "keeping and carrying their entries, and what it holds of "
                              "them is removed. You can unblock them later.") if private else
                           tr("Block {0}? You will no longer see their posts, replies or "
                              "notifications, and this home stops carrying their entries. "
                              "You can unblock them later.")).format(name),
                          QMessageBox.StandardButton.Cancel, self._view.window())
        box.addButton(tr("Block privately") if private else tr("Block"),
                      QMessageBox.ButtonRole.DestructiveRole)
        act = self._ctx.backend.block_privately if private else self._ctx.node.posts.block
        self._ask(box, functools.partial(self._ctx.call, act, post.author))

    def _ask(self, box: QMessageBox, then: Callable[[], object]) -> None:
        """Show ``box`` (Cancel is the default); its destructive button runs ``then``."""
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: QAbstractButton) -> None:
            self.confirm = None
            if box.buttonRole(button) == QMessageBox.ButtonRole.DestructiveRole:
                then()

        box.buttonClicked.connect(answered)
        self.confirm = box
        box.open()


class TextDialog(QDialog):
    """A post's text, read-only, to select with the mouse or the keyboard and copy."""

    def __init__(self, post: PostView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(tr("Post by {0}").format(author_name(post)))
        self.text = QPlainTextEdit(self)
        self.text.setPlainText(post.text)
        self.text.setReadOnly(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.text.setAccessibleName(tr("The post's text"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(480, 300)
        self.text.setFocus()


class EditDialog(QDialog):
    """The text of one's own post, to change: Save publishes an edit (``Node.posts.edit``)."""

    def __init__(self, ctx: AppContext, post: PostView, parent: QWidget | None = None,
                 ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(tr("Edit post"))
        self._ctx = ctx
        self._post = post
        note = QLabel(tr("Everyone who has this post will see it edited, marked "
                         "“edited”."), self)
        note.setWordWrap(True)
        self.text = QPlainTextEdit(self)
        self.text.setPlainText(post.text)
        self.text.setAccessibleName(tr("Text of the post"))
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self.text.textChanged.connect(self._changed)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.text)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(520, 300)
        self.text.setFocus()
        self.text.moveCursor(self.text.textCursor().MoveOperation.End)
        self._changed()

    def _changed(self) -> None:
        text = self.text.toPlainText().strip()
        self.save.setEnabled(bool(text) and text != self._post.text.strip())

    def _save(self) -> None:
        self.save.setEnabled(False)
        self._ctx.call(self._ctx.node.posts.edit, self._post.id, self.text.toPlainText().strip(),
                       on_result=lambda _entry: self.accept(), on_error=self._failed)

    def _failed(self, exc: Exception) -> None:
        from .loop import one_line

        self.error.setText(one_line(exc))
        self.error.show()
        self._changed()
