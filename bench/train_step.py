#!/usr/bin/python3
# The Python side of bench/train_step.ts: the tutorial's CIFAR10CNN training step (zero_grad, forward,
# CrossEntropyLoss, backward, Adam step) timed on request, so that the two sides run interleaved under the same load.
# stdin: "<threads> <batch> <steps>"; stdout: JSON list of milliseconds per step.
import json
import sys
import time

import torch
import torch.nn as nn
import os as _os, sys as _sys
_sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "../scripts"))
from cifar10_cnn import Cifar10CNN as CIFAR10CNN  # noqa: E402






torch.manual_seed(0)
model = CIFAR10CNN().train()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
print(json.dumps({"torch": torch.__version__, "python": sys.version.split()[0]}), flush=True)
data = {}
for line in sys.stdin:
    threads, batch, n = map(int, line.split())
    torch.set_num_threads(threads)
    if batch not in data:
        torch.manual_seed(batch)
        data[batch] = (torch.randn(batch, 3, 32, 32), torch.randint(0, 10, (batch,)))
    x, y = data[batch]
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        times.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps(times), flush=True)
