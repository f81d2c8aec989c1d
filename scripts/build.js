// Builds the native addon with cmake-js against the libtorch that scripts/libtorch.js finds.
"use strict";
const { spawnSync } = require("child_process");
const path = require("path");
const fs = require("fs");
const { find, HOW, configVersion } = require("./libtorch");

const lt = find();
if (!lt) { console.error(HOW); process.exit(1); }
const root = path.join(__dirname, "..");
const args = [require.resolve("cmake-js/bin/cmake-js"), "build", "--directory", root,
  "--out", process.env.TORCHTS_BUILD_DIR || path.join(root, "build"),
  `--CDCMAKE_PREFIX_PATH=${lt.prefix}`, `--CDTorch_DIR=${lt.cmakeDir}`, "--CDCMAKE_BUILD_TYPE=Release"];
if (process.env.CMAKE_CUDA_ARCHITECTURES) args.push(`--CDCMAKE_CUDA_ARCHITECTURES=${process.env.CMAKE_CUDA_ARCHITECTURES}`);
const r = spawnSync(process.execPath, args, { stdio: "inherit", env: { ...process.env, CMAKE_BUILD_PARALLEL_LEVEL: process.env.CMAKE_BUILD_PARALLEL_LEVEL || "2" } });
if (r.status === 0) {
  // Recorded for the load-time check (lib/native.ts) and `torchts doctor`.
  const outDir = path.join(process.env.TORCHTS_BUILD_DIR || path.join(root, "build"), "Release");
  fs.writeFileSync(path.join(outDir, "torchts-build.json"),
    JSON.stringify({ source: lt.source, cmakeDir: lt.cmakeDir, libtorchVersion: configVersion(lt.cmakeDir) }, null, 1));
}
process.exit(r.status ?? 1);
