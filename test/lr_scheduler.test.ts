// Learning-rate schedules against PyTorch 1.13: 100-step lr sequences, state dicts, resuming.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as torch from "../lib";
import { optim } from "../lib";
import { dec, expectClose } from "./optim_helpers";

const F = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "optim", "lr_scheduler.json"), "utf8"));
const S = optim.lrScheduler;
type Sched = { step(m?: any): void; getLastLr(): number[]; stateDict(): any; loadStateDict(sd: any): void };

function twoGroups(kind: string): optim.Optimizer {
  const p1 = torch.zeros([2], { requiresGrad: true }), p2 = torch.zeros([3], { requiresGrad: true });
  const groups = [{ params: [p1] }, { params: [p2], lr: 0.05 }];
  return kind === "SGD" ? new optim.SGD(groups, { lr: 0.1, momentum: 0.9 }) : new optim.Adam(groups, { lr: 0.1 });
}

// The same schedules as scripts/fixtures/optim.py's SCHEDS.
const MAKE: Record<string, (o: optim.Optimizer) => Sched> = {
  StepLR: (o) => new S.StepLR(o, 7, { gamma: 0.5 }),
  MultiStepLR: (o) => new S.MultiStepLR(o, [10, 30, 30, 60], { gamma: 0.3 }),
  ExponentialLR: (o) => new S.ExponentialLR(o, 0.95),
  CosineAnnealingLR: (o) => new S.CosineAnnealingLR(o, 20, { etaMin: 0.001 }),
  CosineAnnealingLR_default: (o) => new S.CosineAnnealingLR(o, { TMax: 30 }),
  CosineAnnealingWarmRestarts: (o) => new S.CosineAnnealingWarmRestarts(o, 10, { TMult: 2, etaMin: 1e-4 }),
  CosineAnnealingWarmRestarts_mult1: (o) => new S.CosineAnnealingWarmRestarts(o, 15),
  OneCycleLR: (o) => new S.OneCycleLR(o, [0.5, 0.2], { totalSteps: 100 }),
  OneCycleLR_three_phase_linear: (o) => new S.OneCycleLR(o, 1.0, { epochs: 10, stepsPerEpoch: 10, threePhase: true, annealStrategy: "linear", pctStart: 0.25 }),
  OneCycleLR_adam: (o) => new S.OneCycleLR(o, 0.01, { totalSteps: 120, divFactor: 10.0, finalDivFactor: 100.0, baseMomentum: 0.8, maxMomentum: 0.9 }),
  LinearLR: (o) => new S.LinearLR(o, { startFactor: 0.25, totalIters: 20 }),
  LinearLR_decay: (o) => new S.LinearLR(o, { startFactor: 1.0, endFactor: 0.1, totalIters: 50 }),
  LambdaLR: (o) => new S.LambdaLR(o, (e) => 0.95 ** e),
  LambdaLR_per_group: (o) => new S.LambdaLR(o, [(e) => 1.0 / (1 + e), (e) => (e % 10 < 5 ? 0.5 : 1.0)]),
  SequentialLR: (o) => new S.SequentialLR(o, [new S.LinearLR(o, { startFactor: 0.1, totalIters: 10 }), new S.CosineAnnealingLR(o, 40), new S.ExponentialLR(o, 0.9)], [10, 50]),
  ConstantLR: (o) => new S.ConstantLR(o, { factor: 0.5, totalIters: 8 }),
  PolynomialLR: (o) => new S.PolynomialLR(o, { totalIters: 60, power: 2.0 }),
  MultiplicativeLR: (o) => new S.MultiplicativeLR(o, () => 0.97),
  CyclicLR: (o) => new S.CyclicLR(o, 0.01, [0.1, 0.2], { stepSizeUp: 15, stepSizeDown: 10, mode: "triangular2" }),
  CyclicLR_exp_range: (o) => new S.CyclicLR(o, 0.01, 0.1, { stepSizeUp: 7, mode: "exp_range", gamma: 0.99 }),
  ChainedScheduler: (o) => new S.ChainedScheduler([new S.ConstantLR(o, { factor: 0.1, totalIters: 5 }), new S.ExponentialLR(o, 0.97)]),
  ReduceLROnPlateau: (o) => new S.ReduceLROnPlateau(o, { mode: "min", factor: 0.5, patience: 3, threshold: 0.01, cooldown: 2, minLr: 0.001 }),
  ReduceLROnPlateau_max_abs: (o) => new S.ReduceLROnPlateau(o, { mode: "max", factor: 0.3, patience: 2, threshold: 0.05, thresholdMode: "abs", minLr: [1e-3, 1e-4], eps: 1e-3 }),
};

const momentumOf = (o: optim.Optimizer) => o.paramGroups.map((g) => ("betas" in g ? g.betas[0] : g.momentum));

function drive(o: optim.Optimizer, s: Sched, plateau: boolean, from: number, to: number) {
  const lrs: number[][] = [], mom: number[][] = [];
  for (let t = from; t < to; t++) {
    o.step();
    if (plateau) s.step(F.metrics[t]); else s.step();
    lrs.push(o.paramGroups.map((g) => g.lr));
    mom.push(momentumOf(o));
  }
  return { lrs, mom };
}

// Python-only attribute left out on our side / ours in its place (PyTorch 2.x keeps the strategy name).
function comparable(sd: any): any {
  const o = { ...sd };
  delete o._anneal_func_type;
  if (o._schedulers) o._schedulers = o._schedulers.map(comparable);
  if (o.milestones) o.milestones = Object.fromEntries(Object.entries(o.milestones).map(([k, v]) => [String(k), v]));
  return o;
}

describe("lr_scheduler: sequences match PyTorch", () => {
  it("covers every fixture case", () => {
    expect(F.cases.map((c: any) => c.name).sort()).to.deep.equal(Object.keys(MAKE).sort());
  });

  for (const c of F.cases) {
    it(`${c.name}: ${F.steps}-step lr sequence, getLastLr and stateDict`, () => {
      const o = twoGroups(c.optimizer);
      const s = MAKE[c.name](o);
      const plateau = s instanceof S.ReduceLROnPlateau;
      const first = [o.paramGroups.map((g) => g.lr)], firstMom = [momentumOf(o)];
      const { lrs, mom } = drive(o, s, plateau, 0, F.steps);
      expectClose([...first, ...lrs], c.lrs, { rel: 1e-12 });
      expectClose([...firstMom, ...mom], c.momentum, { rel: 1e-12 });
      expectClose(s.getLastLr(), c.last_lr, { rel: 1e-12 });
      expectClose(comparable(s.stateDict()), dec(c.state_dict), { rel: 1e-12 });
    });

    it(`${c.name}: resumes from Python's mid-run state dicts`, () => {
      const o = twoGroups(c.optimizer);
      const s = MAKE[c.name](o);
      const plateau = s instanceof S.ReduceLROnPlateau;
      o.loadStateDict({ state: {}, param_groups: dec(c.mid.groups) });
      s.loadStateDict(dec(c.mid.sched));
      const half = F.steps / 2;
      const { lrs, mom } = drive(o, s, plateau, half, F.steps);
      expectClose(lrs, c.lrs.slice(half + 1), { rel: 1e-12 });
      expectClose(mom, c.momentum.slice(half + 1), { rel: 1e-12 });
    });
  }
});

describe("lr_scheduler: behaviour", () => {
  it("sets initial_lr in paramGroups and shows it as initial_lr in the optimizer's stateDict", () => {
    const o = twoGroups("SGD");
    new S.StepLR(o, 3);
    expect(o.paramGroups.map((g) => g.initialLr)).to.deep.equal([0.1, 0.05]);
    expect(o.stateDict().param_groups[1].initial_lr).to.equal(0.05);
  });

  it("takes PyTorch's positional arguments (StepLR(opt, 7, 0.5), ReduceLROnPlateau(opt, 'max', 0.5, 2))", () => {
    const lrs = (mk: (o: optim.Optimizer) => any, metric?: number[]) => {
      const o = twoGroups("SGD");
      const s = mk(o);
      const out: number[] = [];
      for (let i = 0; i < 12; i++) { metric ? s.step(metric[i]) : s.step(); out.push(o.paramGroups[1].lr); }
      return out;
    };
    expect(lrs((o) => new S.StepLR(o, 3, 0.5))).to.deep.equal(lrs((o) => new S.StepLR(o, 3, { gamma: 0.5 })));
    expect(lrs((o) => new S.MultiStepLR(o, [2, 5], 0.3))).to.deep.equal(lrs((o) => new S.MultiStepLR(o, [2, 5], { gamma: 0.3 })));
    expect(lrs((o) => new S.CosineAnnealingLR(o, 5, 0.01))).to.deep.equal(lrs((o) => new S.CosineAnnealingLR(o, 5, { etaMin: 0.01 })));
    expect(lrs((o) => new S.LinearLR(o, 0.5, 1.0, 4))).to.deep.equal(lrs((o) => new S.LinearLR(o, { startFactor: 0.5, totalIters: 4 })));
    expect(lrs((o) => new S.OneCycleLR(o, 1.0, null, 3, 4))).to.deep.equal(lrs((o) => new S.OneCycleLR(o, 1.0, { epochs: 3, stepsPerEpoch: 4 })));
    expect(lrs((o) => new S.CyclicLR(o, 0.01, 0.1, 3, 2, "triangular2"))).to.deep.equal(
      lrs((o) => new S.CyclicLR(o, 0.01, 0.1, { stepSizeUp: 3, stepSizeDown: 2, mode: "triangular2" })));
    const m = [1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3];
    const plateau = lrs((o) => new S.ReduceLROnPlateau(o, "max", 0.5, 1, 1e-4, "rel", 1), m);
    expect(plateau).to.deep.equal(lrs((o) => new S.ReduceLROnPlateau(o, { mode: "max", factor: 0.5, patience: 1, cooldown: 1 }), m));
    expect(plateau[11]).to.be.lessThan(0.05);
    expect(new S.ReduceLROnPlateau(twoGroups("SGD")).getLastLr()).to.deep.equal([0.1, 0.05]);  // before any step
    expect(() => new S.StepLR(twoGroups("SGD"), 3, 0.5, { gamma: 0.2 } as any)).to.throw(TypeError, /multiple values/);
  });

  it("resuming with lastEpoch requires initial_lr", () => {
    const o = twoGroups("SGD");
    expect(() => new S.StepLR(o, 3, { lastEpoch: 5 })).to.throw(/initial_lr/);
  });

  it("step(epoch) uses the closed form", () => {
    const o = twoGroups("SGD");
    const s = new S.StepLR(o, 3, { gamma: 0.5 });
    s.step(7);
    expect(s.getLastLr()).to.deep.equal([0.1 * 0.25, 0.05 * 0.25]);
    expect(s.lastEpoch).to.equal(7);
  });

  it("composes with an optimizer: the lr it writes is the one the step uses", () => {
    const w = torch.tensor([0, 0], { dtype: torch.float64, requiresGrad: true });
    const o = new optim.SGD([w], { lr: 1 });
    const s = new S.ExponentialLR(o, 0.5);
    for (let i = 0; i < 3; i++) {
      torch.tidy(() => { o.zeroGrad(); w.sum().backward(); o.step(); });
      s.step();
    }
    expect(w.toArray()).to.deep.equal([-1.75, -1.75]);  // 1 + 0.5 + 0.25
  });

  it("OneCycleLR refuses to step past totalSteps", () => {
    const o = twoGroups("SGD");
    const s = new S.OneCycleLR(o, 0.1, { totalSteps: 3 });
    s.step(); s.step(); s.step();
    expect(() => s.step()).to.throw(/Tried to step 5 times/);
  });

  it("ReduceLROnPlateau accepts a one-element tensor and validates options", () => {
    const o = twoGroups("SGD");
    const s = new S.ReduceLROnPlateau(o, { patience: 0, factor: 0.5 });
    const m = torch.tensor(1.0);
    s.step(m); s.step(m);
    expect(s.getLastLr()).to.deep.equal([0.05, 0.025]);
    m.dispose();
    expect(() => new S.ReduceLROnPlateau(o, { factor: 1.5 })).to.throw(/Factor/);
    expect(() => new S.ReduceLROnPlateau(o, { mode: "avg" as any })).to.throw(/unknown/);
  });
});
