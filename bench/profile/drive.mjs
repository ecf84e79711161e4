// One workload, one contender, N iterations, in one thread: for instruction counts under callgrind
// (run twice with different N and subtract, which cancels start-up and JIT warm-up) and --cpu-prof.
//
//   node bench/profile/drive.mjs IMPL OP N
//   IMPL: sockcall (the public Socket API), native (the binding, no lib/ layer), native-fast (the same
//         from a fast-mode copy of the binding object), raw (raw-napi/: the Node-API floor),
//         koffi (libc via FFI)
//   PROFILE_STACK_TRACE_LIMIT=0: Error.stackTraceLimit for the loop (what an error without a stack costs)
//   OP:   getsockopt | sendrecv (1-byte send + recvInto, a Unix socketpair) | eagain (recv on an
//         empty non-blocking socket) | tryeagain (the same with tryRecvInto: null, no error; sockcall only) | connect (socket+connect+accept+close+recv EOF+close, loopback)
//         | mmsg, mmsginto (sockcall only: sendmmsg of 64 datagrams of 64 bytes over UDP, then recvmmsg
//         or recvmmsgInto of them) | mmsgsend (the same drained by the binding: the send's share)
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [impl, op, nText] = process.argv.slice(2);
const n = Number(nText);

const AF_UNIX = 1, AF_INET = 2, SOCK_STREAM = 1, SOCK_NONBLOCK = 0o4000, SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1, SO_RCVBUF = 8, MSG_NOSIGNAL = 0x4000, EAGAIN = 11;
const SOCK_DGRAM = 2, MSG_DONTWAIT = 0x40, MMSG_BATCH = 64;

// getsockopt's sum stays an int32 (`| 0`): SO_RCVBUF added up overflows a small integer after ~10,000
// iterations, and the deoptimization that follows landed inside the measured run, at a varying point.
const ops = {};
if (impl === 'sockcall') {
  const { Socket } = require('../../dist/index.js');
  ops.getsockopt = (n) => {
    const s = new Socket(AF_INET, SOCK_STREAM);
    let sum = 0;
    for (let i = 0; i < n; i++) sum = (sum + s.getsockopt(SOL_SOCKET, SO_RCVBUF)) | 0;
    s.close();
    return sum;
  };
  ops.sendrecv = (n) => {
    const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
    const one = Buffer.from([1]);
    const buf = Buffer.allocUnsafe(1);
    for (let i = 0; i < n; i++) {
      if (a.send(one) !== 1) throw new Error('send: short');
      if (b.recvInto(buf) !== 1) throw new Error('recv: short');
    }
    a.close();
    b.close();
  };
  ops.eagain = (n) => {
    const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
    const buf = Buffer.allocUnsafe(1);
    let would = 0;
    for (let i = 0; i < n; i++) {
      try {
        b.recvInto(buf);
      } catch (error) {
        if (error.code !== 'EAGAIN') throw error;
        would++;
      }
    }
    a.close();
    b.close();
    return would;
  };
  ops.tryeagain = (n) => {
    const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
    const buf = Buffer.allocUnsafe(1);
    let would = 0;
    for (let i = 0; i < n; i++) if (b.tryRecvInto(buf) === null) would++;
    a.close();
    b.close();
    return would;
  };
  // One listener for the warm-up and the measured call, as a client loop has one address: with a
  // new port for the measured call, encodeAddress's cache missed for the first time and its
  // optimized code deoptimized, then ran unoptimized through the whole measured loop.
  let server;
  let address;
  ops.connect = (n) => {
    if (server === undefined) {
      server = new Socket(AF_INET, SOCK_STREAM);
      server.bind({ address: '127.0.0.1', port: 0 });
      server.listen(511);
      // A literal, as a client writes it (and bench/contenders/blocking.mjs does).
      address = { address: '127.0.0.1', port: server.getsockname().port };
    }
    const buf = Buffer.allocUnsafe(1);
    for (let i = 0; i < n; i++) {
      const c = new Socket(AF_INET, SOCK_STREAM);
      c.connect(address);
      server.accept().close();
      while (c.recvInto(buf) !== 0);
      c.close();
    }
  };
  // A batch of MMSG_BATCH 64-byte datagrams over UDP on 127.0.0.1 per iteration: one sendmmsg, then
  // one recvmmsg (Buffers and objects) or one recvmmsgInto (into reused buffers); the difference
  // between the two is the receive's cost above the syscall.
  const udpPair = () => {
    const a = new Socket(AF_INET, SOCK_DGRAM);
    const b = new Socket(AF_INET, SOCK_DGRAM);
    b.bind({ address: '127.0.0.1', port: 0 });
    a.connect(b.getsockname());
    return [a, b];
  };
  const batch = Array.from({ length: MMSG_BATCH }, () => ({ data: Buffer.alloc(64, 'u') }));
  ops.mmsg = (n) => {
    const [a, b] = udpPair();
    for (let i = 0; i < n; i++) {
      if (a.sendmmsg(batch) !== MMSG_BATCH) throw new Error('sendmmsg: short');
      if (b.recvmmsg(MMSG_BATCH, 65, { flags: MSG_DONTWAIT }).length !== MMSG_BATCH) throw new Error('recvmmsg: short');
    }
    a.close();
    b.close();
  };
  // The floor under both: the same sendmmsg, drained by the binding itself (no senders asked).
  ops.mmsgsend = (n) => {
    const { native } = require('../../dist/native.js');
    const [a, b] = udpPair();
    const into = Buffer.alloc(MMSG_BATCH * 65);
    const results = new Int32Array(2 * MMSG_BATCH);
    for (let i = 0; i < n; i++) {
      if (a.sendmmsg(batch) !== MMSG_BATCH) throw new Error('sendmmsg: short');
      if (native.recvmmsg(b.fd, into, MMSG_BATCH, 65, MSG_DONTWAIT, -1, results, null) !== MMSG_BATCH) throw new Error('recvmmsg: short');
    }
    a.close();
    b.close();
  };
  ops.mmsginto = (n) => {
    const [a, b] = udpPair();
    const into = Buffer.alloc(MMSG_BATCH * 65);
    const results = new Int32Array(2 * MMSG_BATCH);
    const options = { flags: MSG_DONTWAIT };
    for (let i = 0; i < n; i++) {
      if (a.sendmmsg(batch) !== MMSG_BATCH) throw new Error('sendmmsg: short');
      if (b.recvmmsgInto(into, MMSG_BATCH, 65, results, options) !== MMSG_BATCH) throw new Error('recvmmsgInto: short');
    }
    a.close();
    b.close();
  };
} else if (impl === 'native' || impl === 'native-fast') {
  // native-fast: the binding copied into a plain object; the binding's own exports object is in
  // dictionary mode, so every `native.x` in optimized code is a LoadIC lookup.
  const loaded = require('../../dist/native.js').native;
  const native = impl === 'native-fast' ? { ...loaded } : loaded;
  ops.getsockopt = (n) => {
    const fd = native.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const value = native.getsockoptInt(fd, SOL_SOCKET, SO_RCVBUF);
      if (value < -(2 ** 31)) throw new Error('getsockopt');
      sum = (sum + value) | 0;
    }
    native.close(fd);
    return sum;
  };
  ops.sendrecv = (n) => {
    const [a, b] = native.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const one = Buffer.from([1]);
    const buf = Buffer.allocUnsafe(1);
    for (let i = 0; i < n; i++) {
      if (native.send(a, one, MSG_NOSIGNAL) !== 1) throw new Error('send: short');
      if (native.recv(b, buf, 0) !== 1) throw new Error('recv: short');
    }
    native.close(a);
    native.close(b);
  };
  ops.eagain = (n) => {
    const [a, b] = native.socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const buf = Buffer.allocUnsafe(1);
    let would = 0;
    for (let i = 0; i < n; i++) if (native.recv(b, buf, 0) === -EAGAIN) would++;
    native.close(a);
    native.close(b);
    return would;
  };
} else if (impl === 'raw') {
  // The floor of a Node-API call (raw-napi/raw.c, built with node-gyp there); sockets from the binding.
  const raw = require('./raw-napi/build/Release/raw.node');
  const { native } = require('../../dist/native.js');
  ops.getsockopt = (n) => {
    const fd = native.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    let sum = 0;
    for (let i = 0; i < n; i++) sum = (sum + raw.getsockoptInt(fd, SOL_SOCKET, SO_RCVBUF)) | 0;
    native.close(fd);
    return sum;
  };
  ops.sendrecv = (n) => {
    const [a, b] = native.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const one = Buffer.from([1]);
    const buf = Buffer.allocUnsafe(1);
    for (let i = 0; i < n; i++) {
      if (raw.send(a, one, MSG_NOSIGNAL) !== 1) throw new Error('send: short');
      if (raw.recv(b, buf, 0) !== 1) throw new Error('recv: short');
    }
    native.close(a);
    native.close(b);
  };
  ops.eagain = (n) => {
    const [a, b] = native.socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const buf = Buffer.allocUnsafe(1);
    let would = 0;
    for (let i = 0; i < n; i++) if (raw.recv(b, buf, 0) === -EAGAIN) would++;
    native.close(a);
    native.close(b);
    return would;
  };
} else if (impl === 'koffi') {
  const koffi = require('koffi');
  const libc = koffi.load('libc.so.6');
  const socket = libc.func('int socket(int domain, int type, int protocol)');
  const socketpair = libc.func('int socketpair(int domain, int type, int protocol, int *sv)');
  const getsockopt = libc.func('int getsockopt(int fd, int level, int name, void *value, void *length)');
  const bind = libc.func('int bind(int fd, const void *addr, uint32_t length)');
  const listen = libc.func('int listen(int fd, int backlog)');
  const accept4 = libc.func('int accept4(int fd, void *addr, void *length, int flags)');
  const connect = libc.func('int connect(int fd, const void *addr, uint32_t length)');
  const getsockname = libc.func('int getsockname(int fd, void *addr, void *length)');
  const send = libc.func('intptr_t send(int fd, const void *buf, size_t length, int flags)');
  const recv = libc.func('intptr_t recv(int fd, void *buf, size_t length, int flags)');
  const close = libc.func('int close(int fd)');
  const pair = (type) => {
    const sv = new Int32Array(2);
    if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0) throw new Error('socketpair');
    return [sv[0], sv[1]];
  };
  ops.getsockopt = (n) => {
    const fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const value = new Int32Array(1);
    const length = new Uint32Array(1);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      length[0] = 4;
      if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, value, length) < 0) throw new Error('getsockopt');
      sum = (sum + value[0]) | 0;
    }
    close(fd);
    return sum;
  };
  ops.sendrecv = (n) => {
    const [a, b] = pair(SOCK_STREAM);
    const one = Buffer.from([1]);
    const buf = Buffer.allocUnsafe(1);
    for (let i = 0; i < n; i++) {
      if (send(a, one, 1, MSG_NOSIGNAL) !== 1) throw new Error('send: short');
      if (recv(b, buf, 1, 0) !== 1) throw new Error('recv: short');
    }
    close(a);
    close(b);
  };
  ops.eagain = (n) => {
    const [a, b] = pair(SOCK_STREAM | SOCK_NONBLOCK);
    const buf = Buffer.allocUnsafe(1);
    let would = 0;
    for (let i = 0; i < n; i++) if (recv(b, buf, 1, 0) < 0 && koffi.errno() === EAGAIN) would++;
    close(a);
    close(b);
    return would;
  };
  ops.connect = (n) => {
    const server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sin = Buffer.alloc(16);
    sin.writeUInt16LE(AF_INET, 0);
    sin[4] = 127;
    sin[7] = 1;
    if (bind(server, sin, 16) < 0 || listen(server, 511) < 0) throw new Error('bind/listen');
    const length = new Uint32Array([16]);
    if (getsockname(server, sin, length) < 0) throw new Error('getsockname');
    const buf = Buffer.allocUnsafe(1);
    for (let i = 0; i < n; i++) {
      const c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (connect(c, sin, 16) < 0) throw new Error('connect');
      const s = accept4(server, null, null, SOCK_CLOEXEC);
      if (s < 0) throw new Error('accept');
      close(s);
      while (recv(c, buf, 1, 0) !== 0);
      close(c);
    }
    close(server);
  };
} else {
  throw new Error(`unknown contender ${impl}`);
}

if (!ops[op]) throw new Error(`${impl} has no ${op}`);
if (process.env.PROFILE_STACK_TRACE_LIMIT) Error.stackTraceLimit = Number(process.env.PROFILE_STACK_TRACE_LIMIT);
// A warm-up call of the same function first (PROFILE_WARMUP iterations, default 20000; the same in
// both runs of a pair): the measured call then runs optimized code from its first iteration.
ops[op](Number(process.env.PROFILE_WARMUP ?? (op === 'connect' ? 2000 : 20000)));
const t0 = process.hrtime.bigint();
ops[op](n);
const ns = Number(process.hrtime.bigint() - t0);
if (process.env.PROFILE_VERBOSE) console.log(`${impl} ${op} n=${n}: ${(ns / Math.max(n, 1)).toFixed(0)} ns/iteration (wall)`);
