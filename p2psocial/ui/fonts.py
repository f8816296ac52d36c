"""Emoji as emoji: a colour emoji font, from the system or from the bundle.

Reactions, and any emoji in a post or a message, are drawn with whatever font has the
glyph. Windows (Segoe UI Emoji) and macOS (Apple Color Emoji) always have one; a Linux
desktop usually has Noto Color Emoji, but a minimal system has none, and then Qt draws
every emoji as an empty box. So:

* the ``.deb`` depends on ``fonts-noto-color-emoji``, and ``.ci/run`` and
  ``make screenshots`` need it (packaging/README.md, docs/ui.md);
* the Linux bundle (PyInstaller) carries the build host's ``NotoColorEmoji.ttf``
  (SIL Open Font License 1.1, its licence beside it) in ``p2psocial/assets/fonts/``;
* ``ensure_emoji_font`` runs once at start-up: when no colour emoji family is installed
  it registers that bundled file with ``QFontDatabase.addApplicationFont``, and names
  it as the application's emoji font (Qt 6.9+), so emoji fall back to it. A system
  font always wins: nothing is registered where one exists.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtGui import QFontDatabase

log = logging.getLogger(__name__)

# colour emoji families, as fontconfig and the platforms name them
COLOUR_EMOJI = ("Noto Color Emoji", "Apple Color Emoji", "Segoe UI Emoji", "Twemoji",
                "Twitter Color Emoji", "JoyPixels", "EmojiOne Color", "OpenMoji Color")
BUNDLED = Path(__file__).resolve().parent.parent / "assets" / "fonts" / "NotoColorEmoji.ttf"


def colour_emoji_family(families: Iterable[str]) -> str | None:
    """The first colour emoji family among ``families`` (any case), or None."""
    known = {name.casefold(): name for name in COLOUR_EMOJI}
    return next((family for family in families if family.casefold() in known), None)


def ensure_emoji_font(bundled: Path = BUNDLED) -> str | None:
    """The colour emoji family the app draws emoji with: the system's if it has one,
    else the ``bundled`` file's, registered now; None when there is neither."""
    found = colour_emoji_family(QFontDatabase.families())
    if found is not None:
        return found
    if not bundled.is_file():
        log.info("no colour emoji font on this system: emoji show as boxes")
        return None
    font_id = QFontDatabase.addApplicationFont(str(bundled))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        log.warning("could not load the bundled emoji font %s", bundled)
        return None
    QFontDatabase.addApplicationEmojiFontFamily(families[0])
    log.info("no colour emoji font on this system: using the bundled %s", families[0])
    return str(families[0])
