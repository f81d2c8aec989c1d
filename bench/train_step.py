#!/usr/bin/python3
# The Python side of bench/train_step.ts: the tutorial's CIFAR10CNN training step (zero_grad, forward,
# CrossEntropyLoss, backward, Adam step) timed on request, so that the two sides run interleaved under the same load.
# stdin: "<threads> <batch> <steps>"; stdout: JSON list of milliseconds per step.
import json
import sys
import time

import torch
import torch.nn as nn


def block(i, o, p):
    return [nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(), nn.Conv2d(o, o, 3, padding=1), nn.BatchNorm2d(o),
            nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(p)]


class CIFAR10CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(*block(3, 32, 0.2), *block(32, 64, 0.3), *block(64, 128, 0.4))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(128 * 4 * 4, 256), nn.BatchNorm1d(256), nn.ReLU(),
                                        nn.Dropout(0.5), nn.Linear(256, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


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
