#!/usr/bin/env node
// `npx torchts doctor`: what torchts was built with and what it sees.
import * as torch from "./index";
import * as cuda from "./cuda";
import { buildInfo } from "./native";
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
  lines.push(["threads (intra-op / inter-op)", `${b.threads} / ${b.interopThreads}`]);
  const w = Math.max(...lines.map((l) => l[0].length));
  for (const [k, v] of lines) console.log(`${k.padEnd(w)}  ${v}`);
  console.log("\nparallel info:\n" + b.parallelInfo.trim());
  console.log("\nbuild flags:\n" + b.config.trim());
}

const cmd = process.argv[2] ?? "doctor";
if (cmd === "doctor") doctor();
else {
  console.error(`usage: torchts doctor`);
  process.exit(2);
}
