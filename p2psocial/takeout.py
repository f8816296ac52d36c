"""The readable takeout: one's own data as files that any tool opens, without p2psocial.

``write_takeout(home, DIR)`` fills an empty folder with

- ``p2psocial.db``: a plain SQLite database, built with sqlite-utils (one table per
  kind of thing, a full-text index on the posts), for the ``sqlite3`` command line,
  DB Browser or Datasette;
- ``<table>.json``: each table again as a JSON array of objects, one per line;
- ``images/``: the pictures of one's posts and one's avatar (and, when asked, those
  of the people one follows) as ``<hash>.<ext>``; ``files/``: the pictures and files
  of private messages, opened;
- ``README.txt``: what each file is.

Ids are lowercase hex (the bytes p2psocial signs); accounts also in their ``p2ps1...``
form. Every time is there twice: ISO-8601 UTC text and milliseconds since 1970.

It reads the home through its own read-only view (no passphrase, no lock: it works
while the app or a serve runs) inside one read transaction, so the copy is one moment
of the home. Private messages need no key: the store holds what the private scan
opened (docs/store.md "Where the plaintext lives"), and the keys of their pictures
(private_files); messages the scan has not opened yet are not in the copy.
"""

from __future__ import annotations

import datetime
import json
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from . import ids, private_files
from .errors import HomeError, UserError
from .home import Home
from .node import Node
from .store.takeout_reads import (
    FileRow,
    PostRow,
    ReactionRow,
    RelationRow,
    TakeoutReads,
    snapshot,
)
from .timestamps import shown

DATABASE = "p2psocial.db"
README = "README.txt"


@dataclass(frozen=True, slots=True)
class TakeoutSummary:
    path: Path
    rows: dict[str, int]  # table -> rows written (the JSON file holds as many)
    images: int  # picture files written under images/
    files: int  # message attachments written under files/
    size: int  # bytes in the folder


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    about: str  # one line for README.txt
    columns: dict[str, type]
    pk: str | None = None
    foreign_keys: tuple[tuple[str, str, str], ...] = ()


_POST_COLUMNS: dict[str, type] = {
    "id": str, "time": str, "time_ms": int, "signed_ms": int, "text": str,
    "content_warning": str, "followers_only": int, "is_reply": int, "reply_to": str,
    "reply_to_author": str, "thread_root": str, "tags": str, "mentions": str,
    "images": str, "edited": int}
_PERSON = {"account": str, "account_text": str, "name": str, "since": str, "since_ms": int}

TABLES = {t.name: t for t in (
    Table("profile", "your account: its ids, name, bio and avatar, and when this copy "
          "was made", {"account": str, "account_text": str, "name": str, "bio": str,
                       "avatar": str, "exported": str, "exported_ms": int}, "account"),
    Table("posts", "your posts, replies (is_reply = 1, reply_to) and followers-only posts "
          "included, oldest first; tags, mentions and images are JSON lists",
          _POST_COLUMNS, "id"),
    Table("reactions", "your reactions: which post, whose, which emoji",
          {"id": str, "post": str, "post_author": str, "emoji": str, "time": str,
           "time_ms": int}, "id"),
    Table("reactions_received", "other people's reactions to your posts",
          {"id": str, "post": str, "account": str, "name": str, "emoji": str, "time": str,
           "time_ms": int}, "id", (("post", "posts", "id"),)),
    Table("conversations", "your direct conversations, groups and communities, with "
          "their members (a JSON list)",
          {"id": str, "kind": str, "name": str, "admin": str, "still_member": int,
           "members": str, "member_names": str}, "id"),
    Table("messages", "the private messages this home opened, yours and others', by "
          "conversation and time; files is a JSON list of files under files/",
          {"id": str, "conversation": str, "author": str, "author_name": str, "mine": int,
           "time": str, "time_ms": int, "signed_ms": int, "text": str, "reply_to": str,
           "files": str}, "id", (("conversation", "conversations", "id"),)),
    Table("message_reactions", "reactions inside groups and communities: which "
          "message, who, which emoji",
          {"id": str, "message": str, "message_author": str, "account": str, "name": str,
           "emoji": str, "time": str, "time_ms": int}, "id",
          (("message", "messages", "id"),)),
    Table("message_files", "the pictures and files of those messages",
          {"message": str, "number": int, "file": str, "name": str, "mime": str,
           "size": int, "width": int, "height": int, "alt": str}, None,
          (("message", "messages", "id"),)),
    Table("following", "the accounts you follow, since when", _PERSON, "account"),
    Table("followers", "the accounts that follow you, as this home knows them", _PERSON,
          "account"),
    Table("blocked", "the accounts you blocked (a public block)", _PERSON, "account"),
    Table("images", "the pictures under images/: which post or avatar uses each; file "
          "is empty for one this home never fetched",
          {"file": str, "hash": str, "mime": str, "size": int, "width": int, "height": int,
           "alt": str, "post": str, "author": str, "used_as": str}),
    Table("followed_posts", "the posts of the accounts you follow (with --with-followed "
          "or 'Include the posts of people I follow')",
          {**_POST_COLUMNS, "author": str, "author_text": str, "author_name": str}, "id"),
)}


def write_takeout(home_dir: Path, out: Path, *, with_followed: bool = False,
                  now: Callable[[], float] = time.time) -> TakeoutSummary:
    """Write the readable copy of the home at ``home_dir`` into the folder ``out``,
    which must be empty or absent. Blocking: a worker thread in the app."""
    out = Path(out).expanduser()
    made = _prepare(out)
    try:
        with Node.open(Home(home_dir), readonly=True) as node:
            local = node.store.queries.local
            account = node.store.local_account
            if local is None or account is None:
                raise HomeError(f"{home_dir} holds no account yet")
            reads = TakeoutReads(node.store.conn, local)
            with snapshot(node.store.conn):
                writer = _Writer(out, reads, account, int(now() * 1000))
                writer.write_all(with_followed)
        return TakeoutSummary(out, writer.rows, writer.images, writer.files, _size(out))
    except BaseException:
        _undo(out, made)
        raise


def _prepare(out: Path) -> bool:
    """Make sure ``out`` is an empty folder; True when it was made here."""
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} is a file: give a folder that is empty or does not exist")
    if out.is_dir():
        if any(out.iterdir()):
            raise UserError(f"{out} is not empty: give a folder that is empty or does not "
                            "exist (a takeout never mixes with other files)")
        return False
    try:
        out.mkdir(parents=True)
    except OSError as exc:
        raise UserError(f"cannot make the folder {out}: {exc.strerror or exc}") from None
    return True


def _undo(out: Path, made: bool) -> None:
    """Remove a half-written copy: what is in ``out`` was written here (it was empty)."""
    if made:
        shutil.rmtree(out, ignore_errors=True)
        return
    for child in out.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def iso(ms: int) -> str:
    """UTC to the millisecond, for any integer a store holds (timestamps.shown)."""
    moment = datetime.datetime.fromtimestamp(shown(ms) / 1000, tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _hex(value: bytes | None) -> str | None:
    return None if value is None else value.hex()


class _Writer:
    """Streams each table into the database and its JSON file at once, and the
    pictures into images/ and files/ as the rows that use them go by."""

    def __init__(self, out: Path, reads: TakeoutReads, account: bytes, now_ms: int) -> None:
        self.out = out
        self.reads = reads
        self.account = account
        self.now_ms = now_ms
        self.db = sqlite_utils.Database(out / DATABASE, execute_plugins=False)
        self.rows: dict[str, int] = {}
        self.images = 0
        self.files = 0
        self._image_rows: list[dict[str, Any]] = []
        self._written: dict[bytes, str | None] = {}  # blob hash -> file written (None: not held)

    def write_all(self, with_followed: bool) -> None:
        try:
            self._table("profile", [self._profile()])
            self._table("posts", (self._post(p, "") for p in self.reads.own_posts()))
            self._table("reactions", (self._reaction(r) for r in self.reads.own_reactions()))
            self._table("reactions_received",
                        (self._received(r) for r in self.reads.reactions_received()))
            self._table("conversations", self._conversations())
            files: list[dict[str, Any]] = []
            self._table("messages", self._messages(files))
            self._table("message_files", files)
            self._table("message_reactions",
                        (self._message_reaction(r) for r in self.reads.message_reactions()))
            for name, rows in (("following", self.reads.following()),
                               ("followers", self.reads.followers()),
                               ("blocked", self.reads.blocked())):
                self._table(name, (self._person(r) for r in rows))
            if with_followed:
                self._table("followed_posts",
                            (self._post(p, "followed") for p in self.reads.followed_posts()))
            self._table("images", self._image_rows)
            self.db.table("posts").enable_fts(["text", "content_warning"])
            if with_followed:
                self.db.table("followed_posts").enable_fts(["text", "content_warning"])
        finally:
            self.db.close()
        self._readme(with_followed)

    def _table(self, name: str, rows: Iterable[dict[str, Any]]) -> None:
        spec = TABLES[name]
        table = self.db.table(name)
        table.create(spec.columns, pk=spec.pk or sqlite_utils.db.DEFAULT,
                     foreign_keys=list(spec.foreign_keys), column_order=list(spec.columns))
        count = 0
        with (self.out / f"{name}.json").open("w", encoding="utf-8") as handle:

            def teed() -> Iterator[dict[str, Any]]:
                """Each row to the JSON file as it goes to the database (lists stay
                lists there; sqlite-utils stores them as JSON text)."""
                nonlocal count
                for row in rows:
                    handle.write("[\n" if count == 0 else ",\n")
                    handle.write(json.dumps(row, ensure_ascii=False))
                    count += 1
                    yield row

            table.insert_all(teed(), batch_size=500)
            handle.write("\n]\n" if count else "[]\n")
        self.rows[name] = count

    # --- rows -------------------------------------------------------------------------

    def _profile(self) -> dict[str, Any]:
        name, bio, avatar = self.reads.profile()
        file = self._image(avatar, "avatar", None, self.account, None) if avatar else None
        return {"account": self.account.hex(), "account_text": ids.account_text(self.account),
                "name": name, "bio": bio, "avatar": file, "exported": iso(self.now_ms),
                "exported_ms": self.now_ms}

    def _post(self, p: PostRow, whose: str) -> dict[str, Any]:
        post = p.post
        images = [f for a in (post.attachments if post else ())
                  if (f := self._image(a.blob, "post", p.id, p.author, a)) is not None]
        row: dict[str, Any] = {
            "id": p.id.hex(), "time": iso(p.ts), "time_ms": p.ts, "signed_ms": p.signed_ts,
            "text": p.text, "content_warning": p.cw, "followers_only": int(p.circle),
            "is_reply": int(p.parent is not None), "reply_to": _hex(p.parent),
            "reply_to_author": _hex(p.parent_author), "thread_root": _hex(p.root),
            "tags": list(post.tags) if post else [],
            "mentions": [m.hex() for m in post.mentions] if post else [],
            "images": images, "edited": int(p.edited)}
        if whose:
            row.update(author=p.author.hex(), author_text=ids.account_text(p.author),
                       author_name=p.author_name)
        return row

    def _reaction(self, r: ReactionRow) -> dict[str, Any]:
        return {"id": r.entry.hex(), "post": r.target.hex(), "post_author": _hex(r.target_author),
                "emoji": r.emoji, "time": iso(r.ts), "time_ms": r.ts}

    def _received(self, r: ReactionRow) -> dict[str, Any]:
        return {"id": r.entry.hex(), "post": r.target.hex(), "account": r.account.hex(),
                "name": r.name, "emoji": r.emoji, "time": iso(r.ts), "time_ms": r.ts}

    def _message_reaction(self, r: ReactionRow) -> dict[str, Any]:
        return {"id": r.entry.hex(), "message": r.target.hex(),
                "message_author": _hex(r.target_author), "account": r.account.hex(),
                "name": r.name, "emoji": r.emoji, "time": iso(r.ts), "time_ms": r.ts}

    def _person(self, r: RelationRow) -> dict[str, Any]:
        return {"account": r.account.hex(), "account_text": ids.account_text(r.account),
                "name": r.name, "since": iso(r.ts), "since_ms": r.ts}

    def _conversations(self) -> Iterator[dict[str, Any]]:
        names = self.reads.names()
        for c in self.reads.conversations():
            yield {"id": c.id.hex(), "kind": c.kind, "name": c.name, "admin": _hex(c.admin),
                   "still_member": int(c.member), "members": [m.hex() for m in c.members],
                   "member_names": [names.get(m) for m in c.members]}

    def _messages(self, files: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for m in self.reads.messages():
            written = []
            for f in self.reads.files_of(m.rowid):
                name = self._message_file(f)
                written.extend([name] if name else [])
                files.append({"message": m.id.hex(), "number": f.n + 1, "file": name,
                              "name": f.name or None, "mime": f.mime, "size": f.size,
                              "width": f.width or None, "height": f.height or None,
                              "alt": f.alt or None})
            yield {"id": m.id.hex(), "conversation": m.conversation.hex(),
                   "author": m.author.hex(), "author_name": m.author_name,
                   "mine": int(m.author == self.account), "time": iso(m.ts), "time_ms": m.ts,
                   "signed_ms": m.signed_ts, "text": m.text, "reply_to": _hex(m.reply_to),
                   "files": written}

    # --- pictures and files -----------------------------------------------------------

    def _image(self, digest: bytes, used_as: str, post: bytes | None, author: bytes,
               attachment: Any) -> str | None:
        """The file name under images/ of a picture (written once), None when this home
        does not hold it; a row of the images table either way."""
        if digest not in self._written:
            data = self.reads.blob(digest)
            name = None
            if data is not None:
                name = f"images/{digest.hex()}{_extension(data)}"
                (self.out / "images").mkdir(exist_ok=True)
                (self.out / name).write_bytes(data)
                self.images += 1
            self._written[digest] = name
        name = self._written[digest]
        a = attachment
        self._image_rows.append({
            "file": name, "hash": digest.hex(),
            "mime": a.mime if a else _MIME.get(Path(name or "").suffix),
            "size": a.size if a else None, "width": a.width if a else None,
            "height": a.height if a else None, "alt": (a.alt or None) if a else None,
            "post": _hex(post), "author": author.hex(), "used_as": used_as})
        return name

    def _message_file(self, f: FileRow) -> str | None:
        """A message's picture or file, opened with the key its message gave, under
        files/; None when the sealed blob is not here yet or the key does not open it."""
        sealed = self.reads.blob(f.blob)
        if sealed is None:
            return None
        try:
            data = private_files.decrypt(sealed, f.key, f.size)
        except Exception:  # a sender can name any hash with any key: nothing to copy
            return None
        base = private_files.safe_name(f.name) if f.name else f"picture{_extension(data)}"
        name = f"files/{f.blob.hex()[:12]}-{base}"
        (self.out / "files").mkdir(exist_ok=True)
        (self.out / name).write_bytes(data)
        self.files += 1
        return name

    # --- README -----------------------------------------------------------------------

    def _readme(self, with_followed: bool) -> None:
        lines = [
            "A readable copy of a p2psocial account",
            "=" * 38, "",
            f"Account: {ids.account_text(self.account)}",
            f"Made: {iso(self.now_ms)} (UTC)", "",
            "Everything here opens without p2psocial. The same data is in two forms:", "",
            f"{DATABASE}",
            "    A SQLite database: open it with the sqlite3 command line",
            f"    (sqlite3 {DATABASE} \"select time, text from posts\"), DB Browser for",
            "    SQLite, or Datasette (datasette p2psocial.db). posts_fts is a full-text",
            "    index of the posts.", "",
            "<table>.json",
            "    Each table again, as a JSON array of objects (one per line).", "",
            "images/   the pictures of your posts and your avatar"
            + (", and of the posts of the people you follow" if with_followed else ""),
            "files/    the pictures and files of your private messages", "",
            "Tables (rows):", ""]
        for name, count in self.rows.items():
            lines.append(f"  {name} ({count}): {TABLES[name].about}")
        lines += [
            "", "Ids are lowercase hex: posts by their entry id, people by their account",
            "key (account_text is the same account as the app shows it, p2ps1...).",
            "Times: ISO-8601 UTC text (time) and milliseconds since 1970 (time_ms).",
            "signed_ms is what the author's clock said, when it differs from where the",
            "post is placed (never later than it reached this computer).", "",
            "Private messages are here as this computer opened them: keep this copy as",
            "safe as the messages themselves. Deleted posts are not in it.", ""]
        (self.out / README).write_text("\n".join(lines), encoding="utf-8")


_MIME = {".jpg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
         ".webp": "image/webp"}


def _extension(data: bytes) -> str:
    """A file extension from the picture's first bytes (what p2psocial accepts)."""
    for magic, ext in ((b"\xff\xd8\xff", ".jpg"), (b"\x89PNG", ".png"), (b"GIF8", ".gif")):
        if data.startswith(magic):
            return ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return ".bin"


__all__ = ["DATABASE", "README", "TABLES", "TakeoutSummary", "write_takeout"]
