"""Content kinds: what a body says, as domain values, and its wire layout.

Each kind is a frozen dataclass with ``to_wire`` (a tuple in a fixed layout) and
``from_wire`` (strict: wrong types, lengths or limits raise ``MalformedEntry``).
``encode_body`` / ``decode_body`` are the only place where body bytes and content
values meet. Limits that a person can hit (text length, number of tags...) are
checked by ``validate`` with ``UserError`` messages before anything is signed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, ClassVar, Protocol

from . import codec, ids
from .entry import BODY_CAP
from .errors import (
    BadId,
    BadRevocation,
    ContentTooLarge,
    InvalidContent,
    MalformedEntry,
    UnknownKind,
)
from .identity import MAX_CHAIN, Certificate, Revocation, certificate_from_wire

TEXT_MAX = 8000
CW_MAX = 500
TAGS_MAX = 30
TAG_MAX = 64
MENTIONS_MAX = 50
ATTACHMENTS_MAX = 10
ALT_MAX = 1500
NAME_MAX = 64
BIO_MAX = 1000
EMOJI_MAX_BYTES = 64
MIME_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")

BODY_CAPS = codec.Caps(max_bytes=BODY_CAP, max_bin=BODY_CAP, max_str=64 * 1024, max_array=64,
                       max_depth=4)
DEVICE_CAPS = codec.Caps(max_bytes=BODY_CAP, max_bin=BODY_CAP, max_str=64 * 1024, max_array=64,
                         max_depth=MAX_CHAIN + 1)
"""A DEVICE body nests one array per link of its certificate chain, then the root's."""


class Kind(IntEnum):
    """The ``kind`` field of a header. Numbers are forever: never reuse one."""

    DEVICE = 0
    POST = 1
    REACTION = 2
    PROFILE = 3
    FOLLOW = 4
    UNFOLLOW = 5
    BLOCK = 6
    UNBLOCK = 7
    DELETE = 8
    EDIT = 9
    PRIVATE = 10  # body is a recipients envelope (envelope.py); inner kind is hidden
    GROUP = 11  # body is a group-key envelope (envelope.py)
    DEVICE_LINK = 12  # the author's device certifies another (identity.DelegatedCert)
    REVOKE = 13  # the account's root key revokes a device (identity.Revocation)


class Content(Protocol):
    KIND: ClassVar[Kind]

    def to_wire(self) -> tuple: ...


@dataclass(frozen=True, slots=True)
class Attachment:
    """A reference to a blob: images are fetched on demand by hash."""

    blob: bytes
    mime: str
    size: int
    width: int
    height: int
    alt: str = ""

    def to_wire(self) -> tuple:
        return (self.blob, self.mime, self.size, self.width, self.height, self.alt)

    @classmethod
    def from_wire(cls, w: object) -> Attachment:
        t = _tuple(w, 6, "attachment")
        return cls(_hash(t[0], "attachment blob"), _str(t[1], 64, "attachment type"),
                   _uint(t[2], "attachment size"), _uint(t[3], "attachment width"),
                   _uint(t[4], "attachment height"), _str(t[5], ALT_MAX * 4, "alt text"))


@dataclass(frozen=True, slots=True)
class Post:
    KIND: ClassVar[Kind] = Kind.POST
    text: str
    mentions: tuple[bytes, ...] = ()
    tags: tuple[str, ...] = ()
    content_warning: str | None = None
    attachments: tuple[Attachment, ...] = ()
    reply_parent: bytes | None = None
    thread_root: bytes | None = None

    def to_wire(self) -> tuple:
        return (self.text, self.mentions, self.tags, self.content_warning,
                tuple(a.to_wire() for a in self.attachments), self.reply_parent,
                self.thread_root)

    @classmethod
    def from_wire(cls, w: object) -> Post:
        # the hot path of ingest (9 of 10 entries are posts): empty lists cost nothing
        text, mentions, tags, cw, attachments, parent, root = _tuple(w, 7, "post")
        if parent is not None or root is not None:
            _hash(parent, "reply parent")
            _hash(root, "thread root")
        if mentions:
            for m in _list(mentions, MENTIONS_MAX, "mentions"):
                _hash(m, "mention")
        elif type(mentions) is not tuple:
            raise MalformedEntry("mentions must be an array")
        if tags:
            for x in _list(tags, TAGS_MAX, "tags"):
                _str(x, TAG_MAX * 4, "tag")
        elif type(tags) is not tuple:
            raise MalformedEntry("tags must be an array")
        if attachments or type(attachments) is not tuple:
            attachments = tuple(Attachment.from_wire(a) for a in
                                _list(attachments, ATTACHMENTS_MAX, "attachments"))
        if cw is not None:
            _str(cw, CW_MAX * 4, "content warning")
        return cls(_str(text, TEXT_MAX * 4, "text"), mentions, tags, cw, attachments, parent,
                   root)

    def validate(self) -> None:
        if not self.text.strip() and not self.attachments:
            raise InvalidContent("a post needs some text or an image")
        _limit(self.text, TEXT_MAX, "post text")
        if self.content_warning is not None:
            _limit(self.content_warning, CW_MAX, "content warning")
        if (self.reply_parent is None) != (self.thread_root is None):
            raise InvalidContent("a reply names both its parent and its thread root")
        if len(self.tags) > TAGS_MAX:
            raise ContentTooLarge(f"a post has at most {TAGS_MAX} tags")
        for tag in self.tags:
            _limit(tag, TAG_MAX, "tag")
        if len(self.mentions) > MENTIONS_MAX:
            raise ContentTooLarge(f"a post mentions at most {MENTIONS_MAX} people")
        if len(self.attachments) > ATTACHMENTS_MAX:
            raise ContentTooLarge(f"a post has at most {ATTACHMENTS_MAX} images")
        for a in self.attachments:
            if a.mime not in MIME_TYPES:
                raise InvalidContent(f"images must be JPEG, PNG, WebP or GIF, not {a.mime!r}")
            _limit(a.alt, ALT_MAX, "image description")


@dataclass(frozen=True, slots=True)
class Reaction:
    KIND: ClassVar[Kind] = Kind.REACTION
    target: bytes
    emoji: str
    undo: bool = False

    def to_wire(self) -> tuple:
        return (self.target, self.emoji, self.undo)

    @classmethod
    def from_wire(cls, w: object) -> Reaction:
        t = _tuple(w, 3, "reaction")
        emoji = _str(t[1], EMOJI_MAX_BYTES, "emoji")
        if not isinstance(t[2], bool):
            raise MalformedEntry("reaction undo flag must be a bool")
        return cls(_hash(t[0], "reaction target"), emoji, t[2])

    def validate(self) -> None:
        if not self.emoji.strip() or any(c.isspace() for c in self.emoji):
            raise InvalidContent("a reaction is one emoji or a short word without spaces")
        if len(self.emoji.encode()) > EMOJI_MAX_BYTES or len(self.emoji) > 16:
            raise ContentTooLarge("a reaction is at most 16 characters")


@dataclass(frozen=True, slots=True)
class Profile:
    KIND: ClassVar[Kind] = Kind.PROFILE
    name: str
    bio: str = ""
    avatar: bytes | None = None

    def to_wire(self) -> tuple:
        return (self.name, self.bio, self.avatar)

    @classmethod
    def from_wire(cls, w: object) -> Profile:
        t = _tuple(w, 3, "profile")
        return cls(_str(t[0], NAME_MAX * 4, "name"), _str(t[1], BIO_MAX * 4, "bio"),
                   _opt_hash(t[2], "avatar"))

    def validate(self) -> None:
        if not self.name.strip():
            raise InvalidContent("a name cannot be empty")
        if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in self.name):
            raise InvalidContent("a name cannot contain line breaks or control characters")
        _limit(self.name, NAME_MAX, "name")
        _limit(self.bio, BIO_MAX, "bio")


@dataclass(frozen=True, slots=True)
class _AccountRef:
    """Follow, unfollow, block and unblock all name one account."""

    account: bytes

    def to_wire(self) -> tuple:
        return (self.account,)

    @classmethod
    def from_wire(cls, w: object):  # type: ignore[no-untyped-def]
        t = _tuple(w, 1, cls.__name__.lower())
        return cls(_hash(t[0], "account"))

    def validate(self) -> None:
        pass


@dataclass(frozen=True, slots=True)
class Follow(_AccountRef):
    KIND: ClassVar[Kind] = Kind.FOLLOW


@dataclass(frozen=True, slots=True)
class Unfollow(_AccountRef):
    KIND: ClassVar[Kind] = Kind.UNFOLLOW


@dataclass(frozen=True, slots=True)
class Block(_AccountRef):
    KIND: ClassVar[Kind] = Kind.BLOCK


@dataclass(frozen=True, slots=True)
class Unblock(_AccountRef):
    KIND: ClassVar[Kind] = Kind.UNBLOCK


@dataclass(frozen=True, slots=True)
class Delete:
    """Delete one of the author's own entries: every holder drops its body for good."""

    KIND: ClassVar[Kind] = Kind.DELETE
    target: bytes

    def to_wire(self) -> tuple:
        return (self.target,)

    @classmethod
    def from_wire(cls, w: object) -> Delete:
        return cls(_hash(_tuple(w, 1, "delete")[0], "delete target"))

    def validate(self) -> None:
        pass


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text (and content warning) of one of the author's own posts."""

    KIND: ClassVar[Kind] = Kind.EDIT
    target: bytes
    text: str
    content_warning: str | None = None

    def to_wire(self) -> tuple:
        return (self.target, self.text, self.content_warning)

    @classmethod
    def from_wire(cls, w: object) -> Edit:
        t = _tuple(w, 3, "edit")
        return cls(_hash(t[0], "edit target"), _str(t[1], TEXT_MAX * 4, "text"),
                   _opt_str(t[2], CW_MAX * 4, "content warning"))

    def validate(self) -> None:
        if not self.text.strip():
            raise InvalidContent("an edit needs some text; to remove a post, delete it")
        _limit(self.text, TEXT_MAX, "post text")
        if self.content_warning is not None:
            _limit(self.content_warning, CW_MAX, "content warning")


@dataclass(frozen=True, slots=True)
class DeviceAnnouncement:
    """Body of a log's first entry: the certificate binding the device to its account
    (root-signed, or delegated by another device of the account)."""

    KIND: ClassVar[Kind] = Kind.DEVICE
    cert: Certificate

    def to_wire(self) -> tuple:
        return self.cert.to_wire()

    @classmethod
    def from_wire(cls, w: object) -> DeviceAnnouncement:
        return cls(certificate_from_wire(w))

    def validate(self) -> None:
        pass


@dataclass(frozen=True, slots=True)
class DeviceLink:
    """The author's device is about to certify ``device``, named ``name`` by its owner.

    Written in the issuer's log before it signs the delegated certificate, which names
    this entry: a revocation of the issuer then tells the devices it linked before the
    theft (kept) from those it linked after (revoked too)."""

    KIND: ClassVar[Kind] = Kind.DEVICE_LINK
    device: bytes
    name: str
    created_ms: int

    def to_wire(self) -> tuple:
        return (self.device, self.name, self.created_ms)

    @classmethod
    def from_wire(cls, w: object) -> DeviceLink:
        t = _tuple(w, 3, "device link")
        name = _str(t[1], NAME_MAX * 4, "device name")
        if not 1 <= len(name) <= NAME_MAX:
            raise MalformedEntry(f"a device name is 1 to {NAME_MAX} characters")
        return cls(_hash(t[0], "linked device"), name, _uint(t[2], "device link time"))

    def validate(self) -> None:
        if not self.name.strip():
            raise InvalidContent("a device needs a name")
        if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in self.name):
            raise InvalidContent("a device name cannot contain line breaks or control "
                                 "characters")
        _limit(self.name, NAME_MAX, "device name")


@dataclass(frozen=True, slots=True)
class RevokeDevice:
    """The account's root key revokes one of its devices (identity.Revocation); any
    device of the account may carry it in its log."""

    KIND: ClassVar[Kind] = Kind.REVOKE
    revocation: Revocation

    def to_wire(self) -> tuple:
        return self.revocation.to_wire()

    @classmethod
    def from_wire(cls, w: object) -> RevokeDevice:
        return cls(Revocation.from_wire(w))

    def validate(self) -> None:
        pass

    def check(self, account: bytes) -> None:
        """``BadRevocation`` unless the revocation verifies and is ``account``'s, the
        account of the log that carries it."""
        if self.revocation.account != account:
            raise BadRevocation("a revocation in the log of another account")
        self.revocation.verify()


@dataclass(frozen=True, slots=True)
class Sealed:
    """An encrypted body (kinds PRIVATE and GROUP): opaque bytes to all but readers."""

    kind: Kind
    data: bytes = field(repr=False)

    def to_wire(self) -> tuple:  # pragma: no cover - sealed bodies are raw bytes
        raise TypeError("sealed bodies are not msgpack content")

    def validate(self) -> None:
        pass


PUBLIC_KINDS: dict[Kind, Any] = {
    Kind.DEVICE: DeviceAnnouncement, Kind.POST: Post, Kind.REACTION: Reaction,
    Kind.PROFILE: Profile, Kind.FOLLOW: Follow, Kind.UNFOLLOW: Unfollow, Kind.BLOCK: Block,
    Kind.UNBLOCK: Unblock, Kind.DELETE: Delete, Kind.EDIT: Edit,
    Kind.DEVICE_LINK: DeviceLink, Kind.REVOKE: RevokeDevice,
}
SEALED_KINDS = (Kind.PRIVATE, Kind.GROUP)

AnyContent = (Post | Reaction | Profile | Follow | Unfollow | Block | Unblock | Delete | Edit
              | DeviceAnnouncement | DeviceLink | RevokeDevice | Sealed)


def encode_body(content: AnyContent) -> tuple[int, bytes]:
    """(kind, body bytes) for a content value."""
    if isinstance(content, Sealed):
        return int(content.kind), content.data
    return int(content.KIND), codec.encode(content.to_wire())


_KINDS = {int(k): k for k in Kind}


def decode_body(kind: int, body: bytes) -> AnyContent:
    """The content value of a body, or ``MalformedEntry`` / ``UnknownKind``."""
    k = _KINDS.get(kind)
    if k is None:
        raise UnknownKind(f"content kind {kind} is not known to this version")
    if k in SEALED_KINDS:
        return Sealed(k, body)
    caps = DEVICE_CAPS if k is Kind.DEVICE else BODY_CAPS
    decoded: AnyContent = PUBLIC_KINDS[k].from_wire(codec.decode(body, caps))
    return decoded


# --- parsing text a person typed ---------------------------------------------------

_TAG_RE = re.compile(r"(?<![\w#])#(\w{1,64})")
_MENTION_RE = re.compile(r"@(" + ids.ACCOUNT + r"1[02-9ac-hj-np-z]{58})\b", re.IGNORECASE)


# "@Name" typed where an "@p2ps1..." id belongs: not after a letter (mail@example.org)
_NAME_MENTION_RE = re.compile(r"(?<![\w@/])@(\w(?:[\w.'-]*\w)?)")


def named_mentions(text: str) -> tuple[str, ...]:
    """The names written as ``@Name`` in ``text`` (not ``@p2ps1...`` ids), in order, once
    each: what a writer resolves to ids (``Node.posts.resolve_mentions``) before posting."""
    seen: dict[str, None] = {}
    for m in _NAME_MENTION_RE.finditer(text):
        if not _MENTION_RE.fullmatch(m.group(0)):
            seen.setdefault(m.group(1), None)
    return tuple(seen)


def replace_named_mentions(text: str, accounts: dict[str, bytes]) -> str:
    """``text`` with each ``@Name`` that ``accounts`` maps written as ``@p2ps1...``."""
    def one(m: re.Match[str]) -> str:
        account = accounts.get(m.group(1))
        return m.group(0) if account is None else "@" + ids.account_text(account)
    return _NAME_MENTION_RE.sub(one, text)


def extract_tags(text: str) -> tuple[str, ...]:
    """Hashtags in ``text``, lower-cased, first occurrence order, without the '#'."""
    seen: dict[str, None] = {}
    for m in _TAG_RE.finditer(text):
        seen.setdefault(m.group(1).lower(), None)
    return tuple(seen)[:TAGS_MAX]


def extract_mentions(text: str) -> tuple[bytes, ...]:
    """Accounts mentioned as ``@p2ps1...`` in ``text``; malformed ids are ignored."""
    seen: dict[bytes, None] = {}
    for m in _MENTION_RE.finditer(text):
        try:
            seen.setdefault(ids.decode(ids.ACCOUNT, m.group(1)), None)
        except BadId:
            continue
    return tuple(seen)[:MENTIONS_MAX]


# --- strict field readers ------------------------------------------------------------


def _tuple(w: object, n: int, what: str) -> tuple:
    if type(w) is not tuple or len(w) != n:
        raise MalformedEntry(f"a {what} is an array of {n}")
    return w


def _list(w: object, cap: int, what: str) -> tuple:
    if type(w) is not tuple:
        raise MalformedEntry(f"{what} must be an array")
    if len(w) > cap:
        raise MalformedEntry(f"more than {cap} {what}")
    return w


def _str(w: object, max_bytes: int, what: str) -> str:
    if type(w) is not str:
        raise MalformedEntry(f"{what} must be text")
    if len(w) > max_bytes:
        raise MalformedEntry(f"{what} is too long")
    return w


def _opt_str(w: object, max_bytes: int, what: str) -> str | None:
    return None if w is None else _str(w, max_bytes, what)


def _hash(w: object, what: str) -> bytes:
    if type(w) is not bytes or len(w) != 32:
        raise MalformedEntry(f"{what} must be 32 bytes")
    return w


def _opt_hash(w: object, what: str) -> bytes | None:
    return None if w is None else _hash(w, what)


def _uint(w: object, what: str) -> int:
    if not isinstance(w, int) or isinstance(w, bool) or w < 0 or w > 2**53:
        raise MalformedEntry(f"{what} must be a non-negative int")
    return w


def _limit(text: str, limit: int, what: str) -> None:
    if len(text) > limit:
        raise ContentTooLarge(f"{what} is {len(text):,} characters; the limit is {limit:,}")
