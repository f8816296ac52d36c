"""Reading a file a person named (an image to post, a backup), with errors that say
what went wrong in their words."""

from __future__ import annotations

from pathlib import Path

from ..errors import UserError


def read_file(path: str | Path, what: str) -> bytes:
    """Bytes of a file a person named, or a ``UserError`` that says what went wrong."""
    try:
        return Path(path).expanduser().read_bytes()
    except FileNotFoundError:
        raise UserError(f"cannot read {what} {path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"cannot read {what} {path}: it is a folder") from None
    except OSError as exc:
        raise UserError(f"cannot read {what} {path}: {exc.strerror}") from None

