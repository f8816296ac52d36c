"""Images a person attaches: checked, scaled, and stripped of metadata.

Re-encoding from pixels drops EXIF (and with it GPS location), XMP and comments, so a
photo's location never leaves the author's machine. The EXIF orientation is applied
first, so the picture still looks the right way up. Bytes in, bytes out: no files.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import BadImage

MAX_INPUT = 50 * 1024 * 1024
MAX_SIDE = 2048
AVATAR_SIDE = 512
MAX_PIXELS = 80_000_000  # refuse decompression bombs before decoding


@dataclass(frozen=True, slots=True)
class PreparedImage:
    data: bytes
    mime: str
    width: int
    height: int


def prepare(data: bytes, *, max_side: int = MAX_SIDE, square: bool = False) -> PreparedImage:
    """A clean copy of an image: JPEG for photos, PNG where there is transparency."""
    if len(data) > MAX_INPUT:
        raise BadImage(f"the image is {len(data) // (1024 * 1024)} MB; the limit is "
                       f"{MAX_INPUT // (1024 * 1024)} MB")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ("JPEG", "PNG", "WEBP", "GIF"):
                raise BadImage(f"{probe.format or 'this'} images are not supported: "
                               "use JPEG, PNG, WebP or GIF")
            if probe.width * probe.height > MAX_PIXELS:
                raise BadImage("the image has too many pixels")
            probe.seek(0)
            image = ImageOps.exif_transpose(probe)
            image.load()
    except BadImage:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError,
            SyntaxError) as exc:
        raise BadImage(f"this is not a readable image ({_reason(exc)})") from None
    if square:
        image = ImageOps.fit(image, (max_side, max_side)) if min(image.size) > max_side \
            else ImageOps.fit(image, (min(image.size),) * 2)
    else:
        image.thumbnail((max_side, max_side))
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P"
                                                       and "transparency" in image.info)
    out = io.BytesIO()
    if has_alpha:
        image = image.convert("RGBA")
        image.save(out, format="PNG", optimize=True)
        mime = "image/png"
    else:
        image = image.convert("RGB")
        image.save(out, format="JPEG", quality=85, optimize=True)
        mime = "image/jpeg"
    return PreparedImage(out.getvalue(), mime, image.width, image.height)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnidentifiedImageError):
        return "unknown or damaged image format"
    text = re.sub(r"\s*<[^>]*>", "", str(exc).split("\n")[0]).strip()  # drop object reprs
    return text[:80] if text else type(exc).__name__
