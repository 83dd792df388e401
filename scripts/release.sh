#!/usr/bin/env bash
# Builds a release of terraform-provider-tencentchat for the host platform, laid
# out the way the public Terraform registry (and goreleaser) lays releases out.
#
#   scripts/release.sh [--out DIR] [--mirror DIR]
#
# Into --out (default: dist/ at the repository root, git-ignored) it writes:
#   terraform-provider-tencentchat_<version>_<os>_<arch>.zip
#       holding exactly one file, terraform-provider-tencentchat_v<version>,
#       with its executable bit kept in the zip's Unix mode bits;
#   terraform-provider-tencentchat_<version>_manifest.json
#       the repository's terraform-registry-manifest.json, renamed as releases
#       carry it (it tells the registry which plugin protocol versions we speak);
#   terraform-provider-tencentchat_<version>_SHA256SUMS
#       "<sha256 hex>  <file name>" lines for the zip and the manifest, sorted by
#       name, as goreleaser writes them.
#
# <version> comes from Cargo.toml; <os>/<arch> are the host's, in Go's words
# (linux, darwin, freebsd; amd64, arm64, 386, arm), from `uname`.
#
# --mirror DIR also fills a Terraform filesystem mirror (for a CLI config's
# `provider_installation { filesystem_mirror { path = "DIR" } }`).
# Layout chosen: PACKED. The release zip itself is copied, byte for byte, to
#   DIR/registry.terraform.io/tencentchat/tencentchat/terraform-provider-tencentchat_<version>_<os>_<arch>.zip
# Why packed rather than the unpacked <version>/<os>_<arch>/ directory tree:
#   - the mirror then holds exactly what we publish, so what `terraform init`
#     installs from it is the release artifact and not a second copy of it;
#   - it is the layout `terraform providers mirror` itself writes;
#   - a packed package can be checked against a "zh:" lock-file hash (the
#     zip's SHA256SUMS line), so a lock file written from SHA256SUMS verifies
#     mirror installs; an unpacked directory can only be checked against "h1:";
#   - only one layout is written, so Terraform never sees two candidates for
#     the same version and platform.
# Note: `terraform init` from a mirror records only the "h1:" hash of the
# package it unpacked (Terraform adds "zh:" hashes by itself only for signed
# registry releases); "zh:" hashes already in the lock file are checked and kept.
#
# Reproducible zips: every entry's timestamp is SOURCE_DATE_EPOCH if set, else
# the time of the last git commit, else 1980-01-01, so rebuilding an unchanged
# tree gives the same zip (and the same SHA256SUMS) whenever cargo gives the
# same binary.
#
# Needs: cargo, python3 (zipfile, hashlib; always present here). Uses `zip`
# only when python3 is missing.
set -euo pipefail

usage() {
  echo "usage: scripts/release.sh [--out DIR] [--mirror DIR]" >&2
  exit 2
}

abs_dir() { # creates $1 if needed and prints its absolute path
  mkdir -p -- "$1"
  (cd -- "$1" && pwd -P)
}

OUT=""
MIRROR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || usage; OUT="$2"; shift 2 ;;
    --out=*) OUT="${1#--out=}"; shift ;;
    --mirror) [ $# -ge 2 ] || usage; MIRROR="$2"; shift 2 ;;
    --mirror=*) MIRROR="${1#--mirror=}"; shift ;;
    -h|--help) usage ;;
    *) echo "release.sh: unknown argument: $1" >&2; usage ;;
  esac
done
# Resolve relative paths against the caller's directory, before we move.
[ -n "$OUT" ] && OUT="$(abs_dir "$OUT")"
[ -n "$MIRROR" ] && MIRROR="$(abs_dir "$MIRROR")"

ROOT="$(cd -- "$(dirname -- "$0")/.." && pwd -P)"
cd "$ROOT"
[ -n "$OUT" ] || OUT="$(abs_dir "$ROOT/dist")"

NAME="terraform-provider-tencentchat"
CARGO="${CARGO:-cargo}"
# Registry coordinates used by the mirror (source = "tencentchat/tencentchat").
HOSTNAME_="registry.terraform.io"
NAMESPACE="tencentchat"
TYPE="tencentchat"

# --- version, os, arch ---------------------------------------------------------
VERSION="$(awk '
  /^\[/ { in_pkg = ($0 == "[package]") }
  in_pkg && /^version[ \t]*=/ { sub(/^[^"]*"/, ""); sub(/".*$/, ""); print; exit }
' Cargo.toml)"
if ! printf '%s' "$VERSION" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$'; then
  echo "release.sh: cannot read a semantic version from Cargo.toml (got '$VERSION')" >&2
  exit 1
fi

case "$(uname -s)" in
  Linux) OS=linux ;;
  Darwin) OS=darwin ;;
  FreeBSD) OS=freebsd ;;
  *) echo "release.sh: unsupported OS $(uname -s)" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64|amd64) ARCH=amd64 ;;
  aarch64|arm64) ARCH=arm64 ;;
  i386|i686) ARCH=386 ;;
  armv6l|armv7l) ARCH=arm ;;
  *) echo "release.sh: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

ZIP="${NAME}_${VERSION}_${OS}_${ARCH}.zip"
MANIFEST="${NAME}_${VERSION}_manifest.json"
SUMS="${NAME}_${VERSION}_SHA256SUMS"
ENTRY="${NAME}_v${VERSION}"

# --- build ---------------------------------------------------------------------
# When run from inside cargo (say by `cargo test`), drop the variables cargo set
# for that run: build scripts in our tree (ring's, for one) watch some of them,
# so a leftover CARGO_MANIFEST_DIR would make every release build start over.
unset OUT_DIR CARGO_MANIFEST_DIR CARGO_MANIFEST_PATH CARGO_CRATE_NAME CARGO_BIN_NAME \
  CARGO_PRIMARY_PACKAGE CARGO_TARGET_TMPDIR CARGO_RUSTC_CURRENT_DIR
for var in $(compgen -e); do
  case "$var" in CARGO_PKG_* | CARGO_BIN_EXE_* | CARGO_CFG_* | DEP_*) unset "$var" ;; esac
done
# On Linux the binary is linked statically (glibc's static libc, +crt-static), so
# it has no dynamic dependency at all: no libc.so.6, libgcc_s.so.1 or program
# interpreter, and it starts on musl (Alpine, the hashicorp/terraform image),
# distroless and old glibc alike. It resolves host names itself (hickory-dns reads
# /etc/hosts and /etc/resolv.conf), because a static glibc cannot load the NSS
# modules getaddrinfo needs. Only this build is static: --target keeps its
# RUSTFLAGS off build scripts and out of target/release, so tests and `cargo
# build` stay as they are.
HOST_TRIPLE="$("${RUSTC:-rustc}" -vV | sed -n 's/^host: //p')"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$HOST_TRIPLE" in
  *-linux-gnu)
    STATIC="static (+crt-static, no dynamic dependency)"
    echo "== RUSTFLAGS='-C target-feature=+crt-static' $CARGO build --release --bin $NAME --target $HOST_TRIPLE" >&2
    RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C target-feature=+crt-static" \
      "$CARGO" build --release --bin "$NAME" --target "$HOST_TRIPLE" >&2
    BIN="$TARGET_DIR/$HOST_TRIPLE/release/$NAME"
    ;;
  *)
    STATIC="dynamically linked (static linking is set up for *-linux-gnu hosts only)"
    echo "== $CARGO build --release --bin $NAME" >&2
    "$CARGO" build --release --bin "$NAME" >&2
    BIN="$TARGET_DIR/release/$NAME"
    ;;
esac
[ -x "$BIN" ] || { echo "release.sh: built binary not found at $BIN" >&2; exit 1; }
case "$HOST_TRIPLE" in
  *-linux-gnu)
    if command -v readelf >/dev/null 2>&1; then
      if readelf -d "$BIN" 2>/dev/null | grep -q '(NEEDED)' || readelf -l "$BIN" | grep -q 'INTERP'; then
        echo "release.sh: $BIN is not static:" >&2
        readelf -d "$BIN" | grep '(NEEDED)' >&2 || true
        readelf -l "$BIN" | grep -A1 'INTERP' >&2 || true
        exit 1
      fi
    else
      echo "release.sh: readelf not found; not checking that the binary is static" >&2
    fi
    ;;
esac
[ -f "$ROOT/terraform-registry-manifest.json" ] \
  || { echo "release.sh: terraform-registry-manifest.json missing at the repo root" >&2; exit 1; }

# --- package -------------------------------------------------------------------
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH="$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 315532800)"
fi
export SOURCE_DATE_EPOCH

STAGE="$(mktemp -d "${TMPDIR:-/tmp}/tencentchat-release.XXXXXX")"
trap 'rm -rf -- "$STAGE"' EXIT

cp -- "$BIN" "$STAGE/$ENTRY"
chmod 0755 "$STAGE/$ENTRY"
cp -- "$ROOT/terraform-registry-manifest.json" "$STAGE/$MANIFEST"

if command -v python3 >/dev/null 2>&1; then
  python3 - "$STAGE/$ENTRY" "$STAGE/$ZIP" <<'PY'
import os, sys, time, zipfile

src, dst = sys.argv[1], sys.argv[2]
# Zip timestamps are local-time fields with 2 s resolution, 1980 at the earliest.
stamp = max(int(os.environ["SOURCE_DATE_EPOCH"]), 315532800)
info = zipfile.ZipInfo(os.path.basename(src), date_time=time.gmtime(stamp)[:6])
info.create_system = 3  # Unix, so readers honour the mode bits below
info.external_attr = (0o100000 | (os.stat(src).st_mode & 0o777)) << 16
info.compress_type = zipfile.ZIP_DEFLATED
with open(src, "rb") as f, zipfile.ZipFile(dst, "w") as z:
    z.writestr(info, f.read(), compresslevel=9)
PY
elif command -v zip >/dev/null 2>&1; then
  touch -d "@$SOURCE_DATE_EPOCH" "$STAGE/$ENTRY" 2>/dev/null || true
  (cd "$STAGE" && zip -q -X -9 "$ZIP" "$ENTRY")
else
  echo "release.sh: need python3 or zip to build the archive" >&2
  exit 1
fi

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum -- "$1" | cut -d' ' -f1
  else
    shasum -a 256 -- "$1" | cut -d' ' -f1
  fi
}

(
  cd "$STAGE"
  for f in $(printf '%s\n' "$ZIP" "$MANIFEST" | LC_ALL=C sort); do
    printf '%s  %s\n' "$(sha256_of "$f")" "$f"
  done
) >"$STAGE/$SUMS"

# Move into place only once everything is made, so a failed run leaves no
# half-written release behind.
for f in "$ZIP" "$MANIFEST" "$SUMS"; do
  mv -f -- "$STAGE/$f" "$OUT/$f"
done

echo "made:"
for f in "$ZIP" "$MANIFEST" "$SUMS"; do
  printf '  %s  (%s bytes)\n' "$OUT/$f" "$(wc -c <"$OUT/$f" | tr -d ' ')"
done

# --- filesystem mirror (packed layout) ----------------------------------------
if [ -n "$MIRROR" ]; then
  PKGDIR="$MIRROR/$HOSTNAME_/$NAMESPACE/$TYPE"
  mkdir -p -- "$PKGDIR"
  cp -f -- "$OUT/$ZIP" "$PKGDIR/$ZIP.tmp"
  mv -f -- "$PKGDIR/$ZIP.tmp" "$PKGDIR/$ZIP"
  printf '  %s  (filesystem mirror, packed layout)\n' "$PKGDIR/$ZIP"
fi
