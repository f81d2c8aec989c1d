// resnet18 TorchScript forward (no grad), torchts vs Python's torch.jit, in the same invocation.
// Run: npm run bench:jit [-- --write]   (--write puts the figures under "## TorchScript" in bench/RESULTS.md).
// bench/jit.py makes the module (torchvision resnet18, seeded random weights) and times Python's side; the two
// sides alternate in short rounds on the same file, same inputs and the same number of intra-op threads. The shared
// machines here are loaded by other jobs, so each side reports its fastest forward (the least disturbed) and the
// median. Ratio = Python ms / torchts ms (target >= 1.0: torchts at least as fast).
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import * as torch from "../lib";

const PY = process.env.PYTHON ?? "/usr/bin/python3";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const CASES = [{ batch: 1, iters: 4 }, { batch: 16, iters: 1 }];
const threads = Number(process.env.TORCHTS_BENCH_THREADS ?? torch.getNumThreads());

function median(xs: number[]): number { const s = xs.slice().sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; }

async function main(): Promise<void> {
  const load0 = os.loadavg()[0];
  torch.setNumThreads(threads);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "torchts-bench-jit-"));
  const file = path.join(dir, "resnet18_ts.pt");
  const py = spawn(PY, [path.join(__dirname, "jit.py"), file, String(threads)], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = readline.createInterface({ input: py.stdout! })[Symbol.asyncIterator]();
  const next = async () => { const r = await lines.next(); if (r.done) throw new Error(`${PY} bench/jit.py exited`); return r.value; };
  const pyInfo = JSON.parse(await next());
  const askPy = async (batch: number, n: number): Promise<number[]> => { py.stdin!.write(`${batch} ${n}\n`); return JSON.parse(await next()); };

  const m = torch.jit.load(file);
  const inputs = new Map<number, torch.Tensor>();
  for (const c of CASES) { torch.manualSeed(c.batch); inputs.set(c.batch, torch.randn([c.batch, 3, 224, 224])); }
  const timeTs = (batch: number, n: number) => {
    const x = inputs.get(batch)!;
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      torch.noGrad(() => m.forward(x)).dispose();
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return times;
  };
  // warm up both (the profiling executor specialises on the first runs)
  for (const c of CASES) { await askPy(c.batch, 3); timeTs(c.batch, 3); }
  const all: Record<number, { ts: number[]; py: number[] }> = {};
  for (const c of CASES) all[c.batch] = { ts: [], py: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of CASES) {
      const pyFirst = r % 2 === 0;
      const p = pyFirst ? await askPy(c.batch, c.iters) : [];
      const t = timeTs(c.batch, c.iters);
      if (!pyFirst) p.push(...await askPy(c.batch, c.iters));
      all[c.batch].ts.push(...t);
      all[c.batch].py.push(...p);
    }
  }
  py.stdin!.end();
  fs.rmSync(dir, { recursive: true, force: true });

  const rows = ["| resnet18, 3x224x224 | torchts ms (fastest / median) | PyTorch torch.jit ms (fastest / median) | ratio PyTorch / torchts (fastest / median) |",
    "|---|---:|---:|---:|"];
  for (const c of CASES) {
    const a = all[c.batch];
    const [tb, tm, pb, pm] = [Math.min(...a.ts), median(a.ts), Math.min(...a.py), median(a.py)];
    rows.push(`| batch ${c.batch} | ${tb.toFixed(1)} / ${tm.toFixed(1)} | ${pb.toFixed(1)} / ${pm.toFixed(1)} | ${(pb / tb).toFixed(2)} / ${(pm / tm).toFixed(2)} |`);
  }
  const header = [
    `- date: ${new Date().toISOString().slice(0, 10)}`,
    `- machine: ${os.cpus()[0]?.model ?? "?"}, ${os.cpus().length} cores, ${os.type()} ${os.release()}`,
    `- torchts on libtorch ${torch.buildInfo.libtorchVersion}, Node ${process.version}; PyTorch ${pyInfo.torch}, Python ${pyInfo.python}; ` +
      `intra-op threads ${torch.getNumThreads()} / ${pyInfo.threads}`,
    `- the same TorchScript file (torch.jit.trace of torchvision resnet18 by Python), forward under no_grad; ` +
      `${ROUNDS} rounds of ${CASES.map((c) => `${c.iters}`).join("/")} forwards per side, alternating which side goes first; ` +
      `load average at start ${load0.toFixed(1)}`,
    `- target: ratio >= 1.0 (torchts at least as fast)`,
  ];
  const text = `${header.join("\n")}\n\n${rows.join("\n")}`;
  console.log(text);
  if (process.argv.includes("--write")) {
    const out = path.join(__dirname, "RESULTS.md");
    const section = `## TorchScript\n\nMade by \`npm run bench:jit -- --write\` (bench/jit.ts; bench/jit.py runs PyTorch in the same invocation).\n\n${text}\n`;
    let doc = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "# Benchmarks\n";
    const re = /## TorchScript\n[\s\S]*?(?=\n## |$)/;
    doc = re.test(doc) ? doc.replace(re, section.trimEnd() + "\n") : `${doc.trimEnd()}\n\n${section}`;
    fs.writeFileSync(out, doc);
    console.log(`wrote ${out}`);
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
