// getaddrinfo(3), blocking, as C calls it.
import type { SocketAddress } from './address';
import { constants, EAI_SYSTEM } from './constants';
import { invalidArgType, SocketError, syscallError } from './errors';
import { native } from './native';
import { validateInt, validateObject } from './validate';

export interface AddrinfoHints {
  /** AF_INET, AF_INET6 or AF_UNSPEC (the default: both). */
  family?: number;
  /** SOCK_STREAM, SOCK_DGRAM ... (default 0: any). */
  type?: number;
  protocol?: number;
  /** AI_PASSIVE, AI_CANONNAME, AI_NUMERICHOST, AI_NUMERICSERV, AI_ADDRCONFIG ... */
  flags?: number;
}

export interface Addrinfo {
  family: number;
  type: number;
  protocol: number;
  /** Ready for connect() or bind(). */
  address: SocketAddress;
  /** With AI_CANONNAME, on the first entry. */
  canonname?: string;
}

const eaiNames = new Map<number, string>(
  Object.entries(constants)
    .filter(([name]) => name.startsWith('EAI_'))
    .map(([name, value]) => [value, name]),
);

/**
 * getaddrinfo(3): resolves `host` (a name, or a numeric address, which is returned as is) and `port`
 * (a number or a service name) into addresses to connect() or bind() to, in the order the resolver
 * prefers. `host` null with AI_PASSIVE gives the wildcard address. Blocks the calling thread.
 * Fails with a SocketError whose `code` is the EAI_* name ('EAI_NONAME') and `hostname` the host.
 *
 * The seed client's "dotted decimal, or else resolve the name" is one call:
 * `getaddrinfo(host, 3005, { family: AF_INET, type: SOCK_STREAM })[0].address`.
 */
export function getaddrinfo(host: string | null, port?: number | string | null, hints: AddrinfoHints = {}): Addrinfo[] {
  if (host !== null && typeof host !== 'string') throw invalidArgType('host', 'of type string or null', host);
  let service: string | null = null;
  if (typeof port === 'number') service = String(validateInt(port, 'port', 0, 65535));
  else if (typeof port === 'string') service = port;
  else if (port !== null && port !== undefined) throw invalidArgType('port', 'of type number, string or null', port);
  const h = validateObject(hints, 'hints');
  const field = (name: keyof AddrinfoHints): number => (h[name] === undefined ? 0 : validateInt(h[name], `hints.${name}`));
  const result = native.getaddrinfo(host, service, field('family'), field('type'), field('protocol'), field('flags'));
  if (!Array.isArray(result)) {
    const context = host === null ? {} : { hostname: host };
    if (result.eai === EAI_SYSTEM && result.errno !== 0) throw syscallError('getaddrinfo', -result.errno, context);
    throw new SocketError('getaddrinfo', eaiNames.get(result.eai) ?? `EAI_${result.eai}`, result.eai, context);
  }
  return result;
}
