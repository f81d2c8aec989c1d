// Shared by the optim tests: decoding Python fixtures and comparing nested values.
import { expect } from "chai";
import * as torch from "../lib";

/** Decodes scripts/fixtures/optim.py's JSON encoding: {__tensor__} -> Tensor, {__float__} -> number. */
export function dec(v: any): any {
  if (Array.isArray(v)) return v.map(dec);
  if (v && typeof v === "object") {
    if ("__tensor__" in v) {
      const dtype = (torch as any)[v.dtype] as torch.DType;
      const t = torch.tensor(v.__tensor__, { dtype: torch.float64 });
      const r = t.to(dtype).reshape(v.shape);
      t.dispose();
      return r;
    }
    if ("__float__" in v) return v.__float__ === "inf" ? Infinity : v.__float__ === "-inf" ? -Infinity : NaN;
    const o: any = {};
    for (const k of Object.keys(v)) o[k] = dec(v[k]);
    return o;
  }
  return v;
}

/**
 * Recursive comparison: numbers within rel (relative) or abs, tensors elementwise within tensorTol (times
 * max(1, |expected|) with tensorRel), same keys.
 */
export function expectClose(actual: any, expected: any, opts: { rel?: number; tensorTol?: number; tensorRel?: boolean } = {}, path = "$"): void {
  const rel = opts.rel ?? 1e-12, tt = opts.tensorTol ?? 1e-5;
  if (expected instanceof torch.Tensor) {
    expect(actual, path).to.be.instanceOf(torch.Tensor);
    expect(actual.dtype, path + " dtype").to.equal(expected.dtype);
    expect(actual.shape, path + " shape").to.deep.equal(expected.shape);
    const a = Array.from(actual.dataNumbers() as ArrayLike<number>), e = Array.from(expected.dataNumbers() as ArrayLike<number>);
    a.forEach((x, i) => expect(Math.abs(x - e[i]), `${path}[${i}]: ${x} vs ${e[i]}`)
      .to.be.at.most(opts.tensorRel ? tt * Math.max(1, Math.abs(e[i])) : tt));
    return;
  }
  if (typeof expected === "number") {
    expect(actual, path).to.be.a("number");
    if (!Number.isFinite(expected)) { expect(actual, path).to.satisfy((x: number) => Object.is(x, expected) || (isNaN(x) && isNaN(expected))); return; }
    expect(Math.abs(actual - expected), `${path}: ${actual} vs ${expected}`).to.be.at.most(rel * Math.max(Math.abs(expected), Math.abs(actual)) + 1e-300);
    return;
  }
  if (Array.isArray(expected)) {
    expect(actual, path).to.be.an("array").with.lengthOf(expected.length);
    expected.forEach((e, i) => expectClose(actual[i], e, opts, `${path}[${i}]`));
    return;
  }
  if (expected && typeof expected === "object") {
    expect(actual, path).to.be.an("object");
    expect(Object.keys(actual).sort(), path + " keys").to.deep.equal(Object.keys(expected).sort());
    for (const k of Object.keys(expected)) expectClose(actual[k], expected[k], opts, `${path}.${k}`);
    return;
  }
  expect(actual, path).to.equal(expected);
}

export function maxAbsDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((x, j) => { m = Math.max(m, Math.abs(x - b[i][j])); }));
  return m;
}
