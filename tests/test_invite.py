"""Invite codes: round trips, typos, garbage, and the limits on what they hold."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from p2psocial import codec, ids, invite, private, text_code
from p2psocial.errors import BadId

DEVICE = bytes(range(32))
ACCOUNT = bytes(range(32, 64))
ADDRS = ["/ip4/192.168.1.20/tcp/4001", "/ip6/fe80::1:2:3:4/tcp/4001", "/ip4/127.0.0.1/tcp/4001"]


def code() -> str:
    return invite.encode(invite.make(DEVICE, ACCOUNT, ADDRS))


def test_round_trip_and_copy_paste_damage_that_is_harmless() -> None:
    text = code()
    assert text.startswith("p2psinv1") and len(text) < 300
    back = invite.decode(text)
    assert (back.device, back.account, back.addrs) == (DEVICE, ACCOUNT, tuple(ADDRS))
    # a chat program that upper-cases, wraps lines or adds spaces changes nothing
    assert invite.decode(text.upper()) == back
    assert invite.decode("  " + "\n".join(text[i:i + 40] for i in range(0, len(text), 40)))\
        == back


@given(st.lists(st.from_regex(r"/ip4/([0-9]{1,3}\.){3}[0-9]{1,3}/tcp/[0-9]{1,5}", fullmatch=True),
                min_size=1, max_size=12), st.binary(min_size=32, max_size=32))
def test_any_addresses_round_trip_capped_at_eight(addrs: list[str], device: bytes) -> None:
    made = invite.make(device, ACCOUNT, addrs)
    assert made.addrs == tuple(dict.fromkeys(addrs))[:invite.ADDRS_MAX]
    assert invite.decode(invite.encode(made)) == made


def test_every_single_character_typo_is_refused() -> None:
    text = code()
    alphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
    for pos in range(len("p2psinv1"), len(text), 3):
        for ch in alphabet[::5]:
            if ch != text[pos]:
                typo = text[:pos] + ch + text[pos + 1:]
                with pytest.raises(BadId, match=r"mistyped|incomplete|not one"):
                    invite.decode(typo)


def test_swapped_and_missing_characters_are_refused() -> None:
    text = code()
    for pos in range(10, len(text) - 1, 7):
        swapped = text[:pos] + text[pos + 1] + text[pos] + text[pos + 2:]
        if swapped != text:
            with pytest.raises(BadId):
                invite.decode(swapped)
        with pytest.raises(BadId):
            invite.decode(text[:pos] + text[pos + 1:])
    with pytest.raises(BadId, match=r"incomplete|damaged"):
        invite.decode(text[:-10])


@pytest.mark.parametrize("text, message", [
    ("", "not an invite code"),
    ("hello", "not an invite code"),
    ("p2psinv1", "incomplete"),
    ("p2psinv1bio", "a character that is never in a code"),
    ("p2psinv1" + "q" * 5000, "too long"),
    (ids.account_text(ACCOUNT), "account id, not an invite code"),
])
def test_garbage_is_refused_with_a_readable_message(text: str, message: str) -> None:
    with pytest.raises(BadId, match=message):
        invite.decode(text)


def _forge(value: object) -> str:
    """A code with a valid checksum around any payload: only the layout checks remain."""
    return text_code.wrap(invite.PREFIX, codec.encode(value), b"p2ps-invite")


@pytest.mark.parametrize("value, message", [
    ((1, DEVICE, ACCOUNT, ()), "not valid"),
    ((1, DEVICE[:31], ACCOUNT, ("/ip4/1.2.3.4/tcp/1",)), "not valid"),
    ((1, DEVICE, ACCOUNT, ("http://example.com",)), "not valid"),
    ((1, DEVICE, ACCOUNT, ("/ip4/1.2.3.4/tcp/1/p2p/12D3KooW",)), "not valid"),
    ((1, DEVICE, ACCOUNT, ("/ip4/1.2.3.4/tcp/1",) * 9), "not one p2psocial can read"),
    ((2, DEVICE, ACCOUNT, ("/ip4/1.2.3.4/tcp/1",)), "newer kind"),
    ((1, DEVICE, ACCOUNT), "not one p2psocial can read"),
    (("x", DEVICE, ACCOUNT, ()), "not one p2psocial can read"),
    ((1, DEVICE, ACCOUNT, ("/ip4/" + "1" * 300,)), "not one p2psocial can read"),
    ((1, DEVICE, ACCOUNT, ("/ip4/" + "1" * 200,)), "not valid"),
    ((1, DEVICE, ACCOUNT, ("/ip4/1.2.3.4/tcp/1",), (b"c" * 32, b"s" * 32, ACCOUNT, b"k" * 32,
                                                     "Choir")), "community in that invite"),
    ((1, DEVICE, ACCOUNT, ("/ip4/1.2.3.4/tcp/1",), ()), "community in that invite"),
])
def test_well_checksummed_nonsense_is_refused(value: object, message: str) -> None:
    with pytest.raises(BadId, match=message):
        invite.decode(_forge(value))


def test_make_refuses_what_cannot_be_dialed() -> None:
    with pytest.raises(ValueError):
        invite.make(DEVICE, ACCOUNT, [])
    with pytest.raises(ValueError):
        invite.make(DEVICE, ACCOUNT, ["not an address", "/ip4/1.2.3.4/tcp/1 x"])
    assert invite.make(DEVICE, ACCOUNT, ["junk", "/ip4/1.2.3.4/tcp/1"]).addrs == (
        "/ip4/1.2.3.4/tcp/1",)


def test_an_invite_can_carry_an_open_community() -> None:
    salt = bytes(range(100, 132))
    value = private.CommunityKey(private.group_id_of(ACCOUNT, salt), salt, ACCOUNT,
                                 b"k" * 32, "Village hall — Saturdays")
    text = invite.encode(invite.make(DEVICE, ACCOUNT, ADDRS, value))
    back = invite.decode(text)
    assert back.community == value and back.addrs == tuple(ADDRS)
    assert invite.decode(code()).community is None
    assert len(text) <= invite.TEXT_MAX
    longest = private.CommunityKey(value.community_id, salt, ACCOUNT, b"k" * 32,
                                   "🌻" * private.NAME_MAX)
    many = [f"/ip4/10.0.0.{i}/tcp/65535" for i in range(invite.ADDRS_MAX)]
    assert invite.decode(invite.encode(invite.make(DEVICE, ACCOUNT, many, longest))) \
        .community == longest
