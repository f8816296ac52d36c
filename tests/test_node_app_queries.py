"""Node queries the desktop app needs: what reactions, edits and deletes act on, our
own reactions on a post, relations, people by name, keys. Real homes, real SQLite."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import trio

from p2psocial.home import Home
from p2psocial.node import Node


def run(tmp_path: Path, scenario: Callable[[Node, Node], Awaitable[None]]) -> None:
    """Run ``scenario(alice, bob)`` on two fresh homes (keys in the clear)."""
    async def main() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await scenario(alice, bob)

    trio.run(main)


async def carry(src: Node, dst: Node) -> None:
    """Everything ``src`` wrote reaches ``dst``, as a sync session would bring it."""
    device = src.identity.device_id if src.identity else b""
    await dst.ingest(await src.log_entries(device, 0, 10_000))


def test_targets_of_names_the_posts_acted_on(tmp_path: Path) -> None:
    async def scenario(alice: Node, bob: Node) -> None:
        first = await alice.post("first")
        second = await alice.post("second")
        like = await alice.react(first.id, "👍")
        edit = await alice.edit(second.id, "second, edited")
        again = await alice.react(first.id, "🎉")
        unliked = await alice.delete(like.id)  # a deleted reaction: its post
        profile = await alice.set_profile(bio="hi")
        on_profile = await alice.react(profile.id, "👍")  # not a post: left out
        gone = await alice.delete(second.id)
        got = await alice.targets_of([first.id, like.id, edit.id, again.id, unliked.id,
                                      profile.id, on_profile.id, gone.id, b"\0" * 32])
        # a post itself and the deleted reaction (its body is gone) act on nothing
        assert got == [second.id, first.id]
        assert await alice.targets_of([unliked.id]) == [first.id]
        # carol holds bob's reaction but not alice's post it is on: nothing she shows
        await carry(alice, bob)
        on_alice = await bob.react(first.id, "👀")
        with Node.init(Home(tmp_path / "c"), "Carol") as carol:
            await carry(bob, carol)
            assert await carol.targets_of([on_alice.id]) == []
        await carry(bob, alice)
        assert await alice.targets_of([on_alice.id, edit.id, on_alice.id]) == [first.id,
                                                                               second.id]

    run(tmp_path, scenario)


def test_reacted_lists_our_active_emojis_only(tmp_path: Path) -> None:
    async def scenario(alice: Node, bob: Node) -> None:
        post = await alice.post("react to me")
        await carry(alice, bob)
        await bob.react(post.id, "👍")
        await bob.react(post.id, "🎉")
        await alice.react(post.id, "🎉")
        await alice.react(post.id, "👀")
        await alice.react(post.id, "👀", undo=True)
        await carry(bob, alice)
        view = await alice.post_view(post.id)
        assert view.reactions == (("🎉", 2), ("👍", 1))
        assert view.reacted == ("🎉",)
        page = await alice.home_timeline()
        assert page.items[0].reacted == ("🎉",)
        seen_by_bob = await bob.post_view(post.id)
        assert seen_by_bob.reactions == (("🎉", 1), ("👍", 1))
        assert seen_by_bob.reacted == ("🎉", "👍")  # in the order of the counts

    run(tmp_path, scenario)
