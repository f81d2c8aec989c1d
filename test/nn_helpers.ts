// Fixture decoding and comparison for the nn tests (fixtures from scripts/fixtures/nn.py).
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as torch from "../lib";

export interface Enc { shape: number[]; dtype: "float32" | "int64" | "bool"; data: (number | boolean)[] }

export function fixturePath(file: string): string { return path.join(__dirname, "fixtures", "nn", file); }
export function loadNN(): any { return JSON.parse(fs.readFileSync(fixturePath("nn.json"), "utf8")); }

export function decode(e: Enc): torch.Tensor {
  const dtype = e.dtype === "int64" ? torch.int64 : e.dtype === "bool" ? torch.bool : torch.float32;
  return torch.tidy(() => torch.tensor(e.data as any, { dtype }).reshape(e.shape));
}
export function decodeAll(m: Record<string, Enc>): Record<string, torch.Tensor> {
  const out: Record<string, torch.Tensor> = {};
  for (const [k, v] of Object.entries(m)) out[k] = decode(v);
  return out;
}

/** Max |a - b| / max(1, |b|) over the elements; shapes must match. */
export function expectClose(actual: torch.Tensor | null | undefined, expected: Enc, tol: number, where: string): void {
  expect(actual, `${where}: missing`).to.be.instanceOf(torch.Tensor);
  const t = actual as torch.Tensor;
  expect(t.shape, `${where}: shape`).to.deep.equal(expected.shape);
  const got = Array.from(t.dataNumbers() as ArrayLike<number>);
  const want = expected.data.map((v) => (expected.dtype === "float32" ? Math.fround(Number(v)) : Number(v)));
  if (expected.dtype !== "float32") { expect(got, `${where}: values`).to.deep.equal(want); return; }
  let worst = 0, at = -1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i]));
    if (!(d <= worst)) { worst = d; at = i; }
  }
  expect(worst, `${where}: worst error ${worst} at ${at} (got ${got[at]}, want ${want[at]})`).to.be.at.most(tol);
}

/** Evaluates a torchts constructor expression from the fixtures (`nn`, `torch` and named tensors `T` in scope). */
export function build(js: string, T: Record<string, torch.Tensor> = {}): any {
  return new Function("nn", "torch", "T", `return ${js};`)(torch.nn, torch, T);
}
