// The tutorial's PyTorch section on CIFAR-10, line by line: the dataset with ToTensor and Normalize, a 90/10
// train/validation split and DataLoaders, the CIFAR10CNN model, Adam, ReduceLROnPlateau, the training and validation
// loop with progress every few epochs, EarlyStopping, and the final test evaluation.
//
//   npx ts-node -T examples/cifar10_pytorch.ts --root data                 # data/cifar-10-batches-bin/*.bin
//   npx ts-node -T examples/cifar10_pytorch.ts --root data --download      # fetch the archive first
//   npx ts-node -T examples/cifar10_pytorch.ts --root <dir> --epochs 2 --batch-size 16 --limit 256
//
// --root holds CIFAR-10's binary version (https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz), extracted:
// data_batch_1.bin .. data_batch_5.bin and test_batch.bin, in --root or in --root/cifar-10-batches-bin.
import "./_env"; // before libtorch loads: OpenMP threads sleep when idle (see _env.ts)
import { parseArgs } from "util";
import * as torch from "../lib";
import { nn, optim, train, data, vision, Tensor } from "../lib";
import { Cifar10CNN } from "./models/cifar10_cnn";

const T = vision.transforms;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function main(): void {
  const { values: a } = parseArgs({ options: {
    root: { type: "string", default: "data" }, download: { type: "boolean", default: false },
    workers: { type: "string", default: "2" },
    epochs: { type: "string", default: "50" }, "batch-size": { type: "string", default: "64" },
    limit: { type: "string" }, "print-every": { type: "string", default: "5" }, lr: { type: "string", default: "0.001" },
    patience: { type: "string", default: "10" }, seed: { type: "string", default: "42" },
  } });
  const epochs = Number(a.epochs), batchSize = Number(a["batch-size"]), printEvery = Number(a["print-every"]);
  const limit = a.limit === undefined ? Infinity : Number(a.limit);
  torch.manualSeed(Number(a.seed));

  // Data: ToTensor and Normalize with CIFAR-10's channel statistics; the training files split 90/10 into training
  // and validation; the test file. --limit keeps the first N images of each.
  const transform = T.Compose([new T.ToTensor(), new T.Normalize([0.4914, 0.4822, 0.4465], [0.247, 0.2435, 0.2616])]);
  const fullTrain = new vision.datasets.CIFAR10({ root: a.root, train: true, download: a.download, transform });
  const fullTest = new vision.datasets.CIFAR10({ root: a.root, train: false, transform });
  const pool = limit < fullTrain.length ? new data.Subset(fullTrain, range(limit)) : fullTrain;
  const testSet = limit < fullTest.length ? new data.Subset(fullTest, range(limit)) : fullTest;
  const nVal = Math.max(1, Math.floor(pool.length / 10));
  const [trainSet, valSet] = data.randomSplit(pool, [pool.length - nVal, nVal]);
  const trainLoader = new data.DataLoader(trainSet, { batchSize, shuffle: true, numWorkers: Number(a.workers) });
  const valLoader = new data.DataLoader(valSet, { batchSize: 256 });
  const testLoader = new data.DataLoader(testSet, { batchSize: 256 });
  console.log(`train ${trainSet.length}, validation ${valSet.length}, test ${testSet.length} images`);

  // Model, loss, optimizer, learning-rate schedule and early stopping.
  const model = new Cifar10CNN();
  console.log(model.toString());
  console.log(`parameters: ${model.parameters().reduce((n, p) => n + p.numel(), 0).toLocaleString("en-US")}`);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: Number(a.lr) });
  const scheduler = new optim.lrScheduler.ReduceLROnPlateau(optimizer, { mode: "min", factor: 0.5, patience: 5, minLr: 1e-6 });
  const earlyStopping = new train.EarlyStopping({ patience: Number(a.patience), restoreBestWeights: true });

  // Loss and accuracy in eval mode, without gradients.
  function evaluate(loader: data.DataLoader): { loss: number; acc: number } {
    model.eval();
    let loss = 0, correct = 0, n = 0;
    torch.noGrad(() => {
      for (const [x, y] of loader as Iterable<[Tensor, Tensor]>) {
        torch.tidy(() => {
          const outputs = model.forward(x);
          loss += criterion.forward(outputs, y).item() * y.shape[0];
          correct += outputs.argmax(1).eq(y).sum().item();
          n += y.shape[0];
        });
        torch.dispose([x, y]);
      }
    });
    return { loss: loss / n, acc: correct / n };
  }

  const t0 = Date.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    let runningLoss = 0, correct = 0, seen = 0;
    for (const [x, y] of trainLoader as Iterable<[Tensor, Tensor]>) {
      const { loss, hits } = torch.tidy(() => {
        optimizer.zeroGrad();
        const outputs = model.forward(x);
        const loss = criterion.forward(outputs, y);
        loss.backward();
        optimizer.step();
        return { loss: loss.item(), hits: outputs.argmax(1).eq(y).sum().item() };
      });
      runningLoss += loss * y.shape[0]; correct += hits; seen += y.shape[0];
      torch.dispose([x, y]);
    }
    const val = evaluate(valLoader);
    scheduler.step(val.loss);
    if (epoch % printEvery === 0 || epoch === 1 || epoch === epochs) {
      console.log(`Epoch ${epoch}/${epochs} - loss: ${(runningLoss / seen).toFixed(4)} - acc: ${(correct / seen).toFixed(4)} - ` +
        `val_loss: ${val.loss.toFixed(4)} - val_acc: ${val.acc.toFixed(4)} - lr: ${optimizer.paramGroups[0].lr} - ` +
        `${((Date.now() - t0) / 1000).toFixed(1)}s - live tensors: ${torch.memory().liveTensors}`);
    }
    if (earlyStopping.step(val.loss, model)) {
      console.log(`Early stopping at epoch ${epoch}; restored the weights of epoch ${earlyStopping.bestEpoch + 1}`);
      break;
    }
  }

  const test = evaluate(testLoader);
  console.log(`Test loss: ${test.loss.toFixed(4)} - Test accuracy: ${(test.acc * 100).toFixed(2)}%`);
  earlyStopping.dispose();
  optimizer.dispose();
}

if (require.main === module) {
  try { main(); } catch (e) { console.error(e instanceof Error ? e.message : e); process.exit(1); }
}
