// sendfile(2) over loopback TCP and Unix stream sockets, both flavours: the bytes that arrive are the
// file's, an offset leaves the file's position alone and a null offset moves it, the loop
// (sendfileAll) stops at the end of the file, and a full buffer is waited out (promises) or reported
// (a non-blocking blocking Socket). The receiving side counts and hashes what arrives.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as sockcall from 'sockcall';
import * as promises from 'sockcall/promises';

import { bounded, guard, listener, runPeer, throwsLike, track } from './helpers.mjs';

const { AF_UNIX, SOCK_STREAM, Socket, SocketError } = sockcall;

const SIZE = 3 * 1024 * 1024 + 17; // more than a socket buffer, not a whole number of pages
const content = randomBytes(SIZE);
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Receives exactly `length` bytes on a blocking socket (each recv bounded by SO_RCVTIMEO). */
function recvExactly(sock, length) {
  const parts = [];
  let got = 0;
  for (let calls = 0; got < length; calls++) {
    if (calls > 100000) throw new Error(`still ${length - got} bytes short after ${calls} calls`);
    const chunk = sock.recv(Math.min(length - got, 1 << 20));
    if (chunk.length === 0) break;
    parts.push(chunk);
    got += chunk.length;
  }
  return Buffer.concat(parts);
}

/** Receives on a promise socket until `length` bytes or EOF, each recv bounded. */
async function recvAll(sock, length) {
  const parts = [];
  let got = 0;
  for (let calls = 0; got < length && calls < 100000; calls++) {
    const chunk = await sock.recv(1 << 20, { timeout: 5000 });
    if (chunk.length === 0) break;
    parts.push(chunk);
    got += chunk.length;
  }
  return Buffer.concat(parts);
}

describe('22 sendfile', function () {
  this.timeout(20000);
  let dir;
  let path;
  let fd;

  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'sockcall-sendfile-'));
    path = join(dir, 'data.bin');
    writeFileSync(path, content);
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(function () {
    fd = openSync(path, 'r');
  });
  afterEach(function () {
    closeSync(fd);
  });

  /** The file's own position, read by reading one byte at it (and putting nothing back: tests end there). */
  function position() {
    const one = Buffer.alloc(1);
    readSync(fd, one, 0, 1, null);
    return one[0];
  }

  describe('blocking', function () {
    it('sends the bytes at the offset, leaves the file position alone, and returns the count (the next offset is offset + count)', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM).map((s) => guard(track(s)));
      expect(a.sendfile(fd, 1000, 5000)).to.equal(5000);
      expect(a.sendfile(fd, 6000, 1)).to.equal(1);
      expect(recvExactly(b, 5001).equals(content.subarray(1000, 6001))).to.equal(true);
      expect(position()).to.equal(content[0]); // never moved
    });

    it('with offset null reads from the file position and moves it on', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM).map((s) => guard(track(s)));
      expect(a.sendfile(fd, null, 100)).to.equal(100);
      expect(a.sendfile(fd, null, 50)).to.equal(50);
      expect(recvExactly(b, 150).equals(content.subarray(0, 150))).to.equal(true);
      expect(position()).to.equal(content[150]);
    });

    it('returns 0 at the end of the file and what is left near it', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM).map((s) => guard(track(s)));
      expect(a.sendfile(fd, SIZE - 10, 100)).to.equal(10);
      expect(a.sendfile(fd, SIZE, 100)).to.equal(0);
      expect(a.sendfile(fd, SIZE + 4096, 100)).to.equal(0);
      expect(a.sendfile(fd, 0, 0)).to.equal(0);
      expect(recvExactly(b, 10).equals(content.subarray(SIZE - 10))).to.equal(true);
    });

    it('sendfileAll sends a file larger than the socket buffers over TCP, byte for byte, from a FileHandle too', async function () {
      const server = listener();
      const peer = runPeer(
        `
        const { createHash } = require('node:crypto');
        const { Socket, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_RCVTIMEO } = sockcall;
        const s = new Socket(AF_INET, SOCK_STREAM);
        try {
          s.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 5000);
          s.connect({ address: '127.0.0.1', port: data.port });
          const hash = createHash('sha256');
          let total = 0;
          for (let calls = 0; calls < 100000; calls++) {
            const chunk = s.recv(1 << 20);
            if (chunk.length === 0) break;
            hash.update(chunk);
            total += chunk.length;
          }
          return { total, digest: hash.digest('hex') };
        } finally {
          s.close();
        }`,
        { port: server.getsockname().port },
      );
      // A worker can take seconds to start (under valgrind): the accept waits longer, still bounded.
      guard(server, 30000);
      const conn = guard(track(server.accept()));
      const handle = await open(path);
      try {
        const half = 1024 * 1024;
        expect(conn.sendfileAll(fd, 7, half)).to.equal(half);
        expect(conn.sendfileAll(handle, 7 + half, SIZE)).to.equal(SIZE - 7 - half);
      } finally {
        await handle.close();
      }
      conn.close();
      const { total, digest } = await peer;
      expect(total).to.equal(SIZE - 7);
      expect(digest).to.equal(sha256(content.subarray(7)));
      expect(position()).to.equal(content[0]);
    });

    it('sendfileAll stops at the end of the file, returning fewer than count', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM).map((s) => guard(track(s)));
      expect(a.sendfileAll(fd, SIZE - 1000, 5000)).to.equal(1000);
      expect(recvExactly(b, 1000).equals(content.subarray(SIZE - 1000))).to.equal(true);
    });

    it('on a non-blocking socket with a full buffer: EAGAIN; sendfileAll says how much went (bytesSent)', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM).map((s) => guard(track(s)));
      a.setBlocking(false);
      const error = throwsLike(() => a.sendfileAll(fd, 0, SIZE), { instanceOf: SocketError, code: 'EAGAIN', syscall: 'sendfile' });
      expect(error.bytesSent).to.be.above(0).and.below(SIZE);
      expect(error.message).to.contain(`sendfileAll stopped after ${error.bytesSent} of ${SIZE} bytes`);
      throwsLike(() => a.sendfile(fd, error.bytesSent, 1 << 20), { code: 'EAGAIN', syscall: 'sendfile' });
      expect(recvExactly(b, error.bytesSent).equals(content.subarray(0, error.bytesSent))).to.equal(true);
    });

    it('a peer gone: EPIPE, not SIGPIPE', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM).map((s) => guard(track(s)));
      b.close();
      throwsLike(() => a.sendfile(fd, 0, 100), { code: 'EPIPE', syscall: 'sendfile' });
    });
  });

  describe('promises', function () {
    it('sendfileAll waits for room and sends the whole file to a reader on the same loop', async function () {
      const [a, b] = promises.Socket.pair(AF_UNIX, SOCK_STREAM);
      try {
        const received = recvAll(b, SIZE);
        expect(await bounded(a.sendfileAll(fd, 0, SIZE + 1000), 15000, 'sendfileAll')).to.equal(SIZE);
        expect(sha256(await bounded(received, 15000, 'receive'))).to.equal(sha256(content));
      } finally {
        a.close();
        b.close();
      }
    });

    it('sendfile waits for room and then makes one call: a count up to what fitted, the offset moved by it', async function () {
      const [a, b] = promises.Socket.pair(AF_UNIX, SOCK_STREAM);
      try {
        const first = await a.sendfile(fd, 0, SIZE);
        expect(first).to.be.above(0).and.below(SIZE);
        const second = a.sendfile(fd, first, SIZE - first); // the buffer is full: it waits
        const received = recvAll(b, first + 1);
        const more = await bounded(second, 10000, 'sendfile');
        expect(more).to.be.above(0);
        const bytes = await bounded(received, 10000, 'receive');
        expect(bytes.equals(content.subarray(0, bytes.length))).to.equal(true);
        expect(position()).to.equal(content[0]);
      } finally {
        a.close();
        b.close();
      }
    });

    it('with offset null moves the file position, and takes a FileHandle', async function () {
      const [a, b] = promises.Socket.pair(AF_UNIX, SOCK_STREAM);
      const handle = await open(path);
      try {
        expect(await a.sendfile(handle, null, 10)).to.equal(10);
        expect(await a.sendfileAll(handle, null, 20)).to.equal(20);
        const bytes = await recvAll(b, 30);
        expect(bytes.equals(content.subarray(0, 30))).to.equal(true);
      } finally {
        await handle.close();
        a.close();
        b.close();
      }
    });

    it('a timeout while the buffer stays full rejects with ETIMEDOUT and bytesSent', async function () {
      const [a, b] = promises.Socket.pair(AF_UNIX, SOCK_STREAM);
      try {
        const error = await a.sendfileAll(fd, 0, SIZE, { timeout: 50 }).then(
          () => null,
          (caught) => caught,
        );
        expect(error).to.be.instanceOf(SocketError);
        expect(error.code).to.equal('ETIMEDOUT');
        expect(error.syscall).to.equal('sendfile');
        expect(error.bytesSent).to.be.above(0).and.below(SIZE);
        const bytes = await recvAll(b, error.bytesSent);
        expect(bytes.equals(content.subarray(0, error.bytesSent))).to.equal(true);
      } finally {
        a.close();
        b.close();
      }
    });
  });
});
