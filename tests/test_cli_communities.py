"""Open LAN communities from the command line: ``community create/list/nearby/join``, and
communities among groups (``group list/show/post/leave``, ``inbox``), as real
subprocesses on real homes.

The network tests run on 127.0.0.1 with mDNS on loopback, under a DNS-SD type of
each test's own, so they never meet another test's serve. Nobody follows anybody in
them: a community's posts travel because its members replicate its roster.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trio

from p2psocial import ids, roster
from p2psocial.cli import main
from p2psocial.home import Home
from p2psocial.node import Node
from tests.clikit import (
    POLL_FOR,
    cli_env,
    fails,
    group_texts,
    js,
    ok,
    other_account,
    run,
    start_serve,
    stop,
)
from tests.helpers import make_joins
from tests.netkit import lan_type
from tests.waitkit import poll

GRP = r"grp1[a-z0-9]{58}"


def on_lan(kind: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A command run with LAN discovery under the DNS-SD type ``kind``."""
    return run(home, *args, env=cli_env(P2PSOCIAL_LAN_SERVICE_TYPE=kind))


def lan_ok(kind: str, home: Path, *args: str) -> str:
    done = on_lan(kind, home, *args)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # the short-lived network logs nothing when all is well
    return done.stdout


def lan_js(kind: str, home: Path, *args: str) -> Any:
    return json.loads(lan_ok(kind, home, *args, "--json"))


def poll_texts(home: Path, group: str, text: str) -> list[str]:
    """The group's texts once ``text`` is among them (the last seen if it never is)."""
    return poll(lambda: group_texts(home, group), f"{text!r} in {group}", until=lambda t: text in t,
                within=POLL_FOR, every=0.2, last=True)


@pytest.fixture
def homes(tmp_path: Path) -> Iterator[tuple[Path, Path, str, str]]:
    """Alice's and Bob's homes, and their accounts; they follow nobody."""
    a, b = tmp_path / "a", tmp_path / "b"
    alice = js(a, "init", "--name", "Alice")["account"]
    bob = js(b, "init", "--name", "Bob")["account"]
    yield a, b, alice, bob


def test_create_list_and_communities_among_groups(
        homes: tuple[Path, Path, str, str], capsys: pytest.CaptureFixture[str]) -> None:
    a, b, alice, _ = homes
    said = ok(a, "community", "create", "  Village hall ").splitlines()
    match = re.fullmatch(rf"Created the community Village hall \(({GRP})\)\.", said[0])
    assert match, said
    cid = match[1]
    assert said[1:] == ["Anyone on this local network can see it and join it while a "
                        "member's p2psocial runs (the app, or 'p2psocial serve'); post in it "
                        "with 'p2psocial group post ID TEXT'."]
    made = js(a, "community", "create", "Allotments")
    assert ids.is_id(ids.GROUP, made["id"]) and made["name"] == "Allotments"
    assert made["community"] is True and made["admin"] == alice and made["is_admin"]
    assert [m["account"] for m in made["members"]] == [alice] and made["unread"] == 0

    listed = js(a, "community", "list")
    assert set(listed) == {"communities", "unread"} and listed["unread"] == 0
    assert sorted((c["name"], c["id"], c["community"]) for c in listed["communities"]) == [
        ("Allotments", made["id"], True), ("Village hall", cid, True)]
    assert set(listed["communities"][0]) == {
        "id", "name", "admin", "is_admin", "member", "epoch", "members", "last_text",
        "last_ts", "last_time", "last_author", "last_own", "unread", "community"}
    ok(a, "group", "post", cid, "Welcome, neighbours")
    lines = ok(a, "community", "list").splitlines()  # the newest message first
    assert re.fullmatch(r"Village hall \(community\) · 1 member · [-0-9 :]+ · you started it",
                        lines[0]), lines
    assert lines[1:4] == ["    members: you", "    you: Welcome, neighbours", f"    {cid}"]
    assert lines[4:] == ["Allotments (community) · 1 member · you started it",
                         "    members: you", f"    {made['id']}"]
    assert ok(b, "community", "list") == (
        "You are in no community yet: 'p2psocial community nearby' lists those offered on "
        "this local network, 'p2psocial community create NAME' starts one.\n")

    # communities are groups: 'group list', 'inbox' and 'group show' say which they are
    assert "Village hall (community) · 1 member" in ok(a, "group", "list")
    assert {g["id"]: g["community"] for g in js(a, "group", "list")["groups"]} == {
        cid: True, made["id"]: True}
    assert "Village hall (community) · 1 member" in ok(a, "inbox")
    assert [g["community"] for g in js(a, "inbox")["groups"]] == [True, True]
    shown = ok(a, "group", "show", cid).splitlines()
    assert shown[0] == f"Community Village hall · 1 member: you · {cid}"
    assert shown[3:] == ["Welcome, neighbours", shown[-1]]

    # nobody adds or removes a community's members: people join it
    assert fails(a, "group", "add", cid, other_account(5)) == (
        "Anyone on the LAN may join an open community: nobody adds or removes its members")

    def fails_here(*args: str, code: int = 1) -> str:
        """In this process: the same code path, without a subprocess's start-up each."""
        assert main(["--home", str(a), *args]) == code
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1 and "Traceback" not in err
        return err.removeprefix("p2psocial: ").rstrip("\n")

    assert fails_here("group", "remove", cid, other_account(5)) == (
        "Anyone on the LAN may join an open community: nobody adds or removes its members")
    assert fails_here("community", "create", "  ") == "A community needs a name"
    assert fails_here("community", "create", "x" * 65) == (
        "A community's name is one line of at most 64 characters")
    assert fails_here("community", "join", "grp1qqqq").startswith("'grp1qqqq' is not a valid")
    with pytest.raises(SystemExit) as exited:
        main(["--home", str(a), "community", "nearby", "--wait", "61"])
    assert exited.value.code == 2
    assert "argument --wait: give a number of seconds from 0 to 60" in capsys.readouterr().err

    # leaving: anyone may, the creator too; the community stays listed, marked
    said = ok(a, "group", "leave", made["id"]).splitlines()
    assert said == [f"You left the community Allotments ({made['id']}): this home stops "
                    "carrying its members' posts (what it holds stays); 'p2psocial community "
                    "join ID' on its local network joins it again."]
    assert "Allotments (community) · 1 member · you left" in ok(
        a, "community", "list").splitlines()
    assert ok(a, "group", "show", made["id"]).splitlines()[1] == (
        "You left this community: its new posts do not reach you ('p2psocial community "
        "join ID' on its local network joins it again).")


def test_nearby_and_join_alone_on_the_lan(homes: tuple[Path, Path, str, str]) -> None:
    """With nobody else on the LAN: nothing offered, and a join refused in one line."""
    a, _, _, _ = homes
    kind = lan_type()
    assert lan_js(kind, a, "community", "nearby", "--wait", "0") == {
        "communities": [], "neighbours": 0}
    assert lan_ok(kind, a, "community", "nearby", "--wait", "0.5") == (
        "No community offered nearby: no other p2psocial is on this local network now. "
        "'p2psocial community create NAME' starts one.\n")
    unknown = ids.group_text(bytes(32))
    done = on_lan(kind, a, "community", "join", unknown, "--wait", "0.5")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr == (f"p2psocial: Nobody on this local network offers the community "
                           f"{unknown} now (waited 0.5 s): 'p2psocial community nearby' "
                           "lists what is offered\n")


def test_join_a_community_on_the_lan_between_processes(
        homes: tuple[Path, Path, str, str]) -> None:
    """Alice's serve offers a community; Bob, with no serve, sees it and joins it in
    separate processes, posts, and syncs once: Alice's serve holds his post. Nobody
    follows anybody."""
    a, b, alice, bob = homes
    kind = lan_type()
    cid = js(a, "community", "create", "Village hall")["id"]
    ok(a, "group", "post", cid, "Welcome, neighbours")
    serve_a, _ = start_serve(a, lan_type=kind)
    try:
        seen = on_lan(kind, b, "-v", "community", "nearby", "--wait", "20", "--json")
        assert seen.returncode == 0, seen.stderr
        [offer] = json.loads(seen.stdout)["communities"] or [seen.stderr]
        assert offer["id"] == cid and offer["name"] == "Village hall"
        assert offer["creator"] == alice and offer["members"] == 1
        assert offer["joined"] is False and len(offer["devices"]) == 1

        said = lan_ok(kind, b, "community", "join", cid, "--wait", "20").splitlines()
        assert said == [
            f"Joined Village hall ({cid}), started by Alice: 2 members known.",
            "Its posts now come from every member, followed or not, whenever this home is "
            "online with one of them: read them with 'p2psocial group show ID', post with "
            "'p2psocial group post ID TEXT'."]
        # the short-lived network stayed until Alice's posts arrived
        assert group_texts(b, cid) == ["Welcome, neighbours"]
        mine = js(b, "community", "list")["communities"]
        assert [(c["id"], c["admin"], c["is_admin"]) for c in mine] == [(cid, alice, False)]
        assert sorted(m["account"] for m in mine[0]["members"]) == sorted([alice, bob])

        ok(b, "group", "post", cid, "Thanks! Bread on Saturday?")
        summary = json.loads(ok(b, "sync", "--once", "--timeout", "20", "--json"))
        assert summary["reached"] == 1, summary
        # through the serve's control endpoint: Alice's serve holds Bob's post
        assert poll_texts(a, cid, "Thanks! Bread on Saturday?") == [
            "Welcome, neighbours", "Thanks! Bread on Saturday?"], (
            summary, js(a, "community", "list"))
        [view] = js(a, "community", "list")["communities"]
        assert sorted(m["account"] for m in view["members"]) == sorted([alice, bob])
    finally:
        err = stop(serve_a)
        print(err)  # shown when the test fails
    assert "Traceback" not in err
    assert js(a, "following")["following"] == [] and js(b, "following")["following"] == []


def test_nearby_and_join_through_a_running_serve(homes: tuple[Path, Path, str, str]) -> None:
    """Beside a serve, ``nearby`` and ``join`` run there, with its network; a serve
    that does not look at the LAN says so in one line."""
    a, b, _, bob = homes
    kind = lan_type()
    cid = js(a, "community", "create", "Book swap")["id"]
    serve_b, _ = start_serve(b)  # --no-lan
    try:
        assert fails(b, "community", "nearby") == (
            "The running p2psocial does not look for peers on the local network: turn LAN "
            "discovery on in its settings (or run 'p2psocial serve' without --no-lan)")
    finally:
        stop(serve_b)
    serve_a, _ = start_serve(a, lan_type=kind)
    serve_b, _ = start_serve(b, lan_type=kind)
    try:
        [offer] = js(b, "community", "nearby", "--wait", "20")["communities"]
        assert offer["id"] == cid and not offer["joined"]
        joined = js(b, "community", "join", cid, "--wait", "20")
        assert joined["id"] == cid and joined["community"] and not joined["already"]
        again = js(b, "community", "join", cid, "--wait", "20")
        assert again["already"] is True
        lines = ok(b, "community", "nearby", "--wait", "20").splitlines()
        assert re.fullmatch(r"Book swap · 2 members · started by .+ · joined", lines[0]), lines
        assert lines[1:] == [f"    {cid}"]
        ok(b, "group", "post", cid, "Two novels to give away")  # done by Bob's serve
        assert poll_texts(a, cid, "Two novels to give away") == ["Two novels to give away"]
        [view] = js(a, "community", "list")["communities"]
        assert bob in [m["account"] for m in view["members"]]
    finally:
        errs = [stop(serve_b), stop(serve_a)]
    assert all("Traceback" not in e for e in errs)


def test_an_invite_joins_a_community_and_members_react(
        homes: tuple[Path, Path, str, str]) -> None:
    """No LAN: Alice's invite carries her community; Bob joins with it, and after one
    ``sync --once`` her serve replicates him (the roster exchange told it). Reactions
    inside the community travel the same way."""
    a, b, _, bob = homes
    cid = js(a, "community", "create", "Reading group")["id"]
    assert fails(a, "invite", "--community", cid).startswith("No 'p2psocial serve'")
    serve_a, _ = start_serve(a)  # --no-lan
    try:
        made = js(a, "invite", "--community", cid)
        assert made["community"] == cid
        said = ok(a, "invite", "--community", cid).splitlines()
        assert said[1] == ("This code also joins the community Reading group: whoever gets "
                           "it can read and write there.")
        joined = js(b, "join", made["code"])
        assert joined["community"] == cid and joined["followed"]
        first = js(b, "group", "post", cid, "Chapter three tonight?")["id"]
        ok(b, "sync", "--once")
        assert poll_texts(a, cid, "Chapter three tonight?") == ["Chapter three tonight?"]
        js(a, "group", "react", cid, first, "📖")  # done by Alice's serve
        ok(b, "sync", "--once")
        [message] = js(b, "group", "show", cid)["items"]
        assert message["reactions"] == [{"emoji": "📖", "count": 1, "mine": False}]
        assert "📖 1" in ok(b, "group", "show", cid).splitlines()
        assert "You are in no community" in fails(a, "invite", "--community", other_group())
        [view] = js(a, "community", "list")["communities"]
        assert bob in [m["account"] for m in view["members"]]
    finally:
        assert "Traceback" not in stop(serve_a)


def other_group() -> str:
    return ids.group_text(bytes(range(32)))


def fill(home: Path, group: str) -> None:
    """Put 255 made-up accounts (each with its own signed join) on the roster of
    ``group`` in ``home``, which then holds 256: full."""
    async def merge() -> None:
        with Node.open(Home(home)) as node:
            cid = ids.decode(ids.GROUP, group)
            joins = make_joins(cid, roster.MAX_MEMBERS - 1)
            merged = await node.communities.merge_roster(cid, joins)
            assert len(merged.added) == roster.MAX_MEMBERS - 1

    trio.run(merge)


FULL = ("The community Village hall is full: 256 people are on it, and nobody can join it "
        "any more")


def test_a_full_community_is_shown_full_and_refuses_joiners_and_invites(
        homes: tuple[Path, Path, str, str]) -> None:
    """Finding 2: a community whose roster holds 256 accounts says so nearby; joining it
    is refused in one line that says why, and so is an invite that would carry it."""
    a, b, _, _ = homes
    kind = lan_type()
    cid = js(a, "community", "create", "Village hall")["id"]
    fill(a, cid)
    assert fails(a, "invite", "--community", cid).startswith("No 'p2psocial serve'")
    serve_a, _ = start_serve(a, lan_type=kind)
    try:
        assert fails(a, "invite", "--community", cid) == FULL
        [offer] = lan_js(kind, b, "community", "nearby", "--wait", "20")["communities"]
        assert (offer["members"], offer["joined"], offer["full"]) == (256, False, True)
        lines = lan_ok(kind, b, "community", "nearby", "--wait", "20").splitlines()
        assert re.fullmatch(r"Village hall · 256 members · started by .+ · full",
                            lines[0]), lines
        done = on_lan(kind, b, "community", "join", cid, "--wait", "20")
        assert (done.returncode, done.stderr) == (1, f"p2psocial: {FULL}\n")
        assert js(b, "community", "list")["communities"] == []
    finally:
        assert "Traceback" not in stop(serve_a)
