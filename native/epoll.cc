#include "epoll.h"

#include <sys/epoll.h>
#include <time.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <vector>

#include "args.h"
#include "environment.h"
#include "exports.h"
#include "retry.h"
#include "trace.h"

namespace sockcall {

// An events mask: a JS number that is an integer in uint32 range (EPOLLET is bit 31).
static bool ArgEvents(const Napi::CallbackInfo& info, size_t index, uint32_t* out) {
  double value;
  if (!ArgDouble(info, index, &value)) return false;
  if (!(value >= 0 && value <= UINT32_MAX) || value != std::trunc(value)) {
    Napi::RangeError::New(info.Env(), "argument " + std::to_string(index) + " must be a uint32").ThrowAsJavaScriptException();
    return false;
  }
  *out = static_cast<uint32_t>(value);
  return true;
}

static Napi::Value EpollCreate1(const Napi::CallbackInfo& info) {
  int flags;
  if (!ArgInt(info, 0, &flags)) return {};
  Trace trace(info.Env());
  const int fd = Traced(trace, "epoll_create1", [&] { return epoll_create1(flags); }, [&](int) { trace.Int(flags); });
  if (fd < 0) return SyscallResult(info.Env(), -1, errno);
  TrackFd(info.Env(), fd);
  return Napi::Number::New(info.Env(), fd);
}

static Napi::Value EpollCtl(const Napi::CallbackInfo& info) {
  int epfd, op, fd;
  if (!ArgInt(info, 0, &epfd) || !ArgInt(info, 1, &op) || !ArgInt(info, 2, &fd)) return {};
  const bool none = info.Length() > 3 && info[3].IsNull();
  uint32_t wanted = 0;
  if (!none && !ArgEvents(info, 3, &wanted)) return {};
  epoll_event event{};  // packed on x86-64: filled by value, never through a pointer to a member
  event.events = wanted;
  event.data.fd = fd;
  Trace trace(info.Env());
  const int result = Traced(trace, "epoll_ctl", [&] { return epoll_ctl(epfd, op, fd, none ? nullptr : &event); }, [&](int) {
    trace.Int(epfd).Int(op).Int(fd);
    if (none) trace.Null(); else trace.Int(event.events).Int(event.data.fd);
  });
  return SyscallResult(info.Env(), result, errno);
}

static Napi::Value EpollWait(const Napi::CallbackInfo& info) {
  int epfd, max_events, ms;
  if (!ArgInt(info, 0, &epfd) || !ArgInt(info, 1, &max_events) || !ArgInt(info, 2, &ms)) return {};
  int32_t* out = nullptr;
  size_t out_length = 0;
  {
    bool is_typed_array = false;
    napi_typedarray_type type;
    void* data = nullptr;
    if (info.Length() > 3) napi_is_typedarray(info.Env(), info[3], &is_typed_array);
    if (is_typed_array) napi_get_typedarray_info(info.Env(), info[3], &type, &out_length, &data, nullptr, nullptr);
    // What the kernel can write must fit (lib/ bounds maxEvents, and sizes `out` to it); a maxevents
    // the kernel refuses (< 1) needs no room.
    const size_t needed = max_events < 1 ? 0 : 2 * static_cast<size_t>(max_events);
    if (!is_typed_array || type != napi_int32_array || out_length < needed || (needed > 0 && data == nullptr)) {
      Napi::TypeError::New(info.Env(), "argument 3 must be an Int32Array of 2 * maxevents").ThrowAsJavaScriptException();
      return {};
    }
    out = static_cast<int32_t*>(data);
  }
  // A small wait (the usual case) needs no allocation.
  epoll_event small[64];
  std::vector<epoll_event> large;
  epoll_event* events = small;
  // Above the kernel's own limit (INT_MAX / sizeof(epoll_event)) it fails EINVAL: nothing to allocate.
  if (max_events > 64 && static_cast<size_t>(max_events) <= INT_MAX / sizeof(epoll_event)) {
    large.resize(static_cast<size_t>(max_events));
    events = large.data();
  }
  timespec start;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &start);
  int timeout = ms < 0 ? -1 : ms;
  int result;
  Trace trace(info.Env());
  for (;;) {
    result = Traced(trace, "epoll_wait", [&] { return epoll_wait(epfd, events, max_events, timeout); }, [&](int result) {
      trace.Int(epfd);
      if (result >= 0) {
        std::vector<int> got;
        for (int i = 0; i < result; i++) got.insert(got.end(), {static_cast<int>(events[i].events), events[i].data.fd});
        trace.Ints(got.data(), got.size());
      } else {
        trace.Bytes(events, -1);
      }
      trace.Int(max_events).Int(timeout);
    });
    // A signal ends the wait early (never restarted by the kernel, SA_RESTART or not): wait again
    // for what is left of the original timeout, as select and poll do (PEP 475).
    if (result >= 0 || errno != EINTR) break;
    if (ms >= 0) {
      const double left = ms - ElapsedMs(start);
      timeout = left <= 0 ? 0 : static_cast<int>(std::ceil(left));
    }
  }
  if (result < 0) return SyscallResult(info.Env(), -1, errno);
  for (int i = 0; i < result; i++) {
    out[2 * i] = static_cast<int32_t>(events[i].events);
    out[2 * i + 1] = events[i].data.fd;
  }
  return SyscallResult(info.Env(), result, 0);
}

void RegisterEpoll(Napi::Env env, Napi::Object exports) {
  ExportFunctions(env, exports, {
      {"epollCreate1", EpollCreate1},  // (flags) -> epfd
      {"epollCtl", EpollCtl},          // (epfd, op, fd, events | null) -> 0
      {"epollWait", EpollWait},        // (epfd, maxevents, ms, out Int32Array) -> n
  });
}

}  // namespace sockcall
