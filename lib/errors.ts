// Errors shaped like Node's own. A failed syscall becomes a SocketError whose message reads like
// net's (`connect ECONNREFUSED 127.0.0.1:3005`) and which carries `code`, a negative `errno` (so
// util.getSystemErrorName(err.errno) works), `syscall`, and the address involved. Bad arguments
// become TypeError/RangeError with Node's ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE /
// ERR_INVALID_ARG_VALUE codes, thrown before any syscall is made.
import { constants as osConstants } from 'node:os';
import { join, sep } from 'node:path';
import { getSystemErrorMap, inspect, type InspectOptions } from 'node:util';

import { addressText } from './address-text';
import { native } from './native';

/**
 * Where a failed call was aimed: an internet address and port, a Unix path, or a host name.
 *
 * @category Errors
 */
export interface ErrorContext {
  /** The numeric internet address, as given ('127.0.0.1'). */
  address?: string;
  /** The port that went with `address`. */
  port?: number;
  /** The Unix socket path ('' for an unnamed socket). */
  path?: string;
  /** The host name given to getaddrinfo. */
  hostname?: string;
}

/**
 * A failed system call (or name resolution), shaped like the errors of Node's `net` and `dns`.
 *
 * Every failed syscall of both flavours throws (or rejects with) one. The message reads like net's:
 * the syscall, the code, then where the call was aimed (`connect ECONNREFUSED 127.0.0.1:3005`).
 * Only the context properties that apply are present, as own properties.
 *
 * As on Node's own errors, the stack starts at the code that called sockcall: sockcall's own frames
 * are left out (and so are they from the TypeErrors and RangeErrors of its argument checks).
 *
 * An EAGAIN that says the call would have had to wait (a non-blocking socket or MSG_DONTWAIT, in
 * the blocking flavour) carries no stack: `stack` is its first line only. A loop over non-blocking
 * sockets meets one per turn, and capturing a stack would cost about 30 times the syscall. Its class,
 * message, `code`, `errno` and `syscall` are as on any other; an EAGAIN from SO_RCVTIMEO/SO_SNDTIMEO,
 * and every other error, has its stack.
 *
 * @see {@link https://man7.org/linux/man-pages/man3/errno.3.html | errno(3)}
 * @example
 * ```ts
 * try {
 *   s.connect({ address: '127.0.0.1', port: 3005 });
 * } catch (error) {
 *   if (!(error instanceof SocketError)) throw error;
 *   error.message; // 'connect ECONNREFUSED 127.0.0.1:3005'
 *   error.code; // 'ECONNREFUSED'
 *   error.errno; // -111
 *   error.syscall; // 'connect'
 *   error.address; // '127.0.0.1'
 *   error.port; // 3005
 * }
 * ```
 *
 * @category Errors
 */
export class SocketError extends Error {
  // `declare` on these three too: set by plain assignment in the constructor, in this order, so that
  // every SocketError has one shape (a class field would define each first, through the runtime).
  /** The errno name ('ECONNREFUSED'), or the EAI_* name for a getaddrinfo failure. */
  declare readonly code: string;
  /**
   * Negative, as in Node, so util.getSystemErrorName(errno) === code.
   *
   * (For the few errno values libuv has no name for, EINPROGRESS among them, `code` comes from the
   * system headers and util.getSystemErrorName does not know it.)
   */
  declare readonly errno: number;
  /** The system call that failed ('connect'). */
  declare readonly syscall: string;
  // `declare`: only the properties that apply become own properties, as on Node's errors (a class
  // field would put every one of them on every error, as undefined).
  /** The numeric internet address the call was aimed at (bind, connect, sendto). */
  declare address?: string;
  /** The port that went with `address`. */
  declare port?: number;
  /** The Unix socket path the call was aimed at ('' for an unnamed socket). */
  declare path?: string;
  /** getaddrinfo: the host name it failed to resolve. */
  declare hostname?: string;
  /** sendAll only: bytes that went out before the failure. */
  declare bytesSent?: number;
  /**
   * The promise flavour's recv and recvInto with MSG_WAITALL on a stream only: bytes received
   * before the failure (a recvInto's are at the start of its view).
   */
  declare bytesReceived?: number;
  /** The promise flavour's recv with MSG_WAITALL on a stream only: those `bytesReceived` bytes. */
  declare data?: Buffer;
  /** getaddrinfo only: the EAI_* value glibc returned (`errno` is libuv's number for the name). */
  declare eai?: number;

  /**
   * Made by sockcall; exported for `instanceof` and for code that fakes failures in tests.
   *
   * @param syscall - The system call that failed ('connect').
   * @param code - The errno name ('ECONNREFUSED') or EAI_* name.
   * @param errno - The negative errno value (libuv's number for an EAI_* name).
   * @param context - Where the call was aimed; each property given becomes one of the error's.
   * @param detail - What the code alone does not say, after a colon: why (`the socket is closed`,
   * `timed out after 500 ms (SO_RCVTIMEO)`) or how far the call got.
   * @example
   * ```ts
   * const error = new SocketError('recv', 'ECONNRESET', -104);
   * error.message; // 'recv ECONNRESET'
   * new SocketError('recv', 'EAGAIN', -11, {}, 'timed out after 500 ms (SO_RCVTIMEO)').message;
   * // 'recv EAGAIN: timed out after 500 ms (SO_RCVTIMEO)'
   * ```
   */
  constructor(syscall: string, code: string, errno: number, context?: ErrorContext, detail?: string) {
    const limit = suspendStack();
    try {
      super(`${syscall} ${code}${context === undefined ? '' : describeContext(context)}${detail ? `: ${detail}` : ''}`);
    } finally {
      if (limit !== undefined) Error.stackTraceLimit = limit;
    }
    if (limit !== undefined) {
      this.#frames = captureFrames(limit);
      // Its own `stack` (empty, from the limit of 0) gives way to the getter below.
      delete (this as { stack?: string }).stack;
    }
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
    if (context === undefined) return;
    if (context.address !== undefined) this.address = context.address;
    if (context.port !== undefined) this.port = context.port;
    if (context.path !== undefined) this.path = context.path;
    if (context.hostname !== undefined) this.hostname = context.hostname;
  }

  /** Always 'SocketError'. */
  override get name(): string {
    return 'SocketError';
  }

  /** The frames captured for the stack (see {@link captureFrames}); undefined when it has none. */
  #frames: Frames | undefined;

  static {
    // `stack` made from the frames when first read (as V8 makes its own), then an own property.
    Object.defineProperty(SocketError.prototype, 'stack', {
      configurable: true,
      get(this: SocketError): string {
        return settleStack(this, this.#frames);
      },
      set(this: SocketError, value: unknown) {
        Object.defineProperty(this, 'stack', { value, writable: true, configurable: true });
      },
    });
  }
}

// --- stacks that start at the caller ----------------------------------------------------------

/** Where sockcall's own frames come from: dist/, and lib/ when source maps point there. */
const OWN_DIRECTORIES = [__dirname + sep, join(__dirname, '..', 'lib') + sep];
/**
 * Room for sockcall's own frames above its caller, captured beyond the limit and then dropped: an
 * argument check has 4 (fromCaller, invalidArgType, validateInt, the method). Each frame more
 * costs every error; a path with more keeps fewer of its caller's frames.
 */
const OWN_FRAMES = 6;

/**
 * Sets Error.stackTraceLimit to 0 for the construction of an error whose stack {@link
 * captureFrames} captures instead, and returns the limit to restore; undefined (and nothing
 * changed) when no stack is wanted: a limit of 0 (an EAGAIN that would block), not a number, or
 * read-only.
 */
function suspendStack(): number | undefined {
  const limit = Error.stackTraceLimit;
  if (typeof limit !== 'number' || limit <= 0 || !Reflect.set(Error, 'stackTraceLimit', 0)) return undefined;
  return limit;
}

/** A capture of the call stack: `stack` is V8's text of it, made when first read. */
interface Frames {
  stack?: string;
  /** The Error.stackTraceLimit of the error: how many frames to keep after sockcall's own. */
  limit: number;
}

/**
 * The stack here, with room for sockcall's own frames on top: `limit` more than that. V8 keeps the
 * frames and makes text of them only when `stack` is read.
 */
function captureFrames(limit: number): Frames {
  const frames: Frames = { limit };
  Error.stackTraceLimit = limit + OWN_FRAMES;
  Error.captureStackTrace(frames, captureFrames);
  Error.stackTraceLimit = limit;
  return frames;
}

/**
 * `error`'s stack as Node's own errors have it, starting at the code that called sockcall: its
 * header, then `limit` frames after sockcall's own. Kept as its own `stack` from then on.
 */
function settleStack(error: Error, frames: Frames | undefined): string {
  let stack = Error.prototype.toString.call(error);
  if (frames !== undefined) {
    const lines = (frames.stack ?? '').split('\n').slice(1);
    let first = 0;
    while (first < lines.length && OWN_DIRECTORIES.some((directory) => lines[first]!.includes(directory))) first++;
    stack = [stack, ...lines.slice(first, first + frames.limit)].join('\n');
  }
  Object.defineProperty(error, 'stack', { value: stack, writable: true, configurable: true });
  return stack;
}

/** The frames of the argument errors (TypeError, RangeError), which have no field of sockcall's. */
const argumentFrames = new WeakMap<Error, Frames>();

const argumentStack: PropertyDescriptor = {
  configurable: true,
  get(this: Error): string {
    return settleStack(this, argumentFrames.get(this));
  },
  set(this: Error, value: unknown) {
    Object.defineProperty(this, 'stack', { value, writable: true, configurable: true });
  },
};

/** `make()`'s error with its stack starting at sockcall's caller (see {@link settleStack}). */
function fromCaller<E extends Error>(make: () => E): E {
  const limit = suspendStack();
  let error: E;
  try {
    error = make();
  } finally {
    if (limit !== undefined) Error.stackTraceLimit = limit;
  }
  if (limit !== undefined) {
    argumentFrames.set(error, captureFrames(limit));
    Object.defineProperty(error, 'stack', argumentStack);
  }
  return error;
}

function describeContext(context: ErrorContext): string {
  const text = addressText(context, 'bare');
  return text === '' ? '' : ` ${text}`;
}

/** Every errno name, by positive value: libuv's name where Node knows one, else the header's. */
const errnoNames: ReadonlyMap<number, string> = new Map([
  ...Object.entries(native.errnoNames).map(([errno, name]): [number, string] => [Number(errno), name]),
  ...[...getSystemErrorMap()].map(([uvErrno, [name]]): [number, string] => [-uvErrno, name]),
]);

/** The name of a (positive) errno value: libuv's name where Node knows it, else the header's. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

const EAGAIN = -osConstants.errno.EAGAIN;

/** A SocketError for a syscall that returned `-errno` (a negative number, as the binding returns). */
export function syscallError(syscall: string, negativeErrno: number, context?: ErrorContext, detail?: string): SocketError {
  return new SocketError(syscall, errnoName(-negativeErrno), negativeErrno, context, detail);
}

/**
 * The EAGAIN of a call that would have had to wait (a non-blocking socket, MSG_DONTWAIT), built
 * without capturing a stack: a poll loop meets one on every turn, and walking the stack costs about
 * 30 times the syscall itself. The error is otherwise the same SocketError, `stack` being only its
 * first line. As Node's internal errors do, Error.stackTraceLimit is set to 0 around construction
 * and restored; where it cannot be set (a frozen Error), the error gets its stack as usual.
 */
export function wouldBlockError(syscall: string, context?: ErrorContext, detail?: string): SocketError {
  const limit = Error.stackTraceLimit;
  // Not a number: V8 captures no stack anyway. Reflect.set is false where the property is read-only.
  if (typeof limit !== 'number' || !Reflect.set(Error, 'stackTraceLimit', 0)) return syscallError(syscall, EAGAIN, context, detail);
  try {
    return syscallError(syscall, EAGAIN, context, detail);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * EBADF for a call on a closed Socket, raised without touching the old fd number: `recv EBADF: the
 * socket is closed (fd 12 was released by close())`. `releasedBy` is the call that let the fd go.
 */
export function closedError(syscall: string, fd: number, releasedBy: string): SocketError {
  const state = releasedBy === 'close()' ? `closed (fd ${fd} was released by close())` : `detached (fd ${fd} was handed over by ${releasedBy})`;
  return new SocketError(syscall, 'EBADF', -osConstants.errno.EBADF, undefined, `the socket is ${state}`);
}

/** What a failed sendAll (or sendfileAll) adds to its message (its error's `bytesSent` says the same as a number). */
export function sendAllProgress(sent: number, total: number, call = 'sendAll'): string {
  return `${call} stopped after ${sent} of ${total} bytes`;
}

/**
 * What a failed MSG_WAITALL recv's message adds in the promise flavour (its error's `bytesReceived`
 * says the same as a number).
 */
export function waitAllProgress(received: number, total: number): string {
  return `MSG_WAITALL stopped after ${received} of ${total} bytes`;
}

/** Details for one message, `; `-separated, leaving out those not given. */
export function details(...parts: (string | undefined)[]): string | undefined {
  const given = parts.filter((part) => part !== undefined);
  return given.length === 0 ? undefined : given.join('; ');
}

// --- argument errors ---------------------------------------------------------------------------

interface CodedError extends Error {
  code: string;
}

function coded<E extends Error>(error: E, code: string): E & CodedError {
  return Object.assign(error, { code });
}

/**
 * util.inspect's text of `value`, or why there is none: inspect throws for some values (Node 20's for
 * a DataView over a detached buffer, anywhere inside `value`), and the argument's own error must not
 * be lost to that.
 */
function shown(value: unknown, options?: InspectOptions): string {
  try {
    return inspect(value, options);
  } catch (error) {
    return `a value util.inspect cannot show (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** How Node's errors print a received value: `Received type string ('abc')`. */
function received(value: unknown): string {
  if (value === null || value === undefined) return `Received ${value}`;
  if (typeof value === 'function') return `Received function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name ? `Received an instance of ${name}` : `Received ${shown(value, { depth: -1 })}`;
  }
  let text = shown(value, { colors: false });
  if (text.length > 28) text = `${text.slice(0, 25)}...`;
  return `Received type ${typeof value} (${text})`;
}

export function invalidArgType(name: string, expected: string, value: unknown): TypeError & CodedError {
  return coded(fromCaller(() => new TypeError(`The "${name}" argument must be ${expected}. ${received(value)}`)), 'ERR_INVALID_ARG_TYPE');
}

export function outOfRange(name: string, range: string, value: unknown): RangeError & CodedError {
  const text = typeof value === 'number' || typeof value === 'bigint' ? String(value) : shown(value);
  return coded(
    fromCaller(() => new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${text}`)),
    'ERR_OUT_OF_RANGE',
  );
}

export function invalidArgValue(name: string, value: unknown, reason = 'is invalid'): TypeError & CodedError {
  return coded(
    fromCaller(() => new TypeError(`The argument '${name}' ${reason}. Received ${shown(value, { depth: 1 })}`)),
    'ERR_INVALID_ARG_VALUE',
  );
}
