#include "environment.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <vector>

#include "args.h"
#include "exports.h"

namespace sockcall {

std::atomic<int> tracing_environments{0};

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

// The environment's instance data.
struct Environment {
  FdSet fds;
  napi_ref trace = nullptr;  // a strong reference to the trace sink, or null
};

Environment* Get(napi_env env) {
  void* data = nullptr;
  napi_get_instance_data(env, &data);
  return static_cast<Environment*>(data);
}

void CloseAll(void* data) {
  auto* environment = static_cast<Environment*>(data);
  environment->fds.CloseAll();
  // The environment's JS is gone: stop counting it among the traced ones.
  if (environment->trace != nullptr) tracing_environments.fetch_sub(1, std::memory_order_relaxed);
}

void Free(napi_env env, void* data, void*) {
  auto* environment = static_cast<Environment*>(data);
  if (environment->trace != nullptr) napi_delete_reference(env, environment->trace);
  delete environment;
}

}  // namespace

void TrackFd(Napi::Env env, int fd) {
  if (Environment* environment = Get(env)) environment->fds.Insert(fd);
}

void UntrackFd(Napi::Env env, int fd) {
  if (Environment* environment = Get(env)) environment->fds.Erase(fd);
}

napi_value TraceSink(napi_env env) {
  Environment* environment = Get(env);
  if (environment == nullptr || environment->trace == nullptr) return nullptr;
  napi_value sink = nullptr;
  napi_get_reference_value(env, environment->trace, &sink);
  return sink;
}

static Napi::Value Own(const Napi::CallbackInfo& info) {
  int fd;
  if (!ArgInt(info, 0, &fd)) return {};
  TrackFd(info.Env(), fd);
  return info.Env().Undefined();
}

static Napi::Value Disown(const Napi::CallbackInfo& info) {
  int fd;
  if (!ArgInt(info, 0, &fd)) return {};
  UntrackFd(info.Env(), fd);
  return info.Env().Undefined();
}

static Napi::Value SetTrace(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  Environment* environment = Get(env);
  if (environment == nullptr) return Napi::Value();
  const bool set = info.Length() > 0 && info[0].IsFunction();
  if (info.Length() > 0 && !set && !info[0].IsNull() && !info[0].IsUndefined()) {
    Napi::TypeError::New(env, "argument 0 must be a function or null").ThrowAsJavaScriptException();
    return Napi::Value();
  }
  if (environment->trace != nullptr) {
    napi_delete_reference(env, environment->trace);
    environment->trace = nullptr;
    tracing_environments.fetch_sub(1, std::memory_order_relaxed);
  }
  if (set && napi_create_reference(env, info[0], 1, &environment->trace) == napi_ok) {
    tracing_environments.fetch_add(1, std::memory_order_relaxed);
  }
  return Napi::Value();
}

void RegisterEnvironment(Napi::Env env, Napi::Object exports) {
  auto* environment = new Environment();
  // Cleanup hooks run last-registered first, so this one runs before the hook Node-API registered
  // (before Init) to finalise instance data: the environment is still alive when CloseAll reads it.
  napi_set_instance_data(env, environment, Free, nullptr);
  napi_add_env_cleanup_hook(env, CloseAll, environment);
  ExportFunctions(env, exports, {
      {"own", Own},            // (fd) -> undefined
      {"disown", Disown},      // (fd) -> undefined
      {"setTrace", SetTrace},  // (fn | null) -> undefined
  });
}

}  // namespace sockcall
