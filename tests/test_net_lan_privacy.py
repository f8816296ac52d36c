"""What a stranger on the LAN reads in a real announcement (finding 9 of issue 12: the
TXT record carried the permanent device id, so anyone on any Wi-Fi could recognise the
person on another network). zeroconf on loopback, a DNS-SD type of this test's own;
the stranger is a plain zeroconf resolver, as anyone could run."""

from __future__ import annotations

import os
import secrets

import trio
from zeroconf import ServiceInfo

from p2psocial.net.discovery import lan_discovery
from tests.netkit import LOOPBACK, as_stranger, everything


def test_a_stranger_reads_no_device_id_and_two_starts_look_unrelated() -> None:
    device = os.urandom(32)
    kind = f"_p2pp-{secrets.token_hex(4)}._udp.local."
    heard: list[ServiceInfo] = []

    async def main() -> None:
        with trio.fail_after(30):
            for _start in range(2):
                async with lan_discovery(device, 4001, interface_ips=LOOPBACK,
                                         service_type=kind) as lan:
                    await lan.registered.wait()
                    assert lan.service_name is not None
                    heard.append(await trio.to_thread.run_sync(as_stranger, kind,
                                                               lan.service_name))

    trio.run(main)
    for info in heard:
        text = everything(info)
        assert device.hex()[:6].encode() not in text and device[:6] not in text, text
    first, second = heard
    assert first.name != second.name and first.server != second.server
    assert set((first.properties or {}).items()) & set((second.properties or {}).items()) \
        <= {(b"v", b"2")}, "the two records share more than the version"
