// Deterministic memory: tidy, dispose, `using`, keep, and a training-style loop that does not grow.
import { expect } from "chai";
import * as torch from "../lib";

const live = () => torch.memory().liveTensors;
// A handle on V8's gc() without the --expose-gc flag on mocha's command line.
require("v8").setFlagsFromString("--expose-gc");
const gc: () => void = require("vm").runInNewContext("gc");

describe("memory", () => {
  it("10,000 forward/backward steps under tidy keep liveTensors exactly constant and RSS growth < 50 MB", function () {
    this.timeout(300000);
    torch.manualSeed(0);
    const w = torch.keep(torch.randn([8, 4], { requiresGrad: true }));
    const b = torch.keep(torch.zeros([4], { requiresGrad: true }));
    const x = torch.randn([16, 8]), y = torch.randn([16, 4]);
    const step = () => torch.tidy(() => {
      const loss = x.matmul(w).add(b).relu().sub(y).pow(2).mean();
      loss.backward();
      torch.noGrad(() => { w.sub_(w.grad!.mul(0.01)); b.sub_(b.grad!.mul(0.01)); });
      w.grad = null; b.grad = null;
      return loss.item();
    });
    for (let i = 0; i < 200; i++) step();        // warm up allocators and caches
    gc();
    const before = live(), rss0 = process.memoryUsage().rss;
    let first = 0, last = 0;
    for (let i = 0; i < 10000; i++) {
      const l = step();
      if (i === 0) first = l;
      last = l;
      if (i % 1000 === 0) expect(live(), `step ${i}`).to.equal(before);
    }
    expect(live()).to.equal(before);
    expect(last).to.be.below(first);             // it trained
    const growth = (process.memoryUsage().rss - rss0) / 2 ** 20;
    expect(growth, `RSS grew ${growth.toFixed(1)} MB`).to.be.below(50);
  });

  it("tidy frees everything but the result; liveBytes follows", () => {
    const before = torch.memory();
    const r = torch.tidy(() => {
      const a = torch.ones([1000]);
      const b = a.mul(2);
      b.add(1);
      return b.sum();
    });
    expect(live()).to.equal(before.liveTensors + 1);
    expect(r.item()).to.equal(2000);
    expect(torch.memory().liveBytes).to.be.below(before.liveBytes + 100);
    r.dispose();
    expect(live()).to.equal(before.liveTensors);
  });

  it("tidy keeps tensors returned in nested arrays, objects and Maps", () => {
    const before = live();
    const out = torch.tidy(() => {
      const a = torch.ones([1]), b = torch.zeros([1]), c = torch.full([1], 3);
      torch.ones([5]);
      return { list: [a, [b]], obj: { deep: { c } }, map: new Map([["k", a]]), n: 5, s: "x" };
    });
    expect(live()).to.equal(before + 3);
    expect((out.list[1] as any)[0].item()).to.equal(0);
    expect(out.obj.deep.c.item()).to.equal(3);
    expect(out.map.get("k")).to.equal(out.list[0]);
    torch.dispose(out);
    expect(live()).to.equal(before);
  });

  it("nested tidy moves results to the outer scope", () => {
    const before = live();
    const outer = torch.tidy(() => {
      const inner = torch.tidy(() => { torch.ones([2]); return torch.zeros([2]); });
      expect(live()).to.equal(before + 1);
      torch.ones([3]);
      return inner.add(1);
    });
    expect(live()).to.equal(before + 1);
    expect(outer.toArray()).to.deep.equal([1, 1]);
    outer.dispose();
  });

  it("tidy frees on throw", () => {
    const before = live();
    expect(() => torch.tidy(() => { torch.ones([10]); torch.zeros([10]); throw new Error("inside"); })).to.throw("inside");
    expect(live()).to.equal(before);
    expect(() => torch.tidy(() => { torch.ones([10]); return torch.ones([2]).view(3); })).to.throw(torch.TorchError);
    expect(live()).to.equal(before);
  });

  it("tidy rejects async functions", async () => {
    const before = live();
    expect(() => torch.tidy((async () => torch.ones([1])) as any)).to.throw(/async/);
    await new Promise((r) => setTimeout(r, 5));
    expect(live()).to.be.at.most(before + 1);
  });

  it("keep() lets a tensor outlive its scope", () => {
    const before = live();
    let kept!: torch.Tensor;
    torch.tidy(() => { kept = torch.keep(torch.ones([2])); torch.ones([2]); });
    expect(live()).to.equal(before + 1);
    expect(kept.toArray()).to.deep.equal([1, 1]);
    kept.dispose();
  });

  it("dispose is idempotent; `using` disposes at the end of the block", () => {
    const before = live();
    const t = torch.ones([4]);
    t.dispose();
    t.dispose();
    expect(live()).to.equal(before);
    let seen: torch.Tensor;
    {
      using u = torch.ones([4]);
      seen = u;
      expect(live()).to.equal(before + 1);
    }
    expect(seen.isDisposed).to.equal(true);
    expect(live()).to.equal(before);
  });

  it("grad reads give new handles that tidy frees", () => {
    const w = torch.ones([3], { requiresGrad: true });
    w.sum().backward();
    const before = live();
    torch.tidy(() => { for (let i = 0; i < 10; i++) w.grad!.sum(); });
    expect(live()).to.equal(before);
    w.dispose();
  });

  it("the GC backstop frees tensors that were never disposed", async () => {
    const settle = async () => {
      let prev = -1;
      for (let i = 0; i < 20 && live() !== prev; i++) { prev = live(); gc(); await new Promise((r) => setTimeout(r, 10)); }
    };
    await settle();                               // earlier tests' garbage first
    const before = live();
    (() => { for (let i = 0; i < 100; i++) torch.ones([1000]); })();
    expect(live()).to.equal(before + 100);
    await new Promise((r) => setImmediate(r));   // registration happens at the end of the job
    await settle();
    expect(live()).to.equal(before);
  });

  it("memory() reports liveTensors and liveBytes of distinct storages", () => {
    const before = torch.memory();
    const a = torch.zeros([256]);           // 1 KiB
    const v = a.view([16, 16]);              // shares the storage
    const m = torch.memory();
    expect(m.liveTensors).to.equal(before.liveTensors + 2);
    expect(m.liveBytes - before.liveBytes).to.equal(1024);
    a.dispose(); v.dispose();
  });
});
