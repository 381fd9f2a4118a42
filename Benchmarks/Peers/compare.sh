#!/usr/bin/env bash
# Runs Flower's SecAgg+ (flower_secaggplus.py: Flower's own workflow and client mod, in one
# process) and `private-aggregation simulate --json` on the same parameters, and prints one table
# with both and the ratios. Each side runs --repeats times (default 3); the table gives the
# medians. Flower installs from PyPI into a virtual environment this script creates
# (Benchmarks/Peers/.venv, or $FLOWER_VENV). Not run by CI.
#
#   Benchmarks/Peers/compare.sh [--clients 100] [--elements 100000] [--neighbors 14]
#                               [--dropout 0.05] [--repeats 3]
#
# Flower's num_shares counts the client itself: --neighbors k runs Flower with num_shares k + 1.
# Both use modulus 2^32 and drop the same fraction of clients before the masked-input stage.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
clients=100 elements=100000 neighbors=14 dropout=0.05 repeats=3
while [ $# -gt 0 ]; do
  case "$1" in
    --clients) clients="$2"; shift 2 ;;
    --elements) elements="$2"; shift 2 ;;
    --neighbors) neighbors="$2"; shift 2 ;;
    --dropout) dropout="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

venv="${FLOWER_VENV:-$here/.venv}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import flwr" 2>/dev/null; then
  echo "== creating $venv and installing flwr==1.42.0 from PyPI" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "flwr==1.42.0"
fi

echo "== building private-aggregation (release)" >&2
(cd "$root" && swift build -c release --product private-aggregation >/dev/null)
ours="$root/.build/release/private-aggregation"

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for run in $(seq 1 "$repeats"); do
  echo "== run $run/$repeats: Flower" >&2
  "$venv/bin/python" "$here/flower_secaggplus.py" --clients "$clients" --elements "$elements" \
    --num-shares $((neighbors + 1)) --dropout "$dropout" --seed "$run" 2>/dev/null \
    | sed 's/^/flower /' >> "$results"
  echo "== run $run/$repeats: private-aggregation" >&2
  "$ours" simulate --clients "$clients" --length "$elements" --neighbors "$neighbors" \
    --bits 32 --dropout "$dropout" --dropout-round masked-input --seed "$run" --json --quiet \
    | tr -d '\n' | sed 's/^/ours /; s/$/\n/' >> "$results"
done

python3 - "$results" "$clients" "$elements" "$neighbors" "$dropout" <<'PY'
import json, statistics, sys
path, clients, elements, neighbors, dropout = sys.argv[1:]
rows = {"flower": [], "ours": []}
for line in open(path):
    name, _, payload = line.partition(" ")
    if payload.strip():
        rows[name].append(json.loads(payload))
def check(name, row):
    ok = row.get("matchesPlaintextMean") if name == "flower" else row.get("exact")
    if not ok:
        sys.exit(f"{name}: a run did not reproduce the plaintext result: {row}")
for name in rows:
    for row in rows[name]:
        check(name, row)
def median(name, key):
    return statistics.median(row[key] for row in rows[name])
fc, fs = median("flower", "clientSeconds"), median("flower", "serverSeconds")
oc, os_ = median("ours", "clientSeconds"), median("ours", "serverSeconds")
print(f"N = {clients} clients, M = {elements} elements mod 2^32, {neighbors} neighbours "
      f"(Flower num_shares = {int(neighbors) + 1}), {float(dropout):.0%} dropped before the "
      f"masked input; medians of {len(rows['ours'])} runs each")
print()
print("| implementation | client (mean per client) | server | result checked |")
print("|---|---:|---:|---|")
print(f"| Flower {rows['flower'][0]['implementation'].split()[1]} SecAgg+ | {fc * 1000:.1f} ms | "
      f"{fs:.3f} s | mean within one quantization step |")
print(f"| swift-private-aggregation | {oc * 1000:.2f} ms | {os_:.3f} s | exact sum |")
print(f"| ratio (Flower ÷ ours) | {fc / oc:.1f}× | {fs / os_:.1f}× | |")
print()
print("runs (client ms / server s): Flower " + ", ".join(
    f"{r['clientSeconds'] * 1000:.1f}/{r['serverSeconds']:.2f}" for r in rows["flower"])
    + "; ours " + ", ".join(
    f"{r['clientSeconds'] * 1000:.2f}/{r['serverSeconds']:.3f}" for r in rows["ours"]))
PY
