// What each environment (the main thread, each worker) keeps: the fds it owns, so that they are
// closed when it goes away, and its trace sink. Nothing else in the binding is per-environment
// state, and this unit depends on no other part of it: the trace (trace.h) reads the sink here.
//
// socket/socketpair/accept4 add the fds they create, close removes its fd first; own/disown are for
// fds adopted from elsewhere (Socket.fromFd) and given away (detach). When a worker exits, or the
// process does, the environment's cleanup hook closes whatever is still open: a worker's forgotten
// listener does not outlive it.
#pragma once

#include <napi.h>

#include <atomic>

namespace sockcall {

// Sets up this environment's state and its cleanup, and puts on `exports`:
// own(fd), disown(fd) -> undefined;
// setTrace(fn | null): fn(name, args, result, errno, message, detail, startUs, durationNs) is called
// after each syscall this environment makes, until setTrace(null).
void RegisterEnvironment(Napi::Env env, Napi::Object exports);
void TrackFd(Napi::Env env, int fd);
void UntrackFd(Napi::Env env, int fd);

// How many environments have a trace sink set: with none, a call makes no lookup (trace.h).
extern std::atomic<int> tracing_environments;

// This environment's trace sink (the function given to setTrace), or nullptr.
napi_value TraceSink(napi_env env);

}  // namespace sockcall
