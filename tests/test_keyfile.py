"""Key files: round trips, fail-closed passphrases, damaged and foreign files, format 1
files, and the files of everyday devices (no root seed)."""

from __future__ import annotations

import hashlib

import nacl.pwhash.argon2id as argon2id
import nacl.secret
import pytest

from p2psocial import codec, keyfile
from p2psocial.errors import HomeError, PassphraseRequired, WrongPassphrase
from p2psocial.identity import DeviceKeys, Identity, delegate, new_identity

FAST = {"opslimit": argon2id.OPSLIMIT_MIN, "memlimit": argon2id.MEMLIMIT_MIN}
SALT = bytes(range(16))
NONCE = bytes(range(100, 124))


def _seed(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


ROOT_SEED = _seed("root")
IDENT = new_identity(ROOT_SEED, _seed("device"), 1_700_000_000_000)
OTHER = new_identity(_seed("other root"), _seed("other device"), 1_700_000_000_000)


def sealed(ident: Identity = IDENT, passphrase: str = "correct horse") -> bytes:
    return keyfile.dump(ident, passphrase, salt=SALT, nonce=NONCE, **FAST)


def same(a: Identity, b: Identity) -> bool:
    return (a.root == b.root and a.device.seed == b.device.seed and a.cert == b.cert
            and a.enc_seeds == b.enc_seeds)


def test_round_trip_in_the_clear() -> None:
    data = keyfile.dump(IDENT, None)
    assert not keyfile.is_encrypted(data)
    assert same(keyfile.load(data, None), IDENT)
    assert same(keyfile.load(data, "ignored for a file in the clear"), IDENT)


def test_round_trip_with_passphrase() -> None:
    data = sealed()
    assert keyfile.is_encrypted(data)
    assert ROOT_SEED not in data and IDENT.device.seed not in data
    assert same(keyfile.load(data, "correct horse"), IDENT)


def test_passphrase_is_unicode_normalised() -> None:
    data = sealed(passphrase="caf\u00e9")  # composed é
    assert same(keyfile.load(data, "cafe\u0301"), IDENT)  # decomposed é


def test_default_limits_are_stored_in_the_file() -> None:
    assert keyfile.DEFAULT_OPSLIMIT == argon2id.OPSLIMIT_MODERATE
    assert keyfile.DEFAULT_MEMLIMIT == 128 * 1024 * 1024
    wire = codec.decode(sealed())
    assert wire[3:5] == (argon2id.OPSLIMIT_MIN, argon2id.MEMLIMIT_MIN)


def test_wrong_passphrase() -> None:
    with pytest.raises(WrongPassphrase, match=r"^wrong passphrase$"):
        keyfile.load(sealed(), "correct horse ")


@pytest.mark.parametrize("passphrase", [None, ""])
def test_missing_passphrase(passphrase: str | None) -> None:
    with pytest.raises(PassphraseRequired, match=r"^this home is protected by a passphrase$"):
        keyfile.load(sealed(), passphrase)


def test_empty_passphrase_is_refused_when_writing() -> None:
    with pytest.raises(ValueError):
        keyfile.dump(IDENT, "", salt=SALT, nonce=NONCE, **FAST)


@pytest.mark.parametrize(("salt", "nonce"), [(b"", NONCE), (SALT, b""), (SALT[:15], NONCE),
                                             (SALT, NONCE + b"x")])
def test_passphrase_needs_salt_and_nonce(salt: bytes, nonce: bytes) -> None:
    with pytest.raises(ValueError):
        keyfile.dump(IDENT, "pw", salt=salt, nonce=nonce, **FAST)


@pytest.mark.parametrize(("ops", "mem"), [(keyfile.MAX_OPSLIMIT + 1, argon2id.MEMLIMIT_MIN),
                                         (0, argon2id.MEMLIMIT_MIN),
                                         (argon2id.OPSLIMIT_MIN, keyfile.MAX_MEMLIMIT + 1024),
                                         (argon2id.OPSLIMIT_MIN, argon2id.MEMLIMIT_MIN + 1)])
def test_out_of_range_limits_are_refused_when_writing(ops: int, mem: int) -> None:
    with pytest.raises(ValueError):
        keyfile.dump(IDENT, "pw", salt=SALT, nonce=NONCE, opslimit=ops, memlimit=mem)


def test_every_flipped_byte_fails_closed() -> None:
    data = sealed()
    for i in range(len(data)):
        for mask in (0x01, 0x80):
            bad = bytearray(data)
            bad[i] ^= mask
            with pytest.raises((WrongPassphrase, HomeError)):
                keyfile.load(bytes(bad), "correct horse")


def test_every_flipped_byte_of_a_clear_file_is_refused() -> None:
    data = keyfile.dump(IDENT, None)
    for i in range(len(data)):
        bad = bytearray(data)
        bad[i] ^= 0x01
        with pytest.raises(HomeError):
            keyfile.load(bytes(bad), None)


@pytest.mark.parametrize("make", [sealed, lambda: keyfile.dump(IDENT, None)])
def test_truncated_file(make: object) -> None:
    data = make()  # type: ignore[operator]
    for n in range(len(data)):
        with pytest.raises(HomeError):
            keyfile.load(data[:n], "correct horse")
        with pytest.raises(HomeError):
            keyfile.is_encrypted(data[:n])


def test_unknown_version() -> None:
    wire = codec.decode(sealed())
    newer = codec.encode((wire[0], 3, *wire[2:]))
    with pytest.raises(HomeError, match="cannot read"):
        keyfile.load(newer, "correct horse")


@pytest.mark.parametrize("data", [b"", b"\x00" * 64, codec.encode(("other-app", 1, "plain")),
                                  codec.encode(("p2psocial-keys", 1, "rot13", b"x")),
                                  b"not bytes at all"])
def test_not_a_key_file(data: bytes) -> None:
    with pytest.raises(HomeError, match="damaged or not a p2psocial key file"):
        keyfile.load(data, None)


def test_huge_argon2_limits_are_refused_before_deriving() -> None:
    wire = list(codec.decode(sealed()))
    for ops, mem in ((keyfile.MAX_OPSLIMIT + 1, argon2id.MEMLIMIT_MIN),
                     (argon2id.OPSLIMIT_MIN, keyfile.MAX_MEMLIMIT + 1),
                     (argon2id.OPSLIMIT_MIN, 2**63), (0, argon2id.MEMLIMIT_MIN)):
        wire[3:5] = [ops, mem]
        with pytest.raises(HomeError, match="damaged"):
            keyfile.load(codec.encode(tuple(wire)), "correct horse")


def _v1(payload: tuple) -> bytes:
    return codec.encode(("p2psocial-keys", 1, "plain", payload))


def _v2(payload: tuple) -> bytes:
    return codec.encode(("p2psocial-keys", 2, "plain", payload))


def test_certificate_must_match_the_keys() -> None:
    stitched = _v1((ROOT_SEED, IDENT.device.seed, OTHER.cert.to_wire()))
    with pytest.raises(HomeError):
        keyfile.load(stitched, None)
    other_device = new_identity(ROOT_SEED, _seed("laptop"), 1)
    mixed = _v1((ROOT_SEED, IDENT.device.seed, other_device.cert.to_wire()))
    with pytest.raises(HomeError):
        keyfile.load(mixed, None)


def test_forged_certificate_signature() -> None:
    cert = IDENT.cert.to_wire()
    forged = (*cert[:4], bytes(64))
    with pytest.raises(HomeError):
        keyfile.load(_v1((ROOT_SEED, IDENT.device.seed, forged)), None)
    with pytest.raises(HomeError):
        keyfile.load(_v2((IDENT.device.seed, forged, IDENT.enc_seeds, ROOT_SEED)), None)


# --- format 2: devices with and without the root key -------------------------------------

LINKED_SEED = _seed("phone")
LINKED = Identity(
    DeviceKeys(LINKED_SEED),
    delegate(IDENT, DeviceKeys(LINKED_SEED).device_id, 1_700_000_001_000, 2, _seed("link")),
    IDENT.enc_seeds, None)


def test_format_1_still_loads() -> None:
    old = _v1((ROOT_SEED, IDENT.device.seed, IDENT.cert.to_wire()))
    assert same(keyfile.load(old, None), IDENT)
    key = argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, b"pw", SALT, **FAST)
    inner = codec.encode((ROOT_SEED, IDENT.device.seed, IDENT.cert.to_wire()))
    ciphertext = nacl.secret.SecretBox(key).encrypt(inner, NONCE).ciphertext
    sealed_v1 = codec.encode(("p2psocial-keys", 1, "argon2id", FAST["opslimit"],
                              FAST["memlimit"], SALT, NONCE, ciphertext))
    assert keyfile.is_encrypted(sealed_v1)
    assert same(keyfile.load(sealed_v1, "pw"), IDENT)


def test_dump_writes_format_2() -> None:
    wire = codec.decode(keyfile.dump(IDENT, None))
    assert wire[:3] == ("p2psocial-keys", 2, "plain")
    assert wire[3] == (IDENT.device.seed, IDENT.cert.to_wire(), IDENT.enc_seeds, ROOT_SEED)


@pytest.mark.parametrize("ident", [IDENT, LINKED], ids=["root", "everyday"])
@pytest.mark.parametrize("passphrase", [None, "correct horse"])
def test_format_2_round_trip(ident: Identity, passphrase: str | None) -> None:
    data = keyfile.dump(ident, passphrase, salt=SALT, nonce=NONCE, **FAST)
    loaded = keyfile.load(data, passphrase)
    assert same(loaded, ident)
    assert loaded.holds_root == ident.holds_root


def test_rotated_keys_survive_a_round_trip() -> None:
    rotated = Identity(LINKED.device, LINKED.cert, (*LINKED.enc_seeds, _seed("epoch 1")), None)
    loaded = keyfile.load(keyfile.dump(rotated, None), None)
    assert loaded.enc_seeds == rotated.enc_seeds
    assert loaded.enc_public != LINKED.cert.enc_key  # the newest key, not the cert's


def test_an_everyday_key_file_holds_no_root_seed() -> None:
    data = keyfile.dump(LINKED, None)
    assert ROOT_SEED not in data
    assert LINKED_SEED in data and IDENT.enc_seeds[0] in data  # what it does hold
    assert keyfile.load(data, None).root is None


def test_a_stitched_format_2_file_is_refused() -> None:
    bad = [
        # the certificate of another device of the same account
        (LINKED_SEED, IDENT.cert.to_wire(), IDENT.enc_seeds, None),
        (IDENT.device.seed, LINKED.cert.to_wire(), IDENT.enc_seeds, None),
        # a root seed of another account beside a good certificate
        (LINKED_SEED, LINKED.cert.to_wire(), LINKED.enc_seeds, _seed("other root")),
        # a root whose own first key is not the first one held
        (IDENT.device.seed, IDENT.cert.to_wire(), (_seed("x"), *IDENT.enc_seeds), ROOT_SEED),
        # encryption keys that do not hold the certificate's
        (LINKED_SEED, LINKED.cert.to_wire(), OTHER.enc_seeds, None),
        (LINKED_SEED, LINKED.cert.to_wire(), (), None),
        # not the layout
        (LINKED_SEED, LINKED.cert.to_wire(), IDENT.enc_seeds[0], None),
        (LINKED_SEED, LINKED.cert.to_wire(), IDENT.enc_seeds),
        (LINKED_SEED, LINKED.cert.to_wire(), (b"\x01" * 31,), None),
        (LINKED_SEED, LINKED.cert.to_wire()[:7], IDENT.enc_seeds, None),
        (LINKED_SEED[:31], LINKED.cert.to_wire(), IDENT.enc_seeds, None),
        (LINKED_SEED, LINKED.cert.to_wire(), IDENT.enc_seeds, b""),
    ]
    for payload in bad:
        with pytest.raises(HomeError, match="damaged"):
            keyfile.load(_v2(payload), None)
    # a format 1 payload in a format 2 file, and the other way round
    with pytest.raises(HomeError, match="damaged"):
        keyfile.load(_v2((ROOT_SEED, IDENT.device.seed, IDENT.cert.to_wire())), None)
    with pytest.raises(HomeError, match="damaged"):
        keyfile.load(_v1((IDENT.device.seed, IDENT.cert.to_wire(), IDENT.enc_seeds,
                          ROOT_SEED)), None)
