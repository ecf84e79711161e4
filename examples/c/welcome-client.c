/*
 * welcome-client: the welcome server's client: print the server's welcome line, then
 * send each line of stdin and print its echo, until "quit" or the end of stdin. The TypeScript
 * twin is ../welcome-client.ts.
 *
 *   welcome-client port [host]     host 127.0.0.1; a name such as localhost is resolved
 */
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"

#define USAGE "welcome-client port [host]"

int main(int argc, char *argv[]) {
  struct command_line cl = parse_command_line(argc, argv, 2, 0, USAGE);
  if (cl.arg[0] == NULL) usage(USAGE);
  port_arg(cl.arg[0], USAGE);
  const char *host = cl.arg[1] ? cl.arg[1] : "127.0.0.1";
  struct addrinfo hints, *res;
  char buf[BUFSIZ];
  ssize_t n;
  size_t len;

  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo(host, cl.arg[0], &hints, &res);
  if (rc != 0) {
    fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(rc));
    return 1;
  }
  int client_sockfd = socket(PF_INET, SOCK_STREAM, 0);
  if (client_sockfd < 0) die("socket");
  if (connect(client_sockfd, res->ai_addr, res->ai_addrlen) < 0) die("connect");
  printf("connected to %s\n", address_name((struct sockaddr_in *)res->ai_addr));
  freeaddrinfo(res);

  /* The welcome line: the original takes one recv() as all of it; TCP may deliver it in pieces. */
  len = 0;
  do {
    n = recv(client_sockfd, buf + len, sizeof(buf) - len, 0);
    if (n < 0) die("recv");
    if (n == 0) fail("the server closed the connection");
    len += n;
  } while (buf[len - 1] != '\n' && len < sizeof(buf));
  printf("%.*s", (int)len, buf);

  while (fgets(buf, sizeof(buf) - 1, stdin) != NULL) {
    strip_newline(buf);
    if (strcmp(buf, "quit") == 0) break;
    strcat(buf, "\n");
    size_t sent = strlen(buf);
    if (send(client_sockfd, buf, sent, MSG_NOSIGNAL) < 0) die("send");
    /* The echo is as long as what went out; it too may come back in pieces. */
    for (len = 0; len < sent; len += n) {
      n = recv(client_sockfd, buf + len, sent - len, 0);
      if (n < 0) die("recv");
      if (n == 0) fail("the server closed the connection");
    }
    printf("received: %.*s\n", without_newline(buf, len), buf);
  }
  close(client_sockfd);
  return 0;
}
