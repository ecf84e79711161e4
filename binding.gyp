{
  "targets": [
    {
      "target_name": "sockcall",
      "sources": [
        "native/addon.cc",
        "native/address.cc",
        "native/args.cc",
        "native/constants.cc",
        "native/epoll.cc",
        "native/getaddrinfo.cc",
        "native/interfaces.cc",
        "native/ioctl.cc",
        "native/msg.cc",
        "native/poller.cc",
        "native/environment.cc",
        "native/syscalls.cc",
        "native/trace.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
