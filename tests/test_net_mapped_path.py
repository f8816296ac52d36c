"""A connection we dial to a peer's port-mapped address is port-mapped on our side too
(paths.py ``runs_to``, address_exchange.py ``mapped_of``): real services on 127.0.0.1.

Alice has no router here; a stand-in port mapper says her own listen address is the
router's mapping, so her signed address record marks it port-mapped, as a real one
would mark the router's address. 127.0.0.0/8 stands for the internet (``public``), as
in test_net_dialback.py: otherwise every loopback connection is on the LAN.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from netkit import device, run, service

from p2psocial.address_record import AddrKind, decode
from p2psocial.home import Home
from p2psocial.net.ip_parse import PUBLIC_RANGES_ENV
from p2psocial.net.paths import Path as ConnPath
from p2psocial.node import Node
from tests.helpers import everyone_syncs


class StandInMapper:
    """What the service asks of a port mapper (portmap.py ``PortMapper``)."""

    def __init__(self, addrs: list[str]) -> None:
        self.mapped = addrs

    def addrs(self) -> list[str]:
        return list(self.mapped)

    def refresh(self) -> None:
        pass


def test_dialing_a_peer_s_mapped_address_is_a_port_mapped_path_on_both_sides(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PUBLIC_RANGES_ENV, "127.0.0.0/8")

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await alice.posts.follow(bob.account_id)
            await bob.posts.follow(alice.account_id)
            await everyone_syncs([alice, bob])  # each holds the other's log: friends
            async with service(alice) as sa, service(bob) as sb:
                at = sa.listen_addrs[0]
                await sb.connect(device(alice), [at])
                await sb.wait_until(lambda: sb.paths().get(device(alice)) is not None)
                assert sb.paths() == {device(alice): ConnPath.DIRECT}  # a plain address

                # Alice's router now forwards that address to her: her next record says so
                sa.portmap = StandInMapper([at])  # type: ignore[assignment]
                sa.addresses_changed()
                await sb.wait_until(
                    lambda: sb.paths().get(device(alice)) is ConnPath.PORT_MAPPED)
                held = await bob.replication.address_record(device(alice))
                assert held is not None
                kinds = {a.addr: a.kind for a in decode(held.raw).addrs}
                assert kinds[at] == AddrKind.PORT_MAPPED
                # and Alice, port-mapped now, sees Bob come in through her mapping
                await sa.wait_until(
                    lambda: sa.paths().get(device(bob)) is ConnPath.PORT_MAPPED)

                # the mapping goes: her next record no longer marks it, nor does Bob
                sa.portmap = StandInMapper([])  # type: ignore[assignment]
                sa.addresses_changed()
                await sb.wait_until(lambda: sb.paths().get(device(alice)) is ConnPath.DIRECT)

    run(scenario, timeout=40)
