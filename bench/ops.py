#!/usr/bin/python3
# The Python side of bench/ops.ts: a small server that times PyTorch small-tensor ops on request, so the two
# sides run interleaved op by op under the same machine load. stdin: "<op> <iterations>"; stdout: microseconds per call.
import json
import sys
import time

import torch

torch.manual_seed(0)
a, b = torch.randn(4, 4), torch.randn(4, 4)
w = torch.randn(4, 4, requires_grad=True)

OPS = {
    "add": lambda: a + b,
    "add scalar": lambda: a + 2.5,
    "mul": lambda: a * b,
    "relu": lambda: torch.relu(a),
    "matmul 4x4": lambda: a @ b,
    "sum": lambda: a.sum(),
    "view": lambda: a.view(16),
    "exp": lambda: a.exp(),
    "eq": lambda: a == b,
    "add (requires grad)": lambda: w + b,
    "transpose": lambda: a.transpose(0, 1),
    "unsqueeze": lambda: a.unsqueeze(0),
    "softmax": lambda: a.softmax(1),
    "cat": lambda: torch.cat([a, b]),
}

print(json.dumps({"torch": torch.__version__, "python": sys.version.split()[0], "threads": torch.get_num_threads()}), flush=True)
for line in sys.stdin:
    name, n = line.rsplit(" ", 1)
    f, n = OPS[name], int(n)
    for _ in range(n // 10):
        f()
    t0 = time.process_time()   # CPU time: a loaded machine's preemptions do not count
    for _ in range(n):
        f()
    print((time.process_time() - t0) / n * 1e6, flush=True)
