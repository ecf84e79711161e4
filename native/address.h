// sockaddr <-> JS address conversion, shared by every call that takes or returns an address.
//
// Addresses travel into the binding as Buffers holding a ready-made sockaddr (sockaddrInet below
// writes one into a Buffer the caller supplies, sockaddrUnix returns a new one), so
// bind/connect/sendto only copy bytes; lib/address.ts encodes an internet address for a call made at
// once into a per-thread scratch Buffer, so those calls allocate nothing for it. They travel out as
// plain objects:
//   { family: 'AF_INET', address, port }
//   { family: 'AF_INET6', address, port, flowinfo, scopeId }
//   { family: 'AF_PACKET', protocol, ifindex, hatype, pkttype, address }  (protocol in host order,
//                                           address the hardware address as 'aa:bb:..')
//   { family: 'AF_UNIX', path }            (abstract names start with '\0'; unnamed: ''; a string
//                                           when the bytes are UTF-8, else a Buffer of them)
#pragma once

#include <napi.h>
#include <sys/socket.h>

namespace sockcall {

// Reads an encoded sockaddr Buffer argument. Throws a TypeError and returns false if it is not one.
bool ArgSockaddr(const Napi::CallbackInfo& info, size_t index, sockaddr_storage* out, socklen_t* length);
// The same for a value in hand (a raw entry point's argv); `index` names the argument.
bool ValueSockaddr(Napi::Env env, napi_value value, size_t index, sockaddr_storage* out, socklen_t* length);

// Converts a kernel-filled sockaddr into its JS object.
Napi::Value SockaddrToJs(Napi::Env env, const sockaddr_storage& address, socklen_t length);
// A received datagram's sender (recvfrom's src_addr): its JS object, or null when the kernel gave
// no address (length 0: a connected stream socket, an unbound AF_UNIX sender). nullptr, with the
// exception left pending, if it cannot be made.
napi_value SenderToJs(Napi::Env env, const sockaddr_storage& address, socklen_t length);

// The last sender a receiving loop decoded (recvfromInto, one per environment for the blocking
// calls and one per poller for the waiting ones): a run of datagrams from one sender, the common
// case, gets one address object instead of a new one each, as recvmmsg's batches do. The object is
// frozen, since it is handed out again.
struct SenderCache {
  sockaddr_storage address;
  socklen_t length = 0;
  napi_ref object = nullptr;
};
// SenderToJs through `cache`: the object of last time when the bytes are the same, else a new one
// (frozen, and kept). nullptr, with the exception left pending, if it cannot be made.
napi_value CachedSenderToJs(napi_env env, SenderCache* cache, const sockaddr_storage& address, socklen_t length);
// Lets go of the kept object.
void ClearSenderCache(napi_env env, SenderCache* cache);

// Puts the address encoders on `exports`:
// sockaddrInet(family, address, port, flowinfo, scopeId, into) -> the bytes written into `into`
// (16 for a sockaddr_in, 28 for a sockaddr_in6), or 0 if inet_pton rejects the address text. The
// caller owns `into`: a per-thread scratch reused by every call (lib/address.ts), or a Buffer of
// its own for an address kept across calls.
// sockaddrUnix(pathBytes) -> Buffer, or null if the path does not fit sun_path.
// sockaddrLl(protocol, ifindex, hatype, pkttype, hardwareBytes) -> Buffer: a struct sockaddr_ll,
// the protocol given in host order and stored in network order (htons), as packet(7) wants it.
void RegisterAddress(Napi::Env env, Napi::Object exports);

}  // namespace sockcall
