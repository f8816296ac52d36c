"""Attacks from a device on the same LAN: mDNS announcements that lie (finding 8).

``false_claim`` announces, as any neighbour can, that some device (a victim's friend)
is at addresses of the attacker's choosing: raw zeroconf, our DNS-SD type, our TXT
record, whatever addresses it likes. Everything stays on the loopback interface.

These attacks need a victim that runs LAN discovery under the attacker's DNS-SD type
(``arena(lan_type=...)``); ``false_claims`` is marked ``needs_lan`` for the benchmark.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

import trio
from arena import Arena, Attack, AttackStats
from netkit import device
from zeroconf import IPVersion, ServiceInfo, Zeroconf

from p2psocial.net import lan_identity


def claim_properties(device_id: bytes) -> dict[bytes, bytes]:
    """The TXT record an honest node with ``device_id`` would announce (device ids
    are public: every log carries its own)."""
    return lan_identity.announcement(device_id, None, os.urandom(lan_identity.SALT_LEN))


@asynccontextmanager
async def false_claim(service_type: str, device_id: bytes, ips: Sequence[str],
                      port: int) -> AsyncIterator[ServiceInfo]:
    """Announce on loopback that ``device_id`` listens at ``ips``:``port`` until the
    block ends (then say goodbye)."""
    name = f"mallory-{secrets.token_hex(4)}"

    def start() -> tuple[Zeroconf, ServiceInfo]:
        zc = Zeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
        info = ServiceInfo(service_type, f"{name}.{service_type}", port=port,
                           properties=claim_properties(device_id),
                           addresses=[ipaddress.IPv4Address(ip).packed for ip in ips],
                           server=f"{name}.local.", host_ttl=120, other_ttl=120)
        try:
            zc.register_service(info, allow_name_change=True)
        except BaseException:
            zc.close()
            raise
        return zc, info

    def stop(zc: Zeroconf, info: ServiceInfo) -> None:
        try:
            zc.unregister_service(info)
        finally:
            zc.close()

    zc, info = await trio.to_thread.run_sync(start)
    try:
        yield info
    finally:
        with trio.CancelScope(shield=True):
            await trio.to_thread.run_sync(stop, zc, info)


@asynccontextmanager
async def made_up_names(service_type: str, count: int) -> AsyncIterator[None]:
    """Announce ``count`` devices nobody knows (fresh ids), each under its own name,
    at once (one zeroconf each: registering takes ~1.5 s of probing)."""
    async with AsyncExitStack() as stack:
        async with trio.open_nursery() as nursery:
            for i in range(count):
                nursery.start_soon(stack.enter_async_context, false_claim(
                    service_type, os.urandom(32), [f"127.0.0.{10 + i % 200}"], 9))
        yield


async def false_claims(place: Arena, stats: AttackStats) -> None:
    """A neighbour claims the honest writer's and reader's device ids at eight made-up
    addresses each, under a new name every few seconds, for as long as it runs."""
    assert place.lan_type is not None, "a victim with LAN discovery on"
    fakes = [f"127.0.0.{i}" for i in range(2, 10)]
    stats.ready.set()
    while True:
        async with false_claim(place.lan_type, device(place.writer), fakes, 9), \
                false_claim(place.lan_type, device(place.reader), fakes, 9):
            stats.identities += 2
            await trio.sleep(3)


false_claims.needs_lan = True  # type: ignore[attr-defined]

ATTACKS: dict[str, Attack] = {"false-claims": false_claims}
