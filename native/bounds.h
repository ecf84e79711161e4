// Limits the binding enforces that no system header defines: sockcall's own bounds. Exported to JS
// as `limits` (native/constants.cc), so that lib/ checks the same numbers before the call and names
// them in its RangeErrors.
#pragma once

#include <limits.h>

namespace sockcall {

// The most buffers one sendmsg/recvmsg takes: IOV_MAX (the kernel's UIO_MAXIOV).
constexpr unsigned kMaxIov = IOV_MAX;

// The most messages one sendmmsg/recvmmsg takes: the kernel's UIO_MAXIOV (1024), which it applies
// to vlen as well (it silently sends or receives no more than that).
constexpr unsigned kMaxMmsg = 1024;

// The most control bytes recvmsg offers the kernel: far more than the 253 fds of SCM_MAX_FD.
constexpr int kMaxControl = 1 << 20;

// The largest timeout in ms (SO_RCVTIMEO/SO_SNDTIMEO, select): about 31,700 years, so that seconds
// and microseconds fit their fields exactly; the kernel caps it anyway.
constexpr double kMaxTimeoutMs = 1e15;

}  // namespace sockcall
