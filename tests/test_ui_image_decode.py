"""The window's one picture decoder (ui/image_decode.py): a photo whose EXIF says
"turn me a quarter" comes out upright on every path (the profile picture's preview
read QImage.fromData before, which ignores the tag, so avatars showed sideways), and a
picture with too many pixels is refused before decoding."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from p2psocial.ui import image_decode
from p2psocial.ui.image_decode import decode_image

ORIENTATION = 0x0112
ROTATE_90_CW = 6  # EXIF: the stored picture is shown turned a quarter clockwise


def sideways_photo() -> bytes:
    """A JPEG stored 80 x 40, blue on the left and red on the right, whose EXIF
    orientation says it is shown turned: upright it is 40 x 80, blue on top."""
    stored = Image.new("RGB", (80, 40), "red")
    stored.paste((0, 0, 255), (0, 0, 40, 40))
    exif = Image.Exif()
    exif[ORIENTATION] = ROTATE_90_CW
    out = io.BytesIO()
    stored.save(out, "JPEG", quality=95, exif=exif)
    return out.getvalue()


def blue(image: QImage, x: int, y: int) -> bool:
    colour = QColor(image.pixel(x, y))
    return colour.blue() > 200 and colour.red() < 60


def red(image: QImage, x: int, y: int) -> bool:
    colour = QColor(image.pixel(x, y))
    return colour.red() > 200 and colour.blue() < 60


def upright(image: QImage) -> bool:
    """Blue above red: the orientation was applied."""
    middle = image.width() // 2
    return blue(image, middle, 2) and red(image, middle, image.height() - 3)


def test_the_stored_picture_really_is_sideways(qtbot: QtBot) -> None:
    plain = QImage.fromData(sideways_photo())  # what the avatar preview used to do
    assert (plain.width(), plain.height()) == (80, 40)
    assert blue(plain, 2, 20) and red(plain, 77, 20)  # not upright: the test means something


@pytest.mark.parametrize("size", [(0, 0), (20, 20), (10, 40), (1000, 1000)])
def test_decoded_pictures_are_upright(qtbot: QtBot, size: tuple[int, int]) -> None:
    image = decode_image(sideways_photo(), *size)
    assert image is not None
    assert image.height() == 2 * image.width()  # fits, never enlarged, the right way up
    assert image.width() <= (size[0] or 40) and image.height() <= (size[1] or 80)
    assert upright(image)


def test_the_avatar_preview_of_the_settings_is_upright(qtbot: QtBot,
                                                       tmp_path: Path) -> None:
    from p2psocial.ui.settings_page import AVATAR_SIDE, read_avatar

    path = tmp_path / "portrait.jpg"
    path.write_bytes(sideways_photo())
    data, preview = read_avatar(str(path))
    assert data == path.read_bytes()  # the node prepares what is published
    assert (preview.width(), preview.height()) == (AVATAR_SIDE * 2, AVATAR_SIDE * 2)
    assert upright(preview)


def test_an_avatar_in_a_row_is_upright(qtbot: QtBot) -> None:
    """The image cache (avatars and thumbnails of painted rows) covers and crops."""
    image = decode_image(sideways_photo(), 32, 32, cover=True)
    assert image is not None and (image.width(), image.height()) == (32, 32)
    assert upright(image)


def test_a_file_is_read_by_its_content_and_format(qtbot: QtBot, tmp_path: Path) -> None:
    photo = tmp_path / "notes.txt"  # a picture by its content, whatever its name
    photo.write_bytes(sideways_photo())
    assert image_decode.picture_format(str(photo)) == b"jpeg"
    assert decode_image(str(photo), 40, 40, formats=(b"jpeg",)) is not None
    assert decode_image(str(photo), 40, 40, formats=(b"png",)) is None
    text = tmp_path / "photo.jpg"
    text.write_text("not a picture")
    assert image_decode.picture_format(str(text)) == b""
    assert decode_image(str(text)) is None


def test_too_many_pixels_are_refused_before_decoding(qtbot: QtBot,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(image_decode, "MAX_PIXELS", 80 * 40 - 1)
    assert decode_image(sideways_photo()) is None
    monkeypatch.setattr(image_decode, "MAX_PIXELS", 80 * 40)
    assert decode_image(sideways_photo()) is not None
