// Nothing lost (docs/guarantees.md):
//   - 1 GiB (SOCKCALL_STREAM_BYTES) streamed over TCP loopback in each flavour, and blocking sender
//     -> promise receiver, with a SHA-256 of what was sent and of what was received compared;
//   - datagrams (UDP v4, AF_UNIX SOCK_DGRAM and SOCK_SEQPACKET), 2,000 of sizes from 0 to the
//     transport's maximum: each recv returns exactly one whole datagram, in order; a short buffer gets
//     the truncated part, with MSG_TRUNC as the README documents;
//   - sendAll failing part way (timeout, abort, a peer's reset) says in `bytesSent` how much went out,
//     and the peer receives exactly that prefix (at least what it read, for a reset).
import { expect } from 'chai';
import { createHash } from 'node:crypto';

import * as blocking from 'sockcall';
import * as promises from 'sockcall/promises';

import { guard, listener, runPeer, tcpPair, throwsLike, track } from './helpers.mjs';

const {
  AF_INET,
  AF_UNIX,
  MSG_DONTWAIT,
  MSG_TRUNC,
  SHUT_WR,
  SOCK_DGRAM,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_LINGER,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_SNDBUF,
  SO_SNDTIMEO,
  SocketError,
} = blocking;
const BlockingSocket = blocking.Socket;
const PromiseSocket = promises.Socket;

const MiB = 1 << 20;
/** Bytes streamed per flavour: 1 GiB unless SOCKCALL_STREAM_BYTES says otherwise. */
const STREAM_BYTES = Number(process.env.SOCKCALL_STREAM_BYTES ?? 2 ** 30);
if (!Number.isSafeInteger(STREAM_BYTES) || STREAM_BYTES <= 0) {
  throw new Error(`SOCKCALL_STREAM_BYTES must be a positive integer, not ${process.env.SOCKCALL_STREAM_BYTES}`);
}
/** Bound for each awaited promise call. */
const CALL_MS = 10_000;
/** A 1 GiB run takes about 2-4 s here; one that takes longer than this fails. */
const STREAM_MS = 90_000;

// --- the data pattern ------------------------------------------------------------------------------

/**
 * A pseudo-random 1 MiB block (a fixed LCG, so every run sends the same bytes), twice over: the
 * stream's chunk `c` is the block rotated by a chunk-dependent offset, a zero-copy subarray of this.
 */
function patternBlock() {
  const block = Buffer.allocUnsafe(2 * MiB);
  let x = 0x9e3779b9;
  for (let i = 0; i < MiB; i += 4) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    block.writeUInt32LE(x, i);
  }
  block.copy(block, MiB, 0, MiB);
  return block;
}

/**
 * The stream's bytes [offset, offset + length) for offset a multiple of 1 MiB and length <= 1 MiB.
 * Self-contained: its source also runs in worker threads.
 */
function chunkAt(block, offset, length) {
  const rotation = ((offset / 1048576) * 40503 + 17) % 1048576;
  return block.subarray(rotation, rotation + length);
}

/** The first `length` bytes of the stream, as one Buffer. */
function streamPrefix(block, length) {
  const out = Buffer.allocUnsafe(length);
  for (let offset = 0; offset < length; offset += MiB) chunkAt(block, offset, Math.min(MiB, length - offset)).copy(out, offset);
  return out;
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * A worker's body (see runPeer): connects a blocking socket to `data.address`, sends `data.total`
 * bytes of the pattern with sendAll, 1 MiB at a time, hashing each chunk as it goes, then closes;
 * returns { sent, digest }.
 */
const STREAM_SENDER = `
  const { createHash } = require('node:crypto');
  const chunkAt = ${chunkAt.toString()};
  const { Socket, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_SNDTIMEO } = sockcall;
  const block = Buffer.from(data.block.buffer, data.block.byteOffset, data.block.byteLength);
  const s = new Socket(AF_INET, SOCK_STREAM);
  try {
    s.setsockopt(SOL_SOCKET, SO_SNDTIMEO, 10000);
    s.connect(data.address);
    const hash = createHash('sha256');
    const deadline = Date.now() + data.deadlineMs;
    let sent = 0;
    while (sent < data.total) {
      if (Date.now() > deadline) throw new Error('sender: only ' + sent + ' bytes before the deadline');
      const chunk = chunkAt(block, sent, Math.min(1048576, data.total - sent));
      hash.update(chunk);
      sent += s.sendAll(chunk);
    }
    return { sent, digest: hash.digest('hex') };
  } finally {
    s.close();
  }`;

/** Receives to EOF through `recvInto` (sync or async), hashing; returns { received, digest }. */
async function receiveAll(recvInto) {
  const buffer = Buffer.allocUnsafe(MiB);
  const hash = createHash('sha256');
  const deadline = Date.now() + STREAM_MS;
  let received = 0;
  for (;;) {
    const n = await recvInto(buffer);
    if (n === 0) break;
    hash.update(buffer.subarray(0, n));
    received += n;
    if (received > STREAM_BYTES) throw new Error(`received ${received} bytes, more than the ${STREAM_BYTES} sent`);
    if (Date.now() > deadline) throw new Error(`receiver: only ${received} bytes within ${STREAM_MS} ms`);
  }
  return { received, digest: hash.digest('hex') };
}

/** A tracked promise TCP listener on an ephemeral 127.0.0.1 port. */
function promiseListener() {
  const server = track(new PromiseSocket(AF_INET, SOCK_STREAM));
  server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  server.bind({ address: '127.0.0.1', port: 0 });
  server.listen(8);
  return server;
}

/** A connected pair of tracked promise TCP sockets: [client, accepted]. */
async function promiseTcpPair() {
  const server = promiseListener();
  const client = track(new PromiseSocket(AF_INET, SOCK_STREAM));
  const [conn] = await Promise.all([server.accept({ timeout: CALL_MS }), client.connect(server.getsockname(), { timeout: CALL_MS })]);
  track(conn);
  return [client, conn];
}

/** The rejection of `promise` (fails if it resolves). */
async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Everything `s` (either flavour) receives until EOF, bounded in calls and by its own timeouts. */
async function readToEnd(s, wait = []) {
  const chunks = [];
  for (let calls = 0; ; calls++) {
    if (calls > 100_000) throw new Error('readToEnd: no EOF after 100,000 calls');
    const chunk = await s.recv(MiB, 0, ...wait);
    if (chunk.length === 0) return Buffer.concat(chunks);
    chunks.push(chunk);
  }
}

/** What `call` throws or rejects with, for calls that throw (blocking) or reject (promises). */
async function rejectionOrThrow(call) {
  let result;
  try {
    result = call();
  } catch (error) {
    return error;
  }
  return rejection(result);
}

/** Asserts no datagram is left: a drop or a split would leave one over (or make one missing above). */
async function expectNothingQueued(receiver, flavour) {
  if (flavour === 'blocking') {
    throwsLike(() => receiver.recv(1, MSG_DONTWAIT), { code: 'EAGAIN' });
  } else {
    expect(await rejection(receiver.recv(1, { timeout: 50 }))).to.include({ code: 'ETIMEDOUT' });
  }
}

/** Everything a guarded blocking socket receives until EOF. */
function readToEndSync(s) {
  const chunks = [];
  for (let calls = 0; ; calls++) {
    if (calls > 100_000) throw new Error('readToEndSync: no EOF after 100,000 calls');
    const chunk = s.recv(MiB);
    if (chunk.length === 0) return Buffer.concat(chunks);
    chunks.push(chunk);
  }
}

/** Exactly `length` bytes from promise socket `s`. */
async function readExactly(s, length) {
  const chunks = [];
  let total = 0;
  for (let calls = 0; total < length; calls++) {
    if (calls > 100_000) throw new Error(`readExactly: ${total} of ${length} bytes`);
    const chunk = await s.recv(Math.min(65536, length - total), { timeout: CALL_MS });
    if (chunk.length === 0) throw new Error(`EOF after ${total} of ${length} bytes`);
    chunks.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(chunks);
}

// --- datagrams -------------------------------------------------------------------------------------

const DATAGRAMS = 2000;
/** seq (u32), length (u32), first 4 bytes of the body's SHA-256. */
const HEADER = 12;

/** The sizes of the datagrams: the boundaries first, then a seeded mix, mostly small. */
function datagramSizes(max) {
  const boundaries = [0, 1, 2, HEADER - 1, HEADER, HEADER + 1, 255, 256, 1023, 1024, 1472, 1473, 1500, 4095, 4096, 4097];
  boundaries.push(8192, 16383, 16384, 32768, 65506, 65507, 65508, 131072, max - 1, max);
  const sizes = [...new Set(boundaries.filter((n) => n <= max))];
  let x = 12345;
  const next = (n) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x % n;
  };
  while (sizes.length < DATAGRAMS) {
    const bucket = next(10);
    sizes.push(bucket < 7 ? next(1500) : bucket < 9 ? 1500 + next(16384 - 1500) : 16384 + next(max - 16384 + 1));
  }
  return sizes;
}

/** Datagram `seq` of `size` bytes: a header (when it fits) and a slice of `pool`; shorter ones are a prefix of that. */
function datagram(pool, seq, size) {
  const full = Buffer.allocUnsafe(Math.max(size, HEADER));
  const start = (seq * 7919) % (pool.length - full.length + HEADER + 1);
  pool.copy(full, HEADER, start, start + full.length - HEADER);
  full.writeUInt32BE(seq, 0);
  full.writeUInt32BE(size, 4);
  createHash('sha256').update(full.subarray(HEADER)).digest().copy(full, 8, 0, 4);
  return full.subarray(0, size);
}

/** Checks that `got` is exactly datagram `seq`, describing what arrived instead if not. */
function checkDatagram(got, expected, seq) {
  if (got.length === expected.length && got.equals(expected)) return;
  let seen = `${got.length} bytes`;
  if (got.length >= HEADER) {
    const sum = createHash('sha256').update(got.subarray(HEADER)).digest().subarray(0, 4);
    seen += `, header seq ${got.readUInt32BE(0)} length ${got.readUInt32BE(4)} checksum ${got.subarray(8, 12).equals(sum) ? 'ok' : 'bad'}`;
  }
  throw new Error(`datagram ${seq}: expected ${expected.length} bytes, got ${seen} (merged, split, lost or reordered)`);
}

/**
 * The transports: make(Class) returns { sender, receiver, send(data), max, budget } with tracked
 * sockets; `budget` is how many bytes (with per-datagram overhead) may be queued unread without
 * risking a drop (UDP) or a blocked sender (AF_UNIX, where the sender's SO_SNDBUF is charged until
 * the receiver reads).
 */
const OVERHEAD = 1024; // the kernel's per-datagram bookkeeping (skb truesize), generously
const transports = {
  'UDP v4': {
    make(Class) {
      const receiver = track(new Class(AF_INET, SOCK_DGRAM));
      const sender = track(new Class(AF_INET, SOCK_DGRAM));
      receiver.setsockopt(SOL_SOCKET, SO_RCVBUF, 4 * MiB);
      sender.setsockopt(SOL_SOCKET, SO_SNDBUF, 4 * MiB);
      receiver.bind({ address: '127.0.0.1', port: 0 });
      sender.bind({ address: '127.0.0.1', port: 0 });
      const to = receiver.getsockname();
      return {
        sender,
        receiver,
        send: (data, wait) => sender.sendto(data, to, 0, ...wait),
        sendSyscall: 'sendto',
        // 65535 - 20 (IPv4 header) - 8 (UDP header).
        max: 65507,
        budget: receiver.getsockopt(SOL_SOCKET, SO_RCVBUF) / 4,
        from: sender.getsockname(),
      };
    },
  },
  'AF_UNIX SOCK_DGRAM': { make: (Class) => unixPair(Class, SOCK_DGRAM) },
  'AF_UNIX SOCK_SEQPACKET': { make: (Class) => unixPair(Class, SOCK_SEQPACKET) },
};

function unixPair(Class, type) {
  const [sender, receiver] = Class.pair(AF_UNIX, type);
  track(sender, receiver);
  const sndbuf = sender.getsockopt(SOL_SOCKET, SO_SNDBUF);
  return {
    sender,
    receiver,
    send: (data, wait) => sender.send(data, 0, ...wait),
    sendSyscall: 'send',
    // af_unix refuses a datagram longer than the sender's SO_SNDBUF minus 32 with EMSGSIZE.
    max: sndbuf - 32,
    budget: sndbuf / 4,
    from: { family: 'AF_UNIX', path: '' },
  };
}

// --- tests -----------------------------------------------------------------------------------------

describe('98 nothing lost', function () {
  const block = patternBlock();

  const size = STREAM_BYTES % 2 ** 30 === 0 ? `${STREAM_BYTES / 2 ** 30} GiB` : `${STREAM_BYTES} bytes`;
  describe(`${size} through a TCP stream, SHA-256 compared at both ends`, function () {
    this.timeout(STREAM_MS + 30_000);

    it('blocking: a worker sends, this thread receives', async function () {
      const server = listener();
      const peer = runPeer(
        STREAM_SENDER,
        { block, address: server.getsockname(), total: STREAM_BYTES, deadlineMs: STREAM_MS },
        { timeout: STREAM_MS + 10_000 },
      );
      const conn = guard(track(server.accept()));
      const { received, digest } = await receiveAll((buffer) => conn.recvInto(buffer));
      const { sent, digest: sentDigest } = await peer;
      expect(sent).to.equal(STREAM_BYTES);
      expect(received).to.equal(STREAM_BYTES);
      expect(digest).to.equal(sentDigest);
    });

    it('promises: both ends promise sockets, in this thread', async function () {
      const [client, conn] = await promiseTcpPair();
      const send = (async () => {
        const hash = createHash('sha256');
        let sent = 0;
        while (sent < STREAM_BYTES) {
          const chunk = chunkAt(block, sent, Math.min(MiB, STREAM_BYTES - sent));
          hash.update(chunk);
          sent += await client.sendAll(chunk, { timeout: CALL_MS });
        }
        client.shutdown(SHUT_WR);
        return { sent, digest: hash.digest('hex') };
      })();
      const [{ sent, digest: sentDigest }, { received, digest }] = await Promise.all([
        send,
        receiveAll((buffer) => conn.recvInto(buffer, { timeout: CALL_MS })),
      ]);
      expect(sent).to.equal(STREAM_BYTES);
      expect(received).to.equal(STREAM_BYTES);
      expect(digest).to.equal(sentDigest);
    });

    it('mixed: a blocking sender in a worker, a promise receiver in this thread', async function () {
      const server = promiseListener();
      const peer = runPeer(
        STREAM_SENDER,
        { block, address: server.getsockname(), total: STREAM_BYTES, deadlineMs: STREAM_MS },
        { timeout: STREAM_MS + 10_000 },
      );
      const conn = track(await server.accept({ timeout: CALL_MS }));
      const { received, digest } = await receiveAll((buffer) => conn.recvInto(buffer, { timeout: CALL_MS }));
      const { sent, digest: sentDigest } = await peer;
      expect(sent).to.equal(STREAM_BYTES);
      expect(received).to.equal(STREAM_BYTES);
      expect(digest).to.equal(sentDigest);
    });
  });

  describe('datagrams are never merged or split', function () {
    this.timeout(30_000);

    for (const [flavour, Class] of [
      ['blocking', BlockingSocket],
      ['promises', PromiseSocket],
    ]) {
      // The blocking flavour's calls return values (awaiting them is harmless); its recv(length,
      // flags) takes no options, and guard() bounds it instead.
      const wait = flavour === 'promises' ? [{ timeout: CALL_MS }] : [];

      for (const [name, transport] of Object.entries(transports)) {
        it(`${flavour}, ${name}: ${DATAGRAMS} datagrams of 0 bytes to the maximum arrive one per recv, whole and in order`, async function () {
          const { sender, receiver, send, sendSyscall, max, budget, from } = transport.make(Class);
          if (flavour === 'blocking') {
            guard(sender);
            guard(receiver);
          }
          const sizes = datagramSizes(max);
          expect(sizes).to.include.members([0, 1, max]);
          const pool = Buffer.allocUnsafe(2 * max + HEADER);
          for (let i = 0; i < pool.length; i++) pool[i] = (i * 31 + (i >>> 8) * 7) & 0xff;

          // One byte more than the maximum is refused whole, not cut down or split.
          const tooBig = await rejectionOrThrow(() => send(Buffer.alloc(max + 1), wait));
          expect(tooBig).to.be.an.instanceOf(SocketError);
          expect(tooBig).to.include({ code: 'EMSGSIZE', syscall: sendSyscall });

          // Flow control: send a batch that fits the budget, then receive it, so nothing is dropped
          // (UDP) or blocks (AF_UNIX) while this one thread is not reading. Several datagrams are
          // queued at every recv: a merge would show.
          const view = Buffer.allocUnsafe(max + 4096);
          let next = 0;
          for (let batches = 0; next < DATAGRAMS; batches++) {
            if (batches > DATAGRAMS) throw new Error('no progress');
            const first = next;
            let queued = 0;
            while (next < DATAGRAMS && next - first < 32 && (next === first || queued + sizes[next] + OVERHEAD <= budget)) {
              const sent = await send(datagram(pool, next, sizes[next]), wait);
              if (sent !== sizes[next]) throw new Error(`datagram ${next}: send took ${sent} of ${sizes[next]} bytes`);
              queued += sizes[next] + OVERHEAD;
              next++;
            }
            for (let seq = first; seq < next; seq++) {
              const expected = datagram(pool, seq, sizes[seq]);
              // Each receiving call in turn, every buffer larger than any datagram.
              if (seq % 3 === 0) {
                const n = await receiver.recvInto(view, 0, ...wait);
                checkDatagram(view.subarray(0, n), expected, seq);
              } else if (seq % 3 === 1) {
                checkDatagram(await receiver.recv(max + 1, 0, ...wait), expected, seq);
              } else {
                const { data, address } = await receiver.recvfrom(max + 1, 0, ...wait);
                checkDatagram(data, expected, seq);
                expect(address).to.deep.include(from);
              }
            }
          }
          expect(next).to.equal(DATAGRAMS);
          await expectNothingQueued(receiver, flavour);
        });

        it(`${flavour}, ${name}: a buffer shorter than the datagram gets its first bytes; MSG_TRUNC reports the real length`, async function () {
          const { sender, receiver, send } = transport.make(Class);
          if (flavour === 'blocking') {
            guard(sender);
            guard(receiver);
          }
          const datagrams = [1000, 300, 1000, 1000, 1000].map((size, i) => Buffer.alloc(size, 0x41 + i));
          for (const d of datagrams) expect(await send(d, wait)).to.equal(d.length);

          // recv(100): the first 100 bytes; the other 900 are discarded with the datagram.
          const cut = await receiver.recv(100, 0, ...wait);
          expect(cut.equals(datagrams[0].subarray(0, 100))).to.equal(true);
          // The next recv gets the next datagram whole, not the rest of the first.
          expect((await receiver.recv(2000, 0, ...wait)).equals(datagrams[1])).to.equal(true);
          // recvInto with MSG_TRUNC: returns the datagram's real length; only the view's bytes are written.
          const backing = Buffer.alloc(120, 0xee);
          const view = backing.subarray(10, 110);
          expect(await receiver.recvInto(view, MSG_TRUNC, ...wait)).to.equal(1000);
          expect(view.equals(datagrams[2].subarray(0, 100))).to.equal(true);
          expect(backing.subarray(0, 10).every((b) => b === 0xee) && backing.subarray(110).every((b) => b === 0xee)).to.equal(true);
          // recv and recvfrom with MSG_TRUNC: the bytes that fit.
          const truncated = await receiver.recv(100, MSG_TRUNC, ...wait);
          expect(truncated.length).to.equal(100);
          expect(truncated.equals(datagrams[3].subarray(0, 100))).to.equal(true);
          const { data } = await receiver.recvfrom(100, MSG_TRUNC, ...wait);
          expect(data.equals(datagrams[4].subarray(0, 100))).to.equal(true);
          await expectNothingQueued(receiver, flavour);
        });
      }
    }
  });

  describe('sendAll failing part way says how much went out (bytesSent)', function () {
    this.timeout(30_000);

    /** 64 MiB of the pattern: far more than the socket buffers of a peer that does not read. */
    const BIG = 64 * MiB;
    let big;
    before(function () {
      big = streamPrefix(block, BIG);
    });

    it('blocking: SO_SNDTIMEO 200 ms, a peer that does not read: EAGAIN, and the peer then reads exactly bytesSent bytes, the prefix', function () {
      const [client, conn] = tcpPair();
      client.setsockopt(SOL_SOCKET, SO_SNDTIMEO, 200);
      const started = performance.now();
      // lib/socket.ts reports send's own errno: EAGAIN (EWOULDBLOCK is the same number on Linux).
      const error = throwsLike(() => client.sendAll(big), { instanceOf: SocketError, code: 'EAGAIN', errno: -11, syscall: 'send' });
      expect(performance.now() - started).to.be.at.least(190);
      expect(error.bytesSent).to.be.a('number').above(0).below(BIG);

      client.shutdown(SHUT_WR);
      const received = readToEndSync(conn);
      expect(received.length).to.equal(error.bytesSent);
      expect(received.equals(big.subarray(0, error.bytesSent))).to.equal(true);
    });

    it('promises: { timeout: 200 } against a peer that does not read: ETIMEDOUT, and the peer reads exactly the bytesSent prefix', async function () {
      const [client, conn] = await promiseTcpPair();
      const started = performance.now();
      const error = await rejection(client.sendAll(big, { timeout: 200 }));
      expect(performance.now() - started).to.be.at.least(195);
      expect(error).to.be.an.instanceOf(SocketError);
      expect(error).to.include({ code: 'ETIMEDOUT', syscall: 'send' });
      expect(error.bytesSent).to.be.a('number').above(0).below(BIG);

      client.shutdown(SHUT_WR);
      const received = await readToEnd(conn, [{ timeout: CALL_MS }]);
      expect(received.length).to.equal(error.bytesSent);
      expect(received.equals(big.subarray(0, error.bytesSent))).to.equal(true);
    });

    it('promises: an AbortSignal aborting after 200 ms: AbortError, with bytesSent, and the peer reads exactly that prefix', async function () {
      const [client, conn] = await promiseTcpPair();
      const error = await rejection(client.sendAll(big, { signal: AbortSignal.timeout(200), timeout: CALL_MS }));
      expect(error.name).to.equal('AbortError');
      expect(error.code).to.equal('ABORT_ERR');
      // README: "sendAll may have sent part of its data before it is rejected, and its error says how
      // much in bytesSent" (an abort included: lib's own doc says "failure, timeout, abort").
      expect(error.bytesSent, 'bytesSent on the AbortError').to.be.a('number').above(0).below(BIG);

      client.shutdown(SHUT_WR);
      const received = await readToEnd(conn, [{ timeout: CALL_MS }]);
      expect(received.length).to.equal(error.bytesSent);
      expect(received.equals(big.subarray(0, error.bytesSent))).to.equal(true);
    });

    // A reset cannot give an exact count: bytesSent counts what the sender's kernel accepted, and the
    // reset discards whatever was still in flight or in the peer's receive queue, unread. So the peer
    // read at most bytesSent bytes, and those are the prefix.
    const RESET_AFTER = 4 * MiB;

    it('blocking: the peer reads 4 MiB then resets: EPIPE or ECONNRESET, bytesSent >= what it read', async function () {
      const server = listener();
      const peer = runPeer(
        `
        const { createHash } = require('node:crypto');
        const { Socket, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_RCVTIMEO, SO_LINGER } = sockcall;
        const s = new Socket(AF_INET, SOCK_STREAM);
        try {
          s.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 5000);
          s.connect(data.address);
          const hash = createHash('sha256');
          let read = 0;
          for (let calls = 0; read < data.resetAfter; calls++) {
            if (calls > 100000) throw new Error('peer: only ' + read + ' bytes');
            const chunk = s.recv(Math.min(65536, data.resetAfter - read));
            if (chunk.length === 0) throw new Error('peer: EOF after ' + read + ' bytes');
            hash.update(chunk);
            read += chunk.length;
          }
          // Linger 0: close() sends a reset rather than a FIN.
          s.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 0 });
          return { read, digest: hash.digest('hex') };
        } finally {
          s.close();
        }`,
        { address: server.getsockname(), resetAfter: RESET_AFTER },
      );
      const conn = guard(track(server.accept()));
      const error = throwsLike(() => conn.sendAll(big), { instanceOf: SocketError, syscall: 'send' });
      const { read, digest } = await peer;
      expect(['EPIPE', 'ECONNRESET']).to.include(error.code);
      expect(read).to.equal(RESET_AFTER);
      expect(digest).to.equal(sha256(big.subarray(0, read)));
      expect(error.bytesSent).to.be.a('number').at.least(read).below(BIG);
    });

    it('promises: the peer reads 4 MiB then resets: EPIPE or ECONNRESET, bytesSent >= what it read', async function () {
      const [client, conn] = await promiseTcpPair();
      const sending = rejection(client.sendAll(big, { timeout: CALL_MS }));
      const read = await readExactly(conn, RESET_AFTER);
      expect(read.equals(big.subarray(0, RESET_AFTER))).to.equal(true);
      conn.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 0 });
      conn.close();
      const error = await sending;
      expect(error).to.be.an.instanceOf(SocketError);
      expect(error.syscall).to.equal('send');
      expect(['EPIPE', 'ECONNRESET']).to.include(error.code);
      expect(error.bytesSent).to.be.a('number').at.least(RESET_AFTER).below(BIG);
    });
  });
});
