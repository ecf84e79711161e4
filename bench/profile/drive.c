#define _GNU_SOURCE
/* The C twin of drive.mjs: one workload, N iterations, one thread.
 *   cc -O2 -o /tmp/drive bench/profile/drive.c && /tmp/drive OP N */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what) { perror(what); exit(1); }

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  const char *op = argv[1];
  long n = atol(argv[2]);
  if (strcmp(op, "getsockopt") == 0) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    long sum = 0;
    for (long i = 0; i < n; i++) {
      int v; socklen_t len = sizeof v;
      if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len) < 0) die("getsockopt");
      sum += v;
    }
    close(fd);
    return sum == 1;
  } else if (strcmp(op, "sendrecv") == 0 || strcmp(op, "eagain") == 0) {
    int nb = op[0] == 'e';
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nb ? SOCK_NONBLOCK : 0), 0, sv) < 0) die("socketpair");
    char one = 1, buf;
    long would = 0;
    for (long i = 0; i < n; i++) {
      if (!nb && send(sv[0], &one, 1, MSG_NOSIGNAL) != 1) die("send");
      if (recv(sv[1], &buf, 1, 0) != 1) {
        if (nb && errno == EAGAIN) would++; else die("recv");
      }
    }
    close(sv[0]); close(sv[1]);
    return would == -1;
  } else if (strcmp(op, "connect") == 0) {
    int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sin;
    if (bind(server, (struct sockaddr *)&sin, len) < 0 || listen(server, 511) < 0) die("bind/listen");
    if (getsockname(server, (struct sockaddr *)&sin, &len) < 0) die("getsockname");
    char buf;
    for (long i = 0; i < n; i++) {
      int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (connect(c, (struct sockaddr *)&sin, sizeof sin) < 0) die("connect");
      int s = accept4(server, NULL, NULL, SOCK_CLOEXEC);
      if (s < 0) die("accept");
      close(s);
      while (recv(c, &buf, 1, 0) != 0) {}
      close(c);
    }
    close(server);
    return 0;
  }
  return 2;
}
