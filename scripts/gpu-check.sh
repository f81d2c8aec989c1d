#!/usr/bin/env bash
# GPU check for a CUDA machine that has PyTorch but no Node.js or network (see shared/GPU.md).
#   scripts/gpu-check.sh pack         on a machine with Node: fill .device/ (git-ignored, <= 64 MiB)
#   scripts/gpu-check.sh run LOGDIR   on the GPU machine, from the repo root: build against python3's torch
#                                     (CUDA), run the tests on cuda, bench/gpu; every log goes to LOGDIR
#   scripts/gpu-check.sh LOGDIR       same as run (packs first when .device/ is missing and node is present)
#
# `run` fits a device session: it ends by GPU_CHECK_DEADLINE seconds (default 540) after it starts, whatever
# happens, and writes each phase's log into LOGDIR as the phase runs, so a run killed at the machine's limit
# still leaves everything it did. Phases, in order (each with its own time limit, all within the deadline):
#   unpack    Node from .device/ to /tmp (when node is not on PATH), node_modules next to the sources
#   build     the addon against python3's libtorch, CMAKE_BUILD_PARALLEL_LEVEL = all cores
#   doctor    what was built and what it sees (lib/cli.ts through ts-node, no tsc needed)
#   cuda      test/cuda.test.ts and test/amp.test.ts (the CUDA-specific ones) first
#   bench     bench/gpu.ts (torchts against Python PyTorch on the same GPU)
#   dist      test/distributed.test.ts (gloo from the packed headers, nccl from pip's nvidia-nccl; DDP on CUDA)
#   suite     the rest of the test suite, spec reporter (one line per test as it finishes), until the deadline
# TypeScript runs transpile-only (no type-checking); nothing uses npx or the network.
# Dry run (2-core CPU machine, no node on PATH, no network, python3 = pip torch 2.13 CPU, fresh tree + .device/
# of 56 MiB): unpack 3 s, build 174 s (120 s on idle cores), doctor 3 s, cuda+amp 2 s and bench 3 s (both skip
# without CUDA), suite 161 s (1098 passing, 27 pending, 0 failing); 350 s in all. With GPU_CHECK_DEADLINE=60
# the suite was cut at 35 s and the run ended at 55 s with every log in place. Limits: build 300 s, doctor 60 s,
# cuda 150 s, bench 180 s, suite what is left.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEV="$ROOT/.device"

pack() {
  set -e
  rm -rf "$DEV" && mkdir -p "$DEV"
  xz -T2 -6 -c "$(command -v node)" > "$DEV/node.xz"
  # Node's own headers are not needed: cmake-js builds on the node-api-headers package (package.json napi_versions).
  # gloo's headers (Debian's libgloo-dev): pip's libtorch has gloo inside but ships no headers for it.
  [ -d /usr/include/gloo ] && tar czf "$DEV/gloo-include.tgz" -C /usr/include gloo
  # Runtime modules for the build and the tests. node_modules may be a link (a worktree sharing another checkout's
  # modules): archive the folder it points to, named node_modules. Docs-only packages stay behind.
  local nm; nm=$(cd "$ROOT/node_modules" && pwd -P)
  tar cJf "$DEV/node_modules.txz" -C "$nm" --transform 's,^\.,node_modules,S' \
    --exclude=./.cache --exclude=./@shikijs --exclude=./typedoc --exclude=./typedoc-plugin-markdown .
  du -sh "$DEV"/*
  local total; total=$(du -sm "$DEV" | cut -f1)
  echo "gpu-check: packed ${total} MiB into .device/"
  [ "$total" -le 64 ] || { echo "gpu-check: .device/ is over 64 MiB" >&2; exit 1; }
}

# xz and tar -J where xz exists, else Python's lzma/tarfile (python3 is always there: it has the torch we build on).
unxz_to() { if command -v xz >/dev/null; then xz -dc "$1" > "$2"; else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi; }
untar_to() { if command -v xz >/dev/null; then tar xf "$1" -C "$2"; else python3 -c 'import tarfile,sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"; fi; }

run() {
  local LOG="${1:-/tmp/gpu-check-logs}"
  mkdir -p "$LOG"
  LOG=$(cd "$LOG" && pwd)
  local START; START=$(date +%s)
  local DEADLINE=${GPU_CHECK_DEADLINE:-540}
  exec > >(tee -a "$LOG/gpu-check.log") 2>&1
  : > "$LOG/timings.txt"
  cd "$ROOT" || return 1
  left() { echo $(( DEADLINE - ($(date +%s) - START) )); }
  # phase NAME LIMIT CMD...: runs CMD (killed with its children at LIMIT or at the deadline), output to LOG/NAME.log
  phase() {
    local name=$1 max=$2; shift 2
    local l; l=$(( $(left) - 5 ))
    local t=$(( l < max ? l : max ))
    if [ "$t" -lt 10 ]; then echo "== $name: not started (deadline)"; echo "$name not-started" >> "$LOG/timings.txt"; return 124; fi
    echo "== $name (up to ${t}s; $(( $(date +%s) - START ))s elapsed)"
    local t0; t0=$(date +%s)
    timeout -k 5 "$t" "$@" > "$LOG/$name.log" 2>&1
    local rc=$?
    local line; line="$name rc=$rc $(( $(date +%s) - t0 ))s"
    [ $rc -eq 124 ] || [ $rc -eq 137 ] && line="$line (time limit)"
    echo "$line" | tee -a "$LOG/timings.txt"
    return $rc
  }

  echo "== unpack"
  local t0; t0=$(date +%s)
  local T=/tmp/torchts-node
  mkdir -p "$T/bin"
  if ! command -v node >/dev/null; then
    [ -x "$T/bin/node" ] || { unxz_to "$DEV/node.xz" "$T/bin/node.tmp" && chmod +x "$T/bin/node.tmp" && mv "$T/bin/node.tmp" "$T/bin/node"; }
    export PATH="$T/bin:$PATH"
  fi
  [ -f "$DEV/node-include.tgz" ] && [ ! -d "$T/include/node" ] && tar xzf "$DEV/node-include.tgz" -C "$T"
  if [ -f "$DEV/gloo-include.tgz" ] && [ -z "${TORCHTS_GLOO_INCLUDE:-}" ]; then
    mkdir -p "$T/gloo-include" && tar xzf "$DEV/gloo-include.tgz" -C "$T/gloo-include" && export TORCHTS_GLOO_INCLUDE="$T/gloo-include"
  fi
  [ -d "$ROOT/node_modules/mocha" ] || untar_to "$DEV/node_modules.txz" "$ROOT"
  echo "unpack rc=0 $(( $(date +%s) - t0 ))s" | tee -a "$LOG/timings.txt"

  echo "== machine"
  nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv 2>&1 | tee "$LOG/gpu.txt"
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())' 2>&1 | tee "$LOG/python-torch.txt"
  node --version; nproc
  local DEVICE=${GPU_CHECK_DEVICE:-}
  if [ -z "$DEVICE" ]; then
    DEVICE=cpu
    python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null && DEVICE=cuda
  fi
  echo "default device for the tests: $DEVICE"

  export LIBTORCH_USE_PYTORCH=1 PYTHON=python3 TORCHTS_PYTHON=python3 CMAKE_BUILD_PARALLEL_LEVEL=$(nproc)
  export TS_NODE_TRANSPILE_ONLY=1 TORCHTS_DEFAULT_DEVICE=$DEVICE
  if [ -z "${TORCH_CUDA_ARCH_LIST:-}" ]; then
    local cc; cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' ')
    [ -n "$cc" ] && export TORCH_CUDA_ARCH_LIST=$cc
  fi
  local NODE; NODE=$(command -v node)
  local MOCHA=(node_modules/mocha/bin/mocha.js --no-config -r ts-node/register/transpile-only --extension ts
    --timeout 120000 --exit --reporter spec)

  phase build 300 "$NODE" scripts/build.js
  local brc=$?
  tail -25 "$LOG/build.log"
  if [ $brc -ne 0 ]; then echo "gpu-check: build failed (rc=$brc), see $LOG/build.log"; summary "$LOG"; return $brc; fi
  phase doctor 60 "$NODE" -r ts-node/register/transpile-only lib/cli.ts doctor
  cat "$LOG/doctor.log"
  phase cuda 150 "$NODE" "${MOCHA[@]}" test/cuda.test.ts test/amp.test.ts
  tail -40 "$LOG/cuda.log"
  if [ -f bench/gpu.ts ]; then
    phase bench 180 "$NODE" -r ts-node/register/transpile-only bench/gpu.ts
    cp "$LOG/bench.log" "$LOG/bench-gpu.txt"
    cat "$LOG/bench.log"
  fi
  # torch.distributed and DataParallel on the GPU (their tests pick devices themselves).
  phase dist 150 env -u TORCHTS_DEFAULT_DEVICE "$NODE" "${MOCHA[@]}" test/distributed.test.ts
  tail -30 "$LOG/dist.log"
  local rest=(); local f
  for f in test/*.test.ts; do case "$f" in test/cuda.test.ts|test/amp.test.ts|test/distributed.test.ts) ;; *) rest+=("$f") ;; esac; done
  phase suite 100000 "$NODE" "${MOCHA[@]}" "${rest[@]}"
  summary "$LOG"
}

summary() {
  local LOG=$1
  echo "== summary ($(( $(date +%s) - START ))s in all)"
  cat "$LOG/timings.txt"
  local f
  for f in cuda dist suite; do
    [ -f "$LOG/$f.log" ] || continue
    echo "-- $f: $(grep -cE '^ +✔' "$LOG/$f.log") passed, $(grep -cE '^ +[0-9]+\) ' "$LOG/$f.log") failed so far"
    grep -E '^ +(passing|failing|pending)|^  [0-9]+ (passing|failing|pending)' "$LOG/$f.log"
  done
  return 0
}

case "${1:-}" in
  pack) pack ;;
  run) shift; run "$@" ;;
  *) if [ ! -d "$DEV" ] && command -v node >/dev/null; then pack; fi; run "$@" ;;
esac
