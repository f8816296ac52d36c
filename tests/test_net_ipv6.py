"""IPv6 and Happy Eyeballs with real hosts on ::1 and 127.0.0.1, a real ``serve
--listen ::1``, and the pure parts: which IPv6 addresses we give out
(net/addresses.py), and what libp2p's remote address fix reads (net/ipv6_compat.py).

Every host scenario runs under ``trio.fail_after`` and waits for conditions.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest
import trio
from libp2p.identity.identify.pb.identify_pb2 import Identify
from libp2p.network.stream.exceptions import StreamEOF
from libp2p.network.swarm import Swarm
from libp2p.utils.varint import decode_varint_with_size

from p2psocial.net import addresses
from p2psocial.net.addresses import Interface, lan_ips, local_networks, parse_if_inet6, ranked
from p2psocial.net.dial_order import STAGGER
from p2psocial.net.discovery import _service_info, parse_service_info
from p2psocial.net.framing import read_frame, write_frame
from p2psocial.net.host import (
    DIAL_MAX,
    DIAL_TIMEOUT,
    DialFailed,
    Host,
    ListenFailed,
    Multiaddr,
    open_host,
)
from p2psocial.net.ipv6_compat import endpoint_of
from p2psocial.net.service import advertised_addrs
from tests.clikit import cli_env, ok
from tests.clikit import run as run_cli
from tests.netkit import CAP, PROTO, echo, seed
from tests.waitkit import eventually
from tests.waitkit import run as bounded_run

TIMEOUT = 15.0
V6_ONLY = "::1"
BOTH = ("127.0.0.1", "::1")


run = partial(bounded_run, timeout=TIMEOUT)  # tests/waitkit.py, bounded here by TIMEOUT


def swarm(host: Host) -> Swarm:
    network = host.libp2p_host.get_network()
    assert isinstance(network, Swarm)
    return network


def links_to(host: Host, other: Host) -> list[str | None]:
    return [link.ip for link in host.connections() if link.peer == other.device_id]


def port_of(addr: Multiaddr) -> int:
    return int(addr.value_for_protocol("tcp"))


# --- libp2p's IPv6 remote address (ipv6_compat.py) ---------------------------------------


def test_endpoint_of_reads_both_families() -> None:
    assert endpoint_of(("192.0.2.1", 4001)) == ("192.0.2.1", 4001)
    assert endpoint_of(("2001:db8::1", 4001, 0, 0)) == ("2001:db8::1", 4001)
    assert endpoint_of(("fe80::1%eth0", 4001, 0, 2)) == ("fe80::1", 4001)
    assert endpoint_of(("::ffff:192.0.2.1", 4001, 0, 0)) == ("192.0.2.1", 4001)
    assert endpoint_of("/run/some.sock") is None
    assert endpoint_of(("not an ip", 1)) is None


def tcp_socket(conn: object) -> trio.socket.SocketType:
    """The TCP socket under a libp2p connection (yamux, Noise, raw connection, Trio
    stream: the attribute names differ at each layer)."""
    layers = [conn]
    for _ in range(8):
        found = []
        for layer in layers:
            sock = getattr(layer, "socket", None)
            if isinstance(sock, trio.socket.SocketType):
                return sock
            found += [getattr(layer, name) for name in (
                "muxed_conn", "secured_conn", "conn", "read_writer", "read_write_closer",
                "stream") if getattr(layer, name, None) is not None]
        layers = found
    raise AssertionError("no socket found under the connection")


async def identify_observed(dialer: Host, target: Host) -> Multiaddr:
    """What ``target``'s identify tells ``dialer`` it sees as its address."""
    stream = await dialer.open_stream(target.peer_id, target.listen_addrs, "/ipfs/id/1.0.0")
    data = b""
    try:
        while chunk := await stream.read(4096):
            data += chunk
    except StreamEOF:
        pass
    await stream.close()
    length, used = decode_varint_with_size(data)  # the length in front
    message = Identify()
    message.ParseFromString(data[used:used + length])
    return Multiaddr(message.observed_addr)


def test_an_ipv6_only_host_is_reached_over_ipv6_and_both_ends_know_the_address() -> None:
    async def scenario() -> None:
        async with open_host(seed(60), ip=V6_ONLY) as a, open_host(seed(61), ip=V6_ONLY) as b:
            assert [str(x).split("/")[:3] for x in a.listen_addrs] == [["", "ip6", "::1"]]
            a.set_handler(PROTO, echo)
            stream = await b.open_stream(a.peer_id, a.listen_addrs, PROTO)
            await write_frame(stream, b"over IPv6")
            assert await read_frame(stream, CAP) == b"over IPv6"
            assert stream.get_remote_address() == ("::1", port_of(a.listen_addrs[0]))
            await stream.close()
            # both ends have the remote IP (py-libp2p alone has None on IPv6)
            assert links_to(b, a) == ["::1"] and links_to(a, b) == ["::1"]
            # identify tells b the address a sees it at: ::1 and b's real source port
            [conn] = swarm(b).get_connections(a.peer_id)
            source = tcp_socket(conn).getsockname()  # from the kernel, not from libp2p
            observed = await identify_observed(b, a)
            assert str(observed) == f"/ip6/::1/tcp/{source[1]}"
            [seen_by_a] = swarm(a).get_connections(b.peer_id)[0].get_transport_addresses()
            assert str(seen_by_a) == str(observed)

    run(scenario)


def test_one_host_listens_on_both_families_on_one_port() -> None:
    async def scenario() -> None:
        async with open_host(seed(62), ip=BOTH) as a, \
                open_host(seed(63)) as v4, open_host(seed(64), ip=V6_ONLY) as v6:
            four, six = a.listen_addrs
            assert str(four).startswith("/ip4/127.0.0.1/") and str(six).startswith("/ip6/::1/")
            assert port_of(four) == port_of(six)
            await v4.connect(a.peer_id, [four])
            await v6.connect(a.peer_id, [six])
            await eventually(lambda: len(a.connections()) == 2)
            assert links_to(a, v4) == ["127.0.0.1"] and links_to(a, v6) == ["::1"]

    run(scenario)


def test_a_port_taken_in_either_family_is_one_line() -> None:
    async def scenario() -> None:
        for family, ip in ((socket.AF_INET6, "::1"), (socket.AF_INET, "127.0.0.1")):
            with socket.socket(family, socket.SOCK_STREAM) as taken:
                taken.bind((ip, 0))
                taken.listen()
                port = taken.getsockname()[1]
                with pytest.raises(ListenFailed) as info:
                    async with open_host(seed(65), port=port, ip=BOTH):
                        pass  # pragma: no cover
                assert str(info.value) == (
                    f"cannot listen on {addresses.multiaddr(ip, port)}: the port is in use "
                    "(another program, or another p2psocial, has it: choose another port)")
        # a wildcard after the first whose port is taken is left out (the app, whose
        # port was saved, still starts on IPv4): here "::" (which is never bound)
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as taken:
            taken.bind(("::1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            async with open_host(seed(65), port=port, ip=("127.0.0.1", "::")) as host:
                assert [str(x) for x in host.listen_addrs] == [f"/ip4/127.0.0.1/tcp/{port}"]
        # IPv6 listeners are IPv6-only: an IPv4 listener on the port is no obstacle
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            async with open_host(seed(66), port=port, ip=V6_ONLY) as host:
                assert [port_of(x) for x in host.listen_addrs] == [port]
        for bad in ("localhost", "::1::", "300.1.1.1"):
            with pytest.raises(ListenFailed, match="not an IPv4 or IPv6 address"):
                async with open_host(seed(67), ip=bad):
                    pass  # pragma: no cover

    run(scenario)


# --- Happy Eyeballs with real hosts -----------------------------------------------------


def test_a_silent_first_address_costs_about_the_stagger_not_a_timeout() -> None:
    """The first address accepts TCP (the kernel does, from the backlog) and never
    says a word: without Happy Eyeballs the dial would wait ``DIAL_TIMEOUT`` there."""

    async def scenario() -> None:
        silent = trio.socket.socket(trio.socket.AF_INET6, trio.socket.SOCK_STREAM)
        await silent.bind(("::1", 0))
        silent.listen(8)
        dead = Multiaddr(f"/ip6/::1/tcp/{silent.getsockname()[1]}")
        async with open_host(seed(68), ip=BOTH) as a, open_host(seed(69)) as b:
            begun = trio.current_time()
            await b.connect(a.peer_id, [dead, *a.listen_addrs])
            took = trio.current_time() - begun
            assert took < STAGGER + 1.5 < DIAL_TIMEOUT, took
            assert len(swarm(b).get_connections(a.peer_id)) == 1
            # the losing dial was cancelled and its socket closed: EOF after its hello
            accepted, _ = await silent.accept()
            with accepted:
                while await accepted.recv(4096):
                    pass
        silent.close()

    run(scenario)


def test_addresses_racing_at_once_leave_one_connection() -> None:
    async def scenario() -> None:
        async with open_host(seed(70), ip=BOTH) as a, open_host(seed(71), ip=BOTH) as b:
            b.stagger = 0.0  # every address at once: the finish must still be single
            for _ in range(5):
                await b.connect(a.peer_id, [*a.listen_addrs, *reversed(a.listen_addrs)])
                assert len(swarm(b).get_connections(a.peer_id)) == 1
                await eventually(lambda: len(links_to(a, b)) == 1)
                await b.disconnect(a.peer_id)
                await eventually(lambda: not links_to(a, b))

    run(scenario)


def test_every_address_failing_lists_every_reason() -> None:
    async def scenario() -> None:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as closed6, \
                socket.socket(socket.AF_INET, socket.SOCK_STREAM) as closed4:
            closed6.bind(("::1", 0))
            closed4.bind(("127.0.0.1", 0))  # bound, not listening: refused
            dead = [Multiaddr(f"/ip6/::1/tcp/{closed6.getsockname()[1]}"),
                    Multiaddr(f"/ip4/127.0.0.1/tcp/{closed4.getsockname()[1]}")]
            async with open_host(seed(72)) as a, open_host(seed(73)) as b:
                with pytest.raises(DialFailed) as info:
                    await b.connect(a.peer_id, dead)
                assert str(info.value) == (f"cannot connect to {a.peer_id}: {dead[0]}: "
                                           f"Connection refused; {dead[1]}: Connection refused")

    run(scenario)


def test_a_dial_tries_at_most_dial_max_addresses() -> None:
    """A peer (or an invite) naming many addresses costs at most DIAL_MAX sockets."""

    async def scenario() -> None:
        with contextlib.ExitStack() as stack:
            dead = []
            for _ in range(DIAL_MAX + 4):  # bound, not listening: each refused at once
                sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
                sock.bind(("127.0.0.1", 0))
                dead.append(Multiaddr(f"/ip4/127.0.0.1/tcp/{sock.getsockname()[1]}"))
            async with open_host(seed(74)) as a, open_host(seed(75)) as b:
                with pytest.raises(DialFailed) as info:
                    await b.connect(a.peer_id, dead)
                text = str(info.value)
                assert text.count("Connection refused") == DIAL_MAX, text
                assert text.endswith("; 4 more addresses not tried"), text
                assert str(dead[DIAL_MAX]) not in text

    run(scenario)


# --- which addresses we give out -----------------------------------------------------------


def iface(name: str, ip: str, *flags: str, prefix: int | None = None) -> Interface:
    return Interface(name, ipaddress.ip_address(ip), frozenset(flags), prefix)


HOME = [iface("lo", "127.0.0.1", "loopback", prefix=8), iface("lo", "::1", "loopback"),
        iface("wlan0", "192.168.1.7", prefix=24),
        iface("wlan0", "2a01:4f8::a1", "temporary", prefix=64),
        iface("wlan0", "2a01:4f8::a0", "deprecated", "temporary", prefix=64),
        iface("wlan0", "2a01:4f8::5", prefix=64),  # the stable one (EUI-64 or RFC 7217)
        iface("wlan0", "fd00:1::5", prefix=64), iface("wlan0", "fe80::5", prefix=64),
        iface("wg0", "2a01:4f9::9", "pointopoint")]


def test_invites_carry_the_stable_global_ipv6_address_and_keep_the_lan_one() -> None:
    assert ranked(HOME, 4001) == ["/ip6/2a01:4f8::5/tcp/4001", "/ip4/192.168.1.7/tcp/4001",
                                  "/ip6/fd00:1::5/tcp/4001"]
    assert ranked(HOME, 4001, versions=[4]) == ["/ip4/192.168.1.7/tcp/4001"]
    # only temporary addresses: the least short-lived one
    temporary = [i for i in HOME if "temporary" in i.flags]
    assert ranked(temporary, 1) == ["/ip6/2a01:4f8::a1/tcp/1", "/ip6/2a01:4f8::a0/tcp/1"]
    # many global IPv6 prefixes cannot push the LAN address out of DIRECT_MAX
    many = [iface("eth0", f"2a01:4f8:{n}::5") for n in range(8)] + [HOME[2]]
    assert "/ip4/192.168.1.7/tcp/1" in ranked(many, 1)
    assert len(ranked(many, 1)) == addresses.DIRECT_MAX
    assert lan_ips(HOME) == ["192.168.1.7", "2a01:4f8::5"]
    assert lan_ips([iface("eth0", "2a01:4f8::a1", "dadfailed")]) == []


def test_linux_address_flags_and_on_link_networks() -> None:
    text = ("2a0104f8000000000000000000000a1 03 40 00 01   wlan0\n"  # malformed: 31 digits
            "2a0104f80000000000000000000000a1 03 40 00 01     wlan0\n"
            "2a0104f80000000000000000000000a0 03 40 00 21     wlan0\n"
            "2a0104f8000000000000000000000005 03 40 00 80     wlan0\n"
            "fd000000000000000000000000000002 04 40 00 88     eth0\n")
    flags = parse_if_inet6(text)
    assert flags[ipaddress.ip_address("2a01:4f8::a1")] == {"temporary"}
    assert flags[ipaddress.ip_address("2a01:4f8::a0")] == {"temporary", "deprecated"}
    assert flags[ipaddress.ip_address("2a01:4f8::5")] == frozenset()
    assert flags[ipaddress.ip_address("fd00::2")] == {"dadfailed"}
    assert len(flags) == 4
    assert local_networks(HOME) == [ipaddress.ip_network(n) for n in (
        "127.0.0.0/8", "192.168.1.0/24", "fd00:1::/64", "fe80::/64")]


def test_listening_everywhere_advertises_each_family_we_listen_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(addresses, "local_interfaces", lambda: HOME)
    both = [Multiaddr("/ip4/0.0.0.0/tcp/4001"), Multiaddr("/ip6/::/tcp/4001")]
    assert advertised_addrs(both) == ranked(HOME, 4001)
    assert advertised_addrs(both[:1]) == ["/ip4/192.168.1.7/tcp/4001"]  # no IPv6 here
    assert advertised_addrs([Multiaddr("/ip6/::1/tcp/5")]) == ["/ip6/::1/tcp/5"]


def test_lan_announcements_carry_global_ipv6_but_no_link_local() -> None:
    info = _service_info("_p2psocial-test._udp.local.", bytes(32), None, 4001,
                         ["192.168.1.7", "2a01:4f8::5", "fe80::5"], 120)
    parsed = parse_service_info(info)
    assert parsed is not None
    assert parsed[1] == ("/ip4/192.168.1.7/tcp/4001", "/ip6/2a01:4f8::5/tcp/4001")


# --- serve --listen ----------------------------------------------------------------------


def test_serve_listens_on_ipv6_alone_and_a_peer_syncs_over_it(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    ok(a, "init", "--name", "Alice")
    ok(b, "init", "--name", "Bob")
    ok(a, "post", "posted over IPv6")
    proc = subprocess.Popen(
        [sys.executable, "-m", "p2psocial", "--home", str(a), "serve", "--listen", "::1",
         "--no-lan"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, encoding="utf-8", env=cli_env())
    try:
        assert proc.stdout is not None
        lines, code = [], None
        deadline = time.monotonic() + 30
        while code is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
            if line.startswith("p2psinv1"):
                code = line.strip()
        assert code is not None, proc.stderr.read() if proc.stderr else lines
        listening = [x for x in lines if x.startswith("/ip")]
        assert listening and all(x.startswith("/ip6/::1/tcp/") for x in listening), lines
        ok(b, "join", code)
        summary = json.loads(ok(b, "sync", "--once", "--timeout", "10", "--json"))
        assert summary["reached"] == 1, summary
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "Traceback" not in err, err
    feed = json.loads(ok(b, "feed", "--json"))["items"]
    assert "posted over IPv6" in [p["text"] for p in feed]


def test_a_bad_listen_address_is_one_line(tmp_path: Path) -> None:
    done = run_cli(tmp_path / "a", "serve", "--listen", "localhost")
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        "p2psocial serve: error: argument --listen: 'localhost' is not an IPv4 or IPv6 "
        "address (for example 0.0.0.0, ::, 192.168.1.7 or ::1)")
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr.lower()
