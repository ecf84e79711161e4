#include "syscalls.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <vector>

#include "address.h"
#include "args.h"
#include "bounds.h"
#include "constants.h"
#include "environment.h"
#include "exports.h"
#include "retry.h"
#include "trace.h"
#include "traced.h"

namespace sockcall {

// The fourth argument, when an object, holds the new fd (see TrackFd): the Socket being constructed
// registers itself in the same call.
static napi_value Socket(napi_env env, napi_callback_info info) {
  RawArgs<4> args(env, info);
  int domain, type, protocol;
  if (!args.ok || !args.Int(0, &domain) || !args.Int(1, &type) || !args.Int(2, &protocol)) return nullptr;
  Trace trace(env);
  const int fd = Traced(trace, "socket", [&] { return socket(domain, type, protocol); },
                        [&](int) { trace.Int(domain).Int(type).Int(protocol); });
  if (fd < 0) return SyscallResult(args.env, -1, errno);
  TrackFd(env, fd, args.argv[3]);
  return SyscallResult(args.env, fd, 0);
}

static Napi::Value Socketpair(const Napi::CallbackInfo& info) {
  int domain, type, protocol;
  if (!ArgInt(info, 0, &domain) || !ArgInt(info, 1, &type) || !ArgInt(info, 2, &protocol)) return {};
  int fds[2];
  Trace trace(info.Env());
  const int status = Traced(trace, "socketpair", [&] { return socketpair(domain, type, protocol, fds); }, [&](int status) {
    trace.Int(domain).Int(type).Int(protocol);
    if (status == 0) trace.Ints(fds, 2); else trace.Null();
  });
  if (status < 0) return SyscallResult(info.Env(), -1, errno);
  TrackFd(info.Env(), fds[0]);
  TrackFd(info.Env(), fds[1]);
  Napi::Array result = Napi::Array::New(info.Env(), 2);
  result.Set(0u, fds[0]);
  result.Set(1u, fds[1]);
  return result;
}

static napi_value Bind(napi_env env, napi_callback_info info) {
  RawArgs<2> args(env, info);
  int fd;
  sockaddr_storage address;
  socklen_t length;
  if (!args.ok || !args.Int(0, &fd) || !ValueSockaddr(args.env, args.argv[1], 1, &address, &length)) return nullptr;
  Trace trace(env);
  const int result = Traced(trace, "bind", [&] { return bind(fd, reinterpret_cast<sockaddr*>(&address), length); },
                            [&](int) { trace.Int(fd).Sockaddr(&address, length).Int(length); });
  return SyscallResult(args.env, result, errno);
}

static napi_value Listen(napi_env env, napi_callback_info info) {
  RawArgs<2> args(env, info);
  int fd, backlog;
  if (!args.ok || !args.Int(0, &fd) || !args.Int(1, &backlog)) return nullptr;
  Trace trace(env);
  const int result = Traced(trace, "listen", [&] { return listen(fd, backlog); }, [&](int) { trace.Int(fd).Int(backlog); });
  return SyscallResult(args.env, result, errno);
}

static napi_value Accept4(napi_env env, napi_callback_info info) {
  RawArgs<2> args(env, info);
  int fd, flags;
  if (!args.ok || !args.Int(0, &fd) || !args.Int(1, &flags)) return nullptr;
  Trace trace(env);
  const int result = RetryOnEintr(trace, fd, Waits::kToRead, [&](int) { return TracedAccept4(trace, fd, flags); });
  if (result < 0) return SyscallResult(args.env, -1, errno);
  TrackFd(args.env, result);
  return SyscallResult(args.env, result, 0);
}

static napi_value Connect(napi_env env, napi_callback_info info) {
  RawArgs<2> args(env, info);
  int fd;
  sockaddr_storage address;
  socklen_t length;
  if (!args.ok || !args.Int(0, &fd) || !ValueSockaddr(args.env, args.argv[1], 1, &address, &length)) return nullptr;
  Trace trace(env);
  timespec start;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &start);
  int result = Traced(trace, "connect", [&] { return connect(fd, reinterpret_cast<sockaddr*>(&address), length); },
                      [&](int) { trace.Int(fd).Sockaddr(&address, length).Int(length); });
  // A blocking connect interrupted by a signal (SO_SNDTIMEO set, or a handler without SA_RESTART):
  // not called again (EALREADY), waited for. A non-blocking one never says EINTR.
  if (result < 0 && errno == EINTR) result = AwaitConnect(trace, fd, start);
  return SyscallResult(args.env, result, errno);
}

static napi_value Send(napi_env env, napi_callback_info info) {
  RawArgs<3> args(env, info);
  int fd, flags;
  char* data;
  size_t length;
  if (!args.ok || !args.Int(0, &fd) || !args.Bytes(1, &data, &length) || !args.Int(2, &flags)) return nullptr;
  Trace trace(env);
  const ssize_t result = RetryOnEintr(trace, fd, Waits::kToWrite, [&](int extra_flags) { return TracedSend(trace, fd, data, length, flags | extra_flags); });
  return SyscallResult(args.env, result, errno);
}

static napi_value Sendto(napi_env env, napi_callback_info info) {
  RawArgs<4> args(env, info);
  int fd, flags;
  char* data;
  size_t length;
  sockaddr_storage address;
  socklen_t address_length;
  if (!args.ok || !args.Int(0, &fd) || !args.Bytes(1, &data, &length) || !args.Int(2, &flags) ||
      !ValueSockaddr(args.env, args.argv[3], 3, &address, &address_length)) {
    return nullptr;
  }
  Trace trace(env);
  const ssize_t result = RetryOnEintr(trace, fd, Waits::kToWrite, [&](int extra_flags) {
    return Traced(trace, "sendto",
                  [&] { return sendto(fd, data, length, flags | extra_flags, reinterpret_cast<sockaddr*>(&address), address_length); },
                  [&](ssize_t) {
                    trace.Int(fd).Bytes(data, length).Int(length).Int(flags | extra_flags);
                    trace.Sockaddr(&address, address_length).Int(address_length);
                  });
  });
  return SyscallResult(args.env, result, errno);
}

static napi_value Recv(napi_env env, napi_callback_info info) {
  RawArgs<3> args(env, info);
  int fd, flags;
  char* data;
  size_t length;
  if (!args.ok || !args.Int(0, &fd) || !args.Bytes(1, &data, &length) || !args.Int(2, &flags)) return nullptr;
  Trace trace(env);
  const ssize_t result = RetryOnEintr(trace, fd, Waits::kToRead, [&](int extra_flags) { return TracedRecv(trace, fd, data, length, flags | extra_flags); });
  return SyscallResult(args.env, result, errno);
}

static napi_value Recvfrom(napi_env env, napi_callback_info info) {
  RawArgs<4> args(env, info);
  int fd, flags;
  char* data;
  size_t length;
  if (!args.ok || !args.Int(0, &fd) || !args.Bytes(1, &data, &length) || !args.Int(2, &flags)) return nullptr;
  // The senders: undefined, the pair [count, sender] returned; an array, the sender into its index 0
  // and the count returned (recvfromInto: nothing allocated, the sender an object of its own only
  // when it differs from the last one, see SenderCache; the function's data is this environment's).
  napi_valuetype senders_type = napi_undefined;
  bool senders_array = false;
  if (napi_typeof(env, args.argv[3], &senders_type) != napi_ok) return nullptr;
  if (senders_type != napi_undefined && (napi_is_array(env, args.argv[3], &senders_array) != napi_ok || !senders_array)) {
    napi_throw_type_error(env, nullptr, "senders must be an array or undefined");
    return nullptr;
  }
  sockaddr_storage address{};
  socklen_t address_length = sizeof(address);
  Trace trace(env);
  const ssize_t result = RetryOnEintr(trace, fd, Waits::kToRead, [&](int extra_flags) {
    return TracedRecvfrom(trace, fd, data, length, flags | extra_flags, &address, &address_length);
  });
  if (result < 0) return SyscallResult(args.env, result, errno);
  napi_value count, sender = senders_array ? CachedSenderToJs(env, static_cast<SenderCache*>(args.data), address, address_length)
                                           : SenderToJs(args.env, address, address_length);
  if (sender == nullptr || napi_create_double(env, static_cast<double>(result), &count) != napi_ok) return nullptr;
  if (senders_array) return napi_set_element(env, args.argv[3], 0, sender) == napi_ok ? count : nullptr;
  napi_value pair;
  if (napi_create_array_with_length(env, 2, &pair) != napi_ok) return nullptr;
  napi_set_element(env, pair, 0, count);
  napi_set_element(env, pair, 1, sender);
  return pair;
}

static napi_value Shutdown(napi_env env, napi_callback_info info) {
  RawArgs<2> args(env, info);
  int fd, how;
  if (!args.ok || !args.Int(0, &fd) || !args.Int(1, &how)) return nullptr;
  Trace trace(env);
  const int result = Traced(trace, "shutdown", [&] { return shutdown(fd, how); }, [&](int) { trace.Int(fd).Int(how); });
  return SyscallResult(args.env, result, errno);
}

static napi_value Close(napi_env env, napi_callback_info info) {
  RawArgs<1> args(env, info);
  int fd;
  if (!args.ok || !args.Int(0, &fd)) return nullptr;
  UntrackFd(args.env, fd);
  Trace trace(env);
  // Never retried: see RetryOnEintr.
  const int result = Traced(trace, "close", [&] { return close(fd); }, [&](int) { trace.Int(fd); });
  return SyscallResult(args.env, result, errno);
}

// sendfile(2): up to `count` bytes of the file `in_fd` onto the socket, copied in the kernel. With an
// offset (a number) the file's position is left alone and the kernel reads from there; with null
// it reads from, and advances, the file's position. The offset after the call is offset + the
// result, so it is not handed back. No flags: after an EINTR under a socket timeout the call is
// made again as is (see RetryOnEintr: as accept4, it may wait one more timeout).
static Napi::Value Sendfile(const Napi::CallbackInfo& info) {
  int out_fd, in_fd;
  double offset_arg = -1, count_arg;
  if (!ArgInt(info, 0, &out_fd) || !ArgInt(info, 1, &in_fd)) return {};
  const bool positioned = info.Length() > 2 && !info[2].IsNull();
  if ((positioned && !ArgSafeSize(info, 2, &offset_arg)) || !ArgSafeSize(info, 3, &count_arg)) return {};
  off_t offset = static_cast<off_t>(offset_arg);
  const off_t given = offset;
  const size_t count = static_cast<size_t>(count_arg);
  Trace trace(info.Env());
  const ssize_t result = RetryOnEintr(trace, out_fd, Waits::kToWrite, [&](int) {
    return Traced(trace, "sendfile", [&] { return sendfile(out_fd, in_fd, positioned ? &offset : nullptr, count); }, [&](ssize_t) {
      trace.Int(out_fd).Int(in_fd);
      if (positioned) trace.Int(static_cast<double>(given)).Int(static_cast<double>(offset)); else trace.Null().Null();
      trace.Int(static_cast<double>(count));
    });
  });
  return SyscallResult(info.Env(), result, errno);
}

static Napi::Value NameCall(const Napi::CallbackInfo& info, const char* name, int (*call)(int, sockaddr*, socklen_t*)) {
  int fd;
  if (!ArgInt(info, 0, &fd)) return {};
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  Trace trace(info.Env());
  const int result = Traced(trace, name, [&] { return call(fd, reinterpret_cast<sockaddr*>(&address), &length); }, [&](int result) {
    trace.Int(fd);
    if (result == 0) trace.Sockaddr(&address, length); else trace.Null();
    trace.Lengths(sizeof(address), result == 0 ? length : sizeof(address));
  });
  if (result < 0) return SyscallResult(info.Env(), -1, errno);
  return SockaddrToJs(info.Env(), address, length);
}

static Napi::Value Getsockname(const Napi::CallbackInfo& info) { return NameCall(info, "getsockname", getsockname); }
static Napi::Value Getpeername(const Napi::CallbackInfo& info) { return NameCall(info, "getpeername", getpeername); }


// Reads the `out` typed array argument that receives a getsockopt result.
// Results are memcpy'd in: the view may be any ArrayBufferView at any offset, so no alignment is
// assumed.
static char* OutBytes(Napi::Env env, char* data, size_t length, size_t size) {
  if (length < size) {
    Napi::RangeError::New(env, "output array too small").ThrowAsJavaScriptException();
    return nullptr;
  }
  return data;
}

static char* OutBytes(const Napi::CallbackInfo& info, size_t index, size_t size) {
  char* data;
  size_t length;
  if (!ArgBytes(info, index, &data, &length)) return nullptr;
  return OutBytes(info.Env(), data, length, size);
}

static napi_value GetsockoptInt(napi_env env, napi_callback_info info) {
  RawArgs<3> args(env, info);
  int fd, level, name;
  if (!args.ok || !args.Int(0, &fd) || !args.Int(1, &level) || !args.Int(2, &name)) return nullptr;
  int32_t value = 0;
  socklen_t length = sizeof(value);
  Trace trace(env);
  const int result = TracedGetsockopt(trace, fd, level, name, &value, &length);
  // The value itself (any int32: SO_PEEK_OFF is -1 when off), so a failure goes below them all.
  napi_value out = nullptr;
  if (result == 0) {
    napi_create_int32(env, value, &out);
  } else {
    napi_create_double(env, kGetsockoptFailed - errno, &out);
  }
  return out;
}

static napi_value SetsockoptInt(napi_env env, napi_callback_info info) {
  RawArgs<4> args(env, info);
  int fd, level, name, value;
  if (!args.ok || !args.Int(0, &fd) || !args.Int(1, &level) || !args.Int(2, &name) || !args.Int(3, &value)) return nullptr;
  Trace trace(env);
  int result = TracedSetsockopt(trace, fd, level, name, &value, sizeof(value));
  return SyscallResult(args.env, result, errno);
}

static Napi::Value GetsockoptBytes(const Napi::CallbackInfo& info) {
  int fd, level, name;
  char* data;
  size_t length;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &level) || !ArgInt(info, 2, &name) ||
      !ArgBytes(info, 3, &data, &length)) {
    return {};
  }
  // SO_PEERPIDFD installs a new fd and writes as many bytes of its number as it is given room for,
  // none with a zero length: read into bytes, the fd could be lost. getsockoptInt reads it whole.
  if (level == SOL_SOCKET && name == SO_PEERPIDFD) {
    Napi::RangeError::New(info.Env(), "SO_PEERPIDFD is read with getsockoptInt").ThrowAsJavaScriptException();
    return {};
  }
  socklen_t option_length = static_cast<socklen_t>(length);
  Trace trace(info.Env());
  int result = TracedGetsockopt(trace, fd, level, name, data, &option_length);
  // A failure as -1, not as the unsigned type of optlen (4294967295, a length).
  return SyscallResult(info.Env(), result < 0 ? -1 : static_cast<ssize_t>(option_length), errno);
}

static Napi::Value SetsockoptBytes(const Napi::CallbackInfo& info) {
  int fd, level, name;
  char* data;
  size_t length;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &level) || !ArgInt(info, 2, &name) ||
      !ArgBytes(info, 3, &data, &length)) {
    return {};
  }
  Trace trace(info.Env());
  int result = TracedSetsockopt(trace, fd, level, name, data, static_cast<socklen_t>(length));
  return SyscallResult(info.Env(), result, errno);
}

// SO_ATTACH_FILTER takes struct sock_fprog, a count and a pointer to the instructions: built here
// around the caller's bytes (8-byte struct sock_filter each), which stay put for the call.
static Napi::Value SetsockoptFilter(const Napi::CallbackInfo& info) {
  int fd;
  char* data;
  size_t length;
  if (!ArgInt(info, 0, &fd) || !ArgBytes(info, 1, &data, &length)) return {};
  // The count is an unsigned short: a longer program must not wrap to a shorter one.
  if (length % sizeof(sock_filter) != 0 || length / sizeof(sock_filter) > USHRT_MAX) {
    Napi::RangeError::New(info.Env(), "program must be whole 8-byte instructions, at most 65535").ThrowAsJavaScriptException();
    return {};
  }
  sock_fprog program{};
  program.len = static_cast<unsigned short>(length / sizeof(sock_filter));
  program.filter = reinterpret_cast<sock_filter*>(data);
  Trace trace(info.Env());
  int result = TracedSetsockopt(trace, fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program));
  return SyscallResult(info.Env(), result, errno);
}

static Napi::Value GetsockoptLinger(const Napi::CallbackInfo& info) {
  int fd;
  if (!ArgInt(info, 0, &fd)) return {};
  char* out = OutBytes(info, 1, 2 * sizeof(int32_t));
  if (out == nullptr) return {};
  linger value{};
  socklen_t length = sizeof(value);
  Trace trace(info.Env());
  int result = TracedGetsockopt(trace, fd, SOL_SOCKET, SO_LINGER, &value, &length);
  if (result == 0) {
    int32_t fields[2] = {value.l_onoff, value.l_linger};
    std::memcpy(out, fields, sizeof(fields));
  }
  return SyscallResult(info.Env(), result, errno);
}

static Napi::Value SetsockoptLinger(const Napi::CallbackInfo& info) {
  int fd, onoff, seconds;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &onoff) || !ArgInt(info, 2, &seconds)) return {};
  linger value{};
  value.l_onoff = onoff;
  value.l_linger = seconds;
  Trace trace(info.Env());
  int result = TracedSetsockopt(trace, fd, SOL_SOCKET, SO_LINGER, &value, sizeof(value));
  return SyscallResult(info.Env(), result, errno);
}

static Napi::Value GetsockoptTimeval(const Napi::CallbackInfo& info) {
  int fd, name;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &name)) return {};
  // Only the timeval options: another name could be one that installs an fd (SO_PEERPIDFD), whose
  // number would be lost in the conversion to milliseconds.
  if (name != SO_RCVTIMEO && name != SO_SNDTIMEO) {
    Napi::RangeError::New(info.Env(), "name must be SO_RCVTIMEO or SO_SNDTIMEO").ThrowAsJavaScriptException();
    return {};
  }
  char* out = OutBytes(info, 2, sizeof(double));
  if (out == nullptr) return {};
  timeval value{};
  socklen_t length = sizeof(value);
  Trace trace(info.Env());
  int result = TracedGetsockopt(trace, fd, SOL_SOCKET, name, &value, &length);
  if (result == 0) {
    double ms = static_cast<double>(value.tv_sec) * 1e3 + static_cast<double>(value.tv_usec) / 1e3;
    std::memcpy(out, &ms, sizeof(ms));
  }
  return SyscallResult(info.Env(), result, errno);
}

static Napi::Value SetsockoptTimeval(const Napi::CallbackInfo& info) {
  int fd, name;
  double ms;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &name) || !ArgDouble(info, 2, &ms)) return {};
  if (!(ms >= 0 && ms < kMaxTimeoutMs)) {
    Napi::RangeError::New(info.Env(), "timeout out of range").ThrowAsJavaScriptException();
    return {};
  }
  // Whole microseconds first: fmod(1000.001, 1e3) * 1e3 is 0.99999999997, which would truncate to 0.
  // A non-zero timeout never rounds down to 0, which would mean "no timeout".
  long long microseconds = std::llround(ms * 1e3);
  if (microseconds == 0 && ms > 0) microseconds = 1;
  timeval value{};
  value.tv_sec = static_cast<time_t>(microseconds / 1000000);
  value.tv_usec = static_cast<suseconds_t>(microseconds % 1000000);
  Trace trace(info.Env());
  int result = TracedSetsockopt(trace, fd, SOL_SOCKET, name, &value, sizeof(value));
  return SyscallResult(info.Env(), result, errno);
}

static Napi::Value GetBlocking(const Napi::CallbackInfo& info) {
  int fd;
  if (!ArgInt(info, 0, &fd)) return {};
  Trace trace(info.Env());
  int flags = TracedFcntl(trace, fd, F_GETFL);
  if (flags < 0) return SyscallResult(info.Env(), -1, errno);
  return Napi::Number::New(info.Env(), (flags & O_NONBLOCK) ? 0 : 1);
}

static Napi::Value SetBlocking(const Napi::CallbackInfo& info) {
  int fd, blocking;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &blocking)) return {};
  Trace trace(info.Env());
  int flags = TracedFcntl(trace, fd, F_GETFL);
  if (flags < 0) return SyscallResult(info.Env(), -1, errno);
  int wanted = blocking ? (flags & ~O_NONBLOCK) : (flags | O_NONBLOCK);
  int result = wanted == flags ? 0 : TracedFcntl(trace, fd, F_SETFL, wanted);
  return SyscallResult(info.Env(), result, errno);
}

static Napi::Value Dup(const Napi::CallbackInfo& info) {
  int fd, min;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &min)) return {};
  if (min < 0) return SyscallResult(info.Env(), -1, EINVAL);
  // Not owned by the environment: lib/ closes it itself, at once after use.
  Trace trace(info.Env());
  int result = TracedFcntl(trace, fd, F_DUPFD_CLOEXEC, min);
  return SyscallResult(info.Env(), result, errno);
}

// Milliseconds left until `deadline` (CLOCK_MONOTONIC), never negative. Used to restart select and
// poll after EINTR against the original deadline instead of starting the timeout again.
static double RemainingMs(const timespec& deadline) {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  double ms = static_cast<double>(deadline.tv_sec - now.tv_sec) * 1e3 +
              static_cast<double>(deadline.tv_nsec - now.tv_nsec) / 1e6;
  return ms > 0 ? ms : 0;
}

static timespec DeadlineAfter(double ms) {
  timespec deadline;
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  double seconds = std::floor(ms / 1e3);
  deadline.tv_sec += static_cast<time_t>(seconds);
  deadline.tv_nsec += static_cast<long>((ms - seconds * 1e3) * 1e6);
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec += 1;
    deadline.tv_nsec -= 1000000000L;
  }
  return deadline;
}

// Fills an fd_set from a list, refusing any fd that FD_SET would write outside the set.
static bool FillFdSet(const Napi::CallbackInfo& info, const std::vector<int>& fds, fd_set* set, int* max_fd) {
  FD_ZERO(set);
  for (int fd : fds) {
    if (fd < 0 || fd >= FD_SETSIZE) {
      Napi::RangeError::New(info.Env(), "select() cannot watch fd " + std::to_string(fd) +
                                            ": it is outside 0.." + std::to_string(FD_SETSIZE - 1) + "; use poll()")
          .ThrowAsJavaScriptException();
      return false;
    }
    FD_SET(fd, set);
    if (fd > *max_fd) *max_fd = fd;
  }
  return true;
}

static Napi::Array ReadyFds(Napi::Env env, const std::vector<int>& fds, const fd_set& set) {
  Napi::Array ready = Napi::Array::New(env);
  uint32_t count = 0;
  for (int fd : fds) {
    if (FD_ISSET(fd, &set)) ready.Set(count++, fd);
  }
  return ready;
}

static Napi::Value Select(const Napi::CallbackInfo& info) {
  std::vector<int> lists[3];
  double ms;
  for (size_t i = 0; i < 3; i++) {
    if (!ArgIntArray(info, i, &lists[i])) return {};
  }
  if (!ArgDouble(info, 3, &ms)) return {};
  if (!(ms < kMaxTimeoutMs)) {
    Napi::RangeError::New(info.Env(), "timeout out of range").ThrowAsJavaScriptException();
    return {};
  }
  fd_set sets[3];
  int max_fd = -1;
  for (size_t i = 0; i < 3; i++) {
    if (!FillFdSet(info, lists[i], &sets[i], &max_fd)) return {};
  }
  const bool forever = ms < 0;
  const timespec deadline = DeadlineAfter(forever ? 0 : ms);
  int result;
  // The first call gets the timeout exactly as given (strace shows {tv_sec=30, ...} as C would);
  // only a restart after EINTR recomputes what is left.
  double left = forever ? 0 : ms;
  Trace trace(info.Env());
  for (;;) {
    timeval timeout;
    if (!forever) {
      long long microseconds = std::llround(left * 1e3);
      timeout.tv_sec = static_cast<time_t>(microseconds / 1000000);
      timeout.tv_usec = static_cast<suseconds_t>(microseconds % 1000000);
    }
    fd_set ready[3] = {sets[0], sets[1], sets[2]};
    // Empty sets go in as NULL, as a C program would write them.
    const timeval given = timeout;  // Linux writes the time left into `timeout`
    // glibc's select(3) is the pselect6 syscall, its timeval turned into a timespec.
    result = Traced(trace, "pselect6",
                    [&] {
                      return select(max_fd + 1, lists[0].empty() ? nullptr : &ready[0], lists[1].empty() ? nullptr : &ready[1],
                                    lists[2].empty() ? nullptr : &ready[2], forever ? nullptr : &timeout);
                    },
                    [&](int result) -> napi_value {
                      trace.Int(max_fd + 1);
                      for (const auto& list : lists) {
                        if (list.empty()) trace.Null(); else trace.Ints(list.data(), list.size());
                      }
                      if (forever) {
                        trace.Null();
                      } else {
                        const int timespec_fields[2] = {static_cast<int>(given.tv_sec), static_cast<int>(given.tv_usec * 1000)};
                        trace.Ints(timespec_fields, 2);
                      }
                      if (result <= 0) return nullptr;
                      napi_value detail = nullptr;
                      napi_create_array_with_length(info.Env(), 3, &detail);
                      for (uint32_t i = 0; i < 3; i++) {
                        std::vector<int> set;
                        for (int fd : lists[i]) {
                          if (FD_ISSET(fd, &ready[i])) set.push_back(fd);
                        }
                        napi_set_element(info.Env(), detail, i, trace.IntArray(set.data(), set.size()));
                      }
                      return detail;
                    });
    if (result >= 0) {
      for (size_t i = 0; i < 3; i++) sets[i] = ready[i];
      break;
    }
    if (errno != EINTR) return SyscallResult(info.Env(), -1, errno);
    if (!forever) left = RemainingMs(deadline);
  }
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, 3);
  for (uint32_t i = 0; i < 3; i++) {
    if (result == 0) FD_ZERO(&sets[i]);
    out.Set(i, ReadyFds(env, lists[i], sets[i]));
  }
  return out;
}

static Napi::Value Poll(const Napi::CallbackInfo& info) {
  std::vector<int> fds, events;
  int ms;
  if (!ArgIntArray(info, 0, &fds) || !ArgIntArray(info, 1, &events) || !ArgInt(info, 2, &ms)) return {};
  if (fds.size() != events.size()) {
    Napi::RangeError::New(info.Env(), "fds and events differ in length").ThrowAsJavaScriptException();
    return {};
  }
  std::vector<pollfd> entries(fds.size());
  for (size_t i = 0; i < fds.size(); i++) {
    entries[i].fd = fds[i];
    entries[i].events = static_cast<short>(events[i]);
    entries[i].revents = 0;
  }
  const timespec deadline = DeadlineAfter(ms < 0 ? 0 : ms);
  int timeout = ms;
  int result;
  Trace trace(info.Env());
  for (;;) {
    result = TracedPoll(trace, entries.data(), entries.size(), timeout);
    if (result >= 0 || errno != EINTR) break;
    if (ms >= 0) timeout = static_cast<int>(std::ceil(RemainingMs(deadline)));
  }
  if (result < 0) return SyscallResult(info.Env(), -1, errno);
  Napi::Array revents = Napi::Array::New(info.Env(), entries.size());
  for (size_t i = 0; i < entries.size(); i++) revents.Set(static_cast<uint32_t>(i), entries[i].revents);
  return revents;
}

void RegisterSyscalls(Napi::Env env, Napi::Object exports) {
  // The calls of a connection's life and the int options: raw Node-API callbacks (see syscalls.h).
  ExportRawFunctions(env, exports, {
      {"socket", Socket},                // (domain, type, protocol[, holder]) -> fd
      {"bind", Bind},                    // (fd, sockaddr) -> 0
      {"listen", Listen},                // (fd, backlog) -> 0
      {"accept4", Accept4},              // (fd, flags) -> fd
      {"connect", Connect},              // (fd, sockaddr) -> 0
      {"send", Send},                    // (fd, view, flags) -> bytes
      {"sendto", Sendto},                // (fd, view, flags, sockaddr) -> bytes
      {"recv", Recv},                    // (fd, view, flags) -> bytes
      {"shutdown", Shutdown},            // (fd, how) -> 0
      {"close", Close},                  // (fd) -> 0
      {"getsockoptInt", GetsockoptInt},  // (fd, level, name) -> value | kGetsockoptFailed - errno
      {"setsockoptInt", SetsockoptInt},  // (fd, level, name, value) -> 0
  });
  // (fd, view, flags[, senders]) -> [bytes, address], or bytes with senders[0] = address; its data
  // is the environment's SenderCache, freed with the function.
  auto* cache = new SenderCache();
  napi_value recvfrom;
  if (napi_create_function(env, "recvfrom", NAPI_AUTO_LENGTH, Recvfrom, cache, &recvfrom) == napi_ok) {
    // Should the finalizer not be added, the cache stays for the process's life: a few hundred bytes.
    napi_add_finalizer(
        env, recvfrom, cache,
        [](napi_env finalizing, void* data, void*) {
          auto* kept = static_cast<SenderCache*>(data);
          ClearSenderCache(finalizing, kept);
          delete kept;
        },
        nullptr, nullptr);
    exports.Set("recvfrom", Napi::Value(env, recvfrom));
  } else {
    delete cache;
  }
  ExportFunctions(env, exports, {
      {"socketpair", Socketpair},                // (domain, type, protocol) -> [fd, fd]
      {"getsockname", Getsockname},              // (fd) -> address
      {"getpeername", Getpeername},              // (fd) -> address
      {"getsockoptBytes", GetsockoptBytes},      // (fd, level, name, view) -> optlen
      {"setsockoptBytes", SetsockoptBytes},      // (fd, level, name, view) -> 0
      {"setsockoptFilter", SetsockoptFilter},    // (fd, view of struct sock_filter[]) -> 0
      {"getsockoptLinger", GetsockoptLinger},    // (fd, out Int32Array(2)) -> 0
      {"setsockoptLinger", SetsockoptLinger},    // (fd, onoff, seconds) -> 0
      {"getsockoptTimeval", GetsockoptTimeval},  // (fd, name, out Float64Array) -> 0
      {"setsockoptTimeval", SetsockoptTimeval},  // (fd, name, ms) -> 0
      {"getBlocking", GetBlocking},              // (fd) -> 1 | 0
      {"setBlocking", SetBlocking},              // (fd, blocking) -> 0
      {"dup", Dup},                              // (fd, min) -> fcntl(F_DUPFD_CLOEXEC)
      {"select", Select},                        // (read[], write[], except[], ms) -> [r[], w[], e[]]
      {"poll", Poll},                            // (fds[], events[], ms) -> revents[]
      {"sendfile", Sendfile},                    // (fd, in_fd, offset | null, count) -> bytes
  });
}

}  // namespace sockcall
