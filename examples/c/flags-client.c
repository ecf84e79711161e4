/*
 * flags-client: three recv() flags of the classic list, each where it earns its keep, against
 * unix-echo-server (which echoes each piece it receives as it comes):
 *
 *   MSG_DONTWAIT  this one call does not block: with nothing to read it fails at once with EAGAIN;
 *   MSG_PEEK      look at what has arrived without taking it: the next recv() gets it again;
 *   MSG_WAITALL   wait until the whole length asked for is in, even when it comes in pieces.
 *
 * The TypeScript twin is ../flags-client.ts.
 *
 *   flags-client path
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"

#define FIRST "hello, "
#define SECOND "world\n"
#define USAGE "flags-client path"

int main(int argc, char *argv[]) {
  struct command_line cl = parse_command_line(argc, argv, 1, 0, USAGE);
  if (cl.arg[0] == NULL) usage(USAGE);
  const char *path = cl.arg[0];
  struct sockaddr_un addr;
  char buf[BUFSIZ];
  ssize_t n;

  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof(addr.sun_path)) usage(USAGE);
  strcpy(addr.sun_path, path);

  int sd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (sd < 0) die("socket");
  if (connect(sd, (struct sockaddr *)&addr, sizeof(addr)) < 0) die("connect");
  printf("connected to %s\n", path);

  /* The server sends nothing first: a plain recv() would wait here for ever. */
  n = recv(sd, buf, 1, MSG_DONTWAIT);
  if (n >= 0) fail("MSG_DONTWAIT: data before anything was sent");
  if (errno != EAGAIN) die("recv");
  printf("MSG_DONTWAIT: recv() = -1 EAGAIN: nothing to read yet\n");

  if (send(sd, FIRST, strlen(FIRST), MSG_NOSIGNAL) < 0) die("send");
  /* Waits for the echo of the first piece, and leaves it in the queue. */
  n = recv(sd, buf, 5, MSG_PEEK);
  if (n < 0) die("recv");
  printf("MSG_PEEK: recv() = %zd: %.*s (left in the queue)\n", n, (int)n, buf);

  if (send(sd, SECOND, strlen(SECOND), MSG_NOSIGNAL) < 0) die("send");
  /* Both echoes in one call, the peeked bytes first. The server echoes the second piece on its
     own, maybe after this call began: without MSG_WAITALL it could return the first 7 bytes. */
  n = recv(sd, buf, strlen(FIRST SECOND), MSG_WAITALL);
  if (n < 0) die("recv");
  printf("MSG_WAITALL: recv() = %zd: %.*s\n", n, without_newline(buf, n), buf);
  close(sd);
  return 0;
}
