#include "interfaces.h"

#include <net/if.h>

#include <cerrno>
#include <cstring>

#include "args.h"
#include "exports.h"

namespace sockcall {

static Napi::Value IfNametoindex(const Napi::CallbackInfo& info) {
  char* name = nullptr;
  size_t length = 0;
  if (!ArgBytes(info, 0, &name, &length)) return {};
  // IFNAMSIZ counts the NUL: a longer name, or one with a NUL inside, names no interface.
  if (length == 0 || length >= IF_NAMESIZE || std::memchr(name, '\0', length) != nullptr) {
    return Napi::Number::New(info.Env(), -ENODEV);
  }
  char terminated[IF_NAMESIZE] = {};
  std::memcpy(terminated, name, length);
  const unsigned index = if_nametoindex(terminated);
  if (index == 0) return Napi::Number::New(info.Env(), -(errno == 0 ? ENODEV : errno));
  return Napi::Number::New(info.Env(), static_cast<double>(index));
}

static Napi::Value IfIndextoname(const Napi::CallbackInfo& info) {
  int index;
  if (!ArgInt(info, 0, &index)) return {};
  if (index <= 0) return Napi::Number::New(info.Env(), -ENXIO);
  char name[IF_NAMESIZE] = {};
  if (if_indextoname(static_cast<unsigned>(index), name) == nullptr) return Napi::Number::New(info.Env(), -errno);
  return Napi::String::New(info.Env(), name);
}

void RegisterInterfaces(Napi::Env env, Napi::Object exports) {
  ExportFunctions(env, exports, {
      {"ifNametoindex", IfNametoindex},
      {"ifIndextoname", IfIndextoname},
  });
}

}  // namespace sockcall
