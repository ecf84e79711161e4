// The fds this environment (main thread or worker) owns, so that they are closed when it goes away.
//
// socket/socketpair/accept4 add the fds they create, close removes its fd first; own/disown are for
// fds adopted from elsewhere (Socket.fromFd) and given away (detach). When a worker exits, or the
// process does, the environment's cleanup hook closes whatever is still open: a worker's forgotten
// listener does not outlive it.
#pragma once

#include <napi.h>

namespace sockcall {

void RegisterEnvironment(Napi::Env env);
void TrackFd(Napi::Env env, int fd);
void UntrackFd(Napi::Env env, int fd);

// Where this environment keeps its trace sink (native/trace.h): a strong reference, or null.
napi_ref* TraceSlot(napi_env env);

Napi::Value Own(const Napi::CallbackInfo& info);     // (fd) -> undefined
Napi::Value Disown(const Napi::CallbackInfo& info);  // (fd) -> undefined

}  // namespace sockcall
