// Parameters: one generator per kind of argument (flags, lengths, addresses, options ...).
import { join } from 'node:path';

import { fdAny, fdOwned, slotSpec } from './fds.mjs';
import { arg, constant, detached, generic, hex, labels, LONG, nonString, numberLabel, oneOf, outOfBounds, safeGeneric, spec, throwingGetters } from './values.mjs';
import { B, FLAVOURS, K, native, PORT_NAMES, world } from '../world.mjs';

let FLAG_VALUES = [];
let LENGTHS = [];
let OPTION_PAIRS = [];
let ADDRESSES = [];
let SOCKADDRS = [];

export function buildParameterPools() {
  const { MSG_PEEK, MSG_DONTWAIT, MSG_OOB, MSG_TRUNC, MSG_WAITALL, MSG_DONTROUTE, MSG_MORE } = K;
  // 5000: a timeout put where the flags go (MSG_WAITALL among its bits).
  FLAG_VALUES = [0, 0, MSG_PEEK, MSG_DONTWAIT, MSG_OOB, MSG_TRUNC, MSG_WAITALL, MSG_PEEK | MSG_DONTWAIT, MSG_TRUNC | MSG_DONTWAIT, MSG_DONTROUTE, MSG_MORE, K.MSG_EOR, K.SOCK_NONBLOCK, 5000];
  LENGTHS = [0, 1, 5, 100, 4096, 65_536, B.MAX_RECV_LENGTH, B.MAX_RECV_LENGTH + 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, -1, 1.5, NaN, Infinity, -0];
  const pairs = [
    ['SOL_SOCKET', 'SO_REUSEADDR'], ['SOL_SOCKET', 'SO_REUSEPORT'], ['SOL_SOCKET', 'SO_KEEPALIVE'], ['SOL_SOCKET', 'SO_RCVBUF'],
    ['SOL_SOCKET', 'SO_SNDBUF'], ['SOL_SOCKET', 'SO_RCVLOWAT'], ['SOL_SOCKET', 'SO_LINGER'], ['SOL_SOCKET', 'SO_RCVTIMEO'],
    ['SOL_SOCKET', 'SO_SNDTIMEO'], ['SOL_SOCKET', 'SO_ERROR'], ['SOL_SOCKET', 'SO_TYPE'], ['SOL_SOCKET', 'SO_BINDTODEVICE'],
    ['SOL_SOCKET', 'SO_BROADCAST'], ['SOL_SOCKET', 'SO_PEERCRED'], ['SOL_SOCKET', 'SO_OOBINLINE'], ['IPPROTO_TCP', 'TCP_NODELAY'],
    ['SOL_SOCKET', 'SO_PEERPIDFD'], ['SOL_SOCKET', 'SO_PASSPIDFD'], ['SOL_SOCKET', 'SO_PASSCRED'],
    ['SOL_SOCKET', 'SO_ATTACH_FILTER'], ['SOL_SOCKET', 'SO_DETACH_FILTER'],
    ['IPPROTO_TCP', 'TCP_CONGESTION'], ['IPPROTO_TCP', 'TCP_KEEPIDLE'], ['IPPROTO_TCP', 'TCP_INFO'], ['IPPROTO_TCP', 'TCP_MAXSEG'],
    ['IPPROTO_IPV6', 'IPV6_V6ONLY'], ['IPPROTO_IP', 'IP_TTL'], ['IPPROTO_IP', 'IP_TOS'],
  ];
  OPTION_PAIRS = pairs.filter(([level, name]) => K[level] !== undefined && K[name] !== undefined).map(([level, name]) => [K[level], K[name], name]);

  const inet = (label, make) => () => spec(label, make);
  const port = (name) => world.ports[name] ?? 0;
  ADDRESSES = [
    inet('{127.0.0.1:0}', () => ({ address: '127.0.0.1', port: 0 })),
    inet('{host:127.0.0.1, port:0}', () => ({ host: '127.0.0.1', port: 0 })),
    // Packet addresses: on an internet socket the kernel refuses them (EAFNOSUPPORT), and their bad fields are refused before.
    inet("{AF_PACKET, ifindex:1}", () => ({ family: 'AF_PACKET', protocol: K.ETH_P_IP, ifindex: 1 })),
    inet("{AF_PACKET, address:'zz'}", () => ({ family: 'AF_PACKET', ifindex: 1, address: 'zz' })),
    inet("{AF_PACKET, protocol:65536}", () => ({ family: 'AF_PACKET', protocol: 65536, ifindex: 1 })),
    inet("{AF_PACKET, 9-byte address}", () => ({ family: 'AF_PACKET', ifindex: 1, address: '00:11:22:33:44:55:66:77:88' })),
    (rng) => {
      const name = rng.pick(PORT_NAMES);
      return spec(`{127.0.0.1:${name}}`, () => ({ address: '127.0.0.1', port: port(name) }));
    },
    (rng) => {
      const name = rng.pick(PORT_NAMES);
      return spec(`{::1:${name}}`, () => ({ address: '::1', port: port(name) }));
    },
    inet('{AF_INET6 ::ffff:127.0.0.1:0}', () => ({ family: 'AF_INET6', address: '::ffff:127.0.0.1', port: 0 })),
    (rng) => {
      const flavour = rng.pick(FLAVOURS);
      return spec(`{path:${flavour} listener}`, () => ({ path: world.paths[flavour] }));
    },
    inet('{path:fresh}', () => ({ path: freshPath() })),
    inet('{path:relative}', () => ({ path: `r${world.fresh++}.sock` })),
    inet("{path:''}", () => ({ path: '' })),
    inet('{path:abstract}', () => ({ path: `\0sockcall-fuzz-${process.pid}-${world.generation}` })),
    inet('{path:Uint8Array abstract}', () => ({ path: Buffer.from(`\0sockcall-fuzz-${process.pid}-u`) })),
    inet('{path:200 bytes}', () => ({ path: `${world.dir}/${'p'.repeat(200)}` })),
    inet("{path:'a\\0b'}", () => ({ path: 'a\0b' })),
    inet('{path:detached Uint8Array}', () => ({ path: detached((buffer) => new Uint8Array(buffer)) })),
    inet('{path:SharedArrayBuffer view}', () => ({ path: new Uint8Array(new SharedArrayBuffer(8)) })),
    inet('{path:42}', () => ({ path: 42 })),
    inet("{127.0.0.1, family:'AF_UNIX'}", () => ({ family: 'AF_UNIX', address: '127.0.0.1', port: 0 })),
    inet('{nonsense:0}', () => ({ address: 'nonsense', port: 0 })),
    inet('{127.0.0.1:-1}', () => ({ address: '127.0.0.1', port: -1 })),
    inet('{127.0.0.1:65536}', () => ({ address: '127.0.0.1', port: 65_536 })),
    inet('{127.0.0.1:1.5}', () => ({ address: '127.0.0.1', port: 1.5 })),
    inet('{127.0.0.1:NaN}', () => ({ address: '127.0.0.1', port: NaN })),
    inet("{127.0.0.1:'80'}", () => ({ address: '127.0.0.1', port: '80' })),
    inet('{address:127}', () => ({ address: 127, port: 0 })),
    inet("{'127.0.0.1\\0x':0}", () => ({ address: '127.0.0.1\0x', port: 0 })),
    inet('{AF_INET6 127.0.0.1}', () => ({ family: 'AF_INET6', address: '127.0.0.1', port: 0 })),
    inet('{AF_INET ::1}', () => ({ family: 'AF_INET', address: '::1', port: 0 })),
    inet('{family:AF_INET number}', () => ({ family: K.AF_INET, address: '127.0.0.1', port: 0 })),
    inet("{family:'AF_BOGUS'}", () => ({ family: 'AF_BOGUS', address: '127.0.0.1', port: 0 })),
    inet('{family:12345}', () => ({ family: 12_345, address: '127.0.0.1', port: 0 })),
    inet("{family:'AF_UNSPEC'}", () => ({ family: 'AF_UNSPEC', sa_family: 0 })),
    inet("{family:'AF_UNSPEC', sa_family:17}", () => ({ family: 'AF_UNSPEC', sa_family: 17 })),
    inet('{family:AF_UNSPEC number}', () => ({ family: K.AF_UNSPEC })),
    inet('{path:abstract, not UTF-8}', () => ({ path: Buffer.from([0, 0x73, 0x63, 0xff, 0xfe, 0, 0xc0, world.generation & 0x7f]) })),
    inet('{path:fresh, not UTF-8}', () => ({ path: Buffer.concat([Buffer.from(`${freshPath()}-`), Buffer.from([0xff, 0x80])]) })),
    inet('{::1 flowinfo 2**20}', () => ({ address: '::1', port: 0, flowinfo: 2 ** 20 })),
    inet('{::1 scopeId -1}', () => ({ address: '::1', port: 0, scopeId: -1 })),
    inet('{::1 scopeId 2**31-1}', () => ({ address: '::1', port: 0, scopeId: 2 ** 31 - 1 })),
    inet('{long address}', () => ({ address: LONG, port: 0 })),
    (rng) => {
      const source = slotSpec(rng);
      return spec(`getsockname(${source.label})`, () => {
        const socket = source.make();
        const address = socket === undefined || socket.closed ? -1 : native.getsockname(socket.fd);
        if (typeof address !== 'object' || address === null) return {};
        // Never a wildcard address: bind + listen on it would listen beyond loopback.
        if (address.address === '0.0.0.0') return { ...address, address: '127.0.0.1' };
        if (address.address === '::') return { ...address, address: '::1' };
        return address;
      });
    },
  ];

  const sa = (label, make) => () => spec(label, make);
  const unix = (path) => native.sockaddrUnix(Buffer.from(path));
  const inetSockaddr = (family, text, portNumber) => {
    const into = Buffer.alloc(28);
    const length = native.sockaddrInet(family, text, portNumber, 0, 0, into);
    return length === 0 ? null : into.subarray(0, length);
  };
  SOCKADDRS = [
    sa('sa(127.0.0.1:0)', () => inetSockaddr(K.AF_INET, '127.0.0.1', 0)),
    (rng) => {
      const name = rng.pick(PORT_NAMES);
      return spec(`sa(127.0.0.1:${name})`, () => inetSockaddr(K.AF_INET, '127.0.0.1', port(name)));
    },
    (rng) => {
      const name = rng.pick(PORT_NAMES);
      return spec(`sa(::1:${name})`, () => inetSockaddr(K.AF_INET6, '::1', port(name)));
    },
    (rng) => {
      const flavour = rng.pick(FLAVOURS);
      return spec(`sa(path:${flavour} listener)`, () => unix(world.paths[flavour]));
    },
    sa('sa(path:fresh)', () => unix(freshPath())),
    sa('sa(abstract)', () => unix(`\0sockcall-fuzz-${process.pid}-raw`)),
    sa("sa(path:'')", () => native.sockaddrUnix(Buffer.alloc(0))),
    sa('sa(AF_UNSPEC)', () => Buffer.alloc(16)),
    sa('sa(1 byte)', () => Buffer.alloc(1)),
    sa('sa(129 bytes)', () => Buffer.alloc(129, 0xaa)),
    sa('sa(family 0xaaaa)', () => Buffer.alloc(16, 0xaa)),
    sa('sa(inet, 8 bytes)', () => inetSockaddr(K.AF_INET, '127.0.0.1', 0)?.subarray(0, 8)),
    sa('sa(inet6, 20 bytes)', () => inetSockaddr(K.AF_INET6, '::1', 0)?.subarray(0, 20)),
  ];
}

function freshPath() {
  return join(world.dir, `f${world.fresh++}.sock`);
}

export const flags = arg((rng) => {
  const r = rng.int(4);
  if (r < 2) return oneOf('flags', FLAG_VALUES)(rng);
  if (r === 2) {
    const value = rng.bits();
    return constant(`flags:${hex(value)}`, value);
  }
  return oneOf('flags', [-1, 2 ** 31, 1.5, NaN, 2 ** 32])(rng);
});
export const length = arg((rng) => oneOf('len', LENGTHS, (value) => (value > B.MAX_RECV_LENGTH ? { hugeLength: true } : undefined))(rng));
export const address = arg((rng) => rng.pick(ADDRESSES)(rng));
export const sockaddr = arg((rng) => rng.pick(SOCKADDRS)(rng));
export const backlog = arg((rng) => oneOf('backlog', [undefined, 0, 1, 128, K.SOMAXCONN, -1, 2 ** 31 - 1, 2 ** 31, 1.5])(rng));
export const how = arg((rng) => oneOf('how', [K.SHUT_RD, K.SHUT_WR, K.SHUT_RDWR, 3, -1, 1.5])(rng));
export const bool = arg((rng) => oneOf('blocking', [true, false])(rng));
export const domain = arg((rng) => oneOf('domain', [K.AF_INET, K.AF_INET6, K.AF_UNIX, K.AF_UNSPEC, -1, 2 ** 31 - 1, 12_345])(rng), safeGeneric);
export const type = arg(
  (rng) => oneOf('type', [K.SOCK_STREAM, K.SOCK_DGRAM, K.SOCK_SEQPACKET, K.SOCK_STREAM | K.SOCK_NONBLOCK, K.SOCK_DGRAM | K.SOCK_CLOEXEC, 0, 99, -1, 2 ** 31 - 1])(rng),
  safeGeneric,
);
export const protocol = arg((rng) => oneOf('protocol', [0, 0, K.IPPROTO_TCP, K.IPPROTO_UDP, 999, -1, 2 ** 31 - 1])(rng), safeGeneric);
export const anyFd = arg(fdAny, safeGeneric);
export const ownedFd = arg(fdOwned, safeGeneric);

// epoll. Its waits get small timeouts only (a raw wait has no ready fd added): the rest are refused
// before any wait.
export const ioctlRequest = arg((rng) => oneOf('request', [K.FIONREAD, K.SIOCINQ, K.SIOCOUTQ, K.SIOCOUTQNSD, K.SIOCATMARK, 0x5401, 0x8912, 0, -1, 1.5])(rng));
export const epollFlags = arg((rng) => oneOf('flags', [K.EPOLL_CLOEXEC, K.EPOLL_CLOEXEC, 0, 1, -1, 2 ** 31, 1.5])(rng));
export const epollOp = arg((rng) => oneOf('op', [K.EPOLL_CTL_ADD, K.EPOLL_CTL_ADD, K.EPOLL_CTL_MOD, K.EPOLL_CTL_DEL, 0, 4, -1, 1.5])(rng));
export const epollEvents = arg((rng) =>
  oneOf('events', [
    K.EPOLLIN, K.EPOLLOUT, K.EPOLLIN | K.EPOLLET, (K.EPOLLIN | K.EPOLLET) >>> 0, K.EPOLLIN | K.EPOLLONESHOT, K.EPOLLIN | K.EPOLLEXCLUSIVE,
    K.EPOLLIN | K.EPOLLRDHUP | K.EPOLLPRI, 0, 0x100000, 2 ** 32, -1, 1.5, NaN, null, undefined,
  ])(rng),
);
export const maxEvents = arg((rng) => oneOf('max', [1, 8, 64, 65, 0, -1, 2 ** 20, 2 ** 20 + 1, 2 ** 31 - 1, 1.5])(rng));
export const epollWaitTimeout = (rng) => oneOf('timeout', [0, 0, 1, 5, 0.5, -0, -2, NaN, 2 ** 31, '5', {}])(rng);
export const epollOut = (rng) =>
  rng.pick([
    spec('Int32Array(0)', () => new Int32Array(0)),
    spec('Int32Array(2)', () => new Int32Array(2)),
    spec('Int32Array(130)', () => new Int32Array(130)),
    spec('Uint32Array(130)', () => new Uint32Array(130)),
    spec('Buffer(520)', () => Buffer.alloc(520)),
    spec('detached Int32Array', () => detached((buffer) => new Int32Array(buffer))),
    safeGeneric(rng),
  ]);


/** What send/sendto (and raw setsockoptBytes) get; the bytes are checked like the pool's. */
export const DATA = [
  spec('Buffer hello', () => Buffer.from('hello'), { view: true }),
  spec('Buffer(0)', () => Buffer.alloc(0), { view: true }),
  spec('Buffer 64 KiB', () => Buffer.alloc(65_536, 0x62), { view: true }),
  constant("'x'", 'x'),
  constant("''", ''),
  constant('long string', LONG),
  spec('Int32Array', () => Int32Array.of(1, 2, 3), { view: true }),
  spec('Float64Array', () => Float64Array.of(1.5), { view: true }),
  spec('DataView', () => new DataView(new ArrayBuffer(4)), { view: true }),
  spec('detached view', () => detached((buffer) => new Uint8Array(buffer)), { view: true }),
  spec('SharedArrayBuffer view', () => new Uint8Array(new SharedArrayBuffer(8)), { view: true }),
  spec('out-of-bounds view', outOfBounds, { view: true }),
  spec('Buffer slice at 3', () => Buffer.from('0123456789').subarray(3, 7), { view: true }),
];
export const data = arg((rng) => rng.pick(DATA));

export const view = arg((rng) =>
  rng.pick([
    spec('Buffer(16)', () => Buffer.alloc(16)),
    spec('Buffer(0)', () => Buffer.alloc(0)),
    spec('Buffer(64 KiB)', () => Buffer.alloc(65_536)),
    spec('Int32Array(3)', () => new Int32Array(3)),
    spec('Float64Array(2)', () => new Float64Array(2)),
    spec('BigInt64Array(2)', () => new BigInt64Array(2)),
    spec('DataView(8)', () => new DataView(new ArrayBuffer(8))),
    spec('detached Uint8Array', () => detached((buffer) => new Uint8Array(buffer))),
    spec('detached DataView', () => detached((buffer) => new DataView(buffer))),
    spec('SharedArrayBuffer view', () => new Uint8Array(new SharedArrayBuffer(16))),
    spec('out-of-bounds view', outOfBounds),
    spec('subarray(3, 9)', () => Buffer.alloc(16).subarray(3, 9)),
    spec('length-tracking view, shrunk to 0', () => {
      const buffer = new ArrayBuffer(16, { maxByteLength: 32 });
      const tracking = new Uint8Array(buffer);
      buffer.resize(0);
      return tracking;
    }),
  ]),
);

export const outView = arg((rng) =>
  rng.pick([
    spec('Int32Array(2)', () => new Int32Array(2)),
    spec('Int32Array(1)', () => new Int32Array(1)),
    spec('Float64Array(1)', () => new Float64Array(1)),
    spec('Buffer(8)', () => Buffer.alloc(8)),
    spec('Buffer(3)', () => Buffer.alloc(3)),
    spec('DataView(8) at 1', () => new DataView(new ArrayBuffer(9), 1)),
    spec('detached Int32Array', () => detached((buffer) => new Int32Array(buffer))),
    spec('Uint8Array(0)', () => new Uint8Array(0)),
    spec('SharedArrayBuffer Int32Array(2)', () => new Int32Array(new SharedArrayBuffer(8))),
  ]),
);

const level = arg((rng) => oneOf('level', [K.SOL_SOCKET, K.IPPROTO_TCP, K.IPPROTO_IP, K.IPPROTO_IPV6, K.IPPROTO_UDP, -1, 2 ** 31 - 1, 999])(rng));
export const optionName = arg((rng) => {
  if (rng.chance(0.7)) return oneOf('name', OPTION_PAIRS.map((pair) => pair[1]))(rng);
  const value = rng.int(80);
  return constant(`name:${value}`, value);
});

/** (level, name) for get/setsockopt: mostly a pair that belongs together. */
export function optionLevelName(rng) {
  if (rng.chance(0.6)) {
    const [levelValue, nameValue, label] = rng.pick(OPTION_PAIRS);
    return [constant(`level:${levelValue}`, levelValue), constant(label, nameValue)];
  }
  return [level(rng), optionName(rng)];
}

// Classic BPF programs (SO_ATTACH_FILTER). The only one the kernel takes accepts every packet, so the
// sockets it lands on keep working; the others are refused by the checks or by the kernel.
const RET = 0x06; // BPF_RET | BPF_K
const FILTER_PROGRAMS = [
  spec('[ret #-1]', () => [{ code: RET, jt: 0, jf: 0, k: 0xffffffff }]),
  spec('ret #-1 as bytes', () => Uint32Array.of(RET, 0xffffffff)),
  spec('[ja +1] (past the end)', () => [{ code: 0x05, jt: 0, jf: 0, k: 1 }]),
  spec('[ld #0] (no return)', () => [{ code: 0x00, jt: 0, jf: 0, k: 0 }]),
  spec("[{code:'6'}]", () => [{ code: '6', jt: 0, jf: 0, k: 0 }]),
  spec('[{jt:256}]', () => [{ code: RET, jt: 256, jf: 0, k: 0 }]),
  spec('[{k:-1}]', () => [{ code: RET, jt: 0, jf: 0, k: -1 }]),
  spec('[null]', () => [null]),
  spec('[]', () => []),
  spec('4097 returns', () => new Array(4097).fill({ code: RET, jt: 0, jf: 0, k: 0xffffffff })),
  spec('65536 zero instructions as bytes', () => Buffer.alloc(8 * 65_536)),
];
const FILTER_BYTES = FILTER_PROGRAMS.filter((entry) => entry.label.includes('bytes'));
/** What the raw setsockoptFilter gets: programs as bytes, and the data pool's bytes. */
export const filterBytes = arg((rng) => (rng.chance(0.5) ? rng.pick(FILTER_BYTES) : rng.pick(DATA)));

export const optionValue = arg((rng) =>
  rng.pick([
    ...FILTER_PROGRAMS,
    ...[0, 1, -1, 4096, 2 ** 31 - 1, 2 ** 31, 1.5, NaN, 0.0001, 1e14, 1e15, 2 ** 31 * 1000, Infinity].map((value) => constant(`value:${numberLabel(value)}`, value)),
    constant('value:true', true),
    constant('value:false', false),
    spec('{onoff:true, linger:0}', () => ({ onoff: true, linger: 0 })),
    spec('{onoff:1, linger:2**31-1}', () => ({ onoff: 1, linger: 2 ** 31 - 1 })),
    spec("{onoff:'yes', linger:1}", () => ({ onoff: 'yes', linger: 1 })),
    spec('{onoff:true, linger:-1}', () => ({ onoff: true, linger: -1 })),
    spec('{onoff:false}', () => ({ onoff: false })),
    constant("'lo'", 'lo'),
    constant("'cubic'", 'cubic'),
    constant("'reno'", 'reno'),
    constant("'x'", 'x'),
    constant("''", ''),
    constant('300 chars', 'y'.repeat(300)),
    constant("'a\\0b'", 'a\0b'),
    spec('Int32Array [1]', () => Int32Array.of(1)),
    spec('Buffer(0)', () => Buffer.alloc(0)),
  ]),
);

export const getLength = arg((rng) => oneOf('length', [undefined, 0, 4, 256, 65_536, 65_537, -1, 1.5])(rng));

const SMALL_TIMEOUTS = [0, 0, 0, 0, 1, 2, 5, -0, 0.5];
const OTHER_TIMEOUTS = [null, undefined, -1, NaN, Infinity, -Infinity, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 1e15, 1.5, 6, '5'];

/** A select/poll timeout. Anything but a small one makes the call get an always-ready fd too. */
export const timeoutMs = arg((rng) => {
  const value = rng.chance(0.6) ? rng.pick(SMALL_TIMEOUTS) : rng.pick(OTHER_TIMEOUTS);
  const small = typeof value === 'number' && value >= 0 && value <= 5;
  const meta = { small, timer: small && value > 0, hugeTimeout: typeof value === 'number' && value > 2 ** 31 - 1 };
  return constant(`timeout:${typeof value === 'number' ? numberLabel(value) : String(value)}`, value, meta);
});

const WAIT_OPTIONS = [
  () => constant('undefined', undefined),
  () => spec('{}', () => ({})),
  () => spec('{timeout:0}', () => ({ timeout: 0 }), { timer: true }),
  () => spec('{timeout:1}', () => ({ timeout: 1 }), { timer: true }),
  () => spec('{timeout:5}', () => ({ timeout: 5 }), { timer: true }),
  () => spec('{timeout:2**31-1}', () => ({ timeout: 2 ** 31 - 1 })),
  () => spec('{timeout:2**31}', () => ({ timeout: 2 ** 31 }), { hugeTimeout: true }),
  () => spec('{timeout:1e15}', () => ({ timeout: 1e15 }), { hugeTimeout: true }),
  () => spec('{timeout:Infinity}', () => ({ timeout: Infinity }), { hugeTimeout: true }),
  () => spec('{timeout:-1}', () => ({ timeout: -1 })),
  () => spec('{timeout:NaN}', () => ({ timeout: NaN })),
  () => spec("{timeout:'1'}", () => ({ timeout: '1' })),
  () => spec('{signal:aborted}', () => ({ signal: AbortSignal.abort() })),
  () => spec('{signal:timeout(1)}', () => ({ signal: AbortSignal.timeout(1) }), { timer: true }),
  () => spec('{signal:live}', () => ({ signal: world.live.signal })),
  () => spec('{signal:{}}', () => ({ signal: {} })),
  () => spec('{signal:live, timeout:1}', () => ({ signal: world.live.signal, timeout: 1 }), { timer: true }),
  () => spec('{signal:aborted, timeout:2**31}', () => ({ signal: AbortSignal.abort(), timeout: 2 ** 31 }), { hugeTimeout: true }),
  () => spec('{timout:1}', () => ({ timout: 1 })),
];
export const waitOptions = arg((rng) => rng.pick(WAIT_OPTIONS)());

const CHUNK_SIZES = [undefined, 1, 3, 65536, 0, -1, 1.5, NaN, Infinity, 2 ** 31, '10', null];

/** chunks()'s options: a size, good or bad, with (promises) wait options, sometimes a key it does not take. */
export function chunksOptions(rng, flavour) {
  if (rng.chance(0.2)) return rng.chance(0.5) ? constant('undefined', undefined) : generic(rng);
  const size = oneOf('size', CHUNK_SIZES)(rng);
  const wait = flavour === 'P' && rng.chance(0.5) ? rng.pick(WAIT_OPTIONS)() : undefined;
  const stray = rng.chance(0.1);
  return spec(
    `{size:${size.label}${wait ? `, ...${wait.label}` : ''}${stray ? ', sise:1' : ''}}`,
    () => ({ size: size.make(), ...wait?.make(), ...(stray ? { sise: 1 } : {}) }),
    { ...size.meta, ...wait?.meta },
  );
}

/** The trailing parameters of a call that can wait: `flags` (blocking), `flags, options` or `options` (promises). */
export function flagsAndOptions(rng, flavour) {
  if (flavour === 'B') return [flags(rng)];
  const r = rng.int(3);
  if (r === 0) return [flags(rng), waitOptions(rng)];
  if (r === 1) return [waitOptions(rng)];
  return [flags(rng)];
}

export const listItem = (rng) => {
  const r = rng.int(10);
  if (r < 4) return slotSpec(rng);
  if (r < 8) return fdAny(rng);
  return safeGeneric(rng);
};

export function list(rng, item) {
  const r = rng.int(10);
  if (r < 7) {
    const items = Array.from({ length: rng.int(4) }, () => item(rng));
    return spec(`[${labels(items)}]`, () => items.map((entry) => entry.make()));
  }
  if (r < 8) return constant('null', null);
  return safeGeneric(rng);
}

export const pollEvents = (rng) => oneOf('events', [K.POLLIN, K.POLLOUT, K.POLLPRI, K.POLLIN | K.POLLOUT, 0, K.POLLRDHUP, 0xffff, 0x10000, -1, 1.5])(rng);

export const pollEntry = (rng) => {
  if (rng.chance(0.15)) return safeGeneric(rng);
  const fd = rng.chance(0.5) ? slotSpec(rng) : fdAny(rng);
  const events = rng.chance(0.85) ? pollEvents(rng) : generic(rng);
  return spec(`{${fd.label}, ${events.label}}`, () => ({ fd: fd.make(), events: events.make() }));
};

const HINTS = [
  () => spec('{}', () => ({})),
  () => constant('undefined', undefined),
  () => spec('{AF_INET}', () => ({ family: K.AF_INET }), { hints: true }),
  () => spec('{AF_INET6, SOCK_STREAM}', () => ({ family: K.AF_INET6, type: K.SOCK_STREAM }), { hints: true }),
  () => spec('{AF_UNIX}', () => ({ family: K.AF_UNIX }), { hints: true }),
  () => spec('{AI_PASSIVE}', () => ({ flags: K.AI_PASSIVE }), { hints: true }),
  (rng) => {
    const value = rng.bits();
    return spec(`{flags:${hex(value)}}`, () => ({ flags: value }), { hints: true });
  },
  () => spec('{AI_CANONNAME}', () => ({ flags: K.AI_CANONNAME }), { hints: true }),
  () => spec('{family:12345}', () => ({ family: 12_345 }), { hints: true }),
  () => spec('{type:-1}', () => ({ type: -1 }), { hints: true }),
  () => spec('{protocol:999}', () => ({ protocol: 999 }), { hints: true }),
  () => spec('{flags:2**31}', () => ({ flags: 2 ** 31 }), { hints: true }),
  () => spec("{family:'AF_INET'}", () => ({ family: 'AF_INET' }), { hints: true }),
  () => spec('throwing getters', throwingGetters),
  () => constant('null', null),
];
export const hints = arg((rng) => rng.pick(HINTS)(rng));

/** Hosts that cannot reach a name server with anything but 'localhost'. */
export const host = arg((rng) => oneOf('host', [null, 'localhost', '127.0.0.1', '127.0.0.1', '::1', '::1', '127.0.0.1\0a', 'localhost\0x'])(rng), nonString);
export const rawHost = arg((rng) => oneOf('host', [null, 'localhost', '127.0.0.1', '::1', '127.0.0.1\0evil'])(rng), nonString);
export const service = arg((rng) => oneOf('port', [null, undefined, 0, 80, 65_535, 65_536, -1, 1.5, 'http', 'x', '', '80\0', 'a'.repeat(300)])(rng));
export const aiFlags = arg((rng) => {
  if (rng.chance(0.3)) {
    const value = rng.bits();
    return constant(`aiflags:${hex(value)}`, value);
  }
  return oneOf('aiflags', [0, K.AI_PASSIVE, K.AI_NUMERICHOST, K.AI_NUMERICSERV, K.AI_ADDRCONFIG, K.AI_V4MAPPED | K.AI_ALL, K.AI_CANONNAME, -1, 2 ** 31])(rng);
});
export const int = arg((rng) => oneOf('int', [0, 1, -1, 2, 2 ** 31 - 1, -(2 ** 31), 1.5, NaN])(rng));
export const dupMinimum = arg((rng) => oneOf('min', [0, 3, 1024, 1500, 20_000, 2 ** 31 - 1, -1])(rng));
/** sendmsg/recvmsg's own arguments: buffer lists, ancillary data, fd lists. */
export const buffers = (rng) => list(rng, data);
export const sizes = arg((rng) => (rng.chance(0.5) ? length(rng) : list(rng, length)));
const controlItems = arg((rng) =>
  oneOf('control', [undefined, [], [{ level: K.SOL_SOCKET, type: K.SCM_RIGHTS, data: Buffer.alloc(4) }], [{ level: 1.5, type: 0, data: Buffer.alloc(0) }], [{}], 'x'])(rng),
);
export const msgOptions = arg((rng) => {
  const [control, flagsItem] = [controlItems(rng), flags(rng)];
  const to = rng.chance(0.5) ? address(rng) : undefined;
  return spec(`{control:${control.label}, flags:${flagsItem.label}${to ? `, address:${to.label}` : ''}}`, () => ({
    control: control.make(),
    flags: flagsItem.make(),
    ...(to ? { address: to.make() } : {}),
  }));
});
/** sendmmsg/recvmmsg's own arguments: message lists as the method and the binding take them, counts, options. */
const mmsgMessage = arg((rng) => {
  const key = rng.chance(0.25) ? 'buffers' : 'data';
  const bytes = key === 'buffers' ? buffers(rng) : data(rng);
  const control = controlItems(rng);
  const to = rng.chance(0.5) ? address(rng) : undefined;
  return spec(`{${key}:${bytes.label}, control:${control.label}${to ? `, address:${to.label}` : ''}}`, () => ({
    [key]: bytes.make(),
    control: control.make(),
    ...(to ? { address: to.make() } : {}),
  }));
});
export const mmsgMessages = (rng) => list(rng, mmsgMessage);
const rawMessage = arg((rng) => {
  const parts = [rng.chance(0.5) ? data(rng) : list(rng, data), rawControl(rng), rawSockaddr(rng)];
  return spec(`[${labels(parts)}]`, () => parts.map((part) => part.make()));
});
export const rawMessages = (rng) => list(rng, rawMessage);
export const mmsgCount = arg((rng) => oneOf('count', [1, 2, 8, 1024, 0, 1025, -1, 1.5])(rng));
const RECVMMSG_OPTIONS = [
  () => constant('undefined', undefined),
  () => spec('{}', () => ({})),
  () => spec('{flags:WAITFORONE}', () => ({ flags: K.MSG_WAITFORONE })),
  () => spec('{flags:DONTWAIT}', () => ({ flags: K.MSG_DONTWAIT })),
  () => spec('{flags:TRUNC|WAITFORONE}', () => ({ flags: K.MSG_TRUNC | K.MSG_WAITFORONE })),
  () => spec('{flags:MORE}', () => ({ flags: K.MSG_MORE })),
  () => spec('{timeout:0}', () => ({ timeout: 0 })),
  () => spec('{timeout:5}', () => ({ timeout: 5 }), { timer: true }),
  () => spec('{timeout:-1}', () => ({ timeout: -1 })),
  () => spec('{timeout:"5"}', () => ({ timeout: '5' })),
  () => spec('{flags:1.5}', () => ({ flags: 1.5 })),
  () => spec('{timout:5}', () => ({ timout: 5 })),
];
/** recvmmsg's options: `flags` and `timeout` (recvmmsg's own in the blocking flavour, the wait's in the promise one). */
export const recvmmsgOptions = arg((rng) => rng.pick(RECVMMSG_OPTIONS)());
/** recvmmsgInto's options: recvmmsg's, or with `senders` (an array to fill, or not an array). */
export const recvmmsgIntoOptions = arg((rng) =>
  rng.pick([
    ...RECVMMSG_OPTIONS,
    () => spec('{senders:[]}', () => ({ senders: [] })),
    () => spec('{flags:DONTWAIT,senders:[]}', () => ({ flags: K.MSG_DONTWAIT, senders: [] })),
    () => spec('{senders:{}}', () => ({ senders: {} })),
  ])(),
);
/** recvfromInto's options: none, where the sender goes (good or bad), a misspelt key; with a timeout (promises: waits). */
export const recvfromIntoOptions = arg((rng) =>
  rng.pick([
    () => constant('undefined', undefined),
    () => spec('{}', () => ({})),
    () => spec('{senders:[]}', () => ({ senders: [] })),
    () => spec('{senders:[null]}', () => ({ senders: [null] })),
    () => spec('{senders:{}}', () => ({ senders: {} })),
    () => spec('{senders:"x"}', () => ({ senders: 'x' })),
    () => spec('{sender:[]}', () => ({ sender: [] })),
    () => spec('{senders:[],timeout:5}', () => ({ senders: [], timeout: 5 }), { timer: true }),
  ])(),
);
/** The binding's recvmmsg and recvfrom senders: a new array (or pair) returned, one filled, none asked, or a wrong type. */
export const rawSenders = arg((rng) =>
  rng.pick([() => constant('undefined', undefined), () => constant('null', null), () => spec('[]', () => []), () => constant('0', 0)])(),
);
export const controlLength = arg((rng) => oneOf('controlLength', [0, 24, 64, 4096, 1 << 20, (1 << 20) + 1, -1, 1.5])(rng));
export const fdCount = arg((rng) => oneOf('maxFds', [1, 2, 253, 0, 254, -1, 1.5])(rng));
export const rawControl = arg((rng) => (rng.chance(0.5) ? constant('null', null) : data(rng)));
export const rawSockaddr = arg((rng) => (rng.chance(0.5) ? constant('null', null) : sockaddr(rng)));
export const pollerEvents = arg((rng) =>
  rng.chance(0.75) ? oneOf('events', [1, 2, 3, 4, 5, 8, 15, 0])(rng) : oneOf('events', [0x10, 0x100, -1, 2 ** 31, 'x'])(rng),
);
export const pendDirection = arg((rng) => oneOf('direction', [0, 1, 0, 1, 2, -1, 'x'])(rng));
export const pendKind = arg((rng) => oneOf('kind', [1, 2, 3, 4, 5, 1, 2, 5, 0, 6, -1, 1.5])(rng));

/** Args with the count changed now and then: missing trailing ones, extra ones. */
export function shape(rng, args) {
  const r = rng.int(20);
  if (r === 0) return [];
  if (r <= 2 && args.length > 0) return args.slice(0, rng.int(args.length));
  if (r <= 4) return [...args, ...Array.from({ length: 1 + rng.int(2) }, () => generic(rng))];
  return args;
}

export function metaOf(args) {
  const meta = {};
  for (const entry of args) if (entry.meta) Object.assign(meta, entry.meta);
  return meta;
}

/** sendfile's file: an fd (mostly one the fuzzer holds: the source file, sockets, a fifo), a `{ fd }`, or not a file at all. */
export const sendfileFile = arg((rng) => {
  const r = rng.int(10);
  if (r < 3) return spec('fd(source file)', () => world.sourceFile);
  const fd = fdAny(rng);
  if (r < 6) return fd;
  if (r < 8) return spec(`{fd:${fd.label}}`, () => ({ fd: fd.make() }));
  return oneOf('file', [{ fd: -1 }, { fd: '3' }, {}, -1, 2 ** 31, 1.5, '3', null])(rng);
});
/** A file offset (null: the file's own position) and a byte count for sendfile. */
export const fileOffset = arg((rng) => oneOf('offset', [null, null, 0, 0, 1, 100, 4096, 2 ** 31, 2 ** 53 - 1, 2 ** 53, -1, 1.5, NaN, Infinity, undefined, '0'])(rng));
export const fileCount = arg((rng) => oneOf('count', [0, 1, 100, 4096, 65_536, 2 ** 31, 2 ** 53 - 1, 2 ** 53, -1, 1.5, NaN, Infinity, -0])(rng));
