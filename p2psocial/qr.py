"""QR codes (ISO/IEC 18004) for invites: bytes in, a matrix of dark modules out.

Why our own encoder: an invite is shown as a QR code in the app, and the core must
stay free of I/O and of dependencies that a packager would have to vendor. The
encoder is small, pure and checked module for module against segno in the tests.

Theory of operation
-------------------

1. **Data codewords.** The data goes in byte mode (mode ``0100``, an 8-bit count up
   to version 9 and a 16-bit one above), then up to four zero bits of terminator,
   zero bits to a byte boundary, and the pad bytes ``EC 11`` alternating until the
   version's data capacity is full. The smallest version (1–40) whose capacity at
   the chosen level holds the data is used.
2. **Error correction.** A version and level split the codewords into blocks
   (``_EC_PER_BLOCK`` and ``_BLOCKS``; the short blocks come first, the long ones
   hold one more data codeword). Each block gets Reed–Solomon check codewords over
   GF(256) with the polynomial ``x^8+x^4+x^3+x^2+1``; the blocks are interleaved
   codeword by codeword, data first, then the check codewords.
3. **Placement.** Function patterns first (three finders with their separators,
   the timing lines, the alignment patterns); the format and version areas and the
   dark module are reserved. The bits then run in two-module-wide columns from the
   bottom right, up and down in turn, skipping column 6 and anything reserved.
4. **Masking.** Each of the eight masks is applied to the data modules and scored
   by the four penalty rules of ISO/IEC 18004:2015 7.8.3 (runs of five or more,
   2x2 blocks, the 1:1:3:1:1 finder look-alike with four light modules on either
   side — outside the symbol counts as light — and the distance of the dark share
   from 50 %). As in the standard's procedure, the format and version areas are still
   light while masks are scored. The lowest score wins, the lower mask on a tie.
5. **Format and version information.** Level and mask as 5 bits with a BCH(15,5)
   code, XORed with ``101010000010010``, in two copies beside the finders; from
   version 7, the version as 6 bits with a BCH(18,6) code, in two 6x3 blocks.

Sans-IO, standard library only.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass

from .errors import UserError

LEVELS = ("L", "M", "Q", "H")
_FORMAT_LEVEL_BITS = {"L": 1, "M": 0, "Q": 3, "H": 2}

# Check codewords per block, and number of blocks, by level and version (index 0 unused).
_EC_PER_BLOCK = {
    "L": (0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
          28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
    "M": (0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
          26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28),
    "Q": (0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
          28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
    "H": (0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
          30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
}
_BLOCKS = {
    "L": (0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12,
          12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25),
    "M": (0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20,
          21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49),
    "Q": (0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25,
          27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68),
    "H": (0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30,
          32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81),
}

_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_FROM_DIGITS = bytes.maketrans(b"01", b"\x00\x01")

_MASKS = (
    lambda r, c: (r + c) % 2 == 0,
    lambda r, c: r % 2 == 0,
    lambda r, c: c % 3 == 0,
    lambda r, c: (r + c) % 3 == 0,
    lambda r, c: (r // 2 + c // 3) % 2 == 0,
    lambda r, c: r * c % 2 + r * c % 3 == 0,
    lambda r, c: (r * c % 2 + r * c % 3) % 2 == 0,
    lambda r, c: ((r + c) % 2 + r * c % 3) % 2 == 0,
)


class DataTooLong(UserError):
    """More data than the largest QR code holds at the level asked for."""


@dataclass(frozen=True, slots=True)
class Symbol:
    """An encoded QR code: ``modules[row][col]`` is True for dark; no quiet zone."""

    version: int
    level: str
    mask: int
    modules: tuple[tuple[bool, ...], ...]

    @property
    def size(self) -> int:
        return len(self.modules)


def encode(data: bytes | str, level: str = "M") -> list[list[bool]]:
    """The modules of ``data`` as a QR code (True = dark), smallest version, best mask."""
    return [list(row) for row in make(data, level).modules]


def make(data: bytes | str, level: str = "M", *, version: int | None = None,
         mask: int | None = None) -> Symbol:
    """Encode ``data`` (text as UTF-8) in byte mode; ``version``/``mask`` force a choice."""
    payload = data.encode() if isinstance(data, str) else bytes(data)
    if level not in LEVELS:
        raise ValueError(f"QR level must be one of {LEVELS}, not {level!r}")
    if mask is not None and not 0 <= mask < 8:
        raise ValueError(f"QR mask must be 0 to 7, not {mask}")
    chosen = _smallest_version(len(payload), level) if version is None else version
    if not 1 <= chosen <= 40:
        raise ValueError(f"QR version must be 1 to 40, not {chosen}")
    if _capacity_bits(chosen, level) < _bits_needed(len(payload), chosen):
        raise DataTooLong(f"{len(payload)} bytes do not fit a version {chosen} QR code")
    codewords = _with_error_correction(_data_codewords(payload, chosen, level), chosen, level)
    grid = _Grid(chosen)
    grid.place(codewords)
    best = mask if mask is not None else _best_mask(grid)
    rows = [_row_modules(row, grid.size) for row in grid.masked(best)]
    grid.draw_format(rows, level, best)
    grid.draw_version(rows)
    return Symbol(chosen, level, best, tuple(tuple(map(bool, row)) for row in rows))


# --- 1. data codewords -----------------------------------------------------------------


def _raw_modules(version: int) -> int:
    """Modules left for data and check codewords once function patterns are placed."""
    result = (16 * version + 128) * version + 64
    if version >= 2:
        aligns = version // 7 + 2
        result -= (25 * aligns - 10) * aligns - 55
        if version >= 7:
            result -= 36
    return result


def _capacity_bits(version: int, level: str) -> int:
    total = _raw_modules(version) // 8
    return (total - _EC_PER_BLOCK[level][version] * _BLOCKS[level][version]) * 8


def _count_bits(version: int) -> int:
    return 8 if version <= 9 else 16


def _bits_needed(length: int, version: int) -> int:
    if length >= 1 << _count_bits(version):
        return 1 << 30  # the count field cannot say it: never fits
    return 4 + _count_bits(version) + 8 * length


def _smallest_version(length: int, level: str) -> int:
    for version in range(1, 41):
        if _bits_needed(length, version) <= _capacity_bits(version, level):
            return version
    most = (_capacity_bits(40, level) - 4 - 16) // 8
    raise DataTooLong(f"Too much for a QR code: {length} bytes, at most {most} at level "
                      f"{level}")


def _data_codewords(payload: bytes, version: int, level: str) -> bytes:
    capacity = _capacity_bits(version, level)
    count_bits = _count_bits(version)
    header = 4 + count_bits + 8 * len(payload)
    terminated = header + min(4, capacity - header)
    whole_bytes = terminated + (-terminated) % 8
    value = (0b0100 << count_bits | len(payload)) << 8 * len(payload)
    value |= int.from_bytes(payload, "big")
    head = (value << (whole_bytes - header)).to_bytes(whole_bytes // 8, "big")
    pad = (b"\xec\x11" * (capacity // 16 + 1))[: capacity // 8 - len(head)]
    return head + pad


# --- 2. error correction ---------------------------------------------------------------

_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]
del _x, _i


def _generator(degree: int) -> list[int]:
    """Coefficients (highest first, leading 1 dropped) of prod (x - a^i), i < degree."""
    poly = [1]
    for i in range(degree):
        nxt = [*poly, 0]
        for j, coef in enumerate(poly):
            if coef:
                nxt[j + 1] ^= _EXP[_LOG[coef] + i]
        poly = nxt
    return poly[1:]


def _rs_remainder(data: bytes, degree: int) -> bytes:
    gen_logs = [_LOG[g] for g in _generator(degree)]
    rem = [0] * degree
    for byte in data:
        factor = byte ^ rem[0]
        rem = [*rem[1:], 0]
        if factor:
            lf = _LOG[factor]
            for j, gl in enumerate(gen_logs):
                rem[j] ^= _EXP[lf + gl]
    return bytes(rem)


def _with_error_correction(data: bytes, version: int, level: str) -> bytes:
    blocks = _BLOCKS[level][version]
    ec_len = _EC_PER_BLOCK[level][version]
    total = _raw_modules(version) // 8
    short_count = blocks - total % blocks
    short_data = total // blocks - ec_len
    pieces: list[bytes] = []
    start = 0
    for b in range(blocks):
        length = short_data + (b >= short_count)
        pieces.append(data[start:start + length])
        start += length
    checks = [_rs_remainder(piece, ec_len) for piece in pieces]
    out = bytearray()
    for i in range(short_data + 1):
        out.extend(piece[i] for piece in pieces if i < len(piece))
    for i in range(ec_len):
        out.extend(check[i] for check in checks)
    return bytes(out)


# --- 3-5. the matrix -------------------------------------------------------------------


def _alignment_centres(version: int) -> list[int]:
    if version == 1:
        return []
    count = version // 7 + 2
    step = 26 if version == 32 else (version * 4 + count * 2 + 1) // (count * 2 - 2) * 2
    size = 4 * version + 17
    return [6, *reversed([size - 7 - i * step for i in range(count - 1)])]


def _bch(value: int, poly: int, degree: int) -> int:
    """``value`` followed by the remainder of its BCH code (generator ``poly``)."""
    rem = value << degree
    top = poly.bit_length() - 1
    for shift in range(rem.bit_length() - 1, top - 1, -1):
        if rem >> shift & 1:
            rem ^= poly << (shift - top)
    return value << degree | rem


class _Grid:
    """The function patterns of one version, and the data modules placed among them."""

    def __init__(self, version: int) -> None:
        self.version = version
        self.size = n = 4 * version + 17
        self.rows = [bytearray(n) for _ in range(n)]
        self.reserved = [bytearray(n) for _ in range(n)]
        for r, c in ((0, 0), (0, n - 7), (n - 7, 0)):
            self._finder(r, c)
        for i in range(9):  # format areas: light until draw_format
            self._set(8, i, False)
            self._set(i, 8, False)
        for i in range(8):
            self._set(8, n - 1 - i, False)
            self._set(n - 1 - i, 8, False)
        if version >= 7:  # version areas: light until draw_version
            for i in range(18):
                self._set(n - 11 + i % 3, i // 3, False)
                self._set(i // 3, n - 11 + i % 3, False)
        for i in range(8, n - 8):  # timing lines (two of them cross the format areas)
            self._set(6, i, i % 2 == 0)
            self._set(i, 6, i % 2 == 0)
        centres = _alignment_centres(version)
        last = centres[-1] if centres else 0
        corners = {(6, 6), (6, last), (last, 6)}  # where the finders already are
        for r in centres:
            for c in centres:
                if (r, c) not in corners:
                    for dr in range(-2, 3):
                        for dc in range(-2, 3):
                            self._set(r + dr, c + dc, max(abs(dr), abs(dc)) != 1)
        full = (1 << n) - 1
        self.free = [full ^ _bits_of(row) for row in self.reserved]
        self.bits = [_bits_of(row) for row in self.rows]

    def _set(self, r: int, c: int, dark: bool) -> None:
        self.rows[r][c] = dark
        self.reserved[r][c] = 1

    def _finder(self, top: int, left: int) -> None:
        for dr in range(-1, 8):
            for dc in range(-1, 8):
                r, c = top + dr, left + dc
                if 0 <= r < self.size and 0 <= c < self.size:
                    ring = max(abs(dr - 3), abs(dc - 3))
                    self._set(r, c, ring != 2 and ring != 4)

    def place(self, codewords: bytes) -> None:
        """Lay the codewords' bits in the zigzag; remainder bits stay light."""
        bits = int.from_bytes(codewords, "big")
        total = 8 * len(codewords)
        i = 0
        n = self.size
        right = n - 1
        while right >= 1:
            if right == 6:
                right = 5
            upward = (right + 1) & 2 == 0
            for vert in range(n):
                r = n - 1 - vert if upward else vert
                for c in (right, right - 1):
                    if not self.reserved[r][c]:
                        if i < total:
                            self.rows[r][c] = bits >> (total - 1 - i) & 1
                        i += 1
            right -= 2
        self.bits = [_bits_of(row) for row in self.rows]

    def masked(self, mask: int) -> list[int]:
        """The rows as integers (column 0 is the top bit) with ``mask`` on the data."""
        pattern = _mask_rows(mask, self.size)
        return [row ^ (pattern[r % 12] & free)
                for r, (row, free) in enumerate(zip(self.bits, self.free, strict=True))]

    def draw_format(self, rows: list[bytearray], level: str, mask: int) -> None:
        bits = _bch(_FORMAT_LEVEL_BITS[level] << 3 | mask, 0x537, 10) ^ 0x5412
        n = self.size

        def bit(i: int) -> int:
            return bits >> i & 1

        for i in range(6):
            rows[i][8] = bit(i)
        rows[7][8] = bit(6)
        rows[8][8] = bit(7)
        rows[8][7] = bit(8)
        for i in range(9, 15):
            rows[8][14 - i] = bit(i)
        for i in range(8):
            rows[8][n - 1 - i] = bit(i)
        for i in range(8, 15):
            rows[n - 15 + i][8] = bit(i)
        rows[n - 8][8] = 1  # the dark module

    def draw_version(self, rows: list[bytearray]) -> None:
        if self.version < 7:
            return
        bits = _bch(self.version, 0x1F25, 12)
        n = self.size
        for i in range(18):
            rows[n - 11 + i % 3][i // 3] = rows[i // 3][n - 11 + i % 3] = bits >> i & 1


# --- 4. mask penalty (ISO/IEC 18004:2015 7.8.3) ----------------------------------------

_RUN = re.compile(rb"\x00{5,}|\x01{5,}")
_FINDER_LIKE = b"\x01\x00\x01\x01\x01\x00\x01"


@functools.cache
def _mask_rows(mask: int, size: int) -> tuple[int, ...]:
    """The mask's modules as row integers for rows 0-11: every mask repeats after 12."""
    pattern = _MASKS[mask]
    return tuple(int("".join("1" if pattern(r, c) else "0" for c in range(size)), 2)
                 for r in range(12))


def _bits_of(modules: bytearray) -> int:
    """One byte per module as a row integer (column 0 is the top bit)."""
    return int(bytes(modules).translate(_TO_DIGITS), 2)


def _row_modules(row: int, size: int) -> bytearray:
    """A row integer as one byte per module (0 light, 1 dark)."""
    return bytearray(format(row, f"0{size}b").encode().translate(_FROM_DIGITS))


def _best_mask(grid: _Grid) -> int:
    scores = [_penalty(grid.masked(mask), grid.size) for mask in range(8)]
    return scores.index(min(scores))


def _penalty(rows: list[int], n: int) -> int:
    """The four penalties; runs and finder look-alikes on bytes, the rest on bits."""
    row_lines = [bytes(_row_modules(row, n)) for row in rows]
    lines = row_lines + [bytes(col) for col in zip(*row_lines, strict=True)]
    runs = sum(len(m) - 2 for line in lines for m in _RUN.findall(line))
    pairs = (1 << (n - 1)) - 1  # a bit for each two neighbouring columns
    squares = 0
    for top, low in itertools.pairwise(rows):
        agree = ~(top ^ low)  # same colour above and below
        squares += (agree & agree >> 1 & ~(top ^ top >> 1) & pairs).bit_count()
    finders = sum(_finder_like(line) for line in lines)
    dark = sum(row.bit_count() for row in rows)
    balance = abs(20 * dark - 10 * n * n) // (n * n)  # whole steps of 5 % away from 50 %
    return runs + 3 * squares + 40 * finders + 10 * balance


def _finder_like(line: bytes) -> int:
    """1:1:3:1:1 patterns with four light modules before or after (outside is light)."""
    found = 0
    at = line.find(_FINDER_LIKE)
    while at != -1:
        if not any(line[max(at - 4, 0):at]) or not any(line[at + 7:at + 11]):
            found += 1
            at = line.find(_FINDER_LIKE, at + 7)
        else:
            at = line.find(_FINDER_LIKE, at + 4)
    return found
