// The floor of a Node-API call, for comparison with the binding (not part of sockcall): raw
// napi_get_cb_info with a fixed argv, napi_get_value_int32, napi_get_typedarray_info once per
// buffer, napi_create_int32 for the result (-errno on failure), no wrapper objects, no allocation.
#define NAPI_VERSION 8
#include <errno.h>
#include <node_api.h>
#include <sys/socket.h>

static int32_t scratch;  // getsockopt's value: read back by getsockoptValue, not through a typed array

static napi_value Result(napi_env env, long result) {
  napi_value value;
  napi_create_int32(env, result < 0 ? -errno : (int32_t)result, &value);
  return value;
}

static int Int(napi_env env, napi_value value, int32_t* out) {
  // napi_get_value_int32 refuses a non-number (napi_number_expected): the one check kept per argument.
  if (napi_get_value_int32(env, value, out) == napi_ok) return 1;
  napi_throw_type_error(env, NULL, "an int32 argument expected");
  return 0;
}

static int Bytes(napi_env env, napi_value value, void** data, size_t* length) {
  napi_typedarray_type type;
  size_t count;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, &count, data, &buffer, &offset) != napi_ok) {
    napi_throw_type_error(env, NULL, "a TypedArray argument expected");
    return 0;
  }
  static const size_t sizes[] = {1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8};
  *length = count * (type < 11 ? sizes[type] : 1);
  return 1;
}

// getsockoptInt(fd, level, name): the value, or -errno (the value itself may be negative in
// general; this is a floor measurement only).
static napi_value GetsockoptInt(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd, level, name;
  if (argc < 3 || !Int(env, argv[0], &fd) || !Int(env, argv[1], &level) || !Int(env, argv[2], &name)) return NULL;
  socklen_t length = sizeof scratch;
  int result = getsockopt(fd, level, name, &scratch, &length);
  return Result(env, result < 0 ? -1 : scratch);
}

static napi_value Send(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd, flags;
  void* data;
  size_t length;
  if (argc < 3 || !Int(env, argv[0], &fd) || !Bytes(env, argv[1], &data, &length) || !Int(env, argv[2], &flags)) return NULL;
  return Result(env, send(fd, data, length, flags));
}

static napi_value Recv(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd, flags;
  void* data;
  size_t length;
  if (argc < 3 || !Int(env, argv[0], &fd) || !Bytes(env, argv[1], &data, &length) || !Int(env, argv[2], &flags)) return NULL;
  return Result(env, recv(fd, data, length, flags));
}

NAPI_MODULE_INIT() {
  napi_property_descriptor properties[] = {
      {"getsockoptInt", NULL, GetsockoptInt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, Send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recv", NULL, Recv, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, 3, properties);
  return exports;
}
