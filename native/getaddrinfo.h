// getaddrinfo(3): blocking on the calling thread (the blocking flavour), or on the libuv thread pool
// with a Promise (the promise flavour; name resolution is the one job that belongs there).
#pragma once

#include <napi.h>

namespace sockcall {

// getaddrinfo(host | null, service | null, family, type, protocol, flags) -> entries | { eai, errno }
// getaddrinfoAsync(the same arguments, callback) -> undefined; the callback is called on the JS
//   thread with the same result
void RegisterGetaddrinfo(Napi::Env env, Napi::Object exports);

}  // namespace sockcall
