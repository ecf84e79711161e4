// The blocking Socket: the calls that can wait (accept, connect, send, recv and friends) made on the
// calling thread, exactly as the equivalent C makes them, blocking as C would.
import { constants as osConstants } from 'node:os';

import type { AddressInput, DisconnectAddress } from './address';
import { MSG_DONTWAIT, MSG_NOSIGNAL, SO_RCVTIMEO, SO_SNDTIMEO, SOCK_CLOEXEC, SOCK_NONBLOCK } from './constants';
import { details, type ErrorContext, sendAllProgress, type SocketError, syscallError, wouldBlockError } from './errors';
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
import { native } from './native';
import { receive, receiveFrom, receiveFromInto } from './receive';
import { ADOPT, chunkSize, type ChunksOptions, endsAtEmpty, fdOf, inheritWaits, MAX_RECV_LENGTH, type Received, type RecvfromIntoOptions, SocketBase, timeoutDetail } from './socket-base';
import { ACCEPT_FLAGS, asBytes, type FileInput, RECV_FLAGS, SEND_FLAGS, sendfileArguments, toSendable, validateFlags, validateInt, validateView } from './validate';

export { type ChunksOptions, MAX_RECV_LENGTH, type OptionValue, type Received, type RecvfromIntoOptions, type SetOptionValue } from './socket-base';

const EAGAIN = -osConstants.errno.EAGAIN;
const EINPROGRESS = -osConstants.errno.EINPROGRESS;

/**
 * The error of a blocking call that returned `-errno`. An EAGAIN (a connect's EINPROGRESS) that
 * the socket's own SO_RCVTIMEO or SO_SNDTIMEO caused says it timed out; one from a non-blocking
 * socket or MSG_DONTWAIT reads as C reports it, and is built without a stack (see wouldBlockError).
 */
function blockingError(socket: SocketBase, syscall: string, result: number, flags: number, option: number, context?: ErrorContext, progress?: string): SocketError {
  if (result === EINPROGRESS && syscall === 'connect') {
    const timedOut = timeoutDetail(socket, option);
    return syscallError(syscall, result, context, timedOut && `${timedOut}; the connection goes on in the background (see SO_ERROR)`);
  }
  if (result !== EAGAIN) return syscallError(syscall, result, context, progress);
  const timedOut = flags & MSG_DONTWAIT ? undefined : timeoutDetail(socket, option);
  return timedOut === undefined ? wouldBlockError(syscall, context, progress) : syscallError(syscall, result, context, details(timedOut, progress));
}

/**
 * A socket: `new Socket(domain, type, protocol)` is socket(2). Blocking by default, like C.
 *
 * Every fd it creates is close-on-exec. After close() or detach(), every method throws EBADF
 * without touching the old fd number, which may belong to someone else by then.
 *
 * Each method makes its syscall on the calling thread and returns when the kernel does: accept,
 * connect, send and recv stop the thread (timers and I/O callbacks included) until they are done.
 * Bound them with SO_RCVTIMEO/SO_SNDTIMEO, with select()/poll() and a timeout, or run them in a worker
 * thread; for code on Node's event loop, use the Socket of `sockcall/promises`. A failed syscall
 * throws a {@link SocketError}; an EAGAIN that the socket's SO_RCVTIMEO or SO_SNDTIMEO caused says
 * so (`recv EAGAIN: timed out after 500 ms (SO_RCVTIMEO)`). A bad argument throws a TypeError or
 * RangeError before any syscall: flags with a bit the syscall does not take, and an options object
 * with a key the call does not know, are refused (`ERR_INVALID_ARG_VALUE`) rather than ignored.
 *
 * @example
 * ```ts
 * import { Socket, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR } from 'sockcall';
 *
 * const server = new Socket(AF_INET, SOCK_STREAM);
 * server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
 * server.bind({ address: '127.0.0.1', port: 3005 });
 * server.listen(10);
 * const conn = server.accept();
 * conn.sendAll(conn.recv(4096)); // echo one read back
 * conn.close();
 * server.close();
 * ```
 *
 * @category Sockets
 */
export class Socket extends SocketBase {
  /**
   * Takes a connection from a listening socket: accept4(2). Waits for a connection and returns it as a
   * new Socket (close-on-exec). `flags` may be SOCK_NONBLOCK. The peer's address is `conn.getpeername()`.
   *
   * Blocks the thread until a client connects, unless the listener is non-blocking. sockcall adds
   * SOCK_CLOEXEC to `flags`. The new Socket has the listener's domain, type and protocol.
   * A signal does not end the wait: after EINTR the call is made again, against the original SO_RCVTIMEO
   * deadline.
   *
   * @param flags - 0 (the default) or SOCK_NONBLOCK.
   * @returns The connection, a new Socket owning its own fd.
   * @throws {@link SocketError} from accept4(2), `syscall` 'accept':
   * - `EAGAIN`: SO_RCVTIMEO passed, or the listener is non-blocking and no connection is waiting;
   * - `EINVAL`: the socket is not listening (or was shut down), or a bad flag;
   * - `ENOTSUP` (EOPNOTSUPP): the socket type does not accept (SOCK_DGRAM);
   * - `ECONNABORTED`: a connection was aborted while waiting in the queue;
   * - `EMFILE` / `ENFILE`: out of fds; `ENOBUFS` / `ENOMEM`: out of memory; `EPERM`: refused by a firewall rule;
   * - `EBADF`: the Socket is closed or detached (raised by sockcall without touching the old fd number).
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) or `RangeError` (`ERR_OUT_OF_RANGE`) for a `flags` that is not a
   * 32-bit integer, before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/accept.2.html | accept4(2)}
   * @example
   * ```ts
   * server.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 5_000); // give up after 5 s (EAGAIN)
   * const conn = server.accept();
   * console.log('client', conn.getpeername());
   * ```
   */
  accept(flags = 0): Socket {
    return this.#accept(flags, false)!;
  }

  // Each call that can wait is written once, as a private method; `orNull` says what an EAGAIN
  // becomes: a thrown SocketError (accept, send ...) or null (tryAccept, trySend ...).

  #accept(flags: number, orNull: boolean): Socket | null {
    const fd = fdOf(this, 'accept');
    validateFlags(flags, 'flags', ACCEPT_FLAGS, 'accept4');
    const result = native.accept4(fd, flags | SOCK_CLOEXEC);
    if (result < 0) {
      if (orNull && result === EAGAIN) return null;
      throw blockingError(this, 'accept', result, 0, SO_RCVTIMEO);
    }
    const conn = new Socket(this.domain, this.type, this.protocol, ADOPT, result);
    inheritWaits(conn, this, (flags & SOCK_NONBLOCK) === 0);
    return conn;
  }

  /**
   * Connects to `address`: connect(2). On a non-blocking socket, EINPROGRESS is thrown as C reports it.
   *
   * A stream socket blocks until the handshake ends; a datagram socket only sets its default
   * destination and the one sender it receives from. After a signal (EINTR) it is not called again
   * (the connection goes on in the kernel): sockcall waits for writability in poll(2) and reads the
   * outcome from SO_ERROR, within the socket's SO_SNDTIMEO.
   * `connect({ family: 'AF_UNSPEC' })` dissolves the association (see {@link DisconnectAddress}):
   * a datagram socket has no peer afterwards and receives from any sender again.
   *
   * @param address - A numeric `{ address, port }`, a Unix `{ path }` (see {@link AddressInput}), or
   *   `{ family: 'AF_UNSPEC' }` to disconnect.
   * @throws {@link SocketError} from connect(2), `syscall` 'connect', with `address` and `port` (or `path`):
   * - `ECONNREFUSED`: nobody listens there;
   * - `ETIMEDOUT`: no answer (TCP gave up retrying the SYN);
   * - `ENETUNREACH` / `EHOSTUNREACH`: no route to the network or host;
   * - `EINPROGRESS`: non-blocking, or SO_SNDTIMEO passed; the connection goes on (see SO_ERROR);
   * - `EALREADY`: a previous connect is still in progress; `EISCONN`: already connected;
   * - `EADDRNOTAVAIL`: no local port left;
   * - `ENOENT`: no such Unix path; `EAGAIN`: a non-blocking AF_UNIX connect to a full backlog;
   * - `EACCES` / `EPERM`: a broadcast address without SO_BROADCAST, a path without permission, or a
   *   firewall rule; `EAFNOSUPPORT`: an address of another family than the socket's;
   * - `EBADF`: the Socket is closed or detached (raised by sockcall without touching the old fd number).
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`: not a numeric address) or
   * `RangeError` (`ERR_OUT_OF_RANGE`: a port outside 0 to 65535), before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/connect.2.html | connect(2)}
   * @example
   * ```ts
   * const [{ address }] = getaddrinfo('localhost', 3005, { family: AF_INET, type: SOCK_STREAM });
   * const s = new Socket(AF_INET, SOCK_STREAM);
   * s.connect(address);
   * ```
   */
  connect(address: AddressInput | DisconnectAddress): void {
    const fd = fdOf(this, 'connect');
    const { sockaddr, context } = this.encode(address, 'address', true, 'now');
    const result = native.connect(fd, sockaddr);
    if (result < 0) throw blockingError(this, 'connect', result, 0, SO_SNDTIMEO, context);
  }

  /**
   * Sends data on a connected socket: send(2). Returns how many bytes the kernel took, which may be
   * fewer than given (see sendAll). MSG_NOSIGNAL is always added, so a reset peer gives EPIPE rather
   * than a SIGPIPE.
   *
   * Blocks the thread while the send buffer is full (unless non-blocking, or MSG_DONTWAIT). A string is
   * sent as UTF-8. After a signal, the call is made again against the original SO_SNDTIMEO deadline.
   *
   * @param data - The bytes: any Buffer, TypedArray or DataView (only its own bytes), or a string.
   * @param flags - MSG_* flags, or'ed: MSG_DONTWAIT, MSG_MORE, MSG_OOB, MSG_EOR ... (default 0).
   * @returns The bytes sent, 0 to the length of `data`.
   * @throws {@link SocketError} from send(2) (the sendto syscall), `syscall` 'send':
   * - `EAGAIN`: SO_SNDTIMEO passed, or non-blocking (or MSG_DONTWAIT) with a full buffer;
   * - `EPIPE`: the connection is closed for sending (reset or shut down), or was never made;
   * - `ECONNRESET`: the peer reset the connection;
   * - `EDESTADDRREQ`: a datagram socket without connect (use sendto); `EMSGSIZE`: a datagram too big;
   * - `ECONNREFUSED`: a connected datagram socket's earlier datagram was refused (ICMP);
   * - `ENOBUFS`: the interface queue is full;
   * - `EBADF`: the Socket is closed or detached (raised by sockcall without touching the old fd number).
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) or `RangeError` (`ERR_OUT_OF_RANGE`) for `data` that is not a string
   * or an ArrayBufferView, or a bad `flags`, before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/send.2.html | send(2)}
   * @example
   * ```ts
   * const sent = s.send('hello\n'); // 6, or fewer if the buffer was nearly full
   * ```
   */
  send(data: ArrayBufferView | string, flags = 0): number {
    return this.#send(data, flags, false)!;
  }

  #send(data: ArrayBufferView | string, flags: number, orNull: boolean): number | null {
    const fd = fdOf(this, 'send');
    const view = toSendable(data);
    validateFlags(flags, 'flags', SEND_FLAGS, 'send');
    const result = native.send(fd, view, flags | MSG_NOSIGNAL);
    if (result < 0) {
      if (orNull && result === EAGAIN) return null;
      throw blockingError(this, 'send', result, flags, SO_SNDTIMEO);
    }
    return result;
  }

  /**
   * Sends all of `data`: calls send(2) until every byte has gone, as Python's sendall. Returns the byte
   * count. If a call fails part way, the error's `bytesSent` says how many bytes went out before it.
   *
   * Adds MSG_NOSIGNAL, as send. On a non-blocking socket it stops at the first EAGAIN (with
   * `bytesSent`); it does not wait for buffer space.
   *
   * @param data - The bytes: any Buffer, TypedArray or DataView, or a string (sent as UTF-8).
   * @param flags - MSG_* flags for every send(2), or'ed (default 0).
   * @returns The length of `data` in bytes.
   * @throws {@link SocketError} as {@link send} (`syscall` 'send': EPIPE, ECONNRESET, EAGAIN on a timeout
   * or a non-blocking socket ...), with `bytesSent`: the bytes that went out before the failure (the
   * message says it too: `send EPIPE: sendAll stopped after 65536 of 1048576 bytes`).
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) or `RangeError` (`ERR_OUT_OF_RANGE`) for `data` that is not a string
   * or an ArrayBufferView, or a bad `flags`, before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/send.2.html | send(2)}
   * @example
   * ```ts
   * try {
   *   conn.sendAll(bigBuffer);
   * } catch (error) {
   *   console.log(`sent ${(error as SocketError).bytesSent} bytes before ${(error as SocketError).code}`);
   * }
   * ```
   */
  sendAll(data: ArrayBufferView | string, flags = 0): number {
    const fd = fdOf(this, 'send');
    const bytes = asBytes(toSendable(data));
    validateFlags(flags, 'flags', SEND_FLAGS, 'send');
    let sent = 0;
    while (sent < bytes.length) {
      const result = native.send(fd, sent === 0 ? bytes : bytes.subarray(sent), flags | MSG_NOSIGNAL);
      if (result < 0) {
        const error = blockingError(this, 'send', result, flags, SO_SNDTIMEO, undefined, sendAllProgress(sent, bytes.length));
        error.bytesSent = sent;
        throw error;
      }
      sent += result;
    }
    return sent;
  }

  /**
   * Sends up to `count` bytes of a file on a connected stream socket: sendfile(2), the kernel copying
   * from the page cache with no pass through JS. One call, as in C: returns how many bytes went,
   * which may be fewer than `count` (a full send buffer on a non-blocking socket or after a signal;
   * the kernel also takes at most 0x7ffff000 bytes per call), and 0 at the end of the file. See
   * {@link sendfileAll} for the loop.
   *
   * With a numeric `offset` the file is read from there and its own position is left alone: the
   * next offset is `offset` plus the result (the kernel's `*offset` after the call). With `offset`
   * null the file is read from its position, which moves on by the result, as read(2) moves it.
   * Blocks while the send buffer is full (SO_SNDTIMEO bounds it). A reset peer gives EPIPE, not
   * SIGPIPE: Node ignores SIGPIPE.
   *
   * @param file - The file: an fd (from `fs.openSync`) or a `FileHandle` (its `fd` is used; the
   * handle stays open and yours to close).
   * @param offset - Where to read in the file (an integer >= 0), or null for its own position.
   * @param count - How many bytes at most (an integer >= 0).
   * @returns The bytes sent; 0 at the end of the file.
   * @throws {@link SocketError} from sendfile(2), `syscall` 'sendfile': `EBADF` (the file is closed or
   * not open for reading), `EINVAL` (a file that cannot be mapped or spliced: a directory, some
   * special files; or an offset past what the file system takes), `EPIPE` / `ECONNRESET` (the
   * connection is closed for sending), `EAGAIN` (SO_SNDTIMEO passed, or a non-blocking socket with a
   * full buffer), `ESPIPE` (an offset given for a pipe).
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) or `RangeError` (`ERR_OUT_OF_RANGE`) for a `file`
   * that is neither an fd nor a `{ fd }`, a negative or fractional `offset` or `count`, before any
   * syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/sendfile.2.html | sendfile(2)}
   * @example
   * ```ts
   * import { openSync, closeSync, fstatSync } from 'node:fs';
   * const file = openSync('index.html', 'r');
   * let offset = 0;
   * const size = fstatSync(file).size;
   * while (offset < size) offset += conn.sendfile(file, offset, size - offset);
   * closeSync(file);
   * ```
   */
  sendfile(file: FileInput, offset: number | null, count: number): number {
    const fd = fdOf(this, 'sendfile');
    const [inFd, from, length] = sendfileArguments(file, offset, count);
    const result = native.sendfile(fd, inFd, from, length);
    if (result < 0) throw blockingError(this, 'sendfile', result, 0, SO_SNDTIMEO);
    return result;
  }

  /**
   * Sends `count` bytes of a file: calls sendfile(2) until they have all gone or the file ends, as
   * Python's `socket.sendfile`. Returns the bytes sent: `count`, or fewer only when the file is
   * shorter. With a numeric `offset` each call reads on from where the last one stopped and the
   * file's position is left alone; with null the file's position moves on by the bytes sent. If a
   * call fails part way, the error's `bytesSent` says how many bytes went out before it.
   *
   * On a non-blocking socket it stops at the first EAGAIN (with `bytesSent`), as {@link sendAll}.
   *
   * @param file - The file: an fd (from `fs.openSync`) or a `FileHandle`.
   * @param offset - Where to start in the file (an integer >= 0), or null for its own position.
   * @param count - How many bytes (an integer >= 0).
   * @returns The bytes sent.
   * @throws {@link SocketError} as {@link sendfile}, with `bytesSent` (the message says it too:
   * `sendfile EPIPE: sendfileAll stopped after 65536 of 1048576 bytes`).
   * @throws `TypeError` / `RangeError` as {@link sendfile}, before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/sendfile.2.html | sendfile(2)}
   * @example
   * ```ts
   * import { open } from 'node:fs/promises';
   * const file = await open('video.mp4');
   * conn.sendfileAll(file, 0, (await file.stat()).size);
   * await file.close();
   * ```
   */
  sendfileAll(file: FileInput, offset: number | null, count: number): number {
    const fd = fdOf(this, 'sendfile');
    const [inFd, from, length] = sendfileArguments(file, offset, count);
    let sent = 0;
    while (sent < length) {
      const result = native.sendfile(fd, inFd, from === null ? null : from + sent, length - sent);
      if (result === 0) break;
      if (result < 0) {
        const error = blockingError(this, 'sendfile', result, 0, SO_SNDTIMEO, undefined, sendAllProgress(sent, length, 'sendfileAll'));
        error.bytesSent = sent;
        throw error;
      }
      sent += result;
    }
    return sent;
  }

  /**
   * Sends a datagram to `address`: sendto(2). One datagram to `address` (or data on an unconnected
   * socket). Adds MSG_NOSIGNAL.
   *
   * A datagram goes whole or not at all. On a connected stream socket the kernel ignores `address`
   * (TCP) or refuses it (`EISCONN`, AF_UNIX).
   *
   * @param data - The datagram: any Buffer, TypedArray or DataView, or a string (sent as UTF-8).
   * @param address - The destination: a numeric `{ address, port }` or a Unix `{ path }`.
   * @param flags - MSG_* flags, or'ed (default 0).
   * @returns The bytes sent.
   * @throws {@link SocketError} from sendto(2), `syscall` 'sendto', with `address` and `port` (or `path`):
   * - `EMSGSIZE`: the datagram is bigger than the protocol allows (65507 bytes for UDP over IPv4);
   * - `EACCES`: a broadcast address without SO_BROADCAST;
   * - `ENETUNREACH` / `EHOSTUNREACH`: no route; `EAFNOSUPPORT` / `EINVAL`: an address of another family;
   * - `ECONNREFUSED`: an earlier datagram was refused (ICMP), reported on this call;
   * - `ENOENT` / `ECONNREFUSED`: no AF_UNIX socket bound at the path;
   * - `EAGAIN`: SO_SNDTIMEO passed, or non-blocking with a full buffer; `ENOBUFS`: the interface queue is full;
   * - `EBADF`: the Socket is closed or detached (raised by sockcall without touching the old fd number).
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) or `RangeError` (`ERR_OUT_OF_RANGE`) for bad `data`, `address` or
   * `flags`, before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/send.2.html | sendto(2)}
   * @example
   * ```ts
   * const udp = new Socket(AF_INET, SOCK_DGRAM);
   * udp.sendto('ping', { address: '127.0.0.1', port });
   * ```
   */
  sendto(data: ArrayBufferView | string, address: AddressInput, flags = 0): number {
    return this.#sendto(data, address, flags, false)!;
  }

  #sendto(data: ArrayBufferView | string, address: AddressInput, flags: number, orNull: boolean): number | null {
    const fd = fdOf(this, 'sendto');
    const view = toSendable(data);
    const { sockaddr, context } = this.encode(address, 'address', false, 'now');
    // Runs no code of the caller's unless it throws: the scratch address is still this call's.
    validateFlags(flags, 'flags', SEND_FLAGS, 'sendto');
    const result = native.sendto(fd, view, flags | MSG_NOSIGNAL, sockaddr);
    if (result < 0) {
      if (orNull && result === EAGAIN) return null;
      throw blockingError(this, 'sendto', result, flags, SO_SNDTIMEO, context);
    }
    return result;
  }

  /**
   * Receives up to `length` bytes: recv(2) into a new Buffer. Returns the bytes received, an empty
   * Buffer at EOF (orderly shutdown by the peer). Flags: MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT, MSG_OOB,
   * MSG_TRUNC. On a TCP socket MSG_TRUNC discards the bytes unread: the Buffer then holds that many zeros.
   *
   * Blocks the thread until data arrives (unless non-blocking, or MSG_DONTWAIT), then returns what is
   * there, which may be less than `length`: loop for an exact count, or use MSG_WAITALL. A datagram
   * longer than `length` is cut short, the rest dropped.
   * A signal does not end the wait: after EINTR the call is made again, against the original SO_RCVTIMEO
   * deadline.
   *
   * Allocates only what arrived: the bytes are read into a per-thread scratch buffer and copied into a
   * Buffer of their size (from Node's shared pool under 4 KiB), so `recv(65536)` of a 64-byte message
   * holds 64 bytes. A `length` over 64 KiB is allocated once and kept if at least half filled, else
   * copied. To reuse one buffer instead, see {@link recvInto}; the cost model: docs/receiving.md.
   *
   * @param length - The most bytes to take, 0 to {@link MAX_RECV_LENGTH}.
   * @param flags - MSG_* flags, or'ed (default 0).
   * @returns The bytes received; empty at EOF.
   * @throws {@link SocketError} from recv(2) (the recvfrom syscall), `syscall` 'recv':
   * - `EAGAIN`: SO_RCVTIMEO passed (the message says `timed out after N ms (SO_RCVTIMEO)`), or
   *   non-blocking (or MSG_DONTWAIT) with nothing to read;
   * - `ECONNRESET`: the peer reset the connection;
   * - `ENOTCONN`: a stream socket that is not connected;
   * - `ETIMEDOUT`: the connection was dropped by keep-alive or TCP_USER_TIMEOUT;
   * - `ECONNREFUSED`: a connected datagram socket's earlier datagram was refused (ICMP);
   * - `EINVAL`: MSG_OOB with no urgent data waiting (or with SO_OOBINLINE);
   * - `EBADF`: the Socket is closed or detached (raised by sockcall without touching the old fd number).
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) or `RangeError` (`ERR_OUT_OF_RANGE`) for a `length` outside 0 to
   * MAX_RECV_LENGTH or a bad `flags`; `TypeError` (`ERR_INVALID_ARG_VALUE`) for a flag recv(2) does not
   * take (MSG_EOR, or a number meant as something else: `recv(10, 5000)`), before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/recv.2.html | recv(2)}
   * @example
   * ```ts
   * const chunk = conn.recv(4096);
   * if (chunk.length === 0) console.log('the peer closed the connection');
   * const header = conn.recv(16, MSG_WAITALL); // all 16 bytes, unless EOF comes first
   * ```
   */
  recv(length: number, flags = 0): Buffer {
    return this.#recv(length, flags, false)!;
  }

  #recv(length: number, flags: number, orNull: boolean): Buffer | null {
    const fd = fdOf(this, 'recv');
    validateInt(length, 'length', 0, MAX_RECV_LENGTH);
    validateFlags(flags, 'flags', RECV_FLAGS, 'recv');
    const data = receive(fd, length, flags);
    if (typeof data === 'number') {
      if (orNull && data === EAGAIN) return null;
      throw blockingError(this, 'recv', data, flags, SO_RCVTIMEO);
    }
    return data;
  }

  /**
   * Receives into a buffer of yours: recv(2) into `view` (any Buffer, TypedArray or DataView); writes
   * only inside the view's bytes. Returns the count recv returned: with MSG_TRUNC on a datagram socket
   * that is the datagram's real length, which may exceed the view.
   *
   * No allocation and no copy: the kernel writes into `view` itself. Reuse one buffer for a whole
   * stream; the bytes are valid until the next read into it. Blocks as {@link recv} does. A view whose
   * ArrayBuffer was detached (transferred) has no bytes, whatever its kind: recv(2) of 0 bytes.
   *
   * @param view - Where the bytes go, from its first byte.
   * @param flags - MSG_* flags, or'ed (default 0).
   * @returns The bytes received (0 at EOF), or a datagram's real length with MSG_TRUNC.
   * @throws {@link SocketError} as {@link recv} (`syscall` 'recv': EAGAIN, ECONNRESET, ENOTCONN ...).
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) or `RangeError` (`ERR_OUT_OF_RANGE`) for a `view` that is not an
   * ArrayBufferView or a bad `flags`, before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/recv.2.html | recv(2)}
   * @example
   * ```ts
   * const buffer = Buffer.alloc(65536);
   * let total = 0;
   * for (let n; (n = conn.recvInto(buffer)) > 0; ) total += n; // until EOF
   * ```
   */
  recvInto(view: ArrayBufferView, flags = 0): number {
    return this.#recvInto(view, flags, false)!;
  }

  #recvInto(view: ArrayBufferView, flags: number, orNull: boolean): number | null {
    const fd = fdOf(this, 'recv');
    validateView(view, 'view');
    validateFlags(flags, 'flags', RECV_FLAGS, 'recv');
    const result = native.recv(fd, view, flags);
    if (result < 0) {
      if (orNull && result === EAGAIN) return null;
      throw blockingError(this, 'recv', result, flags, SO_RCVTIMEO);
    }
    return result;
  }

  /**
   * Reads the socket chunk by chunk: `for (const chunk of conn)` is `for (const chunk of
   * conn.chunks())`, chunks of up to 64 KiB until EOF.
   *
   * @returns An iterator of Buffers (see {@link chunks}).
   * @example
   * ```ts
   * const parts: Buffer[] = [];
   * for (const chunk of conn) parts.push(chunk); // until the peer closes
   * const body = Buffer.concat(parts);
   * ```
   */
  [Symbol.iterator](): IterableIterator<Buffer> {
    return this.chunks();
  }

  /**
   * Reads the socket chunk by chunk: an iterator whose every step is one blocking {@link recv} of up
   * to `size` bytes, as a C loop `while ((n = recv(fd, buf, size, 0)) > 0)` reads. Ends at EOF.
   *
   * Each chunk is what one recv(2) returned, in a Buffer of its size (a stream's chunks may be cut
   * anywhere: reassemble them). On a connection (SOCK_STREAM, SOCK_SEQPACKET) an empty read is EOF
   * and ends the iteration. On a datagram socket (SOCK_DGRAM, SOCK_RAW) each chunk is one datagram,
   * cut to `size` (the rest dropped, as recv does), an empty datagram is an empty chunk, and the
   * iteration ends only by `break` or an error.
   *
   * Each step blocks the thread as recv does: bound it with SO_RCVTIMEO (then an EAGAIN
   * {@link SocketError} is thrown from the loop, as are ECONNRESET and the rest). Leaving the loop
   * (`break`, `return`, a throw in its body) leaves the socket open, and nothing unread is lost: no
   * read is made ahead of the loop.
   *
   * @param options - `size`: the most bytes per chunk, 1 to {@link MAX_RECV_LENGTH}, default 65536 (64 KiB).
   * @returns An iterator of Buffers; the options are checked at once.
   * @throws `TypeError` / `RangeError` for bad `options`, at once; each step throws as {@link recv}.
   * @see {@link https://man7.org/linux/man-pages/man2/recv.2.html | recv(2)}
   * @example
   * ```ts
   * conn.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 30_000); // no chunk for 30 s: EAGAIN
   * for (const chunk of conn.chunks({ size: 16_384 })) process.stdout.write(chunk);
   * ```
   */
  chunks(options?: ChunksOptions): IterableIterator<Buffer> {
    return receiveChunks(this, chunkSize(options), endsAtEmpty(this.type));
  }

  /**
   * Receives a datagram and its sender: recvfrom(2), up to `length` bytes and the sender's address.
   *
   * Blocks as {@link recv} does. A datagram longer than `length` is cut short, the rest dropped
   * (`recvInto` with MSG_PEEK | MSG_TRUNC tells a datagram's real length first). `data` is allocated
   * as {@link recv}'s: the size of the datagram, whatever `length` was.
   *
   * @param length - The most bytes to take, 0 to {@link MAX_RECV_LENGTH}.
   * @param flags - MSG_* flags, or'ed (default 0).
   * @returns The bytes and the sender's address (see {@link Received}).
   * @throws {@link SocketError} from recvfrom(2), `syscall` 'recvfrom': as {@link recv} (EAGAIN on a
   * timeout, ECONNREFUSED, ECONNRESET, ENOTCONN ...).
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) or `RangeError` (`ERR_OUT_OF_RANGE`) for a `length` outside 0 to
   * MAX_RECV_LENGTH or a bad `flags`, before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/recv.2.html | recvfrom(2)}
   * @example
   * ```ts
   * const udp = new Socket(AF_INET, SOCK_DGRAM);
   * udp.bind({ address: '127.0.0.1', port: 0 });
   * const { data, address } = udp.recvfrom(2048);
   * udp.sendto(data, address!); // answer the sender
   * ```
   */
  recvfrom(length: number, flags = 0): Received {
    return this.#recvfrom(length, flags, false)!;
  }

  #recvfrom(length: number, flags: number, orNull: boolean): Received | null {
    const fd = fdOf(this, 'recvfrom');
    validateInt(length, 'length', 0, MAX_RECV_LENGTH);
    validateFlags(flags, 'flags', RECV_FLAGS, 'recvfrom');
    const result = receiveFrom(fd, length, flags);
    if (typeof result === 'number') {
      if (orNull && result === EAGAIN) return null;
      throw blockingError(this, 'recvfrom', result, flags, SO_RCVTIMEO);
    }
    result.address ??= this.unnamedPeer();
    return result;
  }

  /**
   * Receives a datagram into a buffer of yours: recvfrom(2) into `view`, as {@link recvInto} is to
   * {@link recv}. Returns the count recvfrom returned: with MSG_TRUNC, the datagram's real length,
   * which may exceed the view (the rest is dropped either way). The sender only when asked:
   * `options.senders[0]` is set to it (as recvfrom's `address`; null or the unnamed AF_UNIX address
   * when the kernel gives none); without `senders` the kernel is not asked for it (src_addr NULL)
   * and nothing at all is allocated: the loop a C receiver writes with one buffer. One array can
   * serve every call: its index 0 is overwritten each time, and while the datagrams come from one
   * sender it usually gets the same address object, frozen (see {@link RecvfromIntoOptions.senders}).
   *
   * Blocks as {@link recv} does. An empty datagram returns 0.
   *
   * @param view - Where the datagram goes, from its first byte.
   * @param flags - MSG_* flags, or'ed (default 0).
   * @param options - `senders`: an array whose index 0 gets the sender.
   * @returns The bytes received, or with MSG_TRUNC the datagram's real length.
   * @throws {@link SocketError} from recvfrom(2), `syscall` 'recvfrom', as {@link recvfrom}.
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`) or `RangeError` (`ERR_OUT_OF_RANGE`) for a
   * `view` that is not an ArrayBufferView, a bad `flags` or `options`, before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/recv.2.html | recvfrom(2)}
   * @example
   * ```ts
   * const buffer = Buffer.alloc(2048);
   * const senders: (SocketAddress | null)[] = [];
   * for (;;) {
   *   const n = udp.recvfromInto(buffer, 0, { senders });
   *   udp.sendto(buffer.subarray(0, n), senders[0]!); // echo it back
   * }
   * ```
   */
  recvfromInto(view: ArrayBufferView, flags = 0, options?: RecvfromIntoOptions): number {
    return this.#recvfromInto(view, flags, options, false)!;
  }

  #recvfromInto(view: ArrayBufferView, flags: number, options: RecvfromIntoOptions | undefined, orNull: boolean): number | null {
    const fd = fdOf(this, 'recvfrom');
    validateView(view, 'view');
    validateFlags(flags, 'flags', RECV_FLAGS, 'recvfrom');
    const result = receiveFromInto(fd, view, flags, recvfromIntoSenders(options), this.unnamedPeer());
    if (result < 0) {
      if (orNull && result === EAGAIN) return null;
      throw blockingError(this, 'recvfrom', result, flags, SO_RCVTIMEO);
    }
    return result;
  }

  /**
   * accept4(2) that returns null instead of throwing EAGAIN: the form for a loop over non-blocking
   * sockets (or MSG_DONTWAIT), where "nothing yet" is the common answer, not an exception.
   *
   * Otherwise exactly {@link accept}: the same syscall, arguments and result, and every other
   * failure thrown as a {@link SocketError}. The null costs what the syscall costs (no error object,
   * no stack); a thrown EAGAIN costs several times more. null means the kernel said EAGAIN
   * (EWOULDBLOCK, the same number on Linux): on a non-blocking listener, no connection is waiting;
   * on a blocking one, its SO_RCVTIMEO ran out.
   *
   * @param flags - 0 (the default) or SOCK_NONBLOCK.
   * @returns The connection, or null when accept4 said EAGAIN.
   * @throws {@link SocketError} as {@link accept}, except EAGAIN; `TypeError` / `RangeError` for a bad `flags`.
   * @see {@link https://man7.org/linux/man-pages/man2/accept.2.html | accept4(2)}
   * @example
   * ```ts
   * server.setBlocking(false);
   * for (;;) {
   *   poll([{ fd: server, events: POLLIN }], 1000);
   *   // Take every connection waiting, then poll again.
   *   for (let conn; (conn = server.tryAccept(SOCK_NONBLOCK)) !== null; ) clients.add(conn);
   * }
   * ```
   */
  tryAccept(flags = 0): Socket | null {
    return this.#accept(flags, true);
  }

  /**
   * send(2) that returns null instead of throwing EAGAIN (a full send buffer on a non-blocking socket,
   * or with MSG_DONTWAIT; on a blocking one, SO_SNDTIMEO ran out). Otherwise exactly {@link send}: the
   * bytes sent (which may be fewer than given), every other failure thrown. See {@link tryAccept}.
   *
   * @param data - The bytes (a string is sent as UTF-8).
   * @param flags - MSG_* flags, or'ed (default 0); MSG_NOSIGNAL is always added.
   * @returns The bytes sent, or null when send said EAGAIN (nothing was sent).
   * @throws {@link SocketError} as {@link send}, except EAGAIN; `TypeError` / `RangeError` for bad arguments.
   * @see {@link https://man7.org/linux/man-pages/man2/send.2.html | send(2)}
   * @example
   * ```ts
   * let rest = reply;
   * while (rest.length > 0) {
   *   const sent = conn.trySend(rest, MSG_DONTWAIT);
   *   if (sent === null) poll([{ fd: conn, events: POLLOUT }], 1000); // wait for room
   *   else rest = rest.subarray(sent);
   * }
   * ```
   */
  trySend(data: ArrayBufferView | string, flags = 0): number | null {
    return this.#send(data, flags, true);
  }

  /**
   * sendto(2) that returns null instead of throwing EAGAIN. Otherwise exactly {@link sendto}. See
   * {@link tryAccept}.
   *
   * @returns The bytes sent, or null when sendto said EAGAIN (nothing was sent).
   * @throws {@link SocketError} as {@link sendto}, except EAGAIN; `TypeError` / `RangeError` for bad arguments.
   * @see {@link https://man7.org/linux/man-pages/man2/send.2.html | sendto(2)}
   * @example
   * ```ts
   * if (udp.trySendto(datagram, peer, MSG_DONTWAIT) === null) queue.push(datagram); // send it later
   * ```
   */
  trySendto(data: ArrayBufferView | string, address: AddressInput, flags = 0): number | null {
    return this.#sendto(data, address, flags, true);
  }

  /**
   * recv(2) into a new Buffer that returns null instead of throwing EAGAIN (nothing to read on a
   * non-blocking socket, or with MSG_DONTWAIT; on a blocking one, SO_RCVTIMEO ran out). Otherwise
   * exactly {@link recv}: the bytes, empty at EOF. See {@link tryAccept}.
   *
   * @param length - The most bytes to take, 0 to {@link MAX_RECV_LENGTH}.
   * @param flags - MSG_* flags, or'ed (default 0).
   * @returns The bytes received (empty at EOF), or null when recv said EAGAIN.
   * @throws {@link SocketError} as {@link recv}, except EAGAIN; `TypeError` / `RangeError` for bad arguments.
   * @see {@link https://man7.org/linux/man-pages/man2/recv.2.html | recv(2)}
   * @example
   * ```ts
   * const data = conn.tryRecv(4096, MSG_DONTWAIT);
   * if (data === null) console.log('nothing yet');
   * else if (data.length === 0) conn.close(); // EOF
   * ```
   */
  tryRecv(length: number, flags = 0): Buffer | null {
    return this.#recv(length, flags, true);
  }

  /**
   * recv(2) into a buffer of yours that returns null instead of throwing EAGAIN. Otherwise exactly
   * {@link recvInto}: the count recv returned, 0 at EOF. The cheapest way to drain a non-blocking
   * socket: no allocation, and no error object when it is empty. See {@link tryAccept}.
   *
   * @param view - Where the bytes go, from its first byte.
   * @param flags - MSG_* flags, or'ed (default 0).
   * @returns The bytes received (0 at EOF), or null when recv said EAGAIN.
   * @throws {@link SocketError} as {@link recvInto}, except EAGAIN; `TypeError` / `RangeError` for bad arguments.
   * @see {@link https://man7.org/linux/man-pages/man2/recv.2.html | recv(2)}
   * @example
   * ```ts
   * // A poll() loop over non-blocking connections: read each ready one until it is empty.
   * const buffer = Buffer.alloc(65536);
   * for (const { fd: conn } of poll(conns.map((fd) => ({ fd, events: POLLIN })), 1000)) {
   *   for (let n; (n = conn.tryRecvInto(buffer)) !== null; ) {
   *     if (n === 0) { conn.close(); break; } // EOF
   *     handle(buffer.subarray(0, n));
   *   }
   * }
   * ```
   */
  tryRecvInto(view: ArrayBufferView, flags = 0): number | null {
    return this.#recvInto(view, flags, true);
  }

  /**
   * recvfrom(2) that returns null instead of throwing EAGAIN. Otherwise exactly {@link recvfrom}:
   * the bytes and the sender. See {@link tryAccept}.
   *
   * @param length - The most bytes to take, 0 to {@link MAX_RECV_LENGTH}.
   * @param flags - MSG_* flags, or'ed (default 0).
   * @returns The bytes and the sender's address, or null when recvfrom said EAGAIN.
   * @throws {@link SocketError} as {@link recvfrom}, except EAGAIN; `TypeError` / `RangeError` for bad arguments.
   * @see {@link https://man7.org/linux/man-pages/man2/recv.2.html | recvfrom(2)}
   * @example
   * ```ts
   * for (let got; (got = udp.tryRecvfrom(2048, MSG_DONTWAIT)) !== null; ) udp.sendto(got.data, got.address!);
   * ```
   */
  tryRecvfrom(length: number, flags = 0): Received | null {
    return this.#recvfrom(length, flags, true);
  }

  /**
   * recvfrom(2) into a buffer of yours that returns null instead of throwing EAGAIN. Otherwise
   * exactly {@link recvfromInto}: the count, the sender into `options.senders[0]` when asked. The
   * cheapest way to drain a non-blocking datagram socket one datagram at a time. See {@link tryAccept}.
   *
   * @param view - Where the datagram goes, from its first byte.
   * @param flags - MSG_* flags, or'ed (default 0).
   * @param options - `senders`: an array whose index 0 gets the sender.
   * @returns The bytes received, or null when recvfrom said EAGAIN (`senders` is then untouched).
   * @throws {@link SocketError} as {@link recvfromInto}, except EAGAIN; `TypeError` / `RangeError` for bad arguments.
   * @see {@link https://man7.org/linux/man-pages/man2/recv.2.html | recvfrom(2)}
   * @example
   * ```ts
   * const senders: (SocketAddress | null)[] = [];
   * for (let n; (n = udp.tryRecvfromInto(buffer, MSG_DONTWAIT, { senders })) !== null; ) {
   *   udp.sendto(buffer.subarray(0, n), senders[0]!);
   * }
   * ```
   */
  tryRecvfromInto(view: ArrayBufferView, flags = 0, options?: RecvfromIntoOptions): number | null {
    return this.#recvfromInto(view, flags, options, true);
  }

  #sendmsg(prepared: PreparedSend): number {
    const fd = fdOf(this, 'sendmsg');
    const result = native.sendmsg(fd, prepared.views, prepared.control, prepared.flags, prepared.sockaddr);
    if (result < 0) throw blockingError(this, 'sendmsg', result, prepared.flags, SO_SNDTIMEO, prepared.context);
    return result;
  }

  #recvmsg(prepared: PreparedReceive): RecvmsgResult {
    const result = receiveMessage(fdOf(this, 'recvmsg'), prepared, this.unnamedPeer());
    if (typeof result === 'number') throw blockingError(this, 'recvmsg', result, prepared.flags, SO_RCVTIMEO);
    return result;
  }

  /**
   * Sends the buffers as one message, with ancillary data: sendmsg(2) (MSG_NOSIGNAL added).
   *
   * The buffers are gathered in order (`msg_iov`); `options.control` items are laid out as cmsghdrs.
   *
   * @param buffers - Strings (UTF-8) or byte views, at most 1024.
   * @param options - `address` (msg_name), `control` (ancillary data), `flags`.
   * @returns The bytes sent (a stream socket may send fewer than given).
   * @throws {@link SocketError} from sendmsg(2), `syscall` 'sendmsg': `EBADF` (an fd in SCM_RIGHTS
   * that is not open), `EPERM` (SCM_CREDENTIALS naming another process), `EINVAL` (a malformed
   * control item), `EMSGSIZE`, `EPIPE`, `EAGAIN` ...
   * @see {@link https://man7.org/linux/man-pages/man2/sendmsg.2.html | sendmsg(2)},
   * {@link https://man7.org/linux/man-pages/man3/cmsg.3.html | cmsg(3)}
   * @example
   * ```ts
   * sock.sendmsg([header, body]); // one write of both, without copying them together
   * ```
   */
  sendmsg(buffers: ReadonlyArray<ArrayBufferView | string>, options?: SendmsgOptions): number {
    fdOf(this, 'sendmsg');
    return this.#sendmsg(prepareSend(buffers, options, (address, name) => this.encode(address, name)));
  }

  /**
   * Receives one message into buffers of the given sizes, with its ancillary data: recvmsg(2) with
   * MSG_CMSG_CLOEXEC added (every fd received is close-on-exec).
   *
   * The fds of SCM_RIGHTS items and the pidfd of an SCM_PIDFD item are the caller's to close (see
   * {@link RecvmsgResult.fds}, {@link RecvmsgResult.pidfd}); when the control buffer was too small
   * (MSG_CTRUNC), those that arrived are closed and none is returned.
   * Each of `buffers` is allocated as {@link recv}'s: the size of the bytes that landed in it.
   *
   * @param sizes - One size, or the size of each buffer to scatter into (at most 1024).
   * @param options - `controlLength` (bytes for ancillary data, see CMSG_SPACE), `flags`.
   * @returns The bytes, the filled buffers, msg_flags, the ancillary data, fds, credentials, address.
   * @throws {@link SocketError} from recvmsg(2), `syscall` 'recvmsg': `EAGAIN` (non-blocking or
   * SO_RCVTIMEO), `ECONNRESET`, `EBADF` ...
   * @see {@link https://man7.org/linux/man-pages/man2/recvmsg.2.html | recvmsg(2)}
   * @example
   * ```ts
   * const { buffers: [header, body], flags } = sock.recvmsg([8, 1024]);
   * ```
   */
  recvmsg(sizes: number | readonly number[], options?: RecvmsgOptions): RecvmsgResult {
    fdOf(this, 'recvmsg');
    return this.#recvmsg(prepareReceive(sizes, options));
  }

  /**
   * Sends several messages in one syscall: sendmmsg(2) (MSG_NOSIGNAL added).
   *
   * Each message is what one sendmsg would send: `data` (or `buffers` gathered in order), to its
   * own `address` on an unconnected socket, with its own `control` items. The kernel sends them in
   * order and stops at the first that fails: when some went out, the count says how many and the
   * error is lost (as in C; sending the rest again reports it); when the first fails, it throws.
   *
   * @param messages - At most 1024 (the kernel's UIO_MAXIOV); an empty list sends nothing and returns 0.
   * @param flags - MSG_* flags for every message, or'ed (default 0).
   * @returns How many messages were sent, from the first: fewer than given when the kernel stopped early.
   * @throws {@link SocketError} from sendmmsg(2), `syscall` 'sendmmsg', when the first message
   * fails: `EAGAIN` (full send buffer, non-blocking or SO_SNDTIMEO), `EMSGSIZE`, `ECONNREFUSED`,
   * `EDESTADDRREQ`, `EBADF` (an fd in SCM_RIGHTS) ...
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) or `RangeError` (`ERR_OUT_OF_RANGE`) for a bad
   * message or `flags`, before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/sendmmsg.2.html | sendmmsg(2)}
   * @example
   * ```ts
   * const sent = udp.sendmmsg([{ data: 'one', address: peer }, { data: 'two', address: peer }]);
   * ```
   */
  sendmmsg(messages: readonly MmsgMessage[], flags = 0): number {
    const fd = fdOf(this, 'sendmmsg');
    validateFlags(flags, 'flags', SEND_FLAGS, 'sendmmsg');
    const prepared = prepareSendmmsg(messages, flags, (address, name) => this.encode(address, name));
    const result = native.sendmmsg(fd, prepared.messages, prepared.flags);
    if (result < 0) throw blockingError(this, 'sendmmsg', result, prepared.flags, SO_SNDTIMEO, prepared.context);
    return result;
  }

  /**
   * Receives several datagrams in one syscall: recvmmsg(2), up to `count` of up to `length` bytes.
   *
   * As C's: it blocks until all `count` have arrived, unless `flags` has MSG_WAITFORONE (block for
   * the first, then take what else is there) or MSG_DONTWAIT (take what is there, EAGAIN if none).
   * Each datagram's `data` is allocated as {@link recv}'s (its own size); a longer one is cut to
   * `length` and flagged MSG_TRUNC. `options.timeout` is recvmmsg's own: the kernel checks it only
   * after each datagram, so it never ends the wait for the first (bound that with SO_RCVTIMEO).
   *
   * @param count - The most datagrams, 1 to 1024.
   * @param length - The most bytes of each, 0 to {@link MAX_RECV_LENGTH} (`count * length` too).
   * @param options - `flags` (MSG_WAITFORONE, MSG_DONTWAIT, MSG_PEEK ...), `timeout` in ms.
   * @returns The datagrams received, in order: their bytes, sender and `msg_flags`.
   * @throws {@link SocketError} from recvmmsg(2), `syscall` 'recvmmsg', when none arrived: `EAGAIN`
   * (MSG_DONTWAIT, non-blocking or SO_RCVTIMEO), `ECONNREFUSED` ...
   * @throws `TypeError` / `RangeError` for a bad `count`, `length` or option, before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/recvmmsg.2.html | recvmmsg(2)}
   * @example
   * ```ts
   * for (const { data, address } of udp.recvmmsg(64, 1500, { flags: MSG_WAITFORONE })) udp.sendto(data, address!);
   * ```
   */
  recvmmsg(count: number, length: number, options?: RecvmmsgOptions): ReceivedMessage[] {
    return this.#recvmmsg(count, length, options, false)!;
  }

  #recvmmsg(count: number, length: number, options: RecvmmsgOptions | undefined, orNull: boolean): ReceivedMessage[] | null {
    const fd = fdOf(this, 'recvmmsg');
    const prepared = prepareRecvmmsg(count, length, options);
    const result = receiveMessages(fd, prepared, this.unnamedPeer());
    if (typeof result === 'number') {
      if (orNull && result === EAGAIN) return null;
      throw blockingError(this, 'recvmmsg', result, prepared.flags, SO_RCVTIMEO);
    }
    return result;
  }

  /**
   * recvmmsg(2) into a buffer of yours, as {@link recvInto} is to {@link recv}: up to `count`
   * datagrams of up to `length` bytes, the i-th at `buffer` offset `i * length`, its byte count at
   * `results[2 * i]` and its `msg_flags` at `results[2 * i + 1]` (C's `msg_len` and
   * `msg_hdr.msg_flags`). Nothing is allocated per datagram: the loop a C receiver writes, reusing
   * its buffers. With MSG_TRUNC in `flags`, the byte count is the datagram's real length, which may
   * exceed `length`. The senders only when asked: `options.senders` is filled in, index i the i-th
   * datagram's (as recvmmsg's `address`); without it the kernel is not asked for them (msg_name NULL).
   *
   * Blocks as {@link recvmmsg} does (MSG_WAITFORONE, MSG_DONTWAIT, `options.timeout` alike).
   *
   * @param buffer - Where the datagrams land: at least `count * length` bytes.
   * @param count - The most datagrams, 1 to 1024.
   * @param length - The most bytes of each, 0 to {@link MAX_RECV_LENGTH}.
   * @param results - At least `2 * count` elements: each datagram's byte count and `msg_flags`.
   * @param options - `flags`, `timeout` as recvmmsg's; `senders`, an array to fill with the senders.
   * @returns How many datagrams arrived, at least one.
   * @throws {@link SocketError} from recvmmsg(2), `syscall` 'recvmmsg', as {@link recvmmsg}.
   * @throws `TypeError` / `RangeError` for a bad argument or option (a buffer or results array too
   * short for `count`, a detached one having no room), before any syscall.
   * @see {@link https://man7.org/linux/man-pages/man2/recvmmsg.2.html | recvmmsg(2)}
   * @example
   * ```ts
   * const buffer = Buffer.alloc(64 * 1500);
   * const results = new Int32Array(2 * 64);
   * const n = udp.recvmmsgInto(buffer, 64, 1500, results, { flags: MSG_WAITFORONE });
   * for (let i = 0; i < n; i++) handle(buffer.subarray(i * 1500, i * 1500 + results[2 * i]!));
   * ```
   */
  recvmmsgInto(buffer: ArrayBufferView, count: number, length: number, results: Int32Array, options?: RecvmmsgIntoOptions): number {
    return this.#recvmmsgInto(buffer, count, length, results, options, false)!;
  }

  #recvmmsgInto(buffer: ArrayBufferView, count: number, length: number, results: Int32Array, options: RecvmmsgIntoOptions | undefined, orNull: boolean): number | null {
    const fd = fdOf(this, 'recvmmsg');
    const prepared = prepareRecvmmsgInto(buffer, count, length, results, options);
    const result = receiveMessagesInto(fd, prepared, this.unnamedPeer());
    if (result < 0) {
      if (orNull && result === EAGAIN) return null;
      throw blockingError(this, 'recvmmsg', result, prepared.flags, SO_RCVTIMEO);
    }
    return result;
  }

  /**
   * recvmmsg(2) that returns null instead of throwing EAGAIN (nothing queued on a non-blocking
   * socket, or with MSG_DONTWAIT; on a blocking one, SO_RCVTIMEO ran out). Otherwise exactly
   * {@link recvmmsg}: the datagrams, at least one. See {@link tryAccept}.
   *
   * @returns The datagrams, or null when recvmmsg said EAGAIN.
   * @throws {@link SocketError} as {@link recvmmsg}, except EAGAIN; `TypeError` / `RangeError` for bad arguments.
   * @see {@link https://man7.org/linux/man-pages/man2/recvmmsg.2.html | recvmmsg(2)}
   * @example
   * ```ts
   * for (let batch; (batch = udp.tryRecvmmsg(64, 1500, { flags: MSG_DONTWAIT })) !== null; ) handleAll(batch);
   * ```
   */
  tryRecvmmsg(count: number, length: number, options?: RecvmmsgOptions): ReceivedMessage[] | null {
    return this.#recvmmsg(count, length, options, true);
  }

  /**
   * recvmmsg(2) into a buffer of yours that returns null instead of throwing EAGAIN. Otherwise
   * exactly {@link recvmmsgInto}: how many datagrams arrived, at least one. See {@link tryAccept}.
   *
   * @returns How many datagrams arrived, or null when recvmmsg said EAGAIN (`results` and
   * `options.senders` are then untouched).
   * @throws {@link SocketError} as {@link recvmmsgInto}, except EAGAIN; `TypeError` / `RangeError` for bad arguments.
   * @see {@link https://man7.org/linux/man-pages/man2/recvmmsg.2.html | recvmmsg(2)}
   * @example
   * ```ts
   * for (let n; (n = udp.tryRecvmmsgInto(buffer, 64, 1500, results, { flags: MSG_DONTWAIT })) !== null; ) {
   *   for (let i = 0; i < n; i++) handle(buffer.subarray(i * 1500, i * 1500 + results[2 * i]!));
   * }
   * ```
   */
  tryRecvmmsgInto(buffer: ArrayBufferView, count: number, length: number, results: Int32Array, options?: RecvmmsgIntoOptions): number | null {
    return this.#recvmmsgInto(buffer, count, length, results, options, true);
  }

  /**
   * Passes open fds to the peer process: sendmsg(2) with one SCM_RIGHTS item (AF_UNIX only).
   *
   * The receiver gets its own fds for the same open files; these stay open here. A stream socket
   * carries ancillary data only along with data: `data` defaults to one zero byte.
   *
   * @param fds - fd numbers or Sockets (either flavour), 1 to 253 (SCM_MAX_FD).
   * @param data - The bytes that go with them.
   * @param options - `address` (an unconnected datagram socket), `flags`.
   * @returns The bytes of `data` sent.
   * @see {@link https://man7.org/linux/man-pages/man7/unix.7.html | unix(7)}
   * @example
   * ```ts
   * sock.sendFds([fs.openSync('/etc/hostname', 'r')]);
   * ```
   */
  sendFds(fds: ReadonlyArray<number | SocketBase>, data?: ArrayBufferView | string, options?: Omit<SendmsgOptions, 'control'>): number {
    fdOf(this, 'sendmsg');
    return this.#sendmsg(prepareSendFds(fds, data, options, (address, name) => this.encode(address, name)));
  }

  /**
   * Receives fds passed with sendFds (or any SCM_RIGHTS): recvmsg(2) with room for `maxFds` fds
   * (and for the credentials and pidfd items the kernel puts first with SO_PASSCRED/SO_PASSPIDFD on).
   *
   * At most `maxFds` fds are handed over. If more were sent, every one that arrived is closed,
   * `fds` is empty and `flags` has MSG_CTRUNC, whether the kernel cut the list or the room left for
   * alignment let one more in. A pidfd that comes along (SO_PASSPIDFD on) is closed: recvmsg hands
   * it over.
   * `data` is allocated as {@link recv}'s: the size of what arrived.
   *
   * @param maxFds - The most fds expected, 1 to 253.
   * @param options - `length` (bytes of data to receive, default 4096), `flags`.
   * @returns The data, the fds (close-on-exec, the caller's to close) and msg_flags.
   * @example
   * ```ts
   * const { fds: [fd] } = sock.recvFds(1);
   * const conn = Socket.fromFd(fd);
   * ```
   */
  recvFds(maxFds: number, options?: { length?: number; flags?: number }): ReceivedFds {
    fdOf(this, 'recvmsg');
    const { buffers, fds, flags } = this.#recvmsg(prepareReceiveFds(maxFds, options));
    return { data: buffers[0]!, fds, flags };
  }

  /**
   * Receives data with its sender's credentials: recvmsg(2) with room for an SCM_CREDENTIALS item,
   * turning SO_PASSCRED on first (one setsockopt(2), the first time on this Socket; it stays on).
   *
   * The kernel attaches credentials to what a peer sends while SO_PASSCRED is on here (or sends with
   * sendCredentials): turn it on before the peer sends, with `setsockopt(SOL_SOCKET, SO_PASSCRED, 1)`
   * after accept or connect, or by calling recvCredentials first. On a stream socket, data from
   * different senders or credentials is never returned by one call. fds that come along
   * (SCM_RIGHTS, SCM_PIDFD) are closed: recvmsg and recvFds hand them over.
   *
   * @param length - The most bytes to receive, 0 to MAX_RECV_LENGTH.
   * @param options - `flags` (MSG_PEEK, MSG_DONTWAIT ...).
   * @returns The data, the sender's {@link Credentials} and msg_flags.
   * @throws {@link SocketError} from setsockopt(2): `ENOTSUP` (EOPNOTSUPP: not an AF_UNIX socket);
   * from recvmsg(2): `EAGAIN` (non-blocking or SO_RCVTIMEO), `ECONNRESET`, `EBADF` ...
   * @see {@link https://man7.org/linux/man-pages/man7/unix.7.html | unix(7)}
   * @example
   * ```ts
   * const { data, credentials } = conn.recvCredentials(4096);
   * if (credentials?.uid !== process.getuid()) conn.close();
   * ```
   */
  recvCredentials(length: number, options?: { flags?: number }): ReceivedCredentials {
    const fd = fdOf(this, 'recvmsg');
    const prepared = prepareReceiveCredentials(length, options);
    passCredentials(this, fd);
    const { buffers, credentials, flags } = this.#recvmsg(prepared);
    return { data: buffers[0]!, credentials, flags };
  }

  /**
   * Sends this process's pid, uid and gid, vouched for by the kernel: sendmsg(2) with one
   * SCM_CREDENTIALS item (AF_UNIX). The receiver reads them with recvCredentials (or as
   * `credentials` of recvmsg, with SO_PASSCRED on). `data` defaults to one zero byte.
   *
   * @returns The bytes of `data` sent.
   * @example
   * ```ts
   * client.sendCredentials('hello');
   * ```
   */
  sendCredentials(data?: ArrayBufferView | string, options?: Omit<SendmsgOptions, 'control'>): number {
    fdOf(this, 'sendmsg');
    return this.#sendmsg(prepareSendCredentials(data, options, (address, name) => this.encode(address, name)));
  }
}

/** The chunks of {@link Socket.chunks}: recv after recv, until an empty read that is EOF. */
function* receiveChunks(socket: Socket, size: number, endsAtEmpty: boolean): Generator<Buffer, void, undefined> {
  for (;;) {
    const chunk = socket.recv(size);
    if (chunk.length === 0 && endsAtEmpty) return;
    yield chunk;
  }
}
