// The tutorial's CIFAR-10 CNN trained in torchts against the same steps in PyTorch (scripts/fixtures/train_step.py),
// and a 1,000-step loop that must not leak tensors or memory.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as torch from "../lib";
import { nn, optim, Tensor } from "../lib";
import { Cifar10CNN } from "../examples/models/cifar10_cnn";
import { expectClose } from "./nn_helpers";

const dir = path.join(__dirname, "fixtures", "train_step");
const fx = JSON.parse(fs.readFileSync(path.join(dir, "train_step.json"), "utf8"));

/** The Python-made starting weights: weight = q * scale (exact in float32), plus the int64 counters. */
function pythonWeights(): Record<string, Tensor> {
  const raw = torch.load(path.join(dir, "weights.pt"));
  const sd: Record<string, Tensor> = {};
  for (const [k, q] of Object.entries(raw.q as Record<string, Tensor>)) {
    sd[k] = torch.tidy(() => q.to(torch.float32).mul(raw.scale[k]));
    q.dispose();
  }
  for (const [k, v] of Object.entries(raw.int as Record<string, Tensor>)) sd[k] = v;
  return sd;
}

describe("CIFAR-10 CNN training steps match PyTorch", function () {
  this.timeout(600000);
  let threads = 0;
  before(() => { threads = torch.getNumThreads(); torch.setNumThreads(1); });  // as the fixture script
  after(() => torch.setNumThreads(threads));

  it("5 Adam steps in train mode: the same losses (1e-4), then the same eval logits", () => {
    const model = new Cifar10CNN();
    const sd = pythonWeights();
    model.loadStateDict(sd);
    torch.dispose(sd);
    const opt = new optim.Adam(model.parameters(), { lr: fx.lr });
    const criterion = new nn.CrossEntropyLoss();
    model.train();
    torch.manualSeed(fx.dataSeed);
    const losses: number[] = [];
    for (let s = 0; s < fx.steps; s++) {
      // The same calls in the same order as Python: randn, randint, then the forward's dropout masks.
      losses.push(torch.tidy(() => {
        const x = torch.randn([fx.batch, 3, 32, 32]);
        const y = torch.randint(0, 10, [fx.batch]);
        opt.zeroGrad();
        const loss = criterion.forward(model.forward(x), y);
        loss.backward();
        opt.step();
        return loss.item();
      }));
    }
    if (process.env.TORCHTS_VERBOSE) console.log("losses", losses, "python", fx.losses);
    losses.forEach((l, i) => expect(l, `loss at step ${i}`).to.be.closeTo(fx.losses[i], 1e-4));
    // Training changed the weights and statistics as in Python.
    const after = model.stateDict();
    for (const [k, v] of Object.entries(fx.after)) expectClose(after[k].flatten().narrow(0, 0, Math.min(16, after[k].numel())), v as any, 1e-4, k);
    expect(after["classifier.2.num_batches_tracked"].item()).to.equal(fx.numBatchesTracked);
    const bias = model.classifier.at(5) as nn.Linear;
    expectClose(opt.state.get(bias.bias!)!.exp_avg, fx.expAvgSample, 1e-5, "Adam exp_avg of classifier.5.bias");
    expect(opt.state.get(bias.bias!)!.step.item()).to.equal(fx.steps);
    model.eval();
    torch.manualSeed(fx.evalSeed);
    const logits = torch.noGrad(() => model.forward(torch.randn(fx.evalShape)));
    expectClose(logits, fx.evalLogits, 1e-4, "eval logits");
  });

  it("a different seed gives different losses (the comparison can fail)", () => {
    const model = new Cifar10CNN();
    model.loadStateDict(pythonWeights());
    const opt = new optim.Adam(model.parameters(), { lr: fx.lr });
    torch.manualSeed(fx.dataSeed + 1);
    const loss = torch.tidy(() => {
      const l = nn.functional.crossEntropy(model.forward(torch.randn([fx.batch, 3, 32, 32])), torch.randint(0, 10, [fx.batch]));
      l.backward();
      opt.step();
      return l.item();
    });
    expect(Math.abs(loss - fx.losses[0])).to.be.greaterThan(1e-3);
  });

  it("liveTensors stays constant over 1,000 training steps (forward, CrossEntropyLoss, backward, Adam, in tidy)", () => {
    torch.setNumThreads(threads);
    torch.manualSeed(0);
    const model = new Cifar10CNN();
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    const criterion = new nn.CrossEntropyLoss();
    const x = torch.randn([2, 3, 32, 32]);
    const y = torch.tensor([3, 7]);
    const step = () => torch.tidy(() => {
      opt.zeroGrad();
      const loss = criterion.forward(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    });
    for (let i = 0; i < 20; i++) step();  // optimizer state and allocator pools settle
    const live0 = torch.memory().liveTensors;
    const bytes0 = torch.memory().liveBytes;
    const rss0 = process.memoryUsage().rss;
    const counts: number[] = [];
    let last = 0;
    for (let i = 0; i < 1000; i++) {
      last = step();
      if (i % 100 === 99) counts.push(torch.memory().liveTensors);
    }
    const rssGrowth = process.memoryUsage().rss - rss0;
    if (process.env.TORCHTS_VERBOSE) console.log(`live ${live0}, RSS growth ${(rssGrowth / 2 ** 20).toFixed(1)} MiB`);
    expect(Number.isFinite(last)).to.equal(true);
    expect(counts).to.deep.equal(counts.map(() => live0));
    expect(torch.memory().liveBytes).to.equal(bytes0);
    expect(rssGrowth, `RSS grew by ${(rssGrowth / 2 ** 20).toFixed(1)} MiB`).to.be.below(64 * 2 ** 20);
    torch.dispose([x, y]);
    opt.dispose();
  });
});
