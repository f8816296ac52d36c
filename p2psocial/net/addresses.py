"""Addresses: which of ours we tell others, and which of a peer's a dial used (pure).

``dialed_addr`` answers "at which of the addresses we tried did the dial land?" from
the connection's remote endpoint, so the address book can mark that address as one
that worked (store/peer_addrs.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..store.peer_addrs import KEPT_MAX, Book, Trust

CIRCUIT = "/p2p-circuit"


def dialed_addr(remote: tuple[str, int] | None, tried: Sequence[str]) -> str | None:
    """The address of ``tried`` whose IP and TCP port are ``remote`` (the endpoint of
    the connection a dial opened), or None. A circuit address matches through its
    relay's endpoint. None as well for a connection that already existed (an inbound
    one's remote port is the peer's outgoing port, which matches nothing)."""
    if remote is None:
        return None
    for addr in tried:
        direct = addr.split("/p2p/", 1)[0] if addr.endswith(CIRCUIT) else addr
        if endpoint(direct) == (remote[0], remote[1]):
            return addr
    return None


def endpoint(addr: str) -> tuple[str, int] | None:
    """(IP, TCP port) of a direct ``/ip4|ip6/IP/tcp/PORT`` address, else None."""
    parts = addr.split("/")
    if len(parts) != 5 or parts[0] or parts[1] not in ("ip4", "ip6") or parts[3] != "tcp":
        return None
    try:
        return parts[2], int(parts[4])
    except ValueError:
        return None


def worth_confirming(book: Book, remote_ip: str, limit: int = KEPT_MAX) -> list[str]:
    """Heard addresses of a peer whose session came in from ``remote_ip``, to probe
    (``probe.who_is_at``): those at that IP, newest first, at most ``limit``; none
    when an address of it worked already."""
    if any(t == Trust.WORKED for _, t in book):
        return []
    return [a for a, t in book
            if t == Trust.HEARD and (endpoint(a) or ("", 0))[0] == remote_ip][:limit]
