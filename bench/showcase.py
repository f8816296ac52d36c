"""A small home that shows every view at its best: people with pictures, photos,
replies, reactions, mentions, a content warning. For screenshots and for trying the
app: ``python -m bench.showcase DIR`` builds one (then ``make run ARGS="--home DIR"``).

Everyone is a real node in a home of their own, using only the node's public API
(``post``, ``react``, ``follow``, ``set_profile``); their logs and images then reach
the others' homes through ``Node.replication.ingest`` and ``put_blob``, as syncs would bring them.
Pictures are drawn with Pillow, so nothing is downloaded. Timestamps come from a
clock that starts a day ago and steps a few minutes per entry, so the timeline reads
like a day of a small community.
"""

from __future__ import annotations

import io
import math
import shutil
import sys
import tempfile
from pathlib import Path

import trio
from PIL import Image, ImageDraw

from p2psocial import ids
from p2psocial.home import Home
from p2psocial.node import Node, now_ms

PEOPLE = {  # name: (bio, colour of their picture)
    "Alice": ("Gardener, baker, keeps the village box running.", (42, 111, 151)),
    "Bob": ("Fixes bikes and radios. Ask me about mesh networks.", (214, 108, 52)),
    "Carol": ("Teacher at the village school. Birdwatcher on weekends.", (92, 160, 96)),
    "Dan": ("Photographs the valley at dawn.", (150, 86, 160)),
}


class Clock:
    """A day of time, a few minutes per tick: entries read like a real morning."""

    def __init__(self) -> None:
        self.t = now_ms() - 26 * 3600 * 1000

    def __call__(self) -> int:
        self.t += 7 * 60 * 1000
        return self.t


def picture(colour: tuple[int, int, int], size: tuple[int, int], seed: int) -> bytes:
    """A landscape-like JPEG: a sky gradient, hills and a sun, in ``colour``'s tones."""
    w, h = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(h):
        k = y / h
        draw.line([(0, y), (w, y)], fill=(int(200 - 80 * k), int(220 - 60 * k), 255))
    draw.ellipse([w * 0.7, h * 0.12, w * 0.7 + h * 0.2, h * 0.32], fill=(255, 214, 102))
    for layer in range(3):
        shade = tuple(max(0, c - 30 * layer) for c in colour)
        points = [(x, h * (0.55 + 0.12 * layer) + math.sin(x / w * 6 + seed + layer) * h * 0.06)
                  for x in range(0, w + 8, 8)]
        draw.polygon([(0, h), *points, (w, h)], fill=shade)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def avatar(colour: tuple[int, int, int], initial: str) -> bytes:
    image = Image.new("RGB", (256, 256), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse([48, 40, 208, 200], fill=tuple(min(255, c + 60) for c in colour))
    draw.ellipse([96, 80, 160, 144], fill=(250, 240, 230))
    draw.rectangle([72, 160, 184, 256], fill=(250, 240, 230))
    del initial  # the face is the same for all; the colour tells people apart
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def _script(nodes: dict[str, Node]) -> None:
    """What the community did yesterday and this morning."""
    a, b, c, d = (nodes[n] for n in ("Alice", "Bob", "Carol", "Dan"))
    for name, node in nodes.items():
        bio, colour = PEOPLE[name]
        await node.posts.set_profile(name=name, bio=bio, avatar_data=avatar(colour, name[0]))
    for node in nodes.values():  # everyone follows everyone: a small village
        for other in nodes.values():
            if other is not node:
                await node.posts.follow(other.account_id)
    await share(nodes)
    alice = ids.account_text(a.account_id)
    await c.posts.post("Good morning! The school garden needs hands this Saturday. Who's in? "
                       "#garden #village")
    await d.posts.post("Fog in the valley at 6:10 this morning. Worth getting up for. #photo",
                       images_data=[picture(PEOPLE["Dan"][1], (1200, 800), 1)],
                       alt=["Fog over the valley at dawn, hills fading into the mist"])
    market = await b.posts.post("Repair café moves to the old mill next week. Bring your broken "
                                "toasters. Details: https://example.org/repair-cafe")
    await share(nodes)
    await a.posts.react(market.id, "❤️")
    await c.posts.react(market.id, "👍")
    bread = await a.posts.post("Sourdough day. The starter finally woke up after the cold week. "
                               "#baking", images_data=[picture(PEOPLE["Alice"][1], (900, 900), 2)],
                               alt=["Two round loaves of sourdough bread on a board"])
    await share(nodes)
    await b.posts.react(bread.id, "❤️")
    await d.posts.react(bread.id, "❤️")
    reply = await b.posts.post(f"@{alice} save me a slice? I'll fix your bike light in exchange.",
                               reply_to=bread.id)
    await share(nodes)
    await a.posts.post("Deal. Come by after five.", reply_to=reply.id)
    await c.posts.post("Can I have the recipe for the kids' class?", reply_to=bread.id)
    await d.posts.post("The river path is flooded past the bridge, take the upper road.",
                       content_warning="Flooding, path closed")
    await c.posts.post(f"Thank you @{alice} for the seedlings! The class planted all of them. "
                       "#garden")
    hills = await d.posts.post("Three frames from yesterday's walk.", images_data=[
        picture(PEOPLE["Dan"][1], (1000, 700), 3), picture(PEOPLE["Carol"][1], (700, 1000), 4),
        picture(PEOPLE["Bob"][1], (1000, 700), 5)], alt=["Hills", "A birch", "The mill"])
    await share(nodes)
    await a.posts.react(hills.id, "🔥")
    await b.posts.post("Mesh node on the church tower is up. The whole square has coverage now.")
    await share(nodes)
    # private: direct conversations and a group, read by each side's private scan. Alice's
    # messages are in her friends' homes, but her node learns that only from their sync
    # clocks: once Bob's node connects, "Delivered" to Bob, "Carried by a friend" to Carol
    await a.messages.send([c.account_id], "Could the class use the spare seed trays?")
    await share(nodes)
    await b.messages.send([a.account_id], "Your bike light is fixed. Leave it by the door?")
    await share(nodes)
    await a.messages.send([b.account_id], "Yes please! The bread is on the shelf, take two.")
    await share(nodes)
    # a picture and a file in a direct message: sealed blobs (issue 14)
    await b.messages.send([a.account_id], "Done. Here it is on the bike:",
                          images_data=[picture(PEOPLE["Bob"][1], (900, 600), 7)],
                          alt=["The bike light, shining on the barn door"])
    await share(nodes)
    await a.messages.send([b.account_id], "Thank you! Today's loaf, and the recipe.",
                          images_data=[picture(PEOPLE["Alice"][1], (800, 500), 9)],
                          alt=["A round loaf on the kitchen table"],
                          files=[("sourdough-recipe.txt",
                                  b"500 g flour, 350 g water, 100 g starter, 10 g salt.\n")])
    garden = await c.groups.create("School garden", [a.account_id, d.account_id])
    await share(nodes)
    seedlings = await c.groups.post(garden, "Seedlings arrive Friday. Who can water on Sunday?")
    await share(nodes)
    await d.groups.post(garden, "I can, before my walk.")
    await a.groups.react(garden, seedlings.id, "🌱")
    await share(nodes)
    # an open LAN community Dan started, which Alice and Carol joined on the LAN
    walkers = await d.communities.create("Valley walkers")
    [info] = await d.communities.list()
    for node in (a, c):
        await node.communities.join(info.value, info.lines)
    for node in (d, a, c):  # the members' rosters, exchanged as their nodes would
        for other in (d, a, c):
            [theirs] = [i for i in await other.communities.list() if i.id == walkers]
            await node.communities.merge_roster(walkers, theirs.lines)
    walk = await d.groups.post(walkers, "Sunday: the ridge loop, 9:00 at the bridge. Boots, "
                                       "not trainers.")
    await share(nodes)
    await c.groups.post(walkers, "Bringing the thermos. Anyone need a lift from the school?")
    await a.groups.react(walkers, walk.id, "👍")
    await c.groups.react(walkers, walk.id, "👍")
    await share(nodes)
    await a.groups.post(walkers, "Count me in, and the dog.")
    await b.communities.create("Mill Lane repair café")  # Bob's node offers it on the LAN
    await share(nodes)


def build(path: Path, others: Path | None = None) -> Path:
    """Alice's home at ``path``, holding the whole village's day; the others' homes in
    ``others`` (kept: a screenshot can run Bob's node) or thrown away. Returns ``path``."""
    if Home(path).exists():
        raise SystemExit(f"{path} already holds an account: choose an empty directory")
    clock = Clock()
    with tempfile.TemporaryDirectory(prefix="p2psocial-showcase-") as scratch:
        where = others or Path(scratch)
        nodes = {name: Node.init(Home(path if name == "Alice" else where / name),
                                 name, clock=clock) for name in PEOPLE}
        try:
            trio.run(_script, nodes)
            trio.run(nodes["Alice"].replication.index_text)
        finally:
            for node in nodes.values():
                node.close()
    return path


async def share(nodes: dict[str, Node]) -> None:
    """Every log and image to every node, as syncs among them would bring them."""
    for node in nodes.values():
        assert node.identity is not None
        entries = await node.replication.log_entries(node.identity.device_id, 0, 10_000)
        blobs = [node.store.get_blob(digest) for digest in node.store.blob_hashes()]
        for other in nodes.values():
            if other is not node:
                await other.replication.ingest(entries)
                for data in blobs:
                    if data is not None:
                        await other.replication.put_blob(data)
    for node in nodes.values():  # what the app's background scan does: open what is ours
        await node.messages.scan()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m bench.showcase DIR", file=sys.stderr)
        return 2
    path = Path(argv[0]).expanduser()
    if path.exists() and not any(path.iterdir()):
        shutil.rmtree(path)
    print(build(path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
