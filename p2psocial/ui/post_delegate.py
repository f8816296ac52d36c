"""How one post looks in a list, painted (no widget per row), and what a click on it means.

Theory of operation
-------------------

Rows are painted, so a list of 100k posts costs only the rows on screen. For each row
and width the delegate computes a ``RowLayout`` once: every rectangle (avatar, name,
time, content-warning toggle, images, actions, reaction chips) relative to the row's
top-left corner, and the body as a ``QTextDocument`` whose links, #tags and @mentions
are anchors (``post_text.to_html``; a text without any is set as plain text, which
lays out in about half the time). Painting, the row's height (``sizeHint``) and
hit-testing (``hit_at``) all read the same layout, so what is drawn is what is
clicked.

Caches. Layouts are kept per (post id, width) in a bounded LRU and are valid while
the row's ``PostView`` object and its revision (``Roles.Revision``: the model gives
it a new one when a reaction, an edit, a profile or the content-warning state
changes the row) are the ones they were made from. Heights are kept separately, by
revision (unique in the process), for every loaded row at the current width: Qt's
list view asks every loaded row's height each time rows are inserted, so after the
first time ``sizeHint`` is one ``data`` call and a dictionary look-up.

Ahead of time. ``prepare`` lays a row out from the model's ``Row`` before the row is
inserted (the view runs it in idle turns; see "Landing" in post_model.py), so the
insert itself finds every new height in the cache.

Images (thumbnails and avatars) come from an ``ImageCache``: a miss paints a
placeholder and the cache's ``ready`` signal makes the view repaint. A broken image
paints a placeholder for good.

Clicks. ``editorEvent`` hit-tests a left-button release and emits one signal:
``link_activated``, ``tag_requested``, ``profile_requested`` (name, avatar or an
@mention), ``reply_requested``, ``react_requested`` (♥, a reaction chip, or a choice
from the React… menu), ``thread_requested`` (the reply count, or the "Replying to"
line: the post it answers), ``image_requested``, ``menu_requested`` (the "…" button:
post_menu.py); the content-warning toggle flips ``Roles.Expanded`` in the model.

A reply says what it answers above its text, "↪ Replying to Bob": the parent's author
(``PostView.reply_author``) by the name the model knows for them (``Roles.MentionNames``
holds it beside the mentioned accounts'), or the start of their account id.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from ..content import Attachment
from ..store.views import PostView
from .avatar import paint_avatar
from .chips import EMOJI_SCALE, chip_width, emoji_font, paint_chip
from .context import tr
from .image_cache import ImageCache
from .post_roles import Roles
from .post_text import Anchor, has_anchors, to_html
from .post_words import (
    HEART,
    author_name,
    full_time,
    gone_words,
    reacted,
    relative_time,
    replied_name,
    replies_text,
    veil,
    when_text,
)

# the chips and the times of a row live in chips.py and post_words.py; other modules
# (messages, notifications, tests) have long imported them from here
__all__ = ["EMOJI_SCALE", "REACT_CHOICES", "Hit", "PostDelegate", "RowLayout",
           "chip_width", "emoji_font", "full_time", "paint_chip", "relative_time",
           "replying_text", "when_text"]

AnyIndex = QModelIndex | QPersistentModelIndex

MARGIN = 10
AVATAR = 40
GAP = 6
IMAGE_GAP = 4
MAX_IMAGES = 4
LAYOUT_CACHE = 400  # laid-out rows kept (a few screens' worth, and pages prepared)
HEIGHTS_MAX = 200_000  # row heights kept (a few MB); past it, forgotten and measured again
REACT_CHOICES = ("👍", HEART, "😂", "🎉", "😮", "😢", "🔥", "🙏")


@dataclass(frozen=True, slots=True)
class Hit:
    """What is under a point of a row: ``kind`` and its value (a URL, a tag, an account,
    an emoji, an image's number)."""

    kind: str  # link tag mention name reply heart react thread image cw reaction more
    #            parent (the "Replying to" line; value: the parent's id)
    value: Any = None


@dataclass(slots=True)
class RowLayout:
    """Where everything of one row goes, relative to the row's top-left corner."""

    post: PostView
    revision: int
    height: int
    avatar: QRect
    name: QRect
    time: QRect
    doc: QTextDocument | None = None
    doc_at: QPoint = field(default_factory=QPoint)
    notice: tuple[QRect, str] | None = None  # content warning or "deleted" line
    replying: tuple[QRect, str] | None = None  # "↪ Replying to Bob"
    cw_toggle: QRect | None = None
    images: list[tuple[QRect, Attachment]] = field(default_factory=list)
    actions: list[tuple[Hit, QRect, str, bool]] = field(default_factory=list)  # …, on


class PostDelegate(QStyledItemDelegate):
    """Paints posts and turns clicks on them into signals (see the module docstring)."""

    reply_requested = Signal(object)  # PostView
    react_requested = Signal(object, str, bool)  # PostView, emoji, undo
    thread_requested = Signal(bytes)  # a post id
    profile_requested = Signal(bytes)  # an account id
    tag_requested = Signal(str)
    link_activated = Signal(str)
    image_requested = Signal(object, int)  # PostView, attachment number
    menu_requested = Signal(object, QPoint)  # PostView, where (global): the "…" menu

    def __init__(self, images: ImageCache | None = None, parent: QObject | None = None,
                 ) -> None:
        super().__init__(parent)
        self._images = images
        self._layouts: OrderedDict[tuple[bytes, int], RowLayout] = OrderedDict()
        self._heights: dict[int, int] = {}  # revision -> height at _heights_width
        self._heights_width = -1

    def set_images(self, images: ImageCache | None) -> None:
        self._images = images

    def forget_layouts(self) -> None:
        """Drop every cached layout: a rich-text document keeps the link colour of the
        palette it was built under, so a theme change must build them again."""
        self._layouts.clear()
        self._heights.clear()

    # --- layout ------------------------------------------------------------------------

    def layout(self, option: QStyleOptionViewItem, index: AnyIndex) -> RowLayout:
        """The row's layout at ``option.rect``'s width (cached)."""
        post: PostView = index.data(Roles.Post)
        revision = int(index.data(Roles.Revision) or 0)
        width = _width(option)
        key = (post.id, width)
        found = self._layouts.get(key)
        if found is not None and found.post is post and found.revision == revision:
            self._layouts.move_to_end(key)
            return found
        return self._keep(self._lay_out(
            option.font, width, post, revision, bool(index.data(Roles.Expanded)),
            index.data(Roles.MentionNames) or {}), width)

    def prepare(self, view: QAbstractScrollArea, post: PostView, revision: int,
                expanded: bool, names: dict[bytes, str]) -> None:
        """Lay out a row that is about to be inserted into ``view`` (see "Ahead of
        time" in the module docstring)."""
        width = _view_width(view)
        found = self._layouts.get((post.id, width))
        if found is None or found.post is not post or found.revision != revision:
            self._keep(self._lay_out(view.font(), width, post, revision, expanded, names),
                       width)

    def _keep(self, made: RowLayout, width: int) -> RowLayout:
        self._layouts[(made.post.id, width)] = made
        if len(self._layouts) > LAYOUT_CACHE:
            self._layouts.popitem(last=False)
        if width == self._heights_width:
            if len(self._heights) >= HEIGHTS_MAX:
                self._heights.clear()
            self._heights[made.revision] = made.height
        return made

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        # the hot path: Qt asks this of every loaded row on each insert
        revision = index.data(Roles.Revision)
        if revision is None:
            return QSize(0, 0)
        width = _width(option)
        if width != self._heights_width:
            self._heights.clear()
            self._heights_width = width
        height = self._heights.get(revision)
        if height is None:
            height = self.layout(option, index).height
            self._heights[revision] = height
        return QSize(width, height)

    def _lay_out(self, font: QFont, width: int, post: PostView, revision: int,
                 expanded: bool, names: dict[bytes, str]) -> RowLayout:
        fonts = _fonts(font)
        head = fonts.bold_m.height()
        left = MARGIN + AVATAR + MARGIN
        inner = width - left - MARGIN
        name = author_name(post)
        # +2: the advance is rounded, and elidedText at exactly it can drop a letter
        name_w = min(fonts.bold_m.horizontalAdvance(name) + 2, inner // 2)
        when = _when(post)
        time_w = fonts.small_m.horizontalAdvance(when)
        lay = RowLayout(post=post, revision=revision, height=0,
                        avatar=QRect(MARGIN, MARGIN, AVATAR, AVATAR),
                        name=QRect(left, MARGIN, name_w, head),
                        time=QRect(left + name_w + GAP, MARGIN, time_w, head))
        y = MARGIN + head + 4
        small_h = fonts.small_m.height()
        if post.reply_parent is not None and not post.deleted:
            label = "↪ " + replying_text(post, names)
            lay.replying = (QRect(left, y, min(fonts.small_m.horizontalAdvance(label) + 2,
                                               inner), small_h), label)
            y += small_h + 4
        if post.deleted:
            lay.notice = (QRect(left, y, inner, small_h), gone_words(post))
            y += small_h + GAP
        else:
            show_body = True
            veiled = veil(post)  # a mute, a word filter, or a content warning
            if veiled:
                lines = fonts.base_m.boundingRect(
                    QRect(0, 0, inner, 10_000), int(Qt.TextFlag.TextWordWrap), veiled)
                lay.notice = (QRect(left, y, inner, lines.height()), veiled)
                y += lines.height() + 4
                toggle = tr("Hide post") if expanded else tr("Show post")
                lay.cw_toggle = QRect(left, y, fonts.small_m.horizontalAdvance(toggle) + 16,
                                      small_h + 6)
                y += small_h + 6 + GAP
                show_body = expanded
            if show_body:
                if post.text:
                    doc = QTextDocument()
                    doc.setDocumentMargin(0)
                    doc.setDefaultFont(fonts.base)
                    if has_anchors(post.text):
                        doc.setHtml(to_html(post.text, names))
                    else:  # the same look, without parsing HTML
                        doc.setPlainText(post.text)
                    doc.setTextWidth(inner)
                    lay.doc, lay.doc_at = doc, QPoint(left, y)
                    y += int(doc.size().height()) + GAP
                y = _lay_out_images(lay, post.attachments, left, y, inner)
            y = self._lay_out_actions(lay, post, fonts.small_m, left, y, inner, fonts.small)
        lay.height = max(y, MARGIN + AVATAR) + MARGIN
        return lay

    @staticmethod
    def _lay_out_actions(lay: RowLayout, post: PostView, metrics: QFontMetrics, left: int,
                         y: int, inner: int, small_font: QFont) -> int:
        height = metrics.height() + 6
        mine = reacted(post)
        hearts = sum(c for e, c in post.reactions if e == HEART)
        items: list[tuple[Hit, str, bool]] = [
            (Hit("reply"), "↩ " + tr("Reply"), False),
            (Hit("thread"), replies_text(post.reply_count), False),
            (Hit("heart"), ("♥" if HEART in mine else "♡") + (f" {hearts}" if hearts else ""),
             HEART in mine),
            (Hit("react"), "☺ " + tr("React…"), False),
            (Hit("more"), "…", False),
        ]
        items += [(Hit("reaction", emoji), f"{emoji} {count}", emoji in mine)
                  for emoji, count in post.reactions if emoji != HEART]
        x = left
        for hit, label, on in items:
            w = (metrics.horizontalAdvance(label) + 16 if hit.kind != "reaction"
                 else chip_width(small_font, label, emoji=True))
            if x + w > left + inner and x > left:  # wrap the chips onto another line
                x, y = left, y + height + 4
            lay.actions.append((hit, QRect(x, y, w, height), label, on))
            x += w + GAP
        return y + height

    # --- painting ----------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        lay = self.layout(option, index)
        palette: QPalette = option.palette
        fonts = _fonts(option.font)
        base, bold, small = fonts.base, fonts.bold, fonts.small
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect: QRect = option.rect
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, palette.alternateBase())
            painter.fillRect(QRect(rect.left(), rect.top(), 3, rect.height()),
                             palette.highlight())
        painter.setPen(palette.mid().color())
        painter.drawLine(rect.left() + MARGIN, rect.bottom(), rect.right() - MARGIN,
                         rect.bottom())
        painter.translate(rect.topLeft())
        post = lay.post
        self._paint_avatar(painter, lay, index, bold)
        text = palette.text().color()
        quiet = palette.placeholderText().color()
        painter.setFont(bold)
        painter.setPen(text)
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        painter.drawText(lay.name, flags, fonts.bold_m.elidedText(
            author_name(post), Qt.TextElideMode.ElideRight, lay.name.width()))
        painter.setFont(small)
        painter.setPen(quiet)
        painter.drawText(lay.time, flags, _when(post))
        if lay.replying is not None:
            replying_rect, replying = lay.replying
            painter.drawText(replying_rect, flags, fonts.small_m.elidedText(
                replying, Qt.TextElideMode.ElideRight, replying_rect.width()))
        if lay.notice is not None:
            notice_rect, notice = lay.notice
            painter.setFont(base if veil(post) and not post.deleted else small)
            painter.drawText(notice_rect, int(Qt.TextFlag.TextWordWrap), notice)
        if lay.cw_toggle is not None:
            paint_chip(painter, palette, lay.cw_toggle,
                             tr("Hide post") if index.data(Roles.Expanded) else tr("Show post"),
                             False, small)
        if lay.doc is not None:
            painter.save()
            painter.translate(lay.doc_at)
            context = QAbstractTextDocumentLayout.PaintContext()
            context.palette = palette
            context.palette.setColor(QPalette.ColorRole.Text, text)
            lay.doc.documentLayout().draw(painter, context)
            painter.restore()
        for number, (image_rect, attachment) in enumerate(lay.images):
            self._paint_image(painter, palette, image_rect, attachment, number,
                              len(post.attachments))
        for hit, action_rect, label, on in lay.actions:
            paint_chip(painter, palette, action_rect, label, on, small,
                       framed=hit.kind == "reaction", emoji=hit.kind == "reaction")
        painter.restore()

    def _paint_avatar(self, painter: QPainter, lay: RowLayout, index: AnyIndex,
                      font: QFont) -> None:
        avatar = index.data(Roles.Avatar)
        pixmap = None
        if avatar is not None and self._images is not None:
            pixmap = self._images.pixmap(avatar, lay.avatar.size())
        paint_avatar(painter, lay.avatar, lay.post.author, author_name(lay.post), pixmap, font)

    def _paint_image(self, painter: QPainter, palette: QPalette, rect: QRect,
                     attachment: Attachment, number: int, total: int) -> None:
        pixmap = (self._images.pixmap(attachment.blob, rect.size())
                  if self._images is not None else None)
        if pixmap is not None:
            painter.drawPixmap(rect, pixmap)
        else:
            broken = self._images is None or self._images.broken(attachment.blob)
            painter.fillRect(rect, palette.midlight())
            painter.setPen(palette.placeholderText().color())
            label = "🖼 " + (tr("Image not available") if broken else tr("Loading…"))
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), label)
        if number == MAX_IMAGES - 1 and total > MAX_IMAGES:
            painter.fillRect(rect, QColor(0, 0, 0, 120))
            painter.setPen(QColor(255, 255, 255))
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), f"+{total - MAX_IMAGES}")

    # --- hits --------------------------------------------------------------------------

    def hit_at(self, option: QStyleOptionViewItem, index: AnyIndex, pos: QPoint) -> Hit | None:
        """What is under ``pos`` (viewport coordinates) in the row at ``option.rect``."""
        if index.data(Roles.Post) is None:
            return None
        lay = self.layout(option, index)
        at = pos - option.rect.topLeft()
        if lay.name.contains(at) or lay.avatar.contains(at):
            return Hit("name", lay.post.author)
        if lay.time.contains(at):
            return Hit("time", lay.post.ts)
        if lay.replying is not None and lay.replying[0].contains(at):
            return Hit("parent", lay.post.reply_parent)
        if lay.cw_toggle is not None and lay.cw_toggle.contains(at):
            return Hit("cw")
        if lay.doc is not None:
            href = lay.doc.documentLayout().anchorAt(at - lay.doc_at)
            if href:
                anchor = Anchor.parse(href)
                if anchor is not None:
                    return Hit(anchor.kind, anchor.value)
        for number, (image_rect, _attachment) in enumerate(lay.images):
            if image_rect.contains(at):
                return Hit("image", number)
        for hit, action_rect, _label, _on in lay.actions:
            if action_rect.contains(at):
                return hit
        return None

    def more_button(self, option: QStyleOptionViewItem, index: AnyIndex) -> QRect | None:
        """Where the row's "…" button is (viewport coordinates), if it shows one."""
        if index.data(Roles.Post) is None:
            return None
        lay = self.layout(option, index)
        for hit, rect, _label, _on in lay.actions:
            if hit.kind == "more":
                return rect.translated(option.rect.topLeft())
        return None

    def editorEvent(self, event: QEvent, model: QAbstractItemModel,
                    option: QStyleOptionViewItem, index: AnyIndex) -> bool:
        if (event.type() != QEvent.Type.MouseButtonRelease or not isinstance(event, QMouseEvent)
                or event.button() != Qt.MouseButton.LeftButton):
            return super().editorEvent(event, model, option, index)
        hit = self.hit_at(option, index, event.position().toPoint())
        if hit is None or hit.kind == "time":
            return False
        self.activate(hit, index, option.widget, event.globalPosition().toPoint())
        return True

    def activate(self, hit: Hit, index: AnyIndex, widget: QWidget | None = None,
                 where: QPoint | None = None) -> None:
        """Do what a click on ``hit`` in the row ``index`` means."""
        post: PostView = index.data(Roles.Post)
        mine = reacted(post)
        if hit.kind == "link":
            self.link_activated.emit(hit.value)
        elif hit.kind == "tag":
            self.tag_requested.emit(hit.value)
        elif hit.kind in ("mention", "name"):
            self.profile_requested.emit(hit.value)
        elif hit.kind == "reply":
            self.reply_requested.emit(post)
        elif hit.kind == "thread":
            self.thread_requested.emit(post.id)
        elif hit.kind == "parent":
            self.thread_requested.emit(hit.value)
        elif hit.kind == "more":
            self.menu_requested.emit(post, where if where is not None else QPoint())
        elif hit.kind == "heart":
            self.react_requested.emit(post, HEART, HEART in mine)
        elif hit.kind == "reaction":
            self.react_requested.emit(post, hit.value, hit.value in mine)
        elif hit.kind == "image":
            self.image_requested.emit(post, hit.value)
        elif hit.kind == "cw":
            self.toggle_warning(index)
        elif hit.kind == "react":
            self._react_menu(post, widget, where)

    def toggle_warning(self, index: AnyIndex) -> None:
        """Open or close the row's content warning (or mute, or filter); its height
        changes."""
        model = index.model()
        post = index.data(Roles.Post)
        if model is not None and post is not None and veil(post):
            model.setData(index, not index.data(Roles.Expanded), Roles.Expanded)
            self.sizeHintChanged.emit(model.index(index.row(), index.column()))

    def _react_menu(self, post: PostView, widget: QWidget | None, where: QPoint | None) -> None:
        menu = QMenu(widget)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        mine = reacted(post)
        for emoji in REACT_CHOICES:
            action = menu.addAction(emoji)
            action.setCheckable(True)
            action.setChecked(emoji in mine)
            action.triggered.connect(
                lambda _checked=False, e=emoji: self.react_requested.emit(post, e, e in mine))
        menu.popup(where if where is not None else QPoint())

    def helpEvent(self, event: QHelpEvent, view: QAbstractItemView,
                  option: QStyleOptionViewItem, index: AnyIndex) -> bool:
        hit = self.hit_at(option, index, event.pos()) if index.isValid() else None
        if hit is not None and hit.kind == "time":
            QToolTip.showText(event.globalPos(), full_time(hit.value), view)
            return True
        if hit is not None and hit.kind in ("more", "parent"):
            tip = (tr("More: copy, edit, delete… (menu key)") if hit.kind == "more"
                   else tr("Open the post this one answers"))
            QToolTip.showText(event.globalPos(), tip, view)
            return True
        if hit is not None and hit.kind == "image":
            attachment = index.data(Roles.Post).attachments[hit.value]
            if attachment.alt:
                QToolTip.showText(event.globalPos(), attachment.alt, view)
                return True
        return super().helpEvent(event, view, option, index)


def replying_text(post: PostView, names: dict[bytes, str]) -> str:
    """'Replying to Bob': the author of the post ``post`` answers, by the name known
    for them (``names``), else the start of their account id."""
    name = replied_name(post, names)
    return tr("Replying to a post") if name is None else tr("Replying to {0}").format(name)


@dataclass(frozen=True, slots=True)
class _Fonts:
    """The row's three fonts and their metrics, made once per view font."""

    base: QFont
    bold: QFont
    small: QFont
    base_m: QFontMetrics
    bold_m: QFontMetrics
    small_m: QFontMetrics


_font_sets: dict[str, _Fonts] = {}


def _fonts(font: QFont) -> _Fonts:
    found = _font_sets.get(font.key())
    if found is not None:
        return found
    base = QFont(font)
    bold = QFont(base)
    bold.setBold(True)
    small = QFont(base)
    if base.pointSizeF() > 0:
        small.setPointSizeF(base.pointSizeF() * 0.9)
    made = _Fonts(base, bold, small, QFontMetrics(base), QFontMetrics(bold), QFontMetrics(small))
    _font_sets[font.key()] = made
    return made


def _width(option: QStyleOptionViewItem) -> int:
    """The width rows are laid out at: the view's viewport's, less the row's indent
    (``option.rect.left()``: a conversation indents replies). Qt's list view asks
    ``sizeHint`` with an option whose rect is not the row's, and one width for both
    keeps one layout per row."""
    widget = option.widget
    if isinstance(widget, QAbstractScrollArea):
        return max(200, _view_width(widget) - max(0, option.rect.left()))
    return max(200, option.rect.width())


def _view_width(view: QAbstractScrollArea) -> int:
    return max(200, view.viewport().width())


def _when(post: PostView) -> str:
    when = when_text(post, int(time.time() * 1000))
    if post.edited:
        when += " · " + tr("edited")
    if post.audience == "circle":  # readable by the approved followers only
        when += " · " + tr("Followers only")
    return when


def _lay_out_images(lay: RowLayout, attachments: tuple[Attachment, ...], left: int, y: int,
                    width: int) -> int:
    """Up to four thumbnails: one wide, two side by side, or a 2 x 2 grid."""
    shown = attachments[:MAX_IMAGES]
    if not shown:
        return y
    if len(shown) == 1:
        height = min(280, width * 9 // 16)
        lay.images.append((QRect(left, y, width, height), shown[0]))
        return y + height + GAP
    cell_w = (width - IMAGE_GAP) // 2
    cell_h = 160 if len(shown) == 2 else 120
    for number, attachment in enumerate(shown):
        column, line = number % 2, number // 2
        lay.images.append((QRect(left + column * (cell_w + IMAGE_GAP),
                                 y + line * (cell_h + IMAGE_GAP), cell_w, cell_h), attachment))
    lines = (len(shown) + 1) // 2
    return y + lines * cell_h + (lines - 1) * IMAGE_GAP + GAP
