# The tutorial's CIFAR-10 CNN in Python (examples/models/cifar10_cnn.ts mirrors it), shared by the fixture
# scripts and the benchmarks: import with sys.path pointing at scripts/.
import torch.nn as nn


def block(i, o, p):
    return [nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(), nn.Conv2d(o, o, 3, padding=1), nn.BatchNorm2d(o),
            nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(p)]


class Cifar10CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(*block(3, 32, 0.2), *block(32, 64, 0.3), *block(64, 128, 0.4))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(128 * 4 * 4, 256), nn.BatchNorm1d(256), nn.ReLU(),
                                        nn.Dropout(0.5), nn.Linear(256, 10))

    def forward(self, x):
        return self.classifier(self.features(x))
