"""A picture that arrives after its post: the timeline tile that said "Image not
available" shows the picture once the blob is stored (the node's ``BlobAdded``), as
when the background fetcher (net/blob_fetcher.py) or the viewer brings it."""

from __future__ import annotations

import io
import time

from PIL import Image
from PySide6.QtCore import QPoint, QSize
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from p2psocial import content
from p2psocial.store.store import blob_hash
from p2psocial.ui.avatar import images_of
from p2psocial.ui.context import AppContext
from p2psocial.ui.home_page import HomePage
from p2psocial.ui.loop import TrioHost
from p2psocial.ui.post_view import PostListView
from tests.helpers import make_entry, make_identity, make_log
from tests.uikit import WAIT, call

BOB = make_identity(7)
RED = (220, 20, 20)


def image_point(view: PostListView, row: int) -> QPoint | None:
    """A point inside the first image tile of ``row`` (the view's own hit test)."""
    rect = view.visualRect(view.model().index(row, 0))
    for y in range(rect.top(), rect.bottom(), 4):
        for x in range(rect.left(), rect.right(), 4):
            _index, hit = view.hit_at(QPoint(x + 20, y + 20))
            if hit is not None and hit.kind == "image":
                return QPoint(x + 20, y + 20)  # well inside, off the rounded edges
    return None


def colour_at(view: PostListView, at: QPoint) -> QColor:
    return view.viewport().grab().toImage().pixelColor(at)


def is_red(colour: QColor) -> bool:
    return colour.red() > 180 and colour.green() < 80 and colour.blue() < 80


def test_the_tile_shows_the_picture_when_its_blob_arrives(
        qtbot: QtBot, app_ctx: AppContext, home: HomePage) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (300, 200), RED).save(buf, "PNG")
    data = buf.getvalue()
    digest = blob_hash(data)
    log = make_log(BOB, 1, start_ts=int(time.time() * 1000) - 60_000)
    post = content.Post("a red rectangle", attachments=(
        content.Attachment(digest, "image/png", len(data), 300, 200, "red"),))
    log.append(make_entry(BOB, log[-1], post, log[-1].timestamp + 1000))
    call(qtbot, app_ctx, app_ctx.node.posts.follow, BOB.account_id)
    call(qtbot, app_ctx, app_ctx.node.replication.ingest, log)  # the post came; its picture did not
    qtbot.waitUntil(lambda: [p.text for p in home.model.posts] == ["a red rectangle"],
                    timeout=WAIT)
    view = home.timeline_view
    images = images_of(app_ctx)
    qtbot.waitUntil(lambda: image_point(view, 0) is not None, timeout=WAIT)
    at = image_point(view, 0)
    assert at is not None
    view.viewport().repaint()
    qtbot.waitUntil(lambda: images.broken(digest), timeout=WAIT)  # nobody had it
    assert not is_red(colour_at(view, at))
    # the blob arrives (as the background fetcher stores it): the tile shows it
    call(qtbot, app_ctx, app_ctx.node.replication.put_blob, data)
    qtbot.waitUntil(lambda: is_red(colour_at(view, at)), timeout=WAIT)
    assert not images.broken(digest)


def test_a_blob_stored_while_its_load_fails_is_loaded_again(
        qtbot: QtBot, trio_host: TrioHost) -> None:
    """The viewer's fetch (or the fetcher) stores the blob while the tile's own load is
    still failing: the tile is not marked broken, and the next paint gets the picture."""
    import trio

    from p2psocial.events import BlobAdded
    from p2psocial.ui.image_cache import ImageCache

    buf = io.BytesIO()
    Image.new("RGB", (40, 40), RED).save(buf, "PNG")
    held: dict[bytes, bytes] = {}
    digest = blob_hash(buf.getvalue())
    gate = trio.Event()
    loads: list[bytes] = []

    async def load(blob: bytes) -> bytes | None:
        loads.append(blob)
        if len(loads) == 1:
            await gate.wait()  # a slow fetch from peers, which ends in nothing
            return None
        return held.get(blob)

    images = ImageCache(trio_host, load)
    size = QSize(20, 20)
    assert images.pixmap(digest, size) is None and images.loading(digest)
    held[digest] = buf.getvalue()
    images.on_events([BlobAdded(digest)])  # stored meanwhile
    trio_host.call(_set, gate)
    qtbot.waitUntil(lambda: not images.loading(digest), timeout=WAIT)
    assert not images.broken(digest)
    qtbot.waitUntil(lambda: images.pixmap(digest, size) is not None, timeout=WAIT)
    assert loads == [digest, digest]


async def _set(event: object) -> None:
    event.set()  # type: ignore[attr-defined]
