/*
 * udp-echo-server: a datagram socket (SOCK_DGRAM). No listen, no accept, no connection:
 * each recvfrom() takes one whole datagram and says who sent it, and sendto() answers that address.
 * The TypeScript twin is ../udp-echo-server.ts; its client is udp-echo-client.
 *
 *   udp-echo-server [port] [host] [--clients N]     port 3005, host 0.0.0.0 (INADDR_ANY);
 *                                                   N counts datagrams: each is its own client
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"

#define SERVER_PORT 3005
/* The largest datagram UDP carries over IPv4 is 65507 bytes; a smaller buffer cuts longer ones. */
#define DATAGRAM_MAX 65536
#define USAGE "udp-echo-server [port] [host] [--clients N]"

int main(int argc, char *argv[]) {
  struct command_line cl = parse_command_line(argc, argv, 2, 1, USAGE);
  int port = cl.arg[0] ? port_arg(cl.arg[0], USAGE) : SERVER_PORT;
  const char *host = cl.arg[1] ? cl.arg[1] : "0.0.0.0";
  static char buf[DATAGRAM_MAX];
  struct sockaddr_in addr, from;
  socklen_t addrlen, fromlen;

  int sd = socket(AF_INET, SOCK_DGRAM, 0);
  if (sd < 0) die("socket");
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) usage(USAGE);
  if (bind(sd, (struct sockaddr *)&addr, sizeof(addr)) < 0) die("bind");
  addrlen = sizeof(addr);
  if (getsockname(sd, (struct sockaddr *)&addr, &addrlen) < 0) die("getsockname");
  print_listening(&addr);

  for (long served = 0; cl.clients < 0 || served < cl.clients; served++) {
    fromlen = sizeof(from);
    ssize_t n = recvfrom(sd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
    if (n < 0) die("recvfrom");
    if (sendto(sd, buf, n, MSG_NOSIGNAL, (struct sockaddr *)&from, fromlen) < 0) die("sendto");
    printf("echoed %zd bytes to %s\n", n, address_name(&from));
  }
  close(sd);
  return 0;
}
