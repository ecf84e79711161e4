// ioctl(2) on a socket, for the requests that read one int: FIONREAD (SIOCINQ), SIOCOUTQ,
// SIOCOUTQNSD and SIOCATMARK. Any other request is refused here too: the kernel would write
// whatever that request's argument is (a struct) through the pointer to one int.
#pragma once

#include <napi.h>

namespace sockcall {

// ioctl(fd, request) -> the int the kernel wrote
void RegisterIoctl(Napi::Env env, Napi::Object exports);

}  // namespace sockcall
