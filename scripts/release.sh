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
#       name, as goreleaser writes them;
# and, when GPG_FINGERPRINT names a key in gpg's keyring (goreleaser's variable):
#   terraform-provider-tencentchat_<version>_SHA256SUMS.sig
#       a detached binary GPG signature of SHA256SUMS, made with that key;
#   terraform-provider-tencentchat_<version>_signing-key.asc
#       that key's public half, armored (what the registry is given once).
# Without GPG_FINGERPRINT it says that it did not sign.
#
# <version> comes from Cargo.toml; <os>/<arch> are the host's, in Go's words
# (linux, darwin, freebsd; amd64, arm64, 386, arm), from `uname`. Only the host's
# platform is built (no cross builds); the last lines say which one was built.
# On a *-linux-gnu host the binary is static (see "build" below).
#
# --mirror DIR also fills a Terraform filesystem mirror (for a CLI config's
# `provider_installation { filesystem_mirror { path = "DIR" } }`) that is a
# network mirror as well, served over HTTPS (`network_mirror { url = … }`): see
# "mirrors" below for the index.json and <version>.json written beside the zip.
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
# Needs: cargo, python3 (zipfile, hashlib; always present here; --mirror needs
# it), gpg to sign. Uses `zip` only when python3 is missing.
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
# modules getaddrinfo needs. getrandom (0.3, 0.4) finds glibc's getrandom() with
# dlsym, which a static binary cannot do, and would then read /dev/urandom, which
# an empty chroot or a distroless image without /dev lacks: the cfg below makes it
# call getrandom() directly. Only this build is static: --target keeps its
# RUSTFLAGS off build scripts and out of target/release, so tests and `cargo
# build` stay as they are.
HOST_TRIPLE="$("${RUSTC:-rustc}" -vV | sed -n 's/^host: //p')"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$HOST_TRIPLE" in
  *-linux-gnu)
    STATIC="static (+crt-static, no dynamic dependency)"
    STATIC_FLAGS='-C target-feature=+crt-static --cfg getrandom_backend="linux_getrandom"'
    echo "== RUSTFLAGS='$STATIC_FLAGS' $CARGO build --release --bin $NAME --target $HOST_TRIPLE" >&2
    RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }$STATIC_FLAGS" \
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

# --- signature (goreleaser's convention) ----------------------------------------
# With GPG_FINGERPRINT set, SHA256SUMS gets a detached binary signature made with
# that key, and the key's public half is exported (armored) beside it: the public
# registry wants both (the key is added to the namespace once, the .sig with every
# release). gpg reads the key from its usual home (GNUPGHOME, else ~/.gnupg); a key
# with a passphrase needs a gpg-agent that has it.
SIG="$SUMS.sig"
PUBKEY="${NAME}_${VERSION}_signing-key.asc"
SIGNED=""
if [ -n "${GPG_FINGERPRINT:-}" ]; then
  command -v gpg >/dev/null 2>&1 || {
    echo "release.sh: GPG_FINGERPRINT is set but gpg is not installed" >&2
    exit 1
  }
  echo "== gpg --detach-sign $SUMS with key $GPG_FINGERPRINT" >&2
  gpg --batch --yes --local-user "$GPG_FINGERPRINT" --output "$STAGE/$SIG" \
    --detach-sign "$STAGE/$SUMS" >&2 || {
    echo "release.sh: gpg could not sign with the key GPG_FINGERPRINT names ($GPG_FINGERPRINT)" >&2
    exit 1
  }
  gpg --batch --armor --export "$GPG_FINGERPRINT" >"$STAGE/$PUBKEY"
  [ -s "$STAGE/$PUBKEY" ] || {
    echo "release.sh: gpg exported no public key for $GPG_FINGERPRINT" >&2
    exit 1
  }
  SIGNED=1
fi

# Move into place only once everything is made, so a failed run leaves no
# half-written release behind.
MADE=("$ZIP" "$MANIFEST" "$SUMS")
[ -n "$SIGNED" ] && MADE+=("$SIG" "$PUBKEY")
for f in "${MADE[@]}"; do
  mv -f -- "$STAGE/$f" "$OUT/$f"
done
# An unsigned release must not keep an earlier run's signature of other sums.
[ -n "$SIGNED" ] || rm -f -- "$OUT/$SIG" "$OUT/$PUBKEY"

echo "made:"
for f in "${MADE[@]}"; do
  printf '  %s  (%s bytes)\n' "$OUT/$f" "$(wc -c <"$OUT/$f" | tr -d ' ')"
done

# --- mirrors (filesystem: packed layout; network: index.json + <version>.json) --
# The zip goes to DIR/<host>/<namespace>/<type>/, and beside it the two files of
# Terraform's provider network mirror protocol, so the one folder serves both a
# `filesystem_mirror { path = "DIR" }` and, from any static HTTPS server whose root
# is DIR, a `network_mirror { url = "https://…/" }`:
#   index.json        {"versions": {"<version>": {}, …}}, every version whose zip
#                     is in the folder;
#   <version>.json    {"archives": {"<os>_<arch>": {"url": "<zip>", "hashes":
#                     ["h1:…", "zh:…"]}}}, every platform of that version in the
#                     folder; "url" is relative to the JSON file; "h1:" is
#                     Terraform's hash of the zip's contents (Go's dirhash Hash1),
#                     "zh:" the SHA-256 of the zip (its SHA256SUMS line).
# Both are rewritten from the zips present, so releases of other versions or
# platforms copied into the same folder are listed too. Terraform's filesystem
# mirror ignores the JSON files.
if [ -n "$MIRROR" ]; then
  PKGDIR="$MIRROR/$HOSTNAME_/$NAMESPACE/$TYPE"
  mkdir -p -- "$PKGDIR"
  cp -f -- "$OUT/$ZIP" "$PKGDIR/$ZIP.tmp"
  mv -f -- "$PKGDIR/$ZIP.tmp" "$PKGDIR/$ZIP"
  printf '  %s  (filesystem mirror, packed layout)\n' "$PKGDIR/$ZIP"
  command -v python3 >/dev/null 2>&1 || {
    echo "release.sh: --mirror needs python3 to write index.json and $VERSION.json" >&2
    exit 1
  }
  python3 - "$PKGDIR" "$NAME" <<'PY'
import base64, hashlib, json, os, re, sys, zipfile

pkgdir, name = sys.argv[1], sys.argv[2]
pattern = re.compile(re.escape(name) + r"_(?P<version>[0-9][^_]*)_(?P<os>[a-z0-9]+)_(?P<arch>[a-z0-9]+)\.zip$")

def h1(path):
    # Go's golang.org/x/mod/sumdb/dirhash.Hash1 over the zip's files, as
    # Terraform's getproviders.PackageHashV1 computes it for a zip.
    with zipfile.ZipFile(path) as z:
        lines = []
        for n in sorted(i.filename for i in z.infolist() if not i.is_dir()):
            if "\n" in n:
                raise SystemExit(f"release.sh: {path}: a file name with a newline")
            lines.append(f"{hashlib.sha256(z.read(n)).hexdigest()}  {n}\n")
    return "h1:" + base64.b64encode(hashlib.sha256("".join(lines).encode()).digest()).decode()

def zh(path):
    with open(path, "rb") as f:
        return "zh:" + hashlib.sha256(f.read()).hexdigest()

versions = {}
for entry in sorted(os.listdir(pkgdir)):
    m = pattern.match(entry)
    if m:
        path = os.path.join(pkgdir, entry)
        versions.setdefault(m["version"], {})[f"{m['os']}_{m['arch']}"] = {
            "url": entry,
            "hashes": [h1(path), zh(path)],
        }

def write(file, doc):
    tmp = os.path.join(pkgdir, file + ".tmp")
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, os.path.join(pkgdir, file))
    print(f"  {os.path.join(pkgdir, file)}  (network mirror)")

write("index.json", {"versions": {v: {} for v in versions}})
for v, archives in versions.items():
    write(f"{v}.json", {"archives": archives})
PY
fi

# --- what was built and what was not --------------------------------------------
echo "platforms built: ${OS}_${ARCH} ($HOST_TRIPLE, $STATIC)"
echo "platforms not built: every other one; this script builds only for the host, with no cross builds"
if [ -n "$SIGNED" ]; then
  echo "signed: $OUT/$SIG (key $GPG_FINGERPRINT, public key in $OUT/$PUBKEY)"
else
  echo "not signed: GPG_FINGERPRINT is not set, so no $SIG was written (the public registry requires one)"
fi
