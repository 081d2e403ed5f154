#!/usr/bin/env bash
# Compares two builds of dtrain on the same examples, alternated in one run so machine noise falls on both:
# training examples/s (median of the rounds, and the ratio new/old) and whether the results are bit-identical
# (1 worker, 1 shard: deterministic). Used to show a refactor changes neither speed nor numbers.
#
#   bench/compare-builds.sh OLD_DTRAIN NEW_DTRAIN [ROUNDS=5] [MODEL...]
#   e.g. dotnet publish src/Cli -c Release -o /tmp/new && git worktree add /tmp/old-tree BASE &&
#        dotnet publish /tmp/old-tree/src/Cli -c Release -o /tmp/old && bench/compare-builds.sh /tmp/old/dtrain /tmp/new/dtrain
set -euo pipefail
old=${1:?usage: compare-builds.sh OLD_DTRAIN NEW_DTRAIN [ROUNDS] [MODEL...]}
new=${2:?usage: compare-builds.sh OLD_DTRAIN NEW_DTRAIN [ROUNDS] [MODEL...]}
rounds=${3:-5}
shift $(($# < 3 ? $# : 3))
here=$(cd "$(dirname "$0")/.." && pwd)
models=(); for m in "$@"; do models+=("$(realpath "$m")"); done
[ ${#models[@]} -gt 0 ] || models=("$here/examples/mnist-mlp.json" "$here/examples/mnist-lenet5.json")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for model in "${models[@]}"; do
  name=$(basename "$model" .json)
  for r in $(seq 1 "$rounds"); do
    # Alternate which build goes first, so a load that rises during a round does not favour one side.
    if [ $((r % 2)) -eq 1 ]; then order="old new"; else order="new old"; fi
    for side in $order; do
      bin=$old; [ "$side" = new ] && bin=$new
      (cd "$out" && "$bin" train "$model" --epochs 1 --no-checkpoint --summary "$out/$name-$side-$r.json" >/dev/null)
      printf '\r%s round %d/%d %s done ' "$name" "$r" "$rounds" "$side" >&2
    done
  done
  printf '\n' >&2
done

python3 - "$out" "$rounds" "${models[@]}" <<'EOF'
import json, os, statistics, sys
out, rounds, models = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
timing = {"train_examples_per_second", "examples_per_second"}
def strip(d):
    if isinstance(d, dict):
        return {k: strip(v) for k, v in d.items() if k not in timing and not k.endswith("_seconds")}
    if isinstance(d, list):
        return [strip(v) for v in d]
    return d
print(f"{'model':<16} {'old ex/s':>10} {'new ex/s':>10} {'new/old':>8}  {'results':<14} runs")
for m in models:
    name = os.path.basename(m)[:-5]
    runs = {s: [json.load(open(f"{out}/{name}-{s}-{r}.json")) for r in range(1, rounds + 1)] for s in ("old", "new")}
    speed = {s: statistics.median(x["train_examples_per_second"] for x in runs[s]) for s in runs}
    same = all(strip(a) == strip(runs["old"][0]) for s in runs for a in runs[s])
    acc = runs["new"][0]["test_accuracy"]
    print(f"{name:<16} {speed['old']:>10,.0f} {speed['new']:>10,.0f} {speed['new'] / speed['old']:>8.2f}  "
          f"{'bit-identical' if same else 'DIFFER':<14} {rounds} each (test accuracy {acc:.4f})")
EOF
