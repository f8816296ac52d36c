"""The fuzz targets: every decoder that reads peer input, driven as its caller drives it.

Each target takes one ``bytes`` input. Where a decoder takes more than one value, the
input is cut up the same way everywhere: ``frames(data)`` reads a sequence of
frames, each a 2-byte big-endian length then that many bytes (the last one takes
what is left); ``split(data)`` reads a first byte ``n`` and returns the next ``n``
bytes and the rest. ``seeds.py`` builds valid inputs in these layouts.

``Target.expected`` is what the decoder may raise on bad input (its documented typed
errors); ``check`` runs a target and lets anything else through, which is a crash.
Keys and identities here are fixed, so a corpus input means the same thing in every
run and the seeds can hold envelopes that really open.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import nacl.public
import nacl.secret
import trio
from google.protobuf.message import DecodeError
from libp2p.peer.id import ID
from libp2p.pubsub.pb import rpc_pb2
from zeroconf import ServiceInfo

from p2psocial import (
    address_record,
    backup,
    codec,
    content,
    entry,
    envelope,
    ids,
    invite,
    keyfile,
    private,
    roster,
    text_code,
)
from p2psocial.cli import writes
from p2psocial.control import ControlError, Refused, parse_reply, parse_request
from p2psocial.errors import BadId, DecryptionFailed, InvalidEntry, UserError
from p2psocial.identity import certificate_from_wire, new_identity
from p2psocial.net import (
    address_exchange,
    blobs,
    community,
    dialback,
    gossip_rules,
    gossip_sign,
    messages,
    relay,
)
from p2psocial.net.discovery import parse_service_info
from p2psocial.net.framing import FrameError, named_message, read_frame
from p2psocial.net.limits import Flooded, FloodGuard
from p2psocial.net.session import Received, ResendAsked, SyncSession
from p2psocial.store.communities import CommunityInfo

Run = Callable[[bytes], object]


@dataclass(frozen=True)
class Target:
    run: Run
    expected: tuple[type[BaseException], ...]  # the decoder's typed refusals
    max_len: int = 4096  # the largest input libFuzzer makes for it


def check(target: Target, data: bytes) -> bool:
    """Run ``target`` on ``data``: True if the input was taken, False if refused with
    an expected error; any other exception propagates (a crash)."""
    try:
        target.run(data)
    except target.expected:
        return False
    return True


# --- input layouts ---------------------------------------------------------------------


def frames(data: bytes) -> Iterator[bytes]:
    """Frames of [2-byte big-endian length][bytes]; the last takes what is left."""
    at = 0
    while at < len(data):
        size = int.from_bytes(data[at:at + 2], "big")
        yield data[at + 2:at + 2 + size]
        at += 2 + size


def split(data: bytes) -> tuple[bytes, bytes]:
    """(the ``data[0]`` bytes after the first, the rest)."""
    if not data:
        return b"", b""
    n = data[0]
    return data[1:1 + n], data[1 + n:]


def text(data: bytes) -> str:
    """What a person pastes: the input read as UTF-8, bad bytes replaced."""
    return data.decode("utf-8", "replace")


# --- fixed material ----------------------------------------------------------------------

IDENT = new_identity(b"\x33" * 32, b"\xb3" * 32, 1_700_000_000_000)
READER_KEY = nacl.public.PrivateKey(b"\x44" * 32)  # opens the sealed seeds
READER = envelope.SealedReader(READER_KEY)
GROUP_ID, GROUP_KEY = b"\x55" * 32, b"\x66" * 32  # opens the group seeds at epoch 0..3
COMMUNITY_SALT = b"\x77" * 32
_COMMUNITY_ID = private.group_id_of(IDENT.account_id, COMMUNITY_SALT)
COMMUNITY = CommunityInfo(_COMMUNITY_ID, COMMUNITY_SALT, IDENT.account_id, "Fuzz hall",
                          b"\x88" * 32, (roster.sign_join(IDENT.device, IDENT.cert,
                                                         _COMMUNITY_ID, 1_700_000_000_000),))
SENDER, RECEIVER = b"\x01" * 32, b"\x02" * 32  # devices a roster box names
BLOB = b"fuzzed blob " * 100
BLOB_DIGEST = blobs.blob_hash(BLOB)
TOKEN = b"\x99" * 32  # a serve's control token
RELAY_ID = ID(b"\x00\x24\x08\x01\x12\x20" + b"\x21" * 32)  # an Ed25519 peer id


def _every_caps() -> tuple[codec.Caps, ...]:
    """Every set of caps that a loaded p2psocial module defines: found, not listed, so
    that a new format's caps are fuzzed without anyone remembering to add them."""
    found = {value for name, module in list(sys.modules.items())
             if name == "p2psocial" or name.startswith("p2psocial.")
             for value in vars(module).values() if isinstance(value, codec.Caps)}
    return tuple(sorted(found, key=repr))


WIRE_CAPS = _every_caps()  # the wire's, the control socket's, the key file's...
assert len(WIRE_CAPS) >= 10, WIRE_CAPS  # found some: the search works


# --- the targets ---------------------------------------------------------------------------


def codec_every_caps(data: bytes) -> None:
    """``codec.decode`` under every set of caps used on the wire and on disk."""
    refused = 0
    for caps in WIRE_CAPS:
        try:
            codec.decode(data, caps)
        except InvalidEntry:
            refused += 1
    if refused == len(WIRE_CAPS):
        raise InvalidEntry("refused under every caps")


def entry_header(data: bytes) -> None:
    entry.verify_signature(entry.decode_header(data))


def entry_with_body(data: bytes) -> None:
    """``split``: the header, then the body (also tried without one)."""
    header, body = split(data)
    for held in (body, None):
        item = entry.parse(header, held)
        entry.verify_entry(item)
        entry.verify_run([item], None if item.seq == 1 else (item.seq - 1,
                                                            item.header.prev or b""))


def content_body(data: bytes) -> None:
    """The first byte is the kind (known or not), the rest the body."""
    if data:
        content.decode_body(data[0], data[1:])


def device_cert(data: bytes) -> None:
    certificate_from_wire(codec.decode(data, content.DEVICE_CAPS)).verify()


def sealed_envelope(data: bytes) -> None:
    """A recipient envelope opened with the reader's key, then what is inside read as
    the private scan reads it (``private.opener``, then ``private.decode``)."""
    plain = READER.open(data, context=IDENT.account_id)
    private.decode(plain)


def group_envelope(data: bytes) -> None:
    """Read as a member does: the header, then (version 1) the named epoch, or (version
    2, whose tag names nothing) the epochs whose key makes its tag."""
    header = envelope.peek_group(data)
    if header.epoch is not None:
        epochs: tuple[int, ...] = (header.epoch,)
    else:
        epochs = tuple(range(4)) if header.tagged_by(GROUP_KEY) else ()
    for epoch in epochs:
        try:
            plain = envelope.open_group(data, GROUP_KEY, group_id=GROUP_ID, epoch=epoch,
                                        context=IDENT.account_id)
        except DecryptionFailed:
            continue  # one key for every epoch here: the epoch is in what it binds
        private.decode(plain)
        return
    raise DecryptionFailed("no key of ours opens it")


def private_value(data: bytes) -> None:
    private.decode(data)


def sync_frame(data: bytes) -> None:
    messages.encode(messages.decode(data))


def sync_session(data: bytes) -> None:
    """``frames``: what a peer sends a session after our opening, each frame through
    the session's state machine and its entries through the flood guard. The session
    speaks the version the first frame's hello names, if we speak it (the corpus holds
    sessions of every version), else the newest."""
    session = SyncSession(heads={IDENT.device_id: 3}, accounts={IDENT.device_id:
                                                               IDENT.account_id},
                          wants=[IDENT.account_id], version=_version_of(data))
    session.start()
    guard = FloodGuard(declared={IDENT.device_id: 3}, accounts={IDENT.device_id:
                                                               IDENT.account_id},
                       wants=[IDENT.account_id], now=0.0)
    for frame in frames(data):
        guard.control(len(frame), 0.0, opening=not session.peer_ready)
        for event in session.receive(frame):
            if isinstance(event, Received):
                screened = guard.screen(event.entries)
                if screened.waste:
                    guard.charge(screened.waste, 0.0, "waste")
            elif isinstance(event, ResendAsked):
                guard.resend(event.entries, 0.0)
        session.take_outbox()
        halved = False
        while (pending := session.next_range()) is not None:
            if not halved:  # as a sender that read only part of a range
                session.put_back(pending, (pending.after + pending.upto) // 2)
                halved = True
        session.caught_up_frame()


def _version_of(data: bytes) -> int:
    try:
        hello = messages.decode(next(frames(data), b""))
    except messages.ProtocolError:
        return messages.VERSION
    if isinstance(hello, messages.Hello) and hello.version in messages.PROTOCOL_IDS:
        return hello.version
    return messages.VERSION


def gossip_message(data: bytes) -> None:
    """The validator's verdict: it never raises, whatever the message."""
    gossip_rules.judge([gossip_rules.topic_of(IDENT.account_id)], data,
                       account_of=lambda d: IDENT.account_id if d == IDENT.device_id else None,
                       replicated={IDENT.account_id}, blocked=set())


def pubsub_message(data: bytes) -> None:
    """A GossipSub Message as a peer's RPC carries it, then its StrictSign check."""
    msg = rpc_pb2.Message()
    msg.ParseFromString(data)
    gossip_sign.verify_origin(msg)


def community_frames(data: bytes) -> None:
    """The first byte picks what the rest is: a listing, a key answer, a roster
    exchange, or the plaintext of a roster box (sealed here under the community's
    key, so that what a member's box holds is reached)."""
    if not data:
        return
    frame = data[1:]
    match data[0] % 4:
        case 0:
            community.decode_listing(frame)
        case 1:
            community.decode_key(frame, COMMUNITY.id)
        case 2:
            community.decode_rosters(frame)
        case _:
            box = bytes(nacl.secret.SecretBox(COMMUNITY.key).encrypt(frame, b"\x00" * 24))
            community.open_rosters([frame, box], [COMMUNITY], SENDER, RECEIVER)


def blob_frames(data: bytes) -> None:
    """``frames``: a request, then the answers a download receives."""
    parts = list(frames(data))
    if parts:
        blobs.decode_request(parts[0])
    download = blobs.BlobDownload(BLOB_DIGEST, cap=len(BLOB) * 2)
    download.request()
    for frame in parts[1:]:
        download.receive(frame)


class Bytes:
    """A stream that reads from ``data`` in pieces of at most 7 bytes (a real stream
    gives what arrived), then says EOF."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    async def read(self, n: int | None = None) -> bytes:
        take = min(7, len(self.data) - self.at, n if n is not None else 7)
        piece = self.data[self.at:self.at + take]
        self.at += take
        return piece


def relay_messages(data: bytes) -> None:
    """The first byte picks what the rest is: a varint-prefixed hop message then a
    stop message on one stream (as a relay and a reserved device read them), with the
    addresses a reservation answer carries; or a circuit address (``ValueError``)."""
    async def read(stream: Bytes) -> None:
        hop = await relay._read_message(stream, relay.HopMessage)
        for raw in hop.reservation.addrs:
            relay._bare_relay_addr(raw, RELAY_ID)
        relay.RelayRefused("a reservation", int(hop.status))
        await relay._read_message(stream, relay.StopMessage)

    if data and data[0] % 2:
        relay.parse_circuit(text(data[1:]))
    else:
        trio.run(read, Bytes(data[1:]))


def framing(data: bytes) -> None:
    """Length-prefixed frames off a stream, each read as a named message."""
    async def read() -> None:
        stream = Bytes(data)
        while (frame := await read_frame(stream, 1024)) is not None:
            named_message(frame, messages.FRAME_CAPS, messages.ProtocolError, "sync")

    trio.run(read)


def dialback_frames(data: bytes) -> None:
    """Frames off a dial-back stream: the first byte says whose side reads them (a
    friend reads an ask, we read its answer); each frame a named message."""
    async def read() -> None:
        stream = Bytes(data[1:])
        while (frame := await read_frame(stream, dialback.MAX_FRAME)) is not None:
            wire = named_message(frame, dialback.CAPS, dialback.DialbackError, "dial-back")
            if data[0] % 2:
                dialback.parse_ask(wire)
            else:
                dialback.parse_answer(wire, ["/ip4/203.0.113.5/tcp/4001"])

    if data:
        trio.run(read)


def invite_text(data: bytes) -> None:
    invite.decode(text(data))


def invite_payload(data: bytes) -> None:
    """The input as an invite's payload, with a right checksum: what is past it."""
    invite.decode(text_code.wrap(invite.PREFIX, data, invite.CHECK_PERSON))


def id_text(data: bytes) -> None:
    """The first byte picks the kind of id, the rest is what was pasted."""
    if data:
        kinds = (ids.ACCOUNT, ids.ENTRY, ids.BLOB, ids.DEVICE, ids.CONVERSATION, ids.GROUP)
        ids.decode(kinds[data[0] % len(kinds)], text(data[1:]))


def control_request(data: bytes) -> None:
    """The same bytes as a reply the command reads, then as a request the serve reads
    (frame body, token, the action's argument shapes)."""
    with contextlib.suppress(ControlError, Refused):
        parse_reply(data)
    command, args = parse_request(data, TOKEN)
    writes._lookup(command, args)


def discovery_txt(data: bytes) -> None:
    """``split``: a port (2 bytes) and IPv4 addresses (4 bytes each), then a TXT
    record's bytes, as zeroconf hands a resolved record to ``parse_service_info``."""
    head, txt = split(data)
    port = int.from_bytes(head[:2], "big")
    addrs = [head[i:i + 4] for i in range(2, len(head) - 3, 4)]
    info = ServiceInfo("_p2psocial._udp.local.", "fuzz._p2psocial._udp.local.", port=port,
                       properties=txt, addresses=addrs)
    parse_service_info(info)


_BACKUP = Path(tempfile.gettempdir()) / f"p2psocial-fuzz-{os.getpid()}.p2psbackup"


def backup_file(data: bytes) -> None:
    """A backup file from elsewhere: the magic line, then the input; the whole-file
    check that restoring does first, then the key file it holds."""
    _BACKUP.write_bytes(backup.MAGIC + data)
    try:
        _meta, keys, _totals = backup._check(_BACKUP)
    finally:
        _BACKUP.unlink(missing_ok=True)
    keyfile.load(keys, None)


def key_file(data: bytes) -> None:
    """A key file read without a passphrase (with one, Argon2id would cost each input
    up to a second and a gigabyte: the parameters are checked before, and fuzzed)."""
    keyfile.is_encrypted(data)
    keyfile.load(data, None)


def address_record_bytes(data: bytes) -> None:
    """A record as a peer passes it on: decoded strictly, then its signature."""
    address_record.decode(data).verify()


def addrs_frames(data: bytes) -> None:
    """The first byte picks what the rest is: a request a node serves (a push, whose
    records are verified, or an ask with a token, checked for IDENT's device), or an
    answer to an ask for IDENT's device."""
    if not data:
        return
    if data[0] % 2:
        address_exchange.decode_answer(data[1:], IDENT.device_id)
        return
    request = address_exchange.decode_request(data[1:])
    if isinstance(request, address_exchange.Ask):
        request.token.allows(request.device, 1_700_000_000_000)


FRAMES = 1 << 16  # frames of up to 64 KiB for the protocols that carry entries

TARGETS: dict[str, Target] = {
    "codec": Target(codec_every_caps, (InvalidEntry,)),
    "entry_header": Target(entry_header, (InvalidEntry,)),
    "entry": Target(entry_with_body, (InvalidEntry,), max_len=8192),
    "content_body": Target(content_body, (InvalidEntry,), max_len=8192),
    "device_cert": Target(device_cert, (InvalidEntry,)),
    "sealed_envelope": Target(sealed_envelope, (InvalidEntry, DecryptionFailed), max_len=8192),
    "group_envelope": Target(group_envelope, (InvalidEntry, DecryptionFailed), max_len=8192),
    "private_value": Target(private_value, (InvalidEntry,), max_len=8192),
    "sync_frame": Target(sync_frame, (InvalidEntry,), max_len=FRAMES),
    "sync_session": Target(sync_session, (InvalidEntry, Flooded), max_len=FRAMES),
    "gossip_message": Target(gossip_message, (), max_len=FRAMES),
    "pubsub_message": Target(pubsub_message, (DecodeError, gossip_sign.GossipSignatureError)),
    "community_frames": Target(community_frames, (InvalidEntry,), max_len=FRAMES),
    "blob_frames": Target(blob_frames, (InvalidEntry,), max_len=FRAMES),
    "relay_messages": Target(relay_messages, (relay.RelayProtocolError, FrameError,
                                              ValueError)),
    "framing": Target(framing, (FrameError, InvalidEntry)),
    "dialback_frames": Target(dialback_frames, (dialback.DialbackError, FrameError)),
    "invite_text": Target(invite_text, (BadId,)),
    "invite_payload": Target(invite_payload, (BadId,)),
    "id_text": Target(id_text, (BadId,)),
    "control_request": Target(control_request, (ControlError,)),
    "discovery_txt": Target(discovery_txt, ()),
    "backup_file": Target(backup_file, (UserError,), max_len=16384),
    "key_file": Target(key_file, (UserError,)),
    "address_record": Target(address_record_bytes, (InvalidEntry,), max_len=2048),
    "addrs_frames": Target(addrs_frames, (InvalidEntry,), max_len=address_exchange.FRAME_MAX),
}
"""Every target by name. A new decoder: a function above (or the decoder itself, when
it takes one ``bytes``) and one line here, then its seeds in seeds.py."""

__all__ = ["TARGETS", "Target", "check", "frames", "split"]
