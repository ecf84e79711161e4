// What both flavours of Socket share: one object owning one fd, and the calls that never wait
// (bind, listen, shutdown, close, getsockname, getpeername, setsockopt, getsockopt, fcntl).
// lib/socket.ts adds the blocking calls, lib/promises.ts the awaited ones.
import { type AddressInput, encodeAddress, type EncodedAddress, type SocketAddress } from './address';
import {
  AF_UNIX,
  type Linger,
  type LingerOption,
  MSG_TRUNC,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SO_BINDTODEVICE,
  SO_DOMAIN,
  SO_LINGER,
  SO_PROTOCOL,
  SO_RCVTIMEO,
  SO_SNDTIMEO,
  SO_TYPE,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOL_SOCKET,
  SOMAXCONN,
  type StringOption,
  TCP_CONGESTION,
  type TimevalOption,
  IPPROTO_TCP,
} from './constants';
import { closedError, invalidArgType, invalidArgValue, outOfRange, syscallError } from './errors';
import { native } from './native';
import { validateInt, validateObject } from './validate';

/** Largest single recv() sockcall will allocate for: Linux moves at most this much per call. */
export const MAX_RECV_LENGTH = 0x7ffff000;

/** Largest SO_RCVTIMEO/SO_SNDTIMEO in ms (about 31,700 years; the kernel caps it anyway). */
const MAX_TIMEVAL_MS = 1e15;

/** What recvfrom() returns: the bytes and who sent them (null on a connected stream socket). */
export interface Received {
  data: Buffer;
  address: SocketAddress | null;
}

type OptionKind = 'int' | 'linger' | 'timeval' | 'string';

/**
 * The options whose value is not an int. Compared as numbers: getsockopt/setsockopt are cheap
 * syscalls, and a string key built per call cost more than the call's own JS overhead.
 */
function optionKind(level: number, name: number): OptionKind {
  if (level === SOL_SOCKET) {
    if (name === SO_LINGER) return 'linger';
    if (name === SO_RCVTIMEO || name === SO_SNDTIMEO) return 'timeval';
    if (name === SO_BINDTODEVICE) return 'string';
  } else if (level === IPPROTO_TCP && name === TCP_CONGESTION) {
    return 'string';
  }
  return 'int';
}

// Scratch space for getsockopt results: one per thread (module instances are per thread).
const intOut = new Int32Array(2);
const msOut = new Float64Array(1);

/**
 * The value type of a socket option, from its constant: a {@link Linger} for SO_LINGER, milliseconds
 * for SO_RCVTIMEO/SO_SNDTIMEO, a string for SO_BINDTODEVICE/TCP_CONGESTION, else an integer.
 */
export type OptionValue<N extends number> = N extends LingerOption
  ? Linger
  : N extends TimevalOption
    ? number
    : N extends StringOption
      ? string
      : number;

/** What setsockopt accepts besides the option's own type: booleans for flags, raw bytes for any option. */
export type SetOptionValue<N extends number> = OptionValue<N> | (N extends LingerOption | StringOption ? never : boolean) | ArrayBufferView;

/**
 * What closing a socket nobody closed needs, kept apart from the socket itself (a held value must
 * not reach its target, or the target is never collected).
 */
interface Unclosed {
  fd: number;
  /**
   * Where the socket was created, recorded only under --trace-warnings (a stack costs ~2 µs). A
   * string: an unformatted stack would keep its frames' receivers, the socket among them, alive.
   */
  origin: string | undefined;
  /** The promise flavour's poll handle, closed before the fd (epoll must not watch a closed fd). */
  poller: { close(): void } | null;
}

/**
 * Closes the fd of a Socket collected without close(), as Node's FileHandle does, and warns: the
 * fd was held for as long as the garbage collector took to notice, and that can be long.
 */
const unclosed = new FinalizationRegistry<Unclosed>((held) => {
  if (held.fd < 0) return; // closed or detached in time
  held.poller?.close();
  const name = native.getsockname(held.fd);
  native.close(held.fd);
  const where = typeof name === 'number' ? '' : ` (${describeAddress(name)})`;
  process.emitWarning(`Closing socket fd ${held.fd}${where} on garbage collection: close() every Socket you are done with`, {
    code: 'SOCKCALL_UNCLOSED_SOCKET',
    detail: held.origin ?? 'Run with --trace-warnings to see where it was created.',
  });
});

/** Node's --trace-warnings switch (process.traceProcessWarnings, settable at run time). */
function tracingWarnings(): boolean {
  return (process as { traceProcessWarnings?: boolean }).traceProcessWarnings === true;
}

/** The caller's stack, without sockcall's own frames, as the warning's detail. */
function creationSite(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  return ['Created:', ...frames.filter((frame) => !frame.includes(__dirname))].join('\n');
}

function describeAddress(address: SocketAddress): string {
  if (address.family === 'AF_UNIX') return address.path === '' ? 'AF_UNIX, unnamed' : `AF_UNIX ${address.path}`;
  if (address.family === 'AF_INET6') return `[${address.address}]:${address.port}`;
  if (address.family === 'AF_INET') return `${address.address}:${address.port}`;
  return address.family;
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

/** A Socket class of either flavour, as the static factories see it. */
type SocketClass<T> = new (domain: number, type: number, protocol?: number) => T;
type AdoptingClass<T> = new (domain: number, type: number, protocol: number, adopt: typeof ADOPT, fd: number) => T;

/**
 * The part of a socket both flavours share. `new Socket(domain, type, protocol)` is socket(2).
 *
 * Every fd it creates is close-on-exec. After close() or detach(), every method throws EBADF
 * without touching the old fd number, which may belong to someone else by then.
 */
export class SocketBase implements Disposable {
  #fd: number;
  /** Registered with the collector until close() or detach(). */
  #unclosed: Unclosed | null = null;
  /** The address family (AF_INET, AF_INET6, AF_UNIX). */
  readonly domain: number;
  /** The socket type without SOCK_NONBLOCK/SOCK_CLOEXEC (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET). */
  readonly type: number;
  readonly protocol: number;

  static {
    fdOf = (socket, syscall) => socket.#open(syscall);
  }

  /** socket(2). `type` may carry SOCK_NONBLOCK; SOCK_CLOEXEC is always added. */
  constructor(domain: number, type: number, protocol?: number);
  /** @internal Wraps `fd`, already open, for {@link fromFd}, {@link pair} and accept. */
  constructor(domain: number, type: number, protocol: number, adopt: typeof ADOPT, fd: number);
  constructor(domain: number, type: number, protocol = 0, adopt?: typeof ADOPT, fd = -1) {
    if (adopt !== ADOPT) {
      validateInt(domain, 'domain');
      validateInt(type, 'type');
      validateInt(protocol, 'protocol');
      fd = native.socket(domain, type | SOCK_CLOEXEC, protocol);
      if (fd < 0) throw syscallError('socket', fd);
    }
    this.#fd = fd;
    this.#unclosed = { fd, origin: tracingWarnings() ? creationSite() : undefined, poller: null };
    unclosed.register(this, this.#unclosed);
    this.domain = domain;
    this.type = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    this.protocol = protocol;
  }

  static #getInt(fd: number, name: number): number {
    const result = native.getsockoptInt(fd, SOL_SOCKET, name, intOut);
    if (result < 0) throw syscallError('getsockopt', result);
    return intOut[0]!;
  }

  /** socketpair(2): two connected sockets (AF_UNIX). */
  static pair<T>(this: SocketClass<T>, domain: number, type: number, protocol = 0): [T, T] {
    validateSocketClass(this, 'pair');
    validateInt(domain, 'domain');
    validateInt(type, 'type');
    validateInt(protocol, 'protocol');
    const result = native.socketpair(domain, type | SOCK_CLOEXEC, protocol);
    if (typeof result === 'number') throw syscallError('socketpair', result);
    const Class = this as unknown as AdoptingClass<T>;
    return [new Class(domain, type, protocol, ADOPT, result[0]), new Class(domain, type, protocol, ADOPT, result[1])];
  }

  /**
   * Adopts an existing socket fd (from a parent process, another library, or {@link detach}). The
   * Socket owns it from now on and closes it. Throws ENOTSOCK if `fd` is not a socket, EBADF if it
   * is not open.
   */
  static fromFd<T>(this: SocketClass<T>, fd: number): T {
    validateSocketClass(this, 'fromFd');
    validateInt(fd, 'fd', 0);
    const domain = SocketBase.#getInt(fd, SO_DOMAIN);
    const type = SocketBase.#getInt(fd, SO_TYPE);
    const protocol = SocketBase.#getInt(fd, SO_PROTOCOL);
    native.own(fd);
    return new (this as unknown as AdoptingClass<T>)(domain, type, protocol, ADOPT, fd);
  }

  /** The fd number, or -1 once closed or detached. */
  get fd(): number {
    return this.#fd;
  }

  /** True until close() or detach(). */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /** Stops collecting: the fd is closed or given away. */
  #forget(): void {
    if (this.#unclosed === null) return;
    // Cheaper than unregister(), which looks the socket up in a weak table: the entry goes when the
    // socket is collected, and the callback then finds nothing to do.
    this.#unclosed.fd = -1;
    this.#unclosed.poller = null;
    this.#unclosed = null;
  }

  /** For the promise flavour: a poll handle to close before the fd if this Socket is collected. */
  protected closeOnCollect(poller: { close(): void } | null): void {
    if (this.#unclosed !== null) this.#unclosed.poller = poller;
  }

  #open(syscall: string): number {
    if (this.#fd < 0) throw closedError(syscall);
    return this.#fd;
  }

  /** Validates and encodes an address for this socket's family. */
  protected encode(address: unknown, name = 'address'): EncodedAddress {
    return encodeAddress(address, this.domain, name);
  }

  /**
   * What recvfrom reports when the kernel gives no address (length 0): an unbound AF_UNIX sender is
   * an unnamed socket, as getpeername() reports it; a connected stream socket has none (null).
   */
  protected unnamedPeer(): SocketAddress | null {
    return this.domain === AF_UNIX ? { family: 'AF_UNIX', path: '' } : null;
  }

  /** Gives up ownership: returns the fd, which this Socket will no longer use or close. */
  detach(): number {
    const fd = this.#open('detach');
    this.#fd = -1;
    this.#forget();
    native.disown(fd);
    return fd;
  }

  /** bind(2). `{ address, port }` for AF_INET/AF_INET6 (port 0 picks a free one), `{ path }` for AF_UNIX. */
  bind(address: AddressInput): void {
    const fd = this.#open('bind');
    const { sockaddr, context } = this.encode(address);
    const result = native.bind(fd, sockaddr);
    if (result < 0) throw syscallError('bind', result, context);
  }

  /** listen(2). The backlog defaults to SOMAXCONN. */
  listen(backlog: number = SOMAXCONN): void {
    const fd = this.#open('listen');
    validateInt(backlog, 'backlog');
    const result = native.listen(fd, backlog);
    if (result < 0) throw syscallError('listen', result);
  }

  /** shutdown(2): SHUT_RD, SHUT_WR (half-close: the peer reads EOF) or SHUT_RDWR. */
  shutdown(how: number): void {
    const fd = this.#open('shutdown');
    validateInt(how, 'how');
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) {
      throw invalidArgValue('how', how, 'must be one of SHUT_RD, SHUT_WR, SHUT_RDWR');
    }
    const result = native.shutdown(fd, how);
    if (result < 0) throw syscallError('shutdown', result);
  }

  /** close(2). Idempotent: a second call does nothing and never touches the old fd number. */
  close(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    this.#forget();
    const result = native.close(fd);
    if (result < 0) throw syscallError('close', result);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** getsockname(2): the local address. */
  getsockname(): SocketAddress {
    const result = native.getsockname(this.#open('getsockname'));
    if (typeof result === 'number') throw syscallError('getsockname', result);
    return result;
  }

  /** getpeername(2): the connected peer's address (ENOTCONN if none). */
  getpeername(): SocketAddress {
    const result = native.getpeername(this.#open('getpeername'));
    if (typeof result === 'number') throw syscallError('getpeername', result);
    return result;
  }

  /**
   * setsockopt(2). The value's type follows the option: an integer (or boolean) for most, a
   * {@link Linger} for SO_LINGER, milliseconds for SO_RCVTIMEO/SO_SNDTIMEO, a string for
   * SO_BINDTODEVICE/TCP_CONGESTION, or raw bytes (any ArrayBufferView) for anything else.
   */
  setsockopt<N extends number>(level: number, name: N, value: SetOptionValue<N>): void;
  setsockopt(level: number, name: number, value: number | boolean | string | Linger | ArrayBufferView): void {
    const fd = this.#open('setsockopt');
    validateInt(level, 'level');
    validateInt(name, 'name');
    let result: number;
    const kind = optionKind(level, name);
    if (ArrayBuffer.isView(value)) {
      result = native.setsockoptBytes(fd, level, name, value);
    } else if (kind === 'linger') {
      const linger = validateObject(value, 'value');
      if (typeof linger.onoff !== 'boolean' && typeof linger.onoff !== 'number') {
        throw invalidArgType('value.onoff', 'of type boolean or number', linger.onoff);
      }
      const seconds = validateInt(linger.linger, 'value.linger', 0);
      result = native.setsockoptLinger(fd, linger.onoff ? 1 : 0, seconds);
    } else if (kind === 'timeval') {
      if (typeof value !== 'number') throw invalidArgType('value', 'of type number (milliseconds)', value);
      if (!(value >= 0 && value < MAX_TIMEVAL_MS)) throw outOfRange('value', `>= 0 && < ${MAX_TIMEVAL_MS} (0: no timeout)`, value);
      result = native.setsockoptTimeval(fd, name, value);
    } else if (kind === 'string') {
      if (typeof value !== 'string') throw invalidArgType('value', 'of type string', value);
      result = native.setsockoptBytes(fd, level, name, Buffer.from(value, 'utf8'));
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
   * getsockopt(2). Integer options return a number; SO_LINGER a {@link Linger}; SO_RCVTIMEO and
   * SO_SNDTIMEO milliseconds; string options a string. With `length`, the raw option bytes (at most
   * `length` of them) as a Buffer.
   */
  getsockopt<N extends number>(level: number, name: N): OptionValue<N>;
  getsockopt(level: number, name: number, length: number): Buffer;
  getsockopt(level: number, name: number, length?: number): number | string | Linger | Buffer {
    const fd = this.#open('getsockopt');
    validateInt(level, 'level');
    validateInt(name, 'name');
    const kind = optionKind(level, name);
    if (length !== undefined || kind === 'string') {
      const buffer = Buffer.alloc(length === undefined ? 256 : validateInt(length, 'length', 0, 65536));
      const result = native.getsockoptBytes(fd, level, name, buffer);
      if (result < 0) throw syscallError('getsockopt', result);
      if (length !== undefined) return buffer.subarray(0, result);
      const text = buffer.subarray(0, result);
      const end = text.indexOf(0);
      return (end < 0 ? text : text.subarray(0, end)).toString('utf8');
    }
    if (kind === 'linger') {
      const result = native.getsockoptLinger(fd, intOut);
      if (result < 0) throw syscallError('getsockopt', result);
      return { onoff: intOut[0] !== 0, linger: intOut[1]! };
    }
    if (kind === 'timeval') {
      const result = native.getsockoptTimeval(fd, name, msOut);
      if (result < 0) throw syscallError('getsockopt', result);
      return msOut[0]!;
    }
    const result = native.getsockoptInt(fd, level, name, intOut);
    if (result < 0) throw syscallError('getsockopt', result);
    return intOut[0]!;
  }

  /** fcntl(2) O_NONBLOCK: false makes calls that would block fail with EAGAIN instead. */
  setBlocking(blocking: boolean): void {
    const fd = this.#open('fcntl');
    if (typeof blocking !== 'boolean') throw invalidArgType('blocking', 'of type boolean', blocking);
    const result = native.setBlocking(fd, blocking ? 1 : 0);
    if (result < 0) throw syscallError('fcntl', result);
  }

  /** fcntl(2) F_GETFL: whether O_NONBLOCK is clear. */
  getBlocking(): boolean {
    const result = native.getBlocking(this.#open('fcntl'));
    if (result < 0) throw syscallError('fcntl', result);
    return result === 1;
  }
}

/**
 * The buffer a recv fills. Uninitialised memory is safe only where the kernel writes every byte it
 * reports: with MSG_TRUNC on a stream socket, Linux discards bytes without copying them and still
 * counts them, so that buffer is zeroed rather than leak old heap contents.
 */
export function allocateFor(length: number, flags: number): Buffer {
  return flags & MSG_TRUNC ? Buffer.alloc(length) : Buffer.allocUnsafe(length);
}

/**
 * The received part of a recv buffer. When most of a large buffer went unused, copy the bytes out
 * so the caller does not hold the whole allocation alive.
 */
export function shrink(buffer: Buffer, received: number): Buffer {
  const length = Math.min(received, buffer.length);
  if (length === buffer.length) return buffer;
  if (buffer.length > 65536 && length < buffer.length / 2) return Buffer.from(buffer.subarray(0, length));
  return buffer.subarray(0, length);
}
