#include "msg.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
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

// Records one message of a sendmmsg/recvmmsg vector as its own argument group: msg_name,
// msg_namelen, msg_iov (`valid` bytes of data), msg_control, msg_controllen, msg_flags, then
// msg_len when the kernel set it (`with_length`). `name_offered`: recvmmsg's msg_namelen going in
// (strace's [in => out]), 0 for sendmmsg's.
static void TraceMessage(Trace& trace, const mmsghdr& entry, ssize_t valid, bool with_length, socklen_t name_offered) {
  const msghdr& header = entry.msg_hdr;
  const size_t mark = trace.Mark();
  if (header.msg_name == nullptr) trace.Null();
  else if (header.msg_namelen > 0) trace.Sockaddr(header.msg_name, header.msg_namelen);
  else trace.Bytes(header.msg_name, -1);
  if (name_offered > 0) trace.Lengths(name_offered, header.msg_namelen); else trace.Int(header.msg_namelen);
  trace.Iov(header.msg_iov, header.msg_iovlen, valid);
  if (header.msg_controllen > 0) trace.Bytes(header.msg_control, static_cast<ssize_t>(header.msg_controllen)); else trace.Null();
  trace.Int(static_cast<double>(header.msg_controllen)).Int(header.msg_flags);
  if (with_length) trace.Int(entry.msg_len);
  trace.Group(mark);
}

// strace shows at most 32 elements of an array (-s 32); one more lets the formatter say "...".
static constexpr unsigned kShownMessages = 33;

// One message of sendmmsg's vector, as lib/msg.ts prepares it: [data | buffers[], control | null,
// sockaddr | null]. Its iovecs are appended to `iov` (their msg_iov is set once `iov` stops growing).
static bool ValueMessage(Napi::Env env, Napi::Value value, std::vector<iovec>* iov, size_t* iov_count, char** control,
                         size_t* control_length, sockaddr_storage* address, socklen_t* address_length) {
  if (!value.IsArray()) {
    Napi::TypeError::New(env, "argument 1 must hold [data, control, address] arrays").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Array message = value.As<Napi::Array>();
  Napi::Value data = message.Get(0u);
  if (env.IsExceptionPending()) return false;
  const size_t first = iov->size();
  if (data.IsArray()) {
    Napi::Array buffers = data.As<Napi::Array>();
    const uint32_t count = buffers.Length();
    if (count > kMaxIov) {
      Napi::RangeError::New(env, "argument 1 holds a message of too many buffers").ThrowAsJavaScriptException();
      return false;
    }
    for (uint32_t i = 0; i < count; i++) {
      Napi::Value item = buffers.Get(i);
      if (env.IsExceptionPending()) return false;
      char* bytes;
      size_t length;
      if (!ValueBytes(env, item, 1, &bytes, &length)) return false;
      iov->push_back(iovec{bytes, length});
    }
  } else {
    char* bytes;
    size_t length;
    if (!ValueBytes(env, data, 1, &bytes, &length)) return false;
    iov->push_back(iovec{bytes, length});
  }
  *iov_count = iov->size() - first;
  Napi::Value control_value = message.Get(1u);
  if (env.IsExceptionPending()) return false;
  *control = nullptr;
  *control_length = 0;
  if (!control_value.IsNull() && !control_value.IsUndefined() && !ValueBytes(env, control_value, 1, control, control_length)) return false;
  Napi::Value address_value = message.Get(2u);
  if (env.IsExceptionPending()) return false;
  *address_length = 0;
  if (!address_value.IsNull() && !address_value.IsUndefined() && !ValueSockaddr(env, address_value, 1, address, address_length)) return false;
  return true;
}

static Napi::Value Sendmmsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd, flags;
  if (!ArgInt(info, 0, &fd)) return {};
  if (info.Length() < 2 || !info[1].IsArray()) {
    Napi::TypeError::New(env, "argument 1 must be an array").ThrowAsJavaScriptException();
    return {};
  }
  Napi::Array messages = info[1].As<Napi::Array>();
  const uint32_t count = messages.Length();
  // Checked before anything is sized by it: a sparse array may claim 2**32-1 elements.
  if (count > kMaxMmsg) {
    Napi::RangeError::New(env, "argument 1 holds too many messages").ThrowAsJavaScriptException();
    return {};
  }
  if (!ArgInt(info, 2, &flags)) return {};
  std::vector<mmsghdr> vector(count);
  std::vector<sockaddr_storage> addresses(count);
  std::vector<size_t> iov_counts(count);
  std::vector<iovec> iov;
  for (uint32_t i = 0; i < count; i++) {
    Napi::Value value = messages.Get(i);
    if (env.IsExceptionPending()) return {};
    char* control;
    size_t control_length;
    socklen_t address_length;
    if (!ValueMessage(env, value, &iov, &iov_counts[i], &control, &control_length, &addresses[i], &address_length)) return {};
    msghdr& header = vector[i].msg_hdr;
    header.msg_name = address_length > 0 ? &addresses[i] : nullptr;
    header.msg_namelen = address_length;
    header.msg_control = control_length > 0 ? control : nullptr;
    header.msg_controllen = control_length;
  }
  size_t offset = 0;
  for (uint32_t i = 0; i < count; i++) {
    vector[i].msg_hdr.msg_iov = iov_counts[i] > 0 ? iov.data() + offset : nullptr;
    vector[i].msg_hdr.msg_iovlen = iov_counts[i];
    offset += iov_counts[i];
  }
  Trace trace(env);
  const int result = RetryOnEintr(trace, fd, Waits::kToWrite, [&](int extra_flags) {
    return Traced(trace, "sendmmsg", [&] { return sendmmsg(fd, vector.data(), count, flags | extra_flags); }, [&](int sent) {
      trace.Int(fd);
      const size_t mark = trace.Mark();
      for (uint32_t i = 0; i < std::min(count, kShownMessages); i++) {
        size_t total = 0;
        for (size_t j = 0; j < vector[i].msg_hdr.msg_iovlen; j++) total += vector[i].msg_hdr.msg_iov[j].iov_len;
        TraceMessage(trace, vector[i], static_cast<ssize_t>(total), sent >= 0 && i < static_cast<uint32_t>(sent), 0);
      }
      trace.Group(mark).Int(count).Int(flags | extra_flags);
    });
  });
  return SyscallResult(env, result, errno);
}

static Napi::Value Recvmmsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd, count, length, flags;
  char* into;
  size_t into_length;
  double timeout_ms;
  char* out;
  size_t out_length;
  if (!ArgInt(info, 0, &fd) || !ArgBytes(info, 1, &into, &into_length) || !ArgInt(info, 2, &count) || !ArgInt(info, 3, &length) ||
      !ArgInt(info, 4, &flags) || !ArgDouble(info, 5, &timeout_ms) || !ArgBytes(info, 6, &out, &out_length)) {
    return {};
  }
  // The senders: undefined, a new array of them returned; an array, filled and the count returned;
  // null, not asked of the kernel (msg_name NULL) and the count returned.
  const Napi::Value senders_arg = info.Length() > 7 ? info[7] : info.Env().Undefined();
  if (!senders_arg.IsUndefined() && !senders_arg.IsNull() && !senders_arg.IsArray()) {
    Napi::TypeError::New(env, "senders must be an array, null or undefined").ThrowAsJavaScriptException();
    return {};
  }
  const bool named = !senders_arg.IsNull();
  if (count < 1 || static_cast<unsigned>(count) > kMaxMmsg) {
    Napi::RangeError::New(env, "message count out of range").ThrowAsJavaScriptException();
    return {};
  }
  if (length < 0 || static_cast<size_t>(count) * static_cast<size_t>(length) > into_length) {
    Napi::RangeError::New(env, "the buffer holds fewer than count * length bytes").ThrowAsJavaScriptException();
    return {};
  }
  if (out_length < 2 * sizeof(int32_t) * static_cast<size_t>(count)) {
    Napi::RangeError::New(env, "the result array holds fewer than 2 * count int32s").ThrowAsJavaScriptException();
    return {};
  }
  if (timeout_ms > kMaxTimeoutMs) {
    Napi::RangeError::New(env, "timeout out of range").ThrowAsJavaScriptException();
    return {};
  }
  // A negative timeout is none (NULL): recvmmsg's own timeout, not the socket's.
  timespec timeout{};
  const bool timed = timeout_ms >= 0;
  if (timed) {
    const double seconds = std::floor(timeout_ms / 1e3);
    timeout.tv_sec = static_cast<time_t>(seconds);
    timeout.tv_nsec = static_cast<long>((timeout_ms - seconds * 1e3) * 1e6);
    if (timeout.tv_nsec >= 1000000000L) timeout.tv_nsec = 999999999L;
  }
  // On the stack up to a batch this size: a heap allocation per call costs more than the syscall's
  // share of a small datagram.
  constexpr int kOnStack = 64;
  mmsghdr stack_vector[kOnStack];
  iovec stack_iov[kOnStack];
  sockaddr_storage stack_addresses[kOnStack];
  std::vector<mmsghdr> heap_vector;
  std::vector<iovec> heap_iov;
  std::vector<sockaddr_storage> heap_addresses;
  mmsghdr* vector = stack_vector;
  iovec* iov = stack_iov;
  sockaddr_storage* addresses = stack_addresses;
  if (count > kOnStack) {
    heap_vector.resize(count);
    heap_iov.resize(count);
    heap_addresses.resize(named ? count : 0);
    vector = heap_vector.data();
    iov = heap_iov.data();
    addresses = heap_addresses.data();
  }
  Trace trace(env);
  const timespec given = timeout;
  const int result = RetryOnEintr(trace, fd, Waits::kToRead, [&](int extra_flags) {
    for (int i = 0; i < count; i++) {
      iov[i] = iovec{into + static_cast<size_t>(i) * length, static_cast<size_t>(length)};
      vector[i] = mmsghdr{};
      if (named) {
        vector[i].msg_hdr.msg_name = &addresses[i];
        vector[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      }
      vector[i].msg_hdr.msg_iov = &iov[i];
      vector[i].msg_hdr.msg_iovlen = 1;
    }
    return Traced(trace, "recvmmsg", [&] { return recvmmsg(fd, vector, count, flags | extra_flags, timed ? &timeout : nullptr); },
                  [&](int received) -> napi_value {
                    // strace decodes the vector only when the call succeeded (the messages received); else its address.
                    trace.Int(fd);
                    if (received < 0) {
                      trace.Bytes(vector, -1);
                    } else {
                      const size_t mark = trace.Mark();
                      for (int i = 0; i < std::min(received, static_cast<int>(kShownMessages)); i++) TraceMessage(trace, vector[i], vector[i].msg_len, true, named ? sizeof(sockaddr_storage) : 0);
                      trace.Group(mark);
                    }
                    trace.Int(count).Int(flags | extra_flags);
                    if (!timed) {
                      trace.Null();
                      return nullptr;
                    }
                    const int given_fields[2] = {static_cast<int>(std::min<time_t>(given.tv_sec, INT32_MAX)), static_cast<int>(given.tv_nsec)};
                    trace.Ints(given_fields, 2);
                    if (received < 0) return nullptr;
                    // What strace adds after the result: the time left, as the kernel wrote it back.
                    const int left[2] = {static_cast<int>(std::min<time_t>(timeout.tv_sec, INT32_MAX)), static_cast<int>(timeout.tv_nsec)};
                    return trace.IntArray(left, 2);
                  });
  });
  if (result < 0) return SyscallResult(env, result, errno);
  // msg_len and msg_flags into `out`, pairs of int32 (memcpy: the view may be any ArrayBufferView).
  for (int i = 0; i < result; i++) {
    const int32_t fields[2] = {static_cast<int32_t>(vector[i].msg_len), vector[i].msg_hdr.msg_flags};
    std::memcpy(out + 2 * sizeof(int32_t) * i, fields, sizeof(fields));
  }
  if (!named) return Napi::Number::New(env, result);
  Napi::Array senders = senders_arg.IsArray() ? senders_arg.As<Napi::Array>() : Napi::Array::New(env, result);
  napi_value previous = nullptr;
  for (int i = 0; i < result; i++) {
    const socklen_t name_length = vector[i].msg_hdr.msg_namelen;
    if (name_length == 0) {
      senders.Set(static_cast<uint32_t>(i), env.Null());
      previous = nullptr;
      continue;
    }
    // Datagrams from one sender in a row (the common case) share one decoded address object:
    // decoding it again for each costs more than the syscall's share of the datagram.
    if (previous != nullptr && vector[i - 1].msg_hdr.msg_namelen == name_length &&
        std::memcmp(&addresses[i - 1], &addresses[i], name_length) == 0) {
      senders.Set(static_cast<uint32_t>(i), previous);
      continue;
    }
    Napi::Value sender = SockaddrToJs(env, addresses[i], name_length);
    previous = sender;
    senders.Set(static_cast<uint32_t>(i), sender);
  }
  if (senders_arg.IsArray()) return Napi::Number::New(env, result);
  return senders;
}

void RegisterMsg(Napi::Env env, Napi::Object exports) {
  ExportFunctions(env, exports, {
      {"sendmsg", Sendmsg},  // (fd, buffers[], control | null, flags, sockaddr | null) -> bytes
      {"recvmsg", Recvmsg},  // (fd, buffers[], controlLength, flags) -> [bytes, msg_flags, control, address | null]
      // (fd, [[data | buffers[], control | null, sockaddr | null], ...], flags) -> messages sent
      {"sendmmsg", Sendmmsg},
      // (fd, into, count, length, flags, timeoutMs (< 0: none), out Int32Array(2 * count)[, senders]) ->
      // the senders (address | null) of the messages received, their msg_len and msg_flags in `out`;
      // with `senders` an array: the count, the senders filled in; null: the count, no senders asked
      {"recvmmsg", Recvmmsg},
  });
}

}  // namespace sockcall
