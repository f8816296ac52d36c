"""A small classic-STUN responder (RFC 5389 binding, RFC 3489 CHANGE-REQUEST) for the
simulated internet of ``tests/internet.py``. Test-only code.

Why it exists: the simulated internet uses documentation addresses, which miniupnpd
counts as reserved; on a reserved external address it refuses every mapping unless
its STUN check (``ext_perform_stun=yes``) finds the router unfiltered. That check
(miniupnpd ``upnpstun.c`` ``perform_stun``) sends four binding requests from four
local ports, asking for the answer from the same address, another port, another
address, and both; it wants all four answers, the first from the address it asked,
each reporting the router's own address and port. So this responder listens on two
addresses times two ports and answers a CHANGE-REQUEST from the socket it names.

Run as a script: ``python tests/stun_responder.py IP1 IP2 PORT1 PORT2`` (in the
namespace that holds both addresses); it serves until killed.
"""

from __future__ import annotations

import select
import socket
import struct
import sys

MAGIC = 0x2112A442
BINDING_REQUEST = 0x0001
BINDING_RESPONSE = 0x0101
CHANGE_REQUEST = 0x0003
MAPPED_ADDRESS = 0x0001
XOR_MAPPED_ADDRESS = 0x0020
CHANGE_IP, CHANGE_PORT = 0x4, 0x2


def parse_request(data: bytes) -> tuple[bytes, bool, bool] | None:
    """(transaction id with cookie, change ip, change port) of a binding request, or
    None for anything else."""
    if len(data) < 20:
        return None
    kind, length = struct.unpack_from("!HH", data)
    if kind != BINDING_REQUEST or 20 + length > len(data):
        return None
    change_ip = change_port = False
    at = 20
    while at + 4 <= 20 + length:
        attr, size = struct.unpack_from("!HH", data, at)
        if attr == CHANGE_REQUEST and size == 4:
            (flags,) = struct.unpack_from("!I", data, at + 4)
            change_ip, change_port = bool(flags & CHANGE_IP), bool(flags & CHANGE_PORT)
        at += 4 + (size + 3) // 4 * 4
    return data[4:20], change_ip, change_port


def binding_response(txid: bytes, source: tuple[str, int]) -> bytes:
    """A binding success response telling ``source`` (IPv4) what we saw."""
    address = socket.inet_aton(source[0])
    (cookie,) = struct.unpack_from("!I", txid)
    xport = source[1] ^ (MAGIC >> 16)
    xaddr = struct.unpack("!I", address)[0] ^ cookie
    attrs = (struct.pack("!HHBBH4s", MAPPED_ADDRESS, 8, 0, 1, source[1], address)
             + struct.pack("!HHBBHI", XOR_MAPPED_ADDRESS, 8, 0, 1, xport, xaddr))
    return struct.pack("!HH", BINDING_RESPONSE, len(attrs)) + txid + attrs


def serve(ips: tuple[str, str], ports: tuple[int, int]) -> None:
    socks = {}
    for i, host in enumerate(ips):
        for j, port in enumerate(ports):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((host, port))
            socks[(i, j)] = sock
    where = {sock: key for key, sock in socks.items()}
    print("ready", flush=True)
    while True:
        readable, _, _ = select.select(list(where), [], [])
        for sock in readable:
            data, source = sock.recvfrom(2048)
            parsed = parse_request(data)
            if parsed is None:
                continue
            txid, change_ip, change_port = parsed
            i, j = where[sock]
            reply_from = socks[(1 - i if change_ip else i, 1 - j if change_port else j)]
            reply_from.sendto(binding_response(txid, source), source)


if __name__ == "__main__":
    serve((sys.argv[1], sys.argv[2]), (int(sys.argv[3]), int(sys.argv[4])))
