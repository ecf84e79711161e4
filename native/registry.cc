#include "registry.h"

#include <unistd.h>

#include <unordered_set>

#include "args.h"

namespace sockcall {

namespace {

struct Registry {
  std::unordered_set<int> fds;
};

Registry* Get(Napi::Env env) {
  void* data = nullptr;
  napi_get_instance_data(env, &data);
  return static_cast<Registry*>(data);
}

void CloseAll(void* data) {
  auto* registry = static_cast<Registry*>(data);
  for (int fd : registry->fds) close(fd);
  registry->fds.clear();
}

void Free(napi_env, void* data, void*) { delete static_cast<Registry*>(data); }

}  // namespace

void RegisterEnvironment(Napi::Env env) {
  auto* registry = new Registry();
  // Cleanup hooks run last-registered first, so this one runs before the hook Node-API registered
  // (before Init) to finalise instance data: the registry is still alive when CloseAll reads it.
  napi_set_instance_data(env, registry, Free, nullptr);
  napi_add_env_cleanup_hook(env, CloseAll, registry);
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
