// ioctl(2) on a socket, for the requests that read one int: FIONREAD (SIOCINQ), SIOCOUTQ,
// SIOCOUTQNSD and SIOCATMARK. Any other request is refused here too: the kernel would write
// whatever that request's argument is (a struct) through the pointer to one int.
#pragma once

#include <napi.h>

namespace sockcall {

Napi::Value Ioctl(const Napi::CallbackInfo& info);  // (fd, request) -> the int the kernel wrote

}  // namespace sockcall
