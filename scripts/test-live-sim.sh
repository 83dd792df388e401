#!/usr/bin/env bash
# Proves the live path on this machine: starts tencentchat-sim as a separate process
# and runs scripts/test-live.sh against it through the TENCENTCHAT_* variables alone
# (a cleared environment), with the Terraform on PATH. Called by scripts/test.sh.
#
# The simulator starts with one chatbot that is not a test chatbot and 16 left by an
# "interrupted run" (UserIDs @RBT#tfacc…), so the app has room for 3 only:
#   1. test-live.sh refuses to start (too little room) and creates nothing;
#   2. test-live.sh --sweep deletes the 16 leftovers and nothing else;
#   3. test-live.sh passes, leaves the other chatbot as it was, and the API calls it
#      counted from its logs are exactly those the simulator counted;
#   4. with every portrait_set failing, it reports failures, exits non-zero and
#      still leaves nothing behind.
# Only this harness looks at the simulator's /__sim/ API; test-live.sh never does.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

cargo build --quiet --bin tencentchat-sim --bin terraform-provider-tencentchat --example tencentchat-live
sim_bin="${CARGO_TARGET_DIR:-$root/target}/debug/tencentchat-sim"

work="$(mktemp -d "${TMPDIR:-/tmp}/tencentchat-live-sim.XXXXXX")"
sim_pid=""
cleanup() {
    if [[ -n "$sim_pid" ]]; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

sdkappid=1400000000
other="@RBT#keep-me"
other_json="{\"user_id\":\"$other\",\"active\":true,\"nick\":\"Not a test chatbot\",\"self_signature\":\"hands off\"}"
leftovers=16
robots="$other_json"
for i in $(seq -w 1 $leftovers); do
    robots+=",{\"user_id\":\"@RBT#tfaccleft$i\",\"active\":true,\"nick\":\"left by an interrupted run\"}"
done
echo "{\"version\":1,\"apps\":{\"$sdkappid\":{\"robots\":[$robots]}}}" >"$work/state.json"

"$sim_bin" --listen 127.0.0.1:0 --state-file "$work/state.json" --quiet >"$work/sim.out" 2>"$work/sim.log" &
sim_pid=$!
url=""
for _ in $(seq 1 100); do
    url="$(sed -n '1s/^tencentchat-sim listening on //p' "$work/sim.out")"
    [[ -n "$url" ]] && break
    kill -0 "$sim_pid" 2>/dev/null || { cat "$work/sim.log" >&2; exit 1; }
    sleep 0.1
done
[[ -n "$url" ]] || { echo "the simulator did not report its address" >&2; exit 1; }
echo "simulator: $url (pid $sim_pid), demo app $sdkappid: 1 other chatbot and $leftovers test leftovers"

# The simulator's inspection API (this harness only).
sim_json() { curl -fsS "$url/__sim/$1"; }
py() { python3 -c "$1" "${@:2}"; }
robot_ids() { sim_json "apps/$sdkappid/robots" | py 'import json,sys; print(" ".join(r["user_id"] for r in json.load(sys.stdin)["robots"]))'; }
calls_total() { sim_json counters | py 'import json,sys; print(sum(json.load(sys.stdin)["total"].values()))'; }
calls_of() { sim_json counters | py 'import json,sys; print(json.load(sys.stdin)["total"].get(sys.argv[1], 0))' "$1"; }
other_state() { sim_json "apps/$sdkappid/robots" | py 'import json,sys; print([r for r in json.load(sys.stdin)["robots"] if r["user_id"]==sys.argv[1]])' "$other"; }
die() {
    echo "test-live-sim: $*" >&2
    exit 1
}

# test-live.sh with nothing but the app's variables (and what cargo and Terraform
# need to run at all).
live() {
    local keep=(PATH="$PATH" HOME="$HOME" TMPDIR="${TMPDIR:-/tmp}")
    local v
    for v in CARGO_HOME RUSTUP_HOME RUSTUP_TOOLCHAIN CARGO_TARGET_DIR; do
        [[ -n "${!v:-}" ]] && keep+=("$v=${!v}")
    done
    env -i "${keep[@]}" \
        TENCENTCHAT_SDKAPPID="$sdkappid" \
        TENCENTCHAT_SECRET_KEY=tencentchat-sim-demo-key-0000000000000000 \
        TENCENTCHAT_ENDPOINT="$url" \
        scripts/test-live.sh "$@"
}

other_before="$(other_state)"

echo "== 1. too little room: test-live.sh stops before creating anything"
rc=0
live >"$work/full.out" 2>&1 || rc=$?
cat "$work/full.out"
((rc != 0)) || die "test-live.sh succeeded in an app with room for 3"
grep -q "room for 3 more chatbot(s); this run needs 4" "$work/full.out" || die "no message about the room left"
[[ "$(calls_of create_robot)" == 0 ]] || die "test-live.sh created a chatbot in a full app"

echo "== 2. test-live.sh --sweep deletes the leftovers and nothing else"
live --sweep | tee "$work/sweep.out"
[[ "$(robot_ids)" == "$other" ]] || die "after the sweep the app holds: $(robot_ids)"
[[ "$(calls_of delete_robot)" == "$leftovers" ]] || die "the sweep made $(calls_of delete_robot) deletes, expected $leftovers"

echo "== 3. the live run"
before="$(calls_total)"
live | tee "$work/live.out"
after="$(calls_total)"
tail -n 1 "$work/live.out" | grep -qE '^[0-9]+ passed, 0 failed(, [0-9]+ skipped)?$' || die "the summary line is missing or wrong"
[[ "$(robot_ids)" == "$other" ]] || die "after the live run the app holds: $(robot_ids)"
[[ "$(other_state)" == "$other_before" ]] || die "the live run changed $other"
counted="$(sed -n 's/^API calls this run: .*(\([0-9]*\) in all)$/\1/p' "$work/live.out")"
[[ "$counted" == "$((after - before))" ]] ||
    die "test-live.sh counted ${counted:-no} API calls; the simulator saw $((after - before))"
summary="$(tail -n 1 "$work/live.out")"

echo "== 4. a live run that meets a broken API reports it and still cleans up"
# Every portrait_set fails with 40001 (a permanent error): the drift repair, the
# update and the out-of-band edit cannot work.
curl -fsS -X POST "$url/__sim/faults" -d '{"endpoint":"portrait_set","error_code":40001}' >/dev/null
rc=0
live >"$work/broken.out" 2>&1 || rc=$?
curl -fsS -X DELETE "$url/__sim/faults" >/dev/null
grep -E '^(FAIL|[0-9]+ passed)' "$work/broken.out" | sed 's/^/    (as expected) /'
((rc != 0)) || die "test-live.sh exited 0 although portrait_set always failed"
tail -n 1 "$work/broken.out" | grep -qE '^[0-9]+ passed, [1-9][0-9]* failed(, [0-9]+ skipped)?$' ||
    die "the summary line does not count the failures"
[[ "$(robot_ids)" == "$other" ]] || die "the failed run left: $(robot_ids)"

# test-live.sh recognises a UserSig in a log by its shape; every UserSig the
# simulator verified has that shape, so the scan would have caught a leak.
sim_json usersigs | py 'import json,re,sys
sigs = json.load(sys.stdin)
assert sigs and all(re.fullmatch(r"eJ[A-Za-z0-9*_-]{80,}", s) for s in sigs), "a UserSig test-live.sh would not recognise"
print(f"{len(sigs)} UserSig(s) seen by the simulator, each of the shape test-live.sh scans for")' ||
    die "test-live.sh's UserSig pattern misses a real UserSig"
echo "test-live-sim: ok: the live run: $summary, $counted API calls (as the simulator counted them)"
