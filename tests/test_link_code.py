"""Link codes as text (link_code.py): round trips, what a chat does to a code, and one
readable line for each way a pasted code can be wrong, expiry included."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from p2psocial import codec, ids, invite, link_code, text_code
from p2psocial.errors import UserError
from p2psocial.link_code import BadLinkCode, LinkCode, LinkCodeExpired

DEVICE = bytes(range(32))
ACCOUNT = bytes(range(32, 64))
SECRET = bytes(range(100, 116))
ADDRS = ("/ip4/192.168.1.20/tcp/4001", "/ip6/fd00::20/tcp/4001")
NOW = 1_765_000_000_000
LATER = NOW + 10 * 60 * 1000


def code(**kw: object) -> LinkCode:
    fields: dict[str, object] = dict(device=DEVICE, account=ACCOUNT, addrs=ADDRS,
                                     secret=SECRET, expires_ms=LATER)
    fields.update(kw)
    return LinkCode(**fields)  # type: ignore[arg-type]


def test_a_code_reads_back_as_it_was_made() -> None:
    text = link_code.encode(code())
    assert text.startswith("p2pslnk1")
    assert link_code.decode(text, NOW) == code()


def test_what_a_chat_does_to_a_code_does_not_matter() -> None:
    text = link_code.encode(code())
    mangled = "  " + text[:30].upper() + "\n" + text[30:70] + " \t" + text[70:] + "\n"
    assert link_code.decode(mangled, NOW) == code()


@given(addrs=st.lists(st.sampled_from([
    "/ip4/10.0.0.1/tcp/1", "/ip6/2001:db8::1/tcp/65535", "/dns/example.org/tcp/4001",
    "/ip4/203.0.113.9/tcp/4001/p2p/12D3KooWRe4y/p2p-circuit"]), min_size=1, max_size=8),
    secret=st.binary(min_size=16, max_size=16), expires=st.integers(NOW + 1, 2**53 - 1))
def test_round_trips(addrs: list[str], secret: bytes, expires: int) -> None:
    made = code(addrs=tuple(addrs), secret=secret, expires_ms=expires)
    assert link_code.decode(link_code.encode(made), NOW) == made


def test_the_longest_code_is_within_text_max() -> None:
    addr = "/ip6/2001:db8:1111:2222:3333:4444:5555:6666/tcp/65535"
    longest = code(addrs=tuple(addr.replace("6666", f"{i:04}") for i in range(8)),
                   expires_ms=2**53 - 1)
    assert len(link_code.encode(longest)) <= link_code.TEXT_MAX


def test_make_keeps_the_addresses_that_fit() -> None:
    made = link_code.make(DEVICE, ACCOUNT, ["/ip4/1.2.3.4/tcp/1", "http://x", "/ip4/1.2.3.4/tcp/1",
                                            *[f"/ip4/10.0.0.{i}/tcp/1" for i in range(10)]],
                          SECRET, LATER)
    assert made.addrs[0] == "/ip4/1.2.3.4/tcp/1" and len(made.addrs) == invite.ADDRS_MAX
    with pytest.raises(ValueError, match="no address"):
        link_code.make(DEVICE, ACCOUNT, ["http://x"], SECRET, LATER)


def test_an_expired_code_says_when_it_expired() -> None:
    text = link_code.encode(code())
    assert link_code.decode(text, LATER - 1) == code()
    with pytest.raises(LinkCodeExpired, match=r"^this link code expired at \d\d:\d\d: make a new"):
        link_code.decode(text, LATER)
    with pytest.raises(LinkCodeExpired, match=r"expired at \d{4}-\d\d-\d\d \d\d:\d\d"):
        link_code.decode(text, LATER + 2 * 24 * 3600 * 1000)


def test_a_typo_is_caught_by_the_checksum() -> None:
    text = link_code.encode(code())
    i = len(text) // 2
    typo = text[:i] + ("q" if text[i] != "q" else "p") + text[i + 1:]
    with pytest.raises(BadLinkCode, match="damaged or mistyped: copy it again"):
        link_code.decode(typo, NOW)


@pytest.mark.parametrize("cut", [1, 9, 40])
def test_a_cut_code_is_refused(cut: int) -> None:
    text = link_code.encode(code())
    with pytest.raises(BadLinkCode, match=r"incomplete|damaged"):
        link_code.decode(text[:-cut], NOW)


@pytest.mark.parametrize("text, message", [
    ("", "is not a link code"),
    ("hello there", "'hello there' is not a link code"),
    ("p2pslnk1", "incomplete"),
    ("p2pslnk1bbbb", "a character that is never in a code"),
    ("p2pslnk1" + "q" * 5000, "too long"),
    (ids.account_text(ACCOUNT), "account id, not a link code"),
    (invite.encode(invite.make(DEVICE, ACCOUNT, list(ADDRS))), "invite code, not a link code"),
])
def test_garbage_is_refused_with_a_readable_message(text: str, message: str) -> None:
    with pytest.raises(BadLinkCode, match=message) as caught:
        link_code.decode(text, NOW)
    assert isinstance(caught.value, UserError) and "\n" not in str(caught.value)


def _forge(value: object) -> str:
    """A code with a valid checksum around any payload: only the layout checks remain."""
    return text_code.wrap(link_code.PREFIX, codec.encode(value), link_code.CHECK_PERSON)


@pytest.mark.parametrize("value, message", [
    ((2, DEVICE, ACCOUNT, ADDRS, SECRET, LATER), r"newer kind \(version 2\)"),
    ((1, DEVICE, ACCOUNT, ADDRS, SECRET[:15], LATER), "not valid: a link secret is 16 bytes"),
    ((1, DEVICE, ACCOUNT, (), SECRET, LATER), "not valid"),
    ((1, DEVICE, ACCOUNT, ("/ip4/1.2.3.4/tcp/1/p2p/12D3KooW",), SECRET, LATER), "not valid"),
    ((1, DEVICE, ACCOUNT, ADDRS, SECRET, 2**53), "not valid"),
    ((1, DEVICE, ACCOUNT, ADDRS, SECRET), "not one p2psocial can read"),
    ((1, DEVICE, ACCOUNT, ADDRS, SECRET, "soon"), "not one p2psocial can read"),
    ((1, DEVICE, ACCOUNT, ("/ip4/1.2.3.4/tcp/1",) * 9, SECRET, LATER),
     "not one p2psocial can read"),
    ({"device": DEVICE}, "not one p2psocial can read"),
])
def test_a_well_checksummed_code_with_a_bad_payload_is_refused(value: object,
                                                               message: str) -> None:
    with pytest.raises(BadLinkCode, match=message):
        link_code.decode(_forge(value), NOW)


def test_an_invite_s_checksum_does_not_make_a_link_code() -> None:
    payload = codec.encode((1, DEVICE, ACCOUNT, ADDRS, SECRET, LATER))
    with pytest.raises(BadLinkCode, match="damaged or mistyped"):
        link_code.decode(text_code.wrap(link_code.PREFIX, payload, invite.CHECK_PERSON), NOW)


def test_a_link_code_is_not_an_invite() -> None:
    with pytest.raises(UserError, match=re.escape("should start with 'p2psinv1'")):
        invite.decode(link_code.encode(code()))
