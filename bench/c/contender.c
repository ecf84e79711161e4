/*
 * sockcall benchmark: the C contender, the physical limit of this machine, and the load generator
 * for the "many" workload. One binary for every role and workload of the benchmark protocol (the
 * runner, bench/run.mjs, starts it):
 *
 *   contender ROLE WORKLOAD key=value ...
 *
 *   server pingpong port=0 size=S              client pingpong port=P size=S count=N warmup=W
 *   server bulk port=0 size=S total=T          client bulk port=P size=S total=T
 *   server connrate port=0                     client connrate port=P count=N warmup=W
 *   server many port=0 size=S  (epoll)         client many port=P conns=N size=S seconds=D [pause=1] (epoll)
 *   server http port=0  (epoll)                client http port=P conns=N seconds=D (epoll)
 *   server file port=0 path=F method=sendfile|read+send chunk=C times=N
 *                                              client file port=P size=S
 *   server udp port=0 size=S seconds=D api=plain|mmsg   client udp port=P size=S seconds=D api=plain|mmsg
 *   client overhead count=N op=getsockopt|recvdata|eagain|tryeagain
 *
 * Servers print "READY <port>", measuring sides "RESULT <json>". Errors: stderr, exit 1.
 * Plain blocking sockets as in a textbook, except "many" and "http" (non-blocking, epoll, one thread).
 *
 * "many" with pause=1: once every connection has made one round trip (so the server has accepted
 * it and waits in a recv on it), the load generator prints "IDLE <conns>" and reads a line from
 * stdin before the measured ping-pong starts; meanwhile the runner measures the server's memory.
 *
 * "http": HTTP/1.1 keep-alive, one request in flight per connection (no pipelining). The server's
 * parsing is the minimal one every contender shares: a request ends at "\r\n\r\n"; a request may
 * arrive split across reads and several may arrive in one read, each gets the fixed response. The
 * load generator checks every response: status 200, Content-Length, the body, nothing beyond it.
 *
 * "file": the server sends the file F N times over to the one client that connects, by a sendfile()
 * loop or by pread() of C bytes and send() of them, then closes; the client receives and discards
 * until EOF (S bytes in all) and measures from its first byte to EOF. Other methods: UNSUPPORTED.
 * "udp": datagrams of S bytes over 127.0.0.1, one sender (the client) and one receiver (the server).
 * The receiver binds, sets SO_RCVBUF to 4 MiB (as far as net.core.rmem_max allows), prints READY,
 * and from its first datagram on, for D seconds, runs cycles: it reads nothing for UDP_FILL_MS while
 * the sender fills its queue (the kernel drops what has no room), then drains it with MSG_DONTWAIT:
 * UDP_DRAIN datagrams, or fewer at EAGAIN or the end of the window. RESULT: the datagrams drained
 * over the time spent draining (from the start of each drain to its last datagram), what the
 * receiver takes in when it never waits for the sender. The sender is connected and sends as fast as
 * it can until SO_ERROR says ECONNREFUSED (the receiver is gone) or D + 1 seconds have passed.
 * api=plain: recvfrom(2) / send(2), one datagram per call; api=mmsg: recvmmsg(2) / sendmmsg(2),
 * UDP_BATCH datagrams per call.
 *
 * Build: cc -O2 -Wall -o bench/build/contender bench/c/contender.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- helpers */

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("contender: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

static void die_errno(const char *what) { die("%s: %s", what, strerror(errno)); }

static int g_argc;
static char **g_argv;

/* The value of key=value among the arguments after ROLE WORKLOAD, or `def`. */
static long long arg_num(const char *key, long long def) {
  size_t len = strlen(key);
  for (int i = 3; i < g_argc; i++) {
    if (strncmp(g_argv[i], key, len) == 0 && g_argv[i][len] == '=') {
      char *end;
      errno = 0;
      long long v = strtoll(g_argv[i] + len + 1, &end, 10);
      if (errno || *end || end == g_argv[i] + len + 1) die("bad number in %s", g_argv[i]);
      return v;
    }
  }
  if (def < 0) die("missing %s=", key);
  return def;
}

static const char *arg_str(const char *key) {
  size_t len = strlen(key);
  for (int i = 3; i < g_argc; i++) {
    if (strncmp(g_argv[i], key, len) == 0 && g_argv[i][len] == '=') return g_argv[i] + len + 1;
  }
  die("missing %s=", key);
  return NULL;
}

static inline uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons((uint16_t)port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sin;
}

static void set_nodelay(int fd) {
  int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) die_errno("setsockopt TCP_NODELAY");
}

/* socket, SO_REUSEADDR, bind 127.0.0.1:port, listen 511, print READY <port>. */
static int listen_on(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die_errno("socket");
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) die_errno("setsockopt SO_REUSEADDR");
  struct sockaddr_in sin = loopback(port);
  if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0) die_errno("bind");
  if (listen(fd, 511) < 0) die_errno("listen");
  socklen_t len = sizeof sin;
  if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0) die_errno("getsockname");
  printf("READY %d\n", ntohs(sin.sin_port));
  fflush(stdout);
  return fd;
}

static int accept_one(int lfd) {
  for (;;) {
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0) return fd;
    if (errno != EINTR) die_errno("accept");
  }
}

static int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die_errno("socket");
  struct sockaddr_in sin = loopback(port);
  if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) die_errno("connect");
  return fd;
}

/* Reads exactly len bytes. Returns 0 on success, 1 on EOF before the first byte; dies otherwise. */
static int recv_exact(int fd, char *buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = recv(fd, buf + got, len - got, 0);
    if (n > 0) {
      got += (size_t)n;
    } else if (n == 0) {
      if (got == 0) return 1;
      die("recv: EOF after %zu of %zu bytes", got, len);
    } else if (errno != EINTR) {
      die_errno("recv");
    }
  }
  return 0;
}

static void send_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
    if (n >= 0) {
      buf += n;
      len -= (size_t)n;
    } else if (errno != EINTR) {
      die_errno("send");
    }
  }
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted values: the smallest value with at least p of them <= it. */
static uint64_t percentile(const uint64_t *sorted, long long n, double p) {
  long long rank = (long long)(p * (double)n + 0.999999999);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return sorted[rank - 1];
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) die("out of memory (%zu bytes)", n);
  return p;
}

/* ---------------------------------------------------------------- pingpong */

static int server_pingpong(void) {
  int port = (int)arg_num("port", 0);
  size_t size = (size_t)arg_num("size", -1);
  if (size < 1) die("size must be >= 1");
  int lfd = listen_on(port);
  int fd = accept_one(lfd);
  close(lfd);
  set_nodelay(fd);
  char *buf = xmalloc(size);
  while (recv_exact(fd, buf, size) == 0) send_all(fd, buf, size);
  close(fd);
  free(buf);
  return 0;
}

static int client_pingpong(void) {
  int port = (int)arg_num("port", -1);
  size_t size = (size_t)arg_num("size", -1);
  long long count = arg_num("count", -1);
  long long warmup = arg_num("warmup", 0);
  if (size < 1 || count < 1) die("size and count must be >= 1");
  char *msg = xmalloc(size), *buf = xmalloc(size);
  for (size_t i = 0; i < size; i++) msg[i] = (char)((i * 7 + 3) & 255);
  uint64_t *lat = xmalloc(sizeof *lat * (size_t)count);

  int fd = connect_to(port);
  set_nodelay(fd);
  for (long long i = 0; i < warmup; i++) {
    send_all(fd, msg, size);
    if (recv_exact(fd, buf, size)) die("recv: server closed");
  }
  uint64_t start = now_ns();
  for (long long i = 0; i < count; i++) {
    uint64_t t0 = now_ns();
    send_all(fd, msg, size);
    if (recv_exact(fd, buf, size)) die("recv: server closed");
    lat[i] = now_ns() - t0;
    if ((i == 0 || i == count - 1) && memcmp(buf, msg, size) != 0) die("echo mismatch in round trip %lld", i);
  }
  double seconds = (double)(now_ns() - start) / 1e9;
  close(fd);

  qsort(lat, (size_t)count, sizeof *lat, cmp_u64);
  printf("RESULT {\"roundTrips\":%lld,\"seconds\":%.9f,\"perSec\":%.3f,\"p50us\":%.3f,\"p99us\":%.3f}\n", count, seconds,
         (double)count / seconds, percentile(lat, count, 0.50) / 1e3, percentile(lat, count, 0.99) / 1e3);
  free(msg);
  free(buf);
  free(lat);
  return 0;
}

/* ---------------------------------------------------------------- bulk */

/* S + 251 bytes of the stream pattern (byte at stream offset k = k % 251): the bytes at stream
 * offset k onward are pattern + k % 251. */
static char *bulk_pattern(size_t size) {
  char *p = xmalloc(size + 251);
  for (size_t i = 0; i < size + 251; i++) p[i] = (char)(i % 251);
  return p;
}

static int server_bulk(void) {
  int port = (int)arg_num("port", 0);
  size_t size = (size_t)arg_num("size", -1);
  long long total = arg_num("total", -1);
  if (size < 1 || total < 1) die("size and total must be >= 1");
  char *pattern = bulk_pattern(size);
  char *buf = xmalloc(size);
  int lfd = listen_on(port);
  int fd = accept_one(lfd);
  close(lfd);

  long long got = 0;
  size_t phase = 0; /* stream offset % 251, a running counter */
  uint64_t start = 0;
  while (got < total) {
    size_t want = (long long)size < total - got ? size : (size_t)(total - got);
    ssize_t n = recv(fd, buf, want, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      die_errno("recv");
    }
    if (n == 0) die("recv: EOF after %lld of %lld bytes", got, total);
    if (got == 0) start = now_ns();
    if (memcmp(buf, pattern + phase, (size_t)n) != 0) die("data mismatch in the %zd bytes at stream offset %lld", n, got);
    got += n;
    phase = (phase + (size_t)n) % 251;
  }
  double seconds = (double)(now_ns() - start) / 1e9;
  close(fd);
  printf("RESULT {\"bytes\":%lld,\"seconds\":%.9f,\"gibPerSec\":%.6f,\"verified\":true}\n", total, seconds,
         (double)total / seconds / 1073741824.0);
  free(pattern);
  free(buf);
  return 0;
}

static int client_bulk(void) {
  int port = (int)arg_num("port", -1);
  size_t size = (size_t)arg_num("size", -1);
  long long total = arg_num("total", -1);
  if (size < 1 || total < 1) die("size and total must be >= 1");
  char *pattern = bulk_pattern(size);
  int fd = connect_to(port);
  for (long long off = 0; off < total;) {
    size_t len = (long long)size < total - off ? size : (size_t)(total - off);
    send_all(fd, pattern + off % 251, len);
    off += (long long)len;
  }
  close(fd);
  free(pattern);
  return 0;
}

/* ---------------------------------------------------------------- file */

static int server_file(void) {
  int port = (int)arg_num("port", 0);
  const char *path = arg_str("path");
  const char *method = arg_str("method");
  size_t chunk = (size_t)arg_num("chunk", 65536);
  long long times = arg_num("times", 1);
  int use_sendfile = strcmp(method, "sendfile") == 0;
  if (!use_sendfile && strcmp(method, "read+send") != 0) {
    printf("UNSUPPORTED\n");
    return 0;
  }
  int file = open(path, O_RDONLY | O_CLOEXEC);
  if (file < 0) die_errno("open");
  struct stat st;
  if (fstat(file, &st) < 0) die_errno("fstat");
  char *buf = use_sendfile ? NULL : xmalloc(chunk);
  int lfd = listen_on(port);
  int fd = accept_one(lfd);
  close(lfd);
  for (long long round = 0; round < times; round++) {
    if (use_sendfile) {
      for (off_t offset = 0; offset < st.st_size;) {
        ssize_t n = sendfile(fd, file, &offset, (size_t)(st.st_size - offset));
        if (n < 0 && errno != EINTR) die_errno("sendfile");
        if (n == 0) die("sendfile: the file ended at %lld of %lld bytes", (long long)offset, (long long)st.st_size);
      }
    } else {
      for (off_t offset = 0;;) {
        ssize_t n = pread(file, buf, chunk, offset);
        if (n < 0) {
          if (errno == EINTR) continue;
          die_errno("pread");
        }
        if (n == 0) break;
        send_all(fd, buf, (size_t)n);
        offset += n;
      }
    }
  }
  close(fd);
  close(file);
  free(buf);
  return 0;
}

static int client_file(void) {
  int port = (int)arg_num("port", -1);
  long long size = arg_num("size", -1);
  size_t cap = 1 << 20;
  char *buf = xmalloc(cap);
  int fd = connect_to(port);
  long long got = 0;
  uint64_t start = 0;
  for (;;) {
    ssize_t n = recv(fd, buf, cap, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      die_errno("recv");
    }
    if (n == 0) break;
    if (got == 0) start = now_ns();
    got += n;
  }
  double seconds = (double)(now_ns() - start) / 1e9;
  close(fd);
  if (got != size) die("received %lld of the file's %lld bytes", got, size);
  printf("RESULT {\"bytes\":%lld,\"seconds\":%.9f,\"gibPerSec\":%.6f}\n", got, seconds, (double)got / seconds / 1073741824.0);
  free(buf);
  return 0;
}

/* ---------------------------------------------------------------- connrate */

static _Noreturn void server_connrate(void) {
  int lfd = listen_on((int)arg_num("port", 0));
  for (;;) close(accept_one(lfd));
}

static void connect_and_wait_eof(const struct sockaddr_in *sin) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die_errno("socket");
  if (connect(fd, (const struct sockaddr *)sin, sizeof *sin) < 0) die_errno("connect");
  char b;
  for (;;) {
    ssize_t n = recv(fd, &b, 1, 0);
    if (n == 0) break;
    if (n < 0 && errno != EINTR) die_errno("recv");
  }
  close(fd);
}

static int client_connrate(void) {
  int port = (int)arg_num("port", -1);
  long long count = arg_num("count", -1);
  long long warmup = arg_num("warmup", 0);
  if (count < 1) die("count must be >= 1");
  struct sockaddr_in sin = loopback(port);
  for (long long i = 0; i < warmup; i++) connect_and_wait_eof(&sin);
  uint64_t start = now_ns();
  for (long long i = 0; i < count; i++) connect_and_wait_eof(&sin);
  double seconds = (double)(now_ns() - start) / 1e9;
  printf("RESULT {\"connections\":%lld,\"seconds\":%.9f,\"perSec\":%.3f}\n", count, seconds, (double)count / seconds);
  return 0;
}

/* ---------------------------------------------------------------- many: server */

/* ---------------------------------------------------------------- epoll servers: many, http */

/* listen_on, non-blocking, in a new epoll set (data.ptr NULL: the listener). Returns the epoll fd. */
static int epoll_server(int port, int *lfd) {
  *lfd = listen_on(port);
  if (fcntl(*lfd, F_SETFL, O_NONBLOCK) < 0) die_errno("fcntl");
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die_errno("epoll_create1");
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, *lfd, &ev) < 0) die_errno("epoll_ctl");
  return ep;
}

static int epoll_wait_retrying(int ep, struct epoll_event *events, int max) {
  for (;;) {
    int n = epoll_wait(ep, events, max, -1);
    if (n >= 0) return n;
    if (errno != EINTR) die_errno("epoll_wait");
  }
}

/* The next connection waiting on the non-blocking listener, non-blocking with TCP_NODELAY, or -1
 * when there is none. */
static int accept_next(int lfd) {
  for (;;) {
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      set_nodelay(fd);
      return fd;
    }
    if (errno == EAGAIN) return -1;
    if (errno != EINTR && errno != ECONNABORTED) die_errno("accept");
  }
}

/* One echo connection: bytes read but not yet written back wait in pending. */
struct echo_conn {
  int fd;
  size_t pending_off, pending_len;
  char *buf; /* size bytes */
};

static void echo_close(int ep, struct echo_conn *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->buf);
  free(c);
}

/* Writes what is pending. Returns 1 when all of it went, 0 on EAGAIN, -1 on error. */
static int echo_flush(struct echo_conn *c) {
  while (c->pending_len > 0) {
    ssize_t n = send(c->fd, c->buf + c->pending_off, c->pending_len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN ? 0 : -1;
    }
    c->pending_off += (size_t)n;
    c->pending_len -= (size_t)n;
  }
  return 1;
}

static _Noreturn void server_many(void) {
  size_t size = (size_t)arg_num("size", -1);
  if (size < 1) die("size must be >= 1");
  int lfd;
  int ep = epoll_server((int)arg_num("port", 0), &lfd);
  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait_retrying(ep, events, 256);
    for (int i = 0; i < n; i++) {
      struct echo_conn *c = events[i].data.ptr;
      if (c == NULL) {
        int fd;
        while ((fd = accept_next(lfd)) >= 0) {
          c = xmalloc(sizeof *c);
          c->fd = fd;
          c->pending_off = c->pending_len = 0;
          c->buf = xmalloc(size);
          struct epoll_event cev = {.events = EPOLLIN, .data.ptr = c};
          if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev) < 0) die_errno("epoll_ctl");
        }
        continue;
      }
      if (c->pending_len > 0) { /* EPOLLOUT: finish the echo, then read again */
        int r = echo_flush(c);
        if (r < 0) {
          echo_close(ep, c);
        } else if (r > 0) {
          struct epoll_event cev = {.events = EPOLLIN, .data.ptr = c};
          epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &cev);
        }
        continue;
      }
      ssize_t got = recv(c->fd, c->buf, size, 0);
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (got <= 0) { /* EOF or error (a reset when the load generator leaves) */
        echo_close(ep, c);
        continue;
      }
      c->pending_off = 0;
      c->pending_len = (size_t)got;
      int r = echo_flush(c);
      if (r < 0) {
        echo_close(ep, c);
      } else if (r == 0) {
        struct epoll_event cev = {.events = EPOLLOUT, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &cev);
      }
    }
  }
}

/* ---------------------------------------------------------------- load generators: many, http */

/* One connection of a load generator (many and http). */
struct load_conn {
  int fd;
  int connected;
  size_t sent, received; /* in the current round trip (http: received = bytes in `in`) */
  uint32_t events;       /* what epoll watches now */
  char *in;              /* http: the response so far */
};

static void load_watch(int ep, struct load_conn *c, uint32_t events) {
  if (c->events == events) return;
  struct epoll_event ev = {.events = events, .data.ptr = c};
  if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) die_errno("epoll_ctl");
  c->events = events;
}

/* Sends what is left of the current message; then waits to read. */
static void load_send(int ep, struct load_conn *c, const char *msg, size_t size) {
  while (c->sent < size) {
    ssize_t n = send(c->fd, msg + c->sent, size - c->sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        load_watch(ep, c, EPOLLOUT);
        return;
      }
      die_errno("send");
    }
    c->sent += (size_t)n;
  }
  load_watch(ep, c, EPOLLIN);
}

/* Connections being set up at once, at most: enough to keep the server's accept queue busy, few
 * enough that a listen backlog of 511 does not overflow into SYN retransmissions (a second each)
 * at 10,000. (A connect completes once the kernel has queued it, before the server accepts it; see
 * load_open for the stricter bound.) */
#define CONNECTS_IN_FLIGHT 256

static void load_connect_one(int ep, struct load_conn *c, const struct sockaddr_in *sin) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) {
    if (errno == EMFILE) die("socket: %s (raise the open-file limit: ulimit -n)", strerror(errno));
    die_errno("socket");
  }
  set_nodelay(c->fd);
  c->connected = 0;
  c->sent = c->received = 0;
  c->events = EPOLLOUT;
  if (connect(c->fd, (const struct sockaddr *)sin, sizeof *sin) < 0 && errno != EINPROGRESS) die_errno("connect");
  struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) die_errno("epoll_ctl");
}

/* The measured window: warm-up, then D seconds. A load generator's loop calls it once per turn
 * with its running count; it returns the epoll timeout, or -1 when the window is over. */
struct window {
  uint64_t warm_end, end, start;
  long long at_start;
  int warm;
};

static struct window window_open(void) {
  struct window w = {.warm_end = now_ns() + 500000000ull, .end = UINT64_MAX, .warm = 1};
  return w;
}

static int window_turn(struct window *w, long long count, long long seconds) {
  uint64_t t = now_ns();
  if (w->warm && t >= w->warm_end) {
    w->warm = 0;
    w->start = t;
    w->end = t + (uint64_t)seconds * 1000000000ull;
    w->at_start = count;
  }
  if (t >= w->end) return -1;
  return (int)(((w->warm ? w->warm_end : w->end) - t) / 1000000u) + 1;
}

/* Reads what arrived for the current exchange into `scratch` (or the connection's own buffer);
 * returns 1 when the reply is complete and checked. */
typedef int (*reply_reader)(struct load_conn *c, char *scratch, size_t size);

/* The measured part of a load generator: every connection sends `msg` and reads the reply with
 * `read_reply`, again and again, through the warm-up and D seconds. Returns the replies in the
 * window; *seconds is its length. */
static long long load_measure(int ep, struct load_conn *cs, long long conns, struct epoll_event *events, int nevents,
                              const char *msg, size_t size, reply_reader read_reply, char *scratch, long long seconds_arg,
                              double *seconds) {
  for (long long i = 0; i < conns; i++) load_send(ep, &cs[i], msg, size);
  long long replies = 0;
  struct window w = window_open();
  for (;;) {
    int timeout_ms = window_turn(&w, replies, seconds_arg);
    if (timeout_ms < 0) break;
    int n = epoll_wait(ep, events, nevents, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      die_errno("epoll_wait");
    }
    for (int i = 0; i < n; i++) {
      struct load_conn *c = events[i].data.ptr;
      if (c->sent < size) { /* writable again */
        load_send(ep, c, msg, size);
      } else if (read_reply(c, scratch, size)) {
        replies++;
        load_send(ep, c, msg, size);
      }
    }
  }
  *seconds = (double)(now_ns() - w.start) / 1e9;
  return replies - w.at_start;
}

/* Opens every connection and leaves it idle. With `msg`, each first makes one exchange (send msg,
 * read the reply with `read_reply`), so that the server has accepted it and waits in a recv on it;
 * a connection is in flight until then, which bounds the server's accept queue by
 * CONNECTS_IN_FLIGHT too. Without (NULL), a connection is done once connected. */
static void load_open(int ep, int port, struct load_conn *cs, long long conns, struct epoll_event *events, int nevents,
                      const char *msg, size_t size, reply_reader read_reply, char *scratch) {
  struct sockaddr_in sin = loopback(port);
  long long started = 0, in_flight = 0, done = 0;
  uint64_t deadline = now_ns() + 60000000000ull;
  while (done < conns) {
    while (started < conns && in_flight < CONNECTS_IN_FLIGHT) {
      load_connect_one(ep, &cs[started++], &sin);
      in_flight++;
    }
    int n = epoll_wait(ep, events, nevents, 1000);
    if (n < 0) {
      if (errno == EINTR) continue;
      die_errno("epoll_wait");
    }
    if (now_ns() > deadline) die("%lld of %lld connections open%s after 60 s", done, conns, msg ? " and answered" : "");
    for (int i = 0; i < n; i++) {
      struct load_conn *c = events[i].data.ptr;
      int finished = 0;
      if (!c->connected) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) die_errno("getsockopt SO_ERROR");
        if (err) die("connect: %s", strerror(err));
        c->connected = 1;
        if (msg) load_send(ep, c, msg, size);
        else finished = 1;
      } else if (c->sent < size) {
        load_send(ep, c, msg, size);
      } else {
        finished = read_reply(c, scratch, size);
      }
      if (finished) {
        load_watch(ep, c, 0); /* idle until the start */
        in_flight--;
        done++;
      }
    }
  }
}

/* One recv on a load generator's connection: the bytes read, 0 on EAGAIN; dies at EOF or on an
 * error (the server must keep every connection). */
static size_t load_recv(struct load_conn *c, char *buf, size_t len) {
  for (;;) {
    ssize_t got = recv(c->fd, buf, len, 0);
    if (got > 0) return (size_t)got;
    if (got == 0) die("recv: the server closed a connection");
    if (errno == EAGAIN) return 0;
    if (errno != EINTR) die_errno("recv");
  }
}

/* many: reads the echo of the current round trip into buf; returns 1 when it is complete. */
static int many_on_readable(struct load_conn *c, char *buf, size_t size) {
  size_t got = load_recv(c, buf, size - c->received);
  if (got == 0) return 0;
  c->received += got;
  if (c->received < size) return 0;
  c->sent = c->received = 0;
  return 1;
}

static int client_many(void) {
  int port = (int)arg_num("port", -1);
  long long conns = arg_num("conns", -1);
  size_t size = (size_t)arg_num("size", -1);
  long long seconds_arg = arg_num("seconds", -1);
  int pause = (int)arg_num("pause", 0);
  if (conns < 1 || size < 1 || seconds_arg < 1) die("conns, size and seconds must be >= 1");
  char *msg = xmalloc(size), *buf = xmalloc(size);
  for (size_t i = 0; i < size; i++) msg[i] = (char)((i * 7 + 3) & 255);
  struct load_conn *cs = xmalloc(sizeof *cs * (size_t)conns);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die_errno("epoll_create1");
  int nevents = conns < 1024 ? (int)conns : 1024;
  struct epoll_event *events = xmalloc(sizeof *events * (size_t)nevents);
  if (pause) {
    load_open(ep, port, cs, conns, events, nevents, msg, size, many_on_readable, buf);
    printf("IDLE %lld\n", conns);
    fflush(stdout);
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL) die("stdin closed while the connections were idle");
  } else {
    load_open(ep, port, cs, conns, events, nevents, NULL, 0, NULL, NULL);
  }

  double seconds;
  long long total = load_measure(ep, cs, conns, events, nevents, msg, size, many_on_readable, buf, seconds_arg, &seconds);
  for (long long i = 0; i < conns; i++) close(cs[i].fd);
  close(ep);
  printf("RESULT {\"conns\":%lld,\"roundTrips\":%lld,\"seconds\":%.9f,\"perSec\":%.3f}\n", conns, total, seconds,
         (double)total / seconds);
  free(events);
  free(cs);
  free(msg);
  free(buf);
  return 0;
}

/* ---------------------------------------------------------------- http */

/* The fixed exchange; bench/contenders/protocol.mjs holds the same bytes for the JS servers. */
#define HTTP_BODY "Hello, World!"
static const char HTTP_RESPONSE[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\n" HTTP_BODY;
#define HTTP_RESPONSE_LEN (sizeof HTTP_RESPONSE - 1)
/* A request or a response longer than this is refused (the server closes; the client dies). */
#define HTTP_IN 1024

/* The minimal parsing: the requests complete in buf[0, len), each ending at the first "\r\n\r\n"
 * after the one before. Returns how many; *consumed is where the last one ended. */
static size_t http_requests(const char *buf, size_t len, size_t *consumed) {
  size_t count = 0, at = 0;
  const char *end;
  while ((end = memmem(buf + at, len - at, "\r\n\r\n", 4)) != NULL) {
    at = (size_t)(end - buf) + 4;
    count++;
  }
  *consumed = at;
  return count;
}

struct http_conn {
  int fd;
  size_t have;                  /* request bytes in `in` */
  char *out;                    /* responses not yet sent (after EAGAIN), or NULL */
  size_t out_off, out_len;
  char in[HTTP_IN];
};

static void http_close(int ep, struct http_conn *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->out);
  free(c);
}

/* Sends what is pending; returns 1 when all of it went, 0 on EAGAIN, -1 on error. */
static int http_flush(struct http_conn *c) {
  while (c->out_off < c->out_len) {
    ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN ? 0 : -1;
    }
    c->out_off += (size_t)n;
  }
  free(c->out);
  c->out = NULL;
  c->out_off = c->out_len = 0;
  return 1;
}

/* Reads what is there, answers every complete request in one send. Returns 0 to keep the
 * connection, -1 to close it (EOF, error, a request over HTTP_IN bytes). */
static int http_on_readable(int ep, struct http_conn *c) {
  static char responses[(HTTP_IN / 4 + 1) * HTTP_RESPONSE_LEN];
  for (;;) {
    ssize_t got = recv(c->fd, c->in + c->have, HTTP_IN - c->have, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN ? 0 : -1;
    }
    if (got == 0) return -1;
    c->have += (size_t)got;
    size_t consumed;
    size_t count = http_requests(c->in, c->have, &consumed);
    if (count == 0) return c->have == HTTP_IN ? -1 : 0;
    memmove(c->in, c->in + consumed, c->have - consumed);
    c->have -= consumed;
    for (size_t i = 0; i < count; i++) memcpy(responses + i * HTTP_RESPONSE_LEN, HTTP_RESPONSE, HTTP_RESPONSE_LEN);
    size_t len = count * HTTP_RESPONSE_LEN, off = 0;
    while (off < len) {
      ssize_t n = send(c->fd, responses + off, len - off, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return -1;
        /* The rest waits for EPOLLOUT; no reading meanwhile. */
        c->out = xmalloc(len - off);
        memcpy(c->out, responses + off, len - off);
        c->out_off = 0;
        c->out_len = len - off;
        struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        return 0;
      }
      off += (size_t)n;
    }
    return 0; /* level-triggered: epoll says again if more is there */
  }
}

static _Noreturn void server_http(void) {
  int lfd;
  int ep = epoll_server((int)arg_num("port", 0), &lfd);
  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait_retrying(ep, events, 256);
    for (int i = 0; i < n; i++) {
      struct http_conn *c = events[i].data.ptr;
      if (c == NULL) {
        int fd;
        while ((fd = accept_next(lfd)) >= 0) {
          c = xmalloc(sizeof *c);
          c->fd = fd;
          c->have = 0;
          c->out = NULL;
          c->out_off = c->out_len = 0;
          struct epoll_event cev = {.events = EPOLLIN, .data.ptr = c};
          if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev) < 0) die_errno("epoll_ctl");
        }
        continue;
      }
      if (c->out != NULL) { /* EPOLLOUT: finish the responses, then read again */
        int r = http_flush(c);
        if (r < 0) {
          http_close(ep, c);
        } else if (r > 0) {
          struct epoll_event cev = {.events = EPOLLIN, .data.ptr = c};
          epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &cev);
        }
        continue;
      }
      if (http_on_readable(ep, c) < 0) http_close(ep, c);
    }
  }
}

/* Checks the response in buf[0, len) as far as it goes. Returns its length once complete, 0 while
 * bytes are missing; dies on anything but a complete keep-alive 200 with the fixed body and nothing
 * after it (with one request in flight, nothing may follow). */
static size_t http_response(const char *buf, size_t len) {
  const char *end = memmem(buf, len, "\r\n\r\n", 4);
  if (end == NULL) {
    if (len == HTTP_IN) die("response headers longer than %d bytes", HTTP_IN);
    return 0;
  }
  size_t head = (size_t)(end - buf) + 4;
  if (len < 13 || memcmp(buf, "HTTP/1.1 200 ", 13) != 0) die("not an HTTP/1.1 200 response: %.*s", (int)(end - buf), buf);
  long long length = -1;
  for (const char *line = memchr(buf, '\n', head) + 1; line < end; line = memchr(line, '\n', (size_t)(end - line) + 2) + 1) {
    if (strncasecmp(line, "content-length:", 15) == 0) {
      length = strtoll(line + 15, NULL, 10);
    } else if (strncasecmp(line, "connection:", 11) == 0) {
      const char *v = line + 11;
      while (*v == ' ') v++;
      if (strncasecmp(v, "close", 5) == 0) die("the server closes the connection (Connection: close)");
    }
  }
  if (length < 0) die("response without Content-Length: %.*s", (int)(end - buf), buf);
  if (len < head + (size_t)length) return 0;
  if (len > head + (size_t)length) die("%zu bytes after a complete response", len - head - (size_t)length);
  if ((size_t)length != sizeof HTTP_BODY - 1 || memcmp(end + 4, HTTP_BODY, sizeof HTTP_BODY - 1) != 0)
    die("unexpected body: %.*s", (int)length, end + 4);
  return len;
}

/* http: reads the response to the current request into c->in (a reply_reader: the request's size
 * and no scratch buffer are passed); returns 1 when it is complete. */
static int http_on_response_bytes(struct load_conn *c, char *scratch, size_t size) {
  (void)scratch, (void)size;
  size_t got = load_recv(c, c->in + c->received, HTTP_IN - c->received);
  if (got == 0) return 0;
  c->received += got;
  if (http_response(c->in, c->received) == 0) return 0;
  c->sent = c->received = 0;
  return 1;
}

static int client_http(void) {
  int port = (int)arg_num("port", -1);
  long long conns = arg_num("conns", -1);
  long long seconds_arg = arg_num("seconds", -1);
  if (conns < 1 || seconds_arg < 1) die("conns and seconds must be >= 1");
  char request[128];
  int request_len = snprintf(request, sizeof request, "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", port);
  struct load_conn *cs = xmalloc(sizeof *cs * (size_t)conns);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die_errno("epoll_create1");
  int nevents = conns < 1024 ? (int)conns : 1024;
  struct epoll_event *events = xmalloc(sizeof *events * (size_t)nevents);
  for (long long i = 0; i < conns; i++) cs[i].in = xmalloc(HTTP_IN);
  load_open(ep, port, cs, conns, events, nevents, NULL, 0, NULL, NULL);

  double seconds;
  long long total = load_measure(ep, cs, conns, events, nevents, request, (size_t)request_len, http_on_response_bytes, NULL, seconds_arg, &seconds);
  for (long long i = 0; i < conns; i++) close(cs[i].fd), free(cs[i].in);
  close(ep);
  printf("RESULT {\"conns\":%lld,\"responses\":%lld,\"seconds\":%.9f,\"perSec\":%.3f}\n", conns, total, seconds,
         (double)total / seconds);
  free(events);
  free(cs);
  return 0;
}

/* ---------------------------------------------------------------- overhead */

static int client_overhead(void) {
  long long count = arg_num("count", -1);
  const char *op = arg_str("op");
  if (count < 1) die("count must be >= 1");
  long long warmup = count / 10;
  double ns;
  if (strcmp(op, "getsockopt") == 0) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die_errno("socket");
    int v;
    socklen_t len;
    for (long long i = 0; i < warmup; i++) {
      len = sizeof v;
      if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len) < 0) die_errno("getsockopt");
    }
    uint64_t t0 = now_ns();
    for (long long i = 0; i < count; i++) {
      len = sizeof v;
      if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len) < 0) die_errno("getsockopt");
    }
    ns = (double)(now_ns() - t0) / (double)count;
    close(fd);
  } else if (strcmp(op, "recvdata") == 0) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) die_errno("socketpair");
    char one = 1, b;
    for (long long i = 0; i < warmup; i++) {
      if (send(sv[0], &one, 1, MSG_NOSIGNAL) != 1) die_errno("send");
      if (recv(sv[1], &b, 1, 0) != 1) die_errno("recv");
    }
    uint64_t t0 = now_ns();
    for (long long i = 0; i < count; i++) {
      if (send(sv[0], &one, 1, MSG_NOSIGNAL) != 1) die_errno("send");
      if (recv(sv[1], &b, 1, 0) != 1) die_errno("recv");
    }
    ns = (double)(now_ns() - t0) / (double)count;
    close(sv[0]);
    close(sv[1]);
  } else if (strcmp(op, "eagain") == 0 || strcmp(op, "tryeagain") == 0) {
    /* A recv that would block: a non-blocking socket with nothing to read, as a poll loop meets it.
       C has no exception to skip: the two ops are the same loop here. */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) die_errno("socketpair");
    char b;
    for (long long i = 0; i < warmup; i++) {
      if (recv(sv[1], &b, 1, 0) != -1 || errno != EAGAIN) die_errno("recv");
    }
    uint64_t t0 = now_ns();
    for (long long i = 0; i < count; i++) {
      if (recv(sv[1], &b, 1, 0) != -1 || errno != EAGAIN) die_errno("recv");
    }
    ns = (double)(now_ns() - t0) / (double)count;
    close(sv[0]);
    close(sv[1]);
  } else {
    die("unknown op=%s", op);
  }
  printf("RESULT {\"op\":\"%s\",\"calls\":%lld,\"nsPerCall\":%.3f}\n", op, count, ns);
  return 0;
}

/* ---------------------------------------------------------------- udp */

/* Datagrams per sendmmsg/recvmmsg call in the udp workload (the JS contenders use the same). */
#define UDP_BATCH 64
#define UDP_RCVBUF (4 * 1024 * 1024)
/* How long the receiver leaves its queue to the sender before each drain, in ms. */
#define UDP_FILL_MS 50
/* The most datagrams one drain counts: fewer than the queue holds after the pause (8 MiB of receive
 * buffer takes some 3,500 datagrams of 1,200 bytes), so that every drain starts on a full queue and
 * takes the same number, however fast the receiver. */
#define UDP_DRAIN 1024

static int udp_mmsg(void) {
  const char *api = arg_str("api");
  if (strcmp(api, "mmsg") == 0) return 1;
  if (strcmp(api, "plain") != 0) die("api=%s: plain or mmsg", api);
  return 0;
}

/* One receive of the drain: the datagrams it took (0 when the queue is empty), counting in *wrong
 * those of another size. */
static int udp_receive(int fd, int mmsg, size_t size, char *bufs, struct mmsghdr *msgs, struct iovec *iov,
                       struct sockaddr_storage *from, long long *wrong) {
  for (;;) {
    if (mmsg) {
      for (int i = 0; i < UDP_BATCH; i++) {
        iov[i].iov_base = bufs + i * (size + 1);
        iov[i].iov_len = size + 1;
        memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
        msgs[i].msg_hdr.msg_name = &from[i];
        msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      int got = recvmmsg(fd, msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
      if (got >= 0) {
        for (int i = 0; i < got; i++) *wrong += msgs[i].msg_len != size;
        return got;
      }
    } else {
      socklen_t fromlen = sizeof from[0];
      ssize_t n = recvfrom(fd, bufs, size + 1, MSG_DONTWAIT, (struct sockaddr *)&from[0], &fromlen);
      if (n >= 0) {
        *wrong += (size_t)n != size;
        return 1;
      }
    }
    if (errno == EAGAIN) return 0;
    if (errno != EINTR) die_errno(mmsg ? "recvmmsg" : "recvfrom");
  }
}

static int server_udp(void) {
  int port = (int)arg_num("port", 0);
  size_t size = (size_t)arg_num("size", -1);
  long long seconds = arg_num("seconds", -1);
  int mmsg = udp_mmsg();
  if (size < 1 || seconds < 1) die("size and seconds must be >= 1");
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) die_errno("socket");
  int rcvbuf = UDP_RCVBUF;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0) die_errno("setsockopt SO_RCVBUF");
  struct sockaddr_in sin = loopback(port);
  if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0) die_errno("bind");
  socklen_t len = sizeof sin;
  if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0) die_errno("getsockname");
  struct timeval first_wait = {15, 0};
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &first_wait, sizeof first_wait) < 0) die_errno("setsockopt SO_RCVTIMEO");
  printf("READY %d\n", ntohs(sin.sin_port));
  fflush(stdout);

  /* Room for one more byte than a datagram should have, so that a longer one shows. */
  char *bufs = xmalloc((size + 1) * UDP_BATCH);
  struct iovec iov[UDP_BATCH];
  struct sockaddr_storage from[UDP_BATCH];
  struct mmsghdr msgs[UDP_BATCH];
  /* The window opens at the first datagram, which is not counted. */
  while (recv(fd, bufs, size + 1, 0) < 0) {
    if (errno != EINTR) die_errno("recv (the first datagram)");
  }
  long long count = 0, wrong = 0, cycles = 0;
  uint64_t busy = 0, start = now_ns(), end = start + (uint64_t)seconds * 1000000000u;
  const struct timespec fill = {0, UDP_FILL_MS * 1000000L};
  while (now_ns() < end) {
    nanosleep(&fill, NULL);
    uint64_t drain_start = now_ns(), last = drain_start;
    /* UDP_DRAIN datagrams, or fewer if the queue is empty first, or the window is over. */
    long long drained = 0;
    for (int got; drained < UDP_DRAIN && last < end && (got = udp_receive(fd, mmsg, size, bufs, msgs, iov, from, &wrong)) > 0; drained += got) {
      count += got;
      last = now_ns();
    }
    busy += last - drain_start;
    cycles++;
  }
  close(fd);
  printf("RESULT {\"datagrams\":%lld,\"busySeconds\":%.9f,\"seconds\":%.6f,\"cycles\":%lld,\"perSec\":%.1f,\"wrongSize\":%lld}\n", count,
         (double)busy / 1e9, (double)(now_ns() - start) / 1e9, cycles, (double)count / ((double)busy / 1e9), wrong);
  free(bufs);
  return 0;
}

/* Whether the receiver is gone: the ICMP port unreachable its closing brings sets the connected
 * socket's error, which UDP's send does not report (recv and SO_ERROR do). */
static int udp_refused(int fd) {
  int error = 0;
  socklen_t len = sizeof error;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0) die_errno("getsockopt SO_ERROR");
  return error == ECONNREFUSED;
}

static int client_udp(void) {
  int port = (int)arg_num("port", -1);
  size_t size = (size_t)arg_num("size", -1);
  long long seconds = arg_num("seconds", -1);
  int mmsg = udp_mmsg();
  if (size < 1 || seconds < 1) die("size and seconds must be >= 1");
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) die_errno("socket");
  struct sockaddr_in sin = loopback(port);
  if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) die_errno("connect");
  char *data = xmalloc(size);
  memset(data, 'u', size);
  struct iovec iov = {data, size};
  struct mmsghdr msgs[UDP_BATCH];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < UDP_BATCH; i++) {
    msgs[i].msg_hdr.msg_iov = &iov;
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  /* The receiver's window opens at the first datagram: it is over a second after this at most. */
  uint64_t stop = now_ns() + (uint64_t)(seconds + 1) * 1000000000u;
  for (long long calls = 0;; calls++) {
    int r = mmsg ? sendmmsg(fd, msgs, UDP_BATCH, 0) : (int)send(fd, data, size, 0);
    if (r < 0) {
      if (errno == ECONNREFUSED) break; /* the receiver is done */
      if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN) continue;
      die_errno(mmsg ? "sendmmsg" : "send");
    }
    if ((calls & 255) == 0 && (udp_refused(fd) || now_ns() > stop)) break;
  }
  close(fd);
  free(data);
  return 0;
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv) {
  g_argc = argc;
  g_argv = argv;
  if (argc < 3) die("usage: contender server|client WORKLOAD key=value ...");
  const char *role = argv[1], *workload = argv[2];
  int server = strcmp(role, "server") == 0;
  if (!server && strcmp(role, "client") != 0) die("unknown role %s", role);
  if (strcmp(workload, "pingpong") == 0) return server ? server_pingpong() : client_pingpong();
  if (strcmp(workload, "bulk") == 0) return server ? server_bulk() : client_bulk();
  if (strcmp(workload, "file") == 0) return server ? server_file() : client_file();
  if (strcmp(workload, "connrate") == 0) {
    if (server) server_connrate();
    return client_connrate();
  }
  if (strcmp(workload, "many") == 0) {
    if (server) server_many();
    return client_many();
  }
  if (strcmp(workload, "http") == 0) {
    if (server) server_http();
    return client_http();
  }
  if (strcmp(workload, "udp") == 0) return server ? server_udp() : client_udp();
  if (strcmp(workload, "overhead") == 0 && !server) return client_overhead();
  printf("UNSUPPORTED\n");
  return 0;
}
