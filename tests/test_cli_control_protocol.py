"""The control endpoint in one process: a real Unix socket server (control.serve) on
Trio and the blocking client (control.call) in a worker thread, plus raw bytes from
a misbehaving client. Every bad request gets one line back and the server keeps
answering; nobody but a listening serve counts as answering."""

from __future__ import annotations

import socket
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import trio

from p2psocial import codec, control
from p2psocial.cli import writes
from p2psocial.errors import NotFound
from p2psocial.home import Home
from p2psocial.node import Node


async def echo(command: str, args: tuple) -> Any:
    if command == "boom":
        raise RuntimeError("boom")
    if command == "missing":
        raise NotFound("there is no such thing in this home")
    return (command, args)


def serving(home: Path, handler: control.Handler,
            body: Callable[[], Awaitable[None]]) -> None:
    """Run ``body`` while a control server answers for ``home``."""
    async def main() -> None:
        async with trio.open_nursery() as nursery:
            await nursery.start(control.serve, home, handler)
            await body()
            nursery.cancel_scope.cancel()
    trio.run(main)


async def call(home: Path, command: str, args: tuple = ()) -> Any:
    return await trio.to_thread.run_sync(control.call, home, command, args)


async def raw(home: Path, data: bytes) -> Any:
    """Send raw bytes, return the reply's body (a one-line error is a Refused)."""
    stream = await trio.open_unix_socket(str(home / control.SOCKET_NAME))
    async with stream:
        await stream.send_all(data)
        reply = b""
        while chunk := await stream.receive_some():
            reply += chunk
    return control.parse_reply(reply[4:])


def framed(value: codec.Wire) -> bytes:
    return control.frame(value)


def test_requests_and_answers(tmp_path: Path) -> None:
    async def body() -> None:
        assert await call(tmp_path, "hello", (1, b"x", None)) == ("hello", (1, b"x", None))
        with pytest.raises(control.Refused, match=r"^there is no such thing in this home$"):
            await call(tmp_path, "missing")
        with pytest.raises(control.Refused, match="internal error in the running serve: "
                           r"RuntimeError: boom \(details in its log\)"):
            await call(tmp_path, "boom")
        assert await call(tmp_path, "still", ()) == ("still", ())

    serving(tmp_path, echo, body)
    assert not (tmp_path / control.SOCKET_NAME).exists()  # removed at the end


def test_bad_requests_get_one_line_and_the_server_keeps_answering(tmp_path: Path) -> None:
    async def body() -> None:
        bad = [
            (b"\x00\x00\x00\x03abc", "malformed request"),  # not msgpack
            (struct.pack(">I", control.MAX_REQUEST + 1), "the limit is"),  # over the cap
            (framed((2, b"", "hello", ())), "control version 1, the command 2"),
            (framed((1, b"x", "hello", ())), "token"),
            (framed((1, b"", "hello", "x")), "malformed request"),  # args not a tuple
            (framed("hello"), "malformed request"),
            # a non-canonical encoding of (1, b"", "hello", ()): int 1 as uint16
            (b"\x00\x00\x00\x0d\x94\xcd\x00\x01\xc4\x00\xa5hello\x90", "malformed request"),
        ]
        for data, said in bad:
            with pytest.raises(control.Refused, match=said):
                await raw(tmp_path, data)
        # a client that connects and says nothing holds up nobody
        silent = await trio.open_unix_socket(str(tmp_path / control.SOCKET_NAME))
        async with silent:
            assert await call(tmp_path, "after", ()) == ("after", ())

    serving(tmp_path, echo, body)


def test_arguments_are_checked_against_the_action(tmp_path: Path) -> None:
    with Node.init(Home(tmp_path / "home"), "Alice") as node:
        handler = writes.handler(writes.Here(node))

        async def body() -> None:
            here = tmp_path / "home"
            for command, args, said in [
                ("nonsense", (), "does not know the command 'nonsense'"),
                ("post", ("text",), "malformed arguments for 'post'"),
                ("follow", ("p2ps1...",), "malformed arguments for 'follow'"),
                ("react", (bytes(32), "👍", 1), "malformed arguments for 'react'"),
                ("peers", (), "only a running 'p2psocial serve'"),
            ]:
                with pytest.raises(control.Refused, match=said):
                    await call(here, command, args)
            doc, lines = await call(here, "post", ("hi", None, None, (), (), ()))
            assert lines[0].startswith("Posted ent1")
            assert writes.Outcome.from_wire((doc, lines)).doc["id"] in lines[0]

        serving(tmp_path / "home", handler, body)


def test_nobody_answering_is_told_apart(tmp_path: Path) -> None:
    with pytest.raises(control.NotAnswering):  # no socket file
        control.call(tmp_path, "hello")
    stale = socket.socket(socket.AF_UNIX)  # a socket file nobody listens on (serve killed)
    stale.bind(str(tmp_path / control.SOCKET_NAME))
    stale.close()
    with pytest.raises(control.NotAnswering):
        control.call(tmp_path, "hello")

    async def body() -> None:  # a new server replaces the stale file
        assert await call(tmp_path, "hello") == ("hello", ())

    serving(tmp_path, echo, body)


def test_a_home_path_too_long_for_a_socket_address(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    assert len(str(deep / control.SOCKET_NAME)) > 108

    async def body() -> None:
        assert await call(deep, "hello") == ("hello", ())

    serving(deep, echo, body)


def test_a_request_over_the_cap_is_refused_before_sending(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         ) -> None:
    monkeypatch.setattr(control, "MAX_REQUEST", 1000)

    async def body() -> None:
        with pytest.raises(control.ControlError, match="too large to hand to the running serve"):
            await call(tmp_path, "post", (b"x" * 2000,))

    serving(tmp_path, echo, body)
