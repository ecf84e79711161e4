#pragma once

#include <napi.h>

namespace sockcall {

// Every constant sockcall exports, with its value from this system's headers.
Napi::Object Constants(Napi::Env env);

// errno value -> name ("ECONNREFUSED"), from the same headers; the first name listed wins where
// two share a value (EAGAIN over EWOULDBLOCK).
Napi::Object ErrnoNames(Napi::Env env);

}  // namespace sockcall
