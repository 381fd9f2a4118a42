#!/usr/bin/env bash
# Runs the Protocol benchmarks and prints each masking benchmark's median beside the median of
# the raw ChaCha20 keystream of the same bytes on the same cores (same run), and their ratio.
# Goals (issue 7): client masking ≤ 1.3×, server unmasking ≤ 1.5×.
#
#   Benchmarks/limit-ratios.sh            # all Protocol benchmarks (about 5 minutes)
#   Benchmarks/limit-ratios.sh 'Server.*' # a --filter of package-benchmark
set -euo pipefail
cd "$(dirname "$0")/.."
filter="${1:-.*}"
output=$(mktemp)
trap 'rm -f "$output"' EXIT
PRIVATE_AGGREGATION_BENCHMARKS=1 swift package --scratch-path .build-benchmarks benchmark \
  --target Protocol --filter "$filter" --no-progress | tee "$output" >&2
python3 - "$output" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
medians = {}
for index, line in enumerate(lines):
    if "Time (wall clock)" in line and index >= 6:
        name = lines[index - 6].strip()
        cells = [cell.strip() for cell in line.split("│")[2:-1]]
        unit = re.findall(r"\((.*?)\)", line)[-1]
        medians[name] = (float(cells[2]), float(cells[0]), unit)
pairs = [
    (name, name.replace("Masking client", "Masking keystream").replace(
        "Server unmasking", "Server keystream"))
    for name in medians if name.startswith(("Masking client", "Server unmasking"))
]
print("| benchmark | p50 | keystream limit p50 | ratio (p50) | ratio (p0) |")
print("|---|---:|---:|---:|---:|")
for name, limit in pairs:
    if limit not in medians:
        continue
    (p50, p0, unit), (l50, l0, _) = medians[name], medians[limit]
    print(f"| {name} | {p50:.0f} {unit} | {l50:.0f} {unit} | {p50 / l50:.2f}× | {p0 / l0:.2f}× |")
PY
