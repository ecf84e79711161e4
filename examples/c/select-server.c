/*
 * select-server: the classic select() server. One thread serves every client at once: select() says
 * which sockets are ready (the listener readable: a connection to accept; a client readable: data,
 * or its end; a client writable: room to send its echo), and each ready socket gets one call that
 * will not block. The TypeScript twin is ../select-server.ts; its client is tcp-echo-client (the
 * model's client is IBM's client).
 *
 *   select-server [port] [host] [--clients N]     port 3005, host 0.0.0.0 (INADDR_ANY)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"

#define SERVER_PORT 3005
/* Far below FD_SETSIZE (1024), the highest fd select() can watch. */
#define MAX_CLIENTS 64
#define USAGE "select-server [port] [host] [--clients N]"

struct client {
  int fd; /* -1: a free slot */
  char peer[32];
  char buf[BUFSIZ]; /* received, and being echoed */
  size_t len, off;  /* bytes in buf; bytes of them sent back */
  long echoed;
};

static struct client clients[MAX_CLIENTS];

static void close_client(struct client *c, int *open) {
  close(c->fd);
  c->fd = -1;
  (*open)--;
  printf("closed %s after echoing %ld bytes\n", c->peer, c->echoed);
}

int main(int argc, char *argv[]) {
  struct command_line cl = parse_command_line(argc, argv, 2, 1, USAGE);
  int port = cl.arg[0] ? port_arg(cl.arg[0], USAGE) : SERVER_PORT;
  const char *host = cl.arg[1] ? cl.arg[1] : "0.0.0.0";
  struct sockaddr_in addr;
  socklen_t addrlen;
  int on = 1;

  /* 1. Initialise the socket for listening. */
  int sd = socket(AF_INET, SOCK_STREAM, 0);
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
  print_listening(&addr);

  for (int i = 0; i < MAX_CLIENTS; i++) clients[i].fd = -1;
  long accepted = 0;
  int open = 0;
  /* Until the listener is closed (--clients reached) and the last client has gone. */
  while (sd != -1 || open > 0) {
    fd_set rd, wr;
    int maxfd = sd;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    if (sd != -1) FD_SET(sd, &rd);
    for (int i = 0; i < MAX_CLIENTS; i++) {
      struct client *c = &clients[i];
      if (c->fd == -1) continue;
      /* A client is read again only once its echo has gone back, so one that does not read its
         echo is not read either: TCP's flow control then slows it down, not the server's memory. */
      FD_SET(c->fd, c->off < c->len ? &wr : &rd);
      if (c->fd > maxfd) maxfd = c->fd;
    }
    /* No timeout: wait until something is ready. */
    if (select(maxfd + 1, &rd, &wr, NULL, NULL) < 0) die("select");

    /* 2. The listener readable: a new connection, which accept() takes without waiting. */
    if (sd != -1 && FD_ISSET(sd, &rd)) {
      int fd = accept(sd, NULL, NULL);
      if (fd < 0) die("accept");
      addrlen = sizeof(addr);
      if (getpeername(fd, (struct sockaddr *)&addr, &addrlen) < 0) die("getpeername");
      int i = 0;
      while (i < MAX_CLIENTS && clients[i].fd != -1) i++;
      if (i == MAX_CLIENTS) {
        fprintf(stderr, "too many clients: closing %s\n", address_name(&addr));
        close(fd);
      } else {
        struct client *c = &clients[i];
        c->fd = fd;
        snprintf(c->peer, sizeof(c->peer), "%s", address_name(&addr));
        c->len = c->off = 0;
        c->echoed = 0;
        open++;
        printf("accepted %s\n", c->peer);
      }
      if (++accepted == cl.clients) {
        close(sd); /* enough clients: stop listening */
        sd = -1;
      }
    }

    /* 3. Clients readable (data, or the end of it) or writable (room for their echo). */
    for (int i = 0; i < MAX_CLIENTS; i++) {
      struct client *c = &clients[i];
      if (c->fd == -1) continue;
      if (FD_ISSET(c->fd, &rd)) {
        ssize_t n = recv(c->fd, c->buf, sizeof(c->buf), 0);
        if (n < 0) perror("recv");
        if (n <= 0) {
          close_client(c, &open);
        } else {
          c->len = n;
          c->off = 0;
        }
      } else if (FD_ISSET(c->fd, &wr)) {
        /* Writable means some room, maybe not for all of it: send() says how much it took. */
        ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
        if (n < 0) {
          perror("send");
          close_client(c, &open);
        } else {
          c->off += n;
          c->echoed += n;
        }
      }
    }
  }
  return 0;
}
