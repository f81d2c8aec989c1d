#!/usr/bin/env bash
# Builds torchts against a CUDA libtorch (a pip CUDA torch) on a machine without a GPU, then runs the test suite
# with it: the CUDA-only code compiles and links, the addon loads without a driver, and every CPU path passes on
# that libtorch (CUDA tests report pending). Nothing CUDA runs; scripts/gpu-check.sh does that on a GPU machine.
#   PYTHON=/path/to/venv/bin/python scripts/check-cuda-build.sh [LOGDIR]
# CUDA_HOME: the CUDA toolkit (default /usr/local/cuda). Where it lacks libraries or headers that libtorch's CMake
# config wants (nvrtc, cuBLAS headers), a merged toolkit is made in /tmp from pip's nvidia/cu* package.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PY=${PYTHON:?set PYTHON to a python whose torch is a CUDA build}
LOG=${1:-/tmp/torchts-cuda-build}
mkdir -p "$LOG"
CUDA=${CUDA_HOME:-/usr/local/cuda}
"$PY" -c 'import torch, sys; print("torch", torch.__version__, "cuda", torch.version.cuda); sys.exit(0 if torch.version.cuda else 1)' \
  || { echo "check-cuda-build: $PY's torch is not a CUDA build" >&2; exit 2; }
if [ ! -e "$CUDA/lib64/libnvrtc.so" ] || [ ! -e "$CUDA/include/cublas_v2.h" ]; then
  NV=$("$PY" -c 'import os, glob, nvidia; print(sorted(glob.glob(os.path.join(list(nvidia.__path__)[0], "cu[0-9]*")))[-1])')
  M=/tmp/torchts-cuda-toolkit
  rm -rf "$M"; mkdir -p "$M/lib64" "$M/include" "$M/targets/x86_64-linux"
  ln -s "$CUDA/bin" "$M/bin"; [ -d "$CUDA/nvvm" ] && ln -s "$CUDA/nvvm" "$M/nvvm"
  for f in "$NV"/include/* "$CUDA"/include/*; do [ -e "$M/include/${f##*/}" ] || ln -s "$f" "$M/include/"; done
  for f in "$NV"/lib/* "$CUDA"/lib64/*; do [ -e "$M/lib64/${f##*/}" ] || ln -s "$f" "$M/lib64/"; done
  (cd "$M/lib64" && for f in *.so.*; do [ -e "${f%%.so.*}.so" ] || ln -s "$f" "${f%%.so.*}.so"; done)
  ln -s "$M/lib64" "$M/lib"; ln -s "$M/lib64" "$M/targets/x86_64-linux/lib"; ln -s "$M/include" "$M/targets/x86_64-linux/include"
  CUDA=$M
  echo "check-cuda-build: merged toolkit $M ($CUDA_HOME + $NV)"
fi
export CUDA_HOME=$CUDA PATH="$CUDA/bin:$PATH" LIBTORCH_USE_PYTORCH=1 PYTHON="$PY" TORCHTS_BUILD_DIR="$ROOT/build/cuda-check"
start=$(date +%s)
{ node scripts/build.js && npm run -s build:ts; } > "$LOG/build.log" 2>&1 || { tail -30 "$LOG/build.log"; exit 1; }
grep -E "^-- torchts:" "$LOG/build.log"
echo "check-cuda-build: built in $(( $(date +%s) - start ))s"
node -e 'const b=require("./dist/native.js").buildInfo; console.log("libtorch", b.libtorchVersion, "cudaBuild", b.cudaBuild, "hasCuda", b.hasCuda); if (!b.cudaBuild) process.exit(1)'
npx mocha --reporter dot > "$LOG/test.log" 2>&1 && rc=0 || rc=$?
tail -40 "$LOG/test.log"
echo "check-cuda-build: tests rc=$rc, total $(( $(date +%s) - start ))s"
exit $rc
