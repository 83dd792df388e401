#!/usr/bin/env bash
# Runs the benchmark against the simulator with a real Terraform, on the release
# build, and writes bench/report.md, bench/report.json and bench/scale.svg.
#
#   scripts/bench.sh [--baseline REV] [--runs N] [--reps N] [--scale-reps N] [--out DIR]
#                    [--process-only] [--baseline-bin PATH --baseline-rev NAME]
#
# The provider measured is the one that ships: scripts/release.sh's build (static
# on *-linux-gnu), made first into target/bench-release.
#
# --baseline: also build the provider at git revision REV (into
#   target/baseline/REV, its own target dir, reused when present) and measure it
#   in the same run, so the report shows before and after side by side;
# --runs: samples of provider start and peak memory (default 10);
# --reps: runs of each timed Terraform operation at each latency (default 3);
# --scale-reps: the same for the many-apps table (default: --reps);
# --process-only: only the per-process figures (start-up, peak RSS), printed with
#   the ratios to the baseline and written to OUT/process.json (report.md is
#   left alone); --baseline-bin PATH names a baseline binary already built.
# Terraform: TF_ACC_TERRAFORM_PATH, else `terraform` on PATH, else Terraform 1.0.3
# from scripts/fetch-terraform.sh. Takes a few minutes (plus a release build of
# REV the first time: several minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
if [[ -z "${TF_ACC_TERRAFORM_PATH:-}" ]] && ! command -v terraform >/dev/null; then
    TF_ACC_TERRAFORM_PATH="$(scripts/fetch-terraform.sh)"
    export TF_ACC_TERRAFORM_PATH
fi

args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
    --baseline)
        [[ $# -ge 2 ]] || { echo "bench.sh: --baseline needs a git revision" >&2; exit 2; }
        rev="$(git rev-parse --verify --short "$2^{commit}")" || {
            echo "bench.sh: --baseline $2: not a commit" >&2
            exit 2
        }
        dir="target/baseline/$rev"
        bin="$dir/target/release/terraform-provider-tencentchat"
        if [[ ! -x "$bin" ]]; then
            echo "bench.sh: building the provider at $rev into $dir" >&2
            rm -rf "$dir/src"
            mkdir -p "$dir/src"
            git archive "$rev" | tar -x -C "$dir/src"
            (cd "$dir/src" && cargo build --release --locked \
                --bin terraform-provider-tencentchat --target-dir ../target)
        fi
        args+=(--baseline-bin "$PWD/$bin" --baseline-rev "$rev")
        shift 2
        ;;
    *)
        args+=("$1")
        shift
        ;;
    esac
done
release_log="target/bench-release.log"
mkdir -p target
bash scripts/release.sh --out target/bench-release >"$release_log" 2>&1 || {
    cat "$release_log" >&2
    exit 1
}
shipped="$(sed -n 's/^platforms built: [^ ]* (\([^,]*\),.*/\1/p' "$release_log")"
bin="target/$shipped/release/terraform-provider-tencentchat"
[[ -n "$shipped" && -x "$bin" ]] || bin="target/release/terraform-provider-tencentchat"
echo "bench.sh: measuring $bin ($(grep '^platforms built:' "$release_log"))" >&2
cargo bench --bench tencentchat-bench -- --provider-bin "$PWD/$bin" "${args[@]}"
