// What each environment (the main thread, each worker) keeps: the fds it owns, so that they are
// closed when it goes away, the Sockets holding them, and its trace sink. Nothing else in the binding is per-environment
// state, and this unit depends on no other part of it: the trace (trace.h) reads the sink here.
//
// socket/socketpair/accept4 add the fds they create, close removes its fd first; own/disown are for
// fds adopted from elsewhere (Socket.fromFd) and given away (detach). When a worker exits, or the
// process does, the environment's cleanup hook closes whatever is still open: a worker's forgotten
// listener does not outlive it.
//
// An fd may also have a holder: the Socket that owns it, referenced weakly. If the holder is
// collected while the fd is still the environment's (neither closed nor disowned), the collected
// handler (set by lib/socket-base.ts) is called with the fd after the collection, and closes it
// with a warning. close and disown drop the holder's reference with the fd, so a closed Socket
// leaves the collector nothing to do.
#pragma once

#include <napi.h>

#include <atomic>

namespace sockcall {

// Sets up this environment's state and its cleanup, and puts on `exports`:
// own(fd[, holder]), disown(fd) -> undefined;
// setCollectedHandler(fn): fn(fd) for an fd whose holder was collected; once per environment;
// setTrace(fn | null): fn(name, args, result, errno, message, detail, startUs, durationNs) is called
// after each syscall this environment makes, until setTrace(null).
void RegisterEnvironment(Napi::Env env, Napi::Object exports);
// With a `holder` (an object; anything else leaves the holder as it was), the fd is held by it, in
// place of any holder before.
void TrackFd(napi_env env, int fd, napi_value holder = nullptr);
// Drops the fd's holder too.
void UntrackFd(napi_env env, int fd);

// How many environments have a trace sink set: with none, a call makes no lookup (trace.h).
extern std::atomic<int> tracing_environments;

// This environment's trace sink (the function given to setTrace), or nullptr.
napi_value TraceSink(napi_env env);

}  // namespace sockcall
