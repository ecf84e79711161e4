#include "poller.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "address.h"
#include "args.h"
#include "environment.h"
#include "retry.h"
#include "trace.h"
#include "traced.h"

namespace sockcall {

// What pend() hands over; NOT_DONE is what the callback gets for a direction with nothing completed.
enum PendKind { kPendNone = 0, kPendRecv = 1, kPendSend = 2, kPendAccept = 3, kPendConnect = 4, kPendRecvfrom = 5 };
constexpr int kNotDone = -EAGAIN;

struct PollBatch {
  uv_check_t check;  // first member: OnCheck gets the batch from it
  napi_env env = nullptr;
  // One async context for every delivery: the scope of a turn's callbacks.
  napi_async_context context = nullptr;
  napi_ref resource = nullptr;  // the context's resource object
  std::vector<Poller*> queue;       // pollers with an event this turn, in the order the events came
  std::vector<Poller*> delivering;  // the turn being delivered; a poller destroyed meanwhile is nulled
  // Every PollHandle from uv_poll_init until its close callback, most recently opened first. One
  // asynchronous cleanup hook serves them all (a hook added and removed per handle would cost about
  // 1,300 instructions per connection): at the environment's cleanup it closes those still open, and
  // it is removed, and the batch freed, when the last close callback (the check's or a handle's) has run.
  PollHandle* handles = nullptr;
  napi_async_cleanup_hook_handle cleanup_hook = nullptr;
  bool cleaning = false;       // the cleanup hook has run: the batch goes when nothing is left open
  bool check_closed = false;
};

static void Link(PollBatch* batch, PollHandle* handle) {
  handle->batch = batch;
  handle->previous = nullptr;
  handle->next = batch->handles;
  if (batch->handles != nullptr) batch->handles->previous = handle;
  batch->handles = handle;
}

static void Unlink(PollHandle* handle) {
  PollBatch* batch = handle->batch;
  if (handle->previous != nullptr) handle->previous->next = handle->next;
  else batch->handles = handle->next;
  if (handle->next != nullptr) handle->next->previous = handle->previous;
}

// After the cleanup hook, once every handle it closed (and the check) is gone: the environment, and
// this module's code with it, may go now.
static void FreeIfDone(PollBatch* batch) {
  if (!batch->cleaning || !batch->check_closed || batch->handles != nullptr) return;
  if (batch->cleanup_hook != nullptr) napi_remove_async_cleanup_hook(batch->cleanup_hook);
  delete batch;
}

// Takes `poller` off `list` (it is there at most once): nulled, as the list may be walked right now.
static void Forget(std::vector<Poller*>& list, Poller* poller) {
  for (Poller*& entry : list) {
    if (entry == poller) entry = nullptr;
  }
}

Napi::Function Poller::Define(Napi::Env env) {
  uv_loop_t* loop = nullptr;
  auto* batch = new PollBatch();
  batch->env = env;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr || uv_check_init(loop, &batch->check) != 0) {
    delete batch;
    NAPI_THROW(Napi::Error::New(env, "no event loop for this environment"), Napi::Function());
  }
  napi_value name, resource;
  napi_create_string_utf8(env, "sockcall.Poller", NAPI_AUTO_LENGTH, &name);
  napi_create_object(env, &resource);
  napi_create_reference(env, resource, 1, &batch->resource);
  napi_async_init(env, resource, name, &batch->context);
  batch->check.data = batch;
  // Started for good and unreferenced: it never keeps the loop alive, and a check handle does not
  // shorten the poll timeout, so an idle loop still sleeps. A turn with no event costs one call.
  uv_check_start(&batch->check, OnCheck);
  uv_unref(reinterpret_cast<uv_handle_t*>(&batch->check));
  // An asynchronous hook, not an ordinary one: the module stays loaded until the close callbacks of
  // the check and of every poll handle (code of this module, which libuv holds pointers to) have run.
  napi_add_async_cleanup_hook(env, OnBatchCleanup, batch, &batch->cleanup_hook);
  return DefineClass(env, "Poller",
                     {
                         InstanceMethod<&Poller::Start>("start"),
                         InstanceMethod<&Poller::Stop>("stop"),
                         InstanceMethod<&Poller::Close>("close"),
                         InstanceMethod<&Poller::Reopen>("reopen"),
                         InstanceMethod<&Poller::RefHandle>("ref"),
                         InstanceMethod<&Poller::UnrefHandle>("unref"),
                         InstanceMethod<&Poller::Pend>("pend"),
                         InstanceMethod<&Poller::Unpend>("unpend"),
                         StaticValue("PEND_RECV", Napi::Number::New(env, kPendRecv)),
                         StaticValue("PEND_SEND", Napi::Number::New(env, kPendSend)),
                         StaticValue("PEND_ACCEPT", Napi::Number::New(env, kPendAccept)),
                         StaticValue("PEND_CONNECT", Napi::Number::New(env, kPendConnect)),
                         StaticValue("PEND_RECVFROM", Napi::Number::New(env, kPendRecvfrom)),
                         StaticValue("NOT_DONE", Napi::Number::New(env, kNotDone)),
                         StaticValue("READABLE", Napi::Number::New(env, UV_READABLE)),
                         StaticValue("WRITABLE", Napi::Number::New(env, UV_WRITABLE)),
                         StaticValue("DISCONNECT", Napi::Number::New(env, UV_DISCONNECT)),
                         StaticValue("PRIORITIZED", Napi::Number::New(env, UV_PRIORITIZED)),
                     },
                     batch);
}

void Poller::OnBatchCleanup(napi_async_cleanup_hook_handle, void* data) {
  auto* batch = static_cast<PollBatch*>(data);
  batch->cleaning = true;
  // A worker torn down with pollers open: each still-open handle is closed, its Poller (if not
  // collected yet) letting go of it, so a finalizer that runs later finds nothing to close. Handles
  // already closing are on the list until their close callbacks, which this hook waits for too.
  // The list is not changed here: handles leave it only in OnClosed, from a later libuv callback.
  for (PollHandle* handle = batch->handles; handle != nullptr; handle = handle->next) {
    if (handle->closing) continue;
    if (auto* owner = static_cast<Poller*>(handle->poll.data)) owner->handle_ = nullptr;
    BeginClose(handle);
  }
  // Pollers still alive must not reach for the batch from their destructors.
  for (auto* list : {&batch->queue, &batch->delivering}) {
    for (Poller* poller : *list) {
      if (poller != nullptr) poller->queued_ = poller->delivering_ = false;
    }
    list->clear();
  }
  if (batch->context != nullptr) napi_async_destroy(batch->env, batch->context);
  if (batch->resource != nullptr) napi_delete_reference(batch->env, batch->resource);
  batch->context = nullptr;
  batch->resource = nullptr;
  uv_check_stop(&batch->check);
  uv_close(reinterpret_cast<uv_handle_t*>(&batch->check), [](uv_handle_t* closed) {
    auto* batch = reinterpret_cast<PollBatch*>(closed);
    batch->check_closed = true;
    FreeIfDone(batch);
  });
}

Poller::Poller(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<Poller>(info), batch_(static_cast<PollBatch*>(info.Data())) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, &fd)) return;
  if (info.Length() < 2 || !info[1].IsFunction()) {
    Napi::TypeError::New(env, "argument 1 must be a function").ThrowAsJavaScriptException();
    return;
  }
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    Napi::Error::New(env, "no event loop for this environment").ThrowAsJavaScriptException();
    return;
  }
  int status = OpenHandle(env, fd);
  if (status != 0) {
    Napi::Error error = Napi::Error::New(env, std::string("uv_poll_init ") + uv_err_name(status));
    error.Set("errno", Napi::Number::New(env, status));
    error.Set("code", Napi::String::New(env, uv_err_name(status)));
    error.Set("syscall", Napi::String::New(env, "uv_poll_init"));
    error.ThrowAsJavaScriptException();
    return;
  }
  callback_ = Napi::Persistent(info[1].As<Napi::Function>());
  // Started at once when asked (a socket makes its poller when a call first waits): one entry
  // into native code fewer per connection than new Poller() and start().
  if (info.Length() >= 3 && !info[2].IsUndefined()) {
    const int status = StartWith(info, 2);
    if (status != 0) {
      CloseHandle();
      Napi::Error error = Napi::Error::New(env, std::string("uv_poll_start ") + uv_err_name(status));
      error.Set("errno", Napi::Number::New(env, status));
      error.Set("code", Napi::String::New(env, uv_err_name(status)));
      error.Set("syscall", Napi::String::New(env, "uv_poll_start"));
      error.ThrowAsJavaScriptException();
    }
  }
}

int Poller::OpenHandle(napi_env env, int fd) {
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) return UV_EINVAL;
  // The environment is being torn down: a handle listed now would never be closed, and the cleanup
  // hook would wait for it for ever.
  if (batch_->cleaning) return UV_ECANCELED;
  auto* handle = new PollHandle();
  const int status = uv_poll_init(loop, &handle->poll, fd);
  if (status != 0) {
    delete handle;
    return status;
  }
  handle->poll.data = this;
  // A worker torn down with this poller open: the batch's cleanup hook closes the handle, and keeps
  // the environment (and this module) until its close callback has run.
  Link(batch_, handle);
  handle_ = handle;
  fd_ = fd;
  return 0;
}

Napi::Value Poller::Reopen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, &fd)) return Napi::Value();
  if (info.Length() < 2 || !info[1].IsFunction()) {
    Napi::TypeError::New(env, "argument 1 must be a function").ThrowAsJavaScriptException();
    return Napi::Value();
  }
  napi_value result = nullptr;
  if (handle_ != nullptr) {
    napi_create_int32(env, UV_EBUSY, &result);
    return Napi::Value(env, result);
  }
  // An event of the old handle still queued or being delivered this turn belongs to the old fd.
  if (queued_) Forget(batch_->queue, this);
  if (delivering_) Forget(batch_->delivering, this);
  queued_ = delivering_ = false;
  queued_status_ = queued_events_ = 0;
  if (int32_t* armed = Armed(env)) armed[0] = armed[1] = armed[kUnrefAfterCallback] = 0;
  int status = OpenHandle(env, fd);
  if (status == 0) {
    callback_ = Napi::Persistent(info[1].As<Napi::Function>());
    status = StartWith(info, 2);
    if (status != 0) CloseHandle();
  }
  napi_create_int32(env, status, &result);
  return Napi::Value(env, result);
}

// Made when a call is pended a second time: a poller whose calls wait once each (a connect, the one
// recv of a short connection) costs no ArrayBuffer (each is work for the collector).
bool Poller::CreateArmed(napi_env env, napi_value self) {
  if (armed_buffer_ != nullptr) return true;
  napi_value buffer, armed;
  void* data = nullptr;
  if (napi_create_arraybuffer(env, kArmedLength * sizeof(int32_t), &data, &buffer) != napi_ok ||
      napi_create_typedarray(env, napi_int32_array, kArmedLength, buffer, 0, &armed) != napi_ok ||
      napi_set_named_property(env, self, "armed", armed) != napi_ok ||
      napi_create_reference(env, buffer, 1, &armed_buffer_) != napi_ok) {
    return false;
  }
  std::memcpy(data, own_armed_, sizeof(own_armed_));
  return true;
}

int32_t* Poller::Armed(napi_env env) {
  if (armed_buffer_ == nullptr) return own_armed_;
  napi_value buffer = nullptr;
  void* data = nullptr;
  size_t length = 0;
  // Detached only by someone reaching into the internals (a transfer): then nothing is armed. A
  // detached buffer reads as no memory and length 0, so the length check is the detachment check
  // (napi_is_detached_arraybuffer would be one more call on every delivery).
  if (napi_get_reference_value(env, armed_buffer_, &buffer) != napi_ok || buffer == nullptr ||
      napi_get_arraybuffer_info(env, buffer, &data, &length) != napi_ok || data == nullptr ||
      length < kArmedLength * sizeof(int32_t)) {
    return nullptr;
  }
  return static_cast<int32_t*>(data);
}

Poller::~Poller() {
  // Collected without close(): still give the handle back to libuv.
  CloseHandle();
  if (queued_) Forget(batch_->queue, this);
  if (delivering_) Forget(batch_->delivering, this);
  ClearPending(0);
  ClearPending(1);
  ClearSenderCache(Env(), &sender_cache_);
  if (armed_buffer_ != nullptr) napi_delete_reference(Env(), armed_buffer_);
}

void Poller::ClearPending(int direction) {
  Pending& pending = pending_[direction];
  pending.kind = kPendNone;
  if (pending.view != nullptr) {
    napi_delete_reference(Env(), pending.view);
    pending.view = nullptr;
  }
  if (pending.senders != nullptr) {
    napi_delete_reference(Env(), pending.senders);
    pending.senders = nullptr;
  }
}

// The view's bytes as they are now, without throwing: a view that can no longer be read is empty.
static void CurrentBytes(napi_env env, napi_ref view, char** data, size_t* length) {
  *data = nullptr;
  *length = 0;
  napi_value value = nullptr;
  if (view == nullptr || napi_get_reference_value(env, view, &value) != napi_ok || value == nullptr) return;
  if (!ValueBytes(Napi::Env(env), value, 0, data, length)) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
    *data = nullptr;
    *length = 0;
  }
}

// A recvfrom's sender into senders[0]. Should that fail (a worker being torn down), the exception is
// dropped: the datagram is taken, and its count must still reach JS.
static void StoreSender(napi_env env, napi_ref senders, SenderCache* cache, const sockaddr_storage& address, socklen_t length) {
  napi_value array = nullptr, sender = CachedSenderToJs(env, cache, address, length);
  if (sender == nullptr || napi_get_reference_value(env, senders, &array) != napi_ok || array == nullptr ||
      napi_set_element(env, array, 0, sender) != napi_ok) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
  }
}

int Poller::Attempt(napi_env env, int direction) {
  Pending& pending = pending_[direction];
  const int fd = fd_;
  Trace trace(env);
  ssize_t result;
  // Non-blocking fd: EINTR only from a signal caught mid-copy; the call is simply made again.
  do {
    switch (pending.kind) {
      case kPendRecv: {
        char* data;
        size_t length;
        CurrentBytes(env, pending.view, &data, &length);
        result = TracedRecv(trace, fd, data, length, pending.flags);
        break;
      }
      case kPendRecvfrom: {
        char* data;
        size_t length;
        CurrentBytes(env, pending.view, &data, &length);
        sockaddr_storage address{};
        socklen_t address_length;
        result = TracedRecvfrom(trace, fd, data, length, pending.flags, &address, &address_length);
        if (result >= 0) StoreSender(env, pending.senders, &sender_cache_, address, address_length);
        break;
      }
      case kPendSend: {
        char* data;
        size_t length;
        CurrentBytes(env, pending.view, &data, &length);
        result = TracedSend(trace, fd, data, length, pending.flags);
        break;
      }
      case kPendAccept: {
        result = TracedAccept4(trace, fd, pending.flags);
        if (result >= 0) TrackFd(Napi::Env(env), static_cast<int>(result));
        break;
      }
      case kPendConnect: {
        int outcome = 0;
        socklen_t length = sizeof(outcome);
        result = TracedGetsockopt(trace, fd, SOL_SOCKET, SO_ERROR, &outcome, &length);
        if (result == 0 && outcome != 0) {
          result = -1;
          errno = outcome;
        }
        break;
      }
      default:
        return kNotDone;
    }
  } while (result < 0 && errno == EINTR);
  if (result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return kNotDone;
  return result < 0 ? -errno : static_cast<int>(std::min<ssize_t>(result, INT32_MAX));
}

void Poller::BeginClose(PollHandle* handle) {
  if (handle->closing) return;
  handle->closing = true;
  uv_poll_stop(&handle->poll);
  handle->poll.data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&handle->poll), OnClosed);
}

void Poller::OnClosed(uv_handle_t* closed) {
  auto* handle = reinterpret_cast<PollHandle*>(closed);  // poll is the first member
  PollBatch* batch = handle->batch;
  Unlink(handle);
  delete handle;
  FreeIfDone(batch);
}

void Poller::CloseHandle() {
  if (handle_ == nullptr) return;
  callback_.Reset();
  BeginClose(handle_);
  handle_ = nullptr;
}

void Poller::OnPoll(uv_poll_t* poll, int status, int events) {
  auto* self = static_cast<Poller*>(poll->data);
  if (self == nullptr) return;
  // Epoll may report an fd twice in one turn: one delivery, with both events.
  if (status != 0 && self->queued_status_ == 0) self->queued_status_ = status;
  self->queued_events_ |= events;
  if (self->queued_) return;
  self->queued_ = true;
  self->batch_->queue.push_back(self);
}

void Poller::OnCheck(uv_check_t* check) {
  auto* batch = static_cast<PollBatch*>(check->data);
  if (batch->queue.empty()) return;
  napi_env env = batch->env;
  // The queue is taken whole: a callback's JS cannot queue more (that happens only while polling).
  batch->delivering.swap(batch->queue);
  for (Poller* poller : batch->delivering) {
    poller->queued_ = false;
    poller->delivering_ = true;
  }
  // Raw Node-API calls throughout, each checked: in a worker being terminated any of them can fail,
  // and node-addon-api's wrappers would make that a fatal error.
  napi_handle_scope handles;
  if (napi_open_handle_scope(env, &handles) == napi_ok) {
    if (batch->delivering.size() == 1) {
      // One poller fired (a ping-pong's every turn): its callback is made with napi_make_callback,
      // whose scope costs less than an opened one (no allocation, no second TryCatch).
      batch->delivering[0]->Deliver(env, true);
    } else {
      // One callback scope for the turn: promises settled by the callbacks run their reactions
      // (microtasks) when it closes, before control returns to libuv.
      napi_callback_scope scope;
      napi_value resource = nullptr;
      if (napi_get_reference_value(env, batch->resource, &resource) == napi_ok &&
          napi_open_callback_scope(env, resource, batch->context, &scope) == napi_ok) {
        // Indexed: a poller destroyed by a callback's JS is nulled in place.
        for (size_t i = 0; i < batch->delivering.size(); i++) {
          if (Poller* poller = batch->delivering[i]) poller->Deliver(env, false);
        }
        napi_close_callback_scope(env, scope);
      }
    }
    for (Poller* poller : batch->delivering) {
      if (poller != nullptr) poller->UnrefIfAsked(env);
    }
    napi_close_handle_scope(env, handles);
  }
  for (Poller* poller : batch->delivering) {
    if (poller == nullptr) continue;
    poller->delivering_ = false;
    // Not delivered (no scope could be opened, in a worker being terminated): level-triggered
    // polling reports what is still there next turn, so nothing is carried over.
    poller->queued_status_ = poller->queued_events_ = 0;
  }
  batch->delivering.clear();
}

void Poller::Deliver(napi_env env, bool own_scope) {
  const int status = queued_status_;
  const int events = queued_events_;
  queued_status_ = queued_events_ = 0;
  // Closed since its event came: nobody waits, nothing is made.
  if (handle_ == nullptr || callback_.IsEmpty()) return;
  napi_value object = nullptr;
  napi_value callback = nullptr;
  napi_get_reference_value(env, static_cast<napi_ref>(*this), &object);
  napi_get_reference_value(env, static_cast<napi_ref>(callback_), &callback);
  if (object == nullptr || callback == nullptr) {
    // Collected, its finalizer not run yet: nobody can be waiting on it.
    uv_poll_stop(&handle_->poll);
    return;
  }
  int results[2] = {kNotDone, kNotDone};
  int32_t* armed = status == 0 ? Armed(env) : nullptr;
  if (armed != nullptr) {
    // A hang-up is reported as readable (and writable), so the calls see it themselves. On an error
    // status (POLLERR) nothing is made here: JS lets every waiting call report the error.
    if ((events & (UV_READABLE | UV_DISCONNECT)) && armed[0] == 1) results[0] = Attempt(env, 0);
    if (results[0] != kNotDone) armed[0] = 0;
    if ((events & UV_WRITABLE) && armed[1] == 1) results[1] = Attempt(env, 1);
    if (results[1] != kNotDone) armed[1] = 0;
  }
  napi_value argv[4];
  if (napi_create_int32(env, status, &argv[0]) != napi_ok || napi_create_int32(env, events, &argv[1]) != napi_ok ||
      napi_create_int32(env, results[0], &argv[2]) != napi_ok || napi_create_int32(env, results[1], &argv[3]) != napi_ok) {
    return;
  }
  // An exception escaping it is an uncaught exception of the process, as from any Node callback;
  // the other pollers of the turn are still delivered.
  napi_value result;
  napi_status status_of_call = own_scope ? napi_make_callback(env, batch_->context, object, callback, 4, argv, &result)
                                         : napi_call_function(env, object, callback, 4, argv, &result);
  if (status_of_call == napi_pending_exception) {
    napi_value error;
    if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
  }
}

void Poller::UnrefIfAsked(napi_env env) {
  // The callbacks (and the microtasks they ran) left nothing waiting on this handle: it stops
  // counting for the loop now, so a call made meanwhile found it still referenced, for free.
  if (handle_ == nullptr || armed_buffer_ == nullptr) return;
  int32_t* flags = Armed(env);
  if (flags != nullptr && flags[kUnrefAfterCallback] == 1) {
    flags[kUnrefAfterCallback] = 0;
    uv_unref(reinterpret_cast<uv_handle_t*>(&handle_->poll));
  }
}

// The methods below use raw Node-API calls and return undefined rather than throw when one fails:
// they run from poll callbacks, also while a worker is being terminated, when node-addon-api's
// checked wrappers would abort the process.
static Napi::Value Int(Napi::Env env, int value) {
  napi_value result = nullptr;
  napi_create_int32(env, value, &result);
  return Napi::Value(env, result);
}

int Poller::StartWith(const Napi::CallbackInfo& info, size_t index) {
  int32_t events = 0;
  if (info.Length() <= index || napi_get_value_int32(info.Env(), info[index], &events) != napi_ok) return UV_EINVAL;
  if (handle_ == nullptr) return UV_EBADF;
  // libuv asserts (aborts the process) on any other bit.
  if (events & ~(UV_READABLE | UV_WRITABLE | UV_DISCONNECT | UV_PRIORITIZED)) return UV_EINVAL;
  // Optionally whether the started handle keeps the loop alive: one call where ref() or unref()
  // and start() would be two (a socket starts waiting, or stops, and the mask changes with it).
  if (info.Length() > index + 1 && !info[index + 1].IsUndefined()) {
    bool referenced = false;
    if (napi_get_value_bool(info.Env(), info[index + 1], &referenced) != napi_ok) return UV_EINVAL;
    auto* handle = reinterpret_cast<uv_handle_t*>(&handle_->poll);
    if (referenced) uv_ref(handle);
    else uv_unref(handle);
  }
  return uv_poll_start(&handle_->poll, events, OnPoll);
}

Napi::Value Poller::Start(const Napi::CallbackInfo& info) {
  return Int(info.Env(), StartWith(info, 0));
}

Napi::Value Poller::Stop(const Napi::CallbackInfo& info) {
  if (handle_ != nullptr) uv_poll_stop(&handle_->poll);
  return Int(info.Env(), 0);
}

Napi::Value Poller::Close(const Napi::CallbackInfo& info) {
  CloseHandle();
  // The registered calls' buffers are not held past close().
  ClearPending(0);
  ClearPending(1);
  if (int32_t* armed = Armed(info.Env())) armed[0] = armed[1] = 0;
  return Napi::Value();
}

Napi::Value Poller::Pend(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  int32_t direction = -1, kind = 0, flags = 0;
  if (info.Length() < 4 || napi_get_value_int32(env, info[0], &direction) != napi_ok || (direction != 0 && direction != 1) ||
      napi_get_value_int32(env, info[1], &kind) != napi_ok || napi_get_value_int32(env, info[3], &flags) != napi_ok) {
    return Int(env, -EINVAL);
  }
  const bool takes_view = kind == kPendRecv || kind == kPendRecvfrom || kind == kPendSend;
  if (!takes_view && kind != kPendAccept && kind != kPendConnect) return Int(env, -EINVAL);
  // Only the calls of their own direction: a recv made on writability would find nothing.
  if ((kind == kPendRecv || kind == kPendRecvfrom || kind == kPendAccept) != (direction == 0)) return Int(env, -EINVAL);
  // recvfrom's senders, the array its sender goes into (index 0).
  napi_value senders_value = info.Length() > 4 ? static_cast<napi_value>(info[4]) : nullptr;
  bool is_array = false;
  if ((kind == kPendRecvfrom) != (senders_value != nullptr && napi_is_array(env, senders_value, &is_array) == napi_ok && is_array)) {
    return Int(env, -EINVAL);
  }
  napi_ref view = nullptr;
  if (takes_view) {
    bool is_view = false;
    if (napi_is_typedarray(env, info[2], &is_view) != napi_ok || !is_view) {
      if (napi_is_dataview(env, info[2], &is_view) != napi_ok || !is_view) return Int(env, -EINVAL);
    }
    if (napi_create_reference(env, info[2], 1, &view) != napi_ok) return Int(env, -ENOMEM);
  }
  napi_ref senders = nullptr;
  if (kind == kPendRecvfrom && napi_create_reference(env, senders_value, 1, &senders) != napi_ok) {
    napi_delete_reference(env, view);
    return Int(env, -ENOMEM);
  }
  // The same call registered again (a loop waiting with one buffer): from now on JS re-arms it
  // through the shared flags. A socket that waits once (most short connections) never needs them.
  const Pending& registered = pending_[direction];
  bool again = registered.kind == kind && registered.flags == flags && (registered.view == nullptr) == (view == nullptr);
  if (again && view != nullptr) {
    napi_value before = nullptr;
    again = napi_get_reference_value(env, registered.view, &before) == napi_ok && before != nullptr &&
            napi_strict_equals(env, before, info[2], &again) == napi_ok && again;
  }
  if (again && senders != nullptr) {
    napi_value before = nullptr;
    again = napi_get_reference_value(env, registered.senders, &before) == napi_ok && before != nullptr &&
            napi_strict_equals(env, before, senders_value, &again) == napi_ok && again;
  }
  int32_t* armed = !again || CreateArmed(env, info.This()) ? Armed(env) : nullptr;
  if (armed == nullptr) {
    if (view != nullptr) napi_delete_reference(env, view);
    if (senders != nullptr) napi_delete_reference(env, senders);
    return Int(env, -EINVAL);
  }
  ClearPending(direction);
  pending_[direction].kind = kind;
  pending_[direction].flags = flags;
  pending_[direction].view = view;
  pending_[direction].senders = senders;
  armed[direction] = 1;
  return Int(env, 0);
}

Napi::Value Poller::Unpend(const Napi::CallbackInfo& info) {
  int32_t direction = -1;
  if (info.Length() < 1 || napi_get_value_int32(info.Env(), info[0], &direction) != napi_ok || (direction != 0 && direction != 1)) {
    return Int(info.Env(), -EINVAL);
  }
  ClearPending(direction);
  if (int32_t* armed = Armed(info.Env())) armed[direction] = 0;
  return Int(info.Env(), 0);
}

Napi::Value Poller::RefHandle(const Napi::CallbackInfo& info) {
  if (handle_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(&handle_->poll));
  return Napi::Value();
}

Napi::Value Poller::UnrefHandle(const Napi::CallbackInfo& info) {
  if (handle_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(&handle_->poll));
  return Napi::Value();
}

}  // namespace sockcall
