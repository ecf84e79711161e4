// sniff: what `tcpdump -i lo -n tcp port PORT` prints, from a packet socket. An AF_PACKET socket
// bound to the loopback interface receives every IPv4 frame on it; each TCP segment to or from PORT
// is printed on one line: addresses and ports, flags, sequence and acknowledgement numbers
// (relative to the first, after the SYNs, as tcpdump shows them) and the data length. The C twin
// is c/sniff.c.
//
//   node dist/sniff.js port [--connections N]     stop once N connections have ended (both FINs
//                                                 sent and the last acknowledged, or a RST); by
//                                                 default run until killed
//
// A packet socket needs CAP_NET_RAW (root has it): without it, socket() fails with EPERM. On lo a
// frame goes out and comes back in; a socket bound to one protocol (ETH_P_IP) is handed it once, as
// it comes in (only ETH_P_ALL sockets also see the outgoing copy, PACKET_OUTGOING, skipped below).
//
// As tcpdump does, a classic BPF program (SO_ATTACH_FILTER) has the kernel queue only TCP segments
// to or from PORT: unfiltered, every IPv4 frame on lo is queued, and under other traffic the queue
// fills and the kernel drops frames, ours among them. The checks below the filter stay: the filter
// is the kernel's first cut, and the program reads no byte it has not checked is there.
import {
  AF_PACKET,
  BPF_ABS,
  BPF_B,
  BPF_H,
  BPF_IND,
  BPF_JEQ,
  BPF_JMP,
  BPF_JSET,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_MSH,
  BPF_RET,
  type BpfInstruction,
  ETH_P_IP,
  if_nametoindex,
  IPPROTO_TCP,
  PACKET_OUTGOING,
  SO_ATTACH_FILTER,
  SOCK_RAW,
  Socket,
  SocketError,
  SOL_SOCKET,
} from 'sockcall';

import { countArg, fail, portArg, usage } from './cli';

const ETH_HEADER = 14; //                                             sizeof(struct ethhdr)
const USAGE = 'sniff port [--connections N]';

let port: number | undefined;
let connections = Infinity;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--connections' && i + 1 < argv.length) connections = countArg(argv[++i]!, 1_000_000, USAGE);
  else if (argv[i]!.startsWith('--') || port !== undefined) usage(USAGE);
  else port = portArg(argv[i]!, USAGE);
}
if (port === undefined) usage(USAGE);

const lo = if_nametoindex('lo'); //                                   lo = if_nametoindex("lo")
let sd: Socket;
try {
  // Protocol 0: no frame is queued until bind() names one, after the filter is attached, so none
  // reaches the queue unfiltered.
  sd = new Socket(AF_PACKET, SOCK_RAW, 0); //                         sd = socket(AF_PACKET, SOCK_RAW, 0)
} catch (error) {
  if (error instanceof SocketError && error.code === 'EPERM') fail('socket: EPERM: a packet socket needs CAP_NET_RAW (run as root)');
  throw error;
}

/** BPF_STMT and BPF_JUMP of linux/filter.h: one instruction, `{ code, jt, jf, k }`. */
const stmt = (code: number, k: number): BpfInstruction => ({ code, jt: 0, jf: 0, k });
const jump = (code: number, k: number, jt: number, jf: number): BpfInstruction => ({ code, jt, jf, k });
// tcpdump -dd 'ip and tcp port PORT', less the EtherType test (the socket is bound to ETH_P_IP). The
// frame starts with its Ethernet header; jt and jf count the instructions skipped.
const filter = [
  stmt(BPF_LD | BPF_B | BPF_ABS, ETH_HEADER + 9), //                   A = IP protocol
  jump(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 8), //               TCP, else drop
  stmt(BPF_LD | BPF_H | BPF_ABS, ETH_HEADER + 6), //                   A = flags and fragment offset
  jump(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 6, 0), //                   a later fragment (no ports): drop
  stmt(BPF_LDX | BPF_B | BPF_MSH, ETH_HEADER), //                      X = IP header length (4 * IHL)
  stmt(BPF_LD | BPF_H | BPF_IND, ETH_HEADER), //                       A = source port
  jump(BPF_JMP | BPF_JEQ | BPF_K, port, 2, 0), //                      PORT: keep
  stmt(BPF_LD | BPF_H | BPF_IND, ETH_HEADER + 2), //                   A = destination port
  jump(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 1), //                      PORT: keep, else drop
  stmt(BPF_RET | BPF_K, 0xffffffff), //                                keep: the whole frame
  stmt(BPF_RET | BPF_K, 0), //                                         drop
];
sd.setsockopt(SOL_SOCKET, SO_ATTACH_FILTER, filter); //               setsockopt(sd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program)
sd.bind({ family: 'AF_PACKET', protocol: ETH_P_IP, ifindex: lo }); // bind(sd, &sll, sizeof sll): lo only
console.log('listening on lo');

/** tcpdump's flag letters, in the order of the bits: FIN, SYN, RST, PSH, ACK ('.'), URG, ECE, CWR. */
function flagText(flags: number): string {
  return ['F', 'S', 'R', 'P', '.', 'U', 'E', 'W'].filter((_, bit) => flags & (1 << bit)).join('');
}

/** The first sequence number of each direction ('src.port>dst.port'), from its SYN. */
const initial = new Map<string, number>();
/** The directions that have sent their FIN. */
const finished = new Set<string>();

for (let ended = 0; ended < connections; ) {
  const { data, address } = sd.recvfrom(65536); //                    n = recvfrom(sd, frame, sizeof frame, 0, &from, &fromlen)
  if (address?.family !== 'AF_PACKET' || address.ifindex !== lo || address.pkttype === PACKET_OUTGOING) continue;
  // The IPv4 header after the Ethernet one: IHL words long, protocol at 9, addresses at 12 and 16.
  const ip = data.subarray(ETH_HEADER);
  if (ip.length < 20 || ip[9] !== 6) continue; //                    IPPROTO_TCP
  const ihl = (ip[0]! & 0x0f) * 4;
  const tcp = ip.subarray(ihl);
  if (tcp.length < 20) continue;
  const sport = tcp.readUInt16BE(0);
  const dport = tcp.readUInt16BE(2);
  if (sport !== port && dport !== port) continue;
  const src = `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
  const dst = `${ip[16]}.${ip[17]}.${ip[18]}.${ip[19]}`;
  const seq = tcp.readUInt32BE(4);
  const ack = tcp.readUInt32BE(8);
  const flags = tcp[13]!;
  const length = ip.readUInt16BE(2) - ihl - (tcp[12]! >> 4) * 4; //  total length - IP header - TCP header
  const self = `${src}.${sport}>${dst}.${dport}`;
  const peer = `${dst}.${dport}>${src}.${sport}`;
  if (flags & 0x02) initial.set(self, seq);
  // After the SYNs, numbers relative to each direction's first, as tcpdump prints them.
  const relative = !(flags & 0x02) && initial.has(self) && initial.has(peer);
  const seqShown = relative ? (seq - initial.get(self)!) >>> 0 : seq;
  const ackShown = relative ? (ack - initial.get(peer)!) >>> 0 : ack;
  let line = `IP ${src}.${sport} > ${dst}.${dport}: Flags [${flagText(flags)}]`;
  if (length > 0) line += `, seq ${seqShown}:${(seqShown + length) >>> 0}`;
  else if (flags & 0x07) line += `, seq ${seqShown}`; //              SYN, FIN, RST
  if (flags & 0x10) line += `, ack ${ackShown}`;
  console.log(`${line}, length ${length}`);
  // A connection has ended at a RST, or at the segment after both FINs that carries no FIN of its
  // own (the acknowledgement of the last one).
  if (flags & 0x04 || (finished.has(self) && finished.has(peer) && !(flags & 0x01))) {
    for (const key of [self, peer]) {
      initial.delete(key);
      finished.delete(key);
    }
    ended++;
  } else if (flags & 0x01) finished.add(self);
}
sd.close(); //                                                        close(sd)
