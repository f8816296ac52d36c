"""A picture in a direct message over real loopback libp2p nodes (issue 14).

A sends B a picture while B is away. C, who follows A, carries the entry and, from the
hashes the entry lists in the clear (``private.blobs_of``: what the background blob
fetcher calls), fetches the sealed blob from A over the blob protocol. A leaves; B
comes back, meets only C, gets the entry by sync and the blob by the viewer's path
(``fetch_blob``), and sees the picture. C holds the blob and cannot open it.
"""

from __future__ import annotations

import io
from pathlib import Path

from netkit import carry, device, holds, run, service, until
from PIL import Image

from p2psocial import private, private_files
from p2psocial.content import Kind
from p2psocial.home import Home
from p2psocial.node import Node


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_a_dm_picture_reaches_its_reader_through_a_carrier_that_cannot_see_it(
        tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as a, \
                Node.init(Home(tmp_path / "b"), "Bob") as b, \
                Node.init(Home(tmp_path / "c"), "Carol") as c:
            await a.posts.follow(b.account_id)
            await b.posts.follow(a.account_id)
            await c.posts.follow(a.account_id)
            await carry(b, a)
            message = await a.messages.send([b.account_id], "the view from here",
                                            images_data=[photo()], alt=["a blue sky"])
            picture = await a.messages.attachment(message.id, 0)
            digest = picture.blob
            shown = await a.messages.open_blob(digest, await a.replication.blob(digest) or b"")
            assert shown is not None and shown.startswith(b"\xff\xd8")  # the cleaned JPEG

            async with service(c) as sc:
                async with service(a) as sa:
                    await sa.connect(device(c), sc.listen_addrs)
                    await until(c, lambda: holds(c, message.id))
                    entry = c.store.get_entry(message.id)
                    assert entry is not None
                    listed = private.blobs_of(Kind.PRIVATE, entry.body)
                    assert listed == (digest,)  # without opening anything
                    sealed = await sc.fetch_blob(digest)
                assert len(sealed) == private_files.sealed_len(picture.size)
                # A is gone; B comes online and meets C alone
                async with service(b) as sb:
                    await sb.connect(device(c), sc.listen_addrs)
                    await until(b, lambda: holds(b, message.id))
                    assert device(a) not in [p.device for p in sb.peers()]
                    await b.messages.scan()
                    got = await sb.fetch_blob(digest)
            opened = await b.messages.open_blob(digest, got)
            assert opened == shown
            [view] = await b.messages.conversations()
            [seen] = (await b.messages.conversation(view.id)).items
            assert [(f.width, f.height, f.alt) for f in seen.attachments] == [
                (picture.width, picture.height, "a blue sky")]

            # C carries the entry and the blob, and sees neither the picture nor its key
            await c.messages.scan()
            assert await c.messages.conversations() == []
            held = await c.replication.blob(digest)
            assert held == sealed and await c.messages.open_blob(digest, held) == held
            assert shown not in held and shown[:64] not in held
            assert c.store.inbox.private_file(digest) == []

    run(scenario, timeout=60)
