// Addresses as plain objects. In: `{ address, port }` (family taken from the socket, or given),
// `{ path }` for Unix sockets. Out: the same discriminated by `family`. Encoding to a sockaddr is
// done once here and the bytes handed to the syscall.
import { AF_INET, AF_INET6, AF_UNIX } from './constants';
import { type ErrorContext, invalidArgType, invalidArgValue, outOfRange } from './errors';
import { native, type Sockaddr } from './native';
import { validateInt, validateObject } from './validate';

export interface InetAddress {
  family: 'AF_INET';
  address: string;
  port: number;
}

export interface Inet6Address {
  family: 'AF_INET6';
  address: string;
  port: number;
  flowinfo: number;
  scopeId: number;
}

export interface UnixAddress {
  family: 'AF_UNIX';
  /** A pathname, '' for an unnamed socket, or an abstract name starting with '\0'. */
  path: string;
}

/** A family sockcall does not decode; `sa_family` is the raw number. */
export interface UnspecAddress {
  family: 'AF_UNSPEC';
  sa_family: number;
}

/** An address as the kernel reports it: discriminate on `family`. */
export type SocketAddress = InetAddress | Inet6Address | UnixAddress | UnspecAddress;

export type FamilyName = 'AF_INET' | 'AF_INET6' | 'AF_UNIX';

/** An internet address to bind, connect or send to. `address` is numeric ('127.0.0.1', '::1'). */
export interface InetAddressInput {
  /** Defaults to the socket's domain. */
  family?: 'AF_INET' | 'AF_INET6' | number;
  address: string;
  port: number;
  /** IPv6 only. */
  flowinfo?: number;
  /** IPv6 only: the interface index of a link-local address. */
  scopeId?: number;
}

/** A Unix socket address: a pathname, or an abstract name with a leading '\0'. */
export interface UnixAddressInput {
  family?: 'AF_UNIX' | number;
  path: string | Uint8Array;
}

/**
 * Any address bind/connect/sendto accept: an input object, or an address sockcall returned
 * (getsockname, getaddrinfo, recvfrom), passed straight back. (An AF_UNSPEC address, which
 * sockcall cannot encode, is refused at run time with ERR_INVALID_ARG_VALUE.)
 */
export type AddressInput = InetAddressInput | UnixAddressInput | SocketAddress;

/** An address ready for a syscall, and what an error about it should say. */
export interface EncodedAddress {
  sockaddr: Sockaddr;
  context: ErrorContext;
}

const familyNames: Record<string, number> = { AF_INET, AF_INET6, AF_UNIX };

function familyOf(value: unknown, domain: number, name: string): number {
  if (value === undefined) return domain;
  if (typeof value === 'string' && value in familyNames) return familyNames[value]!;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw invalidArgValue(`${name}.family`, value, "must be 'AF_INET', 'AF_INET6', 'AF_UNIX' or a number");
}

/** Validates and encodes `input` for a socket of `domain`. */
export function encodeAddress(input: unknown, domain: number, name = 'address'): EncodedAddress {
  const object = validateObject(input, name);
  const family = familyOf(object.family, domain, name);
  if (family === AF_UNIX || (object.path !== undefined && object.family === undefined)) {
    return encodeUnix(object.path, name);
  }
  if (family !== AF_INET && family !== AF_INET6) {
    throw invalidArgValue(`${name}.family`, object.family ?? family, 'is not an address family sockcall can encode');
  }
  const text = object.address;
  if (typeof text !== 'string') throw invalidArgType(`${name}.address`, 'of type string', text);
  // The C string would end at a NUL and silently use what comes before it.
  if (text.includes('\0')) throw invalidArgValue(`${name}.address`, text, 'must not contain a NUL byte');
  const port = validateInt(object.port, `${name}.port`, 0, 65535);
  const flowinfo = object.flowinfo === undefined ? 0 : validateInt(object.flowinfo, `${name}.flowinfo`, 0, 0xfffff);
  const scopeId = object.scopeId === undefined ? 0 : validateInt(object.scopeId, `${name}.scopeId`, 0);
  const sockaddr = native.sockaddrInet(family, text, port, flowinfo, scopeId);
  if (sockaddr === null) {
    const kind = family === AF_INET ? 'IPv4' : 'IPv6';
    throw invalidArgValue(`${name}.address`, text, `is not a numeric ${kind} address (resolve host names with getaddrinfo())`);
  }
  return { sockaddr, context: { address: text, port } };
}

function encodeUnix(path: unknown, name: string): EncodedAddress {
  let bytes: Uint8Array;
  let shown: string;
  if (typeof path === 'string') {
    bytes = Buffer.from(path, 'utf8');
    shown = path;
  } else if (path instanceof Uint8Array) {
    bytes = path;
    shown = Buffer.from(path).toString('utf8'); // a copy: a view of a detached buffer is just empty
  } else {
    throw invalidArgType(`${name}.path`, 'of type string or an instance of Uint8Array', path);
  }
  // A NUL inside a pathname would silently cut it short; only an abstract name may hold NULs.
  if (bytes.length > 0 && bytes[0] !== 0 && bytes.includes(0)) {
    throw invalidArgValue(`${name}.path`, shown, 'must not contain a NUL byte (except the first, for an abstract name)');
  }
  const sockaddr = native.sockaddrUnix(bytes);
  if (sockaddr === null) throw outOfRange(`${name}.path`, 'at most 107 bytes (108 for an abstract name)', bytes.length);
  return { sockaddr, context: { path: shown } };
}
