#!/usr/bin/env bash
# Is the .deb reproducible? Build it twice from the same commit and compare, byte for byte.
#
#   packaging/repro-check.sh [COMMIT]      (default HEAD; `make package-repro`)
#
# Each build starts from its own clean clone, at a different path, with its own new
# build environment (`make deb` in the clone: .venv-package from the pinned
# constraints, PyInstaller, build-deb.sh); both take SOURCE_DATE_EPOCH from the commit.
# They share pip's wheel cache, as two builds on one machine do: set REPRO_NO_CACHE=1
# to make each download and compile everything again, as on two machines. The tarballs
# are compared too. On a difference, the differing files are listed in
# build/package/repro-report.txt and the exit status is 1.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
COMMIT=$(git -C "$TOP" rev-parse "${1:-HEAD}")
PYTHON=${PYTHON:-python3}
REPORT=$TOP/build/package/repro-report.txt
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/p2psocial-repro.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$(dirname "$REPORT")"

# build NAME [VAR=VALUE...]: a clone at $WORK/NAME/src-NAME, its dist/ in $WORK/NAME.out
build() {
    local name=$1 src=$WORK/$1/src-$1 started
    shift
    git clone --quiet --no-local --no-checkout "$TOP" "$src"
    git -C "$src" checkout --quiet --detach "$COMMIT"
    started=$(date +%s)
    env "$@" make -C "$src" --no-print-directory deb PYTHON="$PYTHON" > "$WORK/$name.log" 2>&1 \
        || { tail -n 30 "$WORK/$name.log" >&2; echo "repro-check: build $name failed" >&2; exit 1; }
    mv "$src/dist" "$WORK/$name.out"
    echo "build $name: $(($(date +%s) - started))s"
}

echo "repro-check: two builds of ${COMMIT:0:12}"
cache=()
[[ -z ${REPRO_NO_CACHE:-} ]] || cache=(PIP_NO_CACHE_DIR=1)
build a "${cache[@]}"
build b "${cache[@]}"

status=0
: > "$REPORT"
for a in "$WORK"/a.out/*; do
    name=$(basename "$a") b=$WORK/b.out/$(basename "$a")
    if cmp -s "$a" "$b"; then
        echo "identical: $name ($(sha256sum < "$a" | cut -c1-16)…, $(du -h "$a" | cut -f1))"
        continue
    fi
    status=1
    echo "DIFFERENT: $name" | tee -a "$REPORT"
    mkdir -p "$WORK/x/a" "$WORK/x/b"
    case $name in
        *.deb) dpkg-deb -R "$a" "$WORK/x/a"; dpkg-deb -R "$b" "$WORK/x/b"
               dpkg-deb -c "$a" > "$WORK/x/a.list"; dpkg-deb -c "$b" > "$WORK/x/b.list"
               diff "$WORK/x/a.list" "$WORK/x/b.list" >> "$REPORT" || true ;;
        *.tar.gz) tar -xzf "$a" -C "$WORK/x/a"; tar -xzf "$b" -C "$WORK/x/b" ;;
    esac
    diff -rq "$WORK/x/a" "$WORK/x/b" | sed "s|$WORK/x/||g" >> "$REPORT" || true
    rm -rf "$WORK/x"
done
if ((status)); then
    echo "repro-check: the builds differ; what differs is in $REPORT" >&2
else
    echo "reproducible: every artefact of ${COMMIT:0:12} is identical across the two builds" \
        | tee "$REPORT"
fi
exit $status
