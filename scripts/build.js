// Builds the native addon with cmake-js against the libtorch that scripts/libtorch.js finds.
"use strict";
const { spawnSync, execFileSync } = require("child_process");
const path = require("path");
const fs = require("fs");
const { find, HOW, configVersion } = require("./libtorch");

const lt = find();
if (!lt) { console.error(HOW); process.exit(1); }
const root = path.join(__dirname, "..");
const args = [require.resolve("cmake-js/bin/cmake-js"), "build", "--directory", root,
  "--out", process.env.TORCHTS_BUILD_DIR || path.join(root, "build"),
  `--CDCMAKE_PREFIX_PATH=${lt.prefix}`, `--CDTorch_DIR=${lt.cmakeDir}`, "--CDCMAKE_BUILD_TYPE=Release"];
// The CUDA toolkit, found as PyTorch's cpp_extension does (CUDA_HOME, CUDA_PATH, /usr/local/cuda): CMake's own search
// starts from the nvcc on PATH, which may be a wrapper outside the toolkit. CPU libtorch builds ignore it.
const cudaHome = [process.env.CUDA_HOME, process.env.CUDA_PATH, "/usr/local/cuda"].find((d) => d && fs.existsSync(path.join(d, "bin", "nvcc")));
if (cudaHome) args.push(`--CDCUDA_TOOLKIT_ROOT_DIR=${cudaHome}`, `--CDCUDAToolkit_ROOT=${cudaHome}`);
if (process.env.CMAKE_CUDA_ARCHITECTURES) args.push(`--CDCMAKE_CUDA_ARCHITECTURES=${process.env.CMAKE_CUDA_ARCHITECTURES}`);
// Extra CMake definitions, e.g. TORCHTS_CMAKE_ARGS="-DCUDA_nvrtc_LIBRARY=/path/libnvrtc.so.13".
for (const a of (process.env.TORCHTS_CMAKE_ARGS || "").split(/\s+/).filter(Boolean)) args.push(a.startsWith("-D") ? `--CD${a.slice(2)}` : a);
const env = { ...process.env, CMAKE_BUILD_PARALLEL_LEVEL: process.env.CMAKE_BUILD_PARALLEL_LEVEL || "2" };
// NCCL's header for torch.distributed's nccl backend: pip's torch brings it in the nvidia-nccl package.
if (lt.python && !env.TORCHTS_NCCL_INCLUDE) {
  try {
    const inc = execFileSync(lt.python, ["-c", "import os, nvidia.nccl as n; print(os.path.join(list(n.__path__)[0], 'include'))"],
      { stdio: ["ignore", "pipe", "ignore"], timeout: 60000 }).toString().trim();
    if (fs.existsSync(path.join(inc, "nccl.h"))) env.TORCHTS_NCCL_INCLUDE = inc;
  } catch { /* no nvidia-nccl: the nccl backend stays out */ }
}
const r = spawnSync(process.execPath, args, { stdio: "inherit", env });
if (r.status === 0) {
  // Recorded for the load-time check (lib/native.ts) and `torchts doctor`.
  const outDir = path.join(process.env.TORCHTS_BUILD_DIR || path.join(root, "build"), "Release");
  fs.writeFileSync(path.join(outDir, "torchts-build.json"),
    JSON.stringify({ source: lt.source, cmakeDir: lt.cmakeDir, libtorchVersion: configVersion(lt.cmakeDir) }, null, 1));
}
process.exit(r.status ?? 1);
