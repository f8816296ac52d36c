"""Finding 1: equivocation must not turn honest peers against each other.

The victim A is a real ``serve``; C is an honest in-process node; both replicate
Mallory, and C also carries Hana's log, which A follows. Mallory gives A ``2a`` and
C ``2b, 3b``. When C connects, it sends A ``3b`` together with Hana's entries. Before
fork handling, A's ingest called ``3b`` a broken link, rejected the whole batch
(Hana's entries too) and banned C, again after every ban. Now A keeps Hana's log,
freezes Mallory's below the fork, tells C, and C keeps its standing.
"""

from __future__ import annotations

import json
from pathlib import Path

import trio
from arena import poll, stored, victim
from attacks_equivocation import branches, forking_devices, push_log
from netkit import device, holds, run, service, until

from p2psocial import ids
from p2psocial.home import Home
from p2psocial.net.host import open_host
from p2psocial.node import Node
from tests.helpers import make_identity, make_log


def test_a_fork_freezes_the_log_everywhere_and_the_carrier_keeps_its_standing(
        tmp_path: Path) -> None:
    mallory, hana = make_identity(66), make_identity(67)
    a_branch, b_branch = branches(mallory)
    hana_log = make_log(hana, 40)

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "w"), "Writer") as writer, \
                Node.init(Home(tmp_path / "c"), "Carol") as carol:
            for account in (writer.account_id, mallory.account_id, hana.account_id):
                await carol.posts.follow(account)
            await carol.replication.ingest(hana_log)
            await carol.replication.ingest(b_branch)  # what Mallory told Carol
            follows = (writer.account_id, mallory.account_id, hana.account_id)
            async with victim(tmp_path / "a", follows=follows) as a, \
                    open_host(mallory.device.seed) as hm:
                # what Mallory told A
                await push_log(hm, a.device, a.addrs, a_branch)

                async def a_holds_2a() -> bool:
                    return any(d == mallory.device_id and s == 2
                               for d, _, s in await stored(a.home, "logs"))  # type: ignore[attr-defined]
                await poll(a_holds_2a)

                async with service(writer) as wn, service(carol) as cn:
                    await wn.connect(a.device, a.addrs)
                    await cn.connect(a.device, a.addrs)

                    async def a_has_hana_and_the_fork() -> bool:
                        logs = await stored(a.home, "logs")
                        forked = await stored(a.home, "forked")
                        return (any(d == hana.device_id and s == 40 for d, _, s in logs)
                                and forked == {mallory.device_id: 2})
                    await poll(a_has_hana_and_the_fork)

                    async def carol_knows() -> bool:
                        return await carol.replication.forked() == {mallory.device_id: 2}
                    await poll(carol_knows)

                    post = await writer.posts.post("still served")
                    await until(carol, lambda: holds(carol, post.id))

                    peers = json.loads(await a.cli("peers", "--json"))
                    mine = next(p for p in peers["peers"]
                                if p["device"] == ids.encode(ids.DEVICE, device(carol)))
                    assert mine["state"] == "connected" and mine["standing"] >= 0, mine
                    verify = json.loads(await a.cli("verify", "--json"))
                    assert verify["ok"] and [f["seq"] for f in verify["forks"]] == [2]

    run(scenario, timeout=90)


def test_a_forking_author_costs_the_victim_little_and_honest_delivery_goes_on(
        tmp_path: Path) -> None:
    """An author the victim follows forks one new device after another, 150 of them:
    more than the 128 frames an honest peer tolerates that bring it nothing. The
    victim freezes each log, and does not pass the proofs to the writer and reader,
    who carry none of those logs (it did at first, and they banned it)."""
    from arena import AttackStats, arena

    async def scenario() -> None:
        async with arena(tmp_path) as place:
            stats = AttackStats()
            before = place.victim.peak_rss()
            times: list[float] = []
            async with trio.open_nursery() as nursery:
                nursery.start_soon(forking_devices, place, stats)
                with trio.fail_after(90):
                    while len(times) < 10 or len(await stored(
                            place.victim.home, "forked")) < 150:
                        times.append(await place.delivery(f"during {len(times)}"))
                nursery.cancel_scope.cancel()
            assert sorted(times)[len(times) // 2] < 1, times
            assert place.victim.peak_rss() - before < 30 << 20
            for net in (place.writer_net, place.reader_net):  # honest peers blame nobody
                seen = net.peer(place.victim.device)
                assert seen is not None and seen.standing >= 0, seen

    run(scenario, timeout=120)
