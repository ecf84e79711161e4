// sendmsg(2) and recvmsg(2): scatter/gather buffers and ancillary data. The control bytes cross
// the boundary raw, as the kernel reads and writes them; lib/msg.ts lays out and parses the
// cmsghdrs (and owns what to do with the fds an SCM_RIGHTS message brings in).
#pragma once

#include <napi.h>

namespace sockcall {

// sendmsg(fd, buffers[], control | null, flags, sockaddr | null) -> bytes
// recvmsg(fd, buffers[], controlLength, flags) -> [bytes, msg_flags, control (what the kernel
//   wrote), address | null]
void RegisterMsg(Napi::Env env, Napi::Object exports);

}  // namespace sockcall
