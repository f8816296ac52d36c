"""Invite codes: how to reach a person's node, as text one can paste in a chat.

An invite holds the inviter's device id (which is also their libp2p peer id), their
account id, and the addresses their node listens on (multiaddr strings, IPv4 or
IPv6, at most ``ADDRS_MAX``; also circuit addresses through a friend's relay, see
net/relay.py), and optionally an open community to join (``private.CommunityKey``:
its id, salt, creator, key and name; whoever holds such a code can read and write
in that community, as anyone on its LAN can). ``p2psocial join CODE`` adds the
device to the address book and follows the account, and joins the community.

Text form (text_code.py, shared with link codes): ``p2psinv1`` then the payload and a
checksum in the bech32 alphabet, so a code survives case changes, line breaks and
spaces added by a chat program. The payload is the canonical msgpack of
``(VERSION, device, account, (addr, ...))``, with the community's fields as a fifth
item when there is one, and an address token as a sixth (the fifth is then None when
there is no community).

Address token (issue 13): ``(expires_ms, signature)``, the inviter's device signing
``TOKEN_DOMAIN + canonical((device, expires_ms))``: "whoever holds this may learn
where my device is until then". When the addresses in the code went stale (the
inviter moved), the joiner shows it to a peer it reaches (the relay of a circuit
address in the code, a friend) over ``/p2psocial/addrs/1.0.0``; a peer holding the
inviter's newest address record (address_record.py) gives it. The token gives what
the code gave, where the inviter is, for ``TOKEN_TTL`` at most; 76 bytes, about 120
characters more in the code.

Sans-IO: text in, values out.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import codec, crypto, ids, private, text_code
from .errors import BadId, InvalidEntry, MalformedEntry, UserError

PREFIX = "p2psinv1"
VERSION = 1
ADDRS_MAX = 8
ADDR_MAX_LEN = 160  # "/ip6/" + 39 + "/tcp/65535" is 54, 123 through a relay; /dns names
CHECK_PERSON = b"p2ps-invite"
_ADDR_PROTOCOLS = ("/ip4/", "/ip6/", "/dns/", "/dns4/", "/dns6/")
_CIRCUIT = "/p2p-circuit"  # <relay's address>/p2p/<relay peer id>/p2p-circuit (net/relay.py)
_BASE58 = frozenset("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
_COMMUNITY_MAX = 4 * 34 + private.NAME_MAX * 4 + 8
TOKEN_DOMAIN = b"p2psocial-address-token-v1"
TOKEN_TTL = 30 * 24 * 3600 * 1000
"""How long an invite's address token lets its holder learn the inviter's addresses."""
_TOKEN_MAX = 2 + 9 + 2 + crypto.SIG_LEN
_DAY = 24 * 3600 * 1000
_PAYLOAD_CAPS = codec.Caps(max_bytes=64 + ADDRS_MAX * (ADDR_MAX_LEN + 2) + 16 + _COMMUNITY_MAX
                           + _TOKEN_MAX,
                           max_bin=crypto.SIG_LEN,
                           max_str=max(ADDR_MAX_LEN, private.NAME_MAX * 4),
                           max_array=ADDRS_MAX, max_depth=2)
TEXT_MAX = text_code.text_max(PREFIX, _PAYLOAD_CAPS.max_bytes)


@dataclass(frozen=True, slots=True)
class AddressToken:
    """The inviter's signed word: whoever holds this may learn where its device is,
    until ``expires`` (ms)."""

    expires: int
    signature: bytes

    def to_wire(self) -> tuple[int, bytes]:
        return (self.expires, self.signature)

    @classmethod
    def from_wire(cls, wire: object) -> AddressToken:
        if not (type(wire) is tuple and len(wire) == 2 and type(wire[0]) is int
                and 0 <= wire[0] < 2**64 and type(wire[1]) is bytes
                and len(wire[1]) == crypto.SIG_LEN):
            raise MalformedEntry("an address token is (expires, signature)")
        return cls(wire[0], wire[1])

    def allows(self, device: bytes, now: int) -> bool:
        """Whether ``device`` signed this token and it has not expired at ``now``."""
        return now < self.expires and crypto.verify(device, _token_signed(device, self.expires),
                                                    self.signature)


def sign_token(device_id: bytes, secret_key: bytes, now: int,
               ttl: int = TOKEN_TTL) -> AddressToken:
    """A token for an invite of ``device_id`` (its libsodium ``secret_key`` signs),
    expiring ``ttl`` after the start of ``now``'s day (UTC): invites made on one day
    are the same code, and the code does not tell the minute it was made."""
    expires = now - now % _DAY + ttl
    return AddressToken(expires, crypto.sign(secret_key, _token_signed(device_id, expires)))


def _token_signed(device: bytes, expires: int) -> bytes:
    return TOKEN_DOMAIN + codec.encode((device, expires))


@dataclass(frozen=True, slots=True)
class Invite:
    device: bytes  # the inviter's device public key = its libp2p peer identity
    account: bytes  # the inviter's account id, to follow
    addrs: tuple[str, ...]  # multiaddrs without /p2p/, best first
    community: private.CommunityKey | None = None  # an open community to join too
    token: AddressToken | None = None  # lets a common peer tell where the inviter moved

    def __post_init__(self) -> None:
        if len(self.device) != 32 or len(self.account) != 32:
            raise ValueError("device and account ids are 32 bytes")
        if not 1 <= len(self.addrs) <= ADDRS_MAX:
            raise ValueError(f"an invite holds 1 to {ADDRS_MAX} addresses")
        for addr in self.addrs:
            if not good_addr(addr):
                raise ValueError(f"not an address for an invite: {addr!r}")


def make(device: bytes, account: bytes, addrs: list[str] | tuple[str, ...],
         community: private.CommunityKey | None = None,
         token: AddressToken | None = None) -> Invite:
    """An invite for the addresses that fit: at most ``ADDRS_MAX`` valid ones, in order,
    duplicates dropped. ``ValueError`` when none is left."""
    usable = [a for a in dict.fromkeys(addrs) if good_addr(a)][:ADDRS_MAX]
    if not usable:
        raise ValueError("no address to put in an invite")
    return Invite(device, account, tuple(usable), community, token)


def encode(invite: Invite) -> str:
    fields: tuple[object, ...] = (VERSION, invite.device, invite.account, invite.addrs)
    if invite.community is not None or invite.token is not None:
        fields += (invite.community.to_wire() if invite.community is not None else None,)
    if invite.token is not None:
        fields += (invite.token.to_wire(),)
    return text_code.wrap(PREFIX, codec.encode(fields), CHECK_PERSON)


def decode(text: str) -> Invite:
    """The invite in ``text``, or ``BadId`` with a message a person can act on."""
    cleaned = text_code.clean(text)
    if not cleaned.startswith(PREFIX):
        if ids.is_id(ids.ACCOUNT, cleaned):
            raise BadId("that is an account id, not an invite code: ask for the code that "
                        "'p2psocial invite' prints")
        raise BadId(f"'{text_code.short(text)}' is not an invite code "
                    f"(it should start with '{PREFIX}')")
    payload = text_code.unwrap(cleaned, PREFIX, CHECK_PERSON, TEXT_MAX, "invite code", BadId)
    try:
        wire = codec.decode(payload, _PAYLOAD_CAPS)
    except InvalidEntry:
        raise BadId("that invite code is not one p2psocial can read") from None
    if not (type(wire) is tuple and len(wire) in (4, 5, 6) and type(wire[0]) is int):
        raise BadId("that invite code is not one p2psocial can read")
    if wire[0] != VERSION:
        raise BadId(f"that invite code is of a newer kind (version {wire[0]}): upgrade "
                    "p2psocial to use it")
    device, account, addrs = wire[1:4]
    if not (type(device) is bytes and type(account) is bytes and type(addrs) is tuple
            and all(type(a) is str for a in addrs)):
        raise BadId("that invite code is not one p2psocial can read")
    community = token = None
    if len(wire) == 6:
        try:
            token = AddressToken.from_wire(wire[5])
        except InvalidEntry:
            raise BadId("that invite code is not one p2psocial can read") from None
    if len(wire) >= 5 and (wire[4] is not None or len(wire) == 5):
        try:
            community = private.CommunityKey.from_wire(wire[4])
            community.validate()
        except (InvalidEntry, UserError):
            raise BadId("the community in that invite code is not valid") from None
    try:
        return Invite(device, account, addrs, community, token)
    except ValueError as exc:
        raise BadId(f"that invite code is not valid: {exc}") from None


def good_addr(addr: object) -> bool:
    """A direct address without ``/p2p/``, or one through a relay: a direct address of
    the relay, its peer id, ``/p2p-circuit`` (the inviter's own id is implied)."""
    if not (type(addr) is str and 0 < len(addr) <= ADDR_MAX_LEN and addr.isascii()
            and addr.isprintable() and " " not in addr and addr.startswith(_ADDR_PROTOCOLS)):
        return False
    if addr.endswith(_CIRCUIT):
        addr, sep, relay = addr[:-len(_CIRCUIT)].rpartition("/p2p/")
        if not sep or not relay or not set(relay) <= _BASE58:
            return False
    return "/p2p" not in addr
