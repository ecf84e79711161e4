// epoll(7): an Epoll owns an epoll instance's fd as a Socket owns its own. The blocking flavour's
// wait() is epoll_wait(2) on the calling thread; the promise flavour's (lib/promise-epoll.ts) waits
// for the epoll fd to turn readable on the event loop, then calls epoll_wait(2) with timeout 0.
import { constants as osConstants } from 'node:os';
import { inspect, type InspectOptionsStylized } from 'node:util';

import {
  EPOLL_CLOEXEC,
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_CTL_MOD,
  EPOLLERR,
  EPOLLET,
  EPOLLEXCLUSIVE,
  EPOLLHUP,
  EPOLLIN,
  EPOLLONESHOT,
  EPOLLOUT,
  EPOLLPRI,
  EPOLLRDHUP,
  EPOLLWAKEUP,
} from './constants';
import { invalidArgValue, SocketError, syscallError } from './errors';
import { bitNames, epollEventNames } from './names';
import { native } from './native';
import { fdFor } from './select';
import type { SocketBase } from './socket-base';
import { INT32_MIN, validateInt, validateTimeout } from './validate';

/**
 * What an Epoll can watch: a Socket of either flavour (must be open; its fd is used) or any fd
 * number (a pipe, a timerfd, another library's socket), which sockcall does not own.
 *
 * @category epoll
 */
export type EpollTarget = SocketBase | number;

/**
 * One ready fd, as epoll_wait(2) reports it: `data.fd` (the fd given to {@link Epoll.ctl}) and the
 * events that occurred.
 *
 * @category epoll
 */
export interface EpollEvent {
  /** The fd number watched (for a Socket, its `fd`). */
  fd: number;
  /** The EPOLL* bits that occurred (EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLPRI, EPOLLERR, EPOLLHUP), or'ed. */
  events: number;
}

/** The most events one wait asks for: the fds a default system lets a process open (fs.nr_open). */
export const MAX_EPOLL_EVENTS = 1 << 20;

/** Every bit Epoll.ctl() takes, as a uint32. */
const KNOWN_EVENTS =
  (EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLRDHUP | EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP) >>> 0;

const EBADF = -osConstants.errno.EBADF;

/** What closing an Epoll nobody closed needs, kept apart from the Epoll (see socket-base.ts). */
interface Unclosed {
  fd: number;
}

const unclosed = new FinalizationRegistry<Unclosed>((held) => {
  if (held.fd < 0) return;
  native.close(held.fd);
  process.emitWarning(`Closing epoll fd ${held.fd} on garbage collection: close() every Epoll you are done with`, {
    code: 'SOCKCALL_UNCLOSED_EPOLL',
  });
});

/** Reads an Epoll's fd for a syscall, throwing EBADF if it is closed. For lib/ only. */
export let epollFdOf: (epoll: EpollBase, syscall: string) => number;

/**
 * The part of an epoll instance both flavours share: `new Epoll()` (epoll_create1(2)), ctl(),
 * close(). The Epoll of `sockcall` and the one of `sockcall/promises` extend it, and differ only in
 * wait(). Not exported.
 */
export class EpollBase implements Disposable {
  #fd: number;
  #formerFd = -1;
  #unclosed: Unclosed;
  /** Where epoll_wait writes its events: [events, fd] pairs, grown to the largest maxEvents asked. */
  #out = new Int32Array(0);

  static {
    epollFdOf = (epoll, syscall) => epoll.#open(syscall);
  }

  /**
   * Creates an epoll instance: `epoll_create1(EPOLL_CLOEXEC)`. The Epoll owns the fd, as a Socket
   * owns its own: close() releases it, a worker that exits closes the ones it left open, and one
   * collected without close() has its fd closed then, with a warning (SOCKCALL_UNCLOSED_EPOLL).
   *
   * @throws {@link SocketError} from epoll_create1(2), `syscall` 'epoll_create1': `EMFILE` / `ENFILE`
   * (out of fds), `ENOMEM` (out of memory, or fs.epoll.max_user_watches reached).
   * @see {@link https://man7.org/linux/man-pages/man2/epoll_create1.2.html | epoll_create1(2)}
   * @example
   * ```ts
   * using ep = new Epoll(); // int ep = epoll_create1(EPOLL_CLOEXEC);
   * ```
   */
  constructor() {
    const fd = native.epollCreate1(EPOLL_CLOEXEC);
    if (fd < 0) throw syscallError('epoll_create1', fd);
    this.#fd = fd;
    this.#unclosed = { fd };
    unclosed.register(this, this.#unclosed, this.#unclosed);
  }

  /** The epoll instance's fd, or -1 once closed. It is readable (POLLIN) while events are ready. */
  get fd(): number {
    return this.#fd;
  }

  /** False until close(), true after: then every call but close() fails with EBADF. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  #open(syscall: string): number {
    if (this.#fd < 0) {
      throw new SocketError(syscall, 'EBADF', EBADF, undefined, `the epoll instance is closed (fd ${this.#formerFd} was released by close())`);
    }
    return this.#fd;
  }

  /**
   * Adds, changes or removes an fd in the interest list: epoll_ctl(2). `op` is EPOLL_CTL_ADD,
   * EPOLL_CTL_MOD or EPOLL_CTL_DEL; `target` a Socket (its fd) or an fd number; `events` the EPOLL*
   * bits wanted, or'ed (EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLPRI, with EPOLLET, EPOLLONESHOT,
   * EPOLLEXCLUSIVE or EPOLLWAKEUP; EPOLLERR and EPOLLHUP are always reported). The event's data is
   * the fd: {@link Epoll.wait} reports it as `fd`.
   *
   * The kernel watches the open file, not the number: an fd closed while a duplicate of it (dup,
   * fork, SCM_RIGHTS) stays open keeps being reported, under the old number. Remove it with
   * EPOLL_CTL_DEL before closing it.
   *
   * @param op - EPOLL_CTL_ADD, EPOLL_CTL_MOD or EPOLL_CTL_DEL.
   * @param target - An open Socket of either flavour, or an fd number >= 0.
   * @param events - The EPOLL* bits, as a uint32 or an int32 (EPOLLET is bit 31, so `EPOLLIN | EPOLLET`
   * is negative in JS: both forms are taken). Required for ADD and MOD; for DEL
   * it may be left out (a NULL event, as C passes since Linux 2.6.9).
   * @throws {@link SocketError} from epoll_ctl(2), `syscall` 'epoll_ctl':
   * - `EEXIST`: ADD of an fd already in the list; `ENOENT`: MOD or DEL of one that is not;
   * - `EBADF`: the Epoll or a Socket given is closed, or the fd number is not open;
   * - `EPERM`: the fd cannot be watched (a regular file or a directory);
   * - `EINVAL`: the fd is the epoll instance itself, or EPOLLEXCLUSIVE with MOD (or on an epoll fd);
   * - `ELOOP`: epoll instances watching each other in a cycle, or nested too deep;
   * - `ENOMEM` / `ENOSPC`: out of memory, or fs.epoll.max_user_watches reached.
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE`) for an `op` that is not
   * one of the three, a target that is not a Socket or fd number, or events with a bit that is not
   * an EPOLL* event; `RangeError` (`ERR_OUT_OF_RANGE`) for numbers out of range. All before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/epoll_ctl.2.html | epoll_ctl(2)}
   * @example
   * ```ts
   * ep.ctl(EPOLL_CTL_ADD, listener, EPOLLIN); // ev.events = EPOLLIN; ev.data.fd = sd; epoll_ctl(ep, EPOLL_CTL_ADD, sd, &ev)
   * ep.ctl(EPOLL_CTL_MOD, conn, EPOLLOUT);
   * ep.ctl(EPOLL_CTL_DEL, conn); // epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL)
   * ```
   */
  ctl(op: number, target: EpollTarget, events?: number): void {
    validateInt(op, 'op');
    if (op !== EPOLL_CTL_ADD && op !== EPOLL_CTL_MOD && op !== EPOLL_CTL_DEL) {
      throw invalidArgValue('op', op, 'must be EPOLL_CTL_ADD, EPOLL_CTL_MOD or EPOLL_CTL_DEL');
    }
    const epfd = this.#open('epoll_ctl');
    const fd = fdFor(target, 'target', 'epoll_ctl', 0);
    let mask: number | null = null;
    if (events !== undefined || op !== EPOLL_CTL_DEL) {
      // Either form of bit 31: `EPOLLIN | EPOLLET` is negative in JS (the | makes an int32).
      mask = validateInt(events, 'events', INT32_MIN, 0xffffffff) >>> 0;
      if ((mask & ~KNOWN_EVENTS) !== 0) {
        const unknown = bitNames(epollEventNames, mask & ~KNOWN_EVENTS);
        throw invalidArgValue('events', events, `has bits that are not EPOLL* events: ${unknown} (the events are ${bitNames(epollEventNames, KNOWN_EVENTS | 0)})`);
      }
    }
    const result = native.epollCtl(epfd, op, fd, mask);
    if (result < 0) throw syscallError('epoll_ctl', result);
  }

  /**
   * epoll_wait(2) for at most `timeout` ms (-1: no limit), its events read out of the shared buffer.
   * @internal
   */
  protected waitFor(maxEvents: number, timeout: number): EpollEvent[] {
    const epfd = this.#open('epoll_wait');
    if (this.#out.length < 2 * maxEvents) this.#out = new Int32Array(2 * maxEvents);
    const out = this.#out;
    const count = native.epollWait(epfd, maxEvents, timeout, out);
    if (count < 0) throw syscallError('epoll_wait', count);
    const ready: EpollEvent[] = new Array(count);
    for (let i = 0; i < count; i++) ready[i] = { fd: out[2 * i + 1]!, events: out[2 * i]! >>> 0 };
    return ready;
  }

  /**
   * Releases the fd: close(2). Idempotent: a second call does nothing and never touches the old fd
   * number. The kernel drops the interest list with the last fd that refers to the instance.
   *
   * @throws {@link SocketError} from close(2), `syscall` 'close' (rare; the fd is released anyway).
   * @see {@link https://man7.org/linux/man-pages/man2/close.2.html | close(2)}
   */
  close(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    this.#formerFd = fd;
    this.#unclosed.fd = -1;
    unclosed.unregister(this.#unclosed);
    const result = native.close(fd);
    if (result < 0) throw syscallError('close', result);
  }

  /** close() for a `using` declaration. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** What `util.inspect` shows: `Epoll { fd: 7, state: 'open' }`. */
  [inspect.custom](depth: number, options: InspectOptionsStylized, show: typeof inspect): string {
    if (depth < 0) return options.stylize(`[${this.constructor.name}]`, 'special');
    return `${this.constructor.name} ${show({ fd: this.#fd, state: this.#fd >= 0 ? 'open' : 'closed' }, { ...options, depth: 0 })}`;
  }
}

/** wait()'s maxEvents, checked. */
export function validateMaxEvents(value: unknown): number {
  return validateInt(value, 'maxEvents', 1, MAX_EPOLL_EVENTS);
}

/** wait()'s timeout: null, undefined or -1 wait without limit (-1), else 0 to 2^31-1 ms, rounded up. */
export function epollTimeout(value: unknown): number {
  return value === -1 ? -1 : Math.ceil(validateTimeout(value));
}

/**
 * An epoll instance (epoll(7)), blocking flavour: `new Epoll()` is epoll_create1(EPOLL_CLOEXEC),
 * {@link Epoll.ctl | ctl()} is epoll_ctl(2), {@link Epoll.wait | wait()} is epoll_wait(2).
 *
 * Where poll() is handed the whole list on every call, an Epoll keeps its interest list in the
 * kernel, and a wait costs in proportion to what is ready, not to what is watched: the server of
 * ten thousand connections. Level-triggered by default (an fd is reported for as long as it is
 * ready); EPOLLET makes it edge-triggered (reported when it becomes ready: read until EAGAIN, with
 * non-blocking sockets), EPOLLONESHOT reports it once until re-armed with EPOLL_CTL_MOD.
 *
 * @see {@link https://man7.org/linux/man-pages/man7/epoll.7.html | epoll(7)}
 * @example
 * ```ts
 * using ep = new Epoll();
 * ep.ctl(EPOLL_CTL_ADD, listener, EPOLLIN);
 * const conns = new Map<number, Socket>();
 * for (;;) {
 *   for (const { fd, events } of ep.wait(64, null)) {
 *     if (fd === listener.fd) {
 *       const conn = listener.accept();
 *       conns.set(conn.fd, conn);
 *       ep.ctl(EPOLL_CTL_ADD, conn, EPOLLIN | EPOLLRDHUP);
 *     } else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
 *       const conn = conns.get(fd)!;
 *       const data = conn.recv(4096);
 *       if (data.length === 0) {
 *         ep.ctl(EPOLL_CTL_DEL, conn);
 *         conns.delete(fd);
 *         conn.close();
 *       } else conn.sendAll(data);
 *     }
 *   }
 * }
 * ```
 *
 * @category epoll
 */
export class Epoll extends EpollBase {
  /**
   * Waits until fds in the interest list are ready: epoll_wait(2). Returns at most `maxEvents` of
   * them, each `{ fd, events }`; an empty array when `timeoutMs` passes. `timeoutMs`: null (the
   * default), undefined or -1 waits without limit, 0 just checks, else up to 2^31-1 ms (a fraction
   * is rounded up). After EINTR it waits again until the original deadline.
   *
   * Blocks the calling thread (the promise flavour's wait does not). With more than `maxEvents`
   * ready, the kernel hands them out in turn over successive waits.
   *
   * @param maxEvents - The most events to return, 1 to 1,048,576 (C's maxevents).
   * @param timeoutMs - Milliseconds; null, undefined or -1 waits without limit; 0 polls.
   * @returns The ready fds with their events, in the kernel's order.
   * @throws {@link SocketError} from epoll_wait(2), `syscall` 'epoll_wait': `EBADF` when the Epoll
   * is closed (sockcall's own check).
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) or `RangeError` (`ERR_OUT_OF_RANGE`) for maxEvents
   * or a timeout out of range, before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/epoll_wait.2.html | epoll_wait(2)}
   * @example
   * ```ts
   * for (const { fd, events } of ep.wait(64, 1_000)) { // n = epoll_wait(ep, events, 64, 1000)
   *   if (events & EPOLLIN) console.log(`fd ${fd} is readable`);
   * }
   * ```
   */
  wait(maxEvents: number, timeoutMs: number | null = null): EpollEvent[] {
    return this.waitFor(validateMaxEvents(maxEvents), epollTimeout(timeoutMs));
  }
}
