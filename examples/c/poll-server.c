/*
 * poll-server: the select() server on poll(). The same one thread and the same calls, but the list
 * of what to watch is an array of { fd, events } with no FD_SETSIZE ceiling and no highest-fd
 * argument, and each entry comes back with its own revents. The TypeScript twin is
 * ../poll-server.ts; the next step is epoll-server (the list kept in the kernel). Its client is
 * tcp-echo-client.
 *
 *   poll-server [port] [host] [--clients N]     port 3005, host 0.0.0.0 (INADDR_ANY)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"

#define SERVER_PORT 3005
#define MAX_CLIENTS 64
#define USAGE "poll-server [port] [host] [--clients N]"

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

static struct client *client_of(int fd) {
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (clients[i].fd == fd) return &clients[i];
  return NULL;
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
    struct pollfd fds[1 + MAX_CLIENTS];
    nfds_t n = 0;
    if (sd != -1) fds[n++] = (struct pollfd){sd, POLLIN, 0};
    for (int i = 0; i < MAX_CLIENTS; i++) {
      struct client *c = &clients[i];
      if (c->fd == -1) continue;
      /* A client is read again only once its echo has gone back, so one that does not read its
         echo is not read either: TCP's flow control then slows it down, not the server's memory. */
      fds[n++] = (struct pollfd){c->fd, c->off < c->len ? POLLOUT : POLLIN, 0};
    }
    /* No timeout: wait until something is ready. */
    if (poll(fds, n, -1) < 0) die("poll");

    for (nfds_t i = 0; i < n; i++) {
      if (fds[i].revents == 0) continue;
      /* 2. The listener readable: a new connection, which accept() takes without waiting. */
      if (fds[i].fd == sd) {
        int fd = accept(sd, NULL, NULL);
        if (fd < 0) die("accept");
        addrlen = sizeof(addr);
        if (getpeername(fd, (struct sockaddr *)&addr, &addrlen) < 0) die("getpeername");
        int j = 0;
        while (j < MAX_CLIENTS && clients[j].fd != -1) j++;
        if (j == MAX_CLIENTS) {
          fprintf(stderr, "too many clients: closing %s\n", address_name(&addr));
          close(fd);
        } else {
          struct client *c = &clients[j];
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
        continue;
      }

      /* 3. A client readable (data, its end, or an error: POLLHUP and POLLERR come unasked) or
         writable (room for its echo). */
      struct client *c = client_of(fds[i].fd);
      if (c->off == c->len) {
        ssize_t got = recv(c->fd, c->buf, sizeof(c->buf), 0);
        if (got < 0) perror("recv");
        if (got <= 0) {
          close_client(c, &open);
        } else {
          c->len = got;
          c->off = 0;
        }
      } else {
        /* Writable means some room, maybe not for all of it: send() says how much it took. */
        ssize_t sent = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
        if (sent < 0) {
          perror("send");
          close_client(c, &open);
        } else {
          c->off += sent;
          c->echoed += sent;
        }
      }
    }
  }
  return 0;
}
