#!/usr/bin/env python3
"""PyTorch reference numbers for deploy/gpu/bench.sh: FP32 matmul GFLOP/s with TF32 off, and eager
training-step throughput (forward, backward, Adam update with lr 1e-3, loss read) for the mnist-mlp and LeNet-5
examples.
Prints the same tab-separated rows as `dtrain-bench device`."""
import sys
import time

import torch
import torch.nn as nn

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = torch.device("cuda")


def timed(fn, seconds):
    fn()
    torch.cuda.synchronize()
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or runs < 3:
        fn()
        runs += 1
    torch.cuda.synchronize()
    return runs / (time.perf_counter() - start)


def mlp():
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))


def lenet5():
    # examples/mnist-lenet5.json: conv 6@5x5 pad 2, pool, conv 16@5x5, pool, 120, 84, 10 with ReLU.
    return nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def main(seconds=2.0):
    print(f"# torch\t{torch.__version__} {torch.cuda.get_device_name(0)}")
    for n in (1024, 4096, 8192):
        a, b = torch.rand(n, n, device=dev), torch.rand(n, n, device=dev)
        rate = timed(lambda: torch.matmul(a, b), seconds)
        print(f"gemm\t{n}\t{2.0 * n ** 3 * rate / 1e9:.1f}")
    for name, build in (("mnist-mlp", mlp), ("mnist-lenet5", lenet5)):
        for batch in (128, 512):
            model = build().to(dev)
            x = torch.rand(batch, 784, device=dev)
            y = torch.randint(0, 10, (batch,), device=dev)
            loss_fn = nn.CrossEntropyLoss()
            # The default (foreach) implementation, as a PyTorch user gets it; dtrain's is one fused kernel.
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

            def step():
                # The order of `dtrain-bench device`: forward, backward, the update, then the loss crosses to the
                # host at the step's end (a dtrain worker reads it with its first push), one wait per step on both sides.
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model(x), y)
                loss.backward()
                optimizer.step()
                loss.item()

            print(f"train\t{name}\t{batch}\t{batch * timed(step, seconds):.0f}")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)
