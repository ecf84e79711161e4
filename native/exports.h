// How each unit puts its functions on the binding's exports: every .cc that defines entry points
// ends with its own Register function (RegisterSyscalls, RegisterMsg, ...) listing them beside their
// code, and addon.cc calls each one.
#pragma once

#include <napi.h>

#include <initializer_list>

namespace sockcall {

struct ExportedFunction {
  const char* name;
  Napi::Value (*function)(const Napi::CallbackInfo&);
};

// A raw Node-API callback: registered with napi_create_function, no node-addon-api wrapper between
// the engine and it (the hot entries of syscalls.cc).
struct ExportedRawFunction {
  const char* name;
  napi_callback function;
};

inline void ExportFunctions(Napi::Env env, Napi::Object exports, std::initializer_list<ExportedFunction> functions) {
  for (const auto& entry : functions) exports.Set(entry.name, Napi::Function::New(env, entry.function, entry.name));
}

inline void ExportRawFunctions(Napi::Env env, Napi::Object exports, std::initializer_list<ExportedRawFunction> functions) {
  for (const auto& entry : functions) {
    napi_value function;
    if (napi_create_function(env, entry.name, NAPI_AUTO_LENGTH, entry.function, nullptr, &function) != napi_ok) return;
    exports.Set(entry.name, Napi::Value(env, function));
  }
}

}  // namespace sockcall
