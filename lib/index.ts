/// <reference types="node" preserve="true" />
/**
 * sockcall: the real POSIX socket system calls, blocking flavour.
 *
 * Each call makes its syscall on the calling thread, exactly as the equivalent C does, and blocks as
 * C would. A failed syscall throws a {@link SocketError} naming the syscall and the errno; a bad
 * argument throws a TypeError or RangeError before any syscall. For code on Node's event loop, use
 * `sockcall/promises`.
 *
 * @example
 * ```ts
 * import { Socket, getaddrinfo, AF_INET, SOCK_STREAM } from 'sockcall';
 *
 * const [{ address }] = getaddrinfo('localhost', 3005, { family: AF_INET, type: SOCK_STREAM });
 * const s = new Socket(AF_INET, SOCK_STREAM);
 * s.connect(address);
 * s.sendAll('hello\n');
 * console.log(String(s.recv(4096)));
 * s.close();
 * ```
 *
 * @module sockcall
 */
export * from './constants';
export {
  type AddressInput,
  type DisconnectAddress,
  type FamilyName,
  type Inet6Address,
  type InetAddress,
  type InetAddressInput,
  type PacketAddress,
  type PacketAddressInput,
  type SocketAddress,
  type UnixAddress,
  type UnixAddressInput,
  type UnspecAddress,
} from './address';
export { Epoll, type EpollEvent, type EpollTarget } from './epoll';
export { type ErrorContext, SocketError } from './errors';
export { type Addrinfo, type AddrinfoHints, getaddrinfo } from './getaddrinfo';
export { poll, type Pollable, type PollEntry, type PollReady, select, type SelectResult } from './select';
export { type TcpInfo, type TcpState } from './layouts';
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
export { type ChunksOptions, MAX_RECV_LENGTH, type OptionValue, type Received, type RecvfromIntoOptions, type SetOptionValue, Socket } from './socket';
export { type FileInput } from './validate';
