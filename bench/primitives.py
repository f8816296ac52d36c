"""The primitives that bound ingest, one core each: Ed25519 verification, BLAKE2b of a
header (the entry id), canonical msgpack decoding of a header, signing (what writing a
post costs), and batched SQLite inserts into a real WAL file with synchronous = FULL.

DESIGN.md's claim to check: signatures run at a few thousand per second, the rest at
50 thousand or more; that gap is why ingest checks one signature per run.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from p2psocial import content, crypto, entry, identity

from . import common

BENCH = "primitives"


def _headers(n: int) -> list[entry.Entry]:
    """A short real log: distinct, realistic signed headers (~180 bytes each)."""
    ident = identity.new_identity(b"\x01" * 32, b"\x02" * 32, common.T0)
    log: list[entry.Entry] = []
    prev = None
    for i in range(n):
        kind, body = content.encode_body(content.Post(f"post number {i} " * 8))
        prev = entry.create(ident.device.secret_key, ident.device_id, prev, common.T0 + i,
                            kind, body)
        log.append(prev)
    return log


def run(quick: bool, out: Path, batch: int) -> None:
    n_sig = 1_000 if quick else 20_000
    n_fast = 20_000 if quick else 300_000
    n_rows = 5_000 if quick else 100_000
    log = _headers(256)
    raws = [e.raw for e in log]
    header_bytes = round(sum(map(len, raws)) / len(raws))

    msgs = [(e.header.device, e.header.signed_part(), e.header.signature) for e in log]

    def verify() -> None:
        for i in range(n_sig):
            key, msg, sig = msgs[i & 255]
            if not crypto.verify(key, msg, sig):
                raise AssertionError("a good signature did not verify")

    common.progress(f"ed25519 verify x {n_sig}")
    common.emit(common.record(BENCH, "ed25519_verify", per_s=round(common.rate(verify, n_sig)),
                              n=n_sig, message_bytes=len(msgs[0][1]), cores=1))

    ident = identity.new_identity(b"\x03" * 32, b"\x04" * 32, common.T0)
    secret = ident.device.secret_key

    def sign() -> None:
        for i in range(n_sig):
            crypto.sign(secret, msgs[i & 255][1])

    common.progress(f"ed25519 sign x {n_sig}")
    common.emit(common.record(BENCH, "ed25519_sign", per_s=round(common.rate(sign, n_sig)),
                              n=n_sig, cores=1))

    def hashes() -> None:
        for i in range(n_fast):
            entry.entry_id(raws[i & 255])

    common.progress(f"blake2b entry_id x {n_fast}")
    common.emit(common.record(BENCH, "blake2b_entry_id",
                              per_s=round(common.rate(hashes, n_fast)), n=n_fast,
                              input_bytes=header_bytes, cores=1))

    def decode() -> None:
        for i in range(n_fast):
            entry.decode_header(raws[i & 255])

    common.progress(f"decode_header x {n_fast}")
    common.emit(common.record(BENCH, "decode_header", per_s=round(common.rate(decode, n_fast)),
                              n=n_fast, input_bytes=header_bytes, cores=1))

    wires = [(e.raw, e.body) for e in log]

    def parse() -> None:  # what receiving an entry costs before its signature: decode,
        for i in range(n_fast):  # entry id, body hash
            raw, body = wires[i & 255]
            entry.parse(raw, body)

    common.progress(f"entry.parse x {n_fast}")
    common.emit(common.record(BENCH, "entry_parse", per_s=round(common.rate(parse, n_fast)),
                              n=n_fast, cores=1))

    common.progress(f"sqlite batched insert x {n_rows} (batch {batch})")
    with tempfile.TemporaryDirectory(prefix="p2ps-bench-") as tmp:
        result = common.raw_insert_rate(Path(tmp), rows=n_rows, batch=batch)
    common.emit(common.record(BENCH, "sqlite_batched_insert", **result, cores=1))


def main(argv: list[str] | None = None) -> int:
    args = common.parser("python -m bench primitives", __doc__ or "").parse_args(argv)
    run(args.quick, args.out, args.batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
