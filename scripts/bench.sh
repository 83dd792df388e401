#!/usr/bin/env bash
# Runs the benchmark against the simulator with a real Terraform, on the release
# build, and writes bench/report.md and bench/report.json.
#
#   scripts/bench.sh [--runs N] [--reps N] [--out DIR]
#
# --runs: samples of provider start and peak memory (default 10);
# --reps: runs of each timed Terraform operation at each latency (default 3).
# Terraform: TF_ACC_TERRAFORM_PATH, else `terraform` on PATH, else Terraform 1.0.3
# from scripts/fetch-terraform.sh. Takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
if [[ -z "${TF_ACC_TERRAFORM_PATH:-}" ]] && ! command -v terraform >/dev/null; then
    TF_ACC_TERRAFORM_PATH="$(scripts/fetch-terraform.sh)"
    export TF_ACC_TERRAFORM_PATH
fi
cargo bench --bench tencentchat-bench -- "$@"
