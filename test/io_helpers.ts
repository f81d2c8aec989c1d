// Helpers for the serialization / safetensors / jit / checkpoint tests: running Python's torch, temp folders.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as torch from "../lib";

/** The Python with torch that interop tests run: $TORCHTS_PYTHON (the GPU check sets python3), else Debian's. */
export const PY = process.env.TORCHTS_PYTHON || "/usr/bin/python3";
let hasPy: boolean | null = null;

/** True when PY can import torch (and torchvision when asked). */
export function hasPythonTorch(withVision = false): boolean {
  if (hasPy === null) hasPy = spawnSync(PY, ["-c", "import torch"], { encoding: "utf8" }).status === 0;
  if (!hasPy) return false;
  return !withVision || spawnSync(PY, ["-c", "import torchvision"], { encoding: "utf8" }).status === 0;
}

let pyVersion: string | null | undefined;
/** The interop Python's torch version ("1.13.0a0", "2.11.0+cu130"), or null without one. */
export function pythonTorchVersion(): string | null {
  if (pyVersion === undefined) {
    const r = spawnSync(PY, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
    pyVersion = r.status === 0 ? r.stdout.trim() : null;
  }
  return pyVersion;
}

/** Skips the current test (or suite hook) with a message when Python's torch is missing. */
export function requirePython(ctx: Mocha.Context, withVision = false): void {
  if (!hasPythonTorch(withVision)) {
    console.log(`      (skipped: ${PY} cannot import torch${withVision ? "/torchvision" : ""})`);
    ctx.skip();
  }
}

/** Runs Python code (from a file, so torch.jit.script can read class sources; argv after it); returns stdout. */
export function py(code: string, ...args: string[]): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "torchts-py-"));
  const file = path.join(d, "script.py");
  fs.writeFileSync(file, code);
  try {
    const r = spawnSync(PY, [file, ...args], { encoding: "utf8", maxBuffer: 256 << 20 });
    if (r.status !== 0) throw new Error(`python failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
}
export function pyJson(code: string, ...args: string[]): any {
  const out = py(code, ...args).trim().split("\n");
  return JSON.parse(out[out.length - 1]);
}

export function tmpdir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `torchts-${tag}-`));
}
export function rmrf(dir: string): void { fs.rmSync(dir, { recursive: true, force: true }); }

/** Largest absolute difference between two tensors (as float64). */
export function maxDiff(a: torch.Tensor, b: torch.Tensor): number {
  return torch.tidy(() => torch.ops.aten.abs(a.double().sub(b.double())).max().item());
}

/** Values of a tensor as plain numbers (booleans as 0/1), flattened. */
export function flat(t: torch.Tensor): number[] {
  return torch.tidy(() => Array.from(t.double().flatten().data() as Float64Array));
}
