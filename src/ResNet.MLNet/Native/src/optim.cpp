// Optimiser steps over a whole parameter list in one call (no per-parameter transitions).
#include "shim.h"

// SGD exactly as torch.optim.SGD (PyTorch 1.13, for-loop implementation):
//   d = grad (+ weight_decay * p when decay_mask[i]); with momentum: buf = d on the first step, else
//   buf = momentum * buf + (1 - dampening) * d; d = nesterov ? d + momentum * buf : buf; p -= lr * d.
// momentum_buffers[i] may be null on entry (first step): a new caller-owned handle is stored there.
RN_EXPORT int rn_sgd_step(const rn::TensorHandle* params, rn::TensorHandle* momentum_buffers, int count, double lr,
                          double momentum, double dampening, double weight_decay, const uint8_t* decay_mask,
                          int nesterov) {
  return rn::guard([&] {
    at::NoGradGuard no_grad;
    for (int i = 0; i < count; i++) {
      const auto& p = rn::deref(params[i], "parameter");
      const auto& grad = p.grad();
      if (!grad.defined()) continue;
      at::Tensor d = grad;
      bool decay = weight_decay != 0 && (decay_mask == nullptr || decay_mask[i] != 0);
      if (decay) d = d.add(p, weight_decay);
      if (momentum != 0) {
        if (momentum_buffers == nullptr) throw std::invalid_argument("momentum buffers are required when momentum != 0");
        if (momentum_buffers[i] == nullptr) {
          momentum_buffers[i] = rn::wrap(d.clone().detach());
        } else {
          momentum_buffers[i]->mul_(momentum).add_(d, 1 - dampening);
        }
        const auto& buf = *momentum_buffers[i];
        d = nesterov ? d.add(buf, momentum) : buf;
      }
      p.add_(d, -lr);
    }
  });
}
