// glibc malloc settings for tensor-sized blocks. By default glibc serves blocks above a dynamic threshold (128 KiB at
// start) with a fresh mmap and returns them with munmap, so every activation of a training step (6 MiB for ResNet-20 at
// batch 128) costs page faults and zeroing on every step, on the calling thread. A long-lived Python process usually
// raises the threshold early by accident; ours may not. Fixing the threshold at glibc's maximum (32 MiB on 64-bit) and
// keeping freed heap memory (trim threshold) makes steady-state steps reuse memory: measured 3x on the ResNet-20 train
// step (docs/benchmarks.md).
#include "shim.h"

#include <malloc.h>

RN_EXPORT int rn_tune_allocator(int64_t mmap_threshold, int64_t trim_threshold) {
  return rn::guard([&] {
#ifdef __GLIBC__
    if (mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmap_threshold)) != 1)
      throw std::invalid_argument("mallopt(M_MMAP_THRESHOLD, " + std::to_string(mmap_threshold) + ") was refused");
    if (mallopt(M_TRIM_THRESHOLD, static_cast<int>(trim_threshold)) != 1)
      throw std::invalid_argument("mallopt(M_TRIM_THRESHOLD, " + std::to_string(trim_threshold) + ") was refused");
#endif
  });
}
