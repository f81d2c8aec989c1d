// npm run demo: trains the tutorial's CNN on real MNIST on the CPU in about five minutes, to ≥ 98 % test accuracy.
//
//   npm run demo                                  # MNIST, defaults below
//   npm run demo -- --dataset fashion-mnist --epochs 6
//   npm run demo -- --dataset cifar10 --data-dir ./data/cifar-10-batches-bin --device cuda
//   npm run demo -- --tiny                        # a few seconds, for CI
//
// Writes runs/<timestamp>/: model.pt (state dict, torch.load-able by Python), model_ts.pt (TorchScript),
// curves.png/.svg (accuracy and loss), predictions.png, confusion_matrix.png, history.json, meta.json,
// tensorboard/.
import "./_env"; // before libtorch loads: OpenMP threads sleep when idle (see _env.ts)
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import * as torch from "../lib";
import { nn, optim, train } from "../lib";
import * as cuda from "../lib/cuda";
import { TutorialCNN } from "./models/tutorial_cnn";
import { loadDataset, DatasetName } from "./datasets";

const HELP = `Usage: npm run demo -- [options]
  --dataset mnist|fashion-mnist|cifar10   (default mnist)
  --data-dir DIR        folder with the dataset files (cifar10: the .bin files of CIFAR-10's binary version)
  --epochs N            (default 3)
  --batch-size N        (default 64)
  --lr X                Adam learning rate (default 0.001)
  --device cpu|cuda     (default cpu)
  --threads N           CPU threads (default 2)
  --train-limit N       use only the first N training images
  --out DIR             parent folder of the run folder (default runs)
  --seed N              (default 0)
  --tiny                tiny data and one epoch: a smoke test that takes seconds`;

function timestamp(): string {
  return new Date().toISOString().replace(/\..*$/, "").replace(/:/g, "-");
}

async function main(): Promise<void> {
  const { values: a } = parseArgs({
    options: {
      dataset: { type: "string", default: "mnist" }, "data-dir": { type: "string" },
      epochs: { type: "string" }, "batch-size": { type: "string", default: "64" }, lr: { type: "string", default: "0.001" },
      device: { type: "string", default: "cpu" }, threads: { type: "string", default: "2" },
      "train-limit": { type: "string" }, out: { type: "string", default: "runs" }, seed: { type: "string", default: "0" },
      tiny: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false },
    },
  });
  if (a.help) { console.log(HELP); return; }
  const dataset = a.dataset as DatasetName;
  if (!["mnist", "fashion-mnist", "cifar10"].includes(dataset)) throw new Error(`unknown dataset '${dataset}'\n${HELP}`);
  const device = a.device!;
  if (device.startsWith("cuda") && !cuda.isAvailable()) throw new Error("--device cuda: this build of torchts has no CUDA device");
  const epochs = Number(a.epochs ?? (a.tiny ? 1 : 3));
  const batchSize = Number(a["batch-size"]);
  torch.setNumThreads(Number(a.threads));
  torch.manualSeed(Number(a.seed));
  const t0 = Date.now();

  // ---- data: the whole dataset as normalised tensors; fit() batches and shuffles them ----
  const trainLimit = a["train-limit"] ? Number(a["train-limit"]) : a.tiny ? 1000 : undefined;
  const data = loadDataset(dataset, { root: a["data-dir"], trainLimit, testLimit: a.tiny ? 200 : undefined });
  const [xTrain, yTrain] = data.train, [xTest, yTest] = data.test;
  console.log(`${dataset}: ${xTrain.shape[0]} training images (10% held out for validation), ${xTest.shape[0]} test images, ` +
    `shape [${data.shape}], loaded in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

  // ---- model: the tutorial's CNN, adapted to the image size ----
  const [c, h] = data.shape;
  const model = new TutorialCNN({ inChannels: c, imageSize: h, numClasses: data.classes.length }).to(device);
  nn.summary(model, [1, ...data.shape]);

  // ---- training: Adam, ReduceLROnPlateau, EarlyStopping, validation split ----
  const runDir = path.join(a.out!, timestamp());
  fs.mkdirSync(runDir, { recursive: true });
  const optimizer = new optim.Adam(model.parameters(), { lr: Number(a.lr) });
  const earlyStopping = new train.EarlyStopping({ monitor: "val_loss", patience: 2, restoreBestWeights: true });
  const history = await train.fit(model, {
    optimizer, loss: new nn.CrossEntropyLoss(), metrics: ["accuracy"],
    trainData: [xTrain, yTrain], validationSplit: 0.1, epochs, batchSize, validationBatchSize: 500, device,
    callbacks: [
      new train.ReduceLROnPlateau({ monitor: "val_loss", factor: 0.5, patience: 1, minLr: 1e-5, verbose: true }),
      earlyStopping,
      new train.TensorBoard({ logDir: path.join(runDir, "tensorboard") }),
    ],
  });
  earlyStopping.dispose();
  const trainSeconds = history.params.seconds as number;
  if (history.params.stoppedEpoch !== null) console.log(`Early stopping after epoch ${history.params.stoppedEpoch + 1}; best weights restored.`);

  // ---- test set ----
  const test = await train.evaluate(model, [xTest, yTest], { loss: new nn.CrossEntropyLoss(), metrics: ["accuracy"], batchSize: 500, device });
  console.log(`\nTest accuracy: ${(test.accuracy * 100).toFixed(2)}%  (test loss ${test.loss.toFixed(4)}, ${xTest.shape[0]} images)`);

  // ---- a few predictions with class names and confidence ----
  const n = Math.min(16, xTest.shape[0]);
  const xs = xTest.narrow(0, 0, n), ys = yTest.narrow(0, 0, n);
  const logits = await train.predict(model, xs, { device });
  const [conf, pred] = torch.tidy(() => logits.softmax(1).max(1));
  const confA = Array.from(conf.data() as Float32Array), predA = (pred.toArray() as number[]), trueA = ys.toArray() as number[];
  console.log("\nPredictions on the first test images:");
  for (let i = 0; i < 8 && i < n; i++) {
    const ok = predA[i] === trueA[i];
    console.log(`  #${i}  predicted ${data.classes[predA[i]].padEnd(11)} ${(confA[i] * 100).toFixed(1).padStart(5)}%   true ${data.classes[trueA[i]].padEnd(11)} ${ok ? "✓" : "✗"}`);
  }

  // ---- save: state dict, TorchScript, charts, history ----
  model.eval();
  const sd = model.stateDict();
  torch.save(sd, path.join(runDir, "model.pt"));
  torch.dispose(sd);
  const example = xs.narrow(0, 0, 1).to(device);
  const scripted = torch.jit.trace(model, [example]);
  scripted.save(path.join(runDir, "model_ts.pt"));
  history.save(path.join(runDir, "history.json"));
  // What serve_torchscript.ts needs to feed the model.
  fs.writeFileSync(path.join(runDir, "meta.json"), JSON.stringify({ dataset, classes: data.classes, mean: data.mean, std: data.std, shape: data.shape, testAccuracy: test.accuracy }, null, 1));
  const title = `${dataset}: test accuracy ${(test.accuracy * 100).toFixed(2)}%`;
  const curves = await train.plotHistory(history, path.join(runDir, "curves.png"), { title });
  await train.plotImages(xs, path.join(runDir, "predictions.png"), {
    labels: ys, predictions: logits, classNames: data.classes, mean: data.mean, std: data.std, title: "Test predictions",
  });
  const allLogits = await train.predict(model, xTest, { batchSize: 500, device });
  const cm = train.confusionMatrix(yTest, allLogits, data.classes.length);
  await train.plotConfusionMatrix(cm, path.join(runDir, "confusion_matrix.png"), { classNames: data.classes });
  torch.dispose([xs, ys, logits, conf, pred, example, allLogits, xTrain, yTrain, xTest, yTest]);

  const total = (Date.now() - t0) / 1000;
  console.log(`\nSaved to ${runDir}/: model.pt (state dict), model_ts.pt (TorchScript), ${path.basename(curves.png)}, ` +
    `predictions.png, confusion_matrix.png, history.json, meta.json, tensorboard/ (tensorboard --logdir ${a.out})`);
  console.log(`Training ${trainSeconds.toFixed(0)}s, total ${total.toFixed(0)}s on ${device} with ${torch.getNumThreads()} threads.`);
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
