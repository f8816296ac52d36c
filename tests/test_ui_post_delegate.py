"""The painted post (ui/post_delegate.py) in a real view over a real node: clicks on a
link, a tag, a mention, the name and the actions emit the right signals, the content
warning opens, images load through the cache (a broken one paints a placeholder), the
keyboard works, and each row reads as one sentence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QBuffer, QIODevice, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from p2psocial import content, ids
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.ui.image_cache import ImageCache
from p2psocial.ui.loop import TrioHost
from p2psocial.ui.post_model import HEART, Roles
from p2psocial.ui.post_text import has_anchors
from p2psocial.ui.timeline import TimelineModel, TimelineView
from tests.helpers import make_entry, make_identity, make_log
from tests.uikit import WAIT, call

LINK = "https://example.org/a?b=1"


def png(colour: str, side: int = 64) -> bytes:
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


class Shown:
    """Alice's home with three of her posts (newest first: image, warning, links) in a
    view 520 x 900, and Bob, who has a profile and is mentioned."""

    def __init__(self, node: Node, model: TimelineModel, view: TimelineView,
                 images: ImageCache, bob: Any) -> None:
        self.node, self.model, self.view, self.images, self.bob = node, model, view, images, bob

    def row_of(self, text: str) -> int:
        return next(r for r in range(self.model.rowCount())
                    if text in (self.model.index(r).data(Roles.Text) or ""))

    def points(self, row: int) -> dict[str, QPoint]:
        """A point in the viewport for each kind of thing in ``row`` (its first found)."""
        rect = self.view.visualRect(self.model.index(row))
        found: dict[str, QPoint] = {}
        for y in range(rect.top(), rect.bottom(), 3):
            for x in range(rect.left(), rect.right(), 3):
                _index, hit = self.view.hit_at(QPoint(x, y))
                if hit is not None and hit.kind not in found:
                    found[hit.kind] = QPoint(x, y)
        return found

    def click(self, qtbot: QtBot, point: QPoint) -> None:
        qtbot.mouseClick(self.view.viewport(), Qt.MouseButton.LeftButton, pos=point)


@pytest.fixture
def shown(qtbot: QtBot, trio_host: TrioHost, tmp_path: Path) -> Iterator[Shown]:
    node = Node.init(Home(tmp_path / "alice"), "Alice")
    bob = make_identity(2)
    bob_log = make_log(bob, 1)
    bob_log.append(make_entry(bob, bob_log[-1], content.Profile("Bob"), bob_log[-1].timestamp))

    async def setup() -> None:
        await node.replication.ingest(bob_log)
        await node.posts.post(f"see {LINK} #Python @{ids.account_text(bob.account_id)} hi")
        await node.posts.post("the butler did it", content_warning="spoilers")
        await node.posts.post("a picture", images_data=[png("#3070c0")], alt=["blue square"])

    call(qtbot, trio_host, setup)

    async def load(blob: bytes) -> bytes | None:
        return await node.replication.blob(blob)

    images = ImageCache(trio_host, load)
    model = TimelineModel(trio_host, node)
    view = TimelineView(images=images)
    qtbot.addWidget(view)
    view.resize(520, 900)
    view.setModel(model)
    with qtbot.waitSignal(view.first_painted, timeout=WAIT):
        model.start()
        view.show()
    qtbot.waitUntil(lambda: model.rowCount() == 3 and not model.busy, timeout=WAIT)
    try:
        yield Shown(node, model, view, images, bob)
    finally:
        model.stop()
        assert trio_host.stop()
        node.close()


def test_clicks_on_the_text_emit_link_tag_and_mention(qtbot: QtBot, shown: Shown) -> None:
    row = shown.row_of("see ")
    doc = shown.view.delegate.layout(_option(shown, row), shown.model.index(row)).doc
    assert doc is not None and "@Bob" in doc.toPlainText()  # the name, not the id
    points = shown.points(row)
    with qtbot.waitSignal(shown.view.link_activated, timeout=WAIT) as link:
        shown.click(qtbot, points["link"])
    assert link.args == [LINK]
    with qtbot.waitSignal(shown.view.tag_requested, timeout=WAIT) as tag:
        shown.click(qtbot, points["tag"])
    assert tag.args == ["python"]
    with qtbot.waitSignal(shown.view.profile_requested, timeout=WAIT) as mention:
        shown.click(qtbot, points["mention"])
    assert mention.args == [shown.bob.account_id]
    with qtbot.waitSignal(shown.view.profile_requested, timeout=WAIT) as name:
        shown.click(qtbot, points["name"])
    assert name.args == [shown.node.account_id]


def test_the_actions_emit_reply_heart_and_thread(qtbot: QtBot, trio_host: TrioHost,
                                                 shown: Shown) -> None:
    row = shown.row_of("see ")
    post = shown.model.post_at(row)
    assert post is not None
    points = shown.points(row)
    with qtbot.waitSignal(shown.view.reply_requested, timeout=WAIT) as reply:
        shown.click(qtbot, points["reply"])
    assert reply.args == [post]
    with qtbot.waitSignal(shown.view.thread_requested, timeout=WAIT) as thread:
        shown.click(qtbot, points["thread"])
    assert thread.args == [post.id]
    with qtbot.waitSignal(shown.view.react_requested, timeout=WAIT) as heart:
        shown.click(qtbot, points["heart"])
    assert heart.args == [post, HEART, False]
    # once the heart is ours (the row refreshes), the same click takes it back
    call(qtbot, trio_host, shown.node.posts.react, post.id, HEART)
    qtbot.waitUntil(lambda: HEART in shown.model.index(row).data(Roles.Reacted), timeout=WAIT)
    fresh = shown.model.post_at(row)
    with qtbot.waitSignal(shown.view.react_requested, timeout=WAIT) as undo:
        shown.click(qtbot, shown.points(row)["heart"])
    assert undo.args == [fresh, HEART, True]


def test_the_content_warning_opens_and_closes(qtbot: QtBot, shown: Shown) -> None:
    row = shown.row_of("the butler")
    index = shown.model.index(row)
    closed = shown.view.visualRect(index).height()
    points = shown.points(row)
    assert "cw" in points and "reply" in points
    layout = shown.view.delegate.layout(_option(shown, row), index)
    assert layout.doc is None  # the text is not laid out, let alone shown
    shown.click(qtbot, points["cw"])
    assert index.data(Roles.Expanded) is True
    qtbot.waitUntil(lambda: shown.view.visualRect(index).height() > closed, timeout=WAIT)
    layout = shown.view.delegate.layout(_option(shown, row), index)
    assert layout.doc is not None and "the butler did it" in layout.doc.toPlainText()
    shown.click(qtbot, shown.points(row)["cw"])
    qtbot.waitUntil(lambda: shown.view.visualRect(index).height() == closed, timeout=WAIT)


def test_an_image_loads_and_a_click_on_it_says_which(qtbot: QtBot, shown: Shown) -> None:
    row = shown.row_of("a picture")
    post = shown.model.post_at(row)
    assert post is not None and len(post.attachments) == 1
    layout = shown.view.delegate.layout(_option(shown, row), shown.model.index(row))
    rect, _attachment = layout.images[0]
    blob = post.attachments[0].blob
    qtbot.waitUntil(lambda: shown.images.pixmap(blob, rect.size()) is not None, timeout=WAIT)
    pixmap = shown.images.pixmap(blob, rect.size())
    assert pixmap is not None and (pixmap.width(), pixmap.height()) == (rect.width(),
                                                                         rect.height())
    got, blue = pixmap.toImage().pixelColor(5, 5), QColor("#3070c0")  # JPEG: near enough
    assert max(abs(got.red() - blue.red()), abs(got.green() - blue.green()),
               abs(got.blue() - blue.blue())) <= 4
    with qtbot.waitSignal(shown.view.image_requested, timeout=WAIT) as image:
        shown.click(qtbot, shown.points(row)["image"])
    assert image.args == [post, 0]


def test_a_broken_image_is_a_placeholder(qtbot: QtBot, trio_host: TrioHost,
                                         shown: Shown) -> None:
    async def garbage(blob: bytes) -> bytes | None:
        return b"not an image"

    async def missing(blob: bytes) -> bytes | None:
        raise LookupError("no peer has it")

    for loader in (garbage, missing):
        broken = ImageCache(trio_host, loader)
        shown.view.set_images(broken)
        post = shown.model.post_at(shown.row_of("a picture"))
        assert post is not None
        blob = post.attachments[0].blob
        shown.view.viewport().repaint()  # asks for the image
        qtbot.waitUntil(lambda b=broken, h=blob: b.broken(h), timeout=WAIT)
        shown.view.viewport().repaint()  # paints the placeholder; no exception
        assert broken.pixmap(blob, shown.view.visualRect(shown.model.index(0)).size()) is None


def test_the_keyboard_replies_hearts_opens_and_expands(qtbot: QtBot, shown: Shown) -> None:
    view, model = shown.view, shown.model
    view.setFocus()
    row = shown.row_of("the butler")
    view.setCurrentIndex(model.index(row))
    post = model.post_at(row)
    with qtbot.waitSignal(view.reply_requested, timeout=WAIT) as reply:
        qtbot.keyClick(view, Qt.Key.Key_R)
    assert reply.args == [post]
    with qtbot.waitSignal(view.react_requested, timeout=WAIT) as heart:
        qtbot.keyClick(view, Qt.Key.Key_L)
    assert heart.args == [post, HEART, False]
    with qtbot.waitSignal(view.thread_requested, timeout=WAIT) as thread:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert post is not None and thread.args == [post.id]
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert model.index(row).data(Roles.Expanded) is True
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.currentIndex().row() == row + 1


def test_each_row_reads_as_one_sentence(shown: Shown) -> None:
    model = shown.model
    picture = model.index(shown.row_of("a picture"))
    said = picture.data(Qt.ItemDataRole.AccessibleTextRole)
    assert said.startswith("Alice, just now: a picture") and "1 image" in said
    assert picture.data(Qt.ItemDataRole.DisplayRole) == said
    warned = model.index(shown.row_of("the butler")).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "spoilers" in warned and "butler" not in warned


def test_the_pointer_is_a_hand_over_links_and_actions(qtbot: QtBot, shown: Shown) -> None:
    points = shown.points(shown.row_of("see "))
    qtbot.mouseMove(shown.view.viewport(), points["link"])
    qtbot.waitUntil(lambda: shown.view.viewport().cursor().shape()
                    == Qt.CursorShape.PointingHandCursor, timeout=WAIT)
    blank = shown.view.viewport().rect().bottomRight() - QPoint(2, 2)
    qtbot.mouseMove(shown.view.viewport(), blank)
    qtbot.waitUntil(lambda: shown.view.viewport().cursor().shape()
                    == Qt.CursorShape.ArrowCursor, timeout=WAIT)


def _option(shown: Shown, row: int) -> Any:
    from PySide6.QtWidgets import QStyleOptionViewItem

    option = QStyleOptionViewItem()
    shown.view.initViewItemOption(option)
    option.rect = shown.view.visualRect(shown.model.index(row))
    return option


def test_only_texts_with_anchors_are_parsed_as_html(shown: Shown) -> None:
    assert has_anchors(f"see {LINK}") and has_anchors("#python") and not has_anchors("a # b")
    assert has_anchors(f"hi @{ids.account_text(shown.bob.account_id)}")
    assert not has_anchors("<b>not markup</b> & an@email.org, 100%")
    option = QStyleOptionViewItem()
    shown.view.initViewItemOption(option)
    plain = shown.view.delegate.layout(option, shown.model.index(shown.row_of("a picture")))
    rich = shown.view.delegate.layout(option, shown.model.index(shown.row_of("see")))
    assert plain.doc is not None and plain.doc.toPlainText() == "a picture"
    assert rich.doc is not None and "#Python" in rich.doc.toPlainText()
    assert rich.doc.documentLayout().anchorAt(QPointF(1, 1)) == ""  # 'see', not a link


def test_links_take_the_colour_of_the_theme_in_use(qtbot: QtBot, qapp: Any,
                                                   shown: Shown) -> None:
    from PySide6.QtGui import QPalette, QTextCursor

    from p2psocial.ui.theme import apply_theme

    def link_colour() -> str:
        row = shown.row_of("see ")
        doc = shown.view.delegate.layout(_option(shown, row), shown.model.index(row)).doc
        assert doc is not None
        cursor = QTextCursor(doc)
        cursor.setPosition(doc.toPlainText().index("http") + 1)
        return cursor.charFormat().foreground().color().name()

    try:
        apply_theme(qapp, "light")
        light = link_colour()
        apply_theme(qapp, "dark")
        qtbot.waitUntil(lambda: link_colour() != light, timeout=WAIT)
        assert link_colour() == qapp.palette().color(QPalette.ColorRole.Link).name()
    finally:
        apply_theme(qapp, "system")
