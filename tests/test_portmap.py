"""Port mapping without a router: the lease plan on a fake clock, the NAT-PMP codec,
and ``PortMapper`` against fake methods on Trio's mock clock (renewal, retries, loss,
removal on exit, one INFO line when nothing answers). Real routers: test_portmap_netns.py.
"""

from __future__ import annotations

import logging
import socket
import struct
from collections.abc import Awaitable, Callable

import pytest
import trio
import trio.testing

from p2psocial.net import natpmp
from p2psocial.net.portmap import (
    LOOK_EVERY,
    RECHECK,
    RETRY,
    Lease,
    Mapping,
    MappingError,
    PortMapper,
    from_outside,
    lan_ip,
    mappable,
)
from tests.netkit import run


def on_mock_clock(fn: Callable[..., Awaitable[None]], *args: object) -> None:
    """Run ``fn`` on a clock that jumps ahead whenever every task waits."""
    trio.run(fn, *args, clock=trio.testing.MockClock(autojump_threshold=0))


M = Mapping("upnp", "198.51.100.7", 4001, 4001, 3600)


# --- the plan ---------------------------------------------------------------------


def test_renews_at_half_the_lease_and_holds_until_it_ends() -> None:
    plan = Lease()
    plan.start(100.0)
    assert plan.due == 100.0 and plan.current(100.0) is None
    plan.granted(M, 100.0)
    assert plan.due == 100.0 + RECHECK  # sooner than half the lease: the address may change
    plan = Lease(recheck=1e9)
    plan.granted(M, 100.0)
    assert plan.due == 100.0 + 1800
    assert plan.current(100.0 + 3599) == M
    assert plan.current(100.0 + 3600) is None  # ran out: gone


def test_failures_back_off_up_to_the_last_step_and_forever() -> None:
    plan = Lease()
    plan.start(0.0)
    waits = []
    now = 0.0
    for _ in range(len(RETRY) + 3):
        plan.failed(now)
        waits.append(plan.due - now)
        now = plan.due
    assert waits == [*RETRY, RETRY[-1], RETRY[-1], RETRY[-1]]
    plan.granted(M, now)
    assert plan.failures == 0


def test_a_failed_renewal_retries_before_the_lease_runs_out() -> None:
    plan = Lease(retry=(600.0,), recheck=1e9)
    plan.granted(M, 0.0)
    plan.failed(1800.0)  # 1800 s left: retry within half of that, not after 600... 900
    assert plan.due == 1800.0 + 600.0
    plan.failed(3400.0)  # 200 s left
    assert plan.due == 3400.0 + 100.0
    plan.failed(3599.5)  # nearly gone: at least a second
    assert plan.due == 3600.5 and plan.current(3600.5) is None


def test_a_permanent_mapping_is_checked_again_later() -> None:
    plan = Lease()
    plan.granted(Mapping("upnp", "198.51.100.7", 4001, 4001, 0), 10.0)
    assert plan.due == 10.0 + RECHECK
    assert plan.current(1e9) is not None


def test_between_renewals_the_router_s_address_is_looked_at() -> None:
    plan = Lease()
    assert plan.wake_at(0.0) == plan.due == 0.0  # nothing mapped: nothing to look at
    plan.granted(M, 100.0)
    assert plan.look_at == 100.0 + LOOK_EVERY and plan.wake_at(100.0) == plan.look_at
    assert not plan.looked(M.external_ip, 110.0)  # unchanged
    assert plan.due == 100.0 + RECHECK and plan.look_at == 110.0 + LOOK_EVERY
    assert plan.looked("198.51.100.99", 120.0)  # renumbered: map again now
    assert plan.due == 120.0
    plan.granted(M, 121.0)
    assert plan.looked(None, 131.0) and plan.due == 131.0  # answered before, not now
    plan.failed(132.0)
    assert not plan.looked(None, 142.0)  # not answering already: retries keep their pace
    assert plan.due == 132.0 + RETRY[0]
    plan.forget()
    assert plan.wake_at(200.0) == plan.due


def test_which_addresses_count() -> None:
    assert from_outside("198.51.100.7") and from_outside("203.0.113.9")
    assert from_outside("8.8.8.8")
    for inside in ("192.168.1.1", "10.0.0.1", "100.64.3.2", "172.20.0.1", "127.0.0.1",
                   "169.254.1.1", "0.0.0.0", "nonsense", "2001:db8::1"):
        assert not from_outside(inside), inside
    assert mappable("0.0.0.0") and mappable("192.168.1.11") and mappable("::")
    assert not mappable("127.0.0.1") and not mappable("198.51.100.7")
    assert not mappable("::1")
    assert lan_ip("0.0.0.0") is None and lan_ip("::") is None
    assert lan_ip("192.168.1.11") == "192.168.1.11"


# --- NAT-PMP --------------------------------------------------------------------------


def test_natpmp_requests_and_answers() -> None:
    assert natpmp.encode_address_request() == b"\x00\x00"
    assert natpmp.encode_map_request(4001, 4002, 3600) == struct.pack(
        "!BBHHHI", 0, 2, 0, 4001, 4002, 3600)
    answer = struct.pack("!BBHI4s", 0, 128, 0, 99, socket.inet_aton("198.51.100.7"))
    assert natpmp.decode_address_response(answer) == "198.51.100.7"
    mapped = struct.pack("!BBHIHHI", 0, 130, 0, 99, 4001, 4002, 3600)
    assert natpmp.decode_map_response(mapped) == natpmp.Granted(4001, 4002, 3600)
    refused = struct.pack("!BBHIHHI", 0, 130, 2, 99, 4001, 0, 0)
    with pytest.raises(natpmp.NatPmpError, match="refused"):
        natpmp.decode_map_response(refused)
    for bad in (b"", b"\x00", answer[:10], mapped[:12], b"\x01\x80\x00\x00" + bytes(8),
                answer.replace(b"\x80", b"\x82", 1)):
        with pytest.raises(natpmp.NatPmpError):
            natpmp.decode_address_response(bad)


def test_default_gateway_from_the_route_table() -> None:
    table = ["Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT",
             "eth0 0001A8C0 00000000 0001 0 0 0 00FFFFFF 0 0 0",
             "eth0 00000000 0101A8C0 0003 0 0 0 00000000 0 0 0"]
    assert natpmp.gateway_from_route_table(table[1:]) == "192.168.1.1"
    assert natpmp.gateway_from_route_table(table[1:2]) is None


def test_natpmp_exchange_resends_until_answered_then_gives_up() -> None:
    run(_natpmp_exchange)


async def _natpmp_exchange() -> None:
    server = trio.socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    await server.bind(("127.0.0.1", 0))
    port = server.getsockname()[1]
    seen = []

    async def answer_the_second() -> None:
        for n in range(2):
            data, source = await server.recvfrom(64)
            seen.append(data)
            if n == 1:
                await server.sendto(struct.pack("!BBHI4s", 0, 128, 0, 1,
                                                socket.inet_aton("198.51.100.7")), source)

    with server:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(answer_the_second)
            got = await natpmp.exchange("127.0.0.1", b"\x00\x00", port=port,
                                        first_wait=0.05)
        assert natpmp.decode_address_response(got) == "198.51.100.7"
        assert seen == [b"\x00\x00", b"\x00\x00"]
        with pytest.raises(TimeoutError):  # nobody answers now: three tries, then no
            await natpmp.exchange("127.0.0.1", b"\x00\x00", port=port, first_wait=0.01)


# --- the mapper against fake methods ---------------------------------------------------


class FakeMethod:
    def __init__(self, name: str, external_ip: str = "198.51.100.7",
                 lifetime: int = 120) -> None:
        self.name = name
        self.external_ip, self.lifetime = external_ip, lifetime
        self.working = True
        self.calls: list[tuple[str, float]] = []
        self.looks: list[float] = []
        self.removed: list[Mapping] = []

    async def map(self, internal_port: int, external_port: int, lease: int) -> Mapping:
        self.calls.append(("map", trio.current_time()))
        if not self.working:
            raise MappingError(f"{self.name}: no answer")
        return Mapping(self.name, self.external_ip, external_port, internal_port,
                       self.lifetime)

    async def unmap(self, mapping: Mapping) -> None:
        self.removed.append(mapping)

    async def address(self) -> str:
        self.looks.append(trio.current_time())
        if not self.working:
            raise MappingError(f"{self.name}: no answer")
        return self.external_ip


def test_maps_renews_and_removes_on_exit() -> None:
    on_mock_clock(_test_maps_renews_and_removes_on_exit)


async def _test_maps_renews_and_removes_on_exit() -> None:
    upnp, pmp = FakeMethod("upnp"), FakeMethod("natpmp")
    upnp.working = False
    changes = []
    mapper = PortMapper(4001, methods=[upnp, pmp], on_change=lambda: changes.append(1))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(mapper.run)
        await trio.sleep(1)
        assert mapper.addrs() == ["/ip4/198.51.100.7/tcp/4001"] and len(changes) == 1
        await trio.sleep(60 * 10)  # renewed every 60 s, by the method that worked
        assert len(pmp.calls) == 11 and len(upnp.calls) == 1 and len(changes) == 1
        nursery.cancel_scope.cancel()
    assert pmp.removed == [Mapping("natpmp", "198.51.100.7", 4001, 4001, 120)]
    assert mapper.addrs() == []


def test_a_lost_router_drops_the_address() -> None:
    on_mock_clock(_test_a_lost_router_drops_the_address)


async def _test_a_lost_router_drops_the_address() -> None:
    upnp = FakeMethod("upnp", lifetime=100)
    changes = []
    mapper = PortMapper(4001, methods=[upnp], on_change=lambda: changes.append(1))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(mapper.run)
        await trio.sleep(1)
        assert mapper.addrs()
        upnp.working = False
        await trio.sleep(100)  # renewals at 50, 75, 87.5...: all fail, the lease ends
        assert mapper.addrs() == [] and len(changes) == 2
        upnp.working = True
        await trio.sleep(RETRY[-1] + 1)
        assert mapper.addrs() and len(changes) == 3
        nursery.cancel_scope.cancel()


def test_a_home_without_a_router_says_one_line(caplog: pytest.LogCaptureFixture) -> None:
    on_mock_clock(_test_a_home_without_a_router_says_one_line, caplog)


async def _test_a_home_without_a_router_says_one_line(caplog: pytest.LogCaptureFixture) -> None:
    methods = [FakeMethod("upnp"), FakeMethod("natpmp")]
    for m in methods:
        m.working = False
    mapper = PortMapper(4001, methods=methods)
    with caplog.at_level(logging.DEBUG, logger="p2psocial.net.portmap"):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(mapper.run)
            await trio.sleep(3600 * 3)
            nursery.cancel_scope.cancel()
    infos = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert len(infos) == 1 and "no router answered" in infos[0].getMessage(), infos
    assert len(methods[0].calls) > 10  # it kept trying, quietly
    assert mapper.addrs() == []


def test_a_mapping_behind_a_second_nat_is_not_announced(
        caplog: pytest.LogCaptureFixture) -> None:
    on_mock_clock(_test_a_mapping_behind_a_second_nat_is_not_announced, caplog)


async def _test_a_mapping_behind_a_second_nat_is_not_announced(
        caplog: pytest.LogCaptureFixture) -> None:
    mapper = PortMapper(4001, methods=[FakeMethod("upnp", external_ip="100.64.0.9")])
    with caplog.at_level(logging.INFO, logger="p2psocial.net.portmap"):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(mapper.run)
            await trio.sleep(1000)
            assert mapper.mapping() is not None and mapper.addrs() == []
            nursery.cancel_scope.cancel()
    assert sum("second NAT" in r.getMessage() for r in caplog.records) == 1


def test_a_hanging_router_is_bounded() -> None:
    on_mock_clock(_test_a_hanging_router_is_bounded)


async def _test_a_hanging_router_is_bounded() -> None:
    class Hanging(FakeMethod):
        async def map(self, internal_port: int, external_port: int, lease: int) -> Mapping:
            self.calls.append(("map", trio.current_time()))
            await trio.sleep_forever()
            raise AssertionError

        async def unmap(self, mapping: Mapping) -> None:
            await trio.sleep_forever()

    hanging = Hanging("upnp")
    mapper = PortMapper(4001, methods=[hanging])
    async with trio.open_nursery() as nursery:
        nursery.start_soon(mapper.run)
        await trio.sleep(120)
        assert [t for _, t in hanging.calls] == [0.0, 12.0 + RETRY[0], 24.0 + RETRY[0]
                                                 + RETRY[1]]
        nursery.cancel_scope.cancel()


def test_a_renumbered_router_is_noticed_between_renewals() -> None:
    on_mock_clock(_a_renumbered_router_is_noticed_between_renewals)


async def _a_renumbered_router_is_noticed_between_renewals() -> None:
    upnp = FakeMethod("upnp", lifetime=3600)
    changes: list[float] = []
    mapper = PortMapper(4001, methods=[upnp],
                        on_change=lambda: changes.append(trio.current_time()))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(mapper.run)
        await trio.sleep(35)
        assert len(upnp.calls) == 1 and upnp.looks == [10.0, 20.0, 30.0]
        upnp.external_ip = "198.51.100.8"  # the provider renumbers the line at 35 s
        await trio.sleep(10)
        assert mapper.addrs() == ["/ip4/198.51.100.8/tcp/4001"]
        assert [t for _, t in upnp.calls] == [0.0, 40.0] and changes == [0.0, 40.0]
        nursery.cancel_scope.cancel()


def test_refresh_asks_at_once() -> None:
    on_mock_clock(_refresh_asks_at_once)


async def _refresh_asks_at_once() -> None:
    upnp = FakeMethod("upnp", lifetime=3600)
    mapper = PortMapper(4001, methods=[upnp])
    async with trio.open_nursery() as nursery:
        nursery.start_soon(mapper.run)
        await trio.sleep(10)
        assert len(upnp.calls) == 1
        upnp.external_ip = "198.51.100.8"  # renumbered
        mapper.refresh()
        await trio.sleep(0.5)
        assert [t for _, t in upnp.calls] == [0.0, 10.0]
        assert mapper.addrs() == ["/ip4/198.51.100.8/tcp/4001"]
        nursery.cancel_scope.cancel()


def test_serve_maps_by_default_and_can_be_told_not_to() -> None:
    from p2psocial.cli.parser import build_parser
    from p2psocial.settings import Settings

    assert build_parser().parse_args(["serve"]).no_port_mapping is False
    assert build_parser().parse_args(["serve", "--no-port-mapping"]).no_port_mapping is True
    assert Settings().port_mapping is True
