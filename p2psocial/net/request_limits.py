"""Which requests of one protocol a node serves: how many at once, how often per peer.

Each inbound request holds something until it is answered (a frame being read, up to
the protocol's cap) and costs CPU however small it is (a stream opened and
negotiated, the request decoded, the answer built: milliseconds in py-libp2p).

* ``InFlight`` counts the requests being served and refuses one more past either
  bound, so what a protocol can make the node hold is at most ``total`` times what
  one request holds, and one peer (or one identity of many) gets at most
  ``per_peer`` of those.
* ``PeerRate`` gives each peer ``burst`` requests at once and ``rate`` a second after
  that (a token bucket per peer), so one peer cannot make the node answer as fast as
  it can ask. It tracks at most ``tracked`` peers: a peer whose bucket is full again
  is the same as one never seen, so those are forgotten first; past that, peers not
  tracked are refused until room frees up.

Refusing is not a judgement: the stream is reset, the peer's standing stays, and an
honest peer that asked too much at once asks again later.

    slots, rate = InFlight(total=16, per_peer=2), PeerRate(1.0, 8, 1024)
    if not rate.allow(device, now):
        ...  # reset the stream
    with slots.slot(device) as granted:
        if not granted:
            ...  # reset the stream
        ...      # serve it

No I/O and no clock reads: ``now`` (seconds) is passed in.
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


class PeerRate:
    def __init__(self, rate: float, burst: float, tracked: int) -> None:
        if not (rate > 0 and burst >= 1 and tracked >= 1):
            raise ValueError("rate > 0, burst >= 1, tracked >= 1")
        self.rate, self.burst, self.tracked = rate, burst, tracked
        self._buckets: dict[bytes, tuple[float, float]] = {}  # peer: (tokens, at)

    def __len__(self) -> int:
        """Peers tracked now."""
        return len(self._buckets)

    def allow(self, peer: bytes, now: float) -> bool:
        """Whether one more request from ``peer`` may be served now (it is counted)."""
        if peer not in self._buckets and len(self._buckets) >= self.tracked:
            self._forget_idle(now)
            if len(self._buckets) >= self.tracked:
                return False
        tokens = self._tokens(peer, now)
        if tokens < 1:
            return False
        self._buckets[peer] = (tokens - 1, now)
        return True

    def _tokens(self, peer: bytes, now: float) -> float:
        tokens, at = self._buckets.get(peer, (self.burst, now))
        return min(self.burst, tokens + max(0.0, now - at) * self.rate)

    def _forget_idle(self, now: float) -> None:
        """Drop the peers whose buckets have filled up again: nothing to remember."""
        for peer in [p for p in self._buckets if self._tokens(p, now) >= self.burst]:
            del self._buckets[peer]
