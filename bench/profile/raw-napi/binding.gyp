{
  "targets": [{
    "target_name": "raw",
    "sources": ["raw.c"],
    "cflags": ["-O2"]
  }]
}
