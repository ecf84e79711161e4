// getaddrinfo(3): blocking on the calling thread (the blocking flavour), or on the libuv thread pool
// with a Promise (the promise flavour; name resolution is the one job that belongs there).
#pragma once

#include <napi.h>

namespace sockcall {

// (host | null, service | null, family, type, protocol, flags) -> entries | { eai, errno }
Napi::Value Getaddrinfo(const Napi::CallbackInfo& info);
// The same arguments and a callback, called on the JS thread with the same result -> undefined.
Napi::Value GetaddrinfoAsync(const Napi::CallbackInfo& info);

}  // namespace sockcall
