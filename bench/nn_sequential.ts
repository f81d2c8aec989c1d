// Does a Sequential of built-in layers run faster as one native call? Times forward (no grad) and a training
// step (forward + backward) three ways in torchts, and in Python PyTorch in the same invocation:
//   fused:      nn.Sequential.nativeForward = true  (the whole forward is one native call)
//   per-layer:  nn.Sequential.nativeForward = false (each layer's forward is one native call)
//   dispatcher: each layer through the generic boxed operator path (nn.functional, callOp by schema)
// Run: npx ts-node --transpile-only bench/nn_sequential.ts   (TORCHTS_BENCH_THREADS, default 1)
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as torch from "../lib";
import { nn, Tensor } from "../lib";

const F = nn.functional;
const threads = Number(process.env.TORCHTS_BENCH_THREADS ?? 1);
torch.setNumThreads(threads);

interface Case { name: string; build: () => nn.Sequential; py: string; input: number[]; iters: number; }
const mlp = (w: number, depth: number, inp: number) => {
  const ls: nn.Module[] = [];
  for (let i = 0; i < depth; i++) ls.push(new nn.Linear(i === 0 ? inp : w, w), new nn.ReLU());
  ls.push(new nn.Linear(w, 10));
  return new nn.Sequential(...ls);
};
const cases: Case[] = [
  { name: "MLP 3 layers, batch 1", build: () => mlp(64, 2, 32), input: [1, 32], iters: 3000,
    py: "mlp(64, 2, 32)" },
  { name: "MLP 9 layers, batch 16", build: () => mlp(128, 8, 128), input: [16, 128], iters: 2000,
    py: "mlp(128, 8, 128)" },
  { name: "small CNN (conv-bn-relu x2, pool, linear), batch 8, 16x16", input: [8, 3, 16, 16], iters: 500,
    build: () => new nn.Sequential(new nn.Conv2d(3, 16, 3, { padding: 1 }), new nn.BatchNorm2d(16), new nn.ReLU(),
      new nn.Conv2d(16, 16, 3, { padding: 1 }), new nn.BatchNorm2d(16), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Dropout(0.25), new nn.Flatten(), new nn.Linear(16 * 8 * 8, 10)),
    py: "nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(), nn.Linear(16 * 8 * 8, 10))" },
  { name: "CIFAR-10 CNN features (24 layers), batch 32", input: [32, 3, 32, 32], iters: 15,
    build: () => new (require("../examples/models/cifar10_cnn").Cifar10CNN)().features,
    py: "cifar_features()" },
];

// The same Sequential through nn.functional (the boxed dispatcher path), layer by layer.
function functionalForward(s: nn.Sequential, x: Tensor): Tensor {
  let y = x;
  for (const m of s) {
    let z: Tensor;
    if (m instanceof nn.Linear) z = F.linear(y, m.weight, m.bias);
    else if (m instanceof nn.ReLU) z = F.relu(y);
    else if (m instanceof nn.Conv2d) z = F.conv2d(y, m.weight, m.bias, { stride: m.stride, padding: m.padding, dilation: m.dilation, groups: m.groups });
    else if (m instanceof nn.BatchNorm2d) z = F.batchNorm(y, m.runningMean, m.runningVar, { weight: m.weight, bias: m.bias, training: m.training, momentum: m.momentum ?? 0.1, eps: m.eps });
    else if (m instanceof nn.MaxPool2d) z = F.maxPool2d(y, m.kernelSize, { stride: m.stride });
    else if (m instanceof nn.Dropout) z = F.dropout(y, m.p, m.training);
    else if (m instanceof nn.Flatten) z = y.flatten(m.startDim, m.endDim);
    else throw new Error(`no functional form for ${m._getName()}`);
    if (y !== x) y.dispose();
    y = z;
  }
  return y;
}

/** Min over rounds of the mean CPU time per call (µs); the modes are interleaved so that machine noise hits all alike. */
function timeModes(iters: number, fns: Record<string, () => void>, rounds = 7): Record<string, number> {
  const best: Record<string, number> = {};
  for (const [k, fn] of Object.entries(fns)) { for (let i = 0; i < Math.max(3, iters / 10); i++) fn(); best[k] = Infinity; }
  for (let r = 0; r < rounds; r++) {
    for (const [k, fn] of Object.entries(fns)) {
      const t0 = process.cpuUsage();
      for (let i = 0; i < iters; i++) fn();
      const d = process.cpuUsage(t0);
      best[k] = Math.min(best[k], (d.user + d.system) / iters);
    }
  }
  return best;
}

function tsTimes(c: Case): Record<string, number> {
  torch.manualSeed(0);
  const s = c.build();
  const x = torch.randn(c.input);
  const modes: [string, () => Tensor][] = [
    ["fused", () => { nn.Sequential.nativeForward = true; return s.forward(x); }],
    ["per-layer", () => { nn.Sequential.nativeForward = false; return s.forward(x); }],
    ["dispatcher", () => functionalForward(s, x)],
  ];
  const fwd: Record<string, () => void> = {}, step: Record<string, () => void> = {};
  for (const [name, f] of modes) {
    fwd[`fwd ${name}`] = () => { s.eval(); torch.noGrad(() => torch.tidy(() => { f(); })); };
    step[`step ${name}`] = () => { s.train(); torch.tidy(() => { s.zeroGrad(); f().sum().backward(); }); };
  }
  const out = { ...timeModes(c.iters, fwd), ...timeModes(Math.ceil(c.iters / 2), step) };
  nn.Sequential.nativeForward = true;
  return out;
}

const PY = `
import sys, time, json, torch, torch.nn as nn
torch.set_num_threads(${threads})
def mlp(w, depth, inp):
    ls = []
    for i in range(depth): ls += [nn.Linear(inp if i == 0 else w, w), nn.ReLU()]
    return nn.Sequential(*ls, nn.Linear(w, 10))
def block(i, o, p):
    return [nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(), nn.Conv2d(o, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(p)]
def cifar_features():
    return nn.Sequential(*block(3, 32, .2), *block(32, 64, .3), *block(64, 128, .4))
def t(iters, fn):
    for _ in range(max(3, iters // 10)): fn()
    best = float("inf")
    for _ in range(7):
        t0 = time.process_time()
        for _ in range(iters): fn()
        best = min(best, (time.process_time() - t0) / iters * 1e6)
    return best
res = []
for expr, shape, iters in json.loads(sys.argv[1]):
    torch.manual_seed(0)
    s = eval(expr); x = torch.randn(*shape)
    s.eval()
    def fwd():
        with torch.no_grad(): s(x)
    f = t(iters, fwd)
    s.train()
    def step():
        s.zero_grad(set_to_none=True); s(x).sum().backward()
    res.append({"fwd": f, "step": t((iters + 1) // 2, step)})
print(json.dumps(res))
`;

function pyTimes(): { fwd: number; step: number }[] | null {
  const file = path.join(os.tmpdir(), `torchts_bench_nn_${process.pid}.py`);
  fs.writeFileSync(file, PY);
  const r = spawnSync("/usr/bin/python3", [file, JSON.stringify(cases.map((c) => [c.py, c.input, c.iters]))], { encoding: "utf8" });
  fs.unlinkSync(file);
  if (r.status !== 0) { console.error("python torch unavailable:", r.stderr.split("\n").slice(-3).join(" ")); return null; }
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

const py = pyTimes();
console.log(`torchts ${torch.version}, libtorch ${torch.buildInfo.libtorchVersion}, ${threads} thread(s); CPU microseconds per call (process CPU time, best of 7 rounds; the machine is shared, so wall time is noise)`);
cases.forEach((c, i) => {
  const t = tsTimes(c);
  const p = py?.[i];
  console.log(`\n${c.name}`);
  for (const kind of ["fwd", "step"] as const) {
    const label = kind === "fwd" ? "forward (no grad)" : "train step (fwd+bwd)";
    const fused = t[`${kind} fused`], per = t[`${kind} per-layer`], disp = t[`${kind} dispatcher`];
    const pv = p ? p[kind] : NaN;
    console.log(`  ${label.padEnd(22)} fused ${fused.toFixed(1).padStart(9)}  per-layer ${per.toFixed(1).padStart(9)}  dispatcher ${disp.toFixed(1).padStart(9)}  python ${pv.toFixed(1).padStart(9)}` +
      `   per-layer/fused ${(per / fused).toFixed(2)}x  python/fused ${(pv / fused).toFixed(2)}x`);
  }
});
