"""Where a host listens: the addresses checked, a fixed port probed, more families.

Why apart from host.py: this is plain socket work around ``open_host`` (which calls
it), readable and testable without the host. libp2p only returns False when it
cannot listen, and its listener sets SO_REUSEPORT, so a port another host holds
would be shared silently; here both become ``ListenFailed`` in one readable line.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import logging
import socket
import sys
from collections.abc import Sequence

from libp2p.host.basic_host import BasicHost
from libp2p.network.swarm import Swarm
from multiaddr import Multiaddr

from . import addresses
from .net_errors import ListenFailed

log = logging.getLogger(__name__)


def listen_ips(ip: str | Sequence[str]) -> tuple[str, ...]:
    """The addresses ``open_host`` listens on, checked: IPv4 or IPv6 literals,
    duplicates dropped. ``ListenFailed`` (one readable line) for anything else."""
    given = [ip] if isinstance(ip, str) else list(ip)
    out = []
    for text in given:
        try:
            out.append(str(ipaddress.ip_address(text.strip().strip("[]"))))
        except ValueError:
            raise ListenFailed(f"cannot listen on {text!r}: not an IPv4 or IPv6 address "
                               "(for example 0.0.0.0, ::, 192.168.1.7 or ::1)") from None
    if not out:
        raise ListenFailed("no address to listen on")
    return tuple(dict.fromkeys(out))


def free_at(ips: tuple[str, ...], port: int) -> tuple[str, ...]:
    """``ips`` where ``port`` is free; ``ListenFailed`` if it is taken at the first or
    at a specific address, a warning for a wildcard after the first (the first
    family alone is still useful: the app, whose port was saved, still starts)."""
    out = []
    for n, one in enumerate(ips):
        if not port_taken(one, port):
            out.append(one)
        elif n and ipaddress.ip_address(one).is_unspecified:
            log.warning("not listening on %s: the port is in use there",
                        addresses.multiaddr(one, port))
        else:
            raise ListenFailed(f"cannot listen on {addresses.multiaddr(one, port)}: the "
                               "port is in use (another program, or another p2psocial, "
                               "has it: choose another port)")
    return tuple(out)


async def listen_more(network: Swarm, ips: Sequence[str], port: int, *, fixed: bool) -> None:
    """Listen on ``ips`` too, at ``port``; a port chosen by the system (not
    ``fixed``) and taken for another family is replaced by any free one. A wildcard
    that fails (no IPv6 on this machine) is logged, anything else raises."""
    for one in ips:
        ok = await network.listen(Multiaddr(addresses.multiaddr(one, port)))
        if not ok and not fixed:
            ok = await network.listen(Multiaddr(addresses.multiaddr(one, 0)))
        if ok:
            continue
        if ipaddress.ip_address(one).is_unspecified:
            log.info("not listening on %s: %s is not available here",
                     addresses.multiaddr(one, port), "IPv6" if ":" in one else "IPv4")
            continue
        raise ListenFailed(f"cannot listen on {addresses.multiaddr(one, port)}")


BACKLOG = 4096  # connections the kernel completes and queues for us to accept

def deepen_backlog(network: Swarm) -> int:
    """Give every TCP listening socket a queue of ``BACKLOG`` (the system caps it at
    ``net.core.somaxconn``, 4096 on Linux since 5.4) instead of py-libp2p's 128
    (transport/tcp/tcp.py:97), and return how many sockets it touched.

    Why. While sockets that never handshake reconnect in a loop (issue 12, finding
    3), a queue of 128 stays full: Linux then drops an honest peer's SYN, or the
    last ACK of its handshake, so its connection hangs for 1 + 2 + 4 s of
    retransmissions while it believes it is connected (measured: 932 overflows and
    a new peer waiting > 10 s, against ~100 overflows when it got in at once).
    ``listen()`` again on a listening socket only changes its queue (Linux, BSD,
    macOS); Windows keeps the first value, which does no harm."""
    touched = 0
    for listener in list(network.listeners.values()):
        for one in getattr(listener, "listeners", ()):
            sock = getattr(one, "socket", None)
            if sock is None:
                continue
            with contextlib.suppress(OSError):
                sock.listen(BACKLOG)
                touched += 1
    return touched


def port_of(basic: BasicHost) -> int:
    for addr in basic.get_transport_addrs():
        endpoint = addresses.endpoint(str(addr))
        if endpoint is not None:
            return endpoint[1]
    return 0


def port_taken(ip: str, port: int) -> bool:
    """Whether a listening socket already holds ``ip:port`` (IPv4 or IPv6).

    libp2p's TCP listener sets SO_REUSEPORT (libp2p/transport/tcp/tcp.py:44-60), so
    on Linux a second host of the same user on the same port *also* listens, and
    the kernel splits incoming connections between the two. A probe bind without
    SO_REUSEPORT fails while a listener exists; SO_REUSEADDR keeps it from failing
    on TIME_WAIT leftovers of our own last run (but not on Windows, where it means
    "steal the port"). An IPv6 probe is IPv6-only, as our listeners are
    (ipv6_compat.py), so an IPv4 listener on the port does not count for ``::``.
    Best effort: there is a window between probe and listen. An address this
    machine does not have is not "taken": listening on it fails later, clearly.
    """
    v6 = ":" in ip
    probe = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_STREAM)
    try:
        if sys.platform != "win32":
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if v6:
            probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        probe.bind((ip, port))
    except OSError as exc:
        return exc.errno == errno.EADDRINUSE or (sys.platform == "win32"
                                                 and exc.errno == errno.EACCES)
    finally:
        probe.close()
    return False
