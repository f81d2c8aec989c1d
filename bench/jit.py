#!/usr/bin/python3
# The Python side of bench/jit.ts: makes resnet18 TorchScript (torchvision, random seeded weights), then times its
# forward on request so the two sides run interleaved under the same machine load.
# argv: <file to write> <threads>; stdin: "<batch> <iterations>"; stdout: JSON list of milliseconds per forward.
import json
import sys
import time

import torch
import torchvision

path, threads = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(0)
m = torch.jit.trace(torchvision.models.resnet18().eval(), torch.randn(1, 3, 224, 224))
m.save(path)
m = torch.jit.load(path)
print(json.dumps({"torch": torch.__version__, "python": sys.version.split()[0], "threads": torch.get_num_threads()}), flush=True)
inputs = {}
for line in sys.stdin:
    batch, n = map(int, line.split())
    if batch not in inputs:
        torch.manual_seed(batch)
        inputs[batch] = torch.randn(batch, 3, 224, 224)
    x = inputs[batch]
    times = []
    with torch.no_grad():
        for _ in range(n):
            t0 = time.perf_counter()
            m(x)
            times.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps(times), flush=True)
