"""Small conversions the network service's parts share, between our values and libp2p's.

Why a module: the service, its dialer, its relay policy, its blob sharing and the
one-shot sync all turn address-book text into multiaddrs, ask a stream where its
other end is, hang up on a peer without caring whether it is still there, and name a
device in a log line; one copy of each, here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from libp2p.abc import INetStream
from libp2p.peer.id import ID

from .host import Host, Multiaddr, device_id_from_peer_id

log = logging.getLogger("p2psocial.net.service")  # the service's lines, as before


def multiaddrs(addrs: Sequence[str]) -> list[Multiaddr]:
    out = []
    for text in addrs:
        try:
            out.append(Multiaddr(text))
        except Exception:  # an address this libp2p cannot parse (from a newer peer)
            log.debug("skipping address %r", text)
    return out


def remote_end(stream: INetStream) -> tuple[str, int] | None:
    try:
        return stream.get_remote_address()
    except Exception:  # a transport that cannot tell
        return None


def devices_of(peers: Iterable[ID]) -> set[bytes]:
    """The device ids of ``peers`` (leaving out any that is not one of ours)."""
    out = set()
    for peer in peers:
        try:
            out.add(device_id_from_peer_id(peer))
        except ValueError:
            continue
    return out


async def disconnect(host: Host, peer_id: ID) -> None:
    try:
        await host.disconnect(peer_id)
    except Exception as exc:
        log.debug("disconnecting %s: %r", peer_id, exc)


def short(device: bytes) -> str:
    """A device id short enough for a log line."""
    from .. import ids

    text = ids.device_text(device)
    return f"{text[:10]}…{text[-4:]}"
