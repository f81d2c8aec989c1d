// safetensors: round trips with metadata in every dtype, files read and written by Python (a spec-following
// reader/writer; the safetensors package is not installed), bad files, and load memory (no second copy).
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as torch from "../lib";
import { py, pyJson, requirePython, tmpdir, rmrf, flat } from "./io_helpers";

const ROOT = path.join(__dirname, "..");

function allDtypes(): Record<string, torch.Tensor> {
  torch.manualSeed(0);
  return {
    "layer.f32": torch.randn([3, 4]),
    f64: torch.randn([5]).double(),
    f16: torch.randn([2, 3]).half(),
    bf16: torch.randn([7]).bfloat16(),
    i64: torch.tensor([-(2 ** 40), 0, 7], { dtype: torch.int64 }),
    i32: torch.tensor([-5, 2147483647], { dtype: torch.int32 }),
    i16: torch.tensor([-32768, 12, 3], { dtype: torch.int16 }),
    i8: torch.tensor([-128, 127], { dtype: torch.int8 }),
    u8: torch.tensor([0, 255, 3], { dtype: torch.uint8 }),
    b: torch.tensor([true, false, true]),
    scalar: torch.tensor(2.5),
    empty: torch.zeros([0, 3]),
    strided: torch.arange(0, 6).float().view([2, 3]).t(),
  };
}
const CODES: Record<string, string> = {
  "layer.f32": "F32", f64: "F64", f16: "F16", bf16: "BF16", i64: "I64", i32: "I32", i16: "I16", i8: "I8", u8: "U8",
  b: "BOOL", scalar: "F32", empty: "F32", strided: "F32",
};
const PY_READER = `
import sys, json, struct, torch
DT = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64,
      "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool}
data = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
base = 8 + n
out = {"header_len": n, "meta": header.get("__metadata__"), "t": {}}
for k, v in header.items():
    if k == "__metadata__": continue
    b, e = v["data_offsets"]
    dt = DT[v["dtype"]]
    t = torch.frombuffer(bytearray(data[base + b:base + e]), dtype=dt) if e > b else torch.empty(0, dtype=dt)
    t = t.reshape(v["shape"])
    out["t"][k] = [v["dtype"], v["shape"], [b, e], t.double().flatten().tolist()]
print(json.dumps(out))`;

describe("torch.safetensors", function () {
  let dir: string;
  before(() => { dir = tmpdir("st"); });
  after(() => rmrf(dir));

  it("round-trips every dtype with metadata", () => {
    const sd = allDtypes();
    const f = path.join(dir, "all.safetensors");
    torch.safetensors.save(sd, f, { format: "pt", note: "héllo" });
    const back = torch.safetensors.load(f);
    expect(Object.keys(back).sort()).to.deep.equal(Object.keys(sd).sort());
    for (const k of Object.keys(sd)) {
      expect(back[k].dtype, k).to.equal(sd[k].dtype);
      expect(back[k].shape, k).to.deep.equal(sd[k].shape);
      expect(flat(back[k]), k).to.deep.equal(flat(sd[k]));
    }
    expect(torch.safetensors.metadata(f)).to.deep.equal({ format: "pt", note: "héllo" });
    const d = torch.safetensors.describe(f);
    expect(d.bf16.dtype).to.equal(torch.bfloat16);
    expect(d.strided.shape).to.deep.equal([3, 2]);
  });

  it("aligns the header to 8 bytes and each tensor to its element size", () => {
    const f = path.join(dir, "align.safetensors");
    torch.safetensors.save({ a: torch.ones([3], { dtype: torch.uint8 }), b: torch.ones([3]).double(), c: torch.ones([1]).half() }, f);
    const buf = fs.readFileSync(f);
    const n = Number(buf.readBigUInt64LE(0));
    expect(n % 8).to.equal(0);
    const h = JSON.parse(buf.toString("utf8", 8, 8 + n));
    expect(h.__metadata__).to.equal(undefined);
    for (const k of ["a", "b", "c"]) {
      const size = { U8: 1, F64: 8, F16: 2 }[h[k].dtype as "U8"];
      expect(h[k].data_offsets[0] % size, k).to.equal(0);
    }
    expect(buf.length).to.equal(8 + n + 3 + 24 + 2);
  });

  it("writes files a spec reader in Python reads, in every dtype", function () {
    requirePython(this);
    const sd = allDtypes();
    const f = path.join(dir, "to_py.safetensors");
    torch.safetensors.save(sd, f, { framework: "torchts" });
    const got = pyJson(PY_READER, f);
    expect(got.meta).to.deep.equal({ framework: "torchts" });
    for (const k of Object.keys(sd)) {
      expect(got.t[k][0], k).to.equal(CODES[k]);
      expect(got.t[k][1], k).to.deep.equal(sd[k].shape);
      expect(got.t[k][3], k).to.deep.equal(flat(sd[k]));
    }
  });

  it("reads files written by Python (unpadded header, any order)", function () {
    requirePython(this);
    const f = path.join(dir, "from_py.safetensors");
    const ref = pyJson(`
import sys, json, struct, torch
torch.manual_seed(0)
ts = {"w.f32": torch.randn(3, 4), "f64": torch.randn(2).double(), "f16": torch.randn(5).half(), "bf16": torch.randn(3).bfloat16(),
      "i64": torch.tensor([1, -2**50]), "i32": torch.tensor([7], dtype=torch.int32), "i16": torch.tensor([-3], dtype=torch.int16),
      "i8": torch.tensor([-1, 1], dtype=torch.int8), "u8": torch.tensor([200], dtype=torch.uint8), "bool": torch.tensor([False, True]),
      "scalar": torch.tensor(1.5)}
CODE = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64",
        torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}
header, blobs, off = {"__metadata__": {"source": "python"}}, [], 0
for k in reversed(list(ts)):
    t = ts[k].contiguous()
    raw = t.view(torch.uint8).numpy().tobytes() if t.dim() else t.reshape(1).view(torch.uint8).numpy().tobytes()
    header[k] = {"dtype": CODE[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
    blobs.append(raw); off += len(raw)
h = json.dumps(header).encode()
with open(sys.argv[1], "wb") as fh:
    fh.write(struct.pack("<Q", len(h))); fh.write(h); fh.write(b"".join(blobs))
print(json.dumps({k: [str(v.dtype).replace("torch.", ""), list(v.shape), v.double().flatten().tolist()] for k, v in ts.items()}))`, f);
    const sd = torch.safetensors.load(f);
    expect(torch.safetensors.metadata(f)).to.deep.equal({ source: "python" });
    for (const k of Object.keys(ref)) {
      expect(sd[k].dtype.name, k).to.equal(ref[k][0]);
      expect(sd[k].shape, k).to.deep.equal(ref[k][1]);
      expect(flat(sd[k]), k).to.deep.equal(ref[k][2]);
    }
  });

  it("gives clear errors for bad files", () => {
    const good = path.join(dir, "good.safetensors");
    torch.safetensors.save({ w: torch.ones([16, 16]) }, good);
    const bytes = fs.readFileSync(good);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = (h: any) => { const b = Buffer.from(JSON.stringify(h)); const l = Buffer.alloc(8); l.writeBigUInt64LE(BigInt(b.length)); return Buffer.concat([l, b]); };
    const cases: [string, Buffer | null, RegExp][] = [
      ["missing.safetensors", null, /no such file/],
      ["short.safetensors", Buffer.from([1, 2, 3]), /too short/],
      ["hugelen.safetensors", Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]), Buffer.alloc(64)]), /header length/],
      ["truncated.safetensors", bytes.subarray(0, bytes.length - 10), /past the end|truncated/],
      ["badjson.safetensors", Buffer.concat([bytes.subarray(0, 8), Buffer.alloc(n, 0x7b), Buffer.alloc(1024)]), /not valid JSON/],
      ["dtype.safetensors", Buffer.concat([header({ w: { dtype: "Q7", shape: [1], data_offsets: [0, 4] } }), Buffer.alloc(4)]), /unknown dtype/],
      ["size.safetensors", Buffer.concat([header({ w: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }), Buffer.alloc(4)]), /needs 8 bytes/],
      ["overlap.safetensors", Buffer.concat([header({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }), Buffer.alloc(12)]), /overlap/],
      ["shape.safetensors", Buffer.concat([header({ w: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }), Buffer.alloc(4)]), /bad shape/],
    ];
    for (const [name, data, re] of cases) {
      const f = path.join(dir, name);
      if (data) fs.writeFileSync(f, data);
      let err: any = null;
      try { torch.safetensors.load(f); } catch (e) { err = e; }
      expect(err, name).to.be.instanceOf(Error);
      expect(err.message, name).to.include(f);
      expect(err.message, name).to.match(re);
    }
    expect(() => torch.safetensors.save({ a: 1 as any }, path.join(dir, "x.safetensors"))).to.throw(TypeError, /not a Tensor/);
    expect(() => torch.safetensors.save({ a: torch.ones([1]) }, path.join(dir, "x.safetensors"), { n: 1 as any })).to.throw(TypeError, /metadata/);
  });

  it("loads a 256 MB file without a second copy in memory (safetensors and torch.load)", function () {
    this.timeout(300000);
    const st = path.join(dir, "big.safetensors");
    const pt = path.join(dir, "big.pt");
    const MB = 256;
    torch.tidy(() => {
      const big = torch.ones([MB * 262144]);
      torch.safetensors.save({ big }, st);
      torch.save({ big }, pt);
    });
    const child = `
require("ts-node/register/transpile-only");
const fs = require("fs");
const torch = require(${JSON.stringify(path.join(ROOT, "lib"))});
const kb = (k) => parseInt(new RegExp(k + ":\\\\s+(\\\\d+)").exec(fs.readFileSync("/proc/self/status", "utf8"))[1]) * 1024;
const out = {};
for (const [name, f, load] of [["safetensors", ${JSON.stringify(st)}, (p) => torch.safetensors.load(p)], ["torch.load", ${JSON.stringify(pt)}, (p) => torch.load(p)]]) {
  if (global.gc) global.gc();
  fs.writeFileSync("/proc/self/clear_refs", "5");
  const before = kb("VmRSS");
  const sd = load(f);
  const peak = kb("VmHWM");
  out[name] = { before, peak, sum: sd.big.sum().item() };
  sd.big.dispose();
}
console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ["--expose-gc", "-e", child], { cwd: ROOT, encoding: "utf8", env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1" } });
    if (r.status !== 0) throw new Error(r.stderr);
    const res = JSON.parse(r.stdout.trim().split("\n").pop()!);
    const size = MB * 1048576;
    for (const k of ["safetensors", "torch.load"]) {
      expect(res[k].sum, k).to.equal(MB * 262144);
      const grew = res[k].peak - res[k].before;
      expect(grew, `${k}: peak memory grew by ${(grew / 1048576).toFixed(0)} MB for a ${MB} MB file`).to.be.lessThan(1.3 * size);
      expect(grew, k).to.be.greaterThan(0.5 * size);  // the measurement saw the tensor (pages reused from earlier loads may not count)
    }
  });
});
