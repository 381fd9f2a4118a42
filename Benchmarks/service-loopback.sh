#!/usr/bin/env bash
# The aggregation service over loopback beside the in-memory simulation of the same round
# (issue 15): N = 100 clients, M = 100,000 values, 5 % dropout, and N = 1,000 × 10,000 on one
# server. Prints wall time and bytes of each, and the ratio network / in-memory.
#
#   bash Benchmarks/service-loopback.sh            # both cases
#   BENCH_CASES=small bash Benchmarks/service-loopback.sh
#   BENCH_ROUNDS=4 …                               # loopback rounds per server (default 4)
#
# Uses the release binary (PRIVATE_AGGREGATION_BIN, default .build/release/private-aggregation;
# build it with `swift build -c release`). The server runs in its own process on a temporary
# SQLite store; `loadtest` runs every client in one process, each on its own HTTP/2 connection.
#
# How to read it: a client that vanishes is known to the server only when the phase's deadline
# passes (no transport can tell a slow client from a gone one sooner), so with dropouts the
# network round waits out one phase deadline that the in-memory round does not. The script
# prints the wall time with that wait subtracted (`beyond the deadline`) beside the raw one, and
# also runs each case with no dropout, where nothing is waited for.
#
# The in-memory figures are whole `simulate` commands, measured around the command (wall, and
# user + system CPU): protocol only (integer inputs), and `--privacy none`, which runs the float
# updates through the same encoder the loadtest's clients use — the same round. `simulate`
# drives its clients one after another. The loopback figures: the `loadtest` command's wall and
# CPU, and the server's CPU over that command (from /proc). Every command makes its own inputs.
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

# The CPU seconds (user + system) a running process has used so far.
cpu_seconds() {
  awk -v tck="$(getconf CLK_TCK)" '{ printf "%.3f\n", ($14 + $15) / tck }' "/proc/$1/stat"
}

# run_case NAME CLIENTS LENGTH DROPOUT PHASE_DEADLINE
run_case() {
  local name=$1 clients=$2 length=$3 dropout=$4 deadline=$5
  # The in-memory rounds: protocol only (integer inputs), and the loadtest's own pipeline
  # (float updates through the encoder, --privacy none). Wall and CPU of the whole command.
  /usr/bin/time -f "%e %U %S" -o "$work/$name-protocol.time" \
    "$bin" simulate --clients "$clients" --length "$length" --dropout "$dropout" --seed 1 --quiet --json \
    >"$work/$name-protocol.json"
  /usr/bin/time -f "%e %U %S" -o "$work/$name-simulate.time" \
    "$bin" simulate --clients "$clients" --length "$length" --dropout "$dropout" --seed 1 \
    --privacy none --quiet --json >"$work/$name-simulate.json"
  # Rounds 1 … ROUNDS on one server: the first grows the store's files, the later ones reuse
  # them, as a server that has run before does. Both are reported.
  start_server "$name"
  local server_before server_after round
  for round in $(seq 1 "$rounds"); do
    server_before=$(cpu_seconds "$server_pid")
    /usr/bin/time -f "%e %U %S" -o "$work/$name-loadtest-$round.time" \
      "$bin" loadtest --server "127.0.0.1:$port" --operator-token-file "$work/token" \
      --clients "$clients" --length "$length" --dropout "$dropout" \
      --phase-deadline "$deadline" --check-in-deadline 120 --retry-for 60 --seed 1 --json \
      >"$work/$name-loadtest-$round.json"
    server_after=$(cpu_seconds "$server_pid")
    echo "$server_before $server_after" >"$work/$name-server-$round.cpu"
  done
  stop_server
  python3 - "$work" "$name" "$dropout" "$deadline" "$rounds" <<'PY'
import json, statistics, sys
work, name = sys.argv[1], sys.argv[2]
dropout, deadline, rounds = float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
def timing(kind):
    wall, user, system = map(float, open(f"{work}/{name}-{kind}.time").read().split()[-3:])
    return wall, user + system
def loopback(round):
    net = json.load(open(f"{work}/{name}-loadtest-{round}.json"))
    wall, load_cpu = timing(f"loadtest-{round}")
    before, after = map(float, open(f"{work}/{name}-server-{round}.cpu").read().split())
    return net, wall, load_cpu, after - before
proto = json.load(open(f"{work}/{name}-protocol.json"))
sim = json.load(open(f"{work}/{name}-simulate.json"))
proto_wall, proto_cpu = timing("protocol")
sim_wall, sim_cpu = timing("simulate")
runs = [loopback(round) for round in range(1, rounds + 1)]
first = runs[0]
later = runs[1:] or runs
# The later round with the median wall time.
median = sorted(later, key=lambda run: run[1])[(len(later) - 1) // 2]
if not all(run[0]["exact"] for run in runs):
    print(f"  warning: a loopback round was not exact: {[run[0]['exact'] for run in runs]}")
wait = deadline if dropout > 0 else 0.0
print(f"{name}: {sim['clients']} clients × {sim['length']} values, dropout {dropout}")
print(f"  in-memory, protocol only:     {proto_wall:.2f} s wall, {proto_cpu:.2f} s CPU "
      f"(exact {proto['exact']}, survivors {proto['survivors']})")
print(f"  in-memory, --privacy none:    {sim_wall:.2f} s wall, {sim_cpu:.2f} s CPU "
      f"(exact {sim['exact']}, survivors {sim['survivors']}), client bytes "
      f"{sim['clientBytesSent'] * sim['clients']:.0f}, server bytes {sim['serverBytesSent']}")
for label, (net, net_wall, load_cpu, server_cpu) in [
        ("first round on a new store", first),
        (f"median of rounds 2–{rounds}" if rounds > 1 else "the one round", median)]:
    print(f"  loopback service, {label}:")
    print(f"    {net_wall:.2f} s wall ({net['wallSeconds']:.2f} s from the round's creation to "
          f"its result), {load_cpu + server_cpu:.2f} s CPU (loadtest {load_cpu:.2f}, server "
          f"{server_cpu:.2f}) (exact {net['exact']}, survivors {net['survivors']}), client "
          f"bytes {net['clientBytesSent']}, server bytes {net['serverBytesSent']}")
    beyond = net_wall - wait
    if wait > 0:
        print(f"    wall beyond the one {wait:g} s deadline the dropouts cost: {beyond:.2f} s")
    note = " (deadline wait subtracted)" if wait > 0 else ""
    print(f"    wall ratio loopback / in-memory --privacy none: {beyond / sim_wall:.2f}{note}; "
          f"/ protocol only: {beyond / proto_wall:.2f}")
    print(f"    CPU ratio loopback (both processes) / in-memory --privacy none: "
          f"{(load_cpu + server_cpu) / sim_cpu:.2f}; / protocol only: "
          f"{(load_cpu + server_cpu) / proto_cpu:.2f}")
PY
}

cases=" ${BENCH_CASES:-small large} "
rounds=${BENCH_ROUNDS:-4}
if [[ "$cases" == *" small "* ]]; then
  run_case small-nodrop 100 100000 0 30
  run_case small 100 100000 0.05 10
fi
if [[ "$cases" == *" large "* ]]; then
  run_case large 1000 10000 0.05 30
fi
