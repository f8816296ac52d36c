"""Property-based fuzzing (hypothesis) of the decoders of entries.

Whatever bytes a peer sends, a decoder either returns a value or raises an
``errors.InvalidEntry`` subclass: never another exception (which would crash a sync
session instead of lowering the peer's standing). ``probe`` feeds one input to all of
them, and to the verification steps that follow decoding:

* ``codec.decode`` under the default, header and body caps;
* ``entry.decode_header`` (+ ``verify_signature``), ``entry.parse`` (+ ``verify_entry``
  and ``verify_run``) with the input as header, as body, or both;
* ``content.decode_body`` for every kind, known or not;
* ``identity.certificate_from_wire`` after ``codec.decode`` (+ ``verify``).

Hypothesis drives it here with random bytes, byte-level mutations of valid encodings
and structure-aware mutations (a decoded value with a subtree replaced, re-encoded).
The coverage-guided runs, over these decoders and every other one that reads peer
input, are in tests/fuzz/ (``make fuzz``; its corpus is replayed by
tests/test_fuzz_corpus.py). The seeds here are the fuzz seeds' (tests/fuzz/seeds.py).
"""

from __future__ import annotations

import collections
import random
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from p2psocial import codec, content, entry, identity
from p2psocial.errors import (
    BadCertificate,
    BadSignature,
    BodyMismatch,
    InvalidEntry,
    MalformedEntry,
    NonCanonical,
    OverCap,
    UnknownKind,
    UnknownVersion,
)
from tests.fuzz.seeds import CONTENT, IDENT, LINKED_CERT, LOG, VALUES

FUZZ = settings(max_examples=200, deadline=None)
FUZZ_SLOW = settings(max_examples=80, deadline=None)  # structure-aware draws cost more
ALL_KINDS = range(13)  # every known kind, and one this build does not know

# --- seeds: one valid encoding of each shape ---------------------------------------------

_IDENT = IDENT
_LOG = LOG[:5]
_CONTENT = CONTENT
BODY_SEEDS: list[tuple[int, bytes]] = [content.encode_body(c) for c in _CONTENT]
HEADER_SEEDS: list[bytes] = [e.raw for e in _LOG]
ENTRY_SEEDS: list[tuple[bytes, bytes]] = [(e.raw, e.body or b"") for e in _LOG]
CERT_SEEDS: list[bytes] = [codec.encode(_IDENT.cert.to_wire()),
                           codec.encode(LINKED_CERT.to_wire())]
VALUE_SEEDS: list[bytes] = [codec.encode(v) for v in VALUES]
ALL_SEEDS: list[bytes] = (VALUE_SEEDS + HEADER_SEEDS + CERT_SEEDS
                          + [body for _, body in BODY_SEEDS])
MSGPACK_SEEDS: list[bytes] = (VALUE_SEEDS + HEADER_SEEDS + CERT_SEEDS
                              + [b for k, b in BODY_SEEDS if k not in content.SEALED_KINDS])


# --- the targets ----------------------------------------------------------------------------

SEEN: collections.Counter[str] = collections.Counter()


def check(fn: Callable[..., object], *args: object) -> object:
    """Run one decoder: a value, or None after an ``InvalidEntry``; anything else escapes."""
    try:
        result = fn(*args)
    except InvalidEntry as exc:
        SEEN[type(exc).__name__] += 1
        return None
    SEEN["ok"] += 1
    return result


def _header(raw: bytes) -> None:
    entry.verify_signature(entry.decode_header(raw))


def _parse(raw: bytes, body: bytes | None) -> None:
    e = entry.parse(raw, body)
    entry.verify_entry(e)
    entry.verify_run([e], None if e.seq == 1 else (e.seq - 1, e.header.prev or b""))


def _cert(data: bytes) -> None:
    identity.certificate_from_wire(codec.decode(data, content.DEVICE_CAPS)).verify()


def probe(data: bytes) -> None:
    """Every peer-input decoder on ``data``, read as each kind of thing a peer sends."""
    for caps in (codec.DEFAULT_CAPS, entry.HEADER_CAPS, content.BODY_CAPS, content.DEVICE_CAPS):
        check(codec.decode, data, caps)
    check(_header, data)
    check(_parse, data, None)
    check(_parse, data, b"")
    check(_parse, HEADER_SEEDS[1], data)  # data as the body of a real header
    for kind in ALL_KINDS:
        check(content.decode_body, kind, data)
    check(_cert, data)


# --- inputs ----------------------------------------------------------------------------------

INTERESTING = [0x00, 0x01, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xFF, 0xE0,
               *range(0xC0, 0xE0)]  # every msgpack type byte that is not a fix* form


def mutate(data: bytes, seeds: list[bytes], pick: Callable[[int, int], int]) -> bytes:
    """A few byte-level edits: flip, set, insert, delete, truncate, splice with a seed.

    ``pick(lo, hi)`` chooses an int in [lo, hi]: hypothesis draws (which shrink) or a
    seeded ``random.Random`` (which is cheap, for volume).
    """
    out = bytearray(data)
    for _ in range(pick(1, 4)):
        op = pick(0, 5)
        pos = pick(0, len(out))
        if op == 0 and pos < len(out):
            out[pos] ^= 1 << pick(0, 7)
        elif op == 1 and pos < len(out):
            out[pos] = INTERESTING[pick(0, len(INTERESTING) - 1)] if pick(0, 1) else pick(0, 255)
        elif op == 2:
            out[pos:pos] = bytes(pick(0, 255) for _ in range(pick(1, 8)))
        elif op == 3:
            del out[pos : pos + pick(1, 8)]
        elif op == 4:
            del out[pos:]
        else:
            other = seeds[pick(0, len(seeds) - 1)]
            out[pos:] = other[pick(0, len(other)) :]
    return bytes(out)


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A seed with a few byte-level edits (see ``mutate``)."""
    return mutate(draw(st.sampled_from(seeds)), seeds,
                  lambda lo, hi: draw(st.integers(lo, hi)))


small_wire = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**64 - 1),
              st.sampled_from([0, 1, 255, 256, 2**53, 2**53 + 1, -1]),
              st.binary(max_size=70), st.sampled_from([b"\x00" * 32, b"\x00" * 64]),
              st.text(max_size=20)),
    lambda children: st.lists(children, max_size=10).map(tuple),
    max_leaves=6)


@st.composite
def tree_mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A seed decoded, with up to three subtrees replaced, removed or added, re-encoded."""
    seed = draw(st.sampled_from(seeds))
    value = codec.decode(seed)
    for _ in range(draw(st.integers(1, 3))):
        value = _edit(draw, value)
    try:
        return codec.encode(value)
    except TypeError:  # nested past the packer's recursion limit: cannot happen here
        return seed


def _edit(draw: st.DrawFn, value: object) -> object:
    if isinstance(value, tuple) and value:
        i = draw(st.integers(0, len(value) - 1))
        choice = draw(st.integers(0, 5))
        if choice == 0:
            return value[:i] + value[i + 1 :]
        if choice == 1:
            return (*value[:i], draw(small_wire), *value[i:])
        if choice < 5:
            return (*value[:i], _edit(draw, value[i]), *value[i + 1 :])
    return draw(small_wire)


# --- the tests ---------------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    probe(data)


@FUZZ
@given(mutated(ALL_SEEDS))
def test_byte_mutations_of_valid_encodings(data: bytes) -> None:
    probe(data)


@FUZZ_SLOW
@given(tree_mutated(MSGPACK_SEEDS))
def test_structure_aware_mutations(data: bytes) -> None:
    probe(data)


@FUZZ_SLOW
@given(mutated(HEADER_SEEDS) | tree_mutated(HEADER_SEEDS),
       st.none() | mutated([body for _, body in ENTRY_SEEDS]))
def test_entries_with_mutated_header_and_body(raw: bytes, body: bytes | None) -> None:
    check(_parse, raw, body)


@FUZZ_SLOW
@given(st.integers(-5, 300), mutated([body for _, body in BODY_SEEDS])
       | tree_mutated([body for kind, body in BODY_SEEDS if kind not in content.SEALED_KINDS]))
def test_bodies_under_any_kind(kind: int, body: bytes) -> None:
    check(content.decode_body, kind, body)


def test_many_seeded_random_mutations() -> None:
    """Volume that hypothesis' per-example cost does not allow: fixed seed, replayable."""
    rng = random.Random(20_241_122)
    for _ in range(5_000):
        probe(mutate(rng.choice(ALL_SEEDS), ALL_SEEDS, rng.randint))


def test_every_single_byte_edit_of_every_seed() -> None:
    """Exhaustive, no randomness: each position of each seed set to telling values."""
    seen: collections.Counter[str] = collections.Counter()

    def run(fn: Callable[..., object], *args: object) -> None:
        try:
            fn(*args)
        except InvalidEntry as exc:
            seen[type(exc).__name__] += 1
        else:
            seen["ok"] += 1

    def edits(seed: bytes) -> list[bytes]:
        out = []
        for i, byte in enumerate(seed):
            for new in {byte ^ 0x01, byte ^ 0x80, (byte + 1) & 0xFF, 0x00, 0xC1, 0xDC}:
                if new != byte:
                    out.append(seed[:i] + bytes([new]) + seed[i + 1 :])
        return out

    for raw, body in ENTRY_SEEDS:
        for bad in edits(raw):
            run(_parse, bad, body)
        for bad in edits(body):
            run(_parse, raw, bad)
    for kind, body in BODY_SEEDS:
        for bad in edits(body):
            run(content.decode_body, kind, bad)
    for cert in CERT_SEEDS:
        for bad in edits(cert):
            run(_cert, bad)
    for value in VALUE_SEEDS:
        for bad in edits(value):
            run(codec.decode, bad)
    # The edits reach every layer: each kind of refusal happens, and some edits of bodies
    # and free-form values still decode.
    for name in ("ok", MalformedEntry.__name__, NonCanonical.__name__, OverCap.__name__,
                 UnknownVersion.__name__, BadSignature.__name__, BodyMismatch.__name__,
                 BadCertificate.__name__):
        assert seen[name], (name, seen)


def test_unknown_kinds_are_refused_not_crashed() -> None:
    for kind in (14, 255, 10**30, -1):
        with pytest.raises(UnknownKind):
            content.decode_body(kind, BODY_SEEDS[0][1])


def test_seeds_are_valid() -> None:
    for raw, body in ENTRY_SEEDS:
        _parse(raw, body)
    for kind, body in BODY_SEEDS:
        content.decode_body(kind, body)
    for cert in CERT_SEEDS:
        _cert(cert)
    for value in VALUE_SEEDS:
        codec.decode(value)
