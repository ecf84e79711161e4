// The promise flavour's Socket: the same syscalls on a non-blocking fd, driven by Node's own event
// loop. Each call tries its syscall at once; only when the kernel says EAGAIN does it wait, in a
// FIFO queue per direction, for the fd's uv_poll handle (native/poller.h) to report readiness. The
// call at the head of a queue is handed to the poller when it can make it natively (recv into a
// buffer, send, accept4, connect's SO_ERROR): the poll callback then makes the syscall and brings
// its result; the others try again from here. A stream whose last read came back short is drained,
// so its next recv waits for readiness without trying first; so does a recv after a send to a peer
// that has been answering only later (an echo, a request and its response). Nothing waits on the
// libuv thread pool.
import { constants as osConstants } from 'node:os';

import type { AddressInput, DisconnectAddress, SocketAddress } from './address';
import {
  MSG_ERRQUEUE,
  MSG_NOSIGNAL,
  MSG_OOB,
  MSG_PEEK,
  MSG_WAITALL,
  SO_ERROR,
  SOCK_STREAM,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOL_SOCKET,
} from './constants';
import { details, invalidArgType, outOfRange, sendAllProgress, SocketError, syscallError, waitAllProgress, type ErrorContext } from './errors';
import {
  passCredentials,
  prepareReceive,
  prepareReceiveCredentials,
  prepareReceiveFds,
  prepareSend,
  prepareSendCredentials,
  prepareSendFds,
  type MmsgMessage,
  type PreparedReceive,
  type PreparedSend,
  prepareRecvmmsg,
  prepareRecvmmsgInto,
  recvfromIntoSenders,
  prepareSendmmsg,
  type ReceivedMessage,
  receiveMessage,
  receiveMessages,
  receiveMessagesInto,
  type RecvmmsgIntoOptions,
  type RecvmmsgOptions,
  type ReceivedCredentials,
  type ReceivedFds,
  type RecvmsgOptions,
  type RecvmsgResult,
  type SendmsgOptions,
} from './msg';
import { GETSOCKOPT_FAILED, native, type NativeAddress, type NativePoller } from './native';
import { Socket as BlockingSocket } from './socket';
import { allocateFor, fit, receive, receiveFrom, receiveFromInto } from './receive';
import {
  ADOPT,
  chunkSize,
  type ChunksOptions,
  endsAtEmpty,
  fdOf,
  inheritWaits,
  MAX_RECV_LENGTH,
  type Received,
  type RecvfromIntoOptions,
  setReleasedBy,
  SocketBase,
} from './socket-base';
import { asBytes, byteLengthOf, type FileInput, INT32_MAX, INT32_MIN, RECV_FLAGS, SEND_FLAGS, sendfileArguments, toSendable, validateFlags, validateInt, validateObject, validateView } from './validate';

const EAGAIN = -osConstants.errno.EAGAIN;
const EINPROGRESS = -osConstants.errno.EINPROGRESS;
const EINTR = -osConstants.errno.EINTR;
const EBADF = -osConstants.errno.EBADF;

const { READABLE, WRITABLE, DISCONNECT, PRIORITIZED, PEND_RECV, PEND_RECVFROM, PEND_SEND, PEND_ACCEPT, PEND_CONNECT, NOT_DONE } = native.Poller;

/**
 * What every call that can wait accepts.
 *
 * The last argument of the promise Socket's accept, connect, send, sendAll, sendto, recv, recvInto,
 * recvfrom and recvfromInto, and of getaddrinfo, select and poll. A call that is aborted or times out has consumed
 * and sent nothing (except sendAll: see its `bytesSent`; a recv or recvInto with MSG_WAITALL on a
 * stream: the bytes it took are on the error, `bytesReceived` and `data`; and a connect goes on in
 * the kernel: close that socket).
 * A key that is neither (a misspelt `timout`) is refused with `ERR_INVALID_ARG_VALUE`, naming the
 * key meant.
 *
 * @example
 * ```ts
 * const data = await conn.recv(4096, { timeout: 5_000 });
 * const controller = new AbortController();
 * const pending = server.accept({ signal: controller.signal });
 * controller.abort(); // pending rejects with an AbortError
 * ```
 *
 * @category Sockets
 */
export interface WaitOptions {
  /** Aborting rejects the call with an AbortError. */
  signal?: AbortSignal;
  /**
   * Milliseconds to wait at most; then the call rejects with an ETIMEDOUT SocketError. 0 to 2^31-1.
   * (select() and poll() take their time limit as `timeoutMs`, and resolve empty when it passes.)
   */
  timeout?: number;
}

/**
 * The rejection of an aborted call, as Node's own (`name` 'AbortError', `code` 'ABORT_ERR').
 *
 * Its `cause` is the signal's `reason`. An aborted call made no syscall that took or sent data
 * (sendAll excepted: `bytesSent`; and a recv or recvInto with MSG_WAITALL on a stream: `bytesReceived`,
 * `data`).
 *
 * @example
 * ```ts
 * try {
 *   await conn.recv(4096, { signal: AbortSignal.timeout(1_000) });
 * } catch (error) {
 *   if (error instanceof AbortError) console.log('gave up:', error.cause);
 *   else throw error;
 * }
 * ```
 *
 * @category Errors
 */
export class AbortError extends Error {
  /** Always 'ABORT_ERR', as on Node's own AbortError. */
  readonly code = 'ABORT_ERR';
  /** For an aborted sendAll: how many bytes went out before the abort. */
  declare bytesSent?: number;
  /**
   * For an aborted recv or recvInto with MSG_WAITALL on a stream: how many bytes arrived before the
   * abort (a recvInto's are at the start of its view).
   */
  declare bytesReceived?: number;
  /** For an aborted recv with MSG_WAITALL on a stream: those `bytesReceived` bytes. */
  declare data?: Buffer;

  /**
   * Made by sockcall when a signal aborts a call; exported for `instanceof`.
   *
   * @param message - Defaults to 'The operation was aborted', as Node's.
   * @param options - `cause`: why (sockcall passes the signal's `reason`).
   */
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
  }

  /** Always 'AbortError'. */
  override get name(): string {
    return 'AbortError';
  }
}

/** An attempt's answer when the syscall would block (EAGAIN): wait for readiness and try again. */
const WOULD_BLOCK: unique symbol = Symbol('would block');

/**
 * Why `new native.Poller(fd)` threw: uv_poll_init's errno (negative), or EBADF for an error that
 * carries none. select()/poll() on a bare fd and a Socket's own poller both report it so.
 */
export function pollerRefusal(error: unknown): number {
  const errno = (error as { errno?: unknown } | null)?.errno;
  return typeof errno === 'number' ? errno : EBADF;
}

/** Makes the syscall once: its result, WOULD_BLOCK, or a thrown SocketError. */
type Attempt<T> = () => T | typeof WOULD_BLOCK;

/** A syscall the poll callback can make for the call at the head of a queue (see NativePoller.pend). */
interface Handover {
  kind: number;
  view: ArrayBufferView | undefined;
  flags: number;
  /** PEND_RECVFROM: the array whose index 0 gets the sender. */
  senders: (SocketAddress | null)[] | undefined;
}

/**
 * A call the poller can make natively: the syscall to hand over, and how its raw result (count,
 * fd, or -errno) becomes the call's value, WOULD_BLOCK (wait on) or a thrown SocketError; the
 * call's `attempt` is `finish` of the same syscall made from JS. `update`, if there, brings `view`
 * up to date before a handover and says whether the call can be handed over now (a connect only
 * once connect(2) has said EINPROGRESS).
 */
interface Native<T> extends Handover {
  finish(result: number): T | typeof WOULD_BLOCK;
  update?(): boolean;
}

/**
 * A socket's handovers: per direction, the operation whose syscall the poller is armed to make (or
 * null), and the syscall registered with the poller (NativePoller.pend), re-armed while the same.
 * Flat fields, not arrays of objects: a connection waiting on a recv keeps this for its lifetime.
 */
class Handed {
  pendedRead: Operation | null = null;
  pendedWrite: Operation | null = null;
  readKind = 0;
  readView: ArrayBufferView | undefined = undefined;
  readFlags = 0;
  readSenders: (SocketAddress | null)[] | undefined = undefined;
  writeKind = 0;
  writeView: ArrayBufferView | undefined = undefined;
  writeFlags = 0;

  pended(direction: Direction): Operation | null {
    return direction === READ ? this.pendedRead : this.pendedWrite;
  }

  setPended(direction: Direction, operation: Operation | null): void {
    if (direction === READ) this.pendedRead = operation;
    else this.pendedWrite = operation;
  }

  /** Whether `call` is the syscall registered for `direction` already. */
  holds(direction: Direction, call: Handover): boolean {
    return direction === READ
      ? this.readKind === call.kind && this.readView === call.view && this.readFlags === call.flags && this.readSenders === call.senders
      : this.writeKind === call.kind && this.writeView === call.view && this.writeFlags === call.flags;
  }

  register(direction: Direction, call: Handover): void {
    if (direction === READ) {
      this.readKind = call.kind;
      this.readView = call.view;
      this.readFlags = call.flags;
      this.readSenders = call.senders;
    } else {
      this.writeKind = call.kind;
      this.writeView = call.view;
      this.writeFlags = call.flags;
    }
  }
}

/**
 * A call waiting in a queue. A class, so every waiting call has one shape: the engine's reads of
 * these fields stay monomorphic, whichever syscall waits.
 */
class Operation {
  /** Settle the call (set by its Promise's executor). */
  resolve: (value: unknown) => void = settleNothing;
  reject: (error: unknown) => void = settleNothing;
  /** options.timeout's timer, and options.signal's listener, dropped once settled. */
  timer: NodeJS.Timeout | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;

  constructor(
    readonly syscall: string,
    /**
     * Makes the syscall once from JS: its result, WOULD_BLOCK, or a thrown SocketError. Null for a
     * call whose `native` syscall is the whole call: then it is made from JS as the poller makes it.
     */
    readonly attempt: Attempt<unknown> | null,
    /** The syscall as the poller can make it, if it can. */
    readonly native: Native<unknown> | undefined,
    /** A recv on a stream: after a short read (or a send, see #emptyAfterSend) it waits for readiness before trying. */
    readonly waitsWhenDrained: boolean,
    readonly signal: AbortSignal | undefined,
    /** Adds what an error should say about progress made (sendAll's bytesSent). */
    readonly decorate: ((error: SocketError | AbortError) => void) | undefined,
    /** How far the call got, for an error's message (sendAll's bytes sent). */
    readonly progress: (() => string) | undefined,
  ) {}

  /** Drops the timer and the abort listener once the operation is settled. */
  settled(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.onAbort !== undefined) this.signal!.removeEventListener('abort', this.onAbort);
  }
}

function settleNothing(): void {}

/** The rest of a MSG_WAITALL recvInto whose view was detached or shrunk under it: nothing. */
const NOTHING_LEFT = new Uint8Array(0);

/** A recvInto's value: the count itself. */
function returnCount(got: number): number {
  return got;
}

/** A readiness wait from select()/poll(): told when any of `events` (a uv mask) fires. */
export interface Watcher {
  events: number;
  notify(): void;
}

const READ = 0;
const WRITE = 1;
type Direction = typeof READ | typeof WRITE;

const NO_OPTIONS: WaitOptions = Object.freeze({});
const NO_WATCHERS: Watcher[] = [];
const ACCEPT_FLAGS = SOCK_NONBLOCK | SOCK_CLOEXEC;
/** #settle's argument when the poller made no syscall for the call: it is tried from JS. */
const NOT_MADE = 2 ** 31; // no syscall result (an int32) is this
/** poller.armed[2]: unreference the handle when the poll callback returns (native/poller.h). */
const UNREF_AFTER_CALLBACK = 2;
/** The keys of {@link WaitOptions}, for calls whose options hold more. */
export const WAIT_KEYS: readonly string[] = ['signal', 'timeout'];

/**
 * Checks `{ signal, timeout }`. `keysChecked`: the options of a call that takes more keys, whose
 * preparation has checked them all already.
 */
export function waitOptions(options: unknown, keysChecked = false): WaitOptions {
  if (options === undefined) return NO_OPTIONS;
  const object = keysChecked ? (options as Record<string, unknown>) : validateObject(options, 'options', WAIT_KEYS);
  const { signal, timeout } = object;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalidArgType('options.signal', 'an instance of AbortSignal', signal);
  }
  if (timeout !== undefined) {
    if (typeof timeout !== 'number') throw invalidArgType('options.timeout', 'of type number', timeout);
    if (!(timeout >= 0 && timeout <= INT32_MAX)) throw outOfRange('options.timeout', `>= 0 && <= ${INT32_MAX}`, timeout);
  }
  return { signal: signal as AbortSignal | undefined, timeout: timeout as number | undefined };
}

export function abortError(signal: AbortSignal): AbortError {
  return new AbortError(undefined, { cause: signal.reason });
}

/** ETIMEDOUT when `options.timeout` (`ms`) passes: `recv ETIMEDOUT: timed out after 500 ms (options.timeout)`. */
export function timeoutError(syscall: string, ms: number, context?: ErrorContext, progress?: string): SocketError {
  return new SocketError(syscall, 'ETIMEDOUT', -osConstants.errno.ETIMEDOUT, context, details(`timed out after ${ms} ms (options.timeout)`, progress));
}

/** ECANCELED for a call still waiting when `by` ('close()', 'detach()' ...) let the fd go. */
function canceledError(operation: Operation, by: string): SocketError {
  return new SocketError(operation.syscall, 'ECANCELED', -osConstants.errno.ECANCELED, undefined, details(`cancelled by ${by}`, operation.progress?.()));
}

/** A send(2) failure part way through a sendAll: the error, saying how much went out (`bytesSent`). */
function sendAllFailure(result: number, sent: number, total: number): SocketError {
  const error = syscallError('send', result, undefined, sendAllProgress(sent, total));
  error.bytesSent = sent;
  return error;
}

/** Recv-style calls take `(…, flags?, options?)`; `(…, options)` is accepted too. */
function flagsAndOptions(flags: unknown, options: unknown, known: number, syscall: string): [number, WaitOptions] {
  if (typeof flags === 'object' && flags !== null && options === undefined) return [0, waitOptions(flags)];
  return [flags === undefined ? 0 : validateFlags(flags, 'flags', known, syscall), waitOptions(options)];
}

/**
 * Wake-ups in a row that let no waiting call finish before the poller backs off. Some kernel states
 * read as ready to epoll while the syscall still says EAGAIN (a datagram socket after
 * shutdown(SHUT_RD), an AF_UNIX datagram receiver that is full, a queued IP_RECVERR error):
 * level-triggered polling would spin a CPU at 100% until the call is cancelled.
 */
const FRUITLESS_WAKEUPS = 8;
/** Longest pause between retries once backed off: the latency a call may gain in those states. */
const MAX_BACKOFF_MS = 64;

/**
 * Sockets with a call or select/poll waiting: held here so they cannot be collected meanwhile. An
 * array, each socket knowing its index (#waitingAt): a socket starts and stops waiting around every
 * call that waits, and a store plus a swap with the last is cheaper than a Set's hashing and rehashing.
 */
const waitingSockets: Socket[] = [];

/**
 * Pollers closed with their sockets, kept for the next socket that waits (see NativePoller.reopen):
 * a server's every connection and a client's every connect would otherwise make and wrap a native
 * object, and leave it to the collector. At most IDLE_POLLERS_MAX: a burst of closes keeps no more.
 */
const idlePollers: SocketPoller[] = [];
const IDLE_POLLERS_MAX = 16;

/**
 * The promise Socket that owns `fd`, if any (a second uv_poll handle on one fd breaks libuv): the
 * binding's holder of the fd (see SocketBase), which it lets go of when the Socket closes or
 * detaches. No WeakRef per Socket: each is work for the collector, and its deref keeps the target.
 */
export function promiseSocketFor(fd: number): Socket | undefined {
  if (!Number.isInteger(fd) || fd < 0 || fd > INT32_MAX) return undefined;
  const holder = native.holderOf(fd);
  return holder instanceof Socket ? holder : undefined;
}

export let watch: (socket: Socket, watcher: Watcher) => void;
export let unwatch: (socket: Socket, watcher: Watcher) => void;
let received: (socket: Socket, result: number, asked: number, flags: number, syscall: string) => number;
let dispatch: (socket: Socket, status: number, events: number, readResult: number, writeResult: number) => void;

/**
 * A socket whose calls that can wait return Promises. Same constructor and method names as the
 * blocking Socket; bind, listen, setsockopt, getsockopt, shutdown, getsockname, getpeername and close
 * stay synchronous. The fd is non-blocking.
 *
 * Rejected calls consume and send nothing: a call either made its one successful syscall (and
 * resolves) or made none that took data. The exceptions are `sendAll`, whose error says in
 * `bytesSent` how much went out; `recv` and `recvInto` with MSG_WAITALL on a stream, whose error
 * carries what arrived (`bytesReceived`, and recv's `data`); and `connect`, whose attempt may go on
 * in the kernel: close the socket after a rejected connect.
 *
 * A Socket is async-iterable: `for await (const chunk of conn)` reads it chunk by chunk until EOF
 * (see {@link Socket.chunks}).
 *
 * Each call tries its syscall at once; only on EAGAIN does it wait, in a first-in first-out queue per
 * direction (reads, writes), for the fd's uv_poll handle on the calling thread's event loop, then try
 * again. Nothing waits on the libuv thread pool. The calls that can wait take {@link WaitOptions}
 * last, and reject rather than throw, for bad arguments too. A pending call keeps the process alive
 * (see {@link unref}).
 *
 * @example
 * ```ts
 * import { Socket, AF_INET, SOCK_STREAM } from 'sockcall/promises';
 *
 * const server = new Socket(AF_INET, SOCK_STREAM);
 * server.bind({ address: '127.0.0.1', port: 0 });
 * server.listen();
 * for (;;) {
 *   const conn = await server.accept();
 *   const data = await conn.recv(4096, { timeout: 5_000 });
 *   await conn.sendAll(data);
 *   conn.close();
 * }
 * ```
 *
 * @category Sockets
 */
export class Socket extends SocketBase {
  #poller: SocketPoller | null = null;
  /**
   * The calls waiting per direction (READ, WRITE), in order. Made when a call first waits, as each
   * queue: most sockets wait in one direction only, and a connection's object count is its memory.
   */
  #queues: [Operation[] | null, Operation[] | null] | null = null;
  /** select()/poll() waits on this socket; made for the first. */
  #watchers: Set<Watcher> | null = null;
  #armed = 0;
  /**
   * A call or select/poll waits: the handle is held and (if #referenced) referenced. The socket's
   * index in waitingSockets while it waits, else -1.
   */
  #waitingAt = -1;
  #referenced = true;
  /** Whether the poll handle counts for the loop now (uv_ref'd), as last set (see #syncRef). */
  #handleReferenced = true;
  /** The handle is to be unreferenced when this poller's callback returns (see #syncRef). */
  #unrefDeferred = false;
  /** Within #onEvent: the poller's callback is running. */
  #inEvent = false;
  /** Consecutive poll events after which no waiting call could finish (see FRUITLESS_WAKEUPS). */
  #fruitless = 0;
  /** Counts syscalls that got somewhere (a call settled, sendAll moved bytes): see #onEvent. */
  #progress = 0;
  /** While backed off: the timer that retries the waiting calls (the poller is stopped). */
  #backoff: NodeJS.Timeout | undefined;
  /** What is handed to the poller (see #handOver); made at the first handover, as most sockets need none. */
  #handed: Handed | null = null;
  /**
   * The last recv on this stream came back short: the receive queue is empty, so the next recv
   * waits for readiness first instead of making a syscall that says EAGAIN. Level-triggered epoll
   * reports data that arrived meanwhile, so nothing is missed, at worst one loop turn later.
   */
  #drained = false;
  /** This stream has sent since its last read (see #emptyAfterSend). */
  #sentSinceRead = false;
  /**
   * How many recvs tried right after a send found nothing (EAGAIN) in a row, up to 3; one that
   * found data resets it. From 2 on, the peer is one that answers only later (an echo, a request
   * and its response over one connection), so a recv after a send waits for readiness first, as
   * after a short read. One in 4 of those still tries, so that a peer whose answer is there by
   * then (a fast one on the same CPU, many connections served in one turn) is seen again. A wrong
   * guess costs a loop turn, a fruitless try a syscall: hence the evidence first.
   */
  #emptyAfterSend = 0;
  /** Counts the recvs after a send that waited first, to try one in 4 (see #emptyAfterSend). */
  #waitedAfterSend = 0;

  static {
    watch = (socket, watcher) => {
      (socket.#watchers ??= new Set()).add(watcher);
      socket.#arm();
    };
    unwatch = (socket, watcher) => {
      if (socket.#watchers?.delete(watcher) === true) socket.#arm();
    };
    dispatch = (socket, status, events, readResult, writeResult) => {
      socket.#inEvent = true;
      try {
        socket.#onEvent(status, events, readResult, writeResult);
      } finally {
        socket.#inEvent = false;
      }
    };
    received = (socket, result, asked, flags, syscall) => socket.#received(result, asked, flags, syscall);
  }

  /**
   * Creates a socket: socket(2) with SOCK_NONBLOCK (and SOCK_CLOEXEC) added.
   *
   * @param domain - The address family: AF_INET, AF_INET6, AF_UNIX ...
   * @param type - SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET or SOCK_RAW.
   * @param protocol - 0 (the default) for the type's usual protocol, or IPPROTO_TCP, IPPROTO_UDP ...
   * @throws {@link SocketError} from socket(2), `syscall` 'socket': `EAFNOSUPPORT`, `EINVAL`,
   * `EPROTONOSUPPORT`, `EPERM` (SOCK_RAW without CAP_NET_RAW), `EMFILE` / `ENFILE` (out of fds).
   * @throws `TypeError` / `RangeError` for an argument that is not a 32-bit integer, before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/socket.2.html | socket(2)}
   * @example
   * ```ts
   * const s = new Socket(AF_INET6, SOCK_STREAM);
   * await s.connect({ address: '::1', port });
   * ```
   */
  constructor(domain: number, type: number, protocol?: number);
  /** @internal Wraps `fd`, already open and non-blocking. */
  constructor(domain: number, type: number, protocol: number, adopt: typeof ADOPT, fd: number);
  constructor(domain: number, type: number, protocol = 0, adopt?: typeof ADOPT, fd = -1) {
    const adopting = adopt === ADOPT;
    if (!adopting) validateInt(type, 'type');
    super(domain, adopting ? type : type | SOCK_NONBLOCK, protocol, adopt as typeof ADOPT, fd);
  }

  /**
   * Creates two connected promise Sockets: socketpair(2), both ends non-blocking.
   *
   * SOCK_NONBLOCK and SOCK_CLOEXEC are added to `type`. Errors as the blocking `Socket.pair`:
   * `ENOTSUP` for a family without pairs (AF_INET), `EMFILE` / `ENFILE`, TypeError / RangeError.
   *
   * @param domain - AF_UNIX (AF_LOCAL).
   * @param type - SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET.
   * @param protocol - 0 (the default).
   * @see {@link https://man7.org/linux/man-pages/man2/socketpair.2.html | socketpair(2)}
   * @example
   * ```ts
   * const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
   * await a.send('ping');
   * await b.recv(4); // <Buffer 70 69 6e 67>
   * ```
   */
  static override pair<T>(this: new (domain: number, type: number, protocol?: number) => T, domain: number, type: number, protocol = 0): [T, T] {
    validateInt(type, 'type');
    return super.pair.call(this, domain, type | SOCK_NONBLOCK, protocol) as [T, T];
  }

  /**
   * Adopts an existing socket fd and puts it in non-blocking mode.
   *
   * As the blocking `Socket.fromFd` (getsockopt(2) reads the domain, type and protocol back), then
   * fcntl(2) sets O_NONBLOCK, which every other user of the open file sees too.
   *
   * @param fd - An open socket fd, an integer >= 0.
   * @throws {@link SocketError} `ENOTSOCK` (not a socket) or `EBADF` (not open), `syscall` 'getsockopt';
   * or a failure of fcntl(2), `syscall` 'fcntl'.
   * @throws `TypeError` / `RangeError` for an `fd` that is not an integer >= 0.
   * @see {@link https://man7.org/linux/man-pages/man2/fcntl.2.html | fcntl(2)}
   * @example
   * ```ts
   * const conn = Socket.fromFd(fdFromParent);
   * const request = await conn.recv(4096);
   * ```
   */
  static override fromFd<T>(this: new (domain: number, type: number, protocol?: number) => T, fd: number): T {
    const socket = super.fromFd.call(this, fd) as T;
    const result = native.setBlocking(fd, 0);
    if (result < 0) {
      (socket as unknown as Socket).close(); // adopted: it is ours to close, not left to the collector
      throw syscallError('fcntl', result);
    }
    return socket;
  }

  /**
   * Takes over a blocking Socket's fd (the blocking Socket is left closed) in non-blocking mode.
   *
   * The same fd moves over (no dup): the blocking Socket is detached and fcntl(2) sets O_NONBLOCK.
   *
   * @param socket - A Socket of `sockcall` (the blocking flavour), open.
   * @returns A promise Socket owning the fd.
   * @throws {@link SocketError} `EBADF` (`syscall` 'detach') if `socket` is closed; a failure of
   * fcntl(2), `syscall` 'fcntl' (the fd is then closed).
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) if `socket` is not a blocking Socket.
   * @see {@link https://man7.org/linux/man-pages/man2/fcntl.2.html | fcntl(2)}
   * @example
   * ```ts
   * import * as blocking from 'sockcall';
   * const b = new blocking.Socket(AF_INET, SOCK_STREAM);
   * b.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
   * const s = Socket.fromBlocking(b); // b is closed now
   * ```
   */
  static fromBlocking(socket: BlockingSocket): Socket {
    if (!(socket instanceof BlockingSocket)) throw invalidArgType('socket', 'an instance of the blocking Socket', socket);
    const { domain, type, protocol } = socket;
    const fd = socket.detach();
    setReleasedBy(socket, 'Socket.fromBlocking()');
    native.own(fd);
    const result = native.setBlocking(fd, 0);
    if (result < 0) {
      native.close(fd);
      throw syscallError('fcntl', result);
    }
    const adopted = new Socket(domain, type, protocol, ADOPT, fd);
    inheritWaits(adopted, socket, false);
    return adopted;
  }

  /**
   * Hands the fd to a blocking Socket (this one is left closed): for a worker thread that runs
   * blocking code, say. Pending calls are rejected with ECANCELED.
   *
   * The same fd moves over (no dup): this Socket is detached and fcntl(2) clears O_NONBLOCK.
   *
   * @returns A blocking Socket (of `sockcall`) owning the fd.
   * @throws {@link SocketError} `EBADF` (`syscall` 'detach') if this Socket is closed; a failure of
   * fcntl(2), `syscall` 'fcntl' (the fd is then closed).
   * @see {@link https://man7.org/linux/man-pages/man2/fcntl.2.html | fcntl(2)}
   * @example
   * ```ts
   * const conn = await server.accept();
   * const fd = conn.toBlocking().detach(); // a plain fd: this thread no longer owns it
   * worker.postMessage({ fd }); // in the worker: Socket.fromFd(fd) from 'sockcall'
   * ```
   */
  toBlocking(): BlockingSocket {
    const { domain, type, protocol } = this;
    const fd = this.#detach('toBlocking()');
    native.own(fd);
    const result = native.setBlocking(fd, 1);
    if (result < 0) {
      native.close(fd);
      throw syscallError('fcntl', result);
    }
    const blocking = new BlockingSocket(domain, type, protocol, ADOPT, fd);
    inheritWaits(blocking, this, true);
    return blocking;
  }

  /**
   * Lets the process exit while calls are pending on this socket (as net.Socket#unref).
   *
   * By default a pending call keeps the event loop alive and an idle socket does not.
   *
   * @returns This Socket.
   * @example
   * ```ts
   * const listener = new Socket(AF_UNIX, SOCK_STREAM).unref();
   * ```
   */
  unref(): this {
    this.#referenced = false;
    this.#syncRef();
    this.#backoff?.unref();
    return this;
  }

  /**
   * Undoes unref(): a pending call keeps the process alive again (the default).
   *
   * @returns This Socket.
   * @example
   * ```ts
   * s.unref();
   * s.ref(); // back to the default
   * ```
   */
  ref(): this {
    this.#referenced = true;
    this.#syncRef();
    this.#backoff?.ref();
    return this;
  }

  /**
   * Releases the fd: close(2). Pending calls are rejected at once with ECANCELED; the poll handle is
   * stopped and closed before the fd is. Idempotent.
   *
   * Synchronous. A select() or poll() waiting on this Socket rejects with EBADF.
   *
   * @throws {@link SocketError} from close(2), `syscall` 'close', if the kernel reports an error (rare
   * for a socket; the fd is released anyway). Closing a closed Socket is not an error.
   * @see {@link https://man7.org/linux/man-pages/man2/close.2.html | close(2)}
   * @example
   * ```ts
   * const pending = conn.recv(4096);
   * conn.close(); // pending rejects: SocketError 'recv ECANCELED: cancelled by close()'
   * ```
   */
  override close(): void {
    if (this.closed) return;
    const watchers = this.#release('close()');
    try {
      super.close();
    } finally {
      // select()/poll() waits learn of it now, when the socket reads as closed (EBADF).
      for (const watcher of watchers) watcher.notify();
    }
  }

  /**
   * Gives up the fd (see the blocking Socket's detach); pending calls are rejected with ECANCELED.
   *
   * No syscall: the fd stays open, still in non-blocking mode, and the caller owns it.
   *
   * @returns The fd number.
   * @throws {@link SocketError} `EBADF` (`syscall` 'detach') if the Socket is already closed or detached.
   * @example
   * ```ts
   * const socket = new net.Socket({ fd: conn.detach(), readable: true, writable: true });
   * ```
   */
  override detach(): number {
    return this.#detach('detach()');
  }

  #detach(by: string): number {
    const watchers = this.closed ? [] : this.#release(by);
    const fd = super.detach();
    setReleasedBy(this, by);
    for (const watcher of watchers) watcher.notify();
    return fd;
  }

  /**
   * Stops and closes the poller, rejects everything pending (cancelled `by` a call: 'close()' ...),
   * and forgets the fd. Returns the select()/poll() watchers, to be told once the fd is gone.
   */
  #release(by: string): Watcher[] {
    this.#setWaiting(false); // while #poller is still there: it lets go of this socket
    const poller = this.#poller;
    this.#poller = null;
    this.#armed = 0;
    this.#handed = null; // close() below lets go of what the poller holds
    if (poller !== null) {
      poller.close(); // stops polling and lets go of the handle, before super.close() closes the fd
      if (idlePollers.length < IDLE_POLLERS_MAX) idlePollers.push(poller);
    }
    this.#rejectAll((operation) => canceledError(operation, by));
    const watchers = this.#watchers === null ? NO_WATCHERS : [...this.#watchers];
    this.#watchers = null;
    return watchers;
  }

  /**
   * Makes the poll handle match what is waited for now. While a call waits, the handle watches
   * exactly the events the queues and watchers need, the socket is held against collection and
   * (unless unref'd) the process kept alive. When nothing waits it is let go (unreferenced) but left
   * watching for readability: the next call usually waits for just that, and re-arming would cost an
   * epoll_ctl pair per round trip. The first event that finds nobody waiting stops it.
   */
  #arm(): void {
    if (this.closed) return;
    let mask = 0;
    if (this.#waitingIn(READ)) mask |= READABLE;
    if (this.#waitingIn(WRITE)) mask |= WRITABLE;
    if (this.#watchers !== null) for (const watcher of this.#watchers) mask |= watcher.events;
    if (mask === 0) {
      this.#handOver(READ);
      this.#handOver(WRITE);
      this.#setWaiting(false);
      // Writability (and the rest) persists: keep only the readable interest while idle. Within the
      // poll callback the mask is left as it is: the settled call's continuation runs right after
      // it returns and usually waits again (a connect's first recv), so its start() replaces this
      // one; should nothing wait, the next event finds nobody waiting and stops the handle.
      if (this.#poller !== null && this.#armed & ~READABLE && !this.#inEvent) this.#start(this.#armed & READABLE);
      this.#syncRef();
      return;
    }
    if (this.#poller === null) {
      let created: SocketPoller;
      // Started with the mask at once (as #start below would): the call waits from now on.
      const referenced = this.#referenced;
      const idle = idlePollers.pop();
      if (idle !== undefined) {
        const status = idle.reopen(this.fd, onPollerEvent, mask, referenced);
        if (status < 0) {
          idlePollers.push(idle); // closed again: as good as before
          this.#failAll(status);
          return;
        }
        created = idle;
      } else {
        try {
          created = new native.Poller(this.fd, onPollerEvent, mask, referenced) as SocketPoller;
        } catch (error) {
          // uv_poll_init (or uv_poll_start) refused the fd: the waiting calls fail with its errno, and leave the queues.
          this.#failAll(pollerRefusal(error));
          return;
        }
      }
      this.#handleReferenced = referenced;
      this.#armed = mask;
      // Both set at once, before anything else is added: every poller has the same shape.
      created.fd = this.fd;
      created.waiter = undefined;
      this.#poller = created;
      this.closeOnCollect(created);
    }
    this.#handOver(READ);
    this.#handOver(WRITE);
    this.#setWaiting(true);
    if (this.#backoff === undefined && mask !== this.#armed) this.#start(mask); // else the timer retries every call
    this.#syncRef();
  }

  /**
   * Makes the poller hold the syscall of the call now at the head of `direction`'s queue, when it
   * can make it natively; otherwise lets go of what it held. A call the poller refuses (it never
   * should) simply waits as the others do, tried from JS on readiness.
   */
  #handOver(direction: Direction): void {
    const head = this.#queues?.[direction]?.[0];
    const pended = this.#handed?.pended(direction) ?? null;
    if (head !== undefined && head === pended) return;
    const call = head?.native;
    if (call !== undefined && (call.update === undefined || call.update())) {
      const poller = this.#poller!;
      const handed = (this.#handed ??= new Handed());
      const armed = poller.armed as Int32Array | undefined;
      if (armed !== undefined && handed.holds(direction, call)) {
        armed[direction] = 1; // the same syscall as last time: no call into native code
        handed.setPended(direction, head!);
        return;
      }
      if (poller.pend(direction, call.kind, call.view, call.flags, call.senders as (NativeAddress | null)[] | undefined) === 0) {
        handed.register(direction, call);
        handed.setPended(direction, head!);
        return;
      }
    }
    if (pended !== null) this.#disarm(direction);
  }

  /** The pended call of `direction` is no longer to be made by the poller. */
  #disarm(direction: Direction): void {
    this.#handed!.setPended(direction, null);
    const armed = this.#poller?.armed as Int32Array | undefined;
    if (armed !== undefined) armed[direction] = 0;
    else this.#poller?.unpend(direction); // armed inside the poller until a call is pended again
  }

  /**
   * Makes the started handle count for the loop while a call waits (unless unref'd), and not
   * otherwise. A stopped handle counts for nothing, and #start sets it again when it starts.
   */
  #syncRef(): void {
    const poller = this.#poller;
    if (poller === null || this.#armed === 0) return;
    const flags = poller.armed as Int32Array | undefined;
    if (this.#unrefDeferred && flags![UNREF_AFTER_CALLBACK] === 0) {
      // The poll callback has returned since, and unreferenced the handle.
      this.#unrefDeferred = false;
      this.#handleReferenced = false;
    }
    const referenced = this.#waitingAt >= 0 && this.#referenced;
    if (referenced) {
      if (this.#unrefDeferred) {
        flags![UNREF_AFTER_CALLBACK] = 0; // waiting again before the callback returned: it stays referenced
        this.#unrefDeferred = false;
      } else if (!this.#handleReferenced) {
        poller.ref();
        this.#handleReferenced = true;
      }
      return;
    }
    if (!this.#handleReferenced || this.#unrefDeferred) return;
    if (this.#inEvent && flags !== undefined) {
      // Inside this poller's callback: the poller unreferences the handle when the callback returns,
      // unless a call waits again meanwhile (a continuation of the call just settled, usually).
      flags[UNREF_AFTER_CALLBACK] = 1;
      this.#unrefDeferred = true;
      return;
    }
    poller.unref();
    this.#handleReferenced = false;
  }


  /** Whether a call or select/poll waits: then the socket is held and its handle (if ref'd) counts. */
  #setWaiting(waiting: boolean): void {
    const at = this.#waitingAt;
    if (waiting === at >= 0) return;
    const poller = this.#poller;
    if (poller !== null) poller.waiter = waiting ? this : undefined;
    if (waiting) {
      this.#waitingAt = waitingSockets.length;
      waitingSockets.push(this);
    } else {
      const last = waitingSockets.pop()!;
      if (last !== this) {
        waitingSockets[at] = last;
        last.#waitingAt = at;
      }
      this.#waitingAt = -1;
      this.#fruitless = 0;
      this.#stopBackoff();
    }
  }

  /**
   * Too many wake-ups in a row let no call finish: stop the poller and retry the waiting calls on a
   * timer instead, doubling the pause up to MAX_BACKOFF_MS, until one of them gets somewhere.
   */
  #backOff(): void {
    this.#start(0);
    const delay = Math.min(2 ** (this.#fruitless - FRUITLESS_WAKEUPS), MAX_BACKOFF_MS);
    this.#backoff = setTimeout(() => {
      this.#backoff = undefined;
      this.#onEvent(0, READABLE | WRITABLE | PRIORITIZED | DISCONNECT, NOT_DONE, NOT_DONE, false);
    }, delay);
    if (!this.#referenced) this.#backoff.unref();
  }

  #stopBackoff(): void {
    if (this.#backoff === undefined) return;
    clearTimeout(this.#backoff);
    this.#backoff = undefined;
  }

  /** uv_poll_start with `mask` (stop for 0). On failure the waiting calls are rejected. */
  #start(mask: number): void {
    const poller = this.#poller!;
    if (mask === 0) {
      poller.stop();
      this.#armed = 0;
      return;
    }
    const referenced = this.#waitingAt >= 0 && this.#referenced;
    if (this.#unrefDeferred) {
      (poller.armed as Int32Array)[UNREF_AFTER_CALLBACK] = 0; // set here and now instead
      this.#unrefDeferred = false;
    }
    const status = poller.start(mask, referenced);
    this.#handleReferenced = referenced;
    if (status < 0) {
      this.#armed = 0;
      this.#failAll(status);
      return;
    }
    this.#armed = mask;
  }

  /**
   * The poller fired: serve each direction's queue in order while its syscalls go through. A pended
   * call was made by the poll callback already (`nativeTried`): its result settles it (NOT_DONE: it
   * would still block), and the calls queued behind it are tried from here.
   */
  #onEvent(status: number, events: number, readResult: number, writeResult: number, nativeTried = status === 0): void {
    if (this.closed) return;
    if (status < 0) {
      // libuv turns POLLERR (a pending socket error: a refused connect, a reset) into status
      // UV_EBADF and stops the handle. The error belongs to the calls: let every one try its
      // syscall, which reports it (recv ECONNRESET, connect via SO_ERROR), then re-arm.
      this.#armed = 0;
      events = READABLE | WRITABLE | PRIORITIZED | DISCONNECT;
    }
    if (this.#waitingAt < 0) {
      // Readiness nobody waits for (the handle was left watching between calls): stop watching
      // until a call waits again, or level-triggered epoll would report it on every loop turn.
      this.#start(0);
      return;
    }
    const progress = this.#progress;
    const watching = this.#watchers?.size ?? 0;
    // A hang-up is reported as readable (and writable), so the calls see it themselves.
    if (events & (READABLE | DISCONNECT)) this.#serve(READ, nativeTried, readResult);
    if (events & WRITABLE) this.#serve(WRITE, nativeTried, writeResult);
    if (this.#watchers !== null) {
      for (const watcher of this.#watchers) {
        if (events & watcher.events) watcher.notify();
      }
    }
    if (this.#progress !== progress || (this.#watchers?.size ?? 0) < watching) {
      this.#fruitless = 0;
    } else if (++this.#fruitless >= FRUITLESS_WAKEUPS && this.#waitingAt >= 0 && !this.closed) {
      this.#backOff();
      return;
    }
    this.#arm();
  }

  /** `direction` is ready: settle its pended call with what the poll callback got, then drain. */
  #serve(direction: Direction, nativeTried: boolean, result: number): void {
    const pended = this.#handed?.pended(direction) ?? null;
    if (pended !== null && nativeTried) {
      if (result === NOT_DONE) return; // the head would still block: those behind it too
      this.#handed!.setPended(direction, null); // the poller let go of it with its result
      if (!this.#settle(this.#queues![direction]!, pended, result)) return;
      this.#drain(direction, true);
      return;
    }
    this.#drain(direction, false);
  }

  /**
   * Tries the queued calls in order while they go through. `settledOne`: a call of this readiness
   * was settled already, so a recv on a stream drained by it waits for the next readiness.
   */
  #drain(direction: Direction, settledOne: boolean): void {
    const queue = this.#queues?.[direction];
    if (queue == null) return;
    while (queue.length > 0) {
      const operation = queue[0]!;
      if (settledOne && this.#drained && operation.waitsWhenDrained) return;
      // Tried from here (a backed-off retry, an error status): the poller must not make it too.
      if (this.#handed !== null && operation === this.#handed.pended(direction)) this.#disarm(direction);
      if (!this.#settle(queue, operation, NOT_MADE)) return;
      settledOne = true;
    }
  }

  /** Settles the head `operation` with what `make` returns or throws: false if it would block. */
  #settle(queue: Operation[], operation: Operation, nativeResult: number): boolean {
    let value: unknown;
    try {
      if (nativeResult !== NOT_MADE) value = operation.native!.finish(nativeResult);
      else if (operation.attempt !== null) value = operation.attempt();
      else value = operation.native!.finish(this.#makeNatively(operation.native!));
    } catch (error) {
      this.#progress++;
      queue.shift();
      operation.settled();
      operation.reject(error);
      return true;
    }
    if (value === WOULD_BLOCK) return false;
    this.#progress++;
    queue.shift();
    operation.settled();
    operation.resolve(value);
    return true;
  }
  /** The syscall a handover describes, made from JS: its result (count, fd, or -errno). */
  #makeNatively(call: Handover): number {
    const fd = this.fd;
    if (call.kind === PEND_RECV) return native.recv(fd, call.view!, call.flags);
    if (call.kind === PEND_RECVFROM) return native.recvfrom(fd, call.view!, call.flags, call.senders as (NativeAddress | null)[]);
    if (call.kind === PEND_SEND) return native.send(fd, call.view!, call.flags);
    return native.accept4(fd, call.flags);
  }


  /** Rejects every queued call with its own error, saying what progress it made (bytesSent). */
  #rejectAll(errorFor: (operation: Operation) => SocketError): void {
    if (this.#queues === null) return;
    for (const queue of this.#queues) {
      if (queue === null || queue.length === 0) continue;
      for (const operation of queue.splice(0)) {
        operation.settled();
        const error = errorFor(operation);
        operation.decorate?.(error);
        operation.reject(error);
      }
    }
  }

  #failAll(status: number): void {
    this.#rejectAll((operation) => syscallError(operation.syscall, status, undefined, operation.progress?.()));
    if (this.#watchers !== null) for (const watcher of this.#watchers) watcher.notify();
    this.#poller?.stop();
    this.#armed = 0;
    this.#handOver(READ);
    this.#handOver(WRITE);
    this.#setWaiting(false);
  }

  /**
   * Runs `attempt` now if nothing is queued before it in `direction`; if it would block, queues it
   * until the fd is ready, with the timeout and abort signal of `options`.
   */
  #run<T>(
    direction: Direction,
    syscall: string,
    options: WaitOptions,
    attempt: Attempt<T> | null,
    context?: ErrorContext,
    decorate?: (error: SocketError | AbortError) => void,
    progress?: () => string,
    nativeCall?: Native<T>,
    waitsWhenDrained = false,
    tried = false,
  ): Promise<T> {
    const { signal, timeout } = options;
    if (signal?.aborted) {
      const error = abortError(signal);
      decorate?.(error);
      return Promise.reject(error);
    }
    if (!tried && !this.#waitingIn(direction) && !(waitsWhenDrained && this.#expectsEmpty(timeout))) {
      // The fast path: the data (or buffer space, or connection) is already there.
      try {
        const afterSend = waitsWhenDrained && this.#sentSinceRead;
        const value = attempt!();
        // Found nothing only if nothing was read (a MSG_WAITALL recv may take part and wait on).
        if (afterSend) this.#learnAfterSend(value === WOULD_BLOCK && this.#sentSinceRead);
        if (value !== WOULD_BLOCK) return Promise.resolve(value);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const operation = new Operation(syscall, attempt, nativeCall, waitsWhenDrained, signal, decorate, progress);
    const promise = new Promise<T>((resolve, reject) => {
      operation.resolve = resolve as (value: unknown) => void;
      operation.reject = reject;
    });
    const queues = (this.#queues ??= [null, null]);
    const queue = queues[direction];
    if (queue === null) queues[direction] = [operation];
    else queue.push(operation);
    try {
      if (timeout !== undefined) {
        operation.timer = setTimeout(() => this.#cancel(direction, operation, timeoutError(syscall, timeout, context, operation.progress?.())), timeout);
        // The poll handle keeps the process alive while the call waits (unless unref'd); the timer
        // must not keep it alive on its own.
        operation.timer.unref();
      }
      if (signal !== undefined) {
        operation.onAbort = () => this.#cancel(direction, operation, abortError(signal));
        signal.addEventListener('abort', operation.onAbort, { once: true });
      }
      this.#arm();
    } catch (error) {
      operation.reject(error);
    }
    return promise;
  }

  /** Whether a call of `direction` is queued (waiting). */
  #waitingIn(direction: Direction): boolean {
    const queue = this.#queues?.[direction];
    return queue != null && queue.length > 0;
  }

  /**
   * Whether a call of `direction` may make its syscall at once: nothing is queued before it, its
   * signal has not aborted, and (`waitsWhenDrained`) it is not a recv on a stream expected empty
   * (#expectsEmpty, which counts the calls it makes wait).
   */
  #mayTry(direction: Direction, options: WaitOptions, waitsWhenDrained: boolean): boolean {
    return !this.#waitingIn(direction) && options.signal?.aborted !== true && !(waitsWhenDrained && this.#expectsEmpty(options.timeout));
  }

  /**
   * Whether the receive queue is expected empty, so a recv waits for readiness before trying: after
   * a short read, or after a send to a peer that has been answering later (see #emptyAfterSend);
   * never for a call with a timeout or on an unreferenced socket.
   */
  #expectsEmpty(timeout: number | undefined): boolean {
    // Waiting first must lose nothing the try would have returned: a timeout's timer can fire
    // before the loop next polls, and an unreferenced socket does not keep the loop turning to it.
    if (timeout !== undefined || !this.#referenced) return false;
    if (this.#drained) return true;
    if (!this.#sentSinceRead || this.#emptyAfterSend < 2) return false;
    return (++this.#waitedAfterSend & 3) !== 0;
  }

  /** A recv tried right after a send found the receive queue `empty`, or not: see #emptyAfterSend. */
  #learnAfterSend(empty: boolean): void {
    if (!empty) this.#emptyAfterSend = 0;
    else if (this.#emptyAfterSend < 3) this.#emptyAfterSend++;
  }

  /** A recv on a stream took `got` of the `asked` bytes: short, the receive queue is empty now. */
  #noteRead(got: number, asked: number, flags: number): void {
    if (this.type === SOCK_STREAM && !(flags & (MSG_PEEK | MSG_OOB | MSG_ERRQUEUE))) {
      this.#drained = got < asked;
      this.#sentSinceRead = false;
    }
  }

  /** A send on a stream: see #emptyAfterSend. */
  #noteSend(): void {
    if (this.type === SOCK_STREAM) this.#sentSinceRead = true;
  }

  /**
   * Whether a recv with `flags` reads the receive queue that #drained describes (the urgent byte
   * and the error queue are signalled apart, and may be there while it is empty).
   */
  #waitsWhenDrained(flags: number): boolean {
    return this.type === SOCK_STREAM && !(flags & (MSG_OOB | MSG_ERRQUEUE));
  }

  #cancel(direction: Direction, operation: Operation, error: Error): void {
    const queue = this.#queues?.[direction];
    const index = queue == null ? -1 : queue.indexOf(operation);
    if (index < 0) return;
    queue!.splice(index, 1);
    operation.settled();
    if (error instanceof SocketError || error instanceof AbortError) operation.decorate?.(error);
    operation.reject(error);
    this.#arm();
  }

  /**
   * Takes a connection from a listening socket: accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC. Resolves
   * with the connection as a promise Socket.
   *
   * Waits on the event loop while no connection is queued.
   *
   * @param options - `signal` and `timeout` for the wait.
   * @returns The connection, with the listener's domain, type and protocol.
   * @throws Rejects (it never throws) with:
   * - {@link AbortError} when `options.signal` aborts, or already has;
   * - {@link SocketError} `ETIMEDOUT` (`syscall` 'accept') when `options.timeout` passes;
   * - {@link SocketError} `ECANCELED` when the Socket is closed, detached or handed to toBlocking() meanwhile;
   * - {@link SocketError} from accept4(2), `syscall` 'accept': `EINVAL` (not listening), `ENOTSUP`
   *   (a datagram socket), `ECONNABORTED`, `EMFILE` / `ENFILE` (out of fds), `EBADF` (closed);
   * - `TypeError` / `RangeError` for bad `options`.
   * @see {@link https://man7.org/linux/man-pages/man2/accept.2.html | accept4(2)}
   * @example
   * ```ts
   * const conn = await server.accept({ timeout: 30_000 });
   * console.log('client', conn.getpeername());
   * ```
   */
  accept(options?: WaitOptions): Promise<Socket> {
    try {
      const fd = fdOf(this, 'accept');
      const wait = waitOptions(options);
      if (this.#mayTry(READ, wait, false)) {
        const result = native.accept4(fd, ACCEPT_FLAGS);
        if (result !== EAGAIN) return Promise.resolve(this.#accepted(result));
      }
      return this.#acceptWaiting(wait);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** accept4's result as a connection: a promise Socket like this one; a SocketError for a failure. */
  #accepted(result: number): Socket {
    if (result < 0) throw syscallError('accept', result);
    return new Socket(this.domain, this.type, this.protocol, ADOPT, result);
  }

  #acceptWaiting(wait: WaitOptions): Promise<Socket> {
    const finish = (result: number): Socket | typeof WOULD_BLOCK => (result === EAGAIN ? WOULD_BLOCK : this.#accepted(result));
    const call: Native<Socket> = { kind: PEND_ACCEPT, view: undefined, flags: ACCEPT_FLAGS, senders: undefined, finish };
    return this.#run(READ, 'accept', wait, null, undefined, undefined, undefined, call, false, true);
  }

  /**
   * Connects to `address`: connect(2), EINPROGRESS, then writability, then SO_ERROR says how it went.
   * A rejected or timed-out connect leaves the socket in an unknown state: close it.
   *
   * A datagram socket connects at once (it only sets the default destination).
   * `connect({ family: 'AF_UNSPEC' })` dissolves the association (see {@link DisconnectAddress}):
   * a datagram socket has no peer afterwards and receives from any sender again.
   *
   * @param address - A numeric `{ address, port }`, a Unix `{ path }` (see {@link AddressInput}), or
   *   `{ family: 'AF_UNSPEC' }` to disconnect.
   * @param options - `signal` and `timeout` for the wait.
   * @throws Rejects (it never throws) with:
   * - {@link AbortError} when `options.signal` aborts, or already has;
   * - {@link SocketError} `ETIMEDOUT` (`syscall` 'connect') when `options.timeout` passes;
   * - {@link SocketError} `ECANCELED` when the Socket is closed, detached or handed to toBlocking() meanwhile;
   * - {@link SocketError} from connect(2) or SO_ERROR, `syscall` 'connect', with `address` and `port`
   *   (or `path`): `ECONNREFUSED`, `ETIMEDOUT` (TCP gave up), `ENETUNREACH` / `EHOSTUNREACH`,
   *   `EISCONN`, `EALREADY`, `EADDRNOTAVAIL`, `ENOENT` (no such Unix path), `EAGAIN` (an AF_UNIX
   *   listener's backlog is full: no readiness event would say when there is room), `EBADF` (closed);
   * - `TypeError` / `RangeError` for a bad `address` or `options`.
   * @see {@link https://man7.org/linux/man-pages/man2/connect.2.html | connect(2)}
   * @example
   * ```ts
   * const s = new Socket(AF_INET, SOCK_STREAM);
   * try {
   *   await s.connect({ address: '127.0.0.1', port }, { timeout: 3_000 });
   * } catch (error) {
   *   s.close();
   *   throw error;
   * }
   * ```
   */
  connect(address: AddressInput | DisconnectAddress, options?: WaitOptions): Promise<void> {
    try {
      const fd = fdOf(this, 'connect');
      const wait = waitOptions(options);
      // connect(2) is made at once unless a write waits (see #run), and only that first attempt
      // reads the sockaddr (then SO_ERROR says how it went): the per-thread scratch serves then.
      const { sockaddr, context } = this.encode(address, 'address', true, this.#mayTry(WRITE, wait, false) ? 'now' : 'keep');
      let inProgress = false;
      /** SO_ERROR's verdict (0, or -error) or getsockopt's failure (-errno). */
      const finish = (result: number): undefined => {
        if (result < 0) throw syscallError('connect', result, context);
        return undefined;
      };
      return this.#run(
        WRITE,
        'connect',
        wait,
        () => {
          if (!inProgress) {
            const result = native.connect(fd, sockaddr);
            if (result === 0) return undefined;
            // AF_UNIX says EAGAIN when the listener's backlog is full. No readiness event would
            // tell when there is room (the socket stays writable), so it is reported, as C sees it.
            if (result !== EINPROGRESS && result !== EINTR) throw syscallError('connect', result, context);
            inProgress = true;
            return WOULD_BLOCK;
          }
          const result = native.getsockoptInt(fd, SOL_SOCKET, SO_ERROR);
          return finish(result < INT32_MIN ? result - GETSOCKOPT_FAILED : -result);
        },
        context,
        undefined,
        undefined,
        { kind: PEND_CONNECT, view: undefined, flags: 0, senders: undefined, finish, update: () => inProgress },
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends data on a connected socket: send(2) once. Resolves with the bytes the kernel took (maybe
   * fewer than given). Adds MSG_NOSIGNAL.
   *
   * Waits on the event loop only while the send buffer is full. `flags` may be left out:
   * `send(data, options)`.
   *
   * @param data - The bytes: any Buffer, TypedArray or DataView, or a string (sent as UTF-8).
   * @param flags - MSG_* flags, or'ed (default 0); or the options.
   * @param options - `signal` and `timeout` for the wait.
   * @throws Rejects (it never throws) with:
   * - {@link AbortError} when `options.signal` aborts, or already has;
   * - {@link SocketError} `ETIMEDOUT` (`syscall` 'send') when `options.timeout` passes;
   * - {@link SocketError} `ECANCELED` when the Socket is closed, detached or handed to toBlocking() meanwhile;
   * - {@link SocketError} from send(2), `syscall` 'send': `EPIPE` (closed for sending, or never
   *   connected), `ECONNRESET`, `EDESTADDRREQ`, `EMSGSIZE`, `ECONNREFUSED` (datagrams), `EBADF` (closed);
   * - `TypeError` / `RangeError` for bad `data`, `flags` or `options`.
   * @see {@link https://man7.org/linux/man-pages/man2/send.2.html | send(2)}
   * @example
   * ```ts
   * const sent = await conn.send('hello\n', { timeout: 1_000 });
   * ```
   */
  send(data: ArrayBufferView | string, flags?: number | WaitOptions, options?: WaitOptions): Promise<number> {
    try {
      const fd = fdOf(this, 'send');
      const view = toSendable(data);
      const [sendFlags, wait] = flagsAndOptions(flags, options, SEND_FLAGS, 'send');
      const allFlags = sendFlags | MSG_NOSIGNAL;
      this.#noteSend();
      if (this.#mayTry(WRITE, wait, false)) {
        const result = native.send(fd, view, allFlags);
        if (result !== EAGAIN) return result < 0 ? Promise.reject(syscallError('send', result)) : Promise.resolve(result);
      }
      return this.#sendWaiting(view, allFlags, wait);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #sendWaiting(view: ArrayBufferView, flags: number, wait: WaitOptions): Promise<number> {
    const finish = (result: number): number | typeof WOULD_BLOCK => {
      if (result === EAGAIN) return WOULD_BLOCK;
      if (result < 0) throw syscallError('send', result);
      return result;
    };
    const call: Native<number> = { kind: PEND_SEND, view, flags, senders: undefined, finish };
    return this.#run(WRITE, 'send', wait, null, undefined, undefined, undefined, call, false, true);
  }

  /**
   * Sends all of `data`: send(2) until every byte has gone, waiting for buffer space as needed.
   * Resolves with the byte count; a rejection (failure, timeout, abort) says in `bytesSent` how many
   * bytes went out.
   *
   * `options.timeout` bounds the whole call, not each send(2). Adds MSG_NOSIGNAL.
   *
   * @param data - The bytes: any Buffer, TypedArray or DataView, or a string (sent as UTF-8).
   * @param flags - MSG_* flags for every send(2), or'ed (default 0); or the options.
   * @param options - `signal` and `timeout` for the whole call.
   * @throws Rejects (it never throws) with:
   * - {@link AbortError} when `options.signal` aborts, or already has;
   * - {@link SocketError} `ETIMEDOUT` (`syscall` 'send') when `options.timeout` passes;
   * - {@link SocketError} `ECANCELED` when the Socket is closed, detached or handed to toBlocking() meanwhile;
   * - {@link SocketError} from send(2), `syscall` 'send': as {@link send};
   * - each {@link SocketError} and {@link AbortError} above carries `bytesSent`;
   * - `TypeError` / `RangeError` for bad `data`, `flags` or `options`.
   * @see {@link https://man7.org/linux/man-pages/man2/send.2.html | send(2)}
   * @example
   * ```ts
   * await conn.sendAll(fileContents, { timeout: 60_000 });
   * ```
   */
  sendAll(data: ArrayBufferView | string, flags?: number | WaitOptions, options?: WaitOptions): Promise<number> {
    try {
      const fd = fdOf(this, 'send');
      const bytes = asBytes(toSendable(data));
      const [sendFlags, wait] = flagsAndOptions(flags, options, SEND_FLAGS, 'send');
      const allFlags = sendFlags | MSG_NOSIGNAL;
      this.#noteSend();
      let sent = 0;
      if (this.#mayTry(WRITE, wait, false)) {
        while (sent < bytes.length) {
          const result = native.send(fd, sent === 0 ? bytes : bytes.subarray(sent), allFlags);
          if (result === EAGAIN) break;
          if (result < 0) throw sendAllFailure(result, sent, bytes.length);
          sent += result;
          this.#progress++;
        }
        if (sent === bytes.length) return Promise.resolve(sent);
      }
      return this.#sendAllWaiting(fd, bytes, allFlags, wait, sent);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The rest of a sendAll, from `sent` on, once the send buffer has room. */
  #sendAllWaiting(fd: number, bytes: Uint8Array, flags: number, wait: WaitOptions, sent: number): Promise<number> {
    return this.#run(
      WRITE,
      'send',
      wait,
      () => {
        while (sent < bytes.length) {
          const result = native.send(fd, sent === 0 ? bytes : bytes.subarray(sent), flags);
          if (result === EAGAIN) return WOULD_BLOCK;
          if (result < 0) throw sendAllFailure(result, sent, bytes.length);
          sent += result;
          this.#progress++;
        }
        return sent;
      },
      undefined,
      (error) => {
        error.bytesSent = sent;
      },
      () => sendAllProgress(sent, bytes.length),
      {
        kind: PEND_SEND,
        view: bytes,
        flags,
        senders: undefined,
        update() {
          if (sent > 0) this.view = bytes.subarray(sent);
          return true;
        },
        // One send(2) made by the poller: the rest is handed over again once there is room.
        finish: (result) => {
          if (result < 0) throw sendAllFailure(result, sent, bytes.length);
          sent += result;
          this.#progress++;
          return sent < bytes.length ? WOULD_BLOCK : sent;
        },
      },
      false,
      true,
    );
  }

  /**
   * Sends up to `count` bytes of a file: sendfile(2) once, waiting on the event loop only while the
   * send buffer is full, as {@link send}. Resolves with the bytes the kernel took, which may be
   * fewer than `count` (what the buffer had room for), 0 at the end of the file. As the blocking
   * Socket's sendfile: a numeric `offset` leaves the file's position alone (the next offset is
   * `offset` plus the result), null reads at the file's position and moves it. See
   * {@link sendfileAll} for the loop.
   *
   * @param file - The file: an fd (from `fs.openSync`) or a `FileHandle` (it stays yours to close).
   * @param offset - Where to read in the file (an integer >= 0), or null for its own position.
   * @param count - How many bytes at most (an integer >= 0).
   * @param options - `signal` and `timeout` for the wait.
   * @throws Rejects (it never throws) with:
   * - {@link AbortError} when `options.signal` aborts, or already has;
   * - {@link SocketError} `ETIMEDOUT` (`syscall` 'sendfile') when `options.timeout` passes;
   * - {@link SocketError} `ECANCELED` when the Socket is closed, detached or handed to toBlocking() meanwhile;
   * - {@link SocketError} from sendfile(2), `syscall` 'sendfile': `EBADF` (the file closed or not
   *   open for reading), `EINVAL` (a file that cannot be spliced: a directory, some special files),
   *   `EPIPE` / `ECONNRESET`, `ESPIPE` (an offset given for a pipe);
   * - `TypeError` / `RangeError` for a bad `file`, `offset`, `count` or `options`.
   * @see {@link https://man7.org/linux/man-pages/man2/sendfile.2.html | sendfile(2)}
   * @example
   * ```ts
   * const sent = await conn.sendfile(fd, 0, 65536, { timeout: 1_000 });
   * ```
   */
  sendfile(file: FileInput, offset: number | null, count: number, options?: WaitOptions): Promise<number> {
    try {
      const fd = fdOf(this, 'sendfile');
      const [inFd, from, length] = sendfileArguments(file, offset, count);
      this.#noteSend();
      return this.#run(WRITE, 'sendfile', waitOptions(options), () => {
        const result = native.sendfile(fd, inFd, from, length);
        if (result === EAGAIN) return WOULD_BLOCK;
        if (result < 0) throw syscallError('sendfile', result);
        return result;
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends `count` bytes of a file: sendfile(2) until they have all gone or the file ends, waiting
   * for buffer space as needed (Python's `socket.sendfile`). Resolves with the bytes sent: `count`,
   * or fewer only when the file is shorter. A numeric `offset` advances call by call and the file's
   * position is left alone; with null the file's position moves on by the bytes sent. A rejection
   * (failure, timeout, abort) says in `bytesSent` how many bytes went out.
   *
   * `options.timeout` bounds the whole call, not each sendfile(2).
   *
   * @param file - The file: an fd (from `fs.openSync`) or a `FileHandle`.
   * @param offset - Where to start in the file (an integer >= 0), or null for its own position.
   * @param count - How many bytes (an integer >= 0).
   * @param options - `signal` and `timeout` for the whole call.
   * @throws Rejects (it never throws) with the errors of {@link sendfile}, each {@link SocketError}
   * and {@link AbortError} carrying `bytesSent`.
   * @see {@link https://man7.org/linux/man-pages/man2/sendfile.2.html | sendfile(2)}
   * @example
   * ```ts
   * import { open } from 'node:fs/promises';
   * const file = await open('video.mp4');
   * try {
   *   await conn.sendfileAll(file, 0, (await file.stat()).size, { timeout: 60_000 });
   * } finally {
   *   await file.close();
   * }
   * ```
   */
  sendfileAll(file: FileInput, offset: number | null, count: number, options?: WaitOptions): Promise<number> {
    try {
      const fd = fdOf(this, 'sendfile');
      const [inFd, from, length] = sendfileArguments(file, offset, count);
      this.#noteSend();
      let sent = 0;
      const progress = (): string => sendAllProgress(sent, length, 'sendfileAll');
      return this.#run(
        WRITE,
        'sendfile',
        waitOptions(options),
        () => {
          while (sent < length) {
            const result = native.sendfile(fd, inFd, from === null ? null : from + sent, length - sent);
            if (result === 0) break;
            if (result === EAGAIN) return WOULD_BLOCK;
            if (result < 0) {
              const error = syscallError('sendfile', result, undefined, progress());
              error.bytesSent = sent;
              throw error;
            }
            sent += result;
            this.#progress++;
          }
          return sent;
        },
        undefined,
        (error) => {
          error.bytesSent = sent;
        },
        progress,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends a datagram to `address`: sendto(2), one datagram. Adds MSG_NOSIGNAL.
   *
   * @param data - The datagram: any Buffer, TypedArray or DataView, or a string (sent as UTF-8).
   * @param address - The destination: a numeric `{ address, port }` or a Unix `{ path }`.
   * @param flags - MSG_* flags, or'ed (default 0); or the options.
   * @param options - `signal` and `timeout` for the wait.
   * @throws Rejects (it never throws) with:
   * - {@link AbortError} when `options.signal` aborts, or already has;
   * - {@link SocketError} `ETIMEDOUT` (`syscall` 'sendto') when `options.timeout` passes;
   * - {@link SocketError} `ECANCELED` when the Socket is closed, detached or handed to toBlocking() meanwhile;
   * - {@link SocketError} from sendto(2), `syscall` 'sendto', with `address` and `port` (or `path`):
   *   `EMSGSIZE`, `EACCES` (broadcast without SO_BROADCAST), `ENETUNREACH` / `EHOSTUNREACH`,
   *   `ECONNREFUSED`, `ENOENT` (no such Unix path), `EBADF` (closed);
   * - `TypeError` / `RangeError` for bad `data`, `address`, `flags` or `options`.
   * @see {@link https://man7.org/linux/man-pages/man2/send.2.html | sendto(2)}
   * @example
   * ```ts
   * const udp = new Socket(AF_INET, SOCK_DGRAM);
   * await udp.sendto('ping', { address: '127.0.0.1', port });
   * ```
   */
  sendto(data: ArrayBufferView | string, address: AddressInput, flags?: number | WaitOptions, options?: WaitOptions): Promise<number> {
    try {
      const fd = fdOf(this, 'sendto');
      const view = toSendable(data);
      const { sockaddr, context } = this.encode(address);
      const [sendFlags, wait] = flagsAndOptions(flags, options, SEND_FLAGS, 'sendto');
      const allFlags = sendFlags | MSG_NOSIGNAL;
      this.#noteSend();
      return this.#run(
        WRITE,
        'sendto',
        wait,
        () => {
          const result = native.sendto(fd, view, allFlags, sockaddr);
          if (result === EAGAIN) return WOULD_BLOCK;
          if (result < 0) throw syscallError('sendto', result, context);
          return result;
        },
        context,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Receives up to `length` bytes: recv(2), resolving with a Buffer, empty at EOF.
   *
   * Waits on the event loop while there is nothing to read, then resolves with what is there, which
   * may be less than `length`. Flags as the blocking recv (MSG_PEEK, MSG_TRUNC ...). `flags` may be
   * left out: `recv(n, options)`.
   *
   * MSG_WAITALL has the blocking meaning, as in C's `recv(fd, buf, n, MSG_WAITALL)` on a blocking
   * socket: on a stream it resolves only once `length` bytes arrived, or at EOF with what arrived.
   * It makes recv(2) (MSG_WAITALL passed on, so strace reads as the C) into the rest of one Buffer
   * of `length` bytes, waiting for readiness after each short read. On an error, a timeout, an abort
   * or a close part way, the bytes already taken are not lost: the error carries them, `data`, and
   * their count, `bytesReceived` (the message says it too: `MSG_WAITALL stopped after 10 of 100
   * bytes`); `options.timeout` bounds the whole call. On a datagram socket, and with MSG_PEEK
   * (the bytes stay queued, so readiness cannot tell that more came), the flag changes nothing,
   * as in the kernel: one recv(2) of what is there.
   *
   * Allocates only what arrived: the bytes are read into a per-thread scratch buffer and copied into a
   * Buffer of their size (from Node's shared pool under 4 KiB), so `recv(65536)` of a 64-byte message
   * holds 64 bytes. A `length` over 64 KiB is allocated once and kept if at least half filled, else
   * copied. To reuse one buffer instead, see {@link recvInto}; the cost model: docs/receiving.md.
   *
   * @param length - The most bytes to take, 0 to {@link MAX_RECV_LENGTH}.
   * @param flags - MSG_* flags, or'ed (default 0); or the options.
   * @param options - `signal` and `timeout` for the wait.
   * @returns The bytes received; empty at EOF.
   * @throws Rejects (it never throws) with:
   * - {@link AbortError} when `options.signal` aborts, or already has;
   * - {@link SocketError} `ETIMEDOUT` (`syscall` 'recv') when `options.timeout` passes;
   * - {@link SocketError} `ECANCELED` when the Socket is closed, detached or handed to toBlocking() meanwhile;
   * - {@link SocketError} from recv(2), `syscall` 'recv': `ECONNRESET`, `ENOTCONN`, `ETIMEDOUT`
   *   (keep-alive), `ECONNREFUSED` (datagrams), `EINVAL` (MSG_OOB without urgent data), `EBADF` (closed);
   * - with MSG_WAITALL on a stream, each {@link SocketError} and {@link AbortError} above carries
   *   `bytesReceived` and `data`;
   * - `TypeError` / `RangeError` for a bad `length`, `flags` or `options`.
   * @see {@link https://man7.org/linux/man-pages/man2/recv.2.html | recv(2)}
   * @example
   * ```ts
   * const chunk = await conn.recv(4096, { timeout: 5_000 });
   * if (chunk.length === 0) console.log('the peer closed the connection');
   * const header = await conn.recv(16, MSG_WAITALL, { timeout: 5_000 }); // all 16 bytes, unless EOF comes first
   * ```
   */
  recv(length: number, flags?: number | WaitOptions, options?: WaitOptions): Promise<Buffer> {
    try {
      const fd = fdOf(this, 'recv');
      validateInt(length, 'length', 0, MAX_RECV_LENGTH);
      const [recvFlags, wait] = flagsAndOptions(flags, options, RECV_FLAGS, 'recv');
      if (length > 0 && this.#waitsForAll(recvFlags)) {
        const buffer = allocateFor(length, recvFlags);
        const filled = (got: number): Buffer => fit(buffer, got);
        return this.#recvAll(fd, buffer, recvFlags, wait, filled, filled);
      }
      return this.#run(
        READ,
        'recv',
        wait,
        () => {
          const data = receive(fd, length, recvFlags);
          if (data === EAGAIN) return WOULD_BLOCK;
          if (typeof data === 'number') throw syscallError('recv', data);
          this.#noteRead(data.length, length, recvFlags);
          return data;
        },
        undefined,
        undefined,
        undefined,
        undefined,
        this.#waitsWhenDrained(recvFlags),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Receives into a buffer of yours: recv(2) into `view`, writing only inside its bytes. Resolves with
   * recv's count.
   *
   * No allocation and no copy: the kernel writes into `view` itself. With MSG_TRUNC on a datagram
   * socket, the count is the datagram's real length, which may exceed the view. Do not touch `view`
   * until the promise settles: a view whose ArrayBuffer is detached (transferred), before the call
   * or while it waits, has no bytes, whatever its kind, and gets recv(2) of 0 bytes.
   *
   * MSG_WAITALL on a stream: resolves once the whole view is filled, or at EOF with the count that
   * arrived, as {@link recv}'s; an error part way carries `bytesReceived`, the count already at the
   * start of `view`.
   *
   * @param view - Where the bytes go: any Buffer, TypedArray or DataView.
   * @param flags - MSG_* flags, or'ed (default 0); or the options.
   * @param options - `signal` and `timeout` for the wait.
   * @returns The bytes received (0 at EOF).
   * @throws Rejects (it never throws) with:
   * - {@link AbortError} when `options.signal` aborts, or already has;
   * - {@link SocketError} `ETIMEDOUT` (`syscall` 'recv') when `options.timeout` passes;
   * - {@link SocketError} `ECANCELED` when the Socket is closed, detached or handed to toBlocking() meanwhile;
   * - {@link SocketError} from recv(2), `syscall` 'recv': as {@link recv};
   * - with MSG_WAITALL on a stream, each {@link SocketError} and {@link AbortError} above carries
   *   `bytesReceived`;
   * - `TypeError` / `RangeError` for a bad `view`, `flags` or `options`.
   * @see {@link https://man7.org/linux/man-pages/man2/recv.2.html | recv(2)}
   * @example
   * ```ts
   * const buffer = Buffer.alloc(65536);
   * const n = await conn.recvInto(buffer);
   * process.stdout.write(buffer.subarray(0, n));
   * ```
   */
  recvInto(view: ArrayBufferView, flags?: number | WaitOptions, options?: WaitOptions): Promise<number> {
    try {
      const fd = fdOf(this, 'recv');
      validateView(view, 'view');
      const [recvFlags, wait] = flagsAndOptions(flags, options, RECV_FLAGS, 'recv');
      if (this.#waitsForAll(recvFlags)) {
        const bytes = asBytes(view); // empty for a view whose buffer is detached: then one recv as usual
        if (bytes.length > 0) return this.#recvAll(fd, bytes, recvFlags, wait, returnCount);
      }
      const drains = this.#waitsWhenDrained(recvFlags);
      if (this.#mayTry(READ, wait, drains)) {
        const afterSend = drains && this.#sentSinceRead;
        const result = native.recv(fd, view, recvFlags);
        if (afterSend) this.#learnAfterSend(result === EAGAIN);
        if (result !== EAGAIN) return Promise.resolve(this.#received(result, byteLengthOf(view), recvFlags));
      }
      return this.#recvIntoWaiting(view, recvFlags, wait, drains);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** recv's (or recvfrom's) count into a view of `asked` bytes, a short read noted; a SocketError for a failure. */
  #received(result: number, asked: number, flags: number, syscall = 'recv'): number {
    if (result < 0) throw syscallError(syscall, result);
    this.#noteRead(result, asked, flags);
    return result;
  }

  #recvIntoWaiting(view: ArrayBufferView, flags: number, wait: WaitOptions, drains: boolean): Promise<number> {
    return this.#run(READ, 'recv', wait, null, undefined, undefined, undefined, new RecvCall(this, view, flags), drains, true);
  }

  /**
   * Whether MSG_WAITALL in `flags` waits for the whole length here: on a stream, and not with
   * MSG_PEEK (peeked bytes stay queued: the socket stays readable, so readiness cannot say that more
   * arrived), MSG_OOB or MSG_ERRQUEUE (one urgent byte; one queued error), which the kernel reads
   * without waiting for more either.
   */
  #waitsForAll(flags: number): boolean {
    return (flags & MSG_WAITALL) !== 0 && this.type === SOCK_STREAM && (flags & (MSG_PEEK | MSG_OOB | MSG_ERRQUEUE)) === 0;
  }

  /**
   * A recv or recvInto with MSG_WAITALL on a stream: recv(2) into the rest of `bytes` until it is
   * full, or EOF, waiting for readiness after each short read (the poller makes the next recv when
   * it can). Resolves with `resultOf` the count received; every rejection carries that count,
   * `bytesReceived`, and (`dataOf`, recv's) the bytes, `data`, so a failure, timeout, abort or close
   * part way loses nothing it took from the kernel.
   */
  #recvAll<T>(fd: number, bytes: Uint8Array, flags: number, wait: WaitOptions, resultOf: (got: number) => T, dataOf?: (got: number) => Buffer): Promise<T> {
    const total = bytes.length;
    let got = 0;
    /**
     * What is still to fill. Empty once the caller's view was detached or shrunk meanwhile (then
     * recv(2) of 0 bytes ends the call, and the count is cut to what the view still holds).
     */
    const rest = (): Uint8Array => (got === 0 ? bytes : bytes.length === total ? bytes.subarray(got) : NOTHING_LEFT);
    const progress = (): string => waitAllProgress(got, total);
    const decorate = (error: SocketError | AbortError): void => {
      error.bytesReceived = got;
      if (dataOf !== undefined) error.data = dataOf(got);
    };
    /** One recv(2)'s result: the call's value once full or at EOF; WOULD_BLOCK while more is to come. */
    const advance = (result: number): T | typeof WOULD_BLOCK => {
      if (result === EAGAIN) return WOULD_BLOCK;
      if (result < 0) {
        const error = syscallError('recv', result, undefined, progress());
        decorate(error);
        throw error;
      }
      const asked = total - got;
      this.#noteRead(result, asked, flags);
      if (result === 0) return resultOf(Math.min(got, bytes.length)); // EOF: what arrived
      got += Math.min(result, asked);
      this.#progress++;
      // A short read emptied the receive queue: wait for readiness rather than try (see #drained).
      return got < total ? WOULD_BLOCK : resultOf(got);
    };
    return this.#run(
      READ,
      'recv',
      wait,
      () => advance(native.recv(fd, rest(), flags)),
      undefined,
      decorate,
      progress,
      {
        kind: PEND_RECV,
        view: bytes,
        flags,
        senders: undefined,
        update() {
          this.view = rest();
          return true;
        },
        finish: advance,
      },
      true,
    );
  }

  /**
   * Reads the socket chunk by chunk: `for await (const chunk of conn)` is
   * `for await (const chunk of conn.chunks())`, chunks of up to 64 KiB until EOF.
   *
   * @returns An async iterator of Buffers (see {@link chunks}).
   * @example
   * ```ts
   * const parts: Buffer[] = [];
   * for await (const chunk of conn) parts.push(chunk); // until the peer closes
   * const body = Buffer.concat(parts);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    return this.chunks();
  }

  /**
   * Reads the socket chunk by chunk: an async iterator whose every step is one {@link recv} of up
   * to `size` bytes, as a C loop `while ((n = recv(fd, buf, size, 0)) > 0)` reads. Ends at EOF.
   *
   * Each chunk is what one recv(2) returned, in a Buffer of its size (a stream's chunks may be cut
   * anywhere: reassemble them). On a connection (SOCK_STREAM, SOCK_SEQPACKET) an empty read is EOF
   * and ends the iteration. On a datagram socket (SOCK_DGRAM, SOCK_RAW) each chunk is one datagram,
   * cut to `size` (the rest dropped, as recv does), an empty datagram is an empty chunk, and the
   * iteration ends only by `break`, the signal, the timeout or an error.
   *
   * Leaving the loop (`break`, `return`, a throw in its body) leaves the socket open and nothing
   * unread is lost: no read is made ahead of the loop. A failed recv (ECONNRESET, ECANCELED by
   * close() ...), the timeout and the abort are thrown from the loop.
   *
   * @param options - `size`: the most bytes per chunk, 1 to {@link MAX_RECV_LENGTH}, default 65536
   *   (64 KiB); `signal` ends the iteration with an {@link AbortError}; `timeout`: the milliseconds
   *   each chunk may take to arrive, then an ETIMEDOUT {@link SocketError} (an idle timeout).
   * @returns An async iterator of Buffers; the options are checked at once.
   * @throws `TypeError` / `RangeError` for bad `options`, at once; the iteration rejects as {@link recv}.
   * @see {@link https://man7.org/linux/man-pages/man2/recv.2.html | recv(2)}
   * @example
   * ```ts
   * const hash = createHash('sha256');
   * for await (const chunk of conn.chunks({ size: 16_384, timeout: 30_000 })) hash.update(chunk);
   * console.log(hash.digest('hex'));
   * ```
   */
  chunks(options?: ChunksOptions & WaitOptions): AsyncIterableIterator<Buffer> {
    const size = chunkSize(options, WAIT_KEYS);
    return receiveChunks(this, size, waitOptions(options, true), endsAtEmpty(this.type));
  }

  /**
   * Receives a datagram and its sender: recvfrom(2), up to `length` bytes and the sender's address.
   *
   * A datagram longer than `length` is cut short, the rest dropped. `data` is allocated as
   * {@link recv}'s: the size of the datagram, whatever `length` was.
   *
   * @param length - The most bytes to take, 0 to {@link MAX_RECV_LENGTH}.
   * @param flags - MSG_* flags, or'ed (default 0); or the options.
   * @param options - `signal` and `timeout` for the wait.
   * @returns The bytes and the sender's address (see {@link Received}).
   * @throws Rejects (it never throws) with:
   * - {@link AbortError} when `options.signal` aborts, or already has;
   * - {@link SocketError} `ETIMEDOUT` (`syscall` 'recvfrom') when `options.timeout` passes;
   * - {@link SocketError} `ECANCELED` when the Socket is closed, detached or handed to toBlocking() meanwhile;
   * - {@link SocketError} from recvfrom(2), `syscall` 'recvfrom': as {@link recv};
   * - `TypeError` / `RangeError` for a bad `length`, `flags` or `options`.
   * @see {@link https://man7.org/linux/man-pages/man2/recv.2.html | recvfrom(2)}
   * @example
   * ```ts
   * const { data, address } = await udp.recvfrom(2048, { timeout: 1_000 });
   * await udp.sendto(data, address!);
   * ```
   */
  recvfrom(length: number, flags?: number | WaitOptions, options?: WaitOptions): Promise<Received> {
    try {
      const fd = fdOf(this, 'recvfrom');
      validateInt(length, 'length', 0, MAX_RECV_LENGTH);
      const [recvFlags, wait] = flagsAndOptions(flags, options, RECV_FLAGS, 'recvfrom');
      return this.#run(READ, 'recvfrom', wait, () => {
        const result = receiveFrom(fd, length, recvFlags);
        if (result === EAGAIN) return WOULD_BLOCK;
        if (typeof result === 'number') throw syscallError('recvfrom', result);
        result.address ??= this.unnamedPeer();
        return result;
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Receives a datagram into a buffer of yours: recvfrom(2) into `view`, as the blocking Socket's
   * recvfromInto (the count, with MSG_TRUNC the datagram's real length; the sender into
   * `options.senders[0]` only when asked, else src_addr NULL and nothing allocated), waiting on the
   * event loop as {@link recvInto} does: when the fd is ready, the poller makes the recvfrom itself.
   *
   * @param view - Where the datagram goes, from its first byte.
   * @param flags - MSG_* flags, or'ed (default 0); or the options.
   * @param options - `senders` (an array whose index 0 gets the sender), and `signal` / `timeout` for the wait.
   * @returns The bytes received, or with MSG_TRUNC the datagram's real length.
   * @throws Rejects (it never throws) with:
   * - {@link AbortError} when `options.signal` aborts, or already has;
   * - {@link SocketError} `ETIMEDOUT` (`syscall` 'recvfrom') when `options.timeout` passes;
   * - {@link SocketError} `ECANCELED` when the Socket is closed, detached or handed to toBlocking() meanwhile;
   * - {@link SocketError} from recvfrom(2), `syscall` 'recvfrom': as {@link recv};
   * - `TypeError` / `RangeError` for a bad `view`, `flags` or `options`.
   * @see {@link https://man7.org/linux/man-pages/man2/recv.2.html | recvfrom(2)}
   * @example
   * ```ts
   * const buffer = Buffer.alloc(2048);
   * const senders: (SocketAddress | null)[] = [];
   * const n = await udp.recvfromInto(buffer, { senders, timeout: 1_000 });
   * await udp.sendto(buffer.subarray(0, n), senders[0]!);
   * ```
   */
  recvfromInto(view: ArrayBufferView, flags?: number | (RecvfromIntoOptions & WaitOptions), options?: RecvfromIntoOptions & WaitOptions): Promise<number> {
    try {
      const fd = fdOf(this, 'recvfrom');
      validateView(view, 'view');
      if (typeof flags === 'object' && flags !== null && options === undefined) [flags, options] = [0, flags];
      const recvFlags = flags === undefined ? 0 : validateFlags(flags, 'flags', RECV_FLAGS, 'recvfrom');
      const senders = recvfromIntoSenders(options, WAIT_KEYS) ?? undefined;
      const wait = waitOptions(options, true);
      const drains = this.#waitsWhenDrained(recvFlags);
      if (this.#mayTry(READ, wait, drains)) {
        const afterSend = drains && this.#sentSinceRead;
        const result = receiveFromInto(fd, view, recvFlags, senders ?? null, this.unnamedPeer());
        if (afterSend) this.#learnAfterSend(result === EAGAIN);
        if (result !== EAGAIN) return Promise.resolve(this.#received(result, byteLengthOf(view), recvFlags, 'recvfrom'));
      }
      const call = new RecvfromCall(this, view, recvFlags, senders, this.unnamedPeer());
      return this.#run(READ, 'recvfrom', wait, null, undefined, undefined, undefined, call, drains, true);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #sendmsg(prepared: PreparedSend, wait: WaitOptions): Promise<number> {
    const fd = fdOf(this, 'sendmsg');
    this.#noteSend();
    return this.#run(
      WRITE,
      'sendmsg',
      wait,
      () => {
        const result = native.sendmsg(fd, prepared.views, prepared.control, prepared.flags, prepared.sockaddr);
        if (result === EAGAIN) return WOULD_BLOCK;
        if (result < 0) throw syscallError('sendmsg', result, prepared.context);
        return result;
      },
      prepared.context,
    );
  }

  #recvmsg(prepared: PreparedReceive, wait: WaitOptions): Promise<RecvmsgResult> {
    const fd = fdOf(this, 'recvmsg');
    return this.#run(READ, 'recvmsg', wait, () => {
      const result = receiveMessage(fd, prepared, this.unnamedPeer());
      if (result === EAGAIN) return WOULD_BLOCK;
      if (typeof result === 'number') throw syscallError('recvmsg', result);
      return result;
    });
  }

  /**
   * Sends the buffers as one message, with ancillary data: sendmsg(2) (MSG_NOSIGNAL added), waiting
   * on the event loop while the send buffer is full. As the blocking Socket's sendmsg.
   *
   * @param buffers - Strings (UTF-8) or byte views, at most 1024.
   * @param options - `address`, `control`, `flags`, and `signal` / `timeout` for the wait.
   * @returns The bytes sent.
   * @throws Rejects with {@link SocketError} from sendmsg(2) (`syscall` 'sendmsg'), ETIMEDOUT,
   * ECANCELED, {@link AbortError}, or a TypeError / RangeError for bad arguments.
   * @see {@link https://man7.org/linux/man-pages/man2/sendmsg.2.html | sendmsg(2)}
   * @example
   * ```ts
   * await sock.sendmsg([header, body]);
   * ```
   */
  sendmsg(buffers: ReadonlyArray<ArrayBufferView | string>, options?: SendmsgOptions & WaitOptions): Promise<number> {
    try {
      fdOf(this, 'sendmsg');
      return this.#sendmsg(prepareSend(buffers, options, (address, name) => this.encode(address, name), WAIT_KEYS), waitOptions(options, true));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Receives one message into buffers of the given sizes, with its ancillary data: recvmsg(2) with
   * MSG_CMSG_CLOEXEC added, waiting on the event loop until a message is there. As the blocking
   * Socket's recvmsg (`fds` and `pidfd` are the caller's to close; in a cut control buffer they
   * are closed, never handed over).
   * Each of `buffers` is allocated as {@link recv}'s: the size of the bytes that landed in it.
   *
   * @param sizes - One size, or the size of each buffer (at most 1024).
   * @param options - `controlLength`, `flags`, and `signal` / `timeout` for the wait.
   * @throws Rejects with {@link SocketError} from recvmsg(2) (`syscall` 'recvmsg'), ETIMEDOUT,
   * ECANCELED, {@link AbortError}, or a TypeError / RangeError for bad arguments.
   * @see {@link https://man7.org/linux/man-pages/man2/recvmsg.2.html | recvmsg(2)}
   * @example
   * ```ts
   * const { buffers, fds } = await sock.recvmsg([1024], { controlLength: CMSG_SPACE(4) });
   * ```
   */
  recvmsg(sizes: number | readonly number[], options?: RecvmsgOptions & WaitOptions): Promise<RecvmsgResult> {
    try {
      fdOf(this, 'recvmsg');
      return this.#recvmsg(prepareReceive(sizes, options, WAIT_KEYS), waitOptions(options, true));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends several messages in one syscall: sendmmsg(2) (MSG_NOSIGNAL added), waiting on the event
   * loop while the send buffer is full. As the blocking Socket's sendmmsg: the count sent, fewer
   * than given when the kernel stopped early (then the rest is the caller's to send again).
   *
   * @param messages - `{ data | buffers, address?, control? }` each, at most 1024.
   * @param flags - MSG_* flags, or'ed (default 0); or the options.
   * @param options - `signal` and `timeout` for the wait.
   * @returns How many messages were sent, from the first.
   * @throws Rejects with {@link SocketError} from sendmmsg(2) (`syscall` 'sendmmsg'), ETIMEDOUT,
   * ECANCELED, {@link AbortError}, or a TypeError / RangeError for bad arguments.
   * @see {@link https://man7.org/linux/man-pages/man2/sendmmsg.2.html | sendmmsg(2)}
   * @example
   * ```ts
   * await udp.sendmmsg([{ data: 'one', address: peer }, { data: 'two', address: peer }]);
   * ```
   */
  sendmmsg(messages: readonly MmsgMessage[], flags?: number | WaitOptions, options?: WaitOptions): Promise<number> {
    try {
      const fd = fdOf(this, 'sendmmsg');
      const [sendFlags, wait] = flagsAndOptions(flags, options, SEND_FLAGS, 'sendmmsg');
      const prepared = prepareSendmmsg(messages, sendFlags, (address, name) => this.encode(address, name));
      this.#noteSend();
      return this.#run(
        WRITE,
        'sendmmsg',
        wait,
        () => {
          const result = native.sendmmsg(fd, prepared.messages, prepared.flags);
          if (result === EAGAIN) return WOULD_BLOCK;
          if (result < 0) throw syscallError('sendmmsg', result, prepared.context);
          return result;
        },
        prepared.context,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Receives several datagrams in one syscall: recvmmsg(2), up to `count` of up to `length` bytes,
   * waiting on the event loop until at least one is there, then taking what else is there without
   * waiting more (MSG_WAITFORONE's meaning, on the non-blocking fd). Each datagram as the blocking
   * Socket's recvmmsg returns it.
   *
   * @param count - The most datagrams, 1 to 1024.
   * @param length - The most bytes of each, 0 to {@link MAX_RECV_LENGTH}.
   * @param options - `flags` (MSG_TRUNC, MSG_PEEK ...), and `signal` / `timeout` for the wait for the first.
   * @returns The datagrams received, at least one.
   * @throws Rejects with {@link SocketError} from recvmmsg(2) (`syscall` 'recvmmsg'), ETIMEDOUT,
   * ECANCELED, {@link AbortError}, or a TypeError / RangeError for bad arguments.
   * @see {@link https://man7.org/linux/man-pages/man2/recvmmsg.2.html | recvmmsg(2)}
   * @example
   * ```ts
   * for (const { data, address } of await udp.recvmmsg(64, 1500, { timeout: 1_000 })) await udp.sendto(data, address!);
   * ```
   */
  recvmmsg(count: number, length: number, options?: Omit<RecvmmsgOptions, 'timeout'> & WaitOptions): Promise<ReceivedMessage[]> {
    try {
      const fd = fdOf(this, 'recvmmsg');
      const prepared = prepareRecvmmsg(count, length, options, WAIT_KEYS);
      return this.#run(READ, 'recvmmsg', waitOptions(options, true), () => {
        const result = receiveMessages(fd, prepared, this.unnamedPeer());
        if (result === EAGAIN) return WOULD_BLOCK;
        if (typeof result === 'number') throw syscallError('recvmmsg', result);
        return result;
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * recvmmsg(2) into a buffer of yours, as the blocking Socket's recvmmsgInto (the i-th datagram at
   * `buffer` offset `i * length`, its byte count and `msg_flags` in `results`, the senders only into
   * `options.senders`), waiting as {@link recvmmsg} does for the first.
   *
   * @param buffer - Where the datagrams land: at least `count * length` bytes.
   * @param count - The most datagrams, 1 to 1024.
   * @param length - The most bytes of each, 0 to {@link MAX_RECV_LENGTH}.
   * @param results - At least `2 * count` elements: each datagram's byte count and `msg_flags`.
   * @param options - `flags`, `senders`, and `signal` / `timeout` for the wait for the first.
   * @returns How many datagrams arrived, at least one.
   * @throws Rejects as {@link recvmmsg}, or with a TypeError / RangeError for bad arguments; the
   * RangeError too when `buffer` or `results` is detached or shrunk while the call waits.
   * @see {@link https://man7.org/linux/man-pages/man2/recvmmsg.2.html | recvmmsg(2)}
   * @example
   * ```ts
   * const n = await udp.recvmmsgInto(buffer, 64, 1500, results, { timeout: 1_000 });
   * ```
   */
  recvmmsgInto(
    buffer: ArrayBufferView,
    count: number,
    length: number,
    results: Int32Array,
    options?: Omit<RecvmmsgIntoOptions, 'timeout'> & WaitOptions,
  ): Promise<number> {
    try {
      const fd = fdOf(this, 'recvmmsg');
      const prepared = prepareRecvmmsgInto(buffer, count, length, results, options, WAIT_KEYS);
      return this.#run(READ, 'recvmmsg', waitOptions(options, true), () => {
        const result = receiveMessagesInto(fd, prepared, this.unnamedPeer());
        if (result === EAGAIN) return WOULD_BLOCK;
        if (result < 0) throw syscallError('recvmmsg', result);
        return result;
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Passes open fds to the peer process: sendmsg(2) with one SCM_RIGHTS item. As the blocking
   * Socket's sendFds; `data` defaults to one zero byte.
   *
   * @example
   * ```ts
   * await sock.sendFds([listener]);
   * ```
   */
  sendFds(fds: ReadonlyArray<number | SocketBase>, data?: ArrayBufferView | string, options?: Omit<SendmsgOptions, 'control'> & WaitOptions): Promise<number> {
    try {
      fdOf(this, 'sendmsg');
      return this.#sendmsg(prepareSendFds(fds, data, options, (address, name) => this.encode(address, name), WAIT_KEYS), waitOptions(options, true));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Receives fds passed with sendFds: recvmsg(2) with room for `maxFds` fds. As the blocking
   * Socket's recvFds: at most `maxFds` fds are handed over; more make `fds` empty and `flags`
   * MSG_CTRUNC, and those that arrived are closed (so is a pidfd that comes along).
   * `data` is allocated as {@link recv}'s: the size of what arrived.
   *
   * @example
   * ```ts
   * const { fds: [fd] } = await sock.recvFds(1, { timeout: 5_000 });
   * ```
   */
  async recvFds(maxFds: number, options?: { length?: number; flags?: number } & WaitOptions): Promise<ReceivedFds> {
    fdOf(this, 'recvmsg');
    const { buffers, fds, flags } = await this.#recvmsg(prepareReceiveFds(maxFds, options, WAIT_KEYS), waitOptions(options, true));
    return { data: buffers[0]!, fds, flags };
  }

  /**
   * Receives data with its sender's credentials: recvmsg(2) with room for an SCM_CREDENTIALS item,
   * waiting on the event loop until data is there. As the blocking Socket's recvCredentials: turns
   * SO_PASSCRED on first (once per Socket), which must be on before the peer sends; fds that come
   * along are closed.
   *
   * @param length - The most bytes to receive, 0 to MAX_RECV_LENGTH.
   * @param options - `flags`, and `signal` / `timeout` for the wait.
   * @throws Rejects with {@link SocketError} from setsockopt(2) or recvmsg(2), ETIMEDOUT,
   * ECANCELED, {@link AbortError}, or a TypeError / RangeError for bad arguments.
   * @example
   * ```ts
   * const { data, credentials } = await conn.recvCredentials(4096, { timeout: 5_000 });
   * ```
   */
  async recvCredentials(length: number, options?: { flags?: number } & WaitOptions): Promise<ReceivedCredentials> {
    const fd = fdOf(this, 'recvmsg');
    const prepared = prepareReceiveCredentials(length, options, WAIT_KEYS);
    passCredentials(this, fd);
    const { buffers, credentials, flags } = await this.#recvmsg(prepared, waitOptions(options));
    return { data: buffers[0]!, credentials, flags };
  }

  /**
   * Sends this process's pid, uid and gid: sendmsg(2) with one SCM_CREDENTIALS item. As the
   * blocking Socket's sendCredentials.
   *
   * @example
   * ```ts
   * await client.sendCredentials();
   * ```
   */
  sendCredentials(data?: ArrayBufferView | string, options?: Omit<SendmsgOptions, 'control'> & WaitOptions): Promise<number> {
    try {
      fdOf(this, 'sendmsg');
      return this.#sendmsg(prepareSendCredentials(data, options, (address, name) => this.encode(address, name), WAIT_KEYS), waitOptions(options, true));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/** The chunks of {@link Socket.chunks}: recv after recv, until an empty read that is EOF. */
async function* receiveChunks(socket: Socket, size: number, wait: WaitOptions, endsAtEmpty: boolean): AsyncGenerator<Buffer, void, undefined> {
  for (;;) {
    const chunk = await socket.recv(size, wait);
    if (chunk.length === 0 && endsAtEmpty) return;
    yield chunk;
  }
}

/** A waiting recvInto, as the poller makes it (see Native): one object, no closures. */
class RecvCall implements Native<number> {
  readonly kind = PEND_RECV;
  readonly update = undefined;
  readonly senders = undefined;

  constructor(
    readonly socket: Socket,
    readonly view: ArrayBufferView,
    readonly flags: number,
  ) {}

  finish(result: number): number | typeof WOULD_BLOCK {
    return result === EAGAIN ? WOULD_BLOCK : received(this.socket, result, byteLengthOf(this.view), this.flags, 'recv');
  }
}

/**
 * A waiting recvfromInto, as the poller makes it: recvfrom with the sender into `senders[0]`
 * (PEND_RECVFROM), or without `senders` recv's syscall (PEND_RECV, src_addr NULL).
 */
class RecvfromCall implements Native<number> {
  readonly kind: number;
  readonly update = undefined;

  constructor(
    readonly socket: Socket,
    readonly view: ArrayBufferView,
    readonly flags: number,
    readonly senders: (SocketAddress | null)[] | undefined,
    readonly unnamed: SocketAddress | null,
  ) {
    this.kind = senders === undefined ? PEND_RECV : PEND_RECVFROM;
  }

  finish(result: number): number | typeof WOULD_BLOCK {
    if (result === EAGAIN) return WOULD_BLOCK;
    const count = received(this.socket, result, byteLengthOf(this.view), this.flags, 'recvfrom');
    if (this.senders !== undefined && this.unnamed !== null) this.senders[0] ??= this.unnamed;
    return count;
  }
}

/**
 * A Socket's poller, with the Socket it serves: one callback function serves them all (see
 * native/poller.h). `waiter` is the socket while a call or select/poll waits on it (it is held in
 * waitingSockets then anyway). An event that finds nobody waiting finds the socket by its `fd`, as
 * promiseSocketFor does: the poller outlives an idle socket that was never closed (the collector
 * closes it, see SocketBase), so it must not hold that socket, and the poller is closed before the
 * socket lets go of the fd, so the fd's holder is still this poller's socket.
 */
interface SocketPoller extends NativePoller {
  fd: number;
  waiter: Socket | undefined;
}

function onPollerEvent(this: SocketPoller, status: number, events: number, readResult: number, writeResult: number): void {
  const socket = this.waiter ?? promiseSocketFor(this.fd);
  if (socket !== undefined) dispatch(socket, status, events, readResult, writeResult);
}

export { PRIORITIZED, READABLE, WRITABLE, DISCONNECT };
