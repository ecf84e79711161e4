// sockcall benchmark contender: libc's socket functions called directly through the koffi FFI
// (a bench-only devDependency): the route a user might take instead of an addon. Blocking, written
// as the C contender is (bench/c/contender.c): the sockaddr_in is a Buffer built by hand (htons by
// hand too), errors come from koffi.errno(), buffers are Buffers passed in place, one per socket.
//
//   node bench/contenders/koffi.mjs ROLE WORKLOAD key=value ...
//
// Servers print "READY <port>", the measuring side "RESULT <json>". "many" needs one thread serving
// many connections, which blocking calls do not do idiomatically: UNSUPPORTED.
import { constants as osConstants } from 'node:os';

import koffi from 'koffi';

import { args, bulkPattern, dispatch, num, percentile, print, sleepMs, UdpCycles, UDP_FILL_MS, UDP_FIRST_WAIT_MS, UDP_RCVBUF, udpMmsg, udpSenderStop } from './protocol.mjs';

// Linux (x86-64 and arm64 alike) values from the system headers.
const AF_UNIX = 1;
const AF_INET = 2;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SOCK_NONBLOCK = 0o4000;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const SO_RCVBUF = 8;
const SO_RCVTIMEO = 20;
const SO_ERROR = 4;
const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;
const MSG_NOSIGNAL = 0x4000;
const MSG_DONTWAIT = 0x40;
const EINTR = osConstants.errno.EINTR;
const EAGAIN = osConstants.errno.EAGAIN;

const libc = koffi.load('libc.so.6');
const socket = libc.func('int socket(int domain, int type, int protocol)');
const setsockopt = libc.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t length)');
const getsockopt = libc.func('int getsockopt(int fd, int level, int name, void *value, void *length)');
const bind = libc.func('int bind(int fd, const void *addr, uint32_t length)');
const listen = libc.func('int listen(int fd, int backlog)');
const accept4 = libc.func('int accept4(int fd, void *addr, void *length, int flags)');
const connect = libc.func('int connect(int fd, const void *addr, uint32_t length)');
const getsockname = libc.func('int getsockname(int fd, void *addr, void *length)');
const send = libc.func('intptr_t send(int fd, const void *buf, size_t length, int flags)');
const recv = libc.func('intptr_t recv(int fd, void *buf, size_t length, int flags)');
const close = libc.func('int close(int fd)');
const recvfrom = libc.func('intptr_t recvfrom(int fd, void *buf, size_t length, int flags, void *addr, void *addrlen)');
const socketpair = libc.func('int socketpair(int domain, int type, int protocol, int *sv)');

const errnoNames = new Map(Object.entries(osConstants.errno).map(([name, value]) => [value, name]));

function fail(syscall) {
  const errno = koffi.errno();
  throw new Error(`${syscall} ${errnoNames.get(errno) ?? `errno ${errno}`}`);
}

const htons = (port) => ((port & 0xff) << 8) | ((port >> 8) & 0xff);

/** struct sockaddr_in for 127.0.0.1:port: family, port in network order, address, 8 zero bytes. */
function loopback(port) {
  const sin = Buffer.alloc(16);
  sin.writeUInt16LE(AF_INET, 0);
  sin.writeUInt16LE(htons(port), 2); // stored little-endian, so the bytes are the port big-endian
  sin[4] = 127;
  sin[7] = 1;
  return sin;
}

const one = new Int32Array([1]);

function setInt(fd, level, name, value) {
  const buf = value === 1 ? one : new Int32Array([value]);
  if (setsockopt(fd, level, name, buf, 4) < 0) fail('setsockopt');
}

function listenOn(port) {
  const fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail('socket');
  setInt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  const sin = loopback(port);
  if (bind(fd, sin, sin.length) < 0) fail('bind');
  if (listen(fd, 511) < 0) fail('listen');
  const length = new Uint32Array([sin.length]);
  if (getsockname(fd, sin, length) < 0) fail('getsockname');
  print(`READY ${htons(sin.readUInt16LE(2))}`);
  return fd;
}

function acceptOne(lfd) {
  for (;;) {
    const fd = accept4(lfd, null, null, SOCK_CLOEXEC);
    if (fd >= 0) return fd;
    if (koffi.errno() !== EINTR) fail('accept');
  }
}

function connectTo(sin) {
  const fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail('socket');
  if (connect(fd, sin, sin.length) < 0) fail('connect');
  return fd;
}

/** Reads exactly buf.length bytes: true, or false at EOF before the first byte. */
function recvExact(fd, buf) {
  let got = 0;
  while (got < buf.length) {
    const n = recv(fd, got === 0 ? buf : buf.subarray(got), buf.length - got, 0);
    if (n > 0) {
      got += n;
    } else if (n === 0) {
      if (got === 0) return false;
      throw new Error(`recv: EOF after ${got} of ${buf.length} bytes`);
    } else if (koffi.errno() !== EINTR) {
      fail('recv');
    }
  }
  return true;
}

/** Sends all of buf (a loop of send(2), as sendAll). */
function sendAll(fd, buf) {
  let sent = 0;
  while (sent < buf.length) {
    const n = send(fd, sent === 0 ? buf : buf.subarray(sent), buf.length - sent, MSG_NOSIGNAL);
    if (n >= 0) sent += n;
    else if (koffi.errno() !== EINTR) fail('send');
  }
}

function serverPingpong() {
  const size = num('size');
  const lfd = listenOn(num('port', 0));
  const fd = acceptOne(lfd);
  close(lfd);
  setInt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  const buf = Buffer.allocUnsafe(size);
  while (recvExact(fd, buf)) sendAll(fd, buf);
  close(fd);
}

function clientPingpong() {
  const size = num('size');
  const count = num('count');
  const warmup = num('warmup', 0);
  const msg = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) msg[i] = (i * 7 + 3) & 255;
  const buf = Buffer.allocUnsafe(size);
  const latency = new Float64Array(count);

  const fd = connectTo(loopback(num('port')));
  setInt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  for (let i = 0; i < warmup; i++) {
    sendAll(fd, msg);
    if (!recvExact(fd, buf)) throw new Error('recv: server closed');
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    sendAll(fd, msg);
    if (!recvExact(fd, buf)) throw new Error('recv: server closed');
    latency[i] = Number(process.hrtime.bigint() - t0);
    if ((i === 0 || i === count - 1) && !buf.equals(msg)) throw new Error(`echo mismatch in round trip ${i}`);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  close(fd);
  latency.sort();
  const result = { roundTrips: count, seconds, perSec: count / seconds, p50us: percentile(latency, 0.5) / 1e3, p99us: percentile(latency, 0.99) / 1e3 };
  print(`RESULT ${JSON.stringify(result)}`);
}

function serverBulk() {
  const size = num('size');
  const total = num('total');
  const pattern = bulkPattern(size);
  const buf = Buffer.allocUnsafe(size);
  const lfd = listenOn(num('port', 0));
  const fd = acceptOne(lfd);
  close(lfd);

  let got = 0;
  let phase = 0; // stream offset % 251, a running counter
  let start = 0n;
  while (got < total) {
    const n = recv(fd, buf, Math.min(size, total - got), 0);
    if (n < 0) {
      if (koffi.errno() === EINTR) continue;
      fail('recv');
    }
    if (n === 0) throw new Error(`recv: EOF after ${got} of ${total} bytes`);
    if (got === 0) start = process.hrtime.bigint();
    // Every byte checked: memcmp against the pattern at this stream offset.
    if (buf.compare(pattern, phase, phase + n, 0, n) !== 0) throw new Error(`data mismatch in the ${n} bytes at stream offset ${got}`);
    got += n;
    phase = (phase + n) % 251;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  close(fd);
  print(`RESULT ${JSON.stringify({ bytes: total, seconds, gibPerSec: total / seconds / 2 ** 30, verified: true })}`);
}

function clientBulk() {
  const size = num('size');
  const total = num('total');
  const pattern = bulkPattern(size);
  // One view per phase, made once: no allocation per send.
  const views = Array.from({ length: 251 }, (_, phase) => pattern.subarray(phase, phase + size));
  const fd = connectTo(loopback(num('port')));
  let off = 0;
  for (; off + size <= total; off += size) sendAll(fd, views[off % 251]);
  if (off < total) sendAll(fd, pattern.subarray(off % 251, (off % 251) + total - off));
  close(fd);
}

function serverConnrate() {
  const lfd = listenOn(num('port', 0));
  for (;;) close(acceptOne(lfd));
}

function clientConnrate() {
  const count = num('count');
  const warmup = num('warmup', 0);
  const sin = loopback(num('port'));
  const buf = Buffer.allocUnsafe(1);
  const cycle = () => {
    const fd = connectTo(sin);
    for (;;) {
      const n = recv(fd, buf, 1, 0);
      if (n === 0) break;
      if (n < 0 && koffi.errno() !== EINTR) fail('recv');
    }
    close(fd);
  };
  for (let i = 0; i < warmup; i++) cycle();
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) cycle();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  print(`RESULT ${JSON.stringify({ connections: count, seconds, perSec: count / seconds })}`);
}

function clientOverhead() {
  const count = num('count');
  const warmup = Math.floor(count / 10);
  const op = args.op;
  let ns;
  if (op === 'getsockopt') {
    const fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail('socket');
    const value = new Int32Array(1);
    const length = new Uint32Array([4]);
    for (let i = 0; i < warmup; i++) if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, value, length) < 0) fail('getsockopt');
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, value, length) < 0) fail('getsockopt');
    ns = Number(process.hrtime.bigint() - t0) / count;
    close(fd);
  } else if (op === 'recvdata') {
    const sv = new Int32Array(2);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) fail('socketpair');
    const [a, b] = sv;
    const byte = Buffer.from([1]);
    const buf = Buffer.allocUnsafe(1);
    for (let i = 0; i < warmup; i++) {
      if (send(a, byte, 1, MSG_NOSIGNAL) !== 1) fail('send');
      if (recv(b, buf, 1, 0) !== 1) fail('recv');
    }
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      if (send(a, byte, 1, MSG_NOSIGNAL) !== 1) fail('send');
      if (recv(b, buf, 1, 0) !== 1) fail('recv');
    }
    ns = Number(process.hrtime.bigint() - t0) / count;
    close(a);
    close(b);
  } else if (op === 'eagain' || op === 'tryeagain') {
    // A recv that would block: -1 and koffi.errno(), no exception either way (the two ops are one loop).
    const sv = new Int32Array(2);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) fail('socketpair');
    const [a, b] = sv;
    const buf = Buffer.allocUnsafe(1);
    for (let i = 0; i < warmup; i++) if (recv(b, buf, 1, 0) !== -1 || koffi.errno() !== EAGAIN) fail('recv');
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) if (recv(b, buf, 1, 0) !== -1 || koffi.errno() !== EAGAIN) fail('recv');
    ns = Number(process.hrtime.bigint() - t0) / count;
    close(a);
    close(b);
  } else {
    throw new Error(`unknown op=${op}`);
  }
  print(`RESULT ${JSON.stringify({ op, calls: count, nsPerCall: ns })}`);
}

/** SO_RCVTIMEO as a struct timeval of `ms`. */
function setRecvTimeout(fd, ms) {
  const timeval = new BigInt64Array([BigInt(Math.floor(ms / 1000)), BigInt((ms % 1000) * 1000)]);
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeval, 16) < 0) fail('setsockopt');
}

/** udp: cycles of a pause and a drain with recvfrom(2) through the FFI (MSG_DONTWAIT until EAGAIN), a datagram per call. */
function serverUdp() {
  if (udpMmsg()) return print('UNSUPPORTED');
  const cycles = new UdpCycles();
  const size = cycles.size;
  const fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail('socket');
  setInt(fd, SOL_SOCKET, SO_RCVBUF, UDP_RCVBUF);
  const sin = loopback(num('port', 0));
  if (bind(fd, sin, sin.length) < 0) fail('bind');
  const length = new Uint32Array([sin.length]);
  if (getsockname(fd, sin, length) < 0) fail('getsockname');
  setRecvTimeout(fd, UDP_FIRST_WAIT_MS);
  print(`READY ${htons(sin.readUInt16LE(2))}`);
  // One byte more than a datagram should have, so that a longer one shows.
  const buf = Buffer.alloc(size + 1);
  const from = Buffer.alloc(128);
  const fromLength = new Uint32Array(1);
  /** One recvfrom: the datagram's length, or -1 when the queue is empty (with MSG_DONTWAIT). */
  const receive = (flags) => {
    for (;;) {
      fromLength[0] = from.length;
      const n = recvfrom(fd, buf, buf.length, flags, from, fromLength);
      if (n >= 0) return n;
      const errno = koffi.errno();
      if (errno === osConstants.errno.EAGAIN && flags !== 0) return -1;
      if (errno !== EINTR) fail('recvfrom');
    }
  };
  receive(0);
  cycles.open();
  while (cycles.more()) {
    sleepMs(UDP_FILL_MS);
    cycles.draining();
    for (let n; (n = receive(MSG_DONTWAIT)) >= 0; ) if (cycles.got(1, n !== size ? 1 : 0)) break;
    cycles.drained();
  }
  close(fd);
  cycles.print();
}

/** Whether SO_ERROR says ECONNREFUSED: the receiver is gone (see udpSenderStop). */
function refused(fd) {
  const error = new Int32Array(1);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, error, new Uint32Array([4])) < 0) fail('getsockopt');
  return error[0] === osConstants.errno.ECONNREFUSED;
}

/** udp: send(2) through the FFI on a connected socket, a datagram per call, until the receiver is gone. */
function clientUdp() {
  if (udpMmsg()) return print('UNSUPPORTED');
  const data = Buffer.alloc(num('size'), 'u');
  const fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail('socket');
  const sin = loopback(num('port'));
  if (connect(fd, sin, sin.length) < 0) fail('connect');
  const stop = udpSenderStop();
  for (let calls = 0; (calls & 255) !== 0 || (performance.now() < stop && !refused(fd)); calls++) {
    if (send(fd, data, data.length, 0) >= 0) continue;
    const errno = koffi.errno();
    if (errno === osConstants.errno.ECONNREFUSED) break; // the receiver is done
    if (errno !== EINTR && errno !== osConstants.errno.ENOBUFS) fail('send');
  }
  close(fd);
}

const workloads = {
  'server pingpong': serverPingpong,
  'client pingpong': clientPingpong,
  'server bulk': serverBulk,
  'client bulk': clientBulk,
  'server connrate': serverConnrate,
  'client connrate': clientConnrate,
  'client overhead': clientOverhead,
  'server udp': serverUdp,
  'client udp': clientUdp,
};

dispatch('koffi', workloads);
