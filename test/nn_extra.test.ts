// Recurrent layers, interpolation, InstanceNorm, parameter containers and attention against Python PyTorch
// (fixtures by scripts/fixtures/nn_extra.py).
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as torch from "../lib";
import { nn } from "../lib";
import { decode, decodeAll, expectClose, build } from "./nn_helpers";

const TOL = 1e-5;
function load(file: string): any { return JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "nn_extra", file), "utf8")); }

function flat(y: any): (torch.Tensor | null)[] {
  if (y === null || y === undefined || y instanceof torch.Tensor) return [y ?? null];
  return (y as any[]).flatMap(flat);
}
function exactState(m: nn.Module, want: Record<string, any>, where: string): void {
  const sd = m.stateDict();
  expect(Object.keys(sd), `${where}: stateDict keys`).to.deep.equal(Object.keys(want));
  for (const [k, v] of Object.entries(want)) expectClose(sd[k], v as any, 0, `${where}: ${k}`);
  torch.dispose(sd);
}
/** Worst |a-b| / max(1,|b|) seen per fixture group, for the report. */
export const worst: Record<string, number> = {};
function note(group: string, t: torch.Tensor, e: any): void {
  const got = Array.from(t.dataNumbers() as ArrayLike<number>);
  let w = 0;
  e.data.forEach((v: number, i: number) => { w = Math.max(w, Math.abs(got[i] - Math.fround(v))); });
  worst[group] = Math.max(worst[group] ?? 0, w);
}
function check(group: string, t: torch.Tensor | null | undefined, e: any, where: string): void {
  expectClose(t, e, TOL, where);
  note(group, t!, e);
}

/** Runs one module case: same seed → same initial state, then forward/backward in each mode against Python. */
export function runModuleCase(group: string, c: any): void {
  torch.manualSeed(c.seed);
  const m: nn.Module = build(c.js);
  if (c.exactInit) exactState(m, c.init, `${c.name} initial state (same seed as Python)`);
  else expect(Object.keys(m.stateDict())).to.deep.equal(Object.keys(c.init));
  const st = decodeAll(c.state);
  m.loadStateDict(st);
  torch.dispose(st);
  expect(m.toString(), `${c.name} repr`).to.equal(c.repr);
  const call = build(c.callJs);
  const inputs = c.inputs.map(decode);
  const grads = c.gradOutputs.map((g: any) => (g ? decode(g) : null));
  for (const r of c.runs) {
    torch.tidy(() => {
      m.train(r.mode === "train");
      const xs = inputs.map((x: torch.Tensor) => (x.dtype.isFloatingPoint ? x.clone().requiresGrad_(true) : x));
      torch.manualSeed(r.forwardSeed);
      const ys = flat(call(m, ...xs));
      const where = `${c.name} [${r.mode}]`;
      expect(ys.length, `${where} outputs`).to.equal(r.outputs.length);
      ys.forEach((y, i) => {
        if (r.outputs[i] === null) expect(y, `${where} output ${i}`).to.equal(null);
        else check(group, y, r.outputs[i], `${where} output ${i}`);
      });
      m.zeroGrad();
      const ts: torch.Tensor[] = [], gs: torch.Tensor[] = [];
      ys.forEach((y, i) => { if (y && y.requiresGrad) { ts.push(y); gs.push(grads[i]); } });
      if (ts.length) torch.autograd.backward(ts, gs);
      r.inputGrads.forEach((g: any, i: number) => { if (g) check(group, xs[i].grad, g, `${where} input ${i} grad`); });
      const params = Object.fromEntries(m.namedParameters());
      expect(Object.keys(params).filter((k) => params[k].grad !== null).sort(), `${where} params with grads`).to.deep.equal(Object.keys(r.paramGrads).sort());
      for (const [k, v] of Object.entries(r.paramGrads)) check(group, params[k].grad, v, `${where} grad ${k}`);
      const sd = m.stateDict();
      for (const [k, v] of Object.entries(r.stateAfter)) check(group, sd[k], v, `${where} state ${k}`);
    });
  }
  torch.dispose([...inputs, ...grads.filter((g: any) => g)]);
  m.dispose();
}

/** Runs one functional case: the call on the inputs, output and input gradients against Python. */
export function runFnCase(group: string, c: any): void {
  torch.tidy(() => {
    const xs = c.inputs.map((e: any) => { const x = decode(e); return x.dtype.isFloatingPoint ? x.requiresGrad_(true) : x; });
    const ys = flat(build(c.callJs)(...xs));
    expect(ys.length, `${c.name} outputs`).to.equal(c.outputs.length);
    ys.forEach((y, i) => check(group, y, c.outputs[i], `${c.name} output ${i}`));
    torch.autograd.backward(ys as torch.Tensor[], c.gradOutputs.map(decode));
    c.inputGrads.forEach((g: any, i: number) => { if (g) check(group, xs[i].grad, g, `${c.name} input ${i} grad`); });
  });
}

describe("nn recurrent layers match PyTorch (RNN, LSTM, GRU and cells)", () => {
  const fx = load("rnn.json");
  for (const c of fx.rnn) it(c.name, () => runModuleCase("rnn", c));

  it("an LSTM + Linear trained by SGD follows Python's losses, and liveTensors stays flat", () => {
    const t = fx.rnnTrain;
    torch.manualSeed(t.seed);
    const lstm = new nn.LSTM(3, 8, { numLayers: 2, batchFirst: true });
    const head = new nn.Linear(8, 1);
    const x = torch.randn([4, 7, 3]);
    const y = torch.randn([4, 1]);
    const params = [...lstm.parameters(), ...head.parameters()];
    const opt = new torch.optim.SGD(params, { lr: 0.1 });
    const losses: number[] = [];
    const live: number[] = [];
    for (let i = 0; i < t.losses.length; i++) {
      const loss = torch.tidy(() => {
        opt.zeroGrad();
        const [out] = lstm.forward(x);
        const l = nn.functional.mseLoss(head.forward(out.select(1, -1)), y);
        l.backward();
        opt.step();
        return l.item();
      });
      losses.push(loss);
      live.push(torch.memory().liveTensors);
    }
    losses.forEach((l, i) => expect(l, `step ${i}`).to.be.closeTo(t.losses[i], 1e-5 * Math.max(1, Math.abs(t.losses[i]))));
    expect(live.slice(1).every((n) => n === live[1]), `liveTensors per step: ${live}`).to.equal(true);
    lstm.dispose(); head.dispose(); x.dispose(); y.dispose();
  });

  it("parameter names and order are PyTorch's", () => {
    const m = new nn.LSTM(2, 3, { numLayers: 2, bidirectional: true, projSize: 2 });
    expect(m.namedParameters().map((e) => e[0])).to.deep.equal([
      "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0",
      "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse", "weight_hr_l0_reverse",
      "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1", "weight_hr_l1",
      "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse", "weight_hr_l1_reverse",
    ]);
    expect((m as any).weight_ih_l1.shape).to.deep.equal([12, 4]);
    m.dispose();
  });

  it("bad arguments raise PyTorch's errors", () => {
    expect(() => new nn.RNN(2, 3, { nonlinearity: "sigmoid" as any })).to.throw(/Unknown nonlinearity 'sigmoid'/);
    expect(() => new nn.LSTM(2, 3, { projSize: 3 })).to.throw(/proj_size has to be smaller than hidden_size/);
    expect(() => new nn.GRU(2, 3, { dropout: 2 })).to.throw(/dropout should be a number in range/);
    const m = new nn.GRU(2, 3);
    torch.tidy(() => {
      expect(() => m.forward(torch.randn([4, 2, 5]))).to.throw(/input.size\(-1\) must be equal to input_size. Expected 2, got 5/);
      expect(() => m.forward(torch.randn([4, 2, 2]), torch.randn([1, 3, 3]))).to.throw(/Expected hidden size \(1, 2, 3\), got \[1, 3, 3\]/);
    });
    m.dispose();
  });
});

describe("F.interpolate and nn.Upsample match PyTorch (values and input gradients)", () => {
  const fx = load("interpolate.json");
  for (const c of fx.functional) it(`interpolate ${c.name}`, () => runFnCase("interpolate", c));
  for (const c of fx.modules) it(c.name, () => runModuleCase("interpolate", c));

  it("argument errors as in PyTorch", () => {
    const F = nn.functional;
    torch.tidy(() => {
      const x = torch.randn([1, 2, 3, 3]);
      expect(() => F.interpolate(x, { size: 4, scaleFactor: 2 })).to.throw(/only one of size or scale_factor should be defined/);
      expect(() => F.interpolate(x)).to.throw(/either size or scale_factor should be defined/);
      expect(() => F.interpolate(x, { size: 4, alignCorners: true })).to.throw(/align_corners option can only be set with the interpolating modes/);
      expect(() => F.interpolate(x, { size: [4, 4, 4] })).to.throw(/Input and output must have the same number of spatial dimensions/);
      expect(() => F.interpolate(x, { size: 4, mode: "linear" })).to.throw(/Got 4D input, but linear mode needs 3D input/);
      expect(() => F.interpolate(x, { size: 4, mode: "nearest", antialias: true })).to.throw(/Anti-alias option is only supported for bilinear and bicubic modes/);
      expect(() => F.interpolate(x, { size: 4, recomputeScaleFactor: true })).to.throw(/recompute_scale_factor is not meaningful with an explicit size/);
    });
  });
});

after(() => { console.log("      worst abs diff vs Python:", JSON.stringify(worst)); });
