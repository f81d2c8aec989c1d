// The tutorial's CIFAR-10 CNN in torchts against the same model in PyTorch (weights made by Python).
import { expect } from "chai";
import * as fs from "fs";
import * as torch from "../lib";
import { nn, Tensor } from "../lib";
import { Cifar10CNN } from "../examples/models/cifar10_cnn";
import { loadNN, fixturePath, expectClose, decode } from "./nn_helpers";

const cf = loadNN().cifar;

function pythonWeights(): Record<string, Tensor> {
  const blob = fs.readFileSync(fixturePath("cifar10_cnn_weights.bin"));
  const sd: Record<string, Tensor> = {};
  for (const e of cf.index) {
    if (e.dtype === "int64") { sd[e.key] = torch.tensor(e.value); continue; }
    const n = e.shape.reduce((a: number, b: number) => a * b, 1);
    const q = new Int8Array(blob.buffer, blob.byteOffset + e.offset, n);
    sd[e.key] = torch.tensor(Float32Array.from(q, (v) => v * e.scale)).reshape(e.shape);
  }
  return sd;
}
function input(): Tensor {
  const b = fs.readFileSync(fixturePath("cifar10_cnn_input.bin"));
  return torch.fromTypedArray(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), cf.inputShape);
}

describe("CIFAR-10 CNN (examples/models/cifar10_cnn.ts) matches PyTorch", () => {
  it("815,530 parameters; stateDict keys, parameter names and print(model) equal Python's", () => {
    const m = new Cifar10CNN();
    expect(m.parameters().reduce((n, p) => n + p.numel(), 0)).to.equal(815530).and.equal(cf.numParams);
    expect(Object.keys(m.stateDict())).to.deep.equal(cf.stateDictKeys);
    expect(m.namedParameters().map((e) => e[0])).to.deep.equal(cf.namedParameters);
    expect(m.toString()).to.equal(cf.repr);
  });

  it("nn.summary shows 815,530 params", () => {
    const m = new Cifar10CNN();
    const s = nn.summary(m, [1, 3, 32, 32], { print: false });
    expect(s.totalParams).to.equal(815530);
    expect(s.trainableParams).to.equal(815530);
    expect(s.nonTrainableParams).to.equal(0);
    const text = s.toString();
    expect(text).to.match(/Total params: 815,530/);
    expect(text).to.match(/Trainable params: 815,530/);
    expect(text).to.match(/Non-trainable params: 0/);
    expect(text).to.match(/features\.0 \(Conv2d\)\s+\[1, 32, 32, 32\]\s+896/);
    expect(text).to.match(/classifier\.5 \(Linear\)\s+\[1, 10\]\s+2,570/);
    expect(s.layers).to.have.length(30);
    expect(m.training).to.equal(true);   // modes restored
    m.features.requiresGrad_(false);
    const f = nn.summary(m, [2, 3, 32, 32], { print: false });
    expect(f.trainableParams).to.equal(815530 - 287904);
    expect(f.nonTrainableParams).to.equal(287904);
  });

  it("same seed, same initial weights as PyTorch", () => {
    torch.manualSeed(0);
    const sd = new Cifar10CNN().stateDict();
    for (const [k, v] of Object.entries(cf.initSample)) expectClose(sd[k].flatten().narrow(0, 0, Math.min(20, sd[k].numel())), v as any, 0, k);
  });

  it("eval-mode logits with Python-made weights within 1e-4", () => {
    const m = new Cifar10CNN();
    m.loadStateDict(pythonWeights());
    m.eval();
    const logits = torch.noGrad(() => m.forward(input()));
    expectClose(logits, cf.logitsEval, 1e-4, "eval logits");
  });

  it("train-mode forward (same dropout masks), loss, gradients and BatchNorm statistics", () => {
    const m = new Cifar10CNN();
    m.loadStateDict(pythonWeights());
    m.train();
    const x = input().requiresGrad_(true);
    torch.manualSeed(cf.trainSeed);
    const logits = m.forward(x);
    expectClose(logits, cf.logitsTrain, 1e-4, "train logits");
    const loss = nn.functional.crossEntropy(logits, torch.tensor(cf.target));
    expect(loss.item()).to.be.closeTo(cf.loss, 1e-4);
    loss.backward();
    const params = Object.fromEntries(m.namedParameters());
    for (const [k, v] of Object.entries(cf.grads)) expectClose(params[k].grad, v as any, 1e-4, `grad ${k}`);
    const sd = m.stateDict();
    for (const [k, v] of Object.entries(cf.stateAfterTrain)) expectClose(sd[k], v as any, 1e-5, k);
    expect(sd["classifier.2.num_batches_tracked"].item()).to.equal(124);
    void decode;
  });
});
