"""Finding 5 of issue 12 against a real ``p2psocial serve``: a followed author whose
entries are stamped 2**53 ms (attacks_time.far_future_author).

While the attack runs, honest posts keep crossing the victim, and every command that
shows times (``feed``, ``mentions``, ``search``, ``inbox``, ``thread``,
``conversation``, in text and JSON) answers beside the running serve. Her entries
are placed at their arrival: once she stops, the next honest post is on top of the
victim's feed, and hers say that their author's clock is ahead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from arena import Arena, AttackStats, arena
from attacks_time import mallory_at
from netkit import run

from p2psocial import ids
from p2psocial.node import now_ms
from tests.timekit import FAR
from tests.waitkit import eventually


async def shown(place: Arena, *args: str) -> Any:
    return json.loads(await place.victim.cli(*args, "--json"))


async def until_shown(place: Arena, *args: str, holds: Any) -> Any:
    """The victim's answer to ``args`` once ``holds(answer)``: the serve stores what a
    session brings in its own process, so this asks it again until then."""
    return await eventually(lambda: shown(place, *args), " ".join(args), until=holds,
                            within=30, every=0.2)  # another process: no event to wait on


def test_a_far_future_author_crashes_no_command_and_pins_nothing(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with arena(tmp_path) as place:
            async with mallory_at(place, AttackStats()) as mallory:
                post, reply, *_ = mallory.written
                far = {ids.entry_text(post.id), ids.entry_text(reply.id)}
                feed = await until_shown(place, "feed", holds=lambda d: far <= {
                    i["id"] for i in d["items"]})
                inbox = await until_shown(place, "inbox",
                                          holds=lambda d: d["conversations"])
                assert await place.delivery("honest, during the attack") < 15
                checked = now_ms()
                for item in feed["items"]:
                    if item["id"] in far:
                        assert item["signed_ts"] == FAR and item["clock_ahead"]
                        assert item["ts"] <= checked
                mentions = await shown(place, "mentions")
                assert [i["id"] for i in mentions["items"]] == [ids.entry_text(post.id)]
                found = await shown(place, "search", "future")
                assert far <= {i["id"] for i in found["items"]}
                thread = await shown(place, "thread", ids.entry_text(reply.id))
                assert ids.entry_text(reply.id) in {i["id"] for i in thread["items"]}
                conversation = inbox["conversations"][0]["id"]
                [message] = (await shown(place, "conversation", conversation))["items"]
                assert message["signed_ts"] == FAR and message["ts"] <= checked
                for command in (("feed",), ("mentions",), ("search", "future"), ("inbox",),
                                ("thread", ids.entry_text(reply.id)),
                                ("conversation", conversation)):
                    text = await place.victim.cli(*command)  # exit 0, nothing on stderr
                    assert "Traceback" not in text
                assert "author's clock ahead" in await place.victim.cli("feed")
            honest = await place.delivery("honest, after the attack")
            assert honest < 15
            top = (await shown(place, "feed"))["items"][0]
            assert top["text"].startswith("honest, after the attack")
            assert place.victim.alive()

    run(scenario, timeout=120)
