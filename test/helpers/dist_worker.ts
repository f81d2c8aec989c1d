// One rank of a multi-process test (test/distributed.test.ts): node -r ts-node/register/transpile-only dist_worker.ts
//   MODE RANK WORLD INIT_METHOD OUT_JSON
// Writes what it observed to OUT_JSON; the test compares ranks with each other and with Python's DDP.
import * as fs from "fs";
import * as torch from "../../lib";
import { distributed as dist, nn, optim, data } from "../../lib";

const [mode, rankS, worldS, init, out] = process.argv.slice(2);
const rank = Number(rankS), world = Number(worldS);
torch.setNumThreads(1);
const res: any = { rank };

function net(): nn.Sequential {
  return new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(4 * 4 * 4, 5));
}
const rows = (t: torch.Tensor, idx: number[]) => torch.tidy(() => t.indexSelect(0, torch.tensor(idx).to(t.device)));

function collectives(): void {
  const t = torch.tensor([rank + 1, 10 * (rank + 1)], { dtype: torch.float32 });
  dist.allReduce(t);
  res.sum = t.toArray();
  const m = torch.tensor([rank, -rank], { dtype: torch.float32 });
  dist.allReduce(m, { op: dist.ReduceOp.MAX });
  res.max = m.toArray();
  const b = torch.full([3], rank, { dtype: torch.float32 });
  dist.broadcast(b, world - 1);
  res.broadcast = b.toArray();
  const outs = Array.from({ length: world }, () => torch.zeros([2], { dtype: torch.int64 }));
  dist.allGather(outs, torch.tensor([rank, rank * rank]));
  res.allGather = outs.map((o) => o.toArray());
  const r = torch.full([2], rank + 1, { dtype: torch.float64 });
  dist.reduce(r, 0, { op: dist.ReduceOp.PRODUCT });
  res.reduce = r.toArray();
  const g = rank === 1 ? Array.from({ length: world }, () => torch.zeros([1])) : null;
  dist.gather(torch.full([1], rank * 2, { dtype: torch.float32 }), g, 1);
  res.gather = g ? g.map((x) => x.item()) : null;
  const s = torch.zeros([2]);
  dist.scatter(s, rank === 0 ? Array.from({ length: world }, (_, i) => torch.full([2], 100 + i, { dtype: torch.float32 })) : null, 0);
  res.scatter = s.toArray();
  // ring of point-to-point messages
  const msg = torch.full([1], rank, { dtype: torch.float32 }), got = torch.zeros([1]);
  const w = dist.isend(msg, (rank + 1) % world);
  dist.recv(got, (rank + world - 1) % world);
  w.wait();
  res.recv = got.item();
  const a = torch.ones([4]);
  const work = dist.allReduce(a, { asyncOp: true })!;
  work.wait();
  res.async = { values: a.toArray(), completed: work.isCompleted() };
  res.objects = dist.allGatherObject({ rank, tag: "r".repeat(rank) });
  const lst: any[] = [rank === 0 ? { lr: 0.1, names: ["a"] } : null, 7];
  dist.broadcastObjectList(lst, 0);
  res.broadcastObjectList = lst;
  res.sampler = [...new data.DistributedSampler({ length: 10 }, { shuffle: false })];
  res.info = { rank: dist.getRank(), world: dist.getWorldSize(), backend: dist.getBackend(), initialized: dist.isInitialized() };
  try { dist.allReduce(torch.ones([2], { dtype: torch.float32 }), { op: dist.ReduceOp.AVG }); res.avgError = null; }
  catch (e: any) { res.avgError = String(e.message); }
  dist.barrier();
}

function ddp(): void {
  const N = 24, STEPS = 4;
  const dev = process.env.TORCHTS_DIST_DEVICE ?? "cpu";   // "cuda": both ranks share cuda:0 (gloo on CUDA tensors)
  torch.manualSeed(10);
  const X = torch.randn([N, 3, 8, 8]).to(dev);
  const Y = torch.randint(0, 5, [N]).to(dev);
  torch.manualSeed(rank);
  const inner = net().to(dev);
  const model = new nn.parallel.DistributedDataParallel(inner);
  const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
  const sampler = new data.DistributedSampler({ length: N }, { shuffle: true, seed: 3 });
  sampler.setEpoch(1);
  const idx = [...sampler];
  const lossFn = new nn.CrossEntropyLoss();
  const losses: number[] = [], live: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    losses.push(torch.tidy(() => {
      const b = idx.slice(s * 3, (s + 1) * 3);
      opt.zeroGrad();
      const loss = lossFn.forward(model.forward(rows(X, b)), rows(Y, b));
      loss.backward();
      opt.step();
      return loss.item();
    }));
    live.push(torch.memory().liveTensors);
  }
  torch.tidy(() => {
    opt.zeroGrad();
    model.noSync(() => lossFn.forward(model.forward(rows(X, idx.slice(0, 2))), rows(Y, idx.slice(0, 2))).backward());
    lossFn.forward(model.forward(rows(X, idx.slice(2, 4))), rows(Y, idx.slice(2, 4))).backward();
    opt.step();
  });
  const state: any = {};
  for (const [k, v] of Object.entries(inner.stateDict())) state[k] = { shape: v.shape, data: Array.from(v.double().dataNumbers() as ArrayLike<number>) };
  Object.assign(res, { indices: idx, losses, state, live, keys: Object.keys(model.stateDict()), text: model.toString() });
}

function unused(): void {
  // a head that rank 0 never uses: an error without findUnusedParameters, averaged grads with it
  class TwoHeads extends nn.Module {
    body = new nn.Linear(3, 3);
    a = new nn.Linear(3, 1);
    b = new nn.Linear(3, 1);
    forward(x: torch.Tensor, useB: boolean): torch.Tensor { const h = this.body.forward(x); return (useB ? this.b : this.a).forward(h); }
  }
  torch.manualSeed(0);
  const strict = new nn.parallel.DistributedDataParallel(new TwoHeads());
  try {
    torch.tidy(() => strict.forward(torch.ones([2, 3]), false).sum().backward());
    res.strictError = null;
  } catch (e: any) { res.strictError = String(e.message); }
  torch.manualSeed(0);
  const inner = new TwoHeads();
  const loose = new nn.parallel.DistributedDataParallel(inner, { findUnusedParameters: true });
  torch.tidy(() => loose.forward(torch.ones([2, 3]), rank === 1).sum().backward());
  res.grads = {
    aWeight: inner.a.weight.grad ? inner.a.weight.grad.toArray() : null,
    bWeight: inner.b.weight.grad ? inner.b.weight.grad.toArray() : null,
    bodyBias: inner.body.bias!.grad!.toArray(),
  };
  torch.manualSeed(0);
  const ref = new TwoHeads();
  torch.tidy(() => { ref.forward(torch.ones([2, 3]), false).sum().backward(); ref.forward(torch.ones([2, 3]), true).sum().backward(); });
  res.refBodyBiasHalf = torch.tidy(() => ref.body.bias!.grad!.div(2).toArray());
  res.refAHalf = torch.tidy(() => ref.a.weight.grad!.div(2).toArray());
}

dist.initProcessGroup({ backend: "gloo", initMethod: init, rank, worldSize: world });
try {
  if (mode === "collectives") collectives();
  else if (mode === "ddp") ddp();
  else if (mode === "unused") unused();
  else if (mode === "peerdies") {
    // rank 0 leaves after one collective; rank 1's next one fails with gloo's message instead of hanging
    const t = torch.ones([3]);
    dist.allReduce(t);
    res.first = t.toArray();
    if (rank === 1) {
      try { dist.allReduce(t); res.error = null; } catch (e: any) { res.error = `${e.constructor.name}: ${e.message}`; }
      res.after = torch.ones([2]).add(1).toArray();   // the process goes on
    }
  }
  else throw new Error("unknown mode " + mode);
} finally {
  dist.destroyProcessGroup();
}
fs.writeFileSync(out, JSON.stringify(res));
