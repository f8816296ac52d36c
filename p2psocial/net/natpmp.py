"""NAT-PMP (RFC 6886): ask the home router for a TCP port mapping over UDP port 5351.

Why our own: no maintained PyPI library speaks NAT-PMP (``py-natpmp`` is a 2011-era
script last released in 2023, blocking and without leases we can renew), and the
protocol is two 12- and 16-byte messages. PCP (RFC 6887), NAT-PMP's successor, is not
spoken here: a PCP router answers a NAT-PMP request (RFC 6887 Appendix A; miniupnpd
does), so NAT-PMP reaches both.

The codec is pure (``encode_*``/``decode_*``); ``exchange`` is the Trio edge: one
request to the gateway, resent after 250 ms, 500 ms, 1 s (RFC 6886 3.1 doubles up to
64 s; we stop at ``TRIES`` so a home without a router is silent within 2 s).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import trio

PORT: Final = 5351
TRIES: Final = 3
FIRST_WAIT: Final = 0.25  # seconds, doubled on each resend
OP_ADDRESS, OP_MAP_TCP = 0, 2
RESULT_TEXT: Final = {1: "unsupported version", 2: "not authorized or refused",
                      3: "network failure", 4: "out of resources", 5: "unsupported opcode"}


class NatPmpError(Exception):
    """The router answered with an error, or something that is not NAT-PMP."""


@dataclass(frozen=True, slots=True)
class Granted:
    internal_port: int
    external_port: int
    lifetime: int  # seconds; 0 means the mapping was deleted


def encode_address_request() -> bytes:
    return struct.pack("!BB", 0, OP_ADDRESS)


def encode_map_request(internal_port: int, external_port: int, lifetime: int) -> bytes:
    """Map (``lifetime`` > 0) or delete (``lifetime`` 0, ``external_port`` 0) a TCP port."""
    return struct.pack("!BBHHHI", 0, OP_MAP_TCP, 0, internal_port, external_port, lifetime)


def _header(data: bytes, op: int, size: int) -> None:
    if len(data) < 4:
        raise NatPmpError("short answer")
    version, opcode, result = struct.unpack_from("!BBH", data)
    if version != 0 or opcode != 128 + op:
        raise NatPmpError(f"not an answer to opcode {op}")
    if result:
        raise NatPmpError(RESULT_TEXT.get(result, f"result code {result}"))
    if len(data) < size:
        raise NatPmpError("short answer")


def decode_address_response(data: bytes) -> str:
    """The router's external IPv4 address."""
    _header(data, OP_ADDRESS, 12)
    return socket.inet_ntoa(data[8:12])


def decode_map_response(data: bytes) -> Granted:
    _header(data, OP_MAP_TCP, 16)
    internal, external, lifetime = struct.unpack_from("!HHI", data, 8)
    return Granted(internal, external, lifetime)


async def exchange(gateway: str, request: bytes, *, port: int = PORT, tries: int = TRIES,
                   first_wait: float = FIRST_WAIT) -> bytes:
    """Send ``request`` to ``gateway``'s NAT-PMP port and return the answer; resend with
    doubling waits; ``TimeoutError`` when nothing answers."""
    sock = trio.socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with sock:
        await sock.connect((gateway, port))
        wait = first_wait
        for _ in range(tries):
            await sock.send(request)
            with trio.move_on_after(wait):
                while True:
                    try:
                        data = await sock.recv(64)
                    except ConnectionRefusedError:  # ICMP port unreachable: no NAT-PMP
                        raise TimeoutError("no NAT-PMP on the gateway") from None
                    if len(data) >= 2 and data[1] == 128 + request[1]:
                        return data
            wait *= 2
    raise TimeoutError("no NAT-PMP answer")


def default_gateway(route_table: Path = Path("/proc/net/route")) -> str | None:
    """The IPv4 default gateway (Linux: /proc/net/route), or None."""
    try:
        lines = route_table.read_text().splitlines()[1:]
    except OSError:
        return None
    return gateway_from_route_table(lines)


def gateway_from_route_table(lines: list[str]) -> str | None:
    for line in lines:
        fields = line.split()
        if len(fields) >= 4 and fields[1] == "00000000" and int(fields[3], 16) & 0x2:
            return socket.inet_ntoa(struct.pack("<I", int(fields[2], 16)))
    return None
