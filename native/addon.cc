// The module: each unit puts its own functions on the exports (RegisterSyscalls at the bottom of
// syscalls.cc, and so on). It keeps no global state: what it tracks (the fds it owns, the trace
// sink) lives in per-environment instance data (environment.cc), so it loads in any number of
// worker threads (N-API modules are context-aware), and a worker that exits with sockets open has
// them closed by its environment's cleanup hook.
#include <napi.h>

#include "address.h"
#include "constants.h"
#include "environment.h"
#include "epoll.h"
#include "getaddrinfo.h"
#include "interfaces.h"
#include "ioctl.h"
#include "msg.h"
#include "poller.h"
#include "syscalls.h"

namespace sockcall {

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  RegisterSyscalls(env, exports);
  RegisterMsg(env, exports);
  RegisterEpoll(env, exports);
  RegisterIoctl(env, exports);
  RegisterGetaddrinfo(env, exports);
  RegisterAddress(env, exports);
  RegisterInterfaces(env, exports);
  // Before the Poller: cleanup hooks run last-registered first (see RegisterEnvironment).
  RegisterEnvironment(env, exports);
  exports.Set("Poller", Poller::Define(env));
  RegisterConstants(env, exports);
  return exports;
}

}  // namespace sockcall

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return sockcall::Init(env, exports); }

NODE_API_MODULE(sockcall, InitModule)
