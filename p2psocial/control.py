"""The control endpoint of a running ``p2psocial serve``: local commands, one at a time.

Why. ``serve`` holds the home's writer lock for as long as it runs, and a community
box runs it all the time. Its owner still posts and follows from a shell: the
command finds the home locked, hands its request to the serve process, which runs
it with the node it already has open (keys unlocked, store open, network up), and
prints the answer. Nothing here knows the commands; the CLI (``cli/writes.py``)
gives the server a handler and the client a command name and its arguments.

Who may ask. The home directory is the trust boundary: whoever can read the keys can
post anyway. On POSIX the endpoint is a Unix domain socket, ``HOME/control.sock``,
mode 0600. It is bound under a temporary name, made 0600 and listening, then renamed
over the final name: a socket file left by a killed serve is replaced in one step,
and nobody ever connects to a socket with looser permissions (connecting to one that
is bound but not listening is refused). On Windows (not tested here) it is TCP on
127.0.0.1 with a random port; ``HOME/control.json`` (0600) holds the port and a random
token that every request must carry.

The protocol. One connection carries one request and one reply. A frame is a 4-byte
big-endian length and one canonical msgpack value (``codec.py``), capped and decoded
strictly::

    request  (VERSION, token: bytes, command: str, args: tuple)
    reply    (VERSION, True, result)  or  (VERSION, False, message: str)

A failure the handler raises as a ``UserError`` becomes the message, said as is by
the client; anything else is logged with its traceback at the serve and answered
with one line that points to the serve's log.

The client is blocking (a command line does one call and exits). ``NotAnswering``
means no serve is listening (no endpoint, or a stale one): the caller then says what
it says today about a home in use. Everything that goes wrong after a serve answered
is a ``ControlError``, one readable line.

One endpoint per home. The desktop app serves this endpoint too, from the moment its
window shows (before the home is unlocked), so a second copy of the app started on
the same home finds the first one here and asks it to ``show`` its window instead of
asking for a passphrase again (``ask_to_show``). Whoever serves holds ``claim``, an
exclusive lock on ``HOME/control.lock``, for as long as it serves: two processes that
start at once cannot both bind (the second would rename its socket over the first's),
and a lock file or socket left by a killed process blocks nobody, since the system
releases the lock with the process. ``show`` is answered here, not by the handler:
``(pid, True)`` by a process with a window (after ``window()`` brought it to the
front), ``(pid, False)`` by a headless serve. This endpoint rather than Qt's
QLocalServer: one socket per home on every platform, which ``serve`` (no Qt) answers
too, so the app can tell a second window from a headless serve.

Trio is imported by the server functions only: the app asks whether another copy runs
before its window is painted, and Trio's import takes a tenth of a second.
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import json
import logging
import os
import secrets
import socket
import struct
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from . import codec
from .errors import InvalidEntry, UserError
from .home import hold_lock

if TYPE_CHECKING:
    import trio

log = logging.getLogger(__name__)

VERSION = 1
SOCKET_NAME = "control.sock"
TCP_FILE = "control.json"  # Windows: {"pid", "port", "token"}
CLAIM_FILE = "control.lock"  # held by the process that serves the endpoint
SHOW = "show"  # bring the window to the front; answered (pid, has a window)
SHOW_TIMEOUT = 10.0
MAX_REQUEST = 128 * 1024 * 1024  # a post with ten large photos fits
MAX_BIN = 50 * 1024 * 1024  # one image as read from disk (images.MAX_INPUT)
MAX_REPLY = 16 * 1024 * 1024
REQUEST_CAPS = codec.Caps(max_bytes=MAX_REQUEST, max_bin=MAX_BIN, max_str=1 << 20,
                          max_array=64, max_depth=4)
REPLY_CAPS = codec.Caps(max_bytes=MAX_REPLY, max_bin=1 << 20, max_str=MAX_REPLY,
                        max_array=100_000, max_depth=4)
CONNECT_TIMEOUT = 5.0
CALL_TIMEOUT = 120.0  # a post with images, while the serve is busy syncing
READ_TIMEOUT = 30.0  # a client that connects and says nothing is dropped
_LENGTH = struct.Struct(">I")
_SUN_PATH_MAX = 100  # sockaddr_un holds 104 (macOS) to 108 (Linux) bytes

Handler = Callable[[str, tuple], Awaitable[codec.Wire]]
"""Runs one command with its arguments at the serve; returns a wire value."""


class ControlError(UserError):
    """Talking to the running serve went wrong after it answered (one line)."""


class Refused(UserError):
    """The serve ran the command and it failed: the message is the command's own."""


class NotAnswering(Exception):
    """No serve listens on this home's control endpoint (none, or a stale one)."""


class EndpointTaken(ControlError):
    """Another process serves this home's endpoint already (it holds the claim)."""


class Claim:
    """The right to serve a home's endpoint: an exclusive lock on ``HOME/control.lock``,
    held until ``release`` (or until the process ends, whatever way it ends)."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle: IO[str] | None = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def claim(home_dir: Path) -> Claim | None:
    """Claim this home's endpoint (the home directory is made if missing); None when
    another process holds it."""
    home_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle = hold_lock(home_dir / CLAIM_FILE)
    return None if handle is None else Claim(handle)


def endpoint(home_dir: Path) -> Path:
    """The file that names the endpoint: the socket itself, or the Windows TCP file."""
    return home_dir / (TCP_FILE if sys.platform == "win32" else SOCKET_NAME)


# --- frames -----------------------------------------------------------------------


def frame(value: codec.Wire) -> bytes:
    data = codec.encode(value)
    return _LENGTH.pack(len(data)) + data


def _length(head: bytes, cap: int, what: str) -> int:
    (size,) = _LENGTH.unpack(head)
    if size > cap:
        raise ControlError(f"the {what} is too large ({size:,} bytes; the limit is "
                           f"{cap:,})")
    return size


def parse_request(data: bytes, token: bytes) -> tuple[str, tuple]:
    """(command, args) of a request frame's body, or ``ControlError``."""
    try:
        value = codec.decode(data, REQUEST_CAPS)
    except InvalidEntry as exc:
        raise ControlError(f"a malformed request: {exc}") from None
    if not (type(value) is tuple and len(value) == 4 and type(value[0]) is int):
        raise ControlError("a malformed request")
    version, given, command, args = value
    if version != VERSION:
        raise ControlError(f"this serve speaks control version {VERSION}, the command "
                           f"{version}: run the same p2psocial for both")
    if type(given) is not bytes or not hmac.compare_digest(given, token):
        raise ControlError("the request does not carry this serve's token")
    if type(command) is not str or type(args) is not tuple:
        raise ControlError("a malformed request")
    return command, args


def parse_reply(data: bytes) -> codec.Wire:
    """The result of a reply frame's body; ``Refused`` or ``ControlError`` otherwise."""
    try:
        value = codec.decode(data, REPLY_CAPS)
    except InvalidEntry as exc:
        raise ControlError(f"the running serve sent a malformed reply: {exc}") from None
    if not (type(value) is tuple and len(value) == 3 and type(value[1]) is bool):
        raise ControlError("the running serve sent a malformed reply")
    version, ok, body = value
    if version != VERSION:
        raise ControlError(f"the running serve speaks control version {version}, this "
                           f"command {VERSION}: run the same p2psocial for both")
    if not ok:
        raise Refused(body if type(body) is str else "the running serve refused the command")
    return body


# --- the server (in the serve process, on Trio) -------------------------------------


class _Ignored:
    def started(self, value: Any = None) -> None:
        pass


async def serve(home_dir: Path, handler: Handler, *, claimed: Claim | None = None,
                window: Callable[[], object] | None = None,
                task_status: Any = None) -> None:
    """Answer requests on this home's endpoint until cancelled; the endpoint file is
    removed at the end. ``task_status.started(path)`` once connections are accepted.

    ``claimed``: the claim taken already (it is released at the end); without one it
    is taken here, and ``EndpointTaken`` raised if another process holds it.
    ``window``: brings this process's window to the front, for ``show``."""
    import trio

    task_status = task_status or _Ignored()
    held = claimed or claim(home_dir)
    if held is None:
        raise EndpointTaken(f"another p2psocial answers for {home_dir} already (a desktop "
                            "app waiting for its passphrase?): close it first")
    try:
        try:
            if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
                sock, token, path = await _listen_tcp(home_dir)
            else:
                sock, token, path = await _listen_unix(home_dir), b"", endpoint(home_dir)
        except OSError as exc:
            raise ControlError(f"cannot open the control endpoint in {home_dir}: "
                               f"{exc.strerror or exc}") from None
        answer = functools.partial(_answer, handler=_with_show(handler, window),
                                   token=token)
        try:  # serve_listeners outlives a full file table (EMFILE) by pausing its accepts
            async with trio.open_nursery() as nursery:
                await nursery.start(trio.serve_listeners, answer,
                                    [trio.SocketListener(sock)])
                task_status.started(path)
                log.info("control endpoint at %s", path)
        finally:
            _remove_if_ours(path)
    finally:
        held.release()


def _with_show(handler: Handler, window: Callable[[], object] | None) -> Handler:
    async def handle(command: str, args: tuple) -> codec.Wire:
        if command != SHOW:
            return await handler(command, args)
        if window is not None:
            log.info("another copy of p2psocial asked for this window: brought to the front")
            window()
        return (os.getpid(), window is not None)
    return handle


async def _listen_unix(home_dir: Path) -> trio.socket.SocketType:
    import trio

    final = endpoint(home_dir)
    tmp = home_dir / f".control-{os.getpid()}.sock"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    sock = trio.socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        with _sun_path(tmp) as address:
            await sock.bind(address)
        os.chmod(tmp, 0o600)
        sock.listen(16)
        os.replace(tmp, final)  # over a stale socket of a killed serve, atomically
    except BaseException:
        sock.close()
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return sock


async def _listen_tcp(home_dir: Path,
                      ) -> tuple[trio.socket.SocketType, bytes, Path]:  # pragma: no cover
    import trio

    sock = trio.socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    await sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    token = secrets.token_bytes(32)
    path = endpoint(home_dir)
    tmp = home_dir / (TCP_FILE + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"pid": os.getpid(), "port": sock.getsockname()[1],
                   "token": token.hex()}, handle)
    os.replace(tmp, path)
    return sock, token, path


def _remove_if_ours(path: Path) -> None:
    """Remove the endpoint file at exit. The serve holds the claim, so no other
    process can have replaced it meanwhile."""
    with contextlib.suppress(OSError):
        path.unlink()


async def _answer(stream: trio.SocketStream, handler: Handler, token: bytes) -> None:
    import trio

    async with stream:
        try:
            with trio.fail_after(READ_TIMEOUT):
                data = await _receive(stream, MAX_REQUEST, "request")
            command, args = parse_request(data, token)
            reply: codec.Wire = (VERSION, True, await handler(command, args))
        except UserError as exc:
            reply = (VERSION, False, str(exc))
        except (trio.TooSlowError, trio.BrokenResourceError, trio.ClosedResourceError,
                EOFError):
            return  # the client went away or never spoke: nobody to answer
        except Exception as exc:  # a bug of ours: keep serving, point to the log
            leaf = _leaf(exc)
            if isinstance(leaf, UserError):
                reply = (VERSION, False, str(leaf))
            else:
                log.exception("control command failed")
                reply = (VERSION, False, f"internal error in the running serve: "
                         f"{type(leaf).__name__}: {leaf} (details in its log)")
        with contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError):
            await stream.send_all(frame(reply))


async def _receive(stream: trio.SocketStream, cap: int, what: str) -> bytes:
    size = _length(await _read_exactly(stream, _LENGTH.size), cap, what)
    return await _read_exactly(stream, size)


async def _read_exactly(stream: trio.SocketStream, size: int) -> bytes:
    buf = bytearray()
    while len(buf) < size:
        chunk = await stream.receive_some(min(size - len(buf), 1 << 20))
        if not chunk:
            raise EOFError("the connection closed in the middle of a frame")
        buf += chunk
    return bytes(buf)


def _leaf(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


# --- the client (a command line process, blocking) ----------------------------------


def call(home_dir: Path, command: str, args: tuple = (), *,
         timeout: float = CALL_TIMEOUT) -> codec.Wire:
    """Run ``command`` at the serve of ``home_dir``; its result. Raises ``NotAnswering``
    when no serve listens, ``Refused`` with the command's own error message, and
    ``ControlError`` when the exchange itself fails."""
    sock, token = _connect(home_dir)
    with sock:
        data = frame((VERSION, token, command, args))
        if len(data) > MAX_REQUEST + _LENGTH.size:
            raise ControlError(f"this is too large to hand to the running serve "
                               f"({len(data) // (1024 * 1024)} MB; the limit is "
                               f"{MAX_REQUEST // (1024 * 1024)} MB)")
        sock.settimeout(timeout)
        try:
            sock.sendall(data)
            body = _recv_exactly(sock, _length(_recv_exactly(sock, _LENGTH.size),
                                               MAX_REPLY, "reply"))
        except TimeoutError:
            raise ControlError(f"the running serve did not answer within {timeout:.0f} s; "
                               "check its log (the command may or may not have been "
                               "done)") from None
        except (OSError, EOFError):
            raise ControlError("the running serve stopped before it answered (the command "
                               "may or may not have been done)") from None
    return parse_reply(body)


def ask_to_show(home_dir: Path) -> tuple[int | None, bool] | None:
    """Ask the process that serves this home's endpoint to bring its window to the
    front: ``(pid, has_window)``, or None when nobody answers. A serve of an older
    version, which does not know ``show``, is headless: ``(None, False)``."""
    try:
        reply = call(home_dir, SHOW, timeout=SHOW_TIMEOUT)
    except NotAnswering:
        return None
    except Refused:
        return (None, False)
    if not (type(reply) is tuple and len(reply) == 2 and type(reply[0]) is int
            and type(reply[1]) is bool):
        raise ControlError("the running p2psocial sent a malformed reply")
    return reply[0], reply[1]


def _connect(home_dir: Path) -> tuple[socket.socket, bytes]:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        try:
            doc = json.loads(endpoint(home_dir).read_text(encoding="utf-8"))
            port, token = int(doc["port"]), bytes.fromhex(doc["token"])
        except (OSError, ValueError, KeyError, TypeError):
            raise NotAnswering() from None
        family: int = socket.AF_INET
        address: Any = ("127.0.0.1", port)
    else:
        family, token, address = socket.AF_UNIX, b"", None
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(CONNECT_TIMEOUT)
    try:
        if address is None:
            with _sun_path(endpoint(home_dir)) as short:
                sock.connect(short)
        else:
            sock.connect(address)
    except OSError:  # no file, refused (stale socket), timed out, path too long
        sock.close()
        raise NotAnswering() from None
    return sock, token


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    buf = bytearray()
    while len(buf) < size:
        chunk = sock.recv(min(size - len(buf), 1 << 20))
        if not chunk:
            raise EOFError("the connection closed in the middle of a frame")
        buf += chunk
    return bytes(buf)


@contextlib.contextmanager
def _sun_path(path: Path) -> Iterator[str]:
    """An address for ``path`` that fits a ``sockaddr_un``: the path itself, or on
    Linux the same file reached through an open descriptor of its directory."""
    if len(os.fsencode(path)) <= _SUN_PATH_MAX:
        yield str(path)
        return
    if not sys.platform.startswith("linux"):
        raise OSError(f"the path {path} is too long for a Unix socket")
    fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{fd}/{path.name}"
    finally:
        os.close(fd)
