#pragma once

#include <napi.h>
#include <sys/socket.h>

// Linux 6.5 added the pidfd options; a libc older than its headers lacks them. These are the values
// of the kernel's include/uapi/asm-generic/socket.h, which x86-64 and arm64 use.
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif

namespace sockcall {

// Puts on `exports`: `constants`, every constant sockcall exports, with its value from this
// system's headers; `limits`, the binding's own limits (native/bounds.h: { MAX_IOV, MAX_CONTROL,
// MAX_TIMEOUT_MS }); `errnoNames`, errno value -> name ("ECONNREFUSED"), from the same headers (the
// first name listed wins where two share a value: EAGAIN over EWOULDBLOCK).
void RegisterConstants(Napi::Env env, Napi::Object exports);

}  // namespace sockcall
