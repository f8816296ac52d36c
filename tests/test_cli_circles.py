"""Followers-only posts from the command line: ``approve``, ``revoke``, ``circle`` and
``post --followers-only``, as real subprocesses on real homes.

Three homes: Bob and Carol follow Alice; Alice approves Bob only. Logs travel
between homes as in test_cli_dm.py (``carry``), and the receiving home runs its
private scan there, as the app and a serve do behind the window.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trio

from p2psocial import ids
from p2psocial.home import Home
from p2psocial.node import Node
from tests.clikit import fails, js, ok, other_account
from tests.homes import People, carry


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Iterator[People]:
    root = tmp_path_factory.mktemp("circles")
    a, b, c = root / "a", root / "b", root / "c"

    async def main() -> tuple[bytes, bytes, bytes]:
        with Node.init(Home(a), "Alice") as alice, Node.init(Home(b), "Bob") as bob, \
                Node.init(Home(c), "Carol") as carol:
            await bob.posts.follow(alice.account_id)
            await carol.posts.follow(alice.account_id)
            return alice.account_id, bob.account_id, carol.account_id

    accounts = trio.run(main)
    carry(b, a)
    carry(c, a)  # Alice holds her followers' encryption keys
    yield People(a, b, c, *(ids.account_text(x) for x in accounts))


def test_an_approved_follower_reads_a_followers_only_post(people: People) -> None:
    p = people
    assert ok(p.a, "circle").startswith("No approved followers yet")
    said = ok(p.a, "approve", p.bob)
    assert said.startswith(f"Approved Bob ({p.bob}): they read")
    assert ok(p.a, "approve", p.bob) == f"Bob ({p.bob}) was approved already\n"
    assert js(p.a, "circle") == {"circle": [{"account": p.bob, "name": "Bob"}]}
    assert ok(p.a, "circle") == f"{p.bob}  Bob\n"

    posted = js(p.a, "post", "--followers-only", "Only for those I approved")
    assert posted["audience"] == "circle"
    ok(p.a, "post", "Hello everyone")
    [mine, _public] = [v for v in js(p.a, "feed")["items"]][::-1]
    assert mine["id"] == posted["id"] and mine["audience"] == "circle"
    carry(p.a, p.b, p.c)

    bob = js(p.b, "feed")["items"]
    assert [(v["text"], v["audience"]) for v in bob] == [
        ("Hello everyone", "public"), ("Only for those I approved", "circle")]
    lines = ok(p.b, "feed").splitlines()
    assert lines[0].startswith("Alice · ") and "followers only" not in lines[0]
    header = lines[lines.index("Only for those I approved") - 1]
    assert header.startswith("Alice · ") and header.endswith(" · followers only")
    carol = js(p.c, "feed")["items"]
    assert [v["text"] for v in carol] == ["Hello everyone"]  # no row, no placeholder

    said = ok(p.a, "revoke", p.bob)
    assert said.startswith(f"Revoked Bob ({p.bob}): they cannot read")
    assert ok(p.a, "revoke", p.bob) == f"Bob ({p.bob}) was not approved\n"
    assert js(p.a, "circle") == {"circle": []}


def test_one_line_errors(people: People, tmp_path: Path) -> None:
    p = people
    stranger = other_account()
    assert fails(p.a, "approve", p.alice) == "You cannot approve yourself"
    assert "has no encryption key here yet" in fails(p.a, "approve", stranger)
    assert "is not an account id" in fails(p.a, "approve", "p2ps1nope")
    image = tmp_path / "x.png"
    image.write_bytes(b"not really")
    # followers-only posts carry sealed images (issue 14): a bad one is named
    assert fails(p.a, "post", "--followers-only", "hi", "--image", str(image)) == (
        f"{image}: this is not a readable image (unknown or damaged image format)")
