// The syscall trace (SOCKCALL_TRACE, trace() in lib/trace.ts): each syscall sockcall makes, with
// its arguments as passed to the kernel and its result, handed to a JS function that prints it in
// strace's notation. Native code records raw values only (numbers, the bytes of buffers and
// sockaddrs, an internet sockaddr also as getsockname decodes it); lib/trace.ts owns the formatting,
// and declares there, per syscall name given to End, the arguments recorded (TRACED_SYSCALLS).
//
// Off, it costs one relaxed atomic load per call: no environment traces, no lookup is made.
#pragma once

#include <napi.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include <cerrno>
#include <type_traits>

#include "environment.h"

namespace sockcall {

class Trace {
 public:
  explicit Trace(napi_env env) : env_(env) {
    if (tracing_environments.load(std::memory_order_relaxed) > 0) sink_ = TraceSink(env);
  }
  explicit operator bool() const { return sink_ != nullptr; }

  // Marks the start of the syscall (for timestamps and durations). Call right before it.
  // Inline, so that an untraced call pays one test here, not a call.
  void Begin() {
    if (sink_ != nullptr) Stamp();
  }

  // The syscall's arguments, in order, after the call (buffers are read for what the call wrote).
  Trace& Int(double value);
  Trace& Null();
  // The first bytes of a data buffer (strace shows 32): `length` is how many are valid; < 0 when
  // the call failed, and then the buffer's address is shown, as strace does.
  Trace& Bytes(const void* data, ssize_t length);
  // { sockaddr: its bytes, address: the decoded object (AF_INET/AF_INET6 only, as SockaddrToJs) }.
  Trace& Sockaddr(const void* address, socklen_t length);
  // Value-result lengths such as recvfrom's addrlen: strace's [in => out].
  Trace& Lengths(socklen_t in, socklen_t out);
  Trace& Ints(const int* values, size_t count);
  // An iovec array (sendmsg/recvmsg): each buffer's first bytes, of the `valid` bytes the call
  // read or wrote across them in order, and its length; its address where the call failed (< 0).
  Trace& Iov(const iovec* iov, size_t count, ssize_t valid);

  // sendmmsg/recvmmsg's vector: the arguments recorded since `mark` (a Mark() taken before them)
  // become one argument, an array of them, so that each message's fields are recorded with the
  // calls above and grouped, and the messages grouped in turn.
  size_t Mark() const { return count_; }
  Trace& Group(size_t mark);

  // Hands the call to the sink: its name, the arguments given, and the result (-1 with `error`
  // for a failure). `detail`, if given, is what strace adds after the result, e.g. select's sets.
  // Leaves errno set to `error` (pass errno as read right after the syscall).
  void End(const char* name, double result, int error, napi_value detail = nullptr);

  // A JS array of the given ints (for End's detail).
  napi_value IntArray(const int* values, size_t count);

 private:
  void Stamp();
  void Add(napi_value value);

  napi_env env_;
  napi_value sink_ = nullptr;
  // 8 for the widest call; sendmmsg/recvmmsg hold their fd, up to 33 grouped messages and the 8
  // fields of the one being recorded at once.
  static constexpr size_t kMaxArgs = 48;
  napi_value args_[kMaxArgs];
  size_t count_ = 0;
  timespec wall_{};
  timespec start_{};
};

// The frame around one traced syscall, written once: Begin right before `call()`, errno kept at
// once, and when tracing, the arguments recorded by `record(result)` and the call handed to the
// sink under `name`, errno left as the call set it. `name` is a literal at every use (test/86 reads
// them to check lib/trace.ts declares each one). `record` may return End's detail (a napi_value,
// or nullptr for none). Flattened, so that `record` is inlined too: called out of line, it would
// need the call's arguments in memory (its captures) on the untraced path as well, where the frame
// must cost the syscall and one branch, as written out by hand.
template <typename Call, typename Record>
__attribute__((flatten)) inline auto Traced(Trace& trace, const char* name, Call call, Record record) -> decltype(call()) {
  trace.Begin();
  const auto result = call();
  if (__builtin_expect(static_cast<bool>(trace), 0)) {
    const int error = errno;
    if constexpr (std::is_same_v<decltype(record(result)), napi_value>) {
      napi_value detail = record(result);
      trace.End(name, static_cast<double>(result), error, detail);
    } else {
      record(result);
      trace.End(name, static_cast<double>(result), error);
    }
  }
  return result;
}

}  // namespace sockcall
