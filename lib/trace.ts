// The syscall trace: every syscall sockcall makes, printed in strace's notation.
//
//   SOCKCALL_TRACE=1 node app.js          (t: add timestamps, T: add durations, p: [pid N] on every
//                                          line; e.g. SOCKCALL_TRACE=tT)
//   trace(true) / trace(false) / trace((line) => ...) / trace(true, { timestamps, durations, pids })
//
// The binding reports each call with its raw arguments (native/trace.h) as the kernel got them:
// SOCK_CLOEXEC, MSG_NOSIGNAL and the rest that sockcall adds are there, and glibc's names give way
// to the syscalls' (send and recv are sendto and recvfrom, select is pselect6), as strace shows
// them. Each thread (worker) has its own switch; lines from a worker start with [pid TID] as in
// `strace -f`. What sockcall does not call itself is not in it: libuv's epoll_wait/epoll_ctl for the
// promise flavour, and the lookups inside getaddrinfo(3).
import { constants as fsConstants, readlinkSync, writeSync } from 'node:fs';
import { isMainThread, threadId } from 'node:worker_threads';

import { invalidArgType } from './errors';
import { CMSG_HEADER, controlItems, decodeCredentials, readInt, readInts, swapShort, UCRED_SIZE } from './layouts';
import { bitNames, epollEventNames, epollOpNames, familyNames, msgFlagNames, named, namesOf, socketTypeNames } from './names';
import { native, type NativeAddress } from './native';
import { optionKind } from './option-kinds';
import { validateObject } from './validate';

/**
 * How trace lines look: the second argument of {@link trace}.
 *
 * @example
 * ```ts
 * trace(true, { timestamps: true, durations: true });
 * // 21:07:03.512345 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 18 <0.000016>
 * ```
 *
 * @category Tracing
 */
export interface TraceOptions {
  /** Start each line with the wall-clock time, HH:MM:SS.uuuuuu (strace -tt). */
  timestamps?: boolean;
  /** End each line with the time spent in the call, <seconds> (strace -T). */
  durations?: boolean;
  /**
   * Start every line with `[pid N]`, the main thread's too (its pid), as `strace -f` does once it
   * follows more than one process: then the lines of several processes written to one file can be
   * told apart ({@link traceView} draws one lane for each).
   */
  pids?: boolean;
}

/**
 * Where lines go: true for stderr, a function for anything else, false to stop tracing.
 *
 * A function gets each line without its newline. If it throws, the call's result is kept and the
 * exception is raised on its own afterwards (process.nextTick).
 *
 * @category Tracing
 */
export type TraceSink = boolean | ((line: string) => void);

const c = native.constants;

const protocols = namesOf(['IPPROTO_']);
const ethernetTypes = namesOf(['ETH_P_']);
const packetTypes = namesOf(['PACKET_']);
const hardwareTypes = namesOf(['ARPHRD_']);
const levels = new Map<number, string>([
  [c.SOL_SOCKET!, 'SOL_SOCKET'],
  [c.IPPROTO_IP!, 'SOL_IP'],
  [c.IPPROTO_IPV6!, 'SOL_IPV6'],
  [c.IPPROTO_TCP!, 'SOL_TCP'],
  [c.IPPROTO_UDP!, 'SOL_UDP'],
  [c.SOL_RAW!, 'SOL_RAW'],
  [c.IPPROTO_ICMPV6!, 'SOL_ICMPV6'],
]);
const optionNames = new Map<number, Map<number, string>>([
  [c.SOL_SOCKET!, namesOf(['SO_'])],
  [c.IPPROTO_IP!, namesOf(['IP_'])],
  [c.IPPROTO_IPV6!, namesOf(['IPV6_'])],
  [c.IPPROTO_TCP!, namesOf(['TCP_'])],
  [c.SOL_RAW!, new Map([[c.ICMP_FILTER!, 'ICMP_FILTER']])],
  [c.IPPROTO_ICMPV6!, new Map([[c.ICMP6_FILTER!, 'ICMP6_FILTER']])],
]);
const shutdownHow = namesOf(['SHUT_']);
const pollFlags = [...namesOf(['POLL'], ['POLLRDNORM', 'POLLWRNORM', 'POLLRDBAND', 'POLLWRBAND'])].sort((a, b) => a[0] - b[0]);
// Linux's generic values (asm-generic/fcntl.h), the same on every architecture Node runs on.
const F_GETFL = 3;
const F_SETFL = 4;
const F_DUPFD_CLOEXEC = 1030;
const fcntlCommands = new Map([
  [F_GETFL, 'F_GETFL'],
  [F_SETFL, 'F_SETFL'],
  [F_DUPFD_CLOEXEC, 'F_DUPFD_CLOEXEC'],
]);
const openFlags: [number, string][] = (
  [
    ['O_APPEND', fsConstants.O_APPEND],
    ['O_NONBLOCK', fsConstants.O_NONBLOCK],
    ['O_SYNC', fsConstants.O_SYNC],
    ['O_DIRECT', fsConstants.O_DIRECT],
    ['O_NOATIME', fsConstants.O_NOATIME],
  ] as [string, number | undefined][]
)
  .filter((entry): entry is [string, number] => entry[1] !== undefined)
  .map(([name, value]) => [value, name]);

// In strace's order.
const socketFlagBits: [number, string][] = [
  [c.SOCK_CLOEXEC!, 'SOCK_CLOEXEC'],
  [c.SOCK_NONBLOCK!, 'SOCK_NONBLOCK'],
];

function socketType(value: number): string {
  const bits = c.SOCK_NONBLOCK! | c.SOCK_CLOEXEC!;
  const base = named(socketTypeNames, value & ~bits);
  return value & bits ? `${base}|${bitNames(socketFlagBits, value & bits)}` : base;
}

function protocol(family: number, value: number): string {
  // A packet socket's protocol is an Ethernet type in network order.
  if (family === c.AF_PACKET) return `htons(${named(ethernetTypes, swapShort(value))})`;
  // strace names protocol 0 IPPROTO_IP only where it is one: for internet sockets.
  if (family !== c.AF_INET && family !== c.AF_INET6) return String(value);
  return named(protocols, value);
}

/** A C string literal of `bytes` as strace writes one: printable ASCII as is, the rest escaped. */
function quote(bytes: Uint8Array, total: number, limit = 32): string {
  const shown = Math.min(bytes.length, limit);
  let text = '"';
  for (let i = 0; i < shown; i++) {
    const byte = bytes[i]!;
    const next = i + 1 < shown ? bytes[i + 1]! : -1;
    if (byte === 0x22) text += '\\"';
    else if (byte === 0x5c) text += '\\\\';
    else if (byte === 0x0a) text += '\\n';
    else if (byte === 0x09) text += '\\t';
    else if (byte === 0x0d) text += '\\r';
    else if (byte === 0x0c) text += '\\f';
    else if (byte === 0x0b) text += '\\v';
    else if (byte >= 0x20 && byte < 0x7f) text += String.fromCharCode(byte);
    // Octal, as short as it can be unless a digit follows (then "\0" + "1" would read as "\01").
    else if (next >= 0x30 && next <= 0x37) text += `\\${byte.toString(8).padStart(3, '0')}`;
    else text += `\\${byte.toString(8)}`;
  }
  return `${text}"${total > limit ? '...' : ''}`;
}

interface Tagged {
  /** A sockaddr's bytes, and (an internet one) the binding's decoding of them, as getsockname's. */
  sockaddr?: Buffer;
  address?: NativeAddress;
  /** An iovec array: each buffer's first bytes (or its address) and its length. */
  iov?: [Buffer | number, number][];
  /** How many iovecs there were (only the first 33 are in `iov`). */
  count?: number;
  in?: number;
  out?: number;
}

function sockaddr({ sockaddr: buffer, address }: Tagged): string {
  if (address?.family === 'AF_INET') {
    return `{sa_family=AF_INET, sin_port=htons(${address.port}), sin_addr=inet_addr("${address.address}")}`;
  }
  if (address?.family === 'AF_INET6') {
    return (
      `{sa_family=AF_INET6, sin6_port=htons(${address.port}), sin6_flowinfo=htonl(${address.flowinfo}), ` +
      `inet_pton(AF_INET6, "${address.address}", &sin6_addr), sin6_scope_id=${address.scopeId}}`
    );
  }
  if (buffer === undefined || buffer.length < 2) return '{sa_family=AF_UNSPEC}';
  const family = sockaddrFamily(buffer);
  if (family === c.AF_PACKET && buffer.length >= SOCKADDR_LL_HEADER) return packetSockaddr(buffer);
  if (family === c.AF_UNIX) {
    if (buffer.length <= 2) return '{sa_family=AF_UNIX}';
    const path = buffer.subarray(2);
    // strace shows a path whole (it is at most 108 bytes), not cut at 32 as data is.
    if (path[0] === 0) return `{sa_family=AF_UNIX, sun_path=@${quote(path.subarray(1), 0, path.length)}}`;
    const end = path.indexOf(0);
    const name = end < 0 ? path : path.subarray(0, end);
    return `{sa_family=AF_UNIX, sun_path=${quote(name, 0, name.length)}}`;
  }
  // connect's AF_UNSPEC (a disconnect): strace shows the rest of the struct sockaddr as sa_data.
  if (family === c.AF_UNSPEC && buffer.length > 2) return `{sa_family=AF_UNSPEC, sa_data=${quote(buffer.subarray(2), 0, buffer.length)}}`;
  return `{sa_family=${named(familyNames, family)}}`;
}

/** The fixed part of struct sockaddr_ll, up to sll_addr (the kernel returns 12 + sll_halen bytes). */
const SOCKADDR_LL_HEADER = 12;

/**
 * A struct sockaddr_ll as strace shows it: sll_protocol (network order) at 2, sll_ifindex at 4,
 * sll_hatype at 8 (host order), sll_pkttype at 10, sll_halen at 11, sll_addr[8] at 12; the interface
 * by its name, as strace asks the kernel for it.
 */
function packetSockaddr(buffer: Buffer): string {
  const ifindex = readInt(buffer, 4);
  const name = ifindex > 0 ? native.ifIndextoname(ifindex) : -1;
  const hatype = swapShort(buffer.readUInt16BE(8));
  const halen = buffer[11]!;
  let text =
    `{sa_family=AF_PACKET, sll_protocol=htons(${named(ethernetTypes, buffer.readUInt16BE(2))}), ` +
    `sll_ifindex=${typeof name === 'string' ? `if_nametoindex(${JSON.stringify(name)})` : ifindex}, ` +
    `sll_hatype=${named(hardwareTypes, hatype)}, sll_pkttype=${named(packetTypes, buffer[10]!)}, sll_halen=${halen}`;
  if (halen > 0) text += `, sll_addr=[${[...buffer.subarray(SOCKADDR_LL_HEADER, SOCKADDR_LL_HEADER + Math.min(halen, 8))].map((byte) => byte.toString(16).padStart(2, '0')).join(', ')}]`;
  return `${text}}`;
}

/** sa_family: an unsigned short in host byte order. */
function sockaddrFamily(buffer: Buffer): number {
  return new Uint16Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + 2))[0]!;
}

function lengths(value: Tagged): string {
  return value.in === value.out ? `[${value.in}]` : `[${value.in} => ${value.out}]`;
}

/** An option's value as strace shows it, by the option's kind (lib/option-kinds.ts). */
function optionValue(level: number, name: number, bytes: Buffer | null, length: number): string {
  if (bytes === null) return 'NULL';
  const kind = optionKind(level, name);
  if (kind === 'linger' && bytes.length >= 8) {
    const [onoff, linger] = readInts(bytes);
    return `{l_onoff=${onoff}, l_linger=${linger}}`;
  }
  if (kind === 'timeval' && bytes.length >= 16) {
    const [seconds, micros] = new BigInt64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 16));
    return `{tv_sec=${seconds}, tv_usec=${micros}}`;
  }
  if (kind === 'ucred' && bytes.length >= UCRED_SIZE) return credentials(bytes);
  if (kind === 'sock_fprog' && bytes.length >= 16) {
    // struct sock_fprog: an unsigned short count, then (aligned) the instructions' address.
    const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 16);
    return `{len=${new Uint16Array(copy, 0, 1)[0]}, filter=0x${new BigUint64Array(copy, 8, 1)[0]!.toString(16)}}`;
  }
  if (kind === 'string') return quote(bytes, length);
  if (bytes.length === 4) return `[${readInts(bytes)[0]}]`;
  return quote(bytes, length);
}

/** A struct ucred as strace shows it. */
function credentials(bytes: Buffer): string {
  const { pid, uid, gid } = decodeCredentials(bytes);
  return `{pid=${pid}, uid=${uid}, gid=${gid}}`;
}

type Arg = number | null | Buffer | number[] | Tagged;

const cmsgTypes = new Map<number, string>([
  [c.SCM_RIGHTS!, 'SCM_RIGHTS'],
  [c.SCM_CREDENTIALS!, 'SCM_CREDENTIALS'],
  [c.SCM_PIDFD!, 'SCM_PIDFD'],
]);

/** msg_control as strace shows it; only the bytes the binding kept (33) are decoded. */
function controlMessages(value: Arg): string {
  if (!Buffer.isBuffer(value)) return 'NULL';
  const { items, end } = controlItems(value);
  const shown = items.map(({ length, level, type, data, whole }) => {
    let text: string;
    // An SCM_PIDFD item holds one fd, shown as strace 6.5+ shows it (as SCM_RIGHTS: [fd]).
    if (level === c.SOL_SOCKET && (type === c.SCM_RIGHTS || type === c.SCM_PIDFD)) {
      text = `[${readInts(data).join(', ')}]${whole ? '' : '...'}`;
    } else if (level === c.SOL_SOCKET && type === c.SCM_CREDENTIALS && data.length >= UCRED_SIZE) {
      text = credentials(data);
    } else {
      text = quote(data, length - CMSG_HEADER);
    }
    const typeName = level === c.SOL_SOCKET ? named(cmsgTypes, type) : String(type);
    return `{cmsg_len=${length}, cmsg_level=${named(levels, level)}, cmsg_type=${typeName}, cmsg_data=${text}}`;
  });
  return `[${shown.join(', ')}${end < value.length && shown.length > 0 ? ', ...' : ''}]`;
}

/** A struct msghdr: sendmsg's, or recvmsg's after a successful call. */
function msghdr(args: Arg[], received: boolean): string {
  const name = args[1];
  const nameShown =
    typeof name === 'number' ? `0x${name.toString(16)}` : (name as Tagged | null)?.sockaddr ? sockaddr(name as Tagged) : 'NULL';
  // A received message's in => out pair; a plain number when no name was offered (recvmmsgInto without senders).
  const nameLength = received && typeof args[2] !== 'number' ? lengths(args[2] as Tagged).slice(1, -1) : String(args[2]);
  const { iov: entries = [], count = 0 } = args[3] as Tagged;
  const iov = entries.slice(0, 32).map(([base, length]) => {
    const shown = typeof base === 'number' ? `0x${base.toString(16)}` : quote(base, base.length);
    return `{iov_base=${shown}, iov_len=${length}}`;
  });
  if (entries.length > 32) iov.push('...');
  const controlLength = args[5] as number;
  const control = controlLength > 0 ? `msg_control=${controlMessages(args[4]!)}, ` : '';
  return (
    `{msg_name=${nameShown}, msg_namelen=${nameLength}, msg_iov=[${iov.join(', ')}], msg_iovlen=${count}, ` +
    `${control}msg_controllen=${controlLength}, msg_flags=${bitNames(msgFlagNames, args[6] as number)}}`
  );
}

/**
 * sendmmsg/recvmmsg's vector: each message's recorded fields (as sendmsg's msghdr, and msg_len
 * where the kernel set it) as {msg_hdr={...}, msg_len=N}; the vector's address when it was not read.
 */
function mmsgVector(value: Arg | undefined, received: boolean): string {
  if (typeof value === 'number') return `0x${value.toString(16)}`;
  const messages = (value ?? []) as unknown as Arg[][];
  const shown = messages.slice(0, 32).map((fields) => {
    const length = fields.length > 6 ? `, msg_len=${fields[6] as number}` : '';
    return `{msg_hdr=${msghdr([0, ...fields.slice(0, 6)], received)}${length}}`;
  });
  if (messages.length > 32) shown.push('...');
  return `[${shown.join(', ')}]`;
}

function fdSet(list: Arg): string {
  if (!Array.isArray(list)) return 'NULL';
  return `[${[...new Set(list)].sort((a, b) => a - b).join(' ')}]`;
}

function pollEntries(pairs: number[], key: 'events' | 'revents'): string {
  const entries: string[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) entries.push(`{fd=${pairs[i]}, ${key}=${bitNames(pollFlags, pairs[i + 1]!)}}`);
  return `[${entries.join(', ')}]`;
}

/** Reading a call's recorded arguments by position. */
class Recorded {
  constructor(
    readonly args: Arg[],
    readonly result: number,
  ) {}
  n(i: number): number {
    return this.args[i] as number;
  }
  bytes(i: number): Buffer | null {
    const value = this.args[i];
    return Buffer.isBuffer(value) ? value : null;
  }
  /** A buffer's bytes, or its address when the call failed and the kernel touched none. */
  data(i: number, total: number): string {
    const value = this.args[i];
    if (typeof value === 'number') return `0x${value.toString(16)}`;
    return Buffer.isBuffer(value) ? quote(value, total) : 'NULL';
  }
  /** A sockaddr argument: decoded, its buffer's address where the kernel wrote none, or NULL. */
  address(i: number): string {
    const value = this.args[i] as Tagged | number | null;
    if (typeof value === 'number') return `0x${value.toString(16)}`;
    return value?.sockaddr ? sockaddr(value) : 'NULL';
  }
  lengths(i: number): string {
    const value = this.args[i] as Tagged | null;
    return value ? lengths(value) : 'NULL';
  }
  flags(i: number): string {
    return bitNames(msgFlagNames, this.n(i));
  }
}

/** One traced syscall: what the binding records for it, and how strace prints that. */
interface Declaration {
  /**
   * The arguments the binding records (native/trace.h: Int, Bytes, Sockaddr ...), by name and in
   * order: one list, or several where a failed call records fewer.
   */
  recorded: readonly (readonly string[])[];
  /** The argument list as strace prints it. */
  print(call: Recorded): string;
}

const nameCall: Declaration = {
  recorded: [['fd', 'addr', 'addrlen']],
  print: (call) => `${call.n(0)}, ${call.address(1)}, ${call.lengths(2)}`,
};
const addressCall: Declaration = {
  recorded: [['fd', 'addr', 'addrlen']],
  print: (call) => `${call.n(0)}, ${call.address(1)}, ${call.n(2)}`,
};
const optionCall = (get: boolean): Declaration => ({
  recorded: [['fd', 'level', 'optname', 'optval', 'optlen']],
  print(call) {
    const level = call.n(1);
    const option = named(optionNames.get(level) ?? new Map(), call.n(2));
    const length = get ? call.lengths(4) : String(call.n(4));
    const shownLength = get ? ((call.args[4] as Tagged).out ?? 0) : call.n(4);
    const value = typeof call.args[3] === 'number' ? call.data(3, 0) : optionValue(level, call.n(2), call.bytes(3), shownLength);
    return `${call.n(0)}, ${named(levels, level)}, ${option}, ${value}, ${length}`;
  },
});

/** An epoll_event as strace prints it: data holds the fd (native/epoll.cc sets data.fd). */
function epollEvent(events: number, fd: number): string {
  return `{events=${bitNames(epollEventNames, events | 0)}, data={u32=${fd}, u64=${fd}}}`;
}

/** ioctl's requests by strace's names. */
const ioctlRequests = new Map([
  [c.FIONREAD!, 'FIONREAD'],
  [c.SIOCOUTQ!, 'TIOCOUTQ'],
  [c.SIOCOUTQNSD!, 'SIOCOUTQNSD'],
  [c.SIOCATMARK!, 'SIOCATMARK'],
]);

/**
 * Every syscall the binding traces, by the name it records (native/: `trace.End("name", ...)`).
 * test/86 holds that each one it can record is declared here, and nothing else is.
 */
export const TRACED_SYSCALLS: Readonly<Record<string, Declaration>> = {
  socket: {
    recorded: [['domain', 'type', 'protocol']],
    print: (call) => `${named(familyNames, call.n(0))}, ${socketType(call.n(1))}, ${protocol(call.n(0), call.n(2))}`,
  },
  socketpair: {
    recorded: [['domain', 'type', 'protocol', 'sv']],
    print(call) {
      const fds = call.args[3] as number[] | null;
      return `${named(familyNames, call.n(0))}, ${socketType(call.n(1))}, ${protocol(call.n(0), call.n(2))}, ${fds ? `[${fds.join(', ')}]` : '0x0'}`;
    },
  },
  bind: addressCall,
  connect: addressCall,
  listen: { recorded: [['fd', 'backlog']], print: (call) => `${call.n(0)}, ${call.n(1)}` },
  accept4: {
    recorded: [['fd', 'addr', 'addrlen', 'flags']],
    print: (call) => `${call.n(0)}, NULL, NULL, ${bitNames(socketFlagBits, call.n(3))}`,
  },
  sendto: {
    recorded: [['fd', 'buf', 'len', 'flags', 'dest_addr', 'addrlen']],
    print: (call) => `${call.n(0)}, ${call.data(1, call.n(2))}, ${call.n(2)}, ${call.flags(3)}, ${call.address(4)}, ${call.n(5)}`,
  },
  recvfrom: {
    recorded: [['fd', 'buf', 'len', 'flags', 'src_addr', 'addrlen']],
    print: (call) => `${call.n(0)}, ${call.data(1, call.result)}, ${call.n(2)}, ${call.flags(3)}, ${call.address(4)}, ${call.lengths(5)}`,
  },
  sendmsg: {
    recorded: [['fd', 'msg_name', 'msg_namelen', 'msg_iov', 'msg_control', 'msg_controllen', 'msg_flags', 'flags']],
    print: (call) => `${call.n(0)}, ${msghdr(call.args, false)}, ${call.flags(7)}`,
  },
  recvmsg: {
    recorded: [
      ['fd', 'msg_name', 'msg_namelen', 'msg_iov', 'msg_control', 'msg_controllen', 'msg_flags', 'flags'],
      // A failed recvmsg: strace shows only what went in, msg_namelen.
      ['fd', 'msg_namelen', 'flags'],
    ],
    print(call) {
      if (call.args.length === 3) return `${call.n(0)}, {msg_namelen=${call.n(1)}}, ${call.flags(2)}`;
      return `${call.n(0)}, ${msghdr(call.args, true)}, ${call.flags(7)}`;
    },
  },
  sendfile: {
    // The offset before and after the call (strace: [in] => [out], one [in] when unchanged), or null for NULL.
    recorded: [['out_fd', 'in_fd', 'offset', 'offset_out', 'count']],
    print(call) {
      const offset = call.args[2] === null ? 'NULL' : call.n(2) === call.n(3) ? `[${call.n(2)}]` : `[${call.n(2)}] => [${call.n(3)}]`;
      return `${call.n(0)}, ${call.n(1)}, ${offset}, ${call.n(4)}`;
    },
  },
  sendmmsg: {
    recorded: [['fd', 'msgvec', 'vlen', 'flags']],
    print: (call) => `${call.n(0)}, ${mmsgVector(call.args[1], false)}, ${call.n(2)}, ${call.flags(3)}`,
  },
  recvmmsg: {
    // The vector: the messages received, or its address when the call failed.
    recorded: [['fd', 'msgvec', 'vlen', 'flags', 'timeout']],
    print(call) {
      const timeout = call.args[4] as number[] | null;
      const timespec = timeout ? `{tv_sec=${timeout[0]}, tv_nsec=${timeout[1]}}` : 'NULL';
      return `${call.n(0)}, ${mmsgVector(call.args[1], true)}, ${call.n(2)}, ${call.flags(3)}, ${timespec}`;
    },
  },
  shutdown: { recorded: [['fd', 'how']], print: (call) => `${call.n(0)}, ${named(shutdownHow, call.n(1))}` },
  close: { recorded: [['fd']], print: (call) => `${call.n(0)}` },
  getsockname: nameCall,
  getpeername: nameCall,
  getsockopt: optionCall(true),
  setsockopt: optionCall(false),
  fcntl: {
    recorded: [['fd', 'cmd'], ['fd', 'cmd', 'arg']],
    print(call) {
      const command = named(fcntlCommands, call.n(1));
      if (call.args.length < 3) return `${call.n(0)}, ${command}`;
      const argument = call.n(1) === F_SETFL ? `O_RDWR|${bitNames(openFlags, call.n(2) & ~fsConstants.O_RDWR)}`.replace(/\|0$/, '') : String(call.n(2));
      return `${call.n(0)}, ${command}, ${argument}`;
    },
  },
  pselect6: {
    recorded: [['nfds', 'readfds', 'writefds', 'exceptfds', 'timeout']],
    print(call) {
      const timeout = call.args[4] as number[] | null;
      const timespec = timeout ? `{tv_sec=${timeout[0]}, tv_nsec=${timeout[1]}}` : 'NULL';
      return `${call.n(0)}, ${fdSet(call.args[1]!)}, ${fdSet(call.args[2]!)}, ${fdSet(call.args[3]!)}, ${timespec}, NULL`;
    },
  },
  poll: {
    recorded: [['fds', 'nfds', 'timeout']],
    print: (call) => `${pollEntries(call.args[0] as number[], 'events')}, ${call.n(1)}, ${call.n(2)}`,
  },
  epoll_create1: {
    recorded: [['flags']],
    print: (call) => bitNames([[c.EPOLL_CLOEXEC!, 'EPOLL_CLOEXEC']], call.n(0)),
  },
  epoll_ctl: {
    // The event as its events and data.fd (native/epoll.cc sets data.fd), or null for NULL.
    recorded: [['epfd', 'op', 'fd', 'events', 'data_fd'], ['epfd', 'op', 'fd', 'event']],
    print: (call) => `${call.n(0)}, ${named(epollOpNames, call.n(1))}, ${call.n(2)}, ${call.args[3] === null ? 'NULL' : epollEvent(call.n(3), call.n(4))}`,
  },
  epoll_wait: {
    // The events it wrote as [events, fd] pairs, or the buffer's address when it failed.
    recorded: [['epfd', 'events', 'maxevents', 'timeout']],
    print(call) {
      const ready = call.args[1];
      const shown: string[] = [];
      if (Array.isArray(ready)) for (let i = 0; i + 1 < ready.length; i += 2) shown.push(epollEvent(ready[i]!, ready[i + 1]!));
      return `${call.n(0)}, ${Array.isArray(ready) ? `[${shown.join(', ')}]` : `0x${call.n(1).toString(16)}`}, ${call.n(2)}, ${call.n(3)}`;
    },
  },
  ioctl: {
    // The request by strace's name for its number (SIOCINQ is FIONREAD's, SIOCOUTQ is TIOCOUTQ's);
    // the int written, or the address on failure.
    recorded: [['fd', 'request', 'argp']],
    print(call) {
      const value = call.args[2];
      return `${call.n(0)}, ${named(ioctlRequests, call.n(1))}, ${Array.isArray(value) ? `[${value[0]}]` : `0x${(value as number).toString(16)}`}`;
    },
  },
};
/** Names already warned about: a call the binding records that has no declaration, or another shape. */
const undeclared = new Set<string>();

/**
 * The argument list of one call, as strace prints it. A call without a declaration, or recorded
 * with a number of arguments its declaration does not list, is printed raw and warned about once
 * (SOCKCALL_TRACE_UNDECLARED): the binding and this table disagree.
 */
function formatArguments(name: string, args: Arg[], result: number): string {
  const declaration = Object.hasOwn(TRACED_SYSCALLS, name) ? TRACED_SYSCALLS[name] : undefined;
  if (declaration !== undefined && declaration.recorded.some((list) => list.length === args.length)) {
    return declaration.print(new Recorded(args, result));
  }
  const key = `${name}/${args.length}`;
  if (!undeclared.has(key)) {
    undeclared.add(key);
    const what = declaration === undefined ? 'has no declaration' : `was recorded with ${args.length} arguments, which its declaration does not list`;
    process.emitWarning(`sockcall's trace: ${name} ${what}; its arguments are printed raw`, { code: 'SOCKCALL_TRACE_UNDECLARED' });
  }
  return args.map((arg) => String(arg)).join(', ');
}

/** What strace adds after a successful result: the ready sets, F_GETFL's flags. */
function formatDetail(name: string, args: Arg[], result: number, detail: unknown): string {
  if (name === 'pselect6' && Array.isArray(detail)) {
    const parts = ['in', 'out', 'exp']
      .map((label, i) => ((detail[i] as number[]).length > 0 ? `${label} ${fdSet(detail[i] as number[])}` : ''))
      .filter(Boolean);
    return ` (${parts.join(', ')})`;
  }
  if (name === 'poll' && Array.isArray(detail)) return ` (${pollEntries(detail as number[], 'revents')})`;
  // recvmmsg's time left, written back by the kernel.
  if (name === 'recvmmsg' && Array.isArray(detail)) return ` (left {tv_sec=${detail[0] as number}, tv_nsec=${detail[1] as number}})`;
  if (name === 'fcntl' && args[1] === F_GETFL && result >= 0) {
    return ` (flags O_RDWR${result & ~fsConstants.O_RDWR ? `|${bitNames(openFlags, result & ~fsConstants.O_RDWR)}` : ''})`;
  }
  return '';
}

function formatResult(name: string, args: Arg[], result: number, errno: number, message: string | null): string {
  if (result < 0) return `-1 ${native.errnoNames[errno] ?? `E${errno}`} (${message})`;
  if (name === 'fcntl' && args[1] === F_GETFL) return `0x${result.toString(16)}`;
  if (name === 'pselect6' && result === 0) return '0 (Timeout)';
  if (name === 'poll' && result === 0) return '0 (Timeout)';
  return String(result);
}

function timeOfDay(startUs: number): string {
  const date = new Date(Math.floor(startUs / 1000));
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(Math.floor(startUs % 1e6), 6)} `;
}

/** One call as a line of strace -f output (without the newline). */
export function formatCall(
  name: string,
  args: Arg[],
  result: number,
  errno: number,
  message: string | null,
  detail: unknown,
  startUs: number,
  durationNs: number,
  options: TraceOptions = {},
): string {
  const prefix = isMainThread && !options.pids ? '' : `[pid ${String(isMainThread ? process.pid : gettid()).padStart(5)}] `;
  const call = `${prefix}${options.timestamps ? timeOfDay(startUs) : ''}${name}(${formatArguments(name, args, result)})`;
  // strace lines the results up at column 40.
  const line = `${call.padEnd(39)} = ${formatResult(name, args, result, errno, message)}${result > 0 || name === 'fcntl' ? formatDetail(name, args, result, detail) : ''}`;
  return options.durations ? `${line} <${(durationNs / 1e9).toFixed(6)}>` : line;
}

/** The kernel's id of this thread, as strace -f shows it: /proc/thread-self links to task/TID. */
let tid: number | undefined;
function gettid(): number {
  if (tid === undefined) {
    try {
      tid = Number(/(\d+)$/.exec(readlinkSync('/proc/thread-self'))![1]);
    } catch {
      tid = threadId;
    }
  }
  return tid;
}

function writeToStderr(line: string): void {
  writeSync(2, `${line}\n`);
}

/**
 * Turns the syscall trace of this thread on or off. `true` prints each call to stderr as it
 * returns, a function receives each line instead, `false` stops. The lines are in strace's notation:
 *
 *     socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3
 *     connect(3, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, 16)
 *       = -1 ECONNREFUSED (Connection refused)
 *
 * (one line each; the second is folded here). `SOCKCALL_TRACE=1` in the environment turns it on for
 * every thread that loads sockcall (`SOCKCALL_TRACE=t`: with timestamps, `T`: with durations, `tT`: both;
 * `p`: `[pid N]` on every line, for several processes tracing into one file).
 *
 * The arguments are as the kernel got them: SOCK_CLOEXEC, MSG_NOSIGNAL and the other flags sockcall
 * adds are shown, and the names are the syscalls' (send and recv are sendto and recvfrom, select is
 * pselect6, accept is accept4, setBlocking is fcntl). Each worker thread has its own switch, and its
 * lines start with `[pid TID]` as in `strace -f`. Not traced: what sockcall does not call itself
 * (libuv's epoll_wait/epoll_ctl under the promise flavour, the lookups inside getaddrinfo(3)).
 * Off, it costs one atomic load per call.
 *
 * @param sink - true (stderr), false (stop), or a function that receives each line.
 * @param options - `timestamps` (strace -tt) and `durations` (strace -T); both off by default.
 * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) for a sink that is not a boolean or function, or
 * options that are not booleans.
 * @see {@link https://man7.org/linux/man-pages/man1/strace.1.html | strace(1)}
 * @example
 * ```ts
 * const lines: string[] = [];
 * trace((line) => lines.push(line));
 * const s = new Socket(AF_INET, SOCK_STREAM);
 * s.close();
 * trace(false);
 * lines[0]; // 'socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 18'
 * lines[1]; // 'close(18)                               = 0' (results line up at column 40, as strace's)
 * ```
 *
 * @category Tracing
 */
export function trace(sink: TraceSink, options: TraceOptions = {}): void {
  if (typeof sink !== 'boolean' && typeof sink !== 'function') throw invalidArgType('sink', 'of type boolean or function', sink);
  const { timestamps, durations, pids } = validateObject(options, 'options', ['timestamps', 'durations', 'pids']);
  for (const [key, value] of [['timestamps', timestamps], ['durations', durations], ['pids', pids]] as const) {
    if (value !== undefined && typeof value !== 'boolean') throw invalidArgType(`options.${key}`, 'of type boolean', value);
  }
  if (sink === false) {
    native.setTrace(null);
    return;
  }
  const write = sink === true ? writeToStderr : sink;
  const shape: TraceOptions = { timestamps: timestamps === true, durations: durations === true, pids: pids === true };
  let writing = false;
  native.setTrace((name: string, args: Arg[], result: number, errno: number, message: string | null, detail: unknown, startUs: number, durationNs: number) => {
    // A sink that itself makes sockcall calls (sends its lines over a socket) would trace them
    // without end: calls made from inside the sink are not traced.
    if (writing) return;
    writing = true;
    // A sink that throws must not lose the syscall's result (an fd just opened, bytes just read):
    // its exception is rethrown on its own, after this call has returned.
    try {
      write(formatCall(name, args, result, errno, message, detail, startUs, durationNs, shape));
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    } finally {
      writing = false;
    }
  });
}

/**
 * SOCKCALL_TRACE: "1" (or "on", "true"), or letters: t for timestamps, T for durations, p for
 * [pid N] on every line. Read once per thread, when sockcall loads; anything else is a warning, not
 * an error.
 */
function traceFromEnvironment(value = process.env.SOCKCALL_TRACE): void {
  if (value === undefined || value === '' || value === '0' || value === 'false' || value === 'off') return;
  if (value === '1' || value === 'on' || value === 'true') {
    trace(true);
  } else if (/^[tTp]+$/.test(value)) {
    trace(true, { timestamps: value.includes('t'), durations: value.includes('T'), pids: value.includes('p') });
  } else {
    process.emitWarning(`SOCKCALL_TRACE=${JSON.stringify(value)} is not understood (1, or letters of tTp: t timestamps, T durations, p pids); not tracing`, { code: 'SOCKCALL_TRACE' });
  }
}

traceFromEnvironment();
