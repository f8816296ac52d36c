"""What a person chose in the app's settings, and the drafts they have not sent yet.

Both live in the home as JSON (``settings.json``, ``drafts.json``) so they move with
a backup of the folder and survive a restart. Reading never fails: a missing file, a
file a person edited by hand into nonsense, or a value of the wrong type gives the
default for that value (and the rest of the file still counts), because a typo in a
settings file must not keep the app from opening. Writing replaces the file
atomically (write aside, fsync, rename), so a crash leaves the old or the new file,
never half of one.

The window must not wait for that fsync. Both files are held by a ``JsonFile``: a
change is kept in memory at once (``set``, no I/O) and written later by ``write``, in a
worker thread, or at close to flush what is left. Rapid changes coalesce (only the
latest value is written), and writes are serialised, so an older value never lands
after a newer one.

No Qt and no network here: the window shows these values, the back end applies them
(runtime.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

SETTINGS_FILE = "settings.json"
DRAFTS_FILE = "drafts.json"
THEMES = ("system", "light", "dark")
HOPS_MAX = 4
PORT_MAX = 65535
IMAGE_BUDGET_MAX = 1024 * 1024  # MiB: a TiB


@dataclass(frozen=True, slots=True)
class Settings:
    theme: str = "system"  # one of THEMES
    language: str = "system"  # "system" or a language code we ship ("en", "de")
    keep_in_tray: bool = False  # closing the window leaves the node running in the tray
    notify: bool = True  # desktop notifications for mentions, replies and reactions
    hops: int = 2  # replicate accounts up to this many follows away
    port: int = 0  # TCP port to listen on; 0 = choose one at first start, then keep it
    lan: bool = True  # find and be found by peers on the local network (mDNS)
    relay: bool = True  # relay for friends who cannot be dialed directly
    port_mapping: bool = True  # ask the home router to forward our port (UPnP, NAT-PMP)
    image_budget: int = 1024  # MiB for pictures of accounts carried, not ours nor followed

    def checked(self) -> Settings:
        """These settings with every out-of-range value replaced by its default."""
        default = Settings()
        fixes: dict[str, Any] = {}
        if self.theme not in THEMES:
            fixes["theme"] = default.theme
        if not self.language or len(self.language) > 16:
            fixes["language"] = default.language
        if not 0 <= self.hops <= HOPS_MAX:
            fixes["hops"] = default.hops
        if not 0 <= self.port <= PORT_MAX:
            fixes["port"] = default.port
        if not 0 <= self.image_budget <= IMAGE_BUDGET_MAX:
            fixes["image_budget"] = default.image_budget
        return replace(self, **fixes) if fixes else self

    @property
    def network(self) -> tuple[int, int, bool, bool, bool, int]:
        """The values that need the network restarted when they change."""
        return self.hops, self.port, self.lan, self.relay, self.port_mapping, self.image_budget


def load_settings(home_dir: Path) -> Settings:
    raw = _read_json(home_dir / SETTINGS_FILE)
    default = Settings()
    values: dict[str, Any] = {}
    for f in fields(Settings):
        value = raw.get(f.name)
        wanted = type(getattr(default, f.name))
        if type(value) is wanted:  # bool is not int here: type(), not isinstance()
            values[f.name] = value
    return Settings(**values).checked()


def save_settings(home_dir: Path, settings: Settings) -> None:
    write_json(home_dir / SETTINGS_FILE, settings_json(settings))


def settings_json(settings: Settings) -> dict[str, Any]:
    """What ``settings.json`` holds for ``settings``."""
    return asdict(settings.checked())


_NOTHING = object()


class JsonFile:
    """A JSON file written with the latest value given, away from the caller's thread.

    ``set(value)`` keeps ``value`` (no I/O). ``write()`` (blocking) writes the value
    waiting, if any: several ``set`` before a ``write`` make one write of the last, and
    a ``write`` with nothing waiting does nothing. A failed write leaves its value
    waiting for the next one, unless a newer value came meanwhile.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pending: object = _NOTHING
        self._lock = threading.Lock()  # guards _pending
        self._writing = threading.Lock()  # one write at a time, in the order taken

    @property
    def pending(self) -> bool:
        return self._pending is not _NOTHING

    def set(self, value: object) -> None:
        with self._lock:
            self._pending = value

    def write(self) -> None:
        with self._writing:
            with self._lock:
                value, self._pending = self._pending, _NOTHING
            if value is _NOTHING:
                return
            try:
                write_json(self.path, value)
            except BaseException:
                with self._lock:
                    if self._pending is _NOTHING:
                        self._pending = value
                raise


@dataclass(frozen=True, slots=True)
class Draft:
    """Text a person was writing: a new post (``reply_to`` None) or a reply."""

    text: str = ""
    content_warning: str = ""
    reply_to: str | None = None  # the parent's entry id as text
    images: tuple[str, ...] = ()  # paths of the chosen image files
    alts: tuple[str, ...] = ()  # their descriptions, in the same order (may be shorter)
    followers_only: bool = False  # for the approved followers (a circle), not everyone

    @property
    def empty(self) -> bool:
        return not (self.text.strip() or self.content_warning.strip() or self.images)


class Drafts:
    """Drafts by key ("post", "reply:<entry id>", "message:<conversation>"), kept in
    memory on every change; ``save()`` writes them (a worker thread, or at close).
    ``put`` and ``discard`` return whether the drafts changed (a write is due)."""

    def __init__(self, home_dir: Path) -> None:
        self.path = home_dir / DRAFTS_FILE
        self.file = JsonFile(self.path)
        self._drafts: dict[str, Draft] = {}
        for key, value in _read_json(self.path).items():
            draft = _draft(value)
            if isinstance(key, str) and draft is not None and not draft.empty:
                self._drafts[key] = draft

    def get(self, key: str) -> Draft:
        return self._drafts.get(key, Draft())

    def keys(self) -> list[str]:
        return list(self._drafts)

    def put(self, key: str, draft: Draft) -> bool:
        if draft.empty:
            return self.discard(key)
        if self._drafts.get(key) == draft:
            return False
        self._drafts[key] = draft
        return self._changed()

    def discard(self, key: str) -> bool:
        if self._drafts.pop(key, None) is None:
            return False
        return self._changed()

    def save(self) -> None:
        """Write the drafts if they changed since the last write (blocking)."""
        self.file.write()

    def _changed(self) -> bool:
        self.file.set({k: asdict(d) for k, d in self._drafts.items()})
        return True


def _draft(value: object) -> Draft | None:
    if not isinstance(value, dict):
        return None
    text, cw, reply = (value.get("text", ""), value.get("content_warning", ""),
                       value.get("reply_to"))
    images, alts = value.get("images", []), value.get("alts", [])
    followers_only = value.get("followers_only", False)
    if not (isinstance(text, str) and isinstance(cw, str)
            and (reply is None or isinstance(reply, str))
            and _strings(images) and _strings(alts) and isinstance(followers_only, bool)):
        return None
    return Draft(text, cw, reply, tuple(images), tuple(alts), followers_only)


def _strings(value: object) -> bool:
    """A JSON list of strings."""
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def write_json(path: Path, value: object) -> None:
    """Replace ``path`` with ``value`` as JSON, atomically and durably."""
    aside = path.with_name(path.name + ".tmp")
    data = json.dumps(value, indent=2, ensure_ascii=False).encode()
    try:
        with open(aside, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(aside, path)
    except BaseException:
        with contextlib.suppress(OSError):
            aside.unlink()
        raise
