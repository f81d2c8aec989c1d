// torch.save / torch.load: round trips in torchts, and both ways with Python's torch (zip format, weights_only,
// torchvision state dicts, optimizer-like nested state, the legacy format), and bad files.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as torch from "../lib";
import { py, pyJson, requirePython, tmpdir, rmrf, flat, maxDiff } from "./io_helpers";

/** One tensor per dtype, with values that each dtype holds exactly. */
function allDtypes(): Record<string, torch.Tensor> {
  torch.manualSeed(0);
  return {
    f32: torch.randn([3, 4]),
    f64: torch.randn([5]).double(),
    f16: torch.randn([2, 3]).half(),
    bf16: torch.randn([4]).bfloat16(),
    i64: torch.tensor([-(2 ** 40), 0, 7], { dtype: torch.int64 }),
    i32: torch.tensor([-5, 2147483647], { dtype: torch.int32 }),
    i16: torch.tensor([-32768, 12], { dtype: torch.int16 }),
    i8: torch.tensor([-128, 127], { dtype: torch.int8 }),
    u8: torch.tensor([0, 255, 3], { dtype: torch.uint8 }),
    b: torch.tensor([true, false, true]),
    scalar: torch.tensor(2.5),
    empty: torch.zeros([0, 3]),
  };
}
const PY_DTYPES = `{"f32":"float32","f64":"float64","f16":"float16","bf16":"bfloat16","i64":"int64","i32":"int32","i16":"int16","i8":"int8","u8":"uint8","b":"bool","scalar":"float32","empty":"float32"}`;

describe("torch.save / torch.load", function () {
  let dir: string;
  before(() => { dir = tmpdir("ser"); });
  after(() => rmrf(dir));

  it("round-trips tensors of every dtype", () => {
    const sd = allDtypes();
    const f = path.join(dir, "dtypes.pt");
    torch.save(sd, f);
    const back = torch.load(f);
    expect(Object.keys(back)).to.deep.equal(Object.keys(sd));
    for (const k of Object.keys(sd)) {
      expect(back[k].dtype, k).to.equal(sd[k].dtype);
      expect(back[k].shape, k).to.deep.equal(sd[k].shape);
      expect(flat(back[k]), k).to.deep.equal(flat(sd[k]));
    }
  });

  it("keeps views on one storage, strides and requiresGrad", () => {
    const base = torch.arange(0, 12).float().view([3, 4]);
    const t = base.t();
    const sl = base.index([torch.slice(1, 3)]);
    const p = torch.ones([2]).requiresGrad_(true);
    const f = path.join(dir, "views.pt");
    torch.save({ base, t, sl, p }, f);
    const back = torch.load(f);
    expect(back.t.stride()).to.deep.equal([1, 4]);
    expect(back.t.toArray()).to.deep.equal(t.toArray());
    expect(back.sl.toArray()).to.deep.equal(sl.toArray());
    expect(back.p.requiresGrad).to.equal(true);
    back.base.add_(100);  // one storage: the view sees the write
    expect(back.t.toArray()[0][0]).to.equal(100);
    expect(back.sl.toArray()[0][0]).to.equal(104);
  });

  it("round-trips numbers, strings, lists, dicts, Maps and nested state", () => {
    const f = path.join(dir, "nested.pt");
    const obj = {
      epoch: 7, lr: 0.001, neg: -3, big: 2 ** 40, huge: 2n ** 70n, name: "run-1", ok: true, none: null,
      list: [1, 2.5, "a", [false, null]], m: new Map<string | number, any>([["x", 1], [2, "two"]]),
      opt: { state: { "0": { step: 3, buf: torch.ones([2]) } }, param_groups: [{ lr: 0.1, params: [0] }] },
    };
    torch.save(obj, f);
    const back = torch.load(f);
    expect(back.epoch).to.equal(7);
    expect(back.lr).to.equal(0.001);
    expect(back.neg).to.equal(-3);
    expect(back.big).to.equal(2 ** 40);
    expect(back.huge).to.equal(2n ** 70n);
    expect(back.name).to.equal("run-1");
    expect(back.ok).to.equal(true);
    expect(back.none).to.equal(null);
    expect(back.list).to.deep.equal([1, 2.5, "a", [false, null]]);
    expect(back.m).to.deep.equal({ x: 1, 2: "two" });
    expect(back.opt.state["0"].step).to.equal(3);
    expect(back.opt.state["0"].buf.toArray()).to.deep.equal([1, 1]);
    expect(back.opt.param_groups).to.deep.equal([{ lr: 0.1, params: [0] }]);
  });

  it("refuses what it cannot save, naming where", () => {
    const f = path.join(dir, "bad.pt");
    expect(() => torch.save({ a: { f: () => 1 } }, f)).to.throw(TypeError, /function.*a\.f/);
    class Foo { stateDict() { return {}; } }
    expect(() => torch.save({ m: new Foo() }, f)).to.throw(TypeError, /class Foo.*stateDict/);
    const cyc: any = { a: 1 };
    cyc.self = cyc;
    expect(() => torch.save(cyc, f)).to.throw(TypeError, /circular/);
  });

  it("writes files that Python's torch.load reads with weights_only=True, in every dtype", function () {
    requirePython(this);
    const sd = allDtypes();
    const f = path.join(dir, "to_py.pt");
    torch.save(sd, f);
    const got = pyJson(`
import sys, json, torch
sd = torch.load(sys.argv[1], weights_only=True)
print(json.dumps({"type": type(sd).__name__, "t": {k: [str(v.dtype).replace("torch.", ""), list(v.shape), v.double().flatten().tolist()] for k, v in sd.items()}}))`, f);
    expect(got.type).to.equal("OrderedDict");
    const dts = JSON.parse(PY_DTYPES);
    for (const k of Object.keys(sd)) {
      expect(got.t[k][0], k).to.equal(dts[k]);
      expect(got.t[k][1], k).to.deep.equal(sd[k].shape);
      expect(got.t[k][2], k).to.deep.equal(flat(sd[k]));
    }
  });

  it("writes optimizer-like nested state that Python reads with the right Python types", function () {
    requirePython(this);
    const f = path.join(dir, "opt_to_py.pt");
    torch.manualSeed(1);
    const w = torch.randn([3]);
    torch.save({
      model: { "fc.weight": w },
      optimizer: { state: { "0": { step: 4, exp_avg: torch.ones([3]) } }, param_groups: [{ lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, params: [0] }] },
      epoch: 12, metrics: { loss: [0.5, 0.25] }, note: "hi",
    }, f);
    const out = py(`
import sys, torch, collections
ck = torch.load(sys.argv[1])
assert isinstance(ck["model"], collections.OrderedDict), type(ck["model"])
st = ck["optimizer"]["state"]
assert list(st.keys()) == [0], st.keys()
assert st[0]["step"] == 4 and isinstance(st[0]["step"], int)
assert torch.equal(st[0]["exp_avg"], torch.ones(3))
g = ck["optimizer"]["param_groups"][0]
assert g["lr"] == 0.01 and g["betas"] == [0.9, 0.999] and g["eps"] == 1e-8 and g["params"] == [0], g
assert ck["epoch"] == 12 and ck["metrics"] == {"loss": [0.5, 0.25]} and ck["note"] == "hi"
# the optimizer state loads into a real optimizer
p = torch.nn.Parameter(torch.zeros(3))
opt = torch.optim.Adam([p], lr=0.5)
opt.load_state_dict(ck["optimizer"])
assert opt.param_groups[0]["lr"] == 0.01 and torch.equal(opt.state[p]["exp_avg"], torch.ones(3))
print(ck["model"]["fc.weight"].tolist())`, f);
    const vals = JSON.parse(out.trim());
    expect(vals).to.deep.equal(Array.from(w.data() as Float32Array).map((x) => Math.fround(x)));
  });

  it("reads Python state dicts (OrderedDict) in every dtype", function () {
    requirePython(this);
    const f = path.join(dir, "from_py.pt");
    const ref = pyJson(`
import sys, json, torch
torch.manual_seed(0)
sd = {"f32": torch.randn(3, 4), "f64": torch.randn(5).double(), "f16": torch.randn(2, 3).half(), "bf16": torch.randn(4).bfloat16(),
      "i64": torch.tensor([-(2**40), 0, 7]), "i32": torch.tensor([-5, 2147483647], dtype=torch.int32),
      "i16": torch.tensor([-32768, 12], dtype=torch.int16), "i8": torch.tensor([-128, 127], dtype=torch.int8),
      "u8": torch.tensor([0, 255, 3], dtype=torch.uint8), "b": torch.tensor([True, False, True]), "scalar": torch.tensor(2.5),
      "empty": torch.zeros(0, 3)}
sd["view"] = sd["f32"].t()
import collections
torch.save(collections.OrderedDict(sd), sys.argv[1])
print(json.dumps({k: [str(v.dtype).replace("torch.", ""), list(v.shape), v.double().flatten().tolist()] for k, v in sd.items()}))`, f);
    const sd = torch.load(f);
    expect(Object.keys(sd)).to.deep.equal(Object.keys(ref));
    for (const k of Object.keys(ref)) {
      expect(sd[k].dtype.name, k).to.equal(ref[k][0]);
      expect(sd[k].shape, k).to.deep.equal(ref[k][1]);
      expect(flat(sd[k]), k).to.deep.equal(ref[k][2]);
    }
    expect(sd.view.stride()).to.deep.equal([1, 4]);
  });

  it("reads torchvision's resnet18 state dict", function () {
    requirePython(this, true);
    const f = path.join(dir, "resnet18.pt");
    const ref = pyJson(`
import sys, json, torch, torchvision
torch.manual_seed(0)
m = torchvision.models.resnet18()
torch.save(m.state_dict(), sys.argv[1])
print(json.dumps({k: [list(v.shape), v.double().sum().item()] for k, v in m.state_dict().items()}))`, f);
    const sd = torch.load(f);
    expect(Object.keys(sd)).to.deep.equal(Object.keys(ref));
    for (const k of Object.keys(ref)) {
      expect(sd[k].shape, k).to.deep.equal(ref[k][0]);
      const s = torch.tidy(() => sd[k].double().sum().item());
      expect(s, k).to.be.closeTo(ref[k][1], 1e-9 * Math.max(1, Math.abs(ref[k][1])));
    }
    expect(sd["bn1.num_batches_tracked"].dtype).to.equal(torch.int64);
  });

  it("reads Python's optimizer, scheduler and training checkpoint", function () {
    requirePython(this);
    const f = path.join(dir, "ckpt_py.pt");
    const ref = pyJson(`
import sys, json, torch, numpy as np
torch.manual_seed(0)
m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
opt = torch.optim.Adam(m.parameters(), lr=1e-3)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
m(torch.randn(5, 3)).sum().backward(); opt.step(); sched.step()
torch.save({"epoch": 3, "model_state_dict": m.state_dict(), "optimizer_state_dict": opt.state_dict(),
            "scheduler_state_dict": sched.state_dict(), "best": np.float64(0.125), "shape": torch.Size([2, 3]),
            "pair": (1, "x"), "param": torch.nn.Parameter(torch.ones(2))}, sys.argv[1])
print(json.dumps({"exp_avg0": opt.state_dict()["state"][0]["exp_avg"].flatten().tolist(), "lr": opt.param_groups[0]["lr"]}))`, f);
    const ck = torch.load(f);
    expect(ck.epoch).to.equal(3);
    expect(Object.keys(ck.model_state_dict)).to.deep.equal(["0.weight", "0.bias", "2.weight", "2.bias"]);
    const st = ck.optimizer_state_dict.state;
    expect(Object.keys(st)).to.deep.equal(["0", "1", "2", "3"]);
    expect(flat(st["0"].exp_avg)).to.deep.equal(ref.exp_avg0.map(Math.fround));
    expect(ck.optimizer_state_dict.param_groups[0].betas).to.deep.equal([0.9, 0.999]);
    expect(ck.optimizer_state_dict.param_groups[0].params).to.deep.equal([0, 1, 2, 3]);
    expect(ck.scheduler_state_dict.step_size).to.equal(2);
    expect(ck.scheduler_state_dict._last_lr[0]).to.be.closeTo(ref.lr, 1e-12);
    expect(ck.best).to.equal(0.125);
    expect(ck.shape).to.deep.equal([2, 3]);
    expect(ck.pair).to.deep.equal([1, "x"]);
    expect(ck.param.requiresGrad).to.equal(true);
  });

  it("reads the legacy (pre-1.6, non-zip) format", function () {
    requirePython(this);
    const f = path.join(dir, "legacy.pt");
    const ref = pyJson(`
import sys, json, torch
base = torch.arange(12.).view(3, 4)
obj = {"a": base[:, 1:], "b": torch.ones(3, dtype=torch.bfloat16), "c": base, "n": 5}
torch.save(obj, sys.argv[1], _use_new_zipfile_serialization=False)
print(json.dumps({"a": obj["a"].tolist(), "b": obj["b"].float().tolist()}))`, f);
    expect(fs.readFileSync(f).readUInt32LE(0)).to.not.equal(0x04034b50);
    const back = torch.load(f);
    expect(back.a.toArray()).to.deep.equal(ref.a);
    expect(back.b.toArray()).to.deep.equal(ref.b);
    expect(back.n).to.equal(5);
    back.c.fill_(0);  // a and c share one storage
    expect(back.a.toArray()[0]).to.deep.equal([0, 0, 0]);
  });

  it("maps storages with mapLocation (device, object and function forms)", () => {
    const f = path.join(dir, "map.pt");
    torch.save({ a: torch.ones([2]) }, f);
    const seen: string[] = [];
    const a = torch.load(f, { mapLocation: (loc) => { seen.push(loc); return "cpu"; } });
    expect(seen).to.deep.equal(["cpu"]);
    expect(a.a.device).to.equal("cpu");
    expect(torch.load(f, { mapLocation: { cpu: "cpu" } }).a.device).to.equal("cpu");
    expect(torch.load(f, { mapLocation: "cpu" }).a.toArray()).to.deep.equal([1, 1]);
    if (!torch.buildInfo.hasCuda) expect(() => torch.load(f, { mapLocation: "cuda" })).to.throw(/CUDA is not available/);
  });

  describe("bad input", () => {
    it("gives clear errors naming the file for missing, empty, truncated, corrupt and non-torch files", () => {
      const good = path.join(dir, "good.pt");
      torch.save({ w: torch.randn([64, 64]) }, good);
      const bytes = fs.readFileSync(good);
      const cases: [string, Buffer | null, RegExp][] = [
        ["missing.pt", null, /no such file/],
        ["empty.pt", Buffer.alloc(0), /empty/],
        ["text.pt", Buffer.from("hello world, not a checkpoint\n"), /not a PyTorch file/],
        ["truncated.pt", bytes.subarray(0, Math.floor(bytes.length / 2)), /zip|archive|central directory|read/i],
        ["zipjunk.pt", Buffer.concat([bytes.subarray(0, 4), Buffer.alloc(300, 7)]), /zip|archive|central directory/i],
        ["picklejunk.pt", Buffer.from([0x80, 0x02, 0x8a, 0x0a, 1, 2, 3]), /truncated|corrupt/],
      ];
      for (const [name, data, re] of cases) {
        const f = path.join(dir, name);
        if (data) fs.writeFileSync(f, data);
        let err: any = null;
        try { torch.load(f); } catch (e) { err = e; }
        expect(err, name).to.be.instanceOf(Error);
        expect(err.message, name).to.include(f);
        expect(err.message, name).to.match(re);
      }
    });

    it("never crashes on randomly corrupted files (only Errors)", () => {
      const f0 = path.join(dir, "fuzz-src.pt");
      torch.manualSeed(0);
      torch.save({ w: torch.randn([4, 4]), h: torch.ones([3]).half(), meta: { epoch: 3, l: [1, 2.5, "x"] } }, f0);
      const src = fs.readFileSync(f0);
      let seed = 12345;
      const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
      let errors = 0;
      for (let i = 0; i < 400; i++) {
        const c = Buffer.from(src);
        const k = 1 + Math.floor(rnd() * 4);
        for (let j = 0; j < k; j++) c[Math.floor(rnd() * c.length)] = Math.floor(rnd() * 256);
        const f = path.join(dir, "fuzz.pt");
        fs.writeFileSync(f, c);
        try { torch.tidy(() => { torch.load(f); }); } catch (e: any) {
          expect(e).to.be.instanceOf(Error);
          expect(e.message).to.include(f);
          errors++;
        }
      }
      expect(errors).to.be.greaterThan(100);
    });

    it("reports a corrupt data.pkl inside a valid archive", function () {
      requirePython(this);
      const f = path.join(dir, "badpkl.pt");
      py(`
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("archive/data.pkl", b"\\x80\\x02}q\\x00(X\\x01\\x00\\x00")
    z.writestr("archive/version", b"3\\n")`, f);
      expect(() => torch.load(f)).to.throw(/badpkl\.pt.*(truncated|corrupt)/);
    });

    it("never runs code named by the file", function () {
      requirePython(this);
      const f = path.join(dir, "evil.pt");
      const marker = path.join(dir, "pwned");
      py(`
import sys, os, torch
class Evil:
    def __reduce__(self):
        return (os.system, ("touch " + sys.argv[2],))
torch.save({"w": torch.ones(2), "x": Evil()}, sys.argv[1])`, f, marker);
      expect(() => torch.load(f)).to.throw(/evil\.pt.*(posix|os)\.system/);
      expect(fs.existsSync(marker)).to.equal(false);
      // stubs keep the data, still without running it
      const st = torch.load(f, { unknownGlobals: "stub" });
      expect(st.x.__class__).to.match(/^(posix|os)\.system$/);
      expect(fs.existsSync(marker)).to.equal(false);
    });

    it("refuses a tensor that reaches past its storage", function () {
      requirePython(this);
      const f = path.join(dir, "oob.pt");
      // a valid file whose pickle claims a larger size than its storage holds
      py(`
import sys, torch, io, zipfile
torch.save({"t": torch.ones(4)}, sys.argv[1])
z = zipfile.ZipFile(sys.argv[1]); names = z.namelist(); data = {n: z.read(n) for n in names}; z.close()
pk = [n for n in names if n.endswith("data.pkl")][0]
# the size tuple (4,) is pickled as K\\x04\\x85: make it (200,)
data[pk] = data[pk].replace(b"K\\x04\\x85", b"K\\xc8\\x85", 1)
with zipfile.ZipFile(sys.argv[1], "w") as out:
    for n in names: out.writestr(n, data[n])`, f);
      expect(() => torch.load(f)).to.throw(/oob\.pt.*storage/);
    });
  });

  it("loads a TorchScript archive through jit.load", function () {
    requirePython(this);
    const f = path.join(dir, "scripted.pt");
    py(`
import sys, torch
torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), sys.argv[1])`, f);
    const warn = console.warn;
    const msgs: string[] = [];
    console.warn = (m: string) => { msgs.push(m); };
    try {
      const m = torch.load(f);
      expect(m).to.be.instanceOf(torch.jit.ScriptModule);
      expect(m.namedParameters().map((e: any) => e[0])).to.deep.equal(["weight", "bias"]);
    } finally { console.warn = warn; }
    expect(msgs.join()).to.match(/TorchScript/);
  });

  it("does not leak tensor handles", () => {
    const f = path.join(dir, "leak.pt");
    torch.save(allDtypes(), f);
    torch.tidy(() => torch.load(f));
    const before = torch.memory().liveTensors;
    for (let i = 0; i < 3; i++) torch.tidy(() => { torch.save(torch.load(f), f); });
    expect(torch.memory().liveTensors).to.equal(before);
    expect(maxDiff(torch.load(f).f32, allDtypes().f32)).to.equal(0);
  });
});
