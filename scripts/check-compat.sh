#!/usr/bin/env bash
# Compile-checks native/*.cc (syntax and types only) against another libtorch's headers, e.g. Debian trixie's
# libtorch-dev 2.6 unpacked with `dpkg-deb -x libtorch-dev_2.6*.deb DIR`:
#   scripts/check-compat.sh DIR/usr/include [extra g++ flags, e.g. -DTORCHTS_CUDA=1 -I/usr/local/cuda/include]
# CXXSTD=gnu++20 for libtorch 2.14 and later.
set -uo pipefail
INC=${1:?usage: check-compat.sh INCLUDE_ROOT [flags]}; shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NAPI=$(node -p "require('node-api-headers').include_dir")
ADDON=$(node -p "require('node-addon-api').include_dir")
fail=0
for f in "$ROOT"/native/*.cc; do
  if g++ -fsyntax-only -std=${CXXSTD:-gnu++17} -D_GLIBCXX_USE_CXX11_ABI=1 -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS \
      -DNODE_ADDON_API_DISABLE_DEPRECATED -DTORCHTS_LIBTORCH_VERSION='"check"' -DTORCHTS_LIBTORCH_DIR='"check"' \
      -DTORCHTS_LIBTORCH_LIBDIR='"check"' -I"$INC" -I"$INC/torch/csrc/api/include" -I"$NAPI" -I"$ROOT/$ADDON" -I"$ADDON" \
      "$@" "$f" 2> /tmp/check-compat-$$.log; then
    echo "ok    $(basename "$f")"
  else
    echo "FAIL  $(basename "$f")"; grep -E "error" /tmp/check-compat-$$.log | head -8; fail=1
  fi
done
rm -f /tmp/check-compat-$$.log
exit $fail
