// ResNet-18/34 with torchvision's module names (conv1, bn1, layer1.0.conv1, ..., fc), so torchvision's
// weight files load unchanged: model.loadStateDict(torch.load("resnet18-f37072fd.pth")).
// Used by transfer_learning.ts when the library's vision.models is not there.
import { nn, Tensor } from "../../lib";

export class BasicBlock extends nn.Module {
  conv1: nn.Conv2d; bn1: nn.BatchNorm2d; relu = new nn.ReLU();
  conv2: nn.Conv2d; bn2: nn.BatchNorm2d;
  downsample: nn.Sequential | null = null;
  constructor(inplanes: number, planes: number, stride = 1) {
    super();
    this.conv1 = new nn.Conv2d(inplanes, planes, 3, { stride, padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(planes);
    this.conv2 = new nn.Conv2d(planes, planes, 3, { padding: 1, bias: false });
    this.bn2 = new nn.BatchNorm2d(planes);
    if (stride !== 1 || inplanes !== planes)
      this.downsample = new nn.Sequential(new nn.Conv2d(inplanes, planes, 1, { stride, bias: false }), new nn.BatchNorm2d(planes));
  }
  forward(x: Tensor): Tensor {
    const a = this.relu.forward(this.bn1.forward(this.conv1.forward(x)));
    const b = this.bn2.forward(this.conv2.forward(a));
    const id = this.downsample ? this.downsample.forward(x) : x;
    const out = b.add(id).relu();
    a.dispose(); b.dispose(); if (id !== x) id.dispose();
    return out;
  }
}

export class ResNet extends nn.Module {
  conv1: nn.Conv2d; bn1: nn.BatchNorm2d; relu = new nn.ReLU(); maxpool = new nn.MaxPool2d(3, { stride: 2, padding: 1 });
  layer1: nn.Sequential; layer2: nn.Sequential; layer3: nn.Sequential; layer4: nn.Sequential;
  avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
  fc: nn.Module;
  /** Channels of the pooled features (the input size of fc). */
  readonly numFeatures = 512;

  constructor(layers: [number, number, number, number], numClasses = 1000) {
    super();
    this.conv1 = new nn.Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new nn.BatchNorm2d(64);
    let inplanes = 64;
    const make = (planes: number, blocks: number, stride: number) => {
      const bs: nn.Module[] = [new BasicBlock(inplanes, planes, stride)];
      inplanes = planes;
      for (let i = 1; i < blocks; i++) bs.push(new BasicBlock(inplanes, planes));
      return new nn.Sequential(...bs);
    };
    this.layer1 = make(64, layers[0], 1);
    this.layer2 = make(128, layers[1], 2);
    this.layer3 = make(256, layers[2], 2);
    this.layer4 = make(512, layers[3], 2);
    this.fc = new nn.Linear(512, numClasses);
  }

  /** The pooled 512-d features (everything but fc). */
  features(x: Tensor): Tensor {
    let h = this.maxpool.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x))));
    for (const layer of [this.layer1, this.layer2, this.layer3, this.layer4]) {
      const next = layer.forward(h);
      h.dispose();
      h = next;
    }
    const p = this.avgpool.forward(h);
    h.dispose();
    const f = p.flatten(1);
    p.dispose();
    return f;
  }

  forward(x: Tensor): Tensor {
    const f = this.features(x);
    try { return this.fc.forward(f); } finally { f.dispose(); }
  }
}

export function resnet18(numClasses = 1000): ResNet { return new ResNet([2, 2, 2, 2], numClasses); }
export function resnet34(numClasses = 1000): ResNet { return new ResNet([3, 4, 6, 3], numClasses); }
