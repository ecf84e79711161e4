// The one poller for the promise flavour: a uv_poll_t on the environment's own event loop, one per
// fd, that calls back into JS when the fd becomes readable or writable.
//
// Readiness is mechanism, so it is handled here: the call at the head of each direction's queue
// (recv or recvfrom into a buffer, send, accept4, a connect's SO_ERROR) is handed over with pend(), and when the
// fd is ready the poll callback makes that syscall itself, traced as any other, before it enters JS.
// EAGAIN keeps it pending; any other result is reported to JS with the event, which settles the
// call: one entry into JS per event, with no syscall made from JS.
//
// The events of one loop turn are delivered together: the poll callback only queues its poller, and
// a check handle (the phase right after polling) makes the pended syscalls and calls each poller's
// callback, in the order their events came, inside ONE callback scope. So the promises settled in a
// turn run their reactions (microtasks, nextTicks) once, when the last callback has returned, not
// once per fd. The syscall is made at delivery, not when the event is queued: whatever JS ran in
// between (another handle's callback closing a socket, an abort) is seen, and no byte is read for a
// call that is gone. Calls that are not handed over
// (recvmsg, sendmsg, recvfrom of a new Buffer, select/poll waits ...) are told of readiness and try again from JS.
//
// JS owns the policy: it tries each syscall first and starts the poller only when one would block,
// with the full mask of what its waiting operations need; FIFO order, timeouts, cancellation and
// which call is pended are its business. Between calls the handle may stay started
// (saving an epoll_ctl pair per round trip) but unreferenced, so an idle socket never holds the
// process open; the first event that finds nobody waiting stops it. The handle's memory is freed
// in its close callback; close() stops polling and closes the handle, and the owner closes the fd
// only after that (epoll must not watch a closed, possibly reused, fd number).
#pragma once

#include <napi.h>
#include <uv.h>

#include "address.h"

namespace sockcall {

// The uv_poll_t and what it needs to be closed safely. It outlives its Poller when the Poller is
// collected or closed: it is freed in its close callback. Until then it is on its batch's list of
// open handles, and the batch's one asynchronous cleanup hook holds the environment (and so this
// module's code, which the close callback is) in place: at the environment's cleanup the hook closes
// every handle still listed, and is removed only when the last of them has been freed.
struct PollHandle;
// The environment's queue of pollers with an event this turn, the check handle that delivers it, and
// the list of its open PollHandles (defined in poller.cc). One per environment, made by Define.
struct PollBatch;

struct PollHandle {
  uv_poll_t poll;  // poll.data: the Poller, or null once it let go
  PollBatch* batch = nullptr;
  // Its place in batch's list of open handles (intrusive, so linking and unlinking cost no
  // allocation): from uv_poll_init until its close callback.
  PollHandle* previous = nullptr;
  PollHandle* next = nullptr;
  bool closing = false;
};

class Poller : public Napi::ObjectWrap<Poller> {
 public:
  static Napi::Function Define(Napi::Env env);

  // new Poller(fd, callback): callback.call(poller, status, events, readResult, writeResult) where
  // status is 0 or a negative errno (libuv's codes are -errno on Linux), events a mask of
  // READABLE/WRITABLE/DISCONNECT, and each result that of the pended call of that direction when this
  // event completed it (the syscall's result or -errno), else NOT_DONE.
  // One callback can serve every poller: `this` says which one fired.
  // new Poller(fd, callback, events, referenced?): started at once, as start(events, referenced)
  // would; a mask start() refuses is thrown (errno, code, syscall 'uv_poll_start').
  explicit Poller(const Napi::CallbackInfo& info);
  ~Poller() override;

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);        // (events, referenced?) -> 0 | -errno
  // start()'s work on its arguments from info[index] on: 0 or a libuv (-errno) code.
  int StartWith(const Napi::CallbackInfo& info, size_t index);
  Napi::Value Stop(const Napi::CallbackInfo& info);         // () -> 0
  Napi::Value Close(const Napi::CallbackInfo& info);        // () -> undefined; idempotent
  // (fd, callback, events, referenced?) -> 0 | libuv (-errno) code: a closed poller opened again on
  // another fd, as new Poller(...) makes one (its object kept: no new wrap, reference and finalizer
  // per connection). Whatever the old handle had queued is dropped. A poller still open: UV_EBUSY.
  Napi::Value Reopen(const Napi::CallbackInfo& info);
  // uv_poll_init of a new handle on fd, on the batch's list of open handles: 0 or a libuv error.
  int OpenHandle(napi_env env, int fd);
  Napi::Value RefHandle(const Napi::CallbackInfo& info);    // uv_ref: polling keeps the loop alive
  Napi::Value UnrefHandle(const Napi::CallbackInfo& info);  // uv_unref: it does not
  // (direction, kind, view, flags[, senders]) -> 0 | -EINVAL: registers the call of `direction` (READ 0,
  // WRITE 1) that readiness of that direction makes natively, replacing any registered before, and
  // arms it. kind: PEND_RECV (recv into view), PEND_RECVFROM (recvfrom into view, the sender into
  // senders[0], as the recvfrom entry point's), PEND_SEND (send view), PEND_ACCEPT (accept4 with
  // flags; the new fd is owned as accept4's), PEND_CONNECT (getsockopt SO_ERROR: 0 or -error). The
  // view is held, and read again at the syscall: a buffer detached or shrunk meanwhile is seen as it
  // is then.
  //
  // `poller.armed` (made when the same call is pended a second time; undefined before), an
  // Int32Array(3) shared with JS, says per direction whether the registered call
  // is wanted now: the poll callback makes it only while armed[direction] is 1, and sets it to 0 when
  // the call completes. So a loop that waits again with the same call (recvInto of one buffer)
  // re-arms it with a store into that array, without calling in here.
  Napi::Value Pend(const Napi::CallbackInfo& info);
  Napi::Value Unpend(const Napi::CallbackInfo& info);  // (direction) -> 0: disarms and forgets it

  struct Pending {
    int kind = 0;  // 0: none
    int flags = 0;
    napi_ref view = nullptr;
    napi_ref senders = nullptr;  // PEND_RECVFROM: the array whose index 0 gets the sender
  };
  void ClearPending(int direction);
  // Makes the pended call of `direction`: its result (>= 0 or -errno), or -EAGAIN to keep waiting.
  int Attempt(napi_env env, int direction);

  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnCheck(uv_check_t* check);
  static void OnBatchCleanup(napi_async_cleanup_hook_handle hook, void* batch);
  // Makes this poller's queued event's syscalls and calls its callback: inside the batch's scope,
  // or (own_scope) with napi_make_callback, in a scope of its own.
  void Deliver(napi_env env, bool own_scope);
  // After the scope closed: the handle stops counting for the loop if JS asked (kUnrefAfterCallback).
  void UnrefIfAsked(napi_env env);
  static void OnClosed(uv_handle_t* handle);
  static void BeginClose(PollHandle* handle);
  void CloseHandle();

  PollHandle* handle_ = nullptr;  // null once closed
  // The JS object is weak: its socket holds it, and lib/ holds a socket while a call waits on it.
  Napi::FunctionReference callback_;
  PollBatch* batch_ = nullptr;
  // While queued_ or delivering_, batch_ lists this poller: its destructor takes it off. The batch
  // clears both when it goes away, so a poller collected after its environment's cleanup does not
  // look at it.
  bool queued_ = false;
  bool delivering_ = false;
  int queued_status_ = 0;  // the first error status of the queued events, else 0
  int queued_events_ = 0;  // the union of their events
  int fd_ = -1;
  Pending pending_[2];
  SenderCache sender_cache_;  // PEND_RECVFROM's last sender (address.h)
  // The ArrayBuffer behind `poller.armed` (a strong reference: its memory is read from poll
  // callbacks), and its memory while it is attached.
  napi_ref armed_buffer_ = nullptr;
  // armed[0], armed[1]: per direction, as above. armed[2] (kUnrefAfterCallback): set by JS inside
  // this poller's callback when its socket stops waiting; the handle is uv_unref'd when the callback
  // (with its microtasks) returns, unless JS cleared it meanwhile (a call waits again: the common
  // loop of recv, send, recv). Cleared here once done, so JS can tell.
  static constexpr int kUnrefAfterCallback = 2;
  static constexpr size_t kArmedLength = 3;
  int32_t own_armed_[kArmedLength] = {0, 0, 0};  // the flags until that ArrayBuffer is made
  int32_t* Armed(napi_env env);
  bool CreateArmed(napi_env env, napi_value self);
};

}  // namespace sockcall
