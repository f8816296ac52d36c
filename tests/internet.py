"""A simulated internet for tests, made of network namespaces: homes behind NAT routers
(one may run a real miniupnpd), friends' boxes with public addresses, global IPv6.

    with internet(tmp_path) as net:
        friend = net.box("friend")                 # public IPv4 + IPv6
        alice = net.home("alice", upnp=True)       # NAT router with miniupnpd, 1 host
        bob = net.home("bob", upnp=False, hosts=2, ipv6=False)
        srv = alice.host.serve(tmp_path / "a")     # p2psocial serve in alice's host
        proc = bob.hosts[1].popen("upnpc", "-l")   # any command in a namespace
        alice.change_wan_address()                 # the ISP hands out a new address
        alice.change_ipv6_prefix()                 # ... or a new IPv6 prefix
        net.move(bob.hosts[1], alice)              # a laptop goes to alice's house

Layout (every name below lives in a namespace of this run, never in the root one)::

    core namespace: bridge "br0" = the internet, and its only router
        203.0.113.1/24 198.51.100.1/24 2001:db8::1/64, forwarding on
        203.0.113.2 and .3: the STUN responder (UDP 3478, 3479), for miniupnpd
        routes 2001:db8:<n>::/64 via home n's router
    box k:      203.0.113.<10+k>/24, 2001:db8::<10+k>/64  (default via the core)
    home n router: wan 198.51.100.<x>/24 (x from 11 up, new one on each change),
                   2001:db8::ff:<n>/64; lan bridge 192.168.<n>.1/24, 2001:db8:<p>::1/64
                   (p = n, then 1001 and up after ``change_ipv6_prefix``)
                   IPv4: masquerade out of wan, forward lan->wan and replies only
                   (iptables-legacy, like miniupnpd-iptables's libiptc); IPv6: routed,
                   no NAT, inbound open unless ``ipv6_firewall=True`` (then stateful)
    home n host i: 192.168.<n>.<10+i>/24, 2001:db8:<p>::<10+i>/64, on the lan bridge
                   (multicast on, a 224.0.0.0/4 route: mDNS and SSDP work on the LAN)

Only documentation ranges (RFC 5737, RFC 3849) and 192.168.0.0/16 are used, and they
exist only inside these namespaces, which have no link to the machine's own
interfaces: nothing can be routed off the machine. IPv6 addresses are added with
``nodad`` (usable at once).

Routers with ``upnp=True`` run ``miniupnpd`` (Debian ``miniupnpd-iptables``) with
UPnP-IGD and NAT-PMP/PCP on their LAN. miniupnpd calls a documentation-range WAN
address reserved and refuses to map on it unless STUN says the router is unfiltered:
``ext_perform_stun=yes`` against the responder in the core (``tests/stun_responder.py``)
passes that check, since the router's WAN address is its own (no NAT above it).

Every process started through a ``Host``/``Home`` (``popen``, ``serve``) is tracked and
stopped when the ``with`` block ends (also on failure): serves with SIGTERM first, then
the rest, miniupnpd and the STUN responder last; then every namespace is deleted.
Names carry a random tag per run (``p2pi-<tag>-...``), so runs never collide.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import pytest

from tests import waitkit
from tests.clikit import cli_env

WITHIN = 30.0  # generous bound for any one condition on a shared machine
T = TypeVar("T")

CORE_V4 = "203.0.113.1"  # boxes' gateway
CORE_WAN_V4 = "198.51.100.1"  # routers' gateway
CORE_V6 = "2001:db8::1"
STUN_IPS = ("203.0.113.2", "203.0.113.3")
STUN_PORTS = (3478, 3479)
STUN_SCRIPT = Path(__file__).resolve().parent / "stun_responder.py"


# --- small helpers, shared by every namespace test ------------------------------------


def needs(what: str) -> None:
    """Skip with ``what`` as the reason, except under CI, where a missing tool fails."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must have this: {what}")
    pytest.skip(what)


def require_netns() -> None:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        needs("needs root and iproute2 to build network namespaces")
    if subprocess.run(["ip", "netns", "list"], capture_output=True, timeout=10).returncode:
        needs("'ip netns' is not available here")


def require_tools(*tools: str) -> None:
    """Each of ``tools`` on PATH (with the Debian package that brings it in the reason)."""
    packages = {"iptables-legacy": "iptables", "ip6tables-legacy": "iptables",
                "miniupnpd": "miniupnpd-iptables", "upnpc": "miniupnpc",
                "conntrack": "conntrack"}
    for tool in tools:
        if shutil.which(tool) is None:
            needs(f"needs {tool} (Debian package {packages.get(tool, tool)})")


def ip(*args: str, ns: str | None = None) -> None:
    prefix = ["ip", "-n", ns] if ns else ["ip"]
    done = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=10)
    if done.returncode != 0:
        raise OSError(f"ip {' '.join(args)}: {done.stderr.strip()}")


def in_ns(ns: str, *cmd: str, timeout: float = 20) -> str:
    """Run ``cmd`` in namespace ``ns`` to its end; its stdout (fails on a non-zero exit)."""
    done = subprocess.run(["ip", "netns", "exec", ns, *cmd], capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise OSError(f"{' '.join(cmd)} in {ns}: {done.stderr.strip() or done.stdout}")
    return done.stdout


def sysctl(ns: str, **values: str) -> None:
    for key, value in values.items():
        path = Path("/proc/sys/net") / key.replace(".", "/")
        in_ns(ns, "sh", "-c", f"echo {value} > {path}")


def poll(check: Callable[[], T], what: str, logs: Iterable[Path | Serve] = (),
         within: float = WITHIN) -> T:
    """The first true value of ``check()`` within ``within`` seconds, else a failure that
    shows ``logs`` (files, or serves' logs)."""
    def shown() -> str:
        files = [x.log if isinstance(x, Serve) else x for x in logs]
        return "\n".join(f"--- {log.name}\n{log.read_text()}" for log in files if log.exists())

    return waitkit.poll(check, what, within=within, explain=shown)


# --- a p2psocial serve in a namespace -------------------------------------------------


class Serve:
    """A ``p2psocial serve`` in a namespace; its log (stderr) in a file next to its home.
    Returns once serve prints its invite (the control endpoint answers)."""

    def __init__(self, ns: str, home: Path, listen: str, *extra: str,
                 lan: bool = False) -> None:
        self.home, self.log = home, home.parent / f"{home.name}.log"
        self.printed = ""  # what it printed after its first invite, once stopped
        args = ["serve", "--listen", listen, *([] if lan else ["--no-lan"]), *extra]
        with self.log.open("w") as err:
            self.proc = subprocess.Popen(
                ["ip", "netns", "exec", ns, sys.executable, "-m", "p2psocial", "--home",
                 str(home), *args],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, text=True,
                encoding="utf-8", env=cli_env())
        assert self.proc.stdout is not None
        deadline = time.monotonic() + WITHIN
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if line.startswith("p2psinv1"):  # printed once the control endpoint answers
                self.code = line.strip()
                return
        self.proc.kill()
        self.proc.wait()
        raise AssertionError(f"serve did not start: {self.log.read_text()}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Stop with ``sig`` (SIGINT is Ctrl-C); its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.printed = self.proc.communicate(timeout=20)[0]
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.printed = self.proc.communicate()[0]
        return self.proc.returncode

    def status(self) -> dict:
        return json.loads((self.home / "serve.json").read_text())


def init_homes(root: Path, **names: str) -> dict[str, Path]:
    """``p2psocial init`` a home under ``root`` for each ``key="Name"``: {key: home}."""
    from tests.clikit import ok
    homes = {key: root / key for key in names}
    for key, name in names.items():
        ok(homes[key], "init", "--name", name)
    return homes


def account_of(home: Path) -> str:
    """The account id of ``home``, as the command line prints it."""
    from tests.clikit import ok
    return str(json.loads(ok(home, "whoami", "--json"))["account"])


# --- the topology ---------------------------------------------------------------------


@dataclass
class Host:
    """A machine: a namespace with one interface ``eth0``; in a home or on the internet."""

    net: Internet
    name: str
    ns: str
    ipv4: str | None
    ipv6: str | None
    home: Home | None = None

    def popen(self, *cmd: str, stdout: int | IO[Any] = subprocess.PIPE,
              stderr: int | IO[Any] = subprocess.STDOUT,
              env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """Start ``cmd`` here; stopped (SIGTERM, then SIGKILL) when the internet closes."""
        proc = subprocess.Popen(["ip", "netns", "exec", self.ns, *cmd],
                                stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                                text=True, env=env if env is not None else cli_env())
        self.net._procs.append(proc)
        return proc

    def run(self, *cmd: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """Run ``cmd`` here to its end (any exit code)."""
        return subprocess.run(["ip", "netns", "exec", self.ns, *cmd], capture_output=True,
                              text=True, timeout=timeout, env=cli_env())

    def python(self, code: str, *args: str, timeout: float = 30) -> str:
        """Run a Python snippet here; its stdout (fails on a non-zero exit)."""
        done = self.run(sys.executable, "-c", code, *args, timeout=timeout)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def serve(self, home: Path, *extra: str, listen: str = "0.0.0.0",
              lan: bool = False) -> Serve:
        """``p2psocial serve`` for ``home`` here; stopped first when the internet closes."""
        served = Serve(self.ns, home, listen, *extra, lan=lan)
        self.net._serves.append(served)
        return served

    def listen(self, port: int, ipv6: bool = False) -> Listener:
        """A TCP listener here on ``port`` (all addresses of one family) that reports
        who connects."""
        proc = self.popen(sys.executable, "-u", "-c", LISTEN, str(port), str(int(ipv6)))
        assert proc.stdout is not None and proc.stdout.readline().strip() == "listening"
        return Listener(proc)

    def connect(self, address: str, port: int, timeout: float = 3.0) -> str:
        """One TCP connect from here: "connected" or the errno name (ETIMEDOUT...)."""
        return self.python(CONNECT, address, str(port), str(timeout), timeout=timeout + 20)


LISTEN = """
import socket, sys
family = socket.AF_INET6 if sys.argv[2] == "1" else socket.AF_INET
s = socket.socket(family)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", int(sys.argv[1])))
s.listen()
print("listening")
while True:
    c, peer = s.accept()
    print(peer[0])
    c.close()
"""


class Listener:
    """A TCP listener in a namespace (``Host.listen``): the source address of each
    connection it accepted, in order."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc

    def next_peer(self) -> str:
        """The source address of the next connection accepted (call after a
        ``connect`` that answered "connected": the line is then on its way)."""
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()


CONNECT = """
import errno, socket, sys
family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(family)
s.settimeout(float(sys.argv[3]))
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print("connected")
except socket.timeout:
    print("ETIMEDOUT")
except OSError as exc:
    print(errno.errorcode.get(exc.errno, str(exc)))
"""


@dataclass
class Home:
    """A home: a NAT router (namespace ``router``) and the hosts on its LAN."""

    net: Internet
    name: str
    n: int  # the LAN is 192.168.<n>.0/24 and (until renumbered) 2001:db8:<n>::/64
    router: str
    upnp: bool
    ipv4: bool
    ipv6: bool
    wan_ipv4: str | None = None
    wan_ipv6: str | None = None
    hosts: list[Host] = field(default_factory=list)
    miniupnpd: subprocess.Popen[str] | None = None
    v6_prefix: int = 0  # the LAN's IPv6 prefix is 2001:db8:<v6_prefix>::/64
    _next_host: int = 0

    @property
    def host(self) -> Host:
        return self.hosts[0]

    @property
    def lan_ipv4(self) -> str:
        return f"192.168.{self.n}.1"

    @property
    def lan_ipv6(self) -> str:
        return f"2001:db8:{self.v6_prefix}::1"

    @property
    def miniupnpd_log(self) -> Path:
        return self.net.workdir / f"miniupnpd-{self.name}.log"

    def change_wan_address(self) -> str:
        """The ISP gives the router a new IPv4 address (connections through the old one
        die; miniupnpd restarts on the new one, keeping its lease file). The new one."""
        assert self.ipv4 and self.wan_ipv4
        new = self.net._public_wan()
        ip("addr", "del", f"{self.wan_ipv4}/24", "dev", "wan", ns=self.router)
        ip("addr", "add", f"{new}/24", "dev", "wan", ns=self.router)
        ip("route", "replace", "default", "via", CORE_WAN_V4, ns=self.router)
        # whoever shares the WAN bridge forgets where the old address was (the core, the
        # other routers: one /24): else their neighbour caches keep delivering it to
        # this router, whose port mappings (DNAT on the interface, whatever the
        # address) keep connections to the old address alive, which no provider does
        # once it has given the line another address
        for ns in [self.net.core, *(h.router for h in self.net.homes if h is not self)]:
            ip("neigh", "flush", "to", self.wan_ipv4, ns=ns)
        with suppress(OSError):  # an empty table answers non-zero on some versions
            in_ns(self.router, "conntrack", "-F")
        self.wan_ipv4 = new
        if self.upnp:
            self.net._stop(self.miniupnpd)
            self._start_miniupnpd()
        return new

    def change_ipv6_prefix(self) -> str:
        """The ISP delegates a new IPv6 prefix: the router and every host on the LAN
        renumber (the old addresses are gone, connections over them die); the new
        prefix, as "2001:db8:<p>::/64"."""
        assert self.ipv6
        old, new = self.v6_prefix, self.net._new_v6_prefix()
        ip("-6", "route", "del", f"2001:db8:{old}::/64", ns=self.net.core)
        ip("addr", "del", f"{self.lan_ipv6}/64", "dev", "lan", ns=self.router)
        self.v6_prefix = new
        ip("addr", "add", f"{self.lan_ipv6}/64", "dev", "lan", "nodad", ns=self.router)
        ip("-6", "route", "add", f"2001:db8:{new}::/64", "via", self.wan_ipv6 or "",
           ns=self.net.core)
        for host in self.hosts:
            assert host.ipv6 is not None
            suffix = host.ipv6.rsplit("::", 1)[1]
            ip("addr", "del", f"{host.ipv6}/64", "dev", "eth0", ns=host.ns)
            host.ipv6 = f"2001:db8:{new}::{suffix}"
            ip("addr", "add", f"{host.ipv6}/64", "dev", "eth0", "nodad", ns=host.ns)
            ip("-6", "route", "replace", "default", "via", self.lan_ipv6, ns=host.ns)
        return f"2001:db8:{new}::/64"

    def _start_miniupnpd(self) -> None:
        work = self.net.workdir
        conf = work / f"miniupnpd-{self.name}.conf"
        conf.write_text("\n".join([
            "ext_ifname=wan",
            "listening_ip=lan",
            "http_port=0",
            "enable_upnp=yes",
            "enable_natpmp=yes",  # NAT-PMP and PCP (one port, 5351)
            "ext_perform_stun=yes",
            f"ext_stun_host={STUN_IPS[0]}",
            f"ext_stun_port={STUN_PORTS[0]}",
            "ipv6_disable=yes",
            "secure_mode=yes",
            "system_uptime=yes",
            "notify_interval=60",
            "clean_ruleset_interval=600",
            f"lease_file={work / f'miniupnpd-{self.name}.leases'}",
            f"uuid={_uuid()}",
            f"allow 1024-65535 192.168.{self.n}.0/24 1024-65535",
            "deny 0-65535 0.0.0.0/0 0-65535",
            "",
        ]))
        log = self.miniupnpd_log.open("a")
        self.miniupnpd = subprocess.Popen(
            ["ip", "netns", "exec", self.router, "miniupnpd", "-d", "-f", str(conf),
             "-P", str(work / f"miniupnpd-{self.name}.pid")],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, text=True)
        log.close()
        self.net._daemons.append(self.miniupnpd)

        def listening() -> bool:
            out = in_ns(self.router, "ss", "-Hlnu", "sport", "=", "5351")
            return "5351" in out

        poll(listening, f"miniupnpd of {self.name} listens", [self.miniupnpd_log])


def _mac() -> str:
    """A random locally administered unicast MAC address."""
    return "02:" + ":".join(secrets.token_hex(1) for _ in range(5))


def _uuid() -> str:
    h = secrets.token_hex(16)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


ROUTER_RULES = """*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:MINIUPNPD - [0:0]
-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A FORWARD -i lan -o lan -j ACCEPT
-A FORWARD -i lan -o wan -j ACCEPT
-A FORWARD -i wan ! -o wan -j MINIUPNPD
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:MINIUPNPD - [0:0]
:MINIUPNPD-POSTROUTING - [0:0]
-A PREROUTING -i wan -j MINIUPNPD
-A POSTROUTING -o wan -j MINIUPNPD-POSTROUTING
-A POSTROUTING -o wan -j MASQUERADE
COMMIT
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:MINIUPNPD - [0:0]
-A PREROUTING -i wan -j MINIUPNPD
COMMIT
"""
"""A home router: NAT out, nothing in but replies and what miniupnpd maps (its chains,
as Debian's iptables_init.sh makes them; empty and harmless without miniupnpd). The
lan->lan rule is for frames between LAN hosts, which cross FORWARD where the machine
has br_netfilter loaded."""

ROUTER_RULES_V6_FIREWALL = """*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A FORWARD -i lan -o lan -j ACCEPT
-A FORWARD -i lan -o wan -j ACCEPT
-A FORWARD -p ipv6-icmp -j ACCEPT
COMMIT
"""


class Internet:
    """The namespaces of one run; made by ``internet()``."""

    def __init__(self, workdir: Path) -> None:
        self.tag = secrets.token_hex(3)
        self.workdir = workdir
        self.core = f"p2pi-{self.tag}-core"
        self.boxes: list[Host] = []
        self.homes: list[Home] = []
        self.namespaces: list[str] = []
        self.stun: subprocess.Popen[str] | None = None
        self._serves: list[Serve] = []
        self._procs: list[subprocess.Popen[str]] = []
        self._daemons: list[subprocess.Popen[str]] = []
        self._wan_counter = 10
        self._v6_counter = 1000  # renumbered prefixes: 2001:db8:1001::/64 and up

    # -- building

    def _namespace(self, role: str) -> str:
        ns = f"p2pi-{self.tag}-{role}"
        ip("netns", "add", ns)
        self.namespaces.append(ns)
        ip("link", "set", "lo", "up", ns=ns)
        # a new namespace may inherit the root one's settings: say every one we rely on
        sysctl(ns, **{"ipv4.ip_forward": "0", "ipv6.conf.all.forwarding": "0",
                      "ipv6.conf.default.accept_ra": "0", "ipv6.conf.all.accept_ra": "0"})
        return ns

    def _link_to_core(self, core_end: str) -> None:
        """Put a veth end that is already in the core into the internet's bridge."""
        ip("link", "set", core_end, "master", "br0", ns=self.core)
        ip("link", "set", core_end, "up", ns=self.core)

    def _build_core(self) -> None:
        self._namespace("core")
        ns = self.core
        # a bridge without an address of its own takes its ports' lowest: a port added
        # later could change it under its neighbours' caches
        ip("link", "add", "br0", "address", _mac(), "type", "bridge", ns=ns)
        for addr in (f"{CORE_V4}/24", f"{STUN_IPS[0]}/24", f"{STUN_IPS[1]}/24",
                     f"{CORE_WAN_V4}/24"):
            ip("addr", "add", addr, "dev", "br0", ns=ns)
        ip("addr", "add", f"{CORE_V6}/64", "dev", "br0", "nodad", ns=ns)
        ip("link", "set", "br0", "up", ns=ns)
        sysctl(ns, **{"ipv4.ip_forward": "1", "ipv6.conf.all.forwarding": "1"})
        # the core only relays between its own subnets: no ICMP redirects to confuse them
        sysctl(ns, **{"ipv4.conf.all.send_redirects": "0",
                      "ipv4.conf.br0.send_redirects": "0"})

    def _start_stun(self) -> None:
        log = (self.workdir / "stun.log").open("w")
        self.stun = subprocess.Popen(
            ["ip", "netns", "exec", self.core, sys.executable, str(STUN_SCRIPT),
             *STUN_IPS, *map(str, STUN_PORTS)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, text=True)
        log.close()
        self._daemons.append(self.stun)
        assert self.stun.stdout is not None
        assert self.stun.stdout.readline().strip() == "ready", "the STUN responder failed"

    def _new_v6_prefix(self) -> int:
        self._v6_counter += 1
        return self._v6_counter

    def _public_wan(self) -> str:
        self._wan_counter += 1
        assert self._wan_counter < 250
        return f"198.51.100.{self._wan_counter}"

    def box(self, name: str = "friend", ipv6: bool = True) -> Host:
        """A machine with a public IPv4 (and IPv6) address, straight on the internet."""
        k = len(self.boxes) + 1
        ns = self._namespace(f"box{k}")
        v4, v6 = f"203.0.113.{10 + k}", f"2001:db8::{10 + k}" if ipv6 else None
        ip("link", "add", "eth0", "type", "veth", "peer", "name", f"b{k}", "netns",
           self.core, ns=ns)
        self._link_to_core(f"b{k}")
        ip("addr", "add", f"{v4}/24", "dev", "eth0", ns=ns)
        if v6:
            ip("addr", "add", f"{v6}/64", "dev", "eth0", "nodad", ns=ns)
        ip("link", "set", "eth0", "up", ns=ns)
        ip("route", "add", "default", "via", CORE_V4, ns=ns)
        if v6:
            ip("-6", "route", "add", "default", "via", CORE_V6, ns=ns)
        host = Host(self, name, ns, v4, v6)
        self.boxes.append(host)
        return host

    def home(self, name: str, *, upnp: bool = False, hosts: int = 1, ipv4: bool = True,
             ipv6: bool = True, ipv6_firewall: bool = False) -> Home:
        """A home router with NAT and ``hosts`` hosts on its LAN. ``upnp`` runs miniupnpd
        (UPnP-IGD, NAT-PMP, PCP); ``ipv4=False`` gives the router no IPv4 uplink (an
        IPv6-only line); ``ipv6=False`` no global IPv6 at all; ``ipv6_firewall`` lets in
        only replies over IPv6 (the default routes IPv6 both ways, like many ISPs' boxes)."""
        if upnp:
            require_tools("miniupnpd")
        n = len(self.homes) + 1
        router = self._namespace(f"r{n}")
        home = Home(self, name, n, router, upnp, ipv4, ipv6, v6_prefix=n)
        ip("link", "add", "wan", "type", "veth", "peer", "name", f"h{n}", "netns", self.core,
           ns=router)
        self._link_to_core(f"h{n}")
        ip("link", "add", "lan", "address", _mac(), "type", "bridge", ns=router)
        ip("link", "set", "lan", "type", "bridge", "mcast_snooping", "0", ns=router)
        ip("addr", "add", f"{home.lan_ipv4}/24", "dev", "lan", ns=router)
        if ipv4:
            home.wan_ipv4 = self._public_wan()
            ip("addr", "add", f"{home.wan_ipv4}/24", "dev", "wan", ns=router)
        if ipv6:
            home.wan_ipv6 = f"2001:db8::ff:{n}"
            ip("addr", "add", f"{home.wan_ipv6}/64", "dev", "wan", "nodad", ns=router)
            ip("addr", "add", f"{home.lan_ipv6}/64", "dev", "lan", "nodad", ns=router)
        for link in ("wan", "lan"):
            ip("link", "set", link, "up", ns=router)
        if ipv4:
            ip("route", "add", "default", "via", CORE_WAN_V4, ns=router)
            sysctl(router, **{"ipv4.ip_forward": "1"})
            _restore(router, "iptables-legacy-restore", ROUTER_RULES)
        if ipv6:
            ip("-6", "route", "add", "default", "via", CORE_V6, ns=router)
            ip("-6", "route", "add", f"2001:db8:{n}::/64", "via", f"2001:db8::ff:{n}",
               ns=self.core)
            sysctl(router, **{"ipv6.conf.all.forwarding": "1"})
            if ipv6_firewall:
                _restore(router, "ip6tables-legacy-restore", ROUTER_RULES_V6_FIREWALL)
        self.homes.append(home)
        for _ in range(hosts):
            self._plug(self._new_host(home), home)
        if upnp:
            if not ipv4:
                raise ValueError("miniupnpd here maps IPv4 only: give the home ipv4=True")
            home._start_miniupnpd()
        return home

    def _new_host(self, home: Home) -> Host:
        i = sum(len(h.hosts) for h in self.homes) + 1
        ns = self._namespace(f"h{i}")
        return Host(self, f"{home.name}-{len(home.hosts) + 1}", ns, None, None)

    def _plug(self, host: Host, home: Home) -> None:
        """Cable ``host`` (its ``eth0``) into ``home``'s LAN, with fresh addresses."""
        home._next_host += 1
        k = home._next_host
        port = f"l{k}"
        ip("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", host.ns,
           ns=home.router)
        ip("link", "set", port, "master", "lan", ns=home.router)
        ip("link", "set", port, "up", ns=home.router)
        host.ipv4 = f"192.168.{home.n}.{10 + k}"
        ip("addr", "add", f"{host.ipv4}/24", "dev", "eth0", ns=host.ns)
        host.ipv6 = None
        if home.ipv6:
            host.ipv6 = f"2001:db8:{home.v6_prefix}::{10 + k}"
            ip("addr", "add", f"{host.ipv6}/64", "dev", "eth0", "nodad", ns=host.ns)
        ip("link", "set", "eth0", "up", "multicast", "on", ns=host.ns)
        ip("route", "add", "default", "via", home.lan_ipv4, ns=host.ns)
        ip("route", "add", "224.0.0.0/4", "dev", "eth0", ns=host.ns)
        if home.ipv6:
            ip("-6", "route", "add", "default", "via", home.lan_ipv6, ns=host.ns)
        host.home = home
        home.hosts.append(host)

    def move(self, host: Host, to: Home) -> None:
        """Unplug ``host`` from its LAN and plug it into ``to``'s: new addresses, same
        namespace and processes (a laptop carried to another house)."""
        assert host.home is not None
        ip("link", "del", "eth0", ns=host.ns)  # and its peer in the old router
        host.home.hosts.remove(host)
        self._plug(host, to)

    # -- tearing down

    def _stop(self, proc: subprocess.Popen[Any] | None, sig: int = signal.SIGTERM) -> None:
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def close(self) -> None:
        for served in reversed(self._serves):
            with suppress(Exception):
                served.stop()
        for proc in reversed(self._procs):
            with suppress(Exception):
                self._stop(proc)
        for proc in reversed(self._daemons):
            with suppress(Exception):
                self._stop(proc)
        for proc in (*self._procs, *self._daemons):
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    with suppress(Exception):
                        stream.close()
        for ns in reversed(self.namespaces):  # deleting a namespace deletes its veth ends
            with suppress(OSError):
                ip("netns", "del", ns)

    def leftovers(self) -> list[str]:
        """Namespaces, root links and processes of this run still there (for tests)."""
        names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                               timeout=10).stdout
        links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True,
                               timeout=10).stdout
        left = [line for line in (names + links).splitlines() if self.tag in line]
        left += [f"pid {p.pid} running" for p in (*self._procs, *self._daemons)
                 if p.poll() is None]
        left += [f"serve pid {s.proc.pid} running" for s in self._serves
                 if s.proc.poll() is None]
        return left


def _restore(ns: str, tool: str, rules: str) -> None:
    done = subprocess.run(["ip", "netns", "exec", ns, tool], input=rules, capture_output=True,
                          text=True, timeout=20)
    if done.returncode != 0:
        raise OSError(f"{tool} in {ns}: {done.stderr.strip()}")


@contextmanager
def internet(workdir: Path, *, stun: bool = True) -> Iterator[Internet]:
    """Build the core of a simulated internet (bridge, core router, STUN responder);
    add boxes and homes on the yielded ``Internet``. Everything goes on exit, processes
    first. Skips (fails under CI) without root, iproute2 or iptables-legacy; a home
    with ``upnp=True`` also needs miniupnpd."""
    require_netns()
    require_tools("iptables-legacy", "ip6tables-legacy", "conntrack")
    workdir.mkdir(parents=True, exist_ok=True)
    net = Internet(workdir)
    try:
        try:
            net._build_core()
        except OSError as exc:
            needs(f"cannot create network namespaces here: {exc}")
        if stun:
            net._start_stun()
        yield net
    finally:
        net.close()
