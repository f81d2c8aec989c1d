// nn.Module behaviour: registration, traversal, modes, conversion, state dicts, hooks, containers, memory.
import { expect } from "chai";
import * as torch from "../lib";
import { nn, Tensor } from "../lib";

class Block extends nn.Module {
  conv = new nn.Conv2d(2, 3, 3, { padding: 1 });
  scale = new nn.Parameter(torch.ones([3]));
  bn = new nn.BatchNorm2d(3);
  constructor() {
    super();
    this.registerBuffer("steps", torch.zeros([1]));
    this.registerModule("extra", new nn.ReLU());
    this.registerParameter("late", new nn.Parameter(torch.zeros([2])));
  }
  forward(x: Tensor): Tensor {
    return torch.tidy(() => this.extra.forward(this.bn.forward(this.conv.forward(x)).mul(this.scale.view([1, 3, 1, 1]))));
  }
  declare extra: nn.ReLU;
}

describe("nn.Module registration and traversal", () => {
  it("fields register in field order, registerX calls after them, buffers in registration order", () => {
    const b = new Block();
    expect(b.namedParameters().map((e) => e[0])).to.deep.equal(
      ["scale", "late", "conv.weight", "conv.bias", "bn.weight", "bn.bias"]);
    expect(Object.keys(b.stateDict())).to.deep.equal([
      "scale", "late", "steps", "conv.weight", "conv.bias", "bn.weight", "bn.bias",
      "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]);
    expect(b.namedBuffers().map((e) => e[0])).to.deep.equal(["steps", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]);
    expect(b.namedChildren().map((e) => e[0])).to.deep.equal(["conv", "bn", "extra"]);
    expect(b.namedModules().map((e) => e[0])).to.deep.equal(["", "conv", "bn", "extra"]);
    expect(b.children()).to.have.length(3);
    expect(b.modules()[0]).to.equal(b);
    expect(b.parameters()).to.have.length(6);
    expect(b.buffers()).to.have.length(4);
    expect(b.getSubmodule("bn")).to.equal(b.bn);
    expect(b.getParameter("conv.weight")).to.equal(b.conv.weight);
  });

  it("fields assigned in the constructor body and later assignments are seen; reassignment keeps the position", () => {
    class Net extends nn.Module {
      a: nn.Linear;
      b: nn.Linear;
      constructor() { super(); this.a = new nn.Linear(2, 3); this.b = new nn.Linear(3, 1); }
    }
    const n = new Net();
    expect(n.namedParameters().map((e) => e[0])).to.deep.equal(["a.weight", "a.bias", "b.weight", "b.bias"]);
    n.a = new nn.Linear(2, 3, { bias: false });
    (n as any).c = new nn.Tanh();
    expect(n.namedParameters().map((e) => e[0])).to.deep.equal(["a.weight", "b.weight", "b.bias"]);
    expect(n.namedChildren().map((e) => e[0])).to.deep.equal(["a", "b", "c"]);
    expect(() => { (n as any).a = torch.zeros([1]); }).to.throw(TypeError, /child module 'a'/);
  });

  it("shared parameters and modules are listed once; null parameters are skipped", () => {
    const l = new nn.Linear(2, 2, { bias: false });
    const s = new nn.Sequential(l, new nn.ReLU(), l);
    expect(s.parameters()).to.have.length(1);
    expect(s.modules()).to.have.length(3);
    expect(Object.keys(s.stateDict())).to.deep.equal(["0.weight", "2.weight"]);
    expect(l.bias).to.equal(null);
  });

  it("rejects bad names and kinds", () => {
    const m = new nn.Module();
    expect(() => m.registerParameter("a.b", null)).to.throw(/can't contain/);
    expect(() => m.registerBuffer("x", 3 as any)).to.throw(TypeError);
    expect(() => m.registerParameter("w", torch.zeros([1]) as any)).to.throw(TypeError, /nn.Parameter/);
    expect(() => m.registerModule("forward", new nn.ReLU())).to.throw(/already exists/);
    expect(() => new nn.Module().forward()).to.throw(/missing the required "forward"/);
  });

  it("non-persistent buffers are left out of stateDict", () => {
    const m = new nn.Module();
    m.registerBuffer("a", torch.ones([2]), { persistent: false });
    m.registerBuffer("b", torch.ones([2]));
    expect(m.buffers()).to.have.length(2);
    expect(Object.keys(m.stateDict())).to.deep.equal(["b"]);
  });

  it("parameters, buffers and stateDict entries are never freed by tidy", () => {
    const m = torch.tidy(() => new Block());
    expect(m.parameters().every((p) => !p.isDisposed)).to.equal(true);
    expect(m.buffers().every((b) => !b.isDisposed)).to.equal(true);
    const before = torch.memory().liveTensors;
    torch.tidy(() => { m.stateDict(); m.forward(torch.randn([2, 2, 4, 4])); });
    expect(torch.memory().liveTensors).to.equal(before);
  });
});

describe("nn.Module modes and bulk operations", () => {
  it("train(), eval() and training are recursive; Dropout and BatchNorm obey them", () => {
    const s = new nn.Sequential(new nn.Linear(4, 4), new nn.BatchNorm1d(4), new nn.Dropout(0.5));
    expect(s.training).to.equal(true);
    s.eval();
    expect(s.modules().every((m) => !m.training)).to.equal(true);
    const x = torch.randn([8, 4]);
    const bn = s.at(1) as nn.BatchNorm1d;
    const rm = bn.runningMean!.toArray();
    const y1 = s.forward(x), y2 = s.forward(x);
    expect(y1.toArray()).to.deep.equal(y2.toArray());        // eval: deterministic
    expect(bn.runningMean!.toArray()).to.deep.equal(rm);     // eval: stats untouched
    expect(bn.numBatchesTracked!.item()).to.equal(0);
    s.train();
    expect(s.modules().every((m) => m.training)).to.equal(true);
    s.forward(x);
    expect(bn.numBatchesTracked!.item()).to.equal(1);
    expect(bn.numBatchesTracked!.dtype).to.equal(torch.int64);
    expect(bn.runningMean!.toArray()).to.not.deep.equal(rm);
    s.train(false);
    expect(s.training).to.equal(false);
  });

  it("zeroGrad({ setToNone }), requiresGrad_ and apply", () => {
    const l = new nn.Linear(3, 2);
    l.forward(torch.randn([4, 3])).sum().backward();
    expect(l.weight.grad).to.not.equal(null);
    l.zeroGrad({ setToNone: false });
    const g = l.weight.grad!;
    expect(g.eq(0).all().item()).to.equal(true);
    l.zeroGrad();
    expect(l.weight.grad).to.equal(null);
    l.requiresGrad_(false);
    expect(l.parameters().every((p) => !p.requiresGrad)).to.equal(true);
    const seen: string[] = [];
    new nn.Sequential(new nn.ReLU(), new nn.Tanh()).apply((m) => seen.push(m._getName()));
    expect(seen).to.deep.equal(["ReLU", "Tanh", "Sequential"]);
  });

  it("to(dtype) converts floating parameters in place (same Parameter objects) and keeps int64 buffers", () => {
    const s = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2));
    const w = (s.at(0) as nn.Conv2d).weight;
    s.to(torch.float64);
    expect((s.at(0) as nn.Conv2d).weight).to.equal(w);
    expect(w.dtype).to.equal(torch.float64);
    expect(w.requiresGrad).to.equal(true);
    const bn = s.at(1) as nn.BatchNorm2d;
    expect(bn.runningMean!.dtype).to.equal(torch.float64);
    expect(bn.numBatchesTracked!.dtype).to.equal(torch.int64);
    expect(s.forward(torch.randn([1, 1, 5, 5], { dtype: torch.float64 })).dtype).to.equal(torch.float64);
    s.to({ memoryFormat: torch.channelsLast });
    expect(w.isContiguous({ memoryFormat: torch.channelsLast })).to.equal(true);
    s.to("cpu").float();
    expect(w.dtype).to.equal(torch.float32);
    expect(() => s.to(torch.int32)).to.throw(/floating point/);
  });
});

describe("stateDict and loadStateDict", () => {
  it("round-trips; returns missing and unexpected keys; strict throws; shape mismatch names the key", () => {
    torch.manualSeed(1);
    const a = new Block();
    torch.manualSeed(2);
    const b = new Block();
    const sd = a.stateDict();
    expect(b.loadStateDict(sd)).to.deep.equal({ missingKeys: [], unexpectedKeys: [] });
    expect(b.conv.weight.equal(a.conv.weight)).to.equal(true);

    const partial: Record<string, Tensor> = { ...sd, extra_key: torch.zeros([1]) };
    delete partial["bn.weight"];
    expect(() => b.loadStateDict(partial)).to.throw(/Missing key\(s\) in state_dict: "bn.weight"[\s\S]*Unexpected key\(s\) in state_dict: "extra_key"/);
    expect(b.loadStateDict(partial, { strict: false })).to.deep.equal({ missingKeys: ["bn.weight"], unexpectedKeys: ["extra_key"] });

    const bad = { ...sd, "conv.weight": torch.zeros([3, 2, 5, 5]) };
    expect(() => b.loadStateDict(bad, { strict: false })).to.throw(/size mismatch for conv.weight: copying a param with shape torch.Size\(\[3, 2, 5, 5\]\)/);
    const m = new Map(Object.entries(sd));
    expect(b.loadStateDict(m).missingKeys).to.deep.equal([]);
  });

  it("a BatchNorm state dict without num_batches_tracked loads (counter reset to 0, as PyTorch)", () => {
    const bn = new nn.BatchNorm1d(3);
    bn.forward(torch.randn([4, 3]));
    const sd = bn.stateDict();
    delete sd["num_batches_tracked"];
    expect(bn.loadStateDict(sd)).to.deep.equal({ missingKeys: [], unexpectedKeys: [] });
    expect(bn.numBatchesTracked!.item()).to.equal(0);
  });

  it("stateDict values are detached handles sharing storage; keepVars gives the parameters", () => {
    const l = new nn.Linear(2, 2);
    const sd = l.stateDict();
    expect(sd.weight.requiresGrad).to.equal(false);
    sd.weight.fill_(3);
    expect(l.weight.toArray()).to.deep.equal([[3, 3], [3, 3]]);
    expect(l.stateDict({ keepVars: true }).weight).to.equal(l.weight);
  });
});

describe("hooks", () => {
  it("forward pre-hooks and hooks run, may replace args/output, and are removable", () => {
    const l = new nn.Linear(2, 2);
    const calls: string[] = [];
    const h1 = l.registerForwardPreHook((_m, args) => { calls.push("pre"); return [args[0].mul(0)]; });
    const h2 = l.registerForwardHook((_m, _a, out) => { calls.push("post"); return out.add(1); });
    const y = l.forward(torch.ones([1, 2]));
    expect(calls).to.deep.equal(["pre", "post"]);
    const b = l.bias!.add(1).toArray();
    expect(y.toArray()[0].map((v: number) => Math.round(v * 1e6))).to.deep.equal(b.map((v: number) => Math.round(v * 1e6)));
    h1.remove(); h2.remove();
    expect(Object.prototype.hasOwnProperty.call(l, "forward")).to.equal(false);
  });
});

describe("containers", () => {
  it("Sequential: positional and named, indexing, append/insert/slice", () => {
    const s = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
    expect(s.length).to.equal(2);
    expect(s.at(-1)).to.be.instanceOf(nn.ReLU);
    expect((s as any)[0]).to.equal(s.at(0));
    s.append(new nn.Linear(3, 1));
    s.insert(1, new nn.Tanh());
    expect(s.children().map((m) => m._getName())).to.deep.equal(["Linear", "Tanh", "ReLU", "Linear"]);
    expect(Object.keys(s.stateDict())).to.deep.equal(["0.weight", "0.bias", "3.weight", "3.bias"]);
    expect(s.slice(1, 3).length).to.equal(2);
    const named = new nn.Sequential({ fc: new nn.Linear(2, 2), act: new nn.GELU() });
    expect(Object.keys(named.stateDict())).to.deep.equal(["fc.weight", "fc.bias"]);
    expect([...named].length).to.equal(2);
  });

  it("Sequential set/pop/delete and ModuleList delete follow PyTorch (seq[i] = m, seq.pop(i), del seq[i] renumbers)", () => {
    const s = new nn.Sequential(new Map<string, nn.Module>([["a", new nn.ReLU()], ["b", new nn.Tanh()], ["c", new nn.Sigmoid()]]));
    s.set(1, new nn.GELU());
    expect([...s._modules.keys()]).to.deep.equal(["a", "b", "c"]);
    expect(s.at(1)).to.be.instanceOf(nn.GELU);
    expect(s.pop(0)).to.be.instanceOf(nn.ReLU);
    expect([...s._modules.keys()]).to.deep.equal(["0", "1"]);
    s.delete(-1);
    expect(s.toString()).to.equal("Sequential(\n  (0): GELU(approximate='none')\n)");
    const typed: nn.Module = s[0];  // numeric index typed as a Module
    expect(typed).to.equal(s.at(0));
    expect(() => s.pop(3)).to.throw(RangeError);
    const l = new nn.ModuleList([new nn.ReLU(), new nn.Tanh(), new nn.Sigmoid()]);
    l.delete(0);
    expect(l.toString()).to.equal("ModuleList(\n  (0): Tanh()\n  (1): Sigmoid()\n)");
    expect(l[1]).to.be.instanceOf(nn.Sigmoid);
  });

  it("seq[i], seq[-1] and seq[i] = m index by position as in Python (named Sequentials and ModuleList too)", () => {
    const s = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));
    expect(s[-1]).to.equal(s.at(2));
    expect(s[3]).to.equal(undefined);
    s[-1] = new nn.Linear(3, 5);  // transfer learning: model.classifier[-1] = nn.Linear(..., classes)
    expect(Object.keys(s.stateDict())).to.deep.equal(["0.weight", "0.bias", "2.weight", "2.bias"]);
    expect((s[2] as nn.Linear).outFeatures).to.equal(5);
    expect(() => { s[5] = new nn.ReLU(); }).to.throw(RangeError);
    expect(() => { (s as any)[0] = 3; }).to.throw(TypeError);
    const named = new nn.Sequential({ fc: new nn.Linear(2, 2), act: new nn.GELU() });
    expect(named[0]).to.equal(named.get(0));
    named[1] = new nn.Tanh();
    expect([...named._modules.keys()]).to.deep.equal(["fc", "act"]);
    expect((named as any).act).to.be.instanceOf(nn.Tanh);
    const l = new nn.ModuleList([new nn.ReLU(), new nn.Tanh()]);
    expect(l[-1]).to.be.instanceOf(nn.Tanh);
    l[-2] = new nn.Sigmoid();
    expect(l.toString()).to.equal("ModuleList(\n  (0): Sigmoid()\n  (1): Tanh()\n)");
    expect(s).to.be.instanceOf(nn.Sequential);
    expect(s.modules()[0]).to.equal(s);
  });

  it("ModuleList and ModuleDict", () => {
    const l = new nn.ModuleList([new nn.Linear(1, 1), new nn.ReLU()]);
    l.append(new nn.Tanh());
    l.insert(0, new nn.Sigmoid());
    expect([...l].map((m) => m._getName())).to.deep.equal(["Sigmoid", "Linear", "ReLU", "Tanh"]);
    expect(l.pop(0)._getName()).to.equal("Sigmoid");
    expect(Object.keys(l.stateDict())).to.deep.equal(["0.weight", "0.bias"]);
    const d = new nn.ModuleDict({ b: new nn.Linear(1, 2), a: new nn.ReLU() });
    d.set("10", new nn.Linear(2, 1));
    expect(d.keys()).to.deep.equal(["b", "a", "10"]);
    expect(Object.keys(d.stateDict())).to.deep.equal(["b.weight", "b.bias", "10.weight", "10.bias"]);
    expect(d.get("a")).to.be.instanceOf(nn.ReLU);
    d.pop("b");
    expect(d.keys()).to.deep.equal(["a", "10"]);
  });

  it("a Sequential of built-in layers gives the same values and gradients fused and layer by layer", () => {
    torch.manualSeed(3);
    const s = new nn.Sequential(new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU({ inplace: true }),
      new nn.MaxPool2d(2), new nn.Dropout(0.5), new nn.Flatten(), new nn.Linear(16, 3));
    const x = torch.randn([2, 2, 4, 4]);
    const run = (fused: boolean) => {
      nn.Sequential.nativeForward = fused;
      try {
        torch.manualSeed(9);
        s.zeroGrad();
        const y = s.forward(x);
        y.sum().backward();
        return [y.toArray(), (s.at(0) as nn.Conv2d).weight.grad!.toArray()];
      } finally { nn.Sequential.nativeForward = true; }
    };
    expect(run(true)).to.deep.equal(run(false));
  });

  it("a Sequential mixing built-in and custom layers runs both", () => {
    class Double extends nn.Module { forward(x: Tensor) { return x.mul(2); } }
    const s = new nn.Sequential(new nn.Linear(2, 2), new Double(), new nn.ReLU(), new nn.Identity());
    const x = torch.randn([3, 2]);
    const l = s.at(0) as nn.Linear;
    const want = l.forward(x).mul(2).relu().toArray();
    expect(s.forward(x).toArray()).to.deep.equal(want);
    expect(new nn.Sequential(new nn.Identity()).forward(x)).to.equal(x);
  });
});

describe("errors", () => {
  it("BatchNorm checks input dims and batch size like PyTorch", () => {
    expect(() => new nn.BatchNorm2d(3).forward(torch.randn([2, 3]))).to.throw(/expected 4D input \(got 2D input\)/);
    expect(() => new nn.BatchNorm1d(3).forward(torch.randn([1, 3]))).to.throw(/Expected more than 1 value per channel when training/);
    expect(new nn.BatchNorm1d(3).eval().forward(torch.randn([1, 3])).shape).to.deep.equal([1, 3]);
  });
  it("layer argument checks", () => {
    expect(() => new nn.Conv2d(3, 4, 3, { groups: 2 })).to.throw(/in_channels must be divisible by groups/);
    expect(() => new nn.Conv2d(3, 4, 3, { padding: "same", stride: 2 })).to.throw(/strided/);
    expect(() => new nn.Dropout(1.5)).to.throw(/between 0 and 1/);
    expect(() => new nn.Linear(3, 2).forward(torch.randn([2, 4]))).to.throw(torch.TorchError);
    expect(() => new nn.Linear(3, 2).forward(3 as any)).to.throw(TypeError);
  });
});

describe("PyTorch's positional constructor arguments", () => {
  // Each layer built positionally, as ported code writes it, prints as Python prints the same call.
  it("layers take their optional arguments positionally, in PyTorch's order", () => {
    const cases: [nn.Module, string][] = [
      [new nn.Linear(3, 4, false), "Linear(in_features=3, out_features=4, bias=False)"],  // nn.Linear(3, 4, False)
      [new nn.Conv2d(3, 8, 3, 2, 1), "Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))"],
      [new nn.Conv2d(4, 8, 3, 1, "same", 2, 2, false, "reflect"),
        "Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), padding=same, dilation=(2, 2), groups=2, bias=False, padding_mode=reflect)"],
      [new nn.Conv1d(2, 4, 3, 1, 1, { bias: false }), "Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=(1,), bias=False)"],
      [new nn.ConvTranspose2d(4, 2, 3, 2, 1, 1), "ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))"],
      [new nn.MaxPool2d(3, 2), "MaxPool2d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=False)"],
      [new nn.MaxPool2d(3, 2, 1, 1, false, true), "MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=True)"],
      [new nn.MaxPool2d(2, null, 1), "MaxPool2d(kernel_size=2, stride=2, padding=1, dilation=1, ceil_mode=False)"],
      [new nn.AvgPool2d(3, 2, 1), "AvgPool2d(kernel_size=3, stride=2, padding=1)"],
      [new nn.BatchNorm2d(3, 1e-3, null, false), "BatchNorm2d(3, eps=0.001, momentum=None, affine=False, track_running_stats=True)"],
      [new nn.LayerNorm(4, 1e-6, false), "LayerNorm((4,), eps=1e-06, elementwise_affine=False)"],
      [new nn.GroupNorm(2, 4, 1e-3, false), "GroupNorm(2, 4, eps=0.001, affine=False)"],
      [new nn.Embedding(10, 3, 0, 1.5), "Embedding(10, 3, padding_idx=0, max_norm=1.5)"],
    ];
    for (const [m, py] of cases) expect(m.toString()).to.equal(py);
    const ap = new nn.AvgPool2d(2, null, 0, true, false, 3);
    expect([ap.stride, ap.ceilMode, ap.countIncludePad, ap.divisorOverride]).to.deep.equal([2, true, false, 3]);
    expect(new nn.MaxPool2d(3, 2).forward(torch.zeros([1, 1, 7, 7])).shape).to.deep.equal([1, 1, 3, 3]);
    const pre = nn.Embedding.fromPretrained(torch.ones([4, 2]), false, 1);  // from_pretrained(w, False, 1): trainable, padding_idx 1
    expect([pre.weight.requiresGrad, pre.paddingIdx]).to.deep.equal([true, 1]);
    expect(nn.Embedding.fromPretrained(torch.ones([4, 2])).weight.requiresGrad).to.equal(false);
  });
  it("recurrent, attention, transformer, instance-norm and activation layers too", () => {
    const cases: [nn.Module, string][] = [
      [new nn.LSTM(3, 4, 2, false, true, 0.5, true, 2), "LSTM(3, 4, proj_size=2, num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)"],
      [new nn.GRU(3, 4, 2, true, true), "GRU(3, 4, num_layers=2, batch_first=True)"],
      [new nn.RNN(3, 4, 2, "relu", false), "RNN(3, 4, num_layers=2, bias=False)"],  // PyTorch 2's order (nonlinearity is not printed)
      [new nn.RNN(3, 4, 2, false, true), "RNN(3, 4, num_layers=2, bias=False, batch_first=True)"],  // 1.13's
      [new nn.LSTMCell(3, 4, false), "LSTMCell(3, 4, bias=False)"],
      [new nn.RNNCell(3, 4, true, "relu"), "RNNCell(3, 4, nonlinearity=relu)"],
      [new nn.Hardtanh(-2, 2), "Hardtanh(min_val=-2.0, max_val=2.0)"],
      [new nn.Softplus(2, 10), "Softplus(beta=2, threshold=10)"],
      [new nn.PReLU(3, 0.1), "PReLU(num_parameters=3)"],
      [new nn.InstanceNorm2d(3, 1e-3, 0.2, true), "InstanceNorm2d(3, eps=0.001, momentum=0.2, affine=True, track_running_stats=False)"],
    ];
    for (const [m, py] of cases) expect(m.toString()).to.equal(py);
    expect([(cases[2][0] as nn.RNN).nonlinearity, (cases[3][0] as nn.RNN).nonlinearity]).to.deep.equal(["relu", "tanh"]);
    expect((new nn.PReLU(3, 0.1).weight.toArray() as number[]).map((v) => v.toFixed(4))).to.deep.equal(["0.1000", "0.1000", "0.1000"]);
    const mha = new nn.MultiheadAttention(8, 2, 0.1, false, false, false, null, null, true);
    expect([mha.dropout, mha.batchFirst, mha.in_proj_bias]).to.deep.equal([0.1, true, null]);
    const l = new nn.TransformerEncoderLayer(8, 2, 16, 0.0, "gelu", 1e-6, true, true);
    expect([l.linear1.toString(), l.dropout.p, l.norm1.eps, l.normFirst, l.self_attn.batchFirst]).to.deep.equal(
      ["Linear(in_features=8, out_features=16, bias=True)", 0, 1e-6, true, true]);
  });

  it("nn.Bilinear: PyTorch's initialisation, forward, input gradient and print (values from PyTorch 1.13)", () => {
    torch.manualSeed(0);
    const m = new nn.Bilinear(2, 3, 2);
    expect(m.toString()).to.equal("Bilinear(in1_features=2, in2_features=3, out_features=2, bias=True)");
    const close = (t: Tensor, want: number[]) => (t.flatten().toArray() as number[]).forEach((v, i) => expect(v).to.be.closeTo(want[i], 1e-5));
    close(m.weight, [-0.005294, 0.379323, -0.581981, -0.520387, -0.272345, 0.189616, -0.01401, 0.560658, -0.062752, 0.187109, -0.213697, -0.138993]);
    close(m.bias!, [-0.675533, -0.468304]);
    const x1 = torch.tensor([[1, -2]], { dtype: torch.float32, requiresGrad: true });
    const y = m.forward(x1, torch.tensor([[0.5, 1, -1]], { dtype: torch.float32 }));
    close(y, [1.727433, 0.110399]);
    y.sum().backward();
    close(x1.grad!, [1.575061, -0.703304]);
    expect(new nn.Bilinear(2, 3, 2, false).bias).to.equal(null);
  });

  it("nn.init.kaimingNormal_/kaimingUniform_ take (a, mode, nonlinearity) positionally", () => {
    const draw = (f: (w: Tensor) => void) => { torch.manualSeed(0); const w = torch.empty([4, 3]); f(w); return w.toArray(); };
    expect(draw((w) => nn.init.kaimingNormal_(w, 0, "fan_out", "relu"))).to.deep.equal(draw((w) => nn.init.kaimingNormal_(w, { mode: "fan_out", nonlinearity: "relu" })));
    expect(draw((w) => nn.init.kaimingUniform_(w, 0.2, "fan_out"))).to.deep.equal(draw((w) => nn.init.kaimingUniform_(w, { a: 0.2, mode: "fan_out" })));
    expect(draw((w) => nn.init.kaimingNormal_(w, 0, "fan_out"))).to.not.deep.equal(draw((w) => nn.init.kaimingNormal_(w)));
  });
  it("an option given twice or arguments after the options object throw a TypeError", () => {
    expect(() => new nn.Conv2d(3, 8, 3, 2, { stride: 1 } as any)).to.throw(TypeError, /multiple values for option 'stride'/);
    expect(() => new (nn.Linear as any)(3, 4, { bias: false }, true)).to.throw(TypeError, /last argument/);
    expect(() => new (nn.Linear as any)(3, 4, false, true)).to.throw(TypeError, /at most 1 optional positional/);
  });
});

describe("memory", () => {
  it("a training loop inside tidy keeps liveTensors constant", () => {
    const model = new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(8, 3));
    const lossFn = new nn.CrossEntropyLoss();
    const x = torch.randn([16, 4]);
    const t = torch.randint(0, 3, [16]);
    const step = () => torch.tidy(() => {
      model.zeroGrad();
      const loss = lossFn.forward(model.forward(x), t);
      loss.backward();
      nn.utils.clipGradNorm_(model.parameters(), 1.0).dispose();
      return loss.item();
    });
    step();
    const before = torch.memory().liveTensors;
    for (let i = 0; i < 5; i++) step();
    expect(torch.memory().liveTensors).to.equal(before);
  });
});

describe("nn.utils", () => {
  it("clipGradNorm_ and clipGradValue_", () => {
    const p = new nn.Parameter(torch.zeros([4]));
    p.grad = torch.tensor([3, 4, 0, 0], { dtype: torch.float32 });
    const n = nn.utils.clipGradNorm_([p], 1.0);
    expect(n.item()).to.be.closeTo(5, 1e-6);
    expect(p.grad!.norm().item()).to.be.closeTo(1, 1e-5);
    p.grad = torch.tensor([3, -4, 0.5, 0], { dtype: torch.float32 });
    nn.utils.clipGradValue_([p], 1);
    expect(p.grad!.toArray()).to.deep.equal([1, -1, 0.5, 0]);
    expect(nn.utils.clipGradNorm_([p], 1, "inf").item()).to.equal(1);
    const v = nn.utils.parametersToVector(new nn.Linear(2, 3).parameters());
    expect(v.shape).to.deep.equal([9]);
  });
});
