// The tutorial's CIFAR-10 CNN: three blocks of [Conv3x3-BN-ReLU x2, MaxPool 2, Dropout] with 32, 64 and 128
// channels, then Flatten, Linear(2048 -> 256), BatchNorm1d, ReLU, Dropout, Linear(256 -> 10).
// 815,530 parameters, the same as the PyTorch (and Keras) version; stateDict keys match PyTorch's.
import { nn, Tensor } from "../../lib";

function block(cin: number, cout: number, dropout: number): nn.Module[] {
  return [
    new nn.Conv2d(cin, cout, 3, { padding: 1 }), new nn.BatchNorm2d(cout), new nn.ReLU(),
    new nn.Conv2d(cout, cout, 3, { padding: 1 }), new nn.BatchNorm2d(cout), new nn.ReLU(),
    new nn.MaxPool2d(2), new nn.Dropout(dropout),
  ];
}

export class Cifar10CNN extends nn.Module {
  features: nn.Sequential;
  classifier: nn.Sequential;

  constructor(opts?: { numClasses?: number; dropout?: [number, number, number, number] }) {
    super();
    const [d1, d2, d3, d4] = opts?.dropout ?? [0.2, 0.3, 0.4, 0.5];
    this.features = new nn.Sequential(...block(3, 32, d1), ...block(32, 64, d2), ...block(64, 128, d3));
    this.classifier = new nn.Sequential(
      new nn.Flatten(),
      new nn.Linear(128 * 4 * 4, 256), new nn.BatchNorm1d(256), new nn.ReLU(), new nn.Dropout(d4),
      new nn.Linear(256, opts?.numClasses ?? 10),
    );
  }

  /** x: (N, 3, 32, 32) images -> (N, 10) logits. */
  forward(x: Tensor): Tensor {
    const f = this.features.forward(x);
    try { return this.classifier.forward(f); } finally { f.dispose(); }
  }
}
