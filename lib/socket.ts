// The blocking Socket: the calls that can wait (accept, connect, send, recv and friends) made on the
// calling thread, exactly as the equivalent C makes them, blocking as C would.
import type { AddressInput } from './address';
import { MSG_NOSIGNAL, SOCK_CLOEXEC } from './constants';
import { syscallError } from './errors';
import { native } from './native';
import { ADOPT, allocateFor, fdOf, MAX_RECV_LENGTH, type Received, shrink, SocketBase } from './socket-base';
import { asBytes, toSendable, validateInt, validateView } from './validate';

export { MAX_RECV_LENGTH, type OptionValue, type Received, type SetOptionValue } from './socket-base';

/**
 * A socket: `new Socket(domain, type, protocol)` is socket(2). Blocking by default, like C.
 *
 * Every fd it creates is close-on-exec. After close() or detach(), every method throws EBADF
 * without touching the old fd number, which may belong to someone else by then.
 */
export class Socket extends SocketBase {
  /**
   * accept4(2): waits for a connection and returns it as a new Socket (close-on-exec). `flags` may
   * be SOCK_NONBLOCK. The peer's address is `conn.getpeername()`.
   */
  accept(flags = 0): Socket {
    const fd = fdOf(this, 'accept');
    validateInt(flags, 'flags');
    const result = native.accept4(fd, flags | SOCK_CLOEXEC);
    if (result < 0) throw syscallError('accept', result);
    return new Socket(this.domain, this.type, this.protocol, ADOPT, result);
  }

  /** connect(2). On a non-blocking socket, EINPROGRESS is thrown as C reports it. */
  connect(address: AddressInput): void {
    const fd = fdOf(this, 'connect');
    const { sockaddr, context } = this.encode(address);
    const result = native.connect(fd, sockaddr);
    if (result < 0) throw syscallError('connect', result, context);
  }

  /**
   * send(2): returns how many bytes the kernel took, which may be fewer than given (see sendAll).
   * MSG_NOSIGNAL is always added, so a reset peer gives EPIPE rather than a SIGPIPE.
   */
  send(data: ArrayBufferView | string, flags = 0): number {
    const fd = fdOf(this, 'send');
    const view = toSendable(data);
    validateInt(flags, 'flags');
    const result = native.send(fd, view, flags | MSG_NOSIGNAL);
    if (result < 0) throw syscallError('send', result);
    return result;
  }

  /**
   * Calls send(2) until every byte has gone, as Python's sendall. Returns the byte count. If a call
   * fails part way, the error's `bytesSent` says how many bytes went out before it.
   */
  sendAll(data: ArrayBufferView | string, flags = 0): number {
    const fd = fdOf(this, 'send');
    const bytes = asBytes(toSendable(data));
    validateInt(flags, 'flags');
    let sent = 0;
    while (sent < bytes.length) {
      const result = native.send(fd, sent === 0 ? bytes : bytes.subarray(sent), flags | MSG_NOSIGNAL);
      if (result < 0) {
        const error = syscallError('send', result);
        error.bytesSent = sent;
        throw error;
      }
      sent += result;
    }
    return sent;
  }

  /** sendto(2): one datagram to `address` (or data on an unconnected socket). Adds MSG_NOSIGNAL. */
  sendto(data: ArrayBufferView | string, address: AddressInput, flags = 0): number {
    const fd = fdOf(this, 'sendto');
    const view = toSendable(data);
    const { sockaddr, context } = this.encode(address);
    validateInt(flags, 'flags');
    const result = native.sendto(fd, view, flags | MSG_NOSIGNAL, sockaddr);
    if (result < 0) throw syscallError('sendto', result, context);
    return result;
  }

  /**
   * recv(2) of up to `length` bytes into a new Buffer: the bytes received, an empty Buffer at EOF
   * (orderly shutdown by the peer). Flags: MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT, MSG_OOB, MSG_TRUNC.
   * On a TCP socket MSG_TRUNC discards the bytes unread: the Buffer then holds that many zeros.
   */
  recv(length: number, flags = 0): Buffer {
    const fd = fdOf(this, 'recv');
    validateInt(length, 'length', 0, MAX_RECV_LENGTH);
    validateInt(flags, 'flags');
    const buffer = allocateFor(length, flags);
    const result = native.recv(fd, buffer, flags);
    if (result < 0) throw syscallError('recv', result);
    return shrink(buffer, result);
  }

  /**
   * recv(2) into `view` (any Buffer, TypedArray or DataView); writes only inside the view's bytes.
   * Returns the count recv returned: with MSG_TRUNC on a datagram socket that is the datagram's real
   * length, which may exceed the view.
   */
  recvInto(view: ArrayBufferView, flags = 0): number {
    const fd = fdOf(this, 'recv');
    validateView(view, 'view');
    validateInt(flags, 'flags');
    const result = native.recv(fd, view, flags);
    if (result < 0) throw syscallError('recv', result);
    return result;
  }

  /** recvfrom(2): up to `length` bytes and the sender's address. */
  recvfrom(length: number, flags = 0): Received {
    const fd = fdOf(this, 'recvfrom');
    validateInt(length, 'length', 0, MAX_RECV_LENGTH);
    validateInt(flags, 'flags');
    const buffer = allocateFor(length, flags);
    const result = native.recvfrom(fd, buffer, flags);
    if (typeof result === 'number') throw syscallError('recvfrom', result);
    return { data: shrink(buffer, result[0]), address: result[1] ?? this.unnamedPeer() };
  }
}
