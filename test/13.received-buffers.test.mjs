// What the receiving calls that return bytes (recv, recvfrom, recvmsg, recvFds) hand back: a Buffer
// that holds about what it carries, whatever length was asked for. Measured as memory (the growth of
// process.memoryUsage().arrayBuffers after gc, in a child started with --expose-gc) for many kept
// small messages, in both flavours, stream and datagram; and the bytes stay right when the thread's
// scratch buffer is reused: across kept messages, under MSG_PEEK and MSG_TRUNC, in worker threads,
// and when a trace sink receives in the middle of another receive.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import * as sockcall from 'sockcall';
import * as promises from 'sockcall/promises';

import { guard, root, startWorker, tcpPair, track } from './helpers.mjs';

const { AF_UNIX, MSG_PEEK, MSG_TRUNC, MSG_WAITALL, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, Socket, trace } = sockcall;

/** How many messages are kept, and the most their buffers may hold together. */
const KEPT = 5000;
const SIZE = 64;
const MAX_HELD = 2 * 1024 * 1024;

/**
 * Runs each of `cases` (name -> the source of a factory `(S, P, message) => { send(i), receive(),
 * close() }`) in one child with --expose-gc: sends message i and keeps what `receive` returns (a
 * Buffer, or recvmsg's buffers), KEPT times. Returns per case the arrayBuffers growth and the
 * messages that did not read back as sent.
 */
function heldByKeptMessages(cases) {
  const source = `
    const S = require(${JSON.stringify(root)});
    const P = require(${JSON.stringify(join(root, 'dist', 'promises.js'))});
    const KEPT = ${KEPT}, SIZE = ${SIZE};
    const held = () => { gc(); gc(); return process.memoryUsage().arrayBuffers; };
    const message = (i) => { const m = Buffer.alloc(SIZE, i & 0xff); m.writeUInt32LE(i, 0); return m; };
    const cases = { ${Object.entries(cases)
      .map(([name, factory]) => `${JSON.stringify(name)}: ${factory}`)
      .join(',\n')} };
    (async () => {
      const out = {};
      for (const [name, open] of Object.entries(cases)) {
        const { send, receive, close } = await open(S, P, message);
        let kept = [];
        const before = held();
        for (let i = 0; i < KEPT; i++) {
          await send(i);
          kept.push(await receive());
        }
        const after = held();
        const wrong = kept.map((data, i) => ((Array.isArray(data) ? Buffer.concat(data) : data).equals(message(i)) ? -1 : i)).filter((i) => i >= 0);
        out[name] = { held: after - before, wrong: wrong.slice(0, 5), count: kept.length };
        kept = null;
        await close();
      }
      return out;
    })().then(
      (value) => process.stdout.write(JSON.stringify({ ok: true, value })),
      (error) => process.stdout.write(JSON.stringify({ ok: false, error: String((error && error.stack) || error) })),
    );`;
  const child = spawnSync(process.execPath, ['--expose-gc', '-e', source], { encoding: 'utf8', timeout: 60000 });
  expect(child.signal, `child killed: ${child.stderr}`).to.equal(null);
  expect(child.status, child.stderr).to.equal(0);
  const result = JSON.parse(child.stdout);
  if (!result.ok) throw new Error(`child failed: ${result.error}`);
  return result.value;
}

// The peers of each case, as source for the child. Blocking sockets get a receive timeout, so that
// a broken case fails with EAGAIN instead of hanging the child (which spawnSync bounds anyway).
const GUARDED = `(s) => { s.setsockopt(S.SOL_SOCKET, S.SO_RCVTIMEO, 5000); s.setsockopt(S.SOL_SOCKET, S.SO_SNDTIMEO, 5000); return s; }`;
const TCP_PAIR = `(Flavour) => {
  const server = new S.Socket(S.AF_INET, S.SOCK_STREAM);
  server.bind({ address: '127.0.0.1', port: 0 });
  server.listen(1);
  const client = new S.Socket(S.AF_INET, S.SOCK_STREAM);
  client.connect(server.getsockname());
  const conn = server.accept();
  server.close();
  return [client, Flavour === P.Socket ? P.Socket.fromBlocking(conn) : conn];
}`;

const cases = {
  'blocking recv(65536), Unix stream': `(S, P, message) => {
    const [a, b] = S.Socket.pair(S.AF_UNIX, S.SOCK_STREAM).map(${GUARDED});
    return { send: (i) => a.send(message(i)), receive: () => b.recv(65536), close: () => { a.close(); b.close(); } };
  }`,
  'blocking recv(65536), TCP loopback': `(S, P, message) => {
    const [a, b] = (${TCP_PAIR})(S.Socket).map(${GUARDED});
    return { send: (i) => a.send(message(i)), receive: () => b.recv(65536), close: () => { a.close(); b.close(); } };
  }`,
  'promises recv(65536), Unix stream': `(S, P, message) => {
    const [a, b] = P.Socket.pair(P.AF_UNIX, P.SOCK_STREAM);
    return { send: (i) => a.send(message(i)), receive: () => b.recv(65536, { timeout: 5000 }), close: () => { a.close(); b.close(); } };
  }`,
  'promises recv(65536), TCP loopback': `(S, P, message) => {
    const [a, b] = (${TCP_PAIR})(P.Socket);
    (${GUARDED})(a);
    return { send: (i) => a.send(message(i)), receive: () => b.recv(65536, { timeout: 5000 }), close: () => { a.close(); b.close(); } };
  }`,
  'blocking recvfrom(65536), Unix datagram': `(S, P, message) => {
    const [a, b] = S.Socket.pair(S.AF_UNIX, S.SOCK_DGRAM).map(${GUARDED});
    return { send: (i) => a.send(message(i)), receive: () => b.recvfrom(65536).data, close: () => { a.close(); b.close(); } };
  }`,
  'promises recvfrom(65536), Unix datagram': `(S, P, message) => {
    const [a, b] = P.Socket.pair(P.AF_UNIX, P.SOCK_DGRAM);
    return { send: (i) => a.send(message(i)), receive: async () => (await b.recvfrom(65536, { timeout: 5000 })).data, close: () => { a.close(); b.close(); } };
  }`,
  'blocking recvmsg([65536]), Unix stream': `(S, P, message) => {
    const [a, b] = S.Socket.pair(S.AF_UNIX, S.SOCK_STREAM).map(${GUARDED});
    return { send: (i) => a.send(message(i)), receive: () => b.recvmsg([65536]).buffers[0], close: () => { a.close(); b.close(); } };
  }`,
  'promises recvmsg([16, 65520]), Unix datagram': `(S, P, message) => {
    const [a, b] = P.Socket.pair(P.AF_UNIX, P.SOCK_DGRAM);
    return { send: (i) => a.send(message(i)), receive: async () => (await b.recvmsg([16, 65520], { timeout: 5000 })).buffers, close: () => { a.close(); b.close(); } };
  }`,
};

/** What a received Buffer keeps alive: its own memory, or the pool slab (Buffer.poolSize) it shares. */
function held(data) {
  return data.buffer.byteLength;
}

describe('13 received buffers hold what they carry', function () {
  this.timeout(60000);

  it(`${KEPT.toLocaleString('en-US')} kept ${SIZE}-byte messages read with a 64 KiB length hold <= 2 MB, each intact (both flavours, stream and datagram)`, function () {
    const results = heldByKeptMessages(cases);
    for (const [name, { held: bytes, wrong, count }] of Object.entries(results)) {
      expect(count, name).to.equal(KEPT);
      expect(wrong, `${name}: messages that did not read back as sent`).to.deep.equal([]);
      expect(bytes, `${name}: arrayBuffers growth`).to.be.at.most(MAX_HELD);
    }
  });

  it('a small read is a Buffer of its own size or a slice of the shared pool; a large one at most twice its size', function () {
    const [a, b] = Socket.pair(AF_UNIX, SOCK_SEQPACKET);
    track(a, b);
    guard(a);
    guard(b);
    const sent = (n) => Buffer.alloc(n, n & 0xff);
    // 64 bytes read with room for 64 KiB, 1 MiB, 2 GiB less a page: all the same small Buffer.
    for (const length of [65536, 1 << 20, sockcall.MAX_RECV_LENGTH]) {
      a.send(sent(SIZE));
      const data = b.recv(length);
      expect(data.equals(sent(SIZE)), `recv(${length})`).to.equal(true);
      expect(held(data), `recv(${length})`).to.be.at.most(Buffer.poolSize);
    }
    // 40,000 bytes into 64 KiB (the scratch), 100,000 into 150,000 (kept, >= half full) and into 1 MiB
    // (copied out).
    for (const [n, length] of [
      [40000, 65536],
      [100000, 150000],
      [100000, 1 << 20],
    ]) {
      a.send(sent(n));
      const data = b.recv(length);
      expect(data.equals(sent(n)), `${n} bytes into recv(${length})`).to.equal(true);
      expect(held(data), `${n} bytes into recv(${length})`).to.be.within(n, 2 * n);
    }
    a.send(sent(3000));
    const { buffers } = b.recvmsg([1000, 1000, 1 << 20, 8]);
    expect(buffers.map((buffer) => buffer.length)).to.deep.equal([1000, 1000, 1000, 0]);
    expect(Buffer.concat(buffers).equals(sent(3000))).to.equal(true);
    for (const buffer of buffers) expect(held(buffer)).to.be.at.most(Buffer.poolSize);
  });

  it('MSG_PEEK returns a copy: the data stays queued, and the peeked Buffer is not the one received next', function () {
    const [a, b] = Socket.pair(AF_UNIX, SOCK_DGRAM);
    track(a, b);
    guard(b);
    a.send('peek at me');
    const peeked = b.recv(65536, MSG_PEEK);
    const taken = b.recv(65536);
    expect(peeked.toString()).to.equal('peek at me');
    expect(taken.toString()).to.equal('peek at me');
    taken[0] = 0x50;
    expect(peeked.toString()).to.equal('peek at me');
  });

  it('MSG_TRUNC on a stream socket returns zeros, never the bytes of an earlier read (both flavours)', async function () {
    const [client, conn] = tcpPair();
    const secret = Buffer.alloc(200, 0x5a);
    client.send(secret);
    expect(conn.recv(200, MSG_WAITALL).equals(secret)).to.equal(true);
    client.send(Buffer.alloc(100, 0x41));
    const discarded = conn.recv(100, MSG_TRUNC | MSG_WAITALL);
    expect(discarded).to.have.length(100);
    expect(discarded.every((byte) => byte === 0)).to.equal(true);
    client.send(secret);
    expect(conn.recv(200, MSG_WAITALL).equals(secret)).to.equal(true);
    client.send(Buffer.alloc(50, 0x41));
    const { buffers } = conn.recvmsg([20, 30], { flags: MSG_TRUNC | MSG_WAITALL });
    expect(Buffer.concat(buffers).equals(Buffer.alloc(50))).to.equal(true);

    const [pa, pb] = promises.Socket.pair(AF_UNIX, SOCK_STREAM);
    track(pa, pb);
    await pa.send(secret);
    expect((await pb.recv(65536, { timeout: 5000 })).equals(secret)).to.equal(true);
    // A Unix stream socket has no MSG_TRUNC: the flag is ignored and the bytes are read.
    await pa.send('after');
    expect((await pb.recv(65536, MSG_TRUNC, { timeout: 5000 })).toString()).to.equal('after');
  });

  it('MSG_TRUNC on a datagram socket: the bytes that fit, and recvInto still tells the real length', async function () {
    const [a, b] = promises.Socket.pair(AF_UNIX, SOCK_DGRAM);
    track(a, b);
    const datagram = Buffer.from('0123456789'.repeat(20));
    await a.send(datagram);
    await a.send(datagram);
    expect((await b.recv(10, MSG_TRUNC, { timeout: 5000 })).toString()).to.equal('0123456789');
    const { bytes, buffers, flags } = await b.recvmsg([5, 5], { flags: MSG_TRUNC, timeout: 5000 });
    expect(bytes).to.equal(200);
    expect(flags & MSG_TRUNC).to.equal(MSG_TRUNC);
    expect(buffers.map(String)).to.deep.equal(['01234', '56789']);
    await a.send(datagram);
    expect(await b.recvInto(Buffer.alloc(10), MSG_TRUNC, { timeout: 5000 })).to.equal(200);
  });

  it('a trace sink that receives in the middle of a receive gets its own bytes, and leaves the outer ones intact', function () {
    const [a, b] = Socket.pair(AF_UNIX, SOCK_DGRAM);
    const [c, d] = Socket.pair(AF_UNIX, SOCK_DGRAM);
    track(a, b, c, d);
    guard(b);
    guard(d);
    const inner = [];
    try {
      trace((line) => {
        if (line.startsWith('recvfrom(' + b.fd) || line.startsWith('recvmsg(' + b.fd)) inner.push(d.recv(65536).toString());
      });
      a.send('outer message, first');
      c.send('INNER MESSAGE, FIRST');
      const first = b.recv(65536).toString();
      a.send('outer message, again');
      c.send('INNER MESSAGE, AGAIN');
      const again = b.recvmsg([65536]).buffers[0].toString();
      trace(false);
      expect([first, again]).to.deep.equal(['outer message, first', 'outer message, again']);
      expect(inner).to.deep.equal(['INNER MESSAGE, FIRST', 'INNER MESSAGE, AGAIN']);
    } finally {
      trace(false);
    }
  });

  it('worker threads receive through their own scratch: every message intact while all threads read at once', async function () {
    const source = `
      const S = require(${JSON.stringify(root)});
      const { parentPort, workerData } = require('node:worker_threads');
      const [a, b] = S.Socket.pair(S.AF_UNIX, S.SOCK_DGRAM);
      b.setsockopt(S.SOL_SOCKET, S.SO_RCVTIMEO, 5000);
      let wrong = 0;
      for (let i = 0; i < 20000; i++) {
        const sent = Buffer.alloc(64 + (i % 64), workerData.tag);
        sent.writeUInt32LE(i, 0);
        a.send(sent);
        if (!b.recv(65536).equals(sent)) wrong++;
      }
      a.close();
      b.close();
      parentPort.postMessage({ wrong });
    `;
    const workers = [1, 2, 3].map((tag) => startWorker(source, { tag }));
    const [a, b] = promises.Socket.pair(AF_UNIX, SOCK_DGRAM);
    track(a, b);
    let wrong = 0;
    for (let i = 0; i < 2000; i++) {
      const sent = Buffer.alloc(64 + (i % 64), 0xee);
      sent.writeUInt32LE(i, 0);
      await a.send(sent);
      if (!(await b.recv(65536, { timeout: 5000 })).equals(sent)) wrong++;
    }
    expect(wrong, 'main thread').to.equal(0);
    for (const worker of workers) expect(await worker.next(30000)).to.deep.equal({ wrong: 0 });
  });
});
