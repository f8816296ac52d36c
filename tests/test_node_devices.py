"""One account on several devices, in-process (node/devices.py, store/revocations.py):
link without the phrase, list, revoke with the root, and what every store does with
a revocation. Real homes and SQLite; logs travel through the nodes' verified ingest,
as a sync session would carry them (the network tests do it over libp2p)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import trio

from p2psocial.errors import InvalidEntry, NotFound, UserError
from p2psocial.home import Home
from p2psocial.identity import AccountKeys, DeviceKeys
from p2psocial.node import Node


async def carry(src: Node, *dsts: Node) -> None:
    """Every log ``src`` holds, into each of ``dsts`` (then their private scans)."""
    logs = await src.replication.logs()
    batches = [await src.replication.log_entries(device, 0, 100_000) for device, _, _ in logs]
    for dst in dsts:
        for batch in batches:
            await dst.replication.ingest(batch)
        await dst.messages.scan()


def link(issuer: Node, home: Path, name: str) -> Node:
    """A new device of ``issuer``'s account in ``home``, as ``device join`` makes it."""
    seed = os.urandom(32)
    granted = trio.run(issuer.devices.grant, DeviceKeys(seed).device_id, name)
    return Node.linked(Home(home), seed, granted)


@pytest.fixture
def family(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Ann's first device (holds the root), her laptop (linked), and Carl, who follows her."""
    desk = Node.init(Home(tmp_path / "desk"), "Ann")
    laptop = link(desk, tmp_path / "laptop", "Laptop")
    carl = Node.init(Home(tmp_path / "carl"), "Carl")
    trio.run(carl.posts.follow, desk.account_id)
    yield desk, laptop, carl
    for node in (desk, laptop, carl):
        node.close()


def test_a_linked_device_holds_no_root_seed_and_writes_for_the_account(family, tmp_path):  # type: ignore[no-untyped-def]
    desk, laptop, carl = family
    assert laptop.account_id == desk.account_id
    assert not laptop.identity.holds_root and desk.identity.holds_root
    root_seed = desk.identity.root.root_seed
    assert root_seed not in Home(tmp_path / "laptop").read_keys()
    assert root_seed in Home(tmp_path / "desk").read_keys()

    async def main() -> None:
        await desk.posts.post("from the desk")
        await laptop.posts.post("from the laptop")
        await carry(desk, laptop, carl)
        await carry(laptop, desk, carl)
        texts = {p.text for p in (await carl.feeds.account_posts(desk.account_id)).items}
        assert {"from the desk", "from the laptop"} <= texts
        rows = await desk.devices.list()
        assert [r.name for r in rows] == ["", "Laptop"]
        assert rows[1].issuer == desk.identity.device_id
        assert {r.device for r in await carl.devices.list(desk.account_id)} == {
            desk.identity.device_id, laptop.identity.device_id}

    trio.run(main)


def test_a_linked_device_links_another_without_the_phrase(family, tmp_path):  # type: ignore[no-untyped-def]
    desk, laptop, carl = family
    phone = link(laptop, tmp_path / "phone", "Phone")
    try:
        async def main() -> None:
            await phone.posts.post("from the phone")
            for node in (desk, laptop, phone):
                await carry(node, carl)
            texts = {p.text for p in (await carl.feeds.account_posts(desk.account_id)).items}
            assert "from the phone" in texts
        trio.run(main)
    finally:
        phone.close()


def test_revoking_refuses_later_entries_everywhere_the_revocation_goes(family):  # type: ignore[no-untyped-def]
    desk, laptop, carl = family

    async def main() -> None:
        await laptop.posts.post("before the theft")
        await carry(laptop, desk, carl)
        await desk.devices.revoke(laptop.identity.device_id, desk.identity.root)
        stolen = await laptop.posts.post("after the theft")  # the thief writes on
        await carry(laptop, carl)  # Carl has not heard of the revocation yet
        assert any(p.text == "after the theft" for p in
                   (await carl.feeds.account_posts(desk.account_id)).items)
        await carry(desk, carl)  # now he has: the later post is erased
        texts = {p.text for p in (await carl.feeds.account_posts(desk.account_id)).items}
        assert "before the theft" in texts and "after the theft" not in texts
        result = await carl.replication.ingest([stolen])  # and refused from now on
        assert not result.added and result.frozen == 1
        rows = {r.device: r for r in await carl.devices.list(desk.account_id)}
        assert rows[laptop.identity.device_id].revoked

    trio.run(main)


def test_a_message_written_after_a_revocation_cannot_be_opened_by_the_revoked_device(
        family, tmp_path):  # type: ignore[no-untyped-def]
    desk, laptop, carl = family
    tablet = link(desk, tmp_path / "tablet", "Tablet")  # stays: gets the new key
    try:
        async def main() -> None:
            await carry(tablet, desk)
            await carry(laptop, desk)
            await carry(desk, carl, laptop, tablet)
            await carl.messages.send([desk.account_id], "before")
            await carry(carl, desk, laptop, tablet)
            assert await laptop.messages.unread() == 1
            await desk.devices.revoke(laptop.identity.device_id, desk.identity.root)
            await carry(desk, carl, laptop, tablet)
            await carl.messages.send([desk.account_id], "after")
            for node in (desk, laptop, tablet):
                await carry(carl, node)
            assert await desk.messages.unread() == 2
            assert await tablet.messages.unread() == 2
            assert await laptop.messages.unread() == 1  # "after" is sealed to a key it lacks

        trio.run(main)
    finally:
        tablet.close()


def test_a_device_the_thief_linked_after_the_theft_is_revoked_with_it(family, tmp_path):  # type: ignore[no-untyped-def]
    desk, laptop, carl = family

    async def main() -> None:
        await carry(laptop, desk, carl)
        await desk.devices.revoke(laptop.identity.device_id, desk.identity.root)
        return None

    trio.run(main)
    phone = link(laptop, tmp_path / "phone", "Thief's phone")  # after the revocation point
    try:
        async def later() -> None:
            await phone.posts.post("spam")
            await carry(desk, carl)
            await carry(laptop, carl)
            await carry(phone, carl)
            texts = {p.text for p in (await carl.feeds.account_posts(desk.account_id)).items}
            assert "spam" not in texts
        trio.run(later)
    finally:
        phone.close()


def test_revoking_needs_the_root_of_this_account(family):  # type: ignore[no-untyped-def]
    desk, laptop, carl = family
    with pytest.raises(UserError, match="another account"):
        trio.run(desk.devices.revoke, laptop.identity.device_id, AccountKeys(os.urandom(32)))
    with pytest.raises(UserError, match="itself"):
        trio.run(desk.devices.revoke, desk.identity.device_id, desk.identity.root)
    with pytest.raises(NotFound):
        trio.run(desk.devices.revoke, carl.identity.device_id, desk.identity.root)
    assert not [e for e in trio.run(desk.devices.list) if e.revoked]


def test_a_revocation_passed_on_alone_is_applied_and_a_forged_one_refused(family):  # type: ignore[no-untyped-def]
    # what a sync session's opening carries (store.add_revocations), ahead of any entry
    desk, laptop, carl = family

    async def main() -> None:
        await laptop.posts.post("before")
        await carry(laptop, desk, carl)
        revocation = await desk.devices.revoke(laptop.identity.device_id, desk.identity.root)
        wires = await desk.replication.revocations()
        assert len(wires) == 1
        forged = bytearray(wires[0])
        forged[-5] ^= 1
        with pytest.raises(InvalidEntry):
            await carl.replication.add_revocations([bytes(forged)])
        assert not any(d.revoked for d in await carl.devices.list(desk.account_id))
        assert await carl.replication.add_revocations(wires) == [laptop.identity.device_id]
        assert await carl.replication.add_revocations(wires) == []  # nothing new
        later = await laptop.posts.post("after")
        assert (await carl.replication.ingest([later])).frozen == 1
        assert carl.store.enc_key(desk.account_id) == revocation.new_enc_key

    trio.run(main)


def test_a_restore_from_the_phrase_reads_what_is_sealed_to_the_rotated_key(family, tmp_path):  # type: ignore[no-untyped-def]
    desk, laptop, carl = family
    root_seed = desk.identity.root.root_seed

    async def main() -> None:
        await carry(laptop, desk)
        await desk.devices.revoke(laptop.identity.device_id, desk.identity.root)
        await carry(desk, carl)
        await carl.messages.send([desk.account_id], "after the revocation")
        restored = Node.restore(Home(tmp_path / "new"), root_seed, "Ann")
        try:
            await carry(desk, restored)  # the new key, sealed to the recovery key too
            await carry(carl, restored)
            assert await restored.messages.unread() == 1
        finally:
            restored.close()

    trio.run(main)


def test_a_group_run_by_someone_else_gets_a_new_key_when_a_member_loses_a_device(family):  # type: ignore[no-untyped-def]
    desk, laptop, carl = family

    async def main() -> None:
        await carry(laptop, desk)
        await carry(desk, carl)
        group = await carl.groups.create("Book club", [desk.account_id])
        await carl.groups.post(group, "chapter one")
        await carry(carl, desk, laptop)
        assert [m.text for m in (await laptop.groups.messages(group)).items] == ["chapter one"]
        await desk.devices.revoke(laptop.identity.device_id, desk.identity.root)
        await carry(desk, carl)  # Carl learns it: his group gets a new key
        assert (await carl.groups.state(group)).epoch == 1
        await carl.groups.post(group, "chapter two")
        await carry(carl, desk, laptop)
        await carry(desk, laptop)  # the laptop gets everything, and cannot read it
        assert [m.text for m in (await laptop.groups.messages(group)).items] == ["chapter one"]
        assert {m.text for m in (await desk.groups.messages(group)).items} == {
            "chapter one", "chapter two"}

    trio.run(main)


def test_revocations_of_devices_not_held_here_are_kept_only_so_many(family):  # type: ignore[no-untyped-def]
    # an account's root can sign revocations of made-up devices: bounded per account
    from p2psocial import codec
    from p2psocial.identity import revoke
    from p2psocial.store.revocations import MAX_UNHELD

    desk, laptop, carl = family
    root = desk.identity.root
    wires = [codec.encode(revoke(root, os.urandom(32), 0, b"", 1_000 + n,
                                 root.enc_public).to_wire())
             for n in range(MAX_UNHELD + 10)]

    async def main() -> None:
        await carry(desk, carl)
        changed = await carl.replication.add_revocations(wires)
        assert len(changed) == MAX_UNHELD
        held = carl.store.conn.execute("SELECT count(*) FROM revocations").fetchone()[0]
        assert held == MAX_UNHELD
        await carry(laptop, desk)  # a device whose log is held is revoked all the same
        await desk.devices.revoke(laptop.identity.device_id, root)
        await carry(laptop, carl)
        assert await carl.replication.add_revocations(await desk.replication.revocations()) \
            == [laptop.identity.device_id]

    trio.run(main)
