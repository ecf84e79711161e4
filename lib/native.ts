// The native surface, typed in one place. test/00.setup checks this shape against the real binding.
//
// Convention: every syscall wrapper returns its non-negative result or a negative errno, never
// throws for a failed syscall (it throws TypeError/RangeError only for arguments lib/ should have
// refused already). lib/errors.ts turns the negative errno into a Node-style error.
//
// The binding keeps the set of fds this environment owns (socket/socketpair/accept4 add, close
// removes; own/disown for adopted and detached fds) and closes what is left when a worker exits;
// and the Socket holding each one, to close the fd of a Socket collected without close().
//
// Which binary loads: a build from source (build/Release, or build/Debug after `node-gyp rebuild
// --debug`) when there is one, else the prebuilt binary the package ships for this platform and
// architecture (prebuilds/linux-x64/sockcall.glibc.node, made by scripts/prebuild.js when the
// package is packed). scripts/install.js builds from source only when the prebuilt binary does not
// load here, or when asked to. The first of these files that exists is the one loaded: a binary
// that is there but does not load is an error, never a silent fallback to another build.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** An address as the kernel reports it (getsockname, getpeername, recvfrom, getaddrinfo); a Unix name that is not UTF-8 comes as a Buffer. */
export type NativeAddress =
  | { family: 'AF_INET'; address: string; port: number }
  | { family: 'AF_INET6'; address: string; port: number; flowinfo: number; scopeId: number }
  | { family: 'AF_UNIX'; path: string | Buffer }
  | { family: 'AF_UNSPEC'; sa_family: number };

export interface NativeAddrinfo {
  family: number;
  type: number;
  protocol: number;
  address: NativeAddress;
  canonname?: string;
}

/** An encoded `struct sockaddr`, written by sockaddrInet or made by sockaddrUnix, and passed to bind/connect/sendto. */
export type Sockaddr = Buffer;

/** A uv_poll_t on one fd. Starting it makes the loop watch the fd (and keeps the process alive unless unref'd). */
export interface NativePoller {
  /**
   * uv_poll_start with the full mask wanted now: 0, or a negative libuv (= -errno) code. With
   * `referenced`, also uv_ref (true) or uv_unref (false) in the same call.
   */
  start(events: number, referenced?: boolean): number;
  stop(): number;
  /** Stops polling and closes the handle; idempotent. Do it before closing the fd. */
  close(): void;
  /**
   * A closed poller opened on `fd` again, started as the constructor starts one: 0, or a negative
   * libuv (= -errno) code (uv_poll_init's or uv_poll_start's; the poller stays closed). The old
   * handle's undelivered events are dropped. A poller still open: UV_EBUSY.
   */
  reopen(fd: number, onEvent: (status: number, events: number, readResult: number, writeResult: number) => void, events: number, referenced?: boolean): number;
  /** uv_ref / uv_unref: whether the started handle keeps the loop (and the process) alive. */
  ref(): void;
  unref(): void;
  /**
   * Hands the call at the head of `direction`'s queue (0 reads, 1 writes) to the poll callback,
   * which makes it when the fd is ready (`kind`: PEND_RECV into `view`, PEND_RECVFROM into `view`
   * with the sender into `senders[0]`, PEND_SEND of `view`, PEND_ACCEPT with accept4's `flags`,
   * PEND_CONNECT reading SO_ERROR), and arms it: 0, or -EINVAL.
   */
  pend(direction: number, kind: number, view: ArrayBufferView | undefined, flags: number, senders?: (NativeAddress | null)[]): number;
  /** Disarms and forgets the call pended for `direction`: 0. */
  unpend(direction: number): number;
  /**
   * Per direction, 1 while the pended call is wanted: the poll callback makes it only then, and sets
   * 0 when done. Made when the same call is pended a second time: undefined before.
   */
  readonly armed: Int32Array;
}

export interface PollerClass {
  /**
   * `onEvent(status, events, readResult, writeResult)`: status 0 or a negative errno; events a mask
   * of the flags below; each result that of the pended call it completed (count, fd, 0, or -errno),
   * else NOT_DONE. With `events`, the poller is started at once, as `start(events, referenced)`
   * would (a mask start() refuses is thrown, with its errno).
   */
  new (fd: number, onEvent: (status: number, events: number, readResult: number, writeResult: number) => void, events?: number, referenced?: boolean): NativePoller;
  readonly READABLE: number;
  readonly WRITABLE: number;
  readonly DISCONNECT: number;
  readonly PRIORITIZED: number;
  readonly PEND_RECV: number;
  readonly PEND_SEND: number;
  readonly PEND_ACCEPT: number;
  readonly PEND_CONNECT: number;
  readonly PEND_RECVFROM: number;
  readonly NOT_DONE: number;
}

export interface Native {
  /** With a `holder`, the new fd is held by it (see {@link Native.own}). */
  socket(domain: number, type: number, protocol: number, holder?: object): number;
  socketpair(domain: number, type: number, protocol: number): [number, number] | number;
  bind(fd: number, address: Sockaddr): number;
  listen(fd: number, backlog: number): number;
  accept4(fd: number, flags: number): number;
  connect(fd: number, address: Sockaddr): number;
  send(fd: number, data: ArrayBufferView, flags: number): number;
  sendto(fd: number, data: ArrayBufferView, flags: number, address: Sockaddr): number;
  recv(fd: number, into: ArrayBufferView, flags: number): number;
  recvfrom(fd: number, into: ArrayBufferView, flags: number): [number, NativeAddress | null] | number;
  /** The same, the sender (null when the kernel gave none) into `senders[0]`: the count, or the negative errno. */
  recvfrom(fd: number, into: ArrayBufferView, flags: number, senders: (NativeAddress | null)[]): number;
  /** sendmsg(2): `control` is msg_control's raw bytes (lib/msg.ts lays them out), `address` msg_name. */
  sendmsg(fd: number, buffers: ArrayBufferView[], control: Buffer | null, flags: number, address: Sockaddr | null): number;
  /** recvmsg(2): [bytes, msg_flags, the control bytes the kernel wrote, msg_name or null]. */
  recvmsg(fd: number, buffers: ArrayBufferView[], controlLength: number, flags: number): [number, number, Buffer, NativeAddress | null] | number;
  /**
   * sendfile(2) from `inFd` onto `fd`: `offset` null reads at (and moves) the file's position; a
   * number reads there and leaves the position alone (the next offset is offset + the result).
   * `offset` and `count` are integers from 0 to 2^53 - 1.
   */
  sendfile(fd: number, inFd: number, offset: number | null, count: number): number;
  /**
   * sendmmsg(2): each message `[data or buffers, msg_control's raw bytes or null, msg_name or null]`;
   * the count of messages sent.
   */
  sendmmsg(fd: number, messages: [ArrayBufferView | ArrayBufferView[], Buffer | null, Sockaddr | null][], flags: number): number;
  /**
   * recvmmsg(2) of up to `count` datagrams of up to `length` bytes, the i-th into `into` at
   * `i * length`; `timeoutMs` negative for none (NULL). The senders of those received (null where
   * the kernel gave none; a run of datagrams from one sender shares one object), their msg_len and
   * msg_flags in pairs into `out`.
   */
  recvmmsg(fd: number, into: ArrayBufferView, count: number, length: number, flags: number, timeoutMs: number, out: Int32Array): (NativeAddress | null)[] | number;
  /** The same, the senders into `senders` (null: not asked of the kernel): the count received, or the negative errno. */
  recvmmsg(fd: number, into: ArrayBufferView, count: number, length: number, flags: number, timeoutMs: number, out: Int32Array, senders: (NativeAddress | null)[] | null): number;
  shutdown(fd: number, how: number): number;
  close(fd: number): number;
  getsockname(fd: number): NativeAddress | number;
  getpeername(fd: number): NativeAddress | number;
  /** The option's value (any int32), or {@link GETSOCKOPT_FAILED} - errno, below every int32. */
  getsockoptInt(fd: number, level: number, name: number): number;
  setsockoptInt(fd: number, level: number, name: number, value: number): number;
  getsockoptBytes(fd: number, level: number, name: number, into: ArrayBufferView): number;
  setsockoptBytes(fd: number, level: number, name: number, value: ArrayBufferView): number;
  /** SO_ATTACH_FILTER: struct sock_fprog around `program`, whole 8-byte struct sock_filter (else a RangeError). */
  setsockoptFilter(fd: number, program: ArrayBufferView): number;
  getsockoptLinger(fd: number, out: Int32Array): number;
  setsockoptLinger(fd: number, onoff: number, seconds: number): number;
  /** SO_RCVTIMEO or SO_SNDTIMEO only (another name is a RangeError); the value in ms into `out[0]`. */
  getsockoptTimeval(fd: number, name: number, out: Float64Array): number;
  setsockoptTimeval(fd: number, name: number, ms: number): number;
  getBlocking(fd: number): number;
  setBlocking(fd: number, blocking: number): number;
  /** fcntl(F_DUPFD_CLOEXEC): the lowest free fd >= `min`, not tracked (lib/ closes it itself). */
  dup(fd: number, min: number): number;
  /** Timeout in ms, negative for none. Returns the ready fds of each list. */
  select(read: number[], write: number[], except: number[], timeoutMs: number): [number[], number[], number[]] | number;
  /** Timeout in ms, -1 for none. Returns revents for each entry. */
  poll(fds: number[], events: number[], timeoutMs: number): number[] | number;
  /** epoll_create1(2): the new epoll fd, tracked like a socket's. */
  epollCreate1(flags: number): number;
  /** epoll_ctl(2) with data.fd = `fd`; `events` null passes a NULL event (EPOLL_CTL_DEL). */
  epollCtl(epfd: number, op: number, fd: number, events: number | null): number;
  /** epoll_wait(2), restarted after EINTR for what is left of `timeoutMs` (-1: none): n ready, `out[2i]` events, `out[2i + 1]` fd. */
  epollWait(epfd: number, maxEvents: number, timeoutMs: number, out: Int32Array): number;
  /** ioctl(2) with a pointer to one int: FIONREAD (SIOCINQ), SIOCOUTQ, SIOCOUTQNSD, SIOCATMARK only (another request is a RangeError); the int. */
  ioctl(fd: number, request: number): number;
  getaddrinfo(
    host: string | null,
    service: string | null,
    family: number,
    type: number,
    protocol: number,
    flags: number,
  ): NativeAddrinfo[] | { eai: number; errno: number };
  /**
   * getaddrinfo on the libuv thread pool (the promise flavour): `done` gets the result. A callback,
   * not a promise: a worker torn down mid-lookup frees a callback's reference, not a promise's. Any
   * function is taken; one that throws when called (a class constructor included) throws on the
   * event loop, an uncaught exception, as a callback of Node's own (dns.lookup) would.
   */
  getaddrinfoAsync(
    host: string | null,
    service: string | null,
    family: number,
    type: number,
    protocol: number,
    flags: number,
    done: (result: NativeAddrinfo[] | { eai: number; errno: number }) => void,
  ): void;
  /** A uv_poll_t on this environment's loop: see native/poller.h. */
  Poller: PollerClass;
  /**
   * Encodes an internet address into `into` (at least 16 bytes for AF_INET, 28 for AF_INET6):
   * the bytes written, or 0 if the text is not a numeric address of that family.
   */
  sockaddrInet(family: number, address: string, port: number, flowinfo: number, scopeId: number, into: Uint8Array): number;
  sockaddrUnix(path: Uint8Array): Sockaddr | null;
  /** A struct sockaddr_ll: the protocol in host order (stored htons), the hardware address's bytes (at most 8). */
  sockaddrLl(protocol: number, ifindex: number, hatype: number, pkttype: number, hardware: Uint8Array): Sockaddr;
  /** if_nametoindex(3): the index, or -errno (ENODEV for a name no interface has). */
  ifNametoindex(name: Uint8Array): number;
  /** if_indextoname(3): the name, or -errno (ENXIO for an index no interface has). */
  ifIndextoname(index: number): string | number;
  /**
   * Adds an adopted fd to the ones this environment closes at teardown. With a `holder` (the Socket
   * that wraps it), the fd is held by it: if the holder is collected before the fd is closed or
   * disowned, the collected handler gets the fd.
   */
  own(fd: number, holder?: object): void;
  /** The object holding `fd` (see own), while it is alive and holds it; else undefined. */
  holderOf(fd: number): object | undefined;
  /** Removes an fd given away (detach) from them, and drops its holder. */
  disown(fd: number): void;
  /**
   * The function called, after a collection, with the fd of a holder collected while it still held
   * it. Set once per environment (lib/socket-base.ts does as it loads); a second call is a TypeError.
   */
  setCollectedHandler(handler: (fd: number) => void): void;
  /** Calls `sink` after each syscall this thread makes (see native/trace.h), or stops (null). */
  setTrace(sink: ((...call: never[]) => void) | null): void;
  constants: Readonly<Record<string, number>>;
  /** The binding's own bounds (native/bounds.h), which lib/ checks first to name them in its RangeErrors. */
  limits: Readonly<{ MAX_IOV: number; MAX_MMSG: number; MAX_CONTROL: number; MAX_TIMEOUT_MS: number }>;
  errnoNames: Readonly<Record<number, string>>;
  /** Added by {@link loadNative}: the .node file this binding was loaded from. */
  path: string;
}

/** What each member of the binding is; a key missing or extra here is a compile error. */
export const nativeShape: { readonly [K in keyof Native]: Native[K] extends ((...args: never[]) => unknown) | (abstract new (...args: never[]) => unknown) ? 'function' : Native[K] extends string ? 'string' : 'object' } = {
  socket: 'function',
  socketpair: 'function',
  bind: 'function',
  listen: 'function',
  accept4: 'function',
  connect: 'function',
  send: 'function',
  sendto: 'function',
  recv: 'function',
  recvfrom: 'function',
  sendmsg: 'function',
  recvmsg: 'function',
  sendfile: 'function',
  sendmmsg: 'function',
  recvmmsg: 'function',
  shutdown: 'function',
  close: 'function',
  getsockname: 'function',
  getpeername: 'function',
  getsockoptInt: 'function',
  setsockoptInt: 'function',
  getsockoptBytes: 'function',
  setsockoptBytes: 'function',
  setsockoptFilter: 'function',
  getsockoptLinger: 'function',
  setsockoptLinger: 'function',
  getsockoptTimeval: 'function',
  setsockoptTimeval: 'function',
  getBlocking: 'function',
  setBlocking: 'function',
  dup: 'function',
  select: 'function',
  poll: 'function',
  epollCreate1: 'function',
  epollCtl: 'function',
  epollWait: 'function',
  ioctl: 'function',
  getaddrinfo: 'function',
  getaddrinfoAsync: 'function',
  Poller: 'function',
  sockaddrInet: 'function',
  sockaddrUnix: 'function',
  sockaddrLl: 'function',
  ifNametoindex: 'function',
  ifIndextoname: 'function',
  own: 'function',
  holderOf: 'function',
  disown: 'function',
  setCollectedHandler: 'function',
  setTrace: 'function',
  constants: 'object',
  limits: 'object',
  errnoNames: 'object',
  path: 'string',
};

/**
 * The binaries to try, best first: a build from source, then the prebuilt one. scripts/install.js
 * names the prebuilt one too (it tries that binary before deciding to build).
 */
function binaryCandidates(root = join(__dirname, '..')): string[] {
  return [
    join(root, 'build', 'Release', 'sockcall.node'),
    join(root, 'build', 'Debug', 'sockcall.node'),
    join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'sockcall.glibc.node'),
  ];
}

/** The fix for a binary that is missing or does not load, and what it needs. */
const rebuildAdvice =
  'To build it: `npm rebuild sockcall` (under pnpm: `pnpm approve-builds`, then `pnpm rebuild sockcall`), which needs g++, make and python3.';

/** Loads the first of `candidates` that exists, or throws an Error that says why none did and what to do. */
function loadNative(candidates: readonly string[]): Native {
  if (process.platform !== 'linux') {
    throw new Error(`sockcall works on Linux only (it makes Linux socket syscalls through a native addon); this is ${process.platform}.`);
  }
  const file = candidates.find((candidate) => existsSync(candidate));
  if (file === undefined) {
    const missing = Object.assign(new Error(`none of these files exists: ${candidates.join(', ')}`), { code: 'MODULE_NOT_FOUND' });
    throw new Error(
      `sockcall: no native binary to load (nothing was built from source, and there is no prebuilt binary for ${process.platform}-${process.arch}).\n` +
        'The install step that builds it did not run (`npm install --ignore-scripts`; npm before `npm install-scripts approve sockcall`; ' +
        'pnpm before `pnpm approve-builds`) or it failed.\n' +
        rebuildAdvice,
      { cause: missing },
    );
  }
  let binding: Omit<Native, 'path'>;
  try {
    binding = require(file) as Omit<Native, 'path'>;
  } catch (error) {
    const prebuilt = file.endsWith('.glibc.node') ? ' (the prebuilt binary, for Linux with glibc: the cause says what this system lacks)' : '';
    throw new Error(`sockcall: the native binary ${file} does not load here${prebuilt}.\n${rebuildAdvice}`, { cause: error });
  }
  // A copy, not the exports object itself: Node-API fills that one key by key, and with this many
  // keys V8 keeps it in dictionary mode, where every `native.x` is a hash lookup and the call target
  // is not a constant the optimizing compiler can see. A literal copy is a fast-mode object.
  return { ...binding, path: file };
}

export const native: Native = loadNative(binaryCandidates());

/** What getsockoptInt returns for a failure: this minus errno (-2^32 - errno). */
export const GETSOCKOPT_FAILED = -(2 ** 32);

