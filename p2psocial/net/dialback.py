"""Dial-back: a friend opens a new connection to an address of ours, to prove we can
be reached there (``/p2psocial/dialback/1.0.0``).

    results = await ask(host, friend_peer_id, ["/ip4/198.51.100.7/tcp/4001"], pending)
    # {"/ip4/198.51.100.7/tcp/4001": False}: the friend could not reach us there

Why not py-libp2p's AutoNAT (``libp2p/host/autonat/autonat.py``, docs/libp2p-notes.md
"AutoNAT"): its server answers any peer (no hook to keep it to friends short of
wrapping its handler), and it "dials back" with ``host.connect``, which returns at once
when a connection to the peer exists, which it always does, since the request came
over one: every answer is OK, whatever the NAT. Our hosts keep one connection per
peer (``max_connections_per_peer=1``), so a friend's host cannot open a second one to
us either. So the friend dials from a **throwaway host** (a fresh key, no listener):
a new TCP connection from a new port, through our router like a stranger's would be.
Noise proves to the friend that it reached us; and so that we need not take the
friend's word for it, each address carries a nonce of ours, which the throwaway host
sends back on that connection: an address counts as reached only when its nonce came
in (``Pending``).

Messages (canonical msgpack arrays, named, one per frame; framing.py):

    requester -> friend     ("ask", ((addr, nonce16), ...))      at most 4 addresses
    friend    -> requester  ("answer", ((addr, status), ...))    status: reached, failed,
                                                                  skipped (not our IP)
                            ("refused", reason)
    throwaway -> requester  ("proof", nonce16)   on the new connection, any peer id
    requester -> throwaway  ("ok",)              the nonce was ours

Rules of the friend (``serve_ask``): the asker must be a friend (``is_friend``: a
device of an account we replicate) on a direct connection (over a relay its IP is not
known); only addresses on the IP its connection comes from are dialed (as AutoNAT
does: a friend cannot aim us at a third party); at most ``ASKS_PER_HOUR`` asks per
friend (``Quota``), ``AT_ONCE`` dial-backs at a time for everyone, ``DIAL_TIMEOUT``
per address. A stranger is refused without standing lost: asking is not an attack.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import trio
from libp2p.abc import INetStream
from libp2p.peer.id import ID

from .. import codec
from ..errors import P2PSocialError
from .framing import FrameError, named_message, read_frame, write_frame
from .host import Host, Multiaddr, NetError, open_host, remote_peer_id
from .ip_parse import parse_ip
from .streams import BROKEN, reset_quietly

log = logging.getLogger(__name__)

PROTOCOL_ID = "/p2psocial/dialback/1.0.0"
NONCE_LEN = 16
MAX_ADDRS = 4
"""Addresses in one ask."""
ADDR_MAX_LEN = 160
MAX_FRAME = 2048
CAPS = codec.Caps(max_bytes=MAX_FRAME, max_bin=NONCE_LEN, max_str=ADDR_MAX_LEN,
                  max_array=MAX_ADDRS + 1, max_depth=3)
ASKS_PER_HOUR = 6
"""Asks a friend may make of us in any hour."""
AT_ONCE = 2
"""Asks we carry out at a time, for everyone."""
DIAL_TIMEOUT = 5.0
"""Seconds to reach one address and hand over its nonce."""
ASK_TIMEOUT = MAX_ADDRS * DIAL_TIMEOUT + 5.0
"""Seconds the asker waits for the answer."""
READ_TIMEOUT = 5.0
"""Seconds the first frame of a stream may take."""
MAX_PENDING = 16
"""Nonces of ours waiting for their proof."""

REACHED, FAILED, SKIPPED = "reached", "failed", "skipped"


class DialbackError(P2PSocialError):
    """A malformed dial-back message, or a refusal."""


class DialbackRefused(DialbackError):
    pass


_HANDLED: tuple[type[BaseException], ...] = (DialbackError, FrameError, trio.TooSlowError,
                                             *BROKEN)
"""A peer's mistake or a broken stream: the stream is reset, nothing else happens."""
_DIAL_FAILED: tuple[type[BaseException], ...] = (NetError, *_HANDLED)


# --- pure parts --------------------------------------------------------------------


@dataclass
class Quota:
    """At most ``per_hour`` asks per friend in any ``window`` seconds (a sliding
    window; times in seconds)."""

    per_hour: int = ASKS_PER_HOUR
    window: float = 3600.0
    _asks: dict[bytes, list[float]] = field(default_factory=dict)

    def take(self, friend: bytes, now: float) -> bool:
        recent = [t for t in self._asks.get(friend, ()) if now - t < self.window]
        if len(recent) >= self.per_hour:
            self._asks[friend] = recent
            return False
        self._asks[friend] = [*recent, now]
        for other in [f for f, ts in self._asks.items()
                      if f != friend and all(now - t >= self.window for t in ts)]:
            del self._asks[other]  # friends who asked long ago are forgotten
        return True


@dataclass
class Pending:
    """Our nonces waiting for their proof: address by nonce, and what came back."""

    limit: int = MAX_PENDING
    _waiting: dict[bytes, str] = field(default_factory=dict)
    _proven: set[bytes] = field(default_factory=set)

    def issue(self, addrs: Sequence[str]) -> list[tuple[str, bytes]]:
        """A fresh nonce for each address; the oldest ones are dropped past ``limit``."""
        out = []
        for addr in addrs:
            nonce = secrets.token_bytes(NONCE_LEN)
            self._waiting[nonce] = addr
            out.append((addr, nonce))
        while len(self._waiting) > self.limit:
            del self._waiting[next(iter(self._waiting))]
        return out

    def prove(self, nonce: bytes) -> bool:
        """A nonce came back on a new connection: True if it is one we wait for."""
        if nonce not in self._waiting:
            return False
        self._proven.add(nonce)
        return True

    def settle(self, issued: Sequence[tuple[str, bytes]]) -> dict[str, bool]:
        """Whether each address of an ask was reached; forgets those nonces."""
        out = {}
        for addr, nonce in issued:
            out[addr] = nonce in self._proven
            self._proven.discard(nonce)
            self._waiting.pop(nonce, None)
        return out


def on_ip(addr: str, ip: str) -> bool:
    """Whether ``addr`` (``/ip4/<ip>/tcp/<port>`` or ip6) is on ``ip`` (any spelling:
    an IPv4-mapped IPv6 remote address is its IPv4 address)."""
    parts = addr.split("/")
    if not (len(parts) == 5 and parts[1] in ("ip4", "ip6") and parts[3] == "tcp"
            and parts[4].isdigit()):
        return False
    return parse_ip(parts[2]) == parse_ip(ip) is not None


def parse_ask(wire: tuple) -> list[tuple[str, bytes]]:
    if wire[0] != "ask" or len(wire) != 2 or type(wire[1]) is not tuple:
        raise DialbackError("expected an ask")
    out = []
    for item in wire[1]:
        if not (type(item) is tuple and len(item) == 2 and type(item[0]) is str
                and type(item[1]) is bytes and len(item[1]) == NONCE_LEN):
            raise DialbackError("an ask holds (address, nonce) pairs")
        out.append((item[0], item[1]))
    if not out or len(out) > MAX_ADDRS:
        raise DialbackError(f"an ask holds 1 to {MAX_ADDRS} addresses")
    return out


def parse_answer(wire: tuple, asked: Sequence[str]) -> dict[str, str]:
    if wire[0] == "refused" and len(wire) == 2 and type(wire[1]) is str:
        raise DialbackRefused(wire[1])
    if wire[0] != "answer" or len(wire) != 2 or type(wire[1]) is not tuple:
        raise DialbackError("expected an answer")
    out = {}
    for item in wire[1]:
        if not (type(item) is tuple and len(item) == 2 and item[0] in asked
                and item[1] in (REACHED, FAILED, SKIPPED)):
            raise DialbackError("an answer holds (address, status) pairs for what we asked")
        out[item[0]] = item[1]
    return out


# --- I/O: the asker ------------------------------------------------------------------


async def ask(host: Host, friend: ID, addrs: Sequence[str], pending: Pending
              ) -> dict[str, bool]:
    """Ask ``friend`` (connected) to dial us back at ``addrs``; whether each was reached
    (its nonce came back on a new connection). Raises ``DialbackRefused``,
    ``DialbackError`` or ``NetError``."""
    issued = pending.issue(list(addrs)[:MAX_ADDRS])
    try:
        stream = await host.open_stream(friend, [], PROTOCOL_ID)
        try:
            with trio.fail_after(ASK_TIMEOUT):
                await write_frame(stream, codec.encode(("ask", tuple(issued))))
                frame = await read_frame(stream, MAX_FRAME)
            if frame is None:
                raise DialbackError("the friend hung up without an answer")
            said = parse_answer(named_message(frame, CAPS, DialbackError, "dial-back"),
                                [a for a, _ in issued])
            await stream.close()
        except BaseException:
            await _reset(stream)
            raise
    except trio.TooSlowError:
        raise DialbackError("no answer in time") from None
    except FrameError as exc:
        raise DialbackError(str(exc)) from None
    except BROKEN as exc:  # the stream broke (FrameError is an EOFError: caught above)
        raise DialbackError(f"the stream broke: {exc!r}") from None
    finally:
        results = pending.settle(issued)
    for addr, reached in results.items():
        if said.get(addr) == REACHED and not reached:
            log.info("dial-back: %s says it reached %s, but its nonce never came", friend,
                     addr)
    return results


async def serve_proof(stream: INetStream, pending: Pending) -> bool:
    """A throwaway host's proof on a new connection: True if the nonce was ours."""
    with trio.move_on_after(READ_TIMEOUT):
        frame = await read_frame(stream, MAX_FRAME)
        if frame is None:
            return False
        wire = named_message(frame, CAPS, DialbackError, "dial-back")
        return await _answer_proof(stream, wire, pending)
    return False


async def _answer_proof(stream: INetStream, wire: tuple, pending: Pending) -> bool:
    if not (wire[0] == "proof" and len(wire) == 2 and type(wire[1]) is bytes):
        raise DialbackError("expected a proof")
    if not pending.prove(wire[1]):
        return False
    await write_frame(stream, codec.encode(("ok",)))
    return True


# --- I/O: the friend ------------------------------------------------------------------

IsFriend = Callable[[bytes], Awaitable[bool]]
RemoteOf = Callable[[ID], tuple[str | None, bool]]
"""The IP a peer's connection comes from, and whether it is relayed."""


@dataclass
class Server:
    """Both ends of the protocol on one handler: a friend's ask, or a proof that
    comes back to us. ``device_of(peer)``: the asker's device id (ValueError if not one
    of ours); ``is_friend``; ``remote_of``; ``on_reached(addr)``: told of each proof."""

    pending: Pending
    device_of: Callable[[ID], bytes]
    is_friend: IsFriend
    remote_of: RemoteOf
    clock: Callable[[], float] = trio.current_time
    quota: Quota = field(default_factory=Quota)
    limiter: trio.CapacityLimiter = field(default_factory=lambda: trio.CapacityLimiter(AT_ONCE))
    dial: Callable[[ID, str, bytes], Awaitable[bool]] | None = None
    refused: dict[str, int] = field(default_factory=dict)

    async def handle(self, stream: INetStream) -> None:
        try:
            with trio.fail_after(READ_TIMEOUT):
                frame = await read_frame(stream, MAX_FRAME)
            if frame is None:
                return
            wire = named_message(frame, CAPS, DialbackError, "dial-back")
            if wire[0] == "proof":
                await _answer_proof(stream, wire, self.pending)
                return
            await self._serve_ask(stream, parse_ask(wire))
        except _HANDLED as exc:
            log.debug("dial-back stream from %s: %r", remote_peer_id(stream), exc)
            await _reset(stream)

    async def _serve_ask(self, stream: INetStream, asked: list[tuple[str, bytes]]) -> None:
        peer = remote_peer_id(stream)
        ip, relayed = self.remote_of(peer)
        try:
            device = self.device_of(peer)
        except ValueError:
            device = b""
        reason = None
        if not device or not await self.is_friend(device):
            reason = "dial-backs are for friends only"
        elif relayed or ip is None:
            reason = "not over a relayed connection: your address cannot be checked"
        elif not self.quota.take(device, self.clock()):
            reason = f"at most {self.quota.per_hour} dial-backs an hour"
        elif self.limiter.available_tokens == 0:
            reason = "busy: ask again later"
        if reason is not None:
            self.refused[reason] = self.refused.get(reason, 0) + 1
            await write_frame(stream, codec.encode(("refused", reason)))
            return
        assert ip is not None
        statuses = []
        async with self.limiter:
            for addr, nonce in asked:
                if not on_ip(addr, ip):
                    statuses.append((addr, SKIPPED))
                    continue
                dial = self.dial or dial_back
                ok = await dial(peer, addr, nonce)
                statuses.append((addr, REACHED if ok else FAILED))
        await write_frame(stream, codec.encode(("answer", tuple(statuses))))


async def dial_back(peer: ID, addr: str, nonce: bytes) -> bool:
    """From a throwaway host (fresh key, no listener): connect to ``peer`` at ``addr``
    (Noise proves it is that peer), hand over ``nonce`` and wait for its "ok"."""
    with trio.move_on_after(DIAL_TIMEOUT):
        try:
            async with open_host(os.urandom(32), port=None) as throwaway:
                stream = await throwaway.open_stream(peer, [Multiaddr(addr)], PROTOCOL_ID)
                await write_frame(stream, codec.encode(("proof", nonce)))
                frame = await read_frame(stream, MAX_FRAME)
                await _reset(stream)
                return frame is not None and named_message(
                    frame, CAPS, DialbackError, "dial-back") == ("ok",)
        except _DIAL_FAILED as exc:
            log.debug("dial-back to %s at %s: %r", peer, addr, exc)
            return False
    log.debug("dial-back to %s at %s: no answer within %s s", peer, addr, DIAL_TIMEOUT)
    return False


async def _reset(stream: INetStream) -> None:
    await reset_quietly(stream)
