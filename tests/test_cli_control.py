"""Write commands beside a running ``serve``: real subprocesses, real homes, 127.0.0.1.

The serve holds the home's lock, so each write command hands its request to it
through ``HOME/control.sock``. What it prints must be what it prints when it runs
by itself: a *twin* home (a copy of the served one, taken before serve starts) runs
every command directly, and the two outputs are compared with entry ids and times
masked (they differ by nature; everything else must match, errors included).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

from PIL import Image
from pytest import CaptureFixture, MonkeyPatch

from p2psocial import ids
from p2psocial.cli import main
from tests.clikit import cli_env, fails, js, ok, other_account, run, start_serve, stop

ENT = re.compile(r"ent1[02-9ac-hj-np-z]{58}")
TIMES = re.compile(r'"(ts|time)": ("[^"]*"|\d+)')


def masked(text: str) -> str:
    return TIMES.sub(r'"\1": T', ENT.sub("ENT", text))


def png(path: Path) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buf, format="PNG")
    path.write_bytes(buf.getvalue())
    return str(path)


def direct(home: Path, args: tuple[str, ...], stdin: str | None, monkeypatch: MonkeyPatch,
           capsys: CaptureFixture[str]) -> tuple[int, str, str]:
    """The command run by itself, in this process (the reference: cheaper than a
    subprocess, and the code path under comparison is the same)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
    code = main(["--home", str(home), *args])
    out, err = capsys.readouterr()
    return code, out, err


def feed(home: Path, monkeypatch: MonkeyPatch, capsys: CaptureFixture[str]) -> list[str]:
    code, out, _ = direct(home, ("feed", "--json"), None, monkeypatch, capsys)
    assert code == 0
    return [p["text"] for p in json.loads(out)["items"]]


def test_writes_beside_serve_print_what_they_print_directly(
        tmp_path: Path, monkeypatch: MonkeyPatch, capsys: CaptureFixture[str]) -> None:
    served, twin = tmp_path / "served", tmp_path / "twin"
    me = json.loads(direct(served, ("init", "--name", "Alice", "--json"), None,
                           monkeypatch, capsys)[1])["account"]
    first = json.loads(direct(served, ("post", "first", "--json"), None,
                              monkeypatch, capsys)[1])["id"]
    shutil.copytree(served, twin)
    picture, junk = png(tmp_path / "blue.png"), tmp_path / "junk.png"
    junk.write_text("not a picture")
    unknown = ids.entry_text(bytes(32))  # well-formed, and in no home
    x = other_account()
    proc, code = start_serve(served)
    try:
        sock = served / "control.sock"
        assert stat.S_ISSOCK(sock.stat().st_mode) and stat.S_IMODE(sock.stat().st_mode) == 0o600
        for args, stdin in [
            (("post", "hello #tag"), None),
            (("post", "hello", "--cw", "spoiler", "--json"), None),
            (("post", "look", "--image", picture, "--alt", "a blue square"), None),
            (("profile", "--name", "Ada", "--bio", "hi"), None),
            (("profile", "--avatar", picture, "--json"), None),
            (("follow", x), None), (("unfollow", x, "--json"), None), (("block", x), None),
            (("react", first, "👍"), None),
            (("edit", first, "-"), "edited text\n"), (("delete", first, "--json"), None),
            # errors found at the serve: the same line, exit 1
            (("follow", me), None), (("post", "x", "--reply-to", unknown), None),
            (("post", "x", "--image", str(junk)), None), (("post", "x" * 9000), None),
            (("join", code), None),
        ]:
            there = run(served, *args, stdin=stdin)
            here = direct(twin, args, stdin, monkeypatch, capsys)
            assert here[0] == there.returncode, (args, here, there.stderr)
            assert (masked(here[1]), here[2]) == (masked(there.stdout), there.stderr), args
            assert len(there.stderr.splitlines()) == (1 if there.returncode else 0), args
        assert proc.poll() is None  # the serve survived all of it
    finally:
        assert "Traceback" not in stop(proc)
    assert not (served / "control.sock").exists()
    texts = feed(served, monkeypatch, capsys)
    assert texts == feed(twin, monkeypatch, capsys) and "look" in texts


def hold_lock(home: Path) -> subprocess.Popen[str]:
    """A process that holds the home's lock and answers nothing (like the app)."""
    code = ("import sys; from p2psocial.home import Home; h = Home(sys.argv[1]); h.lock(); "
            "print('locked', flush=True); sys.stdin.read()")
    proc = subprocess.Popen([sys.executable, "-c", code, str(home)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=cli_env())
    assert proc.stdout is not None and proc.stdout.readline() == "locked\n"
    return proc


def test_a_killed_serve_leaves_nothing_that_confuses(tmp_path: Path) -> None:
    home = tmp_path / "home"
    js(home, "--passphrase-stdin", "init", "--name", "Pat", stdin="s3cret\n")
    proc, _ = start_serve(home, P2PSOCIAL_PASSPHRASE="s3cret")
    # the serve holds the unlocked keys: no passphrase is asked for
    assert js(home, "post", "without a passphrase")["id"].startswith("ent1")
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=20)
    stale = home / "control.sock"
    assert stale.exists()  # a SIGKILL leaves the socket file behind
    # the lock is free: commands run by themselves again, passphrase and all
    assert "--passphrase-stdin" in fails(home, "post", "hi")
    ok(home, "--passphrase-stdin", "post", "by myself", stdin="s3cret\n")
    assert js(home, "peers")["serving"] is False
    # a lock holder that does not answer (the app, a stuck process): today's error
    holder = hold_lock(home)
    try:
        assert fails(home, "follow", other_account()) == \
            f"{home} is in use by another p2psocial (pid {holder.pid}); close it first"
    finally:
        holder.communicate("")
    # a fresh serve replaces the stale socket
    before = stale.stat().st_ino
    proc, _ = start_serve(home, P2PSOCIAL_PASSPHRASE="s3cret")
    try:
        assert stale.stat().st_ino != before
        assert stat.S_IMODE(stale.stat().st_mode) == 0o600
        ok(home, "post", "through the new serve")
        assert js(home, "peers")["serving"] is True
        assert "keeps it in sync already" in fails(home, "sync", "--once")
    finally:
        stop(proc)
    texts = [p["text"] for p in js(home, "feed")["items"]]
    assert texts == ["through the new serve", "by myself", "without a passphrase"]
    assert not stale.exists() and os.listdir(home).count("control.sock") == 0
    assert json.loads(ok(home, "verify", "--json"))["ok"]
