// Shared by the tests: decoding fixtures written by scripts/fixtures/*.py and comparing results with them.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as torch from "../lib";

export interface EncTensor { dtype: string; shape: number[]; data: (number | boolean | string)[] }
export type Enc = EncTensor | { list: Enc[] } | { bool: boolean } | { number: number } | null;

export function loadFixture(area: string, file: string): any {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", area, file), "utf8"));
}

const num = (x: any): number => (x === "nan" ? NaN : x === "inf" ? Infinity : x === "-inf" ? -Infinity : Number(x));

/** The fixture's tensor as a torchts Tensor (same dtype and shape). */
export function decode(e: EncTensor): torch.Tensor {
  const dtype = (torch as any)[e.dtype] as torch.DType;
  const flat = dtype === torch.bool ? e.data.map(Boolean) : e.data.map(num);
  return torch.tidy(() => torch.tensor(flat, { dtype }).reshape(e.shape));
}

/** Asserts that `actual` equals the fixture value: dtype, shape, and elements within tol (exact for ints and bools). */
export function expectMatches(actual: any, expected: Enc, tol = 1e-5, where = ""): void {
  if (expected === null) { expect(actual, where).to.equal(null); return; }
  if ("list" in expected) {
    expect(Array.isArray(actual), `${where}: expected a list`).to.equal(true);
    expect(actual.length, where).to.equal(expected.list.length);
    expected.list.forEach((e, i) => expectMatches(actual[i], e, tol, `${where}[${i}]`));
    return;
  }
  if ("bool" in expected) { expect(actual, where).to.equal(expected.bool); return; }
  if ("number" in expected) { expect(actual, where).to.be.closeTo(expected.number, tol); return; }
  expect(actual, `${where}: expected a Tensor`).to.be.instanceOf(torch.Tensor);
  const t = actual as torch.Tensor;
  expect(t.dtype.name, `${where}: dtype`).to.equal(expected.dtype);
  expect(t.shape, `${where}: shape`).to.deep.equal(expected.shape);
  const got = t.dtype === torch.bool ? Array.from(t.data() as Uint8Array, Boolean) : Array.from(t.dataNumbers() as ArrayLike<number>);
  const want = t.dtype === torch.bool ? expected.data : expected.data.map(num);
  if (!t.dtype.isFloatingPoint) { expect(got, `${where}: values`).to.deep.equal(want); return; }
  for (let i = 0; i < want.length; i++) {
    const a = got[i] as number, b = want[i] as number;
    if (Number.isNaN(b)) { expect(Number.isNaN(a), `${where}[${i}]: expected NaN, got ${a}`).to.equal(true); continue; }
    if (!Number.isFinite(b)) { expect(a, `${where}[${i}]`).to.equal(b); continue; }
    expect(Math.abs(a - b), `${where}[${i}]: got ${a}, expected ${b}`).to.be.at.most(tol * Math.max(1, Math.abs(b)));
  }
}

/** The Python with torch for interop ($TORCHTS_PYTHON, else /usr/bin/python3); null when that is not available. */
export function pythonTorch(): string | null {
  const py = process.env.TORCHTS_PYTHON || "/usr/bin/python3";
  if (py.includes("/") && !fs.existsSync(py)) return null;
  const r = require("child_process").spawnSync(py, ["-c", "import torch"], { encoding: "utf8" });
  return r.status === 0 ? py : null;
}

const majorMinor = (v: string): string => v.split(".").slice(0, 2).join(".");
/** This libtorch's version, major.minor ("1.13", "2.11"). */
export const LIBTORCH_MM = majorMinor(torch.buildInfo.libtorchVersion);
/**
 * Whether a reference made by PyTorch `version` (a fixture's "torch" field, or the interop Python's version) comes
 * from the libtorch torchts runs on. Then the kernels are the same and tests demand the last bits. Across versions
 * (the committed fixtures are PyTorch 1.13's; a GPU machine's libtorch is 2.x) vectorised kernels may round the last
 * bit differently, and tests allow for that, never on the fixtures' own version.
 */
export function sameTorch(version: string): boolean { return majorMinor(version) === LIBTORCH_MM; }
/** The PyTorch version that made the committed fixtures which record none. */
export const FIXTURES_TORCH = "1.13";
