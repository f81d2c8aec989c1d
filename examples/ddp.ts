// Data-parallel training over processes (PyTorch's DDP tutorial): every rank trains a replica of the tutorial CNN on
// its shard of MNIST (DistributedSampler); DistributedDataParallel averages the gradients during backward, so the
// replicas stay identical. Metrics are summed over ranks with allReduce; rank 0 prints and saves.
//
//   npx torchts run --nproc-per-node 2 examples/ddp.ts          # like torchrun
//   npx ts-node -T examples/ddp.ts --nproc 2 --tiny              # launches its own ranks
//   --device cuda: one GPU per rank (cuda:LOCAL_RANK), nccl when the build has it
import "./_env";
import { parseArgs } from "util";
import * as path from "path";
import * as torch from "../lib";
import { nn, optim, data, distributed as dist } from "../lib";
import { TutorialCNN } from "./models/tutorial_cnn";
import { loadDataset, DatasetName } from "./datasets";

const { values: a } = parseArgs({ options: {
  dataset: { type: "string", default: "mnist" }, "data-dir": { type: "string" }, epochs: { type: "string", default: "2" },
  "batch-size": { type: "string", default: "64" }, device: { type: "string", default: "cpu" }, nproc: { type: "string", default: "2" },
  backend: { type: "string" }, out: { type: "string" }, tiny: { type: "boolean", default: false },
}, strict: false });

async function main(): Promise<void> {
  if (process.env.RANK === undefined) {
    // Not started by a launcher: start the ranks ourselves.
    const rc = await dist.run(__filename, process.argv.slice(2), { nprocPerNode: Number(a.nproc) });
    process.exit(rc);
  }
  const localRank = Number(process.env.LOCAL_RANK ?? 0);
  const device = a.device === "cuda" ? `cuda:${localRank}` : String(a.device);
  if (device.startsWith("cuda")) torch.cuda.setDevice(localRank);
  dist.initProcessGroup({ backend: (a.backend as string | undefined) ?? (device.startsWith("cuda") && dist.isNcclAvailable() ? "nccl" : "gloo") });
  const rank = dist.getRank(), world = dist.getWorldSize();
  torch.setNumThreads(1);
  torch.manualSeed(42);
  const log = (s: string) => { if (rank === 0) console.log(s); };

  const d = loadDataset(a.dataset as DatasetName, { root: a["data-dir"] as string | undefined, trainLimit: a.tiny ? 512 : undefined, testLimit: a.tiny ? 256 : undefined });
  const trainSet = new data.TensorDataset(d.train[0], d.train[1]);
  const testSet = new data.TensorDataset(d.test[0], d.test[1]);
  const sampler = new data.DistributedSampler(trainSet, { shuffle: true, seed: 42 });
  const testSampler = new data.DistributedSampler(testSet, { shuffle: false });
  const batchSize = Number(a["batch-size"]);
  const loader = new data.DataLoader(trainSet, { batchSize, sampler });
  const testLoader = new data.DataLoader(testSet, { batchSize: 256, sampler: testSampler });

  const [c, h] = d.shape;
  const net = new TutorialCNN({ inChannels: c, imageSize: h, numClasses: d.classes.length,
    ...(a.tiny ? { channels: [8, 16, 32] as [number, number, number], hidden: 32 } : {}) }).to(device);
  const model = new nn.parallel.DistributedDataParallel(net, device.startsWith("cuda") ? { deviceIds: [device] } : {});
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const epochs = a.tiny ? 1 : Number(a.epochs);
  log(`${world} ranks (${dist.getBackend()}), ${sampler.length} training images per rank per epoch, device ${a.device}`);

  // Sums [loss * n, correct, n] over every rank.
  const global = (loss: number, correct: number, n: number) => torch.tidy(() => {
    const t = torch.tensor([loss, correct, n], { dtype: torch.float64 });
    dist.allReduce(t);
    const [l, k, m] = t.toArray() as number[];
    return { loss: l / m, accuracy: k / m, n: m };
  });

  for (let epoch = 0; epoch < epochs; epoch++) {
    sampler.setEpoch(epoch);   // a new shuffle each epoch, the same on every rank
    model.train();
    const t0 = Date.now();
    let lossSum = 0, correct = 0, seen = 0;
    for (const [images, labels] of loader) {
      const r = torch.tidy(() => {
        const x = images.to(device), y = labels.to(device);
        optimizer.zeroGrad();
        const out = model.forward(x);
        const loss = criterion.forward(out, y);
        loss.backward();          // gradients are averaged across ranks here
        optimizer.step();
        return { loss: loss.item(), hits: out.argmax(1).eq(y).sum().item() };
      });
      const n = labels.shape[0];
      torch.dispose([images, labels]);
      lossSum += r.loss * n; correct += r.hits; seen += n;
    }
    const g = global(lossSum, correct, seen);
    const secs = (Date.now() - t0) / 1000;
    log(`Epoch ${epoch + 1}/${epochs}: ${g.n} img in ${secs.toFixed(1)}s (${(g.n / secs).toFixed(0)} img/s over ${world} ranks)  loss ${g.loss.toFixed(4)}  accuracy ${(g.accuracy * 100).toFixed(2)}%`);
  }

  // Evaluation, sharded too (the sampler pads the last shard by repeating images, as PyTorch's does).
  model.eval();
  let lossSum = 0, correct = 0, seen = 0;
  torch.noGrad(() => {
    for (const [images, labels] of testLoader) {
      torch.tidy(() => {
        const x = images.to(device), y = labels.to(device);
        const out = model.forward(x);
        lossSum += criterion.forward(out, y).item() * y.shape[0];
        correct += out.argmax(1).eq(y).sum().item();
        seen += y.shape[0];
      });
      torch.dispose([images, labels]);
    }
  });
  const t = global(lossSum, correct, seen);
  log(`Test accuracy: ${(t.accuracy * 100).toFixed(2)}%  (loss ${t.loss.toFixed(4)}, ${t.n} images)`);
  // Every replica holds the same weights: check it, then save rank 0's.
  const sum = torch.tidy(() => net.parameters().reduce((s, p) => s + p.double().sum().item(), 0));
  const sums = dist.allGatherObject(sum) as number[];
  log(`replicas identical: ${sums.every((s) => s === sums[0])}`);
  if (rank === 0 && a.out) {
    torch.save(net.stateDict(), path.resolve(String(a.out)));
    console.log(`saved ${a.out}`);
  }
  dist.destroyProcessGroup();
}

main().catch((e) => { console.error(e instanceof Error ? e.stack : e); process.exit(1); });
