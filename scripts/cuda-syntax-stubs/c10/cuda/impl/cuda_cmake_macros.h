// Stand-in for the file CMake generates in a CUDA build of PyTorch (syntax checks only, see README.md).
#pragma once
#define C10_CUDA_BUILD_SHARED_LIBS
