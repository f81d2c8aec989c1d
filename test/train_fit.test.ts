// train.fit/evaluate/predict: History, EarlyStopping and ReduceLROnPlateau inside fit, callbacks, constant liveTensors.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as torch from "../lib";
import { train, optim, data, Tensor } from "../lib";

// A two-layer perceptron made of bare tensors, so these tests need nothing from nn.
class MLP {
  training = true;
  w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor;
  constructor(inF: number, hidden: number, out: number) {
    this.w1 = torch.randn([inF, hidden]).mul(0.5).requiresGrad_();
    this.b1 = torch.zeros([hidden], { requiresGrad: true });
    this.w2 = torch.randn([hidden, out]).mul(0.5).requiresGrad_();
    this.b2 = torch.zeros([out], { requiresGrad: true });
  }
  forward(x: Tensor): Tensor { return x.matmul(this.w1).add(this.b1).relu().matmul(this.w2).add(this.b2); }
  parameters(): Tensor[] { return [this.w1, this.b1, this.w2, this.b2]; }
  namedParameters(): [string, Tensor][] { return [["w1", this.w1], ["b1", this.b1], ["w2", this.w2], ["b2", this.b2]]; }
  train(mode = true) { this.training = mode; return this; }
  eval() { return this.train(false); }
  stateDict(): Record<string, Tensor> { return Object.fromEntries(this.namedParameters()); }
  loadStateDict(sd: Record<string, Tensor>) { torch.noGrad(() => { for (const [k, p] of this.namedParameters()) p.copy_(sd[k]); }); }
  dispose() { for (const p of this.parameters()) p.dispose(); }
}

// Two Gaussian blobs: class = (x0 + x1 > 0).
function blobs(n: number): [Tensor, Tensor] {
  const x = torch.randn([n, 4]);
  const y = torch.tidy(() => x.index([torch.slice(), 0]).add(x.index([torch.slice(), 1])).gt(0).long());
  return [x, y];
}

describe("train.fit", function () {
  this.timeout(60000);
  beforeEach(() => torch.manualSeed(0));

  it("returns a History with train and validation metrics, and learns", async () => {
    const [x, y] = blobs(400);
    const model = new MLP(4, 16, 2);
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const h = await train.fit(model, { optimizer: opt, loss: "crossEntropy", trainData: [x, y], epochs: 6, batchSize: 32, validationSplit: 0.25, verbose: 0 });
    expect(h).to.be.instanceOf(train.History);
    expect(h.length).to.equal(6);
    expect(h.keys).to.include.members(["loss", "accuracy", "val_loss", "val_accuracy", "lr"]);
    expect(h.params.samples).to.equal(300);
    expect(h.params.validationSamples).to.equal(100);
    expect(h.get("loss")[5]).to.be.lessThan(h.get("loss")[0]);
    expect(h.get("val_accuracy")[5]).to.be.greaterThan(0.9);
    // The validation metrics equal evaluate() on the last quarter (validationSplit takes the last samples).
    const ev = await train.evaluate(model, [x.narrow(0, 300, 100), y.narrow(0, 300, 100)], { loss: "crossEntropy", batchSize: 7 });
    expect(ev.loss).to.be.closeTo(h.get("val_loss")[5], 1e-5);
    expect(ev.accuracy).to.be.closeTo(h.get("val_accuracy")[5], 1e-9);
    // predict() = forward in batches.
    const p = await train.predict(model, x, { batchSize: 64 });
    const direct = torch.noGrad(() => model.forward(x));
    expect(p.shape).to.deep.equal([400, 2]);
    expect(p.allclose(direct, { atol: 1e-6 })).to.equal(true);
    torch.dispose([x, y, p, direct]); model.dispose();
  });

  it("validationSplit splits where Keras does: the first floor(n * (1 - split)) samples train", async () => {
    const [x, y] = blobs(10);
    const ds = { length: 10, getItem: (i: number) => [x.index(i), Number(y.index(i).item())] };
    for (const d of [[x, y] as [Tensor, Tensor], ds]) {
      const model = new MLP(4, 4, 2);
      const h = await train.fit(model, { optimizer: "sgd", loss: "crossEntropy", trainData: d, epochs: 1, batchSize: 4, validationSplit: 0.25, verbose: 0 });
      expect([h.params.samples, h.params.validationSamples]).to.deep.equal([7, 3]);  // floor(10 * 0.75) = 7
      model.dispose();
    }
    await train.fit(new MLP(4, 4, 2), { optimizer: "sgd", loss: "crossEntropy", trainData: [x, y], validationSplit: 0.95, verbose: 0 })
      .then(() => { throw new Error("no error"); }, (e) => expect(e.message).to.match(/empty split/));
    torch.dispose([x, y]);
  });

  it("accuracy is Keras': binary for one output per sample ([N, 1]), sparse or categorical otherwise", async () => {
    torch.tidy(() => {
      const t = (a: any) => torch.tensor(a);
      expect(train.countCorrect(t([[0.9], [0.2], [0.7]]), t([[1.0], [1.0], [0.0]]))).to.equal(1);  // was 3 (argmax of one column)
      expect(train.countCorrect(t([[0.9], [0.2], [0.7]]), t([1.0, 0.0, 0.0]))).to.equal(2);
      expect(train.countCorrect(t([0.9, 0.2, 0.7]), t([1.0, 0.0, 1.0]))).to.equal(3);
      expect(train.countCorrect(t([[0.1, 0.9], [0.8, 0.2]]), t([1, 1]))).to.equal(1);
      expect(train.countCorrect(t([[0.1, 0.9], [0.8, 0.2]]), t([[1], [0]]))).to.equal(2);  // class indices as [N, 1]
      expect(train.countCorrect(t([[0.1, 0.9], [0.8, 0.2]]), t([[0.0, 1.0], [0.0, 1.0]]))).to.equal(1);
    });
    // a sigmoid output [N, 1] with BCE: the accuracy fit() reports is the thresholded one
    const [x, y] = blobs(64);
    const yf = torch.tidy(() => y.to(torch.float32).unsqueeze(1));
    const model = new MLP(4, 8, 1);
    const sig = { ...model, training: true, forward: (v: Tensor) => model.forward(v).sigmoid(), parameters: () => model.parameters(),
      train: () => sig, eval: () => sig };
    const h = await train.fit(sig, { optimizer: "adam", loss: "bce", metrics: ["accuracy"], trainData: [x, yf], validationData: [x, yf], epochs: 1, verbose: 0 });
    const want = torch.tidy(() => torch.noGrad(() => model.forward(x).sigmoid().gt(0.5).eq(yf.gt(0.5)).to(torch.float64).mean().item()));
    expect(h.get("val_accuracy")[0]).to.be.closeTo(want, 1e-9);
    torch.dispose([x, y, yf]); model.dispose();
  });

  it("keeps torch.memory().liveTensors constant from epoch to epoch and batch to batch", async () => {
    const [x, y] = blobs(256);
    const model = new MLP(4, 8, 2);
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const atEpoch: number[] = [], atBatch: number[] = [];
    const es = new train.EarlyStopping({ monitor: "val_loss", patience: 100, restoreBestWeights: true });
    await train.fit(model, {
      optimizer: opt, loss: "crossEntropy", trainData: [x, y], epochs: 4, batchSize: 32, validationSplit: 0.25, verbose: 0,
      callbacks: [es, new train.LambdaCallback({
        onBatchEnd: () => { atBatch.push(torch.memory().liveTensors); },
        onEpochEnd: () => { atEpoch.push(torch.memory().liveTensors); },
      })],
    });
    // 6 batches an epoch; EarlyStopping's copy of the best weights appears at the end of the first.
    expect(new Set(atBatch.slice(0, 6)).size, `per batch: ${atBatch}`).to.equal(1);
    expect(new Set(atBatch.slice(6)).size, `per batch: ${atBatch}`).to.equal(1);
    expect(new Set(atEpoch).size, `per epoch: ${atEpoch}`).to.equal(1);
    es.dispose(); torch.dispose([x, y]); model.dispose();
  });

  it("stops on EarlyStopping and restores the best weights", async () => {
    const [x, y] = blobs(300);
    // Validation labels are the opposite of training labels: the better it trains, the worse val_loss gets.
    const [xv, yv0] = blobs(100);
    const yv = yv0.mul(-1).add(1);
    const model = new MLP(4, 16, 2);
    const opt = new optim.Adam(model.parameters(), { lr: 0.02 });
    const es = new train.EarlyStopping({ monitor: "val_loss", patience: 2, restoreBestWeights: true });
    const h = await train.fit(model, { optimizer: opt, loss: "crossEntropy", trainData: [x, y], validationData: [xv, yv], epochs: 20, batchSize: 32, verbose: 0, callbacks: [es] });
    const best = h.best("val_loss");
    expect(h.length).to.equal(best.epoch + 3); // best, then `patience` worse epochs, then stop
    expect(h.length).to.be.lessThan(20);
    expect(h.params.stoppedEpoch).to.equal(h.length - 1);
    expect(es.stoppedEpoch).to.equal(h.length - 1);
    const ev = await train.evaluate(model, [xv, yv], { loss: "crossEntropy" });
    expect(ev.loss).to.be.closeTo(best.value, 1e-5);
    es.dispose(); torch.dispose([x, y, xv, yv0, yv]); model.dispose();
  });

  it("lowers the learning rate with ReduceLROnPlateau (callback and bare scheduler)", async () => {
    const [x, y] = blobs(128);
    for (const kind of ["callback", "scheduler"]) {
      const model = new MLP(4, 4, 2);
      // threshold 100 (absolute): after the first epoch no val_loss counts as an improvement.
      const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
      const o = { factor: 0.5, patience: 1, threshold: 100, thresholdMode: "abs" as const };
      const cb = kind === "callback" ? new train.ReduceLROnPlateau({ monitor: "val_loss", ...o }) : new optim.lrScheduler.ReduceLROnPlateau(opt, o);
      const h = await train.fit(model, { optimizer: opt, loss: "crossEntropy", trainData: [x, y], epochs: 5, batchSize: 64, validationSplit: 0.5, verbose: 0, callbacks: [cb] });
      expect(h.get("lr"), kind).to.deep.equal([0.1, 0.1, 0.1, 0.05, 0.05]);
      expect(opt.paramGroups[0].lr).to.equal(0.025);
      model.dispose();
    }
    torch.dispose([x, y]);
  });

  it("runs callbacks: ModelCheckpoint (best only) and TensorBoard", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tts-fit-"));
    const [x, y] = blobs(200);
    const model = new MLP(4, 8, 2);
    const saved: { file: string; keys: string[] }[] = [];
    const ckpt = new train.ModelCheckpoint({
      filepath: path.join(dir, "ckpt-{epoch}-{val_loss:.3f}.pt"), saveBestOnly: true,
      save: (sd, file) => { saved.push({ file, keys: Object.keys(sd) }); fs.writeFileSync(file, "x"); },
    });
    const tb = new train.TensorBoard({ logDir: path.join(dir, "tb"), histogramFreq: 1 });
    const h = await train.fit(model, { optimizer: "adam", loss: "crossEntropy", trainData: [x, y], epochs: 3, batchSize: 50, validationSplit: 0.2, verbose: 0, callbacks: [ckpt, tb] });
    const vl = h.get("val_loss");
    const improving = vl.filter((v, i) => vl.slice(0, i).every((u) => v < u)).length;
    expect(saved).to.have.length(improving);
    expect(saved[0].keys).to.deep.equal(["w1", "b1", "w2", "b2"]);
    expect(path.basename(saved[0].file)).to.equal(`ckpt-1-${vl[0].toFixed(3)}.pt`);
    for (const run of ["train", "validation"]) {
      const files = fs.readdirSync(path.join(dir, "tb", run));
      expect(files.some((f) => f.startsWith("events.out.tfevents."))).to.equal(true);
      const buf = fs.readFileSync(path.join(dir, "tb", run, files[0]));
      expect(buf.includes(Buffer.from("epoch_loss"))).to.equal(true);
      if (run === "train") expect(buf.includes(Buffer.from("w1"))).to.equal(true);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    torch.dispose([x, y]); model.dispose();
  });

  it("takes data as a dataset or as an iterable of batches, and compile() binds the settings", async () => {
    const [x, y] = blobs(96);
    const ds = { length: 96, getItem: (i: number) => [x.index(i), Number(y.index(i).item())] };
    const model = new MLP(4, 8, 2);
    const m = train.compile(model, { optimizer: "adam", loss: "crossEntropy", metrics: ["accuracy"] });
    const h1 = await m.fit({ trainData: ds, epochs: 2, batchSize: 16, validationSplit: 0.25, verbose: 0 });
    expect(h1.params.samples).to.equal(72);
    const batches: [Tensor, Tensor][] = [0, 32, 64].map((i) => [x.narrow(0, i, 32), y.narrow(0, i, 32)]);
    const h2 = await m.fit({ trainData: batches, validationData: batches, epochs: 2, verbose: 0 });
    expect(h2.length).to.equal(2);
    expect(batches[0][0].isDisposed).to.equal(false); // an array of batches is reused, not disposed
    const ev = await m.evaluate([x, y]);
    expect(ev.accuracy).to.be.within(0, 1);
    expect(() => train.lossFunction("nope" as any)).to.throw(TypeError);
    torch.dispose([x, y, batches]); model.dispose();
  });

  it("trains from a data.DataLoader, with constant liveTensors", async () => {
    const [x, y] = blobs(160);
    const model = new MLP(4, 8, 2);
    const trainLoader = new data.DataLoader(new data.TensorDataset(x.narrow(0, 0, 128), y.narrow(0, 0, 128)), { batchSize: 16, shuffle: true });
    const valLoader = new data.DataLoader(new data.TensorDataset(x.narrow(0, 128, 32), y.narrow(0, 128, 32)), { batchSize: 32 });
    const live: number[] = [];
    const h = await train.fit(model, { optimizer: new optim.Adam(model.parameters(), { lr: 0.02 }), loss: "crossEntropy", trainData: trainLoader,
      validationData: valLoader, epochs: 4, verbose: 0, callbacks: [new train.LambdaCallback({ onEpochEnd: () => { live.push(torch.memory().liveTensors); } })] });
    expect(h.params.samples).to.equal(128);
    expect(h.get("val_accuracy")[3]).to.be.greaterThan(0.8);
    expect(new Set(live).size, `${live}`).to.equal(1);
    torch.dispose([x, y]); model.dispose();
  });

  it("prints one line per epoch when the stream is not a TTY", async () => {
    const [x, y] = blobs(64);
    const model = new MLP(4, 4, 2);
    let text = "";
    const stream: any = { isTTY: false, write: (s: string) => { text += s; return true; } };
    await train.fit(model, { optimizer: "adam", loss: "crossEntropy", trainData: [x, y], epochs: 2, batchSize: 16, validationSplit: 0.25, stream });
    const lines = text.trim().split("\n");
    expect(lines).to.have.length(2);
    expect(lines[0]).to.match(/^Epoch 1\/2: 48 img in \d+s .* loss \d\.\d{4}  accuracy \d+\.\d\d%  val_loss/);
    // An iterable of fresh batches whose size is not known up front: counted as they come, and disposed.
    text = "";
    const made: Tensor[] = [];
    const loader = { *[Symbol.iterator]() {
      for (let i = 0; i < 64; i += 16) { const b: [Tensor, Tensor] = [x.narrow(0, i, 16), y.narrow(0, i, 16)]; made.push(...b); yield b; }
    } };
    await train.fit(model, { optimizer: "adam", loss: "crossEntropy", trainData: loader, epochs: 1, stream });
    expect(text).to.match(/^Epoch 1\/1: 64 img in/);
    expect(made.every((t) => t.isDisposed)).to.equal(true);
    torch.dispose([x, y]); model.dispose();
  });
});
