#!/usr/bin/env bash
# Issue 12, part 7: the random-schedule property test at full size. Runs
# InMemoryRoundTests.randomSchedulesAreExactOrAbortWhenTheyMust over N random configurations and
# dropout schedules (default 10,000; CI runs 1,000 as part of `swift test`): whenever enough
# clients survive, the released sum is exactly the survivors' sum; otherwise a typed error and no
# sum. Exits non-zero on any failure.
#
#   bash Tests/random-schedules.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-10000}"
export PRIVATE_AGGREGATION_SCHEDULES="$count"
start=$(date +%s)
swift build --build-tests
log="$(mktemp)"
swift test --skip-build --filter 'InMemoryRoundTests' >"$log" 2>&1 || {
  grep -E "✘" "$log" | head -50
  echo "random schedules: FAILED (full log: $log)"
  exit 1
}
grep -E "(passed|failed) after|Test run with" "$log" | grep -v "Test case passing" || true
echo "random schedules: $count scenarios in $(( $(date +%s) - start )) s"
