/*
 * static-server: the files of a directory over HTTP/1.1, each body sent with sendfile(2): the
 * kernel copies it from the page cache to the socket, and the program never holds a byte of it.
 * One connection at a time, as tcp-echo-server: each request read up to its blank line; GET or
 * HEAD of a regular file under DIR is 200 with Content-Length, the header sent with MSG_MORE so
 * that it leaves in one segment with the body's start, then the body by a sendfile() loop; a
 * missing file is 404, a path with a ".." segment 403 (it would leave DIR), another method 405,
 * a malformed request 400. Keep-alive as HTTP/1.1 has it: the connection serves requests until
 * the client says "Connection: close" (or speaks HTTP/1.0 without keep-alive), closes, or is
 * silent for 5 s (SO_RCVTIMEO). Symbolic links under DIR are followed.
 * The TypeScript twin is ../static-server.ts; its client is any HTTP client (curl).
 *
 *   static-server dir [port] [host] [--clients N]     port 8080, host 127.0.0.1 (loopback only);
 *                                                     N counts connections
 */
#define _GNU_SOURCE /* memmem, strcasestr */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli.h"

#define SERVER_PORT 8080
#define HEAD_MAX 8192    /* the longest request head taken: a longer one is 400 */
#define PATH_MAX_ 4096   /* DIR and the request's path together */
#define IDLE_SECONDS 5   /* a keep-alive connection silent this long is closed */
#define USAGE "static-server dir [port] [host] [--clients N]"

static const char *const TYPES[][2] = {
    {".html", "text/html; charset=utf-8"}, {".txt", "text/plain; charset=utf-8"}, {".css", "text/css"},
    {".js", "text/javascript"},            {".json", "application/json"},         {".png", "image/png"},
    {".jpg", "image/jpeg"},                {".svg", "image/svg+xml"},
};

/* The Content-Type for a file name, by its extension. */
static const char *content_type(const char *name) {
  const char *dot = strrchr(name, '.');
  for (size_t i = 0; dot != NULL && i < sizeof(TYPES) / sizeof(TYPES[0]); i++) {
    if (strcmp(dot, TYPES[i][0]) == 0) return TYPES[i][1];
  }
  return "application/octet-stream";
}

/* Sends all of `len` bytes, with `flags`: 0, or -1 after perror. */
static int send_all(int sd, const char *buf, size_t len, int flags) {
  for (size_t off = 0; off < len;) {
    ssize_t n = send(sd, buf + off, len - off, flags);
    if (n < 0) {
      perror("send");
      return -1;
    }
    off += n;
  }
  return 0;
}

/* The status line and headers, with MSG_MORE when a body follows them. */
static int send_head(int sd, int status, const char *reason, long long length, const char *type, int keep_alive,
                     int more) {
  char head[512];
  int n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Length: %lld\r\nContent-Type: %s\r\n%s%s\r\n", status,
                   reason, length, type, status == 405 ? "Allow: GET, HEAD\r\n" : "",
                   keep_alive ? "" : "Connection: close\r\n");
  return send_all(sd, head, n, more ? MSG_MORE | MSG_NOSIGNAL : MSG_NOSIGNAL);
}

/* An error page: its status line as the body, in text. */
static int send_error(int sd, int status, const char *reason, int head_only, int keep_alive) {
  char body[64];
  int n = snprintf(body, sizeof(body), "%d %s\n", status, reason);
  if (send_head(sd, status, reason, n, "text/plain; charset=utf-8", keep_alive, !head_only) < 0) return -1;
  return head_only ? 0 : send_all(sd, body, n, MSG_NOSIGNAL);
}

/* The request target as a path: the query cut off, %XX decoded; 0, or 400 / 403 for one refused. */
static int target_path(const char *target, char *path, size_t size) {
  size_t len = 0;
  if (target[0] != '/') return 400;
  for (const char *p = target; *p != '\0' && *p != '?' && *p != '#'; p++) {
    int c = (unsigned char)*p;
    if (c == '%') {
      if (!isxdigit((unsigned char)p[1]) || !isxdigit((unsigned char)p[2])) return 400;
      char hex[3] = {p[1], p[2], '\0'};
      c = (int)strtol(hex, NULL, 16);
      if (c == 0) return 400; /* a NUL would cut the path short */
      p += 2;
    }
    if (len + 1 >= size) return 400;
    path[len++] = (char)c;
  }
  path[len] = '\0';
  /* A ".." segment would climb out of DIR. */
  for (const char *segment = path; segment != NULL; segment = strchr(segment + 1, '/')) {
    if (strncmp(segment, "/..", 3) == 0 && (segment[3] == '/' || segment[3] == '\0')) return 403;
  }
  return 0;
}

/* One request, its head in `head` (NUL-terminated, without the blank line). 1: keep the connection;
   0: close it; -1: a failed call (reported). */
static int serve_request(int sd2, const char *dir, char *head) {
  char method[16], target[HEAD_MAX], version[16], path[PATH_MAX_], file[PATH_MAX_];
  char *line_end = strstr(head, "\r\n");
  if (line_end != NULL) *line_end = '\0';
  if (sscanf(head, "%15s %8191s %15s", method, target, version) != 3 || strncmp(version, "HTTP/1.", 7) != 0) {
    printf("? ? 400\n");
    send_error(sd2, 400, "Bad Request", 0, 0);
    return 0;
  }
  /* HTTP/1.1 keeps the connection open unless told to close; HTTP/1.0 closes unless told not to. */
  int keep_alive = strcmp(version, "HTTP/1.1") == 0;
  for (char *line = line_end == NULL ? NULL : line_end + 2; line != NULL && *line != '\0';) {
    char *next = strstr(line, "\r\n");
    if (next != NULL) *next = '\0';
    if (strncasecmp(line, "Connection:", 11) == 0) {
      if (strcasestr(line + 11, "close") != NULL) keep_alive = 0;
      else if (strcasestr(line + 11, "keep-alive") != NULL) keep_alive = 1;
    }
    line = next == NULL ? NULL : next + 2;
  }
  int head_only = strcmp(method, "HEAD") == 0;
  if (!head_only && strcmp(method, "GET") != 0) {
    printf("%s %s 405\n", method, target);
    return send_error(sd2, 405, "Method Not Allowed", 0, keep_alive) < 0 ? -1 : keep_alive;
  }
  int refused = target_path(target, path, sizeof(path));
  if (refused == 400) {
    printf("%s %s 400\n", method, target);
    send_error(sd2, 400, "Bad Request", head_only, 0);
    return 0;
  }
  if (refused == 403) {
    printf("%s %s 403\n", method, target);
    return send_error(sd2, 403, "Forbidden", head_only, keep_alive) < 0 ? -1 : keep_alive;
  }
  int length = snprintf(file, sizeof(file), "%s%s%s", dir, path, path[strlen(path) - 1] == '/' ? "index.html" : "");
  int fd = -1;
  if (length < (int)sizeof(file)) fd = open(file, O_RDONLY | O_CLOEXEC);
  else errno = ENAMETOOLONG;
  struct stat st;
  if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
    close(fd);
    fd = -1;
    errno = ENOENT;
  }
  if (fd < 0) {
    int forbidden = errno == EACCES;
    printf("%s %s %d\n", method, target, forbidden ? 403 : 404);
    int rc = forbidden ? send_error(sd2, 403, "Forbidden", head_only, keep_alive) : send_error(sd2, 404, "Not Found", head_only, keep_alive);
    return rc < 0 ? -1 : keep_alive;
  }
  if (send_head(sd2, 200, "OK", (long long)st.st_size, content_type(file), keep_alive, !head_only) < 0) {
    close(fd);
    return -1;
  }
  off_t offset = 0;
  while (!head_only && offset < st.st_size) {
    ssize_t n = sendfile(sd2, fd, &offset, st.st_size - offset);
    if (n < 0) {
      perror("sendfile");
      close(fd);
      return -1;
    }
    if (n == 0) break; /* the file shrank since fstat(): the body is short, so the connection ends */
  }
  close(fd);
  printf("%s %s 200 %lld\n", method, target, (long long)offset);
  return offset == (head_only ? 0 : st.st_size) && keep_alive;
}

/* A connection's requests, until it closes, goes idle, or asks to close. */
static void serve_connection(int sd2, const char *dir) {
  static char buf[HEAD_MAX + 1];
  size_t used = 0;
  for (;;) {
    char *end;
    while ((end = memmem(buf, used, "\r\n\r\n", 4)) == NULL) {
      if (used == HEAD_MAX) {
        printf("? ? 400\n");
        send_error(sd2, 400, "Bad Request", 0, 0);
        return;
      }
      ssize_t n = recv(sd2, buf + used, HEAD_MAX - used, 0);
      if (n < 0) {
        if (errno == EAGAIN) return; /* silent for IDLE_SECONDS */
        perror("recv");
        return;
      }
      if (n == 0) return; /* the client closed */
      used += n;
    }
    *end = '\0';
    size_t taken = end + 4 - buf;
    int keep = serve_request(sd2, dir, buf);
    /* Pipelined requests: what came after this one's head is the next one's start. */
    memmove(buf, buf + taken, used - taken);
    used -= taken;
    if (keep <= 0) return;
  }
}

int main(int argc, char *argv[]) {
  struct command_line cl = parse_command_line(argc, argv, 3, 1, USAGE);
  if (cl.arg[0] == NULL) usage(USAGE);
  const char *dir = cl.arg[0];
  int port = cl.arg[1] ? port_arg(cl.arg[1], USAGE) : SERVER_PORT;
  const char *host = cl.arg[2] ? cl.arg[2] : "127.0.0.1";
  int on = 1;
  struct sockaddr_in serveraddr, peer;
  socklen_t addrlen;

  /* sendfile() has no MSG_NOSIGNAL: a client gone mid-body must be an EPIPE error, not a SIGPIPE
     that kills the server. Node ignores SIGPIPE in every process, so the TypeScript twin has it. */
  signal(SIGPIPE, SIG_IGN);
  int sd = socket(AF_INET, SOCK_STREAM, 0);
  if (sd < 0) die("socket");
  if (setsockopt(sd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0) die("setsockopt");
  memset(&serveraddr, 0, sizeof(serveraddr));
  serveraddr.sin_family = AF_INET;
  serveraddr.sin_port = htons(port);
  if (inet_pton(AF_INET, host, &serveraddr.sin_addr) != 1) usage(USAGE);
  if (bind(sd, (struct sockaddr *)&serveraddr, sizeof(serveraddr)) < 0) die("bind");
  if (listen(sd, 10) < 0) die("listen");
  addrlen = sizeof(serveraddr);
  if (getsockname(sd, (struct sockaddr *)&serveraddr, &addrlen) < 0) die("getsockname");
  print_listening(&serveraddr);

  for (long served = 0; cl.clients < 0 || served < cl.clients; served++) {
    int sd2 = accept(sd, NULL, NULL);
    if (sd2 < 0) die("accept");
    addrlen = sizeof(peer);
    if (getpeername(sd2, (struct sockaddr *)&peer, &addrlen) < 0) die("getpeername");
    printf("accepted %s\n", address_name(&peer));
    struct timeval idle = {.tv_sec = IDLE_SECONDS, .tv_usec = 0};
    if (setsockopt(sd2, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle)) < 0) die("setsockopt");
    serve_connection(sd2, dir);
    close(sd2);
  }
  close(sd);
  return 0;
}
