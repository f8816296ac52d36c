"""Who listens at an address: one Noise handshake, then hang up.

    device = await who_is_at("/ip4/192.168.1.7/tcp/4001")   # or ProbeFailed

A libp2p dial needs the peer id it expects, and fails on any other; this asks instead.
It opens a TCP connection, negotiates Noise (multistream-select), runs the XX
handshake as initiator without an expected peer, which proves the responder's static
key, negotiates yamux so the responder sees an ordinary connection (a half-upgraded
one makes py-libp2p log an error there), and closes it. About 10-25 ms on loopback.

The probe speaks with a throwaway key of its own, never the device's: the responder
learns nothing about who asked, and its libp2p swarm does not see a second
connection from a peer it may already be connected to (py-libp2p keeps one per peer,
and a second one from the same peer confused its bookkeeping: the first one's socket
was left open when the host closed).

Two uses in the network service:

* **Confirming an address.** A peer whose session came in (we never dialed it) has
  only addresses we heard (mDNS) in the book; probing one that shares the session's
  IP proves the device is there, so the address is marked as one that worked
  (store/peer_addrs.py) and an announcement can no longer push it out.
* **Meeting a stranger on the LAN.** Announcements carry no device id any more
  (lan_identity.py); a device whose announcement we cannot place is a stranger, and
  when we need its id (to ask what communities it offers) we probe its address: that
  is what any active stranger on a LAN can learn, and docs/privacy.md says so.

The responder pays one handshake, as for any connection; the service bounds how many
probes run at once (``MAX_PROBES``) and how long each may take (``PROBE_TIMEOUT``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncGenerator, Sequence

import trio
from libp2p.crypto.x25519 import create_new_key_pair as x25519_key_pair
from libp2p.custom_types import TProtocol
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE_PROTOCOL_ID
from libp2p.security.noise.transport import Transport as NoiseTransport
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX_PROTOCOL_ID
from libp2p.stream_muxer.yamux.yamux import Yamux
from libp2p.transport.tcp.tcp import TCP
from libp2p.transport.upgrader import TransportUpgrader
from multiaddr import Multiaddr

from ..errors import P2PSocialError
from .host import device_id_from_peer_id, keypair_from_seed

log = logging.getLogger(__name__)

PROBE_TIMEOUT = 5.0
"""Seconds one probe may take, connecting included."""
MAX_PROBES = 4
"""Probes running at once per service."""


class ProbeFailed(P2PSocialError):
    """Nobody answered at that address, or not with a p2psocial device key."""


async def who_is_at(addr: str) -> bytes:
    """The device id of the node listening at ``addr`` (a direct TCP multiaddr)."""
    throwaway = keypair_from_seed(os.urandom(32))
    upgrader = TransportUpgrader(
        {NOISE_PROTOCOL_ID: NoiseTransport(throwaway,
                                           noise_privkey=x25519_key_pair().private_key)},
        {TProtocol(YAMUX_PROTOCOL_ID): Yamux})
    with trio.move_on_after(PROBE_TIMEOUT) as scope:
        try:
            raw = await TCP().dial(Multiaddr(addr))
        except Exception as exc:  # refused, unreachable, not a TCP multiaddr
            raise ProbeFailed(f"cannot connect to {addr}: {exc}") from None
        try:
            # None: no expected peer; Noise still proves whatever key answers
            secure = await upgrader.security_multistream.secure_outbound(
                raw, None)  # type: ignore[arg-type]
            peer = secure.get_remote_peer()
            muxed = await upgrader.upgrade_connection(secure, peer)
            await muxed.close()
            return device_id_from_peer_id(peer)
        except ValueError as exc:  # a key that is not Ed25519: not one of ours
            raise ProbeFailed(f"{addr} is not a p2psocial device: {exc}") from None
        except Exception as exc:  # the handshake failed or was cut
            raise ProbeFailed(f"no handshake at {addr}: {exc}") from None
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(1.0):
                await raw.close()
    assert scope.cancelled_caught
    raise ProbeFailed(f"no answer at {addr} within {PROBE_TIMEOUT:g} s")


async def answers(addrs: Sequence[str], limiter: trio.CapacityLimiter,
                  ) -> AsyncGenerator[tuple[str, bytes], None]:
    """``(addr, device)`` for each of ``addrs``, in order, where a device answers,
    probing one at a time under ``limiter`` (the caller stops when it has what it
    wants); addresses where nobody answers are skipped."""
    for addr in addrs:
        async with limiter:
            try:
                device = await who_is_at(addr)
            except ProbeFailed as exc:
                log.debug("probe: %s", exc)
                continue
        yield addr, device
