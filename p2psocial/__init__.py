"""p2psocial: a social network with no server and no owner.

Layers (imports point down only): ui -> cli -> node -> net / store -> core.
The core modules in this package (codec, ids, identity, entry, content, envelope,
phrase, keyfile) are sans-IO: bytes in, typed values or typed errors out.
"""

__version__ = "0.1.0"
