"""How many requests of one protocol a node serves at once: in all, and per peer.

Each inbound request holds something until it is answered: a frame being read (up
to the protocol's cap), a blob being sent. ``InFlight`` counts the requests being
served and refuses one more past either bound, so that what a protocol can make the
node hold is at most ``total`` times what one request holds, and one peer (or one
identity of many) gets at most ``per_peer`` of those. Refusing is not a judgement:
the stream is reset, the peer's standing stays, and an honest peer that asked too
much at once asks again later.

    slots = InFlight(total=16, per_peer=2)
    with slots.slot(device) as granted:
        if not granted:
            ...  # reset the stream
        ...      # serve it

No I/O and no clock: a counter per peer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class InFlight:
    def __init__(self, total: int, per_peer: int) -> None:
        if not 0 < per_peer <= total:
            raise ValueError("0 < per_peer <= total")
        self.total = total
        self.per_peer = per_peer
        self._by_peer: dict[bytes, int] = {}
        self._count = 0

    def __len__(self) -> int:
        """Requests being served now."""
        return self._count

    @contextmanager
    def slot(self, peer: bytes) -> Iterator[bool]:
        """Whether a request from ``peer`` may be served now; if so, it counts until
        the block ends."""
        granted = self._count < self.total and self._by_peer.get(peer, 0) < self.per_peer
        if granted:
            self._count += 1
            self._by_peer[peer] = self._by_peer.get(peer, 0) + 1
        try:
            yield granted
        finally:
            if granted:
                self._count -= 1
                left = self._by_peer[peer] - 1
                if left:
                    self._by_peer[peer] = left
                else:
                    del self._by_peer[peer]
