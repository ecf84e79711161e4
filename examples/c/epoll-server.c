/*
 * epoll-server: the select() server (select-server.c) on epoll(7). The kernel keeps the list of
 * fds watched (epoll_ctl() changes it), and epoll_wait() returns only the ready ones, each with the
 * fd it was added with: no list rebuilt and scanned on every turn. Level-triggered by default: a
 * client is watched for EPOLLIN, then for EPOLLOUT while its echo goes back, and each event gets one
 * call. With --edge (EPOLLET) each fd is added once for both, sockets are non-blocking, and each
 * event gets calls until EAGAIN, since the next event comes only when something changes. The
 * TypeScript twin is ../epoll-server.ts; its client is tcp-echo-client.
 *
 *   epoll-server [port] [host] [--clients N] [--edge]     port 3005, host 0.0.0.0 (INADDR_ANY)
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"

#define SERVER_PORT 3005
#define MAX_EVENTS 64
/* The clients are found by fd: no fd_set, but a table, and this is its size. */
#define MAX_FDS 65536
#define USAGE "epoll-server [port] [host] [--clients N] [--edge]"

struct client {
  int fd;
  char peer[32];
  char buf[BUFSIZ]; /* received, and being echoed */
  size_t len, off;  /* bytes in buf; bytes of them sent back */
  long echoed;
  uint32_t watched; /* level-triggered: EPOLLIN or EPOLLOUT */
};

static struct client *clients[MAX_FDS];
static int ep;
static int edge;
static int open_clients;

static void close_client(struct client *c) {
  /* Closing the fd would remove it from the interest list only if no duplicate of it were open. */
  if (epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL) < 0) die("epoll_ctl");
  close(c->fd);
  clients[c->fd] = NULL;
  open_clients--;
  printf("closed %s after echoing %ld bytes\n", c->peer, c->echoed);
  free(c);
}

/* A client ready: level-triggered, one call; edge-triggered, calls until one would block. */
static void serve(struct client *c) {
  do {
    if (c->off < c->len) {
      /* Writable means some room, maybe not for all of it: send() says how much it took. */
      ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
      if (n < 0 && edge && errno == EAGAIN) return; /* full: the next EPOLLOUT edge resumes it */
      if (n < 0) {
        perror("send");
        close_client(c);
        return;
      }
      c->off += n;
      c->echoed += n;
    } else {
      ssize_t n = recv(c->fd, c->buf, sizeof(c->buf), 0);
      if (n < 0 && edge && errno == EAGAIN) return; /* all read: the next EPOLLIN edge resumes it */
      if (n < 0) perror("recv");
      if (n <= 0) {
        close_client(c);
        return;
      }
      c->len = n;
      c->off = 0;
    }
    if (!edge) {
      /* A client is read again only once its echo has gone back, as in select-server. */
      uint32_t want = c->off < c->len ? EPOLLOUT : EPOLLIN;
      if (want != c->watched) {
        struct epoll_event ev = {.events = want, .data.fd = c->fd};
        if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl");
        c->watched = want;
      }
    }
  } while (edge);
}

int main(int argc, char *argv[]) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--edge") == 0) { /* taken out before the common options are parsed */
      edge = 1;
      memmove(&argv[i], &argv[i + 1], (argc - i) * sizeof(*argv));
      argc--;
      break;
    }
  }
  struct command_line cl = parse_command_line(argc, argv, 2, 1, USAGE);
  int port = cl.arg[0] ? port_arg(cl.arg[0], USAGE) : SERVER_PORT;
  const char *host = cl.arg[1] ? cl.arg[1] : "0.0.0.0";
  struct sockaddr_in addr;
  socklen_t addrlen;
  int on = 1;

  /* 1. Initialise the socket for listening (non-blocking when edge-triggered). */
  int sd = socket(AF_INET, SOCK_STREAM | (edge ? SOCK_NONBLOCK : 0), 0);
  if (sd < 0) die("socket");
  if (setsockopt(sd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0) die("setsockopt");
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) usage(USAGE);
  if (bind(sd, (struct sockaddr *)&addr, sizeof(addr)) < 0) die("bind");
  if (listen(sd, 10) < 0) die("listen");
  addrlen = sizeof(addr);
  if (getsockname(sd, (struct sockaddr *)&addr, &addrlen) < 0) die("getsockname");
  printf("listening on %s\n", address_name(&addr));

  /* 2. The epoll instance, watching the listener. */
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  struct epoll_event ev = {.events = EPOLLIN | (edge ? EPOLLET : 0), .data.fd = sd};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, sd, &ev) < 0) die("epoll_ctl");

  long accepted = 0;
  struct epoll_event events[MAX_EVENTS];
  /* Until the listener is closed (--clients reached) and the last client has gone. */
  while (sd != -1 || open_clients > 0) {
    /* No timeout: wait until something is ready. */
    int n = epoll_wait(ep, events, MAX_EVENTS, -1);
    if (n < 0) die("epoll_wait");
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == sd) {
        /* 3. The listener readable: a connection (edge-triggered: every one waiting, until EAGAIN). */
        do {
          int conn = accept4(sd, NULL, NULL, edge ? SOCK_NONBLOCK : 0);
          if (conn < 0 && edge && errno == EAGAIN) break;
          if (conn < 0) die("accept4");
          addrlen = sizeof(addr);
          if (getpeername(conn, (struct sockaddr *)&addr, &addrlen) < 0) die("getpeername");
          if (conn >= MAX_FDS) {
            fprintf(stderr, "too many clients: closing %s\n", address_name(&addr));
            close(conn);
          } else {
            struct client *c = calloc(1, sizeof(*c));
            if (c == NULL) die("calloc");
            c->fd = conn;
            snprintf(c->peer, sizeof(c->peer), "%s", address_name(&addr));
            c->watched = EPOLLIN;
            clients[conn] = c;
            open_clients++;
            printf("accepted %s\n", c->peer);
            /* Edge-triggered: both directions at once, for good; level-triggered: reading first. */
            struct epoll_event cev = {.events = edge ? EPOLLIN | EPOLLOUT | EPOLLET : EPOLLIN, .data.fd = conn};
            if (epoll_ctl(ep, EPOLL_CTL_ADD, conn, &cev) < 0) die("epoll_ctl");
          }
          if (++accepted == cl.clients) {
            /* Enough clients: stop listening. */
            if (epoll_ctl(ep, EPOLL_CTL_DEL, sd, NULL) < 0) die("epoll_ctl");
            close(sd);
            sd = -1;
          }
        } while (edge && sd != -1);
      } else if (clients[fd] != NULL) {
        /* 4. A client readable (data, or its end) or writable (room for its echo). */
        serve(clients[fd]);
      }
    }
  }
  close(ep);
  return 0;
}
