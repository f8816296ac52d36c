#!/usr/bin/env bash
# Install the .deb into a clean Debian root and run it there: packaging/deb/deb-test.sh DEB
#
# Needs root, debootstrap and a Debian mirror (DEBIAN_MIRROR, default deb.debian.org;
# SUITE, default bookworm). `make package-test` runs it. Steps, each one fatal:
#   1. debootstrap a minimal root (--variant=minbase: no fonts, no X, no Python);
#   2. apt-get install the .deb there (its dependencies come from the mirror,
#      recommended packages left out, as on the barest system);
#   3. check the installed files, the system user and its home, that every library the
#      bundle links is found (ldd), and that a font is there for Qt;
#   4. run packaging/smoke-test.sh as an ordinary user (command line, serve, and the
#      desktop app offscreen);
#   5. run the peer the way p2psocial.service does (user p2psocial, its home in
#      /var/lib/p2psocial), and let systemd-analyze verify the unit;
#   6. remove, then purge the package: the program goes, the peer's keys stay.
# The root lives in a private mount namespace (its /proc, /dev and /sys mounts vanish
# with it) under a temporary directory that is removed at the end.
set -euo pipefail

DEB=$(realpath "${1:?usage: deb-test.sh DEB}")
HERE=$(cd "$(dirname "$0")" && pwd)
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=${SUITE:-bookworm}
[[ $(id -u) == 0 ]] || { echo "deb-test: needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null \
    || { echo "deb-test: needs debootstrap (apt install debootstrap)" >&2; exit 1; }

if [[ -z ${DEB_TEST_INSIDE:-} ]]; then
    WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/p2psocial-deb-test.XXXXXX")
    trap 'rm -rf --one-file-system "$WORK"' EXIT
    export DEB_TEST_INSIDE=1 WORK
    unshare --mount --propagation private "$0" "$DEB"
    exit $?
fi

ROOTFS=$WORK/root
trap 'for pid in $(jobs -p); do kill -KILL "$pid" 2>/dev/null; done' EXIT
in_root() { chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
step() { echo "== deb-test: $*"; }
fail() { echo "deb-test FAILED: $*" >&2; exit 1; }
t0=$(date +%s)

step "debootstrap $SUITE (minbase) from $MIRROR"
debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 \
    || { tail -n 20 "$WORK/debootstrap.log" >&2; fail "debootstrap"; }
mount -t proc proc "$ROOTFS/proc"
mount --rbind /dev "$ROOTFS/dev"
mount -t sysfs -o ro sysfs "$ROOTFS/sys"
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
t1=$(date +%s)

step "apt-get install $(basename "$DEB")"
cp "$DEB" "$HERE/../smoke-test.sh" "$ROOTFS/tmp/"
in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$DEB")" \
    > "$WORK/install.log" 2>&1 || { tail -n 30 "$WORK/install.log" >&2; fail "install"; }
in_root dpkg-query -W -f='${Status} ${Version}\n' p2psocial | grep -q "install ok installed" \
    || fail "p2psocial is not installed"
t2=$(date +%s)

step "installed files, user, libraries, fonts"
for path in /usr/bin/p2psocial /usr/lib/p2psocial/p2psocial \
        /usr/share/applications/org.p2psocial.p2psocial.desktop \
        /usr/share/metainfo/org.p2psocial.p2psocial.metainfo.xml \
        /usr/share/icons/hicolor/scalable/apps/org.p2psocial.p2psocial.svg \
        /usr/share/icons/hicolor/48x48/apps/org.p2psocial.p2psocial.png \
        /usr/lib/systemd/system/p2psocial.service /usr/share/doc/p2psocial/copyright; do
    [[ -e $ROOTFS$path ]] || fail "$path is missing"
done
in_root getent passwd p2psocial > /dev/null || fail "no system user p2psocial"
[[ $(in_root stat -c '%U %a' /var/lib/p2psocial) == "p2psocial 700" ]] \
    || fail "/var/lib/p2psocial is not the p2psocial user's, mode 0700"
# every shared object in the bundle finds its libraries: the bundle's own (as the
# bootloader's LD_LIBRARY_PATH and the RPATHs give them) or the system's
in_root bash -c '
    cd /usr/lib/p2psocial
    dirs=$(find "$PWD" -name "*.so*" -printf "%h\n" | sort -u | paste -sd:)
    find . -type f \( -name "*.so*" -o -name p2psocial \) -print0 \
        | LD_LIBRARY_PATH=$dirs xargs -0 ldd 2>/dev/null | grep "not found" | sort -u' \
    > "$WORK/missing.txt" || true
[[ ! -s $WORK/missing.txt ]] || { cat "$WORK/missing.txt" >&2; fail "libraries not found"; }
in_root find /usr/share/fonts -name "*.ttf" -o -name "*.otf" | grep -q . \
    || fail "no font installed (Qt would draw empty boxes)"

step "smoke test as an ordinary user"
in_root useradd --create-home tester
in_root runuser -u tester -- env HOME=/home/tester bash /tmp/smoke-test.sh /usr/bin/p2psocial \
    || fail "smoke test"
t3=$(date +%s)

step "the peer as p2psocial.service runs it"
# setpriv executes the program in place (no process in between): a signal reaches it
peer() { in_root setpriv --reuid=p2psocial --regid=p2psocial --init-groups \
    env HOME=/var/lib/p2psocial P2PSOCIAL_HOME=/var/lib/p2psocial "$@"; }
peer p2psocial init --name "Test box" > /dev/null || fail "init as p2psocial"
# the unit's ExecStart, but on loopback, any free port and without LAN discovery
# (spelled out, not through the functions: a function in the background is a subshell)
chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/bin:/bin LANG=C.UTF-8 setpriv --reuid=p2psocial \
    --regid=p2psocial --init-groups env HOME=/var/lib/p2psocial P2PSOCIAL_HOME=/var/lib/p2psocial \
    p2psocial serve --listen 127.0.0.1 --no-lan > "$WORK/serve.out" 2>&1 &
serve=$!
for _ in $(seq 300); do grep -q '^p2psinv1' "$WORK/serve.out" && break; sleep 0.2; done
grep -q '^p2psinv1' "$WORK/serve.out" || { cat "$WORK/serve.out" >&2; fail "serve did not start"; }
peer p2psocial invite | grep -q '^p2psinv1' || fail "invite beside the running serve"
peer p2psocial post "the box is up" > /dev/null || fail "post through the running serve"
kill -TERM "$serve"
status=0; wait "$serve" || status=$?
((status == 0)) || fail "serve exited $status after SIGTERM"
in_root apt-get install -y -qq --no-install-recommends systemd > "$WORK/systemd.log" 2>&1 \
    || { tail -n 20 "$WORK/systemd.log" >&2; fail "installing systemd for systemd-analyze"; }
in_root systemd-analyze verify /usr/lib/systemd/system/p2psocial.service \
    || fail "systemd-analyze verify p2psocial.service"

step "remove and purge"
in_root apt-get remove -y -qq p2psocial > /dev/null || fail "remove"
[[ ! -e $ROOTFS/usr/lib/p2psocial && ! -e $ROOTFS/usr/bin/p2psocial ]] \
    || fail "files left after remove"
in_root apt-get purge -y -qq p2psocial > /dev/null || fail "purge"
[[ -f $ROOTFS/var/lib/p2psocial/keys.p2ps ]] || fail "purge removed the peer's keys"

t4=$(date +%s)
echo "deb-test passed: debootstrap $((t1 - t0))s, install $((t2 - t1))s," \
     "checks and smoke test $((t3 - t2))s, total $((t4 - t0))s"
