"""Light, dark, or whatever the OS says: the application's style and palette.

Theory of operation
-------------------

``apply_theme(app, choice)`` with ``choice`` one of ``CHOICES``:

* **light** / **dark** ask Qt for that colour scheme (``QStyleHints.setColorScheme``,
  Qt 6.8+, so native dialogs and title bars follow where the platform can) and set
  our own palette on the Fusion style. Fusion, because platform styles such as
  macOS's and Windows' ignore much of an application palette; a forced choice must
  look the same everywhere.
* **system** gives the choice back to the OS: the colour scheme request is withdrawn,
  the platform's own style and palette return. If the platform says it is in dark
  (or light) mode but its palette is the other way round (a Linux desktop without a
  Qt platform theme that knows about dark mode), our palette of the right brightness
  is used on Fusion instead. This check runs again on every
  ``QStyleHints.colorSchemeChanged``, so the app keeps following the OS while it runs.

Fusion outlines a check box with the window colour made darker: on a dark window
that outline vanishes into the base colour, and an unchecked box (in Settings, in the
list of people to write to) cannot be seen at all. Our Fusion is therefore
``_Fusion``, a proxy style that draws that outline again in the placeholder-text
colour when the palette is dark.

The state (the choice, the platform's style name) lives in a small ``QObject`` parented
to the application, not in a module global. Setting the application palette sends
every widget a ``PaletteChange``; icons re-tint on their next paint (``icons.py``).
High-DPI needs nothing here: Qt 6 scales by default, and our pixmaps are drawn at the
device pixel ratio (``icons.py``, ``qr_widget.py``).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleOption, QWidget

CHOICES = ("system", "light", "dark")
BRAND = "#2a6f97"  # the app icon's blue

_Role = QPalette.ColorRole
_LIGHT = {
    _Role.Window: "#f3f4f6", _Role.WindowText: "#1b1d20", _Role.Base: "#ffffff",
    _Role.AlternateBase: "#f6f7f9", _Role.ToolTipBase: "#ffffff",
    _Role.ToolTipText: "#1b1d20", _Role.PlaceholderText: "#767c84", _Role.Text: "#1b1d20",
    _Role.Button: "#eceef1", _Role.ButtonText: "#1b1d20", _Role.BrightText: "#c62828",
    _Role.Light: "#ffffff", _Role.Midlight: "#e4e6ea", _Role.Mid: "#b8bcc2",
    _Role.Dark: "#9ea3a9", _Role.Shadow: "#5a5f66", _Role.Highlight: BRAND,
    _Role.HighlightedText: "#ffffff", _Role.Link: "#1f5f86", _Role.LinkVisited: "#6b4a9b",
    _Role.Accent: BRAND,
}
_DARK = {
    _Role.Window: "#1e2124", _Role.WindowText: "#e6e8eb", _Role.Base: "#16181b",
    _Role.AlternateBase: "#23272b", _Role.ToolTipBase: "#2b3035",
    _Role.ToolTipText: "#e6e8eb", _Role.PlaceholderText: "#8a9099", _Role.Text: "#e6e8eb",
    _Role.Button: "#2a2e33", _Role.ButtonText: "#e6e8eb", _Role.BrightText: "#ff6b6b",
    _Role.Light: "#3a3f45", _Role.Midlight: "#32373c", _Role.Mid: "#25292d",
    _Role.Dark: "#121416", _Role.Shadow: "#000000", _Role.Highlight: BRAND,
    _Role.HighlightedText: "#ffffff", _Role.Link: "#6cb6e0", _Role.LinkVisited: "#b49ad8",
    _Role.Accent: BRAND,
}
_DISABLED = {  # light, dark: text that is still readable but clearly off
    _Role.WindowText: ("#9aa0a6", "#6b7179"), _Role.Text: ("#9aa0a6", "#6b7179"),
    _Role.ButtonText: ("#9aa0a6", "#6b7179"), _Role.HighlightedText: ("#e6e8eb", "#9aa0a6"),
    _Role.Highlight: ("#9fb8c8", "#3a4a55"),
}


def palette(dark: bool) -> QPalette:
    """Our palette for dark or light mode (used when forced, or when the OS lacks one)."""
    result = QPalette()
    for role, colour in (_DARK if dark else _LIGHT).items():
        result.setColor(role, QColor(colour))
    for role, (light, dark_colour) in _DISABLED.items():
        result.setColor(QPalette.ColorGroup.Disabled, role, QColor(dark_colour if dark else light))
    return result


def is_dark(palette: QPalette) -> bool:
    """Whether text is light on a dark window: what users call dark mode."""
    return palette.color(_Role.Window).lightness() < palette.color(_Role.WindowText).lightness()


def apply_theme(app: QApplication, choice: str) -> None:
    """Follow the OS (``"system"``) or force ``"light"`` or ``"dark"``; see the module doc."""
    if choice not in CHOICES:
        raise ValueError(f"theme must be one of {CHOICES}, not {choice!r}")
    _Theme.of(app).apply(choice)


class _Theme(QObject):
    """The theme state of one application, and its link to the OS's colour scheme."""

    NAME = "p2psocial-theme"

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.setObjectName(self.NAME)
        self._app = app
        self._native_style = app.style().name()
        self._choice = "system"
        app.styleHints().colorSchemeChanged.connect(self._scheme_changed)

    @classmethod
    def of(cls, app: QApplication) -> _Theme:
        found = app.findChild(_Theme, cls.NAME)
        return found if isinstance(found, _Theme) else cls(app)

    def apply(self, choice: str) -> None:
        self._choice = choice
        hints = self._app.styleHints()
        if choice == "system":
            hints.unsetColorScheme()
            self._follow(hints.colorScheme())
        else:
            dark = choice == "dark"
            hints.setColorScheme(Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light)
            self._use_ours(dark)

    def _scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        if self._choice == "system":
            self._follow(scheme)

    def _follow(self, scheme: Qt.ColorScheme) -> None:
        self._set_style(self._native_style)
        self._app.setPalette(QPalette())  # an empty palette: back to the platform's
        if scheme == Qt.ColorScheme.Unknown:
            return
        wanted_dark = scheme == Qt.ColorScheme.Dark
        if is_dark(self._app.palette()) != wanted_dark:
            self._use_ours(wanted_dark)

    def _use_ours(self, dark: bool) -> None:
        if not isinstance(self._app.style(), _Fusion):
            self._app.setStyle(_Fusion())  # the application owns (and deletes) it
        self._app.setPalette(palette(dark))

    def _set_style(self, name: str) -> None:
        if self._app.style().name().lower() != name.lower() or isinstance(
                self._app.style(), _Fusion):
            self._app.setStyle(name)


class _Fusion(QProxyStyle):
    """Fusion, with check boxes and radio buttons that show on a dark palette."""

    _OUTLINED = (QStyle.PrimitiveElement.PE_IndicatorCheckBox,
                 QStyle.PrimitiveElement.PE_IndicatorRadioButton)

    def __init__(self) -> None:
        super().__init__("Fusion")

    def name(self) -> str:
        return self.baseStyle().name()  # "fusion", as the platform calls it

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption,
                      painter: QPainter, widget: QWidget | None = None) -> None:
        super().drawPrimitive(element, option, painter, widget)
        if element not in self._OUTLINED or not is_dark(option.palette):
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(option.palette.color(_Role.PlaceholderText), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        box = QRectF(option.rect).adjusted(0.5, 0.5, -1.5, -1.5)
        if element == QStyle.PrimitiveElement.PE_IndicatorRadioButton:
            painter.drawEllipse(box)
        else:
            painter.drawRoundedRect(box, 1.5, 1.5)
        painter.restore()
