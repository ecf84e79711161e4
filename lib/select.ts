// select(2) and poll(2) over Sockets or plain fd numbers.
import { FD_SETSIZE } from './constants';
import { invalidArgType, outOfRange, syscallError } from './errors';
import { native } from './native';
import { fdOf, SocketBase } from './socket-base';
import { INT32_MIN, validateInt, validateObject, validateTimeout } from './validate';

/**
 * Anything select/poll can watch: a Socket of either flavour (must be open) or an fd number.
 *
 * An fd number may be any fd (a pipe, a tty, another library's socket); sockcall does not own it.
 *
 * @category select and poll
 */
export type Pollable = SocketBase | number;

/**
 * The ready subset of each list, holding the same objects that were passed in.
 *
 * @category select and poll
 */
export interface SelectResult<T extends Pollable> {
  /** Readable: data, a connection to accept, EOF, or an error. */
  read: T[];
  /** Writable: a send would not block (or an error is pending). */
  write: T[];
  /** An exceptional condition: out-of-band data (MSG_OOB). */
  except: T[];
}

/** The fd of a select/poll entry: an open Socket of either flavour, or an fd number >= `min`. */
export function fdFor(item: unknown, name: string, syscall: string, min: number): number {
  if (item instanceof SocketBase) return fdOf(item, syscall);
  if (typeof item === 'number') return validateInt(item, name, min);
  throw invalidArgType(name, 'a Socket or an fd number', item);
}

/** A select list: an array, or null/undefined for none. */
export function listOf(value: unknown, name: string): readonly unknown[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw invalidArgType(name, 'an array', value);
  return value;
}

/**
 * Waits until sockets are ready: select(2). Waits until a socket in `read` is readable (or a listener
 * has a connection), one in `write` is writable, or one in `except` has an exceptional condition
 * (out-of-band data), or `timeoutMs` passes (null or undefined: wait forever; 0: just check). Returns
 * the ready ones; all empty on timeout. An fd >= FD_SETSIZE (1024) is refused with a RangeError:
 * FD_SET on it would write past the fd_set; use poll() for those. After EINTR it waits again until
 * the original deadline.
 *
 * Blocks the calling thread (the promise flavour's select does not). Empty lists go in as NULL, as C
 * would write them; the syscall is pselect6 on Linux. Readiness is a snapshot: a recv after it may
 * still find nothing (another reader took it), so pair select with non-blocking sockets or timeouts.
 *
 * @param read - Sockets or fds to watch for reading (or accepting); null or undefined for none.
 * @param write - To watch for writing (or the end of a non-blocking connect).
 * @param except - To watch for exceptional conditions (out-of-band data).
 * @param timeoutMs - Milliseconds, 0 to 2^31-1 (fractions allowed); null (the default) waits forever.
 * @returns The ready subset of each list, the same objects, in the order given.
 * @throws {@link SocketError} from select(2), `syscall` 'select':
 * - `EBADF`: a Socket in the lists is closed, or an fd number is not open;
 * - `EINVAL` / `ENOMEM`: the kernel refused the sets.
 * @throws `RangeError` (`ERR_OUT_OF_RANGE`) for an fd >= FD_SETSIZE or a timeout out of range;
 * `TypeError` (`ERR_INVALID_ARG_TYPE`) for a list that is not an array or an entry that is not a
 * Socket or fd number. All before any syscall.
 * @see {@link https://man7.org/linux/man-pages/man2/select.2.html | select(2)}
 * @example
 * ```ts
 * const ready = select([listener, conn], [], [], 30_000);
 * if (ready.read.length === 0) throw new Error('select() timed out');
 * for (const s of ready.read) {
 *   if (s === listener) clients.push(listener.accept());
 *   else handle(s.recv(4096));
 * }
 * ```
 *
 * @category select and poll
 */
export function select<T extends Pollable>(
  read: readonly T[],
  write: readonly T[] = [],
  except: readonly T[] = [],
  timeoutMs: number | null = null,
): SelectResult<T> {
  const lists = [listOf(read, 'read'), listOf(write, 'write'), listOf(except, 'except')] as const;
  const names = ['read', 'write', 'except'] as const;
  // Index loops, not map/forEach: those skip the holes of a sparse array, which must be refused.
  const fds: number[][] = [];
  for (let i = 0; i < 3; i++) {
    const list = lists[i]!;
    const fdList: number[] = [];
    for (let j = 0; j < list.length; j++) {
      const fd = fdFor(list[j], `${names[i]}[${j}]`, 'select', 0);
      if (fd >= FD_SETSIZE) {
        throw outOfRange(`${names[i]}[${j}]`, `< FD_SETSIZE (${FD_SETSIZE}) for select(); use poll() for larger fds`, fd);
      }
      fdList.push(fd);
    }
    fds.push(fdList);
  }
  // select's timeval takes far more than poll's int; 2^31 ms (24 days) is still a generous cap.
  const timeout = validateTimeout(timeoutMs);
  const result = native.select(fds[0]!, fds[1]!, fds[2]!, timeout);
  if (typeof result === 'number') throw syscallError('select', result);
  const pick = (i: 0 | 1 | 2): T[] => {
    const ready = new Set(result[i]);
    return (lists[i] as readonly T[]).filter((_, j) => ready.has(fds[i]![j]!));
  };
  return { read: pick(0), write: pick(1), except: pick(2) };
}

/**
 * One entry of poll(): what to watch (POLLIN, POLLOUT, POLLPRI, POLLRDHUP ...).
 *
 * @category select and poll
 */
export interface PollEntry<T extends Pollable = Pollable> {
  /** A Socket of either flavour, or an fd number (a negative one is ignored, as in C). */
  fd: T;
  /** The POLL* events wanted, or'ed: 0 to 0xffff. POLLERR, POLLHUP and POLLNVAL are always reported. */
  events: number;
}

/**
 * A ready entry: `revents` as the kernel set it (may include POLLERR, POLLHUP, POLLNVAL).
 *
 * @category select and poll
 */
export interface PollReady<T extends Pollable = Pollable> extends PollEntry<T> {
  /** The events that occurred, or'ed POLL* bits; never 0 in poll()'s result. */
  revents: number;
}

/**
 * Waits until fds are ready: poll(2) on any fd numbers or Sockets, with no FD_SETSIZE limit (a
 * negative fd is ignored, as in C). Returns the entries whose `revents` is not zero, in the order
 * given; an empty array on timeout. `timeoutMs`: null or undefined waits forever, 0 just checks, at
 * most 2^31-1. After EINTR it waits again until the original deadline.
 *
 * Blocks the calling thread (the promise flavour's poll does not). A fractional timeout is rounded up
 * to whole milliseconds. An fd number that is not open is reported with POLLNVAL, not thrown.
 *
 * @param entries - What to watch: `{ fd, events }` each.
 * @param timeoutMs - Milliseconds, 0 to 2^31-1; null (the default) waits forever.
 * @returns The ready entries, each with its `revents`.
 * @throws {@link SocketError} from poll(2), `syscall` 'poll':
 * - `EBADF`: a Socket in the entries is closed (sockcall's own check);
 * - `EINVAL`: more entries than RLIMIT_NOFILE; `ENOMEM`: out of memory.
 * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) for entries that are not an array of objects with a
 * Socket or fd number, or `RangeError` (`ERR_OUT_OF_RANGE`) for `events` or a timeout out of range,
 * before any syscall.
 * @see {@link https://man7.org/linux/man-pages/man2/poll.2.html | poll(2)}
 * @example
 * ```ts
 * const entries: PollEntry[] = [{ fd: conn, events: POLLIN | POLLRDHUP }, { fd: process.stdin.fd, events: POLLIN }];
 * for (const { fd, revents } of poll(entries, 1_000)) {
 *   if (revents & (POLLHUP | POLLRDHUP)) console.log('hang-up on', fd);
 * }
 * ```
 *
 * @category select and poll
 */
export function poll<T extends Pollable>(entries: readonly PollEntry<T>[], timeoutMs: number | null = null): PollReady<T>[] {
  if (!Array.isArray(entries)) throw invalidArgType('entries', 'an array', entries);
  const fds: number[] = [];
  const events: number[] = [];
  for (let i = 0; i < entries.length; i++) {
    const object = validateObject(entries[i], `entries[${i}]`);
    // A negative fd is allowed, as in C: poll(2) ignores the entry.
    fds.push(fdFor(object.fd, `entries[${i}].fd`, 'poll', INT32_MIN));
    events.push(validateInt(object.events, `entries[${i}].events`, 0, 0xffff));
  }
  const timeout = validateTimeout(timeoutMs);
  const result = native.poll(fds, events, Math.ceil(timeout));
  if (typeof result === 'number') throw syscallError('poll', result);
  const ready: PollReady<T>[] = [];
  result.forEach((revents, i) => {
    if (revents !== 0) ready.push({ fd: entries[i]!.fd, events: entries[i]!.events, revents });
  });
  return ready;
}
