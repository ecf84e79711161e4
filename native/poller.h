// The one poller for the promise flavour: a uv_poll_t on the environment's own event loop, one per
// fd, that calls back into JS when the fd becomes readable or writable.
//
// JS owns the policy: it tries each syscall first and starts the poller only when one would block,
// with the full mask of what its waiting operations need. Between calls the handle may stay started
// (saving an epoll_ctl pair per round trip) but unreferenced, so an idle socket never holds the
// process open; the first event that finds nobody waiting stops it. The handle's memory is freed
// in its close callback; close() stops polling and closes the handle, and the owner closes the fd
// only after that (epoll must not watch a closed, possibly reused, fd number).
#pragma once

#include <napi.h>
#include <uv.h>

namespace sockcall {

// The uv_poll_t and what it needs to be closed safely. It outlives its Poller when the Poller is
// collected or closed: it is freed in its close callback, and until then an asynchronous cleanup
// hook holds the environment (and so this module's code, which the close callback is) in place.
struct PollHandle {
  uv_poll_t poll;  // poll.data: the Poller, or null once it let go
  napi_async_cleanup_hook_handle cleanup_hook = nullptr;
  bool closing = false;
};

class Poller : public Napi::ObjectWrap<Poller> {
 public:
  static Napi::Function Define(Napi::Env env);

  // new Poller(fd, callback): callback.call(poller, status, events) where status is 0 or a negative
  // errno (libuv's codes are -errno on Linux) and events a mask of READABLE/WRITABLE/DISCONNECT.
  // One callback can serve every poller: `this` says which one fired.
  explicit Poller(const Napi::CallbackInfo& info);
  ~Poller() override;

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);        // (events) -> 0 | -errno
  Napi::Value Stop(const Napi::CallbackInfo& info);         // () -> 0
  Napi::Value Close(const Napi::CallbackInfo& info);        // () -> undefined; idempotent
  Napi::Value RefHandle(const Napi::CallbackInfo& info);    // uv_ref: polling keeps the loop alive
  Napi::Value UnrefHandle(const Napi::CallbackInfo& info);  // uv_unref: it does not

  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnClosed(uv_handle_t* handle);
  static void OnEnvironmentCleanup(napi_async_cleanup_hook_handle hook, void* handle);
  static void BeginClose(PollHandle* handle);
  void CloseHandle();

  PollHandle* handle_ = nullptr;  // null once closed
  // The JS object is weak: its socket holds it, and lib/ holds a socket while a call waits on it.
  Napi::FunctionReference callback_;
  Napi::AsyncContext async_context_;
};

}  // namespace sockcall
