// Per-op time of small-tensor ops, torchts vs Python PyTorch in the same invocation.
// Run: npm run bench:ops [-- --write]   (--write updates bench/RESULTS.md). Target: torchts <= 0.7 x Python.
// The machines here are noisy, so the two sides alternate op by op (Python runs as a server, bench/ops.py),
// both count process CPU time, and each side keeps its best of all rounds.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import * as torch from "../lib";

const N = Number(process.env.BENCH_N ?? 20000), ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const PY = process.env.PYTHON ?? "/usr/bin/python3";

torch.manualSeed(0);
const a = torch.randn([4, 4]), b = torch.randn([4, 4]);
const w = torch.randn([4, 4], { requiresGrad: true });

// Each call disposes its result, as Python's refcount frees it at once.
const OPS: Record<string, () => void> = {
  add: () => a.add(b).dispose(),
  "add scalar": () => a.add(2.5).dispose(),
  mul: () => a.mul(b).dispose(),
  relu: () => a.relu().dispose(),
  "matmul 4x4": () => a.matmul(b).dispose(),
  sum: () => a.sum().dispose(),
  view: () => a.view(16).dispose(),
  exp: () => a.exp().dispose(),
  eq: () => a.eq(b).dispose(),
  "add (requires grad)": () => w.add(b).dispose(),
  transpose: () => a.transpose(0, 1).dispose(),
  unsqueeze: () => a.unsqueeze(0).dispose(),
  softmax: () => a.softmax(1).dispose(),
  cat: () => torch.cat([a, b]).dispose(),
};
const CORE = ["add", "mul", "relu", "matmul 4x4", "sum", "view"];

// Process CPU time (user + system) per call, as Python's time.process_time(): on a loaded machine wall time
// mostly measures preemption, and penalises whichever side runs longer.
const cpuUs = () => { const u = process.cpuUsage(); return u.user + u.system; };
function timeJs(f: () => void): number {
  for (let i = 0; i < N / 10; i++) f();
  const t0 = cpuUs();
  for (let i = 0; i < N; i++) f();
  return (cpuUs() - t0) / N;
}
// The same adds, freed by torch.tidy in blocks of 100 (a training loop's pattern).
function timeTidy(): number {
  const t0 = cpuUs();
  for (let i = 0; i < N / 100; i++) torch.tidy(() => { for (let k = 0; k < 100; k++) a.add(b); });
  return (cpuUs() - t0) / N;
}

async function main(): Promise<void> {
  const py = spawn(PY, [path.join(__dirname, "ops.py")], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = readline.createInterface({ input: py.stdout! })[Symbol.asyncIterator]();
  const next = async () => { const r = await lines.next(); if (r.done) throw new Error(`${PY} bench/ops.py exited`); return r.value; };
  const pyInfo = JSON.parse(await next());
  const askPy = async (op: string) => { py.stdin!.write(`${op} ${N}\n`); return Number(await next()); };

  const live = torch.memory().liveTensors;
  const best: Record<string, { js: number; py: number }> = {};
  const names = [...Object.keys(OPS), "add (tidy x100)"];
  for (const n of names) best[n] = { js: Infinity, py: Infinity };
  for (let r = 0; r < ROUNDS; r++) {
    for (const n of names) {
      const pyOp = n === "add (tidy x100)" ? "add" : n;
      const first = r % 2 === 0;   // alternate who goes first
      let p = first ? await askPy(pyOp) : NaN;
      const j = n === "add (tidy x100)" ? timeTidy() : timeJs(OPS[n]);
      if (!first) p = await askPy(pyOp);
      best[n].js = Math.min(best[n].js, j);
      best[n].py = Math.min(best[n].py, p);
    }
  }
  py.stdin!.end();
  if (torch.memory().liveTensors !== live) throw new Error("the benchmark leaked tensors");

  const rows = ["| op (4x4 float32) | torchts µs | PyTorch µs | torchts / PyTorch |", "|---|---:|---:|---:|"];
  const core: number[] = [];
  for (const n of names) {
    const ratio = best[n].js / best[n].py;
    if (CORE.includes(n)) core.push(ratio);
    rows.push(`| ${n} | ${best[n].js.toFixed(3)} | ${best[n].py.toFixed(3)} | ${ratio.toFixed(2)} |`);
  }
  const worst = Math.max(...core);
  const geo = Math.exp(core.reduce((s, x) => s + Math.log(x), 0) / core.length);
  const info = torch.buildInfo;
  const header = [
    `- date: ${new Date().toISOString().slice(0, 10)}`,
    `- machine: ${os.cpus()[0]?.model ?? "?"}, ${os.cpus().length} cores, ${os.type()} ${os.release()}`,
    `- torchts on libtorch ${info.libtorchVersion}, Node ${process.version}; PyTorch ${pyInfo.torch}, Python ${pyInfo.python}; ` +
      `intra-op threads ${torch.getNumThreads()} / ${pyInfo.threads}`,
    `- process CPU time per call; ${N} calls per measurement, ${ROUNDS} rounds alternating op by op, best round of each side`,
    `- ${CORE.join(", ")}: worst ratio ${worst.toFixed(2)}, geometric mean ${geo.toFixed(2)} (target <= 0.70)`,
  ];
  const table = rows.join("\n");
  console.log(header.join("\n") + "\n\n" + table);
  if (process.argv.includes("--write")) {
    const file = path.join(__dirname, "RESULTS.md");
    fs.writeFileSync(file, `# bench/ops: small-tensor op time, torchts vs PyTorch\n\n` +
      `Made by \`npm run bench:ops -- --write\` (bench/ops.ts; bench/ops.py runs PyTorch in the same invocation).\n` +
      `Each call includes freeing its result (\`dispose()\` in torchts, the refcount in Python). Lower ratio is better.\n\n` +
      `${header.join("\n")}\n\n${table}\n`);
    console.log(`wrote ${file}`);
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
