"""Entries: header layout, signatures, bodies, and run verification.

The run tests are the heart of this file: a syncing node checks one signature per
run, so every other way of tampering with a run must be caught by the hash links.
"""

from __future__ import annotations

import itertools

import pytest
from helpers import T0, make_identity, make_log
from hypothesis import given, settings
from hypothesis import strategies as st

from p2psocial import codec, crypto, entry
from p2psocial.content import Kind
from p2psocial.entry import BODY_CAP, MAX_SEQ, MAX_TIME, Entry
from p2psocial.errors import (
    BadSignature,
    BodyMismatch,
    BrokenLink,
    InvalidEntry,
    MalformedEntry,
    NonCanonical,
    OverCap,
    UnknownVersion,
)

FAST = settings(max_examples=40, deadline=None)

ALICE = make_identity(1)
BOB = make_identity(2)
MALLORY = make_identity(3)
LOG = make_log(ALICE, 40)
BOB_LOG = make_log(BOB, 40)
START = LOG[:20]  # a run that starts the log: verified after None
MID = LOG[20:40]  # a run in the middle: verified after LOG[19]


def fields(e: Entry) -> list[object]:
    """The nine wire fields of ``e``'s header, to edit and re-encode."""
    return list(codec.decode(e.raw))


def raw_of(values: list[object]) -> bytes:
    return codec.encode(tuple(values))


def signed(values: list[object], secret: bytes) -> bytes:
    """A header with the first eight of ``values``, signed by ``secret``."""
    unsigned = entry.Header(*values[:8], signature=b"")  # type: ignore[arg-type]
    sig = crypto.sign(secret, unsigned.signed_part())
    return unsigned._replace(signature=sig).to_bytes()


def with_body(e: Entry, body: bytes | None) -> Entry:
    return Entry(e.header, e.raw, e.id, body)


# --- create and parse ------------------------------------------------------------------


def test_create_parse_round_trip() -> None:
    for i, e in enumerate(LOG):
        again = entry.parse(e.raw, e.body)
        assert again == e
        assert entry.parse(e.raw, None) == e.without_body()
        h = e.header
        assert (h.version, h.device, h.seq) == (entry.FORMAT_VERSION, ALICE.device_id, i + 1)
        assert h.prev == (None if i == 0 else LOG[i - 1].id)
        assert h.timestamp == T0 + i * 1000
        assert e.body is not None
        assert (h.body_hash, h.body_len) == (entry.body_hash(e.body), len(e.body))
        assert e.id == entry.entry_id(e.raw) != h.body_hash
        assert e.raw == h.to_bytes()
        assert len(e.raw) <= entry.HEADER_CAP
        entry.verify_entry(e)
        entry.verify_entry(e.without_body())
    assert len({e.id for e in LOG}) == len(LOG)


@FAST
@given(kind=st.integers(0, 255), timestamp=st.sampled_from([0, 1, T0, MAX_TIME]),
       body=st.binary(max_size=200), length=st.integers(1, 3))
def test_any_created_entry_parses_and_verifies(kind: int, timestamp: int, body: bytes,
                                              length: int) -> None:
    prev = LOG[length - 1]
    e = entry.create(ALICE.device.secret_key, ALICE.device_id, prev, timestamp, kind, body)
    assert entry.parse(e.raw, body) == e
    entry.verify_run([e], prev)


def test_biggest_header_fits_the_cap() -> None:
    values = fields(LOG[1])
    values[2], values[4], values[7] = MAX_SEQ, MAX_TIME, BODY_CAP
    raw = signed(values, ALICE.device.secret_key)
    assert len(raw) <= entry.HEADER_CAP
    entry.verify_signature(entry.decode_header(raw))


def test_create_body_cap() -> None:
    e = entry.create(ALICE.device.secret_key, ALICE.device_id, None, T0, 1, bytes(BODY_CAP))
    assert entry.parse(e.raw, e.body).header.body_len == BODY_CAP
    with pytest.raises(OverCap):
        entry.create(ALICE.device.secret_key, ALICE.device_id, None, T0, 1, bytes(BODY_CAP + 1))


def test_create_refuses_prev_of_another_log() -> None:
    with pytest.raises(ValueError, match="another log"):
        entry.create(ALICE.device.secret_key, ALICE.device_id, BOB_LOG[0], T0, 1, b"")


@pytest.mark.parametrize("timestamp,kind", [(-1, 1), (MAX_TIME + 1, 1), (T0, 256), (T0, -1),
                                            (T0 + 0.5, 1), (float(T0), 1), (T0, 1.0)])
def test_create_refuses_entries_that_would_not_decode(timestamp: int, kind: int) -> None:
    # Regression: create signed these, and decode_header then refused its own output
    # (a float, from time.time() * 1000, is packed as a msgpack float).
    with pytest.raises(ValueError):
        entry.create(ALICE.device.secret_key, ALICE.device_id, None, timestamp, kind, b"")


def test_create_accepts_an_int_enum_kind() -> None:
    e = entry.create(ALICE.device.secret_key, ALICE.device_id, None, T0, Kind.POST, b"")
    assert entry.parse(e.raw, b"").kind == 1


def test_create_refuses_a_key_that_is_not_the_devices() -> None:
    # Regression: this signed an entry with Bob's key that named Alice's device.
    with pytest.raises(ValueError, match="secret key"):
        entry.create(BOB.device.secret_key, ALICE.device_id, None, T0, 1, b"")


# --- decode_header: each malformed field -----------------------------------------------

N = 4  # LOG[N] has seq 5 and a prev
BAD_FIELDS = [
    (0, 2, UnknownVersion), (0, 0, UnknownVersion), (0, True, UnknownVersion),
    (0, None, UnknownVersion), (0, b"\x01", UnknownVersion),
    (1, b"\x00" * 31, MalformedEntry), (1, b"\x00" * 33, MalformedEntry),
    (1, None, MalformedEntry), (1, 7, MalformedEntry), (1, "", MalformedEntry),
    (1, "x" * 32, OverCap),  # headers hold no text at all: max_str is 0
    (2, 0, MalformedEntry), (2, -1, MalformedEntry), (2, MAX_SEQ + 1, MalformedEntry),
    (2, True, MalformedEntry), (2, None, MalformedEntry), (2, b"\x05", MalformedEntry),
    (3, None, MalformedEntry),  # prev missing at seq > 1
    (3, b"\x00" * 31, MalformedEntry), (3, b"\x00" * 33, MalformedEntry), (3, 0, MalformedEntry),
    (4, -1, MalformedEntry), (4, MAX_TIME + 1, MalformedEntry), (4, False, MalformedEntry),
    (4, None, MalformedEntry), (4, 2**64 - 1, MalformedEntry),
    (5, 256, MalformedEntry), (5, -1, MalformedEntry), (5, True, MalformedEntry),
    (5, None, MalformedEntry),
    (6, b"\x00" * 31, MalformedEntry), (6, None, MalformedEntry), (6, b"", MalformedEntry),
    (7, BODY_CAP + 1, MalformedEntry), (7, -1, MalformedEntry), (7, False, MalformedEntry),
    (7, True, MalformedEntry),
    (8, b"\x00" * 63, MalformedEntry), (8, b"\x00" * 65, OverCap), (8, None, MalformedEntry),
    (8, (b"\x00" * 64,), OverCap),  # nesting: headers are flat
]


@pytest.mark.parametrize("index,value,error", BAD_FIELDS,
                         ids=[f"{i}={v!r:.12}" for i, v, _ in BAD_FIELDS])
def test_decode_header_rejects_each_malformed_field(index: int, value: object,
                                                    error: type[InvalidEntry]) -> None:
    values = fields(LOG[N])
    values[index] = value
    with pytest.raises(error):
        entry.decode_header(raw_of(values))


def test_first_entry_has_no_prev_and_others_need_one() -> None:
    first = fields(LOG[0])
    assert first[3] is None
    first[3] = LOG[1].id
    with pytest.raises(MalformedEntry, match="first entry"):
        entry.decode_header(raw_of(first))
    second = fields(LOG[1])
    second[2] = 1  # seq 1 with a prev
    with pytest.raises(MalformedEntry):
        entry.decode_header(raw_of(second))
    second = fields(LOG[1])
    second[3] = None  # seq 2 without a prev
    with pytest.raises(MalformedEntry, match="prev"):
        entry.decode_header(raw_of(second))


@pytest.mark.parametrize("wire,error", [
    ((), MalformedEntry), (1, MalformedEntry), (None, MalformedEntry), (b"x", MalformedEntry),
    (tuple(fields(LOG[N])[:8]), MalformedEntry),
    ((*fields(LOG[N]), 0), OverCap),  # ten fields: over the array cap
    ((2, b"future"), UnknownVersion),  # a newer format may have another layout
    ((2, *fields(LOG[N])[1:]), UnknownVersion),
], ids=["empty", "int", "nil", "bin", "eight", "ten", "v2 short", "v2"])
def test_decode_header_rejects_wrong_layouts(wire: object, error: type[InvalidEntry]) -> None:
    with pytest.raises(error):
        entry.decode_header(codec.encode(wire))


def test_decode_header_rejects_oversize_input() -> None:
    raw = LOG[N].raw
    with pytest.raises(OverCap):
        entry.decode_header(raw + bytes(entry.HEADER_CAP + 1 - len(raw)))
    with pytest.raises(OverCap):
        entry.decode_header(bytes(10_000))
    with pytest.raises(MalformedEntry):  # under the cap, but trailing bytes
        entry.decode_header(raw + b"\x00")
    with pytest.raises(OverCap):
        entry.parse(bytes(entry.HEADER_CAP + 1), None)


def test_decode_header_rejects_non_canonical_encodings() -> None:
    values = fields(LOG[N])
    parts = [codec.encode(v) for v in values]
    wide_seq = [*parts[:2], b"\xcd\x00\x05", *parts[3:]]
    with pytest.raises(NonCanonical):
        entry.decode_header(b"\x99" + b"".join(wide_seq))
    with pytest.raises(NonCanonical):
        entry.decode_header(b"\xdc\x00\x09" + b"".join(parts))
    assert b"\x99" + b"".join(parts) == LOG[N].raw


def test_decode_header_rejects_a_map() -> None:
    with pytest.raises(MalformedEntry):
        entry.decode_header(b"\x81\x01\x02")


# --- single entries: every bit matters -------------------------------------------------


@pytest.mark.parametrize("e", [LOG[0], LOG[N]], ids=["seq1", "seq5"])
def test_a_flipped_bit_anywhere_in_a_signed_header_is_rejected(e: Entry) -> None:
    caught_by_parse = caught_by_verify = 0
    for i in range(len(e.raw) * 8):
        data = bytearray(e.raw)
        data[i // 8] ^= 1 << (i % 8)
        try:
            tampered = entry.parse(bytes(data), None)
        except InvalidEntry:
            caught_by_parse += 1
            continue
        with pytest.raises(BadSignature):
            entry.verify_entry(tampered)
        caught_by_verify += 1
    assert caught_by_parse and caught_by_verify


def test_a_flipped_bit_in_a_body_is_a_body_mismatch() -> None:
    e = LOG[N]
    assert e.body is not None
    for i in range(len(e.body) * 8):
        body = bytearray(e.body)
        body[i // 8] ^= 1 << (i % 8)
        with pytest.raises(BodyMismatch):
            entry.parse(e.raw, bytes(body))
        with pytest.raises(BodyMismatch):
            entry.verify_entry(with_body(e, bytes(body)))
    for body in (b"", e.body[:-1], e.body + b"\x00", LOG[N + 1].body):
        with pytest.raises(BodyMismatch):
            entry.parse(e.raw, body)


def test_a_signature_from_another_key_is_rejected() -> None:
    values = fields(LOG[N])
    forged = entry.parse(signed(values, MALLORY.device.secret_key), LOG[N].body)
    with pytest.raises(BadSignature):
        entry.verify_entry(forged)


# --- runs --------------------------------------------------------------------------------


def test_honest_runs_verify() -> None:
    entry.verify_run(START, None)
    entry.verify_run(LOG, None)
    entry.verify_run(MID, LOG[19])
    entry.verify_run(MID, (LOG[19].seq, LOG[19].id))
    entry.verify_run([], None)
    entry.verify_run([], LOG[3])
    for k in range(1, len(LOG)):
        entry.verify_run([LOG[k]], LOG[k - 1])
    entry.verify_run(START[:-1], None)  # dropping the *last* entry leaves an honest prefix


@FAST
@given(st.lists(st.booleans(), min_size=20, max_size=20))
def test_honest_run_with_some_bodies_absent_verifies(absent: list[bool]) -> None:
    run = [with_body(e, None) if gone else e for e, gone in zip(MID, absent, strict=True)]
    entry.verify_run(run, LOG[19])
    entry.verify_run([with_body(e, None) if gone else e
                      for e, gone in zip(START, absent, strict=True)], None)


@pytest.mark.parametrize("run,after", [(START, None), (MID, LOG[19])], ids=["start", "mid"])
def test_every_byte_of_every_header_in_a_run_is_protected(run: list[Entry],
                                                          after: Entry | None) -> None:
    caught_by_parse = caught_by_run = 0
    for k, e in enumerate(run):
        for j in range(len(e.raw)):
            for mask in (0x01, 0xFF):
                data = bytearray(e.raw)
                data[j] ^= mask
                try:
                    tampered = entry.parse(bytes(data), e.body)
                except InvalidEntry:
                    caught_by_parse += 1
                    continue
                with pytest.raises(InvalidEntry):
                    entry.verify_run([*run[:k], tampered, *run[k + 1 :]], after)
                caught_by_run += 1
    assert caught_by_parse and caught_by_run


@pytest.mark.parametrize("run,after", [(START, None), (MID, LOG[19])], ids=["start", "mid"])
def test_body_tampering_anywhere_in_a_run_is_caught(run: list[Entry], after: Entry | None,
                                                    ) -> None:
    for k, e in enumerate(run):
        assert e.body is not None
        variants = [e.body[:j] + bytes([e.body[j] ^ 0x01]) + e.body[j + 1 :]
                    for j in range(len(e.body))]
        variants += [b"", e.body[:-1], e.body + b"\x00", run[k - 1].body or b""]
        for body in variants:
            tampered = [*run[:k], with_body(e, body), *run[k + 1 :]]
            with pytest.raises(BodyMismatch):
                entry.verify_run(tampered, after)


@pytest.mark.parametrize("run,after", [(START, None), (MID, LOG[19])], ids=["start", "mid"])
def test_a_dropped_entry_is_caught(run: list[Entry], after: Entry | None) -> None:
    for k in range(len(run) - 1):
        with pytest.raises(BrokenLink):
            entry.verify_run([*run[:k], *run[k + 1 :]], after)


@pytest.mark.parametrize("run,after", [(START, None), (MID, LOG[19])], ids=["start", "mid"])
def test_two_swapped_entries_are_caught(run: list[Entry], after: Entry | None) -> None:
    for i, j in itertools.combinations(range(len(run)), 2):
        swapped = list(run)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        with pytest.raises(BrokenLink):
            entry.verify_run(swapped, after)
    with pytest.raises(BrokenLink):
        entry.verify_run(run[::-1], after)
    with pytest.raises(BrokenLink):  # a repeated entry
        entry.verify_run([*run[:5], run[4], *run[5:]], after)


@pytest.mark.parametrize("run,after", [(START, None), (MID, LOG[19])], ids=["start", "mid"])
def test_an_entry_from_another_log_spliced_in_is_caught(run: list[Entry], after: Entry | None,
                                                        ) -> None:
    base = run[0].seq - 1
    for k in range(len(run)):
        other = BOB_LOG[base + k]  # same seq, other log
        with pytest.raises(BrokenLink):
            entry.verify_run([*run[:k], other, *run[k + 1 :]], after)
        with pytest.raises(BrokenLink):
            entry.verify_run([*run[:k], other, *run[k:]], after)


def test_a_run_that_does_not_continue_after_is_caught() -> None:
    for after in (LOG[18], LOG[20], LOG[0], BOB_LOG[19], None, (20, LOG[18].id), (19, LOG[19].id),
                  (21, LOG[19].id), (0, b"")):
        with pytest.raises(BrokenLink):
            entry.verify_run(MID, after)
    with pytest.raises(BrokenLink):
        entry.verify_run(START, (0, b"\x00" * 32))
    with pytest.raises(BrokenLink):
        entry.verify_run(BOB_LOG[20:40], LOG[19])


def test_a_run_of_another_log_naming_after_as_prev_is_caught() -> None:
    # Regression: anyone can sign headers whose prev is another log's entry id. Mallory's
    # run 21..23 "continues" Alice's entry 20 by its links, and only the device differs.
    values = fields(LOG[20])
    values[1] = MALLORY.device_id
    forged: list[Entry] = []
    prev_id = LOG[19].id
    for seq in (21, 22, 23):
        values[2], values[3] = seq, prev_id
        forged.append(entry.parse(signed(values, MALLORY.device.secret_key), LOG[20].body))
        prev_id = forged[-1].id
    entry.verify_run(forged, (20, LOG[19].id))  # links hold: the caller must pick the log
    with pytest.raises(BrokenLink, match="another log"):
        entry.verify_run(forged, LOG[19])


def test_a_run_whose_last_entry_is_re_signed_by_another_key_is_caught() -> None:
    for run, after in ((START, None), (MID, LOG[19])):
        last = run[-1]
        # Same header, Mallory's signature.
        same = entry.parse(signed(fields(last), MALLORY.device.secret_key), last.body)
        with pytest.raises(BadSignature):
            entry.verify_run([*run[:-1], same], after)
        # An edited header (new timestamp), re-signed by Mallory.
        values = fields(last)
        values[4] += 1
        edited = entry.parse(signed(values, MALLORY.device.secret_key), last.body)
        with pytest.raises(BadSignature):
            entry.verify_run([*run[:-1], edited], after)
        # Mallory's own key as the device, still linked to the run.
        values = fields(last)
        values[1] = MALLORY.device_id
        moved = entry.parse(signed(values, MALLORY.device.secret_key), last.body)
        with pytest.raises(BrokenLink):
            entry.verify_run([*run[:-1], moved], after)
        with pytest.raises(BrokenLink):
            entry.verify_run([moved], run[-2])


def test_only_the_last_signature_is_checked_but_it_covers_the_run() -> None:
    # A bad signature on an inner header goes unnoticed by verify_run (by design)...
    values = fields(MID[5])
    resigned = entry.parse(signed(values, MALLORY.device.secret_key), MID[5].body)
    # ...but it changes that header's bytes, so its id, so the next link breaks.
    assert resigned.id != MID[5].id
    with pytest.raises(BrokenLink):
        entry.verify_run([*MID[:5], resigned, *MID[6:]], LOG[19])


_FIELD_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2, 2**54),
                          st.binary(max_size=70), st.text(max_size=3),
                          st.just((1, 2)), st.floats(allow_nan=False))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), _FIELD_VALUES), max_size=3),
       st.integers(-1, 10))
def test_the_fast_header_path_agrees_with_the_slow_one(changes: list, length: int) -> None:
    """decode_header's fast path accepts exactly what the full check accepts, and
    whatever it hands on fails the same way."""
    good = make_log(make_identity(1), 2)[1].header
    fields = list(good)
    for index, value in changes:
        if index < len(fields):
            fields[index] = value
    if 0 <= length < len(fields):
        fields = fields[:length]
    try:
        raw = codec.encode(tuple(fields))
    except TypeError:
        return
    outcomes = []
    for decode in (entry.decode_header, entry._decode_header_slowly):
        try:
            outcomes.append(decode(raw))
        except Exception as exc:  # the two paths must fail alike
            outcomes.append(type(exc))
    assert outcomes[0] == outcomes[1]
