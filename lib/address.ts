// Addresses as plain objects. In: `{ address, port }` (family taken from the socket, or given),
// `{ path }` for Unix sockets. Out: the same discriminated by `family`. Encoding to a sockaddr is
// done once here and the bytes handed to the syscall.
import { endianness } from 'node:os';

import { addressText, pathText } from './address-text';
import { AF_INET, AF_INET6, AF_PACKET, AF_UNIX, AF_UNSPEC } from './constants';
import { type ErrorContext, invalidArgType, invalidArgValue, outOfRange } from './errors';
import { native, type Sockaddr } from './native';
import { validateInt, validateKeys, validateObject } from './validate';

export { addressText, pathText };

/**
 * An IPv4 address as the kernel reports it (`struct sockaddr_in`).
 *
 * @example
 * ```ts
 * const address: InetAddress = { family: 'AF_INET', address: '127.0.0.1', port: 3005 };
 * ```
 *
 * @category Addresses
 */
export interface InetAddress {
  /** Always 'AF_INET'. */
  family: 'AF_INET';
  /** Dotted decimal ('127.0.0.1'). */
  address: string;
  /** 0 to 65535. */
  port: number;
}

/**
 * An IPv6 address as the kernel reports it (`struct sockaddr_in6`). An IPv4 peer of a dual-stack
 * socket shows up v4-mapped ('::ffff:127.0.0.1').
 *
 * @example
 * ```ts
 * const address: Inet6Address = { family: 'AF_INET6', address: '::1', port: 3005, flowinfo: 0, scopeId: 0 };
 * ```
 *
 * @category Addresses
 */
export interface Inet6Address {
  /** Always 'AF_INET6'. */
  family: 'AF_INET6';
  /** The compressed text form ('::1', 'fe80::1'). */
  address: string;
  /** 0 to 65535. */
  port: number;
  /** The flow label field (`sin6_flowinfo`). */
  flowinfo: number;
  /** The interface index of a link-local address (`sin6_scope_id`), else 0. */
  scopeId: number;
}

/**
 * A Unix domain socket address as the kernel reports it (`struct sockaddr_un`).
 *
 * @example
 * ```ts
 * const address: UnixAddress = { family: 'AF_UNIX', path: '/tmp/echo.sock' };
 * ```
 *
 * @category Addresses
 */
export interface UnixAddress {
  /** Always 'AF_UNIX'. */
  family: 'AF_UNIX';
  /**
   * A pathname, '' for an unnamed socket, or an abstract name starting with '\0'. A name is bytes:
   * it is a string when they are valid UTF-8 and a Buffer of them otherwise (an abstract name
   * `\0app\0\xff`, a path made by a program that does not speak UTF-8), so that the address passed
   * back to connect or sendto names the same socket.
   */
  path: string | Buffer;
}

/**
 * A family sockcall does not decode; `sa_family` is the raw number.
 *
 * @category Addresses
 */
export interface UnspecAddress {
  /** Always 'AF_UNSPEC': sockcall has no decoder for this family. */
  family: 'AF_UNSPEC';
  /** The family number from the kernel (`sa_family`). */
  sa_family: number;
}

/**
 * An address as the kernel reports it: discriminate on `family`.
 *
 * What getsockname, getpeername and recvfrom return, and what getaddrinfo puts in `address`; any of
 * them can be passed straight back to bind, connect or sendto.
 *
 * @example
 * ```ts
 * const peer = conn.getpeername();
 * if (peer.family === 'AF_UNIX') console.log(peer.path);
 * else if (peer.family !== 'AF_UNSPEC') console.log(`${peer.address}:${peer.port}`);
 * ```
 *
 * @category Addresses
 */
export type SocketAddress = InetAddress | Inet6Address | UnixAddress | PacketAddress | UnspecAddress;

/**
 * A packet socket's address (`struct sockaddr_ll`): a device, and the frame's protocol and type.
 *
 * Returned by recvfrom (who sent the frame, and how it was addressed) and getsockname; taken by
 * bind (which device and protocol to receive) and sendto (which device to send on). Given as input,
 * only `ifindex` is needed for bind, with `protocol` to receive only one protocol; the rest default
 * to 0 and ''. Interface indexes come from {@link if_nametoindex}.
 *
 * @see {@link https://man7.org/linux/man-pages/man7/packet.7.html | packet(7)}
 * @example
 * ```ts
 * sniffer.bind({ family: 'AF_PACKET', protocol: ETH_P_ALL, ifindex: if_nametoindex('lo') });
 * const { data, address } = sniffer.recvfrom(65536);
 * if (address?.family === 'AF_PACKET' && address.pkttype !== PACKET_OUTGOING) console.log(data.length);
 * ```
 *
 * @category Addresses
 */
export interface PacketAddress {
  /** Always 'AF_PACKET'. */
  family: 'AF_PACKET';
  /** `sll_protocol`: the Ethernet type (ETH_P_IP, ETH_P_IPV6, ETH_P_ALL ...), in host order (sockcall converts it). */
  protocol: number;
  /** `sll_ifindex`: the interface index (0 in bind: every interface). */
  ifindex: number;
  /** `sll_hatype`: the hardware type, ARPHRD_ETHER, ARPHRD_LOOPBACK ... (filled in by the kernel). */
  hatype: number;
  /** `sll_pkttype`: PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST, PACKET_OUTGOING (filled in by the kernel). */
  pkttype: number;
  /** `sll_addr`: the hardware address as 'aa:bb:cc:dd:ee:ff' (`sll_halen` bytes), '' for none. */
  address: string;
}

/**
 * A packet socket address to bind or send to: {@link PacketAddress} with only `family` and
 * `ifindex` required.
 *
 * @category Addresses
 */
export interface PacketAddressInput {
  /** 'AF_PACKET': a packet address is never taken from the socket's domain alone. */
  family: 'AF_PACKET';
  /** An ETH_P_* value in host order; default 0 (in bind: the socket's protocol). */
  protocol?: number;
  /** The interface index ({@link if_nametoindex}); 0 in bind: every interface. */
  ifindex: number;
  /** Default 0. */
  hatype?: number;
  /** Default 0. */
  pkttype?: number;
  /** A hardware address, 'aa:bb:..' (up to 8 bytes); default '' (none). */
  address?: string;
}

/**
 * The families sockcall encodes and decodes, by the name addresses carry in `family`.
 *
 * @category Addresses
 */
export type FamilyName = 'AF_INET' | 'AF_INET6' | 'AF_UNIX' | 'AF_PACKET';

/**
 * An internet address to bind, connect or send to. `address` is numeric ('127.0.0.1', '::1').
 *
 * A host name is refused (`ERR_INVALID_ARG_VALUE`): resolve it with getaddrinfo(), whose results
 * can be passed as they are.
 *
 * @example
 * ```ts
 * s.bind({ address: '0.0.0.0', port: 0 });
 * s6.connect({ address: 'fe80::1', port: 22, scopeId: 2 });
 * ```
 *
 * @category Addresses
 */
export interface InetAddressInput {
  /** Defaults to the socket's domain. */
  family?: 'AF_INET' | 'AF_INET6' | number;
  /** A numeric address ('127.0.0.1', '0.0.0.0', '::1', '::'). */
  address: string;
  /** 0 to 65535; 0 for bind means any free port. */
  port: number;
  /** IPv6 only. */
  flowinfo?: number;
  /** IPv6 only: the interface index of a link-local address. */
  scopeId?: number;
}

/**
 * A Unix socket address: a pathname, or an abstract name with a leading '\0'.
 *
 * At most 107 bytes for a pathname (the NUL terminator takes the 108th), 108 for an abstract name.
 *
 * @example
 * ```ts
 * server.bind({ path: '/tmp/echo.sock' });
 * server.bind({ path: '\0echo' }); // abstract: no file, gone with the socket
 * ```
 *
 * @category Addresses
 */
export interface UnixAddressInput {
  /** Optional: a `path` alone is already a Unix address. */
  family?: 'AF_UNIX' | number;
  /** A string (UTF-8) or the raw bytes; no NUL inside, except the first byte of an abstract name. */
  path: string | Uint8Array;
}

/**
 * The address that dissolves a connection: `connect({ family: 'AF_UNSPEC' })`, connect(2) with a
 * `struct sockaddr` of family AF_UNSPEC.
 *
 * On a datagram socket (UDP, AF_UNIX datagram) it undoes connect: the socket has no peer any more
 * (getpeername fails ENOTCONN, send without an address EDESTADDRREQ) and receives from any sender
 * again. On a TCP socket the kernel aborts the connection (as SO_LINGER 0 would). Only connect
 * takes it; `sa_family`, if given, must be AF_UNSPEC.
 *
 * @example
 * ```ts
 * udp.connect({ address: '127.0.0.1', port });
 * udp.connect({ family: 'AF_UNSPEC' }); // unconnected again
 * ```
 *
 * @category Addresses
 */
export interface DisconnectAddress {
  /** 'AF_UNSPEC' (or the number AF_UNSPEC). */
  family: 'AF_UNSPEC';
}

/**
 * Any address bind/connect/sendto accept: an input object, or an address sockcall returned
 * (getsockname, getaddrinfo, recvfrom), passed straight back. (An AF_UNSPEC address of another
 * family, which sockcall cannot encode, is refused at run time with ERR_INVALID_ARG_VALUE; connect
 * takes a {@link DisconnectAddress}.)
 *
 * @example
 * ```ts
 * s.connect({ address: '127.0.0.1', port: 3005 });
 * s.connect(getaddrinfo('localhost', 3005, { type: SOCK_STREAM })[0].address);
 * unix.connect({ path: '/tmp/echo.sock' });
 * ```
 *
 * @category Addresses
 */
export type AddressInput = InetAddressInput | UnixAddressInput | PacketAddressInput | SocketAddress;

/** An address ready for a syscall, and what an error about it should say. */
export interface EncodedAddress {
  sockaddr: Sockaddr;
  context: ErrorContext;
}

const familyNames: Record<string, number> = { AF_INET, AF_INET6, AF_UNIX, AF_PACKET };

/** The keys of every address form sockcall encodes. */
const ADDRESS_KEYS = ['family', 'address', 'port', 'flowinfo', 'scopeId', 'path'];
/** The keys of a packet address (struct sockaddr_ll). */
const PACKET_KEYS = ['family', 'protocol', 'ifindex', 'hatype', 'pkttype', 'address'];
/** C's names of a packet address's fields, and the one sockcall names each. */
const PACKET_ALIASES: Readonly<Record<string, string>> = {
  sll_protocol: 'protocol',
  sll_ifindex: 'ifindex',
  sll_hatype: 'hatype',
  sll_pkttype: 'pkttype',
  sll_addr: 'address',
};
/** Keys from other APIs (Node's net, C's sockaddr) and the one sockcall names that. */
const ADDRESS_ALIASES: Readonly<Record<string, string>> = {
  host: 'address',
  hostname: 'address',
  ip: 'address',
  addr: 'address',
  sin_addr: 'address',
  sin6_addr: 'address',
  sin_port: 'port',
  sin6_port: 'port',
  sin6_flowinfo: 'flowinfo',
  sin6_scope_id: 'scopeId',
  scope_id: 'scopeId',
  sun_path: 'path',
};

function familyOf(value: unknown, domain: number, name: string): number {
  if (value === undefined) return domain;
  if (typeof value === 'string' && value in familyNames) return familyNames[value]!;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw invalidArgValue(`${name}.family`, value, "must be 'AF_INET', 'AF_INET6', 'AF_UNIX', 'AF_PACKET' or a number");
}

/** `struct sockaddr` with sa_family AF_UNSPEC and zeros, as C passes it (16 bytes). */
function unspecSockaddr(): Sockaddr {
  const sockaddr = Buffer.alloc(16);
  if (endianness() === 'LE') sockaddr.writeUInt16LE(AF_UNSPEC, 0);
  else sockaddr.writeUInt16BE(AF_UNSPEC, 0);
  return sockaddr;
}

/** Whether `object` is a {@link DisconnectAddress}: family AF_UNSPEC, and no other sa_family. */
function isDisconnect(object: Record<string, unknown>): boolean {
  if (object.family !== 'AF_UNSPEC' && object.family !== AF_UNSPEC) return false;
  return object.sa_family === undefined || object.sa_family === AF_UNSPEC;
}

/** sizeof(struct sockaddr_in), sizeof(struct sockaddr_in6). */
const SOCKADDR_IN_SIZE = 16;
const SOCKADDR_IN6_SIZE = 28;

// Where a call that makes its syscall at once encodes an internet address: one of each size per
// thread (module state is per thread), so that connect, bind and sendto allocate nothing for it.
// Nothing that could encode another address runs between encoding into it and the syscall, which
// copies the bytes before any trace sink runs; an address kept for later (a promise Socket's wait,
// sendmsg's prepared message) gets a Buffer of its own.
const scratchIn = Buffer.alloc(SOCKADDR_IN_SIZE);
const scratchIn6 = Buffer.alloc(SOCKADDR_IN6_SIZE);

/**
 * What a scratch holds: the values last encoded into it, and the EncodedAddress handed out for
 * them. A loop that connects to (or sends to) one address asks again with the same values, and gets
 * the same bytes without another trip to inet_pton and no new objects; only encodeAddress writes a
 * scratch, and a `'now'` caller only reads what it is given, before the next encoding.
 */
interface ScratchHolds {
  text: string;
  port: number;
  flowinfo: number;
  scopeId: number;
  encoded: EncodedAddress;
}
let inHolds: ScratchHolds | null = null;
let in6Holds: ScratchHolds | null = null;

/**
 * Validates `input` as an address for a socket of `domain` and encodes it. `disconnect`: connect's,
 * which also takes a {@link DisconnectAddress}. `use` 'now': the caller
 * makes its syscall before any other address is encoded on this thread, and an internet address
 * lands in the per-thread scratch; 'keep' (the default): in a Buffer of its own.
 */
export function encodeAddress(input: unknown, domain: number, name = 'address', disconnect = false, use: 'now' | 'keep' = 'keep'): EncodedAddress {
  const object = validateObject(input, name);
  if (disconnect && isDisconnect(object)) return { sockaddr: unspecSockaddr(), context: {} };
  const family = familyOf(object.family, domain, name);
  // After the family: an AF_UNSPEC address passed back is refused for its family, not its sa_family.
  if (family === AF_PACKET) {
    validateKeys(object, name, PACKET_KEYS, undefined, PACKET_ALIASES);
    return encodePacket(object, name);
  }
  validateKeys(object, name, ADDRESS_KEYS, undefined, ADDRESS_ALIASES);
  if (family === AF_UNIX || (object.path !== undefined && object.family === undefined)) {
    return encodeUnix(object.path, name);
  }
  if (family !== AF_INET && family !== AF_INET6) {
    throw invalidArgValue(`${name}.family`, object.family ?? family, 'is not an address family sockcall can encode');
  }
  const text = object.address;
  if (typeof text !== 'string') throw invalidArgType(`${name}.address`, 'of type string', text);
  // The port's name is built only for its error: a template string per call costs a string join.
  const given = object.port;
  const port = typeof given === 'number' && Number.isInteger(given) && given >= 0 && given <= 65535 ? given : validateInt(given, `${name}.port`, 0, 65535);
  const flowinfo = object.flowinfo === undefined ? 0 : validateInt(object.flowinfo, `${name}.flowinfo`, 0, 0xfffff);
  const scopeId = object.scopeId === undefined ? 0 : validateInt(object.scopeId, `${name}.scopeId`, 0);
  // The text held was encoded, so it has no NUL: the check below is for a new one.
  if (use === 'now') {
    const holds = family === AF_INET ? inHolds : in6Holds;
    if (holds !== null && holds.text === text && holds.port === port && holds.flowinfo === flowinfo && holds.scopeId === scopeId) return holds.encoded;
  }
  // The C string would end at a NUL and silently use what comes before it.
  if (text.includes('\0')) throw invalidArgValue(`${name}.address`, text, 'must not contain a NUL byte');
  const size = family === AF_INET ? SOCKADDR_IN_SIZE : SOCKADDR_IN6_SIZE;
  const sockaddr = use === 'now' ? (family === AF_INET ? scratchIn : scratchIn6) : Buffer.allocUnsafe(size);
  // Forgotten first: should the encoding fail, the scratch holds nothing known.
  if (use === 'now') {
    if (family === AF_INET) inHolds = null;
    else in6Holds = null;
  }
  if (native.sockaddrInet(family, text, port, flowinfo, scopeId, sockaddr) === 0) {
    const kind = family === AF_INET ? 'IPv4' : 'IPv6';
    throw invalidArgValue(`${name}.address`, text, `is not a numeric ${kind} address (resolve host names with getaddrinfo())`);
  }
  const encoded = { sockaddr, context: { address: text, port } };
  if (use === 'now') {
    const holds = { text, port, flowinfo, scopeId, encoded };
    if (family === AF_INET) inHolds = holds;
    else in6Holds = holds;
  }
  return encoded;
}

function encodeUnix(path: unknown, name: string): EncodedAddress {
  let bytes: Uint8Array;
  let shown: string;
  if (typeof path === 'string') {
    bytes = Buffer.from(path, 'utf8');
    shown = path;
  } else if (path instanceof Uint8Array) {
    bytes = path;
    shown = pathText(Buffer.from(path)); // a copy: a view of a detached buffer is just empty
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


/** A hardware address as text: up to 8 bytes, each two hex digits, separated by colons. */
const HARDWARE_ADDRESS = /^(?:[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){0,7})?$/;

function encodePacket(object: Record<string, unknown>, name: string): EncodedAddress {
  const protocol = object.protocol === undefined ? 0 : validateInt(object.protocol, `${name}.protocol`, 0, 0xffff);
  const ifindex = validateInt(object.ifindex, `${name}.ifindex`, 0);
  const hatype = object.hatype === undefined ? 0 : validateInt(object.hatype, `${name}.hatype`, 0, 0xffff);
  const pkttype = object.pkttype === undefined ? 0 : validateInt(object.pkttype, `${name}.pkttype`, 0, 0xff);
  const text = object.address ?? '';
  if (typeof text !== 'string') throw invalidArgType(`${name}.address`, 'of type string', text);
  if (!HARDWARE_ADDRESS.test(text)) throw invalidArgValue(`${name}.address`, text, "must be a hardware address such as '00:11:22:33:44:55' (up to 8 bytes), or ''");
  const hardware = Buffer.from(text.replaceAll(':', ''), 'hex');
  return { sockaddr: native.sockaddrLl(protocol, ifindex, hatype, pkttype, hardware), context: {} };
}
