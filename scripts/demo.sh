#!/usr/bin/env bash
# The provider's main job, end to end, on this machine only: build the provider and
# the Chat API simulator, start the simulator, install the provider where Terraform
# finds it, then run examples/quickstart through init, apply, output, a clean plan
# and destroy. Nothing touches Tencent Cloud.
#
#   scripts/demo.sh            # uses `terraform` on PATH, else fetches Terraform 1.0.3
#   TERRAFORM=/path/to/terraform scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
source scripts/lib/terraform-env.sh

# Colour only on a terminal; Terraform likewise.
if [[ -t 1 ]]; then
    step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
    no_color=()
else
    step() { printf '\n==> %s\n' "$*"; }
    no_color=(-no-color)
fi
say() { printf '    %s\n' "$*"; }

sim_pid=""
work=""
cleanup() {
    if [[ -n "$sim_pid" ]] && kill -0 "$sim_pid" 2>/dev/null; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
        say "simulator stopped"
    fi
    if [[ -n "$work" ]]; then
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

version="$(provider_version)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

step "Building terraform-provider-tencentchat and tencentchat-sim (cargo build)"
cargo build --quiet --bin terraform-provider-tencentchat --bin tencentchat-sim
provider_bin="$target_dir/debug/terraform-provider-tencentchat"
sim_bin="$target_dir/debug/tencentchat-sim"
say "provider $version: $provider_bin"

step "Starting the simulator of the Chat REST API (demo app 1400000000)"
work="$(mktemp -d "${TMPDIR:-/tmp}/tencentchat-demo.XXXXXX")"
"$sim_bin" --listen 127.0.0.1:0 --state-file "$work/sim-state.json" \
    >"$work/sim.out" 2>"$work/sim.log" &
sim_pid=$!
url=""
for _ in $(seq 1 100); do
    url="$(sed -n '1s/^tencentchat-sim listening on //p' "$work/sim.out" 2>/dev/null || true)"
    [[ -n "$url" ]] && break
    if ! kill -0 "$sim_pid" 2>/dev/null; then
        echo "the simulator exited early; its log:" >&2
        cat "$work/sim.log" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ -z "$url" ]]; then
    echo "the simulator did not report its address within 10 s" >&2
    exit 1
fi
say "listening on $url (pid $sim_pid)"

step "Installing the provider into a filesystem mirror under .tools/"
say "$(install_provider_mirror "$provider_bin" "$root/.tools/mirror" "$work/terraformrc")"

step "Finding Terraform"
tf="$(find_terraform)"
say "$tf: $(terraform_version "$tf")"

# The provider reads its settings from the environment, as a user's shell would.
unset TENCENTCHAT_USERSIG TENCENTCHAT_REGION TENCENTCHAT_IDENTIFIER TF_CLI_ARGS TF_DATA_DIR TF_WORKSPACE
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TF_INPUT=0
export TENCENTCHAT_ENDPOINT="$url"
export TENCENTCHAT_SDKAPPID=1400000000
export TENCENTCHAT_SECRET_KEY=tencentchat-sim-demo-key-0000000000000000

cp -R examples/quickstart "$work/quickstart"
rm -rf "$work/quickstart/.terraform" "$work/quickstart/.terraform.lock.hcl" "$work/quickstart/"*.tfstate*
cd "$work/quickstart"

show_sim() {
    if command -v curl >/dev/null; then
        say "the simulator's view: $(curl -fsS "$url/__sim/apps/1400000000/robots" || echo unavailable)"
    fi
}

step "terraform init: installs the provider from the mirror"
"$tf" init "${no_color[@]}" -input=false

step "terraform apply: creates four chatbots, then lists them with the data source"
"$tf" apply "${no_color[@]}" -auto-approve -input=false
show_sim

step "terraform output"
"$tf" output "${no_color[@]}"

step "terraform plan -detailed-exitcode: a second plan must find nothing to do"
set +e
"$tf" plan "${no_color[@]}" -detailed-exitcode -input=false
code=$?
set -e
if [[ $code -ne 0 ]]; then
    echo "expected exit code 0 (no changes), got $code" >&2
    exit 1
fi
say "no changes: the configuration and the chatbots agree"

step "terraform destroy: deletes the chatbots again"
"$tf" destroy "${no_color[@]}" -auto-approve -input=false
show_sim

step "Done"
say "the simulator is stopped and the temporary workspace removed on exit"
