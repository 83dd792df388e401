#!/usr/bin/env bash
# The live acceptance run: the end-to-end scenarios that make sense against a real
# Tencent Cloud Chat app, driven by a real Terraform with this build of the provider.
#
#   scripts/test-live.sh            # run the scenarios; the last line is "N passed, N failed[, N skipped]"
#   scripts/test-live.sh --sweep    # delete chatbots left by an interrupted run (UserIDs "@RBT#tfacc…")
#
# The app comes only from the provider's own variables: TENCENTCHAT_SDKAPPID,
# TENCENTCHAT_SECRET_KEY (or TENCENTCHAT_USERSIG), TENCENTCHAT_IDENTIFIER and
# TENCENTCHAT_REGION or TENCENTCHAT_ENDPOINT. Terraform is $TERRAFORM, else the one
# on PATH. Every chatbot it makes has a UserID starting with a per-run prefix
# "@RBT#tfacc<8 random characters>"; it never writes any other chatbot, and it stops
# before creating anything when the app has too little room. Out-of-band changes go
# through the Chat REST API itself (scripts/tencentchat-live.rs, the provider's own
# client), never through a simulator.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
source scripts/lib/terraform-env.sh

# Chatbots this run holds at one time (a, b/c, d, e below).
need=4

mode=run
case "${1:-}" in
"") ;;
--sweep) mode=sweep ;;
-h | --help)
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
*)
    echo "test-live.sh: unknown argument ${1@Q}; allowed: --sweep, --help" >&2
    exit 2
    ;;
esac

work="$(mktemp -d "${TMPDIR:-/tmp}/tencentchat-live.XXXXXX")"
tool_err="$work/tool.err"
calls_log="$work/tool-calls.log"
: >"$calls_log"

# The API tool. Its debug lines (one per HTTP request) are kept for the call count;
# anything else it says (an error) goes to stderr.
live() {
    local rc=0
    "$tool" "$@" 2>"$tool_err" || rc=$?
    grep '^{"@level"' "$tool_err" >>"$calls_log"
    grep -v '^{"@level"' "$tool_err" >&2
    return $rc
}

echo "== building the provider and the API tool (cargo build)"
cargo build --quiet --bin terraform-provider-tencentchat --example tencentchat-live || exit 1
target_dir="${CARGO_TARGET_DIR:-$root/target}"
tool="$target_dir/debug/examples/tencentchat-live"
provider_bin="$target_dir/debug/terraform-provider-tencentchat"

if [[ "$mode" == sweep ]]; then
    trap 'rm -rf "$work"' EXIT
    test_prefix="$(live test-prefix)" || exit 1
    echo "== chatbots whose UserID starts with $test_prefix"
    listed="$(live list "$test_prefix")" || exit 1
    mapfile -t leftovers < <(sed '/^$/d' <<<"$listed")
    if ((${#leftovers[@]} == 0)); then
        echo "(none)"
        exit 0
    fi
    printf '%s\n' "${leftovers[@]}"
    live delete "${leftovers[@]}" || exit 1
    echo "swept ${#leftovers[@]} chatbot(s)"
    exit 0
fi

passed=0 failed=0 skipped=0
pass() {
    passed=$((passed + 1))
    echo "ok   - $*"
}
fail() {
    failed=$((failed + 1))
    echo "FAIL - $*"
    if [[ -n "${last_out:-}" && -f "$last_out" ]]; then
        sed 's/^/       | /' "$last_out" | tail -n 25
    fi
}
skip() {
    skipped=$((skipped + 1))
    echo "skip - $*"
}
check() { # check DESCRIPTION COMMAND...: pass when the command succeeds
    local what="$1"
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
# contains FILE PHRASE: PHRASE occurs in FILE once Terraform's line wrapping and the
# │ frames of its diagnostics are undone.
contains() {
    sed -E 's/^[[:space:]]*[│╷╵]?//' "$1" | tr -s '[:space:]' ' ' | grep -qF -- "$2"
}

prefix=""
swept=""
ws="$work/ws"
cleanup() {
    # Whatever this run left (a failed step, an interrupt) goes now; the chatbots
    # of other runs and of other people are never listed here.
    if [[ -n "$prefix" && -z "$swept" ]]; then
        local left
        left="$(live list "$prefix" 2>/dev/null)" || left=""
        if [[ -n "$left" ]]; then
            echo "== deleting what this run left: $(echo $left)"
            # shellcheck disable=SC2086
            live delete $left >/dev/null || echo "could not delete them: run scripts/test-live.sh --sweep" >&2
        fi
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== Terraform"
tf="$(find_terraform)" || exit 1
tf_version="$(terraform_version "$tf")"
echo "$tf: $tf_version"
read -r tf_major tf_minor < <(sed -nE 's/^[A-Za-z]+ v([0-9]+)\.([0-9]+)\..*/\1 \2/p' <<<"$tf_version") || true
import_blocks() { [[ -n "${tf_major:-}" ]] && ((tf_major > 1 || (tf_major == 1 && tf_minor >= 5))); }

echo "== room in the app"
free="$(live free)" || {
    echo "cannot list the app's chatbots: check the TENCENTCHAT_* settings above" >&2
    exit 1
}
if ((free < need)); then
    echo "the app has room for $free more chatbot(s); this run needs $need at once." >&2
    echo "Nothing was created. Free some (scripts/test-live.sh --sweep removes leftovers of earlier runs) or use another app." >&2
    exit 1
fi
echo "room for $free more chatbot(s); this run needs $need"

prefix="$(live new-prefix)" || exit 1
a="$prefix-a" b="$prefix-b" c="$prefix-c" d="$prefix-d" e="$prefix-e"
echo "== this run's chatbots start with $prefix"

# Terraform with this build installed from a private filesystem mirror; every run
# logs the provider at debug (TRACE for the create) so calls can be counted and
# logs scanned for secrets.
install_provider_mirror "$provider_bin" "$work/mirror" "$work/terraformrc" >/dev/null
unset TF_CLI_ARGS TF_DATA_DIR TF_WORKSPACE TF_LOG TF_LOG_CORE TF_LOG_PROVIDER TF_LOG_PATH
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TF_INPUT=0
mkdir -p "$ws" "$work/logs"
step=0
last_out=""
# tfrun NAME [LEVEL] -- ARGS...: terraform ARGS in the workspace; output in $last_out.
tfrun() {
    local name="$1" level=debug
    shift
    if [[ "$1" != -- ]]; then
        level="$1"
        shift
    fi
    shift
    step=$((step + 1))
    last_out="$work/logs/$(printf '%02d' $step)-$name.out"
    local log="$work/logs/$(printf '%02d' $step)-$name.log" rc=0 which=TF_LOG_PROVIDER
    [[ "$level" == TRACE ]] && which=TF_LOG # Terraform's own lines too
    (cd "$ws" && env "$which=$level" TF_LOG_PATH="$log" "$tf" "$1" -no-color "${@:2}") >"$last_out" 2>&1 || rc=$?
    return $rc
}

required_providers='terraform {
  required_providers {
    tencentchat = {
      source = "tencentchat/tencentchat"
    }
  }
}
'

# --- Bad input is rejected at plan, before any API call -----------------------------
cat >"$ws/main.tf" <<EOF
$required_providers
provider "tencentchat" {
  calls_per_second = 0
}

resource "tencentchat_robot" "bad" {
  user_id = "${prefix#@RBT#}-no-robot-prefix"
}
EOF
if tfrun init -- init -input=false; then
    pass "terraform init installs the provider from the local mirror"
else
    fail "terraform init installs the provider from the local mirror"
    echo "$passed passed, $failed failed"
    exit 1
fi
tfrun bad-provider -- plan -input=false
rc=$?
bad_logs=("$work/logs/$(printf '%02d' $step)-bad-provider.log")
check "a bad provider setting fails the plan, naming calls_per_second and what is allowed" \
    eval '[[ $rc != 0 ]] && contains "$last_out" "calls_per_second" && contains "$last_out" "from 1 to 200"'
sed -i '/calls_per_second = 0/d' "$ws/main.tf"
tfrun bad-resource -- plan -input=false
rc=$?
bad_logs+=("$work/logs/$(printf '%02d' $step)-bad-resource.log")
# The bad UserID lacks "@RBT#", so the only "@RBT#" in the output is the message's.
check "a bad user_id fails the plan, naming user_id and the required prefix" \
    eval '[[ $rc != 0 ]] && contains "$last_out" "user_id" && contains "$last_out" "@RBT#"'
no_call_logged() { # each log has the provider's lines and none is an API call
    local f
    for f in "$@"; do
        grep -q "tencentchat" "$f" && ! grep -q "Chat API attempt finished" "$f" || return 1
    done
}
check "no API call was made for bad input (the provider's debug logs)" no_call_logged "${bad_logs[@]}"

# --- Create with a profile, through a saved plan, with TRACE logs -------------------
write_config() { # the configuration of each stage; $1 = stage
    local stage="$1" b_id="$b" sig="created by scripts/test-live.sh" face='  face_url       = "https://example.com/tfacc/a.png"'
    [[ "$stage" -ge 2 ]] && sig="updated in place by scripts/test-live.sh" && face=""
    [[ "$stage" -ge 3 ]] && b_id="$c"
    {
        echo "$required_providers"
        echo 'provider "tencentchat" {}'
        echo
        cat <<EOF
resource "tencentchat_robot" "a" {
  user_id        = "$a"
  nick           = "Live A"
$face
  self_signature = "$sig"
}

resource "tencentchat_robot" "b" {
  user_id = "$b_id"
  nick    = "Live B"
}

data "tencentchat_robots" "run" {
  prefix     = "$prefix"
  depends_on = [tencentchat_robot.a, tencentchat_robot.b]
}
EOF
        # Only the first stage shows it: the later imports change it, and
        # Terraform 1.0 counts an output-only change in -detailed-exitcode.
        if [[ "$stage" == 1 ]]; then
            cat <<EOF

output "run_ids" {
  value = data.tencentchat_robots.run.user_ids
}
EOF
        fi
        if [[ "$stage" -ge 4 ]]; then
            cat <<EOF

resource "tencentchat_robot" "d" {
  user_id = "$d"
  nick    = "Imported D"
}
EOF
        fi
        if [[ "$stage" -ge 5 ]]; then
            cat <<EOF

import {
  to = tencentchat_robot.e
  id = "$e"
}

resource "tencentchat_robot" "e" {
  user_id = "$e"
  nick    = "Imported E"
}
EOF
        fi
    } >"$ws/main.tf"
}
profile_is() { # profile_is USER_ID JSON: the chatbot's profile as the API reads it
    local got
    got="$(live get "$1")" || return 1
    [[ "$got" == "$2" ]] || {
        echo "       | $1: $got, expected $2"
        return 1
    }
}
listed_are() { # listed_are ID...: this run's active chatbots, in any order
    local got want
    got="$(live list "$prefix" | sort | tr '\n' ' ')"
    want="$(printf '%s\n' "$@" | sed '/^$/d' | sort | tr '\n' ' ')"
    [[ "$got" == "$want" ]] || {
        echo "       | active: ${got:-none}; expected: ${want:-none}"
        return 1
    }
}

# saved_plan NAME LEVEL WHAT PHRASE PLANNED APPLIED: plan -out=NAME.tfplan must show
# PHRASE and the PLANNED counts; applying that very file must report APPLIED.
saved_plan() {
    local name="$1" level="$2" what="$3" phrase="$4" planned="$5" applied="$6"
    tfrun "plan-$name" "$level" -- plan -input=false -out="$name.tfplan"
    rc=$?
    check "plan: $what" eval '[[ $rc == 0 ]] && contains "$last_out" "$phrase" && contains "$last_out" "$planned"'
    tfrun "apply-$name" "$level" -- apply -input=false "$name.tfplan"
    rc=$?
    check "apply of the saved plan: $what" eval '[[ $rc == 0 ]] && contains "$last_out" "$applied"'
}

write_config 1
saved_plan create TRACE "two chatbots created with profiles" \
    "tencentchat_robot.a will be created" "2 to add, 0 to change, 0 to destroy" "2 added, 0 changed, 0 destroyed"
tfrun show-plan -- show -json create.tfplan >/dev/null || true
cp "$last_out" "$work/plan.json"
check "the API shows A's full profile" profile_is "$a" \
    '{"face_url":"https://example.com/tfacc/a.png","nick":"Live A","self_signature":"created by scripts/test-live.sh"}'
check "the API shows B with only a nick" profile_is "$b" '{"face_url":null,"nick":"Live B","self_signature":null}'
tfrun output -- output -json run_ids || true
sorted_ids() { tr -d '[]" \n' <"$1" | tr ',' '\n' | sort | tr '\n' ' '; }
check "the data source with this run's prefix lists exactly its chatbots" \
    eval '[[ "$(sorted_ids "$last_out")" == "$a $b " ]]'

# --- Refresh: nothing to do ----------------------------------------------------------
tfrun plan-refresh -- plan -input=false -detailed-exitcode
rc=$?
check "a refresh finds the chatbots as configured (no changes)" test "$rc" = 0

# --- Out-of-band drift through the REST API -----------------------------------------
live set "$a" nick "Changed out of band" && live delete "$b" >/dev/null
tfrun plan-drift -- plan -input=false -detailed-exitcode
rc=$?
check "drift made through the API is planned: A's nick back, B created again" \
    eval '[[ $rc == 2 ]] && contains "$last_out" "\"Changed out of band\" -> \"Live A\"" && contains "$last_out" "tencentchat_robot.b will be created" && contains "$last_out" "1 to add, 1 to change, 0 to destroy"'
tfrun apply-drift -- apply -input=false -auto-approve
rc=$?
check "apply repairs the drift" eval '[[ $rc == 0 ]] && contains "$last_out" "1 added, 1 changed, 0 destroyed"'
check "the API shows A's nick restored" profile_is "$a" \
    '{"face_url":"https://example.com/tfacc/a.png","nick":"Live A","self_signature":"created by scripts/test-live.sh"}'
check "the API shows B again" profile_is "$b" '{"face_url":null,"nick":"Live B","self_signature":null}'

# --- In-place update (and a cleared field) --------------------------------------------
write_config 2
saved_plan update debug "a profile change updates A in place" \
    "updated in-place" "0 to add, 1 to change, 0 to destroy" "0 added, 1 changed, 0 destroyed"
check "the API shows the new signature and face_url cleared" profile_is "$a" \
    '{"face_url":null,"nick":"Live A","self_signature":"updated in place by scripts/test-live.sh"}'

# --- Replacement: a new user_id --------------------------------------------------------
write_config 3
saved_plan replace debug "a user_id change replaces B by C" \
    "must be replaced" "1 to add, 0 to change, 1 to destroy" "1 added, 0 changed, 1 destroyed"
check "the API shows A and C, not B" listed_are "$a" "$c"

# --- Import by ID of a chatbot made through the API -------------------------------------
live create "$d" "Imported D"
write_config 4
tfrun import-id -- import -input=false tencentchat_robot.d "$d"
rc=$?
check "terraform import by UserID" eval '[[ $rc == 0 ]] && contains "$last_out" "Import successful"'
tfrun plan-after-import -- plan -input=false -detailed-exitcode
rc=$?
check "after import the plan is empty" test "$rc" = 0
expected=("$a" "$c" "$d")

# --- Import with an import {} block (Terraform 1.5+) ---------------------------------------
if import_blocks; then
    live create "$e" "Imported E"
    write_config 5
    tfrun apply-import-block -- apply -input=false -auto-approve
rc=$?
    check "an import {} block imports E at apply" eval '[[ $rc == 0 ]] && contains "$last_out" "1 imported, 0 added, 0 changed, 0 destroyed"'
    tfrun plan-after-import-block -- plan -input=false -detailed-exitcode
rc=$?
    check "after the import block the plan is empty" test "$rc" = 0
    expected+=("$e")
else
    skip "import {} block: needs Terraform 1.5+ for import blocks; this is $tf_version"
fi
check "the API shows exactly this run's chatbots" listed_are "${expected[@]}"

# --- Secrets: state, plan files, logs, output -----------------------------------------------
secrets=()
[[ -n "${TENCENTCHAT_SECRET_KEY:-}" ]] && secrets+=("$TENCENTCHAT_SECRET_KEY")
[[ -n "${TENCENTCHAT_USERSIG:-}" ]] && secrets+=("$TENCENTCHAT_USERSIG")
# The plan files unzipped (their entries are deflated, so the raw file is not enough).
for plan in "$ws"/*.tfplan; do
    python3 - "$plan" "$plan.unzipped" <<'PY' || fail "could not unzip $(basename "$plan")"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as out:
    for name in z.namelist():
        out.write(z.read(name))
PY
done
no_secret_in() { # no_secret_in FILE...: no secret, no UserSig-shaped token, no usersig= query
    local f s
    for f in "$@"; do
        for s in "${secrets[@]}"; do
            if grep -qF -- "$s" "$f"; then
                echo "       | a secret (${#s} chars) is in $(basename "$f")"
                return 1
            fi
        done
        # A generated UserSig is base64 of zlib data ("eJ…"), and the only place it
        # may travel is the usersig= query parameter of a request.
        if grep -qaE 'usersig=|eJ[A-Za-z0-9*_-]{80,}' "$f"; then
            echo "       | a UserSig (or a request URL) is in $(basename "$f")"
            return 1
        fi
    done
}
check "found a secret to look for" test "${#secrets[@]}" -gt 0
check "no secret in the state" no_secret_in "$ws/terraform.tfstate"
check "no secret in the saved plans (raw, unzipped, show -json)" no_secret_in "$ws"/*.tfplan "$ws"/*.unzipped "$work/plan.json"
check "no secret in the TRACE and debug logs" no_secret_in "$work"/logs/*.log
check "no secret in Terraform's output" no_secret_in "$work"/logs/*.out
check "the TRACE logs include the provider's own lines" grep -q "Chat API attempt finished" "$work"/logs/*-apply-create.log

# --- Destroy ---------------------------------------------------------------------------------
tfrun destroy -- destroy -input=false -auto-approve
rc=$?
check "destroy" eval '[[ $rc == 0 ]] && contains "$last_out" "Destroy complete! Resources: ${#expected[@]} destroyed."'
last_out=""
if listed_are; then
    pass "the API shows none of this run's chatbots"
    swept=1 # nothing for the exit trap to look for
else
    fail "the API shows none of this run's chatbots (deleted on exit)"
fi

# --- What it cost ------------------------------------------------------------------------------
calls="$(cat "$work"/logs/*.log "$calls_log" | grep -o 'Chat API attempt finished.*' |
    grep -oE 'endpoint[=":]+[a-z_]+' | sed -E 's/.*[=":]([a-z_]+)$/\1/' | sort | uniq -c |
    awk '{printf "%s%s %s", sep, $1, $2; sep=", "; n+=$1} END {printf " (%d in all)", n}')"
echo "API calls this run: $calls"

summary="$passed passed, $failed failed"
((skipped > 0)) && summary+=", $skipped skipped"
echo "$summary"
((failed == 0))
