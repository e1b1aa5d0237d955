// Tensor creation, properties, conversion and copies to and from managed memory.
#include "shim.h"

#include <cstring>

namespace {

at::TensorOptions options(int dtype, int device_type, int device_index) {
  return at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype)).device(rn::make_device(device_type, device_index));
}

void check_shape(const int64_t* shape, int ndim) {
  if (ndim < 0 || (ndim > 0 && shape == nullptr)) throw std::invalid_argument("invalid shape");
  for (int i = 0; i < ndim; i++)
    if (shape[i] < 0) throw std::invalid_argument("negative dimension " + std::to_string(shape[i]) + " at index " + std::to_string(i));
}

}  // namespace

RN_EXPORT int rn_tensor_from_data(const void* data, int64_t nbytes, const int64_t* shape, int ndim, int dtype,
                                  int device_type, int device_index, rn::TensorHandle* out) {
  return rn::guard_out(out, [&] {
    check_shape(shape, ndim);
    auto t = at::empty(rn::ints(shape, ndim), options(dtype, 0, 0));
    int64_t expected = static_cast<int64_t>(t.nbytes());
    if (nbytes != expected)
      throw std::invalid_argument("data holds " + std::to_string(nbytes) + " bytes but shape " +
                                  c10::str(t.sizes()) + " of " + std::string(c10::toString(t.scalar_type())) +
                                  " needs " + std::to_string(expected));
    if (expected > 0) std::memcpy(t.data_ptr(), data, static_cast<size_t>(expected));
    if (device_type != 0) t = t.to(rn::make_device(device_type, device_index));
    return t;
  });
}

// kind: 0 empty, 1 zeros, 2 ones, 3 randn
RN_EXPORT int rn_tensor_new(int kind, const int64_t* shape, int ndim, int dtype, int device_type, int device_index,
                            rn::TensorHandle* out) {
  return rn::guard_out(out, [&] {
    check_shape(shape, ndim);
    auto sizes = rn::ints(shape, ndim);
    auto opts = options(dtype, device_type, device_index);
    switch (kind) {
      case 0: return at::empty(sizes, opts);
      case 1: return at::zeros(sizes, opts);
      case 2: return at::ones(sizes, opts);
      case 3: return at::randn(sizes, opts);
      default: throw std::invalid_argument("unknown creation kind " + std::to_string(kind));
    }
  });
}

RN_EXPORT int rn_tensor_randint(int64_t low, int64_t high, const int64_t* shape, int ndim, int device_type,
                                int device_index, rn::TensorHandle* out) {
  return rn::guard_out(out, [&] {
    check_shape(shape, ndim);
    return at::randint(low, high, rn::ints(shape, ndim), options(static_cast<int>(at::kLong), device_type, device_index));
  });
}

RN_EXPORT int rn_tensor_copy_to(rn::TensorHandle t, void* dst, int64_t nbytes) {
  return rn::guard([&] {
    auto src = rn::deref(t).detach().to(at::kCPU).contiguous();
    int64_t size = static_cast<int64_t>(src.nbytes());
    if (size != nbytes)
      throw std::invalid_argument("destination holds " + std::to_string(nbytes) + " bytes but tensor " +
                                  c10::str(src.sizes()) + " has " + std::to_string(size));
    if (size > 0) std::memcpy(dst, src.data_ptr(), static_cast<size_t>(size));
  });
}

RN_EXPORT int rn_tensor_info(rn::TensorHandle t, int* ndim, int* dtype, int* device_type, int* device_index,
                             int* requires_grad) {
  return rn::guard([&] {
    const auto& x = rn::deref(t);
    *ndim = static_cast<int>(x.dim());
    *dtype = static_cast<int>(x.scalar_type());
    *device_type = x.device().is_cuda() ? 1 : 0;
    *device_index = x.device().has_index() ? x.device().index() : 0;
    *requires_grad = x.requires_grad() ? 1 : 0;
  });
}

RN_EXPORT int rn_tensor_shape(rn::TensorHandle t, int64_t* shape, int capacity) {
  return rn::guard([&] {
    const auto& x = rn::deref(t);
    if (capacity < x.dim()) throw std::invalid_argument("shape buffer too small");
    for (int64_t i = 0; i < x.dim(); i++) shape[i] = x.size(i);
  });
}

RN_EXPORT int rn_tensor_is_contiguous(rn::TensorHandle t, int memory_format, int* result) {
  return rn::guard([&] { *result = rn::deref(t).is_contiguous(static_cast<at::MemoryFormat>(memory_format)) ? 1 : 0; });
}

RN_EXPORT int rn_tensor_to(rn::TensorHandle t, int dtype, int device_type, int device_index, int non_blocking,
                           rn::TensorHandle* out) {
  return rn::guard_out(out, [&] {
    return rn::deref(t).to(rn::make_device(device_type, device_index), static_cast<at::ScalarType>(dtype),
                           non_blocking != 0, false);
  });
}

RN_EXPORT int rn_tensor_contiguous(rn::TensorHandle t, int memory_format, rn::TensorHandle* out) {
  return rn::guard_out(out, [&] { return rn::deref(t).contiguous(static_cast<at::MemoryFormat>(memory_format)); });
}

RN_EXPORT int rn_tensor_clone(rn::TensorHandle t, rn::TensorHandle* out) {
  return rn::guard_out(out, [&] { return rn::deref(t).clone(); });
}

RN_EXPORT int rn_tensor_alias(rn::TensorHandle t, rn::TensorHandle* out) {
  return rn::guard_out(out, [&] { return rn::deref(t); });
}

RN_EXPORT int rn_tensor_item_double(rn::TensorHandle t, double* value) {
  return rn::guard([&] { *value = rn::deref(t).item<double>(); });
}

RN_EXPORT int rn_tensor_item_int64(rn::TensorHandle t, int64_t* value) {
  return rn::guard([&] { *value = rn::deref(t).item<int64_t>(); });
}

// In-place initialisers and copies (run without recording autograd history).
RN_EXPORT int rn_tensor_fill_(rn::TensorHandle t, double value) {
  return rn::guard([&] {
    at::NoGradGuard no_grad;
    rn::deref(t).fill_(value);
  });
}

RN_EXPORT int rn_tensor_normal_(rn::TensorHandle t, double mean, double std) {
  return rn::guard([&] {
    at::NoGradGuard no_grad;
    rn::deref(t).normal_(mean, std);
  });
}

RN_EXPORT int rn_tensor_uniform_(rn::TensorHandle t, double from, double to) {
  return rn::guard([&] {
    at::NoGradGuard no_grad;
    rn::deref(t).uniform_(from, to);
  });
}

RN_EXPORT int rn_tensor_copy_(rn::TensorHandle dst, rn::TensorHandle src) {
  return rn::guard([&] {
    at::NoGradGuard no_grad;
    const auto& d = rn::deref(dst, "destination");
    const auto& s = rn::deref(src, "source");
    if (d.sizes() != s.sizes())
      throw std::invalid_argument("cannot copy a tensor of shape " + c10::str(s.sizes()) + " into one of shape " +
                                  c10::str(d.sizes()));
    d.copy_(s);
  });
}

// Replaces the storage of dst by src's (same object, new data), as parameter.data = src in PyTorch.
RN_EXPORT int rn_tensor_set_data(rn::TensorHandle dst, rn::TensorHandle src) {
  return rn::guard([&] { rn::deref(dst, "destination").set_data(rn::deref(src, "source")); });
}
