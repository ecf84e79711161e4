// getaddrinfo(3), blocking, as C calls it.
import type { Inet6Address, InetAddress } from './address';
import { constants, EAI_SYSTEM } from './constants';
import { getSystemErrorMap } from 'node:util';

import { invalidArgType, invalidArgValue, SocketError, syscallError } from './errors';
import { native } from './native';
import { validateInt, validateObject } from './validate';

/**
 * What getaddrinfo() should return (`struct addrinfo` hints). Every field is optional, 0 by default.
 *
 * @example
 * ```ts
 * const hints: AddrinfoHints = { family: AF_INET, type: SOCK_STREAM, flags: AI_ADDRCONFIG };
 * ```
 *
 * @category Name resolution
 */
export interface AddrinfoHints {
  /** AF_INET, AF_INET6 or AF_UNSPEC (the default: both). */
  family?: number;
  /** SOCK_STREAM, SOCK_DGRAM ... (default 0: any). */
  type?: number;
  /** IPPROTO_TCP, IPPROTO_UDP ... (default 0: any). */
  protocol?: number;
  /** AI_PASSIVE, AI_CANONNAME, AI_NUMERICHOST, AI_NUMERICSERV, AI_ADDRCONFIG ... */
  flags?: number;
}

/**
 * One result of getaddrinfo(): the arguments for socket() and the address for connect() or bind().
 *
 * Without a `type` hint, each address comes once per socket type (stream, datagram, raw).
 *
 * @example
 * ```ts
 * const [ai] = getaddrinfo('localhost', 3005, { type: SOCK_STREAM });
 * const s = new Socket(ai.family, ai.type, ai.protocol);
 * s.connect(ai.address);
 * ```
 *
 * @category Name resolution
 */
export interface Addrinfo {
  /** The address family for socket(): AF_INET or AF_INET6. */
  family: number;
  /** The socket type for socket(): SOCK_STREAM, SOCK_DGRAM ... */
  type: number;
  /** The protocol for socket(): IPPROTO_TCP, IPPROTO_UDP ... */
  protocol: number;
  /** Ready for connect() or bind(). */
  address: InetAddress | Inet6Address;
  /** With AI_CANONNAME, on the first entry. */
  canonname?: string;
}

const eaiNames = new Map<number, string>(
  Object.entries(constants)
    .filter(([name]) => name.startsWith('EAI_'))
    .map(([name, value]) => [value, name]),
);

// libuv's numbers for the EAI_* names (EAI_NONAME is -3008): glibc's own values (-2) collide with
// errno values, and util.getSystemErrorName(err.errno) must give back err.code.
const uvErrnoByName = new Map<string, number>([...getSystemErrorMap()].map(([errno, [name]]) => [name, errno]));

const HINT_KEYS: readonly (keyof AddrinfoHints)[] = ['family', 'type', 'protocol', 'flags'];

/** The validated arguments of a getaddrinfo call, in the binding's order. */
export type AddrinfoArguments = [host: string | null, service: string | null, family: number, type: number, protocol: number, flags: number];

export function addrinfoArguments(host: unknown, port: unknown, hints: unknown): AddrinfoArguments {
  if (host !== null && typeof host !== 'string') throw invalidArgType('host', 'of type string or null', host);
  // A NUL would end the C string early and resolve only what comes before it.
  if (host?.includes('\0')) throw invalidArgValue('host', host, 'must not contain a NUL byte');
  let service: string | null = null;
  if (typeof port === 'number') service = String(validateInt(port, 'port', 0, 65535));
  else if (typeof port === 'string') service = port;
  else if (port !== null && port !== undefined) throw invalidArgType('port', 'of type number, string or null', port);
  if (service?.includes('\0')) throw invalidArgValue('port', service, 'must not contain a NUL byte');
  const h = validateObject(hints, 'hints', HINT_KEYS);
  const field = (name: keyof AddrinfoHints): number => (h[name] === undefined ? 0 : validateInt(h[name], `hints.${name}`));
  return [host, service, field('family'), field('type'), field('protocol'), field('flags')];
}

/**
 * The error for a failed getaddrinfo: `code` the EAI_* name, `errno` libuv's number for it, `eai`
 * the raw value glibc returned; EAI_SYSTEM is reported as the errno it carries.
 */
export function addrinfoError(failure: { eai: number; errno: number }, host: string | null): SocketError {
  const context = host === null ? {} : { hostname: host };
  if (failure.eai === EAI_SYSTEM && failure.errno !== 0) return syscallError('getaddrinfo', -failure.errno, context);
  const code = eaiNames.get(failure.eai) ?? `EAI_${failure.eai}`;
  const error = new SocketError('getaddrinfo', code, uvErrnoByName.get(code) ?? failure.eai, context);
  error.eai = failure.eai;
  return error;
}

/**
 * Resolves a host and port into socket addresses: getaddrinfo(3). Resolves `host` (a name, or a
 * numeric address, which is returned as is) and `port` (a number or a service name) into addresses to
 * connect() or bind() to, in the order the resolver prefers. `host` null with AI_PASSIVE gives the
 * wildcard address. Blocks the calling thread.
 * Fails with a SocketError whose `code` is the EAI_* name ('EAI_NONAME'), `errno` libuv's number for
 * it (so util.getSystemErrorName works), `eai` glibc's raw value, and `hostname` the host.
 *
 * A classic client's "dotted decimal, or else resolve the name" is one call:
 * `getaddrinfo(host, 3005, { family: AF_INET, type: SOCK_STREAM })[0].address`.
 *
 * The lookup follows /etc/nsswitch.conf, /etc/hosts and DNS as C's does, and may take as long as the
 * resolver's timeouts; the promise flavour's getaddrinfo runs it on the libuv thread pool instead.
 *
 * @param host - A host name, a numeric address, or null (with AI_PASSIVE: the wildcard; else loopback).
 * @param port - A port number (0 to 65535), a service name ('http'), or null/undefined for port 0.
 * @param hints - Family, type, protocol and AI_* flags: see {@link AddrinfoHints}.
 * @returns The addresses, at least one.
 * @throws {@link SocketError}, `syscall` 'getaddrinfo', `code` one of:
 * - `EAI_NONAME`: the host (or service) is not known, or AI_NUMERICHOST with a name;
 * - `EAI_AGAIN`: a temporary failure (the DNS server did not answer): try again later;
 * - `EAI_FAIL`: a permanent failure of the name server;
 * - `EAI_SERVICE`: the service is not known for the socket type;
 * - `EAI_FAMILY` / `EAI_SOCKTYPE` / `EAI_BADFLAGS`: a hint the resolver does not support;
 * - `EAI_ADDRFAMILY` / `EAI_NODATA`: the host has no address (in that family);
 * - `EAI_MEMORY`: out of memory;
 * - an errno name ('EMFILE' ...) for EAI_SYSTEM.
 * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`: a NUL in `host` or `port`) or
 * `RangeError` (`ERR_OUT_OF_RANGE`: a port outside 0 to 65535, a hint outside 32 bits), before any lookup.
 * @see {@link https://man7.org/linux/man-pages/man3/getaddrinfo.3.html | getaddrinfo(3)}
 * @example
 * ```ts
 * const [{ address }] = getaddrinfo('localhost', 3005, { family: AF_INET, type: SOCK_STREAM });
 * const s = new Socket(AF_INET, SOCK_STREAM);
 * s.connect(address); // { family: 'AF_INET', address: '127.0.0.1', port: 3005 }
 * ```
 *
 * @category Name resolution
 */
export function getaddrinfo(host: string | null, port?: number | string | null, hints: AddrinfoHints = {}): Addrinfo[] {
  const args = addrinfoArguments(host, port, hints);
  const result = native.getaddrinfo(...args);
  if (!Array.isArray(result)) throw addrinfoError(result, args[0]);
  return result as Addrinfo[];
}
