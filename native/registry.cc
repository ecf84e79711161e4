#include "registry.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <vector>

#include "args.h"
#include "trace.h"

namespace sockcall {

namespace {

// The fd numbers a default system can hand out (fs.nr_open): these get one bit each.
constexpr int kBitmapFds = 1 << 20;

// One bit per fd number, indexed by the number and grown on demand: marking an fd (every socket,
// accept and close) is a shift and an or, with no allocation after the first few fds, where a
// std::set allocated a node per fd and walked a tree. The bitmap stops at kBitmapFds (128 KiB);
// numbers beyond (a raised RLIMIT_NOFILE, or whatever own() is given) go to a std::set, so no fd
// number can make it grow further. (A std::set, not an unordered_set: GCC 11+ compiles the hash
// table's bucket allocation into a call to libstdc++ 11's __throw_bad_array_new_length
// (GLIBCXX_3.4.29), and the prebuilt binary would refuse the older systems Node itself runs on;
// scripts/prebuild.js checks what it needs.)
class FdSet {
 public:
  void Insert(int fd) {
    if (fd < 0) return;
    if (fd >= kBitmapFds) {
      high_.insert(fd);
      return;
    }
    const size_t word = static_cast<size_t>(fd) / 64;
    if (word >= bits_.size()) bits_.resize(std::max(word + 1, bits_.size() * 2), 0);
    bits_[word] |= Bit(fd);
  }

  void Erase(int fd) {
    if (fd < 0) return;
    if (fd >= kBitmapFds) {
      high_.erase(fd);
      return;
    }
    const size_t word = static_cast<size_t>(fd) / 64;
    if (word < bits_.size()) bits_[word] &= ~Bit(fd);
  }

  // Calls close on every fd in the set and empties it.
  void CloseAll() {
    for (size_t word = 0; word < bits_.size(); word++) {
      for (uint64_t bits = bits_[word]; bits != 0; bits &= bits - 1) {
        close(static_cast<int>(word * 64 + __builtin_ctzll(bits)));
      }
      bits_[word] = 0;
    }
    for (int fd : high_) close(fd);
    high_.clear();
  }

 private:
  static uint64_t Bit(int fd) { return uint64_t{1} << (fd % 64); }

  std::vector<uint64_t> bits_;
  std::set<int> high_;
};

struct Registry {
  FdSet fds;
  napi_ref trace = nullptr;  // see TraceSlot
};

Registry* Get(napi_env env) {
  void* data = nullptr;
  napi_get_instance_data(env, &data);
  return static_cast<Registry*>(data);
}

void CloseAll(void* data) {
  auto* registry = static_cast<Registry*>(data);
  registry->fds.CloseAll();
  // The environment's JS is gone: stop counting it among the traced ones.
  if (registry->trace != nullptr) tracing_environments.fetch_sub(1, std::memory_order_relaxed);
}

void Free(napi_env env, void* data, void*) {
  auto* registry = static_cast<Registry*>(data);
  if (registry->trace != nullptr) napi_delete_reference(env, registry->trace);
  delete registry;
}

}  // namespace

void RegisterEnvironment(Napi::Env env) {
  auto* registry = new Registry();
  // Cleanup hooks run last-registered first, so this one runs before the hook Node-API registered
  // (before Init) to finalise instance data: the registry is still alive when CloseAll reads it.
  napi_set_instance_data(env, registry, Free, nullptr);
  napi_add_env_cleanup_hook(env, CloseAll, registry);
}

napi_ref* TraceSlot(napi_env env) {
  Registry* registry = Get(env);
  return registry == nullptr ? nullptr : &registry->trace;
}

void TrackFd(Napi::Env env, int fd) {
  if (Registry* registry = Get(env)) registry->fds.Insert(fd);
}

void UntrackFd(Napi::Env env, int fd) {
  if (Registry* registry = Get(env)) registry->fds.Erase(fd);
}

Napi::Value Own(const Napi::CallbackInfo& info) {
  int fd;
  if (!ArgInt(info, 0, &fd)) return {};
  TrackFd(info.Env(), fd);
  return info.Env().Undefined();
}

Napi::Value Disown(const Napi::CallbackInfo& info) {
  int fd;
  if (!ArgInt(info, 0, &fd)) return {};
  UntrackFd(info.Env(), fd);
  return info.Env().Undefined();
}

}  // namespace sockcall
