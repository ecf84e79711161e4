// MSG_WAITALL in both flavours, and reading a socket chunk by chunk (`for` / `for await`,
// chunks({ size })), over TCP on 127.0.0.1 and Unix stream sockets, with datagram sockets for what
// the flag and the iteration mean there. The blocking flavour's peers run in worker threads
// (runPeer), since the main thread stops in recv; the promise flavour's run on the main thread.
// Every wait is bounded: promise calls get `{ timeout }` or `bounded()`, blocking sockets are
// guarded with SO_RCVTIMEO, and pauses between pieces are tens of milliseconds.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import * as B from 'sockcall';
import * as P from 'sockcall/promises';

import { bounded, GUARD_MS, guard, runPeer, track } from './helpers.mjs';

const { AF_INET, AF_UNIX, FIONREAD, MSG_PEEK, MSG_WAITALL, SHUT_WR, SO_LINGER, SO_RCVTIMEO, SO_REUSEADDR, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, SOL_SOCKET } = P;

/** The wait option of every awaited call that is not the subject of the test. */
const T = Object.freeze({ timeout: GUARD_MS });
const MiB = 1 << 20;

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Pieces of `data` of varied sizes (1 byte to ~100 KiB), so that chunk edges fall anywhere. */
function piecesOf(data) {
  const pieces = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = [1, 1000, 65536, 7, 100_000, 4096][i % 6];
    pieces.push(data.subarray(at, at + size));
    at += size;
  }
  return pieces;
}

/** Resolves once `socket`'s receive queue holds `bytes` (FIONREAD); 0: a waiting recv has taken what came. */
async function untilQueued(socket, bytes, ms = 3000) {
  const deadline = Date.now() + ms;
  while (socket.ioctl(FIONREAD) !== bytes) {
    if (Date.now() > deadline) throw new Error(`the receive queue held ${socket.ioctl(FIONREAD)} bytes, not ${bytes}, after ${ms} ms`);
    await delay(5);
  }
}

const untilTaken = (socket) => untilQueued(socket, 0);

/** Whether `promise` is still pending after one more turn of the loop. */
async function pending(promise) {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await delay(0);
  return !settled;
}

/**
 * A blocking peer in a worker thread: connects to `data.address`, then runs `data.steps` in order:
 * `{ wait: ms }`, `{ send: base64 }`, `{ go: true }` (waits for one 'g' byte), `{ reset: true }`
 * (SO_LINGER 0 on TCP, so close() sends a RST). Closes the socket at the end.
 */
const PEER = `
  const { Socket, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_LINGER, SO_RCVTIMEO, SO_SNDTIMEO } = sockcall;
  const s = new Socket(data.domain, SOCK_STREAM);
  try {
    s.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 5000);
    s.setsockopt(SOL_SOCKET, SO_SNDTIMEO, 5000);
    s.connect(data.address);
    for (const step of data.steps) {
      if (step.wait) await new Promise((resolve) => setTimeout(resolve, step.wait));
      if (step.send) s.sendAll(Buffer.from(step.send, 'base64'));
      if (step.go && String(s.recv(1)) !== 'g') throw new Error('expected g');
      if (step.reset && data.domain === AF_INET) s.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 0 });
    }
    return true;
  } finally {
    s.close();
  }`;

describe('32 MSG_WAITALL, and reading a socket chunk by chunk', function () {
  this.timeout(20000);
  let dir;
  let serial = 0;
  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'sockcall-32-'));
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  const TRANSPORTS = [
    { name: 'TCP over 127.0.0.1', domain: AF_INET, bindTo: () => ({ address: '127.0.0.1', port: 0 }) },
    { name: 'a Unix stream socket', domain: AF_UNIX, bindTo: () => ({ path: join(dir, `s${serial++}`) }) },
  ];

  /** A listening socket of the flavour `F` for `transport`. */
  function listenerOf(F, transport) {
    const server = track(new F.Socket(transport.domain, SOCK_STREAM));
    if (F === B) guard(server);
    if (transport.domain === AF_INET) server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    server.bind(transport.bindTo());
    server.listen(4);
    return server;
  }

  /** A connected promise pair: [client, conn]. */
  async function promisePair(transport) {
    const server = listenerOf(P, transport);
    const client = track(new P.Socket(transport.domain, SOCK_STREAM));
    const accepting = server.accept(T);
    await client.connect(server.getsockname(), T);
    return [client, track(await accepting)];
  }

  /**
   * Makes the peer close with a reset: on TCP SO_LINGER 0; on a Unix stream, a close with unread
   * data in its own receive queue (the byte `conn` sends it here) is what gives ECONNRESET.
   */
  async function resetFrom(client, conn, transport) {
    await conn.sendAll('x', T);
    if (transport.domain === AF_INET) client.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 0 });
    client.close();
  }

  /** The blocking side of a PEER: the accepted connection (guarded), and the peer's promise. */
  function blockingPeer(transport, steps) {
    const server = listenerOf(B, transport);
    const peer = runPeer(PEER, { domain: transport.domain, address: server.getsockname(), steps: steps.map(encodeStep) });
    peer.catch(() => {}); // awaited by the test; this only keeps an early failure from going unhandled
    const conn = guard(track(server.accept()));
    return { conn, peer };
  }

  function encodeStep(step) {
    return step.send === undefined ? step : { ...step, send: Buffer.from(step.send).toString('base64') };
  }

  for (const transport of TRANSPORTS) {
    describe(`the promise flavour, ${transport.name}`, function () {
      describe('recv / recvInto with MSG_WAITALL', function () {
        it('resolves only once all n bytes arrived, sent in three pieces with pauses', async function () {
          const [client, conn] = await promisePair(transport);
          const whole = randomBytes(3000);
          const receiving = conn.recv(3000, MSG_WAITALL, T);
          await client.sendAll(whole.subarray(0, 1000), T);
          await untilTaken(conn);
          expect(await pending(receiving), 'settled after the first piece').to.equal(true);
          await delay(30);
          await client.sendAll(whole.subarray(1000, 2500), T);
          await untilTaken(conn);
          expect(await pending(receiving), 'settled after the second piece').to.equal(true);
          await delay(30);
          await client.sendAll(whole.subarray(2500), T);
          const got = await bounded(receiving);
          expect(got.length).to.equal(3000);
          expect(got.equals(whole)).to.equal(true);
        });

        it('recvInto fills the whole view (a Float64Array), and a DataView, from pieces', async function () {
          const [client, conn] = await promisePair(transport);
          const values = Float64Array.from({ length: 16 }, (_, i) => i * 1.5);
          const bytes = Buffer.from(values.buffer);
          const floats = new Float64Array(16);
          const receiving = conn.recvInto(floats, MSG_WAITALL, T);
          for (const [from, to] of [[0, 3], [3, 64], [64, 128]]) {
            await client.sendAll(bytes.subarray(from, to), T);
            await delay(20);
          }
          expect(await bounded(receiving)).to.equal(128);
          expect([...floats]).to.deep.equal([...values]);
          const backing = Buffer.alloc(20, '.');
          const view = new DataView(backing.buffer, backing.byteOffset + 4, 12);
          const all = conn.recvInto(view, MSG_WAITALL, T);
          await client.sendAll('abcd', T);
          await untilTaken(conn);
          expect(await pending(all)).to.equal(true);
          await client.sendAll('efghijkl', T);
          expect(await bounded(all)).to.equal(12);
          expect(backing.toString()).to.equal('....abcdefghijkl....'); // only inside the view
        });

        it('EOF part way: resolves with what arrived; at EOF with nothing, empty (recv) or 0 (recvInto)', async function () {
          const [client, conn] = await promisePair(transport);
          const receiving = conn.recv(100, MSG_WAITALL, T);
          await client.sendAll('ten bytes!', T);
          await untilTaken(conn);
          client.shutdown(SHUT_WR);
          expect(String(await bounded(receiving))).to.equal('ten bytes!');
          expect((await conn.recv(100, MSG_WAITALL, T)).length).to.equal(0);
          expect(await conn.recvInto(new Uint8Array(100), MSG_WAITALL, T)).to.equal(0);

          const [client2, conn2] = await promisePair(transport);
          const view = new Uint8Array(100);
          const into = conn2.recvInto(view, MSG_WAITALL, T);
          await client2.sendAll('seven b', T);
          await untilTaken(conn2);
          client2.close();
          expect(await bounded(into)).to.equal(7);
          expect(Buffer.from(view.subarray(0, 7)).toString()).to.equal('seven b');
        });

        it('ECONNRESET part way: rejects with the bytes that arrived (bytesReceived, data, the message)', async function () {
          const [client, conn] = await promisePair(transport);
          const receiving = conn.recv(100, MSG_WAITALL, T);
          await client.sendAll('first 10 b', T);
          await untilTaken(conn);
          await resetFrom(client, conn, transport);
          const error = await bounded(receiving.then(() => null, (e) => e));
          expect(error).to.be.instanceOf(P.SocketError);
          expect(error.code).to.equal('ECONNRESET');
          expect(error.syscall).to.equal('recv');
          expect(error.bytesReceived).to.equal(10);
          expect(String(error.data)).to.equal('first 10 b');
          expect(error.message).to.equal('recv ECONNRESET: MSG_WAITALL stopped after 10 of 100 bytes');

          const [client2, conn2] = await promisePair(transport);
          const view = Buffer.alloc(50);
          const into = conn2.recvInto(view, MSG_WAITALL, T);
          await client2.sendAll('abc', T);
          await untilTaken(conn2);
          await resetFrom(client2, conn2, transport);
          const intoError = await bounded(into.then(() => null, (e) => e));
          expect(intoError.code).to.equal('ECONNRESET');
          expect(intoError.bytesReceived).to.equal(3);
          expect(intoError.data).to.equal(undefined); // recvInto's bytes are in the view
          expect(view.subarray(0, 3).toString()).to.equal('abc');
        });

        it('a timeout part way: ETIMEDOUT carries the bytes taken; the next recv reads on, nothing lost or repeated', async function () {
          const [client, conn] = await promisePair(transport);
          await client.sendAll('first part', T);
          await untilQueued(conn, 10); // taken by the call at once, before its timer can run
          const receiving = conn.recv(100, MSG_WAITALL, { timeout: 150 });
          const error = await bounded(receiving.then(() => null, (e) => e));
          expect(error.code).to.equal('ETIMEDOUT');
          expect(error.bytesReceived).to.equal(10);
          expect(String(error.data)).to.equal('first part');
          expect(error.message).to.equal('recv ETIMEDOUT: timed out after 150 ms (options.timeout); MSG_WAITALL stopped after 10 of 100 bytes');
          await client.sendAll('second', T);
          expect(String(await conn.recv(100, T))).to.equal('second');
        });

        it('an abort part way: the AbortError carries the bytes taken; one already aborted takes nothing', async function () {
          const [client, conn] = await promisePair(transport);
          const controller = new AbortController();
          const receiving = conn.recv(100, MSG_WAITALL, { signal: controller.signal, timeout: GUARD_MS });
          await client.sendAll('taken', T);
          await untilTaken(conn);
          controller.abort('enough');
          const error = await bounded(receiving.then(() => null, (e) => e));
          expect(error).to.be.instanceOf(P.AbortError);
          expect(error.cause).to.equal('enough');
          expect(error.bytesReceived).to.equal(5);
          expect(String(error.data)).to.equal('taken');

          const view = new Uint8Array(10);
          const again = new AbortController();
          const into = conn.recvInto(view, MSG_WAITALL, { signal: again.signal });
          await client.sendAll('abcd', T);
          await untilTaken(conn);
          again.abort();
          const intoError = await bounded(into.then(() => null, (e) => e));
          expect(intoError.name).to.equal('AbortError');
          expect(intoError.bytesReceived).to.equal(4);
          expect(Buffer.from(view.subarray(0, 4)).toString()).to.equal('abcd');

          await client.sendAll('kept', T);
          await delay(20);
          const early = await conn.recv(100, MSG_WAITALL, { signal: AbortSignal.abort() }).then(() => null, (e) => e);
          expect(early.name).to.equal('AbortError');
          expect(early.bytesReceived).to.equal(0);
          expect(early.data.length).to.equal(0);
          expect(String(await conn.recv(4, MSG_WAITALL, T))).to.equal('kept');
        });

        it('close() part way: ECANCELED carries the bytes taken', async function () {
          const [client, conn] = await promisePair(transport);
          const receiving = conn.recv(100, MSG_WAITALL);
          await client.sendAll('0123456', T);
          await untilTaken(conn);
          conn.close();
          const error = await bounded(receiving.then(() => null, (e) => e));
          expect(error.code).to.equal('ECANCELED');
          expect(error.bytesReceived).to.equal(7);
          expect(String(error.data)).to.equal('0123456');
          expect(error.message).to.equal('recv ECANCELED: cancelled by close(); MSG_WAITALL stopped after 7 of 100 bytes');
        });

        it('a recv queued behind it gets the bytes after it, in order; 1 MiB into one buffer arrives whole', async function () {
          const [client, conn] = await promisePair(transport);
          const first = conn.recv(6, MSG_WAITALL, T);
          const second = conn.recv(100, T);
          await client.sendAll('abc', T);
          await delay(20);
          await client.sendAll('defghi', T);
          expect(String(await bounded(first))).to.equal('abcdef');
          expect(String(await bounded(second))).to.equal('ghi');

          const data = randomBytes(MiB);
          const buffer = Buffer.alloc(MiB);
          const [count, sent] = await bounded(Promise.all([conn.recvInto(buffer, MSG_WAITALL, T), client.sendAll(data, T)]), 10000);
          expect([count, sent]).to.deep.equal([MiB, MiB]);
          expect(sha256(buffer)).to.equal(sha256(data));
        });

        it('with MSG_PEEK it does not wait for more (the bytes stay queued): what is there, left there', async function () {
          const [client, conn] = await promisePair(transport);
          await client.sendAll('abc', T);
          await delay(20);
          expect(String(await bounded(conn.recv(10, MSG_PEEK | MSG_WAITALL, T)))).to.equal('abc');
          expect(String(await conn.recv(10, T))).to.equal('abc');
        });
      });

      describe('for await and chunks()', function () {
        it('for await reassembles 1 MiB sent in pieces, to EOF, in chunks of at most 64 KiB (SHA-256)', async function () {
          const [client, conn] = await promisePair(transport);
          const data = randomBytes(MiB);
          const sending = (async () => {
            for (const piece of piecesOf(data)) await client.sendAll(piece, T);
            client.shutdown(SHUT_WR);
          })();
          const chunks = [];
          for await (const chunk of conn) {
            expect(chunk).to.be.instanceOf(Buffer);
            chunks.push(chunk);
            if (chunks.length > 100_000) throw new Error('runaway iteration');
          }
          await bounded(sending, 10000);
          const largest = Math.max(...chunks.map((chunk) => chunk.length));
          expect(largest).to.be.at.most(65536);
          expect(chunks.every((chunk) => chunk.length > 0)).to.equal(true);
          expect(sha256(Buffer.concat(chunks))).to.equal(sha256(data));
          expect(conn.closed).to.equal(false); // the end of the iteration closes nothing
        });

        it('chunks({ size }) reads at most size bytes per chunk, full ones while data is queued', async function () {
          const [client, conn] = await promisePair(transport);
          const data = randomBytes(100_000);
          await client.sendAll(data.subarray(0, 50_000), T);
          const sending = client.sendAll(data.subarray(50_000), T).then(() => client.shutdown(SHUT_WR));
          const chunks = [];
          for await (const chunk of conn.chunks({ size: 1000, timeout: GUARD_MS })) chunks.push(chunk);
          await bounded(sending);
          expect(chunks.every((chunk) => chunk.length <= 1000)).to.equal(true);
          expect(chunks.filter((chunk) => chunk.length === 1000).length).to.be.at.least(50);
          expect(Buffer.concat(chunks).equals(data)).to.equal(true);
        });

        it('break leaves the socket open, and the bytes after the chunk are read by the next call', async function () {
          const [client, conn] = await promisePair(transport);
          await client.sendAll('abcdef', T);
          await delay(20);
          let first;
          for await (const chunk of conn.chunks({ size: 3 })) {
            first = chunk;
            break;
          }
          expect(String(first)).to.equal('abc');
          expect(conn.closed).to.equal(false);
          expect(String(await conn.recv(100, T))).to.equal('def');
          await conn.sendAll('still open', T);
          expect(String(await client.recv(100, T))).to.equal('still open');
          await client.sendAll('ghi', T);
          client.shutdown(SHUT_WR);
          const rest = [];
          for await (const chunk of conn) rest.push(String(chunk));
          expect(rest.join('')).to.equal('ghi');
        });

        it('errors come out of the loop: ECONNRESET after the chunks that arrived, the timeout, the signal', async function () {
          const [client, conn] = await promisePair(transport);
          await client.sendAll('hello', T);
          await delay(20);
          const seen = [];
          const iterating = (async () => {
            for await (const chunk of conn.chunks({ timeout: GUARD_MS })) {
              seen.push(String(chunk));
              if (seen.length === 1) await resetFrom(client, conn, transport);
            }
          })();
          const reset = await bounded(iterating.then(() => null, (e) => e));
          expect(seen).to.deep.equal(['hello']);
          expect(reset?.code).to.equal('ECONNRESET');

          const [, quiet] = await promisePair(transport);
          const timedOut = await bounded(
            (async () => {
              for await (const chunk of quiet.chunks({ timeout: 100 })) throw new Error(`unexpected ${chunk}`);
            })().then(() => null, (e) => e),
          );
          expect(timedOut?.code).to.equal('ETIMEDOUT');
          const controller = new AbortController();
          setTimeout(() => controller.abort(), 50);
          const aborted = await bounded(
            (async () => {
              for await (const chunk of quiet.chunks({ signal: controller.signal })) throw new Error(`unexpected ${chunk}`);
            })().then(() => null, (e) => e),
          );
          expect(aborted?.name).to.equal('AbortError');
          expect(quiet.closed).to.equal(false);
        });

        it('refuses bad options at once, before any recv', async function () {
          const [, conn] = await promisePair(transport);
          expect(() => conn.chunks({ size: 0 })).to.throw(RangeError).with.property('code', 'ERR_OUT_OF_RANGE');
          expect(() => conn.chunks({ size: B.MAX_RECV_LENGTH + 1 })).to.throw(RangeError);
          expect(() => conn.chunks({ size: '10' })).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
          expect(() => conn.chunks({ sise: 10 })).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_VALUE');
          expect(() => conn.chunks({ timeout: -1 })).to.throw(RangeError);
          expect(() => conn.chunks({ signal: {} })).to.throw(TypeError);
          expect(() => conn.chunks(5)).to.throw(TypeError);
        });
      });
    });

    describe(`the blocking flavour, ${transport.name}`, function () {
      it('recv(n, MSG_WAITALL) returns all n bytes sent in three pieces with pauses (the kernel waits)', async function () {
        const whole = randomBytes(3000);
        const { conn, peer } = blockingPeer(transport, [
          { send: whole.subarray(0, 1000) },
          { wait: 40, send: whole.subarray(1000, 2500) },
          { wait: 40, send: whole.subarray(2500) },
        ]);
        expect(conn.recv(3000, MSG_WAITALL).equals(whole)).to.equal(true);
        await peer;
      });

      it('EOF part way: what arrived; then empty', async function () {
        const { conn, peer } = blockingPeer(transport, [{ send: 'ten bytes!' }, { wait: 40 }]);
        expect(String(conn.recv(100, MSG_WAITALL))).to.equal('ten bytes!');
        expect(conn.recvInto(Buffer.alloc(100), MSG_WAITALL)).to.equal(0);
        await peer;
      });

      it('a reset part way: the bytes that arrived; then what the kernel says next', async function () {
        const { conn, peer } = blockingPeer(transport, [{ send: 'first 10 b' }, { wait: 150, reset: true }]);
        conn.send('x'); // never read by the peer: on a Unix stream, its close is then a reset
        expect(String(conn.recv(100, MSG_WAITALL))).to.equal('first 10 b');
        if (transport.domain === AF_INET) {
          // TCP keeps the error for the next call.
          expect(() => conn.recv(100)).to.throw(B.SocketError).with.property('code', 'ECONNRESET');
        } else {
          // AF_UNIX reads (and clears) the error inside the call that returned the bytes: EOF next.
          expect(conn.recv(100).length).to.equal(0);
        }
        await peer;
      });

      it('SO_RCVTIMEO part way: the kernel returns what arrived, and the rest is read after', async function () {
        const { conn, peer } = blockingPeer(transport, [{ send: 'first part' }, { go: true }, { send: 'and the rest' }]);
        expect(B.poll([{ fd: conn, events: B.POLLIN }], GUARD_MS)).to.have.length(1); // the first part is in
        conn.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 150);
        expect(String(conn.recv(100, MSG_WAITALL))).to.equal('first part');
        guard(conn);
        conn.send('g');
        expect(String(conn.recv(12, MSG_WAITALL))).to.equal('and the rest');
        await peer;
      });

      it('for...of reassembles 1 MiB to EOF (SHA-256); chunks({ size }) is respected', async function () {
        const data = randomBytes(MiB);
        const { conn, peer } = blockingPeer(
          transport,
          piecesOf(data).map((piece) => ({ send: piece })),
        );
        const chunks = [];
        for (const chunk of conn.chunks({ size: 10_000 })) {
          chunks.push(chunk);
          if (chunks.length > 100_000) throw new Error('runaway iteration');
        }
        expect(chunks.every((chunk) => chunk.length > 0 && chunk.length <= 10_000)).to.equal(true);
        expect(chunks.some((chunk) => chunk.length === 10_000)).to.equal(true);
        expect(sha256(Buffer.concat(chunks))).to.equal(sha256(data));
        await peer;
      });

      it('break leaves the socket open; for...of after it reads on to EOF', async function () {
        const { conn, peer } = blockingPeer(transport, [{ send: 'abcdef' }, { go: true }, { send: 'ghi' }]);
        let first;
        for (const chunk of conn.chunks({ size: 3 })) {
          first = chunk;
          break;
        }
        expect(String(first)).to.equal('abc');
        expect(conn.closed).to.equal(false);
        expect(String(conn.recv(3, MSG_WAITALL))).to.equal('def');
        conn.send('g');
        const rest = [];
        for (const chunk of conn) rest.push(String(chunk));
        expect(rest.join('')).to.equal('ghi');
        await peer;
      });

      it("errors come out of the loop: SO_RCVTIMEO's EAGAIN; bad options at once", function () {
        const server = listenerOf(B, transport);
        const client = guard(track(new B.Socket(transport.domain, SOCK_STREAM)));
        client.connect(server.getsockname());
        const conn = guard(track(server.accept()), 100);
        expect(() => {
          for (const chunk of conn) throw new Error(`unexpected ${chunk}`);
        })
          .to.throw(B.SocketError)
          .with.property('code', 'EAGAIN');
        expect(() => conn.chunks({ size: 0 })).to.throw(RangeError);
        expect(() => conn.chunks({ timeout: 100 })).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_VALUE');
      });
    });
  }

  describe('datagram sockets', function () {
    /** Two UDP sockets on 127.0.0.1, each connected to the other. */
    function udpPair(F) {
      const [a, b] = [track(new F.Socket(AF_INET, SOCK_DGRAM)), track(new F.Socket(AF_INET, SOCK_DGRAM))];
      if (F === B) [a, b].forEach((s) => guard(s));
      a.bind({ address: '127.0.0.1', port: 0 });
      b.bind({ address: '127.0.0.1', port: 0 });
      a.connect(b.getsockname());
      b.connect(a.getsockname());
      return [a, b];
    }

    it('promises: MSG_WAITALL changes nothing on UDP, one recv is one datagram', async function () {
      const [a, b] = udpPair(P);
      await a.send('ten bytes!', T);
      expect(String(await bounded(b.recv(100, MSG_WAITALL, T)))).to.equal('ten bytes!');
      await a.send('seven b', T);
      expect(await bounded(b.recvInto(Buffer.alloc(100), MSG_WAITALL, T))).to.equal(7);
    });

    it('promises: for await yields one datagram per chunk, an empty one included, cut to size', async function () {
      const [a, b] = udpPair(P);
      for (const datagram of ['one', '', 'three-long']) await a.send(datagram, T);
      const chunks = [];
      for await (const chunk of b.chunks({ size: 5, timeout: GUARD_MS })) {
        chunks.push(String(chunk));
        if (chunks.length === 3) break;
      }
      expect(chunks).to.deep.equal(['one', '', 'three']);
      expect(b.closed).to.equal(false);
    });

    it('blocking: for...of yields one datagram per chunk, an empty one included, cut to size', function () {
      const [a, b] = udpPair(B);
      for (const datagram of ['one', '', 'three-long']) a.send(datagram);
      const chunks = [];
      for (const chunk of b.chunks({ size: 5 })) {
        chunks.push(String(chunk));
        if (chunks.length === 3) break;
      }
      expect(chunks).to.deep.equal(['one', '', 'three']);
      a.send('ten bytes!');
      expect(String(b.recv(100, MSG_WAITALL))).to.equal('ten bytes!'); // one datagram, as the kernel does
    });

    it('SOCK_SEQPACKET (both flavours): one message per chunk, the iteration ends at EOF', async function () {
      const [a, b] = P.Socket.pair(AF_UNIX, SOCK_SEQPACKET).map((s) => track(s));
      for (const message of ['m1', 'message two']) await a.send(message, T);
      a.close();
      const chunks = [];
      for await (const chunk of b) chunks.push(String(chunk));
      expect(chunks).to.deep.equal(['m1', 'message two']);

      const [c, d] = B.Socket.pair(AF_UNIX, SOCK_SEQPACKET).map((s) => guard(track(s)));
      c.send('m1');
      c.send('m2');
      c.close();
      expect([...d].map(String)).to.deep.equal(['m1', 'm2']);
    });
  });
});
