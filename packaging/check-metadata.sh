#!/usr/bin/env bash
# Validate the desktop integration files as packagers' tools will:
#   desktop-file-validate (Debian: desktop-file-utils) on the .desktop entry,
#   appstreamcli validate --no-net (Debian: appstream) on the metainfo, and
#   appstreamcli validate-tree on the installed layout (entry, metainfo, icons).
# tests/test_packaging.py runs the same checks in `make test`.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
APP_ID=org.p2psocial.p2psocial
for tool in desktop-file-validate appstreamcli; do
    command -v $tool >/dev/null || {
        echo "check-metadata: $tool is missing" \
            "(Debian: apt install desktop-file-utils appstream)" >&2
        exit 1; }
done
desktop-file-validate "$HERE/linux/$APP_ID.desktop"
appstreamcli validate --no-net --pedantic "$HERE/linux/$APP_ID.metainfo.xml"
TREE=$(mktemp -d)
trap 'rm -rf "$TREE"' EXIT
install -D -m 644 "$HERE/linux/$APP_ID.desktop" "$TREE/usr/share/applications/$APP_ID.desktop"
install -D -m 644 "$HERE/linux/$APP_ID.metainfo.xml" "$TREE/usr/share/metainfo/$APP_ID.metainfo.xml"
for png in "$TOP"/assets/app-icon/p2psocial-*.png; do
    size=${png##*-}; size=${size%.png}
    install -D -m 644 "$png" "$TREE/usr/share/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
done
install -D -m 644 "$TOP/assets/p2psocial.svg" \
    "$TREE/usr/share/icons/hicolor/scalable/apps/$APP_ID.svg"
appstreamcli validate-tree --no-net --pedantic "$TREE"
echo "metadata: valid"
