"""QR codes for invites (p2psocial/qr.py, through segno): the choices an invite needs —
byte mode over UTF-8, the level as asked, the smallest version — and the typed error
when the data is too long; then the images and the widget (ui/qr_widget.py), and a
scanner (zxing-cpp) reading an invite back from the image.
"""

from __future__ import annotations

from typing import Any

import pytest

from p2psocial import invite, qr
from p2psocial.errors import UserError


def test_invites_pick_a_version_by_length() -> None:
    device, account = bytes(range(32)), bytes(range(32, 64))
    sizes = []
    for count in range(1, invite.ADDRS_MAX + 1):
        addrs = [f"/ip4/192.168.{i}.20/tcp/{4001 + i}" for i in range(count)]
        text = invite.encode(invite.make(device, account, addrs))
        for level in qr.LEVELS:
            code = qr.make(text, level)
            assert (code.error, code.mode, code.is_micro) == (level, "byte", False)
        sizes.append((len(text), qr.make(text, "M").version))
    assert sizes == sorted(sizes)  # longer invites never get smaller symbols
    assert sizes[0][0] > 150 and sizes[-1][1] <= 20


def test_text_is_utf8_and_encode_gives_lists_of_bools() -> None:
    matrix = qr.encode("grüße 👋", "Q")
    assert matrix == [[bool(m) for m in row] for row in qr.make("grüße 👋".encode(), "Q").matrix]
    assert len(matrix) == 25 and all(len(row) == 25 for row in matrix)  # 12 bytes: version 2
    assert {type(m) for row in matrix for m in row} == {bool}
    assert len(qr.encode("ü" * 6, "Q")) == 25  # 12 bytes of UTF-8; Latin-1's 6 fit version 1


@pytest.mark.parametrize(("level", "version", "most"), [
    ("L", 1, 17), ("M", 9, 180), ("Q", 2, 20), ("H", 40, 1273), ("L", 40, 2953),
])
def test_the_smallest_version_that_holds_the_data(level: str, version: int, most: int) -> None:
    """Both sides of a version boundary, from the standard's byte-mode capacities."""
    assert qr.make(b"x" * most, level).version == version
    if version < 40:
        assert qr.make(b"x" * (most + 1), level).version == version + 1


def test_the_level_is_never_raised() -> None:
    assert qr.make(b"hi", "L").error == "L"  # segno would boost a short text to H


def test_too_long_is_a_user_error_with_the_limit() -> None:
    most = qr.MOST_BYTES["L"]
    assert qr.make(b"a" * most, "L").version == 40
    with pytest.raises(qr.DataTooLong, match=f"at most {most} at level L") as raised:
        qr.encode(b"a" * (most + 1), "L")
    assert isinstance(raised.value, UserError)
    with pytest.raises(qr.DataTooLong):
        qr.encode(b"a" * (qr.MOST_BYTES["H"] + 1), "H")
    for level in qr.LEVELS:
        assert qr.make(b"a" * qr.MOST_BYTES[level], level).version == 40


def test_a_bad_level_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="level"):
        qr.make(b"hi", "X")


# --- on screen: ui/qr_widget.py -----------------------------------------------------------


def grey_pixels(image: Any) -> list[list[int]]:
    from PySide6.QtGui import QImage

    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    return [[grey.pixelColor(x, y).value() for x in range(grey.width())]
            for y in range(grey.height())]


def an_invite(addresses: int = invite.ADDRS_MAX) -> str:
    addrs = [f"/ip6/2001:db8:85a3::8a2e:370:{i + 1}/tcp/{40001 + i}"
             for i in range(addresses)]
    return invite.encode(invite.make(bytes(range(32)), bytes(range(32, 64)), addrs))


def test_qr_image_is_the_matrix_in_crisp_black_on_white_with_a_quiet_zone(qapp: Any) -> None:
    from p2psocial.ui.qr_widget import QUIET, qr_image

    matrix = qr.encode("hello, p2psocial", "M")
    px = 5
    pixels = grey_pixels(qr_image("hello, p2psocial", px))
    side = (len(matrix) + 2 * QUIET) * px
    assert (len(pixels), len(pixels[0])) == (side, side)
    expected = [[0 if 0 <= r - QUIET < len(matrix) and 0 <= c - QUIET < len(matrix)
                 and matrix[r - QUIET][c - QUIET] else 255
                 for c in range(side // px) for _ in range(px)]
                for r in range(side // px) for _ in range(px)]
    assert pixels == expected


def test_a_scanner_reads_the_invite_back(qapp: Any) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image
    from PySide6.QtGui import QImage

    from p2psocial.ui.qr_widget import qr_image

    text = an_invite()
    assert 550 <= len(text) <= 700
    image = qr_image(text, 3).convertToFormat(QImage.Format.Format_Grayscale8)
    pil = Image.frombytes("L", (image.width(), image.height()), bytes(image.constBits()),
                          "raw", "L", image.bytesPerLine())
    assert [found.text for found in zxingcpp.read_barcodes(pil)] == [text]


def test_widget_draws_whole_device_pixels_per_module_centred(qtbot: Any) -> None:
    from p2psocial.ui.qr_widget import QUIET, QrCode, qr_image

    text = an_invite(2)
    widget = QrCode(text)
    qtbot.addWidget(widget)
    across = len(qr.encode(text)) + 2 * QUIET
    assert widget.modules_across() == across
    assert widget.accessibleName() == "QR code" and widget.accessibleDescription()
    widget.resize(across * 3 + 7, across * 3 + 40)  # 3 px per module, with room to spare
    assert widget.module_device_px() == 3
    shot = grey_pixels(widget.grab().toImage())
    ratio = widget.devicePixelRatioF()
    assert ratio == 1.0  # offscreen; the arithmetic above is in device pixels
    left, top = (widget.width() - across * 3) // 2, (widget.height() - across * 3) // 2
    code = [row[left:left + across * 3] for row in shot[top:top + across * 3]]
    assert code == grey_pixels(qr_image(text, 3))
    widget.setText("")
    assert widget.modules_across() == 0 and widget.module_device_px() == 0


def test_widget_refuses_text_too_long_for_a_qr_code(qtbot: Any) -> None:
    from p2psocial.ui.qr_widget import QrCode

    widget = QrCode("short", description="QR code of your invite")
    qtbot.addWidget(widget)
    assert widget.accessibleDescription() == "QR code of your invite"
    with pytest.raises(qr.DataTooLong):
        widget.setText("x" * 3000)
    assert widget.text() == "short"
