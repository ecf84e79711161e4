#include "environment.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <map>
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

// The weak reference to the object holding an fd, and which of the fd's holders it was: the
// finalizer is told the generation, so a holder replaced meanwhile is never mistaken for the current.
struct Holder {
  napi_ref ref = nullptr;
  uint32_t generation = 0;
};

// Holders by fd number: a vector as far as the bitmap goes (a lookup per close), a map beyond.
class HolderTable {
 public:
  // The fd's entry, made when `make`; else nullptr for an fd that never had one.
  Holder* Find(int fd, bool make) {
    if (fd < 0) return nullptr;
    if (fd >= kBitmapFds) {
      if (!make) {
        auto found = high_.find(fd);
        return found == high_.end() ? nullptr : &found->second;
      }
      return &high_[fd];
    }
    const size_t index = static_cast<size_t>(fd);
    if (index >= low_.size()) {
      if (!make) return nullptr;
      low_.resize(std::max(index + 1, low_.size() * 2));
    }
    return &low_[index];
  }

 private:
  std::vector<Holder> low_;
  std::map<int, Holder> high_;
};

// The environment's instance data.
struct Environment {
  FdSet fds;
  HolderTable holders;
  uint32_t generations = 0;      // the last generation handed out
  napi_ref collected = nullptr;  // a strong reference to the collected handler, or null
  bool closed_all = false;       // torn down: the cleanup hook closed every fd
  napi_ref trace = nullptr;      // a strong reference to the trace sink, or null
};

Environment* Get(napi_env env) {
  void* data = nullptr;
  napi_get_instance_data(env, &data);
  return static_cast<Environment*>(data);
}

void CloseAll(void* data) {
  auto* environment = static_cast<Environment*>(data);
  environment->fds.CloseAll();
  // The holders' finalizers run after this hook (Node-API finalizes its references last): with
  // every fd closed here and no JS to call, they only free their references.
  environment->closed_all = true;
  // The environment's JS is gone: stop counting it among the traced ones.
  if (environment->trace != nullptr) tracing_environments.fetch_sub(1, std::memory_order_relaxed);
}

void Free(napi_env env, void* data, void*) {
  auto* environment = static_cast<Environment*>(data);
  if (environment->trace != nullptr) napi_delete_reference(env, environment->trace);
  if (environment->collected != nullptr) napi_delete_reference(env, environment->collected);
  delete environment;
}

void ReleaseHolder(napi_env env, Environment* environment, int fd) {
  Holder* holder = environment->holders.Find(fd, false);
  if (holder == nullptr || holder->ref == nullptr) return;
  napi_delete_reference(env, holder->ref);  // before the holder is collected: no finalizer runs
  holder->ref = nullptr;
}

// A holder collected while still holding its fd (finalize_data: the fd; hint: the generation).
// Node-API runs this after the collection, where JS may be called: the handler closes the fd
// (a promise socket's poll handle first) and warns. Without a handler, the fd is closed here.
void OnHolderCollected(napi_env env, void* data, void* hint) {
  const int fd = static_cast<int>(reinterpret_cast<intptr_t>(data));
  const auto generation = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(hint));
  Environment* environment = Get(env);
  if (environment == nullptr) return;
  Holder* holder = environment->holders.Find(fd, false);
  if (holder == nullptr || holder->ref == nullptr || holder->generation != generation) return;
  napi_delete_reference(env, holder->ref);
  holder->ref = nullptr;
  if (environment->closed_all) return;
  napi_value handler = nullptr, argument, receiver;
  if (environment->collected != nullptr && napi_get_reference_value(env, environment->collected, &handler) == napi_ok &&
      handler != nullptr && napi_create_int32(env, fd, &argument) == napi_ok && napi_get_undefined(env, &receiver) == napi_ok) {
    napi_call_function(env, receiver, handler, 1, &argument, nullptr);
    return;
  }
  environment->fds.Erase(fd);
  close(fd);
}

}  // namespace

// `holder` (any object; nullptr or anything else leaves the fd's holder as it was) now holds fd, in
// place of any holder before it. Node-API refuses a holder that is not an object: nothing changes then.
static void Hold(napi_env env, Environment* environment, int fd, napi_value holder) {
  if (holder == nullptr || fd < 0) return;
  const uint32_t generation = environment->generations + 1;
  napi_ref ref = nullptr;
  if (napi_add_finalizer(env, holder, reinterpret_cast<void*>(static_cast<intptr_t>(fd)), OnHolderCollected,
                         reinterpret_cast<void*>(static_cast<uintptr_t>(generation)), &ref) != napi_ok) {
    return;
  }
  ReleaseHolder(env, environment, fd);
  Holder* entry = environment->holders.Find(fd, true);
  entry->ref = ref;
  entry->generation = environment->generations = generation;
}

void TrackFd(napi_env env, int fd, napi_value holder) {
  if (Environment* environment = Get(env)) {
    environment->fds.Insert(fd);
    Hold(env, environment, fd, holder);
  }
}

void UntrackFd(napi_env env, int fd) {
  if (Environment* environment = Get(env)) {
    environment->fds.Erase(fd);
    ReleaseHolder(env, environment, fd);
  }
}

napi_value TraceSink(napi_env env) {
  Environment* environment = Get(env);
  if (environment == nullptr || environment->trace == nullptr) return nullptr;
  napi_value sink = nullptr;
  napi_get_reference_value(env, environment->trace, &sink);
  return sink;
}

// A raw entry: every Socket wrapping an fd it did not create (accept's connections, pairs, fromFd)
// calls it with itself as the holder.
static napi_value Own(napi_env env, napi_callback_info info) {
  RawArgs<2> args(env, info);
  int fd;
  if (!args.ok || !args.Int(0, &fd)) return nullptr;
  TrackFd(env, fd, args.argv[1]);
  return nullptr;
}

// The object holding `fd` (see Hold) while it is alive: undefined for an fd nothing holds, or whose
// holder was collected. Lets lib/ find the Socket of an fd number without a WeakRef per Socket.
static napi_value HolderOf(napi_env env, napi_callback_info info) {
  RawArgs<1> args(env, info);
  int fd;
  if (!args.ok || !args.Int(0, &fd)) return nullptr;
  Environment* environment = Get(env);
  if (environment == nullptr || fd < 0) return nullptr;
  Holder* holder = environment->holders.Find(fd, false);
  napi_value value = nullptr;
  if (holder == nullptr || holder->ref == nullptr || napi_get_reference_value(env, holder->ref, &value) != napi_ok) return nullptr;
  return value;
}

static Napi::Value SetCollectedHandler(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  Environment* environment = Get(env);
  if (environment == nullptr) return Napi::Value();
  if (info.Length() < 1 || !info[0].IsFunction()) {
    Napi::TypeError::New(env, "argument 0 must be a function").ThrowAsJavaScriptException();
    return Napi::Value();
  }
  // Set once, by lib/ as it loads: another caller would leave collected Sockets' fds unclosed.
  if (environment->collected != nullptr) {
    Napi::TypeError::New(env, "the collected handler is already set").ThrowAsJavaScriptException();
    return Napi::Value();
  }
  napi_create_reference(env, info[0], 1, &environment->collected);
  return Napi::Value();
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
  ExportRawFunctions(env, exports, {
      {"own", Own},            // (fd[, holder]) -> undefined
      {"holderOf", HolderOf},  // (fd) -> holder | undefined
  });
  ExportFunctions(env, exports, {
      {"disown", Disown},                             // (fd) -> undefined
      {"setCollectedHandler", SetCollectedHandler},  // (fn) -> undefined
      {"setTrace", SetTrace},                         // (fn | null) -> undefined
  });
}

}  // namespace sockcall
