#include "ioctl.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>

#include "args.h"
#include "exports.h"
#include "trace.h"

namespace sockcall {

static Napi::Value Ioctl(const Napi::CallbackInfo& info) {
  int fd, request;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &request)) return {};
  switch (request) {
    case FIONREAD:  // = SIOCINQ
    case SIOCOUTQ:
    case SIOCOUTQNSD:
    case SIOCATMARK:
      break;
    default:
      Napi::RangeError::New(info.Env(), "request must be FIONREAD, SIOCINQ, SIOCOUTQ, SIOCOUTQNSD or SIOCATMARK")
          .ThrowAsJavaScriptException();
      return {};
  }
  int value = 0;
  Trace trace(info.Env());
  const int result = Traced(trace, "ioctl", [&] { return ioctl(fd, static_cast<unsigned long>(request), &value); }, [&](int result) {
    trace.Int(fd).Int(request);
    if (result == 0) trace.Ints(&value, 1); else trace.Bytes(&value, -1);
  });
  if (result < 0) return SyscallResult(info.Env(), -1, errno);
  return SyscallResult(info.Env(), value, 0);
}

void RegisterIoctl(Napi::Env env, Napi::Object exports) {
  ExportFunctions(env, exports, {{"ioctl", Ioctl}});  // (fd, request) -> the int the kernel wrote
}

}  // namespace sockcall
