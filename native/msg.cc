#include "msg.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "address.h"
#include "args.h"
#include "bounds.h"
#include "exports.h"
#include "retry.h"
#include "trace.h"

namespace sockcall {

static Napi::Value Sendmsg(const Napi::CallbackInfo& info) {
  int fd, flags;
  std::vector<iovec> iov;
  char* control = nullptr;
  size_t control_length = 0;
  sockaddr_storage address;
  socklen_t address_length = 0;
  if (!ArgInt(info, 0, &fd) || !ArgBytesArray(info, 1, &iov)) return {};
  if (info.Length() > 2 && !info[2].IsNull() && !ArgBytes(info, 2, &control, &control_length)) return {};
  if (!ArgInt(info, 3, &flags)) return {};
  if (info.Length() > 4 && !info[4].IsNull() && !ArgSockaddr(info, 4, &address, &address_length)) return {};
  msghdr message{};
  message.msg_name = address_length > 0 ? &address : nullptr;
  message.msg_namelen = address_length;
  message.msg_iov = iov.data();
  message.msg_iovlen = iov.size();
  message.msg_control = control_length > 0 ? control : nullptr;
  message.msg_controllen = control_length;
  Trace trace(info.Env());
  const ssize_t result = RetryOnEintr(trace, fd, Waits::kToWrite, [&](int extra_flags) {
    return Traced(trace, "sendmsg", [&] { return sendmsg(fd, &message, flags | extra_flags); }, [&](ssize_t) {
      trace.Int(fd);
      if (address_length > 0) trace.Sockaddr(&address, address_length); else trace.Null();
      size_t total = 0;
      for (const iovec& entry : iov) total += entry.iov_len;
      trace.Int(address_length).Iov(iov.data(), iov.size(), static_cast<ssize_t>(total));
      if (control_length > 0) trace.Bytes(control, control_length); else trace.Null();
      trace.Int(static_cast<double>(control_length)).Int(0).Int(flags | extra_flags);
    });
  });
  return SyscallResult(info.Env(), result, errno);
}

static Napi::Value Recvmsg(const Napi::CallbackInfo& info) {
  int fd, control_length, flags;
  std::vector<iovec> iov;
  if (!ArgInt(info, 0, &fd) || !ArgBytesArray(info, 1, &iov) || !ArgInt(info, 2, &control_length) ||
      !ArgInt(info, 3, &flags)) {
    return {};
  }
  if (control_length < 0 || control_length > kMaxControl) {
    Napi::RangeError::New(info.Env(), "control length out of range").ThrowAsJavaScriptException();
    return {};
  }
  // uint64_t: the kernel writes cmsghdrs (size_t-aligned) at the start of the buffer.
  std::vector<uint64_t> control((static_cast<size_t>(control_length) + 7) / 8);
  sockaddr_storage address{};
  msghdr message{};
  Trace trace(info.Env());
  const ssize_t result = RetryOnEintr(trace, fd, Waits::kToRead, [&](int extra_flags) {
    message = msghdr{};
    message.msg_name = &address;
    message.msg_namelen = sizeof(address);
    message.msg_iov = iov.data();
    message.msg_iovlen = iov.size();
    message.msg_control = control_length > 0 ? control.data() : nullptr;
    message.msg_controllen = static_cast<size_t>(control_length);
    return Traced(trace, "recvmsg", [&] { return recvmsg(fd, &message, flags | extra_flags); }, [&](ssize_t received) {
      // strace decodes recvmsg's msghdr only when the call succeeded; else only msg_namelen.
      if (received < 0) {
        trace.Int(fd).Int(sizeof(address)).Int(flags | extra_flags);
        return;
      }
      trace.Int(fd);
      if (message.msg_namelen > 0) trace.Sockaddr(&address, message.msg_namelen); else trace.Bytes(&address, -1);
      trace.Lengths(sizeof(address), message.msg_namelen).Iov(iov.data(), iov.size(), received);
      if (message.msg_controllen > 0) trace.Bytes(control.data(), message.msg_controllen); else trace.Null();
      trace.Int(static_cast<double>(message.msg_controllen)).Int(message.msg_flags).Int(flags | extra_flags);
    });
  });
  if (result < 0) return SyscallResult(info.Env(), result, errno);
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, 4);
  out.Set(0u, Napi::Number::New(env, static_cast<double>(result)));
  out.Set(1u, Napi::Number::New(env, message.msg_flags));
  out.Set(2u, Napi::Buffer<char>::Copy(env, reinterpret_cast<const char*>(control.data()), message.msg_controllen));
  if (message.msg_namelen == 0) {
    out.Set(3u, env.Null());
  } else {
    out.Set(3u, SockaddrToJs(env, address, message.msg_namelen));
  }
  return out;
}

void RegisterMsg(Napi::Env env, Napi::Object exports) {
  ExportFunctions(env, exports, {
      {"sendmsg", Sendmsg},  // (fd, buffers[], control | null, flags, sockaddr | null) -> bytes
      {"recvmsg", Recvmsg},  // (fd, buffers[], controlLength, flags) -> [bytes, msg_flags, control, address | null]
  });
}

}  // namespace sockcall
