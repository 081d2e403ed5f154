#!/usr/bin/env bash
# GPU benchmark of the ILGPU backend against PyTorch on the same GPU: square SGEMM GFLOP/s (FP32, TF32 off)
# and training examples/s for examples/mnist-mlp.json and examples/mnist-lenet5.json at batch 128 and 512, a step
# being forward, backward, an Adam update (lr 1e-3) of every parameter on the GPU and the loss read on the host.
# Then the parameter-server path on the same GPU: one real worker against in-process shards (dtrain-bench overlap),
# pushing each shard's gradients as backward finishes them and after the whole backward.
# Run from the repository root on a machine with an NVIDIA GPU and PyTorch:
#   deploy/gpu/bench.sh [cuda|cuda:N] [seconds per cell]
# With the .NET 10 SDK there, it publishes self-contained builds into publish/gpu-bench first. A GPU machine
# without .NET runs the build made elsewhere: `deploy/gpu/bench.sh --publish-only` on a machine with the SDK,
# then copy the repository with its publish/ folder (or carry publish/ with the device tool).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
bench=publish/gpu-bench/dtrain-bench

if command -v dotnet >/dev/null 2>&1; then
  dotnet publish bench/Bench -c Release -r linux-x64 --self-contained -o publish/gpu-bench -nologo -v quiet
elif [ ! -x "$bench" ]; then
  echo "bench.sh: no dotnet here and no $bench: run 'deploy/gpu/bench.sh --publish-only' on a machine with the .NET 10 SDK and copy publish/ here" >&2
  exit 1
fi
[ "${1:-}" = "--publish-only" ] && { echo "published $bench"; exit 0; }

device="${1:-cuda}"
seconds="${2:-2}"
sizes="${DTRAIN_BENCH_SIZES:-1024,4096,8192}"
ours="$(mktemp)"
theirs="$(mktemp)"
trap 'rm -f "$ours" "$theirs"' EXIT
"$bench" device --device "$device" --seconds "$seconds" \
  --sizes "$sizes" --batches 128,512 \
  --models examples/mnist-mlp.json,examples/mnist-lenet5.json | tee "$ours"
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  python3 deploy/gpu/torch_bench.py "$seconds" | tee "$theirs"
else
  echo "PyTorch with CUDA not found: the torch column stays empty" >&2
fi

# One table: each gemm/train row of ours beside the same row of PyTorch's (its file may be empty: no torch).
echo
awk -F'\t' '
  FILENAME == ARGV[1] { if ($1 == "gemm") t["gemm " $2] = $3; if ($1 == "train") t["train " $2 " " $3] = $4; next }
  $1 == "# device" { printf "dtrain on %s; a training step is forward, backward, Adam update, loss read\n", $2; printf "%-34s %14s %14s %7s\n", "benchmark", "dtrain", "torch", "ratio" }
  $1 == "gemm" { k = "gemm " $2; row(sprintf("SGEMM %sx%sx%s GFLOP/s", $2, $2, $2), $3, t[k]) }
  $1 == "train" { k = "train " $2 " " $3; row(sprintf("%s batch %s examples/s", $2, $3), $4, t[k]) }
  function row(name, a, b) { printf "%-34s %14s %14s %7s\n", name, a, (b == "" ? "-" : b), (b == "" || b == 0 ? "-" : sprintf("%.2f", a / b)) }
' "$theirs" "$ours"

# The worker as `dtrain train` runs it on this device: gradients and parameters cross to the host through
# page-locked buffers every step, shards (Adam) update on the host.
echo
"$bench" overlap --device "$device" --reps 5 --steps 40 --batch 128 --shards 2
