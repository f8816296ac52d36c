"""Roster lines (roster.py): signed joins, their wire form and sizes, and which lines a
full roster admits. Pure: no store, no network."""

from __future__ import annotations

import contextlib

import pytest
from helpers import T0, make_identity, make_joins
from hypothesis import given, settings
from hypothesis import strategies as st

from p2psocial import codec, roster
from p2psocial.errors import BadCertificate, BadSignature, InvalidEntry, MalformedEntry
from p2psocial.identity import DeviceCert
from p2psocial.roster import Join

CID = b"c" * 32
OTHER = b"d" * 32


def line(n: int, joined: int = T0, community: bytes = CID) -> Join:
    """The line of test account ``n`` (1..255), signed by its first device."""
    ident = make_identity(n)
    return roster.sign_join(ident.device, ident.cert, community, joined)


def many(count: int) -> list[Join]:
    return make_joins(CID, count)


def test_a_line_is_signed_by_its_device_for_its_account_and_community() -> None:
    join = line(1)
    ident = make_identity(1)
    assert (join.account, join.device, join.community) == (ident.account_id, ident.device_id,
                                                           CID)
    join.verify()
    again = Join.decode(join.encode(), CID)
    assert again == join and again.valid()
    # the same bytes read for another community do not verify: the id is signed
    assert not Join.decode(join.encode(), OTHER).valid()
    # nobody but the account's own device can sign its line
    mallory = make_identity(2)
    forged = roster.sign_join(mallory.device, mallory.cert, CID, T0)
    stolen = Join(CID, T0, forged.signature, ident.cert)
    with pytest.raises(BadSignature):
        stolen.verify()
    # a certificate the account's root never signed
    fake = DeviceCert(ident.account_id, mallory.device_id, ident.cert.enc_key, T0,
                      mallory.cert.signature)
    with pytest.raises(BadCertificate):
        roster.sign_join(mallory.device, fake, CID, T0).verify()
    with pytest.raises(ValueError):
        roster.sign_join(mallory.device, ident.cert, CID, T0)


def test_sizes_are_measured_on_the_largest_line() -> None:
    assert roster.LINE_MAX == len(roster.largest_line().encode()) == 254
    assert len(line(1, joined=2**64 - 1).encode()) <= roster.LINE_MAX
    full = many(roster.MAX_MEMBERS)
    assert len(codec.encode(roster.to_wire(full))) <= roster.ROSTER_MAX


def test_a_roster_on_the_wire_is_sorted_by_account_one_line_each() -> None:
    lines = many(5)
    wire = roster.to_wire(reversed(lines))
    assert [j.account for j in roster.from_wire(wire, CID)] == sorted(j.account for j in lines)
    for bad in (wire[::-1], wire + wire[-1:], (1,), "x",
                (wire[0][:2],), ((-1, *wire[0][1:]),), ((0, b"s" * 63, wire[0][2]),),
                roster.to_wire([roster.largest_line()] * (roster.MAX_MEMBERS + 1))):
        with pytest.raises(MalformedEntry):
            roster.from_wire(bad, CID)


def test_admit_never_displaces_a_held_line_and_prefers_early_joins() -> None:
    lines = many(6)
    held = {lines[0].account, lines[1].account}
    # room for 2 more: the earliest joins among the new ones
    assert roster.admit(held, lines[::-1], cap=4) == lines[2:4]
    # a line dated long ago does not push a held one off a full roster
    early = line(200, joined=0)
    assert roster.admit(held | {j.account for j in lines[2:4]}, [early], cap=4) == []
    # ties by account; an account held already is not admitted twice
    tied = [line(10, T0), line(11, T0), line(12, T0)]
    assert roster.admit(set(), tied, cap=2) == sorted(tied, key=lambda j: j.account)[:2]
    assert roster.admit({lines[0].account}, [lines[0]]) == []


def test_checking_stops_at_the_first_forged_line() -> None:
    good = many(3)
    bad = Join(CID, T0, b"\x00" * 64, good[1].cert)
    assert roster.checked([good[0], bad, good[2]]) == ([good[0]], 1)
    assert roster.checked(good) == (good, 0)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_are_a_line_or_invalid_input(data: bytes) -> None:
    with contextlib.suppress(InvalidEntry):
        Join.decode(data, CID).verify()


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_a_mutated_line_never_verifies_and_never_crashes(data: st.DataObject) -> None:
    raw = bytearray(line(1).encode())
    pos = data.draw(st.integers(0, len(raw) - 1))
    raw[pos] ^= 1 << data.draw(st.integers(0, 7))
    with contextlib.suppress(InvalidEntry):
        assert not Join.decode(bytes(raw), CID).valid()
