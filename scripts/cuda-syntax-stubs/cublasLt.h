// Stand-in for the CUDA toolkit's cublasLt.h (absent here); only for scripts/check-cuda-syntax.sh and check-compat.sh.
#pragma once
#include "cublas_v2.h"
typedef struct cublasLtContext* cublasLtHandle_t;
