"""Which of a peer's addresses to dial first (net/dial_order.py, pure) and how the
attempts race (net/eyeballs.py, with fake attempts on Trio's mock clock)."""

from __future__ import annotations

import ipaddress

import pytest
import trio
import trio.testing

from p2psocial.net.dial_order import (
    CIRCUIT_DELAY,
    STAGGER,
    Reach,
    order,
    reach,
)
from p2psocial.net.eyeballs import AllFailed, Attempt, describe, first_to_connect
from p2psocial.net.ip_parse import parse_ranges

LAN = [ipaddress.ip_network("192.168.1.0/24"), ipaddress.ip_network("fd00:1::/64"),
       ipaddress.ip_network("127.0.0.0/8")]
CIRCUIT = ("/ip4/81.2.69.160/tcp/4001/p2p/12D3KooWGzh5ZSqE4GeMTFDfwAeKvLZpHXhzNZ5Zk1XKWoMgLbRn"
           "/p2p-circuit")


@pytest.mark.parametrize(("addr", "kind"), [
    ("/ip4/192.168.1.7/tcp/4001", Reach.SAME_LAN),
    ("/ip6/fd00:1::7/tcp/4001", Reach.SAME_LAN),
    ("/ip4/127.0.0.1/tcp/4001", Reach.SAME_LAN),
    ("/ip6/2a01:4f8::1/tcp/4001", Reach.GLOBAL_V6),
    ("/ip4/81.2.69.160/tcp/4001", Reach.GLOBAL_V4),
    ("/ip4/192.168.2.7/tcp/4001", Reach.OTHER),  # private, but not on our LAN
    ("/ip4/100.64.3.4/tcp/4001", Reach.OTHER),  # CGNAT
    ("/ip6/fd00:2::7/tcp/4001", Reach.OTHER),
    ("/ip6/2001:db8::7/tcp/4001", Reach.OTHER),  # documentation: not global
    ("/dns4/example.org/tcp/4001", Reach.OTHER),
    ("/ip4/not-an-ip/tcp/4001", Reach.OTHER),
    (CIRCUIT, Reach.CIRCUIT),
])
def test_each_kind_of_address(addr: str, kind: Reach) -> None:
    assert reach(addr, LAN) is kind


def test_same_lan_first_then_ipv6_ipv4_other_private_and_circuits_last() -> None:
    given = [CIRCUIT, "/ip4/100.64.3.4/tcp/1", "/ip4/81.2.69.160/tcp/2",
             "/ip6/2a01:4f8::1/tcp/3", "/ip4/192.168.1.7/tcp/4", "/ip4/81.2.69.161/tcp/5",
             "/ip4/192.168.1.8/tcp/6", "/ip4/81.2.69.160/tcp/2"]
    assert order(given, LAN) == [
        "/ip4/192.168.1.7/tcp/4", "/ip4/192.168.1.8/tcp/6",  # kept in the given order
        "/ip6/2a01:4f8::1/tcp/3",
        "/ip4/81.2.69.160/tcp/2", "/ip4/81.2.69.161/tcp/5",  # and without duplicates
        "/ip4/100.64.3.4/tcp/1", CIRCUIT]
    # without knowing our LAN, a private address is just another private address
    assert order(["/ip4/192.168.1.7/tcp/4", "/ip4/81.2.69.160/tcp/2"]) == [
        "/ip4/81.2.69.160/tcp/2", "/ip4/192.168.1.7/tcp/4"]


def test_ranges_named_public_count_as_global() -> None:
    """The simulated internet of the namespace tests uses documentation ranges."""
    public = [ipaddress.ip_network("2001:db8::/32"), ipaddress.ip_network("203.0.113.0/24")]
    assert reach("/ip6/2001:db8::7/tcp/1", LAN, public) is Reach.GLOBAL_V6
    assert reach("/ip4/203.0.113.9/tcp/1", LAN, public) is Reach.GLOBAL_V4
    assert order(["/ip4/203.0.113.9/tcp/1", "/ip6/2001:db8::7/tcp/1"], LAN, public) == [
        "/ip6/2001:db8::7/tcp/1", "/ip4/203.0.113.9/tcp/1"]
    # even when they are on our own link (a LAN with "global" IPv6 in the tests)
    on_link = [*LAN, ipaddress.ip_network("2001:db8:1::/64")]
    assert reach("/ip6/2001:db8:1::7/tcp/1", on_link) is Reach.SAME_LAN
    assert reach("/ip6/2001:db8:1::7/tcp/1", on_link, public) is Reach.GLOBAL_V6
    assert parse_ranges(" 2001:db8::/32, nonsense,203.0.113.0/24") == public


# --- the race (eyeballs.py) on the mock clock ---------------------------------------------


class Script:
    """Fake attempts: each waits its delay, then fails or succeeds; records when it
    started and whether it was cancelled."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.cancelled: set[str] = set()

    def attempt(self, label: str, delay: float, ok: bool, late: bool = False) -> Attempt:
        async def run() -> None:
            self.started[label] = trio.current_time()
            try:
                await trio.sleep(delay)
            except trio.Cancelled:
                self.cancelled.add(label)
                raise
            if not ok:
                raise ConnectionRefusedError(f"{label} refused")

        return Attempt(label, run, late=late)


def race(attempts: list[Attempt]) -> tuple[str | AllFailed, float]:
    """Run ``first_to_connect`` on a mock clock: the winner's label (or the error)
    and the time it took."""
    out: list[str | AllFailed] = []
    took: list[float] = []

    async def main() -> None:
        begun = trio.current_time()
        try:
            out.append((await first_to_connect(attempts)).label)
        except AllFailed as exc:
            out.append(exc)
        took.append(trio.current_time() - begun)

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
    return out[0], took[0]


def test_a_slow_first_address_does_not_hold_up_a_good_second_one() -> None:
    s = Script()
    winner, took = race([s.attempt("dead", 30, False), s.attempt("good", 0.01, True)])
    assert winner == "good" and took == pytest.approx(STAGGER + 0.01)
    assert s.started["good"] == pytest.approx(STAGGER)
    assert s.cancelled == {"dead"}  # the loser is cancelled, not left running


def test_a_failure_starts_the_next_attempt_at_once() -> None:
    s = Script()
    winner, took = race([s.attempt("refused", 0.01, False), s.attempt("good", 0.01, True)])
    assert winner == "good" and took == pytest.approx(0.02)


def test_attempts_start_staggered_and_the_first_to_connect_wins() -> None:
    s = Script()
    winner, _ = race([s.attempt("a", 10, True), s.attempt("b", 10, True),
                      s.attempt("c", 0.1, True)])
    assert winner == "c"
    assert [s.started[x] for x in "abc"] == pytest.approx([0, STAGGER, 2 * STAGGER])
    assert s.cancelled == {"a", "b"}


def test_circuits_wait_for_every_direct_failure_or_the_circuit_delay() -> None:
    s = Script()
    winner, took = race([s.attempt("x", 0.01, False), s.attempt("y", 0.02, False),
                         s.attempt("relay", 0.05, True, late=True)])
    assert winner == "relay" and s.started["relay"] == pytest.approx(0.03)
    s = Script()
    winner, took = race([s.attempt("hang", 60, False),
                         s.attempt("relay", 0.05, True, late=True)])
    assert winner == "relay" and s.started["relay"] == pytest.approx(CIRCUIT_DELAY)
    assert s.cancelled == {"hang"}
    s = Script()
    winner, took = race([s.attempt("relay", 0.05, True, late=True)])
    assert winner == "relay" and took == pytest.approx(0.05)  # nothing direct: no wait


def test_when_all_fail_every_reason_is_listed_in_order() -> None:
    s = Script()
    error, _ = race([s.attempt("a", 0.3, False), s.attempt("b", 0.01, False),
                     s.attempt("c", 0.01, False, late=True)])
    assert isinstance(error, AllFailed)
    assert error.reasons == ["a: a refused", "b: b refused", "c: c refused"]


def test_a_wrapped_error_says_its_cause() -> None:
    try:
        try:
            raise ConnectionRefusedError("[Errno 111] Connection refused")
        except OSError as inner:
            raise RuntimeError("fail to open connection") from inner
    except RuntimeError as exc:
        assert describe(exc) == "fail to open connection: [Errno 111] Connection refused"
    assert describe(TimeoutError()) == "TimeoutError"
