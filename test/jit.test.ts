// TorchScript: Python-traced torchvision resnet18 in torchts, torchts-traced modules in Python, argument and result
// types, fine-tuning a loaded module against the same in Python, forwardAsync (concurrency, event loop), tracing
// warnings, errors.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as torch from "../lib";
import { jit, Tensor, callOp } from "../lib";
import { py, pyJson, requirePython, tmpdir, rmrf, maxDiff, flat } from "./io_helpers";

// ---- small module-like classes (the nn.Module surface jit.trace needs) ----
class Linear {
  weight: Tensor; bias: Tensor;
  constructor(i: number, o: number) {
    this.weight = torch.keep(torch.randn([o, i]).mul(1 / Math.sqrt(i)).requiresGrad_(true));
    this.bias = torch.keep(torch.randn([o]).mul(0.1).requiresGrad_(true));
  }
  forward(x: Tensor): Tensor { return callOp("aten::linear", x, this.weight, this.bias); }
}
class Conv2d {
  weight: Tensor; bias: Tensor;
  constructor(i: number, o: number, readonly padding = 1) {
    this.weight = torch.keep(torch.randn([o, i, 3, 3]).mul(1 / Math.sqrt(9 * i)).requiresGrad_(true));
    this.bias = torch.keep(torch.zeros([o]).requiresGrad_(true));
  }
  forward(x: Tensor): Tensor { return callOp("aten::conv2d", x, this.weight, this.bias, [1, 1], [this.padding, this.padding]); }
}
class BatchNorm2d {
  weight: Tensor; bias: Tensor; running_mean: Tensor; running_var: Tensor; num_batches_tracked: Tensor;
  training = false;
  constructor(c: number) {
    this.weight = torch.keep(torch.rand([c]).add(0.5).requiresGrad_(true));
    this.bias = torch.keep(torch.randn([c]).mul(0.1).requiresGrad_(true));
    this.running_mean = torch.keep(torch.randn([c]).mul(0.1));
    this.running_var = torch.keep(torch.rand([c]).add(0.5));
    this.num_batches_tracked = torch.keep(torch.tensor(0, { dtype: torch.int64 }));
  }
  forward(x: Tensor): Tensor {
    return callOp("aten::batch_norm", x, this.weight, this.bias, this.running_mean, this.running_var, this.training, 0.1, 1e-5, false);
  }
}
class SmallCNN {
  training = false;
  conv1 = new Conv2d(3, 8); bn1 = new BatchNorm2d(8); conv2 = new Conv2d(8, 16); fc = new Linear(16, 5);
  namedModules(): [string, any][] { return [["", this], ["conv1", this.conv1], ["bn1", this.bn1], ["conv2", this.conv2], ["fc", this.fc]]; }
  namedParameters(): [string, Tensor][] {
    return [["conv1.weight", this.conv1.weight], ["conv1.bias", this.conv1.bias], ["bn1.weight", this.bn1.weight], ["bn1.bias", this.bn1.bias],
      ["conv2.weight", this.conv2.weight], ["conv2.bias", this.conv2.bias], ["fc.weight", this.fc.weight], ["fc.bias", this.fc.bias]];
  }
  namedBuffers(): [string, Tensor][] {
    return [["bn1.running_mean", this.bn1.running_mean], ["bn1.running_var", this.bn1.running_var], ["bn1.num_batches_tracked", this.bn1.num_batches_tracked]];
  }
  forward(x: Tensor): Tensor {
    let h = this.bn1.forward(this.conv1.forward(x)).relu();
    h = callOp("aten::max_pool2d", h, [2, 2]);
    h = this.conv2.forward(h).relu().mean([2, 3]);
    return this.fc.forward(h);
  }
}
class MLP {
  training = true;
  fc1 = new Linear(4, 16); fc2 = new Linear(16, 3);
  namedParameters(): [string, Tensor][] {
    return [["fc1.weight", this.fc1.weight], ["fc1.bias", this.fc1.bias], ["fc2.weight", this.fc2.weight], ["fc2.bias", this.fc2.bias]];
  }
  forward(x: Tensor): Tensor { return this.fc2.forward(this.fc1.forward(x).relu()); }
}

function captureWarnings<T>(fn: () => T): { result: T; warnings: string[] } {
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (...a: any[]) => { warnings.push(a.join(" ")); };
  try { return { result: fn(), warnings }; } finally { console.warn = warn; }
}

describe("jit", function () {
  let dir: string;
  before(() => { dir = tmpdir("jit"); });
  after(() => rmrf(dir));

  describe("Python-traced torchvision resnet18", function () {
    let ts: string, io: string;
    before(function () {
      requirePython(this, true);
      this.timeout(120000);
      ts = path.join(dir, "resnet18_ts.pt");
      io = path.join(dir, "resnet18_io.pt");
      py(`
import sys, torch, torchvision
torch.manual_seed(0)
m = torchvision.models.resnet18().eval()
x = torch.randn(2, 3, 64, 64)
t = torch.jit.trace(m, x)
t.save(sys.argv[1])
with torch.no_grad():
    torch.save({"x": x, "y": t(x), "x1": torch.randn(1, 3, 32, 32)}, sys.argv[2])
    d = torch.load(sys.argv[2]); d["y1"] = t(d["x1"]); torch.save(d, sys.argv[2])`, ts, io);
    });

    it("gives Python's outputs within 1e-5", () => {
      const m = jit.load(ts);
      const d = torch.load(io);
      const y = torch.noGrad(() => m.forward(d.x));
      expect(y.shape).to.deep.equal([2, 1000]);
      expect(maxDiff(y, d.y)).to.be.lessThan(1e-5);
      const y1 = torch.noGrad(() => m.forward(d.x1));  // another shape
      expect(maxDiff(y1, d.y1)).to.be.lessThan(1e-5);
    });

    it("exposes methods, parameters, buffers, children, modes and state", () => {
      const m = jit.load(ts, { device: "cpu" });
      expect(m.methodNames).to.deep.equal(["forward"]);
      expect(m.methodSchema()).to.match(/forward\(.* self, Tensor .*\) -> Tensor/);
      expect(m.typeName).to.match(/ResNet$/);
      const names = m.namedParameters().map((e) => e[0]);
      expect(names.length).to.equal(62);
      expect(names[0]).to.equal("conv1.weight");
      expect(names).to.include("layer1.0.conv1.weight");
      expect(m.parameters().every((p) => p.requiresGrad)).to.equal(true);
      expect(m.namedBuffers().map((e) => e[0])).to.include("bn1.running_mean");
      expect(m.namedChildren().map((e) => e[0])).to.deep.equal(["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "fc"]);
      expect(m.namedModules().map((e) => e[0])).to.include("layer2.0.downsample");
      expect(m.namedParameters({ recurse: false })).to.deep.equal([]);
      expect(m.training).to.equal(false);
      m.train();
      expect(m.training).to.equal(true);
      expect(m.children()[1].training).to.equal(true);
      m.eval();
      expect(m.children()[1].training).to.equal(false);
      const sd = m.stateDict();
      expect(Object.keys(sd).length).to.equal(62 + 60);
      expect(sd["fc.weight"].shape).to.deep.equal([1000, 512]);
      expect(m.parameters()[0]).to.equal(m.parameters()[0]);  // same handles each call
    });

    it("converts dtype in place, and saves a file that reloads with the same outputs", () => {
      const m = jit.load(ts);
      const d = torch.load(io);
      const p0 = m.parameters()[0];
      m.to(torch.float64);
      expect(p0.dtype).to.equal(torch.float64);  // the same Tensor objects follow the module
      const y = torch.noGrad(() => m.forward(d.x.double()));
      expect(y.dtype).to.equal(torch.float64);
      expect(maxDiff(y, d.y)).to.be.lessThan(1e-4);
      m.to(torch.float32);
      const f = path.join(dir, "resaved.pt");
      m.save(f);
      const m2 = jit.load(f);
      expect(maxDiff(torch.noGrad(() => m2.forward(d.x)), d.y)).to.be.lessThan(1e-5);
    });
  });

  it("traces a torchts CNN (with BatchNorm buffers) into a file Python runs with the same outputs", function () {
    requirePython(this);
    torch.manualSeed(0);
    const net = new SmallCNN();
    const x = torch.randn([2, 3, 16, 16]);
    const sm = jit.trace(net, [x]);
    expect(sm.namedParameters().map((e) => e[0])).to.deep.equal(net.namedParameters().map((e) => e[0]));
    expect(sm.namedBuffers().map((e) => e[0])).to.deep.equal(net.namedBuffers().map((e) => e[0]));
    expect(sm.training).to.equal(false);
    const y = torch.noGrad(() => net.forward(x));
    expect(maxDiff(torch.noGrad(() => sm.forward(x)), y)).to.equal(0);
    const x2 = torch.randn([5, 3, 20, 20]);
    const y2 = torch.noGrad(() => net.forward(x2));
    const f = path.join(dir, "cnn_ts.pt");
    const io = path.join(dir, "cnn_io.pt");
    sm.save(f);
    torch.save({ x, y, x2, y2 }, io);
    const got = pyJson(`
import sys, json, torch
m = torch.jit.load(sys.argv[1]); d = torch.load(sys.argv[2])
with torch.no_grad():
    e1 = (m(d["x"]) - d["y"]).abs().max().item(); e2 = (m(d["x2"]) - d["y2"]).abs().max().item()
print(json.dumps({"e1": e1, "e2": e2, "params": [n for n, _ in m.named_parameters()], "buffers": [n for n, _ in m.named_buffers()],
                  "training": m.training, "code": m.code}))`, f, io);
    expect(got.e1).to.be.lessThan(1e-5);
    expect(got.e2).to.be.lessThan(1e-5);
    expect(got.params).to.deep.equal(net.namedParameters().map((e) => e[0]));
    expect(got.buffers).to.deep.equal(net.namedBuffers().map((e) => e[0]));
    expect(got.training).to.equal(false);
    expect(got.code).to.match(/def forward\(self,\s*x: Tensor\)/);  // argument names come from forward(x)
  });

  it("traces an nn.Module subclass with a custom forward; Python runs the file with the same outputs", function () {
    requirePython(this);
    const { nn } = torch;
    class Net extends nn.Module {
      features = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2));
      head = new nn.Linear(8, 4);
      forward(x: Tensor): Tensor {
        const h = this.features.forward(x);
        return this.head.forward(h.mean([2, 3]));
      }
    }
    torch.manualSeed(3);
    const net = new Net();
    torch.tidy(() => { net.train(); net.forward(torch.randn([4, 3, 8, 8])); });  // running stats move away from 0/1
    net.eval();
    const x = torch.randn([2, 3, 8, 8]);
    const sm = jit.trace(net, x);
    const names = net.namedParameters().map((e) => e[0]);
    expect(sm.namedParameters().map((e) => e[0])).to.deep.equal(names);
    expect(sm.namedBuffers().map((e) => e[0])).to.deep.equal(net.namedBuffers().map((e) => e[0]));
    expect(sm.namedChildren().map((e) => e[0])).to.deep.equal(["features", "head"]);
    const y = torch.noGrad(() => net.forward(x));
    expect(maxDiff(torch.noGrad(() => sm.forward(x)), y)).to.equal(0);
    const f = path.join(dir, "nn_ts.pt"), io = path.join(dir, "nn_io.pt");
    sm.save(f);
    torch.save({ x, y, sd: net.stateDict() }, io);
    const got = pyJson(`
import sys, json, torch
m = torch.jit.load(sys.argv[1]); d = torch.load(sys.argv[2])
with torch.no_grad():
    err = (m(d["x"]) - d["y"]).abs().max().item()
same = all(torch.equal(v, m.state_dict()[k]) for k, v in d["sd"].items())
print(json.dumps({"err": err, "same": same, "names": [n for n, _ in m.named_parameters()], "orig": m.original_name,
                  "kids": [c.original_name for c in m.features.children()]}))`, f, io);
    expect(got.err).to.be.lessThan(1e-5);
    expect(got.same).to.equal(true);
    expect(got.names).to.deep.equal(names);
    expect(got.orig).to.equal("Net");
    expect(got.kids).to.deep.equal(["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d"]);
  });

  it("fine-tunes a TorchScript module with a torchts optimizer", function () {
    const { nn, optim } = torch;
    torch.manualSeed(4);
    const net = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 1));
    const sm = jit.trace(net, torch.randn([1, 4]));
    const opt = new optim.Adam(sm.parameters(), { lr: 0.05 });
    const x = torch.randn([64, 4]);
    const y = x.sum(1, true);
    const loss = () => torch.tidy(() => sm.forward(x).sub(y).pow(2).mean().item());
    const l0 = loss();
    for (let i = 0; i < 30; i++) torch.tidy(() => { opt.zeroGrad(); sm.forward(x).sub(y).pow(2).mean().backward(); opt.step(); });
    expect(loss()).to.be.lessThan(l0 / 4);
    expect(maxDiff(torch.noGrad(() => net.forward(x)), torch.noGrad(() => sm.forward(x)))).to.equal(0);  // one set of weights
  });

  it("traced modules alias the module's tensors (training the trace trains the module)", () => {
    torch.manualSeed(1);
    const net = new MLP();
    const x = torch.randn([8, 4]);
    const sm = jit.trace(net, x);
    expect(sm.training).to.equal(true);
    const [w] = sm.parameters();
    torch.noGrad(() => w.mul_(2));
    expect(maxDiff(w, net.fc1.weight)).to.equal(0);
    torch.noGrad(() => net.fc2.bias.add_(1));
    expect(maxDiff(torch.noGrad(() => sm.forward(x)), torch.noGrad(() => net.forward(x)))).to.equal(0);
    // gradients reach the module's own tensors
    torch.tidy(() => sm.forward(x).sum().backward());
    const g = net.fc1.weight.grad;
    expect(g).to.not.equal(null);
    g!.dispose();
    sm.zeroGrad();
    expect(net.fc1.weight.grad).to.equal(null);
  });

  it("traces plain functions and keeps tensor handles balanced", () => {
    const ex = [torch.ones([2]), torch.ones([2])];
    const before = torch.memory().liveTensors;
    const f = jit.trace(function addmul(a: Tensor, b: Tensor) { return [a.mul(b).add(1), a.sub(b)]; }, ex);
    expect(torch.memory().liveTensors).to.equal(before);
    const [p, q] = f.forward(torch.tensor([3, 4]), torch.tensor([2, 2]));
    expect(p.toArray()).to.deep.equal([7, 9]);
    expect(q.toArray()).to.deep.equal([1, 2]);
    expect(f.typeName).to.match(/addmul$/);
  });

  it("warns where tracing is unsound (values read during tracing, outputs that differ)", () => {
    const dataDep = {
      w: torch.ones([3]),
      namedParameters(): [string, Tensor][] { return [["w", this.w]]; },
      forward(x: Tensor): Tensor { return x.sum().item() > 0 ? x.mul(this.w) : x.sub(this.w); },
    };
    const { warnings } = captureWarnings(() => jit.trace(dataDep, [torch.ones([3])]));
    expect(warnings.join("\n")).to.match(/TracerWarning: Converting a tensor to a JS value \(item\(\)\)/);
    const random = { namedParameters: (): [string, Tensor][] => [], forward: (x: Tensor) => callOp("aten::dropout", x, 0.5, true) };
    const r = captureWarnings(() => jit.trace(random, [torch.ones([100])]));
    expect(r.warnings.join("\n")).to.match(/does not match/);
    const quiet = captureWarnings(() => jit.trace(random, [torch.ones([100])], { checkTrace: false }));
    expect(quiet.warnings).to.deep.equal([]);
    // dict outputs need strict: false, as in PyTorch
    const dictOut = (x: Tensor) => ({ a: x.mul(2) });
    expect(() => jit.trace(dictOut, [torch.ones([1])])).to.throw(/dict/);
    const d = jit.trace(dictOut, [torch.ones([1])], { strict: false });
    expect(d.forward(torch.ones([1])).a.toArray()).to.deep.equal([2]);
  });

  it("passes and returns tensors, numbers, strings, lists, tuples, dicts and None", () => {
    const m = jit.compile(`
def f(xs: List[Tensor], d: Dict[str, int], t: Tuple[int, str], o: Optional[Tensor], s: str, k: float, b: bool):
    total = xs[0] + xs[1]
    n = d["a"] + t[0]
    out: Dict[str, Tensor] = {"sum": total}
    return total, n, s + t[1], o, [n, n + 1], out, k * 2.0, not b, None

def g(x: Tensor, scale: float = 3.0) -> Tensor:
    return x * scale
`);
    expect(m.methodNames.sort()).to.deep.equal(["f", "g"]);
    const r = m.runMethod("f", [torch.ones([2]), torch.ones([2])], { a: 4 }, [1, "!"], null, "hi", 1.25, false);
    expect(r[0].toArray()).to.deep.equal([2, 2]);
    expect(r.slice(1, 5)).to.deep.equal([5, "hi!", null, [5, 6]]);
    expect(r[5].sum.toArray()).to.deep.equal([2, 2]);
    expect(r.slice(6)).to.deep.equal([2.5, true, null]);
    const r2 = m.runMethod("f", [torch.ones([1]), torch.ones([1])], { a: 1 }, [0, ""], torch.zeros([1]), "", 0, true);
    expect(r2[3].toArray()).to.deep.equal([0]);
    expect(m.runMethod("g", torch.ones([2])).toArray()).to.deep.equal([3, 3]);   // default argument
    expect(m.runMethod("g", torch.ones([2]), 0.5).toArray()).to.deep.equal([0.5, 0.5]);
    expect(() => m.runMethod("f", 1, 2, 3, 4, 5, 6, 7)).to.throw(TypeError, /argument 'xs' must be List\[Tensor\]/);
    expect(() => m.runMethod("g")).to.throw(TypeError, /missing argument 'x'/);
    expect(() => m.runMethod("h")).to.throw(/no function 'h'/);
    expect(() => jit.compile("def broken(x: Tensor) -> Tensor:\n    return x +")).to.throw();
  });

  it("runs methods of Python-scripted modules (runMethod, attributes, defaults)", function () {
    requirePython(this);
    const f = path.join(dir, "multi.pt");
    py(`
import sys, torch
from typing import Dict, List, Optional
class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(2, 2)
        self.name = "multi"
        self.k = 3
    def forward(self, x: torch.Tensor, extra: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        y = self.lin(x)
        if extra is not None:
            y = y + extra
        return {"y": y, "twice": y * 2}
    @torch.jit.export
    def describe(self, tags: List[str]) -> str:
        return self.name + ":" + ",".join(tags)
torch.jit.script(M()).save(sys.argv[1])`, f);
    const m = jit.load(f);
    expect(m.methodNames.sort()).to.deep.equal(["describe", "forward"]);
    expect(m.runMethod("describe", ["a", "b"])).to.equal("multi:a,b");
    expect(m.describe(["c"])).to.equal("multi:c");  // other methods by name, as in Python
    expect(m.noSuchMethod).to.equal(undefined);
    expect(m instanceof jit.ScriptModule).to.equal(true);
    expect(m.attr("name")).to.equal("multi");
    expect(m.attr("k")).to.equal(3);
    const x = torch.ones([1, 2]);
    const a = m.forward(x);
    const b = m.forward(x, torch.ones([1, 2]));
    expect(Object.keys(a)).to.deep.equal(["y", "twice"]);
    expect(maxDiff(b.y, a.y.add(1))).to.be.lessThan(1e-6);
    expect(maxDiff(a.twice, a.y.mul(2))).to.be.lessThan(1e-6);
  });

  it("fine-tunes a loaded module for 3 steps exactly as Python does", function () {
    requirePython(this);
    const ts = path.join(dir, "ft_ts.pt");
    const io = path.join(dir, "ft_io.pt");
    const ref = pyJson(`
import sys, json, torch
import torch.nn.functional as F
torch.manual_seed(0)
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(6, 16)
        self.fc2 = torch.nn.Linear(16, 3)
    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))
torch.jit.script(Net()).save(sys.argv[1])
x = torch.randn(32, 6); y = torch.randint(0, 3, (32,))
torch.save({"x": x, "y": y}, sys.argv[2])
m = torch.jit.load(sys.argv[1])
opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
losses = []
for step in range(3):
    loss = F.cross_entropy(m(x), y)
    opt.zero_grad(); loss.backward(); opt.step()
    losses.append(loss.item())
print(json.dumps({"losses": losses, "params": {n: p.flatten().tolist() for n, p in m.named_parameters()}}))`, ts, io);
    const m = jit.load(ts);
    const { x, y } = torch.load(io);
    const params = m.parameters();
    const bufs: (Tensor | null)[] = params.map(() => null);
    const losses: number[] = [];
    for (let step = 0; step < 3; step++) {
      torch.tidy(() => {
        const loss = callOp("aten::cross_entropy_loss", m.forward(x), y);
        m.zeroGrad();
        loss.backward();
        losses.push(loss.item());
        torch.noGrad(() => params.forEach((p, i) => {  // torch.optim.SGD with momentum, written with tensor ops
          const g = p.grad!;
          if (!bufs[i]) bufs[i] = torch.keep(g.clone());
          else bufs[i]!.mul_(0.9).add_(g);
          p.add_(bufs[i]!, { alpha: -0.1 });
        }));
      });
    }
    losses.forEach((l, i) => expect(l, `loss ${i}`).to.be.closeTo(ref.losses[i], 1e-6));
    expect(losses[2]).to.be.lessThan(losses[0]);
    for (const [n, p] of m.namedParameters()) {
      const want: number[] = ref.params[n];
      const got = flat(p);
      expect(Math.max(...got.map((v, i) => Math.abs(v - want[i]))), n).to.be.lessThan(1e-6);
    }
    bufs.forEach((b) => b?.dispose());
  });

  describe("forwardAsync", function () {
    it("runs 50 concurrent calls, all with correct results", async () => {
      torch.manualSeed(2);
      const net = new SmallCNN();
      const sm = jit.trace(net, [torch.randn([1, 3, 16, 16])]);
      const xs = Array.from({ length: 50 }, () => torch.randn([2, 3, 16, 16]));
      const want = xs.map((x) => torch.noGrad(() => sm.forward(x)));
      const got: Tensor[] = await torch.noGrad(() => Promise.all(xs.map((x) => sm.forwardAsync(x))));
      expect(got.length).to.equal(50);
      got.forEach((g, i) => expect(maxDiff(g, want[i]), `call ${i}`).to.be.lessThan(1e-5));
      // inputs disposed right after the call: they were captured when called
      const x = torch.randn([2, 3, 16, 16]);
      const w = torch.noGrad(() => sm.forward(x));
      const p = sm.forwardAsync(x);
      x.dispose();
      expect(maxDiff(await p, w)).to.be.lessThan(1e-5);
      torch.dispose([xs, want, got]);
    });

    it("keeps the event loop running during a long inference", async function () {
      this.timeout(60000);
      const m = jit.compile(`
def forward(x: Tensor, n: int) -> Tensor:
    for i in range(n):
        x = torch.tanh(torch.mm(x, x)) * 0.5
    return x
`);
      const x = torch.randn([256, 256]).mul(0.05);
      for (let i = 0; i < 3; i++) m.forward(x, 2);  // the profiling executor's first runs are slow (libtorch 2.x)
      const t0 = Date.now();
      m.forward(x, 20);
      const per = Math.max(1, (Date.now() - t0) / 20);
      const n = Math.max(20, Math.ceil(800 / per));  // about 0.8 s of work
      let ticks = 0;
      const timer = setInterval(() => { ticks++; }, 10);
      const start = Date.now();
      const y = await m.forwardAsync(x, n);
      const took = Date.now() - start;
      clearInterval(timer);
      expect(y.shape).to.deep.equal([256, 256]);
      expect(took).to.be.greaterThan(300);
      expect(ticks, `${ticks} ticks in ${took} ms`).to.be.greaterThan(took / 10 / 3);
      expect(maxDiff(y, m.forward(x, n))).to.be.lessThan(1e-5);
    });

    it("rejects with a TorchError when the method fails", async () => {
      const m = jit.compile("def forward(x: Tensor) -> Tensor:\n    return torch.mm(x, x)\n");
      let err: any = null;
      try { await m.forwardAsync(torch.ones([2, 3])); } catch (e) { err = e; }
      expect(err).to.be.instanceOf(torch.TorchError);
      expect(err.message).to.match(/mat1 and mat2 shapes cannot be multiplied|size mismatch|shapes/);
    });
  });

  it("gives clear errors for missing and corrupt files", () => {
    expect(() => jit.load(path.join(dir, "nope.pt"))).to.throw(/jit\.load\('.*nope\.pt'\): no such file/);
    const bad = path.join(dir, "bad_ts.pt");
    fs.writeFileSync(bad, Buffer.from("definitely not a TorchScript archive"));
    expect(() => jit.load(bad)).to.throw(/jit\.load\('.*bad_ts\.pt'\)/);
    const sd = path.join(dir, "plain.pt");
    torch.save({ a: torch.ones([1]) }, sd);
    expect(() => jit.load(sd)).to.throw(/jit\.load\('.*plain\.pt'\)/);
  });
});
