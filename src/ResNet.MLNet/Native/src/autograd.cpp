// Autograd: requires_grad, backward, gradients, and the thread-local grad / inference modes.
#include "shim.h"

#include <c10/core/InferenceMode.h>

RN_EXPORT int rn_tensor_set_requires_grad(rn::TensorHandle t, int value) {
  return rn::guard([&] { rn::deref(t).set_requires_grad(value != 0); });
}

RN_EXPORT int rn_tensor_grad(rn::TensorHandle t, rn::TensorHandle* out) {
  return rn::guard_out(out, [&] { return rn::deref(t).grad(); });
}

RN_EXPORT int rn_tensor_detach(rn::TensorHandle t, rn::TensorHandle* out) {
  return rn::guard_out(out, [&] { return rn::deref(t).detach(); });
}

RN_EXPORT int rn_tensor_backward(rn::TensorHandle t, rn::TensorHandle grad_output) {
  return rn::guard([&] {
    const auto& x = rn::deref(t);
    if (!x.requires_grad())
      throw std::invalid_argument("backward called on a tensor that does not require grad (shape " + c10::str(x.sizes()) + ")");
    if (grad_output == nullptr && x.numel() != 1)
      throw std::invalid_argument("backward without a gradient needs a scalar, got shape " + c10::str(x.sizes()));
    x.backward(grad_output ? rn::deref(grad_output) : at::Tensor());
  });
}

// Clears the gradients of a list of tensors: set_to_none drops them, otherwise zeroes them in place.
RN_EXPORT int rn_zero_grad(const rn::TensorHandle* tensors, int count, int set_to_none) {
  return rn::guard([&] {
    for (int i = 0; i < count; i++) {
      auto& grad = rn::deref(tensors[i]).mutable_grad();
      if (!grad.defined()) continue;
      if (set_to_none) {
        grad.reset();
      } else {
        grad = grad.detach();
        grad.zero_();
      }
    }
  });
}

RN_EXPORT int rn_grad_enabled() { return at::GradMode::is_enabled() ? 1 : 0; }

RN_EXPORT void rn_set_grad_enabled(int enabled) { at::GradMode::set_enabled(enabled != 0); }

// Inference mode is RAII in C++; here a guard object is created and destroyed on the same thread.
RN_EXPORT int rn_inference_mode_enter(void** guard) {
  return rn::guard([&] { *guard = new c10::InferenceMode(true); });
}

RN_EXPORT void rn_inference_mode_exit(void* guard) {
  try {
    delete static_cast<c10::InferenceMode*>(guard);
  } catch (...) {
  }
}
