// sockcall benchmark contender: the promise flavour ('sockcall/promises'): non-blocking fds on
// Node's event loop, every call awaited. One preallocated buffer per socket, recvInto instead of
// recv, sendAll; "many" and "http" are an accept loop plus one async loop per connection, on one
// thread.
//
//   node bench/contenders/promises.mjs ROLE WORKLOAD key=value ...
//
// Servers print "READY <port>", the measuring side "RESULT <json>".

import {
  AF_INET,
  AF_UNIX,
  IPPROTO_TCP,
  SO_ERROR,
  SO_RCVBUF,
  SO_REUSEADDR,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  Socket,
  TCP_NODELAY,
} from 'sockcall/promises';
import fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';

import {
  answerRequests,
  args,
  bulkPattern,
  collectGarbageOnRequest,
  dispatch,
  HTTP_MAX_REQUEST,
  num,
  percentile,
  print,
  RECV64K_BLOCK,
  UDP_BATCH,
  UDP_FIRST_WAIT_MS,
  UDP_RCVBUF,
  udpInto,
  udpMmsg,
  UdpCycles,
  UDP_FILL_MS,
  udpSenderStop,
  recv64kResult,
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

async function connectTo(port) {
  const socket = new Socket(AF_INET, SOCK_STREAM);
  await socket.connect({ address: '127.0.0.1', port });
  return socket;
}

/**
 * The rest of a recv of exactly buf.length bytes after a first recvInto returned `got` (the loops
 * below make that first call inline, so a whole message costs one await): true, or false at EOF
 * before the first byte.
 */
async function recvRest(socket, buf, got) {
  if (got === 0) return false;
  while (got < buf.length) {
    const n = await socket.recvInto(buf.subarray(got));
    if (n === 0) throw new Error(`recv: EOF after ${got} of ${buf.length} bytes`);
    got += n;
  }
  return true;
}

async function serverPingpong() {
  const size = num('size');
  const server = listenOn(num('port', 0));
  const conn = await server.accept();
  server.close();
  conn.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  const buf = Buffer.allocUnsafe(size);
  for (;;) {
    const got = await conn.recvInto(buf);
    if (got !== size && !(await recvRest(conn, buf, got))) break;
    await conn.sendAll(buf);
  }
  conn.close();
}

async function clientPingpong() {
  const size = num('size');
  const count = num('count');
  const warmup = num('warmup', 0);
  const msg = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) msg[i] = (i * 7 + 3) & 255;
  const buf = Buffer.allocUnsafe(size);
  const latency = new Float64Array(count);

  const socket = await connectTo(num('port'));
  socket.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  for (let i = 0; i < warmup; i++) {
    await socket.sendAll(msg);
    const got = await socket.recvInto(buf);
    if (got !== size && !(await recvRest(socket, buf, got))) throw new Error('recv: server closed');
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await socket.sendAll(msg);
    const got = await socket.recvInto(buf);
    if (got !== size && !(await recvRest(socket, buf, got))) throw new Error('recv: server closed');
    latency[i] = Number(process.hrtime.bigint() - t0);
    if ((i === 0 || i === count - 1) && !buf.equals(msg)) throw new Error(`echo mismatch in round trip ${i}`);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  socket.close();
  latency.sort();
  const result = { roundTrips: count, seconds, perSec: count / seconds, p50us: percentile(latency, 0.5) / 1e3, p99us: percentile(latency, 0.99) / 1e3 };
  print(`RESULT ${JSON.stringify(result)}`);
}

/**
 * file: sends the file `times` over to the one client, by sendfileAll (it waits for room on the event loop) or
 * readSync + sendAll (the page cache read synchronously, as the C read()).
 */
async function serverFile() {
  const method = args.method;
  if (method !== 'sendfile' && method !== 'read+send') return print('UNSUPPORTED');
  const file = fs.openSync(args.path, 'r');
  const size = fs.fstatSync(file).size;
  const times = num('times', 1);
  const buf = Buffer.allocUnsafe(num('chunk', 65536));
  const server = listenOn(num('port', 0));
  const conn = await server.accept();
  server.close();
  for (let round = 0; round < times; round++) {
    if (method === 'sendfile') {
      const sent = await conn.sendfileAll(file, 0, size);
      if (sent !== size) throw new Error(`sendfile: the file ended at ${sent} of ${size} bytes`);
    } else {
      for (let offset = 0, n; (n = fs.readSync(file, buf, 0, buf.length, offset)) > 0; offset += n) await conn.sendAll(n === buf.length ? buf : buf.subarray(0, n));
    }
  }
  conn.close();
  fs.closeSync(file);
}

async function serverBulk() {
  const size = num('size');
  const total = num('total');
  const pattern = bulkPattern(size);
  const buf = Buffer.allocUnsafe(size);
  const server = listenOn(num('port', 0));
  const conn = await server.accept();
  server.close();

  let got = 0;
  let phase = 0; // stream offset % 251, a running counter
  let start = 0n;
  while (got < total) {
    const n = await conn.recvInto(total - got >= size ? buf : buf.subarray(0, total - got));
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

async function clientBulk() {
  const size = num('size');
  const total = num('total');
  const pattern = bulkPattern(size);
  // One view per phase, made once: no allocation per send.
  const views = Array.from({ length: 251 }, (_, phase) => pattern.subarray(phase, phase + size));
  const socket = await connectTo(num('port'));
  let off = 0;
  for (; off + size <= total; off += size) await socket.sendAll(views[off % 251]);
  if (off < total) await socket.sendAll(pattern.subarray(off % 251, (off % 251) + total - off));
  socket.close();
}

async function serverConnrate() {
  const server = listenOn(num('port', 0));
  for (;;) (await server.accept()).close();
}

async function clientConnrate() {
  const port = num('port');
  const count = num('count');
  const warmup = num('warmup', 0);
  const address = { address: '127.0.0.1', port };
  const buf = Buffer.allocUnsafe(1);
  const cycle = async () => {
    const socket = new Socket(AF_INET, SOCK_STREAM);
    await socket.connect(address);
    while ((await socket.recvInto(buf)) !== 0);
    socket.close();
  };
  for (let i = 0; i < warmup; i++) await cycle();
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await cycle();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  print(`RESULT ${JSON.stringify({ connections: count, seconds, perSec: count / seconds })}`);
}

/** One connection of the "many" echo server: recvInto its own buffer, sendAll what came. */
async function echo(conn, size) {
  conn.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  const buf = Buffer.allocUnsafe(size);
  try {
    for (;;) {
      const n = await conn.recvInto(buf);
      if (n === 0) break;
      await conn.sendAll(n === size ? buf : buf.subarray(0, n));
    }
  } catch {
    // A reset when the load generator leaves: that connection is over.
  }
  conn.close();
}

async function serverMany() {
  const size = num('size');
  collectGarbageOnRequest();
  const server = listenOn(num('port', 0));
  for (;;) echo(await server.accept(), size);
}

/**
 * One connection of the http server: recvInto its own buffer until a request is complete, answer
 * every complete one with one sendAll, keep the start of the next.
 */
async function serveHttp(conn) {
  conn.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  const buf = Buffer.allocUnsafe(HTTP_MAX_REQUEST);
  const parsed = { consumed: 0 };
  let have = 0;
  try {
    for (;;) {
      const n = await conn.recvInto(have === 0 ? buf : buf.subarray(have));
      if (n === 0) break;
      have += n;
      const responses = answerRequests(buf, have, parsed);
      if (responses.length === 0) {
        if (have === buf.length) break; // a request too long: refused
        continue;
      }
      if (parsed.consumed < have) buf.copy(buf, 0, parsed.consumed, have);
      have -= parsed.consumed;
      await conn.sendAll(responses);
    }
  } catch {
    // A reset when the load generator leaves: that connection is over.
  }
  conn.close();
}

async function serverHttp() {
  const server = listenOn(num('port', 0));
  for (;;) serveHttp(await server.accept());
}

async function clientOverhead() {
  const count = num('count');
  const warmup = Math.floor(count / 10);
  const op = args.op;
  let ns;
  if (op === 'getsockopt') {
    // getsockopt never waits: it is synchronous in this flavour too.
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
      await a.send(one);
      await b.recvInto(buf);
    }
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      if ((await a.send(one)) !== 1) throw new Error('send: short');
      if ((await b.recvInto(buf)) !== 1) throw new Error('recv: short');
    }
    ns = Number(process.hrtime.bigint() - t0) / count;
    a.close();
    b.close();
  } else if (op === 'eagain' || op === 'tryeagain') {
    // A promise recv waits for data instead of failing with EAGAIN: nothing to compare.
    print('UNSUPPORTED');
    return;
  } else {
    throw new Error(`unknown op=${op}`);
  }
  print(`RESULT ${JSON.stringify({ op, calls: count, nsPerCall: ns })}`);
}

/**
 * recv(65536) of a small message, the plain way to read, against recvInto into one reused 64 KiB
 * Buffer, the way that allocates nothing: send + receive over a Unix stream socketpair.
 */
async function clientRecv64k() {
  const count = num('count');
  const size = num('size');
  const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
  const message = Buffer.alloc(size, 7);
  const reused = Buffer.allocUnsafe(65536);
  const viaRecv = async () => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < RECV64K_BLOCK; i++) {
      await a.send(message);
      if ((await b.recv(65536)).length !== size) throw new Error('recv: short');
    }
    return Number(process.hrtime.bigint() - t0);
  };
  const viaRecvInto = async () => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < RECV64K_BLOCK; i++) {
      await a.send(message);
      if ((await b.recvInto(reused)) !== size) throw new Error('recvInto: short');
    }
    return Number(process.hrtime.bigint() - t0);
  };
  const rounds = Math.ceil(count / RECV64K_BLOCK);
  const blocks = [];
  for (let round = -Math.ceil(rounds / 10); round < rounds; round++) {
    let recvNs;
    let recvIntoNs;
    if (round % 2 === 0) {
      recvNs = await viaRecv();
      recvIntoNs = await viaRecvInto();
    } else {
      recvIntoNs = await viaRecvInto();
      recvNs = await viaRecv();
    }
    if (round >= 0) blocks.push([recvNs, recvIntoNs]); // the first rounds warm up
  }
  a.close();
  b.close();
  print(`RESULT ${JSON.stringify(recv64kResult(blocks))}`);
}

/**
 * Whether `promise` was settled when made (a call that completed at once, without waiting): its
 * reaction is queued before the await's own continuation only then.
 */
async function settledAtOnce(promise) {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await null;
  return settled;
}

/**
 * udp: cycles of a pause (a timer: nothing waits on the socket, so the event loop does not read
 * it) and a drain: recvfrom a datagram per call, or recvmmsg (what is there, up to UDP_BATCH). The
 * drain ends at the first receive that had to wait: its datagram came after the queue was empty
 * and is not counted.
 */
async function serverUdp() {
  const mmsg = udpMmsg(true);
  const into = udpInto();
  const cycles = new UdpCycles();
  const size = cycles.size;
  const socket = new Socket(AF_INET, SOCK_DGRAM);
  socket.setsockopt(SOL_SOCKET, SO_RCVBUF, UDP_RCVBUF);
  socket.bind({ address: '127.0.0.1', port: num('port', 0) });
  print(`READY ${socket.getsockname().port}`);
  await socket.recvfrom(size + 1, { timeout: UDP_FIRST_WAIT_MS });
  cycles.open();
  const wait = { timeout: 1000 };
  // As the C receiver: one batch buffer and one array of lengths, reused by every recvmmsg.
  const batch = Buffer.alloc(UDP_BATCH * (size + 1));
  const results = new Int32Array(2 * UDP_BATCH);
  // recvfromInto: one buffer and one array for the sender, reused by every call (C's recvfrom takes the sender too).
  const one = batch.subarray(0, size + 1);
  const intoOptions = { senders: [], ...wait };
  // One byte more than a datagram should have, so that a longer one shows.
  while (cycles.more()) {
    await delay(UDP_FILL_MS);
    cycles.draining();
    for (;;) {
      if (mmsg) {
        const call = socket.recvmmsgInto(batch, UDP_BATCH, size + 1, results, wait);
        const atOnce = await settledAtOnce(call);
        const got = await call;
        if (!atOnce) break;
        let wrong = 0;
        for (let i = 0; i < got; i++) if (results[2 * i] !== size) wrong++;
        if (cycles.got(got, wrong)) break;
      } else if (into) {
        const call = socket.recvfromInto(one, intoOptions);
        const atOnce = await settledAtOnce(call);
        const got = await call;
        if (!atOnce || cycles.got(1, got !== size ? 1 : 0)) break;
      } else {
        const call = socket.recvfrom(size + 1, wait);
        const atOnce = await settledAtOnce(call);
        const got = await call;
        if (!atOnce || cycles.got(1, got.data.length !== size ? 1 : 0)) break;
      }
    }
    cycles.drained();
  }
  socket.close();
  cycles.print();
}

/** udp: send a datagram per call, or sendmmsg UDP_BATCH, until the receiver is gone. */
async function clientUdp() {
  const mmsg = udpMmsg(true);
  const data = Buffer.alloc(num('size'), 'u');
  const batch = Array.from({ length: UDP_BATCH }, () => ({ data }));
  const socket = new Socket(AF_INET, SOCK_DGRAM);
  await socket.connect({ address: '127.0.0.1', port: num('port') });
  const stop = udpSenderStop();
  for (let calls = 0; (calls & 255) !== 0 || (performance.now() < stop && !(socket.getsockopt(SOL_SOCKET, SO_ERROR) === ECONNREFUSED)); calls++) {
    try {
      if (mmsg) await socket.sendmmsg(batch);
      else await socket.send(data);
    } catch (error) {
      if (error.code === 'ECONNREFUSED') break; // the receiver is done
      if (error.code !== 'ENOBUFS') throw error;
    }
  }
  socket.close();
}

const workloads = {
  'server pingpong': serverPingpong,
  'client pingpong': clientPingpong,
  'server bulk': serverBulk,
  'server file': serverFile,
  'client bulk': clientBulk,
  'server connrate': serverConnrate,
  'client connrate': clientConnrate,
  'server many': serverMany,
  'server http': serverHttp,
  'client overhead': clientOverhead,
  'client recv64k': clientRecv64k,
  'server udp': serverUdp,
  'client udp': clientUdp,
};

dispatch('promises', workloads);
