// The module: registers one function per system call, the address helpers and the constants.
// It keeps no global state, so it loads in any number of worker threads (N-API modules are
// context-aware) and nothing needs cleaning up when an environment goes away.
#include <napi.h>

#include "address.h"
#include "constants.h"
#include "syscalls.h"

namespace sockcall {

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  const struct {
    const char* name;
    Napi::Value (*function)(const Napi::CallbackInfo&);
  } functions[] = {
      {"socket", Socket},
      {"socketpair", Socketpair},
      {"bind", Bind},
      {"listen", Listen},
      {"accept4", Accept4},
      {"connect", Connect},
      {"send", Send},
      {"sendto", Sendto},
      {"recv", Recv},
      {"recvfrom", Recvfrom},
      {"shutdown", Shutdown},
      {"close", Close},
      {"getsockname", Getsockname},
      {"getpeername", Getpeername},
      {"getsockoptInt", GetsockoptInt},
      {"setsockoptInt", SetsockoptInt},
      {"getsockoptBytes", GetsockoptBytes},
      {"setsockoptBytes", SetsockoptBytes},
      {"getsockoptLinger", GetsockoptLinger},
      {"setsockoptLinger", SetsockoptLinger},
      {"getsockoptTimeval", GetsockoptTimeval},
      {"setsockoptTimeval", SetsockoptTimeval},
      {"getBlocking", GetBlocking},
      {"setBlocking", SetBlocking},
      {"select", Select},
      {"poll", Poll},
      {"getaddrinfo", Getaddrinfo},
      {"sockaddrInet", SockaddrInet},
      {"sockaddrUnix", SockaddrUnix},
      {"sockaddrDecode", SockaddrDecode},
  };
  for (const auto& entry : functions) {
    exports.Set(entry.name, Napi::Function::New(env, entry.function, entry.name));
  }
  exports.Set("constants", Constants(env));
  exports.Set("errnoNames", ErrnoNames(env));
  return exports;
}

}  // namespace sockcall

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return sockcall::Init(env, exports); }

NODE_API_MODULE(sockcall, InitModule)
