/*
 * tcp-info: slow start made visible. A bulk transfer over loopback, one connection with both ends
 * in this program; after each chunk is sent and read, TCP_INFO gives the sender's congestion window
 * (tcpi_snd_cwnd, in segments), its smoothed round-trip time (tcpi_rtt, in microseconds) and the
 * bytes acknowledged (tcpi_bytes_acked, the SYN counted as one). The MSS is held near Ethernet's
 * (TCP_MAXSEG 1448), so that a chunk is many segments: while the window is below snd_ssthresh
 * (unset until a loss), each segment acknowledged grows it by one. The TypeScript twin is
 * ../tcp-info.ts.
 *
 *   tcp-info [rounds]     rounds of 32 KiB (default 8)
 */
#include <arpa/inet.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_acked (glibc's netinet/tcp.h stops short) */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"

/* A chunk smaller than the receiver's first window (64 KiB), so that sending it whole never waits
   for the receiver, which reads only afterwards. */
#define CHUNK 32768
#define MSS 1448
#define USAGE "tcp-info [rounds]"

static void send_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
    if (n < 0) die("send");
    buf += n;
    len -= (size_t)n;
  }
}

static void get_tcp_info(int fd, struct tcp_info *info) {
  socklen_t len = sizeof *info;
  memset(info, 0, sizeof *info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, info, &len) < 0) die("getsockopt");
}

int main(int argc, char *argv[]) {
  struct command_line cl = parse_command_line(argc, argv, 1, 0, USAGE);
  long rounds = cl.arg[0] == NULL ? 8 : count_arg(cl.arg[0], 1000, USAGE);
  struct sockaddr_in addr;
  socklen_t addrlen = sizeof addr;
  struct tcp_info info;
  static char chunk[CHUNK];
  int mss = MSS;

  int l = socket(AF_INET, SOCK_STREAM, 0);
  if (l < 0) die("socket");
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(l, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
  if (listen(l, 1) < 0) die("listen");
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) die("socket");
  if (setsockopt(s, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss) < 0) die("setsockopt");
  if (getsockname(l, (struct sockaddr *)&addr, &addrlen) < 0) die("getsockname");
  if (connect(s, (struct sockaddr *)&addr, addrlen) < 0) die("connect");
  int r = accept(l, NULL, NULL);
  if (r < 0) die("accept");

  /* The window a connection starts with: 10 segments (RFC 6928). */
  get_tcp_info(s, &info);
  printf("connected: snd_mss %u bytes, snd_cwnd %u segments\n", info.tcpi_snd_mss, info.tcpi_snd_cwnd);

  memset(chunk, 'x', sizeof chunk);
  for (long round = 1; round <= rounds; round++) {
    send_all(s, chunk, CHUNK);
    if (recv(r, chunk, CHUNK, MSG_WAITALL) < 0) die("recv");
    get_tcp_info(s, &info);
    printf("round %ld: bytes_acked %llu, snd_cwnd %u segments, rtt %u us\n", round,
           (unsigned long long)info.tcpi_bytes_acked, info.tcpi_snd_cwnd, info.tcpi_rtt);
  }
  close(s);
  close(r);
  close(l);
  return 0;
}
