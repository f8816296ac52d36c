"""Addresses that follow you, between real services on 127.0.0.1 (address_exchange.py).

Alice, Bob and Carol follow each other; Dave follows Alice and Bob, and Bob follows
Dave, but Alice does not follow Dave. Alice knows only Bob's address, and Carol
cannot be dialed (she listens nowhere and holds no relay slot). When Alice restarts
on another port, Carol learns where she went from Bob and dials her, with nobody
telling her; Dave, connected to Bob too, is never sent Alice's record.
"""

from __future__ import annotations

from pathlib import Path

import trio
from netkit import device, run, service

from p2psocial.address_record import AddressRecord
from p2psocial.home import Home
from p2psocial.net import address_exchange as ax
from p2psocial.net.framing import write_frame
from p2psocial.net.host import Multiaddr, open_host, peer_id_from_device_id
from p2psocial.node import Node
from p2psocial.store.peer_addrs import Trust
from tests.helpers import everyone_syncs
from tests.waitkit import eventually


async def follow(node: Node, *others: Node) -> None:
    for other in others:
        await node.posts.follow(other.account_id)


def test_a_friend_that_moved_is_found_through_a_common_friend(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob, \
                Node.init(Home(tmp_path / "c"), "Carol") as carol, \
                Node.init(Home(tmp_path / "d"), "Dave") as dave:
            await follow(alice, bob, carol)
            await follow(bob, alice, carol, dave)
            await follow(carol, alice, bob)
            await follow(dave, alice, bob)
            await everyone_syncs([alice, bob, carol, dave])
            sb = service(bob)
            sent_by_bob: list[tuple[bytes, list[bytes]]] = []
            real_send = sb.address_exchange._send

            async def spy(peer: bytes, raws: list[bytes]) -> None:
                sent_by_bob.append((peer, raws))
                await real_send(peer, raws)

            sb.address_exchange._send = spy  # type: ignore[method-assign]
            async with sb, service(carol, port=None, reserve=False) as sc, \
                    service(dave) as sd:
                async with service(alice) as sa:
                    first = sa.listen_addrs
                    await alice.replication.add_peer(device(bob), sb.listen_addrs, "invite")
                    await sa.connect(device(bob), sb.listen_addrs)
                    await sc.connect(device(alice), first)
                    await sc.connect(device(bob), sb.listen_addrs)
                    await sd.connect(device(bob), sb.listen_addrs)
                    await sc.wait_until(lambda: {device(alice), device(bob)}
                                        <= set(sc.connected()))
                    await sd.wait_until(lambda: device(bob) in sd.connected())
                    held = await _wait_record(carol, device(alice), lambda r: True)
                    before = held.seq
                async with service(alice) as sa2:  # a new port
                    moved = sa2.listen_addrs
                    assert moved != first
                    # nobody tells Carol: Bob's copy of Alice's new record does
                    await sc.wait_until(lambda: device(alice) in sc.connected())
                    held = await _wait_record(carol, device(alice), lambda r: r.seq > before)
                    assert held.addr_texts == tuple(moved)
                    book = dict((await carol.replication.peer(device(alice))).book)  # type: ignore[union-attr]
                    assert book[moved[0]] in (Trust.SIGNED, Trust.WORKED)
                    assert book[first[0]] == Trust.HEARD  # where she was: dialed last
                    # Dave is connected to Bob all along, and never sent Alice's record
                    assert device(bob) in sd.connected()
                    assert await dave.replication.address_record(device(alice)) is None
                    to_dave = [r for p, raws in sent_by_bob if p == device(dave) for r in raws]
                    assert not [r for r in to_dave
                                if AddressRecord.from_wire(_wire(r)).device == device(alice)]
                    assert any(p == device(carol) for p, _ in sent_by_bob)
                    # Alice's addresses change while she runs (a port mapping came, say):
                    # her connected friends have the fresh record within seconds
                    mapped = "/ip4/203.0.113.5/tcp/4001"
                    sa2.address_exchange.mapped = lambda: [mapped]
                    sa2.addresses_changed()
                    with trio.fail_after(5):
                        await _wait_record(bob, device(alice),
                                           lambda r: mapped in r.addr_texts)

    run(scenario, timeout=60)


def test_a_flooding_friend_is_refused_past_its_rate_and_an_honest_one_still_served(
        tmp_path: Path) -> None:
    """Erin opens 3 * FRAMES_BURST address streams at once: the first FRAMES_BURST are
    read, the rest reset unread, and she is not punished (a valid record, even old,
    is nobody's offence). Frank, honest, pushes his record meanwhile: it is kept.
    A record that does not verify costs its sender (Frank, this time) standing."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "e"), "Erin") as erin, \
                Node.init(Home(tmp_path / "f"), "Frank") as frank:
            await follow(alice, erin, frank)
            await follow(erin, alice)
            await follow(frank, alice)
            await everyone_syncs([alice, erin, frank])
            erin_record = await erin.replication.issue_address_record([])
            old_frank = await frank.replication.issue_address_record([])
            frank_record = await frank.replication.issue_address_record([])
            assert frank_record.seq > old_frank.seq
            async with service(alice) as sa:
                target = peer_id_from_device_id(device(alice))
                addrs = [Multiaddr(a) for a in sa.listen_addrs]
                taken: list[bytes | None] = []
                real_take = sa.address_exchange.take

                async def spy(record: AddressRecord, raw: bytes, **kw: object) -> bool:
                    taken.append(kw.get("source"))  # type: ignore[arg-type]
                    return await real_take(record, raw, **kw)  # type: ignore[arg-type]

                sa.address_exchange.take = spy  # type: ignore[method-assign]
                assert erin.identity is not None and frank.identity is not None
                async with open_host(erin.identity.device.seed, None) as eh, \
                        open_host(frank.identity.device.seed, None) as fh:
                    await eh.connect(target, addrs)

                    async def push(raw: bytes) -> None:
                        try:
                            stream = await eh.open_stream(target, [], ax.PROTOCOL_ID)
                            await write_frame(stream, ax.encode_push([raw]))
                            await stream.close()
                        except Exception:  # reset by Alice: over the rate
                            pass

                    async with trio.open_nursery() as nursery:
                        for _ in range(3 * ax.FRAMES_BURST):
                            nursery.start_soon(push, erin_record.encode())
                    # Frank, honest, is served while Erin is over her rate
                    stream = await fh.open_stream(target, addrs, ax.PROTOCOL_ID)
                    await write_frame(stream, ax.encode_push([old_frank.encode(),
                                                             frank_record.encode()]))
                    await stream.close()
                    await _wait_record(alice, device(frank),
                                       lambda r: r.seq == frank_record.seq)
                    assert (await alice.replication.address_record(device(erin))) is not None
                    from_erin = taken.count(device(erin))
                    assert ax.FRAMES_BURST <= from_erin <= ax.FRAMES_BURST + 1
                    erin_state = sa.peer(device(erin))
                    assert erin_state is not None and erin_state.standing == 0
                    # a forged record is the sender's fault
                    raw = bytearray(erin_record.encode())
                    raw[-1] ^= 1
                    bad = await fh.open_stream(target, [], ax.PROTOCOL_ID)
                    await write_frame(bad, ax.encode_push([bytes(raw)]))
                    await bad.close()
                    await sa.wait_until(lambda: sa.peer(device(frank)).standing < 0)  # type: ignore[union-attr]

    run(scenario, timeout=60)


async def _wait_record(node: Node, of: bytes, ok: object) -> AddressRecord:
    from p2psocial import address_record

    async def record() -> AddressRecord | None:
        held = await node.replication.address_record(of)
        return None if held is None else address_record.decode(held.raw)

    return await eventually(record, "an address record", within=30, every=0.05,
                            until=lambda rec: rec is not None and ok(rec))  # type: ignore[operator]


def _wire(raw: bytes) -> object:
    from p2psocial import codec

    return codec.decode(raw)


def test_an_invite_stays_useful_after_the_inviter_moved(tmp_path: Path,
                                                        monkeypatch: object) -> None:
    """Jo joined Alice's invite; Alice follows Bob, not Jo, so nobody pushes Jo her
    record. Alice moves: Jo's dial fails, and Jo shows the invite's token to Bob, whom
    Jo reaches, and who answers with Alice's newest record: Jo dials her there."""
    monkeypatch.setattr(ax, "ASK_EVERY", 0.5)  # type: ignore[attr-defined]

    async def scenario() -> None:
        from p2psocial import invite
        from p2psocial.runtime import join

        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob, \
                Node.init(Home(tmp_path / "j"), "Jo") as jo:
            await follow(alice, bob)
            await follow(bob, alice)
            await follow(jo, bob)
            await everyone_syncs([alice, bob, jo])
            sb = service(bob)
            sent_by_bob: list[tuple[bytes, list[bytes]]] = []
            real_send = sb.address_exchange._send

            async def spy(peer: bytes, raws: list[bytes]) -> None:
                sent_by_bob.append((peer, raws))
                await real_send(peer, raws)

            sb.address_exchange._send = spy  # type: ignore[method-assign]
            async with sb, service(jo, port=None, reserve=False) as sj:
                await jo.replication.add_peer(device(bob), sb.listen_addrs, "invite")
                await sj.connect(device(bob), sb.listen_addrs)
                async with service(alice) as sa:
                    await sa.connect(device(bob), sb.listen_addrs)
                    code = invite.encode(invite.make(device(alice), alice.account_id,
                                                     sa.listen_addrs,
                                                     token=alice.replication.address_token()))
                    await join(jo, sj, code)
                    await sj.wait_until(lambda: device(alice) in sj.connected())
                    first = sa.listen_addrs
                async with service(alice) as sa2:
                    assert sa2.listen_addrs != first
                    await sj.wait_until(lambda: device(alice) in sj.connected())
                    held = await jo.replication.address_record(device(alice))
                    assert held is not None
                    assert _record_of(held.raw).addr_texts == tuple(sa2.listen_addrs)
            # Bob never pushed Alice's record to Jo: Jo asked for it, with the token
            assert not [r for p, raws in sent_by_bob if p == device(jo) for r in raws
                        if _record_of(r).device == device(alice)]

    run(scenario, timeout=60)


def _record_of(raw: bytes) -> AddressRecord:
    from p2psocial import address_record

    return address_record.decode(raw)
