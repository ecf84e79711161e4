// The syscall trace: every syscall sockcall makes, printed in strace's notation.
//
//   SOCKCALL_TRACE=1 node app.js          (t: add timestamps, T: add durations; e.g. SOCKCALL_TRACE=tT)
//   trace(true) / trace(false) / trace((line) => ...) / trace(true, { timestamps, durations })
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
import { bitNames, epollEventNames, epollOpNames, familyNames, msgFlagNames, named, namesOf, socketTypeNames } from './names';
import { native } from './native';
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
const levels = new Map<number, string>([
  [c.SOL_SOCKET!, 'SOL_SOCKET'],
  [c.IPPROTO_IP!, 'SOL_IP'],
  [c.IPPROTO_IPV6!, 'SOL_IPV6'],
  [c.IPPROTO_TCP!, 'SOL_TCP'],
  [c.IPPROTO_UDP!, 'SOL_UDP'],
]);
const optionNames = new Map<number, Map<number, string>>([
  [c.SOL_SOCKET!, namesOf(['SO_'])],
  [c.IPPROTO_IP!, namesOf(['IP_'])],
  [c.IPPROTO_IPV6!, namesOf(['IPV6_'])],
  [c.IPPROTO_TCP!, namesOf(['TCP_'])],
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

const timevalOptions = new Set([c.SO_RCVTIMEO!, c.SO_SNDTIMEO!]);
const stringOptions = new Set([c.SO_BINDTODEVICE!]);

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
  sockaddr?: Buffer;
  /** An iovec array: each buffer's first bytes (or its address) and its length. */
  iov?: [Buffer | number, number][];
  /** How many iovecs there were (only the first 33 are in `iov`). */
  count?: number;
  in?: number;
  out?: number;
}

function sockaddr(buffer: Buffer): string {
  if (buffer.length < 2) return '{sa_family=AF_UNSPEC}';
  const family = buffer.readUInt16LE(0);
  if (family === c.AF_INET && buffer.length >= 8) {
    const address = `${buffer[4]}.${buffer[5]}.${buffer[6]}.${buffer[7]}`;
    return `{sa_family=AF_INET, sin_port=htons(${buffer.readUInt16BE(2)}), sin_addr=inet_addr("${address}")}`;
  }
  if (family === c.AF_INET6 && buffer.length >= 28) {
    const address = inet6(buffer.subarray(8, 24));
    return (
      `{sa_family=AF_INET6, sin6_port=htons(${buffer.readUInt16BE(2)}), sin6_flowinfo=htonl(${buffer.readUInt32BE(4)}), ` +
      `inet_pton(AF_INET6, "${address}", &sin6_addr), sin6_scope_id=${buffer.readUInt32LE(24)}}`
    );
  }
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

function inet6(bytes: Uint8Array): string {
  // An IPv4-mapped address reads as inet_ntop writes it: ::ffff:127.0.0.1.
  if (bytes.subarray(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // The longest run of two or more zero groups becomes "::" (RFC 5952).
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}

function lengths(value: Tagged): string {
  return value.in === value.out ? `[${value.in}]` : `[${value.in} => ${value.out}]`;
}

/** An option's value: [int], a struct, or a string, by option. */
function optionValue(level: number, name: number, bytes: Buffer | null, length: number): string {
  if (bytes === null) return 'NULL';
  if (level === c.SOL_SOCKET && name === c.SO_LINGER && bytes.length >= 8) {
    return `{l_onoff=${bytes.readInt32LE(0)}, l_linger=${bytes.readInt32LE(4)}}`;
  }
  if (level === c.SOL_SOCKET && timevalOptions.has(name) && bytes.length >= 16) {
    return `{tv_sec=${bytes.readBigInt64LE(0)}, tv_usec=${bytes.readBigInt64LE(8)}}`;
  }
  if ((level === c.SOL_SOCKET && stringOptions.has(name)) || (level === c.IPPROTO_TCP && name === c.TCP_CONGESTION)) {
    return quote(bytes, length);
  }
  if (bytes.length === 4) return `[${bytes.readInt32LE(0)}]`;
  return quote(bytes, length);
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
  const items: string[] = [];
  let offset = 0;
  while (offset + 16 <= value.length) {
    const length = Number(value.readBigUInt64LE(offset));
    if (length < 16) break;
    const level = value.readInt32LE(offset + 8);
    const type = value.readInt32LE(offset + 12);
    const data = value.subarray(offset + 16, Math.min(offset + length, value.length));
    let shown: string;
    // An SCM_PIDFD item holds one fd, shown as strace 6.5+ shows it (as SCM_RIGHTS: [fd]).
    if (level === c.SOL_SOCKET && (type === c.SCM_RIGHTS || type === c.SCM_PIDFD)) {
      const fds: number[] = [];
      for (let i = 0; i + 4 <= data.length; i += 4) fds.push(data.readInt32LE(i));
      shown = `[${fds.join(', ')}]${data.length < length - 16 ? '...' : ''}`;
    } else if (level === c.SOL_SOCKET && type === c.SCM_CREDENTIALS && data.length >= 12) {
      shown = `{pid=${data.readInt32LE(0)}, uid=${data.readUInt32LE(4)}, gid=${data.readUInt32LE(8)}}`;
    } else {
      shown = quote(data, length - 16);
    }
    const typeName = level === c.SOL_SOCKET ? named(cmsgTypes, type) : String(type);
    items.push(`{cmsg_len=${length}, cmsg_level=${named(levels, level)}, cmsg_type=${typeName}, cmsg_data=${shown}}`);
    offset += (length + 7) & ~7;
  }
  return `[${items.join(', ')}${offset < value.length && items.length > 0 ? ', ...' : ''}]`;
}

/** A struct msghdr: sendmsg's, or recvmsg's after a successful call. */
function msghdr(args: Arg[], received: boolean): string {
  const name = args[1];
  const nameShown =
    typeof name === 'number' ? `0x${name.toString(16)}` : (name as Tagged | null)?.sockaddr ? sockaddr((name as Tagged).sockaddr!) : 'NULL';
  const nameLength = received ? lengths(args[2] as Tagged).slice(1, -1) : String(args[2]);
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

function fdSet(list: Arg): string {
  if (!Array.isArray(list)) return 'NULL';
  return `[${[...new Set(list)].sort((a, b) => a - b).join(' ')}]`;
}

function pollEntries(pairs: number[], key: 'events' | 'revents'): string {
  const entries: string[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) entries.push(`{fd=${pairs[i]}, ${key}=${bitNames(pollFlags, pairs[i + 1]!)}}`);
  return `[${entries.join(', ')}]`;
}

/** epoll_create1, epoll_ctl and epoll_wait's arguments, as strace prints them (native/epoll.cc records them). */
function epollArguments(name: string, args: Arg[]): string {
  const n = (i: number): number => args[i] as number;
  const event = (events: number, fd: number): string => `{events=${bitNames(epollEventNames, events | 0)}, data={u32=${fd}, u64=${fd}}}`;
  if (name === 'epoll_create1') return bitNames([[c.EPOLL_CLOEXEC!, 'EPOLL_CLOEXEC']], n(0));
  if (name === 'epoll_ctl') return `${n(0)}, ${named(epollOpNames, n(1))}, ${n(2)}, ${args[3] === null ? 'NULL' : event(n(3), n(4))}`;
  // epoll_wait: the events it wrote as [events, fd] pairs, or the buffer's address when it failed.
  const ready = args[1];
  const shown: string[] = [];
  if (Array.isArray(ready)) for (let i = 0; i + 1 < ready.length; i += 2) shown.push(event(ready[i]!, ready[i + 1]!));
  return `${n(0)}, ${Array.isArray(ready) ? `[${shown.join(', ')}]` : `0x${n(1).toString(16)}`}, ${n(2)}, ${n(3)}`;
}

/**
 * ioctl's arguments (native/ioctl.cc records them): the request by strace's name for its number
 * (SIOCINQ is FIONREAD's, SIOCOUTQ is TIOCOUTQ's), the int written, or the address on failure.
 */
function ioctlArguments(args: Arg[]): string {
  const requests = new Map([
    [c.FIONREAD!, 'FIONREAD'],
    [c.SIOCOUTQ!, 'TIOCOUTQ'],
    [c.SIOCOUTQNSD!, 'SIOCOUTQNSD'],
    [c.SIOCATMARK!, 'SIOCATMARK'],
  ]);
  const value = args[2];
  return `${args[0]}, ${named(requests, args[1] as number)}, ${Array.isArray(value) ? `[${value[0]}]` : `0x${(value as number).toString(16)}`}`;
}

/** The argument list of one call, as strace prints it. */
function formatArguments(name: string, args: Arg[], result: number): string {
  const n = (i: number): number => args[i] as number;
  const bytes = (i: number): Buffer | null => (Buffer.isBuffer(args[i]) ? (args[i] as Buffer) : null);
  /** A buffer's bytes, or its address when the call failed and the kernel touched none. */
  const data = (i: number, total: number): string => {
    const value = args[i];
    if (typeof value === 'number') return `0x${value.toString(16)}`;
    return Buffer.isBuffer(value) ? quote(value, total) : 'NULL';
  };
  const address = (i: number): string => {
    const value = args[i] as Tagged | null;
    return value?.sockaddr ? sockaddr(value.sockaddr) : 'NULL';
  };
  switch (name) {
    case 'socket':
      return `${named(familyNames, n(0))}, ${socketType(n(1))}, ${protocol(n(0), n(2))}`;
    case 'socketpair': {
      const fds = args[3] as number[] | null;
      return `${named(familyNames, n(0))}, ${socketType(n(1))}, ${protocol(n(0), n(2))}, ${fds ? `[${fds.join(', ')}]` : '0x0'}`;
    }
    case 'bind':
    case 'connect':
      return `${n(0)}, ${address(1)}, ${n(2)}`;
    case 'listen':
      return `${n(0)}, ${n(1)}`;
    case 'accept4':
      return `${n(0)}, NULL, NULL, ${bitNames(socketFlagBits, n(3))}`;
    case 'sendto':
      return `${n(0)}, ${data(1, n(2))}, ${n(2)}, ${bitNames(msgFlagNames, n(3))}, ${address(4)}, ${n(5)}`;
    case 'recvfrom': {
      const from = args[5] as Tagged | null;
      return `${n(0)}, ${data(1, result)}, ${n(2)}, ${bitNames(msgFlagNames, n(3))}, ${address(4)}, ${from ? lengths(from) : 'NULL'}`;
    }
    case 'sendmsg':
      return `${n(0)}, ${msghdr(args, false)}, ${bitNames(msgFlagNames, n(7))}`;
    case 'recvmsg':
      // A failed recvmsg: strace shows only what went in, msg_namelen.
      if (args.length === 3) return `${n(0)}, {msg_namelen=${n(1)}}, ${bitNames(msgFlagNames, n(2))}`;
      return `${n(0)}, ${msghdr(args, true)}, ${bitNames(msgFlagNames, n(7))}`;
    case 'shutdown':
      return `${n(0)}, ${named(shutdownHow, n(1))}`;
    case 'close':
      return `${n(0)}`;
    case 'getsockname':
    case 'getpeername':
      return `${n(0)}, ${address(1)}, ${lengths(args[2] as Tagged)}`;
    case 'getsockopt':
    case 'setsockopt': {
      const level = n(1);
      const option = named(optionNames.get(level) ?? new Map(), n(2));
      const value =
        typeof args[3] === 'number' ? data(3, 0) : optionValue(level, n(2), bytes(3), name === 'getsockopt' ? ((args[4] as Tagged).out ?? 0) : n(4));
      const length = name === 'getsockopt' ? lengths(args[4] as Tagged) : String(n(4));
      return `${n(0)}, ${named(levels, level)}, ${option}, ${value}, ${length}`;
    }
    case 'fcntl': {
      const command = named(fcntlCommands, n(1));
      if (args.length < 3) return `${n(0)}, ${command}`;
      const argument = n(1) === F_SETFL ? `O_RDWR|${bitNames(openFlags, n(2) & ~fsConstants.O_RDWR)}`.replace(/\|0$/, '') : String(n(2));
      return `${n(0)}, ${command}, ${argument}`;
    }
    case 'pselect6': {
      const timeout = args[4] as number[] | null;
      const timespec = timeout ? `{tv_sec=${timeout[0]}, tv_nsec=${timeout[1]}}` : 'NULL';
      return `${n(0)}, ${fdSet(args[1]!)}, ${fdSet(args[2]!)}, ${fdSet(args[3]!)}, ${timespec}, NULL`;
    }
    case 'poll':
      return `${pollEntries(args[0] as number[], 'events')}, ${n(1)}, ${n(2)}`;
    case 'epoll_create1':
    case 'epoll_ctl':
    case 'epoll_wait':
      return epollArguments(name, args);
    case 'ioctl':
      return ioctlArguments(args);
    default:
      return args.map((arg) => String(arg)).join(', ');
  }
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
  const prefix = isMainThread ? '' : `[pid ${String(gettid()).padStart(5)}] `;
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
 * every thread that loads sockcall (`SOCKCALL_TRACE=t`: with timestamps, `T`: with durations, `tT`: both).
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
  const { timestamps, durations } = validateObject(options, 'options', ['timestamps', 'durations']);
  for (const [key, value] of [['timestamps', timestamps], ['durations', durations]] as const) {
    if (value !== undefined && typeof value !== 'boolean') throw invalidArgType(`options.${key}`, 'of type boolean', value);
  }
  if (sink === false) {
    native.setTrace(null);
    return;
  }
  const write = sink === true ? writeToStderr : sink;
  const shape: TraceOptions = { timestamps: timestamps === true, durations: durations === true };
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
 * SOCKCALL_TRACE: "1" (or "on", "true"), or letters: t for timestamps, T for durations. Read once
 * per thread, when sockcall loads; anything else is a warning, not an error.
 */
function traceFromEnvironment(value = process.env.SOCKCALL_TRACE): void {
  if (value === undefined || value === '' || value === '0' || value === 'false' || value === 'off') return;
  if (value === '1' || value === 'on' || value === 'true') {
    trace(true);
  } else if (/^[tT]+$/.test(value)) {
    trace(true, { timestamps: value.includes('t'), durations: value.includes('T') });
  } else {
    process.emitWarning(`SOCKCALL_TRACE=${JSON.stringify(value)} is not understood (1, t, T or tT); not tracing`, { code: 'SOCKCALL_TRACE' });
  }
}

traceFromEnvironment();
