"""What an editor keeps of what is typed in it: one draft keeper for the composer and
the conversation pane, so a draft is saved one way.

A change starts a short timer (``SAVE_DELAY_MS``); when it fires (``due``: the editor
calls ``keep``), or when the editor switches to another draft or stops, its draft goes into
the back end's drafts (settings.Drafts, in memory at once) and their file is written
in a worker thread (``AppContext.write_soon``): the fsync never runs on the GUI thread,
and rapid edits coalesce into one write of the latest drafts. What a stopping window
has not written yet is written when the back end closes (``Backend.flush``), so
nothing typed is lost. A failed write shows one line on the editor (``failed``); the
text stays in the box and the next write tries again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from .context import tr
from .loop import one_line

if TYPE_CHECKING:
    from ..settings import Draft
    from .context import AppContext

SAVE_DELAY_MS = 500  # a draft is kept this long after the last change


class DraftKeeper(QObject):
    """An editor's drafts: ``changed()`` after each edit, ``keep(key, draft)`` when
    ``due`` fires and whenever the editor must keep it now; ``showing()`` around filling
    the editor from a draft (that is no edit). The editor connects ``due`` (rather
    than the keeper holding a callback into it: no reference cycle)."""

    due = Signal()
    """The edits have paused: keep the editor's draft now."""
    failed = Signal(str)
    """One line: the drafts' file could not be written."""

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.loading = False  # the editor is being filled from a draft
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.due)

    def get(self, key: str) -> Draft:
        return self._ctx.backend.drafts.get(key)

    @contextmanager
    def showing(self) -> Iterator[None]:
        """Fill the editor from a draft: its changes meanwhile are not edits."""
        self.loading = True
        try:
            yield
        finally:
            self.loading = False

    def changed(self) -> bool:
        """The person edited: keep the draft soon. False while ``showing`` a draft."""
        if self.loading:
            return False
        self._timer.start()
        return True

    def keep(self, key: str | None, draft: Draft) -> None:
        """Keep ``draft`` under ``key`` now (None: the editor has no draft; a timed
        save waiting is dropped)."""
        self._timer.stop()
        if key is not None and self._ctx.backend.drafts.put(key, draft):
            self._write()

    def discard(self, key: str) -> None:
        """The draft of ``key`` was sent: forget it."""
        if self._ctx.backend.drafts.discard(key):
            self._write()

    def _write(self) -> None:
        self._ctx.write_soon(self._ctx.backend.drafts.save, self._failed)

    def _failed(self, exc: Exception) -> None:
        self.failed.emit(tr("The draft was not saved: {0}").format(one_line(exc)))
