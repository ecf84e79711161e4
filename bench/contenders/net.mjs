// sockcall benchmark contender: node:net, written the idiomatic way: events, write(),
// on('data'), 'drain' for back-pressure. The reference sockcall's promise flavour is measured
// against. No in-process syscall workload ("overhead"): UNSUPPORTED.
//
//   node bench/contenders/net.mjs ROLE WORKLOAD key=value ...
//
// Servers print "READY <port>", the measuring side "RESULT <json>".
import fs from 'node:fs';
import net from 'node:net';

import { answerRequests, args, bulkPattern, collectGarbageOnRequest, dispatch, fail, HTTP_MAX_REQUEST, num, percentile, print } from './protocol.mjs';

const HOST = '127.0.0.1';

/** Listens on 127.0.0.1:port (SO_REUSEADDR is libuv's default for TCP servers), backlog 511. */
function listenOn(port, options, onConnection) {
  const server = net.createServer(options, onConnection);
  server.on('error', fail);
  server.listen({ host: HOST, port, backlog: 511 }, () => print(`READY ${server.address().port}`));
  return server;
}

/** The echo server of pingpong and many: whatever arrives goes back. */
function echo(socket) {
  socket.on('data', (chunk) => socket.write(chunk));
}

function serverPingpong() {
  const server = listenOn(num('port', 0), { noDelay: true }, (socket) => {
    server.close(); // one connection
    socket.on('error', fail);
    echo(socket);
    // allowHalfOpen is false: at the client's EOF the socket ends and closes, and then the process
    // has nothing left to do and exits.
  });
}

function clientPingpong() {
  const port = num('port');
  const size = num('size');
  const count = num('count');
  const warmup = num('warmup', 0);
  const msg = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) msg[i] = (i * 7 + 3) & 255;
  const buf = Buffer.allocUnsafe(size); // the echo of the round trips that are checked
  const latency = new Float64Array(count);
  const trips = warmup + count;

  let trip = 0;
  let got = 0;
  let check = false;
  let t0 = 0n;
  let start = 0n;
  const socket = net.connect({ host: HOST, port, noDelay: true }, send);
  socket.on('error', fail);
  function send() {
    if (trip === warmup) start = process.hrtime.bigint();
    check = trip === warmup || trip === trips - 1;
    got = 0;
    t0 = process.hrtime.bigint();
    socket.write(msg);
  }
  socket.on('data', (chunk) => {
    if (got + chunk.length > size) return fail('net', new Error('recv: more bytes than were sent'));
    if (check) chunk.copy(buf, got);
    got += chunk.length;
    if (got < size) return;
    if (trip >= warmup) latency[trip - warmup] = Number(process.hrtime.bigint() - t0);
    if (check && !buf.equals(msg)) return fail('net', new Error(`echo mismatch in round trip ${trip - warmup}`));
    if (++trip < trips) return send();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    socket.end();
    latency.sort();
    const result = { roundTrips: count, seconds, perSec: count / seconds, p50us: percentile(latency, 0.5) / 1e3, p99us: percentile(latency, 0.99) / 1e3 };
    print(`RESULT ${JSON.stringify(result)}`);
  });
  socket.on('end', () => {
    if (trip < trips) fail('net', new Error('recv: server closed'));
  });
}

/**
 * file: sends the file `times` over to the one client, by fs.createReadStream(path).pipe(socket) (the
 * idiom; one stream after another, the socket ended after the last), or readSync + write() with
 * 'drain' for back-pressure. No sendfile in node:net: UNSUPPORTED.
 */
function serverFile() {
  const method = args.method;
  if (method !== 'stream' && method !== 'read+send') return print('UNSUPPORTED');
  const chunk = num('chunk', 65536);
  let left = num('times', 1);
  const server = listenOn(num('port', 0), {}, (socket) => {
    server.close(); // one connection
    socket.on('error', fail);
    if (method === 'stream') {
      const next = () => {
        if (left-- === 0) return socket.end();
        fs.createReadStream(args.path, { highWaterMark: chunk }).on('error', fail).on('end', next).pipe(socket, { end: false });
      };
      next();
      return;
    }
    const file = fs.openSync(args.path, 'r');
    let offset = 0;
    const write = () => {
      for (;;) {
        const buf = Buffer.allocUnsafe(chunk); // write() keeps it until sent: a new one each time
        const n = fs.readSync(file, buf, 0, chunk, offset);
        offset += n;
        if (n === 0) {
          if (--left > 0) {
            offset = 0;
            continue;
          }
          fs.closeSync(file);
          socket.end();
          return;
        }
        if (!socket.write(n === chunk ? buf : buf.subarray(0, n))) return socket.once('drain', write);
      }
    };
    write();
  });
}

function serverBulk() {
  const size = num('size');
  const total = num('total');
  const pattern = bulkPattern(size);
  const server = listenOn(num('port', 0), {}, (socket) => {
    server.close(); // one connection
    socket.on('error', fail);
    let got = 0;
    let phase = 0; // stream offset % 251, a running counter
    let start = 0n;
    socket.on('data', (chunk) => {
      if (got === 0) start = process.hrtime.bigint();
      if (got + chunk.length > total) return fail('net', new Error(`recv: more than ${total} bytes`));
      // Every byte checked: memcmp against the pattern at this stream offset, in pieces of at most
      // `size` (Node's chunks are up to 64 KiB whatever `size` is).
      for (let off = 0; off < chunk.length; ) {
        const n = Math.min(size, chunk.length - off);
        if (chunk.compare(pattern, phase, phase + n, off, off + n) !== 0) {
          return fail('net', new Error(`data mismatch in the ${n} bytes at stream offset ${got + off}`));
        }
        phase = (phase + n) % 251;
        off += n;
      }
      got += chunk.length;
      if (got < total) return;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      socket.destroy();
      print(`RESULT ${JSON.stringify({ bytes: total, seconds, gibPerSec: total / seconds / 2 ** 30, verified: true })}`);
    });
    socket.on('end', () => {
      if (got < total) fail('net', new Error(`recv: EOF after ${got} of ${total} bytes`));
    });
  });
}

function clientBulk() {
  const size = num('size');
  const total = num('total');
  const pattern = bulkPattern(size);
  // One view per phase, made once: no allocation per write.
  const views = Array.from({ length: 251 }, (_, phase) => pattern.subarray(phase, phase + size));
  let off = 0;
  const socket = net.connect({ host: HOST, port: num('port') }, pump);
  socket.on('error', fail);
  function pump() {
    while (off < total) {
      const phase = off % 251;
      const chunk = off + size <= total ? views[phase] : pattern.subarray(phase, phase + total - off);
      off += chunk.length;
      if (!socket.write(chunk)) {
        socket.once('drain', pump);
        return;
      }
    }
    socket.end();
  }
}

function serverConnrate() {
  listenOn(num('port', 0), {}, (socket) => socket.destroy());
}

function clientConnrate() {
  const port = num('port');
  const count = num('count');
  const warmup = num('warmup', 0);
  const options = { host: HOST, port };
  let done = 0;
  let start = 0n;
  function cycle() {
    if (done === warmup) start = process.hrtime.bigint();
    if (done === warmup + count) {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      print(`RESULT ${JSON.stringify({ connections: count, seconds, perSec: count / seconds })}`);
      return;
    }
    done++;
    const socket = net.connect(options);
    socket.on('error', fail);
    socket.on('close', cycle); // after the server's FIN: 'end', our end(), then 'close'
    socket.resume();
  }
  cycle();
}

function serverMany() {
  collectGarbageOnRequest();
  listenOn(num('port', 0), { noDelay: true }, (socket) => {
    socket.on('error', () => socket.destroy()); // a reset when the load generator leaves
    echo(socket);
  });
}

/**
 * The http server with the minimal parsing the C and sockcall servers use: answer every complete
 * request in what arrived, keep the start of the next (joined to the next chunk).
 */
function serverHttp() {
  listenOn(num('port', 0), { noDelay: true }, (socket) => {
    socket.on('error', () => socket.destroy()); // a reset when the load generator leaves
    const parsed = { consumed: 0 };
    let partial = null;
    socket.on('data', (chunk) => {
      const data = partial === null ? chunk : Buffer.concat([partial, chunk]);
      const responses = answerRequests(data, data.length, parsed);
      if (responses.length > 0) socket.write(responses);
      partial = parsed.consumed === data.length ? null : data.subarray(parsed.consumed);
      if (partial !== null && partial.length >= HTTP_MAX_REQUEST) socket.destroy(); // too long: refused
    });
  });
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
};

dispatch('net', workloads);
