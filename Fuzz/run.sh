#!/usr/bin/env bash
# Builds the libFuzzer targets of swift-private-aggregation and runs each for a fixed number of
# inputs. Exits non-zero when any target crashes, traps, reports a sanitizer error or fails to
# build. See Fuzz/README.md.
#
#   Fuzz/run.sh [--runs N] [--target NAME]... [--fresh] [--no-build]
#
#   --runs N       inputs per target (libFuzzer -runs=N); default 100000
#   --target NAME  run only NAME (repeatable): FuzzClientMessage, FuzzServerMessage,
#                  FuzzPackedVector, FuzzSecretShare
#   --fresh        empty each target's working corpus (Fuzz/corpus/NAME) first, so the run starts
#                  from the generated seeds alone
#   --no-build     use the binaries and seeds already built
#
# Layout (all ignored by git except crashes/): .build-fuzz/ (fuzz build, scratch path of its own
# so it never touches the root package's .build), .build-seeds/ (the seed generator, built without
# sanitizers), corpus-seeds/NAME/ (generated seeds, rewritten on every run), corpus/NAME/ (inputs
# libFuzzer found interesting, kept between runs), crashes/NAME/ (reproducers), fuzz-logs/NAME.log.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

all_targets=(FuzzClientMessage FuzzServerMessage FuzzPackedVector FuzzSecretShare)
runs=100000
targets=()
fresh=0
build=1

usage() { sed -n '2,13p' "$here/run.sh" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs)
      [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || { echo "run.sh: --runs needs a number" >&2; exit 2; }
      runs="$2"; shift 2 ;;
    --target)
      [[ $# -ge 2 ]] || { echo "run.sh: --target needs a name" >&2; exit 2; }
      if [[ " ${all_targets[*]} " != *" $2 "* ]]; then
        echo "run.sh: unknown target '$2' (targets: ${all_targets[*]})" >&2; exit 2
      fi
      targets+=("$2"); shift 2 ;;
    --fresh) fresh=1; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")

# The fuzz build: every module (the library, SwiftProtobuf, the targets) gets libFuzzer's
# coverage instrumentation and AddressSanitizer; the link adds libFuzzer, whose driver each
# target's main.swift calls (LLVMFuzzerRunDriver).
fuzz_flags=(-c release --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address)
seed_flags=(-c release --scratch-path .build-seeds)

if [[ $build -eq 1 ]]; then
  echo "== building FuzzSeeds (no sanitizers)"
  nice -n 10 swift build "${seed_flags[@]}" --product FuzzSeeds
  for target in "${targets[@]}"; do
    echo "== building $target: swift build ${fuzz_flags[*]} --product $target"
    nice -n 10 swift build "${fuzz_flags[@]}" --product "$target"
  done
fi
seed_bin="$(swift build "${seed_flags[@]}" --show-bin-path)"
fuzz_bin="$(swift build "${fuzz_flags[@]}" --show-bin-path)"

echo "== writing the seed corpus"
"$seed_bin/FuzzSeeds" corpus-seeds

max_len_of() { awk -v t="$1" '$1 == t { print $2 }' corpus-seeds/max_len.txt; }

# Swift's own crash backtracer would catch a trap (fatalError, overflow, bounds check) before
# libFuzzer does, and its memory reader trips AddressSanitizer, which buries the real failure
# under a report about the backtracer. Off, libFuzzer's handler prints the symbolized stack of
# the trap and saves the input. (libFuzzer's defaults otherwise; with ASan it checks leaks too.)
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"

mkdir -p fuzz-logs
failed=()
summary=()
for target in "${targets[@]}"; do
  binary="$fuzz_bin/$target"
  [[ -x "$binary" ]] || { echo "run.sh: $binary is missing (build first)" >&2; exit 1; }
  max_len="$(max_len_of "$target")"
  [[ -n "$max_len" ]] || { echo "run.sh: no max_len for $target" >&2; exit 1; }
  [[ $fresh -eq 1 ]] && rm -rf "corpus/$target"
  mkdir -p "corpus/$target" "crashes/$target"
  log="fuzz-logs/$target.log"
  echo "== $target: $runs inputs, max_len $max_len (log: Fuzz/$log)"
  start=$(date +%s.%N)
  set +e
  "$binary" -runs="$runs" -max_len="$max_len" -timeout=30 -print_final_stats=1 \
    -artifact_prefix="crashes/$target/" "corpus/$target" "corpus-seeds/$target" >"$log" 2>&1
  status=$?
  set -e
  end=$(date +%s.%N)
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)"
  executed="$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)"
  rate="$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -1)"
  cov="$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$done_line")"
  ft="$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$done_line")"
  corp="$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]+).*/\1/p' <<<"$done_line")"
  verdict=ok
  if [[ $status -ne 0 ]] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|SUMMARY: |deadly signal|Fatal error' "$log"; then
    verdict="FAILED (exit $status)"
    failed+=("$target")
    echo "!! $target failed; the end of its log:"
    tail -n 60 "$log"
    ls -1 "crashes/$target" 2>/dev/null | sed "s|^|   reproducer: Fuzz/crashes/$target/|"
  fi
  echo "-- what the corpus reaches (FuzzSeeds --classify, corpus/$target + corpus-seeds/$target):"
  "$seed_bin/FuzzSeeds" --classify "$target" "corpus/$target" "corpus-seeds/$target" \
    | tee -a "$log" | sed 's/^/   /'
  per_second="$(awk -v n="${executed:-0}" -v t="$seconds" 'BEGIN { if (t > 0) printf "%.0f", n / t; else print "?" }')"
  summary+=("$(printf '%-18s %10s %9ss %9s %9s %7s %7s %14s  %s' "$target" "${executed:-?}" \
    "$seconds" "$per_second" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$verdict")")
done

echo
echo "== summary ($runs inputs requested per target)"
# runs/s: runs over the wall time of the whole libFuzzer process; exec/s: libFuzzer's own figure
# (whole runs over whole seconds); cov, ft, corpus: libFuzzer's final "DONE" line.
printf '%-18s %10s %10s %9s %9s %7s %7s %14s  %s\n' target runs time runs/s exec/s cov ft corpus \
  result
printf '%s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
