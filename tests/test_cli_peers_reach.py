"""``p2psocial peers`` beside two real serves on 127.0.0.1: our reachability, each
peer's path, and why a peer is not connected, in JSON and in words."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path

from tests.clikit import ok, poll_feed, start_serve, stop
from tests.waitkit import poll

POLL_FOR = 20.0


def peers(home: Path) -> dict:
    return json.loads(ok(home, "peers", "--json"))


def poll_peers(home: Path, condition: Callable[[dict], object]) -> dict:
    """``peers --json`` once ``condition`` holds (the last answer if it never does)."""
    return poll(lambda: peers(home), f"{home.name}'s peers", until=condition,
                within=POLL_FOR, every=0.2, last=True)


def test_peers_tells_reachability_paths_and_why_not(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    ok(a, "init", "--name", "Alice")
    ok(b, "init", "--name", "Bob")
    ok(a, "post", "hello from alice")
    public = {"P2PSOCIAL_PUBLIC_RANGES": "127.0.0.0/8"}  # this machine as the internet
    serve_a, code_a = start_serve(a, **public)
    serve_b = None
    try:
        ok(b, "join", code_a)
        ok(a, "follow", json.loads(ok(b, "whoami", "--json"))["account"])
        serve_b, _ = start_serve(b, **public)
        assert "hello from alice" in poll_feed(b, "hello from alice")
        doc = poll_peers(b, lambda d: d["reachability"]["confirmed"])
        assert doc["reachability"]["state"] == "public", doc
        assert doc["reachability"]["basis"] == "dialback"
        [alice] = doc["peers"]
        assert (alice["state"], alice["path"], alice["why_not"]) == ("connected", "direct",
                                                                     None)
        text = ok(b, "peers")
        assert text.startswith("Reachability: public: others on the internet can connect to you "
                               "(a friend checked).")
        assert "connected (direct)" in text
        stop(serve_a)
        serve_a = None
        doc = poll_peers(b, lambda d: d["peers"][0]["state"] != "connected")
        [alice] = doc["peers"]
        assert alice["path"] is None
        assert alice["why_not"]["reason"] in ("unreachable", "connecting"), alice
        text = ok(b, "peers")
        assert "Not reachable now: last seen" in text or "Connecting now" in text
    finally:
        for proc in (serve_a, serve_b):
            if proc is not None and proc.poll() is None:
                stop(proc, signal.SIGINT)
    doc = peers(b)  # no serve: states as last recorded, nothing live
    assert doc["reachability"] is None and doc["peers"][0]["why_not"] is None
