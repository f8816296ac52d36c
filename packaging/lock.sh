#!/usr/bin/env bash
# Re-pin the build: packaging/lock.sh [PYTHON]   (`make package-lock`)
#
# Resolves pyproject.toml's dependency ranges plus PyInstaller in a new environment,
# with no constraints, and writes every installed version into packaging/constraints.txt
# (the header is kept). Then run `make package-test` and commit the new pins.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${1:-python3}
OUT=$TOP/packaging/constraints.txt
VENV=$(mktemp -d "${TMPDIR:-/tmp}/p2psocial-lock.XXXXXX")
trap 'rm -rf "$VENV"' EXIT
"$PYTHON" -m venv "$VENV"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_CONSTRAINT=
"$VENV/bin/python" -m pip install --quiet --upgrade pip setuptools wheel
rm -rf "$TOP/build/lib" "$TOP"/build/bdist.*
"$VENV/bin/python" -m pip install --quiet "$TOP" pyinstaller pyinstaller-hooks-contrib
{
    sed -n '/^#/p' "$OUT"
    "$VENV/bin/python" -m pip freeze --all | grep -v '^p2psocial[ =@]' | LC_ALL=C sort -f
} > "$OUT.new"
mv "$OUT.new" "$OUT"
echo "pinned $(grep -vc '^#' "$OUT") distributions in $OUT"
