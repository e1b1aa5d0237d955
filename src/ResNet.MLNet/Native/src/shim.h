// Common declarations of the native shim. Every exported function:
//   * is extern "C", returns int (0 = success, 1 = error) unless it cannot fail,
//   * runs its body inside rn::guard, which catches everything and stores the message
//     for rn_last_error(); nothing ever propagates across the C boundary,
//   * hands out tensors as heap-allocated at::Tensor* owned by the caller (free with rn_tensor_free).
#pragma once

#include <ATen/ATen.h>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#define RN_EXPORT extern "C" __attribute__((visibility("default")))

namespace rn {

using TensorHandle = at::Tensor*;

// Count of tensor handles handed out and not yet freed (for leak tests).
extern std::atomic<int64_t> live_tensors;

void set_error(const std::string& message);

// Wraps a tensor into a new caller-owned handle; an undefined tensor becomes nullptr.
inline TensorHandle wrap(at::Tensor t) {
  if (!t.defined()) return nullptr;
  live_tensors.fetch_add(1, std::memory_order_relaxed);
  return new at::Tensor(std::move(t));
}

// Dereferences a handle, raising a clear error for a null one.
inline at::Tensor& deref(TensorHandle h, const char* what = "tensor") {
  if (h == nullptr) throw std::invalid_argument(std::string(what) + " handle is null");
  return *h;
}

// An optional tensor argument: nullptr means "none".
inline c10::optional<at::Tensor> optional(TensorHandle h) {
  if (h == nullptr) return c10::nullopt;
  return *h;
}

inline at::IntArrayRef ints(const int64_t* values, int count) {
  return at::IntArrayRef(values, static_cast<size_t>(count));
}

at::Device make_device(int device_type, int device_index);

// Runs body, converting every exception into an error code plus a stored message.
template <class Body>
int guard(Body&& body) noexcept {
  try {
    body();
    return 0;
  } catch (const c10::Error& e) {
    set_error(e.what_without_backtrace());
  } catch (const std::exception& e) {
    set_error(e.what());
  } catch (...) {
    set_error("unknown native error");
  }
  return 1;
}

// Runs body producing a tensor and stores the new handle in *out.
template <class Body>
int guard_out(at::Tensor** out, Body&& body) noexcept {
  return guard([&] {
    if (out == nullptr) throw std::invalid_argument("output pointer is null");
    *out = nullptr;
    *out = wrap(body());
  });
}

}  // namespace rn
