#!/usr/bin/env bash
# The aggregation service over loopback beside the in-memory simulation of the same round
# (issue 15): N = 100 clients, M = 100,000 values, 5 % dropout, and N = 1,000 × 10,000 on one
# server. Prints wall time and bytes of each, and the ratio network / in-memory.
#
#   bash Benchmarks/service-loopback.sh            # both cases
#   BENCH_CASES=small bash Benchmarks/service-loopback.sh
#
# Uses the release binary (PRIVATE_AGGREGATION_BIN, default .build/release/private-aggregation;
# build it with `swift build -c release`). The server runs in its own process on a temporary
# SQLite store; `loadtest` runs every client in one process, each on its own HTTP/2 connection.
#
# How to read it: a client that vanishes is known to the server only when the phase's deadline
# passes (no transport can tell a slow client from a gone one sooner), so with dropouts the
# network round waits out one phase deadline that the in-memory round does not. The script
# prints the wall time with that wait subtracted (`beyond the deadline`) beside the raw one, and
# also runs each case with no dropout, where nothing is waited for. The in-memory figure is the
# wall time of `simulate` (which runs its clients on every core), measured around the command.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${PRIVATE_AGGREGATION_BIN:-.build/release/private-aggregation}
[ -x "$bin" ] || {
  echo "error: $bin not found; build it with: swift build -c release" >&2
  exit 1
}
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

start_server() {
  "$bin" serve --listen 127.0.0.1:0 --store "sqlite:$work/$1.db" \
    --operator-token-file "$work/token" --max-clients 2000 --longest-wait 5 \
    >"$work/$1.out" 2>"$work/$1.err" &
  server_pid=$!
  for _ in $(seq 1 600); do
    grep -q '^listening on ' "$work/$1.out" 2>/dev/null && break
    sleep 0.05
  done
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/$1.out" | head -n 1)
  [ -n "$port" ] || {
    echo "error: serve did not start: $(cat "$work/$1.err")" >&2
    exit 1
  }
}

stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

# run_case NAME CLIENTS LENGTH DROPOUT PHASE_DEADLINE
run_case() {
  local name=$1 clients=$2 length=$3 dropout=$4 deadline=$5
  local started ended
  started=$(date +%s.%N)
  "$bin" simulate --clients "$clients" --length "$length" --dropout "$dropout" --seed 1 --json \
    >"$work/$name-simulate.json"
  ended=$(date +%s.%N)
  echo "$started $ended" >"$work/$name-simulate.time"
  start_server "$name"
  "$bin" loadtest --server "127.0.0.1:$port" --operator-token-file "$work/token" \
    --clients "$clients" --length "$length" --dropout "$dropout" --phase-deadline "$deadline" \
    --check-in-deadline 120 --retry-for 60 --seed 1 --json >"$work/$name-loadtest.json"
  stop_server
  python3 - "$work" "$name" "$dropout" "$deadline" <<'PY'
import json, sys
work, name, dropout, deadline = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
sim = json.load(open(f"{work}/{name}-simulate.json"))
net = json.load(open(f"{work}/{name}-loadtest.json"))
start, end = map(float, open(f"{work}/{name}-simulate.time").read().split())
sim_wall = end - start
wait = deadline if dropout > 0 else 0.0
beyond = net["wallSeconds"] - wait
sim_client_bytes = sim["clientBytesSent"] * sim["clients"]
print(f"{name}: {sim['clients']} clients × {sim['length']} values, dropout {dropout}")
print(f"  in-memory simulate: {sim_wall:.2f} s wall (exact {sim['exact']}, survivors "
      f"{sim['survivors']}), client bytes {sim_client_bytes:.0f}, server bytes "
      f"{sim['serverBytesSent']}")
print(f"  loopback service:   {net['wallSeconds']:.2f} s wall (exact {net['exact']}, survivors "
      f"{net['survivors']}), client bytes {net['clientBytesSent']}, server bytes "
      f"{net['serverBytesSent']}")
if wait > 0:
    print(f"  loopback beyond the one {wait:g} s deadline the dropouts cost: {beyond:.2f} s")
print(f"  ratio loopback / in-memory: {beyond / sim_wall:.2f}"
      + (" (deadline wait subtracted)" if wait > 0 else ""))
PY
}

cases=" ${BENCH_CASES:-small large} "
if [[ "$cases" == *" small "* ]]; then
  run_case small-nodrop 100 100000 0 30
  run_case small 100 100000 0.05 10
fi
if [[ "$cases" == *" large "* ]]; then
  run_case large 1000 10000 0.05 30
fi
