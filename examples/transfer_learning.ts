// Transfer learning: fine-tune an ImageNet ResNet-18 on a small dataset. First train a new head on the frozen
// backbone, then unfreeze the last stage and train it with a lower learning rate.
//
// Getting torchvision's weights (once, anywhere with network access):
//   curl -LO https://download.pytorch.org/models/resnet18-f37072fd.pth
//   (or in Python: torchvision.models.resnet18(weights="IMAGENET1K_V1") caches it in ~/.cache/torch/hub/checkpoints/)
//   npx ts-node -T examples/transfer_learning.ts --weights resnet18-f37072fd.pth
// The file is a PyTorch state dict; torch.load reads it and the ResNet's names are torchvision's.
//
// Or a TorchScript feature extractor made in Python (used frozen; only the new head trains):
//   m = torchvision.models.resnet18(weights="IMAGENET1K_V1"); m.fc = torch.nn.Identity(); m.eval()
//   torch.jit.trace(m, torch.randn(1, 3, 64, 64)).save("resnet18_features_ts.pt")
//   npx ts-node -T examples/transfer_learning.ts --torchscript resnet18_features_ts.pt
//
// Offline, without weights (random initialisation; shows the mechanics only):
//   npx ts-node -T examples/transfer_learning.ts --random-weights [--tiny]
import "./_env"; // before libtorch loads: OpenMP threads sleep when idle (see _env.ts)
import * as fs from "fs";
import { parseArgs } from "util";
import * as torch from "../lib";
import { nn, optim, train, jit, Tensor } from "../lib";
import { resnet18, ResNet } from "./models/resnet";
import { loadDataset, DatasetName } from "./datasets";

const IMAGENET_MEAN = [0.485, 0.456, 0.406], IMAGENET_STD = [0.229, 0.224, 0.225];

/** A ResNet backbone (vision.models.resnet18 when the library has it, else examples/models/resnet.ts). */
function makeResnet18(): ResNet {
  const vm = (torch as any).vision?.models;
  return typeof vm?.resnet18 === "function" ? vm.resnet18() : resnet18();
}

/** Backbone + new head. While frozen, the backbone stays in eval mode (BatchNorm statistics untouched). */
class FineTuner extends nn.Module {
  head: nn.Linear;
  frozen = true;
  constructor(readonly backbone: ResNet | jit.ScriptModule, numFeatures: number, numClasses: number) {
    super();
    this.head = new nn.Linear(numFeatures, numClasses);
  }
  train(mode = true): this {
    super.train(mode);
    if (this.frozen || !(this.backbone instanceof nn.Module)) this.backbone.eval();
    return this;
  }
  forward(x: Tensor): Tensor {
    const b = this.backbone;
    const f = b instanceof jit.ScriptModule ? torch.noGrad(() => b.forward(x) as Tensor)
      : this.frozen ? torch.noGrad(() => b.features(x)) : b.features(x);
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

  let backbone: ResNet | jit.ScriptModule;
  if (a.torchscript) {
    backbone = jit.load(a.torchscript).eval();
    console.log(`backbone: TorchScript ${a.torchscript} (frozen feature extractor)`);
  } else {
    backbone = makeResnet18();
    if (a.weights) {
      if (!fs.existsSync(a.weights)) throw new Error(`${a.weights} not found`);
      const sd = torch.load(a.weights);
      const r = backbone.loadStateDict(sd);
      torch.dispose(sd);
      console.log(`backbone: ResNet-18 with ${a.weights} (missing ${r.missingKeys.length}, unexpected ${r.unexpectedKeys.length} keys)`);
    } else console.log("backbone: ResNet-18 with random weights (--random-weights: mechanics only, accuracy will be low)");
  }
  const numFeatures = backbone instanceof jit.ScriptModule
    ? torch.tidy(() => (backbone as jit.ScriptModule).forward(xTrain.narrow(0, 0, 1)).shape[1]) : 512;
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
  if (backbone instanceof nn.Module) {
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
