"""private.py: the plaintext values of private entries, ids, sealing and opening."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from p2psocial import codec, envelope, private
from p2psocial.errors import ContentTooLarge, InvalidContent, InvalidEntry
from tests.helpers import make_identity

ALICE, BOB, CAROL = (make_identity(n) for n in (1, 2, 3))
ids32 = st.binary(min_size=32, max_size=32)


def test_conversation_id_ignores_order_and_repeats() -> None:
    a, b, c = ALICE.account_id, BOB.account_id, CAROL.account_id
    assert private.conversation_id([a, b, c]) == private.conversation_id([c, a, b, a])
    assert private.conversation_id([a, b]) != private.conversation_id([a, c])
    assert private.members_of(a, [c, b, b, a]) == tuple(sorted((a, b, c)))


@given(st.lists(ids32, min_size=2, max_size=16, unique=True), st.text(max_size=200),
       st.none() | ids32)
def test_message_round_trip(members: list[bytes], text: str, reply_to: bytes | None) -> None:
    value = private.Message(tuple(sorted(members)), text, reply_to)
    assert private.decode(private.encode(value)) == value


def test_group_values_round_trip_and_prove_the_admin() -> None:
    salt = os.urandom(32)
    gid = private.group_id_of(ALICE.account_id, salt)
    key = private.GroupKey(gid, salt, 3, os.urandom(32), "Climbing",
                           tuple(sorted((ALICE.account_id, BOB.account_id))))
    for value in (key, private.GroupPost("hi", None), private.GroupLeave()):
        assert private.decode(private.encode(value)) == value
    assert key.admin_is(ALICE.account_id) and not key.admin_is(BOB.account_id)


@pytest.mark.parametrize("wire", [
    (1, 0, ((b"\1" * 32, b"\0" * 32), "unsorted", None)),
    (1, 0, ((b"\1" * 32, b"\1" * 32), "repeated", None)),
    (1, 0, ((b"\1" * 32,), "alone", None)),
    (1, 0, ((b"\0" * 32, b"\1" * 31), "short id", None)),
    (1, 0, ((b"\0" * 32, b"\1" * 32), 5, None)),
    (2, 0, ((b"\0" * 32, b"\1" * 32), "version", None)),
    (1, 9, ()),
    (1, 2, ("text",)),
    (1, 1, (b"\0" * 32, b"\0" * 32, -1, b"\0" * 32, "n", (b"\0" * 32,))),
    "not an array",
])
def test_decode_is_strict(wire: object) -> None:
    with pytest.raises(InvalidEntry):
        private.decode(codec.encode(wire))  # type: ignore[arg-type]


def test_limits_are_one_line_user_errors() -> None:
    others = [make_identity(n).account_id for n in range(10, 26)]
    with pytest.raises(ContentTooLarge, match="at most 15 other people; this one has 16"):
        private.members_of(ALICE.account_id, others)
    assert len(private.members_of(ALICE.account_id, others[:15])) == 16
    with pytest.raises(InvalidContent):
        private.Message((ALICE.account_id, BOB.account_id), "  ").validate()
    with pytest.raises(ContentTooLarge, match="limit is 8,000"):
        private.Message((ALICE.account_id, BOB.account_id), "x" * 8001).validate()
    with pytest.raises(InvalidContent):
        private.check_group_name(" ")


def test_sealed_to_readers_only_and_bound_to_the_author() -> None:
    members = private.members_of(ALICE.account_id, [BOB.account_id])
    body = private.seal(private.Message(members, "psst"),
                        [ALICE.enc_public, BOB.enc_public],
                        ALICE.account_id, os.urandom)
    open_as = {who: private.opener(envelope.SealedReader(who.enc_private))
               for who in (ALICE, BOB, CAROL)}
    opened = private.decode(open_as[BOB](body, ALICE.account_id) or b"")
    assert isinstance(opened, private.Message) and opened.text == "psst"
    assert open_as[ALICE](body, ALICE.account_id) is not None  # our other devices
    assert open_as[CAROL](body, ALICE.account_id) is None  # not for her
    assert open_as[BOB](body, CAROL.account_id) is None  # copied into Carol's log
    assert open_as[BOB](b"\x93garbage", ALICE.account_id) is None  # not an envelope


def test_any_flipped_bit_fails_closed() -> None:
    members = private.members_of(ALICE.account_id, [BOB.account_id])
    body = private.seal(private.Message(members, "psst"), [BOB.enc_public],
                        ALICE.account_id, os.urandom)
    open_bob = private.opener(envelope.SealedReader(BOB.enc_private))
    for bit in range(len(body) * 8):
        flipped = bytearray(body)
        flipped[bit // 8] ^= 1 << (bit % 8)
        assert open_bob(bytes(flipped), ALICE.account_id) is None, bit


def test_plaintexts_are_padded_to_size_buckets() -> None:
    sizes = {len(private.encode(private.GroupPost(text))) for text in ("ok", "x" * 30)}
    assert sizes == {64}
    for n in range(0, 8001):  # exactly a bucket's size, always (issue 12: was +-1)
        data = private.encode(private.GroupPost("é" * n))
        assert len(data) == private.padded_size(len(data)), n
        if n % 97 == 0:
            assert private.decode(data) == private.GroupPost("é" * n)
    # a value written before padding existed still reads
    old = codec.encode((private.VERSION, int(private.Inner.GROUP_POST), ("hi", None)))
    assert private.decode(old) == private.GroupPost("hi")
    with pytest.raises(InvalidEntry):
        private.decode(codec.encode((private.VERSION, int(private.Inner.GROUP_POST),
                                     ("hi", None), "not bytes")))


def test_the_size_of_a_message_does_not_count_its_members() -> None:
    """Padded as if it had as many members as its bucket holds (4, 16, 64)."""
    def ids(n: int) -> tuple[bytes, ...]:
        return tuple(sorted(bytes([i]) * 32 for i in range(1, n + 1)))

    for text in ("ok", "see you at eight, bring the charts" * 3):
        sizes = {len(private.encode(private.Message(ids(n), text))) for n in (2, 3, 4)}
        assert len(sizes) == 1, (text, sizes)
        sizes = {len(private.encode(private.Message(ids(n), text))) for n in (5, 9, 16)}
        assert len(sizes) == 1, (text, sizes)
    keys = {len(private.encode(private.GroupKey(bytes(32), bytes(32), 0, bytes(32), "Choir",
                                                ids(n)))) for n in (17, 40, 64)}
    assert len(keys) == 1, keys


def test_account_key_round_trips_and_is_strict() -> None:
    value = private.AccountKey(1, b"\x05" * 32)
    assert private.decode(private.encode(value)) == value
    assert private.Inner.ACCOUNT_KEY == 7
    assert "\\x05" not in repr(value)
    value.validate()
    for wire in ((0, b"\x05" * 32), (-1, b"\x05" * 32), (True, b"\x05" * 32),
                 (1, b"\x05" * 31), (1,), (1, b"\x05" * 32, 2)):
        with pytest.raises(InvalidEntry):
            private.decode(codec.encode((1, 7, wire)))
    with pytest.raises(InvalidContent):
        private.AccountKey(0, b"\x05" * 32).validate()


def test_a_rotated_key_opens_for_the_recovery_key_and_devices_only() -> None:
    value = private.AccountKey(1, os.urandom(32))
    recovery = ALICE.require_root().recovery_private
    device = envelope.SealedReader(BOB.enc_private)  # stands for a surviving device's key
    body = private.seal(value, [bytes(recovery.public_key), BOB.enc_public], ALICE.account_id,
                        os.urandom)
    for reader in (envelope.SealedReader(recovery), device):
        opened = private.opener(reader)(body, ALICE.account_id)
        assert opened is not None and private.decode(opened) == value
    assert private.opener(envelope.SealedReader(ALICE.enc_private))(body, ALICE.account_id) \
        is None
