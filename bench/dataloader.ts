// DataLoader throughput: CIFAR-shaped uint8 data (random, 50k x 3 x 32 x 32) through RandomHorizontalFlip,
// RandomCrop(32, padding 4) and Normalize at batch 64; torchts for numWorkers 0, 1, 2 and the device-resident
// batched path, against torchvision + torch.utils.data.DataLoader run in the same invocation.
// Run: npx ts-node bench/dataloader.ts [--write]   (--write updates the "## DataLoader" section of bench/RESULTS.md)
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as torch from "../lib";
import { data, vision } from "../lib";

const T = vision.transforms;
const N = 50000, B = 64;
const MEAN = [0.4914, 0.4822, 0.4465], STD = [0.247, 0.2435, 0.2616];

function timeLoader(loader: Iterable<any>, maxImages: number): number {
  let n = 0, warm = 0;
  let t0 = 0;
  for (const [x] of loader) {
    if (warm < 3) { warm++; if (warm === 3) t0 = performance.now(); continue; }
    n += x.shape[0];
    if (n >= maxImages) break;
  }
  return n / ((performance.now() - t0) / 1000);
}

function main(): void {
  torch.manualSeed(0);
  const images = torch.randint(0, 256, [N, 3, 32, 32], { dtype: torch.uint8 });
  const labels = torch.randint(0, 10, [N]);
  const transform = new T.Compose([new T.RandomHorizontalFlip(), new T.RandomCrop(32, { padding: 4 }),
    new T.ToDtype(torch.float32, { scale: true }), new T.Normalize(MEAN, STD)]);
  const ds = new vision.datasets.ImageTensorDataset(images, labels, { transform, layout: "CHW" });
  const rows: [string, number, number | null][] = [];
  const results: Record<string, number> = {};
  for (const w of [0, 1, 2]) {
    const loader = new data.DataLoader(ds, { batchSize: B, shuffle: true, numWorkers: w, persistentWorkers: w > 0 });
    timeLoader(loader, 5000);
    results[`native${w}`] = timeLoader(loader, N);
    loader.close();
    console.log(`torchts numWorkers=${w} (${loader.mode}): ${results[`native${w}`].toFixed(0)} img/s`);
  }
  for (const w of [0, 2]) {
    const loader = new data.DataLoader(ds, { batchSize: B, shuffle: true, numWorkers: w, nativePipeline: false, persistentWorkers: w > 0 });
    timeLoader(loader, 3200);
    results[`js${w}`] = timeLoader(loader, 12800);
    loader.close();
    console.log(`torchts numWorkers=${w}, JS transforms (${loader.mode}): ${results[`js${w}`].toFixed(0)} img/s`);
  }
  const dev = ds.toDevice("cpu");
  const dl = new data.DeviceLoader(dev, { batchSize: B, shuffle: true });
  timeLoader(dl, 5000);
  results.device = timeLoader(dl, N);
  console.log(`torchts DeviceLoader (cpu, batched transforms): ${results.device.toFixed(0)} img/s`);
  const dl512 = new data.DeviceLoader(dev, { batchSize: 512, shuffle: true });
  results.device512 = timeLoader(dl512, N);
  console.log(`torchts DeviceLoader (cpu, batch 512): ${results.device512.toFixed(0)} img/s`);

  const py = python();
  const ratio = (a: number, b: number | undefined) => (b ? a / b : null);
  rows.push(["numWorkers=0", results.native0, ratio(results.native0, py?.w0)]);
  rows.push(["numWorkers=1", results.native1, ratio(results.native1, py?.w1)]);
  rows.push(["numWorkers=2", results.native2, ratio(results.native2, py?.w2)]);
  rows.push(["numWorkers=0, transforms in JS (fallback path)", results.js0, ratio(results.js0, py?.w0)]);
  rows.push(["numWorkers=2, transforms in JS worker threads", results.js2, ratio(results.js2, py?.w2)]);
  rows.push(["DeviceLoader (cpu), batch 64", results.device, ratio(results.device, py?.device)]);
  rows.push(["DeviceLoader (cpu), batch 512", results.device512, ratio(results.device512, py?.device512)]);
  const md = [
    "## DataLoader",
    "",
    `\`npx ts-node bench/dataloader.ts --write\` on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${new Date().toISOString().slice(0, 10)}.`,
    "CIFAR-shaped random uint8 data, 50,000 x 3 x 32 x 32, RandomHorizontalFlip + RandomCrop(32, padding=4) + ToDtype(float, scale) +",
    "Normalize, batch 64, shuffled; images/second over one epoch after warm-up. Python: torchvision " + (py?.tv ?? "?") +
      " transforms on uint8 tensors in a torch.utils.data.DataLoader (same machine, same run). Target: >= 20,000 img/s.",
    "",
    "| path | torchts img/s | Python img/s | ratio |",
    "|---|---:|---:|---:|",
    ...rows.map(([name, v, r], k) => `| ${name} | ${v.toFixed(0)} | ${[py?.w0, py?.w1, py?.w2, py?.w0, py?.w2, py?.device, py?.device512][k]?.toFixed(0) ?? "n/a"} | ${r ? r.toFixed(1) + "x" : "n/a"} |`),
    "",
    "torchts numWorkers 0-2 use the native pipeline (native/data.cc: C++ threads gather, flip, pad-crop and normalise whole batches,",
    "with the same random draws as the JavaScript transforms). The two JS rows force the per-sample JavaScript path",
    "(nativePipeline: false), which user datasets with custom transforms take; they compare with the same Python rows.",
    "The DeviceLoader rows keep the whole dataset as one tensor and transform each batch with batched ops (on a GPU in real use);",
    "the Python rows for them run the same batched ops (index_select, where-flip, gather-crop, normalise) in eager PyTorch.",
    "",
  ].join("\n");
  console.log("\n" + md);
  if (process.argv.includes("--write")) writeSection(md);
}

function python(): { w0: number; w1: number; w2: number; device: number; device512: number; tv: string } | null {
  const code = `
import json, time, torch, torchvision
import torchvision.transforms as T
from torch.utils.data import Dataset, DataLoader
torch.manual_seed(0)
N, B = ${N}, ${B}
images = torch.randint(0, 256, (N, 3, 32, 32), dtype=torch.uint8)
labels = torch.randint(0, 10, (N,))
tf = T.Compose([T.RandomHorizontalFlip(), T.RandomCrop(32, padding=4), T.ConvertImageDtype(torch.float32), T.Normalize(${JSON.stringify(MEAN)}, ${JSON.stringify(STD)})])
class DS(Dataset):
    def __len__(self): return N
    def __getitem__(self, i): return tf(images[i]), int(labels[i])
def rate(loader, limit):
    n, t0 = 0, None
    for k, (x, y) in enumerate(loader):
        if k == 3: t0 = time.perf_counter()
        if k >= 3:
            n += x.shape[0]
            if n >= limit: break
    return n / (time.perf_counter() - t0)
out = {"tv": torchvision.__version__}
for w in [0, 1, 2]:
    out["w%d" % w] = rate(DataLoader(DS(), batch_size=B, shuffle=True, num_workers=w, persistent_workers=w > 0), 8000)
mean = torch.tensor(${JSON.stringify(MEAN)}).view(1, 3, 1, 1); std = torch.tensor(${JSON.stringify(STD)}).view(1, 3, 1, 1)
def device_epoch(bs, limit):
    perm = torch.randperm(N); n = 0; t0 = time.perf_counter()
    for s in range(0, N, bs):
        idx = perm[s:s + bs]; x = images.index_select(0, idx); b = x.shape[0]
        flip = torch.rand(b) < 0.5
        x = torch.where(flip.view(-1, 1, 1, 1), x.flip(-1), x)
        x = torch.nn.functional.pad(x, [4, 4, 4, 4])
        i = torch.randint(0, 9, (b,)); j = torch.randint(0, 9, (b,))
        rows = (i.view(-1, 1) + torch.arange(32)).view(b, 1, 32, 1).expand(b, 3, 32, 40)
        x = x.gather(2, rows)
        cols = (j.view(-1, 1) + torch.arange(32)).view(b, 1, 1, 32).expand(b, 3, 32, 32)
        x = x.gather(3, cols)
        x = (x.float() / 255 - mean) / std
        n += b
        if n >= limit: break
    return n / (time.perf_counter() - t0)
device_epoch(B, 5000)
out["device"] = device_epoch(B, N)
out["device512"] = device_epoch(512, N)
print(json.dumps(out))
`;
  const r = spawnSync("/usr/bin/python3", ["-c", code], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) { console.log("Python reference skipped:", (r.stderr || r.error?.message || "").split("\n").slice(-3).join(" ")); return null; }
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
  console.log(`python torchvision: numWorkers 0/1/2: ${out.w0.toFixed(0)} / ${out.w1.toFixed(0)} / ${out.w2.toFixed(0)} img/s; batched: ${out.device.toFixed(0)} (64), ${out.device512.toFixed(0)} (512)`);
  return out;
}

function writeSection(md: string): void {
  const file = path.join(__dirname, "RESULTS.md");
  let text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Benchmarks\n\n";
  const start = text.indexOf("## DataLoader");
  if (start >= 0) {
    const next = text.indexOf("\n## ", start + 3);
    text = text.slice(0, start) + md + (next >= 0 ? text.slice(next + 1) : "");
  } else text = text.replace(/\n*$/, "\n\n") + md;
  fs.writeFileSync(file, text);
  console.log(`wrote ${file}`);
}

main();
