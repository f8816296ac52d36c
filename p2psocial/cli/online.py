"""The commands that go online or ask the one that is: serve, invite, join, peers and
sync --once.

A running 'serve' holds the home's lock, so write commands hand their requests to it
through its control endpoint (control.py, writes.py). It also records what read
commands need to know (its pid, listen addresses, connected peers) in HOME/serve.json,
removed when it stops. The file counts only while the lock is held by the pid
written in it: a killed serve leaves a stale file.

libp2p is imported inside the commands that run a network: its import is slow, and
every other command (and ``invite`` beside a serve) does without it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import trio

from .. import control, ids, invite, logs, private
from ..errors import HomeError, NotFound, UserError
from ..home import Home
from ..node import Node
from ..roster import RosterFull
from ..store.blob_wants import Budget
from ..store.store import PeerRecord
from ..switches import LAN_TYPE_ENV
from . import live_peers, writes
from . import render as r
from . import render_peers as rp
from .command import command, group_arg, log_to_stderr, run_write, show
from .parser import UsageError
from .session import Session, run_async

SERVE_STATUS = "serve.json"
RECORD_COALESCE = 0.2  # seconds: changes within this are written to serve.json at once


def _status_path(home: Home) -> Path:
    return home.path / SERVE_STATUS


def _write_status(home: Home, doc: dict) -> None:
    import json
    import os

    tmp = home.path / (SERVE_STATUS + ".tmp")
    tmp.write_text(json.dumps(doc), encoding="utf-8")
    os.replace(tmp, _status_path(home))


def serve_status(home: Home) -> dict | None:
    """What a running ``serve`` of this home recorded, or None when none is running."""
    import json

    try:
        doc = json.loads(_status_path(home).read_text(encoding="utf-8"))
        holder = (home.path / "lock").read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or holder != f"pid {doc.get('pid')}":
        return None
    probe = Home(home.path)  # the pid in the lock file is only true while it is held
    try:
        probe.lock()
    except HomeError:
        return doc
    probe.unlock()
    return None


@command("serve")
def cmd_serve(args: argparse.Namespace, s: Session) -> int:
    # our lines on the terminal (they are serve's output), py-libp2p's in the home's log
    # only: a peer that is offline is not a fault to print (logs.py)
    logs.setup(s.home.path, terminal_level=logging.INFO, verbose=args.verbose,
               terminal_format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with s.open_writer() as node:  # closing it indexes pending text and closes SQLite
        try:
            return trio.run(_serve, node, args, s.home)
        finally:
            with contextlib.suppress(OSError):
                _status_path(s.home).unlink()


async def _serve(node: Node, args: argparse.Namespace, home: Home) -> int:
    from ..net.discovery import SERVICE_TYPE
    from ..net.host import DUAL_STACK
    from ..net.service import NetworkService
    from ..node.private_scan import follow_private
    from ..node.storage_follow import follow_storage

    logs.route_libp2p()  # libp2p is imported now: its records to the log file
    log = logging.getLogger("p2psocial.serve")
    assert node.identity is not None
    device, account = node.identity.device_id, node.account_id
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with NetworkService(node.replication, port=args.port, hops=args.hops,
                                  ip=args.listen or DUAL_STACK,
                                  lan=not args.no_lan,
                                  lan_service_type=os.environ.get(LAN_TYPE_ENV) or SERVICE_TYPE,
                                  offer_relay=not args.no_relay,
                                  port_mapping=not args.no_port_mapping,
                                  hole_punching=not args.no_hole_punching,
                                  blob_budget=Budget.of_mib(args.image_budget)) as service:
            addrs = service.listen_addrs
            code = invite.encode(invite.make(device, account, addrs,
                                             token=node.replication.address_token()))
            started = node.clock()

            def record() -> None:  # addresses change too: relay slots come and go
                # for 'p2psocial invite', which has no keys
                token = node.replication.address_token()
                _write_status(home, {
                    "pid": os.getpid(), "device": ids.device_text(device),
                    "account": ids.account_text(account), "addrs": service.listen_addrs,
                    "address_token": [token.expires, token.signature.hex()],
                    "connected": [ids.device_text(d) for d in service.connected()],
                    "started": started, "updated": node.clock()})

            record()
            async with trio.open_nursery() as nursery:
                # local commands (post, follow, join...) run here while we hold the lock
                await nursery.start(control.serve, home.path,
                                    writes.handler(writes.Here(node, service)))
                print("\n".join([f"Serving {ids.account_text(account)} as device "
                                 f"{ids.device_text(device)}", "Listening on:",
                                 *(f"  {a}" for a in addrs), "Invite code (share it "
                                 "with 'p2psocial join CODE'):", code]), flush=True)

                async def keep_recording() -> None:
                    shown = _direct(addrs)
                    while True:
                        await service.next_change()
                        # one write for a burst of changes: each lists every connected
                        # peer, and peers that come and go by the hundred (an attack)
                        # made these writes most of the serve's CPU
                        await trio.sleep(RECORD_COALESCE)
                        record()
                        if _direct(service.listen_addrs) != shown:
                            # the router mapped our port (or lost it), the ISP renumbered
                            # us: the code printed above no longer leads with the best
                            shown = _direct(service.listen_addrs)
                            fresh = invite.encode(invite.make(
                                device, account, service.listen_addrs,
                                token=node.replication.address_token()))
                            print("\n".join(["Now listening on:", *(f"  {a}" for a in shown),
                                             "A fresh invite code:", fresh]), flush=True)

                nursery.start_soon(keep_recording)
                nursery.start_soon(follow_private, node)  # open private entries as they come
                nursery.start_soon(follow_storage, node, args.hops)  # the storage budget
                async for signum in signals:
                    log.info("%s received: stopping", signal.Signals(signum).name)
                    break
                nursery.cancel_scope.cancel()
    return 0


def _direct(addrs: Sequence[str]) -> list[str]:
    """The addresses of ours a peer dials straight (circuits through relays left out:
    slots come and go without making a printed invite worse)."""
    return [a for a in addrs if not a.endswith("/p2p-circuit")]


@command("invite")
def cmd_invite(args: argparse.Namespace, s: Session) -> int:
    s.home.require()
    status = serve_status(s.home)
    if status is not None:
        device = ids.decode(ids.DEVICE, status["device"])
        account = ids.decode(ids.ACCOUNT, status["account"])
        addrs = [str(a) for a in status["addrs"]]
        token = _status_token(status)
        if args.port is not None:
            addrs = [_with_port(a, args.port) for a in addrs]
    elif args.port is not None:
        from ..net.service import interface_addrs  # imports libp2p: only here

        identity = s.load_identity()
        device, account, addrs = identity.device_id, identity.account_id, \
            interface_addrs(args.port)
        token = invite.sign_token(device, identity.device.secret_key, int(time.time() * 1000))
    else:
        raise UserError("no 'p2psocial serve' is running for this home, and an invite holds "
                        "the addresses it listens on: start 'p2psocial serve' first")
    community = _community_to_invite(s, args.community) if args.community else None
    code = invite.encode(invite.make(device, account, addrs, community, token))
    lines = [code]
    if community is not None:
        lines.append("This code also joins the community "
                     f"{r.clean(community.name, one_line=True)}: whoever gets it can read "
                     "and write there.")
    show(args, {"code": code, "device": ids.device_text(device),
                "account": ids.account_text(account), "addrs": addrs,
                "serving": status is not None,
                "community": ids.group_text(community.community_id) if community else None},
         lines)
    return 0


def _status_token(status: dict[str, Any]) -> invite.AddressToken | None:
    """The address token a running serve signed for invites (none from an older one)."""
    try:
        expires, signature = status["address_token"]
        return invite.AddressToken(int(expires), bytes.fromhex(signature))
    except (KeyError, TypeError, ValueError):
        return None


def _community_to_invite(s: Session, text: str) -> private.CommunityKey:
    """The key of one of this account's communities (read from the store, beside a
    serve too), for an invite that joins it."""
    wanted = group_arg(text)
    with s.open_reader() as node:
        found = next((c for c in trio.run(node.communities.list) if c.id == wanted), None)
    if found is None:
        raise NotFound(f"you are in no community {ids.group_text(wanted)}: "
                       "'p2psocial community list' lists yours")
    if found.full:  # the code would let nobody in
        raise RosterFull(found.name)
    return found.value


def _with_port(addr: str, port: int) -> str:
    """``addr`` with our port replaced; a circuit address (through a relay) names the
    relay's port, which is not ours to change."""
    if "/p2p-circuit" in addr:
        return addr
    head, sep, _ = addr.rpartition("/tcp/")
    return f"{head}/tcp/{port}" if sep else addr


@command("join")
def cmd_join(args: argparse.Namespace, s: Session) -> int:
    code = invite.decode(args.code)  # a typo fails before the home is opened
    return run_write(args, s, "join", invite.encode(code))


@command("peers")
def cmd_peers(args: argparse.Namespace, s: Session) -> int:
    with s.open_reader() as node:
        records = run_async(node.replication.peers)
        now = node.clock()
    answer = writes.ask_serve(s, "peers")  # live: connected, dialing, nearby, paths
    live: dict[bytes, live_peers.LivePeer] = {}
    reach: live_peers.LiveReach | None = None
    if answer is not None:
        reach, states = live_peers.live_states(answer)
        live.update(states)
    serving = answer is not None
    if not serving:  # no serve answers: what a running one last recorded, if any
        status = serve_status(s.home)
        serving = status is not None
        for text in status["connected"] if status else ():
            live[ids.decode(ids.DEVICE, text)] = live_peers.LivePeer("connected", None)
    # peers that reached the serve on their own are known to it in memory only (the
    # network service writes a stranger down once it learns an address for it)
    known = {p.device for p in records}
    records = [*records, *(PeerRecord(device, (), None, None, 0, peer.standing,
                                      peer.banned_until, "peer")
                           for device, peer in live.items() if device not in known)]
    nowhere = live_peers.LivePeer("known", None)
    rows = [rp.PeerRow(p, rp.peer_state(p, now, peer.state), peer.nearby, peer.path,
                      peer.why_not)
            for p in records for peer in [live.get(p.device, nowhere)]]
    doc = {"serving": serving,
           "reachability": rp.reach_json(reach.state, reach.basis, reach.reachable_at)
           if reach else None,
           "peers": [rp.peer_json(row, now) for row in rows]}
    lines = [rp.reach_line(reach.state, reach.basis)] if reach else []
    lines += rp.peer_lines(rows, now)
    if not serving:
        lines.append("(no 'p2psocial serve' is running for this home: states are as last "
                     "recorded)")
    show(args, doc, lines)
    return 0


@command("sync")
def cmd_sync(args: argparse.Namespace, s: Session) -> int:
    if not args.once:
        raise UsageError("add --once to catch up and exit; 'p2psocial serve' stays connected")
    log_to_stderr(logging.INFO if args.verbose else logging.WARNING,
                   logging.WARNING if args.verbose else logging.CRITICAL)
    from ..net.service import sync_once

    try:
        node = s.open_writer()
    except HomeError:
        if serve_status(s.home) is None:
            raise
        raise UserError("a 'p2psocial serve' is running for this home and keeps it in sync "
                        "already: see 'p2psocial peers'") from None
    with node:
        results = run_async(sync_once, node.replication, hops=args.hops, per_peer=args.timeout)
    docs = [{"device": ids.device_text(x.device), "ok": x.ok, "received": x.received,
             "sent": x.sent, "error": x.error} for x in results]
    lines = [f"{ids.device_text(x.device)}: " + (
        f"received {x.received}, sent {x.sent}" if x.ok else f"failed: {x.error}")
        for x in results] or ["No peers known: add one with 'p2psocial join CODE'."]
    reached = sum(x.ok for x in results)
    if results:
        lines.append(f"Reached {reached} of {r.plural(len(results), 'peer')}.")
    show(args, {"peers": docs, "reached": reached}, lines)
    return 0 if reached or not results else 1
