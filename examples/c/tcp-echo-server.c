/*
 * tcp-echo-server: IBM's connection-oriented server example. For each client: accept, wait in
 * select() (30 s) until its 250 bytes are in, take them with one recv() (SO_RCVLOWAT), echo them,
 * close. The TypeScript twin is ../tcp-echo-server.ts; its client is tcp-echo-client.
 *
 *   tcp-echo-server [port] [host] [--clients N]     port 3005, host 0.0.0.0 (INADDR_ANY)
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
#define BUFFER_LENGTH 250
#define USAGE "tcp-echo-server [port] [host] [--clients N]"

int main(int argc, char *argv[]) {
  struct command_line cl = parse_command_line(argc, argv, 2, 1, USAGE);
  int port = cl.arg[0] ? port_arg(cl.arg[0], USAGE) : SERVER_PORT;
  const char *host = cl.arg[1] ? cl.arg[1] : "0.0.0.0";
  int on = 1, length = BUFFER_LENGTH;
  char buffer[BUFFER_LENGTH];
  struct sockaddr_in serveraddr, peer;
  socklen_t addrlen;

  int sd = socket(AF_INET, SOCK_STREAM, 0);
  if (sd < 0) die("socket");
  /* A restarted server can bind its port again at once, TIME_WAIT or not. */
  if (setsockopt(sd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0) die("setsockopt");
  memset(&serveraddr, 0, sizeof(serveraddr));
  serveraddr.sin_family = AF_INET;
  serveraddr.sin_port = htons(port);
  if (inet_pton(AF_INET, host, &serveraddr.sin_addr) != 1) usage(USAGE);
  if (bind(sd, (struct sockaddr *)&serveraddr, sizeof(serveraddr)) < 0) die("bind");
  if (listen(sd, 10) < 0) die("listen");
  /* Port 0 asks the kernel for a free port: getsockname() says which one. */
  addrlen = sizeof(serveraddr);
  if (getsockname(sd, (struct sockaddr *)&serveraddr, &addrlen) < 0) die("getsockname");
  print_listening(&serveraddr);

  for (long served = 0; cl.clients < 0 || served < cl.clients; served++) {
    /* sockcall's accept() returns the new socket alone; getpeername() asks who it is. */
    int sd2 = accept(sd, NULL, NULL);
    if (sd2 < 0) die("accept");
    addrlen = sizeof(peer);
    if (getpeername(sd2, (struct sockaddr *)&peer, &addrlen) < 0) die("getpeername");
    printf("accepted %s\n", address_name(&peer));

    /* Before select(), not after, as IBM's example has it: then select() itself waits until
       all 250 bytes are in. Set after it, Linux can leave a recv() that copied a first piece asleep
       when the rest arrives (../../docs/from-c.md, "SO_RCVLOWAT and select, measured"). */
    if (setsockopt(sd2, SOL_SOCKET, SO_RCVLOWAT, &length, sizeof(length)) < 0) die("setsockopt");

    fd_set read_fd;
    struct timeval timeout = {.tv_sec = 30, .tv_usec = 0};
    FD_ZERO(&read_fd);
    FD_SET(sd2, &read_fd);
    int rc = select(sd2 + 1, &read_fd, NULL, NULL, &timeout);
    if (rc < 0) die("select");
    if (rc == 0) fail("select() timed out");

    ssize_t n = recv(sd2, buffer, sizeof(buffer), 0);
    if (n < 0) die("recv");
    printf("received %zd bytes\n", n);
    if (n < BUFFER_LENGTH) fail("the client closed the connection before all of the data was sent");

    /* MSG_NOSIGNAL, as sockcall adds to every send: a vanished client is an EPIPE error, not a
       SIGPIPE that kills the server. */
    n = send(sd2, buffer, n, MSG_NOSIGNAL);
    if (n < 0) die("send");
    printf("echoed %zd bytes\n", n);
    close(sd2);
  }
  close(sd);
  return 0;
}
