// One small function per system call. Each checks its arguments, makes exactly the call the
// equivalent C program makes, and returns the result or -errno (see SyscallResult in args.h).
// Policy (defaults, SOCK_CLOEXEC, MSG_NOSIGNAL, validation, errors) lives in lib/.
#pragma once

#include <napi.h>

namespace sockcall {

// What getsockoptInt returns for a failure: this minus errno, below every int32 an option can hold.
constexpr double kGetsockoptFailed = -4294967296.0;  // -2^32

// Puts the calls on `exports` (their JS signatures are listed there, at the bottom of syscalls.cc).
// The calls of a connection's life (socket, bind, listen, accept, connect, send, recv, sendto,
// recvfrom, shutdown, close) and the int options are raw Node-API callbacks, registered with
// napi_create_function: one napi_get_cb_info into a fixed array (RawArgs, args.h) instead of
// node-addon-api's CallbackInfo and wrapper. The same guards, the same errors; the others keep
// node-addon-api's style.
void RegisterSyscalls(Napi::Env env, Napi::Object exports);

}  // namespace sockcall
