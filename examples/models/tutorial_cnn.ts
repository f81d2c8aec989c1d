// The tutorial's CNN (examples/models/cifar10_cnn.ts) with the input and width as options, so the same
// network trains on 1×28×28 MNIST: three blocks of [Conv3x3-BN-ReLU ×2, MaxPool 2, Dropout], then
// Flatten, Linear → hidden, BatchNorm1d, ReLU, Dropout, Linear → classes. stateDict keys as PyTorch's.
import { nn, Tensor } from "../../lib";

export interface TutorialCNNOptions {
  /** Image channels (3 for CIFAR-10, 1 for MNIST). */
  inChannels?: number;
  /** Image height = width (32 for CIFAR-10, 28 for MNIST). */
  imageSize?: number;
  /** Channels of the three blocks (tutorial: [32, 64, 128]). */
  channels?: [number, number, number];
  /** Width of the hidden fully connected layer (tutorial: 256). */
  hidden?: number;
  numClasses?: number;
  dropout?: [number, number, number, number];
}

function block(cin: number, cout: number, dropout: number): nn.Module[] {
  return [
    new nn.Conv2d(cin, cout, 3, { padding: 1 }), new nn.BatchNorm2d(cout), new nn.ReLU(),
    new nn.Conv2d(cout, cout, 3, { padding: 1 }), new nn.BatchNorm2d(cout), new nn.ReLU(),
    new nn.MaxPool2d(2), new nn.Dropout(dropout),
  ];
}

export class TutorialCNN extends nn.Module {
  features: nn.Sequential;
  classifier: nn.Sequential;

  constructor(opts: TutorialCNNOptions = {}) {
    super();
    const [c1, c2, c3] = opts.channels ?? [32, 64, 128];
    const [d1, d2, d3, d4] = opts.dropout ?? [0.2, 0.3, 0.4, 0.5];
    const hidden = opts.hidden ?? 256;
    const side = Math.floor(Math.floor(Math.floor((opts.imageSize ?? 32) / 2) / 2) / 2);
    this.features = new nn.Sequential(...block(opts.inChannels ?? 3, c1, d1), ...block(c1, c2, d2), ...block(c2, c3, d3));
    this.classifier = new nn.Sequential(
      new nn.Flatten(),
      new nn.Linear(c3 * side * side, hidden), new nn.BatchNorm1d(hidden), new nn.ReLU(), new nn.Dropout(d4),
      new nn.Linear(hidden, opts.numClasses ?? 10),
    );
  }

  /** x: (N, C, H, W) images → (N, classes) logits. */
  forward(x: Tensor): Tensor {
    const f = this.features.forward(x);
    try { return this.classifier.forward(f); } finally { f.dispose(); }
  }
}
