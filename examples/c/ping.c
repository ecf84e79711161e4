/*
 * ping: ICMP echo, as ping(8) does it, over loopback. An ICMP echo request (type 8; ICMPv6: 128)
 * with an identifier, a sequence number and 56 bytes of data goes out with sendto(); the reply
 * (type 0; ICMPv6: 129) comes back through recvfrom() and its round-trip time is printed as ping(8)
 * prints it, with the statistics at the end. The TypeScript twin is ../ping.ts.
 *
 *   ping [host] [--count N] [--dgram]     host 127.0.0.1 (::1 for ICMPv6), count 3
 *
 * Built with -lm (sqrt for the mean deviation).
 *
 * Two kinds of socket can do it:
 * - SOCK_RAW, IPPROTO_ICMP (the default): the program writes the whole ICMP message, checksum
 *   included, and is given every ICMP message the host receives (its own requests too, on loopback),
 *   each behind its IP header, unless it filters them (ICMP_FILTER, ICMP6_FILTER: this one keeps
 *   echo replies only, as ping(8) does). Making one needs CAP_NET_RAW (root has it): without it,
 *   socket() fails with EPERM.
 * - SOCK_DGRAM, IPPROTO_ICMP (--dgram): Linux's unprivileged "ping socket". The kernel sets the
 *   identifier, and hands back only the replies to this socket, without the IP header. Any user may
 *   make one whose group is in net.ipv4.ping_group_range ("1 0", the default on many systems, lets
 *   no one): otherwise socket() fails with EACCES.
 * For ICMPv6 the kernel computes the checksum itself (it covers a pseudo-header with the addresses),
 * and a raw ICMPv6 socket gets no IP header: the hop limit is not printed then, nor for --dgram.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/icmp.h>
#include <math.h>
#include <netdb.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define DATA_LENGTH 56
#define ICMP_HEADER 8
#define REPLY_MS 1000
#define INTERVAL_MS 200
#define USAGE "ping [host] [--count N] [--dgram]"

/* The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit words. */
static uint16_t checksum(const unsigned char *bytes, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += (uint32_t)(bytes[i] << 8 | bytes[i + 1]);
  if (len % 2 == 1) sum += (uint32_t)bytes[len - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)(~sum & 0xffff);
}

static double ms_since(const struct timespec *start) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - start->tv_sec) * 1e3 + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

int main(int argc, char *argv[]) {
  const char *host = "127.0.0.1";
  long count = 3;
  int dgram = 0, hosts = 0;
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) count = count_arg(argv[++i], 1000, USAGE);
    else if (strcmp(argv[i], "--dgram") == 0) dgram = 1;
    else if (strncmp(argv[i], "--", 2) == 0 || hosts++ > 0) usage(USAGE);
    else host = argv[i];
  }

  /* A numeric address only: getaddrinfo() with AI_NUMERICHOST says which family it is. */
  struct addrinfo hints, *res;
  memset(&hints, 0, sizeof hints);
  hints.ai_flags = AI_NUMERICHOST;
  hints.ai_socktype = SOCK_DGRAM;
  int rc = getaddrinfo(host, NULL, &hints, &res);
  if (rc != 0) {
    fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(rc));
    return 1;
  }
  int v6 = res->ai_family == AF_INET6;
  int echo_request = v6 ? 128 : 8, echo_reply = v6 ? 129 : 0;

  int sd = socket(res->ai_family, dgram ? SOCK_DGRAM : SOCK_RAW, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
  if (sd < 0 && errno == EPERM) fail("socket: EPERM: a raw socket needs CAP_NET_RAW (run as root, or try --dgram)");
  if (sd < 0 && errno == EACCES)
    fail("socket: EACCES: a ping socket needs a group in net.ipv4.ping_group_range (or run as root without --dgram)");
  if (sd < 0) die("socket");
  struct timeval tv = {REPLY_MS / 1000, (REPLY_MS % 1000) * 1000};
  if (setsockopt(sd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) die("setsockopt");
  /* A raw socket is queued every ICMP message the host receives; as ping(8) does, a filter keeps all
     but echo replies out of its queue, where a burst of others could crowd the reply out. */
  if (!dgram && !v6) {
    struct icmp_filter filter = {~(1U << ICMP_ECHOREPLY)}; /* a set bit drops that type */
    if (setsockopt(sd, SOL_RAW, ICMP_FILTER, &filter, sizeof filter) < 0) die("setsockopt");
  }
  if (!dgram && v6) {
    struct icmp6_filter filter;
    ICMP6_FILTER_SETBLOCKALL(&filter);
    ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
    if (setsockopt(sd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter) < 0) die("setsockopt");
  }

  if (v6) printf("PING %s (%s) %d data bytes\n", host, host, DATA_LENGTH);
  else printf("PING %s (%s) %d(%d) bytes of data.\n", host, host, DATA_LENGTH, DATA_LENGTH + ICMP_HEADER + 20);

  uint16_t id = (uint16_t)(getpid() & 0xffff);
  double times[1000];
  long received = 0;
  unsigned char packet[ICMP_HEADER + DATA_LENGTH], buf[1500];
  for (int i = 0; i < DATA_LENGTH; i++) packet[ICMP_HEADER + i] = (unsigned char)i; /* the data: 0, 1, 2 ... */
  for (long seq = 1; seq <= count; seq++) {
    if (seq > 1) usleep(INTERVAL_MS * 1000);
    /* The ICMP header, in network byte order: type, code, checksum, identifier, sequence number. */
    packet[0] = (unsigned char)echo_request;
    packet[1] = 0;
    packet[2] = packet[3] = 0;
    packet[4] = (unsigned char)(id >> 8), packet[5] = (unsigned char)id;
    packet[6] = (unsigned char)(seq >> 8), packet[7] = (unsigned char)seq;
    if (!v6) { /* ICMPv6: the kernel fills it in */
      uint16_t sum = checksum(packet, sizeof packet);
      packet[2] = (unsigned char)(sum >> 8), packet[3] = (unsigned char)sum;
    }
    struct timespec sent;
    clock_gettime(CLOCK_MONOTONIC, &sent);
    if (sendto(sd, packet, sizeof packet, 0, res->ai_addr, res->ai_addrlen) < 0) die("sendto");

    /* Read until this request's reply: a raw socket also gets every other ICMP message (on loopback,
       the request itself on its way in, and other programs' pings). SO_RCVTIMEO bounds each wait,
       the reply time the loop: others' messages, however many, cannot make this reply look lost. */
    while (ms_since(&sent) < REPLY_MS) {
      struct sockaddr_storage from;
      socklen_t fromlen = sizeof from;
      ssize_t n = recvfrom(sd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
      if (n < 0 && errno == EAGAIN) break; /* no reply within REPLY_MS */
      if (n < 0) die("recvfrom");
      char name[INET6_ADDRSTRLEN] = "?";
      if (from.ss_family == AF_INET) inet_ntop(AF_INET, &((struct sockaddr_in *)&from)->sin_addr, name, sizeof name);
      if (from.ss_family == AF_INET6) inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&from)->sin6_addr, name, sizeof name);
      /* A raw IPv4 socket reads the IP header first: its length is IHL 32-bit words; byte 8 is the TTL. */
      size_t ip_header = !v6 && !dgram ? (size_t)(buf[0] & 0x0f) * 4 : 0;
      if ((size_t)n < ip_header + ICMP_HEADER) continue;
      unsigned char *icmp = buf + ip_header;
      size_t icmp_len = (size_t)n - ip_header;
      if (icmp[0] != echo_reply || (icmp[6] << 8 | icmp[7]) != seq) continue;
      if (!dgram && (icmp[4] << 8 | icmp[5]) != id) continue; /* another program's ping */
      if (!v6 && checksum(icmp, icmp_len) != 0) continue;      /* a damaged reply */
      double ms = ms_since(&sent);
      times[received++] = ms;
      if (ip_header > 0) printf("%zu bytes from %s: icmp_seq=%ld ttl=%d time=%.3f ms\n", icmp_len, name, seq, buf[8], ms);
      else printf("%zu bytes from %s: icmp_seq=%ld time=%.3f ms\n", icmp_len, name, seq, ms);
      break;
    }
  }
  close(sd);
  freeaddrinfo(res);

  long loss = ((count - received) * 200 + count) / (2 * count); /* rounded */
  printf("--- %s ping statistics ---\n", host);
  printf("%ld packets transmitted, %ld received, %ld%% packet loss\n", count, received, loss);
  if (received > 0) {
    double min = times[0], max = times[0], sum = 0, squares = 0;
    for (long i = 0; i < received; i++) {
      if (times[i] < min) min = times[i];
      if (times[i] > max) max = times[i];
      sum += times[i];
      squares += times[i] * times[i];
    }
    double mean = sum / (double)received;
    printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", min, mean, max, sqrt(squares / (double)received - mean * mean));
  }
  return received < count ? 1 : 0;
}
