/*
 * tcp-echo-client: IBM's connection-oriented client example: connect, send 250 bytes, recv over
 * and over until all 250 are back, close. The TypeScript twin is ../tcp-echo-client.ts. It is also
 * the client of select-server and tcp-echo-promises-server.
 *
 *   tcp-echo-client port [host]     host 127.0.0.1; a name such as localhost is resolved
 */
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"

#define BUFFER_LENGTH 250
#define USAGE "tcp-echo-client port [host]"

int main(int argc, char *argv[]) {
  struct command_line cl = parse_command_line(argc, argv, 2, 0, USAGE);
  if (cl.arg[0] == NULL) usage(USAGE);
  port_arg(cl.arg[0], USAGE);
  const char *host = cl.arg[1] ? cl.arg[1] : "127.0.0.1";
  char buffer[BUFFER_LENGTH];
  struct addrinfo hints, *res;

  /* IBM tries inet_addr() and falls back to gethostbyname() for a name: getaddrinfo() does
     both in one call. */
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo(host, cl.arg[0], &hints, &res);
  if (rc != 0) {
    fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(rc));
    return 1;
  }

  int sd = socket(AF_INET, SOCK_STREAM, 0);
  if (sd < 0) die("socket");
  if (connect(sd, res->ai_addr, res->ai_addrlen) < 0) die("connect");
  printf("connected to %s\n", address_name((struct sockaddr_in *)res->ai_addr));
  freeaddrinfo(res);

  /* IBM's client memsets 'a'; the alphabet over and over also shows a piece lost or out of order. */
  for (int i = 0; i < BUFFER_LENGTH; i++) buffer[i] = 'a' + i % 26;
  ssize_t n = send(sd, buffer, sizeof(buffer), MSG_NOSIGNAL);
  if (n < 0) die("send");
  printf("sent %zd bytes\n", n);

  /* TCP is a byte stream: the echo may come back in several pieces, so recv() until all are in. */
  size_t totalcnt = 0;
  while (totalcnt < BUFFER_LENGTH) {
    n = recv(sd, &buffer[totalcnt], BUFFER_LENGTH - totalcnt, 0);
    if (n < 0) die("recv");
    if (n == 0) fail("the server closed the connection");
    totalcnt += n;
  }
  printf("received %zu bytes: %.*s\n", totalcnt, (int)totalcnt, buffer);
  close(sd);
  return 0;
}
