"""Two sync sessions (net/session.py) between real stores over an in-memory link.

``Peer`` plays the network edge: it feeds frames to its session, ingests what
arrives, reads the ranges the session asks for from its store, and tells the
session what its store learned. The real edge does the same over libp2p streams.
``converse(a, b)`` exchanges frames until neither side has anything left to say.
"""

from __future__ import annotations

from p2psocial.errors import InvalidEntry
from p2psocial.net import messages as m
from p2psocial.net.session import ForksReceived, Received, SyncSession
from p2psocial.store import Store


class Peer:
    def __init__(self, store: Store, wants: set[bytes], version: int = m.VERSION) -> None:
        self.store = store
        logs = store.devices()
        self.session = SyncSession(heads={d: s for d, _, s in logs},
                                   accounts={d: a for d, a, _ in logs}, wants=wants,
                                   version=version, forks=store.forks())
        self.outbox: list[bytes] = self.session.start()
        self.entries_sent = 0
        self.rejected: dict[bytes, InvalidEntry] = {}

    def deliver(self, frames: list[bytes]) -> None:
        for frame in frames:
            for event in self.session.receive(frame):
                if isinstance(event, Received):
                    result = self.store.ingest(event.entries, strict=False)
                    self.rejected |= result.rejected
                    for item in result.added:
                        self.session.local_added(item.device, self._account(item.device),
                                                 item.seq)
                    for fork in result.forks:  # the node's ForkFound, to every session
                        self.outbox += self.session.forked(fork)
                elif isinstance(event, ForksReceived):
                    for fork in self.store.add_forks(event.proofs):
                        self.session.forked(fork, from_peer=True)

    def pump(self) -> list[bytes]:
        """Everything this side wants to send now."""
        self.outbox += self.session.take_outbox()
        while (rng := self.session.next_range(limit=7)) is not None:
            run = self.store.log_rows(rng.device, rng.after, rng.upto - rng.after)
            self.entries_sent += len(run)
            self.outbox += list(self.session.entries_frames(run))
        if (frame := self.session.caught_up_frame()) is not None:
            self.outbox.append(frame)
        out, self.outbox = self.outbox, []
        return out

    def _account(self, device: bytes) -> bytes:
        return next(a for d, a, _ in self.store.devices() if d == device)


def converse(a: Peer, b: Peer) -> None:
    """Exchange frames until neither side has anything left to say."""
    for _ in range(1000):
        to_b, to_a = a.pump(), b.pump()
        if not to_a and not to_b:
            return
        b.deliver(to_b)
        a.deliver(to_a)
    raise AssertionError("the session did not settle")
