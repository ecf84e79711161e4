// Network interfaces by name and by index (if_nametoindex(3), if_indextoname(3)), for the ifindex
// of an AF_PACKET address and of a multicast membership.
#pragma once

#include <napi.h>

namespace sockcall {

// ifNametoindex(nameBytes) -> the index (> 0), or the negative errno (ENODEV: no such interface).
Napi::Value IfNametoindex(const Napi::CallbackInfo& info);
// ifIndextoname(index) -> the name, or the negative errno (ENXIO: no interface has that index).
Napi::Value IfIndextoname(const Napi::CallbackInfo& info);

}  // namespace sockcall
