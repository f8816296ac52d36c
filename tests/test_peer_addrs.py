"""The address book's trust in addresses (store/peer_addrs.py, Store.add_peer) and how
the service learns that an address worked (net/addresses.py, net/probe.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import trio
from hypothesis import given
from hypothesis import strategies as st
from netkit import device, run, service

from p2psocial.home import Home
from p2psocial.net import probe
from p2psocial.net.addresses import dialed_addr, endpoint, worth_confirming
from p2psocial.net.host import open_host
from p2psocial.node import Node
from p2psocial.store import Store
from p2psocial.store.peer_addrs import (
    ADDRS_MAX,
    KEPT_MAX,
    Trust,
    decode,
    encode_trust,
    merge,
    normalise,
)

H, G, W = Trust.HEARD, Trust.GIVEN, Trust.WORKED


def addr(i: int, port: int = 4001) -> str:
    return f"/ip4/10.0.0.{i}/tcp/{port}"


def test_heard_addresses_never_push_out_one_that_worked() -> None:
    book = merge((), [addr(1)], W)
    flood = [addr(i) for i in range(100, 100 + 3 * ADDRS_MAX)]
    for i in range(0, len(flood), ADDRS_MAX):
        book = merge(book, flood[i:i + ADDRS_MAX], H)
    assert book[0] == (addr(1), W)
    assert len(book) == ADDRS_MAX
    assert [t for _, t in book[1:]] == [H] * (ADDRS_MAX - 1)
    # the newest heard ones are kept, best (first announced) first
    assert [a for a, _ in book[1:]] == flood[-ADDRS_MAX:][:ADDRS_MAX - 1]


def test_given_addresses_survive_a_flood_and_heard_ones_always_keep_slots() -> None:
    book = merge((), [addr(i) for i in range(1, 7)], G)  # six given: four kept
    assert [t for _, t in book] == [G] * KEPT_MAX + [H, H]
    book = merge(book, [addr(i) for i in range(50, 60)], H)
    assert [a for a, _ in book[:KEPT_MAX]] == [addr(i) for i in range(1, 5)]
    assert len(book) == ADDRS_MAX
    assert addr(50) in dict(book)  # a friend that moved can still announce itself


def test_worked_goes_first_and_a_weaker_source_does_not_reorder_or_demote() -> None:
    book = merge((), [addr(1), addr(2)], G)
    book = merge(book, [addr(2)], W)
    assert book == ((addr(2), W), (addr(1), G))
    assert merge(book, [addr(1), addr(2)], H) == book
    book = merge(book, [addr(3)], W)
    assert book == ((addr(3), W), (addr(2), W), (addr(1), G))


def test_the_oldest_trusted_address_is_demoted_not_dropped() -> None:
    book: tuple[tuple[str, Trust], ...] = ()
    for i in range(1, KEPT_MAX + 2):
        book = merge(book, [addr(i)], W)
    assert [a for a, t in book if t == W] == [addr(i) for i in range(KEPT_MAX + 1, 1, -1)]
    assert (addr(1), H) in book


def test_old_rows_read_as_given_and_the_column_round_trips() -> None:
    assert decode([addr(1), addr(2)], "") == ((addr(1), G), (addr(2), G))
    assert decode([addr(1), addr(2)], "2x") == ((addr(1), W), (addr(2), G))
    book = ((addr(1), W), (addr(2), G), (addr(3), H))
    assert decode([a for a, _ in book], encode_trust(book)) == book


@given(st.lists(st.tuples(st.lists(st.integers(1, 40), max_size=12),
                          st.sampled_from(list(Trust))), max_size=30))
def test_the_book_always_keeps_its_shape(steps: list[tuple[list[int], Trust]]) -> None:
    book: tuple[tuple[str, Trust], ...] = ()
    for ids, trust in steps:
        before = {a for a, t in book if t > H}
        book = merge(book, [addr(i) for i in ids], trust)
        addrs = [a for a, _ in book]
        trusts = [t for _, t in book]
        assert len(addrs) == len(set(addrs)) <= ADDRS_MAX
        assert trusts == sorted(trusts, reverse=True)
        assert sum(t > H for t in trusts) <= KEPT_MAX
        if trust == H:  # heard addresses never take a trusted one's place
            assert before <= {a for a, t in book if t > H}
        assert normalise(book) == book


def test_the_store_keeps_trust_per_address(tmp_path: Path) -> None:
    dev = os.urandom(32)
    with Store(tmp_path / "s.sqlite") as store:
        store.peer_book.add_peer(dev, [addr(1)], "mdns", Trust.HEARD)
        store.peer_book.add_peer(dev, [addr(1)], "mdns", Trust.WORKED)
        record = store.peer_book.add_peer(dev, [addr(i) for i in range(2, 12)], "mdns", Trust.HEARD)
        assert record.addrs[0] == addr(1) and record.trust[0] == W
        assert len(record.addrs) == ADDRS_MAX and record.source == "mdns"
        # default: given
        assert store.peer_book.add_peer(dev, [addr(99)], "invite").trust[:2] == (W, G)


def test_dialed_addr_names_the_address_a_connection_reached() -> None:
    tried = ["/ip4/10.0.0.1/tcp/4001", "/ip4/10.0.0.2/tcp/4001",
             "/ip4/10.0.0.9/tcp/5000/p2p/12D3KooWRelay/p2p-circuit"]
    assert dialed_addr(("10.0.0.2", 4001), tried) == tried[1]
    assert dialed_addr(("10.0.0.9", 5000), tried) == tried[2]
    assert dialed_addr(("10.0.0.1", 50123), tried) is None  # an inbound connection
    assert dialed_addr(None, tried) is None
    assert endpoint("/ip4/10.0.0.1/tcp/x") is None and endpoint("/dns4/a/tcp/1") is None


def test_only_heard_addresses_at_the_sessions_ip_are_worth_a_probe() -> None:
    book = ((addr(1, 1), G), (addr(2, 2), H), (addr(1, 3), H), (addr(1, 4), H))
    assert worth_confirming(book, "10.0.0.1") == [addr(1, 3), addr(1, 4)]
    assert worth_confirming(((addr(1, 5), W), *book), "10.0.0.1") == []


def test_a_probe_learns_who_listens_without_saying_who_asks() -> None:
    async def scenario() -> None:
        seed = os.urandom(32)
        async with open_host(seed) as host:
            where = str(host.listen_addrs[0])
            assert await probe.who_is_at(where) == host.device_id
            assert host.connected_peers() == []  # the probe hung up; nobody else came
            with pytest.raises(probe.ProbeFailed):
                await probe.who_is_at(where.rsplit("/", 1)[0] + "/1")

    run(scenario)


def test_an_address_heard_for_a_peer_that_dialed_us_is_confirmed(tmp_path: Path) -> None:
    """Bob dialed Alice, who only heard Bob's address (as from mDNS): she probes it,
    finds Bob there, and marks it as worked."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            async with service(alice) as sa, service(bob) as sb:
                await alice.replication.add_peer(device(bob), [*sb.listen_addrs,
                                                               "/ip4/127.0.0.1/tcp/1"], "mdns", H)
                await sb.connect(device(alice), sa.listen_addrs)
                while True:
                    record = await alice.replication.peer(device(bob))
                    assert record is not None
                    if W in record.trust:
                        break
                    await trio.sleep(0.05)
                assert dict(record.book)[sb.listen_addrs[0]] == W

    run(scenario)
