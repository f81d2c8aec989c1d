// DistributedDataParallel on the CPU: torchts vs Python PyTorch, each with WORLD gloo processes of THREADS threads,
// the tutorial's CIFAR-10 CNN, Adam, synthetic batches of BATCH per rank. Rounds alternate the two sides; the
// median img/s (all ranks together) and the ratio torchts ÷ Python are printed.
//   npx ts-node --transpile-only bench/ddp.ts [--world 2] [--batch 32] [--steps 30] [--rounds 3] [--threads 1]
import "../examples/_env";
import { spawnSync } from "child_process";
import * as path from "path";
import { parseArgs } from "util";
import * as torch from "../lib";
import { nn, optim, distributed as dist } from "../lib";
import { Cifar10CNN } from "../examples/models/cifar10_cnn";

const { values: a } = parseArgs({ options: {
  world: { type: "string", default: "2" }, batch: { type: "string", default: "32" }, steps: { type: "string", default: "30" },
  warmup: { type: "string", default: "3" }, rounds: { type: "string", default: "3" }, threads: { type: "string", default: "1" },
}, strict: false });
const WORLD = Number(a.world), BATCH = Number(a.batch), STEPS = Number(a.steps), WARMUP = Number(a.warmup), THREADS = Number(a.threads);

function rank(): void {
  torch.setNumThreads(THREADS);
  dist.initProcessGroup({ backend: "gloo" });
  torch.manualSeed(0);
  const model = new nn.parallel.DistributedDataParallel(new Cifar10CNN());
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const lossFn = new nn.CrossEntropyLoss();
  const xs = torch.randn([4, BATCH, 3, 32, 32]), ys = torch.randint(0, 10, [4, BATCH]);
  const step = (i: number) => torch.tidy(() => {
    opt.zeroGrad();
    lossFn.forward(model.forward(xs.select(0, i % 4)), ys.select(0, i % 4)).backward();
    opt.step();
  });
  for (let i = 0; i < WARMUP; i++) step(i);
  dist.barrier();
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) step(i);
  dist.barrier();
  const dt = (performance.now() - t0) / 1000;
  if (dist.getRank() === 0) console.log(JSON.stringify({ img_s: (WORLD * BATCH * STEPS) / dt }));
  dist.destroyProcessGroup();
}

function sideTs(): number {
  const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "..", "lib", "cli.ts"), "run",
    "--nproc-per-node", String(WORLD), __filename, ...process.argv.slice(2)], { encoding: "utf8", env: { ...process.env, TORCHTS_DDP_BENCH_RANK: "1" } });
  const m = /\{"img_s":[^}]*\}/.exec(r.stdout);
  if (!m) throw new Error("torchts side failed:\n" + r.stderr.slice(-2000));
  return JSON.parse(m[0]).img_s;
}
function sidePy(): number {
  const py = process.env.TORCHTS_PYTHON || "/usr/bin/python3";
  const r = spawnSync(py, [path.join(__dirname, "ddp_torch.py"), "--world", String(WORLD), "--batch", String(BATCH), "--steps", String(STEPS),
    "--warmup", String(WARMUP), "--threads", String(THREADS)], { encoding: "utf8" });
  const m = /\{"img_s":[^}]*\}/.exec(r.stdout);
  if (!m) throw new Error("Python side failed:\n" + r.stderr.slice(-2000));
  return JSON.parse(m[0]).img_s;
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

if (process.env.TORCHTS_DDP_BENCH_RANK) rank();
else {
  const ts: number[] = [], py: number[] = [];
  console.log(`DDP on the CPU: ${WORLD} gloo processes x ${THREADS} thread(s), tutorial CIFAR-10 CNN, Adam, batch ${BATCH}/rank, ${STEPS} timed steps`);
  for (let r = 0; r < Number(a.rounds); r++) {
    ts.push(sideTs()); py.push(sidePy());
    console.log(`  round ${r + 1}: torchts ${ts[r].toFixed(0)} img/s, Python ${py[r].toFixed(0)} img/s`);
  }
  console.log(`median: torchts ${median(ts).toFixed(0)} img/s, Python ${median(py).toFixed(0)} img/s, ratio torchts/Python ${(median(ts) / median(py)).toFixed(2)}`);
}
