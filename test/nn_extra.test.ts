// Recurrent layers, interpolation, InstanceNorm, parameter containers and attention against Python PyTorch
// (fixtures by scripts/fixtures/nn_extra.py).
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as torch from "../lib";
import { nn } from "../lib";
import { decode as decodeFinite, expectClose, build, Enc } from "./nn_helpers";

const TOL = 1e-5;
function load(file: string): any { return JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "nn_extra", file), "utf8")); }

/** nn_helpers' decode, plus the strings "inf", "-inf" and "nan" the fixtures use for non-finite values. */
function decode(e: Enc): torch.Tensor {
  if (e.dtype !== "float32" || !e.data.some((v) => typeof v === "string")) return decodeFinite(e);
  const nonFinite: Record<string, number> = { inf: Infinity, "-inf": -Infinity, nan: NaN };
  return decodeFinite({ ...e, data: e.data.map((v) => (typeof v === "string" ? nonFinite[v] : v)) });
}
function decodeAll(m: Record<string, Enc>): Record<string, torch.Tensor> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, decode(v)]));
}
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

  it("on CUDA (cuDNN, flattened weights) an LSTM and a GRU give the CPU's outputs and gradients", function () {
    if (!torch.cuda.isAvailable()) this.skip();
    for (const make of [() => new nn.LSTM(4, 6, { numLayers: 2, bidirectional: true, batchFirst: true }), () => new nn.GRU(4, 6, { numLayers: 2 })]) {
      torch.manualSeed(1);
      const cpu = make();
      torch.manualSeed(1);
      const gpu = make().cuda();
      torch.tidy(() => {
        const x = torch.randn([3, 5, 4]);
        const run = (m: nn.Module, xx: torch.Tensor) => {
          const xi = xx.clone().requiresGrad_(true);
          const [out] = m.forward(xi);
          out.pow(2).sum().backward();
          return [out.cpu(), xi.grad!.cpu(), ...m.parameters().map((p) => p.grad!.cpu())];
        };
        const a = run(cpu, x), b = run(gpu, x.cuda());
        a.forEach((t, i) => expect(t.sub(b[i]).abs().max().item(), `tensor ${i}`).to.be.below(1e-4));
      });
      cpu.dispose(); gpu.dispose();
    }
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

describe("padding, pixel shuffle, distances, Bilinear and more activations match PyTorch", () => {
  const fx = load("more_layers.json");
  for (const c of fx.modules) it(c.name, () => runModuleCase("more", c));
  for (const c of fx.functional) it(`F.${c.name}`, () => runFnCase("more", c));
  it("padding takes an int or one pair per padded dim", () => {
    expect(new nn.ReplicationPad1d(2).padding).to.deep.equal([2, 2]);
    expect(() => new nn.ZeroPad2d([1, 2, 3])).to.throw(TypeError, /4 ints/);
  });
});

after(() => { console.log("      worst abs diff vs Python:", JSON.stringify(worst)); });

describe("InstanceNorm, MultiheadAttention and the Transformer encoder match PyTorch", () => {
  const fx = load("norm_attn.json");
  for (const c of fx.norm) it(c.name, () => runModuleCase("instancenorm", c));
  for (const c of fx.attn) it(c.name, () => runModuleCase("attention", c));

  it("a TransformerEncoder's layers are copies: equal, but separate parameters", () => {
    const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 }), 2);
    const p0 = enc.getParameter("layers.0.linear1.weight"), p1 = enc.getParameter("layers.1.linear1.weight");
    expect(p0).to.not.equal(p1);
    expect(p0.equal(p1)).to.equal(true);
    expect(enc.parameters().length).to.equal(2 * 12);
    enc.dispose();
  });
});

describe("the Transformer decoder and nn.Transformer match PyTorch", () => {
  const fx = load("decoder.json");
  // each case: same seed → same initial weights and stateDict keys as Python, repr, then eval and train (dropout 0
  // except the *_dropout cases) outputs, input and parameter gradients within 1e-5
  for (const c of fx.decoder) it(c.name, () => runModuleCase("decoder", c));

  it("nn.Transformer from the same manualSeed has Python's weights (xavierUniform_ reset), keys and repr", () => {
    const s = fx.extras.seeded;
    torch.manualSeed(s.seed);
    const m = new nn.Transformer({ dModel: 16, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 3, dimFeedforward: 24 });
    exactState(m, s.state, "Transformer(16, 4, 2, 3, 24) seeded");
    expect(m.toString()).to.equal(s.repr);
    m.dispose();
  });

  it("default nn.Transformer() has PyTorch's stateDict keys", () => {
    const m = new nn.Transformer();
    const sd = m.stateDict();
    expect(Object.keys(sd)).to.deep.equal(fx.extras.defaultKeys);
    torch.dispose(sd);
    m.dispose();
  });

  it("generateSquareSubsequentMask is PyTorch's float -inf/0 causal mask", () => {
    const m = nn.Transformer.generateSquareSubsequentMask(4);
    expect(m.dtype.name).to.equal("float32");
    expect(m.shape).to.deep.equal([4, 4]);
    expect(Array.from(m.dataNumbers() as ArrayLike<number>)).to.deep.equal(fx.extras.squareMask.data.map((v: any) => (v === "-inf" ? -Infinity : v)));
    m.dispose();
  });

  it("a TransformerDecoder's layers are copies: equal, but separate parameters; a norm module may be passed directly", () => {
    const dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 8 }), 2, new nn.LayerNorm(4));
    const p0 = dec.getParameter("layers.0.linear1.weight"), p1 = dec.getParameter("layers.1.linear1.weight");
    expect(p0).to.not.equal(p1);
    expect(p0.equal(p1)).to.equal(true);
    expect(dec.parameters().length).to.equal(2 * 18 + 2);
    dec.dispose();
  });

  it("a causal Transformer's output at position i does not depend on later targets", () => {
    torch.manualSeed(5);
    const m = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 2, dimFeedforward: 16, batchFirst: true });
    m.eval();
    torch.tidy(() => {
      const src = torch.randn([2, 5, 8]), tgt = torch.randn([2, 4, 8]);
      const mask = nn.Transformer.generateSquareSubsequentMask(4);
      const a = m.forward(src, tgt, { tgtMask: mask });
      const tgt2 = tgt.clone();
      torch.noGrad(() => tgt2.select(1, 3).fill_(7));
      const b = m.forward(src, tgt2, { tgtMask: mask });
      expect(a.narrow(1, 0, 3).sub(b.narrow(1, 0, 3)).abs().max().item()).to.be.lessThan(1e-6);
      expect(a.select(1, 3).sub(b.select(1, 3)).abs().max().item()).to.be.greaterThan(1e-3);
    });
    m.dispose();
  });

  it("nn.Transformer rejects mismatched batch and feature sizes", () => {
    const m = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 8 });
    torch.tidy(() => {
      expect(() => m.forward(torch.randn([5, 2, 8]), torch.randn([4, 3, 8]))).to.throw(/batch number/);
      expect(() => m.forward(torch.randn([5, 2, 8]), torch.randn([4, 2, 6]))).to.throw(/d_model/);
    });
    m.dispose();
  });
});

describe("training loops keep torch.memory().liveTensors flat", () => {
  it("TransformerEncoder (dropout on) + GRU + InstanceNorm1d + interpolate, with SGD", () => {
    torch.manualSeed(3);
    const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }), 2, { norm: new nn.LayerNorm(8) });
    const gru = new nn.GRU(8, 8, { batchFirst: true, numLayers: 2, dropout: 0.2 });
    const inorm = new nn.InstanceNorm1d(8, { affine: true });
    const params = [...enc.parameters(), ...gru.parameters(), ...inorm.parameters()];
    const opt = new torch.optim.SGD(params, { lr: 0.01 });
    const x = torch.randn([2, 5, 8]);
    const mask = torch.rand([2, 5]).lt(0.2);
    const live: number[] = [];
    for (let i = 0; i < 4; i++) {
      torch.tidy(() => {
        opt.zeroGrad();
        const h = enc.forward(x, { srcKeyPaddingMask: mask });
        const [o] = gru.forward(h);
        const u = nn.functional.interpolate(inorm.forward(o.transpose(1, 2)), { scaleFactor: 2, mode: "linear" });
        const loss = u.pow(2).mean();
        loss.backward();
        opt.step();
      });
      live.push(torch.memory().liveTensors);
    }
    expect(live.slice(1).every((n) => n === live[1]), `liveTensors per step: ${live}`).to.equal(true);
    enc.dispose(); gru.dispose(); inorm.dispose(); x.dispose(); mask.dispose();
  });
  it("nn.Transformer (dropout on, causal mask, key padding) with Adam", () => {
    torch.manualSeed(4);
    const m = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 2, dimFeedforward: 16, batchFirst: true });
    const opt = new torch.optim.Adam(m.parameters(), { lr: 0.001 });
    const src = torch.randn([2, 5, 8]), tgt = torch.randn([2, 4, 8]);
    const tm = nn.Transformer.generateSquareSubsequentMask(4), kpm = torch.rand([2, 5]).lt(0.2);
    const live: number[] = [];
    for (let i = 0; i < 4; i++) {
      torch.tidy(() => {
        opt.zeroGrad();
        const loss = m.forward(src, tgt, { tgtMask: tm, srcKeyPaddingMask: kpm, memoryKeyPaddingMask: kpm }).pow(2).mean();
        loss.backward();
        opt.step();
      });
      live.push(torch.memory().liveTensors);
    }
    expect(live.slice(1).every((n) => n === live[1]), `liveTensors per step: ${live}`).to.equal(true);
    m.dispose(); torch.dispose([src, tgt, tm, kpm]);
  });
});

describe("nn.ParameterList and nn.ParameterDict", () => {
  const fx = load("norm_attn.json").params;
  function make(): { net: nn.Module; pl: nn.ParameterList; pd: nn.ParameterDict } {
    torch.manualSeed(7);
    const pl = new nn.ParameterList([new nn.Parameter(torch.randn([3, 4])), torch.randn([2])]);
    const pd = new nn.ParameterDict({ b: new nn.Parameter(torch.randn([3])), a: torch.randn([2, 2]) });
    class Net extends nn.Module {
      pl = pl;
      pd = pd;
      lin = new nn.Linear(2, 2);
    }
    return { net: new Net(), pl, pd };
  }
  it("register with PyTorch's names (\"0\", \"1\", keys in dict order) and print like PyTorch", () => {
    const { net, pl, pd } = make();
    expect(Object.keys(net.stateDict())).to.deep.equal(fx.netKeys);
    expect(net.namedParameters().map((e) => e[0])).to.deep.equal(fx.netParams);
    expect(net.parameters().map((p) => p.requiresGrad)).to.deep.equal(fx.requiresGrad);
    expect(pl.toString()).to.equal(fx.listRepr);
    expect(pd.toString()).to.equal(fx.dictRepr);
    expect(new nn.ParameterList().toString()).to.equal(fx.emptyList);
    net.dispose();
  });
  it("list and dict operations", () => {
    const { net, pl, pd } = make();
    expect(pl.length).to.equal(2);
    expect(pl.at(-1).shape).to.deep.equal([2]);
    pl.append(torch.zeros([5]));
    expect([...pl].map((p) => p.shape[0])).to.deep.equal([3, 2, 5]);
    expect(pd.keys()).to.deep.equal(["a", "b"]);
    const b = pd.get("b");
    pd.set("b", torch.ones([3]));
    expect(pd.keys(), "replacing keeps the position").to.deep.equal(["a", "b"]);
    expect(pd.get("b")).to.not.equal(b);
    pd.set("c", torch.ones([1]));
    expect([...pd]).to.deep.equal(["a", "b", "c"]);
    expect(pd.pop("a").shape).to.deep.equal([2, 2]);
    expect(pd.has("a")).to.equal(false);
    expect(Object.keys(net.stateDict())).to.deep.equal(["pl.0", "pl.1", "pl.2", "pd.b", "pd.c", "lin.weight", "lin.bias"]);
    expect(() => pd.get("zz")).to.throw(/KeyError/);
    net.dispose();
  });
});

describe("nn.utils.rnn (PackedSequence, pad/pack) and packed input to RNN/LSTM/GRU match PyTorch", () => {
  const fx = load("packed.json");
  const R = nn.utils.rnn;
  function checkPacked(p: nn.utils.rnn.PackedSequence, e: any, where: string): void {
    expect(p).to.be.instanceOf(R.PackedSequence);
    check("packed", p.data, e.data, `${where} data`);
    expectClose(p.batchSizes, e.batchSizes, 0, `${where} batchSizes`);
    expect(p.batchSizes.device, `${where} batchSizes device`).to.equal("cpu");
    for (const k of ["sortedIndices", "unsortedIndices"] as const) {
      if (e[k] === null) expect(p[k], `${where} ${k}`).to.equal(null);
      else expectClose(p[k], e[k], 0, `${where} ${k}`);
    }
  }

  for (const c of fx.pack) {
    it(`pad / pack / unpack round trip: ${c.name}`, () => {
      const live = torch.memory().liveTensors;
      torch.tidy(() => {
        const seqs: torch.Tensor[] = c.sequences.map(decode);
        const padded = R.padSequence(seqs, { batchFirst: c.batchFirst, paddingValue: c.paddingValue });
        check("packed", padded, c.padded, `${c.name} padSequence`);
        const x = padded.clone().requiresGrad_(true);
        const lengthsArg = c.enforceSorted ? c.lengths : torch.tensor(c.lengths, { dtype: torch.int64 });
        const packed = R.packPaddedSequence(x, lengthsArg, { batchFirst: c.batchFirst, enforceSorted: c.enforceSorted });
        checkPacked(packed, c.packed, `${c.name} packPaddedSequence`);
        packed.data.backward(decode(c.gradData));
        check("packed", x.grad, c.paddedGrad, `${c.name} padded grad`);
        const [unpadded, lens] = R.padPackedSequence(packed, { batchFirst: c.batchFirst, paddingValue: c.paddingValue, totalLength: c.totalLength });
        check("packed", unpadded, c.unpacked[0], `${c.name} padPackedSequence`);
        expectClose(lens, c.unpacked[1], 0, `${c.name} padPackedSequence lengths`);
        const ps = R.packSequence(seqs, { enforceSorted: c.enforceSorted });
        checkPacked(ps, c.packSequence, `${c.name} packSequence`);
        const back = R.unpackSequence(ps);
        expect(back.length).to.equal(c.unpackSequence.length);
        back.forEach((t, i) => check("packed", t, c.unpackSequence[i], `${c.name} unpackSequence ${i}`));
        // a PackedSequence returned from tidy keeps its tensors; dispose() frees them
        const kept = torch.tidy(() => R.packSequence(seqs, { enforceSorted: c.enforceSorted }));
        expect(kept.data.isDisposed).to.equal(false);
        kept.dispose();
        expect(kept.data.isDisposed).to.equal(true);
      });
      expect(torch.memory().liveTensors, "liveTensors after tidy").to.equal(live);
    });
  }

  for (const c of fx.rnn) {
    it(`${c.name}: packed unsorted variable-length batch, outputs, h_n/c_n and gradients`, () => {
      const live = torch.memory().liveTensors;
      const m: nn.Module = build(c.js);
      const st = decodeAll(c.state);
      m.loadStateDict(st);
      torch.dispose(st);
      m.eval();
      torch.tidy(() => {
        const x = decode(c.input).requiresGrad_(true);
        const hs: torch.Tensor[] = c.hx.map((h: Enc) => decode(h).requiresGrad_(true));
        const packed = R.packPaddedSequence(x, c.lengths, { batchFirst: c.batchFirst, enforceSorted: false });
        const isLstm = m instanceof nn.LSTM;
        const hx = hs.length ? (isLstm ? [hs[0], hs[1]] : hs[0]) : null;
        const [y, hn] = (m as any).forward(packed, hx);
        const hidden: torch.Tensor[] = isLstm ? hn : [hn];
        checkPacked(y, c.output, `${c.name} output`);
        expect(hidden.length).to.equal(c.hidden.length);
        hidden.forEach((h, i) => check("packedRnn", h, c.hidden[i], `${c.name} hidden ${i}`));
        const [padOut, outLens] = R.padPackedSequence(y, { batchFirst: c.batchFirst });
        check("packedRnn", padOut, c.paddedOutput, `${c.name} padded output`);
        expectClose(outLens, c.outLengths, 0, `${c.name} output lengths`);
        m.zeroGrad();
        torch.autograd.backward([y.data, ...hidden], c.gradOutputs.map(decode));
        check("packedRnn", x.grad, c.inputGrad, `${c.name} input grad`);
        hs.forEach((h, i) => check("packedRnn", h.grad, c.hxGrads[i], `${c.name} hx ${i} grad`));
        const params = Object.fromEntries(m.namedParameters());
        expect(Object.keys(params).sort()).to.deep.equal(Object.keys(c.paramGrads).sort());
        for (const [k, v] of Object.entries(c.paramGrads)) check("packedRnn", params[k].grad, v, `${c.name} grad ${k}`);
        m.zeroGrad();
      });
      m.dispose();
      expect(torch.memory().liveTensors, "liveTensors after the case").to.equal(live);
    });
  }

  it("bad arguments raise PyTorch's errors", () => {
    const e = fx.errors;
    const esc = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    torch.tidy(() => {
      expect(() => R.packSequence([torch.randn([2, 3]), torch.randn([4, 3])])).to.throw(esc(e.unsorted));
      expect(() => R.packPaddedSequence(torch.randn([4, 3, 2]), [2, 4, 3])).to.throw(esc(e.unsortedPadded));
      const p = R.packSequence([torch.randn([4, 3]), torch.randn([2, 3])]);
      expect(() => R.padPackedSequence(p, { totalLength: 3 })).to.throw(esc(e.totalLength));
      const lstm = new nn.LSTM(3, 4), gru = new nn.GRU(3, 4);
      expect(() => lstm.forward(R.packSequence([torch.randn([4, 3, 1]), torch.randn([2, 3, 1])]))).to.throw(esc(e.dims));
      expect(() => gru.forward(p, torch.zeros([1, 3, 4]))).to.throw(esc(e.hidden));
      lstm.dispose(); gru.dispose();
      expect(() => new R.PackedSequence(torch.zeros([2, 3]), torch.tensor([1, 1]), null).data).to.not.throw();
    });
  });
});
