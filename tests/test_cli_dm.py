"""Direct messages from the command line: ``dm``, ``inbox``, ``conversation``, as real
subprocesses on real homes.

Three homes: Alice and Bob follow each other, Carol follows Alice and so holds her
log, messages included, without being able to read the ones not meant for her. Logs
travel between homes the way a sync session would bring them (``carry``: the node
API and a verified ingest, between commands), which keeps the story to the command
line's part. The same ``dm`` through a running serve prints exactly the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio

from p2psocial import ids
from p2psocial.home import Home
from p2psocial.node import Node
from tests.clikit import fails, js, ok, other_account, start_serve, stop
from tests.homes import People, alice_bob_carol, carry


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Iterator[People]:
    yield alice_bob_carol(tmp_path_factory.mktemp("dm"))

NO_TEXT = "A message needs some text, a picture or a file"


def conversation_of(home: Path, with_name: str) -> dict:
    found = [v for v in js(home, "inbox")["conversations"]
             if [m["name"] for m in v["members"]] == [with_name]]
    assert len(found) == 1, found
    return found[0]


def test_a_message_reaches_its_reader_and_nobody_else(people: People) -> None:
    p = people
    sent = ok(p.a, "dm", p.bob, "Hello Bob, just for you")
    assert re.fullmatch(r"Sent to Bob \(conversation dm1[a-z0-9]{58}\)\n", sent), sent
    conversation = sent.split("conversation ")[1].rstrip(")\n")
    carry(p.a, p.b, p.c)

    inbox = js(p.b, "inbox")
    assert inbox["unread"] == 1
    [view] = inbox["conversations"]
    assert view == {"id": conversation, "members": [{"account": p.alice, "name": "Alice"}],
                    "last_text": "Hello Bob, just for you", "last_ts": view["last_ts"],
                    "last_time": view["last_time"], "last_author": p.alice,
                    "last_own": False, "unread": 1, "last_delivery": None}
    lines = ok(p.b, "inbox").splitlines()
    assert lines[0].startswith("Alice · 1 unread · ")
    assert lines[1:] == ["    Alice: Hello Bob, just for you", f"    {conversation}"]

    # Carol carries Alice's log, this message included, and reads nothing of it
    assert js(p.c, "inbox") == {"conversations": [], "groups": [], "unread": 0}
    assert ok(p.c, "inbox") == ("No private messages yet: send one with "
                                "'p2psocial dm ACCOUNT TEXT'.\n")
    assert fails(p.c, "conversation", conversation) == (
        f"No conversation {conversation} in this home: 'p2psocial inbox' lists yours")

    page = js(p.b, "conversation", conversation)
    [message] = page["items"]
    assert set(page) == {"id", "members", "last_text", "last_ts", "last_time", "last_author",
                         "last_own", "unread", "last_delivery", "items", "next"}
    assert page["next"] is None and page["unread"] == 1
    assert message == {"id": message["id"], "conversation": conversation, "author": p.alice,
                       "author_name": "Alice", "own": False, "ts": view["last_ts"],
                       "time": view["last_time"], "signed_ts": view["last_ts"],
                       "clock_ahead": False, "text": "Hello Bob, just for you",
                       "reply_to": None, "reactions": [], "attachments": [], "delivery": None,
                       "cursor": message["cursor"]}
    assert js(p.b, "inbox")["unread"] == 1  # reading without --mark-read keeps it unread
    ok(p.b, "conversation", conversation, "--mark-read")
    assert js(p.b, "inbox")["unread"] == 0

    # Bob answers from stdin; both sides see the conversation in order, oldest first
    answer = ok(p.b, "dm", p.alice, "-", "--reply-to", message["id"], stdin="Hi Alice!\n")
    assert answer == f"Sent to Alice (conversation {conversation})\n"
    carry(p.b, p.a)
    texts = [(m["author_name"], m["own"], m["text"], m["reply_to"])
             for m in js(p.a, "conversation", conversation)["items"]]
    assert texts == [("Alice", True, "Hello Bob, just for you", None),
                     ("Bob", False, "Hi Alice!", message["id"])]
    shown = ok(p.a, "conversation", conversation).splitlines()
    assert shown[0] == f"Conversation with Bob · {conversation}"
    assert shown[1] == "" and shown[2].startswith("Alice (you) · p2ps1")
    assert shown[3:5] == ["Hello Bob, just for you", message["id"]]
    assert shown[6].startswith("Bob · p2ps1") and "· reply to ent1" in shown[6]
    assert shown[7] == "Hi Alice!"
    assert len(shown) == 9


def test_group_conversation_pages_and_serve(people: People) -> None:
    p = people
    sent = js(p.a, "dm", p.bob, p.carol, p.bob, "Dinner on Friday?")  # a repeat counts once
    assert [m["name"] for m in sent["recipients"]] == ["Bob", "Carol"]
    assert set(sent) == {"id", "ts", "time", "conversation", "recipients"}
    for n in range(3):
        ok(p.a, "dm", p.carol, p.bob, f"at {n + 6}?")  # any order: the same conversation
    carry(p.a, p.b, p.c)
    for home, others in ((p.b, ["Alice", "Carol"]), (p.c, ["Alice", "Bob"])):
        views = [v for v in js(home, "inbox")["conversations"] if len(v["members"]) == 2]
        assert [sorted(m["name"] for m in v["members"]) for v in views] == [others]
        assert views[0]["id"] == sent["conversation"] and views[0]["unread"] == 4

    first = js(p.c, "conversation", sent["conversation"], "--limit", "2")
    assert [m["text"] for m in first["items"]] == ["at 7?", "at 8?"]
    assert ok(p.c, "conversation", sent["conversation"], "--limit", "2").splitlines()[-1] == (
        f"Earlier messages: add --before {first['next']}")
    rest = js(p.c, "conversation", sent["conversation"], "--before", first["next"])
    assert [m["text"] for m in rest["items"]] == ["Dinner on Friday?", "at 6?"]
    assert rest["next"] is None

    # through a running serve: the same lines, and the inbox is the serve's
    serve, _ = start_serve(p.a)
    try:
        said = ok(p.a, "dm", p.bob, p.carol, "See you there")
        assert said == f"Sent to Bob, Carol (conversation {sent['conversation']})\n"
        assert conversation_of(p.a, "Bob")["members"][0]["account"] == p.bob
        latest = js(p.a, "conversation", sent["conversation"], "--limit", "1")["items"]
        assert [(m["text"], m["own"]) for m in latest] == [("See you there", True)]
    finally:
        assert "Traceback" not in stop(serve)


def test_errors_are_one_line(people: People) -> None:
    p = people
    before = js(p.a, "inbox")
    stranger = other_account(31)
    assert stranger in fails(p.a, "dm", stranger, "hello?")  # no key known for them
    too_many = [other_account(n) for n in range(40, 56)]  # 16 others: one too many
    assert fails(p.a, "dm", *too_many, "hello all") == (
        "A conversation has at most 15 other people; this one has 16")
    assert fails(p.a, "dm", p.bob, "   ") == NO_TEXT
    assert fails(p.a, "dm", p.bob, "-", stdin="\n") == NO_TEXT
    assert fails(p.a, "dm", p.alice, "note to self") == (
        "A message needs at least one recipient other than you")
    entry = js(p.a, "post", "public")["id"]
    assert fails(p.a, "dm", entry, "hi") == f"'{entry}' is an entry id, not an account id"
    assert fails(p.a, "conversation", p.bob) == (
        f"'{p.bob}' is an account id, not a conversation id")
    unknown = ids.conversation_text(b"\1" * 32)
    assert fails(p.a, "conversation", unknown) == (
        f"No conversation {unknown} in this home: 'p2psocial inbox' lists yours")
    assert js(p.a, "inbox") == before  # none of it was sent


def test_our_messages_say_how_far_they_are_known_to_have_travelled(people: People) -> None:
    """``conversation`` and ``inbox`` give our direct messages' delivery states (store/
    holders.py): sent; carried by a friend once a friend's device (Bob's) says in a
    sync that it holds our log that far; delivered once the recipient's (Carol's) says
    so. What each device says is given here through the node, as a session would."""
    p = people
    conversation = js(p.a, "dm", p.carol, "Carol, lunch?")["conversation"]

    def delivery() -> tuple[dict, str, str]:
        view = conversation_of(p.a, "Carol")
        [message] = js(p.a, "conversation", conversation, "--limit", "1")["items"]
        assert message["delivery"] == view["last_delivery"]
        [line] = [x for x in ok(p.a, "inbox").splitlines() if "Carol, lunch?" in x]
        header = ok(p.a, "conversation", conversation, "--limit", "1").splitlines()[2]
        return message["delivery"], line, header

    state, line, header = delivery()
    assert state == {"state": "sent", "recipients": [p.carol], "delivered_to": [],
                     "carried": False}
    assert line == "    you: Carol, lunch? · Sent"
    assert header.startswith("Alice (you) · ") and header.endswith(" · Sent")

    says(p.a, p.b)
    state, line, header = delivery()
    assert (state["state"], state["carried"]) == ("carried", True)
    assert line.endswith(" · Carried by a friend") and header.endswith(" · Carried by a friend")

    says(p.a, p.c)
    state, line, header = delivery()
    assert state == {"state": "delivered", "recipients": [p.carol], "delivered_to": [p.carol],
                     "carried": True}
    assert line.endswith(" · Delivered") and header.endswith(" · Delivered")
    # the recipient's side has no state: the message is not theirs
    carry(p.a, p.c)
    assert js(p.c, "conversation", conversation)["items"][0]["delivery"] is None


def says(author: Path, holder: Path) -> None:
    """The device of ``holder`` tells ``author``'s node, as its sync clock would, that
    it holds the author's log up to its head."""
    async def main() -> None:
        with Node.open(Home(holder), readonly=True) as other:
            assert other.store.local_account is not None
            [(device, _a, _s)] = [d for d in await other.replication.logs()
                                  if d[1] == other.store.local_account]
        with Node.open(Home(author)) as node:
            assert node.identity is not None
            mine = node.identity.device_id
            [head] = [s for d, _a, s in await node.replication.logs() if d == mine]
            await node.replication.peer_holds(device, {mine: head})

    trio.run(main)
