#include "trace.h"

#include <netinet/in.h>

#include <cerrno>
#include <cstring>

#include "address.h"

namespace sockcall {

// strace shows the first 32 bytes of a buffer; a few more let the formatter say "..." truthfully.
static constexpr size_t kShownBytes = 33;

void Trace::Stamp() {
  int saved = errno;
  clock_gettime(CLOCK_REALTIME, &wall_);
  clock_gettime(CLOCK_MONOTONIC, &start_);
  errno = saved;
}

void Trace::Add(napi_value value) {
  if (count_ < kMaxArgs && value != nullptr) args_[count_++] = value;
}

Trace& Trace::Int(double value) {
  if (sink_ == nullptr) return *this;
  napi_value number = nullptr;
  napi_create_double(env_, value, &number);
  Add(number);
  return *this;
}

Trace& Trace::Null() {
  if (sink_ == nullptr) return *this;
  napi_value null = nullptr;
  napi_get_null(env_, &null);
  Add(null);
  return *this;
}

Trace& Trace::Bytes(const void* data, ssize_t length) {
  if (sink_ == nullptr) return *this;
  // Nothing was read or written: strace shows the buffer's address instead.
  if (length < 0) return Int(static_cast<double>(reinterpret_cast<uintptr_t>(data)));
  size_t shown = static_cast<size_t>(length) < kShownBytes ? static_cast<size_t>(length) : kShownBytes;
  napi_value buffer = nullptr;
  napi_create_buffer_copy(env_, shown, data, nullptr, &buffer);
  Add(buffer);
  return *this;
}

Trace& Trace::Sockaddr(const void* address, socklen_t length) {
  if (sink_ == nullptr) return *this;
  napi_value buffer = nullptr;
  napi_value object = nullptr;
  // A tagged object, so the formatter tells an address from data bytes.
  napi_create_buffer_copy(env_, length, address, nullptr, &buffer);
  napi_create_object(env_, &object);
  napi_set_named_property(env_, object, "sockaddr", buffer);
  // An internet address also decoded as getsockname decodes it (inet_ntop), so the formatter prints
  // the same text and never parses sockaddr bytes itself.
  sa_family_t family = AF_UNSPEC;
  if (length >= sizeof(family)) memcpy(&family, address, sizeof(family));
  if ((family == AF_INET && length >= sizeof(sockaddr_in)) || (family == AF_INET6 && length >= sizeof(sockaddr_in6))) {
    sockaddr_storage storage{};
    memcpy(&storage, address, length < sizeof(storage) ? length : sizeof(storage));
    napi_set_named_property(env_, object, "address", SockaddrToJs(Napi::Env(env_), storage, length));
  }
  Add(object);
  return *this;
}

Trace& Trace::Lengths(socklen_t in, socklen_t out) {
  if (sink_ == nullptr) return *this;
  napi_value object = nullptr;
  napi_value value = nullptr;
  napi_create_object(env_, &object);
  napi_create_uint32(env_, in, &value);
  napi_set_named_property(env_, object, "in", value);
  napi_create_uint32(env_, out, &value);
  napi_set_named_property(env_, object, "out", value);
  Add(object);
  return *this;
}

napi_value Trace::IntArray(const int* values, size_t count) {
  if (sink_ == nullptr) return nullptr;
  napi_value array = nullptr;
  napi_create_array_with_length(env_, count, &array);
  for (size_t i = 0; i < count; i++) {
    napi_value value = nullptr;
    napi_create_int32(env_, values[i], &value);
    napi_set_element(env_, array, static_cast<uint32_t>(i), value);
  }
  return array;
}

Trace& Trace::Ints(const int* values, size_t count) {
  if (sink_ == nullptr) return *this;
  Add(IntArray(values, count));
  return *this;
}

Trace& Trace::Iov(const iovec* iov, size_t count, ssize_t valid) {
  if (sink_ == nullptr) return *this;
  // strace shows at most 32 elements of an array; one more lets the formatter say "...".
  const size_t shown = count < kShownBytes ? count : kShownBytes;
  napi_value array = nullptr;
  napi_value object = nullptr;
  napi_create_array_with_length(env_, shown, &array);
  size_t left = valid < 0 ? 0 : static_cast<size_t>(valid);
  for (size_t i = 0; i < shown; i++) {
    napi_value entry = nullptr;
    napi_value base = nullptr;
    napi_value length = nullptr;
    if (valid < 0) {
      napi_create_double(env_, static_cast<double>(reinterpret_cast<uintptr_t>(iov[i].iov_base)), &base);
    } else {
      const size_t used = left < iov[i].iov_len ? left : iov[i].iov_len;
      left -= used;
      napi_create_buffer_copy(env_, used < kShownBytes ? used : kShownBytes, iov[i].iov_base, nullptr, &base);
    }
    napi_create_double(env_, static_cast<double>(iov[i].iov_len), &length);
    napi_create_array_with_length(env_, 2, &entry);
    napi_set_element(env_, entry, 0, base);
    napi_set_element(env_, entry, 1, length);
    napi_set_element(env_, array, static_cast<uint32_t>(i), entry);
  }
  napi_value total = nullptr;
  napi_create_double(env_, static_cast<double>(count), &total);
  napi_create_object(env_, &object);
  napi_set_named_property(env_, object, "iov", array);
  napi_set_named_property(env_, object, "count", total);
  Add(object);
  return *this;
}

Trace& Trace::Group(size_t mark) {
  if (sink_ == nullptr || mark > count_) return *this;
  napi_value array = nullptr;
  napi_create_array_with_length(env_, count_ - mark, &array);
  for (size_t i = mark; i < count_; i++) napi_set_element(env_, array, static_cast<uint32_t>(i - mark), args_[i]);
  count_ = mark;
  Add(array);
  return *this;
}

void Trace::End(const char* name, double result, int error, napi_value detail) {
  if (sink_ == nullptr) return;
  timespec end;
  clock_gettime(CLOCK_MONOTONIC, &end);
  const double duration_ns = static_cast<double>(end.tv_sec - start_.tv_sec) * 1e9 + static_cast<double>(end.tv_nsec - start_.tv_nsec);
  const double start_us = static_cast<double>(wall_.tv_sec) * 1e6 + static_cast<double>(wall_.tv_nsec) / 1e3;
  napi_value argv[8] = {};
  napi_create_string_utf8(env_, name, NAPI_AUTO_LENGTH, &argv[0]);
  napi_create_array_with_length(env_, count_, &argv[1]);
  for (size_t i = 0; i < count_; i++) napi_set_element(env_, argv[1], static_cast<uint32_t>(i), args_[i]);
  napi_create_double(env_, result, &argv[2]);
  napi_create_int32(env_, result < 0 ? error : 0, &argv[3]);
  if (result < 0) {
    napi_create_string_utf8(env_, strerror(error), NAPI_AUTO_LENGTH, &argv[4]);
  } else {
    napi_get_null(env_, &argv[4]);
  }
  if (detail != nullptr) {
    argv[5] = detail;
  } else {
    napi_get_null(env_, &argv[5]);
  }
  napi_create_double(env_, start_us, &argv[6]);
  napi_create_double(env_, duration_ns, &argv[7]);
  napi_value global = nullptr;
  napi_value ignored = nullptr;
  napi_get_global(env_, &global);
  // lib/trace.ts never lets the sink throw (it defers a user's exception); should anything still be
  // pending (a worker being terminated), drop it here: the syscall's own result must get back.
  if (napi_call_function(env_, global, sink_, 8, argv, &ignored) != napi_ok) {
    napi_value exception = nullptr;
    napi_get_and_clear_last_exception(env_, &exception);
  }
  count_ = 0;
  errno = error;
}

}  // namespace sockcall
