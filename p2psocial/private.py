"""What a private entry says once opened: direct messages and group keys and posts.

Theory of operation.

A direct message is an entry of kind PRIVATE whose body is a recipient envelope
(envelope.py) sealed to every member's account encryption key, the author's own
included (so the author's other devices read it too), with the author's account id
as the envelope's ``context`` (an envelope copied into another author's log does not
open). Inside is one of the small values below, encoded as canonical msgpack::

    [1, inner_kind, [fields...], zero padding]

The padding brings the plaintext to a size bucket (``padded_size``: 64, 128 ... 4096
bytes, then multiples of 4 KiB), so a carrier cannot tell "ok" from a paragraph;
values written before padding existed (three items) still read.

The inner kind is hidden from carriers: they see a PRIVATE entry, its size and its
time, never whether it is a message or a group key, nor for whom.

* Pictures and files (issue 14): a ``Message`` or ``GroupPost`` may end with up to 10
  ``PrivateAttachment``s (private_files.py: a sealed blob's hash, its key, type, size,
  name); the envelope lists the sealed blobs' hashes in the clear (``blobs_of``) so
  that carriers fetch and serve them. Values without attachments keep their old
  layout, byte for byte.
* ``Message(members, text, reply_to)`` (PRIVATE): ``members`` are all the accounts of
  the conversation, the author included, sorted; ``conversation_id(members)`` names
  the conversation, the same for everyone whatever the order they typed names in.
* ``GroupKey(group_id, salt, epoch, key, name, members)`` (PRIVATE): the key of one
  epoch of a group, sent by the group's admin to its members. The group id is
  ``group_id_of(admin, salt)``, so a reader checks that the author is the admin
  without trusting anyone's word: nobody else can hand out keys for that group.
* ``GroupPost(text, reply_to)`` (GROUP): a message in a group, sealed with
  ``envelope.seal_group`` under the epoch key; ``GroupLeave()`` says its author left;
  ``GroupReaction(reaction)`` reacts to one of its messages (a ``content.Reaction``).
* ``CirclePost(post)`` (GROUP): a followers-only post, for the timeline, not a chat.
  A circle is a group like any other (keys per epoch through ``GroupKey``, revoking
  someone is removing a member, so a new epoch) whose admin is the author and whose
  salt is the constant ``CIRCLE_SALT``: ``circle_id(author)`` is known to every
  device of the author without any state, and a reader tells a circle from a chat
  group by the salt in the key it received. Inside is a public ``content.Post``
  body, so a circle post has what a post has (mentions, tags, content warning,
  reply, images); its images are sealed blobs (private_files.py), one key per image
  beside the body.
* ``CommunityKey(community_id, salt, creator, key, name)`` (PRIVATE, sealed to the
  author alone): an open community's one key, which anyone on its LAN may ask a
  member for (net/community.py). Joining is writing this note to ourselves, so every
  device of the account learns the key the way it learns a group's; the id is
  ``group_id_of(creator, salt)``, like a group's. Its posts are ``GroupPost``s under
  epoch 0 from any member; its moderators may remove accounts (``CommunityModeration``).
* ``AccountKey(epoch, seed)`` (PRIVATE): the account's encryption key rotated in when
  a device was revoked (identity.py), sealed to the surviving devices' own X25519 keys
  and to the account's recovery key (so a restore from the phrase reads it), never to
  the account's old encryption key, which the lost device holds.
* ``CommunityModeration(act, target)`` (GROUP, under a community's key): its creator
  names or dismisses a moderator; a moderator removes or restores an account, or hides
  a post (issue 17; moderation.py says which acts count).
* ``Report(community_id, target, is_post, reason)`` (PRIVATE): a member reports a post
  or an account, sealed to the community's moderators and the reporter alone.

Reading is the store's job (store/inbox.py); this module is pure: randomness is
passed in (``rand(n)`` returns n random bytes), like the envelope's.

What a reader must check, because a sender can write anything inside the envelope:
the author is one of the ``members`` it claims, and so is the reader (a message
sealed to us that names other members must not slip into their conversation).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import ClassVar, Final

import nacl.exceptions

from . import codec, crypto, envelope, private_files
from . import content as c
from .content import TEXT_MAX
from .entry import BODY_CAP
from .errors import (
    ContentTooLarge,
    DecryptionFailed,
    InvalidContent,
    InvalidEntry,
    MalformedEntry,
    UnknownKind,
    UnknownVersion,
    UserError,
)
from .private_files import PrivateAttachment

VERSION: Final = 1
MAX_RECIPIENTS: Final = envelope.MAX_RECIPIENTS - 1
"""Other people in one direct conversation: the envelope's slots less the author's own."""
MAX_COMMUNITY_MEMBERS: Final = 256
"""Accounts on a community's roster, whose logs every member replicates."""
MAX_GROUP_MEMBERS: Final = 64
"""Members of a group, the admin included. A key is sent in envelopes of at most
``MAX_RECIPIENTS`` others each, so a full group costs 5 PRIVATE entries per epoch."""
NAME_MAX: Final = 64
ID_LEN: Final = 32

CAPS: Final = codec.Caps(max_bytes=BODY_CAP, max_bin=BODY_CAP, max_str=TEXT_MAX * 4,
                         max_array=MAX_GROUP_MEMBERS, max_depth=4)
"""Depth 4: the value, its fields, a message's attachments, one attachment."""

_CONVERSATION_PERSON = b"p2ps-conv"
_GROUP_PERSON = b"p2ps-group"
CIRCLE_SALT: Final = bytes(ID_LEN)
"""The salt of every author's circle. A chat group's salt is 32 random bytes, so no
group can be mistaken for a circle. The circle's id is public, but group envelopes of
version 2 (issue 12) name no group, so carriers cannot tell circle posts from group
messages; entries written before name it."""
CIRCLE_NAME: Final = "Followers"

Rand = Callable[[int], bytes]
Opener = Callable[[bytes, bytes], "bytes | None"]


class Inner(IntEnum):
    """The inner kind of a private value. Numbers are forever: never reuse one."""

    MESSAGE = 0
    GROUP_KEY = 1
    GROUP_POST = 2
    GROUP_LEAVE = 3
    CIRCLE_POST = 4
    COMMUNITY_KEY = 5
    GROUP_REACTION = 6
    ACCOUNT_KEY = 7
    COMMUNITY_MODERATION = 8
    REPORT = 9


@dataclass(frozen=True, slots=True)
class Message:
    INNER: ClassVar[Inner] = Inner.MESSAGE
    members: tuple[bytes, ...]
    text: str
    reply_to: bytes | None = None
    attachments: tuple[PrivateAttachment, ...] = ()

    def to_wire(self) -> tuple:
        fields = (self.members, self.text, self.reply_to)
        return (*fields, _files_wire(self.attachments)) if self.attachments else fields

    @classmethod
    def from_wire(cls, w: object) -> Message:
        members, text, reply_to, *files = _tuple(w, (3, 4), "message")
        return cls(_members(members, MAX_RECIPIENTS + 1), _text(text), _opt_id(reply_to),
                   _files(files))

    def validate(self) -> None:
        _check_text(self.text, self.attachments)


@dataclass(frozen=True, slots=True)
class GroupKey:
    INNER: ClassVar[Inner] = Inner.GROUP_KEY
    group_id: bytes
    salt: bytes
    epoch: int
    key: bytes = field(repr=False)
    name: str
    members: tuple[bytes, ...]

    def to_wire(self) -> tuple:
        return (self.group_id, self.salt, self.epoch, self.key, self.name, self.members)

    @classmethod
    def from_wire(cls, w: object) -> GroupKey:
        group_id, salt, epoch, key, name, members = _tuple(w, 6, "group key")
        if not (type(epoch) is int and 0 <= epoch <= envelope.MAX_EPOCH):
            raise MalformedEntry("a group epoch is a non-negative int")
        if not (type(name) is str and len(name) <= NAME_MAX * 4):
            raise MalformedEntry("a group name is short text")
        return cls(_id(group_id, "group id"), _id(salt, "group salt"), epoch,
                   _id(key, "group key"), name, _members(members, MAX_GROUP_MEMBERS, 1))

    def validate(self) -> None:
        check_group_name(self.name)

    def admin_is(self, author: bytes) -> bool:
        """Whether ``author`` created this group (and so may hand out its keys)."""
        return group_id_of(author, self.salt) == self.group_id

    @property
    def is_circle(self) -> bool:
        """Whether this is the key of its admin's followers-only circle."""
        return self.salt == CIRCLE_SALT


@dataclass(frozen=True, slots=True)
class GroupPost:
    INNER: ClassVar[Inner] = Inner.GROUP_POST
    text: str
    reply_to: bytes | None = None
    attachments: tuple[PrivateAttachment, ...] = ()

    def to_wire(self) -> tuple:
        fields = (self.text, self.reply_to)
        return (*fields, _files_wire(self.attachments)) if self.attachments else fields

    @classmethod
    def from_wire(cls, w: object) -> GroupPost:
        text, reply_to, *files = _tuple(w, (2, 3), "group post")
        return cls(_text(text), _opt_id(reply_to), _files(files))

    def validate(self) -> None:
        _check_text(self.text, self.attachments)


@dataclass(frozen=True, slots=True)
class GroupLeave:
    INNER: ClassVar[Inner] = Inner.GROUP_LEAVE

    def to_wire(self) -> tuple:
        return ()

    @classmethod
    def from_wire(cls, w: object) -> GroupLeave:
        _tuple(w, 0, "group leave")
        return cls()

    def validate(self) -> None:
        pass


@dataclass(frozen=True, slots=True)
class CirclePost:
    """A followers-only post: a public post's body, under the circle's epoch key."""

    INNER: ClassVar[Inner] = Inner.CIRCLE_POST
    post: c.Post
    keys: tuple[bytes, ...] = field(default=(), repr=False)
    """One per image of ``post``: the key of its sealed blob (private_files.py); the
    image's ``blob`` is the sealed blob's hash and its ``size`` the true size."""

    def to_wire(self) -> tuple:
        body = c.encode_body(self.post)[1]
        return (body, self.keys) if self.keys else (body,)

    @classmethod
    def from_wire(cls, w: object) -> CirclePost:
        body, *rest = _tuple(w, (1, 2), "circle post")
        if type(body) is not bytes:
            raise MalformedEntry("a circle post holds a post body")
        keys = rest[0] if rest else ()
        if type(keys) is not tuple or (rest and not keys) or any(
                type(k) is not bytes or len(k) != private_files.KEY_LEN for k in keys):
            raise MalformedEntry("a circle post's image keys are 1 to 10 keys")
        post = c.decode_body(c.Kind.POST, body)
        assert isinstance(post, c.Post)
        value = cls(post, keys)
        try:  # a reader keeps only what an honest author could have sent
            value.validate()
        except UserError as exc:
            raise MalformedEntry(f"a circle post that no author could send: {exc}") from None
        return value

    def validate(self) -> None:
        self.post.validate()
        if len(self.keys) != len(self.post.attachments):
            raise InvalidContent("every image of a followers-only post is sealed with a key")
        for a in self.post.attachments:
            private_files.check_size(a.size, "this image")

    def files(self) -> tuple[PrivateAttachment, ...]:
        """The post's images as private attachments (with their keys)."""
        return tuple(PrivateAttachment(a.blob, k, a.mime, a.size, a.width, a.height, "",
                                       a.alt)
                     for a, k in zip(self.post.attachments, self.keys, strict=True))


@dataclass(frozen=True, slots=True)
class CommunityKey:
    """An open community's key, as a member (any member) hands it to a joiner."""

    INNER: ClassVar[Inner] = Inner.COMMUNITY_KEY
    community_id: bytes
    salt: bytes
    creator: bytes
    key: bytes = field(repr=False)
    name: str

    def to_wire(self) -> tuple:
        return (self.community_id, self.salt, self.creator, self.key, self.name)

    @classmethod
    def from_wire(cls, w: object) -> CommunityKey:
        cid, salt, creator, key, name = _tuple(w, 5, "community key")
        if not (type(name) is str and len(name) <= NAME_MAX * 4):
            raise MalformedEntry("a community name is short text")
        value = cls(_id(cid, "community id"), _id(salt, "community salt"),
                    _id(creator, "community creator"), _id(key, "community key"), name)
        if not value.consistent:
            raise MalformedEntry("a community id is its creator's and salt's hash")
        return value

    def validate(self) -> None:
        check_group_name(self.name)
        if not self.consistent:
            raise InvalidContent("that community id does not match its creator")

    @property
    def consistent(self) -> bool:
        return group_id_of(self.creator, self.salt) == self.community_id


@dataclass(frozen=True, slots=True)
class GroupReaction:
    """A reaction (or its undo) to a message of a group, under the group's key: what a
    public ``content.Reaction`` is to a post, hidden from carriers."""

    INNER: ClassVar[Inner] = Inner.GROUP_REACTION
    reaction: c.Reaction

    def to_wire(self) -> tuple:
        return self.reaction.to_wire()

    @classmethod
    def from_wire(cls, w: object) -> GroupReaction:
        value = cls(c.Reaction.from_wire(w))
        try:  # a reader keeps only what an honest author could have sent
            value.validate()
        except UserError as exc:
            raise MalformedEntry(f"a group reaction that no author could send: {exc}") \
                from None
        return value

    def validate(self) -> None:
        self.reaction.validate()


@dataclass(frozen=True, slots=True)
class AccountKey:
    """The seed of the account's encryption key from ``epoch`` on (epoch 0 is the first
    key, derived from the root seed; a revocation starts the next epoch)."""

    INNER: ClassVar[Inner] = Inner.ACCOUNT_KEY
    epoch: int
    seed: bytes = field(repr=False)

    def to_wire(self) -> tuple:
        return (self.epoch, self.seed)

    @classmethod
    def from_wire(cls, w: object) -> AccountKey:
        epoch, seed = _tuple(w, 2, "account key")
        if not (type(epoch) is int and 1 <= epoch <= envelope.MAX_EPOCH):
            raise MalformedEntry("an account key's epoch is a positive int")
        return cls(epoch, _id(seed, "account key"))

    def validate(self) -> None:
        if not 1 <= self.epoch <= envelope.MAX_EPOCH or len(self.seed) != ID_LEN:
            raise InvalidContent("an account key is a 32-byte seed of a later epoch")


class Act(IntEnum):
    """What a ``CommunityModeration`` does (moderation.py says who may). Forever."""

    APPOINT = 1  # the creator names ``target`` (an account) a moderator
    DISMISS = 2  # the creator takes that back
    REMOVE = 3  # a moderator removes ``target`` (an account) from the community
    RESTORE = 4  # a moderator takes a removal back
    HIDE = 5  # a moderator hides ``target`` (a post: an entry id) from the community


REASON_MAX: Final = 500
"""Characters of a report's reason."""


@dataclass(frozen=True, slots=True)
class CommunityModeration:
    """One act of a community's creator or moderators, under the community's key, so
    that every member reads it and applies it (moderation.py, store/moderation.py)."""

    INNER: ClassVar[Inner] = Inner.COMMUNITY_MODERATION
    act: Act
    target: bytes  # an account id, or the entry id of a post (HIDE)

    def to_wire(self) -> tuple:
        return (int(self.act), self.target)

    @classmethod
    def from_wire(cls, w: object) -> CommunityModeration:
        act, target = _tuple(w, 2, "community moderation")
        if type(act) is not int or act not in Act.__members__.values():
            raise MalformedEntry("a moderation act is one of the known acts")
        return cls(Act(act), _id(target, "moderation target"))

    def validate(self) -> None:
        if len(self.target) != ID_LEN:
            raise InvalidContent("a moderation act names one account or post")


@dataclass(frozen=True, slots=True)
class Report:
    """A member's report of a post or an account to a community's moderators, sealed
    to them (and to the reporter's own devices) only."""

    INNER: ClassVar[Inner] = Inner.REPORT
    community_id: bytes
    target: bytes  # an account id, or the entry id of a post
    is_post: bool
    reason: str

    def to_wire(self) -> tuple:
        return (self.community_id, self.target, self.is_post, self.reason)

    @classmethod
    def from_wire(cls, w: object) -> Report:
        cid, target, is_post, reason = _tuple(w, 4, "report")
        if type(is_post) is not bool:
            raise MalformedEntry("a report says whether it is about a post")
        if not (type(reason) is str and len(reason) <= REASON_MAX * 4):
            raise MalformedEntry("a report's reason is short text")
        return cls(_id(cid, "community id"), _id(target, "report target"), is_post, reason)

    def validate(self) -> None:
        if len(self.reason) > REASON_MAX:
            raise ContentTooLarge(f"a report's reason is at most {REASON_MAX} characters; "
                                  f"this one has {len(self.reason):,}")


Private = (Message | GroupKey | GroupPost | GroupLeave | CirclePost | CommunityKey
           | GroupReaction | AccountKey | CommunityModeration | Report)
_BY_INNER: dict[int, type[Private]] = {
    int(t.INNER): t for t in (Message, GroupKey, GroupPost, GroupLeave, CirclePost,
                              CommunityKey, GroupReaction, AccountKey, CommunityModeration,
                              Report)}


def encode(value: Private) -> bytes:
    """The plaintext bytes of a private value (what goes into an envelope), padded
    with zero bytes (a fourth item) to exactly one of the sizes ``padded_size`` gives:
    a carrier sees a size bucket, not the length of the text. A value that names its
    members is padded as if it named as many as its bucket holds (``MEMBER_BUCKETS``),
    so the size does not tell a message to one person from one to three."""
    fields = (VERSION, int(value.INNER), value.to_wire())
    base = len(codec.encode(fields))
    target = padded_size(base + 2 + _members_reserve(value))
    while True:
        # the padding is a bin item: 2 bytes of header up to 255 bytes, 3 beyond, so
        # a total of base + 258 cannot be hit exactly: the next size is taken then
        for header, fits in ((2, range(0, 256)), (3, range(256, 65536))):
            if target - base - header in fits:
                return codec.encode((*fields, bytes(target - base - header)))
        target = padded_size(target + 1)


MEMBER_BUCKETS: Final = (4, 16, MAX_GROUP_MEMBERS)
"""Member counts a value's size is padded up to (the first two are the envelope's
slot counts: a message's members are its readers)."""
_MEMBER_COST = 2 + ID_LEN  # one account id in msgpack


def _members_reserve(value: Private) -> int:
    """Bytes that would make ``value`` name as many members as its bucket holds."""
    if not isinstance(value, Message | GroupKey):
        return 0
    n = len(value.members)
    return _MEMBER_COST * (next((b for b in MEMBER_BUCKETS if b >= n), n) - n)


PAD_STEPS: Final = (64, 128, 256, 512, 1024, 2048, 4096)


def padded_size(n: int) -> int:
    """The size bucket of an ``n``-byte plaintext: the next of ``PAD_STEPS``, then
    multiples of 4 KiB (a whole text of 8,000 characters stays well under the body cap)."""
    for step in PAD_STEPS:
        if n <= step:
            return step
    return -(-n // PAD_STEPS[-1]) * PAD_STEPS[-1]


def decode(data: bytes) -> Private:
    """The private value in ``data``; ``MalformedEntry`` and friends if it is not one."""
    wire = codec.decode(data, CAPS)
    if not (type(wire) is tuple and len(wire) in (3, 4)
            and (len(wire) == 3 or type(wire[3]) is bytes)):
        raise MalformedEntry("a private value is an array of 3, and padding")
    version, inner, payload = wire[:3]
    if version != VERSION or type(version) is not int:
        raise UnknownVersion(f"private value version {version!r} is not supported")
    kind = _BY_INNER.get(inner) if type(inner) is int else None
    if kind is None:
        raise UnknownKind(f"private inner kind {inner!r} is not known to this version")
    return kind.from_wire(payload)


# --- conversations and groups ----------------------------------------------------------


def conversation_id(members: Sequence[bytes]) -> bytes:
    """The id of the direct conversation among ``members`` (any order, repeats ignored)."""
    return crypto.blake2b(b"".join(sorted(set(members))), _CONVERSATION_PERSON)


def members_of(author: bytes, recipients: Sequence[bytes]) -> tuple[bytes, ...]:
    """The sorted members of a direct conversation that ``author`` starts with
    ``recipients``; refuses an empty or an over-long list in one line."""
    others = set(recipients) - {author}
    if not others:
        raise InvalidContent("a message needs at least one recipient other than you")
    if len(others) > MAX_RECIPIENTS:
        raise ContentTooLarge(f"a conversation has at most {MAX_RECIPIENTS} other people; "
                              f"this one has {len(others)}")
    return tuple(sorted(others | {author}))


def group_id_of(admin: bytes, salt: bytes) -> bytes:
    """A group's id: it proves who created it (the admin) without naming them."""
    return crypto.blake2b(admin + salt, _GROUP_PERSON)


def circle_id(author: bytes) -> bytes:
    """The group id of ``author``'s followers-only circle (there is one per account)."""
    return group_id_of(author, CIRCLE_SALT)


def check_group_name(name: str) -> None:
    if not name.strip():
        raise InvalidContent("a group needs a name")
    if len(name) > NAME_MAX or any(c in name for c in "\n\r\t"):
        raise ContentTooLarge(f"a group name is one line of at most {NAME_MAX} characters")


# --- sealing and opening -----------------------------------------------------------------


def seal(value: Private, reader_keys: Sequence[bytes], author: bytes, rand: Rand) -> bytes:
    """A PRIVATE body: ``value`` sealed to ``reader_keys`` (X25519 public keys, the
    author's own among them), bound to the author's account. The hashes of its sealed
    attachments, if any, are listed beside the envelope for carriers (``blobs_of``)."""
    value.validate()
    return envelope.seal(encode(value), reader_keys, content_key=rand(envelope.KEY_LEN),
                         ephemeral_seed=rand(envelope.SEED_LEN), nonce=rand(envelope.NONCE_LEN),
                         padding=rand(envelope.PADDING_LEN), context=author,
                         blobs=blobs_in(value))


def seal_group(value: GroupPost | GroupLeave | CirclePost | GroupReaction
               | CommunityModeration, group_id: bytes,
               epoch: int, key: bytes, author: bytes, rand: Rand) -> bytes:
    """A GROUP body: ``value`` under the key of the group's ``epoch``."""
    value.validate()
    return envelope.seal_group(encode(value), group_id=group_id, epoch=epoch, group_key=key,
                               nonce=rand(envelope.NONCE_LEN), context=author,
                               blobs=blobs_in(value))


def blobs_in(value: Private) -> tuple[bytes, ...]:
    """The hashes of the sealed blobs a private value refers to, in order."""
    if isinstance(value, Message | GroupPost):
        return tuple(a.blob for a in value.attachments)
    if isinstance(value, CirclePost):
        return tuple(a.blob for a in value.post.attachments)
    return ()


def blobs_of(kind: int, body: bytes | None) -> tuple[bytes, ...]:
    """The hashes of the sealed (encrypted) blobs that a PRIVATE or GROUP entry's body
    lists in the clear, without opening it: what a carrier fetches and serves so that
    the entry's readers get its pictures and files while its author is offline. ()
    for any other kind, a body without attachments, a missing body, or bytes that are
    not an envelope. ``blob_refs.blobs_of`` calls it for sealed entries, so the
    background blob fetcher wants these. Pure; the bytes behind these hashes are ciphertext
    (private_files.py), so a carrier learns their count and padded sizes only."""
    if body is None or kind not in (c.Kind.PRIVATE, c.Kind.GROUP):
        return ()
    try:
        return envelope.listed_blobs(body, group=kind == c.Kind.GROUP)
    except InvalidEntry:
        return ()


def opener(*readers: envelope.SealedReader) -> Opener:
    """``open(body, author_account)``: the plaintext of a PRIVATE body opened by the
    first of ``readers`` that can, or None when it is not for us, was altered, or is
    not an envelope at all (fail closed: a carrier cannot make a reader crash or tell
    these cases apart). Each reader costs a trial per envelope that is not for it:
    an account has one key until a revocation rotates it (node/devices.py)."""
    def open_body(body: bytes, author: bytes) -> bytes | None:
        for reader in readers:
            try:
                return reader.open(body, context=author)
            except DecryptionFailed:
                continue
            except (InvalidEntry, nacl.exceptions.CryptoError):
                return None
        return None

    return open_body


# --- strict field readers ----------------------------------------------------------------


def _tuple(w: object, n: int | tuple[int, ...], what: str) -> tuple:
    sizes = (n,) if isinstance(n, int) else n
    if type(w) is not tuple or len(w) not in sizes:
        raise MalformedEntry(f"a {what} is an array of {' or '.join(map(str, sizes))}")
    return w


def _files_wire(attachments: tuple[PrivateAttachment, ...]) -> tuple:
    return tuple(a.to_wire() for a in attachments)


def _files(rest: list) -> tuple[PrivateAttachment, ...]:
    """The attachments after a value's fields: none written (older values), or 1..10."""
    return private_files.attachments_from_wire(rest[0]) if rest else ()


def _id(w: object, what: str) -> bytes:
    if type(w) is not bytes or len(w) != ID_LEN:
        raise MalformedEntry(f"{what} must be {ID_LEN} bytes")
    return w


def _opt_id(w: object) -> bytes | None:
    return None if w is None else _id(w, "reply target")


def _members(w: object, cap: int, least: int = 2) -> tuple[bytes, ...]:
    """Distinct, sorted account ids: one canonical form, so ids compare as bytes."""
    if type(w) is not tuple or not least <= len(w) <= cap:
        raise MalformedEntry(f"members are an array of {least} to {cap} accounts")
    members = tuple(_id(m, "member") for m in w)
    if any(a >= b for a, b in itertools.pairwise(members)):
        raise MalformedEntry("members must be sorted and distinct")
    return members


def _text(w: object) -> str:
    if type(w) is not str or len(w) > TEXT_MAX * 4:
        raise MalformedEntry("message text must be text of bounded length")
    return w


def _check_text(text: str, attachments: tuple[PrivateAttachment, ...] = ()) -> None:
    private_files.check_attachments(attachments)
    if not text.strip() and not attachments:
        raise InvalidContent("a message needs some text, a picture or a file")
    if len(text) > TEXT_MAX:
        raise ContentTooLarge(f"message text is {len(text):,} characters; "
                              f"the limit is {TEXT_MAX:,}")
