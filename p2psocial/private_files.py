"""Pictures and files in private entries: encrypted blobs, their keys sealed inside.

Theory of operation.

A public picture is a blob (content-addressed bytes) that anyone may fetch by its
hash. A picture or file of a direct message, a group message or a followers-only
post is encrypted before it becomes a blob, so that the peers who store and forward
it (carriers) hold bytes that say nothing:

* each attachment gets a fresh random 32-byte key, used for that one blob only, so
  the nonce can be a constant (zero) and two identical photos sent twice make two
  unrelated blobs (a carrier cannot tell that a picture it saw before went round);
* the plaintext is padded with zero bytes to ``padded_len`` (Padmé: at most 12 %
  more, leaking about log log n bits of the size) and sealed with
  XChaCha20-Poly1305 under the key, with the associated data ``AAD``;
* the key, the type, the true size, the dimensions, the file name and the alt text
  are a ``PrivateAttachment`` inside the sealed private value (private.py), never in
  the clear. The blob's hash is there too, so the one value pins the exact bytes.

Carriers see the ciphertext hashes beside the envelope (envelope.py ``blobs``), so
they can fetch and serve them like public pictures; docs/privacy.md says what that
leaks (how many attachments, and their padded sizes).

Files: any type, up to ``FILE_MAX`` bytes each, so that the sealed blob stays under
the store's ``BLOB_CAP`` (8 MiB) and travels through the existing blob protocol
(256 KiB chunks, resumable) unchanged. Pictures are cleaned and scaled first
(images.py), like public ones.

Pure functions: keys are passed in, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import nacl.bindings as sodium
import nacl.exceptions

from . import content as c
from .errors import ContentTooLarge, DecryptionFailed, InvalidContent, MalformedEntry

KEY_LEN: Final = 32
HASH_LEN: Final = 32
TAG_LEN: Final = 16
FILE_MAX: Final = 6 * 1024 * 1024
"""Largest file (or picture, after cleaning) in a private entry: 6 MiB. Its sealed
blob (padded, plus the tag) stays within ``store.BLOB_CAP`` (8 MiB)."""
NAME_MAX: Final = 255
MIME_MAX: Final = 64
AAD: Final = b"p2psocial-attachment-v1"
_NONCE: Final = bytes(24)  # a key seals one blob only: a constant nonce is safe

_encrypt = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt
_decrypt = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt


def padded_len(n: int) -> int:
    """Padmé (Nikitin et al., PETS 2019): ``n`` rounded up so that only its top few
    bits remain; at most 12 % overhead, and sizes fall into few classes."""
    if n < 2:
        return 1
    e = n.bit_length() - 1  # floor(log2 n)
    s = e.bit_length()  # floor(log2 e) + 1
    mask = (1 << (e - s)) - 1
    return (n + mask) & ~mask


def sealed_len(n: int) -> int:
    """How big the blob of an ``n``-byte attachment is: what a carrier sees."""
    return padded_len(n) + TAG_LEN


def encrypt(data: bytes, key: bytes) -> bytes:
    """The blob that carries ``data``: padded, sealed under ``key`` (32 fresh bytes)."""
    if len(key) != KEY_LEN:
        raise ValueError(f"an attachment key is {KEY_LEN} bytes")
    padded = data + bytes(padded_len(len(data)) - len(data))
    return bytes(_encrypt(padded, AAD, _NONCE, key))


def decrypt(blob: bytes, key: bytes, size: int) -> bytes:
    """The ``size`` bytes sealed in ``blob``; ``DecryptionFailed`` with a wrong key,
    altered bytes, or a size the blob cannot hold."""
    try:
        padded = bytes(_decrypt(blob, AAD, _NONCE, key))
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        raise DecryptionFailed("this attachment does not open with its key, "
                               "or it was altered") from None
    if size > len(padded) or any(padded[size:]):
        raise DecryptionFailed("this attachment is not the size its message says")
    return padded[:size]


def check_size(size: int, what: str) -> None:
    """One line when ``size`` bytes is too large for a private attachment."""
    if size > FILE_MAX:
        raise ContentTooLarge(f"{what} is {megabytes(size)}; attachments of messages "
                              f"are at most {megabytes(FILE_MAX)}")


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


@dataclass(frozen=True, slots=True)
class PrivateAttachment:
    """A picture or file inside a sealed value; ``blob`` is the hash of its sealed
    bytes, ``key`` opens them, ``size`` is the true length. A picture has a width
    and height (and maybe alt text); a file has a name (and 0 x 0)."""

    blob: bytes
    key: bytes = field(repr=False)
    mime: str
    size: int
    width: int = 0
    height: int = 0
    name: str = ""
    alt: str = ""

    @property
    def is_image(self) -> bool:
        return self.mime in c.MIME_TYPES and self.width > 0 and self.height > 0

    def to_wire(self) -> tuple:
        return (self.blob, self.key, self.mime, self.size, self.width, self.height,
                self.name, self.alt)

    @classmethod
    def from_wire(cls, w: object) -> PrivateAttachment:
        if type(w) is not tuple or len(w) != 8:
            raise MalformedEntry("a private attachment is an array of 8")
        blob, key, mime, size, width, height, name, alt = w
        for value, n, what in ((blob, HASH_LEN, "blob hash"), (key, KEY_LEN, "key")):
            if type(value) is not bytes or len(value) != n:
                raise MalformedEntry(f"an attachment {what} is {n} bytes")
        for value, cap, what in ((mime, MIME_MAX, "type"), (name, NAME_MAX * 4, "name"),
                                 (alt, c.ALT_MAX * 4, "description")):
            if type(value) is not str or len(value) > cap:
                raise MalformedEntry(f"an attachment {what} is short text")
        for value in (size, width, height):
            if type(value) is not int or not 0 <= value <= FILE_MAX:
                raise MalformedEntry("attachment sizes are small non-negative ints")
        return cls(blob, key, mime, size, width, height, name, alt)

    def validate(self) -> None:
        check_size(self.size, self.name or "this attachment")
        if len(self.name) > NAME_MAX or any(ch in self.name for ch in "/\\\0\n\r"):
            raise InvalidContent("a file name is one line without slashes, "
                                 f"at most {NAME_MAX} characters")
        if not self.mime or len(self.mime) > MIME_MAX:
            raise InvalidContent("an attachment needs a type")
        if len(self.alt) > c.ALT_MAX:
            raise ContentTooLarge(f"an image description is at most {c.ALT_MAX:,} "
                                  "characters")


def attachments_from_wire(w: object) -> tuple[PrivateAttachment, ...]:
    if type(w) is not tuple or not 1 <= len(w) <= c.ATTACHMENTS_MAX:
        raise MalformedEntry(f"attachments are an array of 1 to {c.ATTACHMENTS_MAX}")
    return tuple(PrivateAttachment.from_wire(a) for a in w)


def check_attachments(attachments: tuple[PrivateAttachment, ...]) -> None:
    if len(attachments) > c.ATTACHMENTS_MAX:
        raise ContentTooLarge(f"a message has at most {c.ATTACHMENTS_MAX} attachments")
    for a in attachments:
        a.validate()


def safe_name(name: str) -> str:
    """A file name as a person gave it, made one line without folders (what is sent)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch not in "\0\n\r").strip()
    return base[:NAME_MAX] or "file"
