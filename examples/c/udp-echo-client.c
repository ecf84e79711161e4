/*
 * udp-echo-client: the datagram socket, client side: send each line of stdin as one
 * datagram with sendto(), and print the echo recvfrom() gets back, and from whom. The TypeScript
 * twin is ../udp-echo-client.ts.
 *
 *   udp-echo-client port [host]     host 127.0.0.1; a name such as localhost is resolved
 */
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli.h"

#define DATAGRAM_MAX 65536
#define USAGE "udp-echo-client port [host]"

int main(int argc, char *argv[]) {
  struct command_line cl = parse_command_line(argc, argv, 2, 0, USAGE);
  if (cl.arg[0] == NULL) usage(USAGE);
  port_arg(cl.arg[0], USAGE);
  const char *host = cl.arg[1] ? cl.arg[1] : "127.0.0.1";
  static char buf[DATAGRAM_MAX];
  char line[BUFSIZ];
  struct addrinfo hints, *res;
  struct sockaddr_in from;
  socklen_t fromlen;

  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  int rc = getaddrinfo(host, cl.arg[0], &hints, &res);
  if (rc != 0) {
    fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(rc));
    return 1;
  }
  int sd = socket(AF_INET, SOCK_DGRAM, 0);
  if (sd < 0) die("socket");
  /* UDP never sends a lost datagram again: without a timeout, a lost echo would leave recvfrom()
     waiting for ever. With it, recvfrom() fails with EAGAIN after 5 s. */
  struct timeval timeout = {.tv_sec = 5, .tv_usec = 0};
  if (setsockopt(sd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) < 0) die("setsockopt");
  printf("sending to %s\n", address_name((struct sockaddr_in *)res->ai_addr));

  while (fgets(line, sizeof(line), stdin) != NULL) {
    /* A datagram keeps its bounds: the line goes without its '\n' and comes back whole. */
    strip_newline(line);
    if (sendto(sd, line, strlen(line), MSG_NOSIGNAL, res->ai_addr, res->ai_addrlen) < 0) die("sendto");
    fromlen = sizeof(from);
    ssize_t n = recvfrom(sd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
    if (n < 0) die("recvfrom");
    printf("received from %s: %.*s\n", address_name(&from), (int)n, buf);
  }
  freeaddrinfo(res);
  close(sd);
  return 0;
}
