// epoll(7): the instance is an fd like a socket's (owned by the environment, closed by close() or at
// the environment's teardown); each function makes exactly the call a C program makes.
#pragma once

#include <napi.h>

namespace sockcall {

// epollCreate1(flags) -> epfd
// epollCtl(epfd, op, fd, events | null) -> 0; data.fd is `fd`; null passes a NULL event (EPOLL_CTL_DEL)
// epollWait(epfd, maxevents, ms, out Int32Array) -> n; out[2i] = events, out[2i + 1] = data.fd
void RegisterEpoll(Napi::Env env, Napi::Object exports);

}  // namespace sockcall
