"""What py-libp2p 0.8.1's TCP transport gets wrong about IPv6, fixed in one place.

``install()`` (called once by host.py at import) replaces two functions of libp2p:

* ``TrioTCPStream.get_remote_address`` (libp2p/io/trio.py:72-143) accepts only the
  2-tuple that ``getpeername()`` gives for IPv4; for IPv6 it gets a 4-tuple
  ``(host, port, flowinfo, scope_id)``, logs "Invalid remote address format" at
  DEBUG and returns None. Everything above reads the remote address through it:
  identify's observed address (identity/identify/identify.py:200), the swarm's
  record of a connection's real address (network/swarm.py:2788-2843, hence
  ``Host.connections()``), the TCP listener's log (transport/tcp/tcp.py:226) and our
  ``remote_end`` in plumbing.py. So on an IPv6 connection identify sent an *empty*
  observed address and the connection had no IP. The replacement reads both forms
  (``endpoint_of``) and keeps the original's cache.
* ``_set_reuse_flags`` (transport/tcp/tcp.py:44-60), which sets SO_REUSEADDR and
  SO_REUSEPORT on every listening socket (and on hole-punching dial sockets), now
  also sets ``IPV6_V6ONLY`` on IPv6 ones. Without it, ``::`` (Linux default
  ``net.ipv6.bindv6only = 0``) is a dual-stack socket that shares the port with the
  ``0.0.0.0`` one under SO_REUSEPORT; Linux happens to prefer the IPv4 socket for
  IPv4 peers (measured here: 40 of 40), other systems need not, and IPv4 peers
  arriving as ``::ffff:a.b.c.d`` would fall in the wrong admission group. With it,
  each family has its own socket and ``::`` means IPv6 only, on every system.

Both are plain attribute replacements looked up at call time, so they hold for
listeners and connections made after ``install()``. If a later py-libp2p renames
either, ``install()`` logs it and leaves libp2p as it is (tests/test_net_ipv6.py
fails then, which is the point).
"""

from __future__ import annotations

import contextlib
import logging
import socket
from typing import Any

from .ip_parse import parse_ip

log = logging.getLogger(__name__)

_installed = False


def endpoint_of(peer: object) -> tuple[str, int] | None:
    """``(ip, port)`` from what ``getpeername()`` returned: a 2-tuple (IPv4) or a
    4-tuple (IPv6; the zone is dropped). An IPv4 address mapped into IPv6
    (``::ffff:192.0.2.1``, from a dual-stack socket) comes back as the IPv4 address.
    None for anything else (a Unix socket's path...). Pure."""
    if not isinstance(peer, tuple) or len(peer) not in (2, 4):
        return None
    host, port = peer[0], peer[1]
    if not isinstance(host, str) or not isinstance(port, int):
        return None
    ip = parse_ip(host)
    return None if ip is None else (str(ip), port)


def install() -> None:
    """Patch libp2p (idempotent); see the module docstring."""
    global _installed
    if _installed:
        return
    _installed = True
    try:
        from libp2p.io import trio as libp2p_trio
        from libp2p.transport.tcp import tcp as libp2p_tcp
    except ImportError as exc:  # pragma: no cover - libp2p is a dependency
        log.warning("IPv6 fixes not installed: %r", exc)
        return
    stream_class: Any = getattr(libp2p_trio, "TrioTCPStream", None)
    if stream_class is None or not hasattr(stream_class, "get_remote_address"):
        log.warning("IPv6 fix not installed: libp2p.io.trio.TrioTCPStream changed")
    else:
        stream_class.get_remote_address = _get_remote_address
    original = getattr(libp2p_tcp, "_set_reuse_flags", None)
    if original is None:
        log.warning("IPv6 fix not installed: libp2p's TCP transport has no "
                    "_set_reuse_flags any more")
    else:
        def set_flags(sock: Any) -> None:
            original(sock)
            if sock.family == socket.AF_INET6:
                with contextlib.suppress(AttributeError, OSError):
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        libp2p_tcp._set_reuse_flags = set_flags


def _get_remote_address(self: Any) -> tuple[str, int] | None:
    """Replaces ``TrioTCPStream.get_remote_address``: the same cache, both families."""
    cached = getattr(self, "_cached_remote_address", None)
    if cached is not None:
        return cached
    sock = getattr(self.stream, "socket", None)
    if sock is None:
        return None
    try:
        result = endpoint_of(sock.getpeername())
    except OSError:  # closed or not connected (teardown)
        return None
    if result is not None:
        self._cached_remote_address = result
    return result
