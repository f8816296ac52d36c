"""Complete backups: the encrypted key file, every log, every blob, in one file.

File layout: the magic line ``P2PSOCIAL-BACKUP 1\\n``, then canonical msgpack records::

    ("meta", created_ms, account_id)
    ("keys", key_file_bytes)                 # as on disk: encrypted if a passphrase is set
    ("blob", hash, data)                      # one per blob
    ("log", device, ((header, body|nil), ...))  # runs of up to 1,000 entries, in order
    ("end", entries, blobs, digest)           # BLAKE2b of every record byte before "end"

``merge_backup`` brings a backup of the same account into a home that already holds
it (the app's Settings → Import), through the node's ingest. Restoring reads the file
twice: first to check the digest (a truncated or damaged file
is refused before anything is written), then to write. Entries go through the normal
verified ingest, so a backup cannot smuggle in anything a peer could not. The restored
home keeps the account but starts a NEW device log: the old device's log may have
grown after the backup was made, and reusing its sequence numbers would fork it.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import msgpack
import trio

from . import codec, entry, keyfile
from .errors import BadBackup, HomeError, InvalidEntry
from .home import Home
from .identity import DeviceKeys, Identity, issue_certificate
from .node import Node, now_ms
from .store import blob_hash

MAGIC = b"P2PSOCIAL-BACKUP 1\n"
CHUNK = 1000
_RECORD_CAP = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Summary:
    entries: int
    blobs: int
    size: int


def export_backup(node: Node, path: Path) -> Summary:
    """Write a complete backup of ``node``'s home to ``path`` (atomically)."""
    path = Path(path).expanduser()
    tmp = path.with_name(path.name + ".partial")
    digest = hashlib.blake2b(digest_size=32)
    entries = blobs = 0
    store = node.store
    try:
        with open(tmp, "wb") as out:
            out.write(MAGIC)

            def write(record: tuple) -> None:
                data = codec.encode(record)
                digest.update(data)
                out.write(data)

            write(("meta", now_ms(), node.account_id))
            write(("keys", node.home.read_keys()))
            for digest_of_blob in store.blob_hashes():
                data = store.get_blob(digest_of_blob)
                if data is not None:
                    write(("blob", digest_of_blob, data))
                    blobs += 1
            for device, _account, _head in store.devices():
                for run in store.iter_log(device, CHUNK):
                    write(("log", device, tuple((e.raw, e.body) for e in run)))
                    entries += len(run)
            out.write(codec.encode(("end", entries, blobs, digest.digest())))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BadBackup(f"cannot write {path}: {exc.strerror}") from None
    return Summary(entries, blobs, path.stat().st_size)


def restore_backup(home: Home, path: Path, passphrase: str | None) -> tuple[Node, Summary]:
    """Restore a backup into an empty home; returns the open node and what was restored."""
    path = Path(path).expanduser()
    if home.exists():
        raise HomeError(f"{home.path} already holds an account: restore into an empty home")
    meta, keys, totals = _check(path)
    old = keyfile.load(keys, passphrase)
    if old.account_id != meta[2]:
        raise BadBackup(f"{path} is damaged: its keys do not match its account")
    if old.root is None:
        raise BadBackup(f"{path} was made on a device that does not hold the account key: "
                        "restore from the recovery phrase, or link this device instead")
    # a new device log under the root, with every encryption key the old device held
    device = DeviceKeys(os.urandom(32))
    cert = issue_certificate(old.root, device.device_id, now_ms(), enc_key=old.enc_public)
    identity = Identity(device, cert, old.enc_seeds, old.root)
    created = not home.path.exists()
    node = Node.create(home, identity, passphrase, now_ms)
    try:
        for record in _records(path):
            if record[0] == "blob":
                node.store.put_blob(record[2])
            elif record[0] == "log":
                node.store.ingest([entry.parse(h, b) for h, b in record[2]])
    except InvalidEntry as exc:
        node.close()
        _remove_created(home, created)
        raise BadBackup(f"{path} holds an entry that does not verify: {exc}") from None
    except BaseException:
        node.close()
        _remove_created(home, created)
        raise
    node._last = node.store.last_entry(identity.device_id)
    node.store.index_text()
    return node, Summary(totals[0], totals[1], path.stat().st_size)


async def merge_backup(node: Node, path: Path) -> Summary:
    """Bring what a backup of this same account holds into ``node``'s home: logs and
    images it lacks (say, from a laptop that is gone). The file is checked whole
    first; entries then go through ``Node.replication.ingest`` (verified, the one writer, events
    for the window); what the home already holds is skipped. ``path`` as given (no ~)."""
    meta, _keys, totals = await trio.to_thread.run_sync(_check, path)
    if meta[2] != node.account_id:
        raise BadBackup(f"{path} is a backup of another account: it can only be restored "
                        "into an empty home")
    records = _records(path)
    added = 0
    try:
        while batch := await trio.to_thread.run_sync(_next_records, records, 64):
            for record in batch:
                if record[0] == "blob":
                    await node.replication.put_blob(record[2])
                elif record[0] == "log":
                    entries = [entry.parse(h, b) for h, b in record[2]]
                    result = await node.replication.ingest(entries, strict=True)
                    added += len(result.added)
    except InvalidEntry as exc:
        raise BadBackup(f"{path} holds an entry that does not verify: {exc}") from None
    finally:
        records.close()
    await node.replication.index_text()
    size = await trio.to_thread.run_sync(lambda: os.stat(path).st_size)
    return Summary(added, totals[1], size)


def _next_records(records: Iterator[Any], up_to: int) -> list[Any]:
    return list(itertools.islice(records, up_to))


def _check(path: Path) -> tuple[tuple, bytes, tuple[int, int]]:
    """Read the whole file once: layout and digest. Returns (meta, keys, totals)."""
    digest = hashlib.blake2b(digest_size=32)
    meta: tuple | None = None
    keys: bytes | None = None
    entries = blobs = 0
    for record, raw in _records(path, with_bytes=True):
        tag = record[0]
        if tag == "end":
            if (record[1], record[2]) != (entries, blobs) or record[3] != digest.digest():
                raise BadBackup(f"{path} is damaged: its contents do not match its checksum")
            if meta is None or keys is None:
                raise BadBackup(f"{path} is damaged: it has no account or keys")
            return meta, keys, (entries, blobs)
        digest.update(raw)
        if tag == "meta":
            meta = record
        elif tag == "keys":
            keys = record[1]
        elif tag == "blob":
            if blob_hash(record[2]) != record[1]:
                raise BadBackup(f"{path} is damaged: an image does not match its hash")
            blobs += 1
        elif tag == "log":
            entries += len(record[2])
    raise BadBackup(f"{path} is incomplete: it ends before its last record (truncated?)")


def _records(path: Path, with_bytes: bool = False) -> Generator[Any, None, None]:
    try:
        handle: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise BadBackup(f"cannot read {path}: no such file") from None
    except OSError as exc:
        raise BadBackup(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        if handle.read(len(MAGIC)) != MAGIC:
            raise BadBackup(f"{path} is not a p2psocial backup")
        unpacker = msgpack.Unpacker(handle, raw=False, use_list=False, max_buffer_size=_RECORD_CAP,
                                    max_map_len=0, max_ext_len=0, strict_map_key=True)
        while True:
            try:
                record = unpacker.unpack()
            except msgpack.OutOfData:
                return
            except (ValueError, msgpack.UnpackException, TypeError) as exc:
                raise BadBackup(f"{path} is damaged: {exc}") from None
            if not _valid(record):
                raise BadBackup(f"{path} is damaged: unexpected record")
            if with_bytes:
                yield record, codec.encode(record)
            else:
                yield record


def _valid(record: object) -> bool:
    if not isinstance(record, tuple) or not record or not isinstance(record[0], str):
        return False
    shapes = {"meta": (int, bytes), "keys": (bytes,), "blob": (bytes, bytes),
              "log": (bytes, tuple), "end": (int, int, bytes)}
    shape = shapes.get(record[0])
    return (shape is not None and len(record) == len(shape) + 1
            and all(isinstance(v, t) for v, t in zip(record[1:], shape, strict=True))
            and (record[0] != "log" or all(isinstance(p, tuple) and len(p) == 2
                                          and isinstance(p[0], bytes)
                                          and (p[1] is None or isinstance(p[1], bytes))
                                          for p in record[2])))


def _remove_created(home: Home, created_dir: bool) -> None:
    """Undo a failed restore, so the person can simply try again."""
    if created_dir:
        shutil.rmtree(home.path, ignore_errors=True)
        return
    for name in ("keys.p2ps", "store.sqlite", "store.sqlite-wal", "store.sqlite-shm"):
        (home.path / name).unlink(missing_ok=True)
