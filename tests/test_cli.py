"""The ``p2psocial`` command, run as a real subprocess against temporary homes.

Each subprocess costs about half a second, so checks are grouped: one account
("alice") is shared by the module, and each test runs a short story on it, checking
results through ``--json``. Error paths check the contract: a non-zero exit, exactly
one line on stderr that starts with ``p2psocial:``, and never a traceback.
"""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import trio
from PIL import ExifTags, Image

from p2psocial import ids
from p2psocial.cli import main
from p2psocial.home import Home
from p2psocial.node import Node
from tests.clikit import cli_env, fails, js, ok, other_account, run


@dataclass(frozen=True)
class Account:
    home: Path
    id: str
    phrase: str


@pytest.fixture(scope="module")
def alice(tmp_path_factory: pytest.TempPathFactory) -> Account:
    home = tmp_path_factory.mktemp("alice") / "home"
    made = js(home, "init", "--name", "Alice")
    assert made["name"] == "Alice" and made["passphrase"] is False
    assert len(made["phrase"].split()) == 24
    return Account(home, made["account"], made["phrase"])


# --- stories -----------------------------------------------------------------------


def test_post_reply_react_edit_delete(alice: Account) -> None:
    root = js(alice.home, "post", "hello #world")["id"]
    reply = js(alice.home, "post", f"re @{alice.id}", "--reply-to", root,
               "--cw", "spoilers")["id"]
    js(alice.home, "react", root, "👍")
    edit = js(alice.home, "edit", root, "hello again #world")
    assert edit["target"] == root and edit["time"].endswith("Z")

    thread = js(alice.home, "thread", reply)
    assert thread["root"] == root
    first, second = thread["items"]
    assert (first["id"], first["text"], first["edited"]) == (root, "hello again #world", True)
    assert first["reactions"] == {"👍": 1} and first["reply_count"] == 1
    assert first["tags"] == ["world"] and first["author"] == alice.id
    assert (second["reply_parent"], second["content_warning"]) == (root, "spoilers")
    assert second["mentions"] == [alice.id]

    feed = ok(alice.home, "feed")  # people see the warning, not the text behind it
    assert "CW: spoilers" in feed and "re @" not in feed
    assert root in feed and reply in feed and "Alice · p2ps1" in feed
    page = js(alice.home, "feed", "--limit", "1")
    assert [p["id"] for p in page["items"]] == [reply]
    page = js(alice.home, "feed", "--limit", "1", "--before", page["next"])
    assert [p["id"] for p in page["items"]] == [root]

    assert root in [p["id"] for p in js(alice.home, "search", "world")["items"]]
    assert reply in [p["id"] for p in js(alice.home, "mentions")["items"]]

    js(alice.home, "delete", reply)
    first, second = js(alice.home, "thread", root)["items"]
    assert first["reply_count"] == 0 and second["deleted"] is True


def test_follow_block_profile(alice: Account) -> None:
    bob = other_account()
    assert js(alice.home, "follow", bob)["account"] == bob
    assert js(alice.home, "followers", bob)["followers"] == [
        {"account": alice.id, "name": "Alice"}]
    js(alice.home, "unfollow", bob)
    js(alice.home, "block", bob)
    assert js(alice.home, "following")["following"] == []

    mine = js(alice.home, "profile", "--bio", "I like tea")
    assert (mine["name"], mine["bio"]) == ("Alice", "I like tea")
    unknown = js(alice.home, "profile", bob)
    assert (unknown["account"], unknown["name"], unknown["devices"]) == (bob, None, 0)


def _photo_with_gps(path: Path) -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 51.0, 24.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (2.0, 21.0, 3.0)
    Image.new("RGB", (64, 48), (200, 30, 30)).save(path, "JPEG", exif=exif.tobytes())
    with Image.open(path) as check:  # the source really carries a location
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_post_with_images(alice: Account, tmp_path: Path) -> None:
    photo, drawing = tmp_path / "photo.jpg", tmp_path / "drawing.png"
    _photo_with_gps(photo)
    Image.new("RGBA", (20, 10), (0, 0, 255, 128)).save(drawing, "PNG")
    posted = js(alice.home, "post", "two pictures", "--image", str(photo), "--alt",
                "a red square", "--image", str(drawing))["id"]
    (view,) = [p for p in js(alice.home, "feed")["items"] if p["id"] == posted]
    jpeg, png = view["attachments"]
    assert (jpeg["mime"], jpeg["width"], jpeg["height"], jpeg["alt"]) == (
        "image/jpeg", 64, 48, "a red square")
    assert (png["mime"], png["width"], png["alt"]) == ("image/png", 20, "")

    with Node.open(Home(alice.home), readonly=True) as node:
        stored = trio.run(node.replication.blob, ids.decode(ids.BLOB, jpeg["blob"]))
    assert stored is not None and len(stored) == jpeg["size"]
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (64, 48)
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"Exif" not in stored and b"TestCam" not in stored


def test_verify_reports_damage(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok(home, "init", "--name", "Dora")
    clean = js(home, "verify", "--full")
    assert (clean["ok"], clean["full"], clean["problems"]) == (True, True, [])
    assert (clean["entries"], clean["logs"]) == (2, 1)  # certificate and profile
    with sqlite3.connect(home / "store.sqlite") as db:
        db.execute("UPDATE entries SET body = x'00' WHERE seq = 2")
    db.close()
    done = run(home, "verify")
    assert done.returncode == 1 and done.stderr == ""
    (line,) = done.stdout.splitlines()
    assert line.startswith("dev1") and " seq 2: " in line

    # a store that is not SQLite at all: one line for reading and for writing
    (home / "store.sqlite").write_bytes(b"not a database " * 100)
    for args in (("feed",), ("post", "hello")):
        assert "is damaged or is not a p2psocial store" in fails(home, *args)


# --- passphrases and recovery ------------------------------------------------------


def test_passphrase(tmp_path: Path) -> None:
    home = tmp_path / "home"
    made = js(home, "init", "--name", "Pat", "--passphrase-stdin", stdin="s3cret\n")
    assert made["passphrase"] is True
    assert "--passphrase-stdin" in fails(home, "post", "hi")
    assert fails(home, "--passphrase-stdin", "post", "hi", stdin="wrong\n") == \
        "Wrong passphrase"
    # the first line of stdin is the passphrase, the rest is the text of "post -"
    js(home, "--passphrase-stdin", "post", "-", stdin="s3cret\nline one\nline two\n")
    assert js(home, "feed")["items"][0]["text"] == "line one\nline two"
    shown = js(home, "phrase", "--passphrase-stdin", stdin="s3cret\n")
    assert shown == {"account": made["account"], "phrase": made["phrase"]}
    assert "empty" in fails(tmp_path / "other", "init", "--name", "X", "--passphrase-stdin",
                            stdin="\n")
    assert not (tmp_path / "other").exists()


def test_restore_from_phrase(alice: Account, tmp_path: Path) -> None:
    home = tmp_path / "again"
    restored = js(home, "restore", "--phrase-stdin", "--name", "Alice again",
                  stdin=alice.phrase + "\n")
    assert restored["account"] == alice.id
    me = js(home, "whoami")
    assert (me["account"], me["name"]) == (alice.id, "Alice again")
    words = alice.phrase.split()
    message = fails(tmp_path / "bad", "restore", "--phrase-stdin", "--name", "X",
                    stdin=" ".join([*words[:5], "zzzz", *words[6:]]))
    assert "Word 6" in message


def test_export_import(alice: Account, tmp_path: Path) -> None:
    backup = tmp_path / "alice.p2psbackup"
    saved = js(alice.home, "export", str(backup))
    assert saved["entries"] > 0 and saved["size"] == backup.stat().st_size
    home = tmp_path / "copy"
    loaded = js(home, "import", str(backup))
    assert (loaded["account"], loaded["entries"]) == (alice.id, saved["entries"])
    def posts(where: Path) -> list[tuple[str, str]]:
        return [(p["id"], p["text"]) for p in js(where, "feed")["items"]]

    assert posts(home) == posts(alice.home)
    damaged = tmp_path / "damaged.p2psbackup"
    damaged.write_bytes(backup.read_bytes()[:-40])
    fails(tmp_path / "elsewhere", "import", str(damaged))
    assert not (tmp_path / "elsewhere").exists()


# --- errors ------------------------------------------------------------------------


def test_user_errors_are_one_line(alice: Account, tmp_path: Path) -> None:
    assert "run 'p2psocial init --name NAME' first" in fails(tmp_path / "nowhere", "feed")
    typo = alice.id[:-3] + ("q" if alice.id[-3] != "q" else "p") + alice.id[-2:]
    assert "typo" in fails(alice.home, "follow", typo)
    an_entry = ids.entry_text(bytes(32))
    assert "an entry id, not an account id" in fails(alice.home, "follow", an_entry)
    assert "no entry" in fails(alice.home, "react", an_entry, "👍")
    assert "the limit is 8,000" in fails(alice.home, "post", "x" * 8001)
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a picture")
    assert str(text_file) in fails(alice.home, "post", "hi", "--image", str(text_file))
    assert "no such file" in fails(alice.home, "post", "hi", "--image",
                                   str(tmp_path / "missing.jpg"))
    assert "--alt" in fails(alice.home, "post", "hi", "--alt", "x", code=2)


def test_locked_home(alice: Account) -> None:
    with Node.open(Home(alice.home)):
        assert "in use by another p2psocial" in fails(alice.home, "post", "hi")
        me = js(alice.home, "whoami")  # readers still read
    assert (me["account"], me["name"], me["passphrase"]) == (alice.id, "Alice", False)
    assert Path(me["home"]) == alice.home and me["devices"] == 1


def test_no_display(tmp_path: Path) -> None:
    env = {k: v for k, v in cli_env().items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = run(tmp_path, env=env)
    assert done.returncode == 1
    assert done.stderr.strip() == ("p2psocial: No display found; use the command line "
                                   "(p2psocial --help) or set QT_QPA_PLATFORM")


def test_fast_start_imports_nothing_heavy() -> None:
    code = ("import sys, p2psocial.cli, p2psocial.ui.app; "
            "print(sorted(m for m in ('PySide6', 'p2psocial.node', 'trio', 'PIL') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=cli_env(), check=True)
    assert done.stdout.strip() == "[]"


# --- in process: the error funnel ---------------------------------------------------


def test_internal_error_is_logged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    from p2psocial.cli import commands

    def boom(*_: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setitem(commands.COMMANDS, "feed", boom)
    assert main(["--home", str(tmp_path), "feed"]) == 1
    err = capsys.readouterr().err
    log = tmp_path / "p2psocial.log"
    assert err == f"p2psocial: Internal error: RuntimeError: boom (details in {log})\n"
    assert "Traceback" in log.read_text() and "boom" in log.read_text()

    missing = tmp_path / "missing"
    assert main(["--home", str(missing), "feed"]) == 1
    assert capsys.readouterr().err.count("\n") == 1
    assert not missing.exists()  # no home is created just to hold a log


def test_interrupt_exits_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    from p2psocial.cli import commands

    def interrupted(*_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setitem(commands.COMMANDS, "feed", interrupted)
    assert main(["--home", str(tmp_path), "feed"]) == 130
    assert capsys.readouterr().err == ""
