# Decides whether the CUDA backend is built (TRAWL_CUDA = AUTO | ON | OFF) and
# sets TRAWL_HAVE_CUDA accordingly.
set(TRAWL_HAVE_CUDA OFF)
if(NOT TRAWL_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      # Hopper (sm_90) machine code plus PTX so newer devices JIT it.
      set(CMAKE_CUDA_ARCHITECTURES 90-real 90-virtual)
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    # CMake 3.25 knows nvcc only up to C++17; the kernels need no more.
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    set(TRAWL_HAVE_CUDA ON)
  elseif(TRAWL_CUDA STREQUAL "ON")
    message(FATAL_ERROR "TRAWL_CUDA=ON but no CUDA compiler (nvcc) was found")
  endif()
endif()
message(STATUS "trawl: CUDA backend ${TRAWL_HAVE_CUDA}")
