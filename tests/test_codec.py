"""The canonical codec: round trips, and refusal of every other encoding of a value.

A value has exactly one accepted encoding. Anything else a peer can send (a wider int,
a longer length prefix, a map, a float, an ext type, bad UTF-8, extra or missing bytes,
or more than the caps allow) is refused with a typed ``InvalidEntry`` subclass.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from p2psocial import codec
from p2psocial.errors import InvalidEntry, MalformedEntry, NonCanonical, OverCap

FAST = settings(max_examples=150, deadline=None)

# Each msgpack int width, and the values on both sides of its boundaries.
BOUNDARY_INTS = [
    0, 1, 127, 128, 255, 256, 2**16 - 1, 2**16, 2**32 - 1, 2**32, 2**63 - 1, 2**63,
    2**64 - 1, -1, -32, -33, -128, -129, -(2**15), -(2**15) - 1, -(2**31), -(2**31) - 1,
    -(2**63),
]


def scalars() -> st.SearchStrategy[object]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(codec.INT_MIN, codec.INT_MAX),
        st.sampled_from(BOUNDARY_INTS),
        st.binary(max_size=300),
        st.text(max_size=80),  # all of Unicode but lone surrogates
    )


def wire_values(depth: int = codec.DEFAULT_CAPS.max_depth) -> st.SearchStrategy[object]:
    """Wire values nested at most ``depth`` arrays deep."""
    if depth == 0:
        return scalars()
    return st.one_of(scalars(),
                     st.lists(st.deferred(lambda: wire_values(depth - 1)), max_size=4)
                     .map(tuple))


def same(a: object, b: object) -> bool:
    """Equality that also tells True from 1 and bytes from str, all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))  # type: ignore[arg-type]
    return a == b


def nested(depth: int) -> tuple:
    value: object = None
    for _ in range(depth):
        value = (value,)
    return value  # type: ignore[return-value]


# --- round trips -----------------------------------------------------------------------


@FAST
@given(wire_values())
def test_round_trip(value: object) -> None:
    data = codec.encode(value)
    assert same(codec.decode(data), value)


@pytest.mark.parametrize("n", BOUNDARY_INTS)
def test_int_boundaries_use_the_smallest_width(n: int) -> None:
    data = codec.encode(n)
    if -32 <= n <= 127:
        width = 1
    elif -(2**7) <= n < 2**8:
        width = 2
    elif -(2**15) <= n < 2**16:
        width = 3
    elif -(2**31) <= n < 2**32:
        width = 5
    else:
        width = 9
    assert len(data) == width
    assert same(codec.decode(data), n)


@pytest.mark.parametrize("size", [0, 31, 32, 255, 256, 2**16 - 1, 2**16])
def test_str_and_bin_length_boundaries(size: int) -> None:
    for value in ("x" * size, b"x" * size, "é" * (size // 2)):
        assert same(codec.decode(codec.encode(value)), value)


@pytest.mark.parametrize("size", [0, 15, 16, 2**16 - 1, 2**16])
def test_array_length_boundaries(size: int) -> None:
    caps = codec.Caps(max_bytes=1 << 20, max_bin=16, max_str=16, max_array=2**16, max_depth=2)
    value = (None,) * size
    assert codec.decode(codec.encode(value), caps) == value


def test_non_ascii_text() -> None:
    for text in ("café", "日本語", "🙂👨‍👩‍👧", "\x00nul", "\u2028", "ÿ" * 40):
        assert codec.decode(codec.encode(text)) == text


def test_lists_encode_as_arrays_and_decode_as_tuples() -> None:
    assert codec.decode(codec.encode([1, [b"x", "y"]])) == (1, (b"x", "y"))


def test_encode_refuses_values_out_of_range() -> None:
    for value in (codec.INT_MAX + 1, codec.INT_MIN - 1, object()):
        with pytest.raises(TypeError):
            codec.encode(value)
    assert codec.encode(5) == b"\x05"  # the packer is still usable after an error


# --- non-canonical input ---------------------------------------------------------------

NON_CANONICAL = {
    "uint8 for fixint": b"\xcc\x01",
    "uint16 for fixint": b"\xcd\x00\x01",
    "uint16 for uint8": b"\xcd\x00\xff",
    "uint32 for uint16": b"\xce\x00\x00\xff\xff",
    "uint64 for uint32": b"\xcf" + (2**32 - 1).to_bytes(8, "big"),
    "int8 for negative fixint": b"\xd0\xff",
    "int8 for positive fixint": b"\xd0\x05",
    "int16 for int8": b"\xd1\xff\x80",
    "int16 for positive uint8": b"\xd1\x00\xc8",
    "int32 for int16": b"\xd2" + (-(2**15)).to_bytes(4, "big", signed=True),
    "int64 for negative fixint": b"\xd3" + (-1).to_bytes(8, "big", signed=True),
    "int64 for positive fixint": b"\xd3" + (5).to_bytes(8, "big", signed=True),
    "str8 for fixstr": b"\xd9\x01a",
    "str16 for fixstr": b"\xda\x00\x01a",
    "str32 for fixstr": b"\xdb\x00\x00\x00\x01a",
    "str16 for str8": b"\xda\x00\x28" + b"a" * 40,
    "bin16 for bin8": b"\xc5\x00\x01x",
    "bin32 for bin8": b"\xc6\x00\x00\x00\x01x",
    "array16 for fixarray": b"\xdc\x00\x01\xc0",
    "array32 for fixarray": b"\xdd\x00\x00\x00\x01\xc0",
    "array16 empty": b"\xdc\x00\x00",
    "nested wide int": b"\x92\x01\xcc\x02",
    "deeply nested wide str": b"\x91\x91\xd9\x01a",
}


@pytest.mark.parametrize("data", NON_CANONICAL.values(), ids=NON_CANONICAL.keys())
def test_non_canonical_is_refused(data: bytes) -> None:
    with pytest.raises(NonCanonical):
        codec.decode(data)


# --- wrong types, bad bytes -------------------------------------------------------------

WRONG_TYPES = {
    "empty fixmap": b"\x80",
    "fixmap": b"\x81\x01\x02",
    "map16": b"\xde\x00\x01\x01\x02",
    "map32": b"\xdf\x00\x00\x00\x01\x01\x02",
    "map in array": b"\x92\x01\x81\x01\x02",
    "float32": b"\xca" + struct.pack(">f", 1.5),
    "float64": b"\xcb" + struct.pack(">d", 1.0),
    "float in array": b"\x91\xcb" + struct.pack(">d", 0.0),
    "fixext1": b"\xd4\x01\x00",
    "fixext16": b"\xd8\x01" + bytes(16),
    "ext8": b"\xc7\x01\x05\x00",
    "ext8 empty": b"\xc7\x00\x05",
    "ext16": b"\xc8\x00\x01\x05\x00",
    "ext32": b"\xc9\x00\x00\x00\x01\x05\x00",
    "timestamp ext": b"\xd6\xff\x00\x00\x00\x00",
    "ext in array": b"\x91\xd4\x01\x00",
    "never-used byte 0xc1": b"\xc1",
    "invalid utf-8": b"\xa1\xff",
    "utf-8 surrogate": b"\xa3\xed\xa0\x80",
    "overlong utf-8": b"\xa2\xc0\xaf",
    "truncated utf-8 sequence": b"\xa1\xc3",
    "empty input": b"",
    "trailing byte": b"\x01\x00",
    "two values": b"\x91\x01\x91\x01",
}


@pytest.mark.parametrize("data", WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_wrong_types_and_bad_bytes_are_malformed(data: bytes) -> None:
    with pytest.raises(MalformedEntry):
        codec.decode(data)


@FAST
@given(wire_values(3), st.binary(min_size=1, max_size=8))
def test_trailing_bytes_are_refused(value: object, extra: bytes) -> None:
    with pytest.raises(MalformedEntry):
        codec.decode(codec.encode(value) + extra)


SAMPLES = [None, True, 200, -200, 2**40, -(2**40), b"\x00" * 300, "né" * 20, "",
           (1, (b"ab", ("c", None)), -1), ((), ((),)), tuple(range(20))]


@pytest.mark.parametrize("value", SAMPLES, ids=[repr(v)[:20] for v in SAMPLES])
def test_truncation_at_every_cut_point(value: object) -> None:
    # msgpack is prefix-free: a strict prefix of a value is never a whole value.
    data = codec.encode(value)
    for cut in range(len(data)):
        with pytest.raises(MalformedEntry):
            codec.decode(data[:cut])


@FAST
@given(wire_values(3), st.data())
def test_truncation_of_any_value(value: object, data: st.DataObject) -> None:
    raw = codec.encode(value)
    cut = data.draw(st.integers(0, len(raw) - 1))
    with pytest.raises(MalformedEntry):
        codec.decode(raw[:cut])


# --- caps -------------------------------------------------------------------------------

CAPS = codec.Caps(max_bytes=1000, max_bin=40, max_str=30, max_array=10, max_depth=3)


def test_values_at_each_cap_are_accepted() -> None:
    for value in (b"x" * 40, "x" * 30, "é" * 15, (0,) * 10, nested(3)):
        assert codec.decode(codec.encode(value), CAPS) == value
    exactly = b"\xc5" + (997).to_bytes(2, "big") + bytes(997)
    assert codec.decode(exactly, codec.Caps(1000, 1000, 0, 0, 0)) == bytes(997)


@pytest.mark.parametrize("value", [b"x" * 41, "x" * 31, "é" * 16, (0,) * 11, nested(4),
                                   (1, (b"x" * 41,)), ((0,) * 11,), ("é" * 16,)],
                         ids=["bin", "str", "str bytes", "array", "depth", "nested bin",
                              "nested array", "nested str"])
def test_values_over_each_cap_are_refused(value: object) -> None:
    with pytest.raises(OverCap):
        codec.decode(codec.encode(value), CAPS)


def test_input_over_max_bytes_is_refused_before_parsing() -> None:
    caps = codec.Caps(1000, 1000, 0, 0, 0)
    with pytest.raises(OverCap):
        codec.decode(b"\xc5" + (998).to_bytes(2, "big") + bytes(998), caps)
    with pytest.raises(OverCap):  # not even looked at: garbage is over the cap too
        codec.decode(b"\xc1" * 1001, caps)
    with pytest.raises(OverCap):
        codec.decode(b"\xc4\x00" * (codec.DEFAULT_CAPS.max_bytes // 2 + 1))


@pytest.mark.parametrize("data", [b"\xc6\xff\xff\xff\xff", b"\xdb\xff\xff\xff\xff",
                                  b"\xdd\xff\xff\xff\xff", b"\xc5\xff\xff\x00",
                                  b"\x91\xdd\x00\x10\x00\x00"],
                         ids=["bin32", "str32", "array32", "bin16", "nested array32"])
def test_huge_length_prefixes_never_allocate(data: bytes) -> None:
    # An array's length is checked against its cap when its header is read; a bin or
    # str is checked once its bytes are there, so a short input is simply incomplete.
    # Either way nothing the size of the claimed length is ever allocated.
    for caps in (CAPS, codec.DEFAULT_CAPS):
        with pytest.raises(OverCap if data[0] == 0xDD or data[1] == 0xDD else MalformedEntry):
            codec.decode(data, caps)


def test_default_depth_cap() -> None:
    depth = codec.DEFAULT_CAPS.max_depth
    assert codec.decode(codec.encode(nested(depth))) == nested(depth)
    with pytest.raises(OverCap):
        codec.decode(codec.encode(nested(depth + 1)))


@pytest.mark.parametrize("depth", [100, 1023, 1024, 1025, 5000])
def test_very_deep_nesting_is_over_cap(depth: int) -> None:
    # Regression: past msgpack's own stack limit (1024) this was MalformedEntry.
    with pytest.raises(OverCap):
        codec.decode(b"\x91" * depth + b"\xc0")


def test_non_empty_maps_and_ext_are_malformed_not_over_cap() -> None:
    # Regression: msgpack's max_map_len=0 / max_ext_len=0 errors were reported as OverCap.
    for data in (b"\x81\x01\x02", b"\xd4\x01\x00", b"\x91\x81\xc0\xc0"):
        with pytest.raises(MalformedEntry):
            codec.decode(data)


def test_errors_are_invalid_entry() -> None:
    for cls in (MalformedEntry, NonCanonical, OverCap):
        assert issubclass(cls, InvalidEntry)
