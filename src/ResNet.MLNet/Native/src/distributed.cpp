// Data-parallel collectives over c10d (libtorch's torch.distributed engine) with the Gloo backend.
// The rendezvous repeats torch.distributed.init_process_group's (PyTorch 1.13) key for key, so a process of ours and a
// PyTorch process can share one group: TCPStore on the master (rank 0 hosts it, multi-tenant), PrefixStore
// "default_pg", the group's PrefixStore "0", ProcessGroupGloo, then the store-based barrier on key
// "store_based_barrier_key:1" and the group's sequence number.
#include "shim.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <map>
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
