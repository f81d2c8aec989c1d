// Transfer learning: fine-tune an ImageNet ResNet-18 (vision.models.resnet18, torchvision's names and weights)
// on a small dataset. First train a new head on the frozen backbone, then unfreeze the last stage (layer4)
// and train it with a lower learning rate.
//
// Getting torchvision's weights (once, anywhere with network access):
//   curl -LO https://download.pytorch.org/models/resnet18-f37072fd.pth
//   (or in Python: torchvision.models.resnet18(weights="IMAGENET1K_V1") caches it in ~/.cache/torch/hub/checkpoints/)
//   npx ts-node -T examples/transfer_learning.ts --weights resnet18-f37072fd.pth
// The file is a PyTorch state dict; torch.load reads it, and the module names are torchvision's.
//
// Or a TorchScript feature extractor made in Python (used frozen; only the new head trains):
//   m = torchvision.models.resnet18(weights="IMAGENET1K_V1"); m.fc = torch.nn.Identity(); m.eval()
//   torch.jit.trace(m, torch.randn(1, 3, 64, 64)).save("resnet18_features_ts.pt")
//   npx ts-node -T examples/transfer_learning.ts --torchscript resnet18_features_ts.pt
//
// Offline, without weights (random initialisation; shows the mechanics only):
//   npx ts-node -T examples/transfer_learning.ts --random-weights [--tiny]
import "./_env"; // before libtorch loads: OpenMP threads sleep when idle (see _env.ts)
import { parseArgs } from "util";
import * as torch from "../lib";
import { nn, optim, train, jit, vision, Tensor } from "../lib";
import { loadDataset, DatasetName } from "./datasets";

const IMAGENET_MEAN = [0.485, 0.456, 0.406], IMAGENET_STD = [0.229, 0.224, 0.225];

/**
 * Backbone (its classifier replaced by Identity, so it returns pooled features) + a new head. While frozen,
 * the backbone runs without gradients and stays in eval mode (BatchNorm statistics untouched).
 */
class FineTuner extends nn.Module {
  head: nn.Linear;
  frozen = true;
  constructor(readonly backbone: nn.Module | jit.ScriptModule, numFeatures: number, numClasses: number) {
    super();
    this.head = new nn.Linear(numFeatures, numClasses);
  }
  train(mode = true): this {
    super.train(mode);
    if (this.frozen) this.backbone.eval();
    return this;
  }
  forward(x: Tensor): Tensor {
    const run = () => this.backbone.forward(x) as Tensor;
    const f = this.frozen ? torch.noGrad(run) : run();
    try { return this.head.forward(f); } finally { f.dispose(); }
  }
}

/** Gray 28×28 digits → 3×size×size images normalised like ImageNet's. */
function toImagenetInput(x: Tensor, mean: number[], std: number[], size: number): Tensor {
  return torch.tidy(() => {
    const c = x.shape[1];
    let img = x.mul(torch.tensor(std).view([1, c, 1, 1])).add(torch.tensor(mean).view([1, c, 1, 1])); // undo the dataset's normalisation
    if (c === 1) img = img.expand([-1, 3, -1, -1]);
    img = torch.callOp("aten::upsample_bilinear2d", img, [size, size], false);
    return img.sub(torch.tensor(IMAGENET_MEAN).view([1, 3, 1, 1])).div(torch.tensor(IMAGENET_STD).view([1, 3, 1, 1]));
  });
}

async function main(): Promise<void> {
  const { values: a } = parseArgs({ options: {
    weights: { type: "string" }, torchscript: { type: "string" }, "random-weights": { type: "boolean", default: false },
    dataset: { type: "string", default: "mnist" }, "data-dir": { type: "string" }, size: { type: "string" },
    samples: { type: "string", default: "2000" }, epochs: { type: "string", default: "2" }, tiny: { type: "boolean", default: false },
  } });
  torch.manualSeed(0);
  torch.setNumThreads(2);
  if (a.tiny) a["random-weights"] = true;
  if (!a.weights && !a.torchscript && !a["random-weights"])
    throw new Error("pass --weights resnet18-f37072fd.pth, --torchscript <features_ts.pt>, or --random-weights (see the comments at the top)");
  const size = Number(a.size ?? (a.tiny ? 32 : 64));
  const n = a.tiny ? 64 : Number(a.samples);
  const d = loadDataset(a.dataset as DatasetName, { root: a["data-dir"], trainLimit: n, testLimit: a.tiny ? 64 : 1000 });
  const xTrain = toImagenetInput(d.train[0], d.mean, d.std, size), xTest = toImagenetInput(d.test[0], d.mean, d.std, size);
  const [yTrain, yTest] = [d.train[1], d.test[1]];
  torch.dispose([d.train[0], d.test[0]]);
  console.log(`${a.dataset}: ${xTrain.shape[0]} training images as [3, ${size}, ${size}], ${xTest.shape[0]} test images`);

  let backbone: vision.models.ResNet | jit.ScriptModule, numFeatures: number;
  if (a.torchscript) {
    backbone = jit.load(a.torchscript).eval();
    numFeatures = torch.tidy(() => (backbone.forward(xTrain.narrow(0, 0, 1)) as Tensor).shape[1]);
    console.log(`backbone: TorchScript ${a.torchscript} (frozen feature extractor, ${numFeatures} features)`);
  } else {
    backbone = vision.models.resnet18({ weights: a.weights ?? null });
    numFeatures = (backbone.fc as nn.Linear).inFeatures;
    backbone.fc = new nn.Identity();   // the backbone now returns the pooled features
    console.log(a.weights ? `backbone: ResNet-18 with ${a.weights}` : "backbone: ResNet-18 with random weights (--random-weights: mechanics only, accuracy will be low)");
  }
  const model = new FineTuner(backbone, numFeatures, d.classes.length);
  const loss = new nn.CrossEntropyLoss();
  const epochs = a.tiny ? 1 : Number(a.epochs);
  const common = { loss, trainData: [xTrain, yTrain] as [Tensor, Tensor], validationSplit: 0.2, batchSize: 32, epochs };

  // Phase 1: only the head trains.
  const headOpt = new optim.Adam(model.head.parameters(), { lr: 1e-3 });
  const h1 = await train.fit(model, { ...common, optimizer: headOpt });
  let test = await train.evaluate(model, [xTest, yTest], { loss, batchSize: 64 });
  console.log(`head only: val accuracy ${(h1.last().val_accuracy * 100).toFixed(1)}%, test accuracy ${(test.accuracy * 100).toFixed(1)}%`);

  // Phase 2: unfreeze the last stage (layer4); smaller learning rate for it than for the head.
  if (backbone instanceof vision.models.ResNet) {
    model.frozen = false;
    backbone.requiresGrad_(false);
    backbone.layer4.requiresGrad_(true);
    const opt = new optim.Adam([
      { params: backbone.layer4.parameters(), lr: 1e-4 },
      { params: model.head.parameters(), lr: 1e-3 },
    ]);
    const h2 = await train.fit(model, { ...common, optimizer: opt, callbacks: [new train.ReduceLROnPlateau({ patience: 1 })] });
    test = await train.evaluate(model, [xTest, yTest], { loss, batchSize: 64 });
    console.log(`fine-tuned layer4: val accuracy ${(h2.last().val_accuracy * 100).toFixed(1)}%, test accuracy ${(test.accuracy * 100).toFixed(1)}%`);
  }
  torch.dispose([xTrain, xTest, yTrain, yTest]);
}

main().catch((e) => { console.error(e instanceof Error ? e.stack : e); process.exit(1); });
