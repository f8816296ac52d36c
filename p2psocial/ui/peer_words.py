"""What the People page says in words: the network's state, whether others can reach
us, each peer's state, path and sync progress, why one is not connected, and where a
join stands. Plain functions of the back end's rows (runtime.py), so the sentences
are tested without a window and translated in one place (net/why_not.py's reasons)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale

from .. import ids
from ..runtime import join_state
from .avatar import display_name
from .context import tr
from .post_words import relative_time_long
from .widgets import plural

if TYPE_CHECKING:
    from ..runtime import Joined, NetworkStatus, PeerRow


def status_text(status: NetworkStatus) -> str:
    """The network's state in one sentence."""
    if status.state == "online":
        if status.connected:
            return plural(tr("Online: connected to %n peer(s)", None, status.connected),
                          status.connected)
        return tr("Online: no peer connected yet")
    if status.state == "starting":
        return tr("Starting the network…")
    if status.state == "stopped":
        return tr("The network is stopped")
    if status.error:
        return tr("Offline: {0}").format(status.error)
    return tr("Offline")


def reach_text(status: NetworkStatus) -> str:
    """Whether others can reach us, in one sentence (nothing while offline)."""
    if status.state != "online":
        return ""
    text = {
        "public": tr("Others on the internet can connect to you."),
        "port-mapped": tr("Others on the internet can connect to you through a port your "
                          "router opened."),
        "behind-nat": tr("Others on the internet cannot connect to you: your router stands "
                         "in the way. You connect to them, or through a friend who relays."),
    }.get(status.reach, tr("Not known yet whether others on the internet can connect to "
                           "you."))
    if status.reach == "unknown":
        return text
    return text + " " + (tr("(A friend checked.)") if status.reach_confirmed
                         else tr("(Not checked by a friend yet.)"))


def path_text(path: str) -> str:
    """How a connected peer is connected, in a few words."""
    return {"lan": tr("on your home network"), "direct": tr("directly"),
            "port-mapped": tr("directly, through an opened port"),
            "hole-punched": tr("directly, through both routers"),
            "relayed": tr("through a friend's relay")}.get(path, path)


def why_text(row: PeerRow, now: int) -> str:
    """Why a peer is not connected, in one sentence (net/why_not.py's reasons)."""
    seen = (tr("last seen {0}").format(relative_time_long(row.last_seen, now))
            if row.last_seen else tr("never reached yet"))
    if row.why_not == "connecting":
        return tr("Connecting now ({0}).").format(seen)
    if row.why_not == "banned":
        return tr("Refused for a while: it broke the rules ({0}).").format(seen)
    if row.why_not == "no-address":
        return tr("It reached you before but never said where it is: it connects when it "
                  "reaches you again ({0}).").format(seen)
    if row.why_not == "neither-accepts":
        return tr("Neither of you accepts incoming connections and no common friend can "
                  "relay: turn on port mapping (UPnP) on one of your routers, or both "
                  "connect to a friend whose box is reachable ({0}).").format(seen)
    if row.why_not == "unreachable":
        return tr("Not reachable now: {0}; will keep trying.").format(seen)
    return ""


def how_text(row: PeerRow, now: int) -> str:
    """The How column: the path of a connected peer, or in short why another is not
    connected (the whole sentence, ``why_text``, is its tooltip and shows below the
    list for the row chosen)."""
    if row.state == "connected":
        return path_text(row.path) if row.path else ""
    return {"connecting": tr("connecting"), "banned": tr("refused for a while"),
            "no-address": tr("no address known"),
            "neither-accepts": tr("both behind routers, no relay"),
            "unreachable": tr("not reachable now")}.get(row.why_not or "", "")


def peers_empty_text(lan: bool) -> str:
    """What the empty peers list says: LAN neighbours come by themselves only while
    finding them is on."""
    if lan:
        return tr("Nobody here yet. People on the same network appear here by "
                  "themselves; to reach someone elsewhere, send them your invite.")
    return tr("Nobody here yet. Finding people on the same network is off (Settings); "
              "to reach someone, send them your invite or paste theirs.")


def section_of(row: PeerRow) -> str:
    if row.nearby:
        return "nearby"
    return "connected" if row.state in ("connected", "dialing") else "known"


def state_text(row: PeerRow) -> str:
    text = {"connected": tr("Connected"), "dialing": tr("Connecting…"),
            "known": tr("Not connected"), "banned": tr("Refused for a while")}.get(
        row.state, row.state)
    return tr("{0} · nearby").format(text) if row.nearby else text


def sync_text(row: PeerRow) -> str:
    """The current session's progress: 'received 1,234 · sent 56', or 'up to date'."""
    if row.state != "connected":
        return ""
    if row.caught_up:
        return tr("up to date")
    number = QLocale().toString
    return tr("received {0} · sent {1}").format(number(row.received), number(row.sent))


def peer_name(row: PeerRow) -> str:
    if row.account is None:
        return ids.device_text(row.device)[:14] + "…"
    return display_name(row.name, row.account)


@dataclass(frozen=True, slots=True)
class JoinOutcome:
    joined: Joined
    name: str | None  # the inviter's name, if their profile is already here


def joined_text(outcome: JoinOutcome, row: PeerRow | None = None, waited: float = 0.0) -> str:
    """What a join did and where it stands now (``runtime.join_state``): connecting,
    connected (syncing or up to date), or not reachable now with the reason, which the
    page updates as the peer's row changes."""
    joined = outcome.joined
    known = row.name if row is not None and row.name else outcome.name  # after a sync
    name = display_name(known, joined.account)
    state = join_state(joined, row, waited)
    tail = {"offline": tr("they will be reached when the network is on"),
            "syncing": tr("connected, syncing…"),
            "up-to-date": tr("connected and up to date")}.get(state, tr("connecting…"))
    if state == "unreachable":
        tail = tr("not reachable now, will keep trying — {0}").format(join_reason(row))
    if joined.community is not None:
        return tr("Joined the community {0}: {1}").format(joined.community_name, tail)
    if joined.own:
        return tr("Another device of your account: {0}").format(tail)
    if joined.followed:
        return tr("Following {0}: {1}").format(name, tail)
    return tr("You already follow {0}: {1}").format(name, tail)


def join_reason(row: PeerRow | None) -> str:
    """Why a peer just joined is not connected, in a few words (net/why_not.py's
    reasons; ``why_text`` says them in whole sentences in the peers list)."""
    why = row.why_not if row is not None else None
    if why == "unreachable":
        return tr("nothing answers at the addresses in the code; they may be offline")
    if why == "neither-accepts":
        return tr("neither of you accepts incoming connections, and no common friend "
                  "can relay")
    if why == "banned":
        return tr("it broke the rules and is refused for a while")
    if why == "no-address":
        return tr("the code holds no address to reach them at")
    return tr("no answer yet from the addresses in the code")
