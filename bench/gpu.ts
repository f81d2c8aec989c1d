// GPU benchmark: the tutorial's CIFAR-10 CNN (examples/models/cifar10_cnn.ts) trained on synthetic,
// device-resident batches of 64 and 512, on one GPU, in one command:
//   1. Python PyTorch eager (bench/gpu_torch.py, run with $TORCHTS_PYTHON or python3)
//   2. torchts eager (float32)
//   3. torchts with bfloat16 autocast + channels_last + cudnn.benchmark
//   4. torchts with the whole training step in a CUDA graph (on top of 3)
// Python runs the same configurations of 3 and 4 too, so every torchts figure has its Python twin.
// Prints images/s, ratios, and the time 50 epochs of 50k images would take. Exits 0 without CUDA.
//   npx ts-node --transpile-only bench/gpu.ts [--quick] [--cpu-smoke]
// --cpu-smoke runs the torchts rows briefly on the CPU (a check of this script, not a benchmark).
import { spawnSync } from "child_process";
import * as path from "path";
import * as torch from "../lib";
import { cuda, nn, optim, backends } from "../lib";
import { Cifar10CNN } from "../examples/models/cifar10_cnn";

type Mode = "eager" | "amp_cl" | "graph";
const smoke = process.argv.includes("--cpu-smoke");
const quick = smoke || process.argv.includes("--quick");
const DEV = smoke ? "cpu" : "cuda";
const BATCHES = [64, 512];
const IMAGES = smoke ? 128 : quick ? 4096 : 40960;     // timed images per measurement
const WARMUP = smoke ? 1 : 10;
const NB = 16;                           // distinct device-resident batches, cycled

function python(batch: number, steps: number, mode: Mode): { img_s?: number; torch?: string; error?: string } {
  const py = process.env.TORCHTS_PYTHON || "python3";
  const r = spawnSync(py, [path.join(__dirname, "gpu_torch.py"), "--batch", String(batch), "--steps", String(steps),
    "--warmup", String(WARMUP), "--mode", mode], { encoding: "utf8", timeout: 600_000 });
  const line = (r.stdout || "").trim().split("\n").pop() || "";
  try { return JSON.parse(line); } catch { return { error: (r.stderr || r.error?.message || "no output").trim().split("\n").pop() }; }
}

function torchts(batch: number, steps: number, mode: Mode): { img_s: number; graphed?: boolean } {
  const fast = mode !== "eager";
  backends.cudnn.benchmark = fast;
  torch.manualSeed(0);
  const model = new Cifar10CNN().to(DEV);
  if (fast) model.to({ memoryFormat: torch.channelsLast });
  model.train();
  // The tutorial's optimizer; the graphed step needs its step counter on the device (capturable), as in Python.
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3, capturable: mode === "graph" });
  const lossFn = new nn.CrossEntropyLoss();
  const xs = torch.keep(torch.tidy(() => {
    const x = torch.randn([NB, batch, 3, 32, 32], { device: DEV });
    return fast ? torch.stack(x.unbind(0).map((b) => b.contiguous({ memoryFormat: torch.channelsLast }))) : x;
  }));
  const ys = torch.keep(torch.randint(0, 10, [NB, batch], { device: DEV }));
  const batchAt = (i: number): [torch.Tensor, torch.Tensor] => [xs.select(0, i % NB), ys.select(0, i % NB)];

  let run: (i: number) => void;
  let graphed: () => boolean = () => false;
  let cleanup = () => {};
  if (mode === "graph") {
    const [x0, y0] = batchAt(0);
    const train = cuda.makeGraphedTrainStep(model, opt, lossFn, x0, y0,
      { autocastDtype: torch.bfloat16, onFallback: (m) => console.log("  " + m) });
    x0.dispose(); y0.dispose();
    run = (i) => torch.tidy(() => { const [x, y] = batchAt(i); train.step(x, y); });
    graphed = () => train.graphed;
    cleanup = () => train.dispose();
  } else {
    run = (i) => torch.tidy(() => {
      const [x, y] = batchAt(i);
      opt.zeroGrad({ setToNone: true });
      const loss = fast
        ? torch.autocast(DEV, { dtype: torch.bfloat16 }, () => lossFn.forward(model.forward(x), y))
        : lossFn.forward(model.forward(x), y);
      loss.backward();
      opt.step();
    });
  }
  for (let i = 0; i < WARMUP; i++) run(i);
  const sync = () => { if (DEV === "cuda") cuda.synchronize(); };
  sync();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) run(i);
  sync();
  const dt = (performance.now() - t0) / 1000;
  const g = graphed();
  cleanup();
  opt.dispose();
  torch.dispose([xs, ys]);
  for (const p of model.parameters()) p.dispose();
  for (const b of model.buffers()) b.dispose();
  if (DEV === "cuda") cuda.emptyCache();
  return { img_s: (batch * steps) / dt, graphed: g };
}

function main(): void {
  if (smoke) {
    for (const mode of ["eager", "amp_cl", "graph"] as Mode[]) console.log(`cpu smoke ${mode}: ${torchts(16, 4, mode).img_s.toFixed(0)} img/s`);
    return;
  }
  if (!cuda.isAvailable()) {
    console.log("CUDA not available, skipping");
    return;
  }
  const props = cuda.getDeviceProperties();
  const py = python(64, 4, "eager");
  console.log(`GPU: ${props.name} (${(props.totalMemory / 2 ** 30).toFixed(0)} GiB, sm_${props.major}${props.minor}) | ` +
    `torchts libtorch ${torch.buildInfo.libtorchVersion} | Python torch ${py.torch ?? "unavailable: " + py.error} | ${new Date().toISOString().slice(0, 10)}`);
  console.log(`Model: tutorial CIFAR-10 CNN, Adam(lr 1e-3; capturable: true in the graph rows, both sides), synthetic device-resident data; ` +
    `${IMAGES} timed images per row\n`);
  const rows: { batch: number; way: string; imgS: number | null; ref: number | null }[] = [];
  const header = "batch  way                                              img/s   vs Python (same config)";
  console.log(header);
  console.log("-".repeat(header.length));
  const fmt = (n: number | null) => (n === null ? "n/a".padStart(10) : n.toFixed(0).padStart(10));
  for (const batch of BATCHES) {
    const steps = Math.max(20, Math.round(IMAGES / batch));
    const ways: [string, Mode, boolean][] = [
      ["1. Python PyTorch eager (float32)", "eager", false],
      ["2. torchts eager (float32)", "eager", true],
      ["   Python bf16 autocast + channels_last + benchmark", "amp_cl", false],
      ["3. torchts bf16 autocast + channels_last + benchmark", "amp_cl", true],
      ["   Python, whole step in a CUDA graph (+3)", "graph", false],
      ["4. torchts, whole step in a CUDA graph (+3)", "graph", true],
    ];
    const pyRef: Partial<Record<Mode, number>> = {};
    for (const [name, mode, isTs] of ways) {
      let imgS: number | null = null, note = "";
      if (isTs) {
        try {
          const r = torchts(batch, steps, mode);
          imgS = r.img_s;
          if (mode === "graph" && !r.graphed) note = "  (ran eagerly: capture fell back)";
        } catch (e: any) { note = "  error: " + String(e?.message ?? e).split("\n")[0]; }
      } else {
        const r = python(batch, steps, mode);
        if (r.img_s) { imgS = r.img_s; pyRef[mode] = r.img_s; } else note = "  error: " + r.error;
      }
      const ref = isTs ? pyRef[mode] ?? null : null;
      const ratio = isTs && imgS && ref ? `${(imgS / ref).toFixed(2)}x` : "";
      rows.push({ batch, way: name, imgS, ref });
      console.log(`${String(batch).padEnd(6)} ${name.padEnd(50)} ${fmt(imgS)}   ${ratio}${note}`);
    }
    const base = rows.find((r) => r.batch === batch && r.way.startsWith("1."))?.imgS;
    const best = rows.find((r) => r.batch === batch && r.way.startsWith("4."))?.imgS;
    const eager = rows.find((r) => r.batch === batch && r.way.startsWith("2."))?.imgS;
    if (base && best && eager) console.log(`       speed-up of 4 over torchts eager: ${(best / eager).toFixed(2)}x; over Python eager: ${(best / base).toFixed(2)}x`);
    console.log("");
  }
  console.log("Estimated time for 50 epochs x 50,000 images (training steps only):");
  for (const r of rows) if (r.imgS) console.log(`  batch ${String(r.batch).padEnd(4)} ${r.way.trim().padEnd(52)} ${(2.5e6 / r.imgS / 60).toFixed(1).padStart(6)} min`);
}

main();
