// The module: registers one function per system call, the address helpers, the constants and limits.
// It keeps no global state: what it tracks (the fds it owns) lives in per-environment instance
// data, so it loads in any number of worker threads (N-API modules are context-aware), and a
// worker that exits with sockets open has them closed by its environment's cleanup hook.
#include <napi.h>

#include "address.h"
#include "constants.h"
#include "epoll.h"
#include "getaddrinfo.h"
#include "interfaces.h"
#include "ioctl.h"
#include "msg.h"
#include "poller.h"
#include "registry.h"
#include "syscalls.h"
#include "trace.h"

namespace sockcall {

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  const struct {
    const char* name;
    Napi::Value (*function)(const Napi::CallbackInfo&);
  } functions[] = {
      {"socketpair", Socketpair},
      {"sendmsg", Sendmsg},
      {"recvmsg", Recvmsg},
      {"getsockname", Getsockname},
      {"getpeername", Getpeername},
      {"getsockoptBytes", GetsockoptBytes},
      {"setsockoptBytes", SetsockoptBytes},
      {"getsockoptLinger", GetsockoptLinger},
      {"setsockoptLinger", SetsockoptLinger},
      {"getsockoptTimeval", GetsockoptTimeval},
      {"setsockoptTimeval", SetsockoptTimeval},
      {"getBlocking", GetBlocking},
      {"setBlocking", SetBlocking},
      {"dup", Dup},
      {"select", Select},
      {"poll", Poll},
      {"epollCreate1", EpollCreate1},
      {"epollCtl", EpollCtl},
      {"epollWait", EpollWait},
      {"ioctl", Ioctl},
      {"getaddrinfo", Getaddrinfo},
      {"getaddrinfoAsync", GetaddrinfoAsync},
      {"sockaddrInet", SockaddrInet},
      {"sockaddrUnix", SockaddrUnix},
      {"sockaddrLl", SockaddrLl},
      {"ifNametoindex", IfNametoindex},
      {"ifIndextoname", IfIndextoname},
      {"own", Own},
      {"disown", Disown},
      {"setTrace", SetTrace},
  };
  for (const auto& entry : functions) {
    exports.Set(entry.name, Napi::Function::New(env, entry.function, entry.name));
  }
  const struct {
    const char* name;
    napi_callback function;
  } raw_functions[] = {
      {"socket", Socket},   {"bind", Bind},         {"listen", Listen},
      {"accept4", Accept4}, {"connect", Connect},   {"send", Send},
      {"sendto", Sendto},   {"recv", Recv},         {"recvfrom", Recvfrom},
      {"shutdown", Shutdown}, {"close", Close},     {"getsockoptInt", GetsockoptInt},
      {"setsockoptInt", SetsockoptInt},
  };
  for (const auto& entry : raw_functions) {
    napi_value function;
    if (napi_create_function(env, entry.name, NAPI_AUTO_LENGTH, entry.function, nullptr, &function) != napi_ok) return exports;
    exports.Set(entry.name, Napi::Value(env, function));
  }
  RegisterEnvironment(env);
  exports.Set("Poller", Poller::Define(env));
  exports.Set("constants", Constants(env));
  exports.Set("limits", Limits(env));
  exports.Set("errnoNames", ErrnoNames(env));
  return exports;
}

}  // namespace sockcall

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return sockcall::Init(env, exports); }

NODE_API_MODULE(sockcall, InitModule)
