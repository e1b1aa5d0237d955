// Process-wide settings: threads, random seed, CUDA discovery, library version.
#include "shim.h"

#include <ATen/Parallel.h>
#include <ATen/core/Generator.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/version.h>

RN_EXPORT int rn_set_num_threads(int n) {
  return rn::guard([&] {
    if (n < 1) throw std::invalid_argument("thread count must be at least 1, got " + std::to_string(n));
    at::set_num_threads(n);
  });
}

RN_EXPORT int rn_get_num_threads() { return at::get_num_threads(); }

RN_EXPORT int rn_manual_seed(uint64_t seed) {
  return rn::guard([&] {
    {
      auto gen = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_current_seed(seed);
    }
    if (at::detail::getCUDAHooks().hasCUDA()) {
      int count = at::detail::getCUDAHooks().getNumGPUs();
      for (int i = 0; i < count; i++) {
        auto gen = at::detail::getCUDAHooks().getDefaultCUDAGenerator(static_cast<c10::DeviceIndex>(i));
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_current_seed(seed);
      }
    }
  });
}

RN_EXPORT int rn_cuda_is_available() {
  try {
    return at::detail::getCUDAHooks().hasCUDA() ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

RN_EXPORT int rn_cuda_device_count() {
  try {
    return at::detail::getCUDAHooks().hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0;
  } catch (...) {
    return 0;
  }
}

RN_EXPORT const char* rn_torch_version() {
  static const std::string version = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) +
                                     "." + std::to_string(TORCH_VERSION_PATCH);
  return version.c_str();
}
