#!/usr/bin/env bash
# Compile-checks every native/*.cc with TORCHTS_CUDA defined, on a machine whose libtorch is CPU-only but
# which has libtorch's CUDA headers (ATen/cuda, c10/cuda) and the CUDA toolkit headers. Nothing is linked:
# this only proves that the CUDA-only code parses and type-checks against these headers.
#   scripts/check-cuda-syntax.sh [file.cc ...]     (default: every native/*.cc)
# Environment: TORCH_INCLUDE (default /usr/include), CUDA_INCLUDE (default /usr/local/cuda/include), CXX.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
CXX=${CXX:-g++}
TORCH_INCLUDE=${TORCH_INCLUDE:-/usr/include}
CUDA_INCLUDE=${CUDA_INCLUDE:-/usr/local/cuda/include}
OUT="$ROOT/build/cuda-syntax"
mkdir -p "$OUT"

for h in "$TORCH_INCLUDE/ATen/cuda/CUDAGraph.h" "$TORCH_INCLUDE/c10/cuda/CUDAStream.h" "$CUDA_INCLUDE/cuda_runtime_api.h"; do
  [ -f "$h" ] || { echo "check-cuda-syntax: $h not found (set TORCH_INCLUDE / CUDA_INCLUDE)" >&2; exit 2; }
done

# The include paths and definitions of the CMake build: read from build/build.ninja when a build exists
# (cmake-js configures with Ninja), else the same list CMakeLists.txt sets up. TORCHTS_CUDA is added.
INCS=() DEFS=()
NINJA="$ROOT/build/build.ninja"
if [ -f "$NINJA" ]; then
  line() { awk -v k="$1" '/^build CMakeFiles\/torchts\.dir\/native\/[^ ]*\.cc\.o:/{f=1} f && $1==k {sub(/^ *[A-Z]+ = /,""); print; exit}' "$NINJA"; }
  eval "DEFS=($(line DEFINES))"
  eval "INCS=($(line INCLUDES))"
  for f in $(line FLAGS); do case "$f" in -D*) DEFS+=("$f") ;; esac; done
fi
if [ ${#INCS[@]} -eq 0 ]; then
  ADDON_API=$(node -p "require('path').resolve(require('node-addon-api').include_dir)")
  NAPI_HEADERS=$(node -p "require('node-api-headers').include_dir")
  VERSION=$(sed -n 's/.*PACKAGE_VERSION "\([^"]*\)".*/\1/p' /usr/lib/x86_64-linux-gnu/cmake/Torch/TorchConfigVersion.cmake 2>/dev/null || true)
  INCS=(-I"$NAPI_HEADERS" -I"$ADDON_API" -isystem "$TORCH_INCLUDE/torch/csrc/api/include")
  DEFS=(-DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED -DBUILDING_NODE_EXTENSION
    -D_GLIBCXX_USE_CXX11_ABI=1 -DUSE_C10D_GLOO -DUSE_DISTRIBUTED -DUSE_RPC -DUSE_TENSORPIPE
    "-DTORCHTS_LIBTORCH_VERSION=\"${VERSION:-unknown}\"" "-DTORCHTS_LIBTORCH_DIR=\"check\"" "-DTORCHTS_LIBTORCH_LIBDIR=\"check\"")
fi
DEFS+=(-DTORCHTS_CUDA=1)
INCS+=(-isystem "$CUDA_INCLUDE")
# Headers a CPU-only libtorch package and the bare CUDA runtime headers lack (cuBLAS/cuSPARSE/cuSOLVER, the
# generated c10/cuda/impl/cuda_cmake_macros.h): minimal stand-ins, searched after every real include dir.
INCS+=(-idirafter "$ROOT/scripts/cuda-syntax-stubs")
FLAGS=(-std=gnu++17 -fPIC -Wall -Wno-unused-function -Wno-unused-variable -Werror=return-type)

# A precompiled header like CMake's (native/pch.h through an absolute-path wrapper), so each file parses fast.
PCH="$OUT/pch.hxx"
{ echo "#include \"$ROOT/native/pch.h\""; echo "// ${CXX} ${FLAGS[*]} ${DEFS[*]} ${INCS[*]}"; } > "$PCH.tmp"
if ! cmp -s "$PCH.tmp" "$PCH" || [ ! -f "$PCH.gch" ] || [ "$ROOT/native/pch.h" -nt "$PCH.gch" ]; then
  mv "$PCH.tmp" "$PCH"
  echo "check-cuda-syntax: precompiling native/pch.h"
  "$CXX" "${FLAGS[@]}" "${DEFS[@]}" "${INCS[@]}" -x c++-header "$PCH" -o "$PCH.gch"
else
  rm -f "$PCH.tmp"
fi

files=("$@")
[ ${#files[@]} -gt 0 ] || files=(native/*.cc)
fail=0
for f in "${files[@]}"; do
  if "$CXX" -fsyntax-only "${FLAGS[@]}" "${DEFS[@]}" "${INCS[@]}" -Winvalid-pch -include "$PCH" "$f"; then
    echo "ok   $f"
  else
    echo "FAIL $f"; fail=1
  fi
done
[ $fail -eq 0 ] && echo "check-cuda-syntax: all ${#files[@]} files pass with TORCHTS_CUDA=1" || echo "check-cuda-syntax: failures" >&2
exit $fail
