"""Sync protocol messages: typed values and their wire form, nothing else.

Each message is one frame (a canonical msgpack array whose first item names it).
Decoding is strict and capped, like entries: a frame that breaks a rule raises
``ProtocolError`` (an ``InvalidEntry``), which the session's owner turns into "drop
the frame, lower the peer's standing, keep serving".

    ("hello", version)                      first frame on a stream, each way
    ("wants", (account, ...))               accounts whose logs this side replicates
    ("clock", ((device, seq), ...))         the highest contiguous seq of logs held
    ("ready",)                              end of this side's wants and clock
    ("entries", ((header, body|nil), ...))  a run of entries, in log order
    ("caught_up",)                          everything the peer lacked at "ready" is sent
    ("need", ((device, seq), ...))          after "ready": this side holds these logs
                                            only up to seq; send what follows again

Version 2 adds (each side says them in this order; opening.py explains the opening):

    ("wantsum", digests)                    a summary (summary.py) of the accounts
                                            this side replicates: 256 digests
    ("wanted",)                             "wants" of the buckets that differ sent:
                                            both now know which accounts both want
    ("clocksum", digests)                   a summary of this side's clock over the
                                            logs of the accounts both want
    ("forks", ((header, header), ...))      fork proofs (forks.py), before "ready" and
                                            whenever a new one is found
    ("ping",)                               nothing to say for a while: still here

Version 3 adds one message, said before "forks" in the opening (so before every
entry) and whenever a new revocation is learned:

    ("revocations", (wire, ...))            root-signed device revocations
                                            (identity.Revocation, as encoded bytes:
                                            the store checks them, not this module)

and in version 2 "wants" and "clock" say only what the summaries showed to differ
(and, later in a session, the accounts newly wanted and their logs' heads).

Each version is spoken under its own protocol id, so that multistream negotiation
picks the newest both sides know (``PROTOCOL_IDS``); a peer never receives a message
of a version newer than its stream's (a version 2 peer refuses "revocations" as an
unknown message, so version 3 is a new protocol id, not a compatible minor one).

"wants" and "clock" may come in several frames (at most ``MAX_ITEMS`` items each).
"wants" is sent again later in a session when follows change (it only adds). A
version 2 node also says "clock" later with how far it holds the peer's own log,
when that log grows here (at most once a second, net/sync.py): the peer learns that
its entries arrived (delivery states, store/holders.py). "need"
is how a node that saw a gap (a gossip message ahead of its log) asks its sessions
for the missing entries, whatever the peer believes it already sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import codec
from ..entry import BODY_CAP, HEADER_CAP
from ..errors import InvalidEntry
from . import summary
from .framing import named_message

VERSION = 3
PROTOCOL_IDS = {3: "/p2psocial/sync/3.0.0", 2: "/p2psocial/sync/2.0.0",
                1: "/p2psocial/sync/1.0.0"}
"""Newest first: the order in which a dialer offers them."""
PROTOCOL_ID = PROTOCOL_IDS[VERSION]
MAX_FRAME = 1024 * 1024
MAX_ITEMS = 2048
MAX_FORKS = 64
"""Fork proofs in one frame (each costs its receiver two signature checks)."""
MAX_REVOCATIONS = 64
"""Revocations in one frame (each costs its receiver a signature check)."""
MAX_REVOCATION = 300
"""Bytes of one revocation's wire: 7 fields, 181 to 221 bytes encoded."""
FRAME_CAPS = codec.Caps(max_bytes=MAX_FRAME, max_bin=max(BODY_CAP, HEADER_CAP),
                        max_str=32, max_array=MAX_ITEMS, max_depth=3)


class ProtocolError(InvalidEntry):
    """A frame that is not a valid sync message."""


@dataclass(frozen=True, slots=True)
class Hello:
    version: int


@dataclass(frozen=True, slots=True)
class Wants:
    accounts: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class Clock:
    heads: tuple[tuple[bytes, int], ...]


@dataclass(frozen=True, slots=True)
class Ready:
    pass


@dataclass(frozen=True, slots=True)
class Entries:
    items: tuple[tuple[bytes, bytes | None], ...]


@dataclass(frozen=True, slots=True)
class CaughtUp:
    pass


@dataclass(frozen=True, slots=True)
class Need:
    heads: tuple[tuple[bytes, int], ...]


@dataclass(frozen=True, slots=True)
class Forks:
    proofs: tuple[tuple[bytes, bytes], ...]  # two signed headers each, not checked yet


@dataclass(frozen=True, slots=True)
class Revocations:
    wires: tuple[bytes, ...]  # encoded identity.Revocation each, not checked yet


@dataclass(frozen=True, slots=True)
class WantSum:
    digests: bytes  # summary.SIZE bytes


@dataclass(frozen=True, slots=True)
class Wanted:
    pass


@dataclass(frozen=True, slots=True)
class ClockSum:
    digests: bytes  # summary.SIZE bytes


@dataclass(frozen=True, slots=True)
class Ping:
    pass


Message = (Hello | Wants | Clock | Ready | Entries | CaughtUp | Need | Forks | Revocations
           | WantSum | Wanted | ClockSum | Ping)
V2_ONLY = (Forks, WantSum, Wanted, ClockSum, Ping)
V3_ONLY = (Revocations,)


def encode(message: Message) -> bytes:
    match message:
        case Hello(version):
            return codec.encode(("hello", version))
        case Wants(accounts):
            return codec.encode(("wants", accounts))
        case Clock(heads):
            return codec.encode(("clock", heads))
        case Ready():
            return codec.encode(("ready",))
        case Entries(items):
            return codec.encode(("entries", items))
        case CaughtUp():
            return codec.encode(("caught_up",))
        case Need(heads):
            return codec.encode(("need", heads))
        case Forks(proofs):
            return codec.encode(("forks", proofs))
        case Revocations(wires):
            return codec.encode(("revocations", wires))
        case WantSum(digests):
            return codec.encode(("wantsum", digests))
        case Wanted():
            return codec.encode(("wanted",))
        case ClockSum(digests):
            return codec.encode(("clocksum", digests))
        case Ping():
            return codec.encode(("ping",))
    raise TypeError(f"not a message: {message!r}")


def decode(frame: bytes) -> Message:
    """The message in one frame, or ``ProtocolError`` (caps, layout, types)."""
    wire = named_message(frame, FRAME_CAPS, ProtocolError, "sync")
    name, args = wire[0], wire[1:]
    if name == "hello" and len(args) == 1 and _is_int(args[0]):
        return Hello(args[0])
    if name == "wants" and len(args) == 1 and _all(args[0], _is_key):
        return Wants(args[0])
    if name == "clock" and len(args) == 1 and _all(args[0], _is_head):
        return Clock(args[0])
    if name == "need" and len(args) == 1 and _all(args[0], _is_head) and args[0]:
        return Need(args[0])
    if name == "entries" and len(args) == 1 and _all(args[0], _is_entry) and args[0]:
        return Entries(args[0])
    if (name == "forks" and len(args) == 1 and _all(args[0], _is_proof)
            and 0 < len(args[0]) <= MAX_FORKS):
        return Forks(args[0])
    if (name == "revocations" and len(args) == 1 and _all(args[0], _is_revocation)
            and 0 < len(args[0]) <= MAX_REVOCATIONS):
        return Revocations(args[0])
    if name in ("wantsum", "clocksum") and len(args) == 1 and _is_summary(args[0]):
        return WantSum(args[0]) if name == "wantsum" else ClockSum(args[0])
    if name == "wanted" and not args:
        return Wanted()
    if name == "ping" and not args:
        return Ping()
    if name == "ready" and not args:
        return Ready()
    if name == "caught_up" and not args:
        return CaughtUp()
    raise ProtocolError(f"not a valid {name!r} message" if len(name) < 20 else "unknown message")


def _is_int(v: object) -> bool:
    return type(v) is int and 0 <= v < 2**53


def _is_key(v: object) -> bool:
    return type(v) is bytes and len(v) == 32


def _is_head(v: object) -> bool:
    return type(v) is tuple and len(v) == 2 and _is_key(v[0]) and _is_int(v[1])


def _is_entry(v: object) -> bool:
    return (type(v) is tuple and len(v) == 2 and type(v[0]) is bytes
            and len(v[0]) <= HEADER_CAP and (v[1] is None or type(v[1]) is bytes))


def _is_summary(v: object) -> bool:
    return type(v) is bytes and len(v) == summary.SIZE


def _is_proof(v: object) -> bool:
    return (type(v) is tuple and len(v) == 2
            and all(type(h) is bytes and len(h) <= HEADER_CAP for h in v))


def _is_revocation(v: object) -> bool:
    return type(v) is bytes and 0 < len(v) <= MAX_REVOCATION


def _all(v: object, check: object) -> bool:
    return type(v) is tuple and all(check(x) for x in v)  # type: ignore[operator]
