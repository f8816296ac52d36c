"""Knowing where you stand, the pure parts: paths (paths.py), our reachability
(reachability.py), why a peer is not connected (why_not.py), the dial-back's quota and
nonces (dialback.py)."""

from __future__ import annotations

import ipaddress
import itertools

import pytest

from p2psocial.net.dialback import (
    MAX_ADDRS,
    DialbackError,
    DialbackRefused,
    Pending,
    Quota,
    on_ip,
    parse_answer,
    parse_ask,
)
from p2psocial.net.ip_parse import parse_ranges
from p2psocial.net.paths import (
    Facts,
    Path,
    is_lan,
    local_networks,
    path_of,
    runs_to,
)
from p2psocial.net.reachability import (
    MAX_CANDIDATES,
    Basis,
    Reach,
    Reachability,
    ReachTracker,
)
from p2psocial.net.why_not import PeerFacts, Reason, Why, ago, sentence, why_not

LAN = [ipaddress.ip_network("192.168.1.0/24"), ipaddress.ip_network("fd00:1::/64")]
DOC = parse_ranges("203.0.113.0/24,198.51.100.0/24,2001:db8::/32")
A, B = b"a" * 32, b"b" * 32


# --- paths ------------------------------------------------------------------------------


@pytest.mark.parametrize("facts, expected", [
    (Facts("192.168.1.7"), Path.LAN),
    (Facts("fd00:1::7"), Path.LAN),
    (Facts("fe80::1%eth0"), Path.LAN),
    (Facts("127.0.0.1"), Path.LAN),  # this machine
    (Facts("::ffff:192.168.1.9"), Path.LAN),
    (Facts("8.8.8.8"), Path.DIRECT),
    (Facts("10.9.9.9"), Path.DIRECT),  # private, but not one of our networks
    (Facts("8.8.8.8", mapped=True), Path.PORT_MAPPED),
    (Facts("8.8.8.8", punched=True), Path.HOLE_PUNCHED),
    (Facts("8.8.8.8", punched=True, mapped=True), Path.HOLE_PUNCHED),
    (Facts(None, relayed=True), Path.RELAYED),
    (Facts("192.168.1.7", relayed=True), Path.RELAYED),
    (Facts("192.168.1.7", punched=True), Path.LAN),  # the packets stay home
    (Facts(None), Path.DIRECT),
])
def test_the_path_of_a_connection(facts: Facts, expected: Path) -> None:
    assert path_of(facts, LAN) is expected


def test_a_connection_runs_to_an_address_when_ip_and_port_match() -> None:
    mapped = ["/ip4/198.51.100.7/tcp/4001", "/ip6/2001:db8::7/tcp/4001"]
    assert runs_to("198.51.100.7", 4001, mapped)
    assert runs_to("::ffff:198.51.100.7", 4001, mapped)  # written another way
    assert runs_to("2001:db8:0::7", 4001, mapped)
    assert not runs_to("198.51.100.7", 53211, mapped)  # it dialed us from its router
    assert not runs_to("198.51.100.8", 4001, mapped)
    assert not runs_to(None, 4001, mapped) and not runs_to("198.51.100.7", None, mapped)
    assert not runs_to("198.51.100.7", 4001, ["/ip4/198.51.100.7/udp/4001/quic-v1",
                                               "/dns/example.org/tcp/4001", "garbage"])


def test_public_ranges_are_never_lan() -> None:
    sim = [ipaddress.ip_network("203.0.113.0/24")]
    assert path_of(Facts("203.0.113.20"), sim) is Path.LAN
    assert path_of(Facts("203.0.113.20"), sim, DOC) is Path.DIRECT
    assert path_of(Facts("127.0.0.1"), [], parse_ranges("127.0.0.0/8")) is Path.DIRECT
    assert not is_lan("not an ip", LAN)


def test_our_lan_networks_leave_out_global_and_public_ones() -> None:
    nets = local_networks([("192.168.1.4", 24), ("8.8.8.8", 24), ("127.0.0.1", 8),
                           ("203.0.113.5", 24), ("fd00:1::4", 64), ("2a01::4", 64),
                           ("192.168.1.5", 24), ("bogus", 1)], DOC)
    assert [str(n) for n in nets] == ["192.168.1.0/24", "fd00:1::/64"]
    assert "203.0.113.0/24" in [str(n) for n in local_networks([("203.0.113.5", 24)])]
    assert parse_ranges(" 10.0.0.0/8 , nonsense,") == [ipaddress.ip_network("10.0.0.0/8")]


# --- reachability -------------------------------------------------------------------


def tracker(own: list[str], **kw: object) -> ReachTracker:
    t = ReachTracker(public=DOC, **kw)  # type: ignore[arg-type]
    t.own(own)
    return t


def test_with_no_evidence_it_is_unknown_or_a_guess_from_our_own_addresses() -> None:
    assert tracker(["/ip4/203.0.113.5/tcp/4001"]).state(0).state is Reach.UNKNOWN
    home = tracker(["/ip4/192.168.1.4/tcp/4001"]).state(0)
    assert (home.state, home.basis, home.confirmed) == (Reach.BEHIND_NAT,
                                                        Basis.OWN_ADDRESSES, False)
    t = ReachTracker()
    t.own([], listening=False)
    assert t.state(0) == Reachability(Reach.BEHIND_NAT, Basis.NOT_LISTENING)
    assert not t.state(0).accepts_incoming and t.to_confirm(0) == []


def test_what_peers_observe_makes_a_guess() -> None:
    home = tracker(["/ip4/192.168.1.4/tcp/4001"])
    home.observed(A, "/ip4/198.51.100.7/tcp/53211", now=0)
    home.observed(B, "/ip4/192.168.1.9/tcp/1234", now=0)  # a LAN view: not counted
    state = home.state(1)
    assert (state.state, state.basis, state.seen_as) == (Reach.BEHIND_NAT, Basis.OBSERVED,
                                                         ("198.51.100.7",))
    box = tracker(["/ip4/203.0.113.5/tcp/4001"])
    box.observed(A, "/ip4/203.0.113.5/tcp/4001", now=0)
    assert (box.state(1).state, box.state(1).confirmed) == (Reach.PUBLIC, False)
    assert box.state(1e6).state is Reach.UNKNOWN  # an old observation is forgotten


def test_candidates_for_a_dial_back() -> None:
    home = tracker(["/ip4/192.168.1.4/tcp/4001", "/ip4/203.0.113.5/tcp/4001"])
    home.observed(A, "/ip4/198.51.100.7/tcp/53211", now=0)
    home.mapped(["/ip4/198.51.100.7/tcp/61000"])
    assert home.to_confirm(0) == ["/ip4/198.51.100.7/tcp/61000",  # the mapping first
                                  "/ip4/203.0.113.5/tcp/4001",
                                  "/ip4/198.51.100.7/tcp/4001"]  # a forward, perhaps
    home.dialed_back("/ip4/203.0.113.5/tcp/4001", ok=False, now=1)
    assert "/ip4/203.0.113.5/tcp/4001" not in home.to_confirm(2)
    assert "/ip4/203.0.113.5/tcp/4001" in home.to_confirm(1 + 3600)  # asked again later
    many = tracker([f"/ip4/203.0.113.{i}/tcp/4001" for i in range(1, 9)])
    assert len(many.to_confirm(0)) == MAX_CANDIDATES


def test_a_dial_back_confirms_and_a_change_of_address_forgets_it() -> None:
    box = tracker(["/ip4/203.0.113.5/tcp/4001"])
    box.dialed_back("/ip4/203.0.113.5/tcp/4001", ok=True, now=0)
    state = box.state(1)
    assert (state.state, state.confirmed, state.reachable_at) == (
        Reach.PUBLIC, True, ("/ip4/203.0.113.5/tcp/4001",))
    assert state.accepts_incoming
    assert box.state(3601).state is Reach.UNKNOWN  # the result expired
    box.dialed_back("/ip4/203.0.113.5/tcp/4001", ok=True, now=4000)
    assert box.own(["/ip4/203.0.113.6/tcp/4001"])  # moved
    assert box.state(4001).state is Reach.UNKNOWN
    assert not box.own(["/ip4/203.0.113.6/tcp/4001"])  # no change, nothing forgotten


def test_a_mapping_is_port_mapped_until_a_dial_back_says_otherwise() -> None:
    home = tracker(["/ip4/192.168.1.4/tcp/4001"])
    home.mapped(["/ip4/198.51.100.7/tcp/61000"])
    assert (home.state(0).state, home.state(0).basis) == (Reach.PORT_MAPPED, Basis.MAPPING)
    home.dialed_back("/ip4/198.51.100.7/tcp/61000", ok=True, now=0)
    assert (home.state(1).state, home.state(1).confirmed) == (Reach.PORT_MAPPED, True)
    assert home.mapped(["/ip4/198.51.100.7/tcp/61001"])  # renewed elsewhere: ask again
    home.dialed_back("/ip4/198.51.100.7/tcp/61001", ok=False, now=2)
    assert (home.state(3).state, home.state(3).confirmed) == (Reach.BEHIND_NAT, True)


def test_a_dial_back_to_a_private_address_proves_nothing() -> None:
    home = tracker(["/ip4/192.168.1.4/tcp/4001"])
    home.dialed_back("/ip4/192.168.1.4/tcp/4001", ok=True, now=0)
    assert home.state(1).basis is Basis.OWN_ADDRESSES


# --- why a peer is not connected --------------------------------------------------------

NAT = Reachability(Reach.BEHIND_NAT, Basis.DIALBACK)
PUBLIC = Reachability(Reach.PUBLIC, Basis.DIALBACK, ("/ip4/203.0.113.5/tcp/1",))
HOUR = 3_600_000
NOW = 10 * HOUR


@pytest.mark.parametrize("peer, ours, relay, why", [
    (PeerFacts(("/ip4/10.0.0.2/tcp/1",)), NAT, False, Why.NEITHER_ACCEPTS),
    (PeerFacts(("/ip4/10.0.0.2/tcp/1",)), NAT, True, Why.UNREACHABLE),  # we hold a slot
    (PeerFacts(("/ip4/10.0.0.2/tcp/1", "/ip4/203.0.113.9/tcp/1/p2p/Qm/p2p-circuit")), NAT,
     False, Why.UNREACHABLE),  # it holds one
    (PeerFacts(("/ip4/10.0.0.2/tcp/1",)), PUBLIC, False, Why.UNREACHABLE),
    (PeerFacts(("/ip4/203.0.113.9/tcp/1",)), NAT, False, Why.UNREACHABLE),  # it accepts
    (PeerFacts(("/ip4/192.168.1.3/tcp/1",)), NAT, False, Why.UNREACHABLE),  # on our LAN
    (PeerFacts(()), NAT, False, Why.NO_ADDRESS),
    (PeerFacts(("/ip4/10.0.0.2/tcp/1",), dialing=True), NAT, False, Why.CONNECTING),
    (PeerFacts(("/ip4/10.0.0.2/tcp/1",), banned_until=NOW + HOUR), NAT, False, Why.BANNED),
])
def test_why_a_peer_is_not_connected(peer: PeerFacts, ours: Reachability, relay: bool,
                                     why: Why) -> None:
    assert why_not(peer, ours, we_hold_relay=relay, lan=LAN, public=DOC).why is why


def test_the_sentences() -> None:
    assert sentence(Reason(Why.UNREACHABLE, NOW - 3 * HOUR), NOW) == \
        "Not reachable now: last seen 3 h ago; will keep trying."
    assert sentence(Reason(Why.UNREACHABLE), NOW) == \
        "Not reachable now: never reached yet; will keep trying."
    assert sentence(Reason(Why.NEITHER_ACCEPTS), NOW).startswith(
        "Neither of you accepts incoming connections and no common friend can relay: ")
    assert "for 1 h more" in sentence(Reason(Why.BANNED, None, NOW + HOUR), NOW)
    for why in Why:
        assert sentence(Reason(why, NOW - 1000), NOW).endswith(".")
    assert [ago(x) for x in (999, 61_000, 7_200_000, 5 * 86_400_000)] == [
        "0 s", "1 min", "2 h", "5 days"]


# --- dial-back: quota, nonces, messages ------------------------------------------------


def test_the_quota_is_per_friend_per_hour() -> None:
    quota = Quota(per_hour=2)
    assert quota.take(A, 0) and quota.take(A, 10)
    assert not quota.take(A, 20)  # a third within the hour
    assert quota.take(B, 20)  # another friend has their own
    assert quota.take(A, 3600.5)  # the first one left the window
    assert not quota.take(A, 3601)


def test_only_our_nonces_prove_anything() -> None:
    pending = Pending(limit=4)
    issued = pending.issue(["/ip4/203.0.113.5/tcp/1", "/ip4/203.0.113.5/tcp/2"])
    assert not pending.prove(b"x" * 16)
    assert pending.prove(issued[1][1])
    assert pending.settle(issued) == {"/ip4/203.0.113.5/tcp/1": False,
                                      "/ip4/203.0.113.5/tcp/2": True}
    assert not pending.prove(issued[1][1])  # settled: forgotten
    old = pending.issue(["/ip4/203.0.113.5/tcp/1"])
    pending.issue([f"/ip4/203.0.113.5/tcp/{i}" for i in range(4)])  # pushes past the limit
    assert not pending.prove(old[0][1])


def test_dial_back_messages() -> None:
    nonce = b"n" * 16
    assert parse_ask(("ask", (("/ip4/1.2.3.4/tcp/5", nonce),))) == [
        ("/ip4/1.2.3.4/tcp/5", nonce)]
    for bad in [("ask", ()), ("ask", (("/ip4/1.2.3.4/tcp/5", b"short"),)),
                ("ask", tuple(("/ip4/1.2.3.4/tcp/5", nonce) for _ in range(MAX_ADDRS + 1))),
                ("answer", ()), ("ask", "x")]:
        with pytest.raises(DialbackError):
            parse_ask(bad)
    assert parse_answer(("answer", (("a", "reached"),)), ["a"]) == {"a": "reached"}
    with pytest.raises(DialbackRefused, match="friends only"):
        parse_answer(("refused", "friends only"), ["a"])
    with pytest.raises(DialbackError):
        parse_answer(("answer", (("b", "reached"),)), ["a"])  # not what we asked
    assert on_ip("/ip4/1.2.3.4/tcp/5", "1.2.3.4")
    assert on_ip("/ip6/2001:db8::1/tcp/5", "2001:db8::1")
    assert not on_ip("/ip4/1.2.3.4/tcp/5", "1.2.3.5")
    assert not on_ip("/ip4/1.2.3.4/tcp/5/p2p/Qm/p2p-circuit", "1.2.3.4")
    assert not on_ip("/ip4/1.2.3.4/udp/5", "1.2.3.4")
    assert on_ip("/ip4/1.2.3.4/tcp/5", "::ffff:1.2.3.4")
    assert on_ip("/ip6/2001:db8:0::1/tcp/5", "2001:db8::1")
    assert not on_ip("/ip4/bogus/tcp/5", "bogus")


# --- the standpoint's asking rules, over a fake host and a virtual clock ---------------


def test_a_friend_that_refused_is_asked_again_after_5_s_doubling(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import trio
    import trio.testing

    from p2psocial.net import dialback, standpoint
    from p2psocial.net.connmgr import Link

    friend = b"f" * 32
    answers: list[object] = [DialbackRefused("friends only"), DialbackRefused("friends only"),
                             {"/ip4/203.0.113.5/tcp/4001": True}]
    asked_at: list[float] = []

    async def ask(_host: object, _peer: object, addrs: list[str], _pending: object,
                  ) -> dict[str, bool]:
        asked_at.append(trio.current_time())
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[return-value]

    class FakeHost:
        def set_handler(self, *_: object) -> None: ...
        def connections(self) -> list[Link]:
            return [Link(friend, "198.51.100.9", None, 10.0)]
        def reservations(self) -> list[object]:
            return []
        def observed_addrs(self) -> dict[bytes, tuple[str, float]]:
            return {}

    async def yes(_device: bytes) -> bool:
        return True

    async def never() -> None:
        await trio.sleep_forever()

    monkeypatch.setattr(dialback, "ask", ask)

    async def main() -> None:
        spot = standpoint.Standpoint(FakeHost(), own=lambda: ["/ip4/203.0.113.5/tcp/4001"],  # type: ignore[arg-type]
                                    is_friend=yes, changed=never, notify=lambda: None,
                                    public=DOC)
        async with trio.open_nursery() as nursery:
            await nursery.start(spot.run)
            while spot.reachability().basis is not Basis.DIALBACK:  # noqa: ASYNC110
                await trio.sleep(0.5)
            nursery.cancel_scope.cancel()
        gaps = [round(b - a) for a, b in itertools.pairwise(asked_at)]
        assert gaps == [6, 11]  # 5 s, then 10 s (+ the 1 s a look waits for a burst)
        assert spot.reachability().state is Reach.PUBLIC

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
