// The promise flavour's Epoll: ctl() and close() as in the blocking flavour; wait() awaits the epoll
// fd's readability through the public poll() (the event loop's own uv_poll, never a thread), then
// takes the events with epoll_wait(2) and timeout 0.
import { constants as osConstants } from 'node:os';

import { POLLIN } from './constants';
import { SocketError } from './errors';
import { EpollBase, type EpollEvent, epollFdOf, epollTimeout, validateMaxEvents } from './epoll';
import { abortError, timeoutError, type WaitOptions, waitOptions } from './promise-socket';
import { poll } from './promises';

/**
 * An epoll instance (epoll(7)) whose {@link Epoll.wait | wait()} does not block the thread:
 * `new Epoll()`, ctl() and close() are those of `sockcall`'s Epoll.
 *
 * The wait is made on the epoll fd itself, which is readable while events are ready: epoll_wait(2)
 * with timeout 0 first, and while it finds nothing, a wait on the event loop for the epoll fd to
 * turn readable (through {@link poll}), then epoll_wait(2) with timeout 0 again.
 *
 * @see {@link https://man7.org/linux/man-pages/man7/epoll.7.html | epoll(7)}
 * @example
 * ```ts
 * using ep = new Epoll();
 * ep.ctl(EPOLL_CTL_ADD, conn, EPOLLIN | EPOLLRDHUP);
 * for (const { events } of await ep.wait(16, 5_000)) {
 *   if (events & EPOLLRDHUP) console.log('the peer has finished sending');
 * }
 * ```
 *
 * @category epoll
 */
export class Epoll extends EpollBase {
  /** What each pending wait aborts when close() cancels it. */
  #pending = new Set<AbortController>();

  /**
   * Waits until fds in the interest list are ready, on the event loop: the readiness of epoll_wait(2),
   * awaited. Resolves with at most `maxEvents` of them, each `{ fd, events }`, or [] when `timeoutMs`
   * passes. `timeoutMs`: null (the default), undefined or -1 waits without limit, 0 just checks.
   *
   * @param maxEvents - The most events to return, 1 to 1,048,576 (C's maxevents).
   * @param timeoutMs - Milliseconds; null, undefined or -1 waits without limit; 0 polls.
   * @param options - `signal` aborts the wait; `timeout` rejects it with ETIMEDOUT (where `timeoutMs`
   * resolves with nothing ready).
   * @returns The ready fds with their events.
   * @throws Rejects (it never throws) with:
   * - {@link AbortError} when `options.signal` aborts, or already has;
   * - {@link SocketError} `ETIMEDOUT` (`syscall` 'epoll_wait') when `options.timeout` passes first;
   * - {@link SocketError} `ECANCELED` when close() is called during the wait, `EBADF` when the Epoll
   *   is closed before it;
   * - {@link SocketError} from epoll_wait(2) or the wait on the event loop;
   * - `TypeError` / `RangeError` for maxEvents or a timeout out of range, or bad `options`.
   * @see {@link https://man7.org/linux/man-pages/man2/epoll_wait.2.html | epoll_wait(2)}
   * @example
   * ```ts
   * const ready = await ep.wait(64, null, { signal: AbortSignal.timeout(10_000) });
   * ```
   */
  async wait(maxEvents: number, timeoutMs: number | null = null, options?: WaitOptions): Promise<EpollEvent[]> {
    const max = validateMaxEvents(maxEvents);
    const timeout = epollTimeout(timeoutMs);
    const { signal, timeout: limit } = waitOptions(options);
    if (signal?.aborted) throw abortError(signal);
    const started = performance.now();
    const deadline = timeout < 0 ? Infinity : started + timeout;
    const limitDeadline = limit === undefined ? Infinity : started + limit;
    const cancel = new AbortController();
    const waitSignal = signal === undefined ? cancel.signal : AbortSignal.any([signal, cancel.signal]);
    this.#pending.add(cancel);
    try {
      for (;;) {
        const ready = this.waitFor(max, 0);
        if (ready.length > 0 || timeout === 0) return ready;
        const now = performance.now();
        if (now >= deadline) return [];
        if (now >= limitDeadline) throw timeoutError('epoll_wait', limit!);
        const left = Math.min(deadline, limitDeadline) - now;
        try {
          // Readable: events are ready (or were: another waiter may take them, and then this waits again).
          await poll([{ fd: epollFdOf(this, 'epoll_wait'), events: POLLIN }], left === Infinity ? null : Math.ceil(left), { signal: waitSignal });
        } catch (error) {
          if (cancel.signal.aborted) {
            throw new SocketError('epoll_wait', 'ECANCELED', -osConstants.errno.ECANCELED, undefined, 'cancelled by close()');
          }
          throw error;
        }
      }
    } finally {
      this.#pending.delete(cancel);
    }
  }

  /**
   * Releases the fd: close(2); a wait still pending rejects with ECANCELED. Idempotent.
   *
   * @throws {@link SocketError} from close(2), `syscall` 'close' (rare; the fd is released anyway).
   * @see {@link https://man7.org/linux/man-pages/man2/close.2.html | close(2)}
   */
  override close(): void {
    for (const cancel of this.#pending) cancel.abort();
    this.#pending.clear();
    super.close();
  }
}
