"""``p2psocial post "@Name ..."`` (a real subprocess): a name this home knows becomes
that account's mention; nobody or several of that name is a one-line error that says
what to write instead; ``post --help`` says how mentions work. Also: the CLI's errors
start with a capital (issue 14, items 9 and 12)."""

from __future__ import annotations

from pathlib import Path

import trio

from p2psocial import content, ids
from p2psocial.home import Home
from p2psocial.node import Node
from tests.clikit import fails, js, ok


def knows(home: Path, *names: str) -> list[bytes]:
    """Accounts called ``names`` whose profiles the home at ``home`` holds."""
    accounts = []
    with Node.open(Home(home)) as alice:
        for number, name in enumerate(names):
            with Node.init(Home(home.parent / f"other{number}"), name) as other:
                async def carry(other: Node = other) -> None:
                    for device, _account, _seq in await other.replication.logs():
                        log = await other.replication.log_entries(device, 0, 1000)
                        await alice.replication.ingest(log)
                trio.run(carry)
                accounts.append(other.account_id)
    return accounts


def test_a_known_name_becomes_a_mention(tmp_path: Path) -> None:
    home = tmp_path / "alice"
    ok(home, "init", "--name", "Alice")
    bob, _carol = knows(home, "Bob Stone", "Carol")
    post = js(home, "post", "hello @bob, see you at 5 (mail me: alice@example.org)")
    text = post["text"] if "text" in post else js(home, "feed")["items"][0]["text"]
    assert text == (f"hello @{ids.account_text(bob)}, see you at 5 "
                    "(mail me: alice@example.org)")
    assert content.extract_mentions(text) == (bob,)


def test_an_unknown_or_ambiguous_name_says_what_to_write(tmp_path: Path) -> None:
    home = tmp_path / "alice"
    ok(home, "init", "--name", "Alice")
    knows(home, "Bob Stone", "Bob Lake")
    message = fails(home, "post", "hi @zoe")
    assert message.startswith("Nobody called 'zoe' is known to this home: ")
    assert "account id" in message and "\n" not in message.strip()
    message = fails(home, "post", "hi @Bob")
    assert message.startswith("@Bob could be Bob ")
    assert " or Bob " in message and "account id" in message
    assert js(home, "feed")["items"] == []  # nothing posted


def test_post_help_says_how_mentions_work(tmp_path: Path) -> None:
    help_text = " ".join(ok(tmp_path, "post", "--help").split())
    assert "@Name mentions the one account called Name that this home knows" in help_text
    assert "@p2ps1" in help_text


def test_errors_start_with_a_capital(tmp_path: Path) -> None:
    home = tmp_path / "alice"
    ok(home, "init", "--name", "Alice")
    message = fails(home, "join", "p2psinv1bio")
    assert message.startswith("That invite code has a character that is never in a code")
    assert fails(tmp_path / "none", "whoami").startswith("There is no p2psocial home")
