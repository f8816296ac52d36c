"""Who an mDNS announcement says it is (net/lan_identity.py), what LAN discovery makes of
it (net/lan_table.py), and what a stranger on the LAN reads in a real announcement
(zeroconf on loopback, a DNS-SD type of this test's own)."""

from __future__ import annotations

import os
import secrets

import pytest
import trio
from hypothesis import given
from hypothesis import strategies as st
from zeroconf import ServiceInfo

from p2psocial.net import discovery, lan_identity
from p2psocial.net.discovery import lan_discovery
from p2psocial.net.lan_identity import Claim, announcement, parse, recognise
from p2psocial.net.lan_table import MAX_NAMES, Gone, Nearby, NeighbourTable
from tests.netkit import as_stranger, everything

LOOPBACK = ["127.0.0.1"]
DEV, ACCT, OTHER = bytes(range(32)), bytes(range(32, 64)), bytes(range(64, 96))


def salt(n: int) -> bytes:
    return bytes([n]) * lan_identity.SALT_LEN


def test_friends_recognise_an_announcement_and_strangers_see_random_bytes() -> None:
    claim = parse(announcement(DEV, ACCT, salt(1)))
    assert claim is not None and claim.device is None
    assert recognise(claim, [OTHER, DEV], []) == DEV  # knows the device
    assert recognise(claim, [], [OTHER, ACCT]) == DEV  # knows the account only
    assert recognise(claim, [OTHER], [OTHER]) is None  # a stranger
    again = parse(announcement(DEV, ACCT, salt(2)))
    assert again is not None and (again.tag, again.box) != (claim.tag, claim.box)
    no_account = parse(announcement(DEV, None, salt(1)))
    assert no_account is not None and recognise(no_account, [], [ACCT]) is None
    assert recognise(no_account, [DEV], []) == DEV


def test_the_record_holds_no_id_and_a_wrong_account_opens_nothing() -> None:
    props = announcement(DEV, ACCT, salt(3))
    text = b" ".join(k + b"=" + v for k, v in props.items())
    for secret in (DEV, ACCT):
        assert secret.hex()[:8].encode() not in text and secret[:8] not in text
    claim = parse(props)
    assert claim is not None and claim.device_of(OTHER) is None


def test_older_nodes_are_read_and_bad_records_are_not() -> None:
    assert parse({b"v": b"1", b"id": DEV.hex().encode()}) == Claim(device=DEV)
    assert recognise(Claim(device=DEV), [], []) == DEV  # they say who they are
    good = announcement(DEV, ACCT, salt(4))
    for bad in ({**good, b"v": b"9"}, {**good, b"s": b"00"}, {**good, b"d": None},
                {**good, b"x": b"zz" * 32}, {b"v": b"1", b"id": b"00"}, {}):
        assert parse(bad) is None, bad


def test_the_table_places_strangers_once_they_prove_who_they_are() -> None:
    known: set[bytes] = set()
    table = NeighbourTable(lambda c: recognise(c, known, []), clock=lambda: 1.0)
    claim = parse(announcement(DEV, ACCT, salt(5)))
    assert claim is not None
    assert table.up("a", claim, ("/ip4/10.0.0.1/tcp/1",)) == []
    assert [s.name for s in table.strangers()] == ["a"]
    assert table.learn(OTHER) == []  # someone else proved who they are
    assert table.learn(DEV) == [Nearby(DEV, ("/ip4/10.0.0.1/tcp/1",), 1.0)]
    assert table.strangers() == [] and DEV in table.nearby
    assert table.down("a") == [Gone(DEV)]
    table.up("b", claim, ("/ip4/10.0.0.2/tcp/1",))
    known.add(DEV)  # we follow them now
    assert table.recheck() == [Nearby(DEV, ("/ip4/10.0.0.2/tcp/1",), 1.0)]
    table.up("c", claim, ("/ip4/10.0.0.3/tcp/1",))  # a second name for the device
    assert table.down("b") == [Nearby(DEV, ("/ip4/10.0.0.3/tcp/1",), 1.0)]
    assert table.clear() == [Gone(DEV)]


def test_the_table_holds_a_bounded_number_of_names_and_a_flood_hides_no_friend() -> None:
    friend = parse(announcement(DEV, ACCT, salt(6)))
    flood = parse(announcement(OTHER, None, salt(7)))
    assert friend is not None and flood is not None
    table = NeighbourTable(lambda c: recognise(c, [DEV], []), clock=lambda: 1.0)
    for i in range(MAX_NAMES + 50):  # made-up names, nobody we know
        table.up(f"n{i}", flood, ("/ip4/10.0.0.1/tcp/1",))
    assert len(table.strangers()) == MAX_NAMES
    assert table.strangers()[0].name == "n50"  # the oldest went first
    # a friend arrives after the flood: it is placed, in the oldest stranger's place
    assert table.up("friend", friend, ("/ip4/10.0.0.9/tcp/1",)) == [
        Nearby(DEV, ("/ip4/10.0.0.9/tcp/1",), 1.0)]
    assert len(table.strangers()) == MAX_NAMES - 1
    # someone claims the friend's id under many names: only NAMES_PER_DEVICE are kept
    for i in range(10):
        table.up(f"claim{i}", friend, (f"/ip4/10.0.1.{i}/tcp/1",))
    assert table.down("friend") == table.down("claim5") == []  # pushed out already
    assert table.down("claim9") == [Nearby(DEV, ("/ip4/10.0.1.8/tcp/1",), 1.0)]
    assert [e for i in (6, 7, 8) for e in table.down(f"claim{i}")][-1] == Gone(DEV)
    assert len(table.strangers()) + len(table.nearby) <= MAX_NAMES


# --- a real announcement, as a stranger hears it -------------------------------------


def _kind() -> str:
    return f"_p2pi-{secrets.token_hex(4)}._udp.local."


def test_a_stranger_learns_no_id_from_real_announcements_and_they_change(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two starts and a rotation of one device: a stranger sees three unrelated
    announcements; a friend who knows only the account places each."""
    monkeypatch.setattr(discovery, "ADDRESS_CHECK", 0.2)
    kind = _kind()
    heard: list[ServiceInfo] = []

    async def main() -> None:
        with trio.fail_after(30):
            for rotate in (False, True):
                async with lan_discovery(DEV, 4001, account_id=ACCT, interface_ips=LOOPBACK,
                                         service_type=kind,
                                         rotate_every=0.5 if rotate else 3600) as lan:
                    await lan.registered.wait()
                    first = lan.service_name
                    assert first is not None
                    heard.append(await trio.to_thread.run_sync(as_stranger, kind, first))
                    if rotate:
                        while lan.service_name == first:  # noqa: ASYNC110 (zeroconf's thread)
                            await trio.sleep(0.05)
                        assert lan.service_name is not None
                        heard.append(await trio.to_thread.run_sync(
                            as_stranger, kind, lan.service_name))

    trio.run(main)
    assert len(heard) == 3
    for info in heard:
        text = everything(info)
        for secret in (DEV, ACCT):
            assert secret.hex()[:6].encode() not in text and secret[:6] not in text, text
        claim = parse(info.properties or {})
        assert claim is not None and recognise(claim, [], [ACCT]) == DEV
        assert recognise(claim, [OTHER], [OTHER]) is None
    assert len({i.name for i in heard}) == 3 and len({i.server for i in heard}) == 3
    assert len({(i.properties or {})[b"s"] for i in heard}) == 3


def test_two_friends_find_each_other_and_a_stranger_stays_one() -> None:
    kind = _kind()
    a, b, stranger = os.urandom(32), os.urandom(32), os.urandom(32)
    account_b = os.urandom(32)

    async def main() -> None:
        with trio.fail_after(20):
            async with lan_discovery(stranger, 4003, interface_ips=LOOPBACK,
                                     service_type=kind) as s, \
                    lan_discovery(b, 4002, account_id=account_b, interface_ips=LOOPBACK,
                                  service_type=kind) as lb, \
                    lan_discovery(a, 4001, interface_ips=LOOPBACK, service_type=kind,
                                  recognise=lambda c: recognise(c, [], [account_b])) as la:
                await s.registered.wait()
                await lb.registered.wait()
                async for event in la:
                    if isinstance(event, Nearby):
                        assert event.device_id == b
                        break
                while not la.strangers():  # noqa: ASYNC110 (zeroconf's thread)
                    await trio.sleep(0.05)
                assert len(la.strangers()) == 1
                assert stranger not in la.nearby()
                assert la.learn(stranger)[0].device_id == stranger  # it proved who it is
                assert stranger in la.nearby()

    trio.run(main)


def test_a_friend_never_sees_a_device_gone_while_it_takes_new_names(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discovery, "ADDRESS_CHECK", 0.2)
    monkeypatch.setattr(discovery, "RETIRE_AFTER", 1.0)
    kind = _kind()
    seen: list[Nearby | Gone] = []

    async def main() -> None:
        with trio.fail_after(30):
            async with lan_discovery(OTHER, 4009, interface_ips=LOOPBACK, service_type=kind,
                                     recognise=lambda c: recognise(c, [DEV], [])) as friend, \
                    lan_discovery(DEV, 4001, account_id=ACCT, interface_ips=LOOPBACK,
                                  service_type=kind, rotate_every=0.5):
                names = 0
                async for event in friend:
                    if event.device_id == DEV:
                        seen.append(event)
                    # each new name: Nearby; each old name's goodbye: Nearby (the
                    # device is still there under its new name), never Gone
                    names = sum(isinstance(e, Nearby) for e in seen)
                    if names >= 5:  # the first name and two more
                        break

    trio.run(main)
    assert not any(isinstance(e, Gone) for e in seen), seen


@given(st.dictionaries(st.sampled_from([b"v", b"s", b"d", b"x", b"id", b"zz"]),
                       st.one_of(st.none(), st.binary(max_size=80),
                                 st.sampled_from([b"1", b"2", b"00" * 16, b"ab" * 8,
                                                  b"cd" * 32])),
                       max_size=6))
def test_any_txt_record_parses_or_is_refused(props: dict[bytes, bytes | None]) -> None:
    """Peer input (anyone on the LAN writes TXT records): a claim or None, never a crash."""
    claim = parse(props)
    if claim is not None:
        assert recognise(claim, [DEV], [ACCT]) in (None, DEV, claim.device)
