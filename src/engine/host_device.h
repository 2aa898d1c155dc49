// Marks functions that run both on the host and in CUDA kernels. Under nvcc
// they are compiled for both sides; elsewhere the macro is empty, so the CPU
// backend and the tests call the very same code.
#pragma once

#if defined(__CUDACC__)
#define TRAWL_HOST_DEVICE __host__ __device__
#else
#define TRAWL_HOST_DEVICE
#endif
