// sockcall: the real POSIX socket system calls, blocking flavour.
export * from './constants';
export {
  type AddressInput,
  type FamilyName,
  type Inet6Address,
  type InetAddress,
  type InetAddressInput,
  type SocketAddress,
  type UnixAddress,
  type UnixAddressInput,
  type UnspecAddress,
} from './address';
export { type ErrorContext, SocketError } from './errors';
export { type Addrinfo, type AddrinfoHints, getaddrinfo } from './getaddrinfo';
export { poll, type Pollable, type PollEntry, type PollReady, select, type SelectResult } from './select';
export { trace, type TraceOptions, type TraceSink } from './trace';
export { MAX_RECV_LENGTH, type OptionValue, type Received, type SetOptionValue, Socket } from './socket';
