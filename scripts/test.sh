#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, unit and integration tests
# (the end-to-end ones drive a real Terraform against the simulator).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --quiet -- -D warnings
echo "== cargo test"
cargo test --all-targets
