// The syscalls more than one place makes (getsockopt/setsockopt, fcntl, poll on the way of an entry
// point; recv, send and accept4 from the blocking entries and from the promise flavour's poll
// callback), each traced as the entry points' own calls are: the option's bytes as the kernel read or wrote
// them, poll's fds as strace shows them. retry.h waits with these; syscalls.cc's getsockopt,
// setsockopt, fcntl and poll entries are made of them too.
#pragma once

#include <fcntl.h>
#include <linux/filter.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <vector>

#include "trace.h"

namespace sockcall {

// SO_GET_FILTER (SO_ATTACH_FILTER's number) takes optlen as a count of struct sock_filter, not bytes,
// and writes that many instructions: given the bytes, it would write 8 times as many. It is asked
// for as many instructions as the bytes hold, and its count comes back as bytes.
inline int TracedGetsockopt(Trace& trace, int fd, int level, int name, void* value, socklen_t* length) {
  const socklen_t given = *length;
  const socklen_t unit = level == SOL_SOCKET && name == SO_GET_FILTER ? sizeof(sock_filter) : 1;
  const socklen_t asked = given / unit;
  socklen_t told = asked;
  const int result = Traced(trace, "getsockopt", [&] { return getsockopt(fd, level, name, value, &told); }, [&](int result) {
    // The kernel may report a longer option than it copied (it never writes past what it was asked).
    const ssize_t written = result == 0 ? static_cast<ssize_t>(std::min(told * unit, given)) : -1;
    trace.Int(fd).Int(level).Int(name).Bytes(value, written).Lengths(asked, result == 0 ? told : asked);
  });
  *length = result == 0 ? told * unit : given;
  return result;
}

inline int TracedSetsockopt(Trace& trace, int fd, int level, int name, const void* value, socklen_t length) {
  return Traced(trace, "setsockopt", [&] { return setsockopt(fd, level, name, value, length); },
                [&](int) { trace.Int(fd).Int(level).Int(name).Bytes(value, length).Int(length); });
}

// fcntl(fd, command[, argument]): an argument < 0 is none.
inline int TracedFcntl(Trace& trace, int fd, int command, int argument = -1) {
  return Traced(trace, "fcntl", [&] { return argument < 0 ? fcntl(fd, command) : fcntl(fd, command, argument); }, [&](int) {
    trace.Int(fd).Int(command);
    if (argument >= 0) trace.Int(argument);
  });
}

// glibc's recv(3) is the recvfrom syscall with no address, and strace shows it so. MSG_TRUNC may
// report more than the buffer holds: only what is in it is shown.
inline ssize_t TracedRecv(Trace& trace, int fd, char* data, size_t length, int flags) {
  return Traced(trace, "recvfrom", [&] { return recv(fd, data, length, flags); }, [&](ssize_t received) {
    trace.Int(fd).Bytes(data, received < 0 ? -1 : std::min<ssize_t>(received, length)).Int(length).Int(flags);
    trace.Null().Null();
  });
}

// recvfrom(2) with room for the sender's address; `*address_length` is set to its size first. As
// strace: the address the kernel wrote (the buffer's address when it wrote none), addrlen [in => out].
inline ssize_t TracedRecvfrom(Trace& trace, int fd, char* data, size_t length, int flags, sockaddr_storage* address, socklen_t* address_length) {
  *address_length = sizeof(*address);
  return Traced(trace, "recvfrom",
                [&] { return recvfrom(fd, data, length, flags, reinterpret_cast<sockaddr*>(address), address_length); },
                [&](ssize_t received) {
                  trace.Int(fd).Bytes(data, received < 0 ? -1 : std::min<ssize_t>(received, length)).Int(length).Int(flags);
                  // Where the kernel wrote no address (a failure, or an unnamed sender) strace shows the
                  // buffer's address; NULL stays for the call that passes none (recvfromInto without senders).
                  if (received >= 0 && *address_length > 0) trace.Sockaddr(address, *address_length); else trace.Bytes(address, -1);
                  trace.Lengths(sizeof(*address), received >= 0 ? *address_length : sizeof(*address));
                });
}

// glibc's send(3) is the sendto syscall with no address, and strace shows it so.
inline ssize_t TracedSend(Trace& trace, int fd, const char* data, size_t length, int flags) {
  return Traced(trace, "sendto", [&] { return send(fd, data, length, flags); },
                [&](ssize_t) { trace.Int(fd).Bytes(data, length).Int(length).Int(flags).Null().Int(0); });
}

// The peer's address is not asked for: getpeername() gives it when wanted, and the common case
// (accept in a loop) saves building an object per connection.
inline int TracedAccept4(Trace& trace, int fd, int flags) {
  return Traced(trace, "accept4", [&] { return accept4(fd, nullptr, nullptr, flags); },
                [&](int) { trace.Int(fd).Null().Null().Int(flags); });
}

// poll(2) once; strace shows the entries asked for, and after the result those with revents.
inline int TracedPoll(Trace& trace, pollfd* entries, nfds_t count, int timeout) {
  return Traced(trace, "poll", [&] { return poll(entries, count, timeout); }, [&](int ready) -> napi_value {
    std::vector<int> request, got;
    for (nfds_t i = 0; i < count; i++) {
      request.insert(request.end(), {entries[i].fd, entries[i].events});
      if (entries[i].revents != 0) got.insert(got.end(), {entries[i].fd, entries[i].revents});
    }
    trace.Ints(request.data(), request.size()).Int(static_cast<double>(count)).Int(timeout);
    return ready > 0 ? trace.IntArray(got.data(), got.size()) : nullptr;
  });
}

}  // namespace sockcall
