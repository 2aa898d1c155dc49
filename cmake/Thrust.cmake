# Thrust for the data-parallel glue, on its TBB system for the CPU backend:
# the CUDA toolkit's copy (CCCL) when present, else Debian's libthrust-dev.
find_path(TRAWL_THRUST_INCLUDE thrust/version.h
  HINTS ${CUDAToolkit_INCLUDE_DIRS}
  PATHS /usr/local/cuda/include/cccl /usr/local/cuda/include /usr/include
  PATH_SUFFIXES cccl
  NO_DEFAULT_PATH)
if(NOT TRAWL_THRUST_INCLUDE)
  message(FATAL_ERROR "Thrust headers not found: install the CUDA toolkit or libthrust-dev")
endif()
add_library(trawl_thrust INTERFACE)
target_include_directories(trawl_thrust SYSTEM INTERFACE ${TRAWL_THRUST_INCLUDE})
target_compile_definitions(trawl_thrust INTERFACE
  THRUST_HOST_SYSTEM=THRUST_HOST_SYSTEM_CPP
  THRUST_DEVICE_SYSTEM=THRUST_DEVICE_SYSTEM_TBB)
target_link_libraries(trawl_thrust INTERFACE TBB::tbb)
message(STATUS "trawl: Thrust from ${TRAWL_THRUST_INCLUDE}")
