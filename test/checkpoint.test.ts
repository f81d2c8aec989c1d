// Checkpoints and RNG state: resuming reproduces the uninterrupted run bit for bit; writes are atomic; Python reads
// the checkpoint and its RNG state.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as torch from "../lib";
import { Tensor, train } from "../lib";
import { py, pyJson, requirePython, tmpdir, rmrf, flat } from "./io_helpers";

// Duck-typed model, optimizer and scheduler with PyTorch's stateDict()/loadStateDict() surface.
class Model {
  w = torch.keep(torch.randn([4, 8]).mul(0.5).requiresGrad_(true));
  b = torch.keep(torch.zeros([8]).requiresGrad_(true));
  v = torch.keep(torch.randn([8, 1]).mul(0.5).requiresGrad_(true));
  params(): Tensor[] { return [this.w, this.b, this.v]; }
  forward(x: Tensor): Tensor {
    const h = x.matmul(this.w).add(this.b).relu();
    const mask = torch.rand(h.shape).gt(0.2).float().div(0.8);  // dropout: the RNG state matters
    return h.mul(mask).matmul(this.v);
  }
  stateDict(): Record<string, Tensor> { return { w: this.w.detach(), b: this.b.detach(), v: this.v.detach() }; }
  loadStateDict(sd: Record<string, Tensor>): void {
    torch.noGrad(() => { this.w.copy_(sd.w); this.b.copy_(sd.b); this.v.copy_(sd.v); });
  }
}
class SGD {
  bufs: (Tensor | null)[];
  constructor(readonly params: Tensor[], public lr: number, readonly momentum: number) { this.bufs = params.map(() => null); }
  zeroGrad(): void { for (const p of this.params) p.grad = null; }
  step(): void {
    torch.tidy(() => torch.noGrad(() => this.params.forEach((p, i) => {
      const g = p.grad!;
      if (!this.bufs[i]) this.bufs[i] = torch.keep(g.clone());
      else this.bufs[i]!.mul_(this.momentum).add_(g);
      p.add_(this.bufs[i]!, { alpha: -this.lr });
    })));
  }
  stateDict(): any {
    const state: any = {};
    this.bufs.forEach((b, i) => { if (b) state[String(i)] = { momentum_buffer: b.clone() }; });
    return { state, param_groups: [{ lr: this.lr, momentum: this.momentum, params: this.params.map((_, i) => i) }] };
  }
  loadStateDict(sd: any): void {
    this.lr = sd.param_groups[0].lr;
    this.bufs.forEach((b) => b?.dispose());
    this.bufs = this.params.map((_, i) => (sd.state[String(i)] ? torch.keep(sd.state[String(i)].momentum_buffer.clone()) : null));
  }
}
class StepLR {
  lastEpoch = 0;
  constructor(readonly opt: SGD, readonly stepSize: number, readonly gamma: number) {}
  step(): void { this.lastEpoch++; if (this.lastEpoch % this.stepSize === 0) this.opt.lr *= this.gamma; }
  stateDict(): any { return { step_size: this.stepSize, gamma: this.gamma, last_epoch: this.lastEpoch }; }
  loadStateDict(sd: any): void { this.lastEpoch = sd.last_epoch; }
}

function setup(seed: number) {
  torch.manualSeed(seed);
  const model = new Model();
  const optimizer = new SGD(model.params(), 0.05, 0.9);
  const scheduler = new StepLR(optimizer, 2, 0.5);
  return { model, optimizer, scheduler };
}
function steps(s: ReturnType<typeof setup>, n: number): number[] {
  const losses: number[] = [];
  for (let i = 0; i < n; i++) {
    torch.tidy(() => {
      const x = torch.randn([16, 4]);
      const y = x.sum(1, true).mul(0.3);
      const loss = s.model.forward(x).sub(y).pow(2).mean();
      s.optimizer.zeroGrad();
      loss.backward();
      s.optimizer.step();
      s.scheduler.step();
      losses.push(loss.item());
    });
  }
  return losses;
}

describe("checkpoints", function () {
  let dir: string;
  before(() => { dir = tmpdir("ckpt"); });
  after(() => rmrf(dir));

  it("getRngState / setRngState replay the same random numbers", () => {
    torch.manualSeed(7);
    const st = torch.getRngState();
    expect(st.dtype).to.equal(torch.uint8);
    const a = torch.rand([5]).toArray();
    torch.randn([100]);
    torch.setRngState(st);
    expect(torch.rand([5]).toArray()).to.deep.equal(a);
    expect(() => torch.setRngState(torch.zeros([3]))).to.throw(TypeError, /uint8/);
  });

  it("resumes with the same losses as the uninterrupted run, bit for bit", () => {
    const full = steps(setup(0), 6);

    const first = setup(0);
    const head = steps(first, 3);
    const f = path.join(dir, "run.pt");
    train.saveCheckpoint(f, { model: first.model, optimizer: first.optimizer, scheduler: first.scheduler, epoch: 3, best: 0.5, history: head });

    const resumed = setup(123);  // other weights, other RNG position
    torch.rand([1000]);
    const rest = train.loadCheckpoint(f, { model: resumed.model, optimizer: resumed.optimizer, scheduler: resumed.scheduler });
    expect(rest).to.deep.equal({ epoch: 3, best: 0.5, history: head });
    expect(resumed.scheduler.lastEpoch).to.equal(3);
    expect(resumed.optimizer.lr).to.equal(first.optimizer.lr);
    const tail = steps(resumed, 3);

    expect(head).to.deep.equal(full.slice(0, 3));
    expect(tail).to.deep.equal(full.slice(3));  // exact equality
    // without the RNG state the run differs (the test can fail)
    const again = setup(9);
    train.loadCheckpoint(f, { model: again.model, optimizer: again.optimizer, scheduler: again.scheduler, restoreRng: false });
    expect(steps(again, 3)).to.not.deep.equal(full.slice(3));
  });

  it("resumes an nn.Module with Adam and StepLR bit for bit", () => {
    const { nn, optim } = torch;
    const make = (seed: number) => {
      torch.manualSeed(seed);
      const model = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(16, 1));
      const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
      const scheduler = new optim.lrScheduler.StepLR(optimizer, { stepSize: 2, gamma: 0.5 });
      return { model, optimizer, scheduler };
    };
    const run = (s: ReturnType<typeof make>, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) torch.tidy(() => {
        const x = torch.randn([8, 4]);
        const loss = s.model.forward(x).sub(x.sum(1, true)).pow(2).mean();
        s.optimizer.zeroGrad(); loss.backward(); s.optimizer.step(); s.scheduler.step();
        out.push(loss.item());
      });
      return out;
    };
    const full = run(make(0), 6);
    const a = make(0);
    const head = run(a, 3);
    const f = path.join(dir, "nn.pt");
    train.saveCheckpoint(f, { model: a.model, optimizer: a.optimizer, scheduler: a.scheduler, epoch: 3 });
    const b = make(5);
    expect(train.loadCheckpoint(f, { model: b.model, optimizer: b.optimizer, scheduler: b.scheduler }).epoch).to.equal(3);
    expect(head.concat(run(b, 3))).to.deep.equal(full);
  });

  it("writes atomically: no temporary files left, and a failed save keeps the old checkpoint", () => {
    const s = setup(1);
    const f = path.join(dir, "atomic.pt");
    train.saveCheckpoint(f, { model: s.model, epoch: 1 });
    const before = fs.readFileSync(f);
    expect(() => train.saveCheckpoint(f, { model: s.model, epoch: 2, bad: () => 0 })).to.throw(/saveCheckpoint\('.*atomic\.pt'\).*function/);
    expect(fs.readFileSync(f).equals(before)).to.equal(true);
    expect(fs.readdirSync(dir).filter((n) => n.includes(".tmp-"))).to.deep.equal([]);
    expect(() => train.saveCheckpoint(f, { rng_state: 1 })).to.throw(/reserved/);
    expect(train.loadCheckpoint(f).epoch).to.equal(1);
    expect(() => train.loadCheckpoint(f, { optimizer: s.optimizer })).to.throw(/no optimizer state/);
  });

  it("does not leak tensor handles", () => {
    const s = setup(2);
    const f = path.join(dir, "leak.pt");
    train.saveCheckpoint(f, { model: s.model, optimizer: s.optimizer, scheduler: s.scheduler, epoch: 0 });
    train.loadCheckpoint(f, { model: s.model, optimizer: s.optimizer, scheduler: s.scheduler });
    const n = torch.memory().liveTensors;
    for (let i = 0; i < 3; i++) {
      train.saveCheckpoint(f, { model: s.model, optimizer: s.optimizer, scheduler: s.scheduler, epoch: i });
      train.loadCheckpoint(f, { model: s.model, optimizer: s.optimizer, scheduler: s.scheduler });
    }
    expect(torch.memory().liveTensors).to.equal(n);
  });

  it("is readable by Python, whose RNG state restores the same stream", function () {
    requirePython(this);
    const s = setup(3);
    steps(s, 2);
    const f = path.join(dir, "py.pt");
    train.saveCheckpoint(f, { model: s.model, optimizer: s.optimizer, scheduler: s.scheduler, epoch: 2, note: "x" });
    const st = torch.getRngState();
    const ours = flat(torch.rand([4]));
    torch.setRngState(st);
    const got = pyJson(`
import sys, json, torch
ck = torch.load(sys.argv[1])
torch.set_rng_state(ck["rng_state"])
print(json.dumps({"keys": sorted(ck.keys()), "epoch": ck["epoch"], "rng": [str(ck["rng_state"].dtype), list(ck["rng_state"].shape)],
                  "model": sorted(ck["model_state_dict"].keys()), "state_keys": list(ck["optimizer_state_dict"]["state"].keys()),
                  "rand": torch.rand(4).tolist()}))`, f);
    expect(got.keys).to.deep.equal(["epoch", "model_state_dict", "note", "optimizer_state_dict", "rng_state", "scheduler_state_dict"]);
    expect(got.epoch).to.equal(2);
    expect(got.rng[0]).to.equal("torch.uint8");
    expect(got.rng[1]).to.deep.equal(st.shape);
    expect(got.model).to.deep.equal(["b", "v", "w"]);
    expect(got.state_keys).to.deep.equal([0, 1, 2]);
    expect(got.rand).to.deep.equal(ours);
  });

  it("restores an RNG state saved by Python", function () {
    requirePython(this);
    const f = path.join(dir, "pyrng.pt");
    const ref = pyJson(`
import sys, json, torch
torch.manual_seed(11); torch.rand(10)
torch.save({"rng_state": torch.get_rng_state()}, sys.argv[1])
print(json.dumps(torch.rand(4).tolist()))`, f);
    torch.manualSeed(0);
    train.loadCheckpoint(f);
    expect(flat(torch.rand([4]))).to.deep.equal(ref);
  });
});
