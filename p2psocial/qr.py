"""QR codes for invites: text in, a matrix of dark modules out, through segno.

segno (pure Python, no dependencies) does the encoding; this module only fixes the
choices an invite needs and gives the core a typed error at its border:

- byte mode over UTF-8 (segno would pick Latin-1 for text that fits it, or another
  mode), so a scanner gets back exactly the invite's bytes;
- the level as asked (default M, about 15 % of the code can be lost), never raised
  behind our back (segno's ``boost_error``), and never a Micro QR code (phones' camera
  apps do not read them);
- the smallest version that holds the data, segno's best mask;
- more data than the largest code holds is ``DataTooLong``, a ``UserError``.

Painting (quiet zone, pixels per module) is ui/qr_widget.py's.
"""

from __future__ import annotations

import segno

from .errors import UserError

LEVELS = ("L", "M", "Q", "H")

# Bytes a version 40 code holds in byte mode (ISO/IEC 18004:2015, table 7).
MOST_BYTES = {"L": 2953, "M": 2331, "Q": 1663, "H": 1273}


class DataTooLong(UserError):
    """More data than the largest QR code holds at the level asked for."""


def make(data: bytes | str, level: str = "M") -> segno.QRCode:
    """``data`` (text as UTF-8) as a QR code in byte mode, smallest version, best mask."""
    if level not in LEVELS:
        raise ValueError(f"QR level must be one of {LEVELS}, not {level!r}")
    payload = data.encode() if isinstance(data, str) else bytes(data)
    try:
        return segno.make(payload, error=level, mode="byte", micro=False, boost_error=False)
    except segno.DataOverflowError:
        raise DataTooLong(f"Too much for a QR code: {len(payload)} bytes, at most "
                          f"{MOST_BYTES[level]} at level {level}") from None


def encode(data: bytes | str, level: str = "M") -> list[list[bool]]:
    """The modules of ``data`` as a QR code (True = dark), without the quiet zone."""
    return [[bool(module) for module in row] for row in make(data, level).matrix]
