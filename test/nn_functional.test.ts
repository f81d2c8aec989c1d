// nn.functional against the layers (which the fixtures check against PyTorch): same values, same gradients.
import { expect } from "chai";
import * as torch from "../lib";
import { nn, Tensor } from "../lib";

const F = nn.functional;

function same(a: Tensor, b: Tensor, where: string): void {
  expect(a.shape, where).to.deep.equal(b.shape);
  expect(a.allclose(b, { rtol: 1e-6, atol: 1e-6 }), where).to.equal(true);
}
/** Checks f(x) == layer.forward(x) and their input gradients. */
function check(layer: nn.Module, f: (x: Tensor) => Tensor, shape: number[], where: string, seed = 0): void {
  torch.tidy(() => {
    const x = torch.randn(shape);
    const xa = x.clone().requiresGrad_(true), xb = x.clone().requiresGrad_(true);
    torch.manualSeed(seed);
    const a = layer.forward(xa);
    torch.manualSeed(seed);
    const b = f(xb);
    same(a, b, where);
    const g = torch.randnLike(a);
    a.backward(g); b.backward(g);
    same(xa.grad!, xb.grad!, `${where} grad`);
  });
}

describe("nn.functional equals the layers", () => {
  it("linear, convolutions and padding", () => {
    const l = new nn.Linear(4, 3);
    check(l, (x) => F.linear(x, l.weight, l.bias), [2, 4], "linear");
    const c = new nn.Conv2d(3, 4, 3, { stride: 2, padding: [1, 0], dilation: [1, 2] });
    check(c, (x) => F.conv2d(x, c.weight, c.bias, { stride: 2, padding: [1, 0], dilation: [1, 2] }), [2, 3, 9, 9], "conv2d");
    const s = new nn.Conv2d(3, 4, 4, { padding: "same" });
    check(s, (x) => F.conv2d(x, s.weight, s.bias, { padding: "same" }), [1, 3, 6, 6], "conv2d same");
    const r = new nn.Conv2d(3, 4, 3, { padding: 1, paddingMode: "reflect" });
    check(r, (x) => { const p = F.pad(x, [1, 1, 1, 1], "reflect"); return F.conv2d(p, r.weight, r.bias); }, [1, 3, 5, 5], "reflect pad + conv");
    const c1 = new nn.Conv1d(2, 3, 3, { groups: 1, padding: "valid" });
    check(c1, (x) => F.conv1d(x, c1.weight, c1.bias, { padding: "valid" }), [2, 2, 7], "conv1d");
    const t = new nn.ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, outputPadding: 1 });
    check(t, (x) => F.convTranspose2d(x, t.weight, t.bias, { stride: 2, padding: 1, outputPadding: 1 }), [1, 3, 4, 4], "convTranspose2d");
    torch.tidy(() => {
      const x = torch.randn([1, 3, 4, 4]);
      expect(t.forward(x, [8, 8]).shape).to.deep.equal([1, 2, 8, 8]);
      expect(t.forward(x, [1, 2, 7, 7]).shape).to.deep.equal([1, 2, 7, 7]);
      expect(() => t.forward(x, [12, 12])).to.throw(/valid sizes range/);
      expect(F.pad(x, [1, 2], { value: 5 }).shape).to.deep.equal([1, 3, 4, 7]);
    });
  });

  it("normalization", () => {
    const bn = new nn.BatchNorm2d(3).eval();
    torch.noGrad(() => { bn.runningMean!.normal_(); bn.runningVar!.uniform_(0.5, 1.5); bn.weight!.normal_(); });
    check(bn, (x) => F.batchNorm(x, bn.runningMean, bn.runningVar, { weight: bn.weight, bias: bn.bias }), [2, 3, 4, 4], "batchNorm eval");
    const bt = new nn.BatchNorm2d(3, { trackRunningStats: false });
    check(bt, (x) => F.batchNorm(x, null, null, { weight: bt.weight, bias: bt.bias, training: true }), [2, 3, 4, 4], "batchNorm train");
    const ln = new nn.LayerNorm([3, 4]);
    check(ln, (x) => F.layerNorm(x, [3, 4], { weight: ln.weight, bias: ln.bias }), [2, 3, 4], "layerNorm");
    const gn = new nn.GroupNorm(2, 4);
    check(gn, (x) => F.groupNorm(x, 2, { weight: gn.weight, bias: gn.bias }), [2, 4, 3], "groupNorm");
    torch.tidy(() => {
      const x = torch.randn([3, 5]);
      const n = F.normalize(x);
      expect(n.norm(2, 1).toArray().every((v: number) => Math.abs(v - 1) < 1e-5)).to.equal(true);
    });
  });

  it("dropout uses the same random numbers as the layers", () => {
    check(new nn.Dropout(0.4), (x) => F.dropout(x, 0.4), [4, 6], "dropout", 5);
    check(new nn.Dropout2d(0.5), (x) => F.dropout2d(x, { p: 0.5 }), [2, 6, 3, 3], "dropout2d", 6);
    check(new nn.Dropout1d(0.5), (x) => F.dropout1d(x, 0.5), [6, 5], "dropout1d unbatched", 7);
    check(new nn.Dropout(0.4).eval(), (x) => F.dropout(x, 0.4, false), [4, 6], "dropout eval");
  });

  it("activations", () => {
    check(new nn.ReLU(), (x) => F.relu(x), [3, 4], "relu");
    check(new nn.LeakyReLU(0.1), (x) => F.leakyRelu(x, 0.1), [3, 4], "leakyRelu");
    check(new nn.GELU("tanh"), (x) => F.gelu(x, "tanh"), [3, 4], "gelu tanh");
    check(new nn.SiLU(), (x) => F.silu(x), [3, 4], "silu");
    check(new nn.Sigmoid(), (x) => F.sigmoid(x), [3, 4], "sigmoid");
    check(new nn.Tanh(), (x) => F.tanh(x), [3, 4], "tanh");
    check(new nn.Softmax(1), (x) => F.softmax(x, 1), [3, 4], "softmax");
    check(new nn.LogSoftmax(0), (x) => F.logSoftmax(x, 0), [3, 4], "logSoftmax");
    check(new nn.ELU(0.7), (x) => F.elu(x, 0.7), [3, 4], "elu");
    check(new nn.ReLU6(), (x) => F.relu6(x), [3, 4], "relu6");
    check(new nn.Softplus({ beta: 2 }), (x) => F.softplus(x, { beta: 2 }), [3, 4], "softplus");
    check(new nn.Mish(), (x) => F.mish(x), [3, 4], "mish");
    const p = new nn.PReLU();
    check(p, (x) => F.prelu(x, p.weight), [3, 4], "prelu");
    // in-place forms modify and return their input
    torch.tidy(() => {
      const x = torch.randn([5]);
      expect(new nn.ReLU({ inplace: true }).forward(x)).to.equal(x);
      expect((x.toArray() as number[]).every((v) => v >= 0)).to.equal(true);
    });
  });

  it("pooling", () => {
    check(new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), (x) => F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }), [1, 2, 7, 7], "maxPool2d");
    check(new nn.AvgPool2d(2, { countIncludePad: false, padding: 1 }), (x) => F.avgPool2d(x, 2, { countIncludePad: false, padding: 1 }), [1, 2, 5, 5], "avgPool2d");
    check(new nn.AdaptiveAvgPool2d([null, 2]), (x) => F.adaptiveAvgPool2d(x, [null, 2]), [1, 2, 5, 6], "adaptiveAvgPool2d");
    check(new nn.AdaptiveMaxPool2d(2), (x) => F.adaptiveMaxPool2d(x, 2), [1, 2, 5, 6], "adaptiveMaxPool2d");
    check(new nn.MaxPool1d(2), (x) => F.maxPool1d(x, 2), [1, 2, 7], "maxPool1d");
    torch.tidy(() => {
      const [v, i] = new nn.MaxPool2d(2, { returnIndices: true }).forward(torch.randn([1, 1, 4, 4]));
      expect(v.shape).to.deep.equal([1, 1, 2, 2]);
      expect(i.dtype).to.equal(torch.int64);
    });
  });

  it("embedding", () => {
    torch.tidy(() => {
      const e = new nn.Embedding(6, 3, { paddingIdx: -1 });
      expect(e.paddingIdx).to.equal(5);
      expect(e.weight.select(0, 5).eq(0).all().item()).to.equal(true);
      const idx = torch.tensor([[0, 5, 2]]);
      same(e.forward(idx), F.embedding(idx, e.weight, { paddingIdx: 5 }), "embedding");
      const pre = nn.Embedding.fromPretrained(torch.ones([4, 2]));
      expect(pre.weight.requiresGrad).to.equal(false);
      expect(pre.forward(torch.tensor([1, 3])).toArray()).to.deep.equal([[1, 1], [1, 1]]);
    });
  });
});

describe("nn.functional takes PyTorch's positional arguments", () => {
  it("F.max_pool2d(x, 3, 2, 1), F.conv2d(x, w, b, 2, 1), F.layer_norm(x, shape, w, b, eps), ... equal the option forms", () => {
    const c = new nn.Conv2d(3, 4, 3);
    check(c, (x) => F.conv2d(x, c.weight, c.bias), [1, 3, 6, 6], "conv2d plain");
    const cs = new nn.Conv2d(3, 4, 3, { stride: 2, padding: 1, dilation: 1, groups: 1 });
    check(cs, (x) => F.conv2d(x, cs.weight, cs.bias, 2, 1, 1, 1), [1, 3, 7, 7], "conv2d positional");
    const t = new nn.ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 });
    check(t, (x) => F.convTranspose2d(x, t.weight, t.bias, 2, 1, 1, 2), [1, 4, 3, 3], "conv_transpose2d positional");
    check(new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), (x) => F.maxPool2d(x, 3, 2, 1, 1, true), [1, 2, 8, 8], "max_pool2d positional");
    check(new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }), (x) => F.avgPool2d(x, 3, 2, 1, false, false), [1, 2, 7, 7], "avg_pool2d positional");
    const ln = new nn.LayerNorm(4, { eps: 1e-3 });
    torch.noGrad(() => { ln.weight!.mul_(2); });
    check(ln, (x) => F.layerNorm(x, [4], ln.weight, ln.bias, 1e-3), [3, 4], "layer_norm positional");
    const gn = new nn.GroupNorm(2, 4, { eps: 1e-3 });
    check(gn, (x) => F.groupNorm(x, 2, gn.weight, gn.bias, 1e-3), [2, 4, 3], "group_norm positional");
    const bn = new nn.BatchNorm1d(3, { momentum: 0.3 }).eval();
    check(bn, (x) => F.batchNorm(x, bn.runningMean, bn.runningVar, bn.weight, bn.bias, false, 0.3), [4, 3], "batch_norm positional");
    torch.tidy(() => {
      const x = torch.randn([3, 4]);
      same(F.normalize(x, 1, 0), F.normalize(x, { p: 1, dim: 0 }), "normalize positional");
      same(F.hardtanh(x, -0.5, 0.5), F.hardtanh(x, { minVal: -0.5, maxVal: 0.5 }), "hardtanh positional");
      same(F.softplus(x, 2, 1), F.softplus(x, { beta: 2, threshold: 1 }), "softplus positional");
      const w = torch.randn([5, 2]);
      const i = torch.tensor([[0, 1], [4, 1]]);
      same(F.embedding(i, w, 1), F.embedding(i, w, { paddingIdx: 1 }), "embedding positional");
    });
    expect(() => F.maxPool2d(torch.zeros([1, 1, 4, 4]), 2, 2, { stride: 1 } as any)).to.throw(TypeError, /multiple values for option 'stride'/);
    torch.tidy(() => {  // F.interpolate(x, (6, 4), None, 'bilinear', False); nn.Upsample(None, 2, 'bilinear')
      const x = torch.randn([1, 2, 3, 3]);
      const a1 = F.interpolate(x, [6, 4], null, "bilinear", false);
      same(a1, F.interpolate(x, { size: [6, 4], mode: "bilinear", alignCorners: false }), "interpolate positional");
      expect(a1.shape).to.deep.equal([1, 2, 6, 4]);
      const up = new nn.Upsample(null, 2, "bilinear");
      expect(up.toString()).to.equal("Upsample(scale_factor=2.0, mode=bilinear)");
      same(up.forward(x), F.interpolate(x, { scaleFactor: 2, mode: "bilinear" }), "Upsample positional");
    });
    torch.tidy(() => {  // a Tensor third argument is the class weight, as F.cross_entropy(x, y, w)
      const x = torch.randn([4, 3]), y = torch.tensor([0, 2, 1, 2]), w = torch.tensor([0.2, 1.0, 3.0]);
      same(F.crossEntropy(x, y, w), F.crossEntropy(x, y, { weight: w }), "cross_entropy weight");
      expect(F.crossEntropy(x, y, w).item()).to.not.be.closeTo(F.crossEntropy(x, y).item(), 1e-4);
      same(F.nllLoss(x.logSoftmax(1), y, w), F.nllLoss(x.logSoftmax(1), y, { weight: w }), "nll_loss weight");
      const p = x.sigmoid(), t = torch.rand([4, 3]);
      same(F.binaryCrossEntropy(p, t, w), F.binaryCrossEntropy(p, t, { weight: w }), "binary_cross_entropy weight");
      same(F.binaryCrossEntropyWithLogits(x, t, w), F.binaryCrossEntropyWithLogits(x, t, { weight: w }), "bce_with_logits weight");
    });
  });
});

describe("binary cross entropy with integer labels", () => {
  it("BCELoss/BCEWithLogitsLoss take int64 or bool 0/1 labels (torch.tensor([[1, 0]]) is int64 in JS) as floats", () => {
    torch.tidy(() => {
      const x = torch.tensor([[0.3, -1.2, 2.0], [0.5, 0.1, -0.7]], { dtype: torch.float32 });
      const yi = torch.tensor([[1, 0, 1], [0, 0, 1]]);
      const yf = yi.to(torch.float32);
      expect(yi.dtype).to.equal(torch.int64);
      same(new nn.BCEWithLogitsLoss({ posWeight: torch.tensor([1, 2, 3]) }).forward(x, yi),
        new nn.BCEWithLogitsLoss({ posWeight: torch.tensor([1, 2, 3]) }).forward(x, yf), "bce_with_logits int labels");
      same(F.binaryCrossEntropy(x.sigmoid(), yi, { reduction: "none" }), F.binaryCrossEntropy(x.sigmoid(), yf, { reduction: "none" }), "bce int labels");
      same(new nn.BCELoss().forward(x.sigmoid(), yi.to(torch.bool)), new nn.BCELoss().forward(x.sigmoid(), yf), "bce bool labels");
    });
  });
});
