/*
 * unix-echo-client: the Unix-domain socket, client side: connect to the server's path,
 * send each line of stdin and print its echo. The TypeScript twin is ../unix-echo-client.ts.
 *
 *   unix-echo-client path
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"

#define USAGE "unix-echo-client path"

int main(int argc, char *argv[]) {
  struct command_line cl = parse_command_line(argc, argv, 1, 0, USAGE);
  if (cl.arg[0] == NULL) usage(USAGE);
  const char *path = cl.arg[0];
  struct sockaddr_un addr;
  char buf[BUFSIZ];
  ssize_t n;
  size_t len;

  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof(addr.sun_path)) usage(USAGE);
  strcpy(addr.sun_path, path);

  int sd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (sd < 0) die("socket");
  if (connect(sd, (struct sockaddr *)&addr, sizeof(addr)) < 0) die("connect");
  printf("connected to %s\n", path);

  while (fgets(buf, sizeof(buf) - 1, stdin) != NULL) {
    strip_newline(buf);
    strcat(buf, "\n");
    size_t sent = strlen(buf);
    if (send(sd, buf, sent, MSG_NOSIGNAL) < 0) die("send");
    /* A stream, as TCP: the echo may come back in pieces. */
    for (len = 0; len < sent; len += n) {
      n = recv(sd, buf + len, sent - len, 0);
      if (n < 0) die("recv");
      if (n == 0) fail("the server closed the connection");
    }
    printf("received: %.*s\n", without_newline(buf, len), buf);
  }
  close(sd);
  return 0;
}
