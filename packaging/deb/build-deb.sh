#!/usr/bin/env bash
# Build the .deb from a PyInstaller bundle: packaging/deb/build-deb.sh BUNDLE OUTDIR [PYTHON]
#
# BUNDLE is the one-folder bundle (build/package/dist/p2psocial, from `make bundle`);
# the package goes to OUTDIR/p2psocial_VERSION-1_ARCH.deb. PYTHON, the interpreter the
# bundle was built with, lists the bundled Python distributions and their licences
# into the package's docs. Needs dpkg-deb (Debian/Ubuntu), no root.
#
# Reproducible: every file's time is SOURCE_DATE_EPOCH (default: the last commit's),
# owners are root, modes are normalised, and dpkg-deb sorts the members; so two builds
# from the same bundle are byte for byte the same (make package-repro checks it).
#
# Layout (Debian policy and the freedesktop.org specifications):
#   /usr/lib/p2psocial/                 the bundle (p2psocial + _internal/)
#   /usr/bin/p2psocial                  -> ../lib/p2psocial/p2psocial
#   /usr/share/applications/            org.p2psocial.p2psocial.desktop
#   /usr/share/metainfo/                org.p2psocial.p2psocial.metainfo.xml
#   /usr/share/icons/hicolor/*/apps/    org.p2psocial.p2psocial.{png,svg}
#   /usr/lib/systemd/system/            p2psocial.service (not enabled)
#   /usr/share/doc/p2psocial/           copyright, README.Debian, changelog, components
set -euo pipefail

BUNDLE=${1:?usage: build-deb.sh BUNDLE OUTDIR [PYTHON]}
OUT=${2:?usage: build-deb.sh BUNDLE OUTDIR [PYTHON]}
PYTHON=${3:-}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
APP_ID=org.p2psocial.p2psocial
ICON_SIZES="16 22 24 32 48 64 128 256 512"

[[ -x $BUNDLE/p2psocial ]] || { echo "build-deb: no bundle at $BUNDLE (make bundle)" >&2; exit 1; }
VERSION=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$TOP/p2psocial/__init__.py")
DEB_VERSION=${DEB_VERSION:-$VERSION-1}
ARCH=$(dpkg --print-architecture)
: "${SOURCE_DATE_EPOCH:=$(git -C "$TOP" log -1 --format=%ct 2>/dev/null || echo 0)}"
export SOURCE_DATE_EPOCH
umask 022

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/p2psocial-deb.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
ROOT=$STAGE/root
DOC=$ROOT/usr/share/doc/p2psocial

install -d "$ROOT/usr/lib" "$ROOT/usr/bin" "$ROOT/usr/share/applications" \
    "$ROOT/usr/share/metainfo" "$ROOT/usr/lib/systemd/system" "$DOC" "$ROOT/DEBIAN"
cp -R "$BUNDLE" "$ROOT/usr/lib/p2psocial"
# the package depends on fonts-noto-color-emoji: no second copy of the font (ui/fonts.py)
rm -rf "$ROOT/usr/lib/p2psocial/_internal/p2psocial/assets/fonts"
ln -s ../lib/p2psocial/p2psocial "$ROOT/usr/bin/p2psocial"

install -m 644 "$TOP/packaging/linux/$APP_ID.desktop" "$ROOT/usr/share/applications/"
install -m 644 "$TOP/packaging/linux/$APP_ID.metainfo.xml" "$ROOT/usr/share/metainfo/"
for size in $ICON_SIZES; do
    install -D -m 644 "$TOP/assets/app-icon/p2psocial-$size.png" \
        "$ROOT/usr/share/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
done
install -D -m 644 "$TOP/assets/p2psocial.svg" \
    "$ROOT/usr/share/icons/hicolor/scalable/apps/$APP_ID.svg"
install -m 644 "$TOP/packaging/p2psocial.service" "$ROOT/usr/lib/systemd/system/"

install -m 644 "$HERE/copyright" "$HERE/README.Debian" "$DOC/"
{
    echo "p2psocial ($DEB_VERSION) unstable; urgency=medium"
    echo
    echo "  * Built from the p2psocial sources, version $VERSION (see CHANGELOG.md)."
    echo
    printf ' -- %s  %s\n' "The p2psocial developers <packaging@p2psocial.org>" \
        "$(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -n -9 > "$DOC/changelog.Debian.gz"
if [[ -n $PYTHON ]]; then
    # the Python distributions inside the bundle's environment, with their licences
    "$PYTHON" - > "$DOC/bundled-components.txt" <<'EOF'
from importlib import metadata

print("Python distributions in the environment the bundle was built from (name,")
print("version, licence as the distribution declares it). Qt is under the LGPL-3.0")
print("(PySide6-Essentials); the interpreter under the PSF licence.\n")
rows = set()
for dist in metadata.distributions():
    meta = dist.metadata
    licence = meta.get("License-Expression") or meta.get("License") or ""
    if len(licence) > 60 or "\n" in licence:
        licence = ""
    if not licence:
        licence = "; ".join(c.split(" :: ")[-1] for c in meta.get_all("Classifier") or []
                            if c.startswith("License ::")) or "see its distribution"
    rows.add((meta["Name"], dist.version, licence))
for name, version, licence in sorted(rows, key=lambda row: row[0].lower()):
    print(f"{name} {version}: {licence}")
EOF
fi

# normalise what the build host's umask, tools and clock left behind
find "$ROOT" -type d -exec chmod 0755 {} +
find "$ROOT" -type f -exec chmod 0644 {} +
chmod 0755 "$ROOT/usr/lib/p2psocial/p2psocial"
for script in postinst prerm postrm; do
    install -m 0755 "$HERE/$script" "$ROOT/DEBIAN/$script"
done
(cd "$ROOT" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | LC_ALL=C sort -z \
    | xargs -0 md5sum) > "$ROOT/DEBIAN/md5sums"
chmod 0644 "$ROOT/DEBIAN/md5sums"
size=$(du -s --apparent-size --block-size=1024 --exclude=DEBIAN "$ROOT" | cut -f1)
# (the Depends list is folded in control.in for reading; a binary package has it on one line)
sed -e "s/@DEB_VERSION@/$DEB_VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@INSTALLED_SIZE@/$size/" \
    "$HERE/control.in" | awk '/^Depends:/ { folding = 1; line = $0; next }
        folding && /^ / { sub(/^ +/, " "); line = line $0; next }
        folding { print line; folding = 0 } { print }' > "$ROOT/DEBIAN/control"
find "$ROOT" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$OUT"
DEB="$OUT/p2psocial_${DEB_VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zxz -z6 --threads-max=1 --build "$ROOT" "$DEB" >/dev/null
echo "$DEB"
