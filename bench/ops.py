#!/usr/bin/python3
# The Python side of bench/ops.ts: per-op time of small-tensor ops in PyTorch, printed as JSON.
# argv: iterations rounds
import json
import sys
import time

import torch

n, rounds = int(sys.argv[1]), int(sys.argv[2])
torch.manual_seed(0)
a, b = torch.randn(4, 4), torch.randn(4, 4)
v = torch.randn(64)
w = torch.randn(4, 4, requires_grad=True)


def add(): a + b
def add_scalar(): a + 2.5
def mul(): a * b
def relu(): torch.relu(a)
def matmul(): a @ b
def sum_(): a.sum()
def view(): a.view(16)
def exp(): a.exp()
def eq(): a == b
def add_grad(): w + b


ops = {"add": add, "add scalar": add_scalar, "mul": mul, "relu": relu, "matmul 4x4": matmul, "sum": sum_,
       "view": view, "exp": exp, "eq": eq, "add (requires grad)": add_grad}
best = {k: float("inf") for k in ops}
for _ in range(rounds):
    for name, f in ops.items():
        for _ in range(n // 10):
            f()
        t0 = time.perf_counter()
        for _ in range(n):
            f()
        best[name] = min(best[name], (time.perf_counter() - t0) / n * 1e6)
print(json.dumps({"torch": torch.__version__, "python": sys.version.split()[0], "us": best}))
