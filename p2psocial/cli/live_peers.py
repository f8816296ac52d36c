"""What a running serve says of its peers, read back: the answer of its ``peers``
action (writes.live_peers) as our reachability and each peer's live state, checked
(a serve of another version may answer otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import control
from .shapes import BOOL, BYTES, STR, many


@dataclass(frozen=True, slots=True)
class LivePeer:
    state: str
    nearby: bool | None
    standing: int = 0
    banned_until: int | None = None
    path: str | None = None  # how it is connected, when it is
    why_not: str | None = None  # why it is not connected (why_not.Why), when it is not


@dataclass(frozen=True, slots=True)
class LiveReach:
    state: str  # reachability.Reach
    basis: str  # reachability.Basis
    reachable_at: tuple[str, ...] = ()


def live_states(value: object) -> tuple[LiveReach, dict[bytes, LivePeer]]:
    """The answer of ``live_peers``: our reachability, and device -> ``LivePeer``,
    checked."""
    rows = many(lambda x: type(x) is tuple and len(x) == 7 and BYTES(x[0]) and STR(x[1])
                and BOOL(x[2]) and type(x[3]) is int and (x[4] is None or type(x[4]) is int)
                and STR(x[5]) and STR(x[6]))
    def reach(x: object) -> bool:
        return (type(x) is tuple and len(x) == 3 and STR(x[0]) and STR(x[1])
                and many(STR)(x[2]))

    if not (type(value) is tuple and len(value) == 2 and reach(value[0])
            and rows(value[1])):
        raise control.ControlError("the running serve sent a malformed answer")
    (state, basis, at), peers = value
    return LiveReach(state, basis, at), {
        device: LivePeer(state, nearby, standing, banned, path or None, why or None)
        for device, state, nearby, standing, banned, path, why in peers}
