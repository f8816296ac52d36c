"""Which blobs an entry references: what a node that carries the entry fetches too.

Images travel like posts (docs/network.md "Blobs"): a node that replicates an account
fetches the blobs its entries point at, and serves them on, so a reader gets the
picture from a friend while its author is offline. ``blobs_of`` is the one place that
says which blob hashes a content value references; the store records them at ingest
(store/blob_wants.py) and the network fetches them (net/blob_fetcher.py). A kind that
comes to reference blobs (pictures in private entries, say, whose ciphertext blobs a
carrier must hold without reading them) is taught here and nowhere else.

Pure: values in, values out.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import content as c
from . import private

__all__ = ["BlobRef", "blobs_of"]


@dataclass(frozen=True, slots=True)
class BlobRef:
    """A blob an entry points at. ``size``: its length in bytes as the entry claims it
    (an attachment says), or None when the entry does not say (an avatar). A claim is
    the author's word, checked by nobody until the bytes come (the hash is)."""

    hash: bytes
    size: int | None = None


def blobs_of(value: object) -> tuple[BlobRef, ...]:
    """The blobs ``value`` (a decoded content value, ``content.decode_body``'s result)
    references, in the order it lists them, each once."""
    refs: tuple[BlobRef, ...] = ()
    if isinstance(value, c.Post):
        refs = tuple(BlobRef(a.blob, a.size) for a in value.attachments)
    elif isinstance(value, c.Profile) and value.avatar is not None:
        refs = (BlobRef(value.avatar),)
    elif isinstance(value, c.Sealed):  # a private entry's pictures and files: the hashes
        # of their sealed blobs, listed beside the envelope (issue 14, private_files.py)
        refs = tuple(BlobRef(h) for h in private.blobs_of(value.kind, value.data))
    if len(refs) > 1:  # the same picture twice in one post is one blob
        seen: dict[bytes, BlobRef] = {}
        for ref in refs:
            seen.setdefault(ref.hash, ref)
        refs = tuple(seen.values())
    return refs
