#include "poller.h"

#include "args.h"

namespace sockcall {

Napi::Function Poller::Define(Napi::Env env) {
  Napi::Function constructor = DefineClass(env, "Poller",
                                           {
                                               InstanceMethod<&Poller::Start>("start"),
                                               InstanceMethod<&Poller::Stop>("stop"),
                                               InstanceMethod<&Poller::Close>("close"),
                                               InstanceMethod<&Poller::RefHandle>("ref"),
                                               InstanceMethod<&Poller::UnrefHandle>("unref"),
                                               InstanceMethod<&Poller::Hold>("hold"),
                                               StaticValue("READABLE", Napi::Number::New(env, UV_READABLE)),
                                               StaticValue("WRITABLE", Napi::Number::New(env, UV_WRITABLE)),
                                               StaticValue("DISCONNECT", Napi::Number::New(env, UV_DISCONNECT)),
                                               StaticValue("PRIORITIZED", Napi::Number::New(env, UV_PRIORITIZED)),
                                           });
  return constructor;
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
  auto* handle = new uv_poll_t;
  int status = uv_poll_init(loop, handle, fd);
  if (status != 0) {
    delete handle;
    Napi::Error error = Napi::Error::New(env, uv_strerror(status));
    error.Set("errno", Napi::Number::New(env, status));
    error.ThrowAsJavaScriptException();
    return;
  }
  handle->data = this;
  handle_ = handle;
  callback_ = Napi::Persistent(info[1].As<Napi::Function>());
  // A worker torn down with this poller still open: close the handle before the loop goes away.
  napi_add_env_cleanup_hook(env, OnEnvironmentCleanup, this);
}

Poller::~Poller() {
  // Collected without close(): still give the handle back to libuv (and drop the cleanup hook).
  CloseHandle();
}

void Poller::SetActive(bool active) {
  if (active == active_) return;
  active_ = active;
  if (active) {
    Ref();
  } else {
    Unref();
  }
}

void Poller::CloseHandle() {
  if (handle_ == nullptr) return;
  SetActive(false);
  callback_.Reset();
  uv_poll_stop(handle_);
  handle_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(handle_), OnClose);
  handle_ = nullptr;
  napi_remove_env_cleanup_hook(Env(), OnEnvironmentCleanup, this);
}

void Poller::OnClose(uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); }

void Poller::OnEnvironmentCleanup(void* self) {
  auto* poller = static_cast<Poller*>(self);
  if (poller->handle_ == nullptr) return;
  uv_poll_stop(poller->handle_);
  poller->handle_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(poller->handle_), OnClose);
  poller->handle_ = nullptr;
}

void Poller::OnPoll(uv_poll_t* handle, int status, int events) {
  auto* self = static_cast<Poller*>(handle->data);
  if (self == nullptr) return;
  Napi::Env env = self->Env();
  Napi::HandleScope scope(env);
  // MakeCallback opens a callback scope: promises settled in the callback run their reactions
  // (microtasks) before control returns to libuv.
  self->callback_.MakeCallback(self->Value(), {Napi::Number::New(env, status), Napi::Number::New(env, events)},
                               self->async_context_);
}

Napi::Value Poller::Start(const Napi::CallbackInfo& info) {
  int events;
  if (!ArgInt(info, 0, &events)) return {};
  if (handle_ == nullptr) return Napi::Number::New(info.Env(), UV_EBADF);
  return Napi::Number::New(info.Env(), uv_poll_start(handle_, events, OnPoll));
}

Napi::Value Poller::Stop(const Napi::CallbackInfo& info) {
  if (handle_ != nullptr) uv_poll_stop(handle_);
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value Poller::Close(const Napi::CallbackInfo& info) {
  CloseHandle();
  return info.Env().Undefined();
}

Napi::Value Poller::Hold(const Napi::CallbackInfo& info) {
  SetActive(info.Length() > 0 && info[0].ToBoolean().Value());
  return info.Env().Undefined();
}

Napi::Value Poller::RefHandle(const Napi::CallbackInfo& info) {
  if (handle_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(handle_));
  return info.Env().Undefined();
}

Napi::Value Poller::UnrefHandle(const Napi::CallbackInfo& info) {
  if (handle_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
  return info.Env().Undefined();
}

}  // namespace sockcall
