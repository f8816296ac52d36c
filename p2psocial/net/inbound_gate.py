"""Inbound connections: our admission before the Noise handshake, with a deadline.

Why. py-libp2p kept the handler of every inbound connection, and its place under a
cap of 250, until the host stopped: 250 silent sockets, or 250 connections in a
node's life, locked every new peer out (swarm.py:1947-2073). ``InboundGate`` takes
the swarm's inbound path instead: places for connections still handshaking are
counted per address, per subnet and in all (admission.py), a handshake has
``AdmissionLimits.deadline`` (4 s, not 10 s), and a connection that closed gives its
place back. ``open_host`` (host.py) installs it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import trio
from libp2p.abc import IMuxedConn
from libp2p.io.abc import ReadWriteCloser
from libp2p.network.connection.raw_connection import RawConnection
from libp2p.network.swarm import Swarm
from multiaddr import Multiaddr

from .admission import Admission, AdmissionLimits, Admitted, Pending
from .streams import close_quietly

log = logging.getLogger(__name__)

# An accepted socket that is not a new peer's: puncher.py takes it (a hole punch's
# dial that reached our listener) and returns the connection it made, or None.
Diverted = Callable[[ReadWriteCloser, Multiaddr], Awaitable[IMuxedConn | None]]
Divert = Callable[[str | None, int | None], Diverted | None]


class InboundGate:
    """The swarm's inbound path, with ``Admission`` in front and a deadline.

    Installed as the swarm's ``_handle_inbound_connection`` (its TCP listener calls
    that for every accepted socket, swarm.py:1913-1916). It replaces py-libp2p's
    handler (swarm.py:1947-2073), whose inbound cap and connection gate we do not
    use, and which kept running (holding the socket's place) until the host
    stopped; trio closes the socket when this handler returns, so it waits for the
    connection to close instead.
    """

    def __init__(self, swarm: Swarm, limits: AdmissionLimits) -> None:
        self.swarm = swarm
        self.admission = Admission(limits)
        self.deadline = limits.deadline
        self._scopes: dict[int, trio.CancelScope] = {}
        self._reported = 0
        self.divert: Divert | None = None

    async def handle(self, stream: ReadWriteCloser, listen_addr: Multiaddr) -> None:
        remote = _remote_ip(stream)
        diverted = (self.divert(remote, _remote_port(stream)) if self.divert is not None
                    else None)
        if diverted is not None:
            muxed = await diverted(stream, listen_addr)
            if muxed is not None:
                await muxed.event_closed.wait()  # type: ignore[attr-defined]
            return
        verdict = self.admission.admit(remote, trio.current_time())
        if not isinstance(verdict, Admitted):
            log.debug("refused an inbound connection from %s: %s", remote, verdict.reason)
            self._report()
            await close_quietly(stream)
            return
        if verdict.evicted is not None:
            self._hang_up(verdict.evicted)
        muxed = await self._upgrade(stream, listen_addr, verdict.pending, remote)
        if muxed is None:
            await close_quietly(stream)
            return
        await muxed.event_closed.wait()  # type: ignore[attr-defined]

    async def _upgrade(self, stream: ReadWriteCloser, listen_addr: Multiaddr,
                       pending: Pending, remote: str | None) -> IMuxedConn | None:
        scope = self._scopes[pending.number] = trio.CancelScope(
            deadline=trio.current_time() + self.deadline)
        try:
            with scope:
                return await self.swarm.upgrade_inbound_raw_conn(
                    RawConnection(stream, False), listen_addr)
        except Exception as exc:  # no Noise, a failed handshake, limits, a broken socket
            log.debug("inbound connection from %s failed: %r", remote, exc)
        finally:
            del self._scopes[pending.number]
            self.admission.done(pending)
        if scope.cancelled_caught:
            log.debug("inbound connection from %s: no handshake within %s s (or made room)",
                      remote, self.deadline)
        return None

    def _hang_up(self, pending: Pending) -> None:
        scope = self._scopes.get(pending.number)
        if scope is not None:
            scope.cancel()

    def _report(self) -> None:
        """One INFO line per 100 refusals: an attack is visible in the log without
        a line per socket."""
        total = sum(self.admission.refused.values())
        if total - self._reported >= 100:
            self._reported = total
            log.info("refused %d inbound connections so far (%s); %d made room for others",
                     total, ", ".join(f"{k}: {v}" for k, v in
                                      sorted(self.admission.refused.items())),
                     self.admission.evictions)


def _remote_ip(stream: ReadWriteCloser) -> str | None:
    """The address an accepted socket comes from. From the socket itself first:
    libp2p's ``get_remote_address`` drops IPv6 addresses (it wants a 2-tuple,
    ``getpeername`` gives a 4-tuple: docs/libp2p-notes.md), and an unknown address
    would put every IPv6 peer in one group."""
    sock = getattr(getattr(stream, "stream", None), "socket", None)
    try:
        if sock is not None:
            return str(sock.getpeername()[0])
    except (OSError, IndexError, TypeError):
        pass
    getter = getattr(stream, "get_remote_address", None)
    remote = getter() if getter is not None else None
    return remote[0] if remote else None


def _remote_port(stream: ReadWriteCloser) -> int | None:
    """The port an accepted socket comes from (for ``InboundGate.divert``)."""
    sock = getattr(getattr(stream, "stream", None), "socket", None)
    try:
        return int(sock.getpeername()[1]) if sock is not None else None
    except (OSError, IndexError, TypeError, ValueError):
        return None
