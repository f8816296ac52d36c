"""Seed inputs: for every fuzz target, valid encodings of what an honest peer sends, in
the target's input layout (``targets.frames``, ``targets.split``). Deterministic:
the same code writes the same files, named by their SHA-1.

``python -m tests.fuzz seed`` writes them into ``corpus/<target>/`` (files already
there, such as cases fuzzing found, are kept).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from pathlib import Path

from libp2p.peer.id import ID
from libp2p.pubsub.pb import rpc_pb2
from libp2p.relay.circuit_v2.pb.circuit_pb2 import HopMessage, PeerId, Reservation, StopMessage
from libp2p.utils.varint import encode_uvarint

from p2psocial import (
    address_record,
    codec,
    content,
    entry,
    identity,
    ids,
    invite,
    keyfile,
    private,
    roster,
)
from p2psocial.content import Attachment, Kind
from p2psocial.net import (
    address_exchange,
    blobs,
    community,
    gossip_rules,
    gossip_sign,
    lan_identity,
    messages,
    opening,
    summary,
)
from p2psocial.net.host import keypair_from_seed
from tests.fuzz.targets import (
    BLOB,
    BLOB_DIGEST,
    COMMUNITY,
    GROUP_ID,
    GROUP_KEY,
    IDENT,
    READER_KEY,
    RECEIVER,
    RELAY_ID,
    SENDER,
    TARGETS,
    TOKEN,
)
from tests.helpers import make_log

CORPUS = Path(__file__).parent / "corpus"
H = bytes(range(32))
LOG = make_log(IDENT, 6)
LINKED_CERT = identity.delegate(IDENT, H, 1_700_000_000_000, 2, H)
REVOCATION = identity.revoke(IDENT.require_root(), H, 3, H, 1_700_000_000_000, H)
CONTENT: list[content.AnyContent] = [
    content.Post("hello #fuzz @someone", (H,), ("fuzz",), "cw",
                 (Attachment(H, "image/png", 1, 2, 3, "alt"),), H, H),
    content.Post("plain"),
    content.Reaction(H, "👍", True), content.Profile("Fuzzy", "bio", H), content.Profile("x"),
    content.Follow(H), content.Unfollow(H), content.Block(H), content.Unblock(H),
    content.Delete(H), content.Edit(H, "edited", "cw"),
    content.DeviceAnnouncement(IDENT.cert),
    content.Sealed(Kind.PRIVATE, bytes(range(48))),
    content.DeviceAnnouncement(LINKED_CERT), content.DeviceLink(H, "Phone", 1_700_000_000_000),
    content.RevokeDevice(REVOCATION),
]
VALUES = (None, True, -(2**63), 2**64 - 1, 300, b"bin", "strñ", ((), (1, (b"", ("", None)))),
          tuple(range(20)), "x" * 40, b"y" * 300)  # one of every msgpack shape we use
PRIVATE: list[private.Private] = [
    private.Message(tuple(sorted((IDENT.account_id, H))), "a message", H),
    private.GroupKey(GROUP_ID, H, 1, GROUP_KEY, "Friends", tuple(sorted((IDENT.account_id, H)))),
    private.GroupPost("in the group", H), private.GroupLeave(),
    private.CirclePost(content.Post("for followers", reply_parent=H, thread_root=H)),
    COMMUNITY.value, private.GroupReaction(content.Reaction(H, "🎉")),
    private.AccountKey(1, H),
    private.CommunityModeration(private.Act.REMOVE, H),  # issue 17
    private.Report(GROUP_ID, H, True, "spam"),
]


def _rand(seed: int) -> Callable[[int], bytes]:
    rng = random.Random(seed)
    return lambda n: bytes(rng.getrandbits(8) for _ in range(n))


def _frames(*parts: bytes) -> bytes:
    return b"".join(len(p).to_bytes(2, "big") + p for p in parts)


def _split(first: bytes, rest: bytes) -> bytes:
    return bytes([len(first)]) + first + rest


def _rows(log: list[entry.Entry]) -> tuple[tuple[bytes, bytes | None], ...]:
    return tuple((e.raw, e.body) for e in log)


def codec_seeds() -> list[bytes]:
    return [codec.encode(v) for v in VALUES] + [LOG[1].raw, LOG[0].body or b""]


def entry_seeds() -> list[bytes]:
    return [_split(e.raw, e.body or b"") for e in LOG]


def content_seeds() -> list[bytes]:
    return [bytes([kind]) + body for kind, body in map(content.encode_body, CONTENT)]


def sealed_seeds() -> list[bytes]:
    reader = bytes(READER_KEY.public_key)
    return [private.seal(value, [reader, IDENT.enc_public], IDENT.account_id, _rand(n))
            for n, value in enumerate(PRIVATE)]


def group_seeds() -> list[bytes]:
    return [private.seal_group(value, GROUP_ID, epoch, GROUP_KEY, IDENT.account_id, _rand(epoch))
            for epoch, value in enumerate(v for v in PRIVATE if isinstance(
                v, private.GroupPost | private.GroupLeave | private.CirclePost
                | private.GroupReaction | private.CommunityModeration))]


REVOCATION = codec.encode((IDENT.account_id, IDENT.device_id, 2, LOG[1].id,
                           1_700_000_010_000, bytes(32), bytes(64)))
"""Shaped like an encoded identity.Revocation (the signature is not checked here)."""


def sync_messages() -> list[bytes]:
    m = messages
    fork = (LOG[2].raw, LOG[3].raw)
    return [m.encode(x) for x in (
        m.Hello(m.VERSION), m.Wants((IDENT.account_id, H)), m.Clock(((IDENT.device_id, 3),)),
        m.Ready(), m.Entries(_rows(LOG[3:])), m.CaughtUp(), m.Need(((IDENT.device_id, 4),)),
        m.WantSum(bytes(summary.SIZE)), m.Wanted(), m.ClockSum(b"\xff" * summary.SIZE),
        m.Forks((fork,)), m.Ping(), m.Revocations((REVOCATION,)))]


def session_seeds() -> list[bytes]:
    """Whole sessions as a peer says them: the opening (summarised, or explicit), then
    entries, caught_up, need, forks, ping and revocations."""
    m = messages
    hello = m.encode(m.Hello(m.VERSION))
    after = [m.encode(x) for x in (m.Entries(_rows(LOG[3:])), m.CaughtUp(),
                                   m.Need(((IDENT.device_id, 1),)), m.Ping(),
                                   m.Forks(((LOG[2].raw, LOG[3].raw),)),
                                   m.Revocations((REVOCATION,)))]
    summaries = [m.encode(m.WantSum(summary.summarise([(IDENT.account_id, 0)]))),
                 m.encode(m.Wanted()), m.encode(m.ClockSum(bytes(summary.SIZE))),
                 m.encode(m.Ready())]
    explicit = opening.explicit([IDENT.account_id, H], [(IDENT.device_id, 3)])
    return [_frames(hello, *explicit, *after), _frames(hello, *explicit),
            _frames(hello, *summaries, *after), _frames(hello, *after)]


def gossip_seeds() -> list[bytes]:
    return [gossip_rules.encode_run(_rows(LOG[:k]))[0] for k in (1, 3, 6)] + [
        gossip_rules.encode_run(_rows(LOG[4:]))[0]]


def community_seeds() -> list[bytes]:
    box_plain = codec.encode((COMMUNITY.id, SENDER, RECEIVER, roster.to_wire(COMMUNITY.lines)))
    return [b"\x00" + community.encode_listing([COMMUNITY]),
            b"\x01" + community.encode_key(COMMUNITY), b"\x01" + community.encode_key(None),
            b"\x02" + community.encode_rosters([b"\x00" * 40]), b"\x03" + box_plain]


def blob_seeds() -> list[bytes]:
    get = blobs.encode(blobs.Get(BLOB_DIGEST, 0))
    return [_frames(get, *blobs.response_frames(BLOB, 0, chunk=400)),
            _frames(get, *blobs.response_frames(None, 0))]


def relay_seeds() -> list[bytes]:
    def framed(message: HopMessage | StopMessage) -> bytes:
        data = message.SerializeToString()
        return encode_uvarint(len(data)) + data

    peer = PeerId(id=RELAY_ID.to_bytes(), addrs=[b"\x04\x7f\x00\x00\x01\x06\x10\x00"])
    reserve = HopMessage(type=HopMessage.RESERVE)
    answer = HopMessage(type=HopMessage.STATUS, status=100, reservation=Reservation(
        expire=1_800_000_000, addrs=[b"\x04\x7f\x00\x00\x01\x06\x10\x00\xa5\x03\x26"
                                     + RELAY_ID.to_bytes()]))
    connect = HopMessage(type=HopMessage.CONNECT, peer=peer)
    stop = StopMessage(type=StopMessage.CONNECT, peer=peer)
    circuit = f"/ip4/127.0.0.1/tcp/4001/p2p/{RELAY_ID.to_base58()}/p2p-circuit"
    return [b"\x00" + framed(reserve) + framed(stop), b"\x00" + framed(answer) + framed(stop),
            b"\x00" + framed(connect) + framed(StopMessage(type=StopMessage.STATUS, status=100)),
            b"\x01" + circuit.encode()]


def framing_seeds() -> list[bytes]:
    return [b"".join(len(f).to_bytes(4, "big") + f for f in sync_messages()[:4])]


def dialback_seeds() -> list[bytes]:
    def framed(*values: object) -> bytes:
        return b"".join(len(d := codec.encode(v)).to_bytes(4, "big") + d for v in values)

    addr, nonce = "/ip4/203.0.113.5/tcp/4001", bytes(range(16))
    return [b"\x01" + framed(("ask", ((addr, nonce), ("/ip6/2001:db8::5/tcp/4001", nonce)))),
            b"\x00" + framed(("answer", ((addr, "reached"),))),
            b"\x00" + framed(("refused", "dial-backs are for friends only")),
            b"\x01" + framed(("proof", nonce), ("ok",))]


def _invites() -> list[invite.Invite]:
    addrs = ["/ip4/127.0.0.1/tcp/4001", "/ip6/::1/tcp/4001", "/dns4/example.org/tcp/1"]
    token = invite.sign_token(IDENT.device_id, IDENT.device.secret_key, 1_700_000_000_000)
    return [invite.make(IDENT.device_id, IDENT.account_id, addrs),
            invite.make(IDENT.device_id, IDENT.account_id, addrs[:1], COMMUNITY.value),
            invite.make(IDENT.device_id, IDENT.account_id, addrs, token=token),
            invite.make(IDENT.device_id, IDENT.account_id, addrs[:1], COMMUNITY.value, token)]


def invite_text_seeds() -> list[bytes]:
    return [invite.encode(i).encode() for i in _invites()]


def invite_payload_seeds() -> list[bytes]:
    out = []
    for i in _invites():
        wire: tuple = (invite.VERSION, i.device, i.account, i.addrs)
        if i.token is not None:
            wire += (i.community.to_wire() if i.community else None, i.token.to_wire())
        elif i.community is not None:
            wire += (i.community.to_wire(),)
        out.append(codec.encode(wire))
    return out


def id_seeds() -> list[bytes]:
    texts = [ids.account_text(H), ids.entry_text(H), ids.blob_text(H), ids.device_text(H),
             ids.conversation_text(H), ids.group_text(H)]
    return [bytes([n]) + t.encode() for n, t in enumerate(texts)]


def control_seeds() -> list[bytes]:
    requests = [("post", ("hello", None, None, (), (), ())), ("follow", (H,)), ("peers", ()),
                ("conversation", (H, 50, "17.3", False)), ("inbox", ())]
    return [codec.encode((1, TOKEN, name, args)) for name, args in requests] + [
        codec.encode((1, True, ('{"id": 1}', ("Posted",)))),
        codec.encode((1, False, "refused"))]


def discovery_seeds() -> list[bytes]:
    """Announcements as they are made now (a salt, a device tag, the masked device) and
    as version 1 made them (the device id in clear), which are still read."""
    def txt(props: dict[bytes, bytes]) -> bytes:
        return b"".join(bytes([len(k) + 1 + len(v)]) + k + b"=" + v for k, v in props.items())

    now = lan_identity.announcement(IDENT.device_id, IDENT.account_id, b"\x12" * 16)
    old = {b"v": lan_identity.OLD_VERSION, b"id": IDENT.device_id.hex().encode()}
    head = (4001).to_bytes(2, "big") + bytes([127, 0, 0, 1]) + bytes([192, 168, 1, 9])
    return [_split(head, txt(now)), _split(head[:2], txt(now)), _split(head, txt(old))]


def backup_seeds() -> list[bytes]:
    digest = hashlib.blake2b(digest_size=32)
    out = b""
    records = [("meta", 1_700_000_000_000, IDENT.account_id),
               ("keys", keyfile.dump(IDENT, None)),
               ("blob", blobs.blob_hash(BLOB), BLOB),
               ("log", IDENT.device_id, _rows(LOG))]
    for record in records:
        data = codec.encode(record)
        digest.update(data)
        out += data
    end = codec.encode(("end", len(LOG), 1, digest.digest()))
    return [out + end]  # the target writes backup.MAGIC before it


def keyfile_seeds() -> list[bytes]:
    sealed = keyfile.dump(IDENT, "pass", salt=b"\x01" * keyfile.SALT_LEN,
                          nonce=b"\x02" * keyfile.NONCE_LEN, opslimit=1, memlimit=8192)
    return [keyfile.dump(IDENT, None), sealed]


def _records() -> list[address_record.AddressRecord]:
    kinds = address_record.AddrKind
    addrs = [address_record.Address(kinds.PUBLIC, "/ip4/203.0.113.7/tcp/4001"),
             address_record.Address(kinds.IPV6, "/ip6/2001:db8::7/tcp/4001"),
             address_record.Address(kinds.LAN, "/ip4/192.168.1.7/tcp/4001"),
             address_record.Address(kinds.RELAY, f"/ip4/198.51.100.1/tcp/4001/p2p/"
                                    f"{RELAY_ID.to_base58()}/p2p-circuit"),
             address_record.Address(77, "/dns4/example.org/tcp/4001")]
    return [address_record.issue(IDENT.device, addrs[:n], now=1_700_000_000_000 + n,
                                 last_seq=None) for n in (0, 1, len(addrs))]


def address_record_seeds() -> list[bytes]:
    return [r.encode() for r in _records()]


def addrs_seeds() -> list[bytes]:
    raws = [r.encode() for r in _records()]
    token = invite.sign_token(IDENT.device_id, IDENT.device.secret_key, 1_700_000_000_000)
    return [b"\x00" + address_exchange.encode_push(raws),
            b"\x00" + address_exchange.encode_ask(IDENT.device_id, token),
            b"\x01" + address_exchange.encode_answer(raws[-1:]),
            b"\x01" + address_exchange.encode_answer([])]


def pubsub_seeds() -> list[bytes]:
    """A message signed by IDENT's device, the same with its key inlined, unsigned."""
    keys = keypair_from_seed(b"\xb3" * 32)
    peer = ID.from_pubkey(keys.public_key).to_bytes()
    data = gossip_rules.encode_run(_rows(LOG[:2]))[0]
    signed = gossip_sign.signed_message(keys.private_key.sign, peer, 7,
                                        gossip_rules.topic_of(IDENT.account_id), data)
    keyed = rpc_pb2.Message()
    keyed.CopyFrom(signed)
    keyed.key = keys.public_key.serialize()
    unsigned = rpc_pb2.Message()
    unsigned.CopyFrom(signed)
    unsigned.ClearField("signature")
    return [m.SerializeToString() for m in (signed, keyed, unsigned)]


SEEDS: dict[str, Callable[[], list[bytes]]] = {
    "codec": codec_seeds,
    "entry_header": lambda: [e.raw for e in LOG],
    "entry": entry_seeds,
    "content_body": content_seeds,
    "device_cert": lambda: [codec.encode(IDENT.cert.to_wire()),
                            codec.encode(LINKED_CERT.to_wire())],
    "sealed_envelope": sealed_seeds,
    "group_envelope": group_seeds,
    "private_value": lambda: [private.encode(v) for v in PRIVATE],
    "sync_frame": sync_messages,
    "sync_session": session_seeds,
    "gossip_message": gossip_seeds,
    "pubsub_message": pubsub_seeds,
    "community_frames": community_seeds,
    "blob_frames": blob_seeds,
    "relay_messages": relay_seeds,
    "framing": framing_seeds,
    "dialback_frames": dialback_seeds,
    "invite_text": invite_text_seeds,
    "invite_payload": invite_payload_seeds,
    "id_text": id_seeds,
    "address_record": address_record_seeds,
    "addrs_frames": addrs_seeds,
    "control_request": control_seeds,
    "discovery_txt": discovery_seeds,
    "backup_file": backup_seeds,
    "key_file": keyfile_seeds,
}
assert SEEDS.keys() == TARGETS.keys(), set(SEEDS) ^ set(TARGETS)


def name_of(data: bytes) -> str:
    """A corpus file's name: the SHA-1 of its bytes, as libFuzzer names them."""
    return hashlib.sha1(data).hexdigest()


def write_seeds(corpus: Path = CORPUS) -> int:
    """Write every target's seeds into its corpus folder; returns how many are new."""
    new = 0
    for name, make in SEEDS.items():
        folder = corpus / name
        folder.mkdir(parents=True, exist_ok=True)
        for data in make():
            path = folder / name_of(data)
            if not path.exists():
                path.write_bytes(data)
                new += 1
    return new


__all__ = ["CONTENT", "CORPUS", "IDENT", "LOG", "SEEDS", "VALUES", "name_of", "write_seeds"]
