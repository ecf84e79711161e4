/*
 * tcp-echo-promises-server, the C twin of ../tcp-echo-promises-server.ts: the classic concurrent
 * server. C's classic way to serve clients at once is a process per client: the parent only
 * accepts, and fork()s a child that echoes until its client closes. (The promise flavour does the
 * same on one thread: an accept loop, and one async echo loop per client.) Its client is
 * tcp-echo-client.
 *
 *   tcp-echo-promises-server [port] [host] [--clients N]     port 3005, host 0.0.0.0 (INADDR_ANY)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#define SERVER_PORT 3005
#define USAGE "tcp-echo-promises-server [port] [host] [--clients N]"

/* send() until all `len` bytes have gone, as sockcall's sendAll(): a stream socket may take less. */
static int send_all(int fd, const char *buf, size_t len) {
  for (size_t off = 0; off < len;) {
    ssize_t sent = send(fd, buf + off, len - off, MSG_NOSIGNAL);
    if (sent < 0) return -1;
    off += sent;
  }
  return 0;
}

/* One client, echoed until it closes: the child's exit status. */
static int echo(int fd, const char *peer) {
  char buf[BUFSIZ];
  long echoed = 0;
  int status = 0;
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n == 0) break; /* the client closed its end */
    if (n < 0) {
      perror("recv");
      status = 1;
      break;
    }
    if (send_all(fd, buf, n) < 0) {
      perror("send");
      status = 1;
      break;
    }
    echoed += n;
  }
  close(fd);
  printf("closed %s after echoing %ld bytes\n", peer, echoed);
  return status;
}

/* Collects the children that have ended (all of them when `wait_all`); 1 if one of them failed. */
static int reap(int wait_all) {
  int status, failed = 0;
  while (waitpid(-1, &status, wait_all ? 0 : WNOHANG) > 0)
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
  return failed;
}

int main(int argc, char *argv[]) {
  struct command_line cl = parse_command_line(argc, argv, 2, 1, USAGE);
  int port = cl.arg[0] ? port_arg(cl.arg[0], USAGE) : SERVER_PORT;
  const char *host = cl.arg[1] ? cl.arg[1] : "0.0.0.0";
  struct sockaddr_in addr;
  socklen_t addrlen;
  int on = 1, failed = 0;

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

  for (long served = 0; cl.clients < 0 || served < cl.clients; served++) {
    int fd = accept(sd, NULL, NULL);
    if (fd < 0) die("accept");
    addrlen = sizeof(addr);
    if (getpeername(fd, (struct sockaddr *)&addr, &addrlen) < 0) die("getpeername");
    printf("accepted %s\n", address_name(&addr));
    /* Whatever stdout still holds would be printed by the child as well. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      close(sd); /* the child serves its one client and never accepts */
      exit(echo(fd, address_name(&addr)));
    }
    close(fd); /* the child has its own copy of the connection */
    failed |= reap(0);
  }
  close(sd);
  failed |= reap(1);
  return failed;
}
