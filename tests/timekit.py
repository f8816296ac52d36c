"""A peer whose clock says the far future, for the tests of finding 5 (issue 12).

``far_future_story(victim, mallory)`` makes Mallory's node stamp everything with
``FAR`` (the largest timestamp a header may carry) and write to the victim every way
a peer can reach a view: a post that mentions the victim, a reply to the victim's
post, a reaction on it, a follow, and a direct message; then the victim follows
Mallory, stores her log through the verified ingest (as a sync session would) and
runs its private scan. The victim's own post and Mallory's entries are returned, so
tests can check where each one shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from p2psocial import ids
from p2psocial.entry import MAX_TIME, Entry
from p2psocial.node import Node, now_ms
from tests.helpers import sync

FAR = MAX_TIME
"""2**53 ms: the largest timestamp ``entry.decode_header`` accepts (year 287,396)."""


class SettableClock:
    """A node clock that says the wall clock until told to say something else."""

    def __init__(self) -> None:
        self.fixed: int | None = None

    def __call__(self) -> int:
        return now_ms() if self.fixed is None else self.fixed


@dataclass(frozen=True)
class Story:
    honest: Entry  # the victim's own post, written before Mallory's
    post: Entry  # Mallory's post mentioning the victim
    reply: Entry  # Mallory's reply to ``honest``
    reaction: Entry
    follow: Entry
    message: Entry  # Mallory's direct message to the victim


async def far_future_story(victim: Node, mallory: Node, clock: SettableClock) -> Story:
    """Mallory (whose node runs on ``clock``) writes to ``victim`` from the far future;
    the victim follows her and stores it all. See the module's docstring."""
    honest = await victim.posts.post("an honest post, written now")
    await sync(victim, mallory)  # Mallory learns the victim's key and post
    clock.fixed = FAR
    mention = f"hello from the future, year 287396 @{ids.account_text(victim.account_id)}"
    post = await mallory.posts.post(mention)
    reply = await mallory.posts.post("a reply from the far future", reply_to=honest.id)
    reaction = await mallory.posts.react(honest.id, "🔥")
    follow = await mallory.posts.follow(victim.account_id)
    message = await mallory.messages.send([victim.account_id], "a message from the future")
    assert {e.timestamp for e in (post, reply, reaction, follow, message)} == {FAR}
    await victim.posts.follow(mallory.account_id)
    await sync(mallory, victim, only={mallory.account_id})
    await victim.messages.scan()
    return Story(honest, post, reply, reaction, follow, message)
