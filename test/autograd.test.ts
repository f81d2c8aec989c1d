// Autograd: gradients compared with PyTorch (test/fixtures/ops/grads.json), graph retention, grad modes, autograd.grad.
import { expect } from "chai";
import * as torch from "../lib";
import { Tensor } from "../lib";
import { loadFixture, decode, expectMatches } from "./helpers";

const S = torch.slice;
const f64 = { dtype: torch.float64 };
// The functions of scripts/fixtures/ops.py's gradient cases.
const FNS: Record<string, (x: Tensor[]) => Tensor> = {
  add_broadcast: ([a, b]) => a.add(b), mul: ([a, b]) => a.mul(b), div: ([a, b]) => a.div(b), matmul: ([a, b]) => a.matmul(b),
  exp: ([a]) => a.exp(), log: ([a]) => a.log(), tanh: ([a]) => a.tanh(), sigmoid: ([a]) => a.sigmoid(), relu: ([a]) => a.relu(),
  pow: ([a]) => a.pow(3), sqrt: ([a]) => a.sqrt(), sum_dim: ([a]) => a.sum(1), mean: ([a]) => a.mean(0, true),
  softmax: ([a]) => a.softmax(1), log_softmax: ([a]) => a.logSoftmax(1), max_dim: ([a]) => a.max(1)[0],
  index_select_view: ([a]) => a.index([S(), S(1, 3)]).reshape(-1), gather: ([a, i]) => a.gather(1, i),
  where: ([a, b]) => torch.where(a.gt(0), a, b), norm: ([a]) => a.norm(2, 1), cat: ([a, b]) => torch.cat([a, b], 1),
};

describe("gradients vs PyTorch (test/fixtures/ops/grads.json)", () => {
  const fixture = loadFixture("ops", "grads.json");
  it("has at least 15 gradient cases, each with a torchts function", () => {
    expect(fixture.cases.length).to.be.at.least(15);
    expect(fixture.cases.filter((c: any) => !FNS[c.name]).map((c: any) => c.name)).to.deep.equal([]);
  });
  for (const c of fixture.cases) {
    it(c.name, () => {
      torch.tidy(() => {
        const inputs = c.inputs.map((e: any) => { const t = decode(e); return t.isFloatingPoint() ? t.requiresGrad_(true) : t; });
        const out = FNS[c.name](inputs);
        expectMatches(out, c.output, 1e-10, "output");
        out.mul(decode(c.weight)).sum().backward();
        c.grads.forEach((g: any, i: number) => expectMatches(g === null ? null : inputs[i].grad, g, 1e-10, `grad[${i}]`));
      });
    });
  }
});

describe("autograd", () => {
  it("requiresGrad option, requiresGrad_, isLeaf, gradFn, detach", () => {
    const w = torch.tensor([1, 2, 3], { ...f64, requiresGrad: true });
    expect(w.requiresGrad).to.equal(true);
    expect(w.isLeaf).to.equal(true);
    const y = w.mul(w);
    expect(y.requiresGrad).to.equal(true);
    expect(y.isLeaf).to.equal(false);
    expect(y.gradFn).to.match(/MulBackward0/);
    const d = y.detach();
    expect(d.requiresGrad).to.equal(false);
    expect(d.gradFn).to.equal(null);
    const v = torch.ones([2]);
    expect(v.requiresGrad).to.equal(false);
    expect(v.requiresGrad_()).to.equal(v);
    expect(v.requiresGrad).to.equal(true);
    v.requiresGrad_(false);
    expect(v.requiresGrad).to.equal(false);
    expect(() => y.requiresGrad_(false)).to.throw(torch.TorchError, /requires_grad flags of leaf/);
  });

  it("backward accumulates into grad; grad is null before", () => {
    const w = torch.tensor([1, 2, 3], { ...f64, requiresGrad: true });
    expect(w.grad).to.equal(null);
    w.mul(w).sum().backward();
    expect(w.grad!.toArray()).to.deep.equal([2, 4, 6]);
    w.mul(3).sum().backward();
    expect(w.grad!.toArray()).to.deep.equal([5, 7, 9]);
    w.grad = null;
    expect(w.grad).to.equal(null);
  });

  it("backward(gradient) for a non-scalar output", () => {
    const w = torch.tensor([1, 2], { ...f64, requiresGrad: true });
    const y = w.mul(w);
    expect(() => y.backward()).to.throw(torch.TorchError, /scalar outputs/);
    y.backward(torch.tensor([1, 10], f64));
    expect(w.grad!.toArray()).to.deep.equal([2, 40]);
  });

  it("retainGraph: a second backward fails without it and works with it", () => {
    const w = torch.tensor([3], { ...f64, requiresGrad: true });
    const y = w.exp().sum();
    y.backward(null, { retainGraph: true });
    y.backward();
    expect(w.grad!.item()).to.be.closeTo(2 * Math.exp(3), 1e-9);
    expect(() => y.backward()).to.throw(torch.TorchError, /backward through the graph a second time/);
  });

  it("noGrad, enableGrad, setGradEnabled, isGradEnabled", () => {
    const w = torch.ones([2], { requiresGrad: true });
    expect(torch.isGradEnabled()).to.equal(true);
    const y = torch.noGrad(() => {
      expect(torch.isGradEnabled()).to.equal(false);
      const inner = torch.enableGrad(() => { expect(torch.isGradEnabled()).to.equal(true); return w.mul(2); });
      expect(inner.requiresGrad).to.equal(true);
      return w.mul(2);
    });
    expect(y.requiresGrad).to.equal(false);
    expect(torch.isGradEnabled()).to.equal(true);
    expect(() => torch.noGrad(() => { throw new Error("boom"); })).to.throw("boom");
    expect(torch.isGradEnabled(), "restored after a throw").to.equal(true);
    torch.setGradEnabled(false);
    expect(w.mul(2).requiresGrad).to.equal(false);
    torch.setGradEnabled(true);
  });

  it("inferenceMode", () => {
    const w = torch.ones([2], { requiresGrad: true });
    const y = torch.inferenceMode(() => {
      expect(torch.isInferenceModeEnabled()).to.equal(true);
      expect(torch.isGradEnabled()).to.equal(false);
      return w.mul(2).add(1);
    });
    expect(torch.isInferenceModeEnabled()).to.equal(false);
    expect(y.requiresGrad).to.equal(false);
    expect(y.toArray()).to.deep.equal([3, 3]);
    expect(() => torch.inferenceMode(() => { throw new Error("x"); })).to.throw("x");
    expect(torch.isInferenceModeEnabled()).to.equal(false);
  });

  it("autograd.grad with gradOutputs and retainGraph", () => {
    const x = torch.tensor([1, 2], { ...f64, requiresGrad: true });
    const y = x.pow(2);
    const [g] = torch.autograd.grad([y], [x], { gradOutputs: [torch.tensor([1, 1], f64)], retainGraph: true });
    expect(g!.toArray()).to.deep.equal([2, 4]);
    const [g2] = torch.autograd.grad(y.sum(), x);
    expect(g2!.toArray()).to.deep.equal([2, 4]);
    expect(x.grad, "autograd.grad does not accumulate").to.equal(null);
    const z = torch.tensor([1], { ...f64, requiresGrad: true });
    const [gz, gu] = torch.autograd.grad(z.mul(2).sum(), [z, x], { allowUnused: true });
    expect(gz!.item()).to.equal(2);
    expect(gu).to.equal(null);
  });

  it("autograd.grad with createGraph gives a second derivative", () => {
    const x = torch.tensor([0.5, 2], { ...f64, requiresGrad: true });
    const y = x.pow(3).sum();                          // y' = 3x^2, y'' = 6x
    const [dy] = torch.autograd.grad(y, x, { createGraph: true });
    expect(dy!.requiresGrad).to.equal(true);
    expect(dy!.toArray()).to.deep.equal([0.75, 12]);
    const [d2] = torch.autograd.grad(dy!.sum(), x);
    expect(d2!.toArray()).to.deep.equal([3, 12]);
    const s = torch.tensor([0.3], { ...f64, requiresGrad: true });   // sin'' = -sin
    const [ds] = torch.autograd.grad(s.sin().sum(), s, { createGraph: true });
    ds!.sum().backward();
    expect(s.grad!.item()).to.be.closeTo(-Math.sin(0.3), 1e-12);
  });

  it("retainGrad keeps a non-leaf gradient; grad of a disposed tensor throws", () => {
    const x = torch.ones([2], { requiresGrad: true });
    const h = x.mul(3);
    h.retainGrad();
    h.sum().backward();
    expect(h.grad!.toArray()).to.deep.equal([1, 1]);
    expect(x.grad!.toArray()).to.deep.equal([3, 3]);
    x.dispose();
    expect(() => x.grad).to.throw(/disposed/);
  });

  // Python: y = x*x; y.register_hook(lambda g: g*2); x.register_hook(seen.append); (y*3).sum().backward() -> x.grad [12, 24]
  it("registerHook: hooks see and replace gradients, remove() unregisters, errors end backward cleanly", () => {
    const before = torch.memory().liveTensors;
    torch.tidy(() => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const seen: number[][] = [];
      const y = x.mul(x);
      y.registerHook((g) => g.mul(2));
      const hx = x.registerHook((g) => { seen.push(g.toArray()); });
      y.mul(3).sum().backward();
      expect(x.grad!.toArray()).to.deep.equal([12, 24]);
      expect(seen).to.deep.equal([[12, 24]]);
      hx.remove();
      x.grad = null;
      x.mul(x).mul(3).sum().backward();
      expect(x.grad!.toArray()).to.deep.equal([6, 12]);
      expect(seen.length).to.equal(1);
      const w = torch.tensor([1], { requiresGrad: true });
      w.registerHook(() => { throw new Error("boom"); });
      expect(() => w.mul(2).sum().backward()).to.throw(/boom/);
      const v = torch.tensor([1], { requiresGrad: true });
      v.registerHook(() => 5 as any);
      expect(() => v.mul(2).sum().backward()).to.throw(torch.TorchError, /must return a Tensor/);
      expect(() => torch.tensor([1.5]).registerHook((g) => g)).to.throw(torch.TorchError, /doesn't require gradient/);
      expect(() => x.registerHook(5 as any)).to.throw(TypeError, /hook/);
    });
    expect(torch.memory().liveTensors).to.equal(before);
  });
  it("registerHook: the gradient, the hook's temporaries and its result are freed each call (no tidy needed)", () => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    const kept: torch.Tensor[] = [];
    x.registerHook((g) => { if (!kept.length) kept.push(torch.keep(g)); return g.mul(3).add(1); });
    const step = () => { const l = torch.tidy(() => x.mul(2).sum()); l.backward(); l.dispose(); };   // backward outside tidy
    step();
    const before = torch.memory().liveTensors;
    for (let i = 0; i < 5; i++) step();
    expect(torch.memory().liveTensors).to.equal(before);
    expect(x.grad!.toArray()).to.deep.equal([42, 42]);   // 6 steps of 2*3+1
    expect(kept[0].toArray()).to.deep.equal([2, 2]);     // a kept gradient stays usable
    kept[0].dispose();
  });
  it("registerHook: a hook is let go with its tensor or graph node (no growth in a loop that registers hooks)", () => {
    const { native } = require("../lib/native");
    const w = torch.tensor([1, 2], { requiresGrad: true });
    const base = native.LiveHooks();
    for (let i = 0; i < 20; i++) {
      torch.tidy(() => {
        const h = w.mul(2);
        h.registerHook((g) => g.mul(0.5));
        h.sum().backward();
      });
    }
    expect(w.grad!.toArray()).to.deep.equal([20, 20]);
    expect(native.LiveHooks()).to.equal(base);
    const kept = w.registerHook(() => undefined);
    expect(native.LiveHooks()).to.equal(base + 1);
    kept.remove();
    expect(native.LiveHooks()).to.equal(base);
  });
});
