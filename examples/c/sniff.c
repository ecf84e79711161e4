/*
 * sniff: what `tcpdump -i lo -n tcp port PORT` prints, from a packet socket. An AF_PACKET socket
 * bound to the loopback interface receives every IPv4 frame on it; each TCP segment to or from PORT
 * is printed on one line: addresses and ports, flags, sequence and acknowledgement numbers
 * (relative to the first, after the SYNs, as tcpdump shows them) and the data length. The
 * TypeScript twin is ../sniff.ts.
 *
 *   sniff port [--connections N]     stop once N connections have ended (both FINs sent and the
 *                                    last acknowledged, or a RST); by default run until killed
 *
 * A packet socket needs CAP_NET_RAW (root has it): without it, socket() fails with EPERM. On lo a
 * frame goes out and comes back in; a socket bound to one protocol (ETH_P_IP) is handed it once, as
 * it comes in (only ETH_P_ALL sockets also see the outgoing copy, PACKET_OUTGOING, skipped below).
 *
 * As tcpdump does, a classic BPF program (SO_ATTACH_FILTER) has the kernel queue only TCP segments
 * to or from PORT: unfiltered, every IPv4 frame on lo is queued, and under other traffic the queue
 * fills and the kernel drops frames, ours among them. The checks below the filter stay: the filter
 * is the kernel's first cut, and the program reads no byte it has not checked is there.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"

#define ETH_HEADER 14 /* sizeof(struct ethhdr) */
#define USAGE "sniff port [--connections N]"
#define MAX_DIRECTIONS 64

/* The first sequence number of each direction seen with a SYN, and whether it has sent its FIN. */
struct direction {
  uint32_t src, dst;
  uint16_t sport, dport;
  uint32_t initial;
  int has_initial, finished, used;
};
static struct direction directions[MAX_DIRECTIONS];

static struct direction *find(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, int create) {
  struct direction *free_slot = NULL;
  for (int i = 0; i < MAX_DIRECTIONS; i++) {
    struct direction *d = &directions[i];
    if (d->used && d->src == src && d->sport == sport && d->dst == dst && d->dport == dport) return d;
    if (!d->used && free_slot == NULL) free_slot = d;
  }
  if (!create || free_slot == NULL) return NULL;
  memset(free_slot, 0, sizeof *free_slot);
  free_slot->used = 1, free_slot->src = src, free_slot->sport = sport, free_slot->dst = dst, free_slot->dport = dport;
  return free_slot;
}

/* tcpdump's flag letters, in the order of the bits: FIN, SYN, RST, PSH, ACK ('.'), URG, ECE, CWR. */
static const char *flag_text(unsigned flags) {
  static char text[9];
  const char letters[] = "FSRP.UEW";
  int n = 0;
  for (int bit = 0; bit < 8; bit++)
    if (flags & (1u << bit)) text[n++] = letters[bit];
  text[n] = '\0';
  return text;
}

int main(int argc, char *argv[]) {
  long port = -1, connections = -1;
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--connections") == 0 && i + 1 < argc) connections = count_arg(argv[++i], 1000000, USAGE);
    else if (strncmp(argv[i], "--", 2) == 0 || port >= 0) usage(USAGE);
    else port = port_arg(argv[i], USAGE);
  }
  if (port < 0) usage(USAGE);

  int lo = (int)if_nametoindex("lo");
  if (lo == 0) die("if_nametoindex");
  /* Protocol 0: no frame is queued until bind() names one, after the filter is attached, so none
     reaches the queue unfiltered. */
  int sd = socket(AF_PACKET, SOCK_RAW, 0);
  if (sd < 0 && errno == EPERM) fail("socket: EPERM: a packet socket needs CAP_NET_RAW (run as root)");
  if (sd < 0) die("socket");
  /* tcpdump -dd 'ip and tcp port PORT', less the EtherType test (the socket is bound to ETH_P_IP). The
     frame starts with its Ethernet header; jt and jf count the instructions skipped. */
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, ETH_HEADER + 9),           /* A = IP protocol */
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 8),       /* TCP, else drop */
      BPF_STMT(BPF_LD | BPF_H | BPF_ABS, ETH_HEADER + 6),           /* A = flags and fragment offset */
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 6, 0),           /* a later fragment (no ports): drop */
      BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, ETH_HEADER),              /* X = IP header length (4 * IHL) */
      BPF_STMT(BPF_LD | BPF_H | BPF_IND, ETH_HEADER),               /* A = source port */
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)port, 2, 0),    /* PORT: keep */
      BPF_STMT(BPF_LD | BPF_H | BPF_IND, ETH_HEADER + 2),           /* A = destination port */
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)port, 0, 1),    /* PORT: keep, else drop */
      BPF_STMT(BPF_RET | BPF_K, 0xffffffff),                        /* keep: the whole frame */
      BPF_STMT(BPF_RET | BPF_K, 0),                                 /* drop */
  };
  struct sock_fprog program = {.len = sizeof filter / sizeof filter[0], .filter = filter};
  if (setsockopt(sd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) < 0) die("setsockopt");
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_IP);
  sll.sll_ifindex = lo;
  if (bind(sd, (struct sockaddr *)&sll, sizeof sll) < 0) die("bind");
  printf("listening on lo\n");

  static unsigned char frame[65536];
  for (long ended = 0; connections < 0 || ended < connections;) {
    struct sockaddr_ll from;
    socklen_t fromlen = sizeof from;
    ssize_t n = recvfrom(sd, frame, sizeof frame, 0, (struct sockaddr *)&from, &fromlen);
    if (n < 0) die("recvfrom");
    if (from.sll_ifindex != lo || from.sll_pkttype == PACKET_OUTGOING) continue;
    /* The IPv4 header after the Ethernet one: IHL words long, protocol at 9, addresses at 12 and 16. */
    unsigned char *ip = frame + ETH_HEADER;
    size_t ip_len = (size_t)n > ETH_HEADER ? (size_t)n - ETH_HEADER : 0;
    if (ip_len < 20 || ip[9] != IPPROTO_TCP) continue;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    if (ip_len < ihl + 20) continue;
    unsigned char *tcp = ip + ihl;
    uint16_t sport = (uint16_t)(tcp[0] << 8 | tcp[1]), dport = (uint16_t)(tcp[2] << 8 | tcp[3]);
    if (sport != port && dport != port) continue;
    uint32_t src, dst, seq, ack;
    memcpy(&src, ip + 12, 4);
    memcpy(&dst, ip + 16, 4);
    memcpy(&seq, tcp + 4, 4);
    memcpy(&ack, tcp + 8, 4);
    seq = ntohl(seq), ack = ntohl(ack);
    unsigned flags = tcp[13];
    long length = (long)(ip[2] << 8 | ip[3]) - (long)ihl - (tcp[12] >> 4) * 4; /* total length - IP header - TCP header */
    struct direction *self = find(src, sport, dst, dport, 1), *peer = find(dst, dport, src, sport, 1);
    if (self == NULL || peer == NULL) fail("too many connections at once");
    if (flags & 0x02) self->initial = seq, self->has_initial = 1;
    /* After the SYNs, numbers relative to each direction's first, as tcpdump prints them. */
    int relative = !(flags & 0x02) && self->has_initial && peer->has_initial;
    uint32_t seq_shown = relative ? seq - self->initial : seq, ack_shown = relative ? ack - peer->initial : ack;
    char srcText[INET_ADDRSTRLEN], dstText[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &src, srcText, sizeof srcText);
    inet_ntop(AF_INET, &dst, dstText, sizeof dstText);
    printf("IP %s.%u > %s.%u: Flags [%s]", srcText, sport, dstText, dport, flag_text(flags));
    if (length > 0) printf(", seq %u:%u", seq_shown, (uint32_t)(seq_shown + (uint32_t)length));
    else if (flags & 0x07) printf(", seq %u", seq_shown); /* SYN, FIN, RST */
    if (flags & 0x10) printf(", ack %u", ack_shown);
    printf(", length %ld\n", length);
    /* A connection has ended at a RST, or at the segment after both FINs that carries no FIN of its
       own (the acknowledgement of the last one). */
    if ((flags & 0x04) || (self->finished && peer->finished && !(flags & 0x01))) {
      self->used = peer->used = 0;
      ended++;
    } else if (flags & 0x01) {
      self->finished = 1;
    }
  }
  close(sd);
  return 0;
}
