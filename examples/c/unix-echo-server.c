/*
 * unix-echo-server: a Unix-domain stream socket (AF_UNIX): the stream calls of TCP, with a path
 * in the file system as the address and no network in between. Each client's bytes are echoed
 * until it closes. The TypeScript twin is ../unix-echo-server.ts; its clients are
 * unix-echo-client and flags-client.
 *
 *   unix-echo-server [path] [--clients N]     path /tmp/unix-echo.sock
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"

#define SERVER_PATH "/tmp/unix-echo.sock"
#define USAGE "unix-echo-server [path] [--clients N]"

int main(int argc, char *argv[]) {
  struct command_line cl = parse_command_line(argc, argv, 1, 1, USAGE);
  const char *path = cl.arg[0] ? cl.arg[0] : SERVER_PATH;
  struct sockaddr_un addr;
  struct stat st;
  char buf[BUFSIZ];
  ssize_t n;

  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof(addr.sun_path)) usage(USAGE);
  strcpy(addr.sun_path, path);

  int sd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (sd < 0) die("socket");
  /* bind() creates the socket file and fails with EADDRINUSE if the path exists, as it does after
     a server that was killed: remove a socket left there, and nothing else. */
  if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path);
  if (bind(sd, (struct sockaddr *)&addr, sizeof(addr)) < 0) die("bind");
  if (listen(sd, 10) < 0) die("listen");
  printf("listening on %s\n", path);

  for (long served = 0; cl.clients < 0 || served < cl.clients; served++) {
    /* A Unix client is usually unnamed (it never called bind): there is no address to print. */
    int sd2 = accept(sd, NULL, NULL);
    if (sd2 < 0) die("accept");
    printf("accepted a client\n");
    while ((n = recv(sd2, buf, sizeof(buf), 0)) > 0) {
      /* A send() on a stream socket may take less than it is given: loop until all has gone. */
      for (ssize_t off = 0, sent; off < n; off += sent) {
        sent = send(sd2, buf + off, n - off, MSG_NOSIGNAL);
        if (sent < 0) die("send");
      }
      printf("echoed %zd bytes\n", n);
    }
    if (n < 0) die("recv");
    close(sd2);
    printf("client closed\n");
  }
  close(sd);
  /* The socket file outlives the socket: remove it. */
  unlink(path);
  return 0;
}
