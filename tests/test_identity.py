"""Accounts, devices, device certificates (root and delegated) and revocations."""

from __future__ import annotations

import dataclasses

import nacl.public
import pytest
from helpers import T0, make_identity

from p2psocial import codec, content, crypto, identity
from p2psocial.errors import (
    AccountKeyMissing,
    BadCertificate,
    BadRevocation,
    HomeError,
    InvalidEntry,
    MalformedEntry,
    UserError,
)


def test_certificate_verifies_and_names_the_identity() -> None:
    ident = make_identity(1)
    cert = ident.cert
    cert.verify()
    assert cert.account == ident.account_id
    assert cert.device == ident.device_id
    assert cert.enc_key == ident.enc_public
    assert cert.created == T0
    assert ident.account_id != ident.device_id


def test_same_seeds_give_the_same_identity() -> None:
    a, b = make_identity(7), make_identity(7)
    assert a.account_id == b.account_id and a.device_id == b.device_id
    assert a.cert == b.cert  # Ed25519 signatures are deterministic
    assert make_identity(7, device_byte=1).account_id == a.account_id
    assert make_identity(7, device_byte=1).device_id != a.device_id
    assert make_identity(8).account_id != a.account_id


def test_certificate_signed_by_another_root_fails() -> None:
    alice, mallory = make_identity(1), make_identity(2)
    # Mallory's root signs a certificate that claims Alice's account.
    forged = identity.DeviceCert(alice.account_id, mallory.device_id, mallory.enc_public,
                                 T0, b"")
    forged = dataclasses.replace(forged,
                                 signature=mallory.require_root().sign(forged.signed_part()))
    with pytest.raises(BadCertificate):
        forged.verify()
    # Alice's signature moved onto a certificate for Mallory's account.
    moved = dataclasses.replace(alice.cert, account=mallory.account_id)
    with pytest.raises(BadCertificate):
        moved.verify()


@pytest.mark.parametrize("field,value", [
    ("device", b"\x01" * 32),
    ("enc_key", b"\x02" * 32),
    ("created", T0 + 1),
    ("created", 0),
    ("account", b"\x03" * 32),
    ("signature", b"\x00" * 64),
])
def test_tampered_fields_fail(field: str, value: object) -> None:
    cert = dataclasses.replace(make_identity(1).cert, **{field: value})
    with pytest.raises(BadCertificate):
        cert.verify()


def test_every_bit_of_the_signed_certificate_matters() -> None:
    cert = make_identity(1).cert
    wire = codec.encode(cert.to_wire())
    for i in range(len(wire)):
        for mask in (0x01, 0x80):
            data = bytearray(wire)
            data[i] ^= mask
            try:
                tampered = identity.DeviceCert.from_wire(codec.decode(bytes(data)))
            except InvalidEntry:
                continue  # refused while decoding (a length or type byte was hit): fine
            with pytest.raises(BadCertificate):
                tampered.verify()


def test_signature_is_domain_separated() -> None:
    ident = make_identity(1)
    cert = ident.cert
    plain = codec.encode((cert.account, cert.device, cert.enc_key, cert.created))
    # The root key did not sign the bare fields: a signature over them does not verify.
    assert not crypto.verify(cert.account, plain, cert.signature)
    assert crypto.verify(cert.account, cert.signed_part(), cert.signature)


def test_enc_key_is_derived_from_the_root_seed() -> None:
    seed = bytes(range(32))
    keys = identity.AccountKeys(seed)
    expected = nacl.public.PrivateKey(crypto.blake2b(seed, b"p2ps-enc-key-v1"))
    assert bytes(keys.enc_private) == bytes(expected)
    assert keys.enc_public == bytes(expected.public_key)
    assert identity.AccountKeys(seed).enc_public == keys.enc_public  # a restore gets it back
    assert identity.AccountKeys(bytes(32)).enc_public != keys.enc_public
    assert keys.enc_public != keys.account_id
    # Every device of the account announces the same encryption key.
    one = identity.new_identity(seed, b"\x01" * 32, T0)
    two = identity.new_identity(seed, b"\x02" * 32, T0 + 5)
    assert one.cert.enc_key == two.cert.enc_key == keys.enc_public


def test_enc_key_opens_boxes_sealed_to_it() -> None:
    keys = identity.AccountKeys(b"\x09" * 32)
    sealed = nacl.public.SealedBox(nacl.public.PublicKey(keys.enc_public)).encrypt(b"hi")
    assert nacl.public.SealedBox(keys.enc_private).decrypt(sealed) == b"hi"


def test_wire_round_trip() -> None:
    cert = make_identity(3).cert
    wire = cert.to_wire()
    assert identity.DeviceCert.from_wire(codec.decode(codec.encode(wire))) == cert


GOOD = make_identity(1).cert.to_wire()


def _with(i: int, value: object) -> tuple:
    return (*GOOD[:i], value, *GOOD[i + 1 :])


@pytest.mark.parametrize("wire", [
    None, b"", 5, "cert", (), GOOD[:4], (*GOOD, b""), [*GOOD],
    _with(0, b"\x00" * 31), _with(0, b"\x00" * 33), _with(0, None), _with(0, "x" * 32),
    _with(1, b"\x00" * 31), _with(1, (b"\x00" * 32,)),
    _with(2, b"\x00" * 64), _with(2, 0),
    _with(3, -1), _with(3, True), _with(3, None), _with(3, b"\x00"),
    _with(4, b"\x00" * 63), _with(4, b"\x00" * 65), _with(4, None),
], ids=lambda w: repr(w)[:30])
def test_from_wire_rejects_bad_layouts(wire: object) -> None:
    with pytest.raises(MalformedEntry):
        identity.DeviceCert.from_wire(wire)


def test_seeds_must_be_32_bytes() -> None:
    for size in (0, 31, 33):
        with pytest.raises(ValueError):
            identity.AccountKeys(bytes(size))
        with pytest.raises(ValueError):
            identity.DeviceKeys(bytes(size))


def test_reprs_do_not_leak_secrets() -> None:
    ident = make_identity(0x42)
    text = repr(ident)
    for secret in (ident.require_root().root_seed, ident.device.seed, ident.device.secret_key):
        assert secret.hex() not in text
        assert repr(secret) not in text
    assert repr(ident.root).startswith("AccountKeys(p2ps1")
    assert repr(ident.device).startswith("DeviceKeys(dev1")


def test_device_secret_key_signs_for_the_device() -> None:
    ident = make_identity(5)
    sig = crypto.sign(ident.device.secret_key, b"msg")
    assert crypto.verify(ident.device_id, b"msg", sig)
    assert not crypto.verify(ident.account_id, b"msg", sig)


# --- delegated certificates ------------------------------------------------------------

ROOT_DEVICE = make_identity(1)
MALLORY = make_identity(2)


def _link_id(n: int) -> bytes:
    return crypto.blake2b(bytes([n]), b"test-link")


def _linked(issuer: identity.Identity, n: int, *, sign: bool = True) -> identity.Identity:
    """A new device that ``issuer`` certifies through entry 2 of its log (``sign=False``:
    signed by hand, past the chain limit that ``delegate`` keeps)."""
    device = identity.DeviceKeys(crypto.blake2b(bytes([n]), b"test-device"))
    if sign:
        cert = identity.delegate(issuer, device.device_id, T0 + n, 2, _link_id(n))
    else:
        unsigned = identity.DelegatedCert(issuer.account_id, device.device_id,
                                          issuer.enc_public, T0 + n, issuer.cert, 2,
                                          _link_id(n), b"")
        cert = dataclasses.replace(unsigned, signature=crypto.sign(
            issuer.device.secret_key, unsigned.signed_part()))
    return identity.Identity(device, cert, issuer.enc_seeds, None)


def _chain(depth: int) -> list[identity.Identity]:
    """The root-certified device, then ``depth`` devices each linked by the one before."""
    chain = [ROOT_DEVICE]
    for n in range(1, depth + 1):
        chain.append(_linked(chain[-1], n, sign=n <= identity.MAX_CHAIN))
    return chain


def _replace_at(cert: identity.Certificate, level: int, **changes: object
                ) -> identity.Certificate:
    """``cert`` with the certificate ``level`` steps up its chain changed."""
    if level == 0:
        return dataclasses.replace(cert, **changes)  # type: ignore[arg-type]
    assert isinstance(cert, identity.DelegatedCert)
    return dataclasses.replace(cert, issuer=_replace_at(cert.issuer, level - 1, **changes))


@pytest.mark.parametrize("depth", range(1, identity.MAX_CHAIN + 1))
def test_chains_up_to_the_limit_verify(depth: int) -> None:
    chain = _chain(depth)
    leaf = chain[-1]
    leaf.cert.verify()
    assert leaf.cert.depth == depth
    assert leaf.account_id == ROOT_DEVICE.account_id
    assert leaf.cert.enc_key == ROOT_DEVICE.enc_public
    assert leaf.cert.links() == tuple(
        identity.Link(chain[n - 1].device_id, 2, _link_id(n), chain[n].device_id)
        for n in range(depth, 0, -1))
    wire = codec.encode(leaf.cert.to_wire())
    assert identity.certificate_from_wire(codec.decode(wire, content.DEVICE_CAPS)) == leaf.cert
    assert identity.DelegatedCert.from_wire(codec.decode(wire, content.DEVICE_CAPS)) == leaf.cert
    announced = content.decode_body(*content.encode_body(content.DeviceAnnouncement(leaf.cert)))
    assert announced == content.DeviceAnnouncement(leaf.cert)


def test_a_root_certificate_has_no_links() -> None:
    assert ROOT_DEVICE.cert.links() == () and ROOT_DEVICE.cert.depth == 0
    assert identity.certificate_from_wire(ROOT_DEVICE.cert.to_wire()) == ROOT_DEVICE.cert
    with pytest.raises(MalformedEntry):
        identity.DelegatedCert.from_wire(ROOT_DEVICE.cert.to_wire())


def test_a_chain_over_the_limit_is_refused() -> None:
    chain = _chain(identity.MAX_CHAIN)
    with pytest.raises(UserError, match="cannot link another"):
        identity.delegate(chain[-1], b"\x05" * 32, T0, 2, _link_id(99))
    too_long = _linked(chain[-1], 99, sign=False).cert
    assert too_long.depth == identity.MAX_CHAIN + 1
    with pytest.raises(BadCertificate, match="at most 8"):
        too_long.verify()
    with pytest.raises(MalformedEntry, match="at most 8"):
        identity.certificate_from_wire(too_long.to_wire())
    with pytest.raises(InvalidEntry):
        content.decode_body(content.Kind.DEVICE, codec.encode(too_long.to_wire()))


def test_a_device_of_another_account_cannot_certify() -> None:
    # Mallory's device signs a certificate that claims Alice's account.
    forged = dataclasses.replace(_linked(MALLORY, 1).cert, account=ROOT_DEVICE.account_id)
    forged = dataclasses.replace(forged, signature=crypto.sign(MALLORY.device.secret_key,
                                                               forged.signed_part()))
    with pytest.raises(BadCertificate, match="another account"):
        forged.verify()
    # the same deeper in a chain: Alice's device vouched for by one of Mallory's
    mallory_two = _linked(MALLORY, 2)
    alice_cert = _linked(ROOT_DEVICE, 3).cert
    assert isinstance(alice_cert, identity.DelegatedCert)
    stitched = dataclasses.replace(alice_cert, issuer=mallory_two.cert)
    with pytest.raises(BadCertificate):
        stitched.verify()


@pytest.mark.parametrize("level", range(4))
@pytest.mark.parametrize("field,value", [
    ("signature", b"\x00" * 64), ("enc_key", b"\x02" * 32), ("created", T0 + 100),
    ("device", b"\x01" * 32), ("issuer_seq", 3), ("link_id", b"\x04" * 32),
])
def test_a_tampered_level_fails(level: int, field: str, value: object) -> None:
    leaf = _chain(3)[-1].cert
    if level == 3 and field in ("issuer_seq", "link_id"):
        return  # the root certificate has no such fields (its own tamper tests are above)
    with pytest.raises(BadCertificate):
        _replace_at(leaf, level, **{field: value}).verify()


def test_every_bit_of_a_delegated_certificate_matters() -> None:
    cert = _chain(2)[-1].cert
    wire = codec.encode(cert.to_wire())
    for i in range(len(wire)):
        data = bytearray(wire)
        data[i] ^= 0x01
        try:
            tampered = identity.certificate_from_wire(codec.decode(bytes(data)))
        except InvalidEntry:
            continue
        with pytest.raises(BadCertificate):
            tampered.verify()


def test_a_device_cannot_appear_twice_in_a_chain() -> None:
    one = _linked(ROOT_DEVICE, 1)
    # the root-certified device, certified again by the device it certified
    again = _linked(one, 2)
    back = identity.DelegatedCert(one.account_id, ROOT_DEVICE.device_id, one.enc_public, T0,
                                  one.cert, 3, _link_id(3), b"")
    back = dataclasses.replace(back, signature=crypto.sign(one.device.secret_key,
                                                           back.signed_part()))
    again.cert.verify()
    with pytest.raises(BadCertificate, match="twice"):
        back.verify()


def test_delegation_signature_is_domain_separated() -> None:
    cert = _linked(ROOT_DEVICE, 1).cert
    assert isinstance(cert, identity.DelegatedCert)
    bare = cert.signed_part().removeprefix(b"p2psocial-device-delegation-v1")
    assert not crypto.verify(ROOT_DEVICE.device_id, bare, cert.signature)
    assert not crypto.verify(ROOT_DEVICE.device_id, b"p2psocial-device-cert-v1" + bare,
                             cert.signature)


DELEGATED = _linked(ROOT_DEVICE, 1).cert.to_wire()


def _d(i: int, value: object) -> tuple:
    return (*DELEGATED[:i], value, *DELEGATED[i + 1 :])


@pytest.mark.parametrize("wire", [
    DELEGATED[:7], (*DELEGATED, b""), _d(0, b"\x00" * 31), _d(1, None), _d(2, 0),
    _d(3, -1), _d(3, True), _d(4, None), _d(4, GOOD[:4]), _d(4, DELEGATED[:7]), _d(5, 0),
    _d(5, -1), _d(5, True), _d(5, 2**53 + 1), _d(6, b"\x00" * 31), _d(6, None),
    _d(7, b"\x00" * 63),
], ids=lambda w: repr(w)[:30])
def test_delegated_from_wire_rejects_bad_layouts(wire: object) -> None:
    with pytest.raises(MalformedEntry):
        identity.certificate_from_wire(wire)


# --- revocations --------------------------------------------------------------------------

NEW_ENC = nacl.public.PrivateKey(b"\x11" * 32).public_key.encode()


def _revocation(last_seq: int = 5, last_id: bytes = b"\x22" * 32) -> identity.Revocation:
    root = ROOT_DEVICE.require_root()
    return identity.revoke(root, b"\x33" * 32, last_seq, last_id, T0 + 9, NEW_ENC)


def test_revocation_verifies_and_round_trips() -> None:
    rev = _revocation()
    rev.verify()
    assert rev.account == ROOT_DEVICE.account_id and rev.new_enc_key == NEW_ENC
    assert identity.Revocation.from_wire(codec.decode(codec.encode(rev.to_wire()))) == rev
    none_kept = _revocation(0, b"")
    none_kept.verify()
    assert identity.Revocation.from_wire(none_kept.to_wire()) == none_kept
    with pytest.raises(ValueError):
        _revocation(0, b"\x22" * 32)
    with pytest.raises(ValueError):
        _revocation(3, b"")


@pytest.mark.parametrize("field,value", [
    ("account", MALLORY.account_id), ("device", b"\x01" * 32), ("last_seq", 6),
    ("last_id", b"\x23" * 32), ("created", T0), ("new_enc_key", b"\x02" * 32),
    ("signature", b"\x00" * 64),
])
def test_a_tampered_revocation_fails(field: str, value: object) -> None:
    with pytest.raises(BadRevocation):
        dataclasses.replace(_revocation(), **{field: value}).verify()


def test_only_the_root_key_revokes() -> None:
    rev = _revocation()
    by_device = dataclasses.replace(rev, signature=crypto.sign(
        ROOT_DEVICE.device.secret_key, rev.signed_part()))
    with pytest.raises(BadRevocation):
        by_device.verify()
    by_mallory = identity.revoke(MALLORY.require_root(), rev.device, 5, b"\x22" * 32, T0,
                                 NEW_ENC)
    with pytest.raises(BadRevocation):
        dataclasses.replace(by_mallory, account=ROOT_DEVICE.account_id).verify()
    # a root certificate's signature does not pass for a revocation (domain tags differ)
    assert not crypto.verify(rev.account, ROOT_DEVICE.cert.signed_part(), rev.signature)


REVOKED = _revocation().to_wire()


def _r(i: int, value: object) -> tuple:
    return (*REVOKED[:i], value, *REVOKED[i + 1 :])


@pytest.mark.parametrize("wire", [
    None, REVOKED[:6], (*REVOKED, b""), _r(0, b"\x00" * 31), _r(1, None), _r(2, -1),
    _r(2, True), _r(2, 2**53 + 1), _r(3, b""), _r(3, b"\x00" * 31), _r(4, -1),
    _r(5, b"\x00" * 33), _r(6, b"\x00" * 63), (*REVOKED[:2], 0, *REVOKED[3:]),
], ids=lambda w: repr(w)[:30])
def test_revocation_from_wire_rejects_bad_layouts(wire: object) -> None:
    with pytest.raises(MalformedEntry):
        identity.Revocation.from_wire(wire)


# --- identities ------------------------------------------------------------------------------


def test_a_new_identity_holds_the_root_and_the_first_key() -> None:
    ident = make_identity(4)
    root = ident.require_root()
    assert ident.holds_root and ident.root is root
    assert ident.enc_seeds == (crypto.blake2b(root.root_seed, b"p2ps-enc-key-v1"),)
    assert ident.enc_public == root.enc_public == ident.cert.enc_key
    assert ident.account_id == root.account_id == ident.cert.account


def test_an_everyday_identity_has_no_root() -> None:
    linked = _linked(ROOT_DEVICE, 1)
    assert not linked.holds_root and linked.root is None
    with pytest.raises(AccountKeyMissing, match="does not hold the account key") as err:
        linked.require_root()
    assert isinstance(err.value, HomeError) and "\n" not in str(err.value)
    assert linked.account_id == ROOT_DEVICE.account_id != linked.device_id


def test_the_newest_encryption_key_is_current() -> None:
    seeds = (b"\x01" * 32, b"\x02" * 32, b"\x03" * 32)
    ident = dataclasses.replace(ROOT_DEVICE, enc_seeds=seeds)
    assert [bytes(k) for k in ident.enc_privates] == list(seeds)
    assert bytes(ident.enc_private) == seeds[-1]
    assert ident.enc_public == bytes(nacl.public.PrivateKey(seeds[-1]).public_key)
    with pytest.raises(ValueError):
        dataclasses.replace(ROOT_DEVICE, enc_seeds=())
    with pytest.raises(ValueError):
        dataclasses.replace(ROOT_DEVICE, enc_seeds=(b"\x01" * 31,))
    assert all(repr(s) not in repr(ident) and s.hex() not in repr(ident) for s in seeds)


def test_the_recovery_key_is_the_phrase_s_alone() -> None:
    root = ROOT_DEVICE.require_root()
    expected = nacl.public.PrivateKey(crypto.blake2b(root.root_seed, b"p2ps-recovery-v1"))
    assert bytes(root.recovery_private) == bytes(expected)
    assert root.recovery_public == bytes(expected.public_key)
    assert root.recovery_public not in (root.enc_public, root.account_id)
    assert identity.AccountKeys(root.root_seed).recovery_public == root.recovery_public


def test_issue_certificate_takes_the_current_encryption_key() -> None:
    root = ROOT_DEVICE.require_root()
    cert = identity.issue_certificate(root, b"\x06" * 32, T0, enc_key=NEW_ENC)
    cert.verify()
    assert cert.enc_key == NEW_ENC
