#!/usr/bin/env bash
# Smoke test of an installed or bundled p2psocial: packaging/smoke-test.sh [PROGRAM]
#
# PROGRAM defaults to `p2psocial` on PATH (the .deb's /usr/bin/p2psocial); `make
# package` passes the bundle's executable. Needs only bash and coreutils, so that it
# also runs inside a bare Debian root (packaging/deb-test.sh). In a new home under a
# temporary directory it:
#   1. creates an account, posts, reads the feed back and verifies the store;
#   2. runs `serve` (loopback only, no LAN), posts through its control socket (the
#      network stack, libp2p included, is loaded), stops it with SIGTERM: exit 0;
#   3. opens the desktop app offscreen, waits for its first painted timeline
#      (P2PSOCIAL_PROBE) and for its network (the control socket), posts through it,
#      and stops it with SIGINT: exit 0, and nothing on stderr that looks like a crash.
# Every wait is bounded; the first failure ends the run with a message and exit 1.
set -euo pipefail
set -m  # background jobs get SIGINT like foreground ones (step 3 stops the app with it)

PROGRAM=${1:-p2psocial}
WAIT=${SMOKE_WAIT:-90}  # seconds for one start-up (a cold start on a slow disk)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/p2psocial-smoke.XXXXXX")
HOME_DIR="$WORK/home"
started=$(date +%s)

cleanup() {
    local pid
    for pid in $(jobs -p); do kill -KILL "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "smoke test FAILED: $*" >&2
    for f in "$WORK"/*.err "$HOME_DIR/p2psocial.log"; do
        [[ -s $f ]] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }
    done
    exit 1
}

app() { "$PROGRAM" --home "$HOME_DIR" "$@"; }

# wait_for SECONDS DESCRIPTION COMMAND...: until COMMAND succeeds, or fail
wait_for() {
    local seconds=$1 what=$2 deadline
    shift 2
    deadline=$(($(date +%s) + seconds))
    until "$@"; do
        (($(date +%s) < deadline)) || fail "no $what after ${seconds}s"
        sleep 0.2
    done
}

# keep everything on this machine: loopback only, a DNS-SD type of this run's own
export P2PSOCIAL_LISTEN_IP=127.0.0.1
export P2PSOCIAL_LAN_SERVICE_TYPE="_p2ps-smoke$$._udp.local."
export QT_QPA_PLATFORM=offscreen
unset P2PSOCIAL_HOME P2PSOCIAL_PASSPHRASE

echo "smoke test of $PROGRAM in $WORK"
version=$("$PROGRAM" --version) || fail "--version"
echo "  $version"

# 1. the command line alone
app init --name "Smoke Test" > "$WORK/init.out" 2> "$WORK/init.err" || fail "init"
app post "hello from the smoke test" > /dev/null 2> "$WORK/post.err" || fail "post"
app feed > "$WORK/feed.out" 2> "$WORK/feed.err" || fail "feed"
grep -q "hello from the smoke test" "$WORK/feed.out" || fail "the post is not in the feed"
app verify > /dev/null 2> "$WORK/verify.err" || fail "verify"
echo "  init, post, feed, verify: ok"

# 2. the headless peer
# (the program itself in the background, not a subshell, so that the signal reaches it)
"$PROGRAM" --home "$HOME_DIR" serve --listen 127.0.0.1 --no-lan \
    > "$WORK/serve.out" 2> "$WORK/serve.err" &
serve=$!
wait_for "$WAIT" "invite code from serve" grep -q '^p2psinv1' "$WORK/serve.out"
app post "hello through serve" > /dev/null 2> "$WORK/post2.err" || fail "post through serve"
kill -TERM "$serve"
status=0; wait "$serve" 2>/dev/null || status=$?
((status == 0)) || fail "serve exited $status after SIGTERM"
app feed | grep -q "hello through serve" || fail "the post through serve is not in the feed"
echo "  serve, post through its control socket, SIGTERM: ok"

# 3. the desktop app, offscreen
rm -f "$HOME_DIR/control.sock"
P2PSOCIAL_PROBE="$WORK/probe" "$PROGRAM" --home "$HOME_DIR" > "$WORK/gui.out" 2> "$WORK/gui.err" &
gui=$!
painted() { grep -q '"timeline_painted"' "$WORK/probe" 2>/dev/null; }
online() { [[ -S $HOME_DIR/control.sock ]]; }
wait_for "$WAIT" "painted timeline from the app" painted
wait_for "$WAIT" "network (control socket) in the app" online
app post "hello through the app" > /dev/null 2> "$WORK/post3.err" || fail "post through the app"
kill -INT "$gui"
status=0; wait "$gui" 2>/dev/null || status=$?
((status == 0)) || fail "the app exited $status after SIGINT"
if grep -Eq 'Traceback|Error|error:|cannot|Cannot' "$WORK/gui.err"; then
    fail "the app wrote an error on stderr"
fi
app feed | grep -q "hello through the app" || fail "the post through the app is not in the feed"
echo "  desktop app offscreen: painted, online, post through it, SIGINT: ok"
echo "smoke test passed in $(($(date +%s) - started))s"
