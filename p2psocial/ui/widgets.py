"""Small widgets that several pages share, so each job is done one way everywhere.

- ``MessageLine``: the one line under a form (or the composer) that says how the last
  action went, that it is running, or what went wrong.
- ``heading_font``: a page title's font.
- ``phrase_rows`` / ``PhraseLabel``: the 24 recovery words, numbered in rows to copy
  onto paper (onboarding shows them once, settings after the passphrase).
- ``plural``: English plurals without an English translation file.

Colours come from the palette only: no style sheet here sets a colour or a font,
because a style sheet freezes a widget's palette and dark mode would pass it by.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QKeyEvent, QMouseEvent, QPalette
from PySide6.QtWidgets import QAbstractItemView, QLabel, QListView, QWidget

from ..errors import sentence
from .context import tr
from .loop import one_line

PHRASE_COLUMNS = 4
WORD_WIDTH = 8  # a BIP39 English word has at most 8 letters


def plural(shown: str, n: int) -> str:
    """``tr("%n post(s)", None, n)`` as English wants it: English is the source language
    and ships no translation, so Qt fills in ``%n`` but leaves "(s)" (or "y(ies)"); this
    settles it. A translation (German's numerus forms) has neither, so it passes as is."""
    if n == 1:
        return shown.replace("y(ies)", "y").replace("(s)", "")
    return shown.replace("y(ies)", "ies").replace("(s)", "s")


def note(text: str, parent: QWidget | None = None) -> QLabel:
    """A quiet explanation under a heading (Settings' notes): wrapped, in the
    placeholder colour, which stays readable in every theme."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def heading_font(base: QFont, points: float = 15) -> QFont:
    """A page title's font. A font, not a style sheet: a style sheet would freeze the
    label's colours, and the title would stay dark when the theme turns dark."""
    font = QFont(base)
    font.setPointSizeF(points)
    font.setBold(True)
    return font


class MessageLine(QLabel):
    """One line saying how the last action went (or that it is running); hidden when
    empty.

    Errors are bold rather than red: a fixed colour would clash with one of the themes,
    and the palette has no role for errors. Assistive technology hears "Error" with
    them (the accessible description)."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_text(self, text: str, error: bool = False) -> None:
        font = self.font()
        font.setBold(error)
        self.setFont(font)
        self.setAccessibleDescription(tr("Error") if error and text else "")
        self.setText(text)
        self.setVisible(bool(text))

    def show_error(self, exc_or_text: BaseException | str) -> None:
        """``exc_or_text`` in bold; an exception as its one line, never a traceback."""
        text = sentence(exc_or_text) if isinstance(exc_or_text, str) else one_line(exc_or_text)
        self.show_text(text, error=True)

    def clear(self) -> None:
        self.show_text("")


def phrase_rows(words: Sequence[str]) -> str:
    """The words numbered in rows of four, in equal-width columns, to copy onto paper."""
    numbered = [f"{n:>2}. {word:<{WORD_WIDTH}}" for n, word in enumerate(words, 1)]
    return "\n".join("  ".join(numbered[row:row + PHRASE_COLUMNS])
                     for row in range(0, len(numbered), PHRASE_COLUMNS))


class PhraseLabel(QLabel):
    """The recovery phrase in rows (``phrase_rows``), in a fixed-width font, selectable."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(tr("Recovery phrase"))
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def set_words(self, words: str) -> None:
        """Show ``words`` (the phrase as text, words separated by spaces)."""
        self.setText(phrase_rows(words.split()))


class OpenableList(QListView):
    """A list whose rows open on a left click or Enter: ``open_requested`` carries the
    row's value under ``role`` (a conversation, a notification...)."""

    open_requested = Signal(object)

    def __init__(self, role: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._role = role
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setUniformItemSizes(True)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self._open(self.indexAt(event.position().toPoint()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._open(self.currentIndex())
        else:
            super().keyPressEvent(event)

    def _open(self, index: QModelIndex) -> None:
        item = index.data(self._role) if index.isValid() else None
        if item is not None:
            self.open_requested.emit(item)
