"""Linking a device over ``/p2psocial/link/1.0.0``: the link code's exchange on a host.

    server = serve(host, granter)                  # the device that is set up
    code = server.open_offer(account, addrs)       # show link_code.encode(code)
    granted = await join(new_host, code, "laptop")  # the new device, its own host

linking.py holds the protocol (proof, messages, the offer's rules) and says why it is
built this way; this module carries it: one stream, one frame each way (framing.py),
``Hello`` from the joiner, ``Granted`` or ``Refused`` from the issuer.

The issuer's side (``LinkServer``) holds at most one offer, and one exchange runs at
a time: a second joiner while one is linking is refused ("busy"), not queued. The
joiner's hello must come within ``HELLO_TIMEOUT``; a frame that is not a hello, or
over ``linking.HELLO_MAX``, resets the stream and grants nothing. An admitted proof
uses the offer; then the node's ``Granter.grant`` makes the device (writes its
DEVICE_LINK entry, signs its certificate, seals the keys) within ``GRANT_TIMEOUT``.
A ``UserError`` from it is sent to the joiner as the refusal; the offer stays used.

The joiner's side (``join``) dials the code's addresses (its device id is the peer
id: Noise proves the joiner reached that device), sends its hello and reads the
answer, all within ``JOIN_TIMEOUT``. Every failure is a ``LinkFailed`` with one line
for the person: refused (the issuer's reason), no answer in time, unreachable, or an
answer that cannot be read. The node checks what it is granted before keeping it.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Protocol

import trio
from libp2p.abc import INetStream

from .. import link_code, linking
from ..errors import UserError
from ..link_code import LinkCode
from ..linking import Granted, Hello, LinkOffer, Refused
from .framing import FrameError, read_frame, write_frame
from .host import (
    DialFailed,
    Host,
    StreamOpenFailed,
    device_id_from_peer_id,
    peer_id_from_device_id,
    remote_peer_id,
)
from .plumbing import multiaddrs, short
from .streams import BROKEN, close_quietly, reset_quietly

log = logging.getLogger(__name__)

PROTOCOL_ID = "/p2psocial/link/1.0.0"
HELLO_TIMEOUT = 10.0
"""Seconds the joiner's hello may take to arrive, once its stream is open."""
GRANT_TIMEOUT = 30.0
"""Seconds the node may take to grant (an entry written, a certificate signed)."""
JOIN_TIMEOUT = 60.0
"""Seconds a whole join may take on the joiner's side: dial, hello, answer."""
MAX_HELLOS = 16
"""Link streams waiting for their hello at once; one more cuts off the one that has
waited longest (an honest joiner sends its hello at once: it is never that one)."""
BUSY = "another device is linking to this one right now: try again in a minute"

_HANDLED: tuple[type[BaseException], ...] = (linking.BadLinkMessage, FrameError,
                                             trio.TooSlowError, *BROKEN)
"""A joiner's mistake or a broken stream: the stream is reset, nothing is granted."""
_HUNG_UP: tuple[type[BaseException], ...] = (FrameError, *BROKEN)


class LinkFailed(UserError):
    """The new device could not be linked; the message is one line saying why."""


class Granter(Protocol):
    """What the node gives the issuer's side: make ``joiner_device`` a device of the
    account, shown as ``name``, and say what the joiner needs (linking.Granted).
    Called once per admitted proof. A ``UserError`` becomes the joiner's refusal."""

    async def grant(self, joiner_device: bytes, name: str) -> Granted: ...


def wall_clock_ms() -> int:
    return int(time.time() * 1000)


class LinkServer:
    """The issuer's side: the open offer, and the handler of link streams."""

    def __init__(self, device: bytes, granter: Granter,
                 clock: Callable[[], int] = wall_clock_ms) -> None:
        self.device = device
        self.granter = granter
        self.clock = clock
        self.offer: LinkOffer | None = None
        self._busy = trio.Lock()  # held while one proof is checked and granted
        self._waiting: deque[trio.CancelScope] = deque()  # streams awaiting a hello

    def open_offer(self, account: bytes, addrs: Sequence[str],
                   ttl_ms: int = linking.OFFER_TTL_MS) -> LinkCode:
        """A new offer, open ``ttl_ms`` from now, in place of any other; its code holds
        ``addrs`` (ours, best first: ``link_code.make`` keeps those that fit)."""
        secret = secrets.token_bytes(link_code.SECRET_LEN)
        code = link_code.make(self.device, account, list(addrs), secret, self.clock() + ttl_ms)
        self.offer = LinkOffer(secret, code.expires_ms)
        return code

    def close_offer(self) -> None:
        """No code links from now on (the person closed the dialog)."""
        self.offer = None

    async def handle(self, stream: INetStream) -> None:
        try:
            joiner = device_id_from_peer_id(remote_peer_id(stream))
        except ValueError:
            await reset_quietly(stream)
            return
        try:
            hello = await self._hello(stream)
            if hello is None:
                return
            if self._busy.locked():
                await _send(stream, Refused(BUSY))
                return
            async with self._busy:
                await self._exchange(stream, joiner, hello)
        except _HANDLED as exc:
            log.info("link from %s: %r", short(joiner), exc)
            await reset_quietly(stream)

    async def _hello(self, stream: INetStream) -> Hello | None:
        """The joiner's hello, read before the lock: a joiner that says nothing holds
        up no other (``MAX_HELLOS`` wait at once, ``HELLO_TIMEOUT`` each)."""
        if len(self._waiting) >= MAX_HELLOS:
            self._waiting.popleft().cancel()  # the longest silent makes room
        scope = trio.CancelScope(deadline=trio.current_time() + HELLO_TIMEOUT)
        self._waiting.append(scope)
        try:
            with scope:
                frame = await read_frame(stream, linking.HELLO_MAX)
        finally:
            if scope in self._waiting:
                self._waiting.remove(scope)
        if scope.cancelled_caught:
            raise trio.TooSlowError  # reset, as for any joiner's mistake
        return None if frame is None else linking.read_hello(frame)

    async def _exchange(self, stream: INetStream, joiner: bytes, hello: Hello) -> None:
        offer = self.offer
        refusal = (Refused(linking.NO_OFFER) if offer is None
                   else offer.admit(hello, self.device, joiner, self.clock()))
        if refusal is not None:
            log.info("link from %s refused: %s", short(joiner), refusal.reason)
            await _send(stream, refusal)
            return
        try:
            with trio.fail_after(GRANT_TIMEOUT):
                answer: Granted | Refused = await self.granter.grant(joiner, hello.name)
        except UserError as exc:
            answer = Refused(str(exc))
        except trio.TooSlowError:
            answer = Refused("this device took too long to link the new one: make a new "
                             "code and try again")
        log.info("link from %s as %r: %s", short(joiner), hello.name,
                 "granted" if isinstance(answer, Granted) else answer.reason)
        await _send(stream, answer)


def serve(host: Host, granter: Granter, clock: Callable[[], int] = wall_clock_ms
          ) -> LinkServer:
    """A ``LinkServer`` for ``host``'s device, handling ``PROTOCOL_ID`` on it."""
    server = LinkServer(host.device_id, granter, clock)
    host.set_handler(PROTOCOL_ID, server.handle)
    return server


async def _send(stream: INetStream, answer: Granted | Refused) -> None:
    await write_frame(stream, answer.encode())


async def join(host: Host, code: LinkCode, name: str) -> Granted:
    """Link ``host``'s device (the new one) with the code's issuer, under ``name``:
    what it granted, or ``LinkFailed`` with one line."""
    try:
        linking.check_name(name)
    except ValueError as exc:
        raise LinkFailed(str(exc)) from None
    if code.device == host.device_id:
        raise LinkFailed("that link code is this device's own: use it on the new device")
    hello = Hello(linking.prove(code.secret, code.device, host.device_id), name)
    try:
        with trio.fail_after(JOIN_TIMEOUT):
            frame = await _ask(host, code, hello)
    except trio.TooSlowError:
        raise LinkFailed(f"the other device did not answer within {JOIN_TIMEOUT:g} s: is "
                         "p2psocial open there, with the link code showing?") from None
    except DialFailed:
        raise LinkFailed("cannot reach the other device at the addresses in the link "
                         "code: are both devices online, on the same network or "
                         "reachable?") from None
    except StreamOpenFailed:
        raise LinkFailed("the other device does not link devices: update p2psocial "
                         "there") from None
    except _HUNG_UP:
        raise LinkFailed("the other device hung up before it answered") from None
    if frame is None:
        raise LinkFailed("the other device hung up before it answered")
    try:
        answer = linking.read_answer(frame)
    except linking.BadLinkMessage as exc:
        log.info("link answer from %s: %s", short(code.device), exc)
        raise LinkFailed("the other device's answer cannot be read: update p2psocial "
                         "on both devices") from None
    if isinstance(answer, Refused):
        raise LinkFailed(f"the other device refused: {answer.reason}")
    return answer


async def _ask(host: Host, code: LinkCode, hello: Hello) -> bytes | None:
    stream = await host.open_stream(peer_id_from_device_id(code.device),
                                     multiaddrs(code.addrs), PROTOCOL_ID)
    try:
        await write_frame(stream, hello.encode())
        frame = await read_frame(stream, linking.GRANTED_MAX)
    except BaseException:
        await reset_quietly(stream)
        raise
    await close_quietly(stream)
    return frame
