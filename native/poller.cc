#include "poller.h"

#include "args.h"

namespace sockcall {

Napi::Function Poller::Define(Napi::Env env) {
  return DefineClass(env, "Poller",
                     {
                         InstanceMethod<&Poller::Start>("start"),
                         InstanceMethod<&Poller::Stop>("stop"),
                         InstanceMethod<&Poller::Close>("close"),
                         InstanceMethod<&Poller::RefHandle>("ref"),
                         InstanceMethod<&Poller::UnrefHandle>("unref"),
                         StaticValue("READABLE", Napi::Number::New(env, UV_READABLE)),
                         StaticValue("WRITABLE", Napi::Number::New(env, UV_WRITABLE)),
                         StaticValue("DISCONNECT", Napi::Number::New(env, UV_DISCONNECT)),
                         StaticValue("PRIORITIZED", Napi::Number::New(env, UV_PRIORITIZED)),
                     });
}

Poller::Poller(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<Poller>(info), async_context_(info.Env(), "sockcall.Poller") {
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
  auto* handle = new PollHandle();
  int status = uv_poll_init(loop, &handle->poll, fd);
  if (status != 0) {
    delete handle;
    Napi::Error error = Napi::Error::New(env, std::string("uv_poll_init ") + uv_err_name(status));
    error.Set("errno", Napi::Number::New(env, status));
    error.Set("code", Napi::String::New(env, uv_err_name(status)));
    error.Set("syscall", Napi::String::New(env, "uv_poll_init"));
    error.ThrowAsJavaScriptException();
    return;
  }
  handle->poll.data = this;
  // A worker torn down with this poller open: close the handle, and keep the environment (and this
  // module) until its close callback has run; an ordinary cleanup hook would let Node unload the
  // module while libuv still holds a pointer to OnClosed.
  napi_add_async_cleanup_hook(env, OnEnvironmentCleanup, handle, &handle->cleanup_hook);
  handle_ = handle;
  callback_ = Napi::Persistent(info[1].As<Napi::Function>());
}

Poller::~Poller() {
  // Collected without close(): still give the handle back to libuv.
  CloseHandle();
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
  if (handle->cleanup_hook != nullptr) napi_remove_async_cleanup_hook(handle->cleanup_hook);
  delete handle;
}

void Poller::OnEnvironmentCleanup(napi_async_cleanup_hook_handle, void* data) {
  auto* handle = static_cast<PollHandle*>(data);
  if (handle->closing) return;  // OnClosed will remove the hook
  if (auto* owner = static_cast<Poller*>(handle->poll.data)) owner->handle_ = nullptr;
  BeginClose(handle);
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
  // Raw Node-API calls throughout, each checked: in a worker being terminated any of them can fail,
  // and node-addon-api's wrappers would make that a fatal error.
  napi_env env = self->Env();
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value object = nullptr;
  napi_value callback = nullptr;
  napi_get_reference_value(env, static_cast<napi_ref>(*self), &object);
  if (!self->callback_.IsEmpty()) napi_get_reference_value(env, static_cast<napi_ref>(self->callback_), &callback);
  napi_value argv[2];
  if (object == nullptr || callback == nullptr) {
    // Collected, its finalizer not run yet: nobody can be waiting on it.
    uv_poll_stop(poll);
  } else if (napi_create_int32(env, status, &argv[0]) == napi_ok && napi_create_int32(env, events, &argv[1]) == napi_ok) {
    // napi_make_callback opens a callback scope: promises settled in the callback run their
    // reactions (microtasks) before control returns to libuv. An exception escaping it is an
    // uncaught exception of the process, as from any Node callback.
    napi_value result;
    if (napi_make_callback(env, self->async_context_, object, callback, 2, argv, &result) == napi_pending_exception) {
      napi_value error;
      if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

// The methods below use raw Node-API calls and return undefined rather than throw when one fails:
// they run from poll callbacks, also while a worker is being terminated, when node-addon-api's
// checked wrappers would abort the process.
static Napi::Value Int(Napi::Env env, int value) {
  napi_value result = nullptr;
  napi_create_int32(env, value, &result);
  return Napi::Value(env, result);
}

Napi::Value Poller::Start(const Napi::CallbackInfo& info) {
  int32_t events = 0;
  if (info.Length() < 1 || napi_get_value_int32(info.Env(), info[0], &events) != napi_ok) return Int(info.Env(), UV_EINVAL);
  if (handle_ == nullptr) return Int(info.Env(), UV_EBADF);
  // libuv asserts (aborts the process) on any other bit.
  if (events & ~(UV_READABLE | UV_WRITABLE | UV_DISCONNECT | UV_PRIORITIZED)) return Int(info.Env(), UV_EINVAL);
  return Int(info.Env(), uv_poll_start(&handle_->poll, events, OnPoll));
}

Napi::Value Poller::Stop(const Napi::CallbackInfo& info) {
  if (handle_ != nullptr) uv_poll_stop(&handle_->poll);
  return Int(info.Env(), 0);
}

Napi::Value Poller::Close(const Napi::CallbackInfo& info) {
  CloseHandle();
  return Napi::Value();
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
