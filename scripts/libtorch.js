// Finds libtorch: $LIBTORCH, then a python3 whose torch imports, then the system's (Debian libtorch-dev).
"use strict";
const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");

const SYSTEM_DIRS = ["/usr/lib/x86_64-linux-gnu/cmake/Torch", "/usr/lib/aarch64-linux-gnu/cmake/Torch", "/usr/local/share/cmake/Torch"];

function fromPython() {
  const pythons = [process.env.PYTHON, "python3", "/usr/bin/python3"].filter(Boolean);
  for (const py of pythons) {
    try {
      const out = execFileSync(py, ["-c", "import torch, torch.utils; print(torch.utils.cmake_prefix_path); print(torch.__version__)"],
        { stdio: ["ignore", "pipe", "ignore"], timeout: 60000 }).toString().trim().split("\n");
      const dir = path.join(out[0], "Torch");
      if (fs.existsSync(path.join(dir, "TorchConfig.cmake"))) return { source: `python (${py}, torch ${out[1]})`, prefix: out[0], cmakeDir: dir, python: py };
    } catch { /* try the next */ }
  }
  return null;
}

function find() {
  if (process.env.LIBTORCH) {
    const dir = path.join(process.env.LIBTORCH, "share", "cmake", "Torch");
    if (!fs.existsSync(path.join(dir, "TorchConfig.cmake")))
      throw new Error(`LIBTORCH=${process.env.LIBTORCH} has no share/cmake/Torch/TorchConfig.cmake (unzip a libtorch there)`);
    return { source: "$LIBTORCH", prefix: process.env.LIBTORCH, cmakeDir: dir };
  }
  const usePy = process.env.LIBTORCH_USE_PYTORCH;
  if (usePy !== "0") {
    const py = fromPython();
    if (py) return py;
    if (usePy === "1") throw new Error("LIBTORCH_USE_PYTORCH=1 but no python3 with an importable torch was found");
  }
  for (const dir of SYSTEM_DIRS)
    if (fs.existsSync(path.join(dir, "TorchConfig.cmake"))) return { source: "system", prefix: path.dirname(path.dirname(dir)), cmakeDir: dir };
  return null;
}

const HOW = `libtorch was not found. Give torchts one of:
  1. LIBTORCH=/path/to/libtorch   (an unzipped libtorch from pytorch.org, CPU or CUDA)
  2. LIBTORCH_USE_PYTORCH=1       (a python3 with PyTorch installed: pip install torch)
  3. the system's libtorch        (Debian/Ubuntu: sudo apt-get install libtorch-dev)`;

/** The version TorchConfigVersion.cmake declares, or null. */
function configVersion(cmakeDir) {
  try {
    const m = /PACKAGE_VERSION "([^"]+)"/.exec(fs.readFileSync(path.join(cmakeDir, "TorchConfigVersion.cmake"), "utf8"));
    return m ? m[1] : null;
  } catch { return null; }
}

module.exports = { find, HOW, configVersion };
