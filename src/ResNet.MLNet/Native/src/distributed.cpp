// Data-parallel collectives over c10d (libtorch's torch.distributed engine) with the Gloo backend.
// The rendezvous repeats torch.distributed.init_process_group's (PyTorch 1.13) key for key, so a process of ours and a
// PyTorch process can share one group: TCPStore on the master (rank 0 hosts it, multi-tenant), PrefixStore
// "default_pg", the group's PrefixStore "0", ProcessGroupGloo, then the store-based barrier on key
// "store_based_barrier_key:1" and the group's sequence number.
#include "shim.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/autograd/utils/lambda_post_hook.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

struct Group {
  c10::intrusive_ptr<c10d::Store> store;  // "default_pg"-prefixed, as PyTorch's default group sees it
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  int rank = 0, size = 1;
  std::string master;
  std::chrono::milliseconds timeout{0};

  // Who we are and what we waited for, prefixed to every error so it names the rank, the master and the timeout.
  std::string where(const std::string& what) const {
    std::string peer = size == 2 ? "peer rank " + std::to_string(1 - rank) : "a peer rank";
    return "distributed " + what + " failed on rank " + std::to_string(rank) + " of " + std::to_string(size) +
           " (master " + master + ", timeout " + c10::str(timeout.count() / 1000.0) + " s; " + peer +
           " died, stalled or is unreachable): ";
  }
};

Group& deref_group(void* h) {
  if (h == nullptr) throw std::invalid_argument("process group handle is null");
  return *static_cast<Group*>(h);
}

// Runs a collective, rethrowing its error with the group's context.
template <class Body>
void collective(Group& g, const char* what, Body&& body) {
  try {
    body();
  } catch (const c10::Error& e) {
    throw std::runtime_error(g.where(what) + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw std::runtime_error(g.where(what) + e.what());
  }
}

void wait(const c10::intrusive_ptr<c10d::Work>& work) { work->wait(); }

// The store-based barrier of init_process_group: add 1, then poll until every rank has.
void store_barrier(Group& g) {
  const std::string key = "store_based_barrier_key:1";
  g.store->add(key, 1);
  auto deadline = Clock::now() + g.timeout;
  while (g.store->add(key, 0) != g.size) {
    if (Clock::now() > deadline)
      throw std::runtime_error("timed out in the store-based barrier (key " + key + ") waiting for " +
                               std::to_string(g.size) + " ranks to join");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::vector<at::Tensor> tensors_of(const rn::TensorHandle* handles, int count, bool grads) {
  if (count < 0 || (count > 0 && handles == nullptr)) throw std::invalid_argument("invalid tensor list");
  std::vector<at::Tensor> out;
  out.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; i++) {
    const auto& t = rn::deref(handles[i], grads ? "parameter" : "tensor");
    if (!grads) {
      out.push_back(t);
    } else if (t.grad().defined()) {
      out.push_back(t.grad());
    }
  }
  return out;
}

// One collective per dtype for a whole list (a bucket): flatten and concatenate, run, copy the result back.
template <class Run>
void coalesced(const std::vector<at::Tensor>& tensors, Run&& run) {
  std::map<at::ScalarType, std::vector<at::Tensor>> by_type;
  for (const auto& t : tensors) {
    if (t.device().type() != at::kCPU) throw std::invalid_argument("the Gloo backend takes CPU tensors, got one on " + t.device().str());
    by_type[t.scalar_type()].push_back(t);
  }
  for (auto& [type, list] : by_type) {
    std::vector<at::Tensor> flat;
    flat.reserve(list.size());
    for (const auto& t : list) flat.push_back(t.reshape({-1}));
    auto bucket = list.size() == 1 ? flat[0].contiguous().clone() : at::cat(flat);
    run(bucket);
    int64_t offset = 0;
    for (auto& t : list) {
      int64_t n = t.numel();
      t.copy_(bucket.narrow(0, offset, n).view(t.sizes()));
      offset += n;
    }
  }
}

void allreduce(Group& g, const std::vector<at::Tensor>& tensors, bool average) {
  at::NoGradGuard no_grad;
  collective(g, "all-reduce", [&] {
    coalesced(tensors, [&](at::Tensor& bucket) {
      std::vector<at::Tensor> one{bucket};
      wait(g.pg->allreduce(one));
      if (average) bucket.div_(g.size);
    });
  });
}

// Synchronised batch normalisation (torch.nn.SyncBatchNorm's semantics, on Gloo): the batch statistics of each channel
// are those of the group's whole batch. Forward all-reduces per-channel sums of x and x² and the count (float64);
// backward all-reduces Σdy and Σdy·x̂, so the input gradient is the whole-batch BN's. The weight and bias gradients
// stay local: the gradient all-reduce that follows backward sums them over the ranks like every other parameter's.
// The group is kept as a raw pointer in the graph: it must outlive the graph's backward (the trainer's does).
struct SyncBatchNorm : torch::autograd::Function<SyncBatchNorm> {
  static std::vector<int64_t> reduced_dims(const at::Tensor& x) {
    std::vector<int64_t> dims{0};
    for (int64_t d = 2; d < x.dim(); d++) dims.push_back(d);
    return dims;
  }

  static std::vector<int64_t> channel_shape(const at::Tensor& x) {
    std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
    shape[1] = x.size(1);
    return shape;
  }

  static at::Tensor forward(torch::autograd::AutogradContext* ctx, at::Tensor x, at::Tensor weight, at::Tensor bias,
                            at::Tensor running_mean, at::Tensor running_var, int64_t group, double momentum, double eps) {
    auto& g = *reinterpret_cast<Group*>(group);
    const int64_t channels = x.size(1), count = x.numel() / channels;
    auto dims = reduced_dims(x);
    auto [var, mean] = at::var_mean(x, dims, /*unbiased=*/false);
    auto mean64 = mean.to(at::kDouble);
    auto stats = at::cat({mean64 * count, (var.to(at::kDouble) + mean64 * mean64) * count,
                          at::full({1}, static_cast<double>(count), mean64.options())});
    collective(g, "sync-BN statistics all-reduce", [&] {
      std::vector<at::Tensor> one{stats};
      wait(g.pg->allreduce(one));
    });
    const double total = stats[2 * channels].item<double>();
    if (total <= 1) throw std::invalid_argument("synchronised batch_norm needs more than one value per channel over the group");
    auto global_mean = stats.narrow(0, 0, channels) / total;
    auto global_var = (stats.narrow(0, channels, channels) / total - global_mean * global_mean).clamp_min(0);
    if (running_mean.defined()) running_mean.mul_(1 - momentum).add_(global_mean.to(running_mean.scalar_type()), momentum);
    if (running_var.defined())
      running_var.mul_(1 - momentum).add_((global_var * (total / (total - 1))).to(running_var.scalar_type()), momentum);
    auto mean_x = global_mean.to(x.scalar_type()), var_x = global_var.to(x.scalar_type());
    auto invstd = (global_var + eps).rsqrt().to(x.scalar_type());
    ctx->save_for_backward({x, weight, mean_x, invstd});
    ctx->saved_data["group"] = group;
    ctx->saved_data["total"] = total;
    // Normalising with given statistics is inference-mode BN (x − mean)·invstd·γ + β.
    return at::batch_norm(x, weight, bias, mean_x, var_x, /*training=*/false, 0.0, eps, false);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &weight = saved[1], &mean = saved[2], &invstd = saved[3];
    auto& g = *reinterpret_cast<Group*>(ctx->saved_data["group"].toInt());
    const double total = ctx->saved_data["total"].toDouble();
    auto dy = grads[0].contiguous(x.suggest_memory_format());
    auto shape = channel_shape(x);
    auto dims = reduced_dims(x);
    auto xhat = (x - mean.view(shape)) * invstd.view(shape);
    auto sum_dy = dy.sum(dims), sum_dy_xhat = (dy * xhat).sum(dims);
    auto sums = at::cat({sum_dy, sum_dy_xhat}).to(at::kDouble);
    collective(g, "sync-BN gradient all-reduce", [&] {
      std::vector<at::Tensor> one{sums};
      wait(g.pg->allreduce(one));
    });
    const int64_t channels = x.size(1);
    auto mean_dy = (sums.narrow(0, 0, channels) / total).to(x.scalar_type()).view(shape);
    auto mean_dy_xhat = (sums.narrow(0, channels, channels) / total).to(x.scalar_type()).view(shape);
    auto scale = weight.defined() ? invstd * weight : invstd;
    auto dx = (dy - mean_dy - xhat * mean_dy_xhat) * scale.view(shape);
    return {dx, weight.defined() ? sum_dy_xhat : at::Tensor(), sum_dy, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

// Gradient all-reduce overlapped with backward, as DDP's reducer does it: the parameters are cut into buckets in reverse
// order (backward produces the last layers' gradients first; the first bucket is capped at 1 MiB so communication starts
// early, the others at bucket_bytes), a post-hook on each parameter's gradient accumulator counts it ready, and a full
// bucket is flattened and its asynchronous all-reduce launched, strictly in bucket order so every rank issues the same
// collectives in the same order. finish() launches what backward did not reach, waits for all, averages and copies the
// results into the gradients. One backward per finish().
struct Reducer {
  struct Bucket {
    std::vector<size_t> members;
    at::Tensor flat;
    size_t pending = 0;
    c10::intrusive_ptr<c10d::Work> work;
  };

  Group* group = nullptr;
  bool average = true;
  std::vector<at::Tensor> params;
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators;  // kept alive: a new one would have no hook
  std::vector<uintptr_t> hook_keys;
  std::vector<Bucket> buckets;
  std::vector<size_t> bucket_of;
  size_t next = 0;
  std::string error;  // from a hook, reported by finish()
  std::mutex mu;

  ~Reducer() {
    for (size_t i = 0; i < accumulators.size(); i++) accumulators[i]->del_post_hook(hook_keys[i]);
  }

  void reset() {
    for (auto& b : buckets) {
      b.pending = b.members.size();
      b.work.reset();
    }
    next = 0;
    error.clear();
  }

  void launch(Bucket& b) {
    at::NoGradGuard no_grad;
    int64_t offset = 0;
    for (auto i : b.members) {
      const auto& grad = params[i].grad();
      auto slot = b.flat.narrow(0, offset, params[i].numel());
      if (grad.defined()) slot.copy_(grad.reshape({-1})); else slot.zero_();
      offset += params[i].numel();
    }
    std::vector<at::Tensor> one{b.flat};
    b.work = group->pg->allreduce(one);
  }

  void launch_ready() {
    while (next < buckets.size() && buckets[next].pending == 0) launch(buckets[next++]);
  }

  void ready(size_t i) {
    std::lock_guard<std::mutex> lock(mu);
    try {
      auto& b = buckets[bucket_of[i]];
      if (b.pending == 0 || !error.empty()) return;
      --b.pending;
      launch_ready();
    } catch (const c10::Error& e) {
      error = e.what_without_backtrace();
    } catch (const std::exception& e) {
      error = e.what();
    }
  }

  void finish() {
    std::lock_guard<std::mutex> lock(mu);
    try {
      collective(*group, "gradient all-reduce", [&] {
        if (!error.empty()) throw std::runtime_error(error);
        for (auto& b : buckets) b.pending = 0;  // what backward did not reach goes now, in order
        launch_ready();
        at::NoGradGuard no_grad;
        for (auto& b : buckets) {
          wait(b.work);
          if (average) b.flat.div_(group->size);
          int64_t offset = 0;
          for (auto i : b.members) {
            auto& grad = params[i].mutable_grad();
            if (grad.defined()) grad.copy_(b.flat.narrow(0, offset, params[i].numel()).view(grad.sizes()));
            offset += params[i].numel();
          }
        }
      });
    } catch (...) {
      reset();
      throw;
    }
    reset();
  }
};

}  // namespace

// Joins the process group of world_size ranks whose master (rank 0, or the agent when host_store is 0 on every rank)
// serves the TCPStore at master_addr:master_port. interface names the network interface Gloo binds (null: the
// loopback when the master is local, else the host's default address). Blocks until every rank joined or timeout_ms.
RN_EXPORT int rn_dist_create(const char* master_addr, int master_port, int rank, int world_size, int host_store,
                             const char* store_prefix, const char* interface, int64_t timeout_ms, void** out) {
  return rn::guard([&] {
    if (out == nullptr) throw std::invalid_argument("output pointer is null");
    *out = nullptr;
    if (master_addr == nullptr || *master_addr == 0) throw std::invalid_argument("master address is empty");
    if (master_port < 1 || master_port > 65535) throw std::invalid_argument("master port " + std::to_string(master_port) + " is outside 1..65535");
    if (world_size < 1) throw std::invalid_argument("world size must be at least 1, got " + std::to_string(world_size));
    if (rank < 0 || rank >= world_size)
      throw std::invalid_argument("rank " + std::to_string(rank) + " is outside 0.." + std::to_string(world_size - 1));
    if (timeout_ms <= 0) throw std::invalid_argument("timeout must be positive, got " + std::to_string(timeout_ms) + " ms");

    auto g = std::make_unique<Group>();
    g->rank = rank;
    g->size = world_size;
    g->master = std::string(master_addr) + ":" + std::to_string(master_port);
    g->timeout = std::chrono::milliseconds(timeout_ms);
    collective(*g, "rendezvous", [&] {
      c10d::TCPStoreOptions so;
      so.port = static_cast<uint16_t>(master_port);
      so.isServer = host_store != 0;
      so.numWorkers = static_cast<size_t>(world_size);
      so.timeout = g->timeout;
      so.multiTenant = true;
      c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::TCPStore>(master_addr, so);
      if (store_prefix != nullptr && *store_prefix != 0) store = c10::make_intrusive<c10d::PrefixStore>(store_prefix, store);
      g->store = c10::make_intrusive<c10d::PrefixStore>("default_pg", store);

      auto options = c10d::ProcessGroupGloo::Options::create(g->timeout);
      std::string addr(master_addr);
      if (interface != nullptr && *interface != 0) {
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
      } else if (addr == "127.0.0.1" || addr == "localhost" || addr == "::1") {
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      } else {
        options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      auto group_store = c10::make_intrusive<c10d::PrefixStore>("0", g->store);
      g->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(group_store, rank, world_size, options);
      store_barrier(*g);
      g->pg->setSequenceNumberForGroup();
    });
    *out = g.release();
  });
}

// Leaves the group (closes Gloo's connections; rank 0 stops its store server).
RN_EXPORT void rn_dist_free(void* group) {
  try {
    delete static_cast<Group*>(group);
  } catch (...) {
  }
}

// Sums (average: then divides by the world size) the tensors across ranks in place, one Gloo all-reduce per dtype.
RN_EXPORT int rn_dist_allreduce(void* group, const rn::TensorHandle* tensors, int count, int average) {
  return rn::guard([&] { allreduce(deref_group(group), tensors_of(tensors, count, false), average != 0); });
}

// All-reduces the gradients of the parameters (those that have one) as one bucket.
RN_EXPORT int rn_dist_allreduce_grads(void* group, const rn::TensorHandle* parameters, int count, int average) {
  return rn::guard([&] { allreduce(deref_group(group), tensors_of(parameters, count, true), average != 0); });
}

// Overwrites the tensors with root's, in place (parameters and buffers: no autograd record).
RN_EXPORT int rn_dist_broadcast(void* group, const rn::TensorHandle* tensors, int count, int root) {
  return rn::guard([&] {
    auto& g = deref_group(group);
    if (root < 0 || root >= g.size) throw std::invalid_argument("broadcast root " + std::to_string(root) + " is not a rank of the group");
    at::NoGradGuard no_grad;
    collective(g, "broadcast", [&] {
      coalesced(tensors_of(tensors, count, false), [&](at::Tensor& bucket) {
        std::vector<at::Tensor> one{bucket};
        c10d::BroadcastOptions options;
        options.rootRank = root;
        wait(g.pg->broadcast(one, options));
      });
    });
  });
}

// Returns when every rank has entered the barrier.
RN_EXPORT int rn_dist_barrier(void* group) {
  return rn::guard([&] {
    auto& g = deref_group(group);
    collective(g, "barrier", [&] { wait(g.pg->barrier()); });
  });
}

// Batch normalisation in training mode with the statistics of the whole group's batch (every rank must call it for the
// same layers in the same order); updates the running statistics in place with the global ones. Differentiable.
RN_EXPORT int rn_dist_sync_batch_norm(void* group, rn::TensorHandle x, rn::TensorHandle w, rn::TensorHandle b, rn::TensorHandle mean,
                                      rn::TensorHandle var, double momentum, double eps, rn::TensorHandle* out) {
  return rn::guard_out(out, [&] {
    auto& g = deref_group(group);
    const auto& input = rn::deref(x, "input");
    if (input.dim() < 2) throw std::invalid_argument("batch_norm expects at least 2-D input, got shape " + c10::str(input.sizes()));
    if (input.device().type() != at::kCPU) throw std::invalid_argument("synchronised batch_norm over Gloo takes CPU tensors, got one on " + input.device().str());
    auto optional = [](rn::TensorHandle h) { return h == nullptr ? at::Tensor() : *h; };
    auto weight = optional(w), bias = optional(b);
    if (!bias.defined()) bias = at::zeros({input.size(1)}, input.options());
    if (weight.defined() && weight.size(0) != input.size(1))
      throw std::invalid_argument("batch_norm expects " + std::to_string(weight.size(0)) + " channels but the input has shape " + c10::str(input.sizes()));
    return SyncBatchNorm::apply(input, weight, bias, optional(mean), optional(var), reinterpret_cast<int64_t>(&g), momentum, eps);
  });
}

// A reducer over the parameters that require a gradient (all CPU): hooks on their gradient accumulators start each
// bucket's all-reduce during backward; rn_dist_reducer_finish completes the step. Free it before the group.
RN_EXPORT int rn_dist_reducer_create(void* group, const rn::TensorHandle* parameters, int count, int64_t bucket_bytes,
                                     int average, void** out) {
  return rn::guard([&] {
    if (out == nullptr) throw std::invalid_argument("output pointer is null");
    *out = nullptr;
    if (bucket_bytes <= 0) throw std::invalid_argument("bucket size must be positive, got " + std::to_string(bucket_bytes));
    auto reducer = std::make_shared<Reducer>();
    reducer->group = &deref_group(group);
    reducer->average = average != 0;
    for (const auto& p : tensors_of(parameters, count, false)) {
      if (!p.requires_grad()) continue;
      if (!p.is_leaf()) throw std::invalid_argument("the reducer takes leaf parameters, got a tensor computed from others");
      if (p.device().type() != at::kCPU) throw std::invalid_argument("the Gloo backend takes CPU tensors, got one on " + p.device().str());
      reducer->params.push_back(p);
    }
    const int64_t first_cap = std::min<int64_t>(bucket_bytes, 1 << 20);
    int64_t bytes = 0;
    reducer->bucket_of.resize(reducer->params.size());
    for (size_t k = reducer->params.size(); k-- > 0;) {
      const auto& p = reducer->params[k];
      int64_t size = p.numel() * static_cast<int64_t>(p.element_size());
      auto& buckets = reducer->buckets;
      bool full = !buckets.empty() && bytes + size > (buckets.size() == 1 ? first_cap : bucket_bytes);
      bool other_type = !buckets.empty() && reducer->params[buckets.back().members[0]].scalar_type() != p.scalar_type();
      if (buckets.empty() || full || other_type) {
        buckets.emplace_back();
        bytes = 0;
      }
      buckets.back().members.push_back(k);
      reducer->bucket_of[k] = buckets.size() - 1;
      bytes += size;
    }
    for (auto& b : reducer->buckets) {
      int64_t n = 0;
      for (auto i : b.members) n += reducer->params[i].numel();
      b.flat = at::empty({n}, reducer->params[b.members[0]].options().requires_grad(false));
    }
    std::weak_ptr<Reducer> weak = reducer;
    for (size_t i = 0; i < reducer->params.size(); i++) {
      auto accumulator = torch::autograd::impl::grad_accumulator(reducer->params[i]);
      reducer->hook_keys.push_back(accumulator->add_post_hook(std::make_unique<torch::autograd::utils::LambdaPostHook>(
          [weak, i](const torch::autograd::variable_list& outputs, const torch::autograd::variable_list&) {
            if (auto r = weak.lock()) r->ready(i);
            return outputs;
          })));
      reducer->accumulators.push_back(std::move(accumulator));
    }
    reducer->reset();
    *out = new std::shared_ptr<Reducer>(std::move(reducer));
  });
}

// Launches the buckets backward did not reach, waits for every all-reduce and writes the averaged (or summed)
// gradients back; the reducer is then ready for the next backward.
RN_EXPORT int rn_dist_reducer_finish(void* reducer) {
  return rn::guard([&] {
    if (reducer == nullptr) throw std::invalid_argument("reducer handle is null");
    (*static_cast<std::shared_ptr<Reducer>*>(reducer))->finish();
  });
}

// Removes the hooks and releases the buckets.
RN_EXPORT void rn_dist_reducer_free(void* reducer) {
  try {
    delete static_cast<std::shared_ptr<Reducer>*>(reducer);
  } catch (...) {
  }
}
