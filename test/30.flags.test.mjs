// recv/send flags and what each really does (the classic list): MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT,
// MSG_OOB, MSG_TRUNC, MSG_DONTROUTE, MSG_NOSIGNAL; SO_RCVLOWAT with select and recv; and the tutorials'
// read()/write(), which are recv/send with flags 0.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { constants as osConstants } from 'node:os';

import * as sockcall from 'sockcall';

import { guard, listener, root, runPeer, socket, tcpPair, throwsLike, track } from './helpers.mjs';

const {
  AF_INET,
  AF_UNIX,
  MSG_DONTROUTE,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  MSG_OOB,
  MSG_PEEK,
  MSG_TRUNC,
  MSG_WAITALL,
  POLLIN,
  SHUT_WR,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_RCVLOWAT,
  SO_SNDBUF,
  Socket,
  SocketError,
  poll,
  select,
} = sockcall;

/** Milliseconds since `start` (a process.hrtime.bigint() value). */
function msSince(start) {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Waits (bounded) until `s` is readable, without consuming anything. */
function waitReadable(s, ms = 2000) {
  const ready = poll([{ fd: s, events: POLLIN }], ms);
  expect(ready.length, 'socket became readable').to.equal(1);
  expect(ready[0].revents & POLLIN).to.equal(POLLIN);
}

/** Asserts nothing more is queued: a non-blocking recv fails with EAGAIN. */
function expectEmpty(s) {
  throwsLike(() => s.recv(65536, MSG_DONTWAIT), { code: 'EAGAIN', syscall: 'recv', instanceOf: SocketError });
}

/** A tracked, guarded UDP socket bound to an ephemeral loopback port. */
function udp() {
  const s = socket(AF_INET, SOCK_DGRAM);
  s.bind({ address: '127.0.0.1', port: 0 });
  return s;
}

/** Distinct bytes, so a reordering or a cut shows in the content. */
function pattern(size, seed = 0) {
  return Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + seed) & 0xff));
}

/**
 * The peer used by the MSG_WAITALL and SO_RCVLOWAT tests: connects to `data.port`, then for each
 * round waits for one 'g' byte and sends `data.chunks` (latin1 strings) with `data.delay` ms between
 * them. Returns the number of rounds served.
 */
const CHUNKED_PEER = `
  const { Socket, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_RCVTIMEO, SO_SNDTIMEO } = sockcall;
  const s = new Socket(AF_INET, SOCK_STREAM);
  try {
    s.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 5000);
    s.setsockopt(SOL_SOCKET, SO_SNDTIMEO, 5000);
    s.connect({ address: '127.0.0.1', port: data.port });
    for (let round = 0; round < data.rounds; round++) {
      const go = s.recv(1);
      if (go.toString() !== 'g') throw new Error('expected g, got ' + JSON.stringify(go.toString()));
      for (let i = 0; i < data.chunks.length; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, data.delay));
        s.sendAll(Buffer.from(data.chunks[i], 'latin1'));
      }
    }
    return data.rounds;
  } finally {
    s.close();
  }`;

/** Starts CHUNKED_PEER against a fresh listener and accepts its connection (guarded). */
function chunkedPeer({ chunks, delay, rounds }) {
  const server = listener();
  const peer = runPeer(CHUNKED_PEER, { port: server.getsockname().port, chunks: chunks.map((c) => c.toString('latin1')), delay, rounds });
  peer.catch(() => {}); // awaited by the test; this only keeps an early failure from going unhandled
  const conn = guard(track(server.accept()));
  return { conn, peer };
}

describe('30 recv/send flags', function () {
  this.timeout(10000);

  describe('MSG_PEEK', function () {
    it('does not consume on a stream socket: peek twice, then recv returns the same bytes', function () {
      const [client, conn] = tcpPair();
      expect(client.send('hello world')).to.equal(11);
      waitReadable(conn);
      expect(conn.recv(100, MSG_PEEK).toString()).to.equal('hello world');
      expect(conn.recv(5, MSG_PEEK).toString()).to.equal('hello');
      expect(conn.recv(100, MSG_PEEK).toString()).to.equal('hello world');
      expect(conn.recv(100).toString()).to.equal('hello world');
      // The plain recv did consume.
      expectEmpty(conn);
    });

    it('recvInto with MSG_PEEK fills the view and leaves the data queued', function () {
      const [client, conn] = tcpPair();
      client.send('peekaboo');
      waitReadable(conn);
      const view = new Uint8Array(4);
      expect(conn.recvInto(view, MSG_PEEK)).to.equal(4);
      expect(Buffer.from(view).toString()).to.equal('peek');
      expect(conn.recv(100).toString()).to.equal('peekaboo');
    });

    it('leaves the datagram queued on a datagram socket (same datagram twice, then the next one)', function () {
      const receiver = udp();
      const sender = udp();
      const to = receiver.getsockname();
      sender.sendto('first', to);
      sender.sendto('second', to);
      const peeked = receiver.recvfrom(100, MSG_PEEK);
      expect(peeked.data.toString()).to.equal('first');
      expect(peeked.address).to.deep.equal(sender.getsockname());
      expect(receiver.recv(100, MSG_PEEK).toString()).to.equal('first');
      expect(receiver.recvfrom(100).data.toString()).to.equal('first');
      expect(receiver.recv(100).toString()).to.equal('second');
      expectEmpty(receiver);
    });

    it('MSG_PEEK | MSG_TRUNC with an empty view tells a datagram\'s size without consuming it', function () {
      const receiver = udp();
      const sender = udp();
      sender.sendto(pattern(321), receiver.getsockname());
      waitReadable(receiver);
      expect(receiver.recvInto(Buffer.alloc(0), MSG_PEEK | MSG_TRUNC)).to.equal(321);
      expect(receiver.recv(321).equals(pattern(321))).to.equal(true);
    });
  });

  describe('MSG_WAITALL', function () {
    it('waits for the whole length across three delayed chunks, where a plain recv returns the first', async function () {
      const chunks = [Buffer.alloc(100, 'A'), Buffer.alloc(200, 'B'), Buffer.alloc(300, 'C')];
      const whole = Buffer.concat(chunks);
      const delay = 80;
      const { conn, peer } = chunkedPeer({ chunks, delay, rounds: 2 });

      // Round 1, plain recv: returns as soon as the first chunk is there, with just that chunk.
      conn.send('g');
      const first = conn.recv(whole.length);
      expect(first.length).to.equal(100);
      expect(first.equals(chunks[0])).to.equal(true);
      // Collect the rest of round 1 so round 2 starts clean.
      const rest = conn.recv(whole.length - first.length, MSG_WAITALL);
      expect(Buffer.concat([first, rest]).equals(whole)).to.equal(true);

      // Round 2, MSG_WAITALL: one call, all three chunks, after both delays have passed.
      conn.send('g');
      const start = process.hrtime.bigint();
      const all = conn.recv(whole.length, MSG_WAITALL);
      const elapsed = msSince(start);
      expect(all.length).to.equal(whole.length);
      expect(all.equals(whole)).to.equal(true);
      expect(elapsed, 'ms waited for the last chunk').to.be.at.least(2 * delay - 10);
      expect(await peer).to.equal(2);
    });

    it('still returns short at EOF: the bytes there were, then an empty Buffer', function () {
      const [client, conn] = tcpPair();
      client.send('abc');
      client.shutdown(SHUT_WR);
      const got = conn.recv(10, MSG_WAITALL);
      expect(got.toString()).to.equal('abc');
      expect(conn.recv(10, MSG_WAITALL).length).to.equal(0);
    });
  });

  describe('MSG_DONTWAIT', function () {
    it('fails with EAGAIN at once on an empty blocking socket, which stays blocking', function () {
      const [, conn] = tcpPair();
      expect(conn.getBlocking()).to.equal(true);
      const start = process.hrtime.bigint();
      const error = throwsLike(() => conn.recv(100, MSG_DONTWAIT), {
        code: 'EAGAIN',
        syscall: 'recv',
        instanceOf: SocketError,
      });
      expect(error.errno).to.equal(-osConstants.errno.EAGAIN);
      // The guard is SO_RCVTIMEO 5 s: a blocking recv would have waited that long.
      expect(msSince(start)).to.be.below(500);
      expect(conn.getBlocking()).to.equal(true);
      throwsLike(() => conn.recvInto(new Uint8Array(8), MSG_DONTWAIT), { code: 'EAGAIN', syscall: 'recv' });
      throwsLike(() => conn.recvfrom(8, MSG_DONTWAIT), { code: 'EAGAIN', syscall: 'recvfrom' });
    });

    it('returns the data when there is some, and EAGAIN again once it is read', function () {
      const [client, conn] = tcpPair();
      client.send('ready');
      waitReadable(conn);
      expect(conn.recv(100, MSG_DONTWAIT).toString()).to.equal('ready');
      expectEmpty(conn);
      expect(conn.getBlocking()).to.equal(true);
    });

    it('makes send fail with EAGAIN when the buffers are full, instead of blocking', function () {
      const [client, conn] = tcpPair();
      client.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
      conn.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096);
      const block = Buffer.alloc(16384, 0x5a);
      let queued = 0;
      let error;
      for (let i = 0; i < 10000 && error === undefined; i++) {
        try {
          queued += client.send(block, MSG_DONTWAIT);
        } catch (caught) {
          error = caught;
        }
      }
      expect(error, 'send hit a full buffer').to.be.instanceOf(SocketError);
      expect(error.code).to.equal('EAGAIN');
      expect(error.syscall).to.equal('send');
      expect(queued).to.be.above(0);
      expect(client.getBlocking()).to.equal(true);
      // Every byte that send accepted does arrive.
      let received = 0;
      for (let i = 0; i < 100000 && received < queued; i++) received += conn.recv(65536).length;
      expect(received).to.equal(queued);
    });
  });

  describe('MSG_OOB', function () {
    it('sends one urgent byte: select reports it in `except`, recv(1, MSG_OOB) returns it, in-band data skips it', function () {
      const [client, conn] = tcpPair();
      client.send('ab');
      waitReadable(conn);
      // No urgent data yet: no exceptional condition, and recv(MSG_OOB) has nothing to return.
      expect(select([], [], [conn], 0).except).to.deep.equal([]);
      throwsLike(() => conn.recv(1, MSG_OOB), { code: 'EINVAL', syscall: 'recv' });

      expect(client.send('!', MSG_OOB)).to.equal(1);
      client.send('cd');
      const ready = select([conn], [], [conn], 2000);
      expect(ready.except).to.have.lengthOf(1);
      expect(ready.except[0]).to.equal(conn);
      expect(ready.read[0]).to.equal(conn);

      expect(conn.recv(1, MSG_OOB).toString()).to.equal('!');
      // Read once: the exceptional condition is gone, and there is no second copy.
      expect(select([], [], [conn], 0).except).to.deep.equal([]);
      throwsLike(() => conn.recv(1, MSG_OOB), { code: 'EINVAL', syscall: 'recv' });

      // The in-band stream is 'abcd', in order, without the urgent byte. (A recv stops at the
      // urgent mark, so read in a bounded loop.)
      const parts = [];
      let total = 0;
      for (let i = 0; i < 10 && total < 4; i++) {
        const part = conn.recv(100, MSG_DONTWAIT);
        parts.push(part.toString());
        total += part.length;
      }
      expect(parts.join('')).to.equal('abcd');
      expectEmpty(conn);
    });
  });

  describe('MSG_TRUNC', function () {
    it('on UDP: recvInto a small view returns the full length and writes only inside the view', function () {
      const receiver = udp();
      const sender = udp();
      const datagram = pattern(200, 3);
      sender.sendto(datagram, receiver.getsockname());
      const backing = Buffer.alloc(32, 0xee);
      const view = backing.subarray(8, 24); // 16 bytes, with sentinels either side
      expect(receiver.recvInto(view, MSG_TRUNC)).to.equal(200);
      expect(view.equals(datagram.subarray(0, 16))).to.equal(true);
      expect(backing.subarray(0, 8).equals(Buffer.alloc(8, 0xee))).to.equal(true);
      expect(backing.subarray(24).equals(Buffer.alloc(8, 0xee))).to.equal(true);
      // The rest of the datagram is discarded.
      expectEmpty(receiver);
    });

    it('on UDP: recv(n, MSG_TRUNC) returns the truncated n bytes (and drops the rest)', function () {
      const receiver = udp();
      const sender = udp();
      const datagram = pattern(200, 5);
      sender.sendto(datagram, receiver.getsockname());
      sender.sendto('next', receiver.getsockname());
      const got = receiver.recv(10, MSG_TRUNC);
      expect(got.length).to.equal(10);
      expect(got.equals(datagram.subarray(0, 10))).to.equal(true);
      expect(receiver.recv(100).toString()).to.equal('next');
    });

    it('on TCP (Linux): recvInto with MSG_TRUNC discards that many bytes without writing the view', function () {
      const [client, conn] = tcpPair();
      client.send('helloworld');
      waitReadable(conn);
      const view = Buffer.alloc(5, 0xee);
      expect(conn.recvInto(view, MSG_TRUNC)).to.equal(5);
      expect(view.equals(Buffer.alloc(5, 0xee))).to.equal(true);
      expect(conn.recv(100).toString()).to.equal('world');
    });

    it('on TCP: recv(n, MSG_TRUNC) discards n bytes and never returns memory the kernel did not write', function () {
      // In a child with --expose-gc: free buffers full of 0xa5 (garbage a careless allocation would
      // pick up), then discard bytes the peer sent as zeros. Whatever recv returns may only hold
      // bytes that came from the socket: zeros (or nothing at all).
      const script = `
        const { Socket, AF_INET, SOCK_STREAM, MSG_TRUNC, MSG_WAITALL } = require(${JSON.stringify(root)});
        const server = new Socket(AF_INET, SOCK_STREAM);
        server.bind({ address: '127.0.0.1', port: 0 });
        server.listen(1);
        const client = new Socket(AF_INET, SOCK_STREAM);
        client.connect(server.getsockname());
        const conn = server.accept();
        const rounds = [];
        for (let round = 0; round < 5; round++) {
          for (let i = 0; i < 20; i++) Buffer.allocUnsafeSlow(16384).fill(0xa5);
          globalThis.gc();
          client.send(Buffer.alloc(16384 + 5, 0));
          client.send('tail!');
          const got = conn.recv(16384, MSG_TRUNC | MSG_WAITALL);
          const rest = conn.recv(10, MSG_WAITALL).toString('latin1');
          rounds.push({ length: got.length, nonZero: got.filter((b) => b !== 0).length, rest });
        }
        for (const s of [conn, client, server]) s.close();
        console.log(JSON.stringify(rounds));`;
      const rounds = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: 10000 }));
      expect(rounds).to.have.lengthOf(5);
      for (const round of rounds) {
        // Exactly 16384 bytes were discarded: what follows is the 5 zeros left over, then 'tail!'.
        expect(round.rest).to.equal('\0\0\0\0\0tail!');
        expect(round.nonZero, 'bytes in the returned Buffer that the peer never sent').to.equal(0);
      }
    });
  });

  describe('MSG_DONTROUTE and MSG_NOSIGNAL', function () {
    it('MSG_DONTROUTE works on loopback: TCP and UDP data arrive', function () {
      const [client, conn] = tcpPair();
      expect(client.send('direct', MSG_DONTROUTE)).to.equal(6);
      expect(conn.recv(100).toString()).to.equal('direct');
      const receiver = udp();
      const sender = udp();
      expect(sender.sendto('direct datagram', receiver.getsockname(), MSG_DONTROUTE)).to.equal(15);
      expect(receiver.recvfrom(100).data.toString()).to.equal('direct datagram');
    });

    it('passing MSG_NOSIGNAL explicitly is fine (it is added anyway), alone or with other flags', function () {
      const [client, conn] = tcpPair();
      expect(client.send('one', MSG_NOSIGNAL)).to.equal(3);
      expect(client.sendAll('two', MSG_NOSIGNAL | MSG_DONTWAIT)).to.equal(3);
      expect(conn.recv(6, MSG_WAITALL).toString()).to.equal('onetwo');
      const receiver = udp();
      const sender = udp();
      expect(sender.sendto('three', receiver.getsockname(), MSG_NOSIGNAL)).to.equal(5);
      expect(receiver.recv(100).toString()).to.equal('three');
    });

    it('a send to a closed peer with MSG_NOSIGNAL given explicitly is still EPIPE, not a signal', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
      track(a, b);
      b.close();
      throwsLike(() => a.send('anyone?', MSG_NOSIGNAL), { code: 'EPIPE', syscall: 'send', instanceOf: SocketError });
    });
  });

  describe('SO_RCVLOWAT', function () {
    it('with 250 set, select stays not-readable at 100 bytes and turns readable at 250; one recv(250) takes all', function () {
      const [client, conn] = tcpPair();
      conn.setsockopt(SOL_SOCKET, SO_RCVLOWAT, 250);
      expect(conn.getsockopt(SOL_SOCKET, SO_RCVLOWAT)).to.equal(250);
      const payload = pattern(250, 11);

      client.sendAll(payload.subarray(0, 100));
      // The 100 bytes are there (a non-blocking peek sees them) ...
      expect(conn.recvInto(Buffer.alloc(250), MSG_PEEK | MSG_DONTWAIT)).to.equal(100);
      // ... but below the low-water mark select does not call the socket readable.
      const start = process.hrtime.bigint();
      const before = select([conn], [], [], 200);
      const waited = msSince(start);
      expect(before.read).to.deep.equal([]);
      expect(waited, 'select waited out its timeout').to.be.at.least(195);

      client.sendAll(payload.subarray(100));
      const after = select([conn], [], [], 2000);
      expect(after.read).to.have.lengthOf(1);
      expect(after.read[0]).to.equal(conn);

      const data = conn.recv(250);
      expect(data.length).to.equal(250);
      expect(data.equals(payload)).to.equal(true);
    });

    it("makes one blocking recv(250) wait for all 250 bytes sent in two delayed parts (IBM's server)", async function () {
      const payload = pattern(250, 13);
      const chunks = [payload.subarray(0, 100), payload.subarray(100)];
      const delay = 100;
      const { conn, peer } = chunkedPeer({ chunks, delay, rounds: 1 });
      conn.setsockopt(SOL_SOCKET, SO_RCVLOWAT, 250);
      conn.send('g');
      const start = process.hrtime.bigint();
      const data = conn.recv(250);
      const elapsed = msSince(start);
      expect(data.length).to.equal(250);
      expect(data.equals(payload)).to.equal(true);
      expect(elapsed, 'recv waited for the second part').to.be.at.least(delay - 10);
      expect(await peer).to.equal(1);
    });
  });

  describe('read()/write() style (recv/send with flags 0)', function () {
    it('write returns the count written, read fills a preallocated buffer and returns the count, 0 at EOF', function () {
      const [client, conn] = tcpPair();
      const message = Buffer.from('Hello from write()\n');
      // write(fd, buf, count)
      expect(client.send(message)).to.equal(message.length);
      // read(fd, buf, count)
      const buffer = Buffer.alloc(256);
      let count = 0;
      for (let i = 0; i < 10 && count < message.length; i++) count += conn.recvInto(buffer.subarray(count));
      expect(count).to.equal(message.length);
      expect(buffer.subarray(0, count).equals(message)).to.equal(true);
      expect(buffer.subarray(count).equals(Buffer.alloc(256 - count))).to.equal(true);

      // Any TypedArray or DataView can be written; bytes go as they lie in memory.
      const words = new Uint16Array([0x0102, 0x0304]);
      expect(client.send(words)).to.equal(4);
      expect(client.send(new DataView(new TextEncoder().encode('xyz').buffer))).to.equal(3);
      expect(conn.recv(7, MSG_WAITALL).equals(Buffer.concat([Buffer.from(words.buffer), Buffer.from('xyz')]))).to.equal(
        true,
      );

      // close() on the writer: read returns 0 (recvInto) / an empty Buffer (recv).
      client.close();
      expect(conn.recvInto(buffer)).to.equal(0);
      const eof = conn.recv(256);
      expect(eof).to.be.instanceOf(Buffer);
      expect(eof.length).to.equal(0);
    });
  });
});
