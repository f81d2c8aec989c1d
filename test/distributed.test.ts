// torch.distributed (gloo), DistributedDataParallel against Python's DDP, DataParallel, DistributedSampler.
// Multi-process cases run test/helpers/dist_worker.ts once per rank.
import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as torch from "../lib";
import { distributed as dist, nn, data } from "../lib";
import { freePort } from "../lib/distributed/run";
import { loadFixture, sameTorch, FIXTURES_TORCH } from "./helpers";

const WORKER = path.join(__dirname, "helpers", "dist_worker.ts");

/** Runs every rank of MODE; resolves with their results in rank order. */
async function runRanks(mode: string, world: number, init: string, env: NodeJS.ProcessEnv = {}): Promise<any[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "torchts-dist-"));
  try {
    const runs = Array.from({ length: world }, (_, rank) => new Promise<any>((resolve, reject) => {
      const out = path.join(dir, `rank${rank}.json`);
      const p = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", WORKER, mode, String(rank), String(world), init, out],
        { cwd: path.join(__dirname, ".."), env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
      let err = "";
      p.stderr.on("data", (d) => { err += d; });
      p.stdout.on("data", (d) => { err += d; });
      p.on("exit", (code) => {
        if (code !== 0) return reject(new Error(`rank ${rank} exited with ${code}:\n${err.slice(-3000)}`));
        resolve(JSON.parse(fs.readFileSync(out, "utf8")));
      });
    }));
    return await Promise.all(runs);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
}

describe("distributed", function () {
  this.timeout(180_000);
  before(function () { if (!dist.isGlooAvailable()) this.skip(); });

  it("reports availability and refuses collectives before initProcessGroup", () => {
    expect(dist.isAvailable()).to.equal(true);
    expect(dist.isInitialized()).to.equal(false);
    expect(() => dist.allReduce(torch.ones([2]))).to.throw(/process group has not been initialized/);
    expect(() => dist.getRank()).to.throw(/initProcessGroup/);
    expect(() => dist.initProcessGroup({ backend: "gloo", initMethod: "env://", rank: 0, worldSize: 1 })).to.throw(/MASTER_ADDR/);
    expect(() => dist.initProcessGroup({ backend: "mpi", initMethod: `file://${os.tmpdir()}/torchts-pg-unused-${process.pid}`, rank: 0, worldSize: 1 })).to.throw(/Invalid backend/);
    expect(() => dist.initProcessGroup({ backend: "gloo", initMethod: "udp://x", rank: 0, worldSize: 1 })).to.throw(/unsupported initMethod/);
    expect(() => dist.initProcessGroup({ backend: "gloo", initMethod: `file://${os.tmpdir()}/torchts-pg-unused-${process.pid}`, rank: 3, worldSize: 2 })).to.throw(/invalid rank/);
    expect(() => new nn.parallel.DistributedDataParallel(new nn.Linear(2, 2))).to.throw(/initProcessGroup/);
  });

  it("a world of one: init, collectives, destroy, init again", () => {
    const store = path.join(os.tmpdir(), `torchts-pg-${process.pid}-${Date.now()}`);
    dist.initProcessGroup({ backend: "gloo", initMethod: `file://${store}`, rank: 0, worldSize: 1 });
    try {
      expect(() => dist.initProcessGroup({ backend: "gloo", initMethod: `file://${store}x`, rank: 0, worldSize: 1 })).to.throw(/twice/);
      const t = torch.tensor([1.5, 2.5]);
      dist.allReduce(t);
      expect(t.toArray()).to.deep.equal([1.5, 2.5]);
      expect(dist.allGatherObject({ a: 1 })).to.deep.equal([{ a: 1 }]);
      expect([...new data.DistributedSampler({ length: 5 }, { shuffle: false })]).to.deep.equal([0, 1, 2, 3, 4]);
      // allGather with the wrong dtype: libtorch's message, nothing lost
      expect(() => dist.allGather([torch.zeros([2])], torch.tensor([1, 2]))).to.throw(/invalid tensor type/);
      dist.barrier();
    } finally { dist.destroyProcessGroup(); fs.rmSync(store, { force: true }); }
    expect(dist.isInitialized()).to.equal(false);
  });

  it("nccl: a world of one on cuda:0 (allReduce, broadcast, DDP step)", function () {
    if (!torch.cuda.isAvailable() || !dist.isNcclAvailable()) this.skip();
    const store = path.join(os.tmpdir(), `torchts-nccl-${process.pid}-${Date.now()}`);
    dist.initProcessGroup({ backend: "nccl", initMethod: `file://${store}`, rank: 0, worldSize: 1 });
    try {
      const t = torch.tensor([1.5, 2.5], { device: "cuda" });
      dist.allReduce(t);
      dist.broadcast(t, 0);
      expect(t.cpu().toArray()).to.deep.equal([1.5, 2.5]);
      torch.manualSeed(0);
      const m = new nn.Linear(4, 2).to("cuda");
      const ref = new nn.Linear(4, 2).to("cuda");
      ref.loadStateDict(m.stateDict());
      const ddp = new nn.parallel.DistributedDataParallel(m, { deviceIds: [0] });
      const x = torch.randn([8, 4], { device: "cuda" });
      torch.tidy(() => { ddp.forward(x).square().sum().backward(); ref.forward(x).square().sum().backward(); });
      const d = torch.tidy(() => m.weight.grad!.sub(ref.weight.grad!).abs().max().item());
      expect(d).to.be.below(1e-6);
    } finally { dist.destroyProcessGroup(); fs.rmSync(store, { force: true }); }
  });

  it("collectives across 3 processes (tcp:// and env://)", async () => {
    const port = await freePort();
    const r = await runRanks("collectives", 3, "env://", { MASTER_ADDR: "127.0.0.1", MASTER_PORT: String(port) });
    for (const x of r) {
      expect(x.sum).to.deep.equal([6, 60]);
      expect(x.max).to.deep.equal([2, 0]);
      expect(x.broadcast).to.deep.equal([2, 2, 2]);
      expect(x.allGather).to.deep.equal([[0, 0], [1, 1], [2, 4]]);
      expect(x.scatter).to.deep.equal([100 + x.rank, 100 + x.rank]);
      expect(x.recv).to.equal((x.rank + 2) % 3);
      expect(x.async).to.deep.equal({ values: [3, 3, 3, 3], completed: true });
      expect(x.objects).to.deep.equal([{ rank: 0, tag: "" }, { rank: 1, tag: "r" }, { rank: 2, tag: "rr" }]);
      expect(x.broadcastObjectList).to.deep.equal([{ lr: 0.1, names: ["a"] }, 7]);
      expect(x.info).to.deep.equal({ rank: x.rank, world: 3, backend: "gloo", initialized: true });
      // PyTorch's DistributedSampler: padded to 12, rank r takes r, r+3, ...
      expect(x.sampler).to.deep.equal([[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]][x.rank]);
      expect(x.avgError).to.match(/AVG|avg|not supported|Cannot use/i);
    }
    expect(r[0].reduce).to.deep.equal([6, 6]);
    expect(r[1].gather).to.deep.equal([0, 2, 4]);
    expect(r[0].gather).to.equal(null);
  });

  it("DistributedDataParallel trains like Python's DDP, step for step (2 processes, Adam, BatchNorm, noSync)", async () => {
    const ref = loadFixture("distributed", "ddp.json");
    const store = path.join(os.tmpdir(), `torchts-ddp-${process.pid}-${Date.now()}`);
    const r = await runRanks("ddp", 2, `file://${store}`);
    fs.rmSync(store, { force: true });
    // Another PyTorch than the fixture's (1.13): its kernels round differently, and Adam turns those last bits
    // of the near-zero gradient of a bias that BatchNorm follows into lr-sized steps; compare the rest.
    const same = sameTorch(ref.torch ?? FIXTURES_TORCH);
    for (let k = 0; k < 2; k++) {
      const got = r[k], want = ref.ranks[k];
      expect(got.indices).to.deep.equal(want.indices);
      got.losses.forEach((l: number, i: number) => expect(l, `rank ${k} step ${i}`).to.be.closeTo(want.losses[i], 1e-6));
      for (const [name, e] of Object.entries<any>(want.state)) {
        if (!same && (name === "0.bias" || name === "1.running_mean")) continue;   // both carry that bias
        const a = got.state[name];
        expect(a, name).to.not.equal(undefined);
        expect(a.shape).to.deep.equal(e.shape);
        const diff = Math.max(...a.data.map((v: number, i: number) => Math.abs(v - e.data[i])));
        expect(diff, `rank ${k} ${name}`).to.be.below(same ? 1e-5 : 1e-3);
      }
      // live tensors stay flat from step to step
      expect(new Set(got.live).size, `live tensors ${got.live}`).to.equal(1);
    }
    // both ranks end with the same parameters (buffers differ after the noSync forward, as in PyTorch)
    for (const k of Object.keys(r[0].state)) if (!/running|num_batches/.test(k)) expect(r[0].state[k], k).to.deep.equal(r[1].state[k]);
    expect(r[0].keys[0]).to.equal("module.0.weight");
    expect(r[0].text).to.match(/^DistributedDataParallel\(\n  \(module\): Sequential\(/);
  });

  it("DistributedDataParallel on CUDA tensors (gloo, 2 ranks sharing one GPU) follows Python's CPU DDP", async function () {
    if (!torch.cuda.isAvailable()) this.skip();
    const ref = loadFixture("distributed", "ddp.json");
    const store = path.join(os.tmpdir(), `torchts-ddp-cuda-${process.pid}-${Date.now()}`);
    const r = await runRanks("ddp", 2, `file://${store}`, { TORCHTS_DIST_DEVICE: "cuda" });
    fs.rmSync(store, { force: true });
    for (let k = 0; k < 2; k++) r[k].losses.forEach((l: number, i: number) => expect(l, `rank ${k} step ${i}`).to.be.closeTo(ref.ranks[k].losses[i], 1e-3));
    for (const k of Object.keys(r[0].state)) if (!/running|num_batches/.test(k)) expect(r[0].state[k], k).to.deep.equal(r[1].state[k]);
  });

  it("unused parameters: a clear error, or averaged gradients with findUnusedParameters", async () => {
    const port = await freePort();
    const r = await runRanks("unused", 2, `tcp://127.0.0.1:${port}`);
    for (const x of r) {
      expect(x.strictError).to.match(/did not receive a gradient.*findUnusedParameters/s);
      expect(x.grads.bodyBias).to.deep.equal(x === r[0] ? r[1].grads.bodyBias : r[0].grads.bodyBias);
      // head a: only rank 0 used it; the average is half of rank 0's gradient, on both ranks
      expect(x.grads.aWeight[0].map((v: number, i: number) => Math.abs(v - x.refAHalf[0][i])).every((d: number) => d < 1e-6)).to.equal(true);
      x.grads.bodyBias.forEach((v: number, i: number) => expect(v).to.be.closeTo(x.refBodyBiasHalf[i], 1e-6));
    }
  });

  it("a peer that leaves: the next collective throws a TorchError, the process goes on", async () => {
    const port = await freePort();
    const r = await runRanks("peerdies", 2, `tcp://127.0.0.1:${port}`);
    expect(r[0].first).to.deep.equal([2, 2, 2]);
    expect(r[1].error).to.match(/^TorchError: .*(closed|reset|timeout|Timed out)/i);
    expect(r[1].after).to.deep.equal([2, 2]);
  });
});

describe("torchts run (torchrun) and examples/ddp.ts", function () {
  this.timeout(180_000);
  before(function () { if (!dist.isGlooAvailable()) this.skip(); });
  const cli = (args: string[]) => spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join("lib", "cli.ts"), "run", ...args],
    { cwd: path.join(__dirname, ".."), encoding: "utf8", timeout: 170_000 });

  it("trains the tutorial CNN on 2 ranks; replicas stay identical", () => {
    const out = path.join(os.tmpdir(), `torchts-ddp-example-${process.pid}.pt`);
    const r = cli(["--nproc-per-node", "2", path.join("examples", "ddp.ts"), "--tiny", "--out", out]);
    expect(r.status, r.stderr + r.stdout).to.equal(0);
    expect(r.stdout).to.match(/\[rank 0\] 2 ranks \(gloo\), 256 training images per rank/);
    expect(r.stdout).to.match(/\[rank 0\] Epoch 1\/1: 512 img/);
    expect(r.stdout).to.match(/replicas identical: true/);
    const sd = torch.load(out) as Record<string, torch.Tensor>;
    expect(Object.keys(sd)).to.include("features.0.weight");
    fs.rmSync(out, { force: true });
  });

  it("gives every rank its environment and stops the others when one fails", () => {
    const script = path.join(os.tmpdir(), `torchts-run-${process.pid}.js`);
    fs.writeFileSync(script, `const e = process.env;
console.log(JSON.stringify({ r: e.RANK, l: e.LOCAL_RANK, w: e.WORLD_SIZE, a: e.MASTER_ADDR, p: e.MASTER_PORT, arg: process.argv[2] }));
if (e.RANK === "1") setTimeout(() => process.exit(3), 2000); else setTimeout(() => {}, 60000);`);
    const t0 = Date.now();
    const r = cli(["--nproc-per-node=3", "--master-port", "29877", script, "x"]);
    fs.rmSync(script, { force: true });
    expect(r.status).to.equal(3);
    expect(Date.now() - t0).to.be.below(60000);
    expect(r.stderr).to.match(/rank 1 exited with 3; stopping the others/);
    for (const k of [0, 1, 2]) expect(r.stdout).to.include(`[rank ${k}] {"r":"${k}","l":"${k}","w":"3","a":"127.0.0.1","p":"29877","arg":"x"}`);
    expect(cli(["--bogus", "x.js"]).status).to.equal(2);
  });
});

describe("nn.DataParallel", () => {
  it("calls the module directly with fewer than two devices", () => {
    const m = new nn.Linear(3, 2);
    const dp = new nn.DataParallel(m, { deviceIds: ["cpu"] });
    const x = torch.randn([4, 3]);
    expect(dp.forward(x).toArray()).to.deep.equal(m.forward(x).toArray());
    expect(Object.keys(dp.stateDict())).to.deep.equal(["module.weight", "module.bias"]);
  });

  it("splits the batch over replicas: same outputs and gradients as one device; buffers updated by replica 0 only", () => {
    torch.manualSeed(0);
    const make = () => new nn.Sequential(new nn.Linear(5, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 3));
    const ref = make();
    const m = make();
    m.loadStateDict(ref.stateDict());
    const x = torch.randn([6, 5]), y = torch.randn([6, 3]);
    // eval mode: identical to one device
    ref.eval(); m.eval();
    const dp = new nn.DataParallel(m, { deviceIds: ["cpu", "cpu", "cpu"] });
    nn.functional.mseLoss(ref.forward(x), y, { reduction: "sum" }).backward();
    const out = dp.forward(x);
    expect(out.shape).to.deep.equal([6, 3]);
    nn.functional.mseLoss(out, y, { reduction: "sum" }).backward();
    ref.parameters().forEach((p, i) => {
      const g = m.parameters()[i].grad!;
      const d = torch.tidy(() => g.sub(p.grad!).abs().max().item());
      expect(d).to.be.below(1e-5);
    });
    // train mode: BatchNorm statistics per replica; the module's running stats see replica 0's chunk only
    torch.manualSeed(1);
    const m2 = make();
    const before = (m2.children()[1] as any).runningMean.clone();
    const dp2 = new nn.DataParallel(m2, { deviceIds: ["cpu", "cpu"] });
    dp2.forward(x);
    const alone = make();
    alone.loadStateDict(m2.stateDict());
    (alone.children()[1] as any).runningMean.copy_(before);
    alone.forward(x.narrow(0, 0, 3));
    expect((m2.children()[1] as any).runningMean.toArray()).to.deep.equal((alone.children()[1] as any).runningMean.toArray());
    // no replica tensors are left behind
    const live = torch.memory().liveTensors;
    torch.tidy(() => { dp.forward(x); });
    expect(torch.memory().liveTensors).to.equal(live);
  });

  it("on CUDA: two replicas on cuda:0 give one device's outputs and gradients", function () {
    if (!torch.cuda.isAvailable()) this.skip();
    torch.manualSeed(0);
    const ref = new nn.Sequential(new nn.Linear(5, 8), new nn.ReLU(), new nn.Linear(8, 3)).to("cuda");
    const m = new nn.Sequential(new nn.Linear(5, 8), new nn.ReLU(), new nn.Linear(8, 3)).to("cuda");
    m.loadStateDict(ref.stateDict());
    const x = torch.randn([6, 5], { device: "cuda" });
    const dp = new nn.DataParallel(m, { deviceIds: [0, 0] });
    torch.tidy(() => { ref.forward(x).sum().backward(); dp.forward(x).sum().backward(); });
    ref.parameters().forEach((p, i) => expect(torch.tidy(() => m.parameters()[i].grad!.sub(p.grad!).abs().max().item())).to.be.below(1e-5));
  });

  it("checks where the module lives", function () {
    if (!torch.cuda.isAvailable()) this.skip();
    expect(() => new nn.DataParallel(new nn.Linear(2, 2), { deviceIds: [0] })).to.throw(/cuda:0/);
  });
});
