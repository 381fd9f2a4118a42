#!/usr/bin/env bash
# The deployment's "Done when" (issue 15), shown from the shell with the release binary:
#   a. serve + loadtest --clients 50 --length 10000 --dropout 0.1: exact, 45 survivors;
#   b. the server killed with kill -9 after each phase line (key-advertisement, key-shares,
#      masked-input, unmasking) and restarted on the same store and port: the loadtest still
#      finishes exact with 45 survivors;
#   c. two --privacy central --epsilon 1 --population P --budget 1.2 loadtests: the first
#      completes, the second is refused; again with a server restart between them;
#   d. a contribute process killed with kill -9 after checking in is dropped, and the round
#      finishes without it;
#   e. TLS: serve with the test certificate, a loadtest trusting the test authority finishes
#      exact, and a plaintext loadtest against it fails;
#   f. (only when PRIVATE_AGGREGATION_TEST_POSTGRES names a PostgreSQL database, as .ci/run
#      sets it) two serve replicas on one new PostgreSQL database, each running one of two
#      simultaneous --budget 1.2 loadtests of ε 1 for the same population: one round completes,
#      the other is refused, and the population spent ε 1 once;
#   g. active mode from the shell: identity create, round create --identity-keys, ten
#      contribute processes with their --identity-key (one with another client's key is
#      stopped before it sends anything), the exact sum; and loadtest --active with dropouts.
# Everything runs on a temporary SQLite store and free loopback ports; every process it starts
# is killed on exit. Fails (non-zero) on any deviation.
#
# Usage: Scripts/deploy-check.sh  (PRIVATE_AGGREGATION_BIN=path to use another binary;
#        DEPLOY_CHECK_PARTS="a d" to run some parts only; f runs only when asked for)
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${PRIVATE_AGGREGATION_BIN:-.build/release/private-aggregation}
if [ ! -x "$bin" ]; then
  echo "error: $bin not found; build it with: swift build -c release" >&2
  exit 1
fi
work=$(mktemp -d)
pids=()
databases=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -9 "$pid" 2>/dev/null || true
  done
  for database in "${databases[@]}"; do
    psql "${PRIVATE_AGGREGATION_TEST_POSTGRES:-}" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" \
      >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
started=$(date +%s)
token="$work/operator-token"
phase_deadline=5

fail() {
  echo "FAIL: $*" >&2
  for log in "$work"/*.err; do
    [ -s "$log" ] || continue
    echo "--- $log (last lines)" >&2
    tail -n 15 "$log" >&2
  done
  exit 1
}

# Waits up to $3 seconds for a line matching $2 in file $1.
wait_for() {
  local file=$1 pattern=$2 timeout=$3 waited=0
  while ! grep -q -E "$pattern" "$file" 2>/dev/null; do
    sleep 0.05
    waited=$((waited + 1))
    if [ "$waited" -gt $((timeout * 20)) ]; then
      fail "no line /$pattern/ in $file after ${timeout}s"
    fi
  done
}

# Starts `serve` on store $1 and address $2 (log files named $3); sets server_pid and port.
start_server() {
  local store=$1 listen=$2 name=$3
  local url=$store
  [[ "$store" == postgres://* ]] || url="sqlite:$store"
  "$bin" serve --listen "$listen" --store "$url" --operator-token-file "$token" \
    --phase-deadline "$phase_deadline" --check-in-deadline 60 --longest-wait 2 \
    "${serve_extra[@]}" >"$work/$name.out" 2>"$work/$name.err" &
  server_pid=$!
  pids+=("$server_pid")
  wait_for "$work/$name.out" '^listening on ' 60
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/$name.out" | head -n 1)
  [ -n "$port" ] || fail "serve printed no port: $(cat "$work/$name.out")"
}

# Stops the server gracefully (SIGTERM) and waits for it.
stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
}

# Checks the loadtest JSON in $1 with the Python expression $2 (over `r`).
check_json() {
  python3 - "$1" "$2" <<'PY' || fail "$(basename "$1"): $2 does not hold: $(cat "$1")"
import json, sys
r = json.load(open(sys.argv[1]))
keys = {"roundID", "clients", "survivors", "exact", "refused", "epsilonSpent", "wallSeconds",
        "clientBytesSent", "serverBytesSent"}
assert keys <= set(r), f"missing keys {keys - set(r)}"
assert eval(sys.argv[2]), sys.argv[2]
PY
}

summary() {
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"  round {r['roundID']}: survivors {r['survivors']}/{r['clients']}, exact {r['exact']}, "
      f"refused {r['refused']}, epsilonSpent {r['epsilonSpent']}, {r['wallSeconds']:.1f} s, "
      f"client bytes {r['clientBytesSent']}, server bytes {r['serverBytesSent']}")
PY
}

serve_extra=()
parts=" ${DEPLOY_CHECK_PARTS:-a b c d e g} "
want() { [[ "$parts" == *" $1 "* ]]; }

loadtest=(--clients 50 --length 10000 --dropout 0.1 --phase-deadline "$phase_deadline"
  --operator-token-file "$token")

if want a; then
  echo "== a. serve + loadtest --clients 50 --length 10000 --dropout 0.1"
  start_server "$work/a.db" 127.0.0.1:0 a
  "$bin" loadtest --server "127.0.0.1:$port" "${loadtest[@]}" --retry-for 30 --seed 1 --json \
    >"$work/a.json" 2>"$work/a-loadtest.err" || fail "loadtest exited $?"
  check_json "$work/a.json" 'r["exact"] is True and r["survivors"] == 45 and r["clients"] == 50'
  grep -q 'plaintext on loopback' "$work/a.err" || fail "serve did not log plaintext on loopback"
  for phase in checking-in key-advertisement key-shares masked-input unmasking finished; do
    grep -q -E "round loadtest-[0-9a-f]+ phase $phase( |$)" "$work/a.err" \
      || fail "no phase line $phase"
  done
  summary "$work/a.json"
  stop_server
fi

if want b; then
  echo "== b. kill -9 after each phase line, restart on the same store and port"
  for phase in key-advertisement key-shares masked-input unmasking; do
    store="$work/b-$phase.db"
    start_server "$store" 127.0.0.1:0 "b-$phase-1"
    "$bin" loadtest --server "127.0.0.1:$port" "${loadtest[@]}" --retry-for 120 --seed 2 \
      --json >"$work/b-$phase.json" 2>"$work/b-$phase-loadtest.err" &
    loadtest_pid=$!
    pids+=("$loadtest_pid")
    wait_for "$work/b-$phase-1.err" "round [^ ]+ phase $phase( |$)" 120
    kill -9 "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    start_server "$store" "127.0.0.1:$port" "b-$phase-2"
    wait "$loadtest_pid" || fail "loadtest after kill -9 at $phase exited non-zero"
    check_json "$work/b-$phase.json" 'r["exact"] is True and r["survivors"] == 45'
    echo "  killed at $phase, restarted:"
    summary "$work/b-$phase.json"
    stop_server
  done
fi

if want c; then
  echo "== c. budget: two --privacy central --epsilon 1 --population P --budget 1.2 loadtests"
  # Nobody drops out here, so each phase closes once all answered: a long deadline costs nothing
  # and leaves each client the time to derive the plan (the noise calibration).
  budget=(--clients 20 --length 1000 --privacy central --epsilon 1 --population P --budget 1.2
    --phase-deadline 60 --operator-token-file "$token" --retry-for 30 --json)
  start_server "$work/c.db" 127.0.0.1:0 c
  "$bin" loadtest --server "127.0.0.1:$port" "${budget[@]}" >"$work/c-1.json" \
    || fail "first budget loadtest exited $?"
  check_json "$work/c-1.json" 'r["refused"] is False and r["survivors"] == 20 and 0.9 < r["epsilonSpent"] <= 1.2'
  "$bin" loadtest --server "127.0.0.1:$port" "${budget[@]}" >"$work/c-2.json" \
    || fail "second budget loadtest exited $?"
  check_json "$work/c-2.json" 'r["refused"] is True and r["survivors"] == 0 and 0.9 < r["epsilonSpent"] <= 1.2'
  summary "$work/c-1.json"
  summary "$work/c-2.json"
  stop_server
  echo "  again, with a restart between them (new store)"
  start_server "$work/c-restart.db" 127.0.0.1:0 c-restart-1
  "$bin" loadtest --server "127.0.0.1:$port" "${budget[@]}" >"$work/c-3.json" \
    || fail "first budget loadtest (restart case) exited $?"
  check_json "$work/c-3.json" 'r["refused"] is False and r["survivors"] == 20'
  stop_server
  start_server "$work/c-restart.db" "127.0.0.1:$port" c-restart-2
  "$bin" loadtest --server "127.0.0.1:$port" "${budget[@]}" >"$work/c-4.json" \
    || fail "second budget loadtest (restart case) exited $?"
  check_json "$work/c-4.json" 'r["refused"] is True'
  summary "$work/c-3.json"
  summary "$work/c-4.json"
  stop_server
fi

if want d; then
  echo "== d. a contribute process killed with kill -9 is dropped; the round finishes"
  start_server "$work/d.db" 127.0.0.1:0 d
  credentials="$work/d-credentials"
  "$bin" round create --server "127.0.0.1:$port" --operator-token-file "$token" --clients 10 \
    --length 4 --expected-dropout 0.2 --phase-deadline 3 --id killed-client \
    --credentials-out "$credentials" \
    >/dev/null || fail "round create exited $?"
  [ "$(stat -c %a "$credentials")" = 600 ] || fail "credentials file mode is not 600"
  echo "0.25,0.5,-0.25,0.125" >"$work/d-input"
  "$bin" contribute --server "127.0.0.1:$port" --round killed-client --credential "$credentials" \
    --participant 10 --input "$work/d-input" >/dev/null 2>&1 &
  victim=$!
  pids+=("$victim")
  # Killed once it has checked in (the round waits for its cohort, so it cannot have answered).
  waited=0
  until "$bin" round list --server "127.0.0.1:$port" --operator-token-file "$token" --json \
    | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)[0]["checkedIn"] == 1 else 1)'; do
    sleep 0.1
    waited=$((waited + 1))
    [ "$waited" -lt 300 ] || fail "the victim never checked in"
  done
  kill -9 "$victim"
  wait "$victim" 2>/dev/null || true
  others=()
  for participant in 1 2 3 4 5 6 7 8 9; do
    "$bin" contribute --server "127.0.0.1:$port" --round killed-client --credential "$credentials" \
      --participant "$participant" --input "$work/d-input" >/dev/null &
    others+=($!)
    pids+=($!)
  done
  for pid in "${others[@]}"; do
    wait "$pid" || fail "a surviving contribute exited non-zero"
  done
  "$bin" round result --server "127.0.0.1:$port" --operator-token-file "$token" \
    --round killed-client --wait 30 --json >"$work/d.json"
  python3 - "$work/d.json" <<'PY' || fail "round killed-client: $(cat "$work/d.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["status"] == "finished" and r["survivors"] == list(range(1, 10)), r
assert all(abs(s - 9 * v) < 1e-3 for s, v in zip(r["sum"], [0.25, 0.5, -0.25, 0.125])), r["sum"]
print(f"  round killed-client: {r['status']}, survivors {r['survivors']} (participant 10 killed)")
PY
  stop_server
fi

if want e; then
  echo "== e. TLS: serve with a certificate; a loadtest trusting its authority; plaintext refused"
  certificates=Tests/AggregationServiceTests/Certificates/pem
  serve_extra=(--tls-certificate "$certificates/server.pem" --tls-key "$certificates/server-key.pem")
  start_server "$work/e.db" 127.0.0.1:0 e
  serve_extra=()
  grep -q 'serving TLS on ' "$work/e.err" || fail "serve did not log TLS"
  "$bin" loadtest --server "127.0.0.1:$port" --tls-trust-roots "$certificates/ca.pem" \
    --clients 10 --length 1000 --dropout 0.1 --phase-deadline "$phase_deadline" \
    --operator-token-file "$token" --retry-for 30 --seed 5 --json \
    >"$work/e.json" 2>"$work/e-loadtest.err" || fail "TLS loadtest exited $?"
  check_json "$work/e.json" 'r["exact"] is True and r["survivors"] == 9 and r["clients"] == 10'
  summary "$work/e.json"
  if "$bin" loadtest --server "127.0.0.1:$port" --clients 10 --length 10 \
    --operator-token-file "$token" --retry-for 2 --json >"$work/e-plain.json" \
    2>"$work/e-plain.err"; then
    fail "a plaintext loadtest against the TLS server succeeded"
  fi
  echo "  a plaintext loadtest against the TLS server failed, as it must"
  stop_server
fi

if want f; then
  echo "== f. two replicas on one PostgreSQL database race one population's budget"
  [ -n "${PRIVATE_AGGREGATION_TEST_POSTGRES:-}" ] \
    || fail "part f needs PRIVATE_AGGREGATION_TEST_POSTGRES=postgres://USER@HOST:PORT/DB"
  command -v psql >/dev/null || fail "part f needs psql"
  database="pa_deploy_$$_$(date +%s)"
  psql "$PRIVATE_AGGREGATION_TEST_POSTGRES" -qc "CREATE DATABASE $database" \
    || fail "cannot create database $database"
  databases+=("$database")
  url="${PRIVATE_AGGREGATION_TEST_POSTGRES%/*}/$database"
  start_server "$url" 127.0.0.1:0 f-1
  first_pid=$server_pid first_port=$port
  start_server "$url" 127.0.0.1:0 f-2
  second_pid=$server_pid second_port=$port
  race=(--clients 20 --length 1000 --privacy central --epsilon 1 --population R --budget 1.2
    --phase-deadline 60 --operator-token-file "$token" --retry-for 30 --json)
  "$bin" loadtest --server "127.0.0.1:$first_port" "${race[@]}" >"$work/f-1.json" &
  first_loadtest=$!
  "$bin" loadtest --server "127.0.0.1:$second_port" "${race[@]}" >"$work/f-2.json" &
  second_loadtest=$!
  pids+=("$first_loadtest" "$second_loadtest")
  wait "$first_loadtest" || fail "the first replica's loadtest exited non-zero"
  wait "$second_loadtest" || fail "the second replica's loadtest exited non-zero"
  python3 - "$work/f-1.json" "$work/f-2.json" <<'PY' || fail "replica race: $(cat "$work"/f-*.json)"
import json, sys
a, b = (json.load(open(path)) for path in sys.argv[1:])
assert sorted([a["refused"], b["refused"]]) == [False, True], (a, b)
done, refused = (a, b) if not a["refused"] else (b, a)
assert done["survivors"] == 20, done
# The ledger is charged by the release: the completed round reports ε 1 spent; the refused one
# reports what was charged when it was refused (0 while the other round was still running).
assert 0.9 < done["epsilonSpent"] <= 1.2, done
assert 0 <= refused["epsilonSpent"] <= done["epsilonSpent"], refused
print(f"  one round completed (ε spent {done['epsilonSpent']:.4f}), the other was refused")
PY
  # Once both are over, the population has paid for one round: two would be ε > 1.2.
  winner=$(python3 -c 'import json,sys; r=[json.load(open(p)) for p in sys.argv[1:]]; print([x for x in r if not x["refused"]][0]["roundID"])' "$work/f-1.json" "$work/f-2.json")
  "$bin" round result --server "127.0.0.1:$second_port" --operator-token-file "$token" \
    --round "$winner" --json >"$work/f-result.json" || fail "round result $winner failed"
  python3 - "$work/f-result.json" <<'PY' || fail "population R: $(cat "$work/f-result.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert 0.9 < r["populationEpsilon"] <= 1.2, r["populationEpsilon"]
print(f"  population R spent ε {r['populationEpsilon']:.4f} in all: one round")
PY
  summary "$work/f-1.json"
  summary "$work/f-2.json"
  server_pid=$first_pid
  stop_server
  server_pid=$second_pid
  stop_server
fi

if want g; then
  echo "== g. active mode: identity keys, round create --identity-keys, contribute --identity-key"
  start_server "$work/g.db" 127.0.0.1:0 g
  "$bin" identity create --clients 10 --out "$work/g-keys" >/dev/null \
    || fail "identity create exited $?"
  [ "$(stat -c %a "$work/g-keys/3.key")" = 600 ] || fail "a key file's mode is not 600"
  "$bin" round create --server "127.0.0.1:$port" --operator-token-file "$token" --clients 10 \
    --length 4 --identity-keys "$work/g-keys/directory" --credentials-out "$work/g-credentials" \
    --id active-cli --phase-deadline "$phase_deadline" --json >/dev/null \
    || fail "round create --identity-keys exited $?"
  echo "0.25,0.5,-0.25,0.125" >"$work/g-input"
  if "$bin" contribute --server "127.0.0.1:$port" --round active-cli \
    --credential "$work/g-credentials" --participant 1 --input "$work/g-input" \
    --identity-key "$work/g-keys/2.key" --identity-keys "$work/g-keys/directory" \
    >/dev/null 2>"$work/g-impostor.err"; then
    fail "participant 1 with participant 2's identity key was let in"
  fi
  grep -q "not the key of participant 1" "$work/g-impostor.err" \
    || fail "the wrong key was refused for another reason: $(cat "$work/g-impostor.err")"
  clients=()
  for participant in 1 2 3 4 5 6 7 8 9 10; do
    "$bin" contribute --server "127.0.0.1:$port" --round active-cli \
      --credential "$work/g-credentials" --participant "$participant" --input "$work/g-input" \
      --identity-key "$work/g-keys/$participant.key" --identity-keys "$work/g-keys/directory" \
      >/dev/null &
    clients+=($!)
    pids+=($!)
  done
  for pid in "${clients[@]}"; do
    wait "$pid" || fail "an active contribute exited non-zero"
  done
  "$bin" round result --server "127.0.0.1:$port" --operator-token-file "$token" \
    --round active-cli --wait 30 --json >"$work/g.json"
  python3 - "$work/g.json" <<'PY' || fail "round active-cli: $(cat "$work/g.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["status"] == "finished" and r["survivors"] == list(range(1, 11)), r
assert all(abs(s - 10 * v) < 1e-3 for s, v in zip(r["sum"], [0.25, 0.5, -0.25, 0.125])), r["sum"]
print(f"  round active-cli: {r['status']}, survivors {r['survivors']}, sum {r['sum']}")
PY
  grep -q "round active-cli phase consistency-check" "$work/g.err" \
    || fail "round active-cli had no consistency-check phase: not active"
  "$bin" loadtest --server "127.0.0.1:$port" --active --clients 20 --length 1000 --dropout 0.1 \
    --phase-deadline "$phase_deadline" --operator-token-file "$token" --retry-for 30 --seed 7 \
    --json >"$work/g-loadtest.json" || fail "loadtest --active exited $?"
  check_json "$work/g-loadtest.json" \
    'r["exact"] is True and r["survivors"] == 18 and r["securityMode"] == "active"'
  summary "$work/g-loadtest.json"
  stop_server
fi

echo "deploy-check passed in $(($(date +%s) - started)) s"
