#include "registry.h"

#include <unistd.h>

#include <set>

#include "args.h"
#include "trace.h"

namespace sockcall {

namespace {

struct Registry {
  // A std::set, not an unordered_set: GCC 11+ compiles the hash table's bucket allocation into a call
  // to libstdc++ 11's __throw_bad_array_new_length (GLIBCXX_3.4.29), and the prebuilt binary would
  // refuse the older systems Node itself runs on (scripts/prebuild.js checks what it needs).
  std::set<int> fds;
  napi_ref trace = nullptr;  // see TraceSlot
};

Registry* Get(napi_env env) {
  void* data = nullptr;
  napi_get_instance_data(env, &data);
  return static_cast<Registry*>(data);
}

void CloseAll(void* data) {
  auto* registry = static_cast<Registry*>(data);
  for (int fd : registry->fds) close(fd);
  registry->fds.clear();
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
  if (Registry* registry = Get(env)) registry->fds.insert(fd);
}

void UntrackFd(Napi::Env env, int fd) {
  if (Registry* registry = Get(env)) registry->fds.erase(fd);
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
