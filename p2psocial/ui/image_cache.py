"""Images for painted rows: an LRU of scaled pixmaps, filled lazily and asynchronously.

Theory of operation
-------------------

A delegate paints many rows per second and must never wait for a blob. It asks
``ImageCache.pixmap(blob_hash, size)``: a hit returns the pixmap at once; a miss returns
None (the delegate paints a placeholder) and starts one load for that key, unless one
is in flight already. A load is a call on the ``TrioHost``: the *loader* given to the
cache (``async (blob_hash) -> bytes | None``; the app's reads the node's blob and
fetches it from peers when it is missing) brings the bytes, and a worker thread
(``loop.in_thread``) decodes them and scales them to cover the size asked for,
cropped to it (``image_decode.decode_image``: QImage is safe off the GUI thread;
QPixmap is made on it). Then
``ready(blob_hash)`` fires, and the view repaints.

A blob that cannot be had or decoded is remembered as broken (``broken()``), so it is
not asked for again on every paint; the delegate shows a placeholder. No exception
from a loader or a decoder reaches a paint. When the blob arrives later (the node's
``BlobAdded``: the background fetcher or the viewer got it; ``on_events``), it is no
longer broken and ``ready`` fires, so the views paint it: a tile never keeps saying
"Image not available" for a picture the home now holds. One that arrives while a load
is failing is loaded again rather than marked broken.

Memory: pixmaps are kept by key (blob hash, width, height) in least-recently-used
order within a budget of bytes (``width * height * 4`` each).
"""

from __future__ import annotations

import functools
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSize, Signal
from PySide6.QtGui import QImage, QPixmap

from ..events import BlobAdded, Lagged
from .image_decode import decode_image
from .loop import in_thread

if TYPE_CHECKING:
    from .loop import TrioHost

log = logging.getLogger(__name__)

Loader = Callable[[bytes], Awaitable[bytes | None]]
Key = tuple[bytes, int, int]
BUDGET_BYTES = 64 * 1024 * 1024


class ImageCache(QObject):
    """Scaled pixmaps of blobs, loaded on first use; see the module's docstring."""

    ready = Signal(bytes)
    """A load for this blob hash has ended (the pixmap is there, or it is broken)."""

    def __init__(self, host: TrioHost, loader: Loader, budget_bytes: int = BUDGET_BYTES,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._loader = loader
        self._budget = budget_bytes
        self._used = 0
        self._pixmaps: OrderedDict[Key, QPixmap] = OrderedDict()
        self._loading: set[Key] = set()
        self._broken: set[bytes] = set()
        self._arrived: set[bytes] = set()  # stored while a load of it was under way

    def pixmap(self, blob: bytes, size: QSize) -> QPixmap | None:
        """The blob's image at ``size``, or None while it loads (or if it is broken)."""
        key = (blob, size.width(), size.height())
        found = self._pixmaps.get(key)
        if found is not None:
            self._pixmaps.move_to_end(key)
            return found
        if blob not in self._broken and key not in self._loading and self._host.running:
            self._loading.add(key)
            self._host.call(self._load, key, on_result=lambda image: self._loaded(key, image),
                            on_error=lambda exc: self._failed(key, exc))
        return None

    def broken(self, blob: bytes) -> bool:
        """The blob could not be had or read: paint a placeholder, do not wait."""
        return blob in self._broken

    def loading(self, blob: bytes) -> bool:
        return any(key[0] == blob for key in self._loading)

    def arrived(self, blob: bytes) -> None:
        """The blob is stored now: a view that showed it missing shows it."""
        if blob in self._broken:
            self._broken.discard(blob)
            self.ready.emit(blob)  # the views repaint, and the paint loads it
        elif self.loading(blob):
            self._arrived.add(blob)

    def on_events(self, events: Iterable[Any]) -> None:
        """The node's events (``post_model.follow_events``): ``BlobAdded`` is ``arrived``;
        after ``Lagged`` (some may be lost) every broken blob is tried again."""
        for event in events:
            if isinstance(event, BlobAdded):
                self.arrived(event.hash)
            elif isinstance(event, Lagged):
                for blob in list(self._broken):
                    self.arrived(blob)

    @property
    def used_bytes(self) -> int:
        return self._used

    async def _load(self, key: Key) -> QImage | None:
        data = await self._loader(key[0])
        if data is None:
            return None
        return await in_thread(functools.partial(decode_image, data, key[1], key[2],
                                                 cover=True))

    def _loaded(self, key: Key, image: QImage | None) -> None:
        self._loading.discard(key)
        came = key[0] in self._arrived
        self._arrived.discard(key[0])
        if image is None and came:
            pass  # it was stored meanwhile: not broken, the next paint loads it
        elif image is None:
            self._broken.add(key[0])
        else:
            pixmap = QPixmap.fromImage(image)
            self._pixmaps[key] = pixmap
            self._used += _cost(pixmap)
            while self._used > self._budget and len(self._pixmaps) > 1:
                _old, evicted = self._pixmaps.popitem(last=False)
                self._used -= _cost(evicted)
        self.ready.emit(key[0])

    def _failed(self, key: Key, exc: Exception) -> None:
        log.info("image %s could not be loaded: %s", key[0].hex()[:16], exc)
        self._loaded(key, None)


def _cost(pixmap: QPixmap) -> int:
    return pixmap.width() * pixmap.height() * 4
