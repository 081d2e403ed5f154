#!/usr/bin/env bash
# Times `dtrain check` on chains of N relu nodes (default 10000 50000 100000), to show that model compilation stays
# linear in the node count. Usage: bench/compile-scaling.sh [DTRAIN_DLL] [N ...]
set -euo pipefail
dll=${1:-src/Cli/bin/Release/net10.0/dtrain.dll}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 50000 100000)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for n in "${sizes[@]}"; do
  python3 - "$n" > "$dir/chain-$n.json" <<'PY'
import json, sys
n = int(sys.argv[1])
nodes = [{"id": "fc", "op": "dense", "inputs": ["x"], "attrs": {"units": 10}}]
nodes += [{"id": f"r{i}", "op": "relu", "inputs": ["fc" if i == 0 else f"r{i-1}"]} for i in range(n - 2)]
nodes.append({"id": "loss", "op": "softmax_cross_entropy", "inputs": [f"r{n-3}", "y"]})
print(json.dumps({"inputs": [{"name": "x", "shape": [784]}, {"name": "y", "shape": [], "dtype": "int32"}], "nodes": nodes, "loss": "loss"}))
PY
  start=$(date +%s.%N)
  dotnet "$dll" check "$dir/chain-$n.json" > /dev/null 2> "$dir/err" || true
  end=$(date +%s.%N)
  printf '%8d nodes  %6.2f s  %s\n' "$n" "$(echo "$end - $start" | bc)" "$(head -c 120 "$dir/err")"
done
