#!/usr/bin/python3
# The Python side of bench/models.ts: torchvision resnet50 (seeded random weights, saved for torchts to load), eager
# eval-mode forward timed on request so the two sides run interleaved under the same machine load.
# argv: <weights file to write> <input file to write> <threads> <batch>; stdin: "<iterations>";
# stdout: JSON list of milliseconds per forward.
import json
import sys
import time

import torch
import torchvision

wpath, xpath, threads, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
torch.manual_seed(0)
m = torchvision.models.resnet50().eval()
torch.save(m.state_dict(), wpath)
x = torch.randn(batch, 3, 224, 224)
torch.save(x, xpath)
with torch.no_grad():
    ref = m(x)
print(json.dumps({"torch": torch.__version__, "vision": torchvision.__version__, "python": sys.version.split()[0],
                  "threads": torch.get_num_threads(), "checksum": ref.double().abs().sum().item()}), flush=True)
for line in sys.stdin:
    n = int(line)
    times = []
    with torch.no_grad():
        for _ in range(n):
            t0 = time.perf_counter()
            m(x)
            times.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps(times), flush=True)
