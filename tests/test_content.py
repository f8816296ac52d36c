"""Content kinds: wire round trips, strict decoding, and the limits a person can hit."""

from __future__ import annotations

import pytest
from helpers import make_identity
from hypothesis import given, settings
from hypothesis import strategies as st

from p2psocial import codec, content, identity, ids
from p2psocial.content import (
    ALT_MAX,
    ATTACHMENTS_MAX,
    CW_MAX,
    MENTIONS_MAX,
    NAME_MAX,
    TAG_MAX,
    TAGS_MAX,
    TEXT_MAX,
    Attachment,
    Block,
    Delete,
    DeviceAnnouncement,
    DeviceLink,
    Edit,
    Follow,
    Kind,
    Post,
    Profile,
    Reaction,
    RevokeDevice,
    Sealed,
    Unblock,
    Unfollow,
)
from p2psocial.entry import BODY_CAP
from p2psocial.errors import (
    BadRevocation,
    ContentTooLarge,
    InvalidContent,
    MalformedEntry,
    NonCanonical,
    OverCap,
    UnknownKind,
    UserError,
)

FAST = settings(max_examples=100, deadline=None)

H = bytes(range(32))  # a hash
H2 = b"\x07" * 32
ALICE = make_identity(1)
LINKED = identity.delegate(ALICE, b"\x0a" * 32, 5, 2, H)
CERTS = [ALICE.cert, make_identity(2).cert, LINKED]
REVOCATION = identity.revoke(ALICE.require_root(), LINKED.device, 3, H, 9, b"\x0b" * 32)

hashes = st.binary(min_size=32, max_size=32)
texts = st.text(max_size=40)
attachments = st.builds(Attachment, hashes, st.sampled_from(content.MIME_TYPES),
                        st.integers(0, 2**53), st.integers(0, 2**53), st.integers(0, 2**53),
                        texts)
replies = st.one_of(st.just((None, None)), st.tuples(hashes, hashes))
posts = st.builds(
    lambda text, mentions, tags, cw, atts, reply: Post(text, mentions, tags, cw, atts, *reply),
    texts, st.lists(hashes, max_size=4).map(tuple), st.lists(texts, max_size=4).map(tuple),
    st.none() | texts, st.lists(attachments, max_size=3).map(tuple), replies)
contents = st.one_of(
    posts,
    st.builds(Reaction, hashes, st.text(max_size=16), st.booleans()),
    st.builds(Profile, texts, texts, st.none() | hashes),
    *(st.builds(cls, hashes) for cls in (Follow, Unfollow, Block, Unblock, Delete)),
    st.builds(Edit, hashes, texts, st.none() | texts),
    st.sampled_from(CERTS).map(DeviceAnnouncement),
    st.builds(DeviceLink, hashes, st.text(min_size=1, max_size=NAME_MAX), st.integers(0, 2**53)),
    st.just(RevokeDevice(REVOCATION)),
    st.builds(Sealed, st.sampled_from(content.SEALED_KINDS), st.binary(max_size=200)),
)


@FAST
@given(contents)
def test_round_trip_every_kind(value: content.AnyContent) -> None:
    kind, body = content.encode_body(value)
    assert kind == (value.kind if isinstance(value, Sealed) else value.KIND)
    decoded = content.decode_body(kind, body)
    assert type(decoded) is type(value)
    assert decoded == value


def test_kind_numbers_are_forever() -> None:
    assert [(k.name, int(k)) for k in Kind] == [
        ("DEVICE", 0), ("POST", 1), ("REACTION", 2), ("PROFILE", 3), ("FOLLOW", 4),
        ("UNFOLLOW", 5), ("BLOCK", 6), ("UNBLOCK", 7), ("DELETE", 8), ("EDIT", 9),
        ("PRIVATE", 10), ("GROUP", 11), ("DEVICE_LINK", 12), ("REVOKE", 13)]
    for kind, cls in content.PUBLIC_KINDS.items():
        assert kind == cls.KIND
    assert set(content.PUBLIC_KINDS) | set(content.SEALED_KINDS) == set(Kind)


def test_wire_layouts_are_plain_tuples() -> None:
    post = Post("hi", (H,), ("t",), "cw", (Attachment(H2, "image/png", 1, 2, 3, "alt"),), H, H2)
    assert post.to_wire() == ("hi", (H,), ("t",), "cw", ((H2, "image/png", 1, 2, 3, "alt"),),
                              H, H2)
    assert Reaction(H, "👍").to_wire() == (H, "👍", False)
    assert Follow(H).to_wire() == (H,)
    assert content.encode_body(Follow(H)) == (4, codec.encode((H,)))


# --- strict decoding -------------------------------------------------------------------

GOOD_ATT = (H2, "image/png", 1, 2, 3, "")
GOOD_POST = ("text", (), (), None, (), None, None)


def post(**changes: object) -> tuple:
    names = ["text", "mentions", "tags", "cw", "attachments", "parent", "root"]
    return tuple(changes.get(n, v) for n, v in zip(names, GOOD_POST, strict=True))


def att(i: int, value: object) -> tuple:
    return post(attachments=((*GOOD_ATT[:i], value, *GOOD_ATT[i + 1 :]),))


BAD_WIRES: list[tuple[type, object]] = [
    (Post, None), (Post, "text"), (Post, GOOD_POST[:6]), (Post, (*GOOD_POST, None)),
    (Post, post(text=b"x")), (Post, post(text=None)), (Post, post(text=5)),
    (Post, post(text="x" * (TEXT_MAX * 4 + 1))),
    (Post, post(mentions=H)), (Post, post(mentions=(H[:31],))), (Post, post(mentions=("x",))),
    (Post, post(mentions=(H,) * (MENTIONS_MAX + 1))),
    (Post, post(tags="t")), (Post, post(tags=(b"t",))), (Post, post(tags=("t" * 257,))),
    (Post, post(tags=("t",) * (TAGS_MAX + 1))),
    (Post, post(cw=5)), (Post, post(cw=b"cw")), (Post, post(cw="x" * (CW_MAX * 4 + 1))),
    (Post, post(attachments=GOOD_ATT)), (Post, post(attachments=(GOOD_ATT[:5],))),
    (Post, post(attachments=(GOOD_ATT,) * (ATTACHMENTS_MAX + 1))),
    (Post, att(0, H[:31])), (Post, att(1, 5)), (Post, att(1, "x" * 65)), (Post, att(2, -1)),
    (Post, att(2, True)), (Post, att(3, 2**53 + 1)), (Post, att(4, None)),
    (Post, att(5, None)), (Post, att(5, "x" * (ALT_MAX * 4 + 1))),
    (Post, post(parent=H)), (Post, post(root=H)), (Post, post(parent=H[:31], root=H)),
    (Post, post(parent="x" * 32, root=H)),
    (Reaction, (H, "👍")), (Reaction, (H[:31], "👍", False)), (Reaction, (H, b"+", False)),
    (Reaction, (H, "x" * 65, False)), (Reaction, (H, "👍", 0)), (Reaction, (H, "👍", None)),
    (Profile, ("name", "")), (Profile, (5, "", None)), (Profile, ("x" * (NAME_MAX * 4 + 1), "",
                                                                  None)),
    (Profile, ("name", None, None)), (Profile, ("name", "", H[:31])),
    (Follow, ()), (Follow, (H, H)), (Unfollow, (H[:31],)), (Block, ("x" * 32,)),
    (Unblock, (None,)), (Follow, H),
    (Delete, ()), (Delete, (None,)), (Delete, (H, H)),
    (Edit, (H, "x")), (Edit, (H[:31], "x", None)), (Edit, (H, None, None)), (Edit, (H, "x", b"")),
    (DeviceAnnouncement, CERTS[0].to_wire()[:4]), (DeviceAnnouncement, None),
    (DeviceAnnouncement, LINKED.to_wire()[:7]), (DeviceAnnouncement, (*LINKED.to_wire()[:4], None,
                                                                      *LINKED.to_wire()[5:])),
    (DeviceLink, (H, "phone")), (DeviceLink, (H[:31], "phone", 1)), (DeviceLink, (H, "", 1)),
    (DeviceLink, (H, "x" * (NAME_MAX + 1), 1)), (DeviceLink, (H, b"phone", 1)),
    (DeviceLink, (H, "phone", -1)), (DeviceLink, (H, "phone", True)),
    (RevokeDevice, REVOCATION.to_wire()[:6]), (RevokeDevice, (REVOCATION.to_wire(),)),
    (RevokeDevice, (*REVOCATION.to_wire()[:3], b"", *REVOCATION.to_wire()[4:])),
]


@pytest.mark.parametrize("cls,wire", BAD_WIRES,
                         ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(BAD_WIRES)])
def test_from_wire_rejects_wrong_layouts(cls: type, wire: object) -> None:
    with pytest.raises(MalformedEntry):
        cls.from_wire(wire)
    with pytest.raises(MalformedEntry):
        content.decode_body(cls.KIND, codec.encode(wire))


@pytest.mark.parametrize("kind", [14, 99, 255, -1, 256])
def test_unknown_kinds(kind: int) -> None:
    with pytest.raises(UnknownKind):
        content.decode_body(kind, codec.encode(GOOD_POST))


def test_decode_body_errors() -> None:
    with pytest.raises(MalformedEntry):
        content.decode_body(Kind.POST, b"")
    with pytest.raises(MalformedEntry):
        content.decode_body(Kind.POST, b"\x81\x01\x02")
    with pytest.raises(NonCanonical):
        content.decode_body(Kind.FOLLOW, b"\xdc\x00\x01\xc4\x20" + H)
    with pytest.raises(OverCap):
        content.decode_body(Kind.POST, codec.encode(post(text="x" * (64 * 1024 + 1))))
    with pytest.raises(OverCap):
        content.decode_body(Kind.POST, bytes(BODY_CAP + 1))
    with pytest.raises(OverCap):  # bodies are at most 4 arrays deep
        content.decode_body(Kind.POST, codec.encode(post(attachments=((((1,),),),))))


def test_sealed_bodies_are_opaque() -> None:
    for kind in content.SEALED_KINDS:
        for data in (b"", b"\xc1\xc1", bytes(1000)):
            assert content.decode_body(kind, data) == Sealed(kind, data)
            assert content.encode_body(Sealed(kind, data)) == (int(kind), data)


# --- validate: the limits a person can hit ------------------------------------------------


def too_large(value: object, *needles: str) -> str:
    with pytest.raises(ContentTooLarge) as err:
        value.validate()  # type: ignore[attr-defined]
    message = str(err.value)
    for needle in needles:
        assert needle in message
    return message


def invalid(value: object, needle: str) -> None:
    with pytest.raises(InvalidContent, match=needle):
        value.validate()  # type: ignore[attr-defined]


def test_post_limits() -> None:
    Post("x" * TEXT_MAX).validate()
    message = too_large(Post("x" * (TEXT_MAX + 1)), "8,000", "8,001")
    assert message == "post text is 8,001 characters; the limit is 8,000"
    too_large(Post("x", content_warning="c" * (CW_MAX + 1)), "content warning", "500")
    Post("x", tags=("t",) * TAGS_MAX).validate()
    too_large(Post("x", tags=("t",) * (TAGS_MAX + 1)), str(TAGS_MAX))
    too_large(Post("x", mentions=(H,) * (MENTIONS_MAX + 1)), str(MENTIONS_MAX))
    image = Attachment(H, "image/jpeg", 10, 1, 1)
    Post("", attachments=(image,) * ATTACHMENTS_MAX).validate()  # an image needs no text
    too_large(Post("x", attachments=(image,) * (ATTACHMENTS_MAX + 1)), "10 images")
    too_large(Post("x", attachments=(Attachment(H, "image/png", 1, 1, 1, "a" * (ALT_MAX + 1)),)),
              "image description", "1,500")
    invalid(Post(""), "needs some text")
    invalid(Post(" \n\t"), "needs some text")


def test_post_tag_length() -> None:
    # Regression: tag length was not checked, so a long tag signed fine and then every
    # reader (whose from_wire allows TAG_MAX * 4) could refuse the post.
    Post("x", tags=("t" * TAG_MAX,)).validate()
    too_large(Post("x", tags=("t" * (TAG_MAX + 1),)), "tag", "64")


def test_post_reply_needs_parent_and_root() -> None:
    # Regression: a half-set reply validated and signed, and then failed to decode.
    Post("x", reply_parent=H, thread_root=H2).validate()
    invalid(Post("x", reply_parent=H), "parent and its thread root")
    invalid(Post("x", thread_root=H2), "parent and its thread root")


def test_post_image_types() -> None:
    # Regression: MIME_TYPES was never checked.
    for mime in content.MIME_TYPES:
        Post("x", attachments=(Attachment(H, mime, 1, 1, 1),)).validate()
    invalid(Post("x", attachments=(Attachment(H, "text/html", 1, 1, 1),)), "text/html")


def test_reaction_limits() -> None:
    for emoji in ("👍", "+1", "❤️", "👨‍👩‍👧", "x" * 16):
        Reaction(H, emoji).validate()
    invalid(Reaction(H, ""), "one emoji")
    invalid(Reaction(H, "  "), "one emoji")
    invalid(Reaction(H, "thumbs up"), "without spaces")
    too_large(Reaction(H, "x" * 17), "16")
    too_large(Reaction(H, "👨‍👩‍👧‍👦" * 3), "16")  # few characters, but over 64 bytes


def test_profile_limits() -> None:
    Profile("Ada").validate()
    Profile("Zoë 👩‍💻", "bio " * 250).validate()  # ZWJ sequences are fine in a name
    invalid(Profile(""), "cannot be empty")
    invalid(Profile("   "), "cannot be empty")
    too_large(Profile("x" * (NAME_MAX + 1)), "name", "64")
    too_large(Profile("Ada", "b" * 1001), "bio", "1,000")
    for bad in ("a\nb", "a\tb", "a\x00b", "a\x1bb"):
        invalid(Profile(bad), "line breaks or control characters")


@pytest.mark.parametrize("bad", ["a\x7fb", "a\x85b", "a\u2028b", "a\u2029b"])
def test_profile_name_other_control_characters(bad: str) -> None:
    # Regression: only characters below U+0020 were refused; DEL, C1 controls (U+0085 is
    # NEXT LINE) and the Unicode line and paragraph separators slipped through.
    invalid(Profile(bad), "line breaks or control characters")


def test_edit_limits() -> None:
    Edit(H, "fixed").validate()
    invalid(Edit(H, " "), "delete it")
    too_large(Edit(H, "x" * (TEXT_MAX + 1)), "8,000")
    too_large(Edit(H, "x", "c" * (CW_MAX + 1)), "content warning")


def test_kinds_without_user_limits_validate() -> None:
    for value in (Follow(H), Unfollow(H), Block(H), Unblock(H), Delete(H),
                  DeviceAnnouncement(CERTS[0]), DeviceAnnouncement(LINKED),
                  RevokeDevice(REVOCATION), Sealed(Kind.PRIVATE, b"x")):
        value.validate()


def test_validation_errors_are_one_line_user_errors() -> None:
    bad_values = [Post(""), Post("x" * (TEXT_MAX + 1)), Reaction(H, ""), Profile("a\nb"),
                  Profile(""), Edit(H, ""), Post("x", tags=("t",) * 31),
                  DeviceLink(H, " ", 1), DeviceLink(H, "a\nb", 1),
                  DeviceLink(H, "x" * (NAME_MAX + 1), 1)]
    for value in bad_values:
        with pytest.raises(UserError) as err:
            value.validate()
        assert str(err.value) and "\n" not in str(err.value)


loose_posts = st.builds(  # near and over the limits, half-set replies, odd image types
    Post, st.text(max_size=10), st.lists(hashes, max_size=2).map(tuple),
    st.lists(st.text(min_size=60, max_size=70), max_size=2).map(tuple), st.none() | texts,
    st.lists(st.builds(Attachment, hashes, st.sampled_from([*content.MIME_TYPES, "text/html"]),
                       st.integers(0, 9), st.integers(0, 9), st.integers(0, 9)),
             max_size=2).map(tuple),
    st.none() | hashes, st.none() | hashes)


@FAST
@given(st.one_of(posts, loose_posts))
def test_a_post_that_validates_decodes(value: Post) -> None:
    # What validate lets through must be readable by every peer.
    try:
        value.validate()
    except UserError:
        return
    kind, body = content.encode_body(value)
    assert content.decode_body(kind, body) == value


# --- text a person typed ---------------------------------------------------------------


@pytest.mark.parametrize("text,tags", [
    ("hello #World and #world again #Python3", ("world", "python3")),
    ("#first at start, #snake_case, #café", ("first", "snake_case", "café")),
    ("no tags here, not even a#b or ##double or # alone", ()),
    ("#a#b", ("a",)),
    ("(#paren) #end.", ("paren", "end")),
    ("#" + "x" * 64, ("x" * 64,)),
    ("", ()),
])
def test_extract_tags(text: str, tags: tuple[str, ...]) -> None:
    assert content.extract_tags(text) == tags


def test_extract_tags_caps_the_count() -> None:
    text = " ".join(f"#t{i}" for i in range(TAGS_MAX + 10))
    assert content.extract_tags(text) == tuple(f"t{i}" for i in range(TAGS_MAX))


def test_extract_mentions() -> None:
    alice, bob = make_identity(1).account_id, make_identity(2).account_id
    a, b = ids.account_text(alice), ids.account_text(bob)
    text = f"hi @{a}, and @{b.upper()}! again @{a}"
    assert content.extract_mentions(text) == (alice, bob)
    typo = a[:-1] + ("q" if a[-1] != "q" else "p")
    assert content.extract_mentions(f"@{typo} @{ids.entry_text(alice)} {a} @{a}x") == ()
    assert content.extract_mentions(f"(@{b})") == (bob,)


def test_extract_mentions_caps_the_count() -> None:
    accounts = [make_identity(i).account_id for i in range(MENTIONS_MAX + 2)]
    text = " ".join("@" + ids.account_text(x) for x in accounts)
    assert content.extract_mentions(text) == tuple(accounts[:MENTIONS_MAX])


def test_extracted_values_validate() -> None:
    text = "#tag @" + ids.account_text(H) + " " + " ".join(f"#t{i}" for i in range(40))
    Post(text, content.extract_mentions(text), content.extract_tags(text)).validate()


# --- devices: links, delegated certificates, revocations -----------------------------------


def test_a_device_body_holds_a_whole_chain() -> None:
    issuer = ALICE
    for n in range(1, identity.MAX_CHAIN + 1):
        device = identity.DeviceKeys(bytes([n]) * 32)
        cert = identity.delegate(issuer, device.device_id, 5, 2, H)
        issuer = identity.Identity(device, cert, ALICE.enc_seeds, None)
    assert cert.depth == identity.MAX_CHAIN
    kind, body = content.encode_body(DeviceAnnouncement(cert))
    decoded = content.decode_body(kind, body)
    assert isinstance(decoded, DeviceAnnouncement) and decoded.cert == cert
    decoded.cert.verify()
    with pytest.raises(OverCap):  # other kinds keep their shallow cap
        content.decode_body(Kind.POST, codec.encode(cert.to_wire()))


def test_a_revocation_is_checked_against_the_log_s_account() -> None:
    RevokeDevice(REVOCATION).check(ALICE.account_id)
    with pytest.raises(BadRevocation, match="another account"):
        RevokeDevice(REVOCATION).check(make_identity(2).account_id)
    forged = RevokeDevice(identity.Revocation(*REVOCATION.to_wire()[:6], bytes(64)))
    with pytest.raises(BadRevocation):
        forged.check(ALICE.account_id)


def test_a_device_link_validates() -> None:
    DeviceLink(H, "Phone", 1).validate()
    DeviceLink(H, "x" * NAME_MAX, 1).validate()
    assert DeviceLink(H, "Phone", 7).to_wire() == (H, "Phone", 7)
    assert content.encode_body(DeviceLink(H, "Phone", 7))[0] == 12
    assert content.encode_body(RevokeDevice(REVOCATION)) == (13, codec.encode(
        REVOCATION.to_wire()))
