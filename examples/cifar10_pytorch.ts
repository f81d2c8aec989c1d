// The tutorial's PyTorch section on CIFAR-10, line by line: the CIFAR10CNN model, Adam, ReduceLROnPlateau,
// the training and validation loop with progress every few epochs, EarlyStopping, and the final test evaluation.
//
//   npx ts-node -T examples/cifar10_pytorch.ts --root data/cifar-10-batches-bin
//   npx ts-node -T examples/cifar10_pytorch.ts --root <dir> --epochs 2 --batch-size 16 --limit 256
//
// --root holds CIFAR-10's binary version (https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz):
// data_batch_1.bin .. data_batch_5.bin and test_batch.bin, each record 1 label byte + 3072 pixel bytes (CHW).
import "./_env"; // before libtorch loads: OpenMP threads sleep when idle (see _env.ts)
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import * as torch from "../lib";
import { nn, optim, train, Tensor } from "../lib";
import { Cifar10CNN } from "./models/cifar10_cnn";

export const CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];
const RECORD = 1 + 3 * 32 * 32;

/** Reads CIFAR-10 binary files into images (N, 3, 32, 32) uint8 and labels (N) int64; at most `limit` records. */
export function readCifar10(root: string, trainSet: boolean, limit = Infinity): { images: Tensor; labels: Tensor } {
  const files = trainSet ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ["test_batch.bin"];
  const chunks: Buffer[] = [];
  let n = 0;
  for (const f of files) {
    if (n >= limit) break;
    const file = path.join(root, f);
    if (!fs.existsSync(file)) throw new Error(`CIFAR-10: ${file} not found (expected the binary version in --root)`);
    const buf = fs.readFileSync(file);
    if (buf.length % RECORD !== 0) throw new Error(`CIFAR-10: ${file} is not a whole number of ${RECORD}-byte records`);
    const take = Math.min(buf.length / RECORD, limit - n);
    chunks.push(buf.subarray(0, take * RECORD));
    n += take;
  }
  const pixels = new Uint8Array(n * (RECORD - 1));
  const labels = new BigInt64Array(n);
  let k = 0;
  for (const c of chunks) {
    for (let off = 0; off < c.length; off += RECORD, k++) {
      labels[k] = BigInt(c[off]);
      pixels.set(c.subarray(off + 1, off + RECORD), k * (RECORD - 1));
    }
  }
  return { images: torch.fromTypedArray(pixels, [n, 3, 32, 32]), labels: torch.fromTypedArray(labels, [n]) };
}

// transforms.ToTensor() then Normalize(mean, std), on a batch of uint8 images.
const MEAN = [0.4914, 0.4822, 0.4465], STD = [0.247, 0.2435, 0.2616];
function normalize(images: Tensor): Tensor {
  return torch.tidy(() => {
    const mean = torch.tensor(MEAN).view([1, 3, 1, 1]), std = torch.tensor(STD).view([1, 3, 1, 1]);
    return images.to(torch.float32).div(255).sub(mean).div(std);
  });
}

/** Batches of (images, labels) over the rows in `indices`, normalized; the caller disposes them. */
function* batches(images: Tensor, labels: Tensor, indices: Tensor, batchSize: number): Generator<[Tensor, Tensor]> {
  const n = indices.shape[0];
  for (let s = 0; s < n; s += batchSize) {
    yield torch.tidy(() => {
      const idx = indices.narrow(0, s, Math.min(batchSize, n - s));
      return [normalize(images.indexSelect(0, idx)), labels.indexSelect(0, idx)] as [Tensor, Tensor];
    });
  }
}

function main(): void {
  const { values: a } = parseArgs({ options: {
    root: { type: "string", default: "data/cifar-10-batches-bin" },
    epochs: { type: "string", default: "50" }, "batch-size": { type: "string", default: "64" },
    limit: { type: "string" }, "print-every": { type: "string", default: "5" }, lr: { type: "string", default: "0.001" },
    patience: { type: "string", default: "10" }, seed: { type: "string", default: "42" },
  } });
  const epochs = Number(a.epochs), batchSize = Number(a["batch-size"]), printEvery = Number(a["print-every"]);
  const limit = a.limit === undefined ? Infinity : Number(a.limit);
  torch.manualSeed(Number(a.seed));

  // Data: the training files split 90/10 into training and validation, and the test file.
  const tr = readCifar10(a.root!, true, limit);
  const te = readCifar10(a.root!, false, limit);
  const nTrain = tr.labels.shape[0];
  const nVal = Math.max(1, Math.floor(nTrain / 10));
  const perm = torch.randperm(nTrain);
  const trainIdx = perm.narrow(0, 0, nTrain - nVal), valIdx = perm.narrow(0, nTrain - nVal, nVal);
  const testIdx = torch.arange(te.labels.shape[0]);
  console.log(`train ${nTrain - nVal}, validation ${nVal}, test ${te.labels.shape[0]} images`);

  // Model, loss, optimizer, learning-rate schedule and early stopping.
  const model = new Cifar10CNN();
  console.log(model.toString());
  console.log(`parameters: ${model.parameters().reduce((n, p) => n + p.numel(), 0).toLocaleString("en-US")}`);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: Number(a.lr) });
  const scheduler = new optim.lrScheduler.ReduceLROnPlateau(optimizer, { mode: "min", factor: 0.5, patience: 5, minLr: 1e-6 });
  const earlyStopping = new train.EarlyStopping({ patience: Number(a.patience), restoreBestWeights: true });

  // Loss and accuracy in eval mode, without gradients.
  function evaluate(images: Tensor, labels: Tensor, indices: Tensor): { loss: number; acc: number } {
    model.eval();
    let loss = 0, correct = 0, n = 0;
    torch.noGrad(() => {
      for (const [x, y] of batches(images, labels, indices, 256)) {
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
    const order = torch.tidy(() => trainIdx.indexSelect(0, torch.randperm(trainIdx.shape[0])));  // shuffle
    for (const [x, y] of batches(tr.images, tr.labels, order, batchSize)) {
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
    order.dispose();
    const val = evaluate(tr.images, tr.labels, valIdx);
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

  const test = evaluate(te.images, te.labels, testIdx);
  console.log(`Test loss: ${test.loss.toFixed(4)} - Test accuracy: ${(test.acc * 100).toFixed(2)}%`);
  earlyStopping.dispose();
  optimizer.dispose();
  torch.dispose([tr, te, perm, trainIdx, valIdx, testIdx]);
}

if (require.main === module) main();
