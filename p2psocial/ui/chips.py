"""Rounded chips: a reaction ("👍 2", its emoji drawn larger), an action taken. Painted
in rows of posts (post_delegate.py) and of messages (conversation_view.py) alike."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette

EMOJI_SCALE = 1.45  # a reaction's emoji beside its count: as tall as the text around


def emoji_font(font: QFont) -> QFont:
    """The font of a reaction chip's emoji: at the chips' small size an emoji is a speck."""
    larger = QFont(font)
    if larger.pointSizeF() > 0:
        larger.setPointSizeF(larger.pointSizeF() * EMOJI_SCALE)
    else:
        larger.setPixelSize(round(larger.pixelSize() * EMOJI_SCALE))
    return larger


def chip_width(font: QFont, label: str, emoji: bool = False) -> int:
    """How wide ``paint_chip`` paints ``label`` (``emoji``: a reaction, "👍 2")."""
    metrics = QFontMetrics(font)
    if not emoji:
        return metrics.horizontalAdvance(label) + 16
    glyph, _, rest = label.partition(" ")
    return (QFontMetrics(emoji_font(font)).horizontalAdvance(glyph)
            + metrics.horizontalAdvance(" " + rest) + 16)


def paint_chip(painter: QPainter, palette: QPalette, rect: QRect, label: str, on: bool,
               font: QFont, framed: bool = True, emoji: bool = False) -> None:
    """A rounded chip with ``label``: filled with the highlight when ``on`` (a reaction
    of ours, an action taken), else framed (or bare). With ``emoji`` the label is a
    reaction, "emoji count", and its emoji is drawn larger (``emoji_font``)."""
    if on:
        painter.setBrush(palette.highlight())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
        painter.setPen(palette.highlightedText().color())
    else:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(palette.mid().color() if framed else Qt.PenStyle.NoPen)
        if framed:
            painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
        painter.setPen(palette.text().color())
    painter.setFont(font)
    if not emoji:
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), label)
        return
    glyph, _, rest = label.partition(" ")
    large = emoji_font(font)
    glyph_w = QFontMetrics(large).horizontalAdvance(glyph)
    rest_w = QFontMetrics(font).horizontalAdvance(" " + rest)
    x = rect.left() + (rect.width() - glyph_w - rest_w) // 2
    middle = int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
    painter.setFont(large)
    painter.drawText(QRect(x, rect.top(), glyph_w, rect.height()), middle, glyph)
    painter.setFont(font)
    painter.drawText(QRect(x + glyph_w, rect.top(), rest_w, rect.height()), middle, " " + rest)
