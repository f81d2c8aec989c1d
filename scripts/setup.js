// npm install step 1: make sure a libtorch is there (installs Debian's libtorch-dev as root when none is).
"use strict";
const { execSync } = require("child_process");
const fs = require("fs");
const { find, HOW } = require("./libtorch");

let lt = find();
if (!lt) {
  const isRoot = process.getuid && process.getuid() === 0;
  if (isRoot && fs.existsSync("/usr/bin/apt-get")) {
    console.log("torchts: no libtorch found; installing Debian's libtorch-dev");
    execSync("apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libtorch-dev libgloo-dev", { stdio: "inherit" });
    lt = find();
  }
}
if (!lt) {
  console.error(HOW);
  process.exit(1);
}
console.log(`torchts: libtorch from ${lt.source}: ${lt.cmakeDir}`);
// torch.distributed's gloo backend needs gloo's headers, which Debian ships apart from libtorch-dev.
if (lt.source === "system" && !fs.existsSync("/usr/include/gloo/algorithm.h")) {
  if (process.getuid && process.getuid() === 0 && fs.existsSync("/usr/bin/apt-get")) {
    try {
      execSync("DEBIAN_FRONTEND=noninteractive apt-get install -y -q libgloo-dev", { stdio: "inherit" });
    } catch { console.warn("torchts: could not install libgloo-dev; torch.distributed will be unavailable"); }
  } else console.warn("torchts: /usr/include/gloo is missing: install libgloo-dev for torch.distributed (gloo)");
}
