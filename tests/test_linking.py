"""Linking without a network (linking.py): the proof and what it is bound to, the
messages and their caps, the offer's rules, the keys sealed to one device."""

from __future__ import annotations

import contextlib
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from p2psocial import codec, crypto, linking
from p2psocial.errors import DecryptionFailed, InvalidEntry
from p2psocial.linking import (
    EXPIRED,
    USED,
    WRONG_PROOF,
    BadLinkMessage,
    Granted,
    Hello,
    LinkOffer,
    Refused,
)

SECRET = bytes(range(16))
ISSUER_SEED, JOINER_SEED, OTHER_SEED = b"\x01" * 32, b"\x02" * 32, b"\x03" * 32
ISSUER = crypto.signing_keypair(ISSUER_SEED)[0]
JOINER = crypto.signing_keypair(JOINER_SEED)[0]
OTHER = crypto.signing_keypair(OTHER_SEED)[0]
NOW = 1_765_000_000_000
ROOT_CERT = (b"a" * 32, b"d" * 32, b"e" * 32, NOW, b"s" * 64)


def chain(depth: int) -> tuple:
    """A certificate's wire with ``depth`` delegated levels above a root one."""
    cert: tuple = ROOT_CERT
    for i in range(depth):
        cert = (b"a" * 32, bytes([i]) * 32, b"e" * 32, NOW, cert, i + 1, b"l" * 32, b"s" * 64)
    return cert


def granted(**kw: object) -> Granted:
    fields: dict[str, object] = dict(
        cert_wire=chain(1), sealed_keys=linking.seal_keys([b"k" * 32], JOINER),
        profile_name="Alice", peers=((ISSUER, ("/ip4/192.168.1.2/tcp/4001",)),))
    fields.update(kw)
    return Granted(**fields)  # type: ignore[arg-type]


# --- the proof ----------------------------------------------------------------------


def test_the_proof_is_bound_to_the_secret_and_both_devices() -> None:
    proof = linking.prove(SECRET, ISSUER, JOINER)
    assert len(proof) == linking.PROOF_LEN == 32
    assert proof == linking.prove(SECRET, ISSUER, JOINER)
    assert len({proof, linking.prove(bytes(16), ISSUER, JOINER),
                linking.prove(SECRET, ISSUER, OTHER), linking.prove(SECRET, OTHER, JOINER),
                linking.prove(SECRET, JOINER, ISSUER)}) == 5


def test_the_proof_is_a_keyed_blake2b_of_the_domain_and_both_ids() -> None:
    import hashlib

    expected = hashlib.blake2b(b"p2psocial-link-v1" + ISSUER + JOINER, key=SECRET,
                               digest_size=32).digest()
    assert linking.prove(SECRET, ISSUER, JOINER) == expected


# --- the offer ----------------------------------------------------------------------


def hello(secret: bytes = SECRET, joiner: bytes = JOINER) -> Hello:
    return Hello(linking.prove(secret, ISSUER, joiner), "laptop")


def test_a_right_proof_is_admitted_once() -> None:
    offer = LinkOffer(SECRET, NOW + 1000)
    assert offer.is_open(NOW)
    assert offer.admit(hello(), ISSUER, JOINER, NOW) is None
    assert offer.used and not offer.is_open(NOW)
    assert offer.admit(hello(), ISSUER, JOINER, NOW) == Refused(USED)


def test_a_proof_made_for_another_device_is_wrong() -> None:
    offer = LinkOffer(SECRET, NOW + 1000)
    assert offer.admit(hello(joiner=OTHER), ISSUER, JOINER, NOW) == Refused(WRONG_PROOF)
    assert offer.failures == 1 and not offer.used


def test_wrong_proofs_never_close_the_offer() -> None:
    # a stranger who reaches us cannot spoil the code: 128 bits are not guessed
    offer = LinkOffer(SECRET, NOW + 1000)
    wrong = hello(secret=bytes(16))
    for _ in range(50):
        assert offer.admit(wrong, ISSUER, JOINER, NOW) == Refused(WRONG_PROOF)
    assert offer.is_open(NOW) and offer.failures == 50
    assert offer.admit(hello(), ISSUER, JOINER, NOW) is None and offer.used


def test_an_expired_offer_refuses_even_a_right_proof() -> None:
    offer = LinkOffer(SECRET, NOW + 1000)
    assert offer.admit(hello(), ISSUER, JOINER, NOW + 1000) == Refused(EXPIRED)
    assert not offer.used and offer.failures == 0
    assert not offer.is_open(NOW + 1000)


# --- messages -----------------------------------------------------------------------


def test_a_hello_reads_back() -> None:
    assert linking.read_hello(hello().encode()) == hello()
    longest = Hello(bytes(32), "ü" * linking.NAME_MAX)
    assert len(longest.encode()) <= linking.HELLO_MAX
    assert linking.read_hello(longest.encode()) == longest


@pytest.mark.parametrize("wire, message", [
    (("hello", bytes(31), "laptop"), "expected a hello"),
    (("hello", bytes(32)), "expected a hello"),
    (("hello", bytes(32), ""), "1 to 64 characters"),
    (("hello", bytes(32), "   "), "1 to 64 characters"),
    (("hello", bytes(32), "x" * 65), "1 to 64 characters"),
    (("hello", bytes(32), "two\nlines"), "line breaks"),
    (("granted", bytes(32), "laptop"), "expected a hello"),
    ((), "starts with its name"),
    ("hello", "starts with its name"),
])
def test_a_bad_hello_is_refused(wire: object, message: str) -> None:
    with pytest.raises(BadLinkMessage, match=message):
        linking.read_hello(codec.encode(wire))


def test_a_hello_over_its_cap_or_not_canonical_is_refused() -> None:
    with pytest.raises(BadLinkMessage):
        linking.read_hello(codec.encode(("hello", bytes(32), "x" * 400)))
    with pytest.raises(BadLinkMessage, match="canonical"):
        linking.read_hello(b"\x93\xa5hello\xc4\x20" + bytes(32) + b"\xd9\x06laptop")


def test_a_refusal_is_sent_as_one_short_line() -> None:
    assert linking.read_answer(Refused("two\nlines").encode()) == Refused("two lines")
    assert linking.read_answer(Refused("").encode()) == Refused("refused")
    long = linking.read_answer(Refused("x" * 500).encode())
    assert isinstance(long, Refused) and len(long.reason) == linking.REASON_MAX


def test_answers_read_back() -> None:
    for answer in (granted(), granted(peers=(), profile_name=""), Refused(USED),
                   granted(cert_wire=ROOT_CERT)):
        assert linking.read_answer(answer.encode()) == answer


def test_the_largest_grant_fits_its_frame() -> None:
    addrs = tuple(f"/ip6/2001:db8:1111:2222:3333:4444:5555:{i:04}/tcp/65535" for i in range(8))
    largest = granted(cert_wire=chain(linking.CHAIN_MAX),
                      sealed_keys=linking.seal_keys([os.urandom(32)] * linking.KEYS_MAX, JOINER),
                      profile_name="ü" * linking.NAME_MAX,
                      peers=tuple((bytes([i]) * 32, addrs) for i in range(linking.PEERS_MAX)))
    assert len(largest.encode()) <= linking.GRANTED_MAX
    assert linking.read_answer(largest.encode()) == largest


def test_a_chain_deeper_than_the_cap_is_refused() -> None:
    too_deep = codec.encode(("granted", chain(linking.CHAIN_MAX + 1),
                             linking.seal_keys([b"k" * 32], JOINER), "", ()))
    with pytest.raises(BadLinkMessage, match="nested too deeply"):
        linking.read_answer(too_deep)


@pytest.mark.parametrize("wire, message", [
    (("refused", ""), "one line of 1 to"),
    (("refused", "x" * 201), "one line of 1 to"),
    (("refused",), "expected"),
    (("granted", ROOT_CERT, b"", "", ()), "sealed keys"),
    (("granted", ROOT_CERT, b"x" * 60, "x" * 65, ()), "profile name"),
    (("granted", ROOT_CERT, b"x" * 60, "", ((ISSUER, ()),)), "a peer is"),
    (("granted", ROOT_CERT, b"x" * 60, "", ((ISSUER[:31], ("/ip4/1.2.3.4/tcp/1",)),)),
     "a peer is"),
    (("granted", ROOT_CERT, b"x" * 60, "", ((ISSUER, ("http://x",)),)), "a peer is"),
    (("granted", ROOT_CERT, b"x" * 60, "", (ISSUER,)), "a peer is"),
    (("granted", b"cert", b"x" * 60, "", ()), "expected"),
    (("welcome",), "expected"),
])
def test_a_bad_answer_is_refused(wire: object, message: str) -> None:
    with pytest.raises(BadLinkMessage, match=message):
        linking.read_answer(codec.encode(wire))


@given(st.binary(max_size=300))
def test_any_bytes_are_a_message_or_a_typed_error(data: bytes) -> None:
    for read in (linking.read_hello, linking.read_answer):
        with contextlib.suppress(InvalidEntry):
            read(data)


# --- the keys, sealed to the new device ---------------------------------------------


def test_keys_sealed_to_a_device_open_on_that_device_only() -> None:
    seeds = [os.urandom(32) for _ in range(3)]
    sealed = linking.seal_keys(seeds, JOINER)
    assert linking.open_keys(sealed, JOINER_SEED) == tuple(seeds)
    with pytest.raises(DecryptionFailed):
        linking.open_keys(sealed, OTHER_SEED)
    with pytest.raises(DecryptionFailed):
        linking.open_keys(sealed[:-1] + bytes([sealed[-1] ^ 1]), JOINER_SEED)
    with pytest.raises(DecryptionFailed):
        linking.open_keys(b"", JOINER_SEED)


def test_only_a_list_of_seeds_is_sealed_or_opened() -> None:
    with pytest.raises(ValueError):
        linking.seal_keys([], JOINER)
    with pytest.raises(ValueError):
        linking.seal_keys([b"short"], JOINER)
    import nacl.public

    box = nacl.public.SealedBox(nacl.public.PublicKey(crypto.device_box_public(JOINER)))
    with pytest.raises(InvalidEntry):
        linking.open_keys(box.encrypt(codec.encode((b"short",))), JOINER_SEED)
    with pytest.raises(InvalidEntry):
        linking.open_keys(box.encrypt(b"\xc1"), JOINER_SEED)


def test_a_device_s_box_key_pair_comes_from_its_signing_key() -> None:
    assert (crypto.device_box_private(JOINER_SEED).public_key.encode()
            == crypto.device_box_public(JOINER))
    assert crypto.device_box_public(JOINER) != crypto.device_box_public(OTHER)
    with pytest.raises(ValueError):
        crypto.device_box_public(JOINER[:31])
    with pytest.raises(ValueError):
        crypto.device_box_private(b"short")
