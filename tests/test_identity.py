"""Accounts, devices and device certificates."""

from __future__ import annotations

import dataclasses

import nacl.public
import pytest
from helpers import T0, make_identity

from p2psocial import codec, crypto, identity
from p2psocial.errors import BadCertificate, InvalidEntry, MalformedEntry


def test_certificate_verifies_and_names_the_identity() -> None:
    ident = make_identity(1)
    cert = ident.cert
    cert.verify()
    assert cert.account == ident.account_id
    assert cert.device == ident.device_id
    assert cert.enc_key == ident.account.enc_public
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
    forged = identity.DeviceCert(alice.account_id, mallory.device_id, mallory.account.enc_public,
                                 T0, b"")
    forged = dataclasses.replace(forged, signature=mallory.account.sign(forged.signed_part()))
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
    for secret in (ident.account.root_seed, ident.device.seed, ident.device.secret_key):
        assert secret.hex() not in text
        assert repr(secret) not in text
    assert repr(ident.account).startswith("AccountKeys(p2ps1")
    assert repr(ident.device).startswith("DeviceKeys(dev1")


def test_device_secret_key_signs_for_the_device() -> None:
    ident = make_identity(5)
    sig = crypto.sign(ident.device.secret_key, b"msg")
    assert crypto.verify(ident.device_id, b"msg", sig)
    assert not crypto.verify(ident.account_id, b"msg", sig)
