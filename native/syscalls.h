// One small function per system call. Each checks its arguments, makes exactly the call the
// equivalent C program makes, and returns the result or -errno (see SyscallResult in args.h).
// Policy (defaults, SOCK_CLOEXEC, MSG_NOSIGNAL, validation, errors) lives in lib/.
#pragma once

#include <napi.h>

namespace sockcall {

// What getsockoptInt returns for a failure: this minus errno, below every int32 an option can hold.
constexpr double kGetsockoptFailed = -4294967296.0;  // -2^32

// The calls of a connection's life (socket, bind, listen, accept, connect, send, recv, sendto,
// recvfrom, shutdown, close) and the int options are raw Node-API callbacks, registered with
// napi_create_function: one napi_get_cb_info into a fixed array (RawArgs, args.h) instead of
// node-addon-api's CallbackInfo and wrapper. The same guards, the same errors; the others keep
// node-addon-api's style.
napi_value Socket(napi_env env, napi_callback_info info);         // (domain, type, protocol) -> fd
napi_value Bind(napi_env env, napi_callback_info info);           // (fd, sockaddr) -> 0
napi_value Listen(napi_env env, napi_callback_info info);         // (fd, backlog) -> 0
napi_value Accept4(napi_env env, napi_callback_info info);        // (fd, flags) -> fd
napi_value Connect(napi_env env, napi_callback_info info);        // (fd, sockaddr) -> 0
napi_value Send(napi_env env, napi_callback_info info);           // (fd, view, flags) -> bytes
napi_value Sendto(napi_env env, napi_callback_info info);         // (fd, view, flags, sockaddr) -> bytes
napi_value Recv(napi_env env, napi_callback_info info);           // (fd, view, flags) -> bytes
napi_value Recvfrom(napi_env env, napi_callback_info info);       // (fd, view, flags) -> [bytes, address]
napi_value Shutdown(napi_env env, napi_callback_info info);       // (fd, how) -> 0
napi_value Close(napi_env env, napi_callback_info info);          // (fd) -> 0
napi_value GetsockoptInt(napi_env env, napi_callback_info info);  // (fd, level, name) -> value | kGetsockoptFailed - errno
napi_value SetsockoptInt(napi_env env, napi_callback_info info);  // (fd, level, name, value) -> 0

Napi::Value Socketpair(const Napi::CallbackInfo& info);    // (domain, type, protocol) -> [fd, fd]
Napi::Value Getsockname(const Napi::CallbackInfo& info);   // (fd) -> address
Napi::Value Getpeername(const Napi::CallbackInfo& info);   // (fd) -> address
Napi::Value GetsockoptBytes(const Napi::CallbackInfo& info);    // (fd, level, name, view) -> optlen
Napi::Value SetsockoptBytes(const Napi::CallbackInfo& info);    // (fd, level, name, view) -> 0
Napi::Value GetsockoptLinger(const Napi::CallbackInfo& info);   // (fd, out Int32Array(2)) -> 0
Napi::Value SetsockoptLinger(const Napi::CallbackInfo& info);   // (fd, onoff, seconds) -> 0
Napi::Value GetsockoptTimeval(const Napi::CallbackInfo& info);  // (fd, name, out Float64Array) -> 0
Napi::Value SetsockoptTimeval(const Napi::CallbackInfo& info);  // (fd, name, ms) -> 0
Napi::Value GetBlocking(const Napi::CallbackInfo& info);   // (fd) -> 1 | 0
Napi::Value SetBlocking(const Napi::CallbackInfo& info);   // (fd, blocking) -> 0
Napi::Value Dup(const Napi::CallbackInfo& info);           // (fd) -> fcntl(F_DUPFD_CLOEXEC)
Napi::Value Select(const Napi::CallbackInfo& info);   // (read[], write[], except[], ms) -> [r[], w[], e[]]
Napi::Value Poll(const Napi::CallbackInfo& info);     // (fds[], events[], ms) -> revents[]

}  // namespace sockcall
