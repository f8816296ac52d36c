"""Private groups from the command line: ``group create/list/post/show/add/remove/leave``,
and groups in ``inbox`` and ``conversation``, as real subprocesses on real homes.

Four homes that all follow each other, so every home carries every log (group
entries included) and knows every encryption key. Logs travel between homes as a
sync session would bring them (``carry`` of test_cli_dm). Alice creates the groups:
she alone hands out their keys. Each test makes its own group.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trio

from p2psocial import ids
from p2psocial.cli import main
from p2psocial.home import Home
from p2psocial.node import Node
from tests.clikit import fails, group_texts, js, ok, other_account, start_serve, stop
from tests.homes import carry


@dataclass(frozen=True)
class People:
    a: Path
    b: Path
    c: Path
    d: Path
    alice: str
    bob: str
    carol: str
    dave: str

    def carry(self, src: Path) -> None:
        carry(src, *(h for h in (self.a, self.b, self.c, self.d) if h != src))


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Iterator[People]:
    root = tmp_path_factory.mktemp("groups")
    homes = [root / n for n in "abcd"]

    async def main() -> list[bytes]:
        nodes = [Node.init(Home(h), n) for h, n in zip(homes, ("Alice", "Bob", "Carol", "Dave"),
                                                        strict=True)]
        try:
            for node in nodes:
                for other in nodes:
                    if other is not node:
                        await node.posts.follow(other.account_id)
            return [n.account_id for n in nodes]
        finally:
            for node in nodes:
                node.close()

    accounts = trio.run(main)
    for home in homes:  # everyone knows everyone's encryption key
        carry(home, *(h for h in homes if h != home))
    a, b, c, d = homes
    alice, bob, carol, dave = (ids.account_text(x) for x in accounts)
    yield People(a, b, c, d, alice, bob, carol, dave)

NO_TEXT = "A message needs some text, a picture or a file"


def create(p: People, name: str, *members: str) -> str:
    """A new group of Alice's, known to its members; its id."""
    group = js(p.a, "group", "create", name, *members)["id"]
    p.carry(p.a)
    return group


def test_create_post_and_the_members_read(people: People) -> None:
    p = people
    said = ok(p.a, "group", "create", "Friday dinner", p.carol, p.bob, p.bob).splitlines()
    match = re.fullmatch(r"Created the group Friday dinner \((grp1[a-z0-9]{58})\) with "
                         r"you, (Bob, Carol|Carol, Bob)\.", said[0])
    assert match, said
    group = match[1]
    assert said[1:] == ["Only its members can read it; you alone can add and remove members."]
    sent = js(p.a, "group", "post", group, "Who brings dessert?")
    assert set(sent) == {"id", "ts", "time", "group", "name"}
    assert sent["group"] == group and sent["name"] == "Friday dinner"
    p.carry(p.a)

    inbox = js(p.b, "inbox")  # the inbox lists groups too, and counts their unread
    assert inbox["unread"] == 1
    [view] = inbox["groups"]
    assert view["id"] == group and view["name"] == "Friday dinner"
    assert view["admin"] == p.alice and not view["is_admin"] and view["member"]
    assert sorted(m["name"] for m in view["members"]) == ["Alice", "Bob", "Carol"]
    assert (view["last_text"], view["last_author"], view["epoch"], view["unread"]) == (
        "Who brings dessert?", p.alice, 0, 1)
    lines = ok(p.b, "group", "list").splitlines()
    assert re.fullmatch(r"Friday dinner \(group\) · 3 members · 1 unread · [-0-9 :]+ · "
                        r"a member", lines[0]), lines
    assert lines[1] in ("    members: you, Alice, Carol", "    members: you, Carol, Alice")
    assert lines[2:] == ["    Alice: Who brings dessert?", f"    {group}"]

    # Dave carries Alice's log, the key and the post included, and reads nothing
    assert js(p.d, "group", "list") == {"groups": [], "unread": 0}
    assert fails(p.d, "group", "show", group) == (
        f"No group {group} in this home: 'p2psocial group list' lists yours")

    page = js(p.b, "group", "show", group)
    [message] = page["items"]
    assert message["group"] == group and message["text"] == "Who brings dessert?"
    assert message["id"] == sent["id"] and not message["own"] and page["next"] is None
    # a group id opens in 'conversation' too, and --mark-read counts it read
    shown = ok(p.b, "conversation", group, "--mark-read").splitlines()
    assert shown[0].startswith("Group Friday dinner · you, ") and shown[0].endswith(group)
    assert shown[1] == "" and shown[2].startswith("Alice · p2ps1")
    assert shown[3:] == ["Who brings dessert?", sent["id"]]
    assert js(p.b, "group", "list")["unread"] == 0

    answer = ok(p.b, "group", "post", group, "-", "--reply-to", sent["id"], stdin="I do!\n")
    assert re.fullmatch(rf"Sent to Friday dinner \({group}\): ent1[a-z0-9]{{58}}\n", answer)
    p.carry(p.b)
    items = js(p.c, "group", "show", group)["items"]  # oldest first
    assert [(m["author_name"], m["text"], m["reply_to"]) for m in items] == [
        ("Alice", "Who brings dessert?", None), ("Bob", "I do!", sent["id"])]
    last = ok(p.c, "group", "show", group, "--limit", "1").splitlines()
    assert last[3] == "I do!" and last[-1].startswith("Earlier messages: add --before ")


def test_a_removed_member_reads_nothing_new_and_a_new_one_nothing_old(people: People) -> None:
    p = people
    group = create(p, "Book club", p.bob, p.carol)
    ok(p.a, "group", "post", group, "before")
    said = ok(p.a, "group", "remove", group, p.bob)
    assert said == (f"Removed Bob ({p.bob}) from Book club ({group}): a new epoch (1) "
                    "started, and they cannot read what is posted from now on (what they "
                    "read before stays with them).\n")
    ok(p.a, "group", "post", group, "after Bob")
    p.carry(p.a)
    ok(p.c, "group", "post", group, "Carol, after Bob too")
    p.carry(p.c)

    assert group_texts(p.b, group) == ["before"]  # Bob holds every entry, and reads no new one
    page = js(p.c, "group", "show", group)
    assert [m["text"] for m in page["items"]] == ["before", "after Bob", "Carol, after Bob too"]
    assert sorted(m["name"] for m in page["members"]) == ["Alice", "Carol"]

    said = ok(p.a, "group", "add", group, p.dave)
    assert said == (f"Added Dave ({p.dave}) to Book club ({group}): a new epoch (2) "
                    "started; they read what is posted from now on, not what came before.\n")
    ok(p.a, "group", "post", group, "welcome Dave")
    p.carry(p.a)
    assert group_texts(p.d, group) == ["welcome Dave"]
    assert group_texts(p.b, group) == ["before"]
    assert group_texts(p.c, group)[-1] == "welcome Dave"


def test_leave(people: People) -> None:
    p = people
    group = create(p, "Hiking", p.bob, p.carol)
    said = ok(p.c, "group", "leave", group)
    assert said == (f"You left Hiking ({group}): you are off its member list, and the next "
                    "key its creator hands out leaves you out.\n")
    assert re.search("^Hiking \\(group\\) · 2 members · you are no longer a member\n"
                     f"    members: (Alice, Bob|Bob, Alice)\n    {group}$",
                     ok(p.c, "group", "list"), re.M)
    assert fails(p.c, "group", "post", group, "one more?") == (
        "You are no longer a member of this group")
    p.carry(p.c)
    ok(p.a, "group", "add", group, p.dave)  # the next epoch: without Carol
    ok(p.a, "group", "post", group, "Sunday at 9")
    p.carry(p.a)
    assert group_texts(p.b, group) == ["Sunday at 9"]
    assert group_texts(p.c, group) == []
    shown = ok(p.c, "group", "show", group).splitlines()
    assert shown[1:] == ["You are no longer a member: what is posted after you left or were "
                         "removed does not reach you.", "No messages here yet."]


def test_errors_are_one_line(people: People, capsys: pytest.CaptureFixture[str]) -> None:
    """In this process (the same code path, without a subprocess's start-up each)."""
    p = people
    group = create(p, "Errors", p.bob)

    def fails_here(home: Path, *args: str) -> str:
        assert main(["--home", str(home), *args]) == 1
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1 and "Traceback" not in err
        return err.removeprefix("p2psocial: ").rstrip("\n")

    before = js(p.a, "group", "list")
    stranger = other_account(31)
    assert fails_here(p.a, "group", "create", "Strangers", stranger) == (
        f"{stranger} has no encryption key here yet: follow them and sync first")
    too_many = [other_account(n) for n in range(100, 164)]  # 64 others and Alice
    assert fails_here(p.a, "group", "create", "Crowd", *too_many) == (
        "A group has at most 64 members; this one would have 65")
    assert fails_here(p.a, "group", "create", "  ", p.bob) == "A group needs a name"
    assert fails(p.b, "group", "add", group, p.carol) == (  # one as a subprocess too
        "Only the group's creator can add or remove members")
    assert fails_here(p.b, "group", "remove", group, p.alice) == (
        "Only the group's creator can add or remove members")
    assert fails_here(p.a, "group", "add", group, p.bob) == (
        "That account is already a member of this group")
    assert fails_here(p.a, "group", "remove", group, p.carol) == (
        "That account is not a member of this group")
    assert fails_here(p.a, "group", "remove", group, p.alice) == (
        "You created this group: you cannot remove yourself")
    assert fails_here(p.a, "group", "leave", group) == (
        "You created this group: remove its members instead")
    assert fails_here(p.a, "group", "post", group, "   ") == NO_TEXT
    typo = group[:-3] + ("q" if group[-3] != "q" else "p") + group[-2:]
    assert fails_here(p.a, "group", "show", typo) == (
        f"'{typo}' is not a valid group id: check it for a typo")
    assert fails_here(p.a, "group", "post", p.bob, "hi") == (
        f"'{p.bob}' is an account id, not a group id")
    unknown = ids.group_text(b"\1" * 32)
    assert fails_here(p.a, "conversation", unknown) == (
        f"No group {unknown} in this home: 'p2psocial group list' lists yours")
    assert fails_here(p.c, "group", "leave", group) == (
        f"No group {group} in this home: 'p2psocial group list' lists yours")
    assert js(p.a, "group", "list") == before  # none of it changed anything


def test_through_a_serve_the_same_lines(people: People) -> None:
    p = people
    group = create(p, "Served", p.bob)
    alone = ok(p.a, "group", "list")
    serve, _ = start_serve(p.a)
    try:
        assert ok(p.a, "group", "list") == alone
        said = ok(p.a, "group", "post", group, "from the box")
        assert said.startswith(f"Sent to Served ({group}): ent1")
        assert ok(p.a, "group", "remove", group, p.bob).startswith("Removed Bob")
        assert group_texts(p.a, group) == ["from the box"]
    finally:
        assert "Traceback" not in stop(serve)
