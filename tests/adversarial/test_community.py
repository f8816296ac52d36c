"""Attacks on open communities against a real ``p2psocial serve`` (attacks_community.py):
what the honest side sees while they run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import trio
from arena import Arena, AttackStats, Victim, arena
from attacks_community import (
    GARBAGE,
    attacker,
    community_around,
    made_up_lines,
    roster_box,
    roster_echo,
    send_garbage,
    send_roster,
    sybil_lines,
)
from netkit import holds, run, until

from p2psocial import ids, invite, roster
from p2psocial.net import address_exchange, blobs, community, neighbourhood
from p2psocial.node import Node
from tests.waitkit import eventually

POLL = 15.0


async def peer_row(victim: Victim, device: bytes) -> dict | None:
    """The victim's address-book row for ``device`` (``p2psocial peers --json``)."""
    doc = json.loads(await victim.cli("peers", "--json"))
    text = ids.device_text(device)
    return next((p for p in doc["peers"] if p["device"] == text), None)


async def until_row(victim: Victim, device: bytes, check: str) -> dict:
    """Poll the victim's address book until ``device``'s row satisfies ``check``
    (``"lowered"``: standing below 0; ``"banned"``)."""
    def done(row: dict | None) -> bool:
        return row is not None and (row["standing"] < 0 if check == "lowered"
                                    else row["state"] == "banned")

    return await eventually(lambda: peer_row(victim, device), check, until=done,
                            within=POLL, every=0.2)


def quiet(victim: Victim) -> None:
    """No traceback, and no ERROR line of ours, in the victim's log: at most WARNINGs.
    (py-libp2p's yamux logs an ERROR of its own, "Error in handle_incoming ...
    ConnectionClosedError", when a peer resets its TCP connection under open streams,
    as an attacker that goes away does: that is for host.py's log filter.)"""
    err = (victim.home / "serve.err").read_text()
    assert "Traceback" not in err, err
    ours = [line for line in err.splitlines() if " ERROR p2psocial" in line]
    assert ours == [], err


@pytest.mark.parametrize("protocol", [community.PROTOCOL_ID, blobs.PROTOCOL_ID,
                                      address_exchange.PROTOCOL_ID])
def test_garbage_on_a_protocol_costs_standing_never_a_traceback(
        tmp_path: Path, protocol: str) -> None:
    """Finding 10: each kind of garbage lowers its sender's standing, logs one WARNING
    and no traceback; a sender that keeps at it is banned; the honest writer and
    reader are served throughout."""
    async def scenario() -> None:
        async with arena(tmp_path) as place:
            stats = AttackStats()
            for name, garbage in GARBAGE.items():
                async with attacker(stats) as host:
                    await send_garbage(host, place.victim, garbage, stats, protocol)
                    row = await until_row(place.victim, host.device_id, "lowered")
                    assert row["state"] != "banned", name  # one offence is not a ban
                assert await place.delivery(name) < 10
            async with attacker(stats) as host:
                for garbage in list(GARBAGE.values())[:2]:
                    await send_garbage(host, place.victim, garbage, stats, protocol)
                await until_row(place.victim, host.device_id, "banned")
            assert await place.delivery("after the ban") < 10
            assert place.victim.alive()
            quiet(place.victim)
            warnings = (place.victim.home / "serve.err").read_text().count("misbehaved")
            assert warnings == len(GARBAGE) + 2  # one line per offence

    run(scenario, timeout=120)


async def roster_of(victim: Victim, cid: bytes) -> set[str]:
    """The accounts on the victim's roster of community ``cid``."""
    doc = json.loads(await victim.cli("community", "list", "--json"))
    [found] = [c for c in doc["communities"] if c["id"] == ids.group_text(cid)]
    return {m["account"] for m in found["members"]}


async def honest_community(place: Arena) -> tuple[bytes, Any, set[str]]:
    """The community of the arena's honest peers and the victim (community_around),
    once the victim has them all on its roster: its id, its key (what an invite code
    gives away, so what an attacker may hold), and the members' account texts."""
    around = await community_around(place)
    honest = {ids.account_text(a) for a in (
        place.writer.account_id, place.reader.account_id, place.victim.account)}
    await until_members(place.victim, around.info.id, honest)
    key = invite.decode(around.code).community
    assert key is not None
    return around.info.id, key, honest


def test_a_key_holder_cannot_put_made_up_accounts_on_a_roster(tmp_path: Path) -> None:
    """Finding 2: an attacker holding the community key (an invite code) sends the
    victim a roster of 254 made-up accounts: none is added, the attacker loses
    standing, and the honest members keep replicating each other through the victim."""
    async def scenario() -> None:
        async with arena(tmp_path) as place:
            cid, key, honest = await honest_community(place)
            stats = AttackStats()
            async with attacker(stats) as host:
                await send_roster(host, place.victim, roster_box(
                    key, made_up_lines(cid), host.device_id, place.victim.device), stats)
                await until_row(place.victim, host.device_id, "lowered")
            assert await roster_of(place.victim, cid) == honest
            await community_post_crosses(place, cid, "Bread on Saturday?")
            quiet(place.victim)

    run(scenario, timeout=120)


def test_made_up_members_fill_a_roster_to_its_cap_and_no_member_is_blamed(
        tmp_path: Path) -> None:
    """Accounts the attacker holds the keys of (free identities) do join: that is what
    an open community is. They fill the roster up to its cap of 256 and no further, push
    no member off, and the members, whose rosters are now full, exchange them without
    charging each other (the cap's arithmetic fits a full roster); posts still cross."""
    async def scenario() -> None:
        async with arena(tmp_path) as place:
            cid, key, honest = await honest_community(place)
            stats = AttackStats()
            async with attacker(stats) as host:
                for n in (roster.MAX_MEMBERS, 40):  # more than there is room for
                    await send_roster(host, place.victim, roster_box(
                        key, sybil_lines(cid, n), host.device_id, place.victim.device), stats)
                found = await roster_of(place.victim, cid)
                assert len(found) == roster.MAX_MEMBERS and honest <= found
                row = await peer_row(place.victim, host.device_id)
                assert row is not None and row["standing"] == 0  # valid joins: no blame
            # the victim shares its full roster with the writer and the reader: they
            # take what fits and hold nothing against it, nor it against them
            await until_full(place.reader, cid)
            await community_post_crosses(place, cid, "Still here?")
            for net in (place.writer_net, place.reader_net):
                seen = net.peer(place.victim.device)
                assert seen is not None and seen.standing >= 0 and seen.banned_until is None
            doc = json.loads(await place.victim.cli("peers", "--json"))
            assert all(p["standing"] >= 0 for p in doc["peers"]), doc
            quiet(place.victim)

    run(scenario, timeout=120)


def test_roster_answers_to_everyone_stay_within_their_byte_budget(tmp_path: Path) -> None:
    """A key holder sends one-line rosters, two at a time: each would draw the victim's
    whole roster (65 KB for a few hundred bytes). Once the answers' burst (1 MiB) is
    spent, what it gets back grows at 64 KiB a second at most, and posts still cross."""
    async def scenario() -> None:
        async with arena(tmp_path) as place:
            stats = AttackStats()
            async with trio.open_nursery() as nursery:
                nursery.start_soon(roster_echo, place, stats)
                with trio.fail_after(20):  # the burst spent
                    spent = neighbourhood.ANSWER_BURST - 2 * community.BOX_MAX
                    while stats.received < spent:  # noqa: ASYNC110 (a counter: no event)
                        await trio.sleep(0.05)
                before, started = stats.received, trio.current_time()
                await trio.sleep(WINDOW)  # a rate is measured over time
                got, elapsed = stats.received - before, trio.current_time() - started
                nursery.cancel_scope.cancel()
            # refilled over the window, plus answers granted before it and still in flight
            assert got <= neighbourhood.ANSWER_RATE * elapsed + 3 * community.BOX_MAX, (
                got, elapsed)
            cid = (await place.writer.communities.list())[0].id
            await community_post_crosses(place, cid, "Anyone there?")
            quiet(place.victim)

    run(scenario, timeout=120)


WINDOW = 4.0


async def community_post_crosses(place: Arena, cid: bytes, text: str) -> None:
    """A community post of the writer reaches the reader through the victim."""
    post = await place.writer.groups.post(cid, text)
    with trio.fail_after(15):
        await until(place.reader, lambda: holds(place.reader, post.id))


async def until_full(node: Node, cid: bytes) -> None:
    async def full() -> bool:
        return any(i.full for i in await node.communities.list() if i.id == cid)

    with trio.fail_after(15):
        await until(node, full)  # re-checked at each of its events (RosterChanged)


async def until_members(victim: Victim, cid: bytes, accounts: set[str]) -> None:
    await eventually(lambda: roster_of(victim, cid), f"the roster is {accounts}",
                     until=lambda found: found == accounts, within=POLL, every=0.2)
