"""Delivery states over real loopback libp2p nodes (issue 14, item 8): what the author
of a direct message can honestly learn from the sync clocks of the peers it meets.

A writes to B while B is away; F, a friend of both, syncs with A: "carried". A goes;
B meets only F and gets the message, but nobody tells A (F does not pass on B's
clock): still "carried". B and A meet: B's clock says it holds A's log, "delivered".
While they stay connected, a new message becomes "delivered" by itself: B tells A
when A's log grows at B (a "clock" frame about the peer's own log)."""

from __future__ import annotations

from pathlib import Path

from helpers import make_identity, make_log
from netkit import carry, device, holds, run, service, until

from p2psocial.home import Home
from p2psocial.node import Node
from tests.storekit import account_of, store_with
from tests.synckit import Peer, converse


def test_a_session_hands_on_what_the_peer_said_it_holds_never_what_it_was_sent(
        tmp_path: Path) -> None:
    """In memory (net/session.py): A's log reaches B in the session, but A learns that
    B holds it only from B's clock, here at the opening (seq 2) and then from B's
    "clock" about A's own log (seq 4); when the clock summaries agree, from them."""
    log = make_log(make_identity(1), 4)
    wants = {account_of(log)}
    a = Peer(store_with(tmp_path / "a.sqlite", [log]), wants)
    b = Peer(store_with(tmp_path / "b.sqlite", [log[:2]]), wants)
    converse(a, b)
    assert b.store.head(log[0].device)[0] == 4  # type: ignore[index]
    assert a.entries_sent == 2
    assert a.session.take_said() == {log[0].device: 2}  # not 4: that is what A sent
    b.session.local_added(log[0].device, account_of(log), 4)
    ack = b.session.ack_frame(log[0].device)
    assert ack is not None
    a.deliver([ack])
    assert a.session.take_said() == {log[0].device: 4}
    assert a.session.take_said() == {}

    again_a, again_b = Peer(a.store, wants), Peer(b.store, wants)  # both up to date
    converse(again_a, again_b)
    assert again_a.session.take_said() == {log[0].device: 4}


async def state_of(node: Node, entry_id: bytes) -> str | None:
    [view] = await node.messages.conversations()
    page = await node.messages.conversation(view.id)
    [message] = [m for m in page.items if m.id == entry_id]
    return message.delivery.state if message.delivery else None


def test_sent_carried_by_a_friend_then_delivered(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as a, \
                Node.init(Home(tmp_path / "b"), "Bob") as b, \
                Node.init(Home(tmp_path / "f"), "Fay") as f:
            for one, others in ((a, (b, f)), (b, (a, f)), (f, (a, b))):
                for other in others:
                    await one.posts.follow(other.account_id)
            await carry(b, a)  # A knows B's encryption key (B's device certificate)
            message = await a.messages.send([b.account_id], "see you at eight")
            assert await state_of(a, message.id) == "sent"

            async with service(f) as sf:
                async with service(a) as sa:
                    await sa.connect(device(f), sf.listen_addrs)
                    await until(a, lambda: _is(a, message.id, "carried"))
                    await until(f, lambda: holds(f, message.id))
                # A is gone; B comes online and meets F alone
                async with service(b) as sb:
                    await sb.connect(device(f), sf.listen_addrs)
                    await until(b, lambda: holds(b, message.id))
            # nobody told A that B has it: F carries its own clock, not B's
            assert await state_of(a, message.id) == "carried"

            async with service(a) as sa, service(b) as sb:
                await sb.connect(device(a), sa.listen_addrs)
                await until(a, lambda: _is(a, message.id, "delivered"))
                # connected: a new message is delivered as soon as B stores it
                later = await a.messages.send([b.account_id], "or nine?")
                await until(b, lambda: holds(b, later.id))
                await until(a, lambda: _is(a, later.id, "delivered"))
            assert await a.feeds.verify(full=True) == []

    run(scenario, timeout=60)


async def _is(node: Node, entry_id: bytes, state: str) -> bool:
    return await state_of(node, entry_id) == state
