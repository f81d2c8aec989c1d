// Optimisers against PyTorch 1.13: trajectories, state dicts, round trips, memory.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as torch from "../lib";
import { optim } from "../lib";
import { toCamel } from "../lib/optim/optimizer";
import { dec, expectClose, maxAbsDiff } from "./optim_helpers";
import { sameTorch } from "./helpers";

const F = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "optim", "optim.json"), "utf8"));
const S = optim.lrScheduler;
type P = { W: torch.Tensor; b: torch.Tensor; c: torch.Tensor };

function makeData(dtype: torch.DType, device: string) {
  return { X: torch.keep(torch.tensor(F.X, { dtype, device })), Y: torch.keep(torch.tensor(F.Y, { dtype, device })) };
}
const data: Record<string, { X: torch.Tensor; Y: torch.Tensor }> = {};
function problem(dtype: torch.DType, device: string) { return data[dtype.name + device] ??= makeData(dtype, device); }

function makeParams(dtype: torch.DType, flat?: number[] | null, device = "cpu"): P {
  const v = flat ?? [...F.W0.flat(), ...F.b0, ...F.c0];
  return {
    W: torch.tensor([v.slice(0, 3), v.slice(3, 6)], { dtype, device, requiresGrad: true }),
    b: torch.tensor(v.slice(6, 8), { dtype, device, requiresGrad: true }),
    c: torch.tensor(v.slice(8, 10), { dtype, device, requiresGrad: true }),
  };
}
// loss = mean((X W^T + b - Y)^2) [+ sum((c - 1)^2) on even steps], as in scripts/fixtures/optim.py
function loss(p: P, t: number): torch.Tensor {
  const { X, Y } = problem(p.W.dtype, p.W.device);
  let l = X.matmul(p.W.t()).add(p.b).sub(Y).pow(2).mean();
  if (t % 2 === 0) l = l.add(p.c.sub(1).pow(2).sum());
  return l;
}
function flatParams(p: P): number[] {
  return [...(p.W.toArray() as number[][]).flat(), ...(p.b.toArray() as number[]), ...(p.c.toArray() as number[])];
}
function camel(o: any): any {
  if (!o) return o;
  const r: any = {};
  for (const k of Object.keys(o)) r[toCamel(k)] = o[k];
  return r;
}
const OPT: Record<string, any> = { SGD: optim.SGD, Adam: optim.Adam, AdamW: optim.AdamW, RMSprop: optim.RMSprop, Adagrad: optim.Adagrad, Adadelta: optim.Adadelta, Adamax: optim.Adamax, NAdam: optim.NAdam, RAdam: optim.RAdam };

function build(c: any, p: P) {
  const params = c.groups === null ? [p.W, p.b, p.c]
    : c.groups.map((g: any) => ({ ...camel(g), params: g.params.map((n: string) => (p as any)[n]) }));
  const opt: optim.Optimizer = new OPT[c.optimizer](params, camel(c.kwargs));
  let sched: any = null;
  if (c.sched) {
    const [name, kw] = c.sched;
    if (name === "OneCycleLR") sched = new S.OneCycleLR(opt, kw.max_lr, { totalSteps: kw.total_steps, threePhase: kw.three_phase });
    else if (name === "CosineAnnealingLR") sched = new S.CosineAnnealingLR(opt, kw.T_max, { etaMin: kw.eta_min });
    else throw new Error("unknown scheduler " + name);
  }
  return { opt, sched };
}

function trainStep(opt: optim.Optimizer, p: P, t: number, setToNone: boolean): void {
  torch.tidy(() => {
    opt.zeroGrad({ setToNone });
    loss(p, t).backward();
    opt.step();
  });
}

function run(c: any, p: P, opt: optim.Optimizer, sched: any, from: number, to: number) {
  const traj: number[][] = [], lrs: number[][] = [];
  for (let t = from; t < to; t++) {
    trainStep(opt, p, t, c.set_to_none);
    if (sched) { lrs.push(opt.paramGroups.map((g) => g.lr)); sched.step(); }
    traj.push(flatParams(p));
  }
  return { traj, lrs };
}

describe("optim: trajectories match PyTorch", () => {
  for (const c of F.cases) {
    it(`${c.name}: ${F.steps}-step trajectory and state_dict`, () => {
      const dtype = (torch as any)[c.dtype] as torch.DType;
      const p = makeParams(dtype);
      const { opt, sched } = build(c, p);
      const { traj, lrs } = run(c, p, opt, sched, 0, F.steps);
      const tol = c.dtype === "float64" ? 1e-12 : 1e-5;
      expect(maxAbsDiff(traj, c.trajectory)).to.be.at.most(tol);
      if (sched) expectClose(lrs, c.lrs);
      // state_dict(): same structure, keys and values as Python's
      const sd = opt.stateDict();
      // Another libtorch than the fixtures' may round a state's last float32 bit differently (Adagrad's sum of
      // squares near 131 is 1.5e-5 apart): relative there, absolute on the fixtures' own version.
      expectClose(sd, dec(c.state_dict), { tensorTol: tol, tensorRel: !sameTorch(F.torch) });
      torch.dispose(sd);
    });
  }
});

describe("optim: loadStateDict", () => {
  for (const c of F.cases.filter((c: any) => !c.sched)) {
    it(`${c.name}: Python's mid-run state_dict loads and the run continues identically`, () => {
      const dtype = (torch as any)[c.dtype] as torch.DType;
      const p = makeParams(dtype, c.params_mid);
      const { opt } = build(c, p);
      const sd = dec(c.state_dict_mid);
      opt.loadStateDict(sd);
      torch.dispose(sd);
      const { traj } = run(c, p, opt, null, F.steps / 2, F.steps);
      expect(maxAbsDiff(traj, c.trajectory.slice(F.steps / 2))).to.be.at.most(c.dtype === "float64" ? 1e-12 : 1e-5);
    });
  }

  for (const name of ["sgd_nesterov_wd", "adam_groups", "adamw_amsgrad_wd", "rmsprop_centered_momentum_wd", "adagrad_decay_wd_init", "sgd_momentum_none"]) {
    it(`${name}: save mid-run, load into a fresh optimizer, continue: identical trajectory`, () => {
      const c = F.cases.find((x: any) => x.name === name);
      const dtype = (torch as any)[c.dtype] as torch.DType;
      const p1 = makeParams(dtype);
      const a = build(c, p1);
      run(c, p1, a.opt, null, 0, 10);
      const sd = a.opt.stateDict();
      const p2 = makeParams(dtype, flatParams(p1));
      const b = build(c, p2);
      b.opt.loadStateDict(sd);
      torch.dispose(sd);                       // the loaded state is a copy
      const ra = run(c, p1, a.opt, null, 10, 20);
      const rb = run(c, p2, b.opt, null, 10, 20);
      expect(rb.traj).to.deep.equal(ra.traj);
      expect(maxAbsDiff(ra.traj, c.trajectory.slice(10))).to.be.at.most(1e-5);
      expect(b.opt.paramGroups.map((g) => g.lr)).to.deep.equal(a.opt.paramGroups.map((g) => g.lr));
    });
  }

  it("accepts a plain-number step (older PyTorch) for Adam and a tensor step (PyTorch 2.x) for RMSprop", () => {
    for (const name of ["adam_wd_amsgrad", "rmsprop_centered"]) {
      const c = F.cases.find((x: any) => x.name === name);
      const p = makeParams(torch.float32, c.params_mid);
      const { opt } = build(c, p);
      const sd = dec(c.state_dict_mid);
      for (const st of Object.values(sd.state) as any[]) {
        if (st.step instanceof torch.Tensor) { const n = st.step.item(); st.step.dispose(); st.step = n; }
        else st.step = torch.tensor(st.step, { dtype: torch.float32 });
      }
      opt.loadStateDict(sd);
      torch.dispose(sd);
      const { traj } = run(c, p, opt, null, F.steps / 2, F.steps);
      expect(maxAbsDiff(traj, c.trajectory.slice(F.steps / 2)), name).to.be.at.most(1e-5);
    }
  });

  it("rejects a state dict with a different group layout", () => {
    const p = makeParams(torch.float32);
    const opt = new optim.SGD([p.W, p.b, p.c], { lr: 0.1 });
    expect(() => opt.loadStateDict({ state: {}, param_groups: [{ lr: 0.1, params: [0, 1] }] })).to.throw(/doesn't match/);
    expect(() => opt.loadStateDict({ state: {}, param_groups: [] })).to.throw(/number of parameter groups/);
  });
});

describe("optim: sparse gradients", () => {
  for (const c of F.sparse) {
    it(`${c.optimizer}: embedding(sparse=true) gradients step like PyTorch`, () => {
      const w = torch.tensor(c.w0, { dtype: torch.float32, requiresGrad: true });
      const idx = torch.tensor(c.idx);
      const opt = new OPT[c.optimizer]([w], camel(c.kwargs));
      const traj: number[][] = [];
      for (let t = 0; t < c.trajectory.length; t++) {
        torch.tidy(() => {
          opt.zeroGrad();
          torch.callOp("aten::embedding", w, idx, -1, false, true).pow(2).sum().backward();
          opt.step();
        });
        traj.push((w.toArray() as number[][]).flat());
      }
      expect(maxAbsDiff(traj, c.trajectory)).to.be.at.most(1e-6);
    });
  }
});

describe("optim: API", () => {
  it("zeroGrad zeroes or sets to null; step skips parameters without grad", () => {
    const p = makeParams(torch.float32);
    const opt = new optim.Adam([p.W, p.b, p.c], { lr: 0.1 });
    torch.tidy(() => loss(p, 0).backward());
    opt.zeroGrad({ setToNone: false });
    const g = p.W.grad!;
    expect(Array.from(g.data() as Float32Array)).to.deep.equal([0, 0, 0, 0, 0, 0]);
    g.dispose();
    opt.zeroGrad();  // setToNone by default, as in PyTorch 2
    expect(p.W.grad).to.equal(null);
    torch.tidy(() => loss(p, 1).backward());  // c gets no grad on odd steps
    const c0 = p.c.toArray();
    opt.step();
    expect(p.c.toArray()).to.deep.equal(c0);
    expect(opt.state.has(p.c)).to.equal(false);
    expect(opt.state.get(p.W)!.step.item()).to.equal(1);
  });

  it("options may be given positionally in PyTorch's order (SGD(params, 0.1, 0.9))", () => {
    const w = torch.zeros([2], { requiresGrad: true });
    const group = (o: optim.Optimizer) => { const { params, ...rest } = o.paramGroups[0]; void params; return rest; };
    expect(group(new optim.SGD([w], 0.1, 0.9, 0, 5e-4, true))).to.deep.equal(group(new optim.SGD([w], { lr: 0.1, momentum: 0.9, weightDecay: 5e-4, nesterov: true })));
    expect(group(new optim.Adam([w], 0.01, [0.8, 0.9], 1e-6, 0.1, true))).to.deep.equal(
      group(new optim.Adam([w], { lr: 0.01, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.1, amsgrad: true })));
    expect(new optim.AdamW([w], 0.02).paramGroups[0].lr).to.equal(0.02);
    expect(group(new optim.RMSprop([w], 0.01, 0.9, 1e-8, 0, 0.5, true))).to.deep.equal(group(new optim.RMSprop([w], { lr: 0.01, alpha: 0.9, momentum: 0.5, centered: true })));
    expect(() => new optim.SGD([w], 0.1, { lr: 0.2 } as any)).to.throw(TypeError, /multiple values for option 'lr'/);
  });

  it("prints like PyTorch's print(optimizer)", () => {
    const w = torch.zeros([2], { requiresGrad: true });
    expect(new optim.Adam([w], { lr: 1e-3 }).toString()).to.equal("Adam (\nParameter Group 0\n    amsgrad: False\n    betas: (0.9, 0.999)\n" +
      "    capturable: False\n    differentiable: False\n    eps: 1e-08\n    foreach: None\n    fused: False\n    lr: 0.001\n    maximize: False\n    weight_decay: 0\n)");
  });

  it("paramGroups are readable and their lr writable", () => {
    const w = torch.tensor([1, 2], { dtype: torch.float32, requiresGrad: true });
    const v = torch.tensor([3], { dtype: torch.float32, requiresGrad: true });
    const opt = new optim.SGD([{ params: [w] }, { params: v, lr: 0.5, weightDecay: 0.1 }], { lr: 0.1, momentum: 0 });
    expect(opt.paramGroups).to.have.lengthOf(2);
    expect(opt.paramGroups[1]).to.include({ lr: 0.5, weightDecay: 0.1, momentum: 0, nesterov: false });
    expect(opt.paramGroups[0].weightDecay).to.equal(0);
    opt.paramGroups[0].lr = 1;
    torch.tidy(() => { w.sum().backward(); opt.step(); });  // grad 1 -> w -= 1
    expect(w.toArray()).to.deep.equal([0, 1]);
    const sd = opt.stateDict();
    expect(sd.param_groups[1]).to.deep.equal({ lr: 0.5, momentum: 0, dampening: 0, weight_decay: 0.1, nesterov: false, maximize: false, foreach: null, differentiable: false, params: [1] });
    expect(sd.state).to.deep.equal({ 0: { momentum_buffer: null } });
  });

  it("validates options like PyTorch", () => {
    const w = torch.tensor([1, 2], { dtype: torch.float32, requiresGrad: true });
    expect(() => new optim.SGD([w], {} as any)).to.throw(/required optimization parameter lr/);
    expect(() => new optim.SGD([w], { lr: -1 })).to.throw(/Invalid learning rate/);
    expect(() => new optim.SGD([w], { lr: 0.1, nesterov: true })).to.throw(/Nesterov/);
    expect(() => new optim.Adam([w], { betas: [1.0, 0.9] })).to.throw(/beta parameter at index 0/);
    expect(() => new optim.RMSprop([w], { alpha: -1 })).to.throw(/alpha/);
    expect(() => new optim.Adagrad([w], { lrDecay: -1 })).to.throw(/lr_decay/);
    expect(() => new optim.Adam([])).to.throw(/empty parameter list/);
    expect(() => new optim.SGD([{ params: [w] }, { params: [w] }], { lr: 0.1 })).to.throw(/more than one parameter group/);
    const nonLeaf = torch.tidy(() => w.mul(2));
    expect(() => new optim.SGD([nonLeaf], { lr: 0.1 })).to.throw(/non-leaf/);
    expect(() => new optim.Adam(w as any)).to.throw(TypeError);
  });

  it("accepts foreach/maximize/capturable and returns the closure's loss", () => {
    const p = makeParams(torch.float32);
    const opt = new optim.Adam([p.W, p.b], { lr: 0.1, foreach: true, capturable: false, maximize: false });
    const l = torch.noGrad(() => opt.step(() => { opt.zeroGrad(); const l = loss(p, 1); l.backward(); return l; }));
    expect(l).to.be.instanceOf(torch.Tensor);
    expect(opt.paramGroups[0].foreach).to.equal(true);
    l.dispose();
  });

  it("Adagrad has state for every parameter from construction", () => {
    const p = makeParams(torch.float32);
    const opt = new optim.Adagrad([p.W, p.b], { initialAccumulatorValue: 0.5 });
    const sd = opt.stateDict();
    expect(Object.keys(sd.state)).to.deep.equal(["0", "1"]);
    expect(sd.state[1].step.item()).to.equal(0);
    expect(sd.state[1].sum.toArray()).to.deep.equal([0.5, 0.5]);
    torch.dispose(sd);
  });

  it("optimizes a float64 parameter with Adam like PyTorch on a known case", () => {
    // one Adam step from zero state moves each coordinate by lr * sign(grad) (bias-corrected)
    const w = torch.tensor([1, -2, 3], { dtype: torch.float64, requiresGrad: true });
    const opt = new optim.Adam([w], { lr: 0.5 });
    torch.tidy(() => { w.mul(w).sum().backward(); opt.step(); });
    const got = w.toArray() as number[];
    [0.5, -1.5, 2.5].forEach((x, i) => expect(got[i]).to.be.closeTo(x, 1e-7));
  });
});

// capturable: true keeps the step counter on the parameter's device and computes the bias corrections there with
// tensor ops (in float64, applied as the host path applies them), so its trajectory follows the host-side one.
describe("optim: Adam/AdamW capturable", () => {
  const cases: [string, any, any][] = [
    ["Adam", optim.Adam, { lr: 0.05 }],
    ["Adam weightDecay", optim.Adam, { lr: 0.05, weightDecay: 0.1 }],
    ["Adam amsgrad", optim.Adam, { lr: 0.05, amsgrad: true }],
    ["Adam maximize amsgrad weightDecay", optim.Adam, { lr: 0.02, maximize: true, amsgrad: true, weightDecay: 0.01 }],
    ["AdamW", optim.AdamW, { lr: 0.05 }],
    ["AdamW amsgrad weightDecay", optim.AdamW, { lr: 0.05, amsgrad: true, weightDecay: 0.1 }],
    ["AdamW maximize", optim.AdamW, { lr: 0.02, maximize: true }],
  ];
  const rel = (a: number[][], b: number[][]) => {
    let m = 0;
    a.forEach((row, i) => row.forEach((x, j) => { m = Math.max(m, Math.abs(x - b[i][j]) / Math.max(Math.abs(b[i][j]), 1e-3)); }));
    return m;
  };
  for (const [name, Cls, o] of cases) {
    it(`${name}: 20 capturable steps match the host-side trajectory within 1e-6 relative`, () => {
      const pa = makeParams(torch.float32), pb = makeParams(torch.float32);
      const a = new Cls([pa.W, pa.b, pa.c], o), b = new Cls([pb.W, pb.b, pb.c], { ...o, capturable: true });
      const ta = run({ set_to_none: true }, pa, a, null, 0, 20).traj, tb = run({ set_to_none: true }, pb, b, null, 0, 20).traj;
      expect(rel(tb, ta)).to.be.at.most(1e-6);
      expect(tb[19]).to.not.deep.equal(tb[0]);  // it moved
      for (const p of [pa, pb]) for (const t of Object.values(p)) t.dispose();
      a.dispose(); b.dispose();
    });
  }

  it("keeps state.step as a float32 scalar tensor on the parameter's device; stateDict round-trips through torch.save", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tts-capturable-"));
    try {
      const o = { lr: 0.05, amsgrad: true, weightDecay: 0.01, capturable: true };
      const p1 = makeParams(torch.float32);
      const a = new optim.Adam([p1.W, p1.b, p1.c], o);
      run({ set_to_none: true }, p1, a, null, 0, 10);
      const sd = a.stateDict();
      for (const [i, n] of [[0, 10], [1, 10], [2, 5]]) {  // c has a gradient on even steps only
        const st = sd.state[i].step as torch.Tensor;
        expect(st).to.be.instanceOf(torch.Tensor);
        expect([st.dtype, st.shape, st.device, st.item()]).to.deep.equal([torch.float32, [], p1.W.device, n]);
      }
      expect(Object.keys(sd.state[0]).sort()).to.deep.equal(["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]);
      expect(sd.param_groups[0].capturable).to.equal(true);
      const f = path.join(dir, "opt.pt");
      torch.save(sd, f);
      torch.dispose(sd);
      const back = torch.load(f);
      const p2 = makeParams(torch.float32, flatParams(p1));
      const b = new optim.Adam([p2.W, p2.b, p2.c], o);
      b.loadStateDict(back);
      torch.dispose(back);
      expect(b.stateDict().state[0].step.item()).to.equal(10);
      const ra = run({ set_to_none: true }, p1, a, null, 10, 20), rb = run({ set_to_none: true }, p2, b, null, 10, 20);
      expect(rb.traj).to.deep.equal(ra.traj);
      // a host-side (plain) state loads into a capturable optimizer and the other way round
      const p3 = makeParams(torch.float32);
      const plain = new optim.Adam([p3.W, p3.b, p3.c], { lr: 0.05 });
      run({ set_to_none: true }, p3, plain, null, 0, 5);
      const psd = plain.stateDict();
      psd.state[0].step.dispose();
      psd.state[0].step = 5;  // older PyTorch: a number
      const p4 = makeParams(torch.float32, flatParams(p3));
      const cap = new optim.Adam([p4.W, p4.b, p4.c], { lr: 0.05, capturable: true });
      cap.loadStateDict(psd);
      torch.dispose(psd);
      const r3 = run({ set_to_none: true }, p3, plain, null, 5, 10), r4 = run({ set_to_none: true }, p4, cap, null, 5, 10);
      expect(rel(r4.traj, r3.traj)).to.be.at.most(1e-6);
      for (const s of cap.state.values()) expect(s.step).to.be.instanceOf(torch.Tensor);
      for (const o2 of [a, b, plain, cap]) o2.dispose();
      for (const p of [p1, p2, p3, p4]) for (const t of Object.values(p)) t.dispose();
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });

  it("lr = 0 leaves the parameters unchanged, also where a gradient is zero (no 0/0 as in pytorch#126514)", () => {
    const w = torch.tensor([1, 2, 3], { dtype: torch.float32, requiresGrad: true });
    const opt = new optim.Adam([w], { lr: 0, capturable: true });
    for (let i = 0; i < 3; i++) torch.tidy(() => { opt.zeroGrad(); w.mul(torch.tensor([0, 1, 2])).sum().backward(); opt.step(); });
    expect(w.toArray()).to.deep.equal([1, 2, 3]);
    opt.dispose(); w.dispose();
  });

  it("says why a non-capturable Adam cannot be graph-captured; capturable or fused can", () => {
    const p = makeParams(torch.float32);
    expect(new optim.Adam([p.W], { capturable: true })._captureProblem()).to.equal(null);
    expect(new optim.AdamW([p.W])._captureProblem()).to.match(/^AdamW was constructed with capturable: false.*capturable: true/);
    expect(new optim.Adam([{ params: [p.W], capturable: true }, { params: [p.b] }])._captureProblem()).to.match(/capturable: false/);
    expect(new optim.SGD([p.W], { lr: 0.1 })._captureProblem()).to.equal(null);
    for (const t of Object.values(p)) t.dispose();
  });
});

describe("optim: CUDA", () => {
  for (const name of ["sgd_nesterov_wd", "adam_wd_amsgrad", "adamw_groups", "rmsprop_centered_momentum_wd", "adagrad_decay_wd_init"]) {
    it(`${name}: the trajectory on CUDA matches PyTorch's CPU one`, function () {
      if (!torch.buildInfo.hasCuda) this.skip();
      const c = F.cases.find((x: any) => x.name === name);
      const p = makeParams(torch.float32, null, "cuda");
      const { opt } = build(c, p);
      const { traj } = run(c, p, opt, null, 0, F.steps);
      expect(maxAbsDiff(traj, c.trajectory)).to.be.at.most(1e-5);
      expect(p.W.device).to.match(/^cuda/);
    });
  }
});

describe("optim: memory", () => {
  const cfgs: [string, () => [P, optim.Optimizer], boolean][] = [
    ["SGD nesterov", () => { const p = makeParams(torch.float32); return [p, new optim.SGD([p.W, p.b, p.c], { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-4 })]; }, false],
    ["Adam amsgrad", () => { const p = makeParams(torch.float32); return [p, new optim.Adam([p.W, p.b, p.c], { lr: 1e-3, amsgrad: true, weightDecay: 1e-4 })]; }, true],
    ["AdamW", () => { const p = makeParams(torch.float32); return [p, new optim.AdamW([{ params: [p.W] }, { params: [p.b, p.c], lr: 1e-2 }])]; }, false],
    ["Adam capturable amsgrad", () => { const p = makeParams(torch.float32); return [p, new optim.Adam([p.W, p.b, p.c], { lr: 1e-3, amsgrad: true, capturable: true })]; }, true],
    ["RMSprop centered momentum", () => { const p = makeParams(torch.float32); return [p, new optim.RMSprop([p.W, p.b, p.c], { lr: 1e-3, momentum: 0.9, centered: true })]; }, true],
    ["Adagrad", () => { const p = makeParams(torch.float32); return [p, new optim.Adagrad([p.W, p.b, p.c], { lr: 0.01, lrDecay: 1e-3 })]; }, false],
  ];
  for (const [name, make, setToNone] of cfgs) {
    it(`${name}: liveTensors constant over 1,000 steps in a tidy loop`, () => {
      const [p, opt] = make();
      for (let t = 0; t < 5; t++) trainStep(opt, p, t, setToNone);
      const before = torch.memory().liveTensors;
      for (let t = 5; t < 1005; t++) trainStep(opt, p, t, setToNone);
      expect(torch.memory().liveTensors).to.equal(before);
      opt.dispose();
      for (const t of Object.values(p)) t.dispose();
    });
  }
});
