#include "getaddrinfo.h"

#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "address.h"
#include "args.h"
#include "exports.h"

namespace sockcall {

namespace {

// One resolution: its arguments, read on the JS thread, and its result, made wherever it runs.
struct Lookup {
  bool has_host = false;
  bool has_service = false;
  std::string host;
  std::string service;
  addrinfo hints{};
  int status = 0;
  int error_number = 0;
  addrinfo* list = nullptr;

  ~Lookup() {
    if (list != nullptr) freeaddrinfo(list);
  }

  bool Read(const Napi::CallbackInfo& info) {
    for (size_t i = 0; i < 2; i++) {
      if (i >= info.Length() || !(info[i].IsString() || info[i].IsNull())) {
        Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a string or null")
            .ThrowAsJavaScriptException();
        return false;
      }
    }
    if (!ArgInt(info, 2, &hints.ai_family) || !ArgInt(info, 3, &hints.ai_socktype) ||
        !ArgInt(info, 4, &hints.ai_protocol) || !ArgInt(info, 5, &hints.ai_flags)) {
      return false;
    }
    has_host = info[0].IsString();
    has_service = info[1].IsString();
    if (has_host) host = info[0].As<Napi::String>().Utf8Value();
    if (has_service) service = info[1].As<Napi::String>().Utf8Value();
    return true;
  }

  void Run() {
    status = getaddrinfo(has_host ? host.c_str() : nullptr, has_service ? service.c_str() : nullptr, &hints, &list);
    error_number = errno;  // before anything else can overwrite it
  }

  Napi::Value Result(Napi::Env env) const {
    if (status != 0) {
      Napi::Object error = Napi::Object::New(env);
      error.Set("eai", status);
      error.Set("errno", status == EAI_SYSTEM ? error_number : 0);
      return error;
    }
    Napi::Array results = Napi::Array::New(env);
    uint32_t count = 0;
    for (const addrinfo* entry = list; entry != nullptr; entry = entry->ai_next) {
      Napi::Object item = Napi::Object::New(env);
      item.Set("family", entry->ai_family);
      item.Set("type", entry->ai_socktype);
      item.Set("protocol", entry->ai_protocol);
      sockaddr_storage address{};
      socklen_t length = entry->ai_addrlen < sizeof(address) ? entry->ai_addrlen : sizeof(address);
      std::memcpy(&address, entry->ai_addr, length);
      item.Set("address", SockaddrToJs(env, address, length));
      if (entry->ai_canonname != nullptr) item.Set("canonname", entry->ai_canonname);
      results.Set(count++, item);
    }
    return results;
  }
};

class LookupWorker : public Napi::AsyncWorker {
 public:
  // Takes the arguments already read, and the JS function to call with the result. A callback
  // rather than a promise: its reference is freed with the environment when a worker is torn down
  // with the lookup pending, where a promise's napi_deferred would leak.
  LookupWorker(const Napi::Function& callback, const Lookup& arguments)
      : Napi::AsyncWorker(callback, "sockcall.getaddrinfo") {
    lookup.has_host = arguments.has_host;
    lookup.has_service = arguments.has_service;
    lookup.host = arguments.host;
    lookup.service = arguments.service;
    lookup.hints = arguments.hints;
  }

  Lookup lookup;

 protected:
  void Execute() override { lookup.Run(); }  // on a thread-pool thread: no JS here
  void OnOK() override { Callback().Call({lookup.Result(Env())}); }
};

}  // namespace

static Napi::Value Getaddrinfo(const Napi::CallbackInfo& info) {
  Lookup lookup;
  if (!lookup.Read(info)) return {};
  lookup.Run();
  return lookup.Result(info.Env());
}

static Napi::Value GetaddrinfoAsync(const Napi::CallbackInfo& info) {
  Lookup arguments;
  if (!arguments.Read(info)) return {};
  if (info.Length() < 7 || !info[6].IsFunction()) {
    Napi::TypeError::New(info.Env(), "argument 6 must be a function").ThrowAsJavaScriptException();
    return {};
  }
  auto* worker = new LookupWorker(info[6].As<Napi::Function>(), arguments);  // deleted by AsyncWorker
  worker->Queue();
  return info.Env().Undefined();
}

void RegisterGetaddrinfo(Napi::Env env, Napi::Object exports) {
  ExportFunctions(env, exports, {
      {"getaddrinfo", Getaddrinfo},            // (host, service, family, type, protocol, flags) -> entries | { eai, errno }
      {"getaddrinfoAsync", GetaddrinfoAsync},  // (the same, callback) -> undefined
  });
}

}  // namespace sockcall
