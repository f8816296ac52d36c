"""``serve``, ``invite``, ``join``, ``peers`` and ``sync --once`` as real subprocesses
on 127.0.0.1. Waiting across processes is polling a read-only command, bounded."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clikit import feed_texts, ok, poll_feed, run, start_serve, stop


@pytest.fixture
def homes(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    a, b = tmp_path / "a", tmp_path / "b"
    ok(a, "init", "--name", "Alice")
    ok(b, "init", "--name", "Bob")
    yield a, b


def test_two_served_homes_join_and_see_each_others_posts(homes: tuple[Path, Path]) -> None:
    a, b = homes
    ok(a, "post", "hello from alice")
    ok(b, "post", "hello from bob")
    done = run(a, "invite")
    assert done.returncode == 1 and "p2psocial serve" in done.stderr
    serve_a, code_a = start_serve(a)
    serve_b = None
    try:
        assert json.loads(ok(a, "invite", "--json"))["code"] == code_a
        joined = json.loads(ok(b, "join", code_a, "--json"))
        assert joined["followed"] is True
        serve_b, code_b = start_serve(b)
        assert "hello from alice" in poll_feed(b, "hello from alice")
        peers = json.loads(ok(b, "peers", "--json"))
        assert peers["serving"] and [p["state"] for p in peers["peers"]] == ["connected"]
        assert peers["peers"][0]["source"] == "invite"
        # alice stops (cleanly), joins bob back, and serves again
        err = stop(serve_a)
        assert "Traceback" not in err
        ok(a, "join", code_b)
        serve_a, _ = start_serve(a)
        assert "hello from bob" in poll_feed(a, "hello from bob")
    finally:
        for proc in (serve_a, serve_b):
            if proc is not None and proc.poll() is None:
                stop(proc, signal.SIGINT)
    for home in (a, b):
        assert json.loads(ok(home, "verify", "--full", "--json"))["ok"]
        assert not (home / "serve.json").exists()
    assert json.loads(ok(a, "peers", "--json"))["serving"] is False


def test_sync_once_between_a_served_home_and_a_fresh_one(homes: tuple[Path, Path]) -> None:
    a, b = homes
    ok(a, "post", "for the record")
    done = run(b, "sync", "--once")
    assert done.returncode == 0 and "No peers known" in done.stdout
    serve_a, code_a = start_serve(a)
    try:
        ok(b, "join", code_a)
        summary = json.loads(ok(b, "sync", "--once", "--timeout", "10", "--json"))
        assert summary["reached"] == 1 and summary["peers"][0]["received"] >= 3
    finally:
        stop(serve_a)
    assert "for the record" in feed_texts(b)
    # with the only peer gone, sync --once fails, says why, and records the failure
    done = run(b, "sync", "--once", "--timeout", "5")
    assert done.returncode == 1 and "failed" in done.stdout
    assert json.loads(ok(b, "peers", "--json"))["peers"][0]["failures"] == 1
    assert json.loads(ok(b, "verify", "--json"))["ok"]


def test_join_refuses_a_mistyped_code(homes: tuple[Path, Path]) -> None:
    a, _ = homes
    done = run(a, "join", "p2psinv1qqqqqqqqqqqqqqqqqqqqqqqq")
    assert done.returncode == 1 and done.stderr.startswith("p2psocial: ")
    assert len(done.stderr.splitlines()) == 1


def test_invite_port_changes_our_port_but_never_a_relays() -> None:
    from p2psocial.cli.online import _with_port
    from p2psocial.cli.parser import build_parser

    relay = ("/ip4/192.0.2.1/tcp/4001/p2p/12D3KooWGzh5ZSqE4GeMTFDfwAeKvLZpHXhzNZ5Zk1XKWoMgLbRn"
             "/p2p-circuit")
    assert _with_port("/ip4/192.0.2.7/tcp/38211", 4001) == "/ip4/192.0.2.7/tcp/4001"
    assert _with_port(relay, 5000) == relay
    assert build_parser().parse_args(["serve", "--no-relay"]).no_relay is True
    assert build_parser().parse_args(["serve"]).no_relay is False


def test_a_port_in_use_is_one_line(homes: tuple[Path, Path]) -> None:
    import socket

    a, _ = homes
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run(a, "serve", "--no-lan", "--listen", "127.0.0.1", "--port", str(port))
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        f"p2psocial: Cannot listen on /ip4/127.0.0.1/tcp/{port}: the port is in use (another "
        "program, or another p2psocial, has it: choose another port)")
    assert "internal error" not in done.stderr.lower() and "Traceback" not in done.stderr
