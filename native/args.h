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
#include <vector>

namespace sockcall {

// A JS number that is an integer in int32 range.
bool ArgInt(const Napi::CallbackInfo& info, size_t index, int* out);

// A JS number (any double, NaN refused); used for millisecond timeouts.
bool ArgDouble(const Napi::CallbackInfo& info, size_t index, double* out);

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

// The result convention of every syscall wrapper: the non-negative result, or -errno. Returning
// the errno instead of throwing keeps the would-block path (EAGAIN) free of exceptions; lib/errors.ts
// turns it into a Node-style error with the address context only the TypeScript layer knows.
inline Napi::Value SyscallResult(Napi::Env env, ssize_t result, int error) {
  napi_value value = nullptr;  // raw: see ArgDouble (a failure returns undefined, never aborts)
  napi_create_double(env, result < 0 ? -error : static_cast<double>(result), &value);
  return Napi::Value(env, value);
}

}  // namespace sockcall
