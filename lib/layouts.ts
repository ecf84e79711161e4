// The kernel's binary layouts that sockcall reads and writes in JS, each written down once: the
// cmsghdr of ancillary data and struct ucred. msg.ts (sendmsg/recvmsg), socket-base.ts
// (SO_PEERCRED) and trace.ts (strace's view of msg_control) all use these. The layouts are Linux's
// on a 64-bit machine (include/linux/socket.h), in host byte order:
//
//   struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; }  16 bytes, data at 16
//   CMSG_ALIGN(n) = (n + 7) & ~7;  CMSG_LEN(n) = 16 + n;  CMSG_SPACE(n) = 16 + CMSG_ALIGN(n)
//   struct ucred { pid_t pid; uid_t uid; gid_t gid; }                     12 bytes
//   struct tcp_info (linux/tcp.h)  fields at the offsets of TCP_INFO_FIELDS below; the kernel copies
//                                  min(its size, the length offered), so a field is read only when
//                                  the returned length covers it.
import { endianness } from 'node:os';

import { constants, type Credentials } from './constants';

const littleEndian = endianness() === 'LE';

/**
 * htons(3) and ntohs(3), the same swap: a 16-bit value between host and network byte order (a packet
 * socket's protocol, which the kernel takes in network order).
 */
export function swapShort(value: number): number {
  return littleEndian ? ((value & 0xff) << 8) | ((value >> 8) & 0xff) : value;
}

/** sizeof(struct cmsghdr): where an item's data starts. */
export const CMSG_HEADER = 16;
/** sizeof(struct ucred). */
export const UCRED_SIZE = 12;

/** CMSG_ALIGN(3): `length` rounded up to the cmsghdr alignment (8). @category Ancillary data */
export function CMSG_ALIGN(length: number): number {
  return (length + 7) & ~7;
}
/** CMSG_LEN(3): `cmsg_len` of an item with `length` bytes of data. @category Ancillary data */
export function CMSG_LEN(length: number): number {
  return CMSG_HEADER + length;
}
/** CMSG_SPACE(3): the control bytes an item with `length` bytes of data takes. @category Ancillary data */
export function CMSG_SPACE(length: number): number {
  return CMSG_HEADER + CMSG_ALIGN(length);
}

/** A size_t in host byte order. */
export function writeSize(buffer: Buffer, value: number, offset: number): void {
  if (littleEndian) buffer.writeBigUInt64LE(BigInt(value), offset);
  else buffer.writeBigUInt64BE(BigInt(value), offset);
}

export function readSize(buffer: Buffer, offset: number): number {
  return Number(littleEndian ? buffer.readBigUInt64LE(offset) : buffer.readBigUInt64BE(offset));
}

/** An int in host byte order. */
export function writeInt(buffer: Buffer, value: number, offset: number): void {
  if (littleEndian) buffer.writeInt32LE(value, offset);
  else buffer.writeInt32BE(value, offset);
}

export function readInt(buffer: Buffer, offset: number): number {
  return littleEndian ? buffer.readInt32LE(offset) : buffer.readInt32BE(offset);
}

/** The ints of `data` (an SCM_RIGHTS item's fds), as many whole ones as it holds. */
export function readInts(data: Buffer): number[] {
  const values: number[] = [];
  for (let offset = 0; offset + 4 <= data.length; offset += 4) values.push(readInt(data, offset));
  return values;
}

/** One cmsghdr of a control buffer, and its data. */
export interface ControlItem {
  /** `cmsg_len`: the header and the data, as the kernel wrote it. */
  length: number;
  level: number;
  type: number;
  /** The data (a view into the buffer), cut short where the buffer ends before `length` does. */
  data: Buffer;
  /** Whether all `length` bytes are in the buffer. */
  whole: boolean;
}

/**
 * The cmsghdrs of a control buffer in order (CMSG_FIRSTHDR/CMSG_NXTHDR), up to a header that does
 * not fit or reads shorter than a header; `end` is where they stopped. An item that runs past the
 * buffer (a truncated copy, as the trace keeps) is the last one, with `whole` false.
 */
export function controlItems(buffer: Buffer): { items: ControlItem[]; end: number } {
  const items: ControlItem[] = [];
  let offset = 0;
  while (offset + CMSG_HEADER <= buffer.length) {
    const length = readSize(buffer, offset);
    if (length < CMSG_HEADER) break;
    const whole = offset + length <= buffer.length;
    items.push({
      length,
      level: readInt(buffer, offset + 8),
      type: readInt(buffer, offset + 12),
      data: buffer.subarray(offset + CMSG_HEADER, Math.min(offset + length, buffer.length)),
      whole,
    });
    offset += CMSG_ALIGN(length);
    if (!whole) break;
  }
  return { items, end: offset };
}

/** `struct ucred` as Credentials. */
export function decodeCredentials(data: Buffer): Credentials {
  return littleEndian
    ? { pid: data.readInt32LE(0), uid: data.readUInt32LE(4), gid: data.readUInt32LE(8) }
    : { pid: data.readInt32BE(0), uid: data.readUInt32BE(4), gid: data.readUInt32BE(8) };
}

/** Credentials as `struct ucred`. */
export function encodeCredentials({ pid, uid, gid }: Credentials): Buffer {
  const data = Buffer.alloc(UCRED_SIZE);
  if (littleEndian) {
    data.writeInt32LE(pid, 0);
    data.writeUInt32LE(uid, 4);
    data.writeUInt32LE(gid, 8);
  } else {
    data.writeInt32BE(pid, 0);
    data.writeUInt32BE(uid, 4);
    data.writeUInt32BE(gid, 8);
  }
  return data;
}

/**
 * `struct tcp_info`: what the kernel knows of a TCP connection, from `getsockopt(IPPROTO_TCP, TCP_INFO)`.
 *
 * Fields are named as in linux/tcp.h without the `tcpi_` prefix, and `state` is the state's name.
 * Every field is present that the running kernel fills (it copies as much of the struct as it has
 * and sockcall reads no further): the later ones are marked with the Linux that added them, and are
 * absent on an older kernel. Counts that the kernel keeps in 64 bits are numbers (exact to 2^53).
 *
 * @see {@link https://man7.org/linux/man-pages/man7/tcp.7.html | tcp(7)}, TCP_INFO
 * @example
 * ```ts
 * const { state, rtt, snd_cwnd } = s.getsockopt(IPPROTO_TCP, TCP_INFO);
 * console.log(state, rtt / 1000, 'ms', snd_cwnd, 'segments');
 * ```
 *
 * @category Options
 */
export interface TcpInfo {
  /** The connection's state by name ('ESTABLISHED', 'LISTEN', 'TIME_WAIT' ..., see the TCP_* states). */
  state: TcpState;
  /** The congestion control state (`enum tcp_ca_state`: 0 Open, 1 Disorder, 2 CWR, 3 Recovery, 4 Loss). */
  ca_state: number;
  /** Retransmissions of the current unacknowledged segment (count). */
  retransmits: number;
  /** Zero-window or keepalive probes sent without an answer (count). */
  probes: number;
  /** Exponential backoff of the retransmission timer (the power of 2). */
  backoff: number;
  /** Options negotiated: TCPI_OPT_TIMESTAMPS 1, SACK 2, WSCALE 4, ECN 8, ECN_SEEN 16, SYN_DATA 32 (bits). */
  options: number;
  /** The peer's window scale (a shift count), with TCPI_OPT_WSCALE. */
  snd_wscale: number;
  /** This end's window scale (a shift count), with TCPI_OPT_WSCALE. */
  rcv_wscale: number;
  /** Whether `delivery_rate` was measured while the application sent too little to fill the pipe. */
  delivery_rate_app_limited: boolean;
  /** Why a TCP Fast Open connect fell back (0 unspecified, 1 no cookie sent, 2 data not acked, 3 SYN-ACK without cookie). */
  fastopen_client_fail: number;
  /** The retransmission timeout (microseconds). */
  rto: number;
  /** The delayed-ACK timeout (microseconds). */
  ato: number;
  /** The sending maximum segment size (bytes). */
  snd_mss: number;
  /** The estimated receiving maximum segment size (bytes). */
  rcv_mss: number;
  /** Segments sent and not yet acknowledged (segments). */
  unacked: number;
  /** Segments selectively acknowledged (segments); on a listener, its backlog limit. */
  sacked: number;
  /** Segments presumed lost (segments). */
  lost: number;
  /** Segments retransmitted and not yet acknowledged (segments). */
  retrans: number;
  /** Forward-acknowledged segments: always 0 since Linux 4.15 (segments). */
  fackets: number;
  /** Time since data was last sent (milliseconds). */
  last_data_sent: number;
  /** Not kept by the kernel: always 0 (milliseconds). */
  last_ack_sent: number;
  /** Time since data was last received (milliseconds). */
  last_data_recv: number;
  /** Time since an ACK was last received (milliseconds). */
  last_ack_recv: number;
  /** The path MTU (bytes). */
  pmtu: number;
  /** The receive window's slow-start threshold (bytes). */
  rcv_ssthresh: number;
  /** The smoothed round-trip time (microseconds). */
  rtt: number;
  /** The round-trip time's mean deviation (microseconds). */
  rttvar: number;
  /** The slow-start threshold (segments; 2147483647 until the first loss: no threshold yet). */
  snd_ssthresh: number;
  /** The congestion window (segments). */
  snd_cwnd: number;
  /** The maximum segment size advertised to the peer (bytes). */
  advmss: number;
  /** The reordering the connection tolerates before calling a segment lost (segments). */
  reordering: number;
  /** The round-trip time estimated by the receiver (microseconds; 0 until measured). */
  rcv_rtt: number;
  /** The receive buffer space the autotuner aims at (bytes). */
  rcv_space: number;
  /** Retransmissions over the connection's life (segments). */
  total_retrans: number;
  /** The current pacing rate (bytes per second). */
  pacing_rate: number;
  /** SO_MAX_PACING_RATE (bytes per second; 2^64 - 1, read as 18446744073709552000, when unlimited). */
  max_pacing_rate: number;
  /** Bytes sent and acknowledged (bytes; RFC 4898 tcpEStatsAppHCThruOctetsAcked). */
  bytes_acked: number;
  /** Bytes received in order (bytes; RFC 4898 tcpEStatsAppHCThruOctetsReceived). */
  bytes_received: number;
  /** Segments sent, retransmissions and pure ACKs included (segments). */
  segs_out: number;
  /** Segments received, pure ACKs included (segments). */
  segs_in: number;
  /** Bytes queued and not yet sent (bytes). */
  notsent_bytes: number;
  /** The smallest round-trip time seen in a recent window (microseconds). */
  min_rtt: number;
  /** Segments received carrying data (segments). */
  data_segs_in: number;
  /** Segments sent carrying data (segments). */
  data_segs_out: number;
  /** The most recent delivery rate (bytes per second). */
  delivery_rate: number;
  /** Time with data in flight (microseconds). */
  busy_time: number;
  /** Time limited by the peer's receive window (microseconds). */
  rwnd_limited: number;
  /** Time limited by the send buffer (microseconds). */
  sndbuf_limited: number;
  /** Segments delivered to the peer, retransmissions included (segments). */
  delivered: number;
  /** Delivered segments that carried an ECN CE mark (segments). */
  delivered_ce: number;
  /** Bytes sent, retransmissions included (bytes). */
  bytes_sent: number;
  /** Bytes retransmitted (bytes). */
  bytes_retrans: number;
  /** Duplicate segments reported by D-SACK (segments). */
  dsack_dups: number;
  /** Reordering events seen (count). */
  reord_seen: number;
  /** Segments received out of order (segments). */
  rcv_ooopack: number;
  /** The peer's advertised receive window, scaled (bytes). */
  snd_wnd: number;
  /** This end's advertised receive window, scaled (bytes; Linux 6.2+). */
  rcv_wnd?: number;
  /** Times the connection changed its flow label / path on a timeout (count; Linux 6.5+). */
  rehash?: number;
  /** Retransmission timeouts over the connection's life (count; Linux 6.7+). */
  total_rto?: number;
  /** Recoveries entered through a retransmission timeout (count; Linux 6.7+). */
  total_rto_recoveries?: number;
  /** Time spent in those recoveries (milliseconds; Linux 6.7+). */
  total_rto_time?: number;
}

/** A TCP state's name: the TCP_* state constants without their prefix. @category Options */
export type TcpState =
  | 'ESTABLISHED'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'FIN_WAIT1'
  | 'FIN_WAIT2'
  | 'TIME_WAIT'
  | 'CLOSE'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'LISTEN'
  | 'CLOSING';

const TCP_STATES: readonly TcpState[] = ['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING'];
const tcpStateNames = new Map<number, TcpState>(TCP_STATES.map((name) => [constants[`TCP_${name}`]!, name]));

/** The length sockcall offers for TCP_INFO: more than any kernel's struct, so the kernel decides. */
export const TCP_INFO_OFFER = 512;

/**
 * How a field of struct tcp_info is stored: an unsigned integer of 1, 2, 4 or 8 bytes, or one of the
 * bitfields of byte 6 (`snd_wscale : 4, rcv_wscale : 4`) and byte 7 (`app_limited : 1,
 * fastopen_client_fail : 2`), whose bit order follows the host's byte order.
 */
type TcpInfoStorage = 'u8' | 'u16' | 'u32' | 'u64' | 'wscale_snd' | 'wscale_rcv' | 'app_limited' | 'fastopen_fail';

/** [name, offset, storage] of every field of struct tcp_info after `state` (at 0, a u8). */
const TCP_INFO_FIELDS: readonly (readonly [name: Exclude<keyof TcpInfo, 'state'>, offset: number, storage: TcpInfoStorage])[] = [
  ['ca_state', 1, 'u8'],
  ['retransmits', 2, 'u8'],
  ['probes', 3, 'u8'],
  ['backoff', 4, 'u8'],
  ['options', 5, 'u8'],
  ['snd_wscale', 6, 'wscale_snd'],
  ['rcv_wscale', 6, 'wscale_rcv'],
  ['delivery_rate_app_limited', 7, 'app_limited'],
  ['fastopen_client_fail', 7, 'fastopen_fail'],
  ['rto', 8, 'u32'],
  ['ato', 12, 'u32'],
  ['snd_mss', 16, 'u32'],
  ['rcv_mss', 20, 'u32'],
  ['unacked', 24, 'u32'],
  ['sacked', 28, 'u32'],
  ['lost', 32, 'u32'],
  ['retrans', 36, 'u32'],
  ['fackets', 40, 'u32'],
  ['last_data_sent', 44, 'u32'],
  ['last_ack_sent', 48, 'u32'],
  ['last_data_recv', 52, 'u32'],
  ['last_ack_recv', 56, 'u32'],
  ['pmtu', 60, 'u32'],
  ['rcv_ssthresh', 64, 'u32'],
  ['rtt', 68, 'u32'],
  ['rttvar', 72, 'u32'],
  ['snd_ssthresh', 76, 'u32'],
  ['snd_cwnd', 80, 'u32'],
  ['advmss', 84, 'u32'],
  ['reordering', 88, 'u32'],
  ['rcv_rtt', 92, 'u32'],
  ['rcv_space', 96, 'u32'],
  ['total_retrans', 100, 'u32'],
  ['pacing_rate', 104, 'u64'],
  ['max_pacing_rate', 112, 'u64'],
  ['bytes_acked', 120, 'u64'],
  ['bytes_received', 128, 'u64'],
  ['segs_out', 136, 'u32'],
  ['segs_in', 140, 'u32'],
  ['notsent_bytes', 144, 'u32'],
  ['min_rtt', 148, 'u32'],
  ['data_segs_in', 152, 'u32'],
  ['data_segs_out', 156, 'u32'],
  ['delivery_rate', 160, 'u64'],
  ['busy_time', 168, 'u64'],
  ['rwnd_limited', 176, 'u64'],
  ['sndbuf_limited', 184, 'u64'],
  ['delivered', 192, 'u32'],
  ['delivered_ce', 196, 'u32'],
  ['bytes_sent', 200, 'u64'],
  ['bytes_retrans', 208, 'u64'],
  ['dsack_dups', 216, 'u32'],
  ['reord_seen', 220, 'u32'],
  ['rcv_ooopack', 224, 'u32'],
  ['snd_wnd', 228, 'u32'],
  ['rcv_wnd', 232, 'u32'],
  ['rehash', 236, 'u32'],
  ['total_rto', 240, 'u16'],
  ['total_rto_recoveries', 242, 'u16'],
  ['total_rto_time', 244, 'u32'],
];

const STORAGE_SIZE: Record<TcpInfoStorage, number> = { u8: 1, u16: 2, u32: 4, u64: 8, wscale_snd: 1, wscale_rcv: 1, app_limited: 1, fastopen_fail: 1 };

function tcpInfoField(bytes: Buffer, offset: number, storage: TcpInfoStorage): number | boolean {
  switch (storage) {
    case 'u8':
      return bytes[offset]!;
    case 'u16':
      return littleEndian ? bytes.readUInt16LE(offset) : bytes.readUInt16BE(offset);
    case 'u32':
      return littleEndian ? bytes.readUInt32LE(offset) : bytes.readUInt32BE(offset);
    case 'u64':
      return Number(littleEndian ? bytes.readBigUInt64LE(offset) : bytes.readBigUInt64BE(offset));
    // GCC allocates bitfields from the low bit on a little-endian host, from the high bit on a big-endian one.
    case 'wscale_snd':
      return littleEndian ? bytes[offset]! & 0xf : bytes[offset]! >> 4;
    case 'wscale_rcv':
      return littleEndian ? bytes[offset]! >> 4 : bytes[offset]! & 0xf;
    case 'app_limited':
      return (littleEndian ? bytes[offset]! & 1 : bytes[offset]! >> 7) === 1;
    case 'fastopen_fail':
      return littleEndian ? (bytes[offset]! >> 1) & 3 : (bytes[offset]! >> 5) & 3;
  }
}

/** The first `length` bytes of a struct tcp_info, as the kernel returned them, as a TcpInfo. */
export function decodeTcpInfo(bytes: Buffer, length: number): TcpInfo {
  const state = bytes[0]!;
  const info: Record<string, unknown> = { state: tcpStateNames.get(state) ?? String(state) };
  for (const [name, offset, storage] of TCP_INFO_FIELDS) {
    if (offset + STORAGE_SIZE[storage] > length) break;
    info[name] = tcpInfoField(bytes, offset, storage);
  }
  return info as unknown as TcpInfo;
}
