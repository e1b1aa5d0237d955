// Error storage and the live-tensor counter.
#include "shim.h"

namespace rn {

std::atomic<int64_t> live_tensors{0};

namespace {
thread_local std::string last_error;
}

void set_error(const std::string& message) {
  try {
    last_error = message;
  } catch (...) {
    // Out of memory while storing the message: keep the previous one rather than throw.
  }
}

at::Device make_device(int device_type, int device_index) {
  switch (device_type) {
    case 0: return at::Device(at::kCPU);
    case 1: return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(device_index));
    default: throw std::invalid_argument("unknown device type " + std::to_string(device_type));
  }
}

}  // namespace rn

RN_EXPORT const char* rn_last_error() { return rn::last_error.c_str(); }

RN_EXPORT int64_t rn_live_tensors() { return rn::live_tensors.load(); }

RN_EXPORT void rn_tensor_free(rn::TensorHandle t) {
  if (t == nullptr) return;
  try {
    delete t;
  } catch (...) {
  }
  rn::live_tensors.fetch_sub(1, std::memory_order_relaxed);
}
