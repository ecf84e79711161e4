// What every call that can wait shares (syscalls.cc, msg.cc): EINTR retried against the socket's
// own timeout (read with the traced helpers of traced.h).
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>

#include "traced.h"

namespace sockcall {

// Which socket timeout bounds a call that can block, and the readiness it waits for.
enum class Waits { kToRead, kToWrite };

// Milliseconds since `start` on CLOCK_MONOTONIC_COARSE: read from the vDSO without a syscall on
// every Linux clock source, and as fine as the jiffies SO_RCVTIMEO/SO_SNDTIMEO are counted in.
inline double ElapsedMs(const timespec& start) {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return static_cast<double>(now.tv_sec - start.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec - start.tv_nsec) / 1e6;
}

// The socket's own timeout for `waits` (SO_RCVTIMEO/SO_SNDTIMEO) in ms; 0 when it has none.
inline double SocketTimeoutMs(Trace& trace, int fd, Waits waits) {
  timeval value{};
  socklen_t length = sizeof(value);
  const int name = waits == Waits::kToRead ? SO_RCVTIMEO : SO_SNDTIMEO;
  if (TracedGetsockopt(trace, fd, SOL_SOCKET, name, &value, &length) != 0) return 0;
  return static_cast<double>(value.tv_sec) * 1e3 + static_cast<double>(value.tv_usec) / 1e3;
}

// Calls f until it does not fail with EINTR (PEP 475), keeping a socket timeout to its original
// deadline. Linux fails a call bounded by SO_RCVTIMEO/SO_SNDTIMEO with EINTR on any caught signal,
// even under SA_RESTART, and calling again would start the full timeout anew: signals arriving
// faster than the timeout would make the call wait for ever. So after an EINTR the time left is
// waited out in poll(2), and the call is made again once the fd is ready, with MSG_DONTWAIT (f's
// argument) so that it cannot block for a new full timeout when the readiness does not finish it
// (MSG_WAITALL, another reader took the data): EAGAIN then means wait again for what is left. When
// no time is left it fails with EAGAIN, as the timeout itself would. accept4 has no such flag: a
// connection another acceptor takes can cost it one more timeout. Without a socket timeout the
// kernel restarts the call itself (SA_RESTART), so that path is rare. Not for close(2): on Linux the
// fd is gone even when close reports EINTR, and a retry could close a number reused by another thread.
template <typename F>
auto RetryOnEintr(Trace& trace, int fd, Waits waits, F f) -> decltype(f(0)) {
  timespec start;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &start);
  double timeout = -1;  // read at the first EINTR
  int extra_flags = 0;
  for (;;) {
    auto result = f(extra_flags);
    if (result != -1) return result;
    if (errno == EINTR) {
      if (timeout < 0) timeout = SocketTimeoutMs(trace, fd, waits);
      if (timeout == 0) {
        extra_flags = 0;
        continue;
      }
    } else if (!(errno == EAGAIN && extra_flags != 0)) {
      return result;
    }
    for (;;) {
      const double left = timeout - ElapsedMs(start);
      if (left <= 0) {
        errno = EAGAIN;
        return -1;
      }
      pollfd entry{fd, static_cast<short>(waits == Waits::kToRead ? POLLIN : POLLOUT), 0};
      const int timeout_ms = left >= INT_MAX ? INT_MAX : static_cast<int>(std::ceil(left));
      const int ready = TracedPoll(trace, &entry, 1, timeout_ms);
      if (ready == 0) {
        errno = EAGAIN;
        return -1;
      }
      if (ready > 0 || errno != EINTR) break;  // ready, or a poll error the call will report itself
    }
    extra_flags = MSG_DONTWAIT;
  }
}

// connect(2) interrupted by a signal (EINTR) goes on in the background, and calling it again would
// say EALREADY. As PEP 475 does, wait for it to finish instead: poll for writability until the
// socket's SO_SNDTIMEO deadline (measured from `start`; none: no limit), then read its outcome from
// SO_ERROR. At the deadline it fails with EINPROGRESS, as the timeout itself would.
inline int AwaitConnect(Trace& trace, int fd, const timespec& start) {
  const double timeout = SocketTimeoutMs(trace, fd, Waits::kToWrite);
  for (;;) {
    int timeout_ms = -1;
    if (timeout > 0) {
      const double left = timeout - ElapsedMs(start);
      timeout_ms = left <= 0 ? 0 : left >= INT_MAX ? INT_MAX : static_cast<int>(std::ceil(left));
    }
    pollfd entry{fd, POLLOUT, 0};
    const int ready = TracedPoll(trace, &entry, 1, timeout_ms);
    if (ready == 0) {
      errno = EINPROGRESS;
      return -1;
    }
    if (ready < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    int outcome = 0;
    socklen_t length = sizeof(outcome);
    if (TracedGetsockopt(trace, fd, SOL_SOCKET, SO_ERROR, &outcome, &length) != 0) return -1;
    if (outcome == 0) return 0;
    errno = outcome;
    return -1;
  }
}

}  // namespace sockcall
