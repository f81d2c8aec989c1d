#!/usr/bin/env node
// `npx torchts doctor`: what torchts was built with and what it sees.
import * as torch from "./index";
import * as cuda from "./cuda";
import { buildInfo, native } from "./native";
import * as fs from "fs";
import * as path from "path";

function doctor(): void {
  const b = buildInfo;
  const rec = path.join(__dirname, "..", "build", "Release", "torchts-build.json");
  const built = fs.existsSync(rec) ? JSON.parse(fs.readFileSync(rec, "utf8")) : {};
  const lines: [string, string][] = [
    ["torchts", torch.version],
    ["node", process.version + " (N-API " + process.versions.napi + ")"],
    ["libtorch", `${b.libtorchVersion} (${built.source ?? "?"})`],
    ["libtorch path", b.libtorchDir],
    ["CUDA build", b.cudaBuild ? "yes" : "no (CPU-only libtorch)"],
    ["CUDA available", cuda.isAvailable() ? `yes, ${cuda.deviceCount()} device(s)` : "no"],
  ];
  if (cuda.isAvailable()) {
    const v = cuda.versions();
    lines.push(["CUDA runtime / driver", `${v.runtime} / ${v.driver}`]);
    lines.push(["cuDNN", b.hasCudnn ? String(v.cudnn) : "not available"]);
    for (let i = 0; i < cuda.deviceCount(); i++) lines.push([`cuda:${i}`, cuda.getDeviceName(i)]);
  } else lines.push(["cuDNN", b.hasCudnn ? "available" : "not available"]);
  const db = native.DistBackends();
  lines.push(["distributed backends", [db.gloo && "gloo", db.nccl && "nccl"].filter(Boolean).join(", ") || "none (see README: Troubleshooting)"]);
  lines.push(["threads (intra-op / inter-op)", `${b.threads} / ${b.interopThreads}`]);
  const w = Math.max(...lines.map((l) => l[0].length));
  for (const [k, v] of lines) console.log(`${k.padEnd(w)}  ${v}`);
  console.log("\nparallel info:\n" + b.parallelInfo.trim());
  console.log("\nbuild flags:\n" + b.config.trim());
}

const USAGE = `usage: torchts doctor
       torchts run --nproc-per-node N [--master-addr A] [--master-port P] script.(js|ts) [args...]`;

/** torchrun: one process per rank (lib/distributed/run.ts). */
function launch(argv: string[]): void {
  let n = 1, addr: string | undefined, port: number | undefined, k = 0;
  for (; k < argv.length && argv[k].startsWith("--"); k++) {
    const [flag, inline] = argv[k].split("=", 2);
    const val = () => inline ?? argv[++k];
    if (flag === "--nproc-per-node" || flag === "--nproc_per_node") n = Number(val());
    else if (flag === "--master-addr" || flag === "--master_addr") addr = val();
    else if (flag === "--master-port" || flag === "--master_port") port = Number(val());
    else { console.error(`torchts run: unknown option ${flag}\n${USAGE}`); process.exit(2); }
  }
  if (k >= argv.length) { console.error(USAGE); process.exit(2); }
  require("./distributed/run").run(path.resolve(argv[k]), argv.slice(k + 1), { nprocPerNode: n, masterAddr: addr, masterPort: port })
    .then((rc: number) => process.exit(rc), (e: Error) => { console.error(`torchts run: ${e.message}`); process.exit(2); });
}

const cmd = process.argv[2] ?? "doctor";
if (cmd === "doctor") doctor();
else if (cmd === "run") launch(process.argv.slice(3));
else {
  console.error(USAGE);
  process.exit(2);
}
