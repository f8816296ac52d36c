"""``serve_guarded`` (net/streams.py), what every inbound stream handler runs inside:
an error is logged and never reaches py-libp2p, and a cancellation goes on without
the errors that broke out beside it (a stream reset as the connection closes), which
the closing cancel scope could not catch. Seen in a full run: a sync session's
receiver got a reset while its connection was being closed for a ban, and the pair
tore down the peer's whole service."""

from __future__ import annotations

import trio
import trio.testing
from libp2p.network.stream.exceptions import StreamReset

from p2psocial.net.streams import serve_guarded


class FakeStream:
    def __init__(self) -> None:
        self.closed = self.reset_ = False

    async def close(self) -> None:
        self.closed = True

    async def reset(self) -> None:
        self.reset_ = True


def test_a_handler_that_returns_closes_and_one_that_fails_resets_quietly() -> None:
    async def fine(stream: FakeStream) -> None:
        pass

    async def fails(stream: FakeStream) -> None:
        raise ValueError("a bug in a handler")

    async def scenario() -> None:
        ok, bad = FakeStream(), FakeStream()
        await serve_guarded(fine, ok, "fine")
        await serve_guarded(fails, bad, "fails")  # logged, not raised
        assert (ok.closed, ok.reset_, bad.reset_) == (True, False, True)

    trio.run(scenario)


def test_a_reset_beside_a_cancellation_does_not_escape_the_closing_scope() -> None:
    async def session(stream: FakeStream) -> None:
        async def receiver() -> None:
            try:
                await trio.sleep_forever()
            except trio.Cancelled:  # the connection closes: the read fails as it goes
                raise StreamReset() from None

        async with trio.open_nursery() as nursery:
            nursery.start_soon(receiver)
            nursery.start_soon(trio.sleep_forever)

    async def scenario() -> None:
        stream = FakeStream()
        with trio.CancelScope() as connection:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(serve_guarded, session, stream, "a session")
                await trio.testing.wait_all_tasks_blocked()
                connection.cancel()
        assert connection.cancelled_caught and stream.reset_

    trio.run(scenario)
