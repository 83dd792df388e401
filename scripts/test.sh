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
echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --quiet -- -D warnings
cargo clippy --bench tencentchat-bench --quiet -- -D warnings  # not in --all-targets (bench = false)

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

echo "== cargo test --all-targets"
cargo test --all-targets

echo "== end-to-end suites again with Terraform 1.0.3"
TF_ACC_TERRAFORM_PATH="$tf_old" cargo test --test e2e_terraform --test e2e_beyond --test examples --test call_counts \
    --test e2e_provider_config --test e2e_debug --test e2e_hostile --test e2e_reliability --test bad_input --test e2e_no_takeover \
    --test e2e_functions --test e2e_adopt --test e2e_real_service --test e2e_contract

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
