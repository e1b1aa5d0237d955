// Automatic mixed precision (torch.autocast): a thread-local switch of libtorch's dispatcher that runs convolutions and
// matrix products in a lower precision (bf16 on the CPU) while weights, BN statistics and the optimiser stay fp32.
// enter/exit mirror torch.autocast.__enter__/__exit__ in PyTorch 1.13, including the weight-cast cache that is
// cleared when the outermost region ends (otherwise stale bf16 copies of updated weights would be reused).
#include "shim.h"

#include <ATen/autocast_mode.h>

#include <memory>

namespace {

struct AutocastRegion {
  int device_type;
  bool previous_enabled;
  at::ScalarType previous_dtype;
  bool previous_cache_enabled;
};

}  // namespace

// Whether this CPU runs bf16 natively (AVX512_BF16: oneDNN's bf16 convolutions and matmuls at full speed).
RN_EXPORT int rn_cpu_has_avx512_bf16() {
#if defined(__x86_64__) || defined(__i386__)
  return __builtin_cpu_supports("avx512bf16") ? 1 : 0;
#else
  return 0;
#endif
}

RN_EXPORT int rn_autocast_enter(int device_type, int dtype, void** region) {
  return rn::guard([&] {
    if (region == nullptr) throw std::invalid_argument("autocast region pointer is null");
    *region = nullptr;
    auto type = static_cast<at::ScalarType>(dtype);
    auto device = rn::make_device(device_type, 0);
    if (device.is_cpu() && type != at::kBFloat16)
      throw std::invalid_argument(std::string("CPU autocast supports only BFloat16, got ") + c10::toString(type));
    if (device.is_cuda() && type != at::kBFloat16 && type != at::kHalf)
      throw std::invalid_argument(std::string("CUDA autocast supports Float16 and BFloat16, got ") + c10::toString(type));
    auto r = std::make_unique<AutocastRegion>(AutocastRegion{device_type, false, type, at::autocast::is_autocast_cache_enabled()});
    if (device.is_cpu()) {
      r->previous_enabled = at::autocast::is_cpu_enabled();
      r->previous_dtype = at::autocast::get_autocast_cpu_dtype();
      at::autocast::set_cpu_enabled(true);
      at::autocast::set_autocast_cpu_dtype(type);
    } else {
      r->previous_enabled = at::autocast::is_enabled();
      r->previous_dtype = at::autocast::get_autocast_gpu_dtype();
      at::autocast::set_enabled(true);
      at::autocast::set_autocast_gpu_dtype(type);
    }
    at::autocast::increment_nesting();
    at::autocast::set_autocast_cache_enabled(true);
    *region = r.release();
  });
}

RN_EXPORT void rn_autocast_exit(void* region) {
  if (region == nullptr) return;
  auto* r = static_cast<AutocastRegion*>(region);
  try {
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    if (r->device_type == 0) {
      at::autocast::set_cpu_enabled(r->previous_enabled);
      at::autocast::set_autocast_cpu_dtype(r->previous_dtype);
    } else {
      at::autocast::set_enabled(r->previous_enabled);
      at::autocast::set_autocast_gpu_dtype(r->previous_dtype);
    }
    at::autocast::set_autocast_cache_enabled(r->previous_cache_enabled);
  } catch (...) {
  }
  delete r;
}

RN_EXPORT int rn_autocast_is_enabled(int device_type) {
  try {
    return (device_type == 0 ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled()) ? 1 : 0;
  } catch (...) {
    return 0;
  }
}
