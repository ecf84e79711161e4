// select(2) and poll(2) over Sockets or plain fd numbers.
import { FD_SETSIZE } from './constants';
import { invalidArgType, outOfRange, syscallError } from './errors';
import { native } from './native';
import { fdOf, SocketBase } from './socket-base';
import { INT32_MIN, validateInt, validateObject, validateTimeout } from './validate';

/** Anything select/poll can watch: a Socket of either flavour (must be open) or an fd number. */
export type Pollable = SocketBase | number;

/** The ready subset of each list, holding the same objects that were passed in. */
export interface SelectResult<T extends Pollable> {
  read: T[];
  write: T[];
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
 * select(2): waits until a socket in `read` is readable (or a listener has a connection), one in
 * `write` is writable, or one in `except` has an exceptional condition (out-of-band data), or
 * `timeoutMs` passes (null or undefined: wait forever; 0: just check). Returns the ready ones; all
 * empty on timeout. An fd >= FD_SETSIZE (1024) is refused with a RangeError: FD_SET on it would write
 * past the fd_set; use poll() for those. After EINTR it waits again until the original deadline.
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

/** One entry of poll(): what to watch (POLLIN, POLLOUT, POLLPRI, POLLRDHUP ...). */
export interface PollEntry<T extends Pollable = Pollable> {
  fd: T;
  events: number;
}

/** A ready entry: `revents` as the kernel set it (may include POLLERR, POLLHUP, POLLNVAL). */
export interface PollReady<T extends Pollable = Pollable> extends PollEntry<T> {
  revents: number;
}

/**
 * poll(2) on any fd numbers or Sockets, with no FD_SETSIZE limit (a negative fd is ignored, as in
 * C). Returns the entries whose
 * `revents` is not zero, in the order given; an empty array on timeout. `timeoutMs`: null or
 * undefined waits forever, 0 just checks, at most 2^31-1. After EINTR it waits again until the
 * original deadline.
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
