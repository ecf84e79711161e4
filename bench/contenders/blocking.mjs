// sockcall benchmark contender: the blocking flavour ('sockcall'), written as the C contender is
// (bench/c/contender.c): the syscall itself on this thread, one preallocated buffer per socket,
// recvInto instead of recv, sendAll.
//
//   node bench/contenders/blocking.mjs ROLE WORKLOAD key=value ...
//
// Servers print "READY <port>", the measuring side "RESULT <json>". "http" serves its connections
// from one thread the way a C program does without epoll: a poll() loop over the listener and every
// connection. "many" is served as the C contender serves it: one thread, non-blocking sockets, an
// Epoll (level-triggered).

import {
  AF_INET,
  AF_UNIX,
  Epoll,
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_CTL_MOD,
  EPOLLIN,
  EPOLLOUT,
  IPPROTO_TCP,
  MSG_DONTWAIT,
  poll,
  POLLIN,
  SO_ERROR,
  SO_RCVBUF,
  SO_RCVTIMEO,
  SO_REUSEADDR,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  Socket,
  SocketError,
  TCP_NODELAY,
} from 'sockcall';
import fs from 'node:fs';
import { constants as osConstants } from 'node:os';

import {
  answerRequests,
  args,
  bulkPattern,
  collectGarbageNow,
  dispatch,
  HTTP_MAX_REQUEST,
  num,
  percentile,
  print,
  RECV64K_BLOCK,
  recv64kResult,
  UDP_BATCH,
  UDP_FIRST_WAIT_MS,
  UDP_RCVBUF,
  udpInto,
  udpMmsg,
  UdpCycles,
  UDP_FILL_MS,
  udpSenderStop,
  sleepMs,
} from './protocol.mjs';

const ECONNREFUSED = osConstants.errno.ECONNREFUSED;

function listenOn(port) {
  const server = new Socket(AF_INET, SOCK_STREAM);
  server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  server.bind({ address: '127.0.0.1', port });
  server.listen(511);
  print(`READY ${server.getsockname().port}`);
  return server;
}

function connectTo(port) {
  const socket = new Socket(AF_INET, SOCK_STREAM);
  socket.connect({ address: '127.0.0.1', port });
  return socket;
}

/** Reads exactly buf.length bytes: true, or false at EOF before the first byte. */
function recvExact(socket, buf) {
  let got = socket.recvInto(buf);
  if (got === buf.length) return true;
  if (got === 0) return false;
  while (got < buf.length) {
    const n = socket.recvInto(buf.subarray(got));
    if (n === 0) throw new Error(`recv: EOF after ${got} of ${buf.length} bytes`);
    got += n;
  }
  return true;
}

function serverPingpong() {
  const size = num('size');
  const server = listenOn(num('port', 0));
  const conn = server.accept();
  server.close();
  conn.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  const buf = Buffer.allocUnsafe(size);
  while (recvExact(conn, buf)) conn.sendAll(buf);
  conn.close();
}

function clientPingpong() {
  const size = num('size');
  const count = num('count');
  const warmup = num('warmup', 0);
  const msg = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) msg[i] = (i * 7 + 3) & 255;
  const buf = Buffer.allocUnsafe(size);
  const latency = new Float64Array(count);

  const socket = connectTo(num('port'));
  socket.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  for (let i = 0; i < warmup; i++) {
    socket.sendAll(msg);
    if (!recvExact(socket, buf)) throw new Error('recv: server closed');
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    socket.sendAll(msg);
    if (!recvExact(socket, buf)) throw new Error('recv: server closed');
    latency[i] = Number(process.hrtime.bigint() - t0);
    if ((i === 0 || i === count - 1) && !buf.equals(msg)) throw new Error(`echo mismatch in round trip ${i}`);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  socket.close();
  latency.sort();
  const result = { roundTrips: count, seconds, perSec: count / seconds, p50us: percentile(latency, 0.5) / 1e3, p99us: percentile(latency, 0.99) / 1e3 };
  print(`RESULT ${JSON.stringify(result)}`);
}

function serverBulk() {
  const size = num('size');
  const total = num('total');
  const pattern = bulkPattern(size);
  const buf = Buffer.allocUnsafe(size);
  const server = listenOn(num('port', 0));
  const conn = server.accept();
  server.close();

  let got = 0;
  let phase = 0; // stream offset % 251, a running counter
  let start = 0n;
  while (got < total) {
    const n = conn.recvInto(total - got >= size ? buf : buf.subarray(0, total - got));
    if (n === 0) throw new Error(`recv: EOF after ${got} of ${total} bytes`);
    if (got === 0) start = process.hrtime.bigint();
    // Every byte checked: memcmp against the pattern at this stream offset.
    if (buf.compare(pattern, phase, phase + n, 0, n) !== 0) throw new Error(`data mismatch in the ${n} bytes at stream offset ${got}`);
    got += n;
    phase = (phase + n) % 251;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  conn.close();
  print(`RESULT ${JSON.stringify({ bytes: total, seconds, gibPerSec: total / seconds / 2 ** 30, verified: true })}`);
}

function clientBulk() {
  const size = num('size');
  const total = num('total');
  const pattern = bulkPattern(size);
  // One view per phase, made once: no allocation per send.
  const views = Array.from({ length: 251 }, (_, phase) => pattern.subarray(phase, phase + size));
  const socket = connectTo(num('port'));
  let off = 0;
  for (; off + size <= total; off += size) socket.sendAll(views[off % 251]);
  if (off < total) socket.sendAll(pattern.subarray(off % 251, (off % 251) + total - off));
  socket.close();
}

/** file: sends the file `times` over to the one client, by sendfileAll (C's sendfile loop) or readSync + sendAll. */
function serverFile() {
  const method = args.method;
  if (method !== 'sendfile' && method !== 'read+send') return print('UNSUPPORTED');
  const file = fs.openSync(args.path, 'r');
  const size = fs.fstatSync(file).size;
  const times = num('times', 1);
  const buf = Buffer.allocUnsafe(num('chunk', 65536));
  const server = listenOn(num('port', 0));
  const conn = server.accept();
  server.close();
  for (let round = 0; round < times; round++) {
    if (method === 'sendfile') {
      const sent = conn.sendfileAll(file, 0, size);
      if (sent !== size) throw new Error(`sendfile: the file ended at ${sent} of ${size} bytes`);
    } else {
      for (let offset = 0, n; (n = fs.readSync(file, buf, 0, buf.length, offset)) > 0; offset += n) conn.sendAll(n === buf.length ? buf : buf.subarray(0, n));
    }
  }
  conn.close();
  fs.closeSync(file);
}

function serverConnrate() {
  const server = listenOn(num('port', 0));
  for (;;) server.accept().close();
}

function clientConnrate() {
  const port = num('port');
  const count = num('count');
  const warmup = num('warmup', 0);
  const address = { address: '127.0.0.1', port };
  const buf = Buffer.allocUnsafe(1);
  const cycle = () => {
    const socket = new Socket(AF_INET, SOCK_STREAM);
    socket.connect(address);
    while (socket.recvInto(buf) !== 0);
    socket.close();
  };
  for (let i = 0; i < warmup; i++) cycle();
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) cycle();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  print(`RESULT ${JSON.stringify({ connections: count, seconds, perSec: count / seconds })}`);
}

/**
 * The http server: one poll() over the listener and every connection; a readable connection gets
 * one recvInto into its own buffer, and every request complete in it one sendAll of the responses.
 */
function serverHttp() {
  const server = listenOn(num('port', 0));
  const entries = [{ fd: server, events: POLLIN }];
  const state = new Map(); // connection -> { buf, have }
  const parsed = { consumed: 0 };
  const drop = (conn) => {
    const at = entries.findIndex((entry) => entry.fd === conn);
    entries[at] = entries[entries.length - 1];
    entries.pop();
    state.delete(conn);
    conn.close();
  };
  for (;;) {
    for (const { fd: socket } of poll(entries)) {
      if (socket === server) {
        const conn = server.accept();
        conn.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
        entries.push({ fd: conn, events: POLLIN });
        state.set(conn, { buf: Buffer.allocUnsafe(HTTP_MAX_REQUEST), have: 0 });
        continue;
      }
      const conn = state.get(socket);
      try {
        const n = socket.recvInto(conn.have === 0 ? conn.buf : conn.buf.subarray(conn.have));
        if (n === 0) {
          drop(socket);
          continue;
        }
        conn.have += n;
        const responses = answerRequests(conn.buf, conn.have, parsed);
        if (responses.length === 0) {
          if (conn.have === conn.buf.length) drop(socket); // a request too long: refused
          continue;
        }
        if (parsed.consumed < conn.have) conn.buf.copy(conn.buf, 0, parsed.consumed, conn.have);
        conn.have -= parsed.consumed;
        socket.sendAll(responses);
      } catch {
        drop(socket); // a reset when the load generator leaves: that connection is over
      }
    }
  }
}

/**
 * The "many" echo server, as bench/c/contender.c's: a non-blocking listener and connections on one
 * level-triggered Epoll; each readable connection gets one tryRecvInto and its echo (the would-block
 * forms: EAGAIN is null, not an exception), and an echo the
 * socket has no room for waits for EPOLLOUT (reading stops meanwhile).
 */
function serverMany() {
  const size = num('size');
  const server = listenOn(num('port', 0));
  server.setBlocking(false);
  const ep = new Epoll();
  ep.ctl(EPOLL_CTL_ADD, server, EPOLLIN);
  // The runner asks for a GC before a memory reading with a line on stdin (a pipe then; /dev/null,
  // which epoll refuses with EPERM, otherwise): this thread never returns to the event loop.
  const STDIN = 0;
  const scratch = Buffer.alloc(64);
  let request = '';
  try {
    ep.ctl(EPOLL_CTL_ADD, STDIN, EPOLLIN);
  } catch (error) {
    if (!(error instanceof SocketError && error.code === 'EPERM')) throw error;
  }
  const conns = new Map(); // fd -> { socket, buf, off, len }: bytes off..len still to echo
  const close = (c) => {
    ep.ctl(EPOLL_CTL_DEL, c.socket);
    conns.delete(c.socket.fd);
    c.socket.close();
  };
  /** Sends what is pending: true when all of it went, false on EAGAIN; throws on an error. */
  const flush = (c) => {
    while (c.off < c.len) {
      const sent = c.socket.trySend(c.off === 0 && c.len === size ? c.buf : c.buf.subarray(c.off, c.len));
      if (sent === null) return false;
      c.off += sent;
    }
    return true;
  };
  for (;;) {
    for (const { fd } of ep.wait(256, null)) {
      if (fd === STDIN) {
        const got = fs.readSync(STDIN, scratch);
        if (got === 0) ep.ctl(EPOLL_CTL_DEL, STDIN);
        request += scratch.toString('latin1', 0, got);
        for (let at; (at = request.indexOf('\n')) >= 0; request = request.slice(at + 1)) {
          if (request.slice(0, at).trim() === 'GC') collectGarbageNow();
        }
        continue;
      }
      if (fd === server.fd) {
        for (;;) {
          let socket;
          try {
            socket = server.tryAccept(SOCK_NONBLOCK);
          } catch (error) {
            if (error instanceof SocketError && error.code === 'ECONNABORTED') continue;
            throw error;
          }
          if (socket === null) break;
          socket.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
          conns.set(socket.fd, { socket, buf: Buffer.allocUnsafe(size), off: 0, len: 0 });
          ep.ctl(EPOLL_CTL_ADD, socket, EPOLLIN);
        }
        continue;
      }
      const c = conns.get(fd);
      if (c === undefined) continue;
      try {
        if (c.off < c.len) {
          // EPOLLOUT: finish the echo, then read again.
          if (flush(c)) ep.ctl(EPOLL_CTL_MOD, c.socket, EPOLLIN);
          continue;
        }
        const got = c.socket.tryRecvInto(c.buf);
        if (got === null) continue;
        if (got === 0) {
          close(c);
          continue;
        }
        c.off = 0;
        c.len = got;
        if (!flush(c)) ep.ctl(EPOLL_CTL_MOD, c.socket, EPOLLOUT);
      } catch (error) {
        // A reset when the load generator leaves: that connection is over.
        if (!(error instanceof SocketError)) throw error;
        close(c);
      }
    }
  }
}

function clientOverhead() {
  const count = num('count');
  const warmup = Math.floor(count / 10);
  const op = args.op;
  let ns;
  if (op === 'getsockopt') {
    const socket = new Socket(AF_INET, SOCK_STREAM);
    for (let i = 0; i < warmup; i++) socket.getsockopt(SOL_SOCKET, SO_RCVBUF);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) socket.getsockopt(SOL_SOCKET, SO_RCVBUF);
    ns = Number(process.hrtime.bigint() - t0) / count;
    socket.close();
  } else if (op === 'recvdata') {
    const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
    const one = Buffer.from([1]);
    const buf = Buffer.allocUnsafe(1);
    for (let i = 0; i < warmup; i++) {
      a.send(one);
      b.recvInto(buf);
    }
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      if (a.send(one) !== 1) throw new Error('send: short');
      if (b.recvInto(buf) !== 1) throw new Error('recv: short');
    }
    ns = Number(process.hrtime.bigint() - t0) / count;
    a.close();
    b.close();
  } else if (op === 'eagain' || op === 'tryeagain') {
    // A recv that would block, as a poll loop meets it: eagain catches the thrown SocketError,
    // tryeagain takes tryRecvInto's null.
    const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
    const buf = Buffer.allocUnsafe(1);
    const wouldBlock = op === 'eagain'
      ? () => {
          try {
            b.recvInto(buf);
          } catch (error) {
            if (error.code === 'EAGAIN') return;
            throw error;
          }
          throw new Error('recv: data on an empty socket');
        }
      : () => {
          if (b.tryRecvInto(buf) !== null) throw new Error('recv: data on an empty socket');
        };
    for (let i = 0; i < warmup; i++) wouldBlock();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) wouldBlock();
    ns = Number(process.hrtime.bigint() - t0) / count;
    a.close();
    b.close();
  } else {
    throw new Error(`unknown op=${op}`);
  }
  print(`RESULT ${JSON.stringify({ op, calls: count, nsPerCall: ns })}`);
}

/**
 * recv(65536) of a small message, the plain way to read, against recvInto into one reused 64 KiB
 * Buffer, the way that allocates nothing: send + receive over a Unix stream socketpair.
 */
function clientRecv64k() {
  const count = num('count');
  const size = num('size');
  const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
  const message = Buffer.alloc(size, 7);
  const reused = Buffer.allocUnsafe(65536);
  const viaRecv = () => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < RECV64K_BLOCK; i++) {
      a.send(message);
      if ((b.recv(65536)).length !== size) throw new Error('recv: short');
    }
    return Number(process.hrtime.bigint() - t0);
  };
  const viaRecvInto = () => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < RECV64K_BLOCK; i++) {
      a.send(message);
      if ((b.recvInto(reused)) !== size) throw new Error('recvInto: short');
    }
    return Number(process.hrtime.bigint() - t0);
  };
  const rounds = Math.ceil(count / RECV64K_BLOCK);
  const blocks = [];
  for (let round = -Math.ceil(rounds / 10); round < rounds; round++) {
    let recvNs;
    let recvIntoNs;
    if (round % 2 === 0) {
      recvNs = viaRecv();
      recvIntoNs = viaRecvInto();
    } else {
      recvIntoNs = viaRecvInto();
      recvNs = viaRecv();
    }
    if (round >= 0) blocks.push([recvNs, recvIntoNs]); // the first rounds warm up
  }
  a.close();
  b.close();
  print(`RESULT ${JSON.stringify(recv64kResult(blocks))}`);
}

/** udp: cycles of a pause and a drain (MSG_DONTWAIT until EAGAIN): recvfrom a datagram per call, or recvmmsg. */
function serverUdp() {
  const mmsg = udpMmsg(true);
  const into = udpInto();
  const cycles = new UdpCycles();
  const size = cycles.size;
  // As the C receiver: one batch buffer and one array of lengths, reused by every recvmmsg.
  const batch = Buffer.alloc(UDP_BATCH * (size + 1));
  const results = new Int32Array(2 * UDP_BATCH);
  // recvfromInto: one buffer and one array for the sender, reused by every call (C's recvfrom takes the sender too).
  const one = batch.subarray(0, size + 1);
  const intoOptions = { senders: [] };
  const socket = new Socket(AF_INET, SOCK_DGRAM);
  socket.setsockopt(SOL_SOCKET, SO_RCVBUF, UDP_RCVBUF);
  socket.bind({ address: '127.0.0.1', port: num('port', 0) });
  socket.setsockopt(SOL_SOCKET, SO_RCVTIMEO, UDP_FIRST_WAIT_MS);
  print(`READY ${socket.getsockname().port}`);
  socket.recvfrom(size + 1);
  cycles.open();
  // One byte more than a datagram should have, so that a longer one shows.
  while (cycles.more()) {
    sleepMs(UDP_FILL_MS);
    cycles.draining();
    if (mmsg) {
      for (let got; (got = tryRecvmmsg(socket, batch, size + 1, results)) > 0; ) {
        let wrong = 0;
        for (let i = 0; i < got; i++) if (results[2 * i] !== size) wrong++;
        if (cycles.got(got, wrong)) break;
      }
    } else if (into) {
      for (let got; (got = socket.tryRecvfromInto(one, MSG_DONTWAIT, intoOptions)) !== null; ) if (cycles.got(1, got !== size ? 1 : 0)) break;
    } else {
      for (let got; (got = socket.tryRecvfrom(size + 1, MSG_DONTWAIT)) !== null; ) if (cycles.got(1, got.data.length !== size ? 1 : 0)) break;
    }
    cycles.drained();
  }
  socket.close();
  cycles.print();
}

const DONTWAIT = { flags: MSG_DONTWAIT };

/** recvmmsg of up to UDP_BATCH datagrams with MSG_DONTWAIT into `batch`: 0 when none is there. */
function tryRecvmmsg(socket, batch, length, results) {
  try {
    return socket.recvmmsgInto(batch, UDP_BATCH, length, results, DONTWAIT);
  } catch (error) {
    if (error.code === 'EAGAIN') return 0;
    throw error;
  }
}

/** udp: send a datagram per call, or sendmmsg UDP_BATCH, until the receiver is gone. */
function clientUdp() {
  const mmsg = udpMmsg(true);
  const data = Buffer.alloc(num('size'), 'u');
  const batch = Array.from({ length: UDP_BATCH }, () => ({ data }));
  const socket = new Socket(AF_INET, SOCK_DGRAM);
  socket.connect({ address: '127.0.0.1', port: num('port') });
  const stop = udpSenderStop();
  for (let calls = 0; (calls & 255) !== 0 || (performance.now() < stop && !(socket.getsockopt(SOL_SOCKET, SO_ERROR) === ECONNREFUSED)); calls++) {
    try {
      if (mmsg) socket.sendmmsg(batch);
      else socket.send(data);
    } catch (error) {
      if (error.code === 'ECONNREFUSED') break; // the receiver is done
      if (error.code !== 'ENOBUFS' && error.code !== 'EAGAIN') throw error;
    }
  }
  socket.close();
}

const workloads = {
  'server pingpong': serverPingpong,
  'client pingpong': clientPingpong,
  'server bulk': serverBulk,
  'client bulk': clientBulk,
  'server file': serverFile,
  'server connrate': serverConnrate,
  'client connrate': clientConnrate,
  'server http': serverHttp,
  'server many': serverMany,
  'client overhead': clientOverhead,
  'client recv64k': clientRecv64k,
  'server udp': serverUdp,
  'client udp': clientUdp,
};

dispatch('blocking', workloads);
