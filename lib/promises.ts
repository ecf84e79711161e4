/// <reference types="node" preserve="true" />
/**
 * sockcall/promises: the same vocabulary as 'sockcall', awaited, the way node:fs/promises mirrors
 * node:fs. Calls that can wait return Promises and wait on Node's event loop (uv_poll on the
 * environment's own loop), never on the thread pool; calls that never wait stay synchronous.
 *
 * The calls that can wait (the Socket's accept, connect, send, sendAll, sendto, sendmsg, sendmmsg,
 * sendfile, sendfileAll, recv, recvInto, recvfrom, recvfromInto, recvmsg, recvmmsg, recvmmsgInto and chunks, an
 * Epoll's wait, and select, poll, getaddrinfo) take {@link WaitOptions} (`{ signal, timeout }`) last and
 * reject with an {@link AbortError}, an ETIMEDOUT or ECANCELED {@link SocketError}, or the syscall's
 * own SocketError. The constants, address types, SocketError and trace are the same as in `sockcall`.
 *
 * @example
 * ```ts
 * import { Socket, AF_INET, SOCK_STREAM } from 'sockcall/promises';
 *
 * const s = new Socket(AF_INET, SOCK_STREAM);
 * await s.connect({ address: '127.0.0.1', port: 3005 }, { timeout: 3_000 });
 * await s.sendAll('hello\n');
 * console.log(String(await s.recv(4096, { timeout: 5_000 })));
 * s.close();
 * ```
 *
 * @module sockcall/promises
 */
import { constants as osConstants } from 'node:os';

import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDHUP, POLLRDNORM, POLLWRNORM } from './constants';
import { invalidArgType, syscallError } from './errors';
import { type Addrinfo, addrinfoArguments, addrinfoError, type AddrinfoHints } from './getaddrinfo';
import { native, type NativePoller } from './native';
import {
  abortError,
  DISCONNECT,
  PRIORITIZED,
  promiseSocketFor,
  pollerRefusal,
  READABLE,
  Socket,
  timeoutError,
  unwatch,
  type WaitOptions,
  waitOptions,
  watch,
  type Watcher,
  WRITABLE,
} from './promise-socket';
import { fdFor, listOf, type PollEntry, type PollReady, type Pollable, type SelectResult } from './select';
import { fdOf } from './socket-base';
import { INT32_MAX, INT32_MIN, validateInt, validateObject, validateTimeout } from './validate';

const osErrno = osConstants.errno;

export * from './constants';
export type {
  AddressInput,
  DisconnectAddress,
  FamilyName,
  Inet6Address,
  InetAddress,
  InetAddressInput,
  PacketAddress,
  PacketAddressInput,
  SocketAddress,
  UnixAddress,
  UnixAddressInput,
  UnspecAddress,
} from './address';
export { type EpollEvent, type EpollTarget } from './epoll';
export { Epoll } from './promise-epoll';
export { type ErrorContext, SocketError } from './errors';
export type { Addrinfo, AddrinfoHints } from './getaddrinfo';
export { AbortError, Socket, type WaitOptions } from './promise-socket';
export type { PollEntry, PollReady, Pollable, SelectResult } from './select';
export type { TcpInfo, TcpState } from './layouts';
export { if_indextoname, if_nametoindex } from './interfaces';
export { trace, type TraceOptions, type TraceSink } from './trace';
export { traceView, type TraceViewOptions } from './trace-view';
export {
  CMSG_ALIGN,
  CMSG_LEN,
  CMSG_SPACE,
  type ControlMessage,
  type ReceivedCredentials,
  type ReceivedFds,
  type MmsgMessage,
  type ReceivedMessage,
  type RecvmmsgIntoOptions,
  type RecvmmsgOptions,
  type RecvmsgOptions,
  type RecvmsgResult,
  type SendmsgOptions,
} from './msg';
export { type ChunksOptions, MAX_RECV_LENGTH, type OptionValue, type Received, type RecvfromIntoOptions, type SetOptionValue } from './socket-base';
export { type FileInput } from './validate';

/**
 * Resolves a host and port into socket addresses: getaddrinfo(3) on the libuv thread pool (name
 * resolution is the one job that belongs there). Abort and timeout reject at once; the lookup itself
 * cannot be interrupted and its result is dropped.
 *
 * Arguments and results as the blocking getaddrinfo. A lookup that never returns holds one of the
 * pool's threads (4 by default, shared with fs, dns and crypto) until the resolver gives up.
 *
 * @param host - A host name, a numeric address, or null (with AI_PASSIVE: the wildcard; else loopback).
 * @param port - A port number (0 to 65535), a service name ('http'), or null/undefined for port 0.
 * @param hints - Family, type, protocol and AI_* flags: see {@link AddrinfoHints}.
 * @param options - `signal` and `timeout` for the wait.
 * @returns The addresses, at least one.
 * @throws Rejects (it never throws) with:
 * - {@link AbortError} when `options.signal` aborts, or already has;
 * - {@link SocketError} `ETIMEDOUT` (`syscall` 'getaddrinfo', with `hostname`) when `options.timeout` passes;
 * - {@link SocketError} `syscall` 'getaddrinfo', `code` `EAI_NONAME`, `EAI_AGAIN`, `EAI_FAIL`,
 *   `EAI_SERVICE`, `EAI_FAMILY`, `EAI_SOCKTYPE`, `EAI_BADFLAGS`, `EAI_ADDRFAMILY`, `EAI_NODATA`,
 *   `EAI_MEMORY`, or an errno name for EAI_SYSTEM;
 * - `TypeError` / `RangeError` for a bad `host`, `port`, `hints` or `options`.
 * @see {@link https://man7.org/linux/man-pages/man3/getaddrinfo.3.html | getaddrinfo(3)}
 * @example
 * ```ts
 * const [{ address }] = await getaddrinfo('localhost', 3005, { type: SOCK_STREAM }, { timeout: 2_000 });
 * const s = new Socket(address.family === 'AF_INET6' ? AF_INET6 : AF_INET, SOCK_STREAM);
 * await s.connect(address);
 * ```
 *
 * @category Name resolution
 */
export function getaddrinfo(
  host: string | null,
  port?: number | string | null,
  hints: AddrinfoHints = {},
  options?: WaitOptions,
): Promise<Addrinfo[]> {
  try {
    const args = addrinfoArguments(host, port, hints);
    const { signal, timeout } = waitOptions(options);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const lookup = new Promise<Addrinfo[]>((resolve, reject) => {
      native.getaddrinfoAsync(...args, (result) => {
        if (Array.isArray(result)) resolve(result as Addrinfo[]);
        else reject(addrinfoError(result, args[0]));
      });
    });
    if (signal === undefined && timeout === undefined) return lookup;
    return new Promise((resolve, reject) => {
      const context = args[0] === null ? {} : { hostname: args[0] };
      const timer = timeout === undefined ? undefined : setTimeout(() => finish(timeoutError('getaddrinfo', timeout, context)), timeout);
      const onAbort = (): void => finish(abortError(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });
      function finish(error?: unknown, value?: Addrinfo[]): void {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve(value!);
        else reject(error);
      }
      lookup.then(
        (value) => finish(undefined, value),
        (error: unknown) => finish(error),
      );
    });
  } catch (error) {
    return Promise.reject(error);
  }
}

/** One fd to watch, with the poll(2) events wanted and the promise Socket that owns it, if any. */
interface Target {
  fd: number;
  events: number;
  owner: Socket | undefined;
}

function uvEvents(pollEvents: number): number {
  let mask = 0;
  if (pollEvents & (POLLIN | POLLRDNORM)) mask |= READABLE;
  if (pollEvents & (POLLOUT | POLLWRNORM)) mask |= WRITABLE;
  if (pollEvents & POLLPRI) mask |= PRIORITIZED;
  if (pollEvents & POLLRDHUP) mask |= DISCONNECT;
  // Nothing asked for: still woken for errors and hang-ups, which epoll always reports, and not by
  // plain readability (which would wake a wait that poll(2) would not end).
  return mask === 0 ? PRIORITIZED : mask;
}

/**
 * Waits until poll(2) with timeout 0 reports something `isReady` accepts for `targets`, or
 * `timeoutMs` passes (-1: never). Each check is a real poll(2) call; the waiting in between is done
 * by uv_poll handles: the owning promise Socket's own, or a temporary one on a duplicate of any other
 * fd. The duplicate (F_DUPFD_CLOEXEC) is closed afterwards, so the original fd number is never
 * touched after the wait began, even if its owner closes it and the number is reused; and since
 * uv_poll_init makes the fd non-blocking for every user of it while the wait lasts, the blocking
 * mode is restored (through the duplicate: it shares the open file).
 */
function waitReady(
  targets: Target[],
  timeoutMs: number,
  options: WaitOptions,
  syscall: string,
  isReady: (revents: number[]) => boolean,
): Promise<number[]> {
  const fds = targets.map((target) => target.fd);
  const events = targets.map((target) => target.events);
  const check = (): number[] => {
    for (const target of targets) if (target.owner !== undefined) fdOf(target.owner, syscall);
    const result = native.poll(fds, events, 0);
    if (typeof result === 'number') throw syscallError(syscall, result);
    return result;
  };
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  let first: number[];
  try {
    first = check();
  } catch (error) {
    return Promise.reject(error);
  }
  if (isReady(first) || timeoutMs === 0) return Promise.resolve(first);
  const deadline = timeoutMs < 0 ? Infinity : Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const watchers: [Socket, Watcher][] = [];
    const temporary: [NativePoller, number, boolean][] = [];
    let timer: NodeJS.Timeout | undefined;
    let limit: NodeJS.Timeout | undefined;
    let finished = false;
    const stop = (): void => {
      finished = true;
      if (timer !== undefined) clearTimeout(timer);
      if (limit !== undefined) clearTimeout(limit);
      signal?.removeEventListener('abort', onAbort);
      for (const [socket, watcher] of watchers.splice(0)) unwatch(socket, watcher);
      for (const [poller, duplicate, wasBlocking] of temporary.splice(0)) {
        poller.close();
        if (wasBlocking) native.setBlocking(duplicate, 1);
        native.close(duplicate);
      }
    };
    const onAbort = (): void => {
      stop();
      reject(abortError(signal!));
    };
    const onReady = (): void => {
      if (finished) return;
      let result: number[];
      try {
        result = check();
      } catch (error) {
        stop();
        reject(error);
        return;
      }
      if (isReady(result)) {
        stop();
        resolve(result);
      }
      // Otherwise the readiness was taken by someone else (a recv on the same socket): keep waiting.
    };
    try {
      const seen = new Map<number, Target>();
      for (const target of targets) {
        const merged = seen.get(target.fd);
        if (merged) merged.events |= target.events;
        else seen.set(target.fd, { ...target });
      }
      for (const target of seen.values()) {
        const owner = target.owner ?? promiseSocketFor(target.fd);
        const mask = uvEvents(target.events);
        if (owner !== undefined) {
          const watcher: Watcher = { events: mask, notify: onReady };
          watch(owner, watcher);
          watchers.push([owner, watcher]);
        } else {
          const duplicate = native.dup(target.fd, 0);
          if (duplicate < 0) throw syscallError(syscall, duplicate);
          const wasBlocking = native.getBlocking(duplicate) === 1;
          let poller: NativePoller;
          try {
            poller = new native.Poller(duplicate, onReady);
          } catch (error) {
            native.close(duplicate);
            throw syscallError(syscall, pollerRefusal(error));
          }
          temporary.push([poller, duplicate, wasBlocking]);
          const status = poller.start(mask);
          if (status < 0) throw syscallError(syscall, status);
        }
      }
    } catch (error) {
      stop();
      reject(error);
      return;
    }
    if (deadline !== Infinity) {
      timer = setTimeout(() => {
        stop();
        resolve(fds.map(() => 0));
      }, Math.max(0, deadline - Date.now()));
      // The poll handles keep the process alive while the wait matters (unless unref'd): the
      // timers must not on their own, as with every other waiting call.
      timer.unref();
    }
    // options.timeout, as on every waiting call: a rejection, where timeoutMs resolves empty.
    if (options.timeout !== undefined) {
      limit = setTimeout(() => {
        stop();
        reject(timeoutError(syscall, options.timeout!));
      }, options.timeout);
      limit.unref();
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function targetFor(item: unknown, name: string, syscall: string, min: number): { fd: number; owner: Socket | undefined } {
  return { fd: fdFor(item, name, syscall, min), owner: item instanceof Socket ? item : undefined };
}

/**
 * Waits until sockets are ready, without blocking the thread: the readiness of `select()`, awaited.
 * Resolves with the ready subset of each list (the same objects), all empty when `timeoutMs` passes
 * (null: no limit). Readable includes EOF, errors and hang-ups, as select(2) reports them. There is no
 * FD_SETSIZE limit: no fd_set is involved.
 *
 * Readiness is decided by a real poll(2) with timeout 0, made at once and again on each wake-up; the
 * waiting in between is done by the promise Sockets' own uv_poll handles, or by a temporary one on a
 * duplicate of any other fd (whose blocking mode is restored afterwards). Do not pass fds that Node
 * itself watches (a net.Socket's): libuv allows one poll handle per fd. An fd number that is not open
 * rejects with EBADF, as select(2) fails. As in C, closing a bare fd number's file elsewhere during
 * the wait does not end it (the kernel, and the duplicate waited on, keep the file open).
 *
 * @param read - Sockets or fds to watch for reading (or accepting); null or undefined for none.
 * @param write - To watch for writing (or the end of a connect).
 * @param except - To watch for exceptional conditions (out-of-band data).
 * @param timeoutMs - Milliseconds, 0 to 2^31-1; null (the default) waits without limit.
 * @param options - `signal` aborts the wait; `timeout` rejects it with ETIMEDOUT (where `timeoutMs`
 * resolves with nothing ready).
 * @returns The ready subset of each list.
 * @throws Rejects (it never throws) with:
 * - {@link AbortError} when `options.signal` aborts, or already has;
 * - {@link SocketError} `ETIMEDOUT` when `options.timeout` passes first;
 * - {@link SocketError} `EBADF` (`syscall` 'select') when a Socket in the lists is closed, before or
 *   during the wait;
 * - {@link SocketError} from poll(2) or the uv_poll handle, `syscall` 'select' (`ENOMEM` ...);
 * - `TypeError` / `RangeError` for lists that are not arrays, entries that are not Sockets or fds,
 *   a timeout out of range, or bad `options`.
 * @see {@link https://man7.org/linux/man-pages/man2/select.2.html | select(2)}
 * @example
 * ```ts
 * const ready = await select([listener, conn], [], [], 30_000);
 * if (ready.read.includes(listener)) clients.push(await listener.accept());
 * ```
 *
 * @category select and poll
 */
export function select<T extends Pollable>(
  read: readonly T[],
  write: readonly T[] = [],
  except: readonly T[] = [],
  timeoutMs: number | null = null,
  options?: WaitOptions,
): Promise<SelectResult<T>> {
  try {
    const lists = [listOf(read, 'read'), listOf(write, 'write'), listOf(except, 'except')] as const;
    const names = ['read', 'write', 'except'] as const;
    const wanted = [POLLIN, POLLOUT, POLLPRI] as const;
    const targets: Target[] = [];
    for (let i = 0; i < 3; i++) {
      const list = lists[i]!;
      for (let j = 0; j < list.length; j++) {
        targets.push({ ...targetFor(list[j], `${names[i]}[${j}]`, 'select', 0), events: wanted[i]! });
      }
    }
    const timeout = validateTimeout(timeoutMs, 'timeoutMs', INT32_MAX);
    const wait = waitOptions(options);
    // What makes each list's entry ready, as select(2) reports it (POLLNVAL: a closed fd).
    const ready = [POLLIN | POLLHUP | POLLERR | POLLNVAL, POLLOUT | POLLERR | POLLHUP | POLLNVAL, POLLPRI | POLLNVAL] as const;
    const masks = targets.map((target) => ready[[POLLIN, POLLOUT, POLLPRI].indexOf(target.events)]!);
    const isReady = (revents: number[]): boolean => revents.some((value, i) => (value & masks[i]!) !== 0);
    return waitReady(targets, timeout, wait, 'select', isReady).then((revents) => {
      // An fd number that is not open: select(2) fails with EBADF, and so does this.
      if (revents.some((value) => (value & POLLNVAL) !== 0)) throw syscallError('select', -osErrno.EBADF);
      const result: SelectResult<T> = { read: [], write: [], except: [] };
      let index = 0;
      for (let i = 0; i < 3; i++) {
        const out = [result.read, result.write, result.except][i]!;
        for (const item of lists[i]!) {
          if ((revents[index++]! & ready[i]!) !== 0) out.push(item as T);
        }
      }
      return result;
    });
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Waits until fds are ready, without blocking the thread: the readiness of `poll()`, awaited. Resolves
 * with the entries whose revents is not zero (the same objects' fd and events), or [] when `timeoutMs`
 * passes (null: no limit).
 *
 * Readiness is decided by a real poll(2) with timeout 0, the waiting done on the event loop as for
 * {@link select}. A negative fd is ignored; an fd number that is not open resolves at once with
 * POLLNVAL.
 *
 * @param entries - What to watch: `{ fd, events }` each.
 * @param timeoutMs - Milliseconds, 0 to 2^31-1; null (the default) waits without limit.
 * @param options - `signal` aborts the wait; `timeout` rejects it with ETIMEDOUT (where `timeoutMs`
 * resolves with nothing ready).
 * @returns The ready entries, each with its `revents`.
 * @throws Rejects (it never throws) with:
 * - {@link AbortError} when `options.signal` aborts, or already has;
 * - {@link SocketError} `ETIMEDOUT` when `options.timeout` passes first;
 * - {@link SocketError} `EBADF` (`syscall` 'poll') when a Socket in the entries is closed, before or
 *   during the wait;
 * - {@link SocketError} from poll(2) or the uv_poll handle, `syscall` 'poll' (`ENOMEM` ...);
 * - `TypeError` / `RangeError` for entries that are not an array of `{ fd, events }`, `events` or a
 *   timeout out of range, or bad `options`.
 * @see {@link https://man7.org/linux/man-pages/man2/poll.2.html | poll(2)}
 * @example
 * ```ts
 * const [ready] = await poll([{ fd: conn, events: POLLIN | POLLRDHUP }], 10_000);
 * if (ready && ready.revents & POLLRDHUP) conn.close();
 * ```
 *
 * @category select and poll
 */
export function poll<T extends Pollable>(
  entries: readonly PollEntry<T>[],
  timeoutMs: number | null = null,
  options?: WaitOptions,
): Promise<PollReady<T>[]> {
  try {
    if (!Array.isArray(entries)) throw invalidArgType('entries', 'an array', entries);
    const targets: Target[] = [];
    for (let i = 0; i < entries.length; i++) {
      const object = validateObject(entries[i], `entries[${i}]`);
      const target = targetFor(object.fd, `entries[${i}].fd`, 'poll', INT32_MIN);
      targets.push({ ...target, events: validateInt(object.events, `entries[${i}].events`, 0, 0xffff) });
    }
    const timeout = validateTimeout(timeoutMs, 'timeoutMs', INT32_MAX);
    const wait = waitOptions(options);
    // Negative fds are ignored, as poll(2) does: leave them out of the waiting.
    const watched = targets.filter((target) => target.fd >= 0);
    const anything = (revents: number[]): boolean => revents.some((value) => value !== 0);
    return waitReady(watched.length === targets.length ? targets : watched, timeout, wait, 'poll', anything).then((revents) => {
      const byTarget = new Map(watched.map((target, i) => [target, revents[i]!]));
      const ready: PollReady<T>[] = [];
      targets.forEach((target, i) => {
        const value = byTarget.get(target) ?? 0;
        if (value !== 0) ready.push({ fd: entries[i]!.fd, events: entries[i]!.events, revents: value });
      });
      return ready;
    });
  } catch (error) {
    return Promise.reject(error);
  }
}
