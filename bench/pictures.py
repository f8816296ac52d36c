"""``python -m bench.pictures``: how fast pictures travel like posts (issue 14).

Two real nodes and network services on 127.0.0.1. The author posts N pictures (noise,
800 x 600, about 340 KB each once prepared as JPEG); the reader follows the author and
connects. Measured: seconds from the connection until the reader holds every picture,
fetched by its background fetcher (net/blob_fetcher.py) after the posts came by sync,
and the rate in MB/s, against the rate of storing the same pictures into a third home
with no network (``ratio_to_local_put``, measured in the same run). Then the cost of
reading the wanted list (``Node.replication.wanted_blobs``) on that home.
"""

from __future__ import annotations

import io
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

import trio
from PIL import Image

from p2psocial.home import Home
from p2psocial.net.service import NetworkService
from p2psocial.node import Node

from . import common


def noise(seed: int) -> bytes:
    rnd = random.Random(seed)
    image = Image.frombytes("RGB", (800, 600), rnd.randbytes(800 * 600 * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def measure(pictures: int) -> dict[str, object]:
    logging.getLogger("libp2p").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory(prefix="p2psocial-pictures-") as tmp:
        where = Path(tmp)
        with Node.init(Home(where / "a"), "Author") as author, \
                Node.init(Home(where / "r"), "Reader") as reader:
            await reader.posts.follow(author.account_id)
            common.progress(f"posting {pictures} pictures")
            blobs = []
            for i in range(pictures):
                posted = await author.posts.post(f"picture {i}", images_data=[noise(i)])
                blobs.append((await author.feeds.post_view(posted.id)).attachments[0].blob)
            size = sum([len(await author.replication.blob(b) or b"") for b in blobs])

            async def all_held() -> bool:
                return all([await reader.replication.blob(b) is not None for b in blobs])

            assert author.identity is not None
            async with NetworkService(author.replication, lan=False, port_mapping=False) as sa, \
                    NetworkService(reader.replication, lan=False, port_mapping=False) as sr:
                events = reader.subscribe()
                start = trio.current_time()
                await sr.connect(author.identity.device_id, sa.listen_addrs)
                common.progress("fetching")
                with events:
                    while not await all_held():
                        await events.receive()
                seconds = trio.current_time() - start
            started = time.perf_counter()
            await reader.replication.wanted_blobs()
            wanted_ms = (time.perf_counter() - started) * 1000
            datas = [await author.replication.blob(b) or b"" for b in blobs]
            with Node.init(Home(where / "c"), "Copy") as copy:  # the same bytes, no network
                started = time.perf_counter()
                for data in datas:
                    await copy.replication.put_blob(data)
                local_s = time.perf_counter() - started
    return common.record("pictures", "store_and_forward", pictures=pictures,
                         mb=round(size / 1e6, 1), s=round(seconds, 2),
                         mb_per_s=round(size / 1e6 / seconds, 1),
                         local_put_mb_per_s=round(size / 1e6 / local_s, 1),
                         ratio_to_local_put=round(local_s / seconds, 3),
                         wanted_ms=round(wanted_ms, 1))


def main(argv: list[str] | None = None) -> int:
    p = common.parser("python -m bench.pictures", __doc__ or "")
    p.add_argument("--pictures", type=int, metavar="N", help="pictures (default 40)")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    pictures = args.pictures or (5 if args.quick else 40)
    common.emit(trio.run(measure, pictures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
