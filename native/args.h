// Argument guards for the native surface.
//
// The TypeScript layer validates every argument (types, ranges, ownership) before it calls in here,
// and owns the error messages users see. These guards are the last line: they keep a direct caller
// of the binding, or a bug in lib/, from turning a bad value into a crash or a wild pointer. Each
// throws a TypeError/RangeError and returns false, so callers write `if (!ArgInt(...)) return {};`.
#pragma once

#include <napi.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <vector>

namespace sockcall {

// A JS number that is an integer in int32 range.
bool ArgInt(const Napi::CallbackInfo& info, size_t index, int* out);

// A JS number (any double, NaN refused); used for millisecond timeouts.
bool ArgDouble(const Napi::CallbackInfo& info, size_t index, double* out);

// A JS number that is a non-negative integer up to Number.MAX_SAFE_INTEGER (2^53 - 1): a file
// offset or a byte count, exact as a double and within off_t and size_t.
bool ArgSafeSize(const Napi::CallbackInfo& info, size_t index, double* out);

// The same two for a value already in hand (a raw entry point's argv); `index` names the argument.
bool ValueDouble(Napi::Env env, napi_value value, size_t index, double* out);

// Throws the TypeError/RangeError ValueInt owes a value it did not take.
void RefuseInt(Napi::Env env, napi_value value, size_t index);

// Inline: every argument of every hot call goes through it. The one Node-API call is the type
// check (napi_number_expected for anything but a number); a value outside int's range, NaN (which
// fails both comparisons) and a fraction go to RefuseInt, which says which it was. In range first:
// casting a double outside int's range is undefined; the round trip through int is exact only for
// an integer (and cheaper than std::trunc without SSE4.1).
inline bool ValueInt(Napi::Env env, napi_value value, size_t index, int* out) {
  double number;
  if (napi_get_value_double(env, value, &number) == napi_ok && number >= INT_MIN && number <= INT_MAX) {
    const int integer = static_cast<int>(number);
    if (static_cast<double>(integer) == number) {
      *out = integer;
      return true;
    }
  }
  RefuseInt(env, value, index);
  return false;
}

// Any ArrayBufferView (Buffer, TypedArray, DataView): a pointer to its first byte and its length
// in bytes. A detached buffer yields length 0.
bool ArgBytes(const Napi::CallbackInfo& info, size_t index, char** data, size_t* length);

// The same for a value that is not a call argument (an array element); `index` names the argument
// that holds it in error messages.
bool ValueBytes(Napi::Env env, napi_value value, size_t index, char** data, size_t* length);

// An array of ArrayBufferViews, as an iovec list (for sendmsg/recvmsg), at most kMaxIov (bounds.h) of them.
bool ArgBytesArray(const Napi::CallbackInfo& info, size_t index, std::vector<iovec>* out);

// An array of integers, for select/poll fd lists.
bool ArgIntArray(const Napi::CallbackInfo& info, size_t index, std::vector<int>* out);

// The arguments of a raw Node-API entry point, the hottest ones (native/syscalls.h says which):
// one napi_get_cb_info into a fixed array, without node-addon-api's CallbackInfo and its wrapper.
// Arguments not given read as undefined, which every guard above refuses as it would a missing one.
// `ok` is false only where Node-API itself fails (a worker being torn down): return nullptr then.
template <size_t N>
struct RawArgs {
  RawArgs(napi_env js_env, napi_callback_info info) : env(js_env) {
    size_t count = N;
    ok = napi_get_cb_info(js_env, info, &count, argv, nullptr, &data) == napi_ok;
  }
  bool Int(size_t index, int* out) const { return ValueInt(env, argv[index], index, out); }
  bool Bytes(size_t index, char** data, size_t* length) const { return ValueBytes(env, argv[index], index, data, length); }

  Napi::Env env;
  napi_value argv[N];
  void* data = nullptr;  // what the function was created with (napi_create_function's data)
  bool ok;
};

// The result convention of every syscall wrapper: the non-negative result, or -errno. Returning
// the errno instead of throwing keeps the would-block path (EAGAIN) free of exceptions; lib/errors.ts
// turns it into a Node-style error with the address context only the TypeScript layer knows.
// Every result but a MSG_TRUNC count past 2 GiB is an int32, which V8 makes without a heap number.
inline Napi::Value SyscallResult(Napi::Env env, ssize_t result, int error) {
  napi_value value = nullptr;  // raw: see ArgDouble (a failure returns undefined, never aborts)
  if (result < 0) {
    napi_create_int32(env, -error, &value);
  } else if (result <= INT32_MAX) {
    napi_create_int32(env, static_cast<int32_t>(result), &value);
  } else {
    napi_create_double(env, static_cast<double>(result), &value);
  }
  return Napi::Value(env, value);
}

}  // namespace sockcall
