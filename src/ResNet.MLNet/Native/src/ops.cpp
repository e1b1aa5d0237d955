// Differentiable operations residual networks need (autograd records them when grad mode is on),
// plus the few non-differentiable helpers training and scoring use.
#include "shim.h"

using rn::deref;
using rn::guard_out;
using rn::TensorHandle;

namespace {

void check_rank(const at::Tensor& x, int64_t rank, const char* op, const char* layout) {
  if (x.dim() != rank)
    throw std::invalid_argument(std::string(op) + " expects a " + std::to_string(rank) + "-D input " + layout +
                                ", got shape " + c10::str(x.sizes()));
}

}  // namespace

RN_EXPORT int rn_conv2d(TensorHandle x, TensorHandle w, TensorHandle b, const int64_t* stride,
                        const int64_t* padding, const int64_t* dilation, int64_t groups, TensorHandle* out) {
  return guard_out(out, [&] {
    const auto& input = deref(x, "input");
    const auto& weight = deref(w, "weight");
    check_rank(input, 4, "conv2d", "(N, C, H, W)");
    if (input.size(1) != weight.size(1) * groups)
      throw std::invalid_argument("conv2d expects " + std::to_string(weight.size(1) * groups) +
                                  " input channels (weight " + c10::str(weight.sizes()) + ", groups " +
                                  std::to_string(groups) + ") but the input has shape " + c10::str(input.sizes()));
    return at::conv2d(input, weight, rn::optional(b), rn::ints(stride, 2), rn::ints(padding, 2),
                      rn::ints(dilation, 2), groups);
  });
}

RN_EXPORT int rn_batch_norm(TensorHandle x, TensorHandle w, TensorHandle b, TensorHandle mean, TensorHandle var,
                            int training, double momentum, double eps, TensorHandle* out) {
  return guard_out(out, [&] {
    const auto& input = deref(x, "input");
    if (input.dim() < 2) throw std::invalid_argument("batch_norm expects at least 2-D input, got shape " + c10::str(input.sizes()));
    auto features = w ? deref(w).size(0) : (mean ? deref(mean).size(0) : input.size(1));
    if (input.size(1) != features)
      throw std::invalid_argument("batch_norm expects " + std::to_string(features) +
                                  " channels but the input has shape " + c10::str(input.sizes()));
    if (training && input.numel() / input.size(1) <= 1)
      throw std::invalid_argument("batch_norm in training mode needs more than one value per channel, got input shape " +
                                  c10::str(input.sizes()));
    return at::batch_norm(input, rn::optional(w), rn::optional(b), rn::optional(mean), rn::optional(var),
                          training != 0, momentum, eps, at::globalContext().userEnabledCuDNN());
  });
}

RN_EXPORT int rn_relu(TensorHandle x, TensorHandle* out) {
  return guard_out(out, [&] { return at::relu(deref(x)); });
}

RN_EXPORT int rn_relu_(TensorHandle x) {
  return rn::guard([&] { at::relu_(deref(x)); });
}

RN_EXPORT int rn_max_pool2d(TensorHandle x, const int64_t* kernel, const int64_t* stride, const int64_t* padding,
                            const int64_t* dilation, int ceil_mode, TensorHandle* out) {
  return guard_out(out, [&] {
    const auto& input = deref(x, "input");
    check_rank(input, 4, "max_pool2d", "(N, C, H, W)");
    return at::max_pool2d(input, rn::ints(kernel, 2), rn::ints(stride, 2), rn::ints(padding, 2),
                          rn::ints(dilation, 2), ceil_mode != 0);
  });
}

RN_EXPORT int rn_avg_pool2d(TensorHandle x, const int64_t* kernel, const int64_t* stride, const int64_t* padding,
                            int ceil_mode, int count_include_pad, TensorHandle* out) {
  return guard_out(out, [&] {
    const auto& input = deref(x, "input");
    check_rank(input, 4, "avg_pool2d", "(N, C, H, W)");
    return at::avg_pool2d(input, rn::ints(kernel, 2), rn::ints(stride, 2), rn::ints(padding, 2), ceil_mode != 0,
                          count_include_pad != 0);
  });
}

RN_EXPORT int rn_adaptive_avg_pool2d(TensorHandle x, const int64_t* output_size, TensorHandle* out) {
  return guard_out(out, [&] {
    const auto& input = deref(x, "input");
    check_rank(input, 4, "adaptive_avg_pool2d", "(N, C, H, W)");
    return at::adaptive_avg_pool2d(input, rn::ints(output_size, 2));
  });
}

RN_EXPORT int rn_linear(TensorHandle x, TensorHandle w, TensorHandle b, TensorHandle* out) {
  return guard_out(out, [&] {
    const auto& input = deref(x, "input");
    const auto& weight = deref(w, "weight");
    if (input.dim() < 1 || input.size(-1) != weight.size(1))
      throw std::invalid_argument("linear expects " + std::to_string(weight.size(1)) +
                                  " input features (weight " + c10::str(weight.sizes()) + ") but the input has shape " +
                                  c10::str(input.sizes()));
    return at::linear(input, weight, rn::optional(b));
  });
}

RN_EXPORT int rn_dropout(TensorHandle x, double p, int training, TensorHandle* out) {
  return guard_out(out, [&] { return at::dropout(deref(x), p, training != 0); });
}

namespace {
// A double argument as a scalar of the tensor's kind (an integral tensor gets an integral scalar).
at::Scalar scalar_for(const at::Tensor& x, double s) {
  if (at::isIntegralType(x.scalar_type(), /*includeBool=*/true)) return at::Scalar(static_cast<int64_t>(s));
  return at::Scalar(s);
}
}  // namespace

// Binary arithmetic. op: 0 add (a + alpha*b), 1 sub (a - alpha*b), 2 mul, 3 div.
RN_EXPORT int rn_binary(int op, TensorHandle a, TensorHandle b, double alpha, TensorHandle* out) {
  return guard_out(out, [&] {
    const auto& x = deref(a, "left operand");
    const auto& y = deref(b, "right operand");
    switch (op) {
      case 0: return at::add(x, y, scalar_for(x, alpha));
      case 1: return at::sub(x, y, scalar_for(x, alpha));
      case 2: return at::mul(x, y);
      case 3: return at::div(x, y);
      default: throw std::invalid_argument("unknown binary op " + std::to_string(op));
    }
  });
}

// In-place binary arithmetic on a: 0 add_, 1 sub_, 2 mul_, 3 div_.
RN_EXPORT int rn_binary_(int op, TensorHandle a, TensorHandle b, double alpha) {
  return rn::guard([&] {
    const auto& x = deref(a, "left operand");
    const auto& y = deref(b, "right operand");
    switch (op) {
      case 0: x.add_(y, scalar_for(x, alpha)); break;
      case 1: x.sub_(y, scalar_for(x, alpha)); break;
      case 2: x.mul_(y); break;
      case 3: x.div_(y); break;
      default: throw std::invalid_argument("unknown binary op " + std::to_string(op));
    }
  });
}


// Arithmetic with a scalar: 0 add, 1 sub, 2 mul, 3 div, 4 pow, 5 rsub (s - a).
RN_EXPORT int rn_scalar_op(int op, TensorHandle a, double value, TensorHandle* out) {
  return guard_out(out, [&] {
    const auto& x = deref(a);
    auto s = scalar_for(x, value);
    switch (op) {
      case 0: return at::add(x, s);
      case 1: return at::sub(x, s);
      case 2: return at::mul(x, s);
      case 3: return at::div(x, s);
      case 4: return at::pow(x, value);
      case 5: return at::rsub(x, s);
      default: throw std::invalid_argument("unknown scalar op " + std::to_string(op));
    }
  });
}

RN_EXPORT int rn_scalar_op_(int op, TensorHandle a, double value) {
  return rn::guard([&] {
    const auto& x = deref(a);
    auto s = scalar_for(x, value);
    switch (op) {
      case 0: x.add_(s); break;
      case 1: x.sub_(s); break;
      default: throw std::invalid_argument("unknown in-place scalar op " + std::to_string(op));
    }
  });
}

// Unary: 0 neg, 2 log, 3 sqrt.
RN_EXPORT int rn_unary(int op, TensorHandle a, TensorHandle* out) {
  return guard_out(out, [&] {
    const auto& x = deref(a);
    switch (op) {
      case 0: return at::neg(x);
      case 2: return at::log(x);
      case 3: return at::sqrt(x);
      default: throw std::invalid_argument("unknown unary op " + std::to_string(op));
    }
  });
}

// Reductions over all elements (dim_count == 0) or the given dims: 0 sum, 1 mean, 2 max, 3 min.
RN_EXPORT int rn_reduce(int op, TensorHandle a, const int64_t* dims, int dim_count, int keepdim, TensorHandle* out) {
  return guard_out(out, [&] {
    const auto& x = deref(a);
    if (dim_count == 0) {
      switch (op) {
        case 0: return at::sum(x);
        case 1: return at::mean(x);
        case 2: return at::max(x);
        case 3: return at::min(x);
      }
    } else {
      auto d = rn::ints(dims, dim_count);
      switch (op) {
        case 0: return at::sum(x, d, keepdim != 0);
        case 1: return at::mean(x, d, keepdim != 0);
        case 2: return std::get<0>(at::max(x, d[0], keepdim != 0));
        case 3: return std::get<0>(at::min(x, d[0], keepdim != 0));
      }
    }
    throw std::invalid_argument("unknown reduction " + std::to_string(op));
  });
}

RN_EXPORT int rn_argmax(TensorHandle a, int64_t dim, int keepdim, TensorHandle* out) {
  return guard_out(out, [&] { return at::argmax(deref(a), dim, keepdim != 0); });
}

RN_EXPORT int rn_eq(TensorHandle a, TensorHandle b, TensorHandle* out) {
  return guard_out(out, [&] { return at::eq(deref(a), deref(b)); });
}

RN_EXPORT int rn_log_softmax(TensorHandle a, int64_t dim, TensorHandle* out) {
  return guard_out(out, [&] { return at::log_softmax(deref(a), dim); });
}

RN_EXPORT int rn_softmax(TensorHandle a, int64_t dim, TensorHandle* out) {
  return guard_out(out, [&] { return at::softmax(deref(a), dim); });
}

// reduction: 0 none, 1 mean, 2 sum (at::Reduction).
RN_EXPORT int rn_cross_entropy(TensorHandle logits, TensorHandle target, int reduction, double label_smoothing,
                               TensorHandle* out) {
  return guard_out(out, [&] {
    const auto& x = deref(logits, "logits");
    const auto& t = deref(target, "target");
    if (x.dim() != 2) throw std::invalid_argument("cross_entropy expects logits of shape (N, classes), got " + c10::str(x.sizes()));
    if (t.dim() != 1 || t.size(0) != x.size(0))
      throw std::invalid_argument("cross_entropy expects targets of shape (" + std::to_string(x.size(0)) + "), got " +
                                  c10::str(t.sizes()));
    return at::cross_entropy_loss(x, t, c10::nullopt, reduction, -100, label_smoothing);
  });
}

RN_EXPORT int rn_nll_loss(TensorHandle log_probs, TensorHandle target, int reduction, TensorHandle* out) {
  return guard_out(out, [&] { return at::nll_loss(deref(log_probs), deref(target), c10::nullopt, reduction, -100); });
}

// Shape manipulation.
RN_EXPORT int rn_reshape(TensorHandle a, const int64_t* shape, int ndim, TensorHandle* out) {
  return guard_out(out, [&] { return at::reshape(deref(a), rn::ints(shape, ndim)); });
}

RN_EXPORT int rn_flatten(TensorHandle a, int64_t start, int64_t end, TensorHandle* out) {
  return guard_out(out, [&] { return at::flatten(deref(a), start, end); });
}

RN_EXPORT int rn_slice(TensorHandle a, int64_t dim, int64_t start, int64_t end, int64_t step, TensorHandle* out) {
  return guard_out(out, [&] { return deref(a).slice(dim, start, end, step); });
}

RN_EXPORT int rn_index_select(TensorHandle a, int64_t dim, TensorHandle index, TensorHandle* out) {
  return guard_out(out, [&] { return at::index_select(deref(a), dim, deref(index, "index")); });
}

RN_EXPORT int rn_flip(TensorHandle a, const int64_t* dims, int ndim, TensorHandle* out) {
  return guard_out(out, [&] { return at::flip(deref(a), rn::ints(dims, ndim)); });
}

RN_EXPORT int rn_constant_pad(TensorHandle a, const int64_t* pads, int count, double value, TensorHandle* out) {
  return guard_out(out, [&] { return at::constant_pad_nd(deref(a), rn::ints(pads, count), value); });
}

RN_EXPORT int rn_cat(const TensorHandle* tensors, int count, int64_t dim, TensorHandle* out) {
  return guard_out(out, [&] {
    std::vector<at::Tensor> list;
    list.reserve(static_cast<size_t>(count));
    for (int i = 0; i < count; i++) list.push_back(deref(tensors[i]));
    return at::cat(list, dim);
  });
}

RN_EXPORT int rn_where(TensorHandle cond, TensorHandle a, TensorHandle b, TensorHandle* out) {
  return guard_out(out, [&] { return at::where(deref(cond), deref(a), deref(b)); });
}

RN_EXPORT int rn_clamp(TensorHandle a, double min, double max, TensorHandle* out) {
  return guard_out(out, [&] { return at::clamp(deref(a), min, max); });
}
