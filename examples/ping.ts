// ping: ICMP echo, as ping(8) does it, over loopback. An ICMP echo request (type 8; ICMPv6: 128)
// with an identifier, a sequence number and 56 bytes of data goes out with sendto(); the reply
// (type 0; ICMPv6: 129) comes back through recvfrom() and its round-trip time is printed as ping(8)
// prints it, with the statistics at the end. The C twin is c/ping.c.
//
//   node dist/ping.js [host] [--count N] [--dgram]     host 127.0.0.1 (::1 for ICMPv6), count 3
//
// Two kinds of socket can do it:
// - SOCK_RAW, IPPROTO_ICMP (the default): the program writes the whole ICMP message, checksum
//   included, and is given every ICMP message the host receives (its own requests too, on loopback),
//   each behind its IP header, unless it filters them (ICMP_FILTER, ICMP6_FILTER: this one keeps
//   echo replies only, as ping(8) does). Making one needs CAP_NET_RAW (root has it): without it,
//   socket() fails with EPERM.
// - SOCK_DGRAM, IPPROTO_ICMP (--dgram): Linux's unprivileged "ping socket". The kernel sets the
//   identifier, and hands back only the replies to this socket, without the IP header. Any user may
//   make one whose group is in net.ipv4.ping_group_range ("1 0", the default on many systems, lets
//   no one): otherwise socket() fails with EACCES.
// For ICMPv6 the kernel computes the checksum itself (it covers a pseudo-header with the addresses),
// and a raw ICMPv6 socket gets no IP header: the hop limit is not printed then, nor for --dgram.
import {
  AF_INET6,
  AI_NUMERICHOST,
  getaddrinfo,
  IPPROTO_ICMP,
  ICMP6_FILTER,
  ICMP_FILTER,
  IPPROTO_ICMPV6,
  SO_RCVTIMEO,
  SOCK_DGRAM,
  SOCK_RAW,
  Socket,
  SocketError,
  SOL_RAW,
  SOL_SOCKET,
} from 'sockcall';

import { countArg, fail, usage } from './cli';

const DATA_LENGTH = 56; //                                            #define DATA_LENGTH 56
const ICMP_HEADER = 8; //                                             #define ICMP_HEADER 8
const REPLY_MS = 1000; //                                             #define REPLY_MS 1000
const INTERVAL_MS = 200; //                                           #define INTERVAL_MS 200
const USAGE = 'ping [host] [--count N] [--dgram]';

let host = '127.0.0.1';
let count = 3;
let dgram = false;
const argv = process.argv.slice(2);
for (let i = 0, hosts = 0; i < argv.length; i++) {
  if (argv[i] === '--count' && i + 1 < argv.length) count = countArg(argv[++i]!, 1000, USAGE);
  else if (argv[i] === '--dgram') dgram = true;
  else if (argv[i]!.startsWith('--') || hosts++ > 0) usage(USAGE);
  else host = argv[i]!;
}

// A numeric address only: getaddrinfo() with AI_NUMERICHOST says which family it is.
const [res] = getaddrinfo(host, null, { flags: AI_NUMERICHOST, type: SOCK_DGRAM }); // getaddrinfo(host, NULL, &hints, &res)
const family = res!.family;
const v6 = family === AF_INET6;
const [echoRequest, echoReply] = v6 ? [128, 129] : [8, 0]; //         ICMP6_ECHO_REQUEST/REPLY : ICMP_ECHO/ECHOREPLY

let sd: Socket;
try {
  sd = new Socket(family, dgram ? SOCK_DGRAM : SOCK_RAW, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP); // sd = socket(family, type, proto)
} catch (error) {
  if (error instanceof SocketError && error.code === 'EPERM') fail('socket: EPERM: a raw socket needs CAP_NET_RAW (run as root, or try --dgram)');
  if (error instanceof SocketError && error.code === 'EACCES') fail('socket: EACCES: a ping socket needs a group in net.ipv4.ping_group_range (or run as root without --dgram)');
  throw error;
}
sd.setsockopt(SOL_SOCKET, SO_RCVTIMEO, REPLY_MS); //                  setsockopt(sd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv)
// A raw socket is queued every ICMP message the host receives; as ping(8) does, a filter keeps all
// but echo replies out of its queue, where a burst of others could crowd the reply out.
if (!dgram && !v6) sd.setsockopt(SOL_RAW, ICMP_FILTER, ~(1 << echoReply)); // struct icmp_filter filter = {~(1U << ICMP_ECHOREPLY)}
if (!dgram && v6) {
  const filter = new Uint32Array(8).fill(0xffffffff); //              ICMP6_FILTER_SETBLOCKALL(&filter)
  const word = echoReply >> 5; //                                     ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter)
  filter[word] = filter[word]! & ~(1 << (echoReply & 31));
  sd.setsockopt(IPPROTO_ICMPV6, ICMP6_FILTER, filter); //             setsockopt(sd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter)
}

/** The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit words. */
function checksum(bytes: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (bytes.length % 2 === 1) sum += bytes[bytes.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

if (v6) console.log(`PING ${host} (${host}) ${DATA_LENGTH} data bytes`);
else console.log(`PING ${host} (${host}) ${DATA_LENGTH}(${DATA_LENGTH + ICMP_HEADER + 20}) bytes of data.`);

const id = process.pid & 0xffff; //                                   id = getpid() & 0xffff
const times: number[] = [];
const packet = Buffer.alloc(ICMP_HEADER + DATA_LENGTH); //            unsigned char packet[ICMP_HEADER + DATA_LENGTH]
for (let i = 0; i < DATA_LENGTH; i++) packet[ICMP_HEADER + i] = i; // the data: 0, 1, 2 ...
for (let seq = 1; seq <= count; seq++) {
  if (seq > 1) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, INTERVAL_MS); // usleep(INTERVAL_MS * 1000)
  // The ICMP header, in network byte order: type, code, checksum, identifier, sequence number.
  packet.writeUInt8(echoRequest, 0);
  packet.writeUInt8(0, 1);
  packet.writeUInt16BE(0, 2);
  packet.writeUInt16BE(id, 4);
  packet.writeUInt16BE(seq, 6);
  if (!v6) packet.writeUInt16BE(checksum(packet), 2); //              ICMPv6: the kernel fills it in
  const sent = process.hrtime.bigint(); //                            clock_gettime(CLOCK_MONOTONIC, &sent)
  sd.sendto(packet, { address: host, port: 0 }); //                   sendto(sd, packet, sizeof packet, 0, res->ai_addr, res->ai_addrlen)

  // Read until this request's reply: a raw socket also gets every other ICMP message (on loopback,
  // the request itself on its way in, and other programs' pings). SO_RCVTIMEO bounds each wait,
  // the reply time the loop: others' messages, however many, cannot make this reply look lost.
  while (Number(process.hrtime.bigint() - sent) / 1e6 < REPLY_MS) { //  while (ms_since(&sent) < REPLY_MS)
    let data: Buffer;
    let from: string;
    try {
      const received = sd.recvfrom(1500); //                          n = recvfrom(sd, buf, sizeof buf, 0, &from, &fromlen)
      data = received.data;
      from = received.address !== null && received.address.family !== 'AF_UNIX' && received.address.family !== 'AF_UNSPEC' ? received.address.address : '?';
    } catch (error) {
      if (error instanceof SocketError && error.code === 'EAGAIN') break; // no reply within REPLY_MS
      throw error;
    }
    // A raw IPv4 socket reads the IP header first: its length is IHL 32-bit words; byte 8 is the TTL.
    const ipHeader = !v6 && !dgram ? (data[0]! & 0x0f) * 4 : 0;
    const icmp = data.subarray(ipHeader);
    if (icmp.length < ICMP_HEADER || icmp[0] !== echoReply || icmp.readUInt16BE(6) !== seq) continue;
    if (!dgram && icmp.readUInt16BE(4) !== id) continue; // another program's ping
    if (!v6 && checksum(icmp) !== 0) continue; //                     a damaged reply
    const ms = Number(process.hrtime.bigint() - sent) / 1e6;
    times.push(ms);
    const ttl = ipHeader > 0 ? ` ttl=${data[8]}` : '';
    console.log(`${icmp.length} bytes from ${from}: icmp_seq=${seq}${ttl} time=${ms.toFixed(3)} ms`);
    break;
  }
}
sd.close(); //                                                        close(sd)

const loss = Math.floor(((count - times.length) * 200 + count) / (2 * count)); // rounded
console.log(`--- ${host} ping statistics ---`);
console.log(`${count} packets transmitted, ${times.length} received, ${loss}% packet loss`);
if (times.length > 0) {
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const mdev = Math.sqrt(times.reduce((a, b) => a + b * b, 0) / times.length - mean * mean);
  const stats = [Math.min(...times), mean, Math.max(...times), mdev].map((value) => value.toFixed(3)).join('/');
  console.log(`rtt min/avg/max/mdev = ${stats} ms`);
}
if (times.length < count) process.exitCode = 1;
