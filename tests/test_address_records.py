"""Address records (address_record.py), their store rules (store/address_records.py),
the trust they give addresses (store/peer_addrs.py), the exchange's pure parts
(net/address_exchange.py) and invite tokens (invite.py): no network here."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from p2psocial import address_record as ar
from p2psocial import codec, invite
from p2psocial.address_record import Address, AddressRecord, AddrKind
from p2psocial.errors import BadId, BadSignature, InvalidEntry, MalformedEntry, OverCap
from p2psocial.identity import DeviceKeys
from p2psocial.net import address_exchange as ax
from p2psocial.store import address_records
from p2psocial.store.peer_addrs import Trust, decode, encode_trust, supersede
from p2psocial.store.store import Store

KEYS = DeviceKeys(b"\x07" * 32)
T = 1_800_000_000_000
ADDRS = [Address(AddrKind.LAN, "/ip4/192.168.1.5/tcp/4001"),
         Address(AddrKind.IPV6, "/ip6/2001:db8::5/tcp/4001"),
         Address(AddrKind.RELAY, "/ip4/198.51.100.7/tcp/4001/p2p/"
                 "12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq/p2p-circuit")]


def record(seq: int = T, addrs: list[Address] = ADDRS, now: int = T) -> AddressRecord:
    return ar.issue(KEYS, addrs, now=now, last_seq=seq - 1)


# --- the record ------------------------------------------------------------------------


def test_a_record_round_trips_and_verifies() -> None:
    rec = record()
    back = ar.decode(rec.encode())
    assert back == rec and back.addrs == tuple(ADDRS)
    back.verify()
    assert back.device == KEYS.device_id and back.expires == T + ar.TTL


def test_a_changed_record_does_not_verify() -> None:
    rec = record()
    for forged in (AddressRecord(rec.device, rec.seq + 1, rec.issued, rec.expires, rec.addrs,
                                 rec.signature),
                   AddressRecord(rec.device, rec.seq, rec.issued, rec.expires, rec.addrs[:1],
                                 rec.signature),
                   AddressRecord(b"\x01" * 32, rec.seq, rec.issued, rec.expires, rec.addrs,
                                 rec.signature)):
        with pytest.raises(BadSignature):
            ar.decode(forged.encode()).verify()


def test_seq_only_grows() -> None:
    assert ar.next_seq(T, None) == T
    assert ar.next_seq(T, T - 5) == T
    assert ar.next_seq(T, T) == T + 1  # the same millisecond
    assert ar.next_seq(T - 60_000, T) == T + 1  # a clock set back


def test_a_record_holds_at_most_16_addresses_in_1_kib() -> None:
    many = [Address(AddrKind.PUBLIC, f"/ip4/203.0.113.{i}/tcp/4001") for i in range(40)]
    rec = ar.issue(KEYS, many, now=T, last_seq=None)
    assert len(rec.addrs) == ar.ADDRS_MAX and len(rec.encode()) <= ar.RECORD_MAX
    long = [Address(AddrKind.RELAY, f"/ip4/203.0.113.{i}/tcp/4001/p2p/{'A' * 60}"
                    "/p2p-circuit") for i in range(16)]
    rec = ar.issue(KEYS, long, now=T, last_seq=None)
    assert 0 < len(rec.addrs) < 16 and len(rec.encode()) <= ar.RECORD_MAX


def test_bad_records_are_refused_by_shape() -> None:
    good = list(record().to_wire())

    def refused(**change: object) -> type[Exception]:
        wire = list(good)
        names = ["version", "device", "seq", "issued", "expires", "addrs", "signature"]
        for name, value in change.items():
            wire[names.index(name)] = value
        with pytest.raises(InvalidEntry) as caught:
            ar.decode(codec.encode(tuple(wire)))
        return caught.type

    assert refused(version=2) is MalformedEntry
    assert refused(device=b"x" * 31) is MalformedEntry
    assert refused(seq=-1) is MalformedEntry
    assert refused(expires=T - 1) is MalformedEntry  # before it was issued
    assert refused(expires=T + ar.TTL_MAX + 1) is MalformedEntry
    assert refused(addrs=((1, "/ip4/1.2.3.4/tcp/1/p2p/Qm"),)) is MalformedEntry
    assert refused(addrs=((256, "/ip4/1.2.3.4/tcp/1"),)) is MalformedEntry
    assert refused(addrs=((1, "/ip4/1.2.3.4/tcp/1"),) * 2) is MalformedEntry
    assert refused(addrs=tuple((1, f"/ip4/1.2.3.{i}/tcp/1") for i in range(17))) is OverCap
    assert refused(signature=b"s" * 63) is MalformedEntry
    with pytest.raises(OverCap):
        ar.decode(b"\x97" + b"\x00" * 2000)


def test_a_kind_from_a_newer_build_is_kept() -> None:
    rec = ar.issue(KEYS, [Address(77, "/ip4/203.0.113.1/tcp/1")], now=T, last_seq=None)
    back = ar.decode(rec.encode())
    back.verify()
    assert back.addrs[0].kind == 77


@given(st.binary(max_size=1200))
def test_the_decoder_raises_only_typed_errors(data: bytes) -> None:
    with contextlib.suppress(InvalidEntry):
        ar.decode(data).valid()


def test_kinds_of_our_addresses() -> None:
    assert ar.classify("/ip4/192.168.1.2/tcp/1") is AddrKind.LAN
    assert ar.classify("/ip4/127.0.0.1/tcp/1") is AddrKind.LAN
    assert ar.classify("/ip4/8.8.8.8/tcp/1") is AddrKind.PUBLIC
    assert ar.classify("/ip6/2a00:1450::1/tcp/1") is AddrKind.IPV6
    assert ar.classify("/dns4/example.org/tcp/1") is AddrKind.OTHER
    assert ar.classify(ADDRS[2].addr) is AddrKind.RELAY
    mine = ar.addresses(["/ip4/192.168.1.2/tcp/1"], mapped=["/ip4/8.8.8.8/tcp/9"])
    assert [a.kind for a in mine] == [AddrKind.PORT_MAPPED, AddrKind.LAN]


def test_the_privacy_rule() -> None:
    alice, bob, carol = b"a" * 32, b"b" * 32, b"c" * 32
    follows = {alice: {bob}, bob: {alice, carol}}

    def following(account: bytes) -> set[bytes]:
        return follows.get(account, set())

    assert ar.may_see(alice, alice, following)  # her own other devices
    assert ar.may_see(alice, bob, following)  # she follows him
    assert not ar.may_see(alice, carol, following)  # she does not follow carol...
    assert ar.may_see(bob, carol, following)  # ...though bob does
    assert not ar.may_see(carol, alice, following)  # carol follows nobody


# --- the store ------------------------------------------------------------------------


def test_the_store_keeps_the_newest_record_per_device(tmp_path: Path) -> None:
    account = b"\x09" * 32
    with Store(tmp_path / "s.db") as store:
        first, newer = record(T), record(T + 10)

        def keep(rec: AddressRecord) -> bool:
            return store.keep_address_record(rec.device, account, rec.seq, rec.expires,
                                              rec.encode())

        assert keep(first)
        assert not keep(first)  # equal seq: ignored
        assert keep(newer)
        assert not keep(first)  # older: ignored
        held = store.address_record(KEYS.device_id)
        assert held is not None and held.seq == newer.seq and held.raw == newer.encode()
        assert [h.device for h in store.address_records({account}, T)] == [KEYS.device_id]
        assert store.address_records({b"\x01" * 32}, T) == []
        assert store.address_records({account}, newer.expires) == []  # expired
        assert store.prune_address_records({b"\x01" * 32}, T) == 1  # no longer wanted
        assert store.address_record(KEYS.device_id) is None


def test_the_store_holds_at_most_records_max(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             ) -> None:
    monkeypatch.setattr(address_records, "RECORDS_MAX", 3)
    with Store(tmp_path / "s.db") as store:
        for i in range(3):
            assert store.keep_address_record(bytes([i]) * 32, b"a" * 32, 1, T, b"r")
        assert not store.keep_address_record(b"\x09" * 32, b"a" * 32, 1, T, b"r")  # full
        assert store.keep_address_record(b"\x00" * 32, b"a" * 32, 2, T, b"r")  # newer: ok


# --- the address book -----------------------------------------------------------------


def test_a_newer_record_puts_signed_addresses_before_the_ones_left_behind() -> None:
    old, new, lan = "/ip4/203.0.113.1/tcp/1", "/ip4/203.0.113.9/tcp/2", "/ip4/10.0.0.2/tcp/1"
    book = ((old, Trust.WORKED), (lan, Trust.HEARD))
    moved = supersede(book, [new, lan])
    assert moved == ((new, Trust.SIGNED), (lan, Trust.SIGNED), (old, Trust.HEARD))
    worked = supersede(((new, Trust.WORKED),), [new])  # a signed word never demotes a dial
    assert worked == ((new, Trust.WORKED),)
    assert decode([a for a, _ in moved], encode_trust(moved)) == moved
    assert encode_trust(((old, Trust.WORKED),)) == "2"  # migration 11's digits hold


# --- the exchange's pure parts ----------------------------------------------------------


def test_frames_round_trip_and_refuse_what_is_not_the_protocol() -> None:
    rec = record()
    push = ax.decode_request(ax.encode_push([rec.encode()]))
    assert isinstance(push, ax.Push) and push.records == (rec,)
    token = invite.sign_token(KEYS.device_id, KEYS.secret_key, T)
    ask = ax.decode_request(ax.encode_ask(KEYS.device_id, token))
    assert isinstance(ask, ax.Ask) and ask.token == token
    assert ax.decode_answer(ax.encode_answer([rec.encode()]), KEYS.device_id) == rec
    assert ax.decode_answer(ax.encode_answer([]), KEYS.device_id) is None
    with pytest.raises(ax.AddrsProtocolError):
        ax.decode_answer(ax.encode_answer([rec.encode()]), b"\x01" * 32)
    forged = rec.encode()[:-1] + bytes([rec.encode()[-1] ^ 1])
    for bad in (ax.encode_push([forged]), codec.encode(("push", (b"x",))),
                codec.encode(("push", (rec.encode(),) * (ax.RECORDS_PER_FRAME + 1))),
                codec.encode(("pull",)), b"\xc1"):
        with pytest.raises(ax.AddrsProtocolError):
            ax.decode_request(bad)
    assert len(ax.encode_push([record(T + i).encode() for i in range(32)])) <= ax.FRAME_MAX


def test_the_bucket_admits_a_burst_then_one_every_few_seconds() -> None:
    bucket = ax.Bucket()
    assert [bucket.take(0.0) for _ in range(8)] == [True] * 6 + [False] * 2
    assert not bucket.take(ax.FRAME_EVERY * 0.9)
    assert bucket.take(ax.FRAME_EVERY * 1.1)
    # an honest sender, one frame every SEND_EVERY, is never refused
    honest = ax.Bucket()
    assert all(honest.take(i * ax.SEND_EVERY) for i in range(100))


def test_the_outbox_coalesces_per_device_and_paces_each_peer() -> None:
    box = ax.Outbox()
    peer = b"p" * 32
    old, new = record(T), record(T + 5)
    box.add(peer, new, b"new")
    box.add(peer, old, b"old")  # older than what is queued: dropped
    assert box.due(0.0) == [(peer, [b"new"])]
    box.add(peer, record(T + 9), b"newer")
    assert box.due(1.0) == [] and box.wait(1.0) == pytest.approx(ax.SEND_EVERY - 1.0)
    assert box.due(ax.SEND_EVERY) == [(peer, [b"newer"])]
    assert box.wait(100.0) == float("inf")


# --- invite tokens --------------------------------------------------------------------


def test_an_invite_carries_a_token_that_only_its_device_signed() -> None:
    token = invite.sign_token(KEYS.device_id, KEYS.secret_key, T)
    assert token.allows(KEYS.device_id, T) and not token.allows(KEYS.device_id, token.expires)
    assert not token.allows(b"\x01" * 32, T)
    code = invite.encode(invite.make(KEYS.device_id, b"\x02" * 32,
                                     ["/ip4/203.0.113.1/tcp/1"], token=token))
    back = invite.decode(code)
    assert back.token == token and back.community is None
    plain = invite.encode(invite.make(KEYS.device_id, b"\x02" * 32, ["/ip4/203.0.113.1/tcp/1"]))
    assert invite.decode(plain).token is None
    assert len(code) - len(plain) < 130
    with pytest.raises(BadId):
        invite.decode(code[:-12] + "qqqqqqqq" + code[-4:])


# --- whom to ask, and our own seq ----------------------------------------------------------


def test_whom_to_ask_where_a_device_went() -> None:
    from p2psocial.net.host import peer_id_from_device_id

    device, me, friend = b"\x01" * 32, b"\x02" * 32, b"\x03" * 32
    relay_device = b"\x04" * 32
    relay_id = peer_id_from_device_id(relay_device).to_base58()
    circuit = f"/ip4/203.0.113.9/tcp/4001/p2p/{relay_id}/p2p-circuit"
    whom = ax.ask_whom(device, ["/ip4/198.51.100.3/tcp/1", circuit], [friend, device, me],
                       me)
    assert whom == [(relay_device, ("/ip4/203.0.113.9/tcp/4001",)), (friend, ())]


def test_a_record_we_issue_exceeds_any_of_ours_we_hold(tmp_path: Path) -> None:
    import trio

    from p2psocial.home import Home
    from p2psocial.node import Node

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice", clock=lambda: T) as alice:
            assert alice.identity is not None
            first = await alice.replication.issue_address_record(ADDRS)
            second = await alice.replication.issue_address_record(ADDRS)  # the same millisecond
            assert second.seq == first.seq + 1
            ahead = ar.issue(alice.identity.device, ADDRS, now=T, last_seq=T + 10**6)
            assert await alice.replication.keep_address_record(ahead, alice.account_id)
            assert (await alice.replication.issue_address_record(ADDRS)).seq == ahead.seq + 1

    trio.run(scenario)
