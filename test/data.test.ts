// torch.utils.data: datasets, samplers, randomSplit, collate and torch.Generator, against Python (fixtures/data/data.json).
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as torch from "../lib";
import { data } from "../lib";

const py = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "data", "data.json"), "utf8"));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("torch.Generator", () => {
  it("same seed, same numbers as Python (randperm, randint)", () => {
    const g = new torch.Generator().manualSeed(123);
    const p = torch.tidy(() => torch.ops.aten.randperm(17, { generator: g }).toArray());
    expect(p).to.deep.equal(py.randperm_gen123);
    const r = torch.tidy(() => torch.ops.aten.randint(0, 1000, [5], { generator: g }).toArray());
    expect(r).to.deep.equal(py.randint_gen123_after);
  });
  it("initialSeed, getState/setState, BigInt seeds", () => {
    const g = new torch.Generator().manualSeed(2n ** 63n + 5n);
    expect(g.initialSeed()).to.equal(2n ** 63n + 5n);
    const st = g.getState();
    const a = torch.tidy(() => torch.ops.aten.rand([3], { generator: g }).toArray());
    g.setState(st);
    const b = torch.tidy(() => torch.ops.aten.rand([3], { generator: g }).toArray());
    expect(a).to.deep.equal(b);
    st.dispose();
    expect(new torch.Generator().manualSeed(7).initialSeed()).to.equal(7);
    expect(String(g)).to.contain("cpu");
    expect(() => torch.ops.aten.randperm(3, { generator: 5 })).to.throw();
  });
  it("generator: g on torch.rand, randn, randint, randperm, multinomial, bernoulli, normal, uniform_, normal_", () => {
    const want = py.generator_kwarg7;
    torch.manualSeed(0);
    const g = new torch.Generator().manualSeed(7);
    const got = torch.tidy(() => ({
      rand: torch.rand([3], { generator: g }).toArray(), randn: torch.randn([2], { generator: g }).toArray(),
      randint: torch.randint(0, 10, [3], { generator: g }).toArray(), randperm: torch.randperm(5, { generator: g }).toArray(),
      multinomial: torch.multinomial(torch.tensor([0.2, 0.8]), 3, true, { generator: g }).toArray(),
      bernoulli: torch.bernoulli(torch.tensor([0.5, 0.5, 0.5]), { generator: g }).toArray(),
      normal: torch.normal(torch.zeros([2]), 1.0, { generator: g }).toArray(),
      uniform_: torch.zeros([3]).uniform_(0, 1, { generator: g }).toArray(), normal_: torch.zeros([3]).normal_(0, 1, { generator: g }).toArray(),
      global_rand_after: torch.rand([2]).toArray(),  // the global stream was not touched
    }));
    for (const k of Object.keys(want)) {
      const w = (want[k] as number[]).map(Number), v = (got as any)[k].map(Number);
      expect(v.length, k).to.equal(w.length);
      v.forEach((x: number, i: number) => expect(x, `${k}[${i}]`).to.be.closeTo(w[i], 1e-6));
    }
  });
  it("defaultGenerator is the generator torch.manualSeed seeds", () => {
    torch.manualSeed(99);
    expect(torch.defaultGenerator.initialSeed()).to.equal(99);
  });
});

describe("datasets", () => {
  it("TensorDataset rows, Subset, ConcatDataset, concat()", () => {
    torch.tidy(() => {
      const x = torch.arange(12).reshape([6, 2]), y = torch.arange(6);
      const ds = new data.TensorDataset(x, y);
      expect(ds.length).to.equal(6);
      const [xi, yi] = ds.getItem(4);
      expect(xi.toArray()).to.deep.equal([8, 9]);
      expect(yi.item()).to.equal(4);
      expect(() => new data.TensorDataset(x, torch.arange(5))).to.throw(/Size mismatch/);
      expect(() => ds.getItem(6)).to.throw(RangeError);
      const sub = new data.Subset(ds, [5, 0]);
      expect(sub.length).to.equal(2);
      expect(sub.getItem(0)[1].item()).to.equal(5);
      const cat = new data.ConcatDataset([range(3), range(4)]);
      expect(cat.length).to.equal(7);
      expect([0, 2, 3, 6].map((i) => cat.getItem(i))).to.deep.equal([0, 2, 0, 3]);
      expect(cat.cumulativeSizes).to.deep.equal([3, 7]);
      expect(ds.concat(ds).length).to.equal(12);
      expect([...new data.Subset(range(10), [3, 1])]).to.deep.equal([3, 1]);
      // arrays index as Python lists: negative from the end, out of range is an error (not undefined)
      expect(new data.Subset(range(10), [-1]).getItem(0)).to.equal(9);
      expect(() => new data.Subset(range(3), [0, 5]).getItem(1)).to.throw(RangeError, /index 5 out of range/);
      expect(() => [...new data.DataLoader(new data.Subset(range(3), [0, 5]), { batchSize: 2 })]).to.throw(/item 1 .*index 5 out of range/);
    });
  });
  it("a user Dataset subclass and an IterableDataset", () => {
    class Sq extends data.Dataset<number> { get length() { return 4; } getItem(i: number) { return i * i; } }
    expect([...new Sq()]).to.deep.equal([0, 1, 4, 9]);
    class It extends data.IterableDataset<number> { *[Symbol.iterator]() { yield* [1, 2, 3]; } }
    expect([...new It().concat(new It())]).to.deep.equal([1, 2, 3, 1, 2, 3]);
  });
});

describe("randomSplit (torch.utils.data.random_split)", () => {
  for (const [key, c] of Object.entries<any>(py.random_split)) {
    it(`${key}: sizes, disjoint, same as Python`, () => {
      const parts = data.randomSplit(range(c.n), c.lengths, new torch.Generator().manualSeed(c.seed));
      expect(parts.map((p) => p.length)).to.deep.equal(c.sizes);
      const all = new Set<number>();
      for (const p of parts) for (const i of p.indices) all.add(i);
      expect(all.size).to.equal(c.n);
      parts.forEach((p, k) => expect(p.indices.slice(0, 50)).to.deep.equal(c.indices[k]));
    });
  }
  it("uses the global generator when none is given", () => {
    torch.manualSeed(11);
    expect(data.randomSplit(range(20), [0.5, 0.5]).map((p) => p.indices)).to.deep.equal(py.random_split_global_seed11);
  });
  it("accepts { generator } and rejects bad lengths", () => {
    const a = data.randomSplit(range(10), [3, 7], { generator: new torch.Generator().manualSeed(42) });
    expect(a[0].indices).to.deep.equal(py.random_split["10_[3, 7]_42"].indices[0]);
    expect(() => data.randomSplit(range(10), [3, 3])).to.throw(/Sum of input lengths/);
    expect(() => data.randomSplit(range(10), [1.2, -0.2])).to.throw(/between 0 and 1/);
  });
});

describe("samplers", () => {
  it("SequentialSampler, RandomSampler with a generator (same as Python), reshuffled every epoch", () => {
    expect([...new data.SequentialSampler(range(4))]).to.deep.equal([0, 1, 2, 3]);
    const s = new data.RandomSampler(range(10), { generator: new torch.Generator().manualSeed(3) });
    const e1 = [...s], e2 = [...s];
    expect(e1).to.deep.equal(py.random_sampler_gen);
    expect(e2).to.not.deep.equal(e1);
    expect([...e2].sort((a, b) => a - b)).to.deep.equal(range(10));
    expect([...new data.RandomSampler(range(10), { replacement: true, numSamples: 40, generator: new torch.Generator().manualSeed(3) })]).to.deep.equal(py.random_sampler_replacement);
    expect([...new data.RandomSampler(range(10), { numSamples: 25, generator: new torch.Generator().manualSeed(3) })]).to.deep.equal(py.random_sampler_num_samples);
    expect(s.length).to.equal(10);
  });
  it("RandomSampler without a generator follows torch.manualSeed", () => {
    torch.manualSeed(4);
    const a = [...new data.RandomSampler(range(30))];
    torch.manualSeed(4);
    const b = [...new data.RandomSampler(range(30))];
    expect(a).to.deep.equal(b);
  });
  it("SubsetRandomSampler, WeightedRandomSampler (same as Python)", () => {
    expect([...new data.SubsetRandomSampler([10, 20, 30, 40, 50], { generator: new torch.Generator().manualSeed(5) })]).to.deep.equal(py.subset_random_sampler);
    const w = new data.WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 12, { generator: new torch.Generator().manualSeed(1) });
    expect([...w]).to.deep.equal(py.weighted_sampler);
    const w2 = new data.WeightedRandomSampler([0.9, 0.4, 0.05, 0.2, 0.3, 0.1], 5, { replacement: false, generator: new torch.Generator().manualSeed(1) });
    expect([...w2]).to.deep.equal(py.weighted_sampler_norep);
    expect(() => new data.WeightedRandomSampler([1, 2], 0)).to.throw(/num_samples/);
  });
  it("BatchSampler groups, with and without dropLast", () => {
    expect([...new data.BatchSampler(new data.SequentialSampler(range(10)), 3, false)]).to.deep.equal([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    const b = new data.BatchSampler(new data.SequentialSampler(range(10)), 3, true);
    expect([...b]).to.deep.equal([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
    expect(b.length).to.equal(3);
    expect(() => new data.BatchSampler(range(3), 0, false)).to.throw(/batch_size/);
  });
  it("DistributedSampler: rank, worldSize, setEpoch (same as Python)", () => {
    for (const shuffle of [true, false]) for (const dropLast of [true, false]) for (let rank = 0; rank < 3; rank++) {
      const s = new data.DistributedSampler(range(11), { worldSize: 3, rank, shuffle, seed: 4, dropLast });
      s.setEpoch(2);
      expect([...s], `${shuffle} ${dropLast} ${rank}`).to.deep.equal(py.distributed[`${shuffle ? "True" : "False"}_${dropLast ? "True" : "False"}_${rank}`]);
      expect(s.length).to.equal(dropLast ? 3 : 4);
    }
    const s = new data.DistributedSampler(range(11), { numReplicas: 3, rank: 0 });
    const e0 = [...s];
    s.setEpoch(1);
    expect([...s]).to.not.deep.equal(e0);
    expect(() => new data.DistributedSampler(range(4), { worldSize: 2, rank: 2 })).to.throw(/Invalid rank/);
  });
});

describe("defaultCollate", () => {
  it("stacks tensors, numbers (int64 / float64), booleans; keeps strings; recurses into objects and arrays", () => {
    torch.tidy(() => {
      const b = data.defaultCollate([
        { x: torch.ones([2]), y: 1, z: 0.5, s: "a", f: true, nested: [torch.zeros([1]), 3] },
        { x: torch.zeros([2]), y: 2, z: 1, s: "b", f: false, nested: [torch.ones([1]), 4] },
      ]);
      expect(b.x.shape).to.deep.equal([2, 2]);
      expect(b.y.dtype).to.equal(torch.int64);
      expect(b.y.toArray()).to.deep.equal([1, 2]);
      expect(b.z.dtype).to.equal(torch.float64);
      expect(b.s).to.deep.equal(["a", "b"]);
      expect(b.f.dtype).to.equal(torch.bool);
      expect(b.nested[0].shape).to.deep.equal([2, 1]);
      expect(b.nested[1].toArray()).to.deep.equal([3, 4]);
      const t = data.defaultCollate([new Float32Array([1, 2]), new Float32Array([3, 4])]);
      expect(t.shape).to.deep.equal([2, 2]);
      expect(t.dtype).to.equal(torch.float32);
      const m = data.defaultCollate([new Map([["a", 1]]), new Map([["a", 2]])]);
      expect(m.get("a").toArray()).to.deep.equal([1, 2]);
    });
  });
  it("reports mismatched samples", () => {
    expect(() => data.defaultCollate([[1, 2], [1]])).to.throw(/equal size/);
    expect(() => torch.tidy(() => data.defaultCollate([torch.ones([2]), torch.ones([3])]))).to.throw(/stack expects each tensor to be equal size/);
    expect(() => data.defaultCollate([null])).to.throw(TypeError);
  });
});
