# Decides whether the CUDA backend is built (TRAWL_CUDA = AUTO | ON | OFF) and
# sets TRAWL_HAVE_CUDA accordingly.
set(TRAWL_HAVE_CUDA OFF)
if(NOT TRAWL_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      # Machine code for the data-centre and workstation generations nvcc 13
      # still targets: Turing (sm_75: T4), Ampere (sm_80: A100, sm_86: A10,
      # RTX 30), Ada (sm_89: L4, L40) and Hopper (sm_90: H100, H200); plus
      # sm_90 PTX, which the driver compiles for newer devices (Blackwell).
      # On a device with neither, setting up the kernels fails and --backend
      # auto scans on the CPU. Set CMAKE_CUDA_ARCHITECTURES (e.g. "native")
      # to build for fewer.
      set(CMAKE_CUDA_ARCHITECTURES 75-real 80-real 86-real 89-real 90-real 90-virtual)
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
