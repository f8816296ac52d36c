"""The commands for one account on several devices: ``devices``, ``device link``,
``device join`` and ``device revoke`` (node/devices.py says what each does).

``device link`` asks the running serve or app for a code, since the device that
answers the new one must be online while it links; ``device revoke`` runs there too
when one runs (its node and network hold the home). ``device join`` makes a new home
and goes online by itself, once, to link and catch up.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import time
from typing import Any

import trio

from .. import ids, keyfile, link_code, phrase
from ..errors import UserError
from ..identity import AccountKeys
from ..store.views import DeviceRow
from . import render as r
from .command import account_arg, command, log_to_stderr, run_write, show
from .online import serve_status
from .parser import UsageError
from .session import Session, run_async
from .shapes import BYTES, optional
from .writes import Context, Outcome, action


@command("devices")
def cmd_devices(args: argparse.Namespace, s: Session) -> int:
    account = account_arg(args.account) if args.account else None
    with s.open_reader() as node:
        rows = run_async(node.devices.list, account)
        me = node.identity.device_id if node.identity else None
    if me is None:  # read-only: which device is this home's is in its key file's cert
        me = _this_device(s)
    show(args, {"devices": [_device_json(d, me) for d in rows]},
         [_device_line(d, me) for d in rows] or ["No devices yet."])
    return 0


@command("device")
def cmd_device(args: argparse.Namespace, s: Session) -> int:
    what = args.device_command
    if what == "link":
        return run_write(args, s, "device_link")
    if what == "revoke":
        device = ids.decode(ids.DEVICE, args.device)
        return run_write(args, s, "device_revoke", device, _root_seed(args, s))
    assert what == "join", what
    return _join(args, s)


def _root_seed(args: argparse.Namespace, s: Session) -> bytes | None:
    """The root seed from the phrase, when given (None: the device must keep it)."""
    if args.phrase_stdin:
        return phrase.from_phrase(s.read_stdin())
    if s.home.exists() and s.load_identity().holds_root:
        return None
    if s.stdin_is_terminal():
        return phrase.from_phrase(getpass.getpass("Recovery phrase (24 words): "))
    raise UsageError("this device does not keep the account key: give the recovery phrase "
                     "on stdin with --phrase-stdin")


def _join(args: argparse.Namespace, s: Session) -> int:
    from ..device_joining import join_device

    link_code.decode(args.code, int(time.time() * 1000))  # a typo fails before a passphrase
    if s.home.exists():
        raise UserError(f"{s.home.path} already holds an account: link into an empty home "
                        "with --home DIR")
    secret = s.new_passphrase()
    log_to_stderr(logging.INFO if args.verbose else logging.WARNING,  # as 'sync' does:
                  logging.WARNING if args.verbose else logging.CRITICAL)  # libp2p is noisy
    joined = trio.run(lambda: join_device(s.home, args.code, args.name, secret))
    account, device = ids.account_text(joined.account), ids.device_text(joined.device)
    doc = {"account": account, "device": device, "name": args.name.strip(),
           "home": str(s.home.path), "linked_seconds": round(joined.linked_seconds, 3),
           "received": joined.received, "passphrase": secret is not None}
    show(args, doc, [f"Linked {s.home.path} to {r.display_name(joined.profile_name)} "
                     f"({account}) as the device {args.name.strip()} ({device}).",
                     f"Caught up {joined.received} entries from "
                     f"{r.plural(joined.peers_reached, 'peer')}; the rest arrives as peers "
                     "connect ('p2psocial serve' or the app)."])
    return 0


def _this_device(s: Session) -> bytes | None:
    """This home's device, without asking for a passphrase (a read command asks none):
    from a key file in the clear, else from a running serve's status, else unknown."""
    data = s.home.read_keys()
    if not keyfile.is_encrypted(data):
        return keyfile.load(data, None).device_id
    status = serve_status(s.home)
    return ids.decode(ids.DEVICE, status["device"]) if status is not None else None


def _device_json(d: DeviceRow, me: bytes | None) -> dict[str, Any]:
    return {"device": ids.device_text(d.device), "name": d.name, "this": d.device == me,
            "linked": r.iso(d.linked) if d.linked else None,
            "last_seen": r.iso(d.last_seen) if d.last_seen else None,
            "entries": d.entries, "revoked": d.revoked, "last_valid": d.last_valid,
            "linked_by": ids.device_text(d.issuer) if d.issuer else None,
            "keeps_account_key": d.issuer is None}


def _device_line(d: DeviceRow, me: bytes | None) -> str:
    name = r.clean(d.name, one_line=True) if d.name else "(no name)"
    parts = [f"{name} {ids.device_text(d.device)}"]
    if d.device == me:
        parts.append("(this device)")
    if d.linked:
        parts.append(f"linked {r.local_time(d.linked)}")
    if d.last_seen:
        parts.append(f"last seen {r.local_time(d.last_seen)}")
    if d.issuer is None:
        parts.append("keeps the account key")
    if d.revoked:
        parts.append(f"REVOKED (valid up to entry {d.last_valid})")
    return "  ".join(p for p in parts if p)


# --- the actions (here, or in the running serve or app) ------------------------------


@action("device_link")
async def device_link(ctx: Context) -> Any:
    if ctx.service is None:
        raise UserError("linking a device needs this device online while the new one "
                        "links: start 'p2psocial serve' (or the app) and run this beside it")
    code = ctx.service.link_offer()
    text = link_code.encode(code)
    until = r.local_time(code.expires_ms)
    return Outcome({"code": text, "expires": r.iso(code.expires_ms)},
                   [text, f"Valid once, until {until}. On the new device: 'p2psocial device "
                    "join CODE --name NAME', or in the app \"I already use p2psocial on "
                    "another device\"."]).to_wire()


@action("device_revoke", BYTES, optional(BYTES))
async def device_revoke(ctx: Context, device: bytes, root_seed: bytes | None) -> Any:
    identity = ctx.node.require_identity()
    root = AccountKeys(root_seed) if root_seed is not None else identity.require_root()
    revocation = await ctx.node.devices.revoke(device, root)
    text = ids.device_text(device)
    return Outcome({"device": text, "last_valid": revocation.last_seq},
                   [f"Revoked {text}: entries it writes after its entry "
                    f"{revocation.last_seq} are refused by every peer that learns this, "
                    "and messages sealed to you from now on use a new key it lacks."]
                   ).to_wire()
