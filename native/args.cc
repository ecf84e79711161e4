#include "args.h"

#include <cerrno>
#include <climits>
#include <cmath>
#include <string>

#include "bounds.h"

namespace sockcall {

static bool Fail(Napi::Env env, const std::string& message, bool range) {
  if (range) {
    Napi::RangeError::New(env, message).ThrowAsJavaScriptException();
  } else {
    Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  }
  return false;
}

bool ValueDouble(Napi::Env env, napi_value value, size_t index, double* out) {
  // Raw Node-API: in a worker being terminated these calls fail, and node-addon-api's wrappers
  // would turn that into a fatal error. A failed call returns false with nothing thrown (the
  // environment is going away; there is no one to throw to). napi_get_value_double is also the
  // type check: it answers napi_number_expected for anything but a number (undefined included).
  double number;
  const napi_status status = napi_get_value_double(env, value, &number);
  if (status == napi_number_expected) {
    return Fail(env, "argument " + std::to_string(index) + " must be a number", false);
  }
  if (status != napi_ok) return false;
  if (std::isnan(number)) {
    return Fail(env, "argument " + std::to_string(index) + " must not be NaN", true);
  }
  *out = number;
  return true;
}

void RefuseInt(Napi::Env env, napi_value value, size_t index) {
  double number;
  if (!ValueDouble(env, value, index, &number)) return;  // not a number, NaN, or Node-API failing
  Fail(env, "argument " + std::to_string(index) + " must be an int32", true);
}

bool ArgDouble(const Napi::CallbackInfo& info, size_t index, double* out) {
  if (index >= info.Length()) return Fail(info.Env(), "argument " + std::to_string(index) + " must be a number", false);
  return ValueDouble(info.Env(), info[index], index, out);
}

bool ArgSafeSize(const Napi::CallbackInfo& info, size_t index, double* out) {
  double number;
  if (!ArgDouble(info, index, &number)) return false;
  if (!(number >= 0 && number <= 9007199254740991.0 && std::trunc(number) == number)) {
    return Fail(info.Env(), "argument " + std::to_string(index) + " must be an integer >= 0 and <= 2^53 - 1", true);
  }
  *out = number;
  return true;
}

bool ArgInt(const Napi::CallbackInfo& info, size_t index, int* out) {
  if (index >= info.Length()) return Fail(info.Env(), "argument " + std::to_string(index) + " must be a number", false);
  return ValueInt(info.Env(), info[index], index, out);
}

bool ArgBytes(const Napi::CallbackInfo& info, size_t index, char** data, size_t* length) {
  if (index >= info.Length()) {
    return Fail(info.Env(), "argument " + std::to_string(index) + " must be an ArrayBufferView", false);
  }
  return ValueBytes(info.Env(), info[index], index, data, length);
}

bool ValueBytes(Napi::Env js_env, napi_value value, size_t index, char** data, size_t* length) {
  napi_env env = js_env;
  bool is_data_view = false;
  // napi_get_typedarray_info is the type check too: napi_invalid_arg, nothing thrown, for anything
  // but a TypedArray (one call where napi_is_typedarray first made two).
  napi_typedarray_type type;
  size_t element_count = 0;
  void* pointer = nullptr;
  const napi_status status = napi_get_typedarray_info(env, value, &type, &element_count, &pointer, nullptr, nullptr);
  if (status == napi_ok) {
    size_t element_size = 1;
    switch (type) {
      case napi_int16_array: case napi_uint16_array:
        element_size = 2; break;
      case napi_int32_array: case napi_uint32_array: case napi_float32_array:
        element_size = 4; break;
      case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array:
        element_size = 8; break;
      default:
        element_size = 1;
    }
    *data = static_cast<char*>(pointer);
    *length = pointer == nullptr ? 0 : element_count * element_size;
    return true;
  }
  if (status != napi_invalid_arg) return false;  // Node-API failing (a worker being torn down)
  napi_is_dataview(env, value, &is_data_view);
  if (is_data_view) {
    size_t byte_length = 0;
    void* pointer = nullptr;
    if (napi_get_dataview_info(env, value, &byte_length, &pointer, nullptr, nullptr) != napi_ok) {
      return Fail(js_env, "cannot read the DataView", false);
    }
    *data = static_cast<char*>(pointer);
    *length = pointer == nullptr ? 0 : byte_length;
    return true;
  }
  return Fail(js_env, "argument " + std::to_string(index) + " must be an ArrayBufferView", false);
}

bool ArgBytesArray(const Napi::CallbackInfo& info, size_t index, std::vector<iovec>* out) {
  if (index >= info.Length() || !info[index].IsArray()) {
    return Fail(info.Env(), "argument " + std::to_string(index) + " must be an array", false);
  }
  Napi::Array array = info[index].As<Napi::Array>();
  const uint32_t count = array.Length();
  // The kernel refuses more (EMSGSIZE); refusing here keeps a huge sparse array from being walked.
  if (count > kMaxIov) return Fail(info.Env(), "argument " + std::to_string(index) + " holds too many buffers", true);
  for (uint32_t i = 0; i < count; i++) {
    Napi::Value item = array.Get(i);
    if (info.Env().IsExceptionPending()) return false;
    char* data;
    size_t length;
    if (!ValueBytes(info.Env(), item, index, &data, &length)) return false;
    out->push_back(iovec{data, length});
  }
  return true;
}

bool ArgIntArray(const Napi::CallbackInfo& info, size_t index, std::vector<int>* out) {
  if (index >= info.Length() || !info[index].IsArray()) {
    return Fail(info.Env(), "argument " + std::to_string(index) + " must be an array", false);
  }
  Napi::Array array = info[index].As<Napi::Array>();
  uint32_t count = array.Length();
  // No reserve(count): a sparse array can claim 2^32-1 elements, and a failed allocation aborts
  // with C++ exceptions off. A hole is refused at the first element, before the vector grows.
  for (uint32_t i = 0; i < count; i++) {
    Napi::Value item = array.Get(i);
    // A throwing getter leaves its exception pending; throwing a second one would be fatal.
    if (info.Env().IsExceptionPending()) return false;
    if (!item.IsNumber()) {
      return Fail(info.Env(), "argument " + std::to_string(index) + " must hold numbers", false);
    }
    double value = item.As<Napi::Number>().DoubleValue();
    if (!(value >= INT_MIN && value <= INT_MAX) || value != std::trunc(value)) {
      return Fail(info.Env(), "argument " + std::to_string(index) + " must hold int32 values", true);
    }
    out->push_back(static_cast<int>(value));
  }
  return true;
}

}  // namespace sockcall
