#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, unit and integration tests.
# The end-to-end tests drive a real Terraform against the simulator: once with the
# `terraform` on PATH (or Terraform 1.0.3 when there is none) and once more with
# Terraform 1.0.3, the oldest release the provider supports. Terraform 1.0.3 is
# installed into .tools/ when missing (scripts/fetch-terraform.sh), so this passes on
# a fresh machine; no end-to-end test is allowed to skip for want of a Terraform.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo clippy --bench tencentchat-bench --quiet -- -D warnings  # not in --all-targets (bench = false)

# tests/packaging.rs signs a release with a throwaway key: a fresh machine may
# lack gpg, so install it (as root, through apt) before anything runs.
if ! command -v gpg >/dev/null 2>&1; then
    echo "== installing gnupg (tests/packaging.rs signs a release)"
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null && apt-get install -y -qq gnupg >/dev/null
    fi
    command -v gpg >/dev/null 2>&1 || { echo "gpg is missing and could not be installed: install gnupg" >&2; exit 1; }
fi

echo "== Terraform"
first_line() { local out; out="$(CHECKPOINT_DISABLE=1 "$1" version 2>/dev/null)" || true; echo "${out%%$'\n'*}"; }
tf_old="$(scripts/fetch-terraform.sh)"
unset TF_ACC_TERRAFORM_PATH
if tf_path="$(command -v terraform)"; then
    echo "PATH's Terraform: $tf_path ($(first_line "$tf_path"))"
else
    echo "no terraform on PATH: the first run uses $tf_old too"
    export TF_ACC_TERRAFORM_PATH="$tf_old"
fi
echo "oldest supported: $tf_old ($(first_line "$tf_old"))"

# A test that cannot run with a given Terraform (e.g. import blocks before 1.5)
# prints "SKIP: …" and appends it here; the summary below makes it visible.
mkdir -p target
skip_log="$PWD/target/e2e-skips.txt"
: >"$skip_log"
export TENCENTCHAT_E2E_SKIP_LOG="$skip_log"
export TENCENTCHAT_E2E_REQUIRE_TERRAFORM=1

echo "== cargo test --workspace --all-targets"
cargo test --workspace --all-targets

echo "== end-to-end suites again with Terraform 1.0.3"
# Derived, not kept by hand: every tests/e2e_*.rs, and the other suites that drive
# a real Terraform (listed here because their names do not say so).
rerun=()
for f in tests/e2e_*.rs; do n="${f#tests/}"; rerun+=(--test "${n%.rs}"); done
for n in examples call_counts bad_input packaging; do rerun+=(--test "$n"); done
TF_ACC_TERRAFORM_PATH="$tf_old" cargo test "${rerun[@]}"

# The live acceptance run (scripts/test-live.sh), against a simulator started as a
# separate process and named only through the TENCENTCHAT_* variables.
echo "== scripts/test-live-sim.sh (the live acceptance run against the simulator)"
scripts/test-live-sim.sh >"$PWD/target/test-live-sim.log" 2>&1 || { cat "$PWD/target/test-live-sim.log"; exit 1; }
tail -n 1 "$PWD/target/test-live-sim.log"

# The README's first command, exactly as a newcomer runs it (once per Terraform).
echo "== scripts/demo.sh (the newcomer's first command)"
scripts/demo.sh >"$PWD/target/demo.log" 2>&1 || { cat "$PWD/target/demo.log"; exit 1; }
tail -n 3 "$PWD/target/demo.log"
TERRAFORM="$tf_old" scripts/demo.sh >"$PWD/target/demo-1.0.3.log" 2>&1 || { cat "$PWD/target/demo-1.0.3.log"; exit 1; }
tail -n 3 "$PWD/target/demo-1.0.3.log"

echo "== skipped for this environment"
if [[ -s "$skip_log" ]]; then
    sort -u "$skip_log"
else
    echo "(none)"
fi
