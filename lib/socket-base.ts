// What both flavours of Socket share: one object owning one fd, and the calls that never wait
// (bind, listen, shutdown, close, getsockname, getpeername, setsockopt, getsockopt, fcntl).
// lib/socket.ts adds the blocking calls, lib/promises.ts the awaited ones.
import { inspect, type InspectOptionsStylized } from 'node:util';

import { type AddressInput, addressText, encodeAddress, type EncodedAddress, type SocketAddress } from './address';
import {
  AF_PACKET,
  AF_UNIX,
  AF_INET,
  AF_INET6,
  BPF_MAXINSNS,
  type BpfInstruction,
  type Credentials,
  type CredentialsOption,
  type FilterOption,
  type Membership,
  type MembershipOption,
  type Pidfd,
  type PidfdOption,
  type Linger,
  type LingerOption,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SO_DOMAIN,
  SO_PROTOCOL,
  SO_RCVTIMEO,
  SO_TYPE,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  SOL_SOCKET,
  SOMAXCONN,
  type StringOption,
  type TcpInfoOption,
  type TimevalOption,
} from './constants';
import { FIONREAD, SIOCATMARK, SIOCINQ, SIOCOUTQ, SIOCOUTQNSD } from './constants';
import { closedError, invalidArgType, invalidArgValue, outOfRange, syscallError } from './errors';
import { decodeCredentials, decodeTcpInfo, swapShort, TCP_INFO_OFFER, type TcpInfo, UCRED_SIZE } from './layouts';
import { familyNames, named, socketTypeNames } from './names';
import { GETSOCKOPT_FAILED, native } from './native';
import { optionKind } from './option-kinds';
import { INT32_MIN, validateInt, validateObject } from './validate';

/**
 * Largest single recv() sockcall will allocate for: Linux moves at most this much per call.
 *
 * The upper bound of `length` for `recv` and `recvfrom` in both flavours (0x7ffff000, just under 2 GiB);
 * a larger `length` is a RangeError (`ERR_OUT_OF_RANGE`).
 *
 * @category Addresses and limits
 */
export const MAX_RECV_LENGTH = 0x7ffff000;

/**
 * The options of `chunks()`, which reads a socket chunk by chunk (the promise flavour's take
 * `signal` and `timeout` too).
 *
 * @example
 * ```ts
 * for (const chunk of conn.chunks({ size: 4096 })) process.stdout.write(chunk);
 * ```
 *
 * @category Sockets
 */
export interface ChunksOptions {
  /** The most bytes per chunk (recv's `length`): 1 to {@link MAX_RECV_LENGTH}, default 65536 (64 KiB). */
  size?: number;
}

/**
 * chunks()'s `size` when none is given: 64 KiB, the longest read that goes through the per-thread
 * scratch buffer (lib/receive.ts), so that each chunk allocates only what arrived.
 */
const DEFAULT_CHUNK_SIZE = 65536;

/** Checks chunks()'s `options` (`size`, and `alsoKnown`: the wait keys) and returns the chunk size. */
export function chunkSize(options: unknown, alsoKnown?: readonly string[]): number {
  if (options === undefined) return DEFAULT_CHUNK_SIZE;
  const { size } = validateObject(options, 'options', ['size'], alsoKnown);
  return size === undefined ? DEFAULT_CHUNK_SIZE : validateInt(size, 'options.size', 1, MAX_RECV_LENGTH);
}

/**
 * Whether an empty read ends chunks(): on a connection (SOCK_STREAM, SOCK_SEQPACKET) it is EOF; on a
 * datagram socket it is an empty datagram, one chunk like any other.
 */
export function endsAtEmpty(type: number): boolean {
  return type === SOCK_STREAM || type === SOCK_SEQPACKET;
}

/** Largest SO_RCVTIMEO/SO_SNDTIMEO in ms (about 31,700 years; the kernel caps it anyway). */
const MAX_TIMEVAL_MS = native.limits.MAX_TIMEOUT_MS;

/**
 * What recvfrom() returns: the bytes and who sent them (null on a connected stream socket).
 *
 * @example
 * ```ts
 * const { data, address } = udp.recvfrom(2048);
 * if (address?.family === 'AF_INET') udp.sendto(data, address); // echo it back
 * ```
 *
 * @category Sockets
 */
export interface Received {
  /**
   * The bytes received, in a Buffer of their size (see recv): empty at EOF on a stream socket, or
   * for an empty datagram.
   */
  data: Buffer;
  /**
   * The sender's address, as recvfrom(2) filled it in. When the kernel gives none: null on an internet
   * socket (a connected TCP socket), and `{ family: 'AF_UNIX', path: '' }` (unnamed) on an AF_UNIX one.
   */
  address: SocketAddress | null;
}

/**
 * What recvfromInto() takes besides the view and flags.
 *
 * @example
 * ```ts
 * const senders: (SocketAddress | null)[] = [];
 * const n = udp.recvfromInto(buffer, 0, { senders });
 * udp.sendto(buffer.subarray(0, n), senders[0]!); // answer the sender
 * ```
 *
 * @category Sockets
 */
export interface RecvfromIntoOptions {
  /**
   * Its index 0 is set to the sender (as recvfrom()'s `address`, and as recvmmsgInto()'s `senders`
   * for a batch of one). The sender last decoded is kept and handed out again while datagrams come
   * from it, frozen (copy it to change it), so a loop on one sender allocates nothing; one is kept
   * for each thread's calls that complete at once and one for each promise Socket's calls that
   * waited, so compare senders by value, not by identity. (A Unix name that is not UTF-8, a Buffer,
   * is decoded anew each time.) Without `senders`, the kernel is not asked for the sender (src_addr
   * NULL) and nothing is allocated.
   */
  senders?: (SocketAddress | null)[];
}

// Scratch space for getsockopt results: one per thread (module instances are per thread).
const lingerOut = new Int32Array(2);
const tcpInfoOut = Buffer.alloc(TCP_INFO_OFFER);
const msOut = new Float64Array(1);

/**
 * The value type of a socket option, from its constant: a {@link Linger} for SO_LINGER, milliseconds
 * for SO_RCVTIMEO/SO_SNDTIMEO, a string for SO_BINDTODEVICE/TCP_CONGESTION, {@link Credentials} for
 * SO_PEERCRED, a {@link Pidfd} (a new fd, the caller's to close) for SO_PEERPIDFD, a {@link TcpInfo}
 * for TCP_INFO, else an integer.
 *
 * What `getsockopt(level, name)` returns. The choice is made from the type of `name`: the constants
 * of those options are typed {@link LingerOption}, {@link TimevalOption}, {@link StringOption},
 * {@link CredentialsOption}, {@link PidfdOption} and {@link TcpInfoOption}.
 *
 * @example
 * ```ts
 * const ms = sock.getsockopt(SOL_SOCKET, SO_RCVTIMEO); // number (milliseconds)
 * const cc = sock.getsockopt(IPPROTO_TCP, TCP_CONGESTION); // string
 * ```
 *
 * @category Options
 */
export type OptionValue<N extends number> = N extends LingerOption
  ? Linger
  : N extends CredentialsOption
    ? Credentials
    : N extends PidfdOption
      ? Pidfd
      : N extends TcpInfoOption
        ? TcpInfo
      : N extends TimevalOption
        ? number
        : N extends StringOption
          ? string
          : number;

/**
 * What setsockopt accepts besides the option's own type: booleans for flags, raw bytes for any option.
 *
 * A boolean is set as 1 or 0 (not for SO_LINGER or the string options); any Buffer, TypedArray or
 * DataView is passed to setsockopt(2) as the option's raw bytes. The multicast membership options
 * (write only) take a {@link Membership}. SO_ATTACH_FILTER takes a classic BPF program: an array of
 * {@link BpfInstruction}s, or their bytes (8 per instruction, struct sock_filter), around which the
 * binding builds the struct sock_fprog the kernel reads.
 *
 * @category Options
 */
export type SetOptionValue<N extends number> = N extends MembershipOption
  ? Membership | ArrayBufferView
  : N extends FilterOption
    ? readonly BpfInstruction[] | ArrayBufferView
  : N extends TcpInfoOption
    ? ArrayBufferView
    : OptionValue<N> | (N extends LingerOption | StringOption | CredentialsOption ? never : boolean) | ArrayBufferView;

/** The bytes of an address for `family` ('239.255.0.1' → 4, 'ff15::1' → 16), or a TypeError. */
function addressBytes(value: unknown, family: number, name: string): Buffer {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value);
  const sockaddr = Buffer.alloc(family === AF_INET ? 16 : 28);
  if (value.includes('\0') || native.sockaddrInet(family, value, 0, 0, 0, sockaddr) === 0) throw invalidArgValue(name, value, `must be a numeric ${family === AF_INET ? 'IPv4' : 'IPv6'} address`);
  // The address inside sockaddr_in (at 4) or sockaddr_in6 (at 8).
  return family === AF_INET ? sockaddr.subarray(4, 8) : sockaddr.subarray(8, 24);
}

const MEMBERSHIP_KEYS = ['multiaddr', 'address', 'ifindex'];
const LINGER_KEYS = ['onoff', 'linger'];

/** A {@link Membership} as `struct ip_mreqn` (AF_INET) or `struct ipv6_mreq` (AF_INET6). */
function membership(value: unknown, family: number): Buffer {
  const { multiaddr, address, ifindex } = validateObject(value, 'value', MEMBERSHIP_KEYS);
  const index = ifindex === undefined ? 0 : validateInt(ifindex, 'value.ifindex', 0);
  if (family === AF_INET) {
    const bytes = Buffer.alloc(12);
    addressBytes(multiaddr, AF_INET, 'value.multiaddr').copy(bytes, 0);
    addressBytes(address ?? '0.0.0.0', AF_INET, 'value.address').copy(bytes, 4);
    bytes.writeInt32LE(index, 8);
    return bytes;
  }
  if (address !== undefined) throw invalidArgValue('value.address', address, 'is IPv4 only (ip_mreqn); IPv6 takes ifindex');
  const bytes = Buffer.alloc(20);
  addressBytes(multiaddr, AF_INET6, 'value.multiaddr').copy(bytes, 0);
  bytes.writeUInt32LE(index, 16);
  return bytes;
}

const BPF_INSTRUCTION_KEYS = ['code', 'jt', 'jf', 'k'];
const EMPTY = Buffer.alloc(0);
const BPF_INSTRUCTION_SIZE = 8;

/**
 * A classic BPF program as the bytes of its struct sock_filter array (u16 code, u8 jt, u8 jf, u32 k,
 * host byte order), from {@link BpfInstruction}s or bytes already so laid out; 1 to BPF_MAXINSNS of them.
 */
function filterProgram(value: unknown): ArrayBufferView {
  const count = ArrayBuffer.isView(value) ? value.byteLength / BPF_INSTRUCTION_SIZE : Array.isArray(value) ? value.length : undefined;
  if (count === undefined) throw invalidArgType('value', 'an array of BPF instructions ({ code, jt, jf, k }) or an instance of Buffer, TypedArray, or DataView', value);
  if (!Number.isInteger(count)) throw outOfRange('value.byteLength', `a multiple of ${BPF_INSTRUCTION_SIZE} (struct sock_filter)`, (value as ArrayBufferView).byteLength);
  if (count < 1 || count > BPF_MAXINSNS) throw outOfRange('value.length', `>= 1 && <= ${BPF_MAXINSNS} instructions`, count);
  if (ArrayBuffer.isView(value)) return value;
  const bytes = Buffer.alloc(count * BPF_INSTRUCTION_SIZE);
  (value as unknown[]).forEach((item, index) => {
    const name = `value[${index}]`;
    const { code, jt, jf, k } = validateObject(item, name, BPF_INSTRUCTION_KEYS);
    const at = index * BPF_INSTRUCTION_SIZE;
    bytes.writeUInt16LE(validateInt(code, `${name}.code`, 0, 0xffff), at);
    bytes.writeUInt8(validateInt(jt, `${name}.jt`, 0, 0xff), at + 2);
    bytes.writeUInt8(validateInt(jf, `${name}.jf`, 0, 0xff), at + 3);
    bytes.writeUInt32LE(validateInt(k, `${name}.k`, 0, 0xffffffff), at + 4);
  });
  return bytes;
}

/**
 * What closing a socket nobody closed needs besides its fd, kept apart from the socket itself (a
 * value held here must not reach the socket, or the socket is never collected).
 */
interface Unclosed {
  /**
   * Where the socket was created, recorded only under --trace-warnings (a stack costs ~2 µs). A
   * string: an unformatted stack would keep its frames' receivers, the socket among them, alive.
   */
  origin: string | undefined;
  /** The promise flavour's poll handle, closed before the fd (epoll must not watch a closed fd). */
  poller: { close(): void } | null;
}

/**
 * By fd, for the sockets that have an origin or a poll handle; most have neither, and nothing here.
 * Which Socket holds which fd is the binding's (native/environment.h): each Socket is its fd's
 * holder, referenced weakly, and close() and detach() drop the reference with the fd. An array
 * indexed by fd (fd numbers are small, the lowest free one reused): every promise connection that
 * waits enters and leaves, and a Map hashed each time and rehashed as deletions piled up.
 */
const unclosedByFd: (Unclosed | undefined)[] = [];
/** How many entries of unclosedByFd are set: while 0, closing a socket looks at nothing. */
let unclosedCount = 0;

function holdUnclosed(fd: number, held: Unclosed): void {
  if (unclosedByFd[fd] === undefined) unclosedCount++;
  unclosedByFd[fd] = held;
}

function takeUnclosed(fd: number): Unclosed | undefined {
  const held = unclosedByFd[fd];
  if (held !== undefined) {
    unclosedByFd[fd] = undefined;
    unclosedCount--;
  }
  return held;
}

/**
 * Closes the fd of a Socket collected without close(), as Node's FileHandle does, and warns: the
 * fd was held for as long as the garbage collector took to notice, and that can be long. Called by
 * the binding after the collection, once per such Socket.
 */
native.setCollectedHandler((fd) => {
  const held = takeUnclosed(fd);
  held?.poller?.close();
  const name = native.getsockname(fd);
  native.close(fd);
  const where = typeof name === 'number' ? '' : ` (${describeAddress(name)})`;
  process.emitWarning(`Closing socket fd ${fd}${where} on garbage collection: close() every Socket you are done with`, {
    code: 'SOCKCALL_UNCLOSED_SOCKET',
    detail: held?.origin ?? 'Run with --trace-warnings to see where it was created.',
  });
});

/**
 * The process object, read once: the global `process` is an accessor, which even optimized code
 * calls on every read (about 140 instructions per Socket made).
 */
const nodeProcess = process as { traceProcessWarnings?: boolean };

/** Node's --trace-warnings switch (process.traceProcessWarnings, settable at run time). */
function tracingWarnings(): boolean {
  return nodeProcess.traceProcessWarnings === true;
}

/** The caller's stack, without sockcall's own frames, as the warning's detail. */
function creationSite(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  return ['Created:', ...frames.filter((frame) => !frame.includes(__dirname))].join('\n');
}

function describeAddress(address: SocketAddress): string {
  if (address.family === 'AF_UNIX') return address.path === '' ? 'AF_UNIX, unnamed' : `AF_UNIX ${addressText(address)}`;
  return addressText(address);
}

/**
 * The static factories make their syscall before they construct: called on anything but a Socket
 * class (`const { pair } = Socket; pair(...)`), they would open fds and then fail to wrap them.
 */
function validateSocketClass(value: unknown, method: string): void {
  if (value !== SocketBase && !(typeof value === 'function' && value.prototype instanceof SocketBase)) {
    throw invalidArgType('this', `a Socket class (call it as Socket.${method}(...))`, value);
  }
}

/** Passed as the fourth constructor argument (with the fd as the fifth) to wrap an open fd. */
export const ADOPT: unique symbol = Symbol('adopt');

/** Reads a socket's fd for a syscall, throwing EBADF if it is closed. For lib/ only. */
export let fdOf: (socket: SocketBase, syscall: string) => number;

/**
 * Why a blocking call's EAGAIN (or a blocking connect's EINPROGRESS) came: `timed out after 500 ms
 * (SO_RCVTIMEO)` when the socket's own timeout `option` ran out, else undefined. For lib/ only.
 */
export let timeoutDetail: (socket: SocketBase, option: number) => string | undefined;

/**
 * What a new socket knows of its fd's waits: a connection from accept4 inherits the listener's
 * SO_RCVTIMEO and SO_SNDTIMEO (the kernel copies them), and `blocking` is from accept4's flags.
 * For lib/ only.
 */
export let inheritWaits: (socket: SocketBase, from: SocketBase, blocking: boolean) => void;

/** Records which call let the fd go, for the EBADF message of later calls. For lib/ only. */
export let setReleasedBy: (socket: SocketBase, call: string) => void;

/** A Socket class of either flavour, as the static factories see it. */
type SocketClass<T> = new (domain: number, type: number, protocol?: number) => T;
type AdoptingClass<T> = new (domain: number, type: number, protocol: number, adopt: typeof ADOPT, fd: number) => T;

/**
 * The part of a socket both flavours share. `new Socket(domain, type, protocol)` is socket(2).
 *
 * Every fd it creates is close-on-exec. After close() or detach(), every method throws EBADF
 * without touching the old fd number, which may belong to someone else by then; the message says
 * why (`recv EBADF: the socket is closed (fd 12 was released by close())`). `util.inspect` shows
 * `Socket { fd: 12, family: 'AF_INET', type: 'SOCK_STREAM', state: 'open' }`.
 *
 * Not exported: the Socket of `sockcall` and the Socket of `sockcall/promises` both extend it, and
 * the calls that never wait (bind, listen, shutdown, close, getsockname, getpeername, setsockopt,
 * getsockopt, setBlocking, getBlocking, detach) are its methods, the same in either flavour.
 * A Socket that is collected without close() has its fd closed then, with a warning
 * (SOCKCALL_UNCLOSED_SOCKET).
 */
export class SocketBase implements Disposable {
  #fd: number;
  /** The fd this Socket had, once closed or detached (EBADF messages name it). */
  #formerFd = -1;
  /** The call that let the fd go: 'close()', 'detach()' ... */
  #releasedBy = '';
  // What this object knows of the fd's waits, from the calls it made (undefined: not known, for an
  // fd adopted with fromFd). Read only when a blocking call fails with EAGAIN, to tell a timeout
  // from a would-block without a syscall on the way.
  /** O_NONBLOCK is clear. */
  #blocking: boolean | undefined;
  /** SO_RCVTIMEO in ms (0: none). */
  #rcvtimeo: number | undefined;
  /** SO_SNDTIMEO in ms (0: none). */
  #sndtimeo: number | undefined;
  /** The address family (AF_INET, AF_INET6, AF_UNIX). */
  readonly domain: number;
  /** The socket type without SOCK_NONBLOCK/SOCK_CLOEXEC (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET). */
  readonly type: number;
  /**
   * The protocol as given to the constructor (0: the type's default), or as the kernel reports it for
   * `fromFd`; an AF_PACKET socket's in host order (ETH_P_ALL ...).
   */
  readonly protocol: number;

  static {
    fdOf = (socket, syscall) => socket.#open(syscall);
    timeoutDetail = (socket, option) => socket.#timeoutDetail(option);
    inheritWaits = (socket, from, blocking) => {
      socket.#blocking = blocking;
      socket.#rcvtimeo = from.#rcvtimeo;
      socket.#sndtimeo = from.#sndtimeo;
    };
    setReleasedBy = (socket, call) => {
      socket.#releasedBy = call;
    };
  }

  /**
   * Creates a socket: socket(2). `type` may carry SOCK_NONBLOCK; SOCK_CLOEXEC is always added.
   *
   * @param domain - The address family: AF_INET, AF_INET6, AF_UNIX ...
   * @param type - SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET or SOCK_RAW, optionally or'ed with SOCK_NONBLOCK.
   * @param protocol - 0 (the default) for the type's usual protocol, or IPPROTO_TCP, IPPROTO_UDP ...;
   * for AF_PACKET an ETH_P_* value (ETH_P_ALL, ETH_P_IP ...) in host order: sockcall makes it
   * htons(protocol), as C passes it.
   * @throws {@link SocketError} from socket(2), `syscall` 'socket':
   * - `EAFNOSUPPORT`: an address family the kernel does not support;
   * - `EINVAL`: an unknown socket type or flag;
   * - `EPROTONOSUPPORT`: a protocol the family or type does not support;
   * - `EPERM` / `EACCES`: SOCK_RAW without CAP_NET_RAW;
   * - `EMFILE` / `ENFILE`: the process or the system is out of fds; `ENOBUFS` / `ENOMEM`: out of memory.
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) or `RangeError` (`ERR_OUT_OF_RANGE`) when an argument
   * is not a 32-bit integer, before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/socket.2.html | socket(2)}
   * @example
   * ```ts
   * const tcp = new Socket(AF_INET, SOCK_STREAM);
   * const udp = new Socket(AF_INET6, SOCK_DGRAM);
   * const unix = new Socket(AF_UNIX, SOCK_SEQPACKET);
   * ```
   */
  constructor(domain: number, type: number, protocol?: number);
  /** @internal Wraps `fd`, already open, for {@link fromFd}, {@link pair} and accept. */
  constructor(domain: number, type: number, protocol: number, adopt: typeof ADOPT, fd: number);
  constructor(domain: number, type: number, protocol = 0, adopt?: typeof ADOPT, fd = -1) {
    if (adopt !== ADOPT) {
      validateInt(domain, 'domain');
      validateInt(type, 'type');
      // A packet socket's protocol is an ETH_P_* value, which the kernel takes in network order.
      const packet = domain === AF_PACKET;
      validateInt(protocol, 'protocol', packet ? 0 : undefined, packet ? 0xffff : undefined);
      // This Socket holds the new fd: collected without close(), the binding hands the fd over.
      fd = native.socket(domain, type | SOCK_CLOEXEC, packet ? swapShort(protocol) : protocol, this);
      if (fd < 0) throw syscallError('socket', fd);
    } else {
      native.own(fd, this);
    }
    this.#fd = fd;
    if (adopt !== ADOPT) this.#created(type);
    if (tracingWarnings()) holdUnclosed(fd, { origin: creationSite(), poller: null });
    this.domain = domain;
    this.type = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    this.protocol = protocol;
  }

  /** A socket just made by socket(2) or socketpair(2): the kernel's defaults, no timeouts. */
  #created(type: number): void {
    this.#blocking = (type & SOCK_NONBLOCK) === 0;
    this.#rcvtimeo = 0;
    this.#sndtimeo = 0;
  }

  static #getInt(fd: number, name: number): number {
    const result = native.getsockoptInt(fd, SOL_SOCKET, name);
    if (result < INT32_MIN) throw syscallError('getsockopt', result - GETSOCKOPT_FAILED);
    return result;
  }

  /**
   * Creates two connected sockets: socketpair(2), with SOCK_CLOEXEC added (AF_UNIX only on Linux).
   *
   * `type` may carry SOCK_NONBLOCK. Called on the promise Socket class, both ends are promise Sockets
   * (non-blocking); on the blocking class, blocking Sockets. Call it on the class
   * (`Socket.pair(...)`): detached from it, it throws a TypeError before any syscall.
   *
   * @param domain - AF_UNIX (AF_LOCAL).
   * @param type - SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET.
   * @param protocol - 0 (the default).
   * @returns The two ends, each owning its fd.
   * @throws {@link SocketError} from socketpair(2), `syscall` 'socketpair':
   * - `ENOTSUP` (EOPNOTSUPP): a family without socket pairs (AF_INET, AF_INET6);
   * - `EAFNOSUPPORT`, `EPROTONOSUPPORT`, `EINVAL`: an unsupported family, protocol or type;
   * - `EMFILE` / `ENFILE`: out of fds.
   * @throws `TypeError` / `RangeError` for an argument that is not a 32-bit integer, before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/socketpair.2.html | socketpair(2)}
   * @example
   * ```ts
   * const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
   * a.send('ping');
   * b.recv(4); // <Buffer 70 69 6e 67>
   * ```
   */
  static pair<T>(this: SocketClass<T>, domain: number, type: number, protocol = 0): [T, T] {
    validateSocketClass(this, 'pair');
    validateInt(domain, 'domain');
    validateInt(type, 'type');
    validateInt(protocol, 'protocol');
    const result = native.socketpair(domain, type | SOCK_CLOEXEC, protocol);
    if (typeof result === 'number') throw syscallError('socketpair', result);
    const Class = this as unknown as AdoptingClass<T>;
    const ends: [T, T] = [new Class(domain, type, protocol, ADOPT, result[0]), new Class(domain, type, protocol, ADOPT, result[1])];
    for (const end of ends) (end as SocketBase).#created(type);
    return ends;
  }

  /**
   * Adopts an existing socket fd (from a parent process, another library, or {@link detach}). The
   * Socket owns it from now on and closes it. Throws ENOTSOCK if `fd` is not a socket, EBADF if it
   * is not open.
   *
   * The domain, type and protocol are read back from the kernel with getsockopt(2) (SO_DOMAIN,
   * SO_TYPE, SO_PROTOCOL). The fd's blocking mode is left as it is for the blocking Socket; the promise
   * Socket makes it non-blocking (fcntl(2)). The fd is not duplicated: do not close it by its number
   * afterwards.
   *
   * @param fd - An open socket fd, an integer >= 0.
   * @throws {@link SocketError} from getsockopt(2), `syscall` 'getsockopt':
   * - `ENOTSOCK`: `fd` is open but not a socket;
   * - `EBADF`: `fd` is not open.
   * @throws `TypeError` / `RangeError` (`ERR_OUT_OF_RANGE`) for an `fd` that is not an integer >= 0.
   * @see {@link https://man7.org/linux/man-pages/man2/getsockopt.2.html | getsockopt(2)}
   * @example
   * ```ts
   * // In a worker thread that was sent a connection's fd:
   * const conn = Socket.fromFd(workerData.fd);
   * conn.sendAll('hello from the worker\n');
   * conn.close();
   * ```
   */
  static fromFd<T>(this: SocketClass<T>, fd: number): T {
    validateSocketClass(this, 'fromFd');
    validateInt(fd, 'fd', 0);
    const domain = SocketBase.#getInt(fd, SO_DOMAIN);
    const type = SocketBase.#getInt(fd, SO_TYPE);
    const reported = SocketBase.#getInt(fd, SO_PROTOCOL);
    const protocol = domain === AF_PACKET ? swapShort(reported) : reported;
    return new (this as unknown as AdoptingClass<T>)(domain, type, protocol, ADOPT, fd);
  }

  /**
   * The fd number, or -1 once closed or detached.
   *
   * For select/poll, `fcntl` from elsewhere, or passing to a child process. The Socket still owns it:
   * use {@link detach} to take it over.
   */
  get fd(): number {
    return this.#fd;
  }

  /** False until close() or detach(), true after: then every call but close() fails with EBADF. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /** The fd is closed or given away: what closing it on collection needed goes (the binding's part with the fd). */
  #forget(fd: number): void {
    if (unclosedCount !== 0) takeUnclosed(fd);
  }

  /**
   * For the promise flavour: a poll handle to close before the fd if this Socket is collected.
   * @internal
   */
  protected closeOnCollect(poller: { close(): void } | null): void {
    const fd = this.#fd;
    if (fd < 0) return;
    const held = unclosedByFd[fd];
    if (held !== undefined) held.poller = poller;
    else if (poller !== null) holdUnclosed(fd, { origin: undefined, poller });
  }

  #open(syscall: string): number {
    if (this.#fd < 0) throw closedError(syscall, this.#formerFd, this.#releasedBy);
    return this.#fd;
  }

  #timeoutDetail(option: number): string | undefined {
    const fd = this.#fd;
    let ms = option === SO_RCVTIMEO ? this.#rcvtimeo : this.#sndtimeo;
    if (fd < 0 || this.#blocking === false || ms === 0) return undefined;
    // Not known (an adopted fd): ask the kernel, on this error path only, and remember the answer.
    if (this.#blocking === undefined) {
      const blocking = native.getBlocking(fd);
      if (blocking < 0) return undefined;
      this.#blocking = blocking === 1;
      if (!this.#blocking) return undefined;
    }
    if (ms === undefined) {
      if (native.getsockoptTimeval(fd, option, msOut) < 0) return undefined;
      ms = msOut[0]!;
      this.#rememberTimeout(option, ms);
    }
    return ms > 0 ? `timed out after ${ms} ms (${option === SO_RCVTIMEO ? 'SO_RCVTIMEO' : 'SO_SNDTIMEO'})` : undefined;
  }

  /**
   * What `util.inspect` shows: `Socket { fd: 12, family: 'AF_INET', type: 'SOCK_STREAM', state: 'open' }`.
   * No syscall: the family and type are the ones the Socket was made with.
   */
  [inspect.custom](depth: number, options: InspectOptionsStylized, show: typeof inspect): string {
    if (depth < 0) return options.stylize(`[${this.constructor.name}]`, 'special');
    const state = this.#fd >= 0 ? 'open' : this.#releasedBy === 'close()' ? 'closed' : 'detached';
    const shown = {
      fd: this.#fd,
      family: named(familyNames, this.domain),
      type: named(socketTypeNames, this.type),
      state,
    };
    return `${this.constructor.name} ${show(shown, { ...options, depth: 0 })}`;
  }

  /**
   * Validates and encodes an address for this socket's family.
   * @internal
   */
  protected encode(address: unknown, name = 'address', disconnect = false, use: 'now' | 'keep' = 'keep'): EncodedAddress {
    return encodeAddress(address, this.domain, name, disconnect, use);
  }

  /**
   * What recvfrom reports when the kernel gives no address (length 0): an unbound AF_UNIX sender is
   * an unnamed socket, as getpeername() reports it; a connected stream socket has none (null).
   * @internal
   */
  protected unnamedPeer(): SocketAddress | null {
    return this.domain === AF_UNIX ? { family: 'AF_UNIX', path: '' } : null;
  }

  /**
   * Gives up ownership: returns the fd, which this Socket will no longer use or close.
   *
   * No syscall: the fd stays open and the Socket reads as closed (`fd` -1). The caller now owns the
   * fd: hand it to `Socket.fromFd`, `net.Socket({ fd })`, `server.listen({ fd })` or a child process,
   * or close it. On a promise Socket, the calls pending are rejected with ECANCELED.
   *
   * @returns The fd number.
   * @throws {@link SocketError} `EBADF` (`syscall` 'detach') if the Socket is already closed or detached.
   * @example
   * ```ts
   * const s = new Socket(AF_INET, SOCK_STREAM);
   * s.setsockopt(IPPROTO_TCP, TCP_DEFER_ACCEPT, 1);
   * s.bind({ address: '127.0.0.1', port: 0 });
   * s.listen();
   * http.createServer(handler).listen({ fd: s.detach() });
   * ```
   */
  detach(): number {
    const fd = this.#open('detach');
    this.#fd = -1;
    this.#formerFd = fd;
    this.#releasedBy = 'detach()';
    this.#forget(fd);
    native.disown(fd);
    return fd;
  }

  /**
   * Gives the socket a local address: bind(2). `{ address, port }` for AF_INET/AF_INET6 (port 0 picks a
   * free one), `{ path }` for AF_UNIX.
   *
   * Addresses are numeric ('127.0.0.1', '::1', '0.0.0.0', '::'); resolve names with getaddrinfo().
   * The family is the socket's unless the address names one. A Unix path is created as a socket file
   * and stays until unlinked; a path starting with '\0' is an abstract name, which leaves no file.
   * Read the port the kernel picked back with {@link getsockname}.
   *
   * @param address - Where to bind: see {@link AddressInput}.
   * @throws {@link SocketError} from bind(2), `syscall` 'bind', with `address` and `port` (or `path`):
   * - `EADDRINUSE`: the address is taken (SO_REUSEADDR helps for one in TIME_WAIT), or the Unix path exists;
   * - `EADDRNOTAVAIL`: the address is not one of this host's (see IP_FREEBIND);
   * - `EACCES`: a port below 1024 without CAP_NET_BIND_SERVICE, or no search/write permission on the path;
   * - `EINVAL`: the socket is already bound;
   * - `EAFNOSUPPORT`: an address of another family than the socket's;
   * - `ENOENT` / `ENOTDIR` / `EROFS`: a Unix path in a directory that does not exist or is read-only;
   * - `EBADF`: the Socket is closed or detached (raised by sockcall without touching the old fd number).
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`: not an object, not a numeric
   * address, a NUL in a path) or `RangeError` (`ERR_OUT_OF_RANGE`: a port outside 0 to 65535, a Unix
   * path over 107 bytes), before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/bind.2.html | bind(2)}
   * @example
   * ```ts
   * server.bind({ address: '127.0.0.1', port: 0 });
   * const { port } = server.getsockname() as InetAddress;
   * unixServer.bind({ path: path.join(os.tmpdir(), 'echo.sock') });
   * ```
   */
  bind(address: AddressInput): void {
    const fd = this.#open('bind');
    const { sockaddr, context } = this.encode(address, 'address', false, 'now');
    const result = native.bind(fd, sockaddr);
    if (result < 0) throw syscallError('bind', result, context);
  }

  /**
   * Marks the socket as accepting connections: listen(2). The backlog defaults to SOMAXCONN.
   *
   * An unbound internet socket is bound to a free port on the wildcard address first, by the kernel.
   *
   * @param backlog - How many connections may wait for accept(); the kernel caps it at
   * net.core.somaxconn.
   * @throws {@link SocketError} from listen(2), `syscall` 'listen':
   * - `EADDRINUSE`: another socket listens on the same address and port, or no free port was left;
   * - `ENOTSUP` (EOPNOTSUPP): the socket type does not listen (SOCK_DGRAM);
   * - `EINVAL`: the socket is connected;
   * - `EBADF`: the Socket is closed or detached (raised by sockcall without touching the old fd number).
   * @throws `TypeError` / `RangeError` for a `backlog` that is not a 32-bit integer.
   * @see {@link https://man7.org/linux/man-pages/man2/listen.2.html | listen(2)}
   * @example
   * ```ts
   * server.bind({ address: '127.0.0.1', port: 0 });
   * server.listen(128);
   * ```
   */
  listen(backlog: number = SOMAXCONN): void {
    const fd = this.#open('listen');
    validateInt(backlog, 'backlog');
    const result = native.listen(fd, backlog);
    if (result < 0) throw syscallError('listen', result);
  }

  /**
   * Shuts down one or both directions of a connection: shutdown(2). SHUT_RD, SHUT_WR (half-close: the
   * peer reads EOF) or SHUT_RDWR.
   *
   * Unlike close(), it acts on the connection, for every fd that shares it, and keeps the fd open.
   * SHUT_RDWR wakes a call blocked in recv or accept on the same socket in another thread (through an
   * fd adopted there with `Socket.fromFd`, then detached).
   *
   * @param how - SHUT_RD, SHUT_WR or SHUT_RDWR.
   * @throws {@link SocketError} from shutdown(2), `syscall` 'shutdown':
   * - `ENOTCONN`: the socket is not connected (a stream socket);
   * - `EBADF`: the Socket is closed or detached (raised by sockcall without touching the old fd number).
   * @throws `TypeError` (`ERR_INVALID_ARG_VALUE`) for a `how` that is not one of the three.
   * @see {@link https://man7.org/linux/man-pages/man2/shutdown.2.html | shutdown(2)}
   * @example
   * ```ts
   * conn.sendAll(request);
   * conn.shutdown(SHUT_WR); // the server reads EOF and knows the request is complete
   * ```
   */
  shutdown(how: number): void {
    const fd = this.#open('shutdown');
    validateInt(how, 'how');
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) {
      throw invalidArgValue('how', how, 'must be one of SHUT_RD, SHUT_WR, SHUT_RDWR');
    }
    const result = native.shutdown(fd, how);
    if (result < 0) throw syscallError('shutdown', result);
  }

  /**
   * Releases the fd: close(2). Idempotent: a second call does nothing and never touches the old fd number.
   *
   * The Socket reads as closed even if close(2) reports an error: Linux frees the fd number in any case,
   * so the call is never retried. With SO_LINGER on, close(2) may wait for unsent data, stopping the
   * thread in either flavour. On a promise Socket, the calls pending are rejected with ECANCELED first.
   *
   * @throws {@link SocketError} from close(2), `syscall` 'close', if the kernel reports an error (rare
   * for a socket; the fd is released anyway). Closing a closed Socket is not an error.
   * @see {@link https://man7.org/linux/man-pages/man2/close.2.html | close(2)}
   * @example
   * ```ts
   * const s = new Socket(AF_INET, SOCK_STREAM);
   * try {
   *   s.connect({ address: '127.0.0.1', port });
   * } finally {
   *   s.close();
   * }
   * ```
   */
  close(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    this.#formerFd = fd;
    this.#releasedBy = 'close()';
    this.#forget(fd);
    const result = native.close(fd);
    if (result < 0) throw syscallError('close', result);
  }

  /**
   * Closes the socket: close() for a `using` declaration.
   *
   * @example
   * ```ts
   * {
   *   using s = new Socket(AF_INET, SOCK_DGRAM);
   *   s.sendto('hello', { address: '127.0.0.1', port });
   * } // closed here
   * ```
   */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Returns the local address: getsockname(2).
   *
   * The way to learn the port the kernel chose for a bind to port 0, or for a connect.
   * An unbound socket reports the wildcard address with port 0 (internet) or an unnamed path '' (AF_UNIX).
   *
   * @returns The address, discriminated by `family`.
   * @throws {@link SocketError} from getsockname(2), `syscall` 'getsockname': `EBADF` (closed),
   * `ENOBUFS` (out of memory).
   * @see {@link https://man7.org/linux/man-pages/man2/getsockname.2.html | getsockname(2)}
   * @example
   * ```ts
   * server.bind({ address: '127.0.0.1', port: 0 });
   * const address = server.getsockname(); // { family: 'AF_INET', address: '127.0.0.1', port: 40123 }
   * ```
   */
  getsockname(): SocketAddress {
    const result = native.getsockname(this.#open('getsockname'));
    if (typeof result === 'number') throw syscallError('getsockname', result);
    return result;
  }

  /**
   * Returns the connected peer's address: getpeername(2) (ENOTCONN if none).
   *
   * For an accepted connection, this is the client's address. An AF_UNIX peer that never bound reads
   * as `{ family: 'AF_UNIX', path: '' }`.
   *
   * @returns The address, discriminated by `family`.
   * @throws {@link SocketError} from getpeername(2), `syscall` 'getpeername':
   * - `ENOTCONN`: not connected (never connected, or a datagram socket without a connect);
   * - `EBADF`: the Socket is closed or detached (raised by sockcall without touching the old fd number).
   * @see {@link https://man7.org/linux/man-pages/man2/getpeername.2.html | getpeername(2)}
   * @example
   * ```ts
   * const conn = server.accept();
   * console.log('connection from', conn.getpeername());
   * ```
   */
  getpeername(): SocketAddress {
    const result = native.getpeername(this.#open('getpeername'));
    if (typeof result === 'number') throw syscallError('getpeername', result);
    return result;
  }

  /**
   * Sets a socket option: setsockopt(2). The value's type follows the option: an integer (or boolean)
   * for most, a {@link Linger} for SO_LINGER, milliseconds for SO_RCVTIMEO/SO_SNDTIMEO, a string for
   * SO_BINDTODEVICE/TCP_CONGESTION, or raw bytes (any ArrayBufferView) for anything else.
   *
   * Integers and booleans go in as a C `int`; milliseconds become a `struct timeval` (microsecond
   * precision, 0 for no timeout); a string goes in as its UTF-8 bytes; raw bytes go in as they are,
   * their length as `optlen`.
   *
   * @param level - SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP, IPPROTO_IPV6 ...
   * @param name - The option: SO_REUSEADDR, TCP_NODELAY ... (see the constants).
   * @param value - The value, typed from `name` (see {@link SetOptionValue}).
   * @throws {@link SocketError} from setsockopt(2), `syscall` 'setsockopt':
   * - `ENOPROTOOPT`: the option is unknown at that level (or fixed, as SO_SNDLOWAT);
   * - `EINVAL`: a value or length the option does not take;
   * - `EPERM`: an option that needs privilege (SO_RCVBUFFORCE, SO_MARK: CAP_NET_ADMIN);
   * - `EINVAL` for SO_ATTACH_FILTER: a program the kernel's checker refuses (a jump past the end, a
   *   last instruction that is not a return, an unknown opcode); `EPERM`: the filter is locked;
   * - `ENODEV`: SO_BINDTODEVICE with an unknown interface; `ENOENT`: TCP_CONGESTION with an
   *   algorithm the kernel does not have;
   * - `EBADF`: the Socket is closed or detached (raised by sockcall without touching the old fd number).
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) for a value of the wrong type for the option, or
   * `RangeError` (`ERR_OUT_OF_RANGE`) for a level, name or integer outside 32 bits, or a timeout < 0.
   * @see {@link https://man7.org/linux/man-pages/man2/setsockopt.2.html | setsockopt(2)},
   * {@link https://man7.org/linux/man-pages/man7/socket.7.html | socket(7)},
   * {@link https://man7.org/linux/man-pages/man7/tcp.7.html | tcp(7)},
   * {@link https://man7.org/linux/man-pages/man7/ip.7.html | ip(7)},
   * {@link https://man7.org/linux/man-pages/man7/ipv6.7.html | ipv6(7)}
   * @example
   * ```ts
   * s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
   * s.setsockopt(IPPROTO_TCP, TCP_NODELAY, true);
   * s.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 2_000); // recv fails with EAGAIN after 2 s
   * s.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 0 });
   * s.setsockopt(SOL_SOCKET, SO_ATTACH_FILTER, [{ code: BPF_RET | BPF_K, jt: 0, jf: 0, k: 0 }]); // queue nothing
   * ```
   */
  setsockopt<N extends number>(level: number, name: N, value: SetOptionValue<N>): void;
  setsockopt(level: number, name: number, value: number | boolean | string | Linger | Membership | readonly BpfInstruction[] | ArrayBufferView): void {
    const fd = this.#open('setsockopt');
    validateInt(level, 'level');
    validateInt(name, 'name');
    let result: number;
    const kind = optionKind(level, name);
    if (kind === 'sock_fprog') {
      // Bytes too are the instructions: the option's own bytes (struct sock_fprog) hold a pointer.
      result = native.setsockoptFilter(fd, filterProgram(value));
    } else if (ArrayBuffer.isView(value)) {
      result = native.setsockoptBytes(fd, level, name, value);
      if (kind === 'timeval' && result === 0) this.#rememberTimeout(name, undefined);
    } else if (kind === 'linger') {
      const linger = validateObject(value, 'value', LINGER_KEYS);
      if (typeof linger.onoff !== 'boolean' && typeof linger.onoff !== 'number') {
        throw invalidArgType('value.onoff', 'of type boolean or number', linger.onoff);
      }
      const seconds = validateInt(linger.linger, 'value.linger', 0);
      result = native.setsockoptLinger(fd, linger.onoff ? 1 : 0, seconds);
    } else if (kind === 'timeval') {
      if (typeof value !== 'number') throw invalidArgType('value', 'of type number (milliseconds)', value);
      if (!(value >= 0 && value < MAX_TIMEVAL_MS)) throw outOfRange('value', `>= 0 && < ${MAX_TIMEVAL_MS} (0: no timeout)`, value);
      result = native.setsockoptTimeval(fd, name, value);
      if (result === 0) this.#rememberTimeout(name, value);
    } else if (kind === 'string') {
      if (typeof value !== 'string') throw invalidArgType('value', 'of type string', value);
      result = native.setsockoptBytes(fd, level, name, Buffer.from(value, 'utf8'));
    } else if (kind === 'mreq4' || kind === 'mreq6') {
      result = native.setsockoptBytes(fd, level, name, membership(value, kind === 'mreq4' ? AF_INET : AF_INET6));
    } else if (typeof value === 'boolean') {
      result = native.setsockoptInt(fd, level, name, value ? 1 : 0);
    } else if (typeof value === 'number') {
      result = native.setsockoptInt(fd, level, name, validateInt(value, 'value'));
    } else {
      throw invalidArgType('value', 'of type number, boolean, or an instance of Buffer, TypedArray, or DataView', value);
    }
    if (result < 0) throw syscallError('setsockopt', result);
  }

  /**
   * Reads a socket option: getsockopt(2). Integer options return a number; SO_LINGER a {@link Linger};
   * SO_RCVTIMEO and SO_SNDTIMEO milliseconds; string options a string. With `length`, the raw option
   * bytes (at most `length` of them) as a Buffer.
   *
   * SO_PEERCRED returns {@link Credentials}. SO_PEERPIDFD returns a {@link Pidfd}: a new fd the
   * kernel installed (close-on-exec), which the caller must close; it is refused with a `length`, so
   * that the fd never comes back as bytes. TCP_INFO returns a {@link TcpInfo}: the fields of
   * `struct tcp_info` this kernel fills (getsockopt(2) is offered 512 bytes and the kernel copies its
   * own size). Raw bytes, with a `length`, are for structures sockcall does not decode.
   * SO_ATTACH_FILTER (read as SO_GET_FILTER) returns how many instructions the attached program has,
   * 0 for none; with a `length`, its struct sock_filter bytes (EINVAL when they do not fit).
   *
   * @param level - SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP, IPPROTO_IPV6 ...
   * @param name - The option (see the constants).
   * @returns The value, typed from `name` (see {@link OptionValue}).
   * @throws {@link SocketError} from getsockopt(2), `syscall` 'getsockopt':
   * - `ENOPROTOOPT`: the option is unknown at that level;
   * - `EINVAL`: an option the protocol does not let be read this way;
   * - `EBADF`: the Socket is closed or detached (raised by sockcall without touching the old fd number).
   * @throws `TypeError` / `RangeError` for a level or name that is not a 32-bit integer.
   * @see {@link https://man7.org/linux/man-pages/man2/getsockopt.2.html | getsockopt(2)},
   * {@link https://man7.org/linux/man-pages/man7/socket.7.html | socket(7)},
   * {@link https://man7.org/linux/man-pages/man7/tcp.7.html | tcp(7)}
   * @example
   * ```ts
   * const size = s.getsockopt(SOL_SOCKET, SO_RCVBUF); // number
   * const pending = s.getsockopt(SOL_SOCKET, SO_ERROR); // 0, or an errno value
   * const linger = s.getsockopt(SOL_SOCKET, SO_LINGER); // { onoff, linger }
   * const { state, rtt, snd_cwnd } = s.getsockopt(IPPROTO_TCP, TCP_INFO); // TcpInfo
   * ```
   */
  getsockopt<N extends number>(level: number, name: N): OptionValue<N>;
  /**
   * Reads a socket option's raw bytes: getsockopt(2) with a buffer of `length` bytes. Returns the
   * bytes the kernel wrote (at most `length`), as a Buffer.
   *
   * For structures sockcall does not decode, or a field of struct tcp_info newer than {@link TcpInfo}.
   *
   * @param level - SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP, IPPROTO_IPV6 ...
   * @param name - The option (see the constants).
   * @param length - The buffer size to offer the kernel, 0 to 65536.
   * @returns The bytes the kernel wrote.
   * @throws {@link SocketError} from getsockopt(2), `syscall` 'getsockopt': `ENOPROTOOPT` (an unknown
   * option), `EINVAL` (a length the option does not accept), `EBADF` (closed).
   * @throws `TypeError` / `RangeError` for a level or name that is not a 32-bit integer, or a `length`
   * outside 0 to 65536.
   * @see {@link https://man7.org/linux/man-pages/man2/getsockopt.2.html | getsockopt(2)}
   * @example
   * ```ts
   * const info = s.getsockopt(IPPROTO_TCP, TCP_INFO, 512); // Buffer: struct tcp_info as the kernel has it
   * ```
   */
  getsockopt(level: number, name: number, length: number): Buffer;
  getsockopt(level: number, name: number, length?: number): number | string | Linger | Credentials | TcpInfo | Buffer {
    const fd = this.#open('getsockopt');
    validateInt(level, 'level');
    validateInt(name, 'name');
    const kind = optionKind(level, name);
    if (kind === 'pidfd' && length !== undefined) {
      throw invalidArgValue('length', length, 'is not taken for SO_PEERPIDFD, which returns a new fd (leave it out)');
    }
    if (kind === 'sock_fprog' && length !== undefined && validateInt(length, 'length', 0, 65536) % BPF_INSTRUCTION_SIZE !== 0) {
      throw outOfRange('length', `a multiple of ${BPF_INSTRUCTION_SIZE} (whole struct sock_filter)`, length);
    }
    if (length !== undefined || kind === 'string') {
      const buffer = Buffer.alloc(length === undefined ? 256 : validateInt(length, 'length', 0, 65536));
      const result = native.getsockoptBytes(fd, level, name, buffer);
      if (result < 0) throw syscallError('getsockopt', result);
      if (length !== undefined) return buffer.subarray(0, result);
      const text = buffer.subarray(0, result);
      const end = text.indexOf(0);
      return (end < 0 ? text : text.subarray(0, end)).toString('utf8');
    }
    if (kind === 'sock_fprog') {
      // Read as SO_GET_FILTER with no room: the number of instructions attached (0: none).
      const result = native.getsockoptBytes(fd, level, name, EMPTY);
      if (result < 0) throw syscallError('getsockopt', result);
      return result / BPF_INSTRUCTION_SIZE;
    }
    if (kind === 'ucred') {
      const ucred = Buffer.alloc(UCRED_SIZE);
      const result = native.getsockoptBytes(fd, level, name, ucred);
      if (result < 0) throw syscallError('getsockopt', result);
      return decodeCredentials(ucred);
    }
    if (kind === 'tcp_info') {
      const result = native.getsockoptBytes(fd, level, name, tcpInfoOut);
      if (result < 0) throw syscallError('getsockopt', result);
      return decodeTcpInfo(tcpInfoOut, result);
    }
    if (kind === 'linger') {
      const result = native.getsockoptLinger(fd, lingerOut);
      if (result < 0) throw syscallError('getsockopt', result);
      return { onoff: lingerOut[0] !== 0, linger: lingerOut[1]! };
    }
    if (kind === 'timeval') {
      const result = native.getsockoptTimeval(fd, name, msOut);
      if (result < 0) throw syscallError('getsockopt', result);
      return msOut[0]!;
    }
    const result = native.getsockoptInt(fd, level, name);
    if (result < INT32_MIN) throw syscallError('getsockopt', result - GETSOCKOPT_FAILED);
    return result;
  }

  #rememberTimeout(option: number, ms: number | undefined): void {
    if (option === SO_RCVTIMEO) this.#rcvtimeo = ms;
    else this.#sndtimeo = ms;
  }

  /**
   * Sets or clears O_NONBLOCK: fcntl(2) F_SETFL. false makes calls that would block fail with EAGAIN
   * instead.
   *
   * A change to the open file, seen by every fd that shares it (a detached or passed fd included).
   * A promise Socket needs its fd non-blocking: its calls wait on the event loop only after EAGAIN,
   * so in blocking mode they would stop the thread.
   *
   * @param blocking - true for blocking mode, false for non-blocking.
   * @throws {@link SocketError} from fcntl(2), `syscall` 'fcntl': `EBADF` (closed).
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) if `blocking` is not a boolean.
   * @see {@link https://man7.org/linux/man-pages/man2/fcntl.2.html | fcntl(2)}
   * @example
   * ```ts
   * const s = new Socket(AF_INET, SOCK_STREAM);
   * s.setBlocking(false); // a blocking Socket's recv now throws EAGAIN instead of waiting
   * s.getBlocking(); // false
   * ```
   */
  setBlocking(blocking: boolean): void {
    const fd = this.#open('fcntl');
    if (typeof blocking !== 'boolean') throw invalidArgType('blocking', 'of type boolean', blocking);
    const result = native.setBlocking(fd, blocking ? 1 : 0);
    if (result < 0) throw syscallError('fcntl', result);
    this.#blocking = blocking;
  }

  /**
   * Tells whether the socket is in blocking mode: fcntl(2) F_GETFL, true when O_NONBLOCK is clear.
   *
   * @throws {@link SocketError} from fcntl(2), `syscall` 'fcntl': `EBADF` (closed).
   * @see {@link https://man7.org/linux/man-pages/man2/fcntl.2.html | fcntl(2)}
   * @example
   * ```ts
   * const s = new Socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
   * s.getBlocking(); // false, as for every promise Socket
   * ```
   */
  getBlocking(): boolean {
    const result = native.getBlocking(this.#open('fcntl'));
    if (result < 0) throw syscallError('fcntl', result);
    return result === 1;
  }

  /**
   * Reads one of the socket's queue counters: ioctl(2) with a request that reads an int.
   * FIONREAD (or SIOCINQ, the same request): the bytes waiting to be read (a datagram socket: the
   * size of the next datagram); SIOCOUTQ: the bytes in the send queue, unsent plus sent but not yet
   * acknowledged (TCP; a Unix socket reports the memory its queue holds); SIOCOUTQNSD: the unsent
   * bytes alone (TCP only); SIOCATMARK: 1 when the next byte to read is the urgent mark (see
   * {@link sockatmark}). Other requests are refused, not passed on: they read or write structures.
   *
   * @param request - FIONREAD, SIOCINQ, SIOCOUTQ, SIOCOUTQNSD or SIOCATMARK.
   * @returns The int the kernel wrote.
   * @throws {@link SocketError} from ioctl(2), `syscall` 'ioctl': `ENOTTY` (a request this kind of
   * socket does not answer, SIOCOUTQNSD on a Unix socket), `EINVAL` (a listening TCP socket), `EBADF`
   * (closed).
   * @throws `TypeError` (`ERR_INVALID_ARG_VALUE` / `ERR_INVALID_ARG_TYPE`) for another request, before
   * any syscall.
   * @see {@link https://man7.org/linux/man-pages/man7/tcp.7.html | tcp(7)} (ioctls), {@link https://man7.org/linux/man-pages/man2/ioctl.2.html | ioctl(2)}
   * @example
   * ```ts
   * const waiting = s.ioctl(FIONREAD); // int n; ioctl(s, FIONREAD, &n)
   * const unsent = s.ioctl(SIOCOUTQNSD);
   * ```
   */
  ioctl(request: number): number {
    validateInt(request, 'request');
    if (!IOCTL_REQUESTS.has(request)) {
      throw invalidArgValue('request', request, 'is not a request sockcall passes to ioctl(2): it takes FIONREAD, SIOCINQ, SIOCOUTQ, SIOCOUTQNSD and SIOCATMARK');
    }
    const result = native.ioctl(this.#open('ioctl'), request);
    if (result < 0) throw syscallError('ioctl', result);
    return result;
  }

  /**
   * Whether the next byte to read is the urgent mark: sockatmark(3), which is ioctl(2) SIOCATMARK.
   * With TCP's out-of-band data (MSG_OOB) a recv stops at the mark; true here says the bytes before
   * it are all read, and the urgent byte (or, with SO_OOBINLINE, the byte at the mark) comes next.
   *
   * @throws {@link SocketError} from ioctl(2), `syscall` 'ioctl': `EBADF` (closed), `ENOTTY` (a socket
   * type with no urgent mark).
   * @see {@link https://man7.org/linux/man-pages/man3/sockatmark.3.html | sockatmark(3)}
   * @example
   * ```ts
   * while (!conn.sockatmark()) conn.recv(4096); // the data before the mark
   * const urgent = conn.recv(1, MSG_OOB);
   * ```
   */
  sockatmark(): boolean {
    return this.ioctl(SIOCATMARK) === 1;
  }
}

/** The ioctl(2) requests on a socket that read one int (FIONREAD and SIOCINQ are one value). */
const IOCTL_REQUESTS = new Set([FIONREAD, SIOCINQ, SIOCOUTQ, SIOCOUTQNSD, SIOCATMARK]);
