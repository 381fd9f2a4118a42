#!/usr/bin/env bash
# The mean squared error of `simulate --privacy …` over seeds 1–20, for the README's
# accuracy figures. Usage:
#   bash Benchmarks/seeds-mse.sh [simulate options …]
# e.g.
#   bash Benchmarks/seeds-mse.sh --clients 1000 --length 250 --privacy distributed-gaussian \
#     --epsilon 2 --delta 1e-5 --clip 10 --bits 16 --data sphere --accountant pld
# Prints one line per seed (seed, ε, meanSquaredError, expectedMeanSquaredError) and the means.
# Builds the release binary first. The simulate defaults apply unless given: 5 % expected
# dropouts and 5 % colluding clients, both of which the distributed noise is sized for.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product private-aggregation >/dev/null
binary="$(swift build -c release --show-bin-path)/private-aggregation"
seeds="${PRIVATE_AGGREGATION_SEEDS:-20}"
python3 - "$binary" "$seeds" "$@" <<'PY'
import json, subprocess, sys
binary, seeds, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
mse, expected, eps = [], [], []
for seed in range(1, seeds + 1):
    out = subprocess.run([binary, "simulate", *args, "--seed", str(seed), "--json"],
                         check=True, capture_output=True, text=True).stdout
    report = json.loads(out.strip().splitlines()[-1])
    mse.append(report["meanSquaredError"]); expected.append(report["expectedMeanSquaredError"])
    eps.append(report["epsilon"])
    print(f"seed {seed:2d}  ε {report['epsilon']:.6g}  MSE {mse[-1]:.6g}  expected {expected[-1]:.6g}")
n = len(mse)
mean = sum(mse) / n
sd = (sum((m - mean) ** 2 for m in mse) / (n - 1)) ** 0.5 if n > 1 else 0.0
print(f"mean over seeds 1–{n}: MSE {mean:.6g} (standard error {sd / n ** 0.5:.2g}), "
      f"expected {sum(expected) / n:.6g}, ε {max(eps):.6g} (largest), accountant {report['accountant']}")
PY
