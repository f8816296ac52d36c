"""The errors p2psocial.net raises on purpose about hosts and connections.

Why a module of their own: host.py raises them and so do the helpers it is made of
(listening.py); callers keep importing them from host.py, where they belong to the
host's public names.
"""

from __future__ import annotations

from ..errors import P2PSocialError, UserError


class NetError(P2PSocialError):
    """Base of the networking errors raised on purpose by p2psocial.net."""


class ListenFailed(NetError, UserError):
    """The host could not listen on the requested address (port in use...): said in
    one line, like any mistake a person can mend (another port)."""


class DialFailed(NetError):
    """No connection to the peer: unreachable, refused, wrong peer id, no Noise..."""


class StreamOpenFailed(NetError):
    """Connected, but the peer did not accept a stream for the protocol."""
