#include "address.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstddef>
#include <cstdio>
#include <cstring>

#include "args.h"
#include "exports.h"

namespace sockcall {

bool ArgSockaddr(const Napi::CallbackInfo& info, size_t index, sockaddr_storage* out, socklen_t* length) {
  if (index >= info.Length()) {
    Napi::TypeError::New(info.Env(), "argument " + std::to_string(index) + " must be an ArrayBufferView").ThrowAsJavaScriptException();
    return false;
  }
  return ValueSockaddr(info.Env(), info[index], index, out, length);
}

bool ValueSockaddr(Napi::Env env, napi_value value, size_t index, sockaddr_storage* out, socklen_t* length) {
  char* data = nullptr;
  size_t size = 0;
  if (!ValueBytes(env, value, index, &data, &size)) return false;
  if (size < sizeof(sa_family_t) || size > sizeof(sockaddr_storage)) {
    Napi::TypeError::New(env, "argument " + std::to_string(index) + " is not an encoded sockaddr").ThrowAsJavaScriptException();
    return false;
  }
  std::memset(out, 0, sizeof(*out));
  std::memcpy(out, data, size);
  *length = static_cast<socklen_t>(size);
  return true;
}

// Whether `data` is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points above
// U+10FFFF), the bytes a JS string decodes from and encodes back to unchanged.
static bool IsUtf8(const unsigned char* data, size_t length) {
  size_t i = 0;
  while (i < length) {
    const unsigned char byte = data[i];
    if (byte < 0x80) {
      i++;
      continue;
    }
    size_t extra;
    unsigned char low = 0x80, high = 0xbf;  // the range of the byte after the lead
    if (byte >= 0xc2 && byte <= 0xdf) {
      extra = 1;
    } else if (byte >= 0xe0 && byte <= 0xef) {
      extra = 2;
      if (byte == 0xe0) low = 0xa0;
      if (byte == 0xed) high = 0x9f;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      extra = 3;
      if (byte == 0xf0) low = 0x90;
      if (byte == 0xf4) high = 0x8f;
    } else {
      return false;
    }
    if (length - i <= extra) return false;
    if (data[i + 1] < low || data[i + 1] > high) return false;
    for (size_t k = 2; k <= extra; k++) {
      if ((data[i + k] & 0xc0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

Napi::Value SockaddrToJs(Napi::Env env, const sockaddr_storage& address, socklen_t length) {
  Napi::Object result = Napi::Object::New(env);
  char text[INET6_ADDRSTRLEN];
  switch (address.ss_family) {
    case AF_INET: {
      const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
      inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
      result.Set("family", "AF_INET");
      result.Set("address", text);
      result.Set("port", ntohs(in->sin_port));
      break;
    }
    case AF_INET6: {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
      inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
      result.Set("family", "AF_INET6");
      result.Set("address", text);
      result.Set("port", ntohs(in6->sin6_port));
      result.Set("flowinfo", ntohl(in6->sin6_flowinfo));
      result.Set("scopeId", in6->sin6_scope_id);
      break;
    }
    case AF_UNIX: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(&address);
      size_t offset = offsetof(sockaddr_un, sun_path);
      size_t path_length = length > offset ? length - offset : 0;
      if (path_length > sizeof(un->sun_path)) path_length = sizeof(un->sun_path);
      // A pathname is NUL-terminated inside the length; an abstract name (leading NUL) is exactly
      // the length given, NULs and all.
      if (path_length > 0 && un->sun_path[0] != '\0') path_length = strnlen(un->sun_path, path_length);
      result.Set("family", "AF_UNIX");
      // A name is bytes: a string only when it reads back as the same bytes, else a Buffer, so that
      // the address handed back to bind/connect/sendto names the same socket.
      const auto* bytes = reinterpret_cast<const unsigned char*>(un->sun_path);
      if (IsUtf8(bytes, path_length)) {
        result.Set("path", Napi::String::New(env, un->sun_path, path_length));
      } else {
        result.Set("path", Napi::Buffer<char>::Copy(env, un->sun_path, path_length));
      }
      break;
    }
    case AF_PACKET: {
      const auto* ll = reinterpret_cast<const sockaddr_ll*>(&address);
      // The hardware address as 'aa:bb:..', sll_halen bytes of it (none: '').
      char hardware[3 * sizeof(ll->sll_addr)] = {};
      const size_t halen = ll->sll_halen < sizeof(ll->sll_addr) ? ll->sll_halen : sizeof(ll->sll_addr);
      for (size_t i = 0; i < halen; i++) snprintf(hardware + 3 * i, 4, i + 1 < halen ? "%02x:" : "%02x", ll->sll_addr[i]);
      result.Set("family", "AF_PACKET");
      result.Set("protocol", ntohs(ll->sll_protocol));
      result.Set("ifindex", ll->sll_ifindex);
      result.Set("hatype", ll->sll_hatype);
      result.Set("pkttype", ll->sll_pkttype);
      result.Set("address", hardware);
      break;
    }
    default:
      result.Set("family", "AF_UNSPEC");
      result.Set("sa_family", static_cast<double>(address.ss_family));
  }
  return result;
}

napi_value SenderToJs(Napi::Env env, const sockaddr_storage& address, socklen_t length) {
  napi_value sender = nullptr;
  if (length == 0) return napi_get_null(env, &sender) == napi_ok ? sender : nullptr;
  sender = SockaddrToJs(env, address, length);
  bool pending = false;
  return napi_is_exception_pending(env, &pending) == napi_ok && !pending ? sender : nullptr;
}

napi_value CachedSenderToJs(napi_env env, SenderCache* cache, const sockaddr_storage& address, socklen_t length) {
  napi_value sender = nullptr;
  if (length == 0) return SenderToJs(Napi::Env(env), address, length);
  if (cache->object != nullptr && cache->length == length && std::memcmp(&cache->address, &address, length) == 0 &&
      napi_get_reference_value(env, cache->object, &sender) == napi_ok && sender != nullptr) {
    return sender;
  }
  sender = SenderToJs(Napi::Env(env), address, length);
  if (sender == nullptr || napi_object_freeze(env, sender) != napi_ok) return nullptr;
  // A Unix name that is not UTF-8 is a Buffer, which freezing the object leaves writable: a caller
  // writing into it would rename every later datagram from that sender. Such a sender is not kept.
  if (address.ss_family == AF_UNIX) {
    napi_value path;
    bool is_buffer = false;
    if (napi_get_named_property(env, sender, "path", &path) != napi_ok || napi_is_buffer(env, path, &is_buffer) != napi_ok || is_buffer) {
      return sender;
    }
  }
  ClearSenderCache(env, cache);
  if (napi_create_reference(env, sender, 1, &cache->object) == napi_ok) {
    std::memcpy(&cache->address, &address, length);
    cache->length = length;
  }
  return sender;
}

void ClearSenderCache(napi_env env, SenderCache* cache) {
  if (cache->object != nullptr) napi_delete_reference(env, cache->object);
  cache->object = nullptr;
  cache->length = 0;
}

// Copies `address` (`size` bytes) into the view argument `index`, which must hold at least that many.
static Napi::Value WriteSockaddr(const Napi::CallbackInfo& info, size_t index, const void* address, size_t size) {
  char* into = nullptr;
  size_t length = 0;
  if (!ArgBytes(info, index, &into, &length)) return {};
  if (length < size) {
    Napi::RangeError::New(info.Env(), "argument " + std::to_string(index) + " is too small for the sockaddr")
        .ThrowAsJavaScriptException();
    return {};
  }
  std::memcpy(into, address, size);
  return Napi::Number::New(info.Env(), static_cast<double>(size));
}

static Napi::Value SockaddrInet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int family, port, flowinfo, scope_id;
  if (!ArgInt(info, 0, &family)) return {};
  if (info.Length() < 2 || !info[1].IsString()) {
    Napi::TypeError::New(env, "argument 1 must be a string").ThrowAsJavaScriptException();
    return {};
  }
  if (!ArgInt(info, 2, &port) || !ArgInt(info, 3, &flowinfo) || !ArgInt(info, 4, &scope_id)) return {};
  if (family != AF_INET && family != AF_INET6) {
    Napi::RangeError::New(env, "family must be AF_INET or AF_INET6").ThrowAsJavaScriptException();
    return {};
  }
  // The text on the stack: an address longer than any numeric one is refused without a copy.
  char text[INET6_ADDRSTRLEN + 16];
  size_t text_length = 0;
  if (napi_get_value_string_utf8(env, info[1], text, sizeof(text), &text_length) != napi_ok) return {};
  const bool fits = text_length < sizeof(text) - 1;
  if (family == AF_INET) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(static_cast<uint16_t>(port));
    if (!fits || inet_pton(AF_INET, text, &in.sin_addr) != 1) return Napi::Number::New(env, 0);
    return WriteSockaddr(info, 5, &in, sizeof(in));
  }
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(static_cast<uint16_t>(port));
  in6.sin6_flowinfo = htonl(static_cast<uint32_t>(flowinfo));
  in6.sin6_scope_id = static_cast<uint32_t>(scope_id);
  if (!fits || inet_pton(AF_INET6, text, &in6.sin6_addr) != 1) return Napi::Number::New(env, 0);
  return WriteSockaddr(info, 5, &in6, sizeof(in6));
}

static Napi::Value SockaddrUnix(const Napi::CallbackInfo& info) {
  char* path = nullptr;
  size_t path_length = 0;
  if (!ArgBytes(info, 0, &path, &path_length)) return {};
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  bool abstract = path_length > 0 && path[0] == '\0';
  // A pathname needs room for its terminating NUL; an abstract name uses every byte.
  if (path_length + (abstract ? 0 : 1) > sizeof(un.sun_path)) return info.Env().Null();
  if (path_length > 0) std::memcpy(un.sun_path, path, path_length);  // an empty view may have no data pointer
  size_t length = offsetof(sockaddr_un, sun_path) + path_length + (abstract || path_length == 0 ? 0 : 1);
  return Napi::Buffer<char>::Copy(info.Env(), reinterpret_cast<char*>(&un), length);
}

static Napi::Value SockaddrLl(const Napi::CallbackInfo& info) {
  int protocol, ifindex, hatype, pkttype;
  char* hardware = nullptr;
  size_t halen = 0;
  if (!ArgInt(info, 0, &protocol) || !ArgInt(info, 1, &ifindex) || !ArgInt(info, 2, &hatype) || !ArgInt(info, 3, &pkttype) ||
      !ArgBytes(info, 4, &hardware, &halen)) {
    return {};
  }
  sockaddr_ll ll{};
  if (protocol < 0 || protocol > 0xffff || hatype < 0 || hatype > 0xffff || pkttype < 0 || pkttype > 0xff ||
      halen > sizeof(ll.sll_addr)) {
    Napi::RangeError::New(info.Env(), "a sockaddr_ll field is out of range").ThrowAsJavaScriptException();
    return {};
  }
  ll.sll_family = AF_PACKET;
  ll.sll_protocol = htons(static_cast<uint16_t>(protocol));
  ll.sll_ifindex = ifindex;
  ll.sll_hatype = static_cast<unsigned short>(hatype);
  ll.sll_pkttype = static_cast<unsigned char>(pkttype);
  ll.sll_halen = static_cast<unsigned char>(halen);
  if (halen > 0) std::memcpy(ll.sll_addr, hardware, halen);
  return Napi::Buffer<char>::Copy(info.Env(), reinterpret_cast<char*>(&ll), sizeof(ll));
}

void RegisterAddress(Napi::Env env, Napi::Object exports) {
  ExportFunctions(env, exports, {
      {"sockaddrInet", SockaddrInet},  // (family, address, port, flowinfo, scopeId, into) -> bytes written | 0
      {"sockaddrUnix", SockaddrUnix},  // (pathBytes) -> Buffer | null
      {"sockaddrLl", SockaddrLl},      // (protocol, ifindex, hatype, pkttype, hardwareBytes) -> Buffer
  });
}

}  // namespace sockcall
