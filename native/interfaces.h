// Network interfaces by name and by index (if_nametoindex(3), if_indextoname(3)), for the ifindex
// of an AF_PACKET address and of a multicast membership.
#pragma once

#include <napi.h>

namespace sockcall {

// ifNametoindex(nameBytes) -> the index (> 0), or the negative errno (ENODEV: no such interface).
// ifIndextoname(index) -> the name, or the negative errno (ENXIO: no interface has that index).
void RegisterInterfaces(Napi::Env env, Napi::Object exports);

}  // namespace sockcall
